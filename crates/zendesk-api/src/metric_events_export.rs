//! The ticket metric event export (`GET /api/v2/incremental/ticket_metric_events.json?start_time=…`):
//! when each ticket metric started, paused, was fulfilled, had an SLA target applied or
//! breached it. Time-based and chronological; read with the same guards as the ticket event
//! export, at the incremental-export pace.

use serde::Deserialize;
use zendesk_events::Timestamp;

use crate::ticket_events_export::{ExportItem, ExportPosition, ExportStream};

/// An SLA target as `apply_sla` (and `apply_group_sla`) events carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SlaTarget {
    /// Target in minutes.
    #[serde(default)]
    pub target: Option<u64>,
    /// Measured in business hours (`true`) or calendar hours.
    #[serde(default)]
    pub business_hours: Option<bool>,
    /// The policy that set it.
    #[serde(default)]
    pub policy: Option<SlaPolicy>,
}

/// The SLA policy of a target (its description is not read: nothing sends it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SlaPolicy {
    /// Policy id.
    #[serde(default)]
    pub id: Option<u64>,
    /// Policy title.
    #[serde(default)]
    pub title: Option<String>,
}

/// One metric event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MetricEventItem {
    /// The event id (the dedup key across pages, and the identity of what it yields).
    pub id: u64,
    /// The ticket.
    pub ticket_id: u64,
    /// `reply_time`, `agent_work_time`, `requester_wait_time`, `periodic_update_time`, …
    pub metric: String,
    /// Which instance of the metric (reply time counts each reply).
    #[serde(default)]
    pub instance_id: Option<u64>,
    /// `activate`, `pause`, `fulfill`, `apply_sla`, `apply_group_sla`, `breach`,
    /// `update_status`, `measure`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened (for a breach: when the target is, or was, missed).
    pub time: Timestamp,
    /// The target of an `apply_sla` event.
    #[serde(default)]
    pub sla: Option<SlaTarget>,
    /// The target of an `apply_group_sla` event.
    #[serde(default)]
    pub group_sla: Option<SlaTarget>,
    /// On a breach: it no longer holds (a fulfilment or a target change cancelled it).
    #[serde(default)]
    pub deleted: bool,
}

impl ExportItem for MetricEventItem {
    const PATH: &'static str = "/api/v2/incremental/ticket_metric_events.json";
    const KEY: &'static str = "ticket_metric_events";
    fn id(&self) -> u64 {
        self.id
    }
    fn unix_seconds(&self) -> i64 {
        self.time.unix_nanos().div_euclid(1_000_000_000) as i64
    }
}

/// The ticket metric event export.
pub type MetricEventStream = ExportStream<MetricEventItem>;

impl MetricEventStream {
    /// A stream from `position` up to `until` (unix seconds, inclusive; `None` = now).
    pub fn new(position: ExportPosition, until: Option<i64>) -> Self {
        Self::with_query(position, until, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_events_are_read_with_their_sla_and_deleted_mark() {
        let mut stream = MetricEventStream::new(ExportPosition::default(), None);
        let body = r#"{"ticket_metric_events": [
            {"id": 1, "ticket_id": 7, "metric": "reply_time", "instance_id": 1, "type": "apply_sla",
             "time": "2026-03-10T15:00:00Z",
             "sla": {"target": 60, "business_hours": false, "policy": {"id": 25, "title": "Urgent", "description": "d"}}},
            {"id": 2, "ticket_id": 7, "metric": "reply_time", "instance_id": 1, "type": "breach",
             "time": "2026-03-10T16:00:00Z", "deleted": true},
            {"id": 3, "ticket_id": 7, "metric": "reply_time", "type": "fulfill"}
        ], "end_time": 1773158400, "end_of_stream": true}"#;
        let page = stream.read_page(body).unwrap();
        let applied = page.items[0].as_ref().unwrap();
        assert_eq!(applied.sla.as_ref().unwrap().target, Some(60));
        assert_eq!(
            applied
                .sla
                .as_ref()
                .unwrap()
                .policy
                .as_ref()
                .unwrap()
                .title
                .as_deref(),
            Some("Urgent")
        );
        assert!(page.items[1].as_ref().unwrap().deleted);
        let error = page.items[2].as_ref().unwrap_err();
        assert!(
            error.to_string().contains("$.ticket_metric_events[2]"),
            "{error}"
        );
        assert!(error.reason.contains("time"), "{error}");
    }
}
