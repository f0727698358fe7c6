//! SLA events from Zendesk's ticket metric event export, as Zendesk documents them:
//! `apply_sla` / `apply_group_sla` set a target on a metric instance, `fulfill` ends the
//! instance, and a `breach` is the time the target is (or was) missed. A breach is recorded
//! ahead of time and marked `deleted` when it no longer holds ("in general, you can ignore any
//! breach event where deleted is true"), so a breach is published only once its time has passed,
//! not deleted, and not preceded by the instance's fulfilment; a breach still ahead is held and
//! decided by a later run.
//!
//! The SLA of a breach or fulfilment comes from its `apply_sla`, which may be older than the
//! run's first page: the cursor keeps reading from the oldest open instance's `apply_sla` (at
//! most `SLA_CONTEXT_HOURS` back), and remembers what it published, so nothing is sent twice.

use std::collections::HashMap;

use event_bus::BusEntry;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zendesk_api::{ExportItem, ExportPosition, MetricEventItem, SlaTarget};

/// The source SLA events are published under (the bridge's, which the shipped rules route).
pub const SLA_SOURCE: &str = "ticketbridge.zendesk";

/// Where the SLA pass is: where the next run reads from, and what was published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaCursor {
    /// Unix seconds: where the next run starts reading (the context it needs).
    pub read_from: i64,
    /// Items at or before this position were handled (published, skipped or context only).
    pub published: ExportPosition,
}

/// What one item counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Published as this event.
    Publish,
    /// Read again for context only: handled by an earlier run.
    AlreadyHandled,
    /// A breach `deleted` or cancelled by a fulfilment before its time.
    Cancelled,
    /// A breach still ahead: decided by a later run.
    Held,
    /// No SLA event (activate, pause, a fulfilment without an SLA, …).
    NoEvent,
}

type Instance = (u64, String, u64);

#[derive(Debug, Clone)]
struct Applied {
    target: SlaTarget,
    group: bool,
    /// Unix seconds of its `apply_sla`.
    at: i64,
}

/// The SLA state of one run: the targets applied, the breaches that happened, and what is held.
#[derive(Debug, Default)]
pub struct SlaReader {
    applied: HashMap<Instance, Applied>,
    breached: HashMap<Instance, i64>,
    fulfilled: HashMap<Instance, i64>,
    held_from: Option<i64>,
    /// Publish "SLA Applied" events too.
    applied_events: bool,
}

impl SlaReader {
    /// A reader; `applied_events` publishes "SLA Applied" too.
    pub fn new(applied_events: bool) -> Self {
        Self {
            applied_events,
            ..Self::default()
        }
    }

    /// Reads `item` (in export order) at `now` (unix seconds); `handled` says an earlier run
    /// already dealt with it. Returns the decision and, to publish, the bus entry.
    pub fn read(
        &mut self,
        item: &MetricEventItem,
        now: i64,
        handled: bool,
    ) -> (Decision, Option<BusEntry>) {
        let key = (
            item.ticket_id,
            item.metric.clone(),
            item.instance_id.unwrap_or(0),
        );
        let at = item.unix_seconds();
        let decide = |d: Decision| if handled { Decision::AlreadyHandled } else { d };
        match item.kind.as_str() {
            "apply_sla" | "apply_group_sla" => {
                let group = item.kind == "apply_group_sla";
                let target = if group { &item.group_sla } else { &item.sla };
                self.applied.insert(
                    key.clone(),
                    Applied {
                        target: target.clone().unwrap_or_default(),
                        group,
                        at,
                    },
                );
                self.fulfilled.remove(&key);
                if self.applied_events && decide(Decision::Publish) == Decision::Publish {
                    return (
                        Decision::Publish,
                        Some(self.entry("SLA Applied", item, &key, None)),
                    );
                }
                (decide(Decision::NoEvent), None)
            }
            "breach" => {
                if item.deleted
                    || self
                        .fulfilled
                        .get(&key)
                        .is_some_and(|fulfilled| *fulfilled < at)
                {
                    return (decide(Decision::Cancelled), None);
                }
                if at > now {
                    self.held_from = Some(self.held_from.map_or(at, |h| h.min(at)));
                    return (Decision::Held, None);
                }
                self.breached.entry(key.clone()).or_insert(at);
                match decide(Decision::Publish) {
                    Decision::Publish => (
                        Decision::Publish,
                        Some(self.entry("SLA Breached", item, &key, None)),
                    ),
                    other => (other, None),
                }
            }
            "fulfill" => {
                self.fulfilled.insert(key.clone(), at);
                if !self.applied.contains_key(&key) {
                    return (decide(Decision::NoEvent), None);
                }
                let met = self.breached.get(&key).is_none_or(|b| *b > at);
                let decision = decide(Decision::Publish);
                let entry = (decision == Decision::Publish)
                    .then(|| self.entry("SLA Fulfilled", item, &key, Some(met)));
                self.applied.remove(&key);
                (decision, entry)
            }
            _ => (decide(Decision::NoEvent), None),
        }
    }

    /// Where the next run must start reading: the earliest held breach or open instance's
    /// `apply_sla`, else `published`; never before `earliest`.
    pub fn read_from(&self, published: i64, earliest: i64) -> i64 {
        let open = self.applied.values().map(|a| a.at).min();
        [self.held_from, open, Some(published)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(published)
            .max(earliest)
            .min(published)
    }

    /// The connector-shaped bus event of `item` as `name`, with its SLA when one was applied.
    fn entry(
        &self,
        name: &str,
        item: &MetricEventItem,
        key: &Instance,
        met: Option<bool>,
    ) -> BusEntry {
        let mut sla = json!({"metric": item.metric, "instance_id": key.2});
        if let Some(applied) = self.applied.get(key) {
            let t = &applied.target;
            let policy = t.policy.as_ref();
            for (k, v) in [
                ("policy_id", policy.and_then(|p| p.id).map(Value::from)),
                (
                    "policy_title",
                    policy.and_then(|p| p.title.clone()).map(Value::from),
                ),
                ("target_minutes", t.target.map(Value::from)),
                ("business_hours", t.business_hours.map(Value::from)),
            ] {
                if let Some(v) = v {
                    sla[k] = v;
                }
            }
            if applied.group {
                sla["group_sla"] = Value::Bool(true);
            }
        }
        if let Some(met) = met {
            sla["target_met"] = Value::Bool(met);
        }
        BusEntry {
            source: SLA_SOURCE.to_owned(),
            detail_type: format!("Support Ticket: {name}"),
            detail: json!({"ticket_event": {
                "meta": {"version": "1.0", "occurred_at": item.time.to_rfc3339_nanos(),
                         "metric_event_id": item.id},
                "type": name,
                "ticket": {"id": item.ticket_id},
                "sla": sla,
            }}),
            time: item.time,
            resources: vec!["Support Ticket".to_owned()],
            event_id: format!("metric-event-{}", item.id),
        }
    }
}

/// Puts what Zendesk holds for the ticket of `entry` into its `ticket` (the metric event names
/// only the id): the connector's ticket fields, so sinks find the requester, the organization
/// and the state. Subject and description are left out.
pub fn with_ticket(entry: &mut BusEntry, ticket: &zendesk_api::ExportedTicket) {
    let mut state = serde_json::Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value.filter(|v| !v.is_null()) {
            state.insert(key.to_owned(), value);
        }
    };
    put("id", Some(Value::from(ticket.id)));
    put("status", ticket.status.clone().map(Value::from));
    put("priority", ticket.priority.clone().map(Value::from));
    put("type", ticket.ticket_type.clone().map(Value::from));
    put("requester_id", ticket.requester_id.map(Value::from));
    put("submitter_id", ticket.submitter_id.map(Value::from));
    put("assignee_id", ticket.assignee_id.map(Value::from));
    put("organization_id", ticket.organization_id.map(Value::from));
    put("group_id", ticket.group_id.map(Value::from));
    put("brand_id", ticket.brand_id.map(Value::from));
    put("form_id", ticket.ticket_form_id.map(Value::from));
    put("tags", ticket.tags.clone().map(Value::from));
    put("created_at", ticket.created_at.clone().map(Value::from));
    put("updated_at", ticket.updated_at.clone().map(Value::from));
    put(
        "via",
        ticket
            .via
            .as_ref()
            .and_then(|v| v.channel.clone())
            .map(|channel| json!({"channel": channel})),
    );
    entry.detail["ticket_event"]["ticket"] = Value::Object(state);
}

/// The ticket an SLA entry is about.
pub fn ticket_id(entry: &BusEntry) -> Option<u64> {
    entry.detail["ticket_event"]["ticket"]["id"].as_u64()
}

/// Whether `item` was handled by the run that saved `published`.
pub fn is_handled(item: &MetricEventItem, published: &ExportPosition) -> bool {
    let at = item.unix_seconds();
    at < published.start_time || (at == published.start_time && published.done.contains(&item.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: u64, kind: &str, at: &str, extra: Value) -> MetricEventItem {
        let mut value = json!({"id": id, "ticket_id": 7, "metric": "reply_time", "instance_id": 1,
                               "type": kind, "time": at});
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    fn applied() -> MetricEventItem {
        item(
            1,
            "apply_sla",
            "2026-03-10T15:00:00Z",
            json!({"sla": {"target": 60, "business_hours": false,
             "policy": {"id": 25, "title": "Urgent"}}}),
        )
    }

    const NOW: i64 = 1_773_162_000; // 2026-03-10T17:00:00Z

    #[test]
    fn a_breach_that_happened_is_published_with_its_sla_and_the_metric_event_as_identity() {
        let mut reader = SlaReader::new(false);
        assert_eq!(reader.read(&applied(), NOW, false).0, Decision::NoEvent);
        let breach = item(2, "breach", "2026-03-10T16:00:00Z", json!({}));
        let (decision, entry) = reader.read(&breach, NOW, false);
        assert_eq!(decision, Decision::Publish);
        let entry = entry.unwrap();
        assert_eq!(entry.detail_type, "Support Ticket: SLA Breached");
        let event = zendesk_events::decode_event(
            &json!({"version": "0", "id": "x", "detail-type": entry.detail_type, "source": entry.source,
                    "time": "2026-03-10T16:00:00Z", "detail": entry.detail}).to_string(),
        )
        .unwrap();
        let sla = event.sla.unwrap();
        assert_eq!(
            (sla.policy_id, sla.target_minutes, sla.business_hours),
            (Some(25), Some(60), Some(false))
        );
        assert_eq!(event.identity.as_str(), "zendesk:metric-event:2");
        // Then fulfilled after the breach: the target was not met.
        let (_, fulfilled) = reader.read(
            &item(3, "fulfill", "2026-03-10T16:30:00Z", json!({})),
            NOW,
            false,
        );
        assert_eq!(
            fulfilled.unwrap().detail["ticket_event"]["sla"]["target_met"],
            false
        );
    }

    #[test]
    fn a_breach_ahead_is_held_a_deleted_one_or_one_fulfilled_before_never_published() {
        let mut reader = SlaReader::new(false);
        reader.read(&applied(), NOW, false);
        let ahead = item(2, "breach", "2026-03-10T18:00:00Z", json!({}));
        assert_eq!(reader.read(&ahead, NOW, false).0, Decision::Held);
        assert_eq!(
            reader.read_from(NOW, 0),
            1_773_154_800,
            "from the open apply_sla"
        );
        let deleted = item(
            4,
            "breach",
            "2026-03-10T16:00:00Z",
            json!({"deleted": true}),
        );
        assert_eq!(reader.read(&deleted, NOW, false).0, Decision::Cancelled);

        let mut reader = SlaReader::new(false);
        reader.read(&applied(), NOW, false);
        let (_, fulfilled) = reader.read(
            &item(3, "fulfill", "2026-03-10T15:40:00Z", json!({})),
            NOW,
            false,
        );
        assert_eq!(
            fulfilled.unwrap().detail["ticket_event"]["sla"]["target_met"],
            true
        );
        let late = item(5, "breach", "2026-03-10T16:00:00Z", json!({}));
        assert_eq!(reader.read(&late, NOW, false).0, Decision::Cancelled);
        assert_eq!(reader.read_from(NOW, 0), NOW, "nothing open, nothing held");
    }

    #[test]
    fn items_an_earlier_run_handled_give_context_only_and_fulfilments_without_an_sla_no_event() {
        let mut reader = SlaReader::new(true);
        assert_eq!(
            reader.read(&applied(), NOW, true).0,
            Decision::AlreadyHandled
        );
        let (decision, entry) = reader.read(
            &item(2, "breach", "2026-03-10T16:00:00Z", json!({})),
            NOW,
            false,
        );
        assert_eq!(decision, Decision::Publish);
        assert_eq!(
            entry.unwrap().detail["ticket_event"]["sla"]["policy_title"],
            "Urgent"
        );
        let other = item(
            9,
            "fulfill",
            "2026-03-10T16:10:00Z",
            json!({"metric": "agent_work_time"}),
        );
        assert_eq!(reader.read(&other, NOW, false).0, Decision::NoEvent);
        assert_eq!(
            reader.read_from(NOW, NOW - 3600),
            NOW - 3600,
            "never before the context window"
        );
    }
}
