//! Where the Zendesk API is and how to authenticate, from the environment.

use base64::Engine;
use delivery::{ConfigError, Settings};

use crate::rate_limit::RateLimits;

/// Settings that hold secrets and may be given as Secrets Manager ARNs (`<NAME>_ARN`).
pub const SECRET_SETTINGS: &[&str] = &["ZENDESK_OAUTH_TOKEN", "ZENDESK_API_TOKEN"];

/// How requests authenticate.
#[derive(Clone, PartialEq, Eq)]
pub enum ZendeskAuth {
    /// `Authorization: Bearer <token>` (preferred: API tokens are being retired).
    OAuth(String),
    /// `Authorization: Basic base64("<email>/token:<token>")`.
    ApiToken {
        /// `ZENDESK_EMAIL`: the agent or admin the token acts as.
        email: String,
        /// `ZENDESK_API_TOKEN`.
        token: String,
    },
}

impl ZendeskAuth {
    /// The `Authorization` header value.
    pub fn header(&self) -> String {
        match self {
            Self::OAuth(token) => format!("Bearer {token}"),
            Self::ApiToken { email, token } => {
                let pair = format!("{email}/token:{token}");
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
        }
    }
}

impl std::fmt::Debug for ZendeskAuth {
    // Never print secrets, even in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::OAuth(_) => f.write_str("OAuth(<redacted>)"),
            Self::ApiToken { email, .. } => {
                write!(f, "ApiToken {{ email: {email:?}, token: <redacted> }}")
            }
        }
    }
}

/// A Zendesk account to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZendeskConfig {
    /// `https://<ZENDESK_SUBDOMAIN>.zendesk.com`, or `ZENDESK_API_URL`; no trailing slash.
    pub base_url: String,
    /// Credentials.
    pub auth: ZendeskAuth,
    /// Client-side request pace per endpoint class.
    pub rate_limits: RateLimits,
}

impl ZendeskConfig {
    /// Reads `ZENDESK_SUBDOMAIN` or `ZENDESK_API_URL`, and `ZENDESK_OAUTH_TOKEN` or
    /// `ZENDESK_EMAIL` + `ZENDESK_API_TOKEN`, and the request paces
    /// `ZENDESK_EXPORT_REQUESTS_PER_MINUTE` and `ZENDESK_REQUESTS_PER_MINUTE`; the error names
    /// the variable at fault.
    pub fn from_settings(s: &Settings<'_>) -> Result<Self, ConfigError> {
        let base_url = match (s.get("ZENDESK_API_URL"), s.get("ZENDESK_SUBDOMAIN")) {
            (Some(url), _) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(ConfigError::new(
                        "ZENDESK_API_URL",
                        format!("expected an http(s) URL, got {url:?}"),
                    ));
                }
                url.trim_end_matches('/').to_owned()
            }
            (None, Some(subdomain)) => format!("https://{}.zendesk.com", subdomain_of(&subdomain)?),
            (None, None) => {
                return Err(ConfigError::new(
                    "ZENDESK_SUBDOMAIN",
                    "missing: the Zendesk account to call (`acme` for acme.zendesk.com)",
                ));
            }
        };
        let auth = match (
            s.get("ZENDESK_OAUTH_TOKEN"),
            s.get("ZENDESK_API_TOKEN"),
            s.get("ZENDESK_EMAIL"),
        ) {
            (Some(_), Some(_), _) => {
                return Err(ConfigError::new(
                    "ZENDESK_API_TOKEN",
                    "set ZENDESK_OAUTH_TOKEN or ZENDESK_API_TOKEN, not both",
                ));
            }
            (Some(token), None, _) => ZendeskAuth::OAuth(token),
            (None, Some(token), Some(email)) => ZendeskAuth::ApiToken { email, token },
            (None, Some(_), None) => {
                return Err(ConfigError::new(
                    "ZENDESK_EMAIL",
                    "missing: an API token authenticates as `<email>/token`",
                ));
            }
            (None, None, _) => {
                return Err(ConfigError::new(
                    "ZENDESK_OAUTH_TOKEN",
                    "missing: give an OAuth access token (or ZENDESK_EMAIL and ZENDESK_API_TOKEN)",
                ));
            }
        };
        let defaults = RateLimits::default();
        let rate_limits = RateLimits {
            incremental_per_minute: s.number(
                "ZENDESK_EXPORT_REQUESTS_PER_MINUTE",
                defaults.incremental_per_minute,
                1..=1000,
            )?,
            standard_per_minute: s.number(
                "ZENDESK_REQUESTS_PER_MINUTE",
                defaults.standard_per_minute,
                1..=10_000,
            )?,
        };
        Ok(Self {
            base_url,
            auth,
            rate_limits,
        })
    }
}

/// `acme`, also accepted as `acme.zendesk.com` or `https://acme.zendesk.com/`.
fn subdomain_of(value: &str) -> Result<String, ConfigError> {
    let name = value
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .trim_end_matches(".zendesk.com")
        .to_ascii_lowercase();
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if valid {
        Ok(name)
    } else {
        Err(ConfigError::new(
            "ZENDESK_SUBDOMAIN",
            format!("expected a subdomain such as `acme`, got {value:?}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<ZendeskConfig, ConfigError> {
        ZendeskConfig::from_settings(&Settings::from_pairs(pairs))
    }

    #[test]
    fn oauth_is_a_bearer_token() {
        let c = config(&[
            ("ZENDESK_SUBDOMAIN", "Acme.zendesk.com"),
            ("ZENDESK_OAUTH_TOKEN", "tok"),
        ])
        .unwrap();
        assert_eq!(c.base_url, "https://acme.zendesk.com");
        assert_eq!(c.auth.header(), "Bearer tok");
        assert_eq!(c.rate_limits, RateLimits::default());
        assert_eq!(format!("{:?}", c.auth), "OAuth(<redacted>)");
    }

    #[test]
    fn api_tokens_use_the_email_token_pair() {
        let c = config(&[
            ("ZENDESK_API_URL", "http://127.0.0.1:9/"),
            ("ZENDESK_EMAIL", "admin@example.com"),
            ("ZENDESK_API_TOKEN", "abc"),
        ])
        .unwrap();
        assert_eq!(c.base_url, "http://127.0.0.1:9");
        // base64("admin@example.com/token:abc")
        assert_eq!(
            c.auth.header(),
            "Basic YWRtaW5AZXhhbXBsZS5jb20vdG9rZW46YWJj"
        );
    }

    #[test]
    fn errors_name_the_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("ZENDESK_OAUTH_TOKEN", "t")], "ZENDESK_SUBDOMAIN"),
            (
                &[("ZENDESK_SUBDOMAIN", "a c"), ("ZENDESK_OAUTH_TOKEN", "t")],
                "ZENDESK_SUBDOMAIN",
            ),
            (&[("ZENDESK_SUBDOMAIN", "acme")], "ZENDESK_OAUTH_TOKEN"),
            (
                &[("ZENDESK_SUBDOMAIN", "acme"), ("ZENDESK_API_TOKEN", "t")],
                "ZENDESK_EMAIL",
            ),
            (
                &[
                    ("ZENDESK_SUBDOMAIN", "acme"),
                    ("ZENDESK_API_TOKEN", "t"),
                    ("ZENDESK_OAUTH_TOKEN", "t"),
                ],
                "ZENDESK_API_TOKEN",
            ),
            (
                &[("ZENDESK_API_URL", "acme"), ("ZENDESK_OAUTH_TOKEN", "t")],
                "ZENDESK_API_URL",
            ),
            (
                &[
                    ("ZENDESK_SUBDOMAIN", "acme"),
                    ("ZENDESK_OAUTH_TOKEN", "t"),
                    ("ZENDESK_EXPORT_REQUESTS_PER_MINUTE", "0"),
                ],
                "ZENDESK_EXPORT_REQUESTS_PER_MINUTE",
            ),
        ];
        for (pairs, variable) in cases {
            assert_eq!(config(pairs).unwrap_err().variable, *variable, "{pairs:?}");
        }
    }
}
