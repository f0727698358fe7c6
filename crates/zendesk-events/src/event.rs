//! The one `TicketEvent` both Zendesk families decode into.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::identity::EventIdentity;
use crate::kind::EventType;
use crate::timestamp::Timestamp;

/// Which Zendesk family an event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFamily {
    /// The retired Events Connector for Amazon EventBridge.
    Connector,
    /// A Zendesk webhook subscribed to `zen:event-type:ticket.*`, as sent or re-encoded in
    /// connector shape by the bridge.
    Webhook,
    /// Zendesk's incremental ticket event export (history replayed by `ticketbridge backfill`).
    Export,
}

/// One Zendesk ticket event, normalised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketEvent {
    /// The family it arrived in.
    pub family: SourceFamily,
    /// Its type; unknown types are kept.
    #[serde(serialize_with = "serialize_type")]
    pub event_type: EventType,
    /// When it happened in Zendesk (connector `meta.occurred_at`, webhook `time`).
    pub occurred_at: Timestamp,
    /// Who did it, when Zendesk says.
    pub actor_id: Option<u64>,
    /// Zendesk account id (webhooks carry it; the connector only in `source`).
    pub account_id: Option<u64>,
    /// The Zendesk action this event belongs to.
    pub sequence: Option<Sequence>,
    /// The webhook event id (also carried by bridge-encoded connector events).
    pub webhook_id: Option<String>,
    /// Ticket state after the change.
    pub ticket: Ticket,
    /// Value before the change ("... Changed" events), normalised per type.
    pub previous: Option<Value>,
    /// Value after the change ("... Changed" events), normalised per type.
    pub current: Option<Value>,
    /// The comment of comment events (and attachment events in webhooks).
    pub comment: Option<Comment>,
    /// The attachment of attachment events.
    pub attachment: Option<Attachment>,
    /// The field of "Custom Field Changed".
    pub custom_field: Option<Value>,
    /// The SLA of an SLA event (`SLA Breached`, `SLA Fulfilled`, `SLA Applied`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<Sla>,
    /// Keys Zendesk sent that the model has no field for (`tags_added`, `target_ticket_id`, …).
    pub extra: BTreeMap<String, Value>,
    /// Stable identity derived from Zendesk's own ids.
    pub identity: EventIdentity,
}

fn serialize_type<S: serde::Serializer>(t: &EventType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.name())
}

/// What an SLA event is about: the metric, its instance and the target that applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Sla {
    /// `reply_time`, `agent_work_time`, `requester_wait_time`, `periodic_update_time`, …
    pub metric: String,
    /// Which instance of the metric (reply time counts each reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<u64>,
    /// The SLA policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<u64>,
    /// The SLA policy's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_title: Option<String>,
    /// The target, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_minutes: Option<u64>,
    /// Whether the target counts business hours (`false`: calendar hours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<bool>,
    /// On a fulfilment: whether it came before any breach of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_met: Option<bool>,
    /// A group SLA (`apply_group_sla`) rather than a ticket SLA.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub group_sla: bool,
}

/// `meta.sequence`: one Zendesk action fans out into several events sharing `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sequence {
    /// 32 hex characters shared by all events of one action.
    pub id: String,
    /// This event's index within the action.
    pub position: Option<u64>,
    /// Number of events in the action (connector only).
    pub total: Option<u64>,
}

/// Ticket state carried by an event (connector `ticket`, webhook `detail`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ticket {
    /// Ticket id.
    pub id: u64,
    /// Lowercase status (`new`, `open`, …).
    pub status: Option<String>,
    /// Lowercase priority.
    pub priority: Option<String>,
    /// Lowercase ticket type (`question`, `incident`, …).
    pub ticket_type: Option<String>,
    /// `via.channel`.
    pub channel: Option<String>,
    /// Requester user id.
    pub requester_id: Option<u64>,
    /// Submitter user id.
    pub submitter_id: Option<u64>,
    /// Assignee user id.
    pub assignee_id: Option<u64>,
    /// Group id.
    pub group_id: Option<u64>,
    /// Organization id.
    pub organization_id: Option<u64>,
    /// Brand id.
    pub brand_id: Option<u64>,
    /// Ticket form id.
    pub form_id: Option<u64>,
    /// Custom status id (webhooks only).
    pub custom_status_id: Option<u64>,
    /// External id.
    pub external_id: Option<String>,
    /// Tags, when the event says (`null` and absent are `None`: unknown, not empty).
    pub tags: Option<Vec<String>>,
    /// Creation time.
    pub created_at: Option<Timestamp>,
    /// Last update time.
    pub updated_at: Option<Timestamp>,
    /// Whether the ticket is public (webhooks only).
    pub is_public: Option<bool>,
    /// Subject: personal data, mapped only when enabled (webhooks only).
    pub subject: Option<String>,
    /// Description: personal data, mapped only when enabled (webhooks only).
    pub description: Option<String>,
}

/// A ticket comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// Comment id.
    pub id: Option<u64>,
    /// Plain-text body: personal data.
    pub body: Option<String>,
    /// HTML body: personal data.
    pub html_body: Option<String>,
    /// Public reply (true) or internal note (false).
    pub is_public: Option<bool>,
    /// Author id.
    pub author_id: Option<u64>,
    /// Author name: personal data.
    pub author_name: Option<String>,
    /// Whether the author is an agent or admin.
    pub author_is_staff: Option<bool>,
}

/// An attachment linked to a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// Attachment id.
    pub id: Option<u64>,
    /// Comment it belongs to.
    pub comment_id: Option<u64>,
    /// MIME type.
    pub content_type: Option<String>,
    /// Download URL.
    pub content_url: Option<String>,
    /// File name.
    pub filename: Option<String>,
    /// Whether it is public.
    pub is_public: Option<bool>,
}
