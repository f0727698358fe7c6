//! Profile updates, coalesced per invocation: one `$set` per profile, from its newest event.
//! Events arrive out of order (Zendesk does not order positions; retries reorder further), so
//! the newest `occurred_at` wins, then the higher sequence position. Each update is kept as its
//! serialized bytes: a 10,000-ticket batch then costs about its wire size, not a tree of strings.

use std::collections::HashMap;

use delivery::{Bytes, Item, ItemBuffer, RecordId, Records};
use zendesk_events::{TicketEvent, Timestamp};

use crate::mapping::{ProfileState, ProfileUpdate};

struct Entry {
    order: (Timestamp, u64),
    update: Bytes,
    records: Records,
}

/// The newest update per profile, and every record that contributed (each is acknowledged only
/// when the coalesced update was accepted). Profiles are kept in the order they were first
/// seen, which is the order they are sent in (no sort of thousands of keys per batch).
pub struct ProfileBook {
    token: String,
    latest: Latest,
    buffer: ItemBuffer,
}

/// The entries in first-seen order, and where each profile's entry is.
#[derive(Default)]
struct Latest {
    index: HashMap<String, usize>,
    entries: Vec<Entry>,
}

impl ProfileBook {
    /// An empty book whose updates carry `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            latest: Latest::default(),
            buffer: ItemBuffer::new(),
        }
    }

    /// An empty book with room for `profiles` profiles, so a large batch does not regrow it.
    pub fn with_capacity(token: impl Into<String>, profiles: usize) -> Self {
        Self {
            token: token.into(),
            latest: Latest {
                index: HashMap::with_capacity(profiles),
                entries: Vec::with_capacity(profiles),
            },
            buffer: ItemBuffer::new(),
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
        let (token, buffer) = (&self.token, &mut self.buffer);
        let encode = |id: &str| {
            let update = ProfileUpdate {
                token,
                distinct_id: id,
                set: state,
            };
            buffer.write(|out| update.write(out))
        };
        self.latest.note(distinct_id, order, encode, record);
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
        self.latest
            .note(key, order, |key| Bytes::from(encode(key)), record);
    }

    /// Number of profiles to update.
    pub fn len(&self) -> usize {
        self.latest.entries.len()
    }

    /// True when there is nothing to update.
    pub fn is_empty(&self) -> bool {
        self.latest.entries.is_empty()
    }

    /// The updates (`/engage` or `/groups`), in the order their profiles were first seen.
    pub fn into_items(self) -> Vec<Item> {
        self.latest
            .entries
            .into_iter()
            .map(|e| Item {
                bytes: e.update,
                records: e.records,
                key: None,
            })
            .collect()
    }
}

impl Latest {
    /// Notes the update `encode` builds for `key`: the newest is kept, every record remembered.
    fn note(
        &mut self,
        key: String,
        order: (Timestamp, u64),
        encode: impl FnOnce(&str) -> Bytes,
        record: RecordId,
    ) {
        match self.index.get(&key) {
            Some(&at) => {
                let entry = &mut self.entries[at];
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
                self.index.insert(key, self.entries.len());
                self.entries.push(Entry {
                    order,
                    update,
                    records: Records::from_elem(record, 1),
                });
            }
        }
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
        assert_eq!(items[0].records.as_slice(), [1, 0]);
        let update: serde_json::Value = serde_json::from_slice(&items[0].bytes).unwrap();
        assert_eq!(update["$set"]["status"], "solved");
    }

    #[test]
    fn profiles_are_sent_in_the_order_they_were_first_seen() {
        let mut book = ProfileBook::new("t");
        let at = Timestamp::from_unix_nanos(1_000_000_000).unwrap();
        for (record, key) in ["9", "10", "1", "10", "9"].into_iter().enumerate() {
            book.add_encoded(
                key.into(),
                (at, 0),
                |k| k.as_bytes().to_vec(),
                record as u32,
            );
        }
        let items = book.into_items();
        let keys: Vec<&[u8]> = items.iter().map(|i| &i.bytes[..]).collect();
        assert_eq!(keys, [b"9".as_slice(), b"10", b"1"]);
        let records: Vec<&[u32]> = items.iter().map(|i| i.records.as_slice()).collect();
        assert_eq!(records, [[0, 4].as_slice(), &[1, 3], &[2]]);
    }
}
