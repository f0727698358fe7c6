//! The cursor-based incremental ticket export with metric sets:
//! `GET /api/v2/incremental/tickets/cursor.json?start_time=…|cursor=…&include=metric_sets`.

use std::collections::HashMap;

use delivery::Deadline;
use serde::Deserialize;

use crate::client::ZendeskClient;
use crate::error::ZendeskError;
use crate::metric_set::MetricSet;

/// Where an export starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportStart {
    /// Tickets changed since this unix time (first run).
    Since(i64),
    /// Continue from a stored `after_cursor`.
    Cursor(String),
}

/// The ticket fields the metrics job and the store backfill read (personal text is held only
/// to be dropped or kept by the reader's `INCLUDE_*` settings).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ExportedTicket {
    /// Ticket id.
    pub id: u64,
    /// Requester, for `MIXPANEL_DISTINCT_ID=requester`.
    #[serde(default)]
    pub requester_id: Option<u64>,
    /// Status (`deleted` tickets have no metrics).
    #[serde(default)]
    pub status: Option<String>,
    /// Priority.
    #[serde(default)]
    pub priority: Option<String>,
    /// Ticket type (`question`, `incident`, …).
    #[serde(default, rename = "type")]
    pub ticket_type: Option<String>,
    /// Assignee.
    #[serde(default)]
    pub assignee_id: Option<u64>,
    /// Group.
    #[serde(default)]
    pub group_id: Option<u64>,
    /// Organization.
    #[serde(default)]
    pub organization_id: Option<u64>,
    /// Tags; `None` when the export did not say.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// `via`, for its channel.
    #[serde(default)]
    pub via: Option<Via>,
    /// When the ticket last changed: the time of this state.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// The side-loaded metric set; absent for deleted and some archived tickets.
    #[serde(default)]
    pub metric_set: Option<MetricSet>,
    /// Submitter.
    #[serde(default)]
    pub submitter_id: Option<u64>,
    /// Brand.
    #[serde(default)]
    pub brand_id: Option<u64>,
    /// Ticket form.
    #[serde(default)]
    pub ticket_form_id: Option<u64>,
    /// Custom status.
    #[serde(default)]
    pub custom_status_id: Option<u64>,
    /// External id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Whether the ticket has public comments.
    #[serde(default)]
    pub is_public: Option<bool>,
    /// Subject: personal data.
    #[serde(default)]
    pub subject: Option<String>,
    /// Description (the first comment): personal data.
    #[serde(default)]
    pub description: Option<String>,
    /// Custom field values: personal data unless a reader lists the field.
    #[serde(default)]
    pub custom_fields: Vec<CustomFieldValue>,
}

/// One custom field's value on an exported ticket.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CustomFieldValue {
    /// Field id.
    pub id: u64,
    /// Its value (string, number, boolean, list or null).
    #[serde(default)]
    pub value: serde_json::Value,
}

impl ExportedTicket {
    /// The ticket's state in the events' model (times that do not parse are left out).
    pub fn ticket(&self) -> zendesk_events::Ticket {
        let time = |at: &Option<String>| {
            at.as_deref()
                .and_then(|t| zendesk_events::Timestamp::parse(t).ok())
        };
        zendesk_events::Ticket {
            id: self.id,
            status: self.status.clone(),
            priority: self.priority.clone(),
            ticket_type: self.ticket_type.clone(),
            channel: self.via.as_ref().and_then(|v| v.channel.clone()),
            requester_id: self.requester_id,
            submitter_id: self.submitter_id,
            assignee_id: self.assignee_id,
            group_id: self.group_id,
            organization_id: self.organization_id,
            brand_id: self.brand_id,
            form_id: self.ticket_form_id,
            custom_status_id: self.custom_status_id,
            external_id: self.external_id.clone(),
            tags: self.tags.clone(),
            created_at: time(&self.created_at),
            updated_at: time(&self.updated_at),
            is_public: self.is_public,
            subject: self.subject.clone(),
            description: self.description.clone(),
        }
    }

    /// `(id, value)` of each custom field.
    pub fn custom_field_values(&self) -> Vec<(u64, serde_json::Value)> {
        self.custom_fields
            .iter()
            .map(|f| (f.id, f.value.clone()))
            .collect()
    }
}

/// How a ticket came in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Via {
    /// `web`, `email`, `api`, …
    #[serde(default)]
    pub channel: Option<String>,
}

/// One page of the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketPage {
    /// Tickets changed, each with its metric set when Zendesk has one.
    pub tickets: Vec<ExportedTicket>,
    /// Where the next page (or the next run) starts.
    pub after_cursor: Option<String>,
    /// True when the export has caught up with now.
    pub end_of_stream: bool,
}

#[derive(Deserialize)]
struct Wire {
    tickets: Vec<ExportedTicket>,
    /// Side-loads may also come as a top-level list keyed by `ticket_id`.
    #[serde(default)]
    metric_sets: Vec<MetricSet>,
    #[serde(default)]
    after_cursor: Option<String>,
    #[serde(default)]
    end_of_stream: bool,
}

/// Most tickets a page holds.
pub const EXPORT_PAGE_SIZE: u32 = 1000;

impl ZendeskClient {
    /// One page of tickets changed since `start`, with metric sets, paced by the export limit.
    pub async fn ticket_export_page(
        &self,
        start: &ExportStart,
        deadline: &Deadline,
    ) -> Result<TicketPage, ZendeskError> {
        let position = match start {
            ExportStart::Since(unix) => format!("start_time={unix}"),
            ExportStart::Cursor(cursor) => format!("cursor={}", encode_query(cursor)),
        };
        let body: Box<serde_json::value::RawValue> = self
            .get(
                &format!(
                    "/api/v2/incremental/tickets/cursor.json?{position}&include=metric_sets&per_page={EXPORT_PAGE_SIZE}"
                ),
                deadline,
            )
            .await?;
        parse_ticket_page(body.get().as_bytes())
    }
}

/// Reads one page of the cursor ticket export (side-loaded metric sets joined to their
/// tickets); an error names the JSON path at fault.
pub fn parse_ticket_page(body: &[u8]) -> Result<TicketPage, ZendeskError> {
    let wire: Wire = crate::client::decode(body)?;
    let mut side_loaded: HashMap<u64, MetricSet> = wire
        .metric_sets
        .into_iter()
        .filter_map(|m| Some((m.ticket_id?, m)))
        .collect();
    let tickets = wire
        .tickets
        .into_iter()
        .map(|mut t| {
            if t.metric_set.is_none() {
                t.metric_set = side_loaded.remove(&t.id);
            }
            t
        })
        .collect();
    Ok(TicketPage {
        tickets,
        after_cursor: wire.after_cursor,
        end_of_stream: wire.end_of_stream,
    })
}

/// Percent-encodes a query value (cursors are opaque and may hold `+`, `/` or `=`).
pub(crate) fn encode_query(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
