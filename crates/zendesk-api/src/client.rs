//! GET requests to the Zendesk API, paced per endpoint class, with retries: 429 pushes the
//! class back by `Retry-After`, 5xx and transport failures back off with full jitter, and no
//! attempt starts that cannot finish before the deadline.

use std::time::Duration;

use delivery::http::{http_client, retry_after, snippet, transport_error};
use delivery::{Deadline, RetryPolicy};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde::de::DeserializeOwned;

use crate::config::ZendeskConfig;
use crate::error::ZendeskError;
use crate::rate_limit::{EndpointClass, RateLimiter};

/// A Zendesk API client, built once per container.
pub struct ZendeskClient {
    http: reqwest::Client,
    base_url: String,
    authorization: HeaderValue,
    policy: RetryPolicy,
    limiter: RateLimiter,
}

impl std::fmt::Debug for ZendeskClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZendeskClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl ZendeskClient {
    /// A client for `config` retrying by `policy`.
    pub fn new(config: &ZendeskConfig, policy: RetryPolicy) -> Result<Self, String> {
        let mut authorization = HeaderValue::from_str(&config.auth.header())
            .map_err(|_| "the Zendesk credentials contain characters not allowed in a header")?;
        authorization.set_sensitive(true);
        Ok(Self {
            http: http_client()?,
            base_url: config.base_url.clone(),
            authorization,
            policy,
            limiter: RateLimiter::new(config.rate_limits),
        })
    }

    /// Total time spent waiting for Zendesk's rate limits so far.
    pub fn rate_limit_wait(&self) -> Duration {
        self.limiter.waited()
    }

    /// How long the next request of `class` would wait for its slot.
    pub fn next_slot_in(&self, class: EndpointClass) -> Duration {
        self.limiter.pace(class).wait()
    }

    /// GETs `path_and_query` (starting with `/api/v2/`) and decodes the JSON answer.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path_and_query: &str,
        deadline: &Deadline,
    ) -> Result<T, ZendeskError> {
        let url = format!("{}{path_and_query}", self.base_url);
        let endpoint = path_and_query.split('?').next().unwrap_or(path_and_query);
        let class = EndpointClass::of(endpoint);
        let mut attempt = 1;
        loop {
            self.await_slot(class, endpoint, deadline).await?;
            let timeout = deadline.request_timeout(&self.policy);
            match self.attempt(&url, endpoint, timeout).await {
                Ok(answer) => return answer,
                Err((reason, Some(wait), true)) => {
                    // 429: the whole class waits; the next slot already includes the pause.
                    self.limiter.pause(class, wait);
                    self.give_up_after(attempt, &reason)?;
                    tracing::info!(attempt, retry_after_ms = wait.as_millis() as u64, %reason, "Zendesk rate limit");
                }
                Err((reason, wait, _)) => self.backoff(attempt, wait, deadline, reason).await?,
            }
            attempt += 1;
        }
    }

    /// Waits for the next request slot of `class`, unless that would pass the deadline.
    async fn await_slot(
        &self,
        class: EndpointClass,
        endpoint: &str,
        deadline: &Deadline,
    ) -> Result<(), ZendeskError> {
        let wait = self.limiter.pace(class).wait();
        if !deadline.allows(wait, self.policy.min_attempt_time) {
            return Err(ZendeskError::Unavailable {
                reason: format!(
                    "no time left before the deadline to call {endpoint} (next slot in {} ms)",
                    wait.as_millis()
                ),
            });
        }
        let wait = self.limiter.claim(class);
        if !wait.is_zero() {
            self.limiter.note_wait(wait);
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    fn give_up_after(&self, attempt: u32, reason: &str) -> Result<(), ZendeskError> {
        if attempt >= self.policy.max_attempts {
            return Err(ZendeskError::Unavailable {
                reason: format!("gave up after {attempt} attempts: {reason}"),
            });
        }
        Ok(())
    }

    /// One request: the final answer, or why it may be retried and after how long.
    async fn attempt<T: DeserializeOwned>(
        &self,
        url: &str,
        endpoint: &str,
        timeout: Duration,
    ) -> Result<Result<T, ZendeskError>, (String, Option<Duration>, bool)> {
        let response = self
            .http
            .get(url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, "application/json")
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| (format!("{endpoint}: {}", transport_error(&e)), None, false))?;
        let status = response.status().as_u16();
        let wait = retry_after(response.headers());
        let body = response
            .bytes()
            .await
            .map_err(|e| (format!("{endpoint}: {}", transport_error(&e)), None, false))?;
        match status {
            200..=299 => Ok(decode(&body)),
            429 => Err((
                format!("{endpoint} answered HTTP 429: {}", snippet(&body)),
                // Without Retry-After, a minute frees every per-minute window.
                Some(wait.unwrap_or(Duration::from_secs(60))),
                true,
            )),
            500..=599 => Err((
                format!("{endpoint} answered HTTP {status}: {}", snippet(&body)),
                wait,
                false,
            )),
            401 | 403 => Ok(Err(ZendeskError::Unauthorized {
                status,
                message: message(&body),
            })),
            _ => Ok(Err(ZendeskError::Rejected {
                status,
                message: format!("{endpoint}: {}", message(&body)),
            })),
        }
    }

    /// Sleeps before attempt `attempt + 1`, or gives up when attempts or time ran out.
    async fn backoff(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        deadline: &Deadline,
        reason: String,
    ) -> Result<(), ZendeskError> {
        self.give_up_after(attempt, &reason)?;
        let delay = self.policy.delay(attempt, retry_after);
        if !deadline.allows(delay, self.policy.min_attempt_time) {
            return Err(ZendeskError::Unavailable {
                reason: format!(
                    "{reason}; a retry in {} ms would pass the deadline",
                    delay.as_millis()
                ),
            });
        }
        tracing::info!(attempt, delay_ms = delay.as_millis() as u64, %reason, "retrying Zendesk");
        tokio::time::sleep(delay).await;
        Ok(())
    }
}

/// Decodes a JSON answer; the error names the JSON path.
pub(crate) fn decode<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, ZendeskError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| ZendeskError::Decode {
        path: format!("$.{}", e.path()),
        reason: e.inner().to_string(),
    })
}

/// Zendesk's error text: `error.message`, `description`, `error`, or the body itself.
fn message(body: &[u8]) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let pick = |v: &serde_json::Value| -> Option<String> {
        [
            v.pointer("/error/message"),
            v.get("description"),
            v.get("error"),
        ]
        .into_iter()
        .flatten()
        .find_map(|x| x.as_str().map(str::to_owned))
    };
    parsed
        .as_ref()
        .and_then(pick)
        .unwrap_or_else(|| snippet(body))
}
