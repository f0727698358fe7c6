//! Profile updates, coalesced per invocation: one `$set` per profile, from its newest event.
//! Events arrive out of order (Zendesk does not order positions; retries reorder further), so
//! the newest `occurred_at` wins, then the higher sequence position. Each update is kept as its
//! serialized bytes: a 10,000-ticket batch then costs about its wire size, not a tree of strings.

use std::collections::HashMap;

use delivery::{Item, RecordId};
use zendesk_events::{TicketEvent, Timestamp};

use crate::mapping::{ProfileState, ProfileUpdate};

struct Entry {
    order: (Timestamp, u64),
    update: Vec<u8>,
    records: Vec<RecordId>,
}

/// The newest update per profile, and every record that contributed (each is acknowledged only
/// when the coalesced update was accepted).
pub struct ProfileBook {
    token: String,
    latest: HashMap<String, Entry>,
}

impl ProfileBook {
    /// An empty book whose updates carry `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            latest: HashMap::new(),
        }
    }

    /// An empty book with room for `profiles` profiles, so a large batch does not regrow it.
    pub fn with_capacity(token: impl Into<String>, profiles: usize) -> Self {
        Self {
            token: token.into(),
            latest: HashMap::with_capacity(profiles),
        }
    }

    /// The token the updates carry.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Notes `state` for `distinct_id`, from `event` of input `record`.
    pub fn add(
        &mut self,
        distinct_id: String,
        event: &TicketEvent,
        state: &ProfileState,
        record: RecordId,
    ) {
        let order = (
            event.occurred_at,
            event
                .sequence
                .as_ref()
                .and_then(|s| s.position)
                .unwrap_or(0),
        );
        let token = &self.token;
        let encode = |id: &str| {
            ProfileUpdate {
                token,
                distinct_id: id,
                set: state,
            }
            .encode()
        };
        Self::note(&mut self.latest, distinct_id, order, encode, record);
    }

    /// Notes the update `encode` builds for profile (or group) `key`, ordered by `order`,
    /// from input `record`: the newest update is kept, every record is remembered.
    pub fn add_encoded(
        &mut self,
        key: String,
        order: (Timestamp, u64),
        encode: impl FnOnce(&str) -> Vec<u8>,
        record: RecordId,
    ) {
        Self::note(&mut self.latest, key, order, encode, record);
    }

    fn note(
        latest: &mut HashMap<String, Entry>,
        key: String,
        order: (Timestamp, u64),
        encode: impl FnOnce(&str) -> Vec<u8>,
        record: RecordId,
    ) {
        match latest.get_mut(&key) {
            Some(entry) => {
                if order >= entry.order {
                    entry.order = order;
                    entry.update = encode(&key);
                }
                if !entry.records.contains(&record) {
                    entry.records.push(record);
                }
            }
            None => {
                let update = encode(&key);
                latest.insert(
                    key,
                    Entry {
                        order,
                        update,
                        records: vec![record],
                    },
                );
            }
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

    /// The updates (`/engage` or `/groups`), in a stable order.
    pub fn into_items(self) -> Vec<Item> {
        let mut entries: Vec<_> = self.latest.into_iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        entries
            .into_iter()
            .map(|(_, e)| Item {
                bytes: e.update,
                records: e.records,
                key: None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mapper, MappingConfig};
    use zendesk_events::{Timestamp, decode_event};

    #[test]
    fn the_newest_event_wins_whatever_the_arrival_order() {
        let mapper = Mapper::new(MappingConfig::default());
        let mut older = decode_event(include_str!(
            "../../../events/connector/ticket-created.json"
        ))
        .unwrap();
        let mut newer = decode_event(include_str!(
            "../../../events/connector/status-changed.json"
        ))
        .unwrap();
        newer.ticket.status = Some("solved".into());
        older.occurred_at =
            Timestamp::from_unix_nanos(newer.occurred_at.unix_nanos() - 1_000_000_000).unwrap();
        let mut book = ProfileBook::new("t");
        book.add("48213".into(), &newer, &mapper.profile_state(&newer), 1);
        book.add("48213".into(), &older, &mapper.profile_state(&older), 0);
        let items = book.into_items();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].records, vec![1, 0]);
        let update: serde_json::Value = serde_json::from_slice(&items[0].bytes).unwrap();
        assert_eq!(update["$set"]["status"], "solved");
    }
}
