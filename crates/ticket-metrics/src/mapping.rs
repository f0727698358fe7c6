//! An exported ticket → a Mixpanel profile `$set` of its current state and metrics, and a
//! "Ticket Metrics Updated" event when it has a metric set.
//!
//! The event's `time` is the metric set's `updated_at` and its `$insert_id` comes from
//! (ticket id, `updated_at`): the same metric set read by overlapping runs is one event. The
//! state is what the export holds now, so a profile an older event overwrote (a retry or a
//! redrive arriving last) is set right by the next run. With profiles from the ticket store
//! (`MIXPANEL_PROFILES=store`) the state is the store's to set, in its order: the profile then
//! gets the metrics only.

use mixpanel::{DistinctId, MapError};
use serde_json::{Map, Value, json};
use zendesk_api::{ExportedTicket, MetricSet};
use zendesk_events::{EventIdentity, Timestamp};

/// The event name.
pub const METRICS_EVENT: &str = "Ticket Metrics Updated";

/// The Mixpanel records of one exported ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketRecords {
    /// The profile.
    pub distinct_id: String,
    /// The "Ticket Metrics Updated" `/import` event; `None` without a metric set.
    pub event: Option<Value>,
    /// The `/engage` update: the ticket's state and its metrics (`None` when there is nothing
    /// to set: no metric set, and the state is the store's).
    pub profile: Option<Value>,
    /// The time of the state (the ticket's `updated_at`), which orders updates of one profile.
    pub state_time: Option<Timestamp>,
}

/// The ticket's current state as the sinks' profiles hold it (same names): only values the
/// export holds; a null or absent field is left as the profile has it.
pub fn ticket_state(ticket: &ExportedTicket) -> Map<String, Value> {
    let mut out = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(v) = value {
            out.insert(key.to_owned(), v);
        }
    };
    let lower = |v: &Option<String>| v.as_deref().map(|s| Value::from(s.to_ascii_lowercase()));
    put("status", lower(&ticket.status));
    put("priority", lower(&ticket.priority));
    put("ticket_type", lower(&ticket.ticket_type));
    put("assignee_id", ticket.assignee_id.map(Value::from));
    put("group_id", ticket.group_id.map(Value::from));
    put("organization_id", ticket.organization_id.map(Value::from));
    put("tags", ticket.tags.clone().map(Value::from));
    put(
        "channel",
        ticket
            .via
            .as_ref()
            .and_then(|v| v.channel.clone())
            .map(Value::from),
    );
    put(
        "last_event_at",
        state_time(ticket).map(|t| Value::from(t.to_seconds_utc())),
    );
    out
}

fn state_time(ticket: &ExportedTicket) -> Option<Timestamp> {
    ticket
        .updated_at
        .as_deref()
        .and_then(|t| Timestamp::parse(t).ok())
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
    with_state: bool,
}

impl MetricsMapper {
    /// A mapper choosing profiles by `distinct_id`, writing `token` into profile updates.
    pub fn new(distinct_id: DistinctId, token: impl Into<String>) -> Self {
        Self {
            distinct_id,
            token: token.into(),
            with_state: true,
        }
    }

    /// Leaves the ticket's state out of profile updates (`MIXPANEL_PROFILES=store`: the ticket
    /// store's stream sets it, in the order the store accepted it).
    pub fn without_state(mut self) -> Self {
        self.with_state = false;
        self
    }

    /// The records of `ticket`: its state always, its metrics event when it has a metric set
    /// (deleted and some archived tickets have none).
    pub fn records(&self, ticket: &ExportedTicket) -> Result<TicketRecords, MapError> {
        let distinct_id = self.distinct_id_of(ticket)?;
        let mut set_values = if self.with_state {
            ticket_state(ticket)
        } else {
            Map::new()
        };
        let event = match &ticket.metric_set {
            Some(set) => {
                let (event, values) = self.metrics(ticket, set, &distinct_id)?;
                set_values.extend(values);
                Some(event)
            }
            None => None,
        };
        Ok(TicketRecords {
            profile: (!set_values.is_empty()).then(|| {
                json!({
                    "$token": self.token,
                    "$distinct_id": distinct_id,
                    "$ip": 0,
                    "$ignore_time": true,
                    "$set": set_values,
                })
            }),
            event,
            distinct_id,
            state_time: state_time(ticket),
        })
    }

    fn distinct_id_of(&self, ticket: &ExportedTicket) -> Result<String, MapError> {
        Ok(match self.distinct_id {
            DistinctId::Ticket => ticket.id.to_string(),
            DistinctId::Requester => ticket.requester_id.map(|id| id.to_string()).ok_or_else(|| {
                MapError(format!(
                    "tickets[id={}].requester_id is missing, and MIXPANEL_DISTINCT_ID=requester needs it",
                    ticket.id
                ))
            })?,
        })
    }

    /// The metrics event and the metric values for the profile.
    fn metrics(
        &self,
        ticket: &ExportedTicket,
        set: &MetricSet,
        distinct_id: &str,
    ) -> Result<(Value, Map<String, Value>), MapError> {
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
        properties.insert("distinct_id".into(), distinct_id.into());
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
        Ok((
            json!({"event": METRICS_EVENT, "properties": properties}),
            set_values,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(with_metrics: bool) -> ExportedTicket {
        let page: Value = serde_json::from_str(include_str!(
            "../../../events/zendesk-api/ticket-export-page.json"
        ))
        .unwrap();
        let tickets: Vec<ExportedTicket> = serde_json::from_value(page["tickets"].clone()).unwrap();
        tickets
            .into_iter()
            .find(|t| t.metric_set.is_some() == with_metrics)
            .unwrap()
    }

    #[test]
    fn with_profiles_from_the_store_the_metrics_run_sets_metrics_and_never_the_state() {
        let mapper = MetricsMapper::new(DistinctId::Ticket, "t").without_state();
        let records = mapper.records(&ticket(true)).unwrap();
        let set = &records.profile.unwrap()["$set"];
        assert!(
            set.get("status").is_none() && set.get("last_event_at").is_none(),
            "{set}"
        );
        assert!(set.get("metrics_updated_at").is_some(), "{set}");
        assert_eq!(mapper.records(&ticket(false)).unwrap().profile, None);

        let with_state = MetricsMapper::new(DistinctId::Ticket, "t");
        let set = &with_state.records(&ticket(false)).unwrap().profile.unwrap()["$set"];
        assert!(
            set.get("status").is_some(),
            "by default the state is set: {set}"
        );
    }
}
