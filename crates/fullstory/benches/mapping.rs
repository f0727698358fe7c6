//! Mapping throughput on one core: a decoded `TicketEvent` → FullStory request bodies (properties
//! conformed, schema derived, key derived, serialized), over every connector and webhook sample
//! with every type allowed.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fullstory::{Mapper, MappingConfig};
use zendesk_events::{decode_event, samples};

fn events() -> Vec<zendesk_events::TicketEvent> {
    ["connector", "webhook"]
        .into_iter()
        .flat_map(samples::read)
        .map(|(_, json)| decode_event(&json).unwrap())
        .collect()
}

fn map_events(c: &mut Criterion) {
    let events = events();
    let mapper = Mapper::new(MappingConfig {
        event_types: None,
        ..MappingConfig::default()
    });
    let mut group = c.benchmark_group("fullstory_mapping");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("ticket_events", |b| {
        b.iter(|| {
            for event in &events {
                black_box(mapper.requests(black_box(event), "user-4242"));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, map_events);
criterion_main!(benches);
