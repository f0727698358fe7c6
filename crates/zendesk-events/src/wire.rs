//! Wire shapes shared by both families: the ticket snapshot, comments, attachments, sequences.
//! Ids accept strings or integers and enums any case, so one struct serves both families.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::DecodeError;
use crate::event::{Attachment, Comment, Sequence, Ticket};
use crate::ids;
use crate::kind::ChangeValue;
use crate::timestamp::Timestamp;

/// Decodes `json` as `T`, reporting failures at `path` + the path inside `json`.
///
/// Decoding runs without path tracking, and only a document that fails is decoded again with it:
/// tracking the path of every value cost a tenth of the hot path, for errors that are rare.
pub fn parse<'a, T: Deserialize<'a>>(json: &'a str, path: &str) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_str(json);
    match T::deserialize(&mut de) {
        Ok(value) => Ok(value),
        Err(_) => {
            let mut de = serde_json::Deserializer::from_str(json);
            match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => Err(DecodeError::from_serde(path, e)),
                // Not reached for a deterministic decoder; kept so a value is never lost.
                Ok(value) => Ok(value),
            }
        }
    }
}

/// Decodes a raw value into an owned `T` at `path`.
pub(crate) fn parse_raw<T: DeserializeOwned>(raw: &RawValue, path: &str) -> Result<T, DecodeError> {
    parse(raw.get(), path)
}

/// An object key, borrowed unless it holds escapes.
#[derive(Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key<'a>(#[serde(borrow)] pub Cow<'a, str>);

/// A JSON object as keys to unparsed values, so each known key is decoded with its own path and
/// unknown keys are kept.
pub(crate) type RawObject<'a> = BTreeMap<Key<'a>, &'a RawValue>;

/// Removes `key` from a raw object.
pub(crate) fn take<'a>(object: &mut RawObject<'a>, key: &'static str) -> Option<&'a RawValue> {
    object
        .remove(&Key(Cow::Borrowed(key)))
        .filter(|raw| raw.get() != "null")
}

/// Converts what is left of a raw object into the event's `extra` map.
pub(crate) fn into_extra(
    object: RawObject<'_>,
    base: &str,
) -> Result<BTreeMap<String, Value>, DecodeError> {
    object
        .into_iter()
        .map(|(key, raw)| {
            // The path is only written out when the value is wrong.
            let value = extra_value(&key.0, raw, "")
                .or_else(|_| extra_value(&key.0, raw, &format!("{base}.{}", key.0)))?;
            Ok((key.0.into_owned(), value))
        })
        .collect()
}

fn extra_value(key: &str, raw: &RawValue, path: &str) -> Result<Value, DecodeError> {
    Ok(match key {
        "target_ticket_id" => id_value(raw, path)?,
        "users_added" | "users_removed" => {
            let list: IdList = parse_raw(raw, path)?;
            Value::from(list.0)
        }
        _ => parse_raw(raw, path)?,
    })
}

#[derive(Deserialize)]
struct IdList(#[serde(deserialize_with = "ids::id_list")] Vec<u64>);

fn id_value(raw: &RawValue, path: &str) -> Result<Value, DecodeError> {
    #[derive(Deserialize)]
    struct One(#[serde(deserialize_with = "ids::optional")] Option<u64>);
    let one: One = parse_raw(raw, path)?;
    Ok(one.0.map_or(Value::Null, Value::from))
}

/// Normalises a `previous`/`current` value for its event type.
pub(crate) fn change_value(
    raw: &RawValue,
    kind: ChangeValue,
    path: &str,
) -> Result<Value, DecodeError> {
    match kind {
        ChangeValue::Id => id_value(raw, path),
        ChangeValue::Enum => {
            let text: Option<Cow<'_, str>> = parse(raw.get(), path)?;
            Ok(text.map_or(Value::Null, |t| Value::String(t.to_ascii_lowercase())))
        }
        ChangeValue::Text
        | ChangeValue::PersonalText
        | ChangeValue::Tags
        | ChangeValue::UserIds
        | ChangeValue::CustomFieldValue
        | ChangeValue::Raw => parse_raw(raw, path),
    }
}

fn string_like<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "expected a string, got {other}"
            )));
        }
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct Via {
    #[serde(default)]
    pub channel: Option<String>,
}

/// Connector `ticket` or webhook `detail`.
#[derive(Deserialize)]
pub(crate) struct WireTicket {
    #[serde(default, deserialize_with = "ids::optional")]
    pub id: Option<u64>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub actor_id: Option<u64>,
    #[serde(default, deserialize_with = "ids::lowercase")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "ids::lowercase")]
    pub priority: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "ids::lowercase")]
    pub ticket_type: Option<String>,
    #[serde(default)]
    pub via: Option<Via>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub requester_id: Option<u64>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub submitter_id: Option<u64>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub assignee_id: Option<u64>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub group_id: Option<u64>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub organization_id: Option<u64>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub brand_id: Option<u64>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub form_id: Option<u64>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub custom_status: Option<u64>,
    #[serde(default, deserialize_with = "string_like")]
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "ids::tags")]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub is_public: Option<bool>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

impl WireTicket {
    /// The normalised ticket, given its (already resolved) id.
    pub fn into_ticket(self, id: u64) -> Ticket {
        Ticket {
            id,
            status: self.status,
            priority: self.priority,
            ticket_type: self.ticket_type,
            channel: self.via.unwrap_or_default().channel,
            requester_id: self.requester_id,
            submitter_id: self.submitter_id,
            assignee_id: self.assignee_id,
            group_id: self.group_id,
            organization_id: self.organization_id,
            brand_id: self.brand_id,
            form_id: self.form_id,
            custom_status_id: self.custom_status,
            external_id: self.external_id,
            tags: self.tags,
            created_at: self.created_at,
            updated_at: self.updated_at,
            is_public: self.is_public,
            subject: self.subject,
            description: self.description,
        }
    }
}

#[derive(Deserialize, Default)]
struct WireAuthor {
    #[serde(default, deserialize_with = "ids::optional")]
    id: Option<u64>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    is_staff: Option<bool>,
}

/// A comment in either family; webhook attachment events nest the attachment in it.
#[derive(Deserialize)]
pub(crate) struct WireComment {
    #[serde(default, deserialize_with = "ids::optional")]
    id: Option<u64>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    html_body: Option<String>,
    #[serde(default)]
    is_public: Option<bool>,
    #[serde(default)]
    author: Option<WireAuthor>,
    #[serde(default)]
    attachment: Option<WireAttachment>,
}

impl WireComment {
    /// The comment and, for webhook attachment events, its attachment.
    pub fn into_parts(self) -> (Comment, Option<Attachment>) {
        let author = self.author.unwrap_or_default();
        let attachment = self.attachment.map(|a| Attachment {
            comment_id: a.comment_id.or(self.id),
            ..a.into()
        });
        let comment = Comment {
            id: self.id,
            body: self.body,
            html_body: self.html_body,
            is_public: self.is_public,
            author_id: author.id,
            author_name: author.name,
            author_is_staff: author.is_staff,
        };
        (comment, attachment)
    }
}

/// An attachment (connector `attachment`, webhook `comment.attachment`).
#[derive(Deserialize)]
pub(crate) struct WireAttachment {
    #[serde(default, deserialize_with = "ids::optional")]
    id: Option<u64>,
    #[serde(default, deserialize_with = "ids::optional")]
    comment_id: Option<u64>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    content_url: Option<String>,
    #[serde(default)]
    filename: Option<String>,
    #[serde(default)]
    is_public: Option<bool>,
}

impl From<WireAttachment> for Attachment {
    fn from(a: WireAttachment) -> Self {
        Self {
            id: a.id,
            comment_id: a.comment_id,
            content_type: a.content_type,
            content_url: a.content_url,
            filename: a.filename,
            is_public: a.is_public,
        }
    }
}

/// `meta.sequence` in either family.
#[derive(Deserialize)]
pub(crate) struct WireSequence {
    #[serde(deserialize_with = "string_like")]
    pub id: Option<String>,
    #[serde(default)]
    pub position: Option<u64>,
    #[serde(default)]
    pub total: Option<u64>,
}

impl WireSequence {
    /// The sequence, when it has an id.
    pub fn into_sequence(self) -> Option<Sequence> {
        self.id.map(|id| Sequence {
            id,
            position: self.position,
            total: self.total,
        })
    }
}
