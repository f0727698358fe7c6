//! The flat, snake_case properties of a ticket event that both destinations send.

use std::borrow::Cow;

use serde_json::{Map, Value};
use zendesk_events::TicketEvent;

use crate::members::Members;
use crate::pii::{AllowedExtra, PiiPolicy};

/// Flat, snake_case event properties: the documented ones, and what the policy names. Absent
/// values are left out rather than sent as null. [`TicketProperties::write`] lists them.
#[derive(Debug)]
pub struct TicketProperties<'a> {
    /// Ticket id.
    pub ticket_id: u64,
    status: Option<&'a str>,
    priority: Option<&'a str>,
    ticket_type: Option<&'a str>,
    channel: Option<&'a str>,
    requester_id: Option<u64>,
    submitter_id: Option<u64>,
    assignee_id: Option<u64>,
    group_id: Option<u64>,
    organization_id: Option<u64>,
    brand_id: Option<u64>,
    form_id: Option<u64>,
    tags: Option<&'a [String]>,
    zendesk_event_type: Cow<'a, str>,
    actor_id: Option<u64>,
    previous: Option<Cow<'a, Value>>,
    current: Option<Cow<'a, Value>>,
    comment_id: Option<u64>,
    comment_public: Option<bool>,
    comment_author_id: Option<u64>,
    comment_author_is_staff: Option<bool>,
    comment_body: Option<&'a str>,
    description: Option<&'a str>,
    subject: Option<&'a str>,
    attachment_id: Option<u64>,
    attachment_content_type: Option<&'a str>,
    attachment_public: Option<bool>,
    custom_field_id: Option<&'a Value>,
    custom_field_title: Option<&'a Value>,
    /// The SLA of SLA events: `sla_metric`, `sla_instance_id`, `sla_policy_id`,
    /// `sla_policy_title`, `sla_target_minutes`, `sla_business_hours`, `sla_target_met`,
    /// `sla_group`.
    sla: Option<SlaProperties<'a>>,
    /// Type-specific keys Zendesk sent that the policy lets out ([`DOCUMENTED_EXTRA_KEYS`],
    /// `EXTRA_PROPERTIES`).
    extra: AllowedExtra<'a>,
}

/// An SLA event's SLA as flat properties.
#[derive(Debug)]
struct SlaProperties<'a> {
    sla_metric: &'a str,
    sla_instance_id: Option<u64>,
    sla_policy_id: Option<u64>,
    sla_policy_title: Option<&'a str>,
    sla_target_minutes: Option<u64>,
    sla_business_hours: Option<bool>,
    sla_target_met: Option<bool>,
    sla_group: bool,
}

impl<'a> TicketProperties<'a> {
    /// Takes the organization id out of the properties, for a destination that sends it under a
    /// name and form of its own (Mixpanel's group key).
    pub fn take_organization_id(&mut self) -> Option<u64> {
        self.organization_id.take()
    }

    /// The ticket's organization id.
    pub fn organization_id(&self) -> Option<u64> {
        self.organization_id
    }

    /// Writes the properties into `m`, in their documented order, leaving out what is
    /// absent.
    pub fn write(&self, m: &mut impl Members) {
        m.u64("ticket_id", self.ticket_id);
        m.opt_str("status", self.status);
        m.opt_str("priority", self.priority);
        m.opt_str("ticket_type", self.ticket_type);
        m.opt_str("channel", self.channel);
        m.opt_u64("requester_id", self.requester_id);
        m.opt_u64("submitter_id", self.submitter_id);
        m.opt_u64("assignee_id", self.assignee_id);
        m.opt_u64("group_id", self.group_id);
        m.opt_u64("organization_id", self.organization_id);
        m.opt_u64("brand_id", self.brand_id);
        m.opt_u64("form_id", self.form_id);
        m.opt_strings("tags", self.tags);
        m.str("zendesk_event_type", &self.zendesk_event_type);
        m.opt_u64("actor_id", self.actor_id);
        m.opt_value("previous", self.previous.as_deref());
        m.opt_value("current", self.current.as_deref());
        m.opt_u64("comment_id", self.comment_id);
        m.opt_bool("comment_public", self.comment_public);
        m.opt_u64("comment_author_id", self.comment_author_id);
        m.opt_bool("comment_author_is_staff", self.comment_author_is_staff);
        m.opt_str("comment_body", self.comment_body);
        m.opt_str("description", self.description);
        m.opt_str("subject", self.subject);
        m.opt_u64("attachment_id", self.attachment_id);
        m.opt_str("attachment_content_type", self.attachment_content_type);
        m.opt_bool("attachment_public", self.attachment_public);
        m.opt_value("custom_field_id", self.custom_field_id);
        m.opt_value("custom_field_title", self.custom_field_title);
        if let Some(sla) = &self.sla {
            m.str("sla_metric", sla.sla_metric);
            m.opt_u64("sla_instance_id", sla.sla_instance_id);
            m.opt_u64("sla_policy_id", sla.sla_policy_id);
            m.opt_str("sla_policy_title", sla.sla_policy_title);
            m.opt_u64("sla_target_minutes", sla.sla_target_minutes);
            m.opt_bool("sla_business_hours", sla.sla_business_hours);
            m.opt_bool("sla_target_met", sla.sla_target_met);
            m.bool("sla_group", sla.sla_group);
        }
        self.extra.write(m);
    }

    /// The properties as a JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        self.write(&mut map);
        map
    }

    /// The properties of `event` that `pii` lets out.
    pub fn new(event: &'a TicketEvent, pii: &'a PiiPolicy) -> Self {
        let t = &event.ticket;
        let comment = event.comment.as_ref();
        let custom_field = event.custom_field.as_ref();
        Self {
            ticket_id: t.id,
            status: t.status.as_deref(),
            priority: t.priority.as_deref(),
            ticket_type: t.ticket_type.as_deref(),
            channel: t.channel.as_deref(),
            requester_id: t.requester_id,
            submitter_id: t.submitter_id,
            assignee_id: t.assignee_id,
            group_id: t.group_id,
            organization_id: t.organization_id,
            brand_id: t.brand_id,
            form_id: t.form_id,
            tags: t.tags.as_deref(),
            zendesk_event_type: event.event_type.name(),
            actor_id: event.actor_id,
            previous: event
                .previous
                .as_ref()
                .and_then(|v| pii.change_value(event, v)),
            current: event
                .current
                .as_ref()
                .and_then(|v| pii.change_value(event, v)),
            comment_id: comment.and_then(|c| c.id),
            comment_public: comment.and_then(|c| c.is_public),
            comment_author_id: comment.and_then(|c| c.author_id),
            comment_author_is_staff: comment.and_then(|c| c.author_is_staff),
            comment_body: comment
                .and_then(|c| c.body.as_deref())
                .filter(|_| pii.include_comment_body),
            description: t
                .description
                .as_deref()
                .filter(|_| pii.include_comment_body),
            subject: t.subject.as_deref().filter(|_| pii.include_subject),
            attachment_id: event.attachment.as_ref().and_then(|a| a.id),
            attachment_content_type: event
                .attachment
                .as_ref()
                .and_then(|a| a.content_type.as_deref()),
            attachment_public: event.attachment.as_ref().and_then(|a| a.is_public),
            custom_field_id: custom_field.and_then(|f| f.get("id")),
            custom_field_title: custom_field.and_then(|f| f.get("title")),
            sla: event.sla.as_ref().map(|sla| SlaProperties {
                sla_metric: &sla.metric,
                sla_instance_id: sla.instance_id,
                sla_policy_id: sla.policy_id,
                sla_policy_title: sla.policy_title.as_deref(),
                sla_target_minutes: sla.target_minutes,
                sla_business_hours: sla.business_hours,
                sla_target_met: sla.target_met,
                sla_group: sla.group_sla,
            }),
            extra: AllowedExtra {
                extra: &event.extra,
                pii,
            },
        }
    }
}
