//! FullStory settings from the environment, typed and validated once at init.

use std::time::Duration;

use delivery::{ConfigError, RetryPolicy, Settings};
use ticket_analytics::{EventNames, PiiPolicy};
use zendesk_api::ZendeskConfig;
use zendesk_events::EventType;

/// Settings that hold secrets and may be given as Secrets Manager ARNs (`<NAME>_ARN`).
pub const SECRET_SETTINGS: &[&str] = &["FULLSTORY_API_KEY"];
/// Default base URL: FullStory routes each key to its data centre.
pub const DEFAULT_API_URL: &str = "https://api.fullstory.com";
/// Requests in flight per invocation unless `FULLSTORY_CONCURRENCY` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// The ticket events sent unless `ZENDESK_EVENT_TYPES` widens the list: the support moments
/// worth a place on a user's timeline.
pub const DEFAULT_EVENT_TYPES: &[&str] = &[
    "Ticket Created",
    "Status Changed",
    "Comment Created",
    "comment_added",
];

/// Where `user.uid` comes from (`FULLSTORY_USER_ID`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserIdSource {
    /// The requester's `external_id`, looked up in Zendesk (default): the id the product
    /// passes to `FS.identify`.
    RequesterExternalId,
    /// The requester's email, looked up in Zendesk.
    RequesterEmail,
    /// The Zendesk requester id itself; no lookup.
    RequesterId,
}

impl UserIdSource {
    /// Whether the Zendesk Users API is needed.
    pub fn needs_lookup(self) -> bool {
        !matches!(self, Self::RequesterId)
    }

    /// The setting's value.
    pub fn label(self) -> &'static str {
        match self {
            Self::RequesterExternalId => "requester_external_id",
            Self::RequesterEmail => "requester_email",
            Self::RequesterId => "requester_id",
        }
    }
}

/// What leaves Zendesk and Intercom, and how it is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingConfig {
    /// What personal data may leave (`INCLUDE_COMMENT_BODY` also covers Intercom rating
    /// remarks).
    pub pii: PiiPolicy,
    /// `ZENDESK_EVENT_TYPES`: ticket event types sent; `None` = all.
    pub event_types: Option<Vec<EventType>>,
    /// `FULLSTORY_USE_MOST_RECENT_SESSION`: send `session.use_most_recent: true`.
    pub use_most_recent_session: bool,
    /// `EVENT_NAMES`: the event name per Zendesk event.
    pub event_names: EventNames,
}

impl Default for MappingConfig {
    fn default() -> Self {
        Self {
            pii: PiiPolicy::default(),
            event_types: Some(default_event_types()),
            use_most_recent_session: true,
            event_names: EventNames::default(),
        }
    }
}

/// [`DEFAULT_EVENT_TYPES`] as types.
pub fn default_event_types() -> Vec<EventType> {
    DEFAULT_EVENT_TYPES
        .iter()
        .map(|name| EventType::parse(name))
        .collect()
}

/// The requester lookup: Zendesk account and per-container cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupConfig {
    /// The Zendesk account.
    pub zendesk: ZendeskConfig,
    /// `USER_CACHE_SIZE`: requesters kept per container.
    pub cache_size: usize,
    /// `USER_CACHE_TTL_SECONDS`: how long a looked-up requester is trusted.
    pub cache_ttl: Duration,
}

/// Everything the FullStory sink needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullStoryConfig {
    /// `FULLSTORY_API_URL`, no trailing slash.
    pub api_url: String,
    /// `FULLSTORY_API_KEY`, sent verbatim as `Authorization: Basic <key>`; `None` only in dry run.
    pub api_key: Option<ApiKey>,
    /// `FULLSTORY_CONCURRENCY`: requests in flight per invocation.
    pub concurrency: usize,
    /// `FULLSTORY_USER_ID`.
    pub user_id: UserIdSource,
    /// Present when `user_id` needs the Zendesk Users API.
    pub lookup: Option<LookupConfig>,
    /// The mapping.
    pub mapping: MappingConfig,
    /// Retry settings shared by all sinks.
    pub retry: RetryPolicy,
    /// `DRY_RUN`: print requests instead of sending them.
    pub dry_run: bool,
}

/// A FullStory API key; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(pub String);

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl FullStoryConfig {
    /// Reads and validates every setting; the error names the first bad variable.
    pub fn from_settings(s: &Settings<'_>) -> Result<Self, ConfigError> {
        let dry_run = s.flag("DRY_RUN", false)?;
        let api_url = match s.get("FULLSTORY_API_URL") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                url.trim_end_matches('/').to_owned()
            }
            Some(url) => {
                return Err(ConfigError::new(
                    "FULLSTORY_API_URL",
                    format!("expected an http(s) URL, got {url:?}"),
                ));
            }
            None => DEFAULT_API_URL.to_owned(),
        };
        let api_key = match (s.get("FULLSTORY_API_KEY"), dry_run) {
            (Some(key), _) => Some(ApiKey(key)),
            (None, true) => None,
            (None, false) => {
                return Err(ConfigError::new(
                    "FULLSTORY_API_KEY",
                    "missing: a FullStory server API key (or FULLSTORY_API_KEY_ARN)",
                ));
            }
        };
        let user_id = match s
            .get("FULLSTORY_USER_ID")
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("requester_external_id") => UserIdSource::RequesterExternalId,
            Some("requester_email") => UserIdSource::RequesterEmail,
            Some("requester_id") => UserIdSource::RequesterId,
            Some(other) => {
                return Err(ConfigError::new(
                    "FULLSTORY_USER_ID",
                    format!(
                        "expected requester_external_id, requester_email or requester_id, got {other:?}"
                    ),
                ));
            }
        };
        let lookup = if user_id.needs_lookup() {
            let zendesk = ZendeskConfig::from_settings(s).map_err(|e| ConfigError {
                reason: format!(
                    "{} (FULLSTORY_USER_ID={} looks requesters up in Zendesk)",
                    e.reason,
                    user_id.label()
                ),
                ..e
            })?;
            Some(LookupConfig {
                zendesk,
                cache_size: s.number("USER_CACHE_SIZE", 10_000, 1..=1_000_000)?,
                cache_ttl: Duration::from_secs(s.number(
                    "USER_CACHE_TTL_SECONDS",
                    3600,
                    1..=86_400,
                )?),
            })
        } else {
            None
        };
        let mapping = MappingConfig {
            pii: s.pii_policy()?,
            event_types: s.event_types("ZENDESK_EVENT_TYPES", Some(default_event_types()))?,
            use_most_recent_session: s.flag("FULLSTORY_USE_MOST_RECENT_SESSION", true)?,
            event_names: s.event_names()?,
        };
        Ok(Self {
            api_url,
            api_key,
            concurrency: s.number("FULLSTORY_CONCURRENCY", DEFAULT_CONCURRENCY, 1..=64)?,
            user_id,
            lookup,
            mapping,
            retry: s.retry_policy()?,
            dry_run,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<FullStoryConfig, ConfigError> {
        FullStoryConfig::from_settings(&Settings::from_pairs(pairs))
    }

    const LOOKUP: &[(&str, &str)] = &[
        ("FULLSTORY_API_KEY", "na1.secret"),
        ("ZENDESK_SUBDOMAIN", "acme"),
        ("ZENDESK_OAUTH_TOKEN", "t"),
    ];

    #[test]
    fn defaults() {
        let c = config(LOOKUP).unwrap();
        assert_eq!(c.api_url, DEFAULT_API_URL);
        assert_eq!(c.concurrency, 8);
        assert_eq!(c.user_id, UserIdSource::RequesterExternalId);
        assert_eq!(c.lookup.unwrap().cache_ttl, Duration::from_secs(3600));
        assert_eq!(c.mapping, MappingConfig::default());
        assert!(!format!("{:?}", config(LOOKUP).unwrap()).contains("na1.secret"));
    }

    #[test]
    fn the_key_is_required_except_in_dry_run() {
        let err = config(&[("FULLSTORY_USER_ID", "requester_id")]).unwrap_err();
        assert_eq!(err.variable, "FULLSTORY_API_KEY");
        let c = config(&[("FULLSTORY_USER_ID", "requester_id"), ("DRY_RUN", "1")]).unwrap();
        assert_eq!((c.api_key, c.lookup), (None, None));
    }

    #[test]
    fn a_lookup_needs_zendesk_and_says_why() {
        let err = config(&[("FULLSTORY_API_KEY", "k")]).unwrap_err();
        assert_eq!(err.variable, "ZENDESK_SUBDOMAIN");
        assert!(
            err.reason
                .contains("FULLSTORY_USER_ID=requester_external_id")
        );
        let err =
            config(&[("FULLSTORY_API_KEY", "k"), ("FULLSTORY_USER_ID", "email")]).unwrap_err();
        assert_eq!(err.variable, "FULLSTORY_USER_ID");
    }

    #[test]
    fn event_types_widen_to_all_and_refuse_typos() {
        let mut pairs = LOOKUP.to_vec();
        pairs.push(("ZENDESK_EVENT_TYPES", "all"));
        assert_eq!(config(&pairs).unwrap().mapping.event_types, None);
        pairs.push(("ZENDESK_EVENT_TYPES", "Priority Changed, Status Chnaged"));
        assert_eq!(config(&pairs).unwrap_err().variable, "ZENDESK_EVENT_TYPES");
        pairs.push(("FULLSTORY_CONCURRENCY", "0"));
        pairs.push(("ZENDESK_EVENT_TYPES", "Priority Changed"));
        assert_eq!(
            config(&pairs).unwrap_err().variable,
            "FULLSTORY_CONCURRENCY"
        );
    }
}
