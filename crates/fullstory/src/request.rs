//! One `POST /v2/events` body and its `Idempotency-Key`, built once so every retry sends the
//! same bytes under the same key.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use zendesk_events::{EventIdentity, Timestamp};

use crate::properties::Conformed;

/// A request ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRequest {
    /// The JSON body (shared, not copied, by each retry and by the item it travels as).
    pub body: delivery::Bytes,
    /// `Idempotency-Key`: the same for every retry and redelivery of one source event.
    pub key: String,
}

#[derive(Serialize)]
struct Body<'a> {
    name: &'a str,
    timestamp: String,
    user: User<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<Session>,
    properties: &'a serde_json::Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schema: Option<Schema<'a>>,
}

#[derive(Serialize)]
struct User<'a> {
    uid: &'a str,
}

/// Only ever `true`: a FullStory bug treated `false` like `true`, so the field is left out
/// instead.
#[derive(Serialize)]
struct Session {
    use_most_recent: bool,
}

#[derive(Serialize)]
struct Schema<'a> {
    properties: &'a std::collections::BTreeMap<String, &'static str>,
}

/// What one FullStory event says.
pub struct EventParts<'a> {
    /// Event name.
    pub name: &'a str,
    /// When it happened at the source.
    pub occurred_at: &'a Timestamp,
    /// `user.uid`.
    pub uid: &'a str,
    /// Attach to the user's most recent session.
    pub use_most_recent_session: bool,
    /// Properties and their schema.
    pub properties: &'a Conformed,
    /// The source event's identity.
    pub identity: &'a EventIdentity,
}

impl EventParts<'_> {
    /// The body and key.
    pub fn encode(&self) -> EventRequest {
        let body = Body {
            name: self.name,
            timestamp: self.occurred_at.to_rfc3339_millis(),
            user: User { uid: self.uid },
            session: self.use_most_recent_session.then_some(Session {
                use_most_recent: true,
            }),
            properties: &self.properties.properties,
            schema: (!self.properties.schema.is_empty()).then_some(Schema {
                properties: &self.properties.schema,
            }),
        };
        EventRequest {
            body: serde_json::to_vec(&body)
                .expect("event bodies always serialize")
                .into(),
            key: uuid_shaped(&self.identity.derive_key(&["fullstory", self.name])),
        }
    }
}

/// The request to send when FullStory refused the session (`session_page_limit_exceeded`):
/// the same body without `session`, under its own key (a key is bound to one body).
pub fn without_session(request: &EventRequest) -> Option<EventRequest> {
    let mut body: serde_json::Map<String, Value> = serde_json::from_slice(&request.body).ok()?;
    body.remove("session")?;
    let digest = Sha256::digest(format!("{}:without-session", request.key));
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    Some(EventRequest {
        body: serde_json::to_vec(&body)
            .expect("event bodies always serialize")
            .into(),
        key: uuid_shaped(&hex),
    })
}

/// 32 hex characters as `8-4-4-4-12`, the form FullStory's examples use.
fn uuid_shaped(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
