//! A verified Zendesk webhook in connector form: `Support Ticket: <Name>` through the
//! `zendesk-events` model, and user and organization events the same way (`Support User: …`,
//! `Support Organization: …`).

use serde::Deserialize;
use serde_json::{Map, Value, json};
use zendesk_events::{DecodeError, Timestamp, WEBHOOK_TICKET_PREFIX, decode_event, title_case};

use crate::bus_policy::BusPolicy;
use crate::connector_form::{TICKET_RESOURCE, encode_connector};
use crate::entry::BusEntry;

/// What becomes of one Zendesk webhook.
#[derive(Debug)]
pub enum ZendeskOutcome {
    /// An event for the bus.
    Publish(BusEntry),
    /// A type the bridge does not carry (answered 200, counted).
    Ignore {
        /// The webhook `type`.
        webhook_type: String,
    },
}

/// The envelope keys read directly (tickets go through `zendesk-events` for the rest).
#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    webhook_type: String,
    time: String,
    #[serde(default)]
    account_id: Option<Value>,
    #[serde(default)]
    zendesk_event_version: Option<String>,
    #[serde(default)]
    detail: Map<String, Value>,
    #[serde(default)]
    event: Map<String, Value>,
}

/// The other Zendesk domains that have connector-style names.
const DOMAINS: &[Domain] = &[
    Domain {
        prefix: "zen:event-type:user.",
        noun: "User",
        key: "user",
    },
    Domain {
        prefix: "zen:event-type:organization.",
        noun: "Organization",
        key: "organization",
    },
];

pub(crate) struct Domain {
    pub(crate) prefix: &'static str,
    pub(crate) noun: &'static str,
    pub(crate) key: &'static str,
}

/// Turns a verified webhook body into a bus entry with `source`, carrying only what `policy`
/// lets out.
pub fn normalize(
    body: &[u8],
    source: &str,
    policy: &BusPolicy,
) -> Result<ZendeskOutcome, DecodeError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| DecodeError::at("$", format!("body is not UTF-8: {e}")))?;
    let envelope: Envelope = serde_json::from_str(text)
        .map_err(|e| DecodeError::at("$", format!("not a Zendesk webhook: {e}")))?;
    if envelope.webhook_type.starts_with(WEBHOOK_TICKET_PREFIX) {
        return ticket(text, envelope, source, policy).map(ZendeskOutcome::Publish);
    }
    match DOMAINS
        .iter()
        .find(|d| envelope.webhook_type.starts_with(d.prefix))
    {
        Some(domain) => other(envelope, domain, source, policy).map(ZendeskOutcome::Publish),
        None => Ok(ZendeskOutcome::Ignore {
            webhook_type: envelope.webhook_type,
        }),
    }
}

fn ticket(
    text: &str,
    envelope: Envelope,
    source: &str,
    policy: &BusPolicy,
) -> Result<BusEntry, DecodeError> {
    let event = decode_event(text)?;
    let mut encoded = encode_connector(&event, &policy.pii);
    let ticket_event = &mut encoded.detail["ticket_event"];
    if let Some(version) = envelope.zendesk_event_version {
        ticket_event["meta"]["zendesk_event_version"] = Value::from(version);
    }
    // Ticket fields the model does not name, when EXTRA_PROPERTIES names them.
    if let Some(Value::Object(ticket)) = ticket_event.get_mut("ticket") {
        for (key, value) in envelope.detail {
            if !value.is_null()
                && !ticket.contains_key(&key)
                && !MOVED_TICKET_KEYS.contains(&key.as_str())
                && !MODELLED_TICKET_KEYS.contains(&key.as_str())
                && policy.pii.extra_properties.contains(&key)
            {
                ticket.insert(key, value);
            }
        }
    }
    Ok(BusEntry {
        source: source.to_owned(),
        detail_type: encoded.detail_type,
        detail: encoded.detail,
        time: encoded.time,
        resources: vec![TICKET_RESOURCE.to_owned()],
        event_id: envelope.id,
    })
}

/// Webhook `detail` keys that live elsewhere in connector form.
const MOVED_TICKET_KEYS: &[&str] = &["actor_id", "via"];
/// Webhook `detail` keys the model reads (subject and description stay behind their settings).
const MODELLED_TICKET_KEYS: &[&str] = &["subject", "description"];

fn other(
    envelope: Envelope,
    domain: &Domain,
    source: &str,
    policy: &BusPolicy,
) -> Result<BusEntry, DecodeError> {
    let time = Timestamp::parse(&envelope.time).map_err(|e| DecodeError::at("$.time", e))?;
    if envelope.id.trim().is_empty() {
        return Err(DecodeError::at(
            "$.id",
            "empty: the webhook event id is the event's identity",
        ));
    }
    let suffix = &envelope.webhook_type[domain.prefix.len()..];
    let name = event_name(domain.noun, suffix);
    let mut event = envelope.event;
    let mut meta = Map::new();
    meta.insert("version".into(), json!("1.0"));
    meta.insert("occurred_at".into(), json!(time.to_rfc3339_nanos()));
    meta.insert("event_id".into(), json!(envelope.id));
    if let Some(sequence) = event
        .remove("meta")
        .and_then(|m| m.get("sequence").cloned())
    {
        meta.insert("sequence".into(), sequence);
    }
    let mut detail = normalize_object(envelope.detail);
    if let Some(actor) = detail.remove("actor_id").filter(|v| !v.is_null()) {
        meta.insert("actor_id".into(), actor);
    }
    detail.retain(|key, _| policy.allows_field(domain, key));
    if let Some(account) = envelope.account_id.map(normalize_value_for("account_id")) {
        meta.insert("account_id".into(), account);
    }
    if let Some(version) = envelope.zendesk_event_version {
        meta.insert("zendesk_event_version".into(), json!(version));
    }
    let mut body = normalize_object(event);
    body.retain(|key, value| match key.as_str() {
        "previous" | "current" => policy.allows_change(suffix, value),
        other => is_id_key(other) || policy.pii.extra_properties.iter().any(|k| k == other),
    });
    body.insert("meta".into(), Value::Object(meta));
    body.insert("type".into(), json!(name));
    body.insert(domain.key.into(), Value::Object(detail));
    Ok(BusEntry {
        source: source.to_owned(),
        detail_type: format!("Support {}: {name}", domain.noun),
        detail: json!({ format!("{}_event", domain.key): body }),
        time,
        resources: vec![format!("Support {}", domain.noun)],
        event_id: envelope.id,
    })
}

/// `created` → "User Created"; `group_membership_created` → "Group Membership Created".
fn event_name(noun: &str, suffix: &str) -> String {
    let title = title_case(&suffix.replace('.', "_"));
    if title.contains(' ') {
        title
    } else {
        format!("{noun} {title}").trim_end().to_owned()
    }
}

/// Ids (`id`, `*_id`) as numbers and enums lowercase, as the connector sent them.
fn normalize_object(object: Map<String, Value>) -> Map<String, Value> {
    object
        .into_iter()
        .map(|(k, v)| {
            let v = normalize_value_for(&k)(v);
            (k, v)
        })
        .collect()
}

fn normalize_value_for(key: &str) -> impl Fn(Value) -> Value + '_ {
    move |value| match value {
        Value::String(s) if is_id_key(key) => match s.as_str() {
            "" => Value::Null,
            digits if digits.bytes().all(|b| b.is_ascii_digit()) => digits
                .parse::<u64>()
                .map_or(Value::String(s.clone()), Value::from),
            _ => Value::String(s),
        },
        Value::String(s) if ENUM_KEYS.contains(&key) => Value::String(s.to_ascii_lowercase()),
        Value::Array(items) if key.ends_with("_ids") => {
            Value::Array(items.into_iter().map(normalize_value_for("id")).collect())
        }
        Value::Object(inner) => Value::Object(normalize_object(inner)),
        other => other,
    }
}

fn is_id_key(key: &str) -> bool {
    key == "id" || key.ends_with("_id")
}

/// Keys whose values Zendesk webhooks send UPPERCASE.
const ENUM_KEYS: &[&str] = &["status", "priority", "type", "role"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_connector_style() {
        assert_eq!(event_name("User", "created"), "User Created");
        assert_eq!(
            event_name("User", "group_membership_created"),
            "Group Membership Created"
        );
        assert_eq!(
            event_name("Organization", "deleted"),
            "Organization Deleted"
        );
    }

    #[test]
    fn user_events_become_support_user_events() {
        let body = br#"{"account_id":4410022,"id":"ev-1","type":"zen:event-type:user.role_changed","subject":"zen:user:900000000101","time":"2026-03-10T15:00:00.123456789Z","zendesk_event_version":"2022-06-20","detail":{"id":"900000000101","role":"AGENT","organization_id":"","default_group_id":"360000000555","actor_id":"900000000202"},"event":{"previous":"END_USER","current":"AGENT"}}"#;
        let ZendeskOutcome::Publish(entry) =
            normalize(body, "ticketbridge.zendesk", &BusPolicy::default()).unwrap()
        else {
            panic!("not published")
        };
        assert_eq!(entry.detail_type, "Support User: Role Changed");
        assert_eq!(entry.resources, ["Support User"]);
        let ev = &entry.detail["user_event"];
        assert_eq!(ev["user"]["id"], 900000000101u64);
        assert_eq!(ev["user"]["role"], "agent");
        assert_eq!(ev["user"]["organization_id"], Value::Null);
        assert_eq!(ev["meta"]["actor_id"], 900000000202u64);
        assert_eq!(ev["meta"]["event_id"], "ev-1");
        assert_eq!(ev["previous"], "END_USER", "change values are kept as sent");
    }

    #[test]
    fn other_domains_are_ignored() {
        let body = br#"{"account_id":1,"id":"m-1","type":"zen:event-type:messaging_ticket.message_added","time":"2026-03-10T15:00:00Z","detail":{"id":"1"},"event":{}}"#;
        assert!(matches!(
            normalize(body, "s", &BusPolicy::default()).unwrap(),
            ZendeskOutcome::Ignore { webhook_type } if webhook_type.ends_with("message_added")
        ));
    }
}
