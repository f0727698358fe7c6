//! The in-process hot path, run a fixed number of times so that an instruction count
//! (`valgrind --tool=callgrind`, which is repeatable where wall time on a shared machine is
//! not) compares two versions: every connector and webhook sample wrapped as SNS (the same
//! payloads as `cargo bench -p mixpanel-sink --bench pipeline`), decoded,
//! mapped and encoded, ROUNDS times (`make profile-hot-path`).

use std::hint::black_box;

use delivery::ItemBuffer;
use lambda_io::Envelope;
use mixpanel::{Mapper, MappingConfig};
use serde_json::json;
use zendesk_events::samples;

/// The sample as EventBridge sends it: compact JSON (the files are indented for reading).
fn compact(message: &str) -> String {
    serde_json::from_str::<serde_json::Value>(message)
        .unwrap()
        .to_string()
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let mut payloads = Vec::new();
    for folder in ["connector", "webhook"] {
        for (_, message) in samples::read(folder) {
            payloads.push(
                json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": {
                    "Type": "Notification", "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                    "TopicArn": "arn:aws:sns:eu-west-1:210987654321:ticketbridge-mixpanel",
                    "Message": compact(&message), "Timestamp": "2026-03-10T15:01:12.538Z"}}]})
                .to_string(),
            );
        }
    }
    let mapper = Mapper::new(MappingConfig::default());
    let mut bytes = 0;
    // Items are written into one buffer, as the sink writes them.
    let mut buffer = ItemBuffer::new();
    for _ in 0..rounds {
        for payload in &payloads {
            let envelope = Envelope::parse(black_box(payload)).unwrap();
            let event = envelope.record(0).decode().unwrap();
            let distinct_id = mapper.distinct_id(&event).unwrap();
            for encoded in mapper.events_for(&event, &distinct_id, &mut buffer) {
                bytes += encoded.len();
            }
            black_box(mapper.profile_state(&event));
        }
    }
    println!(
        "{} events, {bytes} bytes of /import JSON",
        rounds * payloads.len()
    );
}
