//! A ticket's metric set → a Mixpanel profile `$set` and a "Ticket Metrics Updated" event.
//!
//! The event's `time` is the metric set's `updated_at` and its `$insert_id` comes from
//! (ticket id, `updated_at`): the same metric set read by overlapping runs is one event.

use mixpanel::{DistinctId, MapError};
use serde_json::{Map, Value, json};
use zendesk_api::{ExportedTicket, MetricSet};
use zendesk_events::{EventIdentity, Timestamp};

/// The event name.
pub const METRICS_EVENT: &str = "Ticket Metrics Updated";

/// The Mixpanel records of one ticket's metric set.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRecords {
    /// The profile.
    pub distinct_id: String,
    /// The `/import` event.
    pub event: Value,
    /// The `/engage` update.
    pub profile: Value,
}

/// The metric values, as flat properties; metrics not reached yet are left out.
pub fn metric_properties(set: &MetricSet) -> Map<String, Value> {
    let mut out = Map::new();
    for (stem, minutes) in set.durations() {
        if let Some(v) = minutes.calendar {
            out.insert(format!("{stem}_calendar"), v.into());
        }
        if let Some(v) = minutes.business {
            out.insert(format!("{stem}_business"), v.into());
        }
    }
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(v) = value {
            out.insert(key.to_owned(), v);
        }
    };
    put("reopens", set.reopens.map(Value::from));
    put("replies", set.replies.map(Value::from));
    put("solved_at", set.solved_at.clone().map(Value::from));
    put("assigned_at", set.assigned_at.clone().map(Value::from));
    out
}

/// Maps tickets' metric sets with the sink's profile rule.
#[derive(Debug, Clone)]
pub struct MetricsMapper {
    distinct_id: DistinctId,
    token: String,
}

impl MetricsMapper {
    /// A mapper choosing profiles by `distinct_id`, writing `token` into profile updates.
    pub fn new(distinct_id: DistinctId, token: impl Into<String>) -> Self {
        Self {
            distinct_id,
            token: token.into(),
        }
    }

    /// The records of `ticket`, `None` when it has no metric set (deleted, some archived).
    pub fn records(&self, ticket: &ExportedTicket) -> Option<Result<MetricRecords, MapError>> {
        let set = ticket.metric_set.as_ref()?;
        Some(self.map(ticket, set))
    }

    fn map(&self, ticket: &ExportedTicket, set: &MetricSet) -> Result<MetricRecords, MapError> {
        let distinct_id = match self.distinct_id {
            DistinctId::Ticket => ticket.id.to_string(),
            DistinctId::Requester => ticket.requester_id.map(|id| id.to_string()).ok_or_else(|| {
                MapError(format!(
                    "tickets[id={}].requester_id is missing, and MIXPANEL_DISTINCT_ID=requester needs it",
                    ticket.id
                ))
            })?,
        };
        let updated_at = Timestamp::parse(&set.updated_at).map_err(|e| {
            MapError(format!(
                "tickets[id={}].metric_set.updated_at: {e}",
                ticket.id
            ))
        })?;
        let identity = EventIdentity::from_parts(&[
            "zendesk:metric_set",
            &ticket.id.to_string(),
            &updated_at.to_rfc3339_nanos(),
        ]);
        let values = metric_properties(set);
        let mut properties = Map::new();
        properties.insert("time".into(), updated_at.unix_millis().into());
        properties.insert("distinct_id".into(), distinct_id.clone().into());
        properties.insert(
            "$insert_id".into(),
            identity.derive_key(&["mixpanel", METRICS_EVENT]).into(),
        );
        properties.insert("ip".into(), 0.into());
        properties.insert("ticket_id".into(), ticket.id.into());
        properties.insert(
            "metrics_updated_at".into(),
            updated_at.to_seconds_utc().into(),
        );
        properties.extend(values.clone());
        let mut set_values = values;
        set_values.insert(
            "metrics_updated_at".into(),
            updated_at.to_seconds_utc().into(),
        );
        Ok(MetricRecords {
            event: json!({"event": METRICS_EVENT, "properties": properties}),
            profile: json!({
                "$token": self.token,
                "$distinct_id": distinct_id,
                "$ip": 0,
                "$ignore_time": true,
                "$set": set_values,
            }),
            distinct_id,
        })
    }
}
