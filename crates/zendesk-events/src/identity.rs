//! Event identity: one stable key per Zendesk event, the same on every redelivery.

use std::fmt::{self, Write};

use serde::Serialize;
use sha2::{Digest, Sha256};

/// A stable key derived from Zendesk's own ids, never from an envelope (EventBridge `id`, SNS
/// `MessageId`), so SNS duplicates, Lambda retries, archive replays and webhook re-deliveries of
/// one event share it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EventIdentity(String);

impl EventIdentity {
    /// Identity of a webhook event: its signed envelope `id`.
    pub fn webhook(id: &str) -> Self {
        Self(format!("zendesk:webhook:{id}"))
    }

    /// Identity of an SLA event published from Zendesk's ticket metric event export: the metric
    /// event id.
    pub fn metric_event(id: u64) -> Self {
        Self(format!("zendesk:metric-event:{id}"))
    }

    /// Identity of a connector event: its action (`sequence.id`), position, type and ticket.
    pub fn connector(sequence_id: &str, position: u64, event_name: &str, ticket_id: u64) -> Self {
        // Built in one allocation (this runs for every connector event).
        let mut key = String::with_capacity(64 + sequence_id.len() + event_name.len());
        const PREFIX: &str = "zendesk:connector:";
        key.push_str(PREFIX);
        key.push_str(sequence_id);
        key[PREFIX.len()..].make_ascii_uppercase();
        write!(key, ":{position}:{event_name}:{ticket_id}").expect("writing to a String");
        Self(key)
    }

    /// Identity of a connector event without `sequence` (never seen, but not worth losing an
    /// event over): its `meta.ref`, time, type and ticket.
    pub fn connector_by_ref(
        reference: &str,
        occurred_at: &str,
        event_name: &str,
        ticket_id: u64,
    ) -> Self {
        Self(format!(
            "zendesk:connector-ref:{reference}:{occurred_at}:{event_name}:{ticket_id}"
        ))
    }

    /// Identity of a record that is not a single Zendesk event (a metric set, a derived record).
    pub fn from_parts(parts: &[&str]) -> Self {
        Self(parts.join(":"))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A 32-character lowercase hex key for one destination record: SHA-256 over the identity
    /// and `scope` (destination and record name), so one event yields distinct keys per record.
    pub fn derive_key(&self, scope: &[&str]) -> String {
        self.derive(scope).as_str().to_owned()
    }

    /// [`EventIdentity::derive_key`] without an allocation, for the hot path.
    pub fn derive(&self, scope: &[&str]) -> DerivedKey {
        let mut hasher = Sha256::new();
        hasher.update(self.0.as_bytes());
        for part in scope {
            hasher.update([0u8]);
            hasher.update(part.as_bytes());
        }
        let digest = hasher.finalize();
        let mut key = [0u8; 32];
        for (pair, byte) in key.chunks_exact_mut(2).zip(&digest[..16]) {
            pair[0] = HEX[(byte >> 4) as usize];
            pair[1] = HEX[(byte & 0xf) as usize];
        }
        DerivedKey(key)
    }
}

/// A derived key ([`EventIdentity::derive`]): 32 lowercase hex characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DerivedKey([u8; 32]);

impl DerivedKey {
    /// The key as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for EventIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_are_short_stable_and_scoped() {
        let id = EventIdentity::webhook("770bb2a9-97a7-4726-9c9a-741cdb5e6b15");
        let a = id.derive_key(&["mixpanel", "Ticket Comment Added"]);
        let b = id.derive_key(&["mixpanel", "Ticket Responded"]);
        assert_eq!(a, id.derive_key(&["mixpanel", "Ticket Comment Added"]));
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn connector_identity_ignores_sequence_case() {
        assert_eq!(
            EventIdentity::connector("705e31bc", 1, "Ticket Created", 7),
            EventIdentity::connector("705E31BC", 1, "Ticket Created", 7)
        );
        assert_ne!(
            EventIdentity::connector("705E31BC", 1, "Ticket Created", 7),
            EventIdentity::connector("705E31BC", 2, "Ticket Created", 7)
        );
    }
}
