//! Requests to `/import`, `/engage` and `/groups`, over HTTP or, with `DRY_RUN`, as JSON lines on stdout.

use std::io::Write;
use std::time::Duration;

use base64::Engine;
use delivery::http::{DryRun, http_client, retry_after, transport_error};
use delivery::{Destination, Item, Verdict, json_array};
use reqwest::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, HeaderValue};
use serde_json::json;

use crate::config::{ImportAuth, MixpanelConfig};
use crate::request::{engage_body, import_body};
use crate::response::{classify_engage, classify_import};

/// Where requests go.
enum Transport {
    Http(reqwest::Client),
    /// Requests are written as JSON lines and count as delivered.
    DryRun(DryRun),
}

/// A Mixpanel client, built once per container.
pub struct MixpanelClient {
    transport: Transport,
    import_url: String,
    engage_url: String,
    groups_url: String,
    authorization: Option<HeaderValue>,
    /// The project token as it appears in `/engage` bodies (a JSON string), redacted in DRY_RUN.
    token_in_body: Option<String>,
}

/// Failure to build the client.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the Mixpanel HTTP client: {0}")]
pub struct ClientError(String);

impl MixpanelClient {
    /// A client for `config`: HTTP, or stdout when `config.dry_run`.
    pub fn new(config: &MixpanelConfig) -> Result<Self, ClientError> {
        let transport = if config.dry_run {
            Transport::DryRun(DryRun::stdout())
        } else {
            Transport::Http(http_client().map_err(ClientError)?)
        };
        Ok(Self::with_transport(config, transport))
    }

    /// A dry-run client writing to `out` (tests, the demo).
    pub fn dry_run_to(config: &MixpanelConfig, out: Box<dyn Write + Send>) -> Self {
        Self::with_transport(config, Transport::DryRun(DryRun::to(out)))
    }

    fn with_transport(config: &MixpanelConfig, transport: Transport) -> Self {
        let base = &config.api_url;
        let (import_url, authorization) = match &config.auth {
            ImportAuth::ServiceAccount {
                username,
                secret,
                project_id,
            } => (
                format!("{base}/import?strict=1&project_id={project_id}"),
                Some(basic(&format!("{username}:{secret}"))),
            ),
            ImportAuth::ProjectToken(token) => (
                format!("{base}/import?strict=1"),
                Some(basic(&format!("{token}:"))),
            ),
            ImportAuth::None => (format!("{base}/import?strict=1"), None),
        };
        Self {
            transport,
            import_url,
            engage_url: format!("{base}/engage?verbose=1&ip=0"),
            groups_url: format!("{base}/groups?verbose=1&ip=0"),
            authorization,
            token_in_body: config
                .project_token
                .as_ref()
                .map(|t| serde_json::to_string(t.expose()).expect("strings always serialize")),
        }
    }

    /// The `/import` endpoint.
    pub fn import(&self) -> Endpoint<'_> {
        Endpoint {
            client: self,
            kind: Kind::Import,
        }
    }

    /// The `/engage` endpoint.
    pub fn engage(&self) -> Endpoint<'_> {
        Endpoint {
            client: self,
            kind: Kind::Engage,
        }
    }

    /// The `/groups` endpoint (group profiles).
    pub fn groups(&self) -> Endpoint<'_> {
        Endpoint {
            client: self,
            kind: Kind::Groups,
        }
    }
}

fn basic(credentials: &str) -> HeaderValue {
    let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
    let mut value =
        HeaderValue::from_str(&format!("Basic {encoded}")).expect("base64 is a valid header value");
    value.set_sensitive(true);
    value
}

#[derive(Clone, Copy)]
enum Kind {
    Import,
    Engage,
    Groups,
}

/// One Mixpanel endpoint, as a delivery destination.
pub struct Endpoint<'a> {
    client: &'a MixpanelClient,
    kind: Kind,
}

impl Endpoint<'_> {
    fn url(&self) -> &str {
        match self.kind {
            Kind::Import => &self.client.import_url,
            Kind::Engage => &self.client.engage_url,
            Kind::Groups => &self.client.groups_url,
        }
    }

    /// Prints the request with every secret redacted: `/import`'s Authorization header and
    /// the `$token` each `/engage` and `/groups` update carries.
    fn dry_run(&self, out: &DryRun, body: Vec<u8>) -> Verdict {
        let mut headers = json!({ "Content-Type": "application/json" });
        match self.kind {
            Kind::Import => {
                headers["Content-Encoding"] = json!("gzip");
                if self.client.authorization.is_some() {
                    headers["Authorization"] = json!("Basic <redacted>");
                }
                out.write(self.url(), headers, &body)
            }
            Kind::Engage | Kind::Groups => match &self.client.token_in_body {
                Some(token) => {
                    let text = String::from_utf8_lossy(&body).replace(token, "\"<redacted>\"");
                    out.write(self.url(), headers, text.as_bytes())
                }
                None => out.write(self.url(), headers, &body),
            },
        }
    }
}

impl Destination for Endpoint<'_> {
    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Import => "mixpanel_import",
            Kind::Engage => "mixpanel_engage",
            Kind::Groups => "mixpanel_groups",
        }
    }

    async fn send(&self, items: &[Item], timeout: Duration) -> Verdict {
        let http = match &self.client.transport {
            Transport::DryRun(out) => return self.dry_run(out, json_array(items)),
            Transport::Http(http) => http,
        };
        let mut request = http
            .post(self.url())
            .timeout(timeout)
            .header(CONTENT_TYPE, "application/json");
        request = match self.kind {
            Kind::Import => {
                let mut r = request
                    .header(CONTENT_ENCODING, "gzip")
                    .body(import_body(items));
                if let Some(auth) = &self.client.authorization {
                    r = r.header(AUTHORIZATION, auth.clone());
                }
                r
            }
            Kind::Engage | Kind::Groups => request.body(engage_body(items)),
        };
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                return Verdict::Retry {
                    retry_after: None,
                    reason: transport_error(&e),
                };
            }
        };
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers());
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return Verdict::Retry {
                    retry_after,
                    reason: transport_error(&e),
                };
            }
        };
        match self.kind {
            Kind::Import => classify_import(status, retry_after, &body),
            Kind::Engage | Kind::Groups => classify_engage(status, retry_after, &body),
        }
    }
}
