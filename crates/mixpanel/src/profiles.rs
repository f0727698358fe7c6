//! Profile updates, coalesced per invocation: one `$set` per profile, from its newest event.
//! Events arrive out of order (Zendesk does not order positions; retries reorder further), so
//! the newest `occurred_at` wins, then the higher sequence position.

use std::collections::HashMap;

use delivery::{Item, RecordId};
use zendesk_events::{Timestamp, TicketEvent};

use crate::mapping::{ProfileState, ProfileUpdate};

struct Entry {
    order: (Timestamp, u64),
    state: ProfileState,
    records: Vec<RecordId>,
}

/// The newest state per profile, and every record that contributed (each is acknowledged only
/// when the coalesced update was accepted).
#[derive(Default)]
pub struct ProfileBook {
    latest: HashMap<String, Entry>,
}

impl ProfileBook {
    /// Notes `state` for `distinct_id`, from `event` of input `record`.
    pub fn add(&mut self, distinct_id: String, event: &TicketEvent, state: ProfileState, record: RecordId) {
        let order = (event.occurred_at, event.sequence.as_ref().and_then(|s| s.position).unwrap_or(0));
        let entry = self.latest.entry(distinct_id).or_insert_with(|| Entry { order, state: state.clone(), records: Vec::new() });
        if order >= entry.order {
            entry.order = order;
            entry.state = state;
        }
        if !entry.records.contains(&record) {
            entry.records.push(record);
        }
    }

    /// Number of profiles to update.
    pub fn len(&self) -> usize {
        self.latest.len()
    }

    /// True when there is nothing to update.
    pub fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }

    /// The serialized `/engage` updates, in a stable order.
    pub fn into_items(self, token: &str) -> Vec<Item> {
        let mut entries: Vec<_> = self.latest.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries
            .into_iter()
            .map(|(distinct_id, entry)| {
                let update = ProfileUpdate { token, distinct_id: &distinct_id, ip: 0, ignore_time: true, set: &entry.state };
                Item { bytes: serde_json::to_vec(&update).expect("profile updates always serialize"), records: entry.records }
            })
            .collect()
    }
}
