//! Decoding one Zendesk ticket event: an EventBridge event (connector form, or a webhook as its
//! `detail`) or a bare webhook, into a [`TicketEvent`].

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::DecodeError;
use crate::event::{Sla, SourceFamily, TicketEvent};
use crate::identity::EventIdentity;
use crate::ids;
use crate::kind::{DETAIL_TYPE_PREFIX, EventType, WEBHOOK_TICKET_PREFIX};
use crate::timestamp::Timestamp;
use crate::wire::{self, RawObject, WireComment, WireSequence, WireTicket};

/// The top-level keys of either shape; which ones are present tells the shape apart.
#[derive(Deserialize)]
struct Top<'a> {
    #[serde(rename = "detail-type", borrow, default)]
    detail_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    detail: Option<&'a RawValue>,
    #[serde(rename = "type", borrow, default)]
    webhook_type: Option<Cow<'a, str>>,
}

/// The common case read in one pass over the document: a connector-shaped EventBridge event,
/// its `detail` and `ticket_event` as keys to raw values.
#[derive(Deserialize)]
struct ConnectorTop<'a> {
    #[serde(rename = "detail-type", borrow)]
    detail_type: Cow<'a, str>,
    #[serde(borrow)]
    detail: ConnectorObject<'a>,
}

#[derive(Deserialize)]
struct ConnectorObject<'a> {
    #[serde(borrow)]
    ticket_event: TicketEventParts<'a>,
}

/// A connector `ticket_event`, its known members decoded as they are read and the rest kept
/// raw: one pass over the event's bulk (the ticket snapshot) instead of two.
#[derive(Default)]
pub(crate) struct TicketEventParts<'a> {
    pub type_name: Option<Cow<'a, str>>,
    pub meta: Option<ConnectorMeta>,
    pub ticket: Option<WireTicket>,
    pub comment: Option<WireComment>,
    pub attachment: Option<wire::WireAttachment>,
    pub custom_field: Option<serde_json::Value>,
    pub sla: Option<Sla>,
    /// `previous`, `current` (decoded once the event type is known) and unknown members.
    pub rest: RawObject<'a>,
}

impl<'a> Members<'a> for TicketEventParts<'a> {
    fn read_known<'de: 'a, A: serde::de::MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            // Borrowed from the document (serde's own `Cow` impl always copies).
            "type" => self.type_name = map.next_value::<Option<wire::Key<'de>>>()?.map(|k| k.0),
            "meta" => self.meta = map.next_value()?,
            "ticket" => self.ticket = map.next_value()?,
            "comment" => self.comment = map.next_value()?,
            "attachment" => self.attachment = map.next_value()?,
            "custom_field" => self.custom_field = map.next_value()?,
            "sla" => self.sla = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn rest(&mut self) -> &mut RawObject<'a> {
        &mut self.rest
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for TicketEventParts<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MembersVisitor(std::marker::PhantomData))
    }
}

/// An object read member by member in one pass: the members the type knows decoded, the rest
/// kept raw.
trait Members<'a>: Default {
    /// Decodes member `key` when the type knows it (true); false leaves it raw.
    fn read_known<'de: 'a, A: serde::de::MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error>;

    /// Where the other members go.
    fn rest(&mut self) -> &mut RawObject<'a>;
}

struct MembersVisitor<'a, T>(std::marker::PhantomData<(&'a (), T)>);

impl<'de: 'a, 'a, T: Members<'a>> serde::de::Visitor<'de> for MembersVisitor<'a, T> {
    type Value = T;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut parts = T::default();
        while let Some(key) = map.next_key::<wire::Key<'de>>()? {
            if !parts.read_known(key.0.as_ref(), &mut map)? {
                let raw: &'de RawValue = map.next_value()?;
                parts.rest().insert(key, raw);
            }
        }
        Ok(parts)
    }
}

/// A webhook read in one pass: its ticket snapshot and its `event` parts decoded as they are
/// read (the general path, with a JSON path for every error, is taken when this fails).
#[derive(Deserialize)]
pub(crate) struct FastWebhook<'a> {
    #[serde(default, deserialize_with = "ids::optional")]
    pub account_id: Option<u64>,
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow, default)]
    pub subject: Option<Cow<'a, str>>,
    pub time: Timestamp,
    #[serde(rename = "type", borrow)]
    pub webhook_type: Cow<'a, str>,
    pub detail: WireTicket,
    #[serde(borrow, default)]
    pub event: Option<WebhookEventParts<'a>>,
}

/// A webhook's `event`: the members the model has, decoded, and the rest raw.
#[derive(Default)]
pub(crate) struct WebhookEventParts<'a> {
    pub meta: Option<WebhookMeta>,
    pub comment: Option<WireComment>,
    pub custom_field: Option<serde_json::Value>,
    pub rest: RawObject<'a>,
}

impl<'a> Members<'a> for WebhookEventParts<'a> {
    fn read_known<'de: 'a, A: serde::de::MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        match key {
            "meta" => self.meta = map.next_value()?,
            "comment" => self.comment = map.next_value()?,
            "custom_field" => self.custom_field = map.next_value()?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn rest(&mut self) -> &mut RawObject<'a> {
        &mut self.rest
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for WebhookEventParts<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MembersVisitor(std::marker::PhantomData))
    }
}

impl<'a> TicketEventParts<'a> {
    /// The same parts from a raw object, each member decoded with its own path (the path taken
    /// when the one-pass read failed, to say what is wrong and where).
    fn from_raw(mut object: RawObject<'a>) -> Result<Self, DecodeError> {
        let type_name = match wire::take(&mut object, "type") {
            Some(raw) => Some(wire::parse(raw.get(), TE_TYPE)?),
            None => None,
        };
        let meta = wire::take(&mut object, "meta")
            .map(|raw| wire::parse_raw(raw, TE_META))
            .transpose()?;
        let ticket = wire::take(&mut object, "ticket")
            .map(|raw| wire::parse_raw(raw, TE_TICKET))
            .transpose()?;
        let comment = wire::take(&mut object, "comment")
            .map(|raw| wire::parse_raw(raw, TE_COMMENT))
            .transpose()?;
        let attachment = wire::take(&mut object, "attachment")
            .map(|raw| wire::parse_raw(raw, TE_ATTACHMENT))
            .transpose()?;
        let custom_field = wire::take(&mut object, "custom_field")
            .map(|raw| wire::parse_raw(raw, TE_CUSTOM_FIELD))
            .transpose()?;
        let sla = wire::take(&mut object, "sla")
            .map(|raw| wire::parse_raw(raw, TE_SLA))
            .transpose()?;
        Ok(Self {
            type_name,
            meta,
            ticket,
            comment,
            attachment,
            custom_field,
            sla,
            rest: object,
        })
    }
}

/// Decodes one event document (`$` is its root in error paths).
pub fn decode_event(json: &str) -> Result<TicketEvent, DecodeError> {
    // Connector-shaped events (every event on the bus, bridged ones included) and bare webhooks
    // are read by the escape-aware reader; anything it does not take, serde reads.
    let connector_shaped = is_connector_shaped(json);
    if connector_shaped {
        if let Ok((detail_type, parts)) = crate::scan::connector(json)
            && let Some(name) = detail_type.strip_prefix(DETAIL_TYPE_PREFIX)
        {
            return decode_connector_parts(parts, name);
        }
    } else if let Ok(hook) = crate::scan::webhook(json)
        && let Ok(event) = webhook_event(hook, &ROOT_PATHS)
    {
        return Ok(event);
    }
    decode_shaped_with_serde(json, connector_shaped)
}

/// The cheap test that picks which one-pass read to try (a scan of the whole document, so it
/// is made once).
fn is_connector_shaped(json: &str) -> bool {
    json.contains("\"detail-type\"")
}

/// Decodes one event document with serde alone: what [`decode_event`] falls back to, and what
/// its own reader must always agree with (the fuzz tests compare them).
#[doc(hidden)]
pub fn decode_event_with_serde(json: &str) -> Result<TicketEvent, DecodeError> {
    decode_shaped_with_serde(json, is_connector_shaped(json))
}

fn decode_shaped_with_serde(
    json: &str,
    connector_shaped: bool,
) -> Result<TicketEvent, DecodeError> {
    // Connector-shaped events and bare webhooks are read in one pass; anything else, or
    // anything that fails, takes the general path, which names what is wrong and where.
    if connector_shaped {
        if let Ok(top) = serde_json::from_str::<ConnectorTop<'_>>(json)
            && let Some(name) = top.detail_type.strip_prefix(DETAIL_TYPE_PREFIX)
        {
            return decode_connector_parts(top.detail.ticket_event, name);
        }
    } else if let Ok(hook) = serde_json::from_str::<FastWebhook<'_>>(json)
        && let Ok(event) = webhook_event(hook, &ROOT_PATHS)
    {
        return Ok(event);
    }
    decode_any(json)
}

fn decode_any(json: &str) -> Result<TicketEvent, DecodeError> {
    let top: Top<'_> =
        wire::parse(json, "$").map_err(|e| match e.reason.starts_with("invalid JSON") {
            true => e,
            false => DecodeError::at("$", "expected a JSON object"),
        })?;
    if let Some(detail_type) = top.detail_type {
        let detail = top.detail.ok_or_else(|| {
            DecodeError::at("$.detail", "missing: an EventBridge event needs `detail`")
        })?;
        if let Some(name) = detail_type.strip_prefix(DETAIL_TYPE_PREFIX) {
            let parsed: ConnectorDetail<'_> = wire::parse(detail.get(), "$.detail")?;
            if let Some(ticket_event) = parsed.ticket_event {
                return decode_connector(ticket_event, name);
            }
        }
        if looks_like_webhook(detail) {
            return decode_webhook(detail.get(), &DETAIL_PATHS);
        }
        return Err(DecodeError::at(
            "$.detail-type",
            format!(
                "not a Zendesk ticket event: {detail_type:?} (expected \"Support Ticket: <Name>\")"
            ),
        ));
    }
    if top
        .webhook_type
        .is_some_and(|t| t.starts_with("zen:event-type:"))
    {
        return decode_webhook(json, &ROOT_PATHS);
    }
    Err(DecodeError::at(
        "$",
        "not a Zendesk ticket event: expected an EventBridge event (`detail-type`) or a Zendesk webhook (`type: zen:event-type:ticket.*`)",
    ))
}

fn looks_like_webhook(detail: &RawValue) -> bool {
    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(rename = "type", borrow, default)]
        webhook_type: Option<Cow<'a, str>>,
    }
    serde_json::from_str::<Probe<'_>>(detail.get())
        .ok()
        .and_then(|p| p.webhook_type)
        .is_some_and(|t| t.starts_with("zen:event-type:"))
}

#[derive(Deserialize)]
struct ConnectorDetail<'a> {
    #[serde(borrow, default)]
    ticket_event: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(crate) struct ConnectorMeta {
    pub occurred_at: Timestamp,
    #[serde(rename = "ref", default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub sequence: Option<WireSequence>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub actor_id: Option<u64>,
    #[serde(default, deserialize_with = "ids::optional")]
    pub account_id: Option<u64>,
    /// Set by the webhook bridge: the webhook event id, so bridged events keep webhook identity.
    #[serde(default)]
    pub event_id: Option<String>,
    /// Set by ticket-metrics on SLA events: the Zendesk metric event id, their identity.
    #[serde(default)]
    pub metric_event_id: Option<u64>,
}

// Paths are static so decoding allocates none unless it fails.
const TE: &str = "$.detail.ticket_event";
const TE_TYPE: &str = "$.detail.ticket_event.type";
const TE_META: &str = "$.detail.ticket_event.meta";
const TE_TICKET: &str = "$.detail.ticket_event.ticket";
const TE_COMMENT: &str = "$.detail.ticket_event.comment";
const TE_ATTACHMENT: &str = "$.detail.ticket_event.attachment";
const TE_CUSTOM_FIELD: &str = "$.detail.ticket_event.custom_field";
const TE_SLA: &str = "$.detail.ticket_event.sla";

fn decode_connector(raw: &RawValue, detail_type_name: &str) -> Result<TicketEvent, DecodeError> {
    let parts = TicketEventParts::from_raw(wire::parse(raw.get(), TE)?)?;
    decode_connector_parts(parts, detail_type_name)
}

pub(crate) fn decode_connector_parts(
    parts: TicketEventParts<'_>,
    detail_type_name: &str,
) -> Result<TicketEvent, DecodeError> {
    let te_path = TE;
    let mut object = parts.rest;

    let name: Cow<'_, str> = parts.type_name.unwrap_or(Cow::Borrowed(detail_type_name));
    let event_type = EventType::from_connector_name(&name);
    let meta = parts
        .meta
        .ok_or_else(|| DecodeError::at(TE_META, "missing"))?;
    let wire_ticket = parts
        .ticket
        .ok_or_else(|| DecodeError::at(TE_TICKET, "missing"))?;
    let ticket_id = wire_ticket
        .id
        .ok_or_else(|| DecodeError::at(format!("{TE_TICKET}.id"), "missing"))?;

    let mut event = base_event(
        SourceFamily::Connector,
        event_type,
        meta.occurred_at,
        wire_ticket.into_ticket(ticket_id),
    );
    event.actor_id = meta.actor_id;
    event.account_id = meta.account_id;
    event.sequence = meta.sequence.and_then(WireSequence::into_sequence);
    fill_changes(&mut event, &mut object, te_path)?;
    if let Some(wire_comment) = parts.comment {
        let (comment, attachment) = wire_comment.into_parts();
        event.comment = Some(comment);
        event.attachment = attachment;
    }
    if let Some(attachment) = parts.attachment {
        event.attachment = Some(attachment.into());
    }
    event.custom_field = parts.custom_field;
    event.sla = parts.sla;
    event.extra = wire::into_extra(object, te_path)?;

    if let Some(id) = meta.metric_event_id {
        // Published by ticket-metrics from the metric event export: that event is its identity.
        event.family = SourceFamily::Export;
        event.identity = EventIdentity::metric_event(id);
        return Ok(event);
    }

    if let Some(webhook_id) = meta.event_id {
        // Bridged from a webhook: it is that webhook event, whatever shape carried it.
        event.family = SourceFamily::Webhook;
        if let EventType::UnknownConnector(name) = &event.event_type {
            event.event_type = EventType::from_bridged_name(name);
        }
        event.identity = EventIdentity::webhook(&webhook_id);
        event.webhook_id = Some(webhook_id);
        return Ok(event);
    }
    let type_name = event.event_type.name();
    event.identity = match (&event.sequence, &meta.reference) {
        (Some(seq), _) if seq.position.is_some() => EventIdentity::connector(
            &seq.id,
            seq.position.unwrap_or_default(),
            &type_name,
            ticket_id,
        ),
        (_, Some(reference)) => EventIdentity::connector_by_ref(
            reference,
            &event.occurred_at.to_rfc3339_nanos(),
            &type_name,
            ticket_id,
        ),
        _ => {
            return Err(DecodeError::at(
                format!("{TE_META}.sequence"),
                "missing `sequence.id`/`sequence.position` (and no `ref`): the event has no stable identity",
            ));
        }
    };
    Ok(event)
}

#[derive(Deserialize)]
struct WireWebhook<'a> {
    #[serde(default, deserialize_with = "ids::optional")]
    account_id: Option<u64>,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, default)]
    subject: Option<Cow<'a, str>>,
    time: Timestamp,
    #[serde(rename = "type", borrow)]
    webhook_type: Cow<'a, str>,
    #[serde(borrow)]
    detail: &'a RawValue,
    #[serde(borrow, default)]
    event: Option<&'a RawValue>,
}

#[derive(Deserialize)]
pub(crate) struct WebhookMeta {
    #[serde(default)]
    pub sequence: Option<WireSequence>,
}

/// The JSON paths of a webhook's parts, for a webhook at the root or as an EventBridge `detail`.
struct WebhookPaths {
    base: &'static str,
    detail: &'static str,
    event: &'static str,
    meta: &'static str,
    comment: &'static str,
    custom_field: &'static str,
}

const ROOT_PATHS: WebhookPaths = WebhookPaths {
    base: "$",
    detail: "$.detail",
    event: "$.event",
    meta: "$.event.meta",
    comment: "$.event.comment",
    custom_field: "$.event.custom_field",
};

const DETAIL_PATHS: WebhookPaths = WebhookPaths {
    base: "$.detail",
    detail: "$.detail.detail",
    event: "$.detail.event",
    meta: "$.detail.event.meta",
    comment: "$.detail.event.comment",
    custom_field: "$.detail.event.custom_field",
};

fn decode_webhook(json: &str, paths: &WebhookPaths) -> Result<TicketEvent, DecodeError> {
    let hook: WireWebhook<'_> = wire::parse(json, paths.base)?;
    let detail = wire::parse(hook.detail.get(), paths.detail)?;
    let mut object: RawObject<'_> = match hook.event {
        Some(raw) => wire::parse(raw.get(), paths.event)?,
        None => RawObject::new(),
    };
    let meta = wire::take(&mut object, "meta")
        .map(|raw| wire::parse_raw(raw, paths.meta))
        .transpose()?;
    let comment = wire::take(&mut object, "comment")
        .map(|raw| wire::parse_raw(raw, paths.comment))
        .transpose()?;
    let custom_field = wire::take(&mut object, "custom_field")
        .map(|raw| wire::parse_raw(raw, paths.custom_field))
        .transpose()?;
    let hook = FastWebhook {
        account_id: hook.account_id,
        id: hook.id,
        subject: hook.subject,
        time: hook.time,
        webhook_type: hook.webhook_type,
        detail,
        event: Some(WebhookEventParts {
            meta,
            comment,
            custom_field,
            rest: object,
        }),
    };
    webhook_event(hook, paths)
}

/// The event of a webhook whose parts are decoded.
fn webhook_event(hook: FastWebhook<'_>, paths: &WebhookPaths) -> Result<TicketEvent, DecodeError> {
    let base = paths.base;
    let suffix = hook
        .webhook_type
        .strip_prefix(WEBHOOK_TICKET_PREFIX)
        .ok_or_else(|| {
            DecodeError::at(
                format!("{base}.type"),
                format!(
                    "not a ticket event: {:?} (expected zen:event-type:ticket.*)",
                    hook.webhook_type
                ),
            )
        })?;
    if hook.id.trim().is_empty() {
        return Err(DecodeError::at(
            format!("{base}.id"),
            "empty: the webhook event id is the event's identity",
        ));
    }
    let detail_path = paths.detail;
    let wire_ticket = hook.detail;
    let ticket_id = match wire_ticket.id {
        Some(id) => id,
        None => subject_ticket_id(hook.subject.as_deref()).ok_or_else(|| {
            DecodeError::at(
                format!("{detail_path}.id"),
                "missing, and `subject` is not zen:ticket:<id>",
            )
        })?,
    };
    let actor_id = wire_ticket.actor_id;
    let mut event = base_event(
        SourceFamily::Webhook,
        EventType::from_webhook_suffix(suffix),
        hook.time,
        wire_ticket.into_ticket(ticket_id),
    );
    event.actor_id = actor_id;
    event.account_id = hook.account_id;
    event.webhook_id = Some(hook.id.clone().into_owned());
    event.identity = EventIdentity::webhook(&hook.id);

    let event_path = paths.event;
    let parts = hook.event.unwrap_or_default();
    let mut object = parts.rest;
    if let Some(meta) = parts.meta {
        event.sequence = meta.sequence.and_then(WireSequence::into_sequence);
    }
    fill_changes(&mut event, &mut object, event_path)?;
    if let Some(wire_comment) = parts.comment {
        let (comment, attachment) = wire_comment.into_parts();
        event.comment = Some(comment);
        event.attachment = attachment;
    }
    event.custom_field = parts.custom_field;
    event.extra = wire::into_extra(object, event_path)?;
    Ok(event)
}

fn subject_ticket_id(subject: Option<&str>) -> Option<u64> {
    subject?.strip_prefix("zen:ticket:")?.parse().ok()
}

fn fill_changes(
    event: &mut TicketEvent,
    object: &mut RawObject<'_>,
    base: &str,
) -> Result<(), DecodeError> {
    let kind = event.event_type.change_value();
    if let Some(raw) = object.remove(&wire::Key(Cow::Borrowed("previous"))) {
        event.previous =
            Some(wire::change_value(raw, kind, "").map_err(|e| e.under(base, ".previous"))?);
    }
    if let Some(raw) = object.remove(&wire::Key(Cow::Borrowed("current"))) {
        event.current =
            Some(wire::change_value(raw, kind, "").map_err(|e| e.under(base, ".current"))?);
    }
    Ok(())
}

fn base_event(
    family: SourceFamily,
    event_type: EventType,
    occurred_at: Timestamp,
    ticket: crate::event::Ticket,
) -> TicketEvent {
    TicketEvent {
        family,
        event_type,
        occurred_at,
        actor_id: None,
        account_id: None,
        sequence: None,
        webhook_id: None,
        ticket,
        previous: None,
        current: None,
        comment: None,
        attachment: None,
        custom_field: None,
        sla: None,
        extra: Default::default(),
        identity: EventIdentity::from_parts(&[]),
    }
}
