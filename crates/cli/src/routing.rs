//! The demo's EventBridge step: every event on the bus goes through the deployed rules of
//! `infra/rules/`, and each sink receives what its rules match, as SNS delivers it.

use std::collections::BTreeMap;
use std::path::Path;

use event_rules::{EventCheck, RuleSet, event_problem};
use serde_json::Value;

use crate::demo::sample_files;
use crate::local_bus::sns_event;

/// Where the bus events went.
#[derive(Default)]
pub struct Routing {
    /// Per target (`mixpanel`, `fullstory`): one SNS invocation per matched event, labelled.
    pub deliveries: BTreeMap<String, Vec<(String, Vec<u8>)>>,
    /// Events no deployed rule matched.
    pub unrouted: Vec<String>,
    /// Per deployed rule: how many events it matched.
    pub matched_by_rule: BTreeMap<String, usize>,
    /// One line per event: what it is and which rules matched it (the demo's `--verbose`).
    pub lines: Vec<String>,
}

/// The EventBridge events under `events/` (bus samples), labelled by path; other files are
/// Lambda payloads or raw webhooks and never meet a rule.
pub fn bus_samples(events: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    for file in
        sample_files(events).map_err(|e| format!("cannot read {}: {e}", events.display()))?
    {
        let payload = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        if is_bus_event(&payload) {
            out.push((file.display().to_string(), payload));
        }
    }
    Ok(out)
}

/// Whether a payload is an EventBridge event (`source`, `detail-type`, `detail`).
pub fn is_bus_event(payload: &[u8]) -> bool {
    serde_json::from_slice::<Value>(payload).is_ok_and(|v| event_problem(&v).is_none())
}

/// Routes `events` through the rules that are deployed by default (not examples, not rules of a
/// feature that is off), with one line per event: what it is and which rules matched it.
pub fn route(rules: &RuleSet, events: &[(String, Vec<u8>)]) -> Routing {
    route_with(rules, events, &[])
}

/// [`route`] with the rules of `features` deployed too.
pub fn route_with(rules: &RuleSet, events: &[(String, Vec<u8>)], features: &[&str]) -> Routing {
    let mut routing = Routing::default();
    for (label, payload) in events {
        let EventCheck::Matches(matched) = rules.check(payload) else {
            continue;
        };
        let matched: Vec<_> = matched
            .into_iter()
            .filter(|r| !r.example)
            .filter(|r| r.feature.as_deref().is_none_or(|f| features.contains(&f)))
            .collect();
        // `check` accepted it, so it is a JSON object with a string detail-type.
        let event: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
        let detail_type = event["detail-type"].as_str().unwrap_or_default();
        if matched.is_empty() {
            routing
                .lines
                .push(format!("  {label} [{detail_type}] → no rule"));
            routing.unrouted.push(label.clone());
            continue;
        }
        let names: Vec<_> = matched.iter().map(|r| r.name.as_str()).collect();
        for name in &names {
            *routing
                .matched_by_rule
                .entry((*name).to_owned())
                .or_default() += 1;
        }
        routing
            .lines
            .push(format!("  {label} [{detail_type}] → {}", names.join(", ")));
        let mut targets: Vec<&str> = matched.iter().map(|r| r.target.as_str()).collect();
        // Two rules to one topic would deliver twice; the sinks' keys make that harmless, and
        // the demo sends it once.
        targets.sort_unstable();
        targets.dedup();
        for target in targets {
            routing
                .deliveries
                .entry(target.to_owned())
                .or_default()
                .push((
                    format!("{label} (via the {target} topic)"),
                    sns_event(std::slice::from_ref(&event))
                        .to_string()
                        .into_bytes(),
                ));
        }
    }
    routing
}
