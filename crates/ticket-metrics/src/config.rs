//! The job's settings: the Mixpanel ones `mixpanel-sink` reads, the Zendesk account, and where
//! the cursor lives (or how far back to look without one).

use std::time::Duration;

use delivery::{ConfigError, Settings};
use mixpanel::MixpanelConfig;
use zendesk_api::ZendeskConfig;

/// Settings that hold secrets and may be given as Secrets Manager ARNs (`<NAME>_ARN`).
pub const SECRET_SETTINGS: &[&str] = &[
    "MIXPANEL_SERVICE_ACCOUNT_SECRET",
    "MIXPANEL_PROJECT_TOKEN",
    "ZENDESK_OAUTH_TOKEN",
    "ZENDESK_API_TOKEN",
];

/// Default lookback without a cursor: a daily run with an hour of overlap.
pub const DEFAULT_LOOKBACK_HOURS: u64 = 25;

/// Everything the job needs.
#[derive(Debug, Clone)]
pub struct MetricsConfig {
    /// Where and how to write (`MIXPANEL_*`, `DRY_RUN`).
    pub mixpanel: MixpanelConfig,
    /// Which Zendesk account to read.
    pub zendesk: ZendeskConfig,
    /// `CURSOR_PARAMETER`: the SSM parameter holding the export cursor.
    pub cursor_parameter: Option<String>,
    /// `LOOKBACK_HOURS`: how far back a run without a cursor reads.
    pub lookback: Duration,
}

impl MetricsConfig {
    /// Reads and validates every setting; the error names the variable at fault.
    pub fn from_settings(s: &Settings<'_>) -> Result<Self, ConfigError> {
        let cursor_parameter = s.get("CURSOR_PARAMETER").filter(|p| !p.trim().is_empty());
        if let Some(name) = &cursor_parameter
            && !name.starts_with('/')
            && name.contains('/')
        {
            return Err(ConfigError::new(
                "CURSOR_PARAMETER",
                format!("a hierarchical SSM parameter name starts with `/`, got {name:?}"),
            ));
        }
        let hours = s.number("LOOKBACK_HOURS", DEFAULT_LOOKBACK_HOURS, 1..=24 * 366)?;
        Ok(Self {
            mixpanel: MixpanelConfig::from_settings(s)?,
            zendesk: ZendeskConfig::from_settings(s)?,
            cursor_parameter,
            lookback: Duration::from_secs(hours * 3600),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &[(&str, &str)] = &[
        ("ZENDESK_SUBDOMAIN", "acme"),
        ("ZENDESK_OAUTH_TOKEN", "t"),
        ("MIXPANEL_PROJECT_TOKEN", "p"),
    ];

    fn config(extra: &[(&str, &str)]) -> Result<MetricsConfig, ConfigError> {
        let pairs: Vec<_> = BASE.iter().chain(extra).copied().collect();
        MetricsConfig::from_settings(&Settings::from_pairs(&pairs))
    }

    #[test]
    fn defaults_to_a_25_hour_lookback_without_a_cursor() {
        let c = config(&[]).unwrap();
        assert_eq!(c.lookback, Duration::from_secs(25 * 3600));
        assert_eq!(c.cursor_parameter, None);
        let c = config(&[
            ("CURSOR_PARAMETER", "/ticketbridge/cursor"),
            ("LOOKBACK_HOURS", "2"),
        ])
        .unwrap();
        assert_eq!(c.cursor_parameter.as_deref(), Some("/ticketbridge/cursor"));
        assert_eq!(c.lookback, Duration::from_secs(7200));
    }

    #[test]
    fn errors_name_the_variable() {
        for (extra, variable) in [
            (("LOOKBACK_HOURS", "0"), "LOOKBACK_HOURS"),
            (("LOOKBACK_HOURS", "a day"), "LOOKBACK_HOURS"),
            (
                ("CURSOR_PARAMETER", "ticketbridge/cursor"),
                "CURSOR_PARAMETER",
            ),
            (
                ("ZENDESK_EXPORT_REQUESTS_PER_MINUTE", "-1"),
                "ZENDESK_EXPORT_REQUESTS_PER_MINUTE",
            ),
        ] {
            assert_eq!(
                config(&[extra]).unwrap_err().variable,
                variable,
                "{extra:?}"
            );
        }
    }
}
