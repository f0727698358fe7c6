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
            Err(e) => json!({"ticket": t.id, "error": e.to_string()}),
            Ok(r) => json!({"ticket": t.id, "event": r.event, "profile": r.profile}),
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
    let first = mapper.records(&ticket).unwrap();
    assert_eq!(first, mapper.records(&ticket).unwrap());
    ticket.metric_set.as_mut().unwrap().updated_at = "2026-03-12T10:00:00Z".into();
    let newer = mapper.records(&ticket).unwrap();
    let (first, newer) = (first.event.unwrap(), newer.event.unwrap());
    assert_ne!(
        first["properties"]["$insert_id"],
        newer["properties"]["$insert_id"]
    );
    assert_eq!(newer["properties"]["time"], 1_773_309_600_000i64);
}

#[test]
fn every_ticket_sets_its_current_state_and_only_what_the_export_holds() {
    let mapper = MetricsMapper::new(DistinctId::Ticket, "t");
    let by_id = |id: u64| {
        let ticket = tickets().into_iter().find(|t| t.id == id).unwrap();
        mapper.records(&ticket).unwrap()
    };
    let solved = by_id(48213).profile.as_ref().unwrap()["$set"].clone();
    for (key, value) in [
        ("status", json!("solved")),
        ("priority", json!("normal")),
        ("ticket_type", json!("question")),
        ("assignee_id", json!(900000000202u64)),
        ("group_id", json!(360000000555u64)),
        ("organization_id", json!(360000000777u64)),
        ("tags", json!(["billing", "refund"])),
        ("channel", json!("web")),
        ("last_event_at", json!("2026-03-11T09:30:00")),
    ] {
        assert_eq!(solved[key], value, "{key}");
    }
    // Null in the export is left alone; an explicit [] clears the tags.
    let open = by_id(48214).profile.as_ref().unwrap()["$set"].clone();
    assert!(open.get("assignee_id").is_none() && open.get("organization_id").is_none());
    assert_eq!(open["tags"], json!([]));
    // Tickets without a metric set still heal their profile, with no metrics event.
    let archived = by_id(30001);
    assert!(archived.event.is_none());
    assert_eq!(
        archived.profile.as_ref().unwrap()["$set"]["status"],
        "closed"
    );
    assert!(
        archived.profile.as_ref().unwrap()["$set"]
            .get("priority")
            .is_none()
    );
    // Nothing personal: subject and description never leave.
    let all = mapped(DistinctId::Ticket).to_string();
    for private in ["Double charge", "charged twice", "7946 0958"] {
        assert!(!all.contains(private), "{private}");
    }
}
