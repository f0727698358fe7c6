//! The bridge's settings, read from the environment once at init.

use std::time::Duration;

use delivery::{ConfigError, RetryPolicy, Secret, Settings};

use crate::bus_policy::BusPolicy;

/// Settings that may be given as Secrets Manager ARNs (`<NAME>_ARN`).
pub const SECRET_SETTINGS: &[&str] = &["ZENDESK_WEBHOOK_SECRETS", "INTERCOM_WEBHOOK_SECRET"];

/// The default `Source` of bridged Zendesk events.
pub const DEFAULT_ZENDESK_SOURCE: &str = "ticketbridge.zendesk";
/// The default `Source` of bridged Intercom events.
pub const DEFAULT_INTERCOM_SOURCE: &str = "ticketbridge.intercom";

/// Everything the bridge needs, validated. Its Debug form redacts the secrets.
#[derive(Clone)]
pub struct BridgeConfig {
    /// Zendesk signing secrets, all accepted (rotation); empty when Zendesk is not bridged.
    pub zendesk_secrets: Vec<String>,
    /// Intercom webhook secret; `None` when Intercom is not bridged.
    pub intercom_secret: Option<String>,
    /// How far a Zendesk signature timestamp may be from now, either way.
    pub max_signature_age: Duration,
    /// The EventBridge bus to publish to (name or ARN).
    pub event_bus: String,
    /// `Source` of Zendesk events.
    pub zendesk_source: String,
    /// `Source` of Intercom events.
    pub intercom_source: String,
    /// What personal data goes on the bus: the sinks' settings (`INCLUDE_COMMENT_BODY`,
    /// `INCLUDE_SUBJECT`, `CUSTOM_FIELD_VALUES`, `EXTRA_PROPERTIES`), `INCLUDE_EMAIL` and
    /// `INCLUDE_USER_NAME`.
    pub bus: BusPolicy,
    /// Time allowed to publish one webhook, retries included; Zendesk gives up at about 10 s.
    pub publish_timeout: Duration,
    /// Backoff between publish attempts.
    pub retry: RetryPolicy,
    /// How often refused requests are summarised (`REFUSAL_LOG_INTERVAL_SECONDS`).
    pub refusal_log_interval: Duration,
}

impl std::fmt::Debug for BridgeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted: Vec<Secret> = self.zendesk_secrets.iter().map(Secret::new).collect();
        f.debug_struct("BridgeConfig")
            .field("zendesk_secrets", &redacted)
            .field(
                "intercom_secret",
                &self.intercom_secret.as_ref().map(Secret::new),
            )
            .field("max_signature_age", &self.max_signature_age)
            .field("event_bus", &self.event_bus)
            .field("zendesk_source", &self.zendesk_source)
            .field("intercom_source", &self.intercom_source)
            .field("bus", &self.bus)
            .field("publish_timeout", &self.publish_timeout)
            .field("retry", &self.retry)
            .field("refusal_log_interval", &self.refusal_log_interval)
            .finish()
    }
}

impl BridgeConfig {
    /// Reads and validates the settings; errors name the variable.
    pub fn from_settings(settings: &Settings<'_>) -> Result<Self, ConfigError> {
        let zendesk_secrets: Vec<String> = settings
            .get("ZENDESK_WEBHOOK_SECRETS")
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let intercom_secret = settings.get("INTERCOM_WEBHOOK_SECRET");
        if zendesk_secrets.is_empty() && intercom_secret.is_none() {
            return Err(ConfigError::new(
                "ZENDESK_WEBHOOK_SECRETS",
                "set it (or ZENDESK_WEBHOOK_SECRETS_ARN, or INTERCOM_WEBHOOK_SECRET[_ARN]): without a secret no webhook can be verified",
            ));
        }
        let publish_timeout =
            settings.millis("PUBLISH_TIMEOUT_MS", Duration::from_secs(8), 500..=60_000)?;
        let retry = settings.retry_policy_with(RetryPolicy {
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(1),
            max_attempts: 6,
            min_attempt_time: Duration::from_millis(300),
            request_timeout: Duration::from_secs(3),
        })?;
        Ok(Self {
            zendesk_secrets,
            intercom_secret,
            max_signature_age: Duration::from_secs(settings.number(
                "SIGNATURE_MAX_AGE_SECONDS",
                300,
                1..=86_400,
            )?),
            event_bus: settings.required("EVENT_BUS_NAME")?,
            zendesk_source: source(settings, "EVENT_SOURCE", DEFAULT_ZENDESK_SOURCE)?,
            intercom_source: source(settings, "INTERCOM_EVENT_SOURCE", DEFAULT_INTERCOM_SOURCE)?,
            bus: BusPolicy {
                pii: settings.pii_policy()?,
                include_email: settings.flag("INCLUDE_EMAIL", false)?,
                include_user_name: settings.flag("INCLUDE_USER_NAME", false)?,
            },
            publish_timeout,
            retry,
            refusal_log_interval: Duration::from_secs(settings.number(
                "REFUSAL_LOG_INTERVAL_SECONDS",
                60,
                1..=3600,
            )?),
        })
    }
}

/// An event `Source`: EventBridge refuses the `aws.` prefix and more than 256 characters.
fn source(settings: &Settings<'_>, key: &str, default: &str) -> Result<String, ConfigError> {
    let value = settings.get(key).unwrap_or_else(|| default.to_owned());
    if value.starts_with("aws.") {
        return Err(ConfigError::new(
            key,
            format!(
                "{value:?}: EventBridge reserves sources starting with \"aws.\" for AWS services"
            ),
        ));
    }
    if value.len() > 256 {
        return Err(ConfigError::new(key, "longer than 256 characters"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_a_comma_separated_list() {
        let s = Settings::from_pairs(&[
            ("ZENDESK_WEBHOOK_SECRETS", " new , old ,"),
            ("EVENT_BUS_NAME", "ticketbridge"),
        ]);
        let config = BridgeConfig::from_settings(&s).unwrap();
        assert_eq!(config.zendesk_secrets, ["new", "old"]);
        let shown = format!("{config:?}");
        assert!(!shown.contains("new") && !shown.contains("old"), "{shown}");
        assert_eq!(config.zendesk_source, DEFAULT_ZENDESK_SOURCE);
        assert_eq!(config.max_signature_age, Duration::from_secs(300));
        assert!(!config.bus.include_email);
    }

    #[test]
    fn errors_name_the_variable() {
        let cases: [(&[(&str, &str)], &str); 4] = [
            (&[("EVENT_BUS_NAME", "b")], "ZENDESK_WEBHOOK_SECRETS"),
            (&[("ZENDESK_WEBHOOK_SECRETS", "s")], "EVENT_BUS_NAME"),
            (
                &[
                    ("ZENDESK_WEBHOOK_SECRETS", "s"),
                    ("EVENT_BUS_NAME", "b"),
                    ("EVENT_SOURCE", "aws.partner/x"),
                ],
                "EVENT_SOURCE",
            ),
            (
                &[
                    ("INTERCOM_WEBHOOK_SECRET", "s"),
                    ("EVENT_BUS_NAME", "b"),
                    ("SIGNATURE_MAX_AGE_SECONDS", "0"),
                ],
                "SIGNATURE_MAX_AGE_SECONDS",
            ),
        ];
        for (pairs, variable) in cases {
            let err = BridgeConfig::from_settings(&Settings::from_pairs(pairs)).unwrap_err();
            assert_eq!(err.variable, variable, "{err}");
        }
    }
}
