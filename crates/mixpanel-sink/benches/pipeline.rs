//! Throughput of the hot path on one core: SNS envelope → `TicketEvent` → Mixpanel JSON, and
//! the gzip of a full 2000-event `/import` batch.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use delivery::{Item, ItemBuffer, json_array};
use lambda_io::Envelope;
use mixpanel::request::{gzip, import_body};
use mixpanel::{Mapper, MappingConfig};
use serde_json::json;
use zendesk_events::samples;

/// Every connector and webhook sample, each wrapped as an SNS invocation.
fn sns_samples() -> Vec<String> {
    let mut out = Vec::new();
    for folder in ["connector", "webhook"] {
        for (_, message) in samples::read(folder) {
            let message: serde_json::Value = serde_json::from_str(&message).unwrap();
            out.push(
                json!({"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": {
                    "Type": "Notification", "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                    "TopicArn": "arn:aws:sns:eu-west-1:210987654321:ticketbridge-mixpanel",
                    "Message": message.to_string(), "Timestamp": "2026-03-10T15:01:12.538Z"}}]})
                .to_string(),
            );
        }
    }
    out
}

fn decode_map_encode(c: &mut Criterion) {
    let samples = sns_samples();
    let mapper = Mapper::new(MappingConfig::default());
    let mut group = c.benchmark_group("decode_map_encode");
    group.throughput(Throughput::Elements(samples.len() as u64));
    // Items are written into one buffer, as the sink writes them.
    let mut buffer = ItemBuffer::new();
    group.bench_function("sns_wrapped_events", |b| {
        b.iter(|| {
            for payload in &samples {
                let envelope = Envelope::parse(black_box(payload)).unwrap();
                let event = envelope.record(0).decode().unwrap();
                let distinct_id = mapper.distinct_id(&event).unwrap();
                for item in mapper.events_for(&event, &distinct_id, &mut buffer) {
                    black_box(item);
                }
                black_box(mapper.profile_state(&event));
            }
        })
    });
    group.finish();
}

fn gzip_batch(c: &mut Criterion) {
    let mapper = Mapper::new(MappingConfig::default());
    let items: Vec<Item> = sns_samples()
        .iter()
        .cycle()
        .take(2000)
        .map(|p| {
            let event = Envelope::parse(p).unwrap().record(0).decode().unwrap();
            Item::new(mapper.events(&event).unwrap().remove(0), 0)
        })
        .collect();
    let body = json_array(&items);
    let mut group = c.benchmark_group("import_batch");
    group.throughput(Throughput::Elements(2000));
    group.bench_function("frame_and_gzip_2000_events", |b| {
        b.iter(|| black_box(import_body(black_box(&items))))
    });
    group.finish();
    eprintln!(
        "2000-event batch: {} bytes uncompressed, {} gzipped",
        body.len(),
        gzip(&body).len()
    );
}

criterion_group!(benches, decode_map_encode, gzip_batch);
criterion_main!(benches);
