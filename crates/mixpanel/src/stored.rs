//! Profile updates from the ticket store's change stream (`MIXPANEL_PROFILES=store`). Each new
//! image is a ticket's state as the store accepted it: the store applies only newer events, and
//! its stream is ordered per ticket, so a profile only ever moves forward. Only the attributes
//! below are read; whatever else the item holds (a subject the store keeps, a custom field)
//! never reaches Mixpanel.

use serde::Deserialize;
use zendesk_events::Timestamp;

use crate::config::{DistinctId, MappingConfig};
use crate::mapping::{MapError, Marks, ProfileState, ProfileUpdate};

/// The item attributes a profile is built from (the ticket store's item, see README's
/// "Ticket store" section).
#[derive(Debug, Clone, Deserialize)]
pub struct StoredTicket {
    /// The key.
    pub ticket_id: u64,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    priority: Option<String>,
    #[serde(default)]
    ticket_type: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    requester_id: Option<u64>,
    #[serde(default)]
    assignee_id: Option<u64>,
    #[serde(default)]
    group_id: Option<u64>,
    #[serde(default)]
    organization_id: Option<u64>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    /// RFC 3339: the newest event applied.
    #[serde(default)]
    last_event_at: Option<String>,
    /// `<20-digit nanoseconds>#<identity>`: the state's version.
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    deleted: Option<bool>,
    #[serde(default)]
    merged_into: Option<u64>,
    #[serde(default)]
    spam: Option<bool>,
}

/// One stream image's profile update, ready for a [`crate::ProfileBook`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProfile {
    /// The profile.
    pub distinct_id: String,
    /// When the state's newest event happened (orders images of one profile).
    pub version_time: Timestamp,
    /// The `/engage` body.
    pub update: Vec<u8>,
}

impl StoredTicket {
    /// Reads a new image; the error names the attribute that does not fit.
    pub fn from_image(image: serde_dynamo::Item) -> Result<Self, MapError> {
        serde_dynamo::from_item(image)
            .map_err(|e| MapError(format!("the stream's NewImage is not a stored ticket: {e}")))
    }

    /// The `/engage` update that `$set`s this state on its profile (`mapping`'s distinct id);
    /// `None` while the item holds no state yet (its first write was a mark, whose event's
    /// state write lands next and carries both).
    pub fn profile_update(
        &self,
        mapping: &MappingConfig,
        token: &str,
    ) -> Result<Option<StoredProfile>, MapError> {
        let Some(version) = self.version.as_deref() else {
            return Ok(None);
        };
        let distinct_id = match mapping.distinct_id {
            DistinctId::Ticket => self.ticket_id.to_string(),
            DistinctId::Requester => self.requester_id.map(|id| id.to_string()).ok_or_else(|| {
                MapError(format!(
                    "requester_id is missing on stored ticket {}, and MIXPANEL_DISTINCT_ID=requester needs it",
                    self.ticket_id
                ))
            })?,
        };
        let version_time = version
            .split('#')
            .next()
            .and_then(|nanos| nanos.parse::<i128>().ok())
            .and_then(Timestamp::from_unix_nanos)
            .ok_or_else(|| {
                MapError(format!(
                    "version {version:?} of stored ticket {} is not <nanoseconds>#<identity>",
                    self.ticket_id
                ))
            })?;
        let last_event_at = self
            .last_event_at
            .as_deref()
            .and_then(|at| Timestamp::parse(at).ok())
            .unwrap_or(version_time);
        let state = ProfileState {
            status: self.status.as_deref(),
            priority: self.priority.as_deref(),
            ticket_type: self.ticket_type.as_deref(),
            assignee_id: self.assignee_id,
            group_id: self.group_id,
            organization_id: self.organization_id,
            tags: self.tags.as_deref(),
            channel: self.channel.as_deref(),
            last_event_at: last_event_at.to_seconds_utc(),
            marks: Marks {
                deleted: self.deleted,
                merged_into: self.merged_into,
                spam: self.spam,
            },
        };
        let update = ProfileUpdate {
            token,
            distinct_id: &distinct_id,
            set: &state,
        }
        .encode();
        Ok(Some(StoredProfile {
            update,
            distinct_id,
            version_time,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn image(value: Value) -> serde_dynamo::Item {
        serde_json::from_value(value).unwrap()
    }

    fn stored() -> StoredTicket {
        StoredTicket::from_image(image(json!({
            "ticket_id": {"N": "48213"},
            "status": {"S": "solved"},
            "requester_id": {"N": "901"},
            "tags": {"L": [{"S": "vip"}]},
            "subject": {"S": "My card was charged twice"},
            "custom_field_360001": {"S": "secret value"},
            "version": {"S": "01767261600000000000#evt-9"},
            "last_event_at": {"S": "2026-01-01T10:00:00.000000000Z"},
            "deleted": {"BOOL": true}
        })))
        .unwrap()
    }

    #[test]
    fn a_stored_ticket_sets_only_allowed_attributes_on_its_profile() {
        let profile = stored()
            .profile_update(&MappingConfig::default(), "tok")
            .unwrap()
            .unwrap();
        assert_eq!(profile.distinct_id, "48213");
        let update: Value = serde_json::from_slice(&profile.update).unwrap();
        assert_eq!(
            update,
            json!({"$token": "tok", "$distinct_id": "48213", "$ip": 0, "$ignore_time": true,
                   "$set": {"status": "solved", "tags": ["vip"], "deleted": true,
                            "last_event_at": "2026-01-01T10:00:00"}})
        );
        assert_eq!(profile.version_time.unix_nanos(), 1_767_261_600_000_000_000);
    }

    #[test]
    fn requester_mode_keys_the_profile_by_requester_and_needs_one() {
        let mapping = MappingConfig {
            distinct_id: DistinctId::Requester,
            ..MappingConfig::default()
        };
        assert_eq!(
            stored()
                .profile_update(&mapping, "t")
                .unwrap()
                .unwrap()
                .distinct_id,
            "901"
        );
        let mut without = stored();
        without.requester_id = None;
        let err = without.profile_update(&mapping, "t").unwrap_err();
        assert!(
            err.0
                .contains("requester_id is missing on stored ticket 48213")
        );
    }

    #[test]
    fn an_image_that_is_not_a_stored_ticket_is_named() {
        let err = StoredTicket::from_image(image(json!({"ticket_id": {"S": "abc"}}))).unwrap_err();
        assert!(err.0.contains("NewImage"), "{err:?}");
        let bad_version = StoredTicket::from_image(image(
            json!({"ticket_id": {"N": "7"}, "version": {"S": "yesterday"}}),
        ))
        .unwrap();
        let err = bad_version
            .profile_update(&MappingConfig::default(), "t")
            .unwrap_err();
        assert!(err.0.contains("\"yesterday\""), "{err:?}");
    }

    #[test]
    fn an_item_without_state_yet_updates_no_profile() {
        let mark_only = StoredTicket::from_image(image(
            json!({"ticket_id": {"N": "7"}, "spam": {"BOOL": true}}),
        ))
        .unwrap();
        assert_eq!(
            mark_only
                .profile_update(&MappingConfig::default(), "t")
                .unwrap(),
            None
        );
    }
}
