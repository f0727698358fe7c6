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

/// The ticket fields the metrics job reads.
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
