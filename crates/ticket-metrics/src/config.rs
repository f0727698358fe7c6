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
/// Default reach back for the SLA of an open metric instance.
pub const DEFAULT_SLA_CONTEXT_HOURS: u64 = 24;

/// The SLA pass: metric events → "Support Ticket: SLA …" events on a bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaConfig {
    /// `EVENT_BUS_NAME`: where the SLA events go (the pass runs only with it).
    pub bus: String,
    /// `SLA_CURSOR_PARAMETER`: the SSM parameter holding the SLA cursor.
    pub cursor_parameter: Option<String>,
    /// `SLA_CONTEXT_HOURS`: how far back a run keeps reading for the SLA of open instances.
    pub context: Duration,
    /// `SLA_APPLIED_EVENTS`: publish "SLA Applied" too.
    pub applied_events: bool,
}

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
    /// The SLA pass, with `EVENT_BUS_NAME`.
    pub sla: Option<SlaConfig>,
}

/// An SSM parameter name from `key`, checked.
fn parameter(s: &Settings<'_>, key: &str) -> Result<Option<String>, ConfigError> {
    let name = s.get(key).filter(|p| !p.trim().is_empty());
    if let Some(name) = &name
        && !name.starts_with('/')
        && name.contains('/')
    {
        return Err(ConfigError::new(
            key,
            format!("a hierarchical SSM parameter name starts with `/`, got {name:?}"),
        ));
    }
    Ok(name)
}

impl MetricsConfig {
    /// Reads and validates every setting; the error names the variable at fault.
    pub fn from_settings(s: &Settings<'_>) -> Result<Self, ConfigError> {
        let cursor_parameter = parameter(s, "CURSOR_PARAMETER")?;
        let hours = s.number("LOOKBACK_HOURS", DEFAULT_LOOKBACK_HOURS, 1..=24 * 366)?;
        let sla = match s.get("EVENT_BUS_NAME").filter(|b| !b.trim().is_empty()) {
            None => None,
            Some(bus) => Some(SlaConfig {
                bus,
                cursor_parameter: parameter(s, "SLA_CURSOR_PARAMETER")?,
                context: Duration::from_secs(
                    3600 * s.number("SLA_CONTEXT_HOURS", DEFAULT_SLA_CONTEXT_HOURS, 1..=24 * 30)?,
                ),
                applied_events: s.flag("SLA_APPLIED_EVENTS", false)?,
            }),
        };
        Ok(Self {
            mixpanel: MixpanelConfig::from_settings(s)?,
            zendesk: ZendeskConfig::from_settings(s)?,
            cursor_parameter,
            lookback: Duration::from_secs(hours * 3600),
            sla,
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
        for (extra, variable) in [
            (("SLA_CONTEXT_HOURS", "0"), "SLA_CONTEXT_HOURS"),
            (("SLA_CURSOR_PARAMETER", "a/b"), "SLA_CURSOR_PARAMETER"),
            (("SLA_APPLIED_EVENTS", "maybe"), "SLA_APPLIED_EVENTS"),
        ] {
            let extra = [("EVENT_BUS_NAME", "bus"), extra];
            assert_eq!(config(&extra).unwrap_err().variable, variable, "{extra:?}");
        }
        assert_eq!(config(&[]).unwrap().sla, None, "no bus, no SLA pass");
    }
}
