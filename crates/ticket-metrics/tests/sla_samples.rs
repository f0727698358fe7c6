//! What the SLA pass publishes for the sample metric event page (every case: a breach that
//! happened, a deleted one, one ahead, fulfilments in time and late, a metric without an SLA),
//! as EventBridge delivers it. The files under `events/sla-on-bus/` are exactly that; the demo
//! and the routing tests take them from there. `UPDATE_SAMPLES=1` rewrites them.

use std::path::Path;

use serde_json::{Value, json};
use ticket_metrics::sla::{Decision, SlaReader};
use zendesk_api::{ExportPosition, MetricEventStream};

/// The time the sample page is read at: 2025-03-10T18:00:00Z.
const READ_AT: i64 = 1_741_629_600;

fn published() -> (Vec<(String, Value)>, Vec<Decision>) {
    let page = include_str!("../../../events/zendesk-api/ticket-metric-events-page.json");
    let mut stream = MetricEventStream::new(ExportPosition::default(), None);
    let page = stream.read_page(page).unwrap();
    let mut reader = SlaReader::new(false);
    let mut out = Vec::new();
    let mut decisions = Vec::new();
    for item in page.items {
        let item = item.unwrap();
        let (decision, entry) = reader.read(&item, READ_AT, false);
        decisions.push(decision);
        let Some(entry) = entry else { continue };
        let name = entry.detail_type.trim_start_matches("Support Ticket: ");
        let file = format!(
            "{}-{}.json",
            item.ticket_id,
            name.to_ascii_lowercase().replace(' ', "-")
        );
        let event = json!({
            "version": "0",
            "id": format!("00000000-0000-4000-8000-{:012}", item.id % 1_000_000_000_000),
            "detail-type": entry.detail_type,
            "source": entry.source,
            "account": "210987654321",
            "time": entry.time.to_rfc3339_millis(),
            "region": "eu-west-1",
            "resources": entry.resources,
            "detail": entry.detail,
        });
        out.push((file, event));
    }
    (out, decisions)
}

#[test]
fn the_sla_samples_on_the_bus_are_what_ticket_metrics_publishes_for_the_sample_page() {
    let (events, decisions) = published();
    let names: Vec<&str> = events.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        names,
        [
            "48214-sla-fulfilled.json",
            "48213-sla-breached.json",
            "48213-sla-fulfilled.json"
        ],
        "in export order"
    );
    assert_eq!(
        decisions
            .iter()
            .filter(|d| **d == Decision::Cancelled)
            .count(),
        1,
        "48214's deleted breach"
    );
    assert_eq!(
        decisions.iter().filter(|d| **d == Decision::Held).count(),
        1,
        "48215's breach ahead"
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/sla-on-bus");
    for (file, event) in &events {
        let path = dir.join(file);
        let text = serde_json::to_string_pretty(event).unwrap() + "\n";
        if std::env::var_os("UPDATE_SAMPLES").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&path).unwrap_or_default(),
            text,
            "{file} is stale: UPDATE_SAMPLES=1 cargo test -p ticket-metrics --test sla_samples"
        );
    }
    let late = &events[2].1["detail"]["ticket_event"]["sla"];
    assert_eq!(late["target_met"], false);
    assert_eq!(late["policy_title"], "Urgent tickets");
    assert_eq!(
        events[0].1["detail"]["ticket_event"]["sla"]["target_met"],
        true
    );
}
