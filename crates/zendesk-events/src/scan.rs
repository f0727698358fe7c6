//! Connector events and bare webhooks read with the escape-aware reader (`json-scan`) instead
//! of serde's visitors: a connector event's top level, `detail`, `ticket_event`, its `meta` and
//! its ticket snapshot in one pass, each value decoded as it is read; a webhook's top level, its
//! ticket snapshot (`detail`) and its `event` (with `meta`) the same way. The other members
//! (comment, attachment, SLA, custom field, changes, unknown keys) are kept as their text and
//! read by serde, as the serde one-pass read reads them.
//!
//! Anything this does not take, serde reads; so it never names an error, and where it takes an
//! event it must give what serde gives. It refuses every form it does not read exactly as serde
//! does: repeated keys, ids that are not plain integers or digit strings, non-string
//! `external_id`s, escaped member names (`the_scanned_read_gives_what_serde_gives_for_every_sample_and_odd_value`).

use std::borrow::Cow;

use json_scan::{Kind, Refused, Scan, Scanner};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::decode::{ConnectorMeta, FastWebhook, TicketEventParts, WebhookEventParts, WebhookMeta};
use crate::ids;
use crate::timestamp::Timestamp;
use crate::wire::{Key, RawObject, Via, WireSequence, WireTicket};

/// The `detail-type` and the `ticket_event` parts of a connector-shaped EventBridge event.
pub(crate) fn connector(json: &str) -> Scan<(Cow<'_, str>, TicketEventParts<'_>)> {
    let mut scanner = Scanner::new(json);
    let (mut detail_type, mut parts) = (None, None);
    scanner.object(|s, name| match name {
        b"detail-type" => once(&mut detail_type, s.str()?),
        b"detail" => {
            let mut ticket_event = None;
            s.object(|s, name| match name {
                b"ticket_event" => once(&mut ticket_event, ticket_event_parts(s)?),
                _ => s.skip(),
            })?;
            once(&mut parts, ticket_event.ok_or(Refused)?)
        }
        _ => s.skip(),
    })?;
    scanner.end()?;
    Ok((detail_type.ok_or(Refused)?, parts.ok_or(Refused)?))
}

/// A bare webhook's top level and its ticket snapshot (`detail`, the bulk of it), read as serde
/// reads them into `FastWebhook`.
pub(crate) fn webhook(json: &str) -> Scan<FastWebhook<'_>> {
    let mut scanner = Scanner::new(json);
    let (mut account_id, mut hook_id, mut subject, mut time) = (None, None, None, None);
    let (mut webhook_type, mut detail, mut event) = (None, None, None);
    scanner.object(|s, name| match name {
        b"account_id" => once(&mut account_id, id(s)?),
        b"id" => once(&mut hook_id, s.str()?),
        b"subject" => member(&mut subject, s, Scanner::str),
        b"time" => once(&mut time, timestamp(s)?),
        b"type" => once(&mut webhook_type, s.str()?),
        b"detail" => once(&mut detail, wire_ticket(s)?),
        b"event" => member(&mut event, s, webhook_event_parts),
        _ => s.skip(),
    })?;
    scanner.end()?;
    Ok(FastWebhook {
        account_id: account_id.flatten(),
        id: hook_id.ok_or(Refused)?,
        subject: subject.flatten(),
        time: time.ok_or(Refused)?,
        webhook_type: webhook_type.ok_or(Refused)?,
        detail: detail.ok_or(Refused)?,
        event: event.flatten(),
    })
}

/// Sets `slot` to `value`, refusing a second value: serde refuses repeated fields of a struct.
fn once<T>(slot: &mut Option<T>, value: T) -> Scan<()> {
    match slot.replace(value) {
        None => Ok(()),
        Some(_) => Err(Refused),
    }
}

/// Reads an optional member once: a repeated one is refused, `null` is `None`.
fn member<'a, T>(
    slot: &mut Option<Option<T>>,
    s: &mut Scanner<'a>,
    read: impl FnOnce(&mut Scanner<'a>) -> Scan<T>,
) -> Scan<()> {
    let value = if s.null()? { None } else { Some(read(s)?) };
    once(slot, value)
}

/// A member's text decoded by serde, as serde's one-pass read decodes it.
fn by_serde<T: DeserializeOwned>(s: &mut Scanner<'_>) -> Scan<T> {
    serde_json::from_str(s.raw()?).map_err(|_| Refused)
}

fn ticket_event_parts<'a>(s: &mut Scanner<'a>) -> Scan<TicketEventParts<'a>> {
    let mut type_name = None;
    let (mut meta, mut ticket, mut comment, mut attachment) = (None, None, None, None);
    let (mut custom_field, mut sla) = (None, None);
    let mut rest = RawObject::new();
    s.object(|s, name| match name {
        b"type" => member(&mut type_name, s, Scanner::str),
        b"meta" => member(&mut meta, s, connector_meta),
        b"ticket" => member(&mut ticket, s, wire_ticket),
        b"comment" => member(&mut comment, s, by_serde),
        b"attachment" => member(&mut attachment, s, by_serde),
        b"custom_field" => member(&mut custom_field, s, by_serde),
        b"sla" => member(&mut sla, s, by_serde),
        _ => raw_member(&mut rest, s, name),
    })?;
    Ok(TicketEventParts {
        type_name: type_name.flatten(),
        meta: meta.flatten(),
        ticket: ticket.flatten(),
        comment: comment.flatten(),
        attachment: attachment.flatten(),
        custom_field: custom_field.flatten(),
        sla: sla.flatten(),
        rest,
    })
}

/// A member the model has no field for, kept as its text (once).
fn raw_member<'a>(rest: &mut RawObject<'a>, s: &mut Scanner<'a>, name: &'a [u8]) -> Scan<()> {
    let name = std::str::from_utf8(name).map_err(|_| Refused)?;
    let raw: &RawValue = serde_json::from_str(s.raw()?).map_err(|_| Refused)?;
    match rest.insert(Key(Cow::Borrowed(name)), raw) {
        None => Ok(()),
        Some(_) => Err(Refused),
    }
}

/// A webhook's `event`: its `meta` read here, comment and custom field by serde, the rest raw.
fn webhook_event_parts<'a>(s: &mut Scanner<'a>) -> Scan<WebhookEventParts<'a>> {
    let (mut meta, mut comment, mut custom_field) = (None, None, None);
    let mut rest = RawObject::new();
    s.object(|s, name| match name {
        b"meta" => member(&mut meta, s, webhook_meta),
        b"comment" => member(&mut comment, s, by_serde),
        b"custom_field" => member(&mut custom_field, s, by_serde),
        _ => raw_member(&mut rest, s, name),
    })?;
    Ok(WebhookEventParts {
        meta: meta.flatten(),
        comment: comment.flatten(),
        custom_field: custom_field.flatten(),
        rest,
    })
}

fn webhook_meta(s: &mut Scanner<'_>) -> Scan<WebhookMeta> {
    let mut sequence = None;
    s.object(|s, name| match name {
        b"sequence" => member(&mut sequence, s, wire_sequence),
        _ => s.skip(),
    })?;
    Ok(WebhookMeta {
        sequence: sequence.flatten(),
    })
}

/// A Zendesk id as `ids::optional` reads it: an integer, a string of digits, `""` or `null`.
fn id(s: &mut Scanner<'_>) -> Scan<Option<u64>> {
    match s.kind()? {
        Kind::Null => s.null().map(|_| None),
        Kind::Number => s.u64().map(Some),
        Kind::Str => ids::parse_id_text(&s.str()?).map_err(|_| Refused),
        _ => Err(Refused),
    }
}

fn lowercase(s: &mut Scanner<'_>) -> Scan<String> {
    let mut text = s.string()?;
    text.make_ascii_lowercase();
    Ok(text)
}

fn timestamp(s: &mut Scanner<'_>) -> Scan<Timestamp> {
    Timestamp::parse(&s.str()?).map_err(|_| Refused)
}

fn connector_meta(s: &mut Scanner<'_>) -> Scan<ConnectorMeta> {
    let mut occurred_at = None;
    let (mut reference, mut sequence, mut event_id, mut metric_event_id) = (None, None, None, None);
    let (mut actor_id, mut account_id) = (None, None);
    s.object(|s, name| match name {
        b"occurred_at" => once(&mut occurred_at, timestamp(s)?),
        b"ref" => member(&mut reference, s, Scanner::string),
        b"sequence" => member(&mut sequence, s, wire_sequence),
        b"actor_id" => once(&mut actor_id, id(s)?),
        b"account_id" => once(&mut account_id, id(s)?),
        b"event_id" => member(&mut event_id, s, Scanner::string),
        b"metric_event_id" => member(&mut metric_event_id, s, Scanner::u64),
        _ => s.skip(),
    })?;
    Ok(ConnectorMeta {
        occurred_at: occurred_at.ok_or(Refused)?,
        reference: reference.flatten(),
        sequence: sequence.flatten(),
        actor_id: actor_id.flatten(),
        account_id: account_id.flatten(),
        event_id: event_id.flatten(),
        metric_event_id: metric_event_id.flatten(),
    })
}

fn wire_sequence(s: &mut Scanner<'_>) -> Scan<WireSequence> {
    let (mut id, mut position, mut total) = (None, None, None);
    s.object(|s, name| match name {
        // `string_like` also takes numbers (written as serde_json writes them): refused here.
        b"id" => member(&mut id, s, Scanner::string),
        b"position" => member(&mut position, s, Scanner::u64),
        b"total" => member(&mut total, s, Scanner::u64),
        _ => s.skip(),
    })?;
    Ok(WireSequence {
        // Required by serde (a `deserialize_with` field has no default), `null` allowed.
        id: id.ok_or(Refused)?,
        position: position.flatten(),
        total: total.flatten(),
    })
}

fn via(s: &mut Scanner<'_>) -> Scan<Via> {
    let mut channel = None;
    s.object(|s, name| match name {
        b"channel" => member(&mut channel, s, Scanner::string),
        _ => s.skip(),
    })?;
    Ok(Via {
        channel: channel.flatten(),
    })
}

fn tags(s: &mut Scanner<'_>) -> Scan<Vec<String>> {
    let mut tags = Vec::new();
    s.list(|s| s.string().map(|tag| tags.push(tag)))?;
    Ok(tags)
}

fn wire_ticket(s: &mut Scanner<'_>) -> Scan<WireTicket> {
    let mut t = WireTicketSlots::default();
    s.object(|s, name| match name {
        b"id" => once(&mut t.id, id(s)?),
        b"actor_id" => once(&mut t.actor_id, id(s)?),
        b"status" => member(&mut t.status, s, lowercase),
        b"priority" => member(&mut t.priority, s, lowercase),
        b"type" => member(&mut t.ticket_type, s, lowercase),
        b"via" => member(&mut t.via, s, via),
        b"requester_id" => once(&mut t.requester_id, id(s)?),
        b"submitter_id" => once(&mut t.submitter_id, id(s)?),
        b"assignee_id" => once(&mut t.assignee_id, id(s)?),
        b"group_id" => once(&mut t.group_id, id(s)?),
        b"organization_id" => once(&mut t.organization_id, id(s)?),
        b"brand_id" => once(&mut t.brand_id, id(s)?),
        b"form_id" => once(&mut t.form_id, id(s)?),
        b"custom_status" => once(&mut t.custom_status, id(s)?),
        b"external_id" => member(&mut t.external_id, s, Scanner::string),
        b"tags" => member(&mut t.tags, s, tags),
        b"created_at" => member(&mut t.created_at, s, timestamp),
        b"updated_at" => member(&mut t.updated_at, s, timestamp),
        b"is_public" => member(&mut t.is_public, s, Scanner::bool),
        b"subject" => member(&mut t.subject, s, Scanner::string),
        b"description" => member(&mut t.description, s, Scanner::string),
        _ => s.skip(),
    })?;
    Ok(WireTicket {
        id: t.id.flatten(),
        actor_id: t.actor_id.flatten(),
        status: t.status.flatten(),
        priority: t.priority.flatten(),
        ticket_type: t.ticket_type.flatten(),
        via: t.via.flatten(),
        requester_id: t.requester_id.flatten(),
        submitter_id: t.submitter_id.flatten(),
        assignee_id: t.assignee_id.flatten(),
        group_id: t.group_id.flatten(),
        organization_id: t.organization_id.flatten(),
        brand_id: t.brand_id.flatten(),
        form_id: t.form_id.flatten(),
        custom_status: t.custom_status.flatten(),
        external_id: t.external_id.flatten(),
        tags: t.tags.flatten(),
        created_at: t.created_at.flatten(),
        updated_at: t.updated_at.flatten(),
        is_public: t.is_public.flatten(),
        subject: t.subject.flatten(),
        description: t.description.flatten(),
    })
}

/// Each member of a ticket snapshot: outer `None` until it is read (so a repeat is refused).
#[derive(Default)]
struct WireTicketSlots {
    id: Option<Option<u64>>,
    actor_id: Option<Option<u64>>,
    status: Option<Option<String>>,
    priority: Option<Option<String>>,
    ticket_type: Option<Option<String>>,
    via: Option<Option<Via>>,
    requester_id: Option<Option<u64>>,
    submitter_id: Option<Option<u64>>,
    assignee_id: Option<Option<u64>>,
    group_id: Option<Option<u64>>,
    organization_id: Option<Option<u64>>,
    brand_id: Option<Option<u64>>,
    form_id: Option<Option<u64>>,
    custom_status: Option<Option<u64>>,
    external_id: Option<Option<String>>,
    tags: Option<Option<Vec<String>>>,
    created_at: Option<Option<Timestamp>>,
    updated_at: Option<Option<Timestamp>>,
    is_public: Option<Option<bool>>,
    subject: Option<Option<String>>,
    description: Option<Option<String>>,
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::decode::decode_connector_parts;
    use crate::kind::DETAIL_TYPE_PREFIX;
    use crate::{decode_event, decode_event_with_serde, samples};

    /// Whether the scanned read takes `json` (as a connector event or as a bare webhook).
    fn scanned(json: &str) -> bool {
        super::connector(json)
            .ok()
            .is_some_and(|(detail_type, _)| detail_type.starts_with(DETAIL_TYPE_PREFIX))
            || super::webhook(json).is_ok()
    }

    /// `decode_event` (the scanned read first) and serde alone, compared.
    fn agree(json: &str) {
        assert_eq!(
            format!("{:?}", decode_event(json)),
            format!("{:?}", decode_event_with_serde(json)),
            "{json}"
        );
        if let Ok((detail_type, parts)) = super::connector(json)
            && let Some(name) = detail_type.strip_prefix(DETAIL_TYPE_PREFIX)
        {
            assert_eq!(
                format!("{:?}", decode_connector_parts(parts, name)),
                format!("{:?}", decode_event_with_serde(json)),
                "{json}"
            );
        }
    }

    /// Every place in `value` (members and list elements, nested), as JSON pointers.
    fn places(value: &Value, at: String, out: &mut Vec<String>) {
        match value {
            Value::Object(members) => {
                for (name, member) in members {
                    let here = format!("{at}/{name}");
                    out.push(here.clone());
                    places(member, here, out);
                }
            }
            Value::Array(items) => {
                for (n, item) in items.iter().enumerate() {
                    let here = format!("{at}/{n}");
                    out.push(here.clone());
                    places(item, here, out);
                }
            }
            _ => {}
        }
    }

    fn odd_values() -> Vec<Value> {
        vec![
            Value::Null,
            json!(""),
            json!(" 42 "),
            json!("42"),
            json!("4a"),
            json!(42),
            json!(0),
            json!(-1),
            json!(1.5),
            json!(18_446_744_073_709_551_615_u64),
            json!(1e30),
            json!(true),
            json!([]),
            json!(["a", "B"]),
            json!([1]),
            json!({}),
            json!({"channel": "Web", "x": [1]}),
            json!({"id": "ABCDEF", "position": 1, "total": 2}),
            json!("OPEN Now"),
            json!("2026-03-10T15:01:11Z"),
            json!("2026-03-10T15:01:11.5+02:00"),
            json!("quote \" backslash \\ é 🎫 \n"),
            json!("Support Ticket: Ticket Created"),
        ]
    }

    #[test]
    fn the_scanned_read_gives_what_serde_gives_for_every_sample_and_odd_value() {
        let mut taken = 0;
        let mut tried = 0;
        for folder in [
            "connector",
            "webhook",
            "bridged",
            "privacy",
            "malformed",
            "routing",
            "sla-on-bus",
            "webhook-on-bus",
        ] {
            for (name, text) in samples::read(folder) {
                let Ok(event) = serde_json::from_str::<Value>(&text) else {
                    agree(&text);
                    continue;
                };
                let compact = event.to_string();
                if ["connector", "webhook", "bridged"].contains(&folder) {
                    assert!(scanned(&compact), "{folder}/{name} is read by the scanner");
                }
                agree(&text);
                agree(&compact);
                let mut at = Vec::new();
                places(&event, String::new(), &mut at);
                for place in &at {
                    // Each place replaced by each odd value, and removed.
                    for odd in odd_values() {
                        let mut changed = event.clone();
                        *changed.pointer_mut(place).unwrap() = odd;
                        let json = changed.to_string();
                        tried += 1;
                        taken += usize::from(scanned(&json));
                        agree(&json);
                    }
                    let (parent, last) = place.rsplit_once('/').unwrap();
                    let mut removed = event.clone();
                    if let Some(Value::Object(members)) = removed.pointer_mut(parent) {
                        members.remove(last);
                        agree(&removed.to_string());
                    }
                }
                // Each member repeated, with the value it had and with another.
                for place in &at {
                    let last = place.rsplit('/').next().unwrap();
                    let value = event.pointer(place).unwrap();
                    let key = format!("\"{last}\":");
                    if let Some(start) = compact.find(&key) {
                        for repeat in [value.to_string(), "\"other\"".to_owned()] {
                            let mut json = compact.clone();
                            json.insert_str(start, &format!("{key}{repeat},"));
                            agree(&json);
                        }
                    }
                }
            }
        }
        // Most odd values still make an event the scanner reads: the comparison above is not
        // only of events it refused.
        assert!(taken * 3 > tried, "the scanner took {taken} of {tried}");
    }
}
