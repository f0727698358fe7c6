//! Mixpanel settings from the environment, typed and validated once at init.

use delivery::{BatchLimits, ConfigError, RetryPolicy, Secret, Settings};
use ticket_analytics::{EventNames, PiiPolicy};
use zendesk_events::EventType;

/// Settings that hold secrets and may be given as Secrets Manager ARNs (`<NAME>_ARN`).
pub const SECRET_SETTINGS: &[&str] = &["MIXPANEL_SERVICE_ACCOUNT_SECRET", "MIXPANEL_PROJECT_TOKEN"];

/// Mixpanel's hard cap on events (and profile updates) per request.
pub const MAX_BATCH_ITEMS: usize = 2000;
/// Conservative uncompressed body cap that satisfies both statements of Mixpanel's limit.
pub const DEFAULT_BATCH_BYTES: usize = 2 * 1024 * 1024;
/// Mixpanel's documented uncompressed body cap.
pub const MAX_BATCH_BYTES: usize = 10 * 1024 * 1024;

/// How `/import` requests authenticate.
#[derive(Clone, PartialEq, Eq)]
pub enum ImportAuth {
    /// A service account (preferred): Basic `username:secret`, plus `project_id` in the query.
    ServiceAccount {
        /// `MIXPANEL_SERVICE_ACCOUNT_USERNAME`.
        username: String,
        /// `MIXPANEL_SERVICE_ACCOUNT_SECRET`.
        secret: String,
        /// `MIXPANEL_PROJECT_ID`.
        project_id: String,
    },
    /// The project token as Basic user with an empty password.
    ProjectToken(String),
    /// `DRY_RUN` without credentials: nothing is sent, so nothing is needed.
    None,
}

impl std::fmt::Debug for ImportAuth {
    // Never print secrets, even in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ServiceAccount {
                username,
                project_id,
                ..
            } => {
                write!(
                    f,
                    "ServiceAccount {{ username: {username:?}, project_id: {project_id:?}, secret: <redacted> }}"
                )
            }
            Self::ProjectToken(_) => f.write_str("ProjectToken(<redacted>)"),
            Self::None => f.write_str("None"),
        }
    }
}

/// Which profile an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistinctId {
    /// The ticket id (default).
    Ticket,
    /// The requester's user id.
    Requester,
}

/// Where a ticket's profile updates come from (`MIXPANEL_PROFILES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSource {
    /// `false`: no profile updates.
    Off,
    /// `true` (default): each ticket event `$set`s the ticket's state as it holds it. Cheap;
    /// an older event that arrives last (a retry, a redrive) sets older state.
    Events,
    /// `store`: the ticket store's DynamoDB stream `$set`s each state the store accepted, in
    /// order, so profiles never go backwards; ticket events send only `/import` events.
    Store,
}

impl ProfileSource {
    /// True unless profile updates are off.
    pub fn any(self) -> bool {
        self != Self::Off
    }

    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        if s.get("MIXPANEL_PROFILES")
            .is_some_and(|v| v.eq_ignore_ascii_case("store"))
        {
            return Ok(Self::Store);
        }
        s.flag("MIXPANEL_PROFILES", true)
            .map(|on| if on { Self::Events } else { Self::Off })
            .map_err(|_| {
                ConfigError::new(
                    "MIXPANEL_PROFILES",
                    format!(
                        "expected true, false or store (profiles from the ticket store's stream), got {:?}",
                        s.get("MIXPANEL_PROFILES").unwrap_or_default()
                    ),
                )
            })
    }
}

/// What leaves Zendesk, and on which profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingConfig {
    /// `MIXPANEL_DISTINCT_ID`.
    pub distinct_id: DistinctId,
    /// What personal data may leave.
    pub pii: PiiPolicy,
    /// `ZENDESK_EVENT_TYPES`: allow-list of Zendesk event types; `None` = all.
    pub event_types: Option<Vec<EventType>>,
    /// `MIXPANEL_PROFILES`: where the ticket's state on its profile comes from.
    pub profiles: ProfileSource,
    /// `EVENT_NAMES`: the event name per Zendesk event.
    pub event_names: EventNames,
    /// `MIXPANEL_GROUP_KEY`: the group key (Group Analytics) ticket events carry the
    /// organization id under, and organization events update group profiles of.
    pub group_key: Option<String>,
    /// `INCLUDE_EMAIL`: requester profiles from user events get `$email`.
    pub include_email: bool,
    /// `INCLUDE_USER_NAME`: requester profiles from user events get `$name`.
    pub include_user_name: bool,
}

impl Default for MappingConfig {
    fn default() -> Self {
        Self {
            distinct_id: DistinctId::Ticket,
            pii: PiiPolicy::default(),
            event_types: None,
            profiles: ProfileSource::Events,
            event_names: EventNames::default(),
            group_key: None,
            include_email: false,
            include_user_name: false,
        }
    }
}

/// Everything the Mixpanel sink needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixpanelConfig {
    /// Base URL: from `MIXPANEL_REGION`, or `MIXPANEL_API_URL`.
    pub api_url: String,
    /// `/import` credentials.
    pub auth: ImportAuth,
    /// `MIXPANEL_PROJECT_TOKEN`: `/engage` carries it in every update.
    pub project_token: Option<Secret>,
    /// The mapping.
    pub mapping: MappingConfig,
    /// `/import` batch limits (`MIXPANEL_BATCH_MAX_EVENTS`, `MIXPANEL_BATCH_MAX_BYTES`).
    pub import_limits: BatchLimits,
    /// `/engage` batch limits (same variables; Mixpanel's caps are the same).
    pub engage_limits: BatchLimits,
    /// Retry settings shared by all sinks.
    pub retry: RetryPolicy,
    /// `DRY_RUN`: print requests instead of sending them.
    pub dry_run: bool,
}

/// `MIXPANEL_GROUP_KEY`: a property name as Mixpanel takes one (not reserved, at most 255
/// characters).
fn group_key(s: &Settings<'_>) -> Result<Option<String>, ConfigError> {
    let Some(key) = s.get("MIXPANEL_GROUP_KEY").map(|k| k.trim().to_owned()) else {
        return Ok(None);
    };
    if key.is_empty() || key.starts_with('$') || key.chars().count() > 255 {
        return Err(ConfigError::new(
            "MIXPANEL_GROUP_KEY",
            format!(
                "expected the group key defined in your Mixpanel project (for example organization_id): a property name of 1 to 255 characters not starting with $, got {key:?}"
            ),
        ));
    }
    Ok(Some(key))
}

impl MixpanelConfig {
    /// Reads and validates every setting; the error names the first bad variable.
    pub fn from_settings(s: &Settings<'_>) -> Result<Self, ConfigError> {
        let dry_run = s.flag("DRY_RUN", false)?;
        let api_url = match s.get("MIXPANEL_API_URL") {
            Some(url) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(ConfigError::new(
                        "MIXPANEL_API_URL",
                        format!("expected an http(s) URL, got {url:?}"),
                    ));
                }
                url.trim_end_matches('/').to_owned()
            }
            None => match s
                .get("MIXPANEL_REGION")
                .map(|r| r.to_ascii_lowercase())
                .as_deref()
            {
                None | Some("us") => "https://api.mixpanel.com".to_owned(),
                Some("eu") => "https://api-eu.mixpanel.com".to_owned(),
                Some("in") => "https://api-in.mixpanel.com".to_owned(),
                Some(other) => {
                    return Err(ConfigError::new(
                        "MIXPANEL_REGION",
                        format!("expected us, eu or in, got {other:?}"),
                    ));
                }
            },
        };
        let project_token = s.get("MIXPANEL_PROJECT_TOKEN").map(Secret::new);
        let auth = match s.get("MIXPANEL_SERVICE_ACCOUNT_USERNAME") {
            Some(username) => ImportAuth::ServiceAccount {
                username,
                secret: s.required("MIXPANEL_SERVICE_ACCOUNT_SECRET")?,
                project_id: s.required("MIXPANEL_PROJECT_ID")?,
            },
            None => match (&project_token, dry_run) {
                (Some(token), _) => ImportAuth::ProjectToken(token.expose().to_owned()),
                (None, true) => ImportAuth::None,
                (None, false) => {
                    return Err(ConfigError::new(
                        "MIXPANEL_PROJECT_TOKEN",
                        "is required unless a service account is set (MIXPANEL_SERVICE_ACCOUNT_USERNAME, MIXPANEL_SERVICE_ACCOUNT_SECRET, MIXPANEL_PROJECT_ID)",
                    ));
                }
            },
        };
        let distinct_id = match s
            .get("MIXPANEL_DISTINCT_ID")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("ticket") => DistinctId::Ticket,
            Some("requester") => DistinctId::Requester,
            Some(other) => {
                return Err(ConfigError::new(
                    "MIXPANEL_DISTINCT_ID",
                    format!("expected ticket or requester, got {other:?}"),
                ));
            }
        };
        let profiles = ProfileSource::parse(s)?;
        if profiles.any() && project_token.is_none() && !dry_run {
            return Err(ConfigError::new(
                "MIXPANEL_PROJECT_TOKEN",
                "is required for profile updates (/engage carries the token); set it, or MIXPANEL_PROFILES=false",
            ));
        }
        let mapping = MappingConfig {
            distinct_id,
            pii: s.pii_policy()?,
            event_types: s.event_types("ZENDESK_EVENT_TYPES", None)?,
            profiles,
            event_names: s.event_names()?,
            group_key: group_key(s)?,
            include_email: s.flag("INCLUDE_EMAIL", false)?,
            include_user_name: s.flag("INCLUDE_USER_NAME", false)?,
        };
        let limits = BatchLimits {
            max_items: s.number(
                "MIXPANEL_BATCH_MAX_EVENTS",
                MAX_BATCH_ITEMS,
                1..=MAX_BATCH_ITEMS,
            )?,
            max_bytes: s.number(
                "MIXPANEL_BATCH_MAX_BYTES",
                DEFAULT_BATCH_BYTES,
                1024..=MAX_BATCH_BYTES,
            )?,
        };
        Ok(Self {
            api_url,
            auth,
            project_token,
            mapping,
            import_limits: limits,
            engage_limits: limits,
            retry: s.retry_policy()?,
            dry_run,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<MixpanelConfig, ConfigError> {
        MixpanelConfig::from_settings(&Settings::from_pairs(pairs))
    }

    #[test]
    fn profiles_come_from_events_by_default_from_the_store_or_not_at_all() {
        let token = ("MIXPANEL_PROJECT_TOKEN", "t");
        let source =
            |v: &str| config(&[token, ("MIXPANEL_PROFILES", v)]).map(|c| c.mapping.profiles);
        assert_eq!(
            config(&[token]).unwrap().mapping.profiles,
            ProfileSource::Events
        );
        assert_eq!(source("Store").unwrap(), ProfileSource::Store);
        assert_eq!(source("false").unwrap(), ProfileSource::Off);
        let err = source("stream").unwrap_err();
        assert_eq!(err.variable, "MIXPANEL_PROFILES");
        assert!(err.to_string().contains("\"stream\""), "{err}");
    }

    #[test]
    fn regions_pick_their_hosts() {
        for (region, host) in [
            ("us", "https://api.mixpanel.com"),
            ("EU", "https://api-eu.mixpanel.com"),
            ("in", "https://api-in.mixpanel.com"),
        ] {
            let c =
                config(&[("MIXPANEL_PROJECT_TOKEN", "t"), ("MIXPANEL_REGION", region)]).unwrap();
            assert_eq!(c.api_url, host);
        }
        let c = config(&[
            ("MIXPANEL_PROJECT_TOKEN", "t"),
            ("MIXPANEL_API_URL", "http://127.0.0.1:9/"),
        ])
        .unwrap();
        assert_eq!(c.api_url, "http://127.0.0.1:9");
        assert_eq!(
            config(&[("MIXPANEL_PROJECT_TOKEN", "t"), ("MIXPANEL_REGION", "mars")])
                .unwrap_err()
                .variable,
            "MIXPANEL_REGION"
        );
    }

    #[test]
    fn service_account_needs_all_three_parts() {
        let err = config(&[
            ("MIXPANEL_SERVICE_ACCOUNT_USERNAME", "sa"),
            ("MIXPANEL_SERVICE_ACCOUNT_SECRET", "s"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "MIXPANEL_PROJECT_ID");
        let c = config(&[
            ("MIXPANEL_SERVICE_ACCOUNT_USERNAME", "sa"),
            ("MIXPANEL_SERVICE_ACCOUNT_SECRET", "s3cr3t"),
            ("MIXPANEL_PROJECT_ID", "42"),
            ("MIXPANEL_PROFILES", "false"),
        ])
        .unwrap();
        assert!(matches!(c.auth, ImportAuth::ServiceAccount { .. }));
        assert!(
            !format!("{c:?}").contains("s3cr3t"),
            "Debug never shows secrets"
        );
        let c = config(&[("MIXPANEL_PROJECT_TOKEN", "tok3n-value")]).unwrap();
        assert!(!format!("{c:?}").contains("tok3n"), "nor the project token");
    }

    #[test]
    fn credentials_are_required_except_in_dry_run() {
        assert_eq!(config(&[]).unwrap_err().variable, "MIXPANEL_PROJECT_TOKEN");
        assert_eq!(
            config(&[("DRY_RUN", "true")]).unwrap().auth,
            ImportAuth::None
        );
    }

    #[test]
    fn event_type_allow_list_accepts_both_spellings_and_refuses_typos() {
        let c = config(&[
            ("MIXPANEL_PROJECT_TOKEN", "t"),
            (
                "ZENDESK_EVENT_TYPES",
                "Ticket Created, ticket.comment_added",
            ),
        ])
        .unwrap();
        assert_eq!(c.mapping.event_types.unwrap().len(), 2);
        let err = config(&[
            ("MIXPANEL_PROJECT_TOKEN", "t"),
            ("ZENDESK_EVENT_TYPES", "Status Chnaged"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "ZENDESK_EVENT_TYPES");
        assert!(err.reason.contains("Status Chnaged"));
    }

    #[test]
    fn batch_limits_respect_mixpanel_caps() {
        assert_eq!(
            config(&[
                ("MIXPANEL_PROJECT_TOKEN", "t"),
                ("MIXPANEL_BATCH_MAX_EVENTS", "2001")
            ])
            .unwrap_err()
            .variable,
            "MIXPANEL_BATCH_MAX_EVENTS"
        );
        let c = config(&[
            ("MIXPANEL_PROJECT_TOKEN", "t"),
            ("MIXPANEL_BATCH_MAX_BYTES", "4096"),
        ])
        .unwrap();
        assert_eq!(
            c.import_limits,
            BatchLimits {
                max_items: 2000,
                max_bytes: 4096
            }
        );
    }
}
