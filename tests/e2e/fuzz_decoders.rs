//! Every decoder gets arbitrary bytes and mutated samples (proptest, stable Rust, bounded in
//! cases and time): the Lambda envelopes, both Zendesk families, webhook requests with their
//! signature headers, Intercom notifications, the export pages, and the mappings of whatever
//! decodes. Each must answer with a value or a named error: never a panic, never a hang.
//! Inputs that once failed are kept by proptest in `proptest-regressions/` and replayed first.
//!
//! `FUZZ_CASES` sets the cases per property (default 5,000; `make fuzz` runs 200,000).

use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use lambda_io::Envelope;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use zendesk_api::{ExportPosition, TicketEventStream, history_events, parse_ticket_page};
use zendesk_events::{Timestamp, decode_event, decode_event_with_serde};

/// Longest one property may run before it counts as a hang.
const PROPERTY_TIME_LIMIT: Duration = Duration::from_secs(240);

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000)
}

/// Every sample under `events/`, as bytes.
fn samples() -> &'static [Vec<u8>] {
    static SAMPLES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        fn walk(dir: &std::path::Path, out: &mut Vec<Vec<u8>>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for path in entries {
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|x| x == "json") {
                    out.push(std::fs::read(&path).unwrap());
                }
            }
        }
        let mut out = Vec::new();
        walk(&zendesk_events::samples::events_dir(), &mut out);
        assert!(out.len() > 100, "samples found: {}", out.len());
        out
    })
}

/// Runs every decoder on `input`; a panic is the failure proptest looks for.
fn decode_everything(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let envelope = Envelope::parse(&text);
    assert_eq!(
        format!("{envelope:?}"),
        format!("{:?}", Envelope::parse_general(&text)),
        "the envelope's own reader and serde_json read {text:?} differently"
    );
    if let Ok(envelope) = envelope {
        let mixpanel = mixpanel::Mapper::new(mixpanel::MappingConfig::default());
        let fullstory = fullstory::Mapper::new(fullstory::MappingConfig::default());
        for record in envelope.records() {
            let _ = record.label();
            if let Ok(document) = record.document() {
                let _ = fullstory::decode_conversation(document);
            }
            if let Ok(event) = record.decode() {
                let _ = mixpanel.events(&event);
                let _ = serde_json::to_vec(&mixpanel.profile_state(&event));
                let _ = fullstory.requests(&event, "uid-1");
                let _ = webhook_bridge::encode_connector(&event, &Default::default());
            }
        }
    }
    assert_eq!(
        format!("{:?}", decode_event(&text)),
        format!("{:?}", decode_event_with_serde(&text)),
        "the event's own reader and serde read {text:?} differently"
    );
    let _ = webhook_bridge::zendesk::normalize(input, "ticketbridge.zendesk", &Default::default());
    let _ =
        webhook_bridge::intercom::normalize(input, "ticketbridge.intercom", &Default::default());
    if let Ok(request) = webhook_bridge::http::HttpRequest::parse(input) {
        let _ = webhook_bridge::zendesk::normalize(
            &request.body,
            "ticketbridge.zendesk",
            &Default::default(),
        );
    }
    // The input's halves as the signature headers of a delivery of itself.
    let middle = text
        .char_indices()
        .map(|(i, _)| i)
        .find(|i| *i >= text.len() / 2)
        .unwrap_or(text.len());
    let (signature, timestamp) = text.split_at(middle);
    let now = Timestamp::from_unix_nanos(1_773_154_871 * 1_000_000_000).unwrap();
    let _ = webhook_bridge::signature::verify_zendesk(
        &["secret".to_owned()],
        Some(signature),
        Some(timestamp),
        input,
        now,
        Duration::from_secs(300),
    );
    let _ = webhook_bridge::signature::verify_intercom("secret", Some(signature), input);
    let _ = parse_ticket_page(input);
    let mut stream = TicketEventStream::new(
        ExportPosition {
            start_time: 1_700_000_000,
            done: Vec::new(),
        },
        None,
        true,
    );
    if let Ok(page) = stream.read_page(&text) {
        for item in page.items.iter().flatten() {
            let _ = history_events(item);
        }
    }
}

/// A JSON value to put where another was.
fn odd_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        Just(Value::String("zen:event-type:ticket.status_changed".into())),
        Just(Value::String("Support Ticket: Comment Created".into())),
        Just(Value::String("aws:sqs".into())),
        Just(Value::String("aws:sns".into())),
        Just(Value::String("2026-03-10T15:01:11.204331907Z".into())),
        Just(Value::String("18446744073709551616".into())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every value position in `value`, as JSON pointers.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Replaces values at a few positions of a JSON sample (strings holding JSON, as SNS and SQS
/// bodies do, are mutated inside too).
fn mutate_structure(sample: &[u8], picks: &[(prop::sample::Index, Value)]) -> Vec<u8> {
    let Ok(mut value) = serde_json::from_slice::<Value>(sample) else {
        return sample.to_vec();
    };
    for (index, replacement) in picks {
        let mut all = Vec::new();
        pointers(&value, String::new(), &mut all);
        let at = index.get(&all).clone();
        if let Some(slot) = value.pointer_mut(&at) {
            *slot = match slot {
                Value::String(inner) if inner.starts_with('{') => {
                    let nested =
                        mutate_structure(inner.as_bytes(), &[(*index, replacement.clone())]);
                    Value::String(String::from_utf8_lossy(&nested).into_owned())
                }
                _ => replacement.clone(),
            };
        }
    }
    serde_json::to_vec(&value).unwrap()
}

/// Byte-level damage: cuts, repeats, splices of JSON tokens, flipped bytes.
fn mutate_bytes(sample: &[u8], edits: &[(prop::sample::Index, u8, u8)]) -> Vec<u8> {
    const TOKENS: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b":",
        b",",
        b"null",
        b"-1",
        b"1e999",
        b"\\u0000",
        b"\\ud800",
        b"true",
        b"\\",
        b"\xff\xfe",
        b"\"Records\":[",
        b"\"Sns\":{",
    ];
    let mut out = sample.to_vec();
    for (at, kind, arg) in edits {
        if out.is_empty() {
            out.push(*arg);
            continue;
        }
        let i = at.index(out.len());
        match kind % 4 {
            0 => {
                let end = (i + usize::from(*arg)).min(out.len());
                out.drain(i..end);
            }
            1 => {
                let token = TOKENS[usize::from(*arg) % TOKENS.len()];
                out.splice(i..i, token.iter().copied());
            }
            2 => {
                let end = (i + usize::from(*arg)).min(out.len());
                let copy = out[i..end].to_vec();
                out.splice(i..i, copy);
            }
            _ => out[i] ^= arg | 1,
        }
    }
    out
}

/// Runs `property` over `strategy` with the configured cases, failing on a panic or when it
/// does not finish within [`PROPERTY_TIME_LIMIT`].
fn check<S, F>(name: &'static str, strategy: F)
where
    S: Strategy<Value = Vec<u8>>,
    F: FnOnce() -> S + Send + 'static,
{
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let strategy = strategy();
        let config = Config {
            cases: cases(),
            failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::SourceParallel(
                    "proptest-regressions",
                ),
            )),
            source_file: Some(file!()),
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        let result = runner.run(&strategy, |input| {
            decode_everything(&input);
            Ok(())
        });
        let _ = done.send(result.map_err(|e| e.to_string()));
    });
    match finished.recv_timeout(PROPERTY_TIME_LIMIT) {
        Ok(Ok(())) => {}
        Ok(Err(failure)) => panic!("{name}: {failure}"),
        Err(_) => panic!("{name}: still running after {PROPERTY_TIME_LIMIT:?} (a hang)"),
    }
}

#[test]
fn arbitrary_bytes_get_a_named_error_never_a_panic() {
    check("arbitrary bytes", || {
        prop::collection::vec(any::<u8>(), 0..4096)
    });
}

#[test]
fn samples_with_values_replaced_get_a_named_error_never_a_panic() {
    check("structural mutations", || {
        (
            prop::sample::select(samples()),
            prop::collection::vec((any::<prop::sample::Index>(), odd_value()), 1..6),
        )
            .prop_map(|(sample, picks)| mutate_structure(&sample, &picks))
    });
}

#[test]
fn damaged_samples_get_a_named_error_never_a_panic() {
    check("byte mutations", || {
        (
            prop::sample::select(samples()),
            prop::collection::vec(
                (any::<prop::sample::Index>(), any::<u8>(), any::<u8>()),
                1..8,
            ),
        )
            .prop_map(|(sample, edits)| mutate_bytes(&sample, &edits))
    });
}

#[test]
fn every_sample_itself_decodes_without_a_panic() {
    for sample in samples() {
        decode_everything(sample);
    }
}
