//! Secrets given either as a value (`NAME`) or as a Secrets Manager ARN (`NAME_ARN`), fetched
//! once at init so the rest of the configuration reads `NAME` the same way in both cases.
//!
//! The one call this needs, `GetSecretValue`, is made with the function's HTTP client and signed
//! with aws-sigv4, not with aws-sdk-secretsmanager and aws-config: linked in, that SDK client and
//! its credential chain (STS, SSO, IMDS, profile files) cost mixpanel-sink 2 MB of resident memory
//! and its 32 MB floor, and a Lambda has its credentials in its environment.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use serde_json::{Value, json};

use crate::http::{http_client, snippet, transport_error};
use crate::retry::RetryPolicy;
use crate::settings::{ConfigError, Settings};

/// Retries of a `GetSecretValue` call at init: throttling, 5xx and network failures are tried
/// three times in all, with the project's full-jitter backoff.
const RETRY: RetryPolicy = RetryPolicy {
    initial_backoff: Duration::from_millis(200),
    max_backoff: Duration::from_secs(2),
    max_attempts: 3,
    min_attempt_time: Duration::from_secs(1),
    request_timeout: Duration::from_secs(5),
};
/// Secrets Manager's JSON protocol operation.
const TARGET: &str = "secretsmanager.GetSecretValue";

/// A Secrets Manager reader configured from the environment Lambda gives a function.
pub struct SecretsManager {
    endpoint: String,
    region: String,
    credentials: Credentials,
    http: reqwest::Client,
}

impl SecretsManager {
    /// From `AWS_REGION`, the credentials `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
    /// `AWS_SESSION_TOKEN`, and for local runs an endpoint from `AWS_ENDPOINT_URL_SECRETS_MANAGER`
    /// or `AWS_ENDPOINT_URL`; the error names the missing variable.
    pub fn from_settings(settings: &Settings<'_>) -> Result<Self, ConfigError> {
        let required = |name: &str| {
            settings.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
                ConfigError::new(name, "is needed to read `…_ARN` secrets (Lambda sets it)")
            })
        };
        let region = required("AWS_REGION")?;
        let credentials = Credentials::new(
            required("AWS_ACCESS_KEY_ID")?,
            required("AWS_SECRET_ACCESS_KEY")?,
            settings.get("AWS_SESSION_TOKEN").filter(|v| !v.is_empty()),
            None,
            "environment",
        );
        let endpoint = settings
            .get("AWS_ENDPOINT_URL_SECRETS_MANAGER")
            .or_else(|| settings.get("AWS_ENDPOINT_URL"))
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| format!("https://secretsmanager.{region}.amazonaws.com"));
        let http = http_client().map_err(|e| ConfigError::new("AWS_REGION", e))?;
        Ok(Self {
            endpoint: format!("{}/", endpoint.trim_end_matches('/')),
            region,
            credentials,
            http,
        })
    }

    /// The secret's `SecretString`, trimmed; the error says why not, never with the value.
    async fn read(&self, arn: &str) -> Result<String, String> {
        let body = json!({ "SecretId": arn }).to_string();
        let mut attempt = 1;
        loop {
            match self.get_secret_value(&body).await {
                Ok(answer) => return secret_string_of(&answer),
                Err(Failure::Transient(reason)) if attempt < RETRY.max_attempts => {
                    tracing::warn!(attempt, reason = %reason, "Secrets Manager call failed; retrying");
                    tokio::time::sleep(RETRY.delay(attempt, None)).await;
                    attempt += 1;
                }
                Err(Failure::Transient(reason) | Failure::Permanent(reason)) => {
                    return Err(format!("cannot read the secret: {reason}"));
                }
            }
        }
    }

    async fn get_secret_value(&self, body: &str) -> Result<Value, Failure> {
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", TARGET),
        ];
        let signed = self
            .signing_headers(&headers, body)
            .map_err(|e| Failure::Permanent(format!("cannot sign the request: {e}")))?;
        let mut request = self
            .http
            .post(&self.endpoint)
            .timeout(RETRY.request_timeout)
            .body(body.to_owned());
        for (name, value) in headers
            .iter()
            .copied()
            .chain(signed.iter().map(|(n, v)| (n.as_str(), v.as_str())))
        {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| Failure::Transient(transport_error(&e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Failure::Transient(transport_error(&e)))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| Failure::Permanent(format!("unreadable answer ({e})")));
        }
        // Errors name their type in `__type` (sometimes prefixed with a namespace and `#`).
        let error: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let kind = error["__type"]
            .as_str()
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned())
            .unwrap_or_else(|| snippet(&bytes));
        let message = error["message"]
            .as_str()
            .or_else(|| error["Message"].as_str())
            .unwrap_or_default();
        let reason = format!("{status}: {kind} {message}").trim().to_owned();
        if status.is_server_error() || kind.contains("Throttling") || status.as_u16() == 429 {
            Err(Failure::Transient(reason))
        } else {
            Err(Failure::Permanent(reason))
        }
    }

    /// The SigV4 headers (`authorization`, `x-amz-date`, `x-amz-security-token`) for a POST of
    /// `body` with `headers` to the endpoint.
    fn signing_headers(
        &self,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<Vec<(String, String)>, Box<dyn std::error::Error + Send + Sync>> {
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("secretsmanager")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()?
            .into();
        let request = SignableRequest::new(
            "POST",
            self.endpoint.as_str(),
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )?;
        let (instructions, _signature) = sign(request, &params)?.into_parts();
        Ok(instructions
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect())
    }
}

/// Reads one secret's value by ARN: [`SecretsManager`] (one SigV4-signed call), or the AWS SDK
/// in a function that links it anyway (feature `sdk-secrets`).
pub trait SecretReader {
    /// The secret's `SecretString`, trimmed; the error says why not, never with the value.
    fn secret_string(&self, arn: &str)
    -> impl std::future::Future<Output = Result<String, String>>;
}

impl SecretReader for SecretsManager {
    async fn secret_string(&self, arn: &str) -> Result<String, String> {
        self.read(arn).await
    }
}

enum Failure {
    /// Worth another attempt: throttling, 5xx, network.
    Transient(String),
    /// Will not change: not found, access denied, bad request.
    Permanent(String),
}

fn secret_string_of(answer: &Value) -> Result<String, String> {
    usable_secret_string(answer["SecretString"].as_str())
}

/// A `SecretString` trimmed, or why it cannot be used.
pub(crate) fn usable_secret_string(value: Option<&str>) -> Result<String, String> {
    value
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| "the secret has no SecretString (binary secrets are not supported)".into())
}

/// Fetches every `NAME_ARN` among `names` that is set (and whose `NAME` is not) from Secrets
/// Manager and returns `settings` with those values in place of `NAME`. Setting both is an error,
/// as is a secret that cannot be read; the error names the variable, never the value.
pub async fn resolve_secret_arns<'a>(
    settings: Settings<'a>,
    names: &[&str],
    secrets_manager: &impl SecretReader,
) -> Result<Settings<'a>, ConfigError> {
    let mut wanted = Vec::new();
    for name in names {
        let arn_variable = format!("{name}_ARN");
        match (settings.get(name), settings.get(&arn_variable)) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    &arn_variable,
                    format!("set either {name} or {arn_variable}, not both"),
                ));
            }
            (None, Some(arn)) => wanted.push((name.to_string(), arn_variable, arn)),
            _ => {}
        }
    }
    if wanted.is_empty() {
        return Ok(settings);
    }
    let mut values = HashMap::new();
    for (name, arn_variable, arn) in wanted {
        let value = secrets_manager
            .secret_string(&arn)
            .await
            .map_err(|reason| ConfigError::new(&arn_variable, reason))?;
        values.insert(name, value);
    }
    Ok(settings.overlay(values))
}

/// [`resolve_secret_arns`] with a [`SecretsManager`] configured from the environment, and only
/// when some `NAME_ARN` is set: a function given plain values needs no AWS settings.
pub async fn resolve_secrets<'a>(
    settings: Settings<'a>,
    names: &[&str],
) -> Result<Settings<'a>, ConfigError> {
    if !wants_secrets(&settings, names) {
        return Ok(settings);
    }
    let secrets_manager = SecretsManager::from_settings(&settings)?;
    resolve_secret_arns(settings, names, &secrets_manager).await
}

/// Whether any `NAME_ARN` among `names` is set.
pub(crate) fn wants_secrets(settings: &Settings<'_>, names: &[&str]) -> bool {
    names
        .iter()
        .any(|name| settings.get(&format!("{name}_ARN")).is_some())
}
