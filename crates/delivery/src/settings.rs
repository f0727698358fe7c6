//! Reading settings from the environment once, at init, with errors that name the variable.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use ticket_analytics::{EventNames, PiiPolicy};
use zendesk_events::EventType;

use crate::retry::RetryPolicy;

/// A missing or malformed setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The environment variable at fault.
    pub variable: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ConfigError {
    /// An error about `variable`.
    pub fn new(variable: &str, reason: impl Into<String>) -> Self {
        Self {
            variable: variable.to_owned(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}: {}", self.variable, self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// A source of raw setting values by name.
type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// Where settings come from: the process environment, or a map in tests.
pub struct Settings<'a> {
    lookup: Lookup<'a>,
}

impl<'a> Settings<'a> {
    /// Settings from the process environment.
    pub fn from_env() -> Settings<'static> {
        Settings {
            lookup: Box::new(|k| std::env::var(k).ok()),
        }
    }

    /// Settings from any lookup function.
    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Self {
            lookup: Box::new(lookup),
        }
    }

    /// Settings from fixed pairs (tests, local tools); a later pair overrides an earlier one.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Settings<'static> {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_fn(move |k| map.get(k).cloned())
    }

    /// These settings with `values` taking precedence (secrets fetched at init, for one).
    pub fn overlay(self, values: std::collections::HashMap<String, String>) -> Self {
        let lookup = self.lookup;
        Self {
            lookup: Box::new(move |k| values.get(k).cloned().or_else(|| lookup(k))),
        }
    }

    /// A trimmed, non-empty value.
    pub fn get(&self, key: &str) -> Option<String> {
        (self.lookup)(key)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A required value.
    pub fn required(&self, key: &str) -> Result<String, ConfigError> {
        self.get(key)
            .ok_or_else(|| ConfigError::new(key, "is required but not set"))
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`), or `default` when unset.
    pub fn flag(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(key).map(|v| v.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if ["true", "1", "yes", "on"].contains(&v.as_str()) => Ok(true),
            Some(v) if ["false", "0", "no", "off"].contains(&v.as_str()) => Ok(false),
            Some(v) => Err(ConfigError::new(
                key,
                format!("expected true or false, got {v:?}"),
            )),
        }
    }

    /// A number within `range`, or `default` when unset.
    pub fn number<T>(
        &self,
        key: &str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display + Copy,
    {
        let Some(text) = self.get(key) else {
            return Ok(default);
        };
        let value: T = text
            .parse()
            .map_err(|_| ConfigError::new(key, format!("expected a number, got {text:?}")))?;
        if !range.contains(&value) {
            return Err(ConfigError::new(
                key,
                format!(
                    "{value} is out of range ({}..={})",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(value)
    }

    /// A duration in milliseconds within `range_ms`.
    pub fn millis(
        &self,
        key: &str,
        default: Duration,
        range_ms: std::ops::RangeInclusive<u64>,
    ) -> Result<Duration, ConfigError> {
        self.number(key, default.as_millis() as u64, range_ms)
            .map(Duration::from_millis)
    }

    /// Retry settings: `RETRY_INITIAL_BACKOFF_MS`, `RETRY_MAX_BACKOFF_MS`, `RETRY_MAX_ATTEMPTS`,
    /// `REQUEST_TIMEOUT_MS`.
    pub fn retry_policy(&self) -> Result<RetryPolicy, ConfigError> {
        self.retry_policy_with(RetryPolicy::default())
    }

    /// An allow-list of Zendesk event types (`ZENDESK_EVENT_TYPES`): names in any family's
    /// spelling, comma-separated; `all` (or `*`) lets every type through (`None`); unset gives
    /// `default`. An unknown name is an error: a typo would silently drop the intended type.
    pub fn event_types(
        &self,
        key: &str,
        default: Option<Vec<EventType>>,
    ) -> Result<Option<Vec<EventType>>, ConfigError> {
        let Some(text) = self.get(key) else {
            return Ok(default);
        };
        if matches!(text.to_ascii_lowercase().as_str(), "all" | "*") {
            return Ok(None);
        }
        text.split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|name| match EventType::parse(name) {
                known @ EventType::Known(_) => Ok(known),
                _ => Err(ConfigError::new(
                    key,
                    format!("unknown Zendesk event type {name:?} (use names like \"Status Changed\" or \"ticket.status_changed\", or `all`)"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// `EVENT_NAMES`: the destination event name per Zendesk event (`Status Changed=Ticket
    /// Updated,…`); unset keeps the default names.
    pub fn event_names(&self) -> Result<EventNames, ConfigError> {
        self.get("EVENT_NAMES")
            .map_or(Ok(EventNames::default()), |text| EventNames::parse(&text))
            .map_err(|reason| ConfigError::new("EVENT_NAMES", reason))
    }

    /// What personal data may leave (`INCLUDE_COMMENT_BODY`, `INCLUDE_SUBJECT`,
    /// `CUSTOM_FIELD_VALUES`: comma-separated field ids, `EXTRA_PROPERTIES`: comma-separated
    /// key names); by default only the documented properties.
    pub fn pii_policy(&self) -> Result<PiiPolicy, ConfigError> {
        let list = |key: &str| -> Vec<String> {
            self.get(key)
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let custom_field_values = list("CUSTOM_FIELD_VALUES")
            .iter()
            .map(|id| {
                id.parse::<u64>().map_err(|_| {
                    ConfigError::new(
                        "CUSTOM_FIELD_VALUES",
                        format!("expected Zendesk custom field ids (numbers), got {id:?}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let extra_properties = list("EXTRA_PROPERTIES");
        if let Some(bad) = extra_properties
            .iter()
            .find(|k| !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(ConfigError::new(
                "EXTRA_PROPERTIES",
                format!("expected key names (letters, digits, _), got {bad:?}"),
            ));
        }
        Ok(PiiPolicy {
            include_comment_body: self.flag("INCLUDE_COMMENT_BODY", false)?,
            include_subject: self.flag("INCLUDE_SUBJECT", false)?,
            custom_field_values,
            extra_properties,
        })
    }

    /// Retry settings as [`Settings::retry_policy`], with defaults of the caller's choosing.
    pub fn retry_policy_with(&self, d: RetryPolicy) -> Result<RetryPolicy, ConfigError> {
        let policy = RetryPolicy {
            initial_backoff: self.millis(
                "RETRY_INITIAL_BACKOFF_MS",
                d.initial_backoff,
                1..=60_000,
            )?,
            max_backoff: self.millis("RETRY_MAX_BACKOFF_MS", d.max_backoff, 1..=300_000)?,
            max_attempts: self.number("RETRY_MAX_ATTEMPTS", d.max_attempts, 1..=100)?,
            request_timeout: self.millis("REQUEST_TIMEOUT_MS", d.request_timeout, 100..=300_000)?,
            min_attempt_time: d.min_attempt_time,
        };
        if policy.max_backoff < policy.initial_backoff {
            return Err(ConfigError::new(
                "RETRY_MAX_BACKOFF_MS",
                "must not be smaller than RETRY_INITIAL_BACKOFF_MS",
            ));
        }
        Ok(RetryPolicy {
            min_attempt_time: policy.request_timeout.min(d.min_attempt_time),
            ..policy
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings<'static> {
        Settings::from_pairs(pairs)
    }

    #[test]
    fn errors_name_the_variable() {
        let s = settings(&[
            ("DRY_RUN", "maybe"),
            ("RETRY_MAX_ATTEMPTS", "0"),
            ("REQUEST_TIMEOUT_MS", "ten"),
        ]);
        assert_eq!(s.flag("DRY_RUN", false).unwrap_err().variable, "DRY_RUN");
        assert!(
            s.retry_policy()
                .unwrap_err()
                .to_string()
                .starts_with("configuration error: RETRY_MAX_ATTEMPTS")
        );
        assert!(
            s.required("MISSING")
                .unwrap_err()
                .to_string()
                .contains("MISSING: is required")
        );
    }

    #[test]
    fn defaults_apply_when_unset() {
        let s = settings(&[("DRY_RUN", " TRUE ")]);
        assert!(s.flag("DRY_RUN", false).unwrap());
        assert_eq!(s.retry_policy().unwrap(), RetryPolicy::default());
    }
}
