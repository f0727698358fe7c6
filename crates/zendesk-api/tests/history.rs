//! Export items → `TicketEvent`s, snapshotted for the sample page (`events/zendesk-api/`).

use serde_json::Value;
use zendesk_api::{TicketEventItem, history_events};

fn items() -> Vec<TicketEventItem> {
    let page: Value = serde_json::from_str(include_str!(
        "../../../events/zendesk-api/ticket-events-page.json"
    ))
    .unwrap();
    serde_json::from_value(page["ticket_events"].clone()).unwrap()
}

#[test]
fn sample_page_as_ticket_events() {
    let out: Vec<Value> = items()
        .iter()
        .map(|item| {
            let h = history_events(item);
            serde_json::json!({"item": item.id, "events": h.events, "skipped": h.skipped})
        })
        .collect();
    insta::assert_json_snapshot!(out);
}

#[test]
fn identities_are_stable_and_distinct() {
    let first: Vec<_> = items()
        .iter()
        .flat_map(|i| history_events(i).events)
        .collect();
    let again: Vec<_> = items()
        .iter()
        .flat_map(|i| history_events(i).events)
        .collect();
    let ids: Vec<_> = first.iter().map(|e| e.identity.clone()).collect();
    assert_eq!(
        ids,
        again.iter().map(|e| e.identity.clone()).collect::<Vec<_>>()
    );
    let mut unique = ids.clone();
    unique.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    assert_eq!(
        ids.len(),
        8,
        "created + comment; status, assignee, tags, custom field, comment; status"
    );
}
