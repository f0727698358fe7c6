//! Snapshots of the metric mapping for the sample export page (`events/zendesk-api/`): a solved
//! ticket, one with unreached metrics, an archived ticket without a metric set, a deleted one.

use mixpanel::DistinctId;
use serde_json::{Value, json};
use ticket_metrics::MetricsMapper;
use zendesk_api::ExportedTicket;

fn tickets() -> Vec<ExportedTicket> {
    let page: Value = serde_json::from_str(include_str!(
        "../../../events/zendesk-api/ticket-export-page.json"
    ))
    .unwrap();
    serde_json::from_value(page["tickets"].clone()).unwrap()
}

fn mapped(distinct_id: DistinctId) -> Value {
    let mapper = MetricsMapper::new(distinct_id, "project-token");
    tickets()
        .iter()
        .map(|t| match mapper.records(t) {
            None => json!({"ticket": t.id, "skipped": "no metric set"}),
            Some(Err(e)) => json!({"ticket": t.id, "error": e.to_string()}),
            Some(Ok(r)) => json!({"ticket": t.id, "event": r.event, "profile": r.profile}),
        })
        .collect()
}

#[test]
fn metric_sets_by_ticket() {
    insta::assert_json_snapshot!(mapped(DistinctId::Ticket));
}

#[test]
fn metric_sets_by_requester() {
    insta::assert_json_snapshot!(mapped(DistinctId::Requester));
}

#[test]
fn the_same_metric_set_keeps_its_insert_id_and_a_newer_one_gets_another() {
    let mapper = MetricsMapper::new(DistinctId::Ticket, "t");
    let mut ticket = tickets().remove(0);
    let first = mapper.records(&ticket).unwrap().unwrap();
    assert_eq!(first, mapper.records(&ticket).unwrap().unwrap());
    ticket.metric_set.as_mut().unwrap().updated_at = "2026-03-12T10:00:00Z".into();
    let newer = mapper.records(&ticket).unwrap().unwrap();
    assert_ne!(
        first.event["properties"]["$insert_id"],
        newer.event["properties"]["$insert_id"]
    );
    assert_eq!(newer.event["properties"]["time"], 1_773_309_600_000i64);
}
