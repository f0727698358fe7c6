//! What reading an SQS batch costs, two ways, for an instruction count under callgrind
//! (`make profile-envelope`): `aws_lambda_events`' `SqsEvent` (every field of every record owned,
//! any odd record failing the whole batch) against this crate's lenient one-pass `Envelope`.
//! Each reads the same 4,000 full-size records and opens every event document.

use aws_lambda_events::sqs::SqsEvent;
use lambda_io::Envelope;
use serde_json::{Value, json};
use zendesk_events::samples;

fn batch() -> Vec<u8> {
    let events: Vec<String> = samples::read("connector")
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let records: Vec<Value> = (0..4000)
        .map(|i| {
            json!({"messageId": format!("m{i}"), "receiptHandle": "AQEB", "eventSource": "aws:sqs",
                   "eventSourceARN": "arn:aws:sqs:eu-west-1:210987654321:ticketbridge-mixpanel",
                   "awsRegion": "eu-west-1", "md5OfBody": "0f0e", "attributes": {
                       "ApproximateReceiveCount": "1", "SentTimestamp": "1773154872538",
                       "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": "1773154872541"},
                   "messageAttributes": {}, "body": events[i % events.len()]})
        })
        .collect();
    serde_json::to_vec(&json!({ "Records": records })).unwrap()
}

fn main() {
    let payload = batch();
    let mut bytes = 0;
    match std::env::args().nth(1).as_deref() {
        Some("sqs-event") => {
            let event: SqsEvent = serde_json::from_slice(&payload).unwrap();
            for record in &event.records {
                bytes += record.body.as_deref().map_or(0, str::len);
            }
        }
        _ => {
            let mut envelope: Envelope = serde_json::from_slice(&payload).unwrap();
            for index in 0..envelope.len() {
                bytes += envelope.take_record(index).document().map_or(0, str::len);
            }
        }
    }
    println!(
        "{} bytes of payload, {bytes} bytes of event documents",
        payload.len()
    );
}
