//! The flat, snake_case properties of a ticket event that both destinations send.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;
use zendesk_events::TicketEvent;

use crate::pii::{AllowedExtra, PiiPolicy};

/// Flat, snake_case event properties: the documented ones, and what the policy names. Absent
/// values are left out rather than sent as null.
#[derive(Debug, Serialize)]
pub struct TicketProperties<'a> {
    /// Ticket id.
    pub ticket_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ticket_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requester_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    submitter_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assignee_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    organization_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    brand_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    form_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<&'a [String]>,
    zendesk_event_type: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<Cow<'a, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current: Option<Cow<'a, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_public: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_author_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_author_is_staff: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachment_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachment_content_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attachment_public: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_field_id: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_field_title: Option<&'a Value>,
    /// The SLA of SLA events: `sla_metric`, `sla_instance_id`, `sla_policy_id`,
    /// `sla_policy_title`, `sla_target_minutes`, `sla_business_hours`, `sla_target_met`,
    /// `sla_group`.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    sla: Option<SlaProperties<'a>>,
    /// Type-specific keys Zendesk sent that the policy lets out ([`DOCUMENTED_EXTRA_KEYS`],
    /// `EXTRA_PROPERTIES`).
    #[serde(flatten)]
    extra: AllowedExtra<'a>,
}

/// An SLA event's SLA as flat properties.
#[derive(Debug, Serialize)]
struct SlaProperties<'a> {
    sla_metric: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sla_instance_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sla_policy_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sla_policy_title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sla_target_minutes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sla_business_hours: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
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
