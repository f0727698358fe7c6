//! Intercom conversation events, as webhook-bridge puts them on the bus
//! (`Intercom Conversation: Opened | Closed | Rated`), → FullStory events on the contact's
//! timeline.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use zendesk_events::{DecodeError, EventIdentity, Timestamp};

use crate::config::MappingConfig;
use crate::properties::conform;
use crate::request::{EventParts, EventRequest};

/// `detail-type` prefix of Intercom conversation events.
pub const DETAIL_TYPE_PREFIX: &str = "Intercom Conversation: ";
/// The conversation events carried and their FullStory names.
pub const CONVERSATION_EVENTS: &[(&str, &str)] = &[
    ("Opened", "Intercom Conversation Opened"),
    ("Closed", "Intercom Conversation Closed"),
    ("Rated", "Intercom Conversation Rated"),
];

/// One Intercom conversation event.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// FullStory event name.
    pub name: &'static str,
    /// When it happened in Intercom.
    pub occurred_at: Timestamp,
    /// Intercom's notification id: the dedup identity.
    pub identity: EventIdentity,
    /// The contact's `user_id` (the app's own id), when Intercom knows it.
    pub user_id: Option<String>,
    /// Properties before PII rules and conforming.
    properties: Map<String, Value>,
    remark: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "detail-type")]
    detail_type: String,
    detail: Detail,
}

#[derive(Deserialize)]
struct Detail {
    notification_id: String,
    occurred_at: String,
    conversation_id: String,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    contact: Option<Contact>,
    #[serde(default)]
    admin_id: Option<String>,
    #[serde(default)]
    rating: Option<i64>,
    #[serde(default)]
    remark: Option<String>,
}

#[derive(Deserialize)]
struct Contact {
    id: String,
    #[serde(default)]
    user_id: Option<String>,
}

/// Whether an event document is an Intercom conversation event, by its `detail-type` (read
/// without building the rest of the document).
pub fn is_conversation(document: &str) -> bool {
    #[derive(Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "detail-type", borrow, default)]
        detail_type: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_str::<Kind<'_>>(document)
        .ok()
        .and_then(|k| k.detail_type)
        .is_some_and(|t| t.starts_with(DETAIL_TYPE_PREFIX))
}

/// Decodes an Intercom conversation event; errors carry the JSON path.
pub fn decode_conversation(document: &str) -> Result<Conversation, DecodeError> {
    let mut de = serde_json::Deserializer::from_str(document);
    let envelope: Envelope = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        DecodeError::at(
            format!("$.{}", e.path()),
            format!("not an Intercom conversation event: {}", e.inner()),
        )
    })?;
    let kind = envelope
        .detail_type
        .strip_prefix(DETAIL_TYPE_PREFIX)
        .unwrap_or_default();
    let name = CONVERSATION_EVENTS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, name)| *name)
        .ok_or_else(|| {
            DecodeError::at(
                "$.detail-type",
                format!("unknown Intercom event {:?}", envelope.detail_type),
            )
        })?;
    let d = envelope.detail;
    if d.notification_id.is_empty() {
        return Err(DecodeError::at(
            "$.detail.notification_id",
            "empty: the notification id is the dedup key",
        ));
    }
    let occurred_at =
        Timestamp::parse(&d.occurred_at).map_err(|e| DecodeError::at("$.detail.occurred_at", e))?;
    let mut properties = Map::new();
    properties.insert("conversation_id".into(), json!(d.conversation_id));
    for (key, value) in [
        ("topic", d.topic),
        ("app_id", d.app_id),
        ("admin_id", d.admin_id),
        ("contact_id", d.contact.as_ref().map(|c| c.id.clone())),
    ] {
        if let Some(value) = value {
            properties.insert(key.into(), json!(value));
        }
    }
    if let Some(rating) = d.rating {
        properties.insert("rating".into(), json!(rating));
    }
    Ok(Conversation {
        name,
        occurred_at,
        identity: EventIdentity::from_parts(&["intercom", &d.notification_id]),
        user_id: d
            .contact
            .and_then(|c| c.user_id)
            .filter(|u| !u.trim().is_empty()),
        properties,
        remark: d.remark,
    })
}

impl Conversation {
    /// The request on the timeline of `uid`; the rating remark only with
    /// `INCLUDE_COMMENT_BODY`.
    pub fn request(&self, config: &MappingConfig, uid: &str) -> EventRequest {
        let mut properties = self.properties.clone();
        if let Some(remark) = self
            .remark
            .as_ref()
            .filter(|_| config.pii.include_comment_body)
        {
            properties.insert("remark".into(), json!(remark));
        }
        EventParts {
            name: self.name,
            occurred_at: &self.occurred_at,
            uid,
            use_most_recent_session: config.use_most_recent_session,
            properties: &conform(properties),
            identity: &self.identity,
        }
        .encode()
    }
}
