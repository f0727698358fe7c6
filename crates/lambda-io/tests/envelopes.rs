//! The envelopes: each record opened alone, errors naming the record and the JSON path, and
//! duplicates across SNS and SQS sharing the event's identity.

use lambda_io::{Envelope, EnvelopeKind};
use zendesk_events::{decode_event, samples};

const STATUS_CHANGED: &str = include_str!("../../../events/connector/status-changed.json");

#[test]
fn an_sqs_batch_reports_each_bad_record_alone() {
    let batch = include_str!("../../../events/malformed/sqs-with-bad-records.json");
    let envelope = Envelope::parse(batch).unwrap();
    assert_eq!(envelope.kind(), EnvelopeKind::Sqs);
    let results: Vec<_> = envelope
        .records()
        .map(|r| r.decode().map_err(|e| e.path))
        .collect();
    assert!(results[0].is_ok());
    assert_eq!(results[1].as_ref().unwrap_err(), "$.Records[1].body → $");
    assert_eq!(
        results[2].as_ref().unwrap_err(),
        "$.Records[2].body → $.detail.ticket_event.ticket.id"
    );
}

#[test]
fn hostile_inputs_never_panic() {
    for input in [
        "",
        "null",
        "[]",
        "{}",
        "{\"Records\":5}",
        "{\"Records\":[1,null,\"x\"]}",
        "{\"detail-type\":3}",
        "{\"detail-type\":\"Support Ticket: Status Changed\",\"detail\":{\"ticket_event\":[]}}",
        "{\"type\":\"zen:event-type:ticket.created\"}",
        "\u{0}",
    ] {
        if let Ok(envelope) = Envelope::parse(input) {
            for r in envelope.records() {
                let _ = r.decode();
            }
        }
        let _ = decode_event(input);
    }
}

#[test]
fn sns_and_sqs_duplicates_share_identity_not_message_ids() {
    let sns = include_str!("../../../events/wrapped/sns-connector-status-changed.json");
    let mut doc: serde_json::Value = serde_json::from_str(sns).unwrap();
    doc["Records"][0]["Sns"]["MessageId"] = "another-sns-delivery".into();
    let dup = doc.to_string();
    let (a, b) = (
        Envelope::parse(sns).unwrap(),
        Envelope::parse(&dup).unwrap(),
    );
    let (a, b) = (a.record(0), b.record(0));
    assert_ne!(a.id, b.id);
    assert_eq!(a.decode().unwrap().identity, b.decode().unwrap().identity);
    assert_eq!(
        a.decode().unwrap().identity,
        decode_event(STATUS_CHANGED).unwrap().identity
    );
}

#[test]
fn wrapped_samples_unwrap_to_their_events() {
    for (name, json) in samples::read("wrapped") {
        let envelope = Envelope::parse(&json).unwrap();
        let decoded: Vec<_> = envelope
            .records()
            .map(|r| {
                let event = r.decode().unwrap_or_else(|e| panic!("{name}: {e}"));
                (
                    r.id.clone().expect("records carry ids"),
                    event.event_type.name().into_owned(),
                )
            })
            .collect();
        insta::assert_json_snapshot!(
            format!("wrapped__{name}"),
            (envelope.kind().label(), decoded)
        );
    }
}

#[test]
fn malformed_samples_fail_with_a_path_and_a_reason() {
    let mut report = Vec::new();
    for (name, json) in samples::read("malformed") {
        let envelope = Envelope::parse(&json).unwrap();
        for record in envelope.records() {
            let outcome = match record.decode() {
                Ok(e) => format!("ok: {}", e.event_type),
                Err(e) => format!("error at {}: {}", e.path, e.reason),
            };
            report.push(format!("{name} {}: {outcome}", record.label()));
        }
    }
    insta::assert_snapshot!(report.join("\n"));
}

#[test]
fn taking_a_record_opens_it_exactly_as_reading_it() {
    for folder in ["wrapped", "malformed"] {
        for (name, json) in samples::read(folder) {
            let read = Envelope::parse(&json).unwrap();
            let mut taken = Envelope::parse(&json).unwrap();
            for index in 0..read.len() {
                let (a, b) = (read.record(index), taken.take_record(index));
                assert_eq!((&a.id, a.path()), (&b.id, b.path()), "{name} {index}");
                assert_eq!(a.document().ok(), b.document().ok(), "{name} {index}");
                assert_eq!(
                    a.decode().map_err(|e| e.to_string()).map(|e| e.identity),
                    b.decode().map_err(|e| e.to_string()).map(|e| e.identity),
                    "{name} {index}"
                );
            }
        }
    }
}

/// Every value position of `value` outside the strings (JSON pointers).
fn positions(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                positions(inner, format!("{at}/{key}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                positions(inner, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_envelopes_own_reader_reads_every_field_of_every_shape_as_serde_json_does() {
    let odd = [
        "null",
        "true",
        "0",
        "-1.5e3",
        "\"\"",
        "\"aws:sqs\"",
        "\"aws:sns\"",
        "\"aws:dynamodb\"",
        "\"{\\\"Type\\\":\\\"Notification\\\",\\\"Message\\\":null}\"",
        "\"{\\\"Type\\\":\\\"Notification\\\",\\\"Message\\\":\\\"{}\\\"}\"",
        "\"{\\\"Type\\\":\\\"Notification\\\",\\\"Type\\\":\\\"Notification\\\",\\\"Message\\\":\\\"{}\\\"}\"",
        "\"{\\\"Type\\\":\\\"Notification\\\",\\\"Message\\\":3}\"",
        "\"\\u00e9\\/\\b\"",
        "[]",
        "[1,{}]",
        "{}",
        "{\"a\":[null]}",
    ];
    let mut compared = 0;
    for folder in ["wrapped", "dynamodb-stream", "malformed"] {
        for (name, text) in samples::read(folder) {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            let mut all = Vec::new();
            positions(&value, String::new(), &mut all);
            for at in all {
                for replacement in odd {
                    let mut changed = value.clone();
                    *changed.pointer_mut(&at).unwrap() = serde_json::from_str(replacement).unwrap();
                    for payload in [
                        changed.to_string(),
                        serde_json::to_string_pretty(&changed).unwrap(),
                    ] {
                        assert_eq!(
                            format!("{:?}", Envelope::parse(&payload)),
                            format!("{:?}", Envelope::parse_general(&payload)),
                            "{folder}/{name} with {at} = {replacement}"
                        );
                        compared += 1;
                    }
                }
            }
        }
    }
    assert!(compared > 1000, "{compared} payloads compared");
}
