//! Ticket events → conditional writes. Each write covers one aspect of the item with its own
//! version: the ticket's state (every event carries it), a mark (deleted, merged, spam) or one
//! listed custom field's value. So an older event that arrives last is skipped for the state
//! it would roll back, while a mark or a custom field value only it carries is still kept.

use std::collections::HashMap;

use delivery::{Item, RecordId, Records};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use ticket_analytics::PiiPolicy;
use zendesk_events::{Ticket, TicketEvent, Timestamp};

/// The identity of a state read from Zendesk's ticket export (`backfill --to store`): at the
/// same time, an event (whose time has nanoseconds, where the export has seconds) wins.
pub const SNAPSHOT_IDENTITY: &str = "zendesk-export";

/// An event's place in a ticket's history: its time, then its identity (which breaks ties
/// deterministically), as one string that sorts the same way: 20 digits of nanoseconds since
/// the epoch, `#`, the identity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Version(pub String);

impl Version {
    /// The version of `event`.
    pub fn of(event: &TicketEvent) -> Self {
        Self::at(event.occurred_at, event.identity.as_str())
    }

    /// The version of a state known at `at`, from `identity`.
    pub fn at(at: Timestamp, identity: &str) -> Self {
        let nanos = at.unix_nanos().max(0);
        Self(format!("{nanos:020}#{identity}"))
    }
}

/// What part of an item a write covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// The ticket's fields, as the newest event holds them.
    State,
    /// Soft or permanent deletion, and undeletion.
    Deleted,
    /// A merge into another ticket.
    Merged,
    /// A spam mark.
    Spam,
    /// The value of one custom field listed in `CUSTOM_FIELD_VALUES`.
    CustomField(u64),
}

impl Aspect {
    /// The attribute holding this aspect's version; the state's is the item's `version`.
    pub fn version_attribute(self) -> String {
        match self {
            Self::State => "version".to_owned(),
            Self::Deleted => "deleted_version".to_owned(),
            Self::Merged => "merged_version".to_owned(),
            Self::Spam => "spam_version".to_owned(),
            Self::CustomField(id) => format!("custom_field_{id}_version"),
        }
    }
}

/// One conditional write: set these attributes of ticket `ticket_id` if `version` is newer
/// than the aspect's stored version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketUpdate {
    /// The item's key.
    pub ticket_id: u64,
    /// What it covers.
    pub aspect: Aspect,
    /// The event's version.
    pub version: Version,
    /// Attributes to set (never null: what the event does not hold is left as stored).
    pub set: Map<String, Value>,
}

/// The attributes of the state aspect, from the ticket as `event` holds it.
fn state(event: &TicketEvent, pii: &PiiPolicy) -> Map<String, Value> {
    let mut set = ticket_state(&event.ticket, pii);
    set.insert(
        "last_event_type".into(),
        Value::from(event.event_type.name().into_owned()),
    );
    set.insert(
        "last_event_at".into(),
        Value::from(event.occurred_at.to_rfc3339_nanos()),
    );
    set
}

/// The ticket's own attributes (what any source of its state holds).
fn ticket_state(t: &Ticket, pii: &PiiPolicy) -> Map<String, Value> {
    let mut set = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value.filter(|v| !v.is_null()) {
            set.insert(key.to_owned(), value);
        }
    };
    put("status", t.status.clone().map(Value::from));
    put("priority", t.priority.clone().map(Value::from));
    put("ticket_type", t.ticket_type.clone().map(Value::from));
    put("channel", t.channel.clone().map(Value::from));
    put("requester_id", t.requester_id.map(Value::from));
    put("submitter_id", t.submitter_id.map(Value::from));
    put("assignee_id", t.assignee_id.map(Value::from));
    put("group_id", t.group_id.map(Value::from));
    put("organization_id", t.organization_id.map(Value::from));
    put("brand_id", t.brand_id.map(Value::from));
    put("form_id", t.form_id.map(Value::from));
    put("custom_status_id", t.custom_status_id.map(Value::from));
    put("tags", t.tags.clone().map(Value::from));
    put(
        "created_at",
        t.created_at.map(|at| Value::from(at.to_rfc3339_nanos())),
    );
    put(
        "updated_at",
        t.updated_at.map(|at| Value::from(at.to_rfc3339_nanos())),
    );
    put("is_public", t.is_public.map(Value::from));
    put(
        "subject",
        t.subject
            .clone()
            .filter(|_| pii.include_subject)
            .map(Value::from),
    );
    put(
        "description",
        t.description
            .clone()
            .filter(|_| pii.include_comment_body)
            .map(Value::from),
    );
    set
}

/// The writes of a ticket's state as Zendesk's ticket export holds it, versioned by its
/// `updated_at` (`None` without one: the state cannot be ordered against events). A deleted
/// ticket (status `deleted`) also gets the deleted mark; listed custom field values their own
/// aspects.
pub fn snapshot_updates(
    ticket: &Ticket,
    custom_fields: &[(u64, Value)],
    pii: &PiiPolicy,
) -> Option<Vec<TicketUpdate>> {
    let at = ticket.updated_at?;
    let version = Version::at(at, SNAPSHOT_IDENTITY);
    let update = |aspect, set: Map<String, Value>| TicketUpdate {
        ticket_id: ticket.id,
        aspect,
        version: version.clone(),
        set,
    };
    let mut state = ticket_state(ticket, pii);
    state.insert("last_event_at".into(), Value::from(at.to_rfc3339_nanos()));
    let mut out = vec![update(Aspect::State, state)];
    if ticket.status.as_deref() == Some("deleted") {
        let mut set = Map::new();
        set.insert("deleted".into(), Value::Bool(true));
        out.push(update(Aspect::Deleted, set));
    }
    for (id, value) in custom_fields {
        if pii.custom_field_values.contains(id) && !value.is_null() {
            let mut set = Map::new();
            set.insert(format!("custom_field_{id}"), value.clone());
            out.push(update(Aspect::CustomField(*id), set));
        }
    }
    Some(out)
}

/// The writes one event makes: the state, plus the mark or custom field value it carries.
pub fn updates(event: &TicketEvent, pii: &PiiPolicy) -> Vec<TicketUpdate> {
    let version = Version::of(event);
    let update = |aspect, set: Map<String, Value>| TicketUpdate {
        ticket_id: event.ticket.id,
        aspect,
        version: version.clone(),
        set,
    };
    let object = |value: Value| match value {
        Value::Object(map) => map,
        _ => unreachable!("json! objects"),
    };
    let mut out = vec![update(Aspect::State, state(event, pii))];
    let at = event.occurred_at.to_rfc3339_nanos();
    match event.event_type.name().as_ref() {
        "Ticket Soft Deleted" => out.push(update(
            Aspect::Deleted,
            object(json!({"deleted": true, "permanently_deleted": false, "deleted_at": at})),
        )),
        "Ticket Permanently Deleted" => out.push(update(
            Aspect::Deleted,
            object(json!({"deleted": true, "permanently_deleted": true, "deleted_at": at})),
        )),
        "Ticket Undeleted" => out.push(update(
            Aspect::Deleted,
            object(json!({"deleted": false, "permanently_deleted": false})),
        )),
        "Ticket Merged" => {
            let mut set = object(json!({"merged": true, "merged_at": at}));
            if let Some(target) = event.extra.get("target_ticket_id").filter(|v| v.is_u64()) {
                set.insert("merged_into".into(), target.clone());
            }
            out.push(update(Aspect::Merged, set));
        }
        "Ticket Marked as Spam" => out.push(update(
            Aspect::Spam,
            object(json!({"spam": true, "spam_at": at})),
        )),
        _ => {}
    }
    if let Some(id) = event
        .custom_field
        .as_ref()
        .and_then(|f| f.get("id"))
        .and_then(Value::as_u64)
        .filter(|id| pii.custom_field_values.contains(id))
        && let Some(value) = event.current.clone().filter(|v| !v.is_null())
    {
        let mut set = Map::new();
        set.insert(format!("custom_field_{id}"), value);
        out.push(update(Aspect::CustomField(id), set));
    }
    out
}

/// The writes of one invocation, coalesced: per ticket and aspect only the newest event's
/// write is made, and every record that contributed is acknowledged with it.
#[derive(Debug, Default)]
pub struct UpdateBook {
    newest: HashMap<(u64, Aspect), (TicketUpdate, Records)>,
}

impl UpdateBook {
    /// Notes the writes of `event`, from input `record`.
    pub fn add(&mut self, event: &TicketEvent, pii: &PiiPolicy, record: RecordId) {
        self.add_writes(updates(event, pii), record);
    }

    /// Notes `writes`, from input `record`.
    pub fn add_writes(&mut self, writes: Vec<TicketUpdate>, record: RecordId) {
        for update in writes {
            let key = (update.ticket_id, update.aspect);
            match self.newest.get_mut(&key) {
                Some((kept, records)) => {
                    if update.version > kept.version {
                        *kept = update;
                    }
                    if !records.contains(&record) {
                        records.push(record);
                    }
                }
                None => {
                    self.newest
                        .insert(key, (update, Records::from_elem(record, 1)));
                }
            }
        }
    }

    /// The writes, as delivery items (one write each), in a stable order.
    pub fn into_items(self) -> Vec<Item> {
        let mut writes: Vec<_> = self.newest.into_values().collect();
        writes.sort_by(|a, b| {
            (a.0.ticket_id, a.0.aspect.version_attribute())
                .cmp(&(b.0.ticket_id, b.0.aspect.version_attribute()))
        });
        writes
            .into_iter()
            .map(|(update, records)| Item {
                bytes: serde_json::to_vec(&update)
                    .expect("updates always serialize")
                    .into(),
                records,
                key: None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use zendesk_events::{Timestamp, decode_event};

    use super::*;

    fn event(sample: &str) -> TicketEvent {
        decode_event(&std::fs::read_to_string(format!("../../events/{sample}")).unwrap()).unwrap()
    }

    #[test]
    fn versions_sort_by_time_then_identity() {
        let mut older = event("connector/ticket-created.json");
        let newer = event("connector/status-changed.json");
        older.occurred_at = Timestamp::from_unix_nanos(newer.occurred_at.unix_nanos() - 1).unwrap();
        assert!(Version::of(&older) < Version::of(&newer));
        let mut tie = older.clone();
        tie.occurred_at = newer.occurred_at;
        assert_ne!(
            Version::of(&tie),
            Version::of(&newer),
            "the identity breaks the tie"
        );
    }

    #[test]
    fn the_state_holds_only_what_the_event_holds_and_personal_text_by_setting() {
        let comment = event("privacy/connector-comment-created-everything.json");
        let update = &updates(&comment, &PiiPolicy::default())[0];
        assert_eq!(update.aspect, Aspect::State);
        assert!(!update.set.contains_key("subject"));
        assert!(!update.set.contains_key("description"));
        assert!(update.set.values().all(|v| !v.is_null()));
        let pii = PiiPolicy {
            include_subject: true,
            ..PiiPolicy::default()
        };
        assert!(updates(&comment, &pii)[0].set.contains_key("subject"));
    }

    #[test]
    fn an_exported_state_loses_to_an_event_of_the_same_second_and_keeps_only_listed_fields() {
        let live = event("connector/status-changed.json");
        let mut ticket = live.ticket.clone();
        ticket.updated_at = Some(
            Timestamp::from_unix_nanos(
                live.occurred_at.unix_nanos() / 1_000_000_000 * 1_000_000_000,
            )
            .unwrap(),
        );
        ticket.status = Some("deleted".into());
        ticket.subject = Some("Double charge".into());
        let pii = PiiPolicy {
            custom_field_values: vec![360000001234],
            ..PiiPolicy::default()
        };
        let fields = [
            (360000001234, Value::from("plan_pro")),
            (360000009999, Value::from("+44 20 7946 0958")),
        ];
        let writes = snapshot_updates(&ticket, &fields, &pii).unwrap();
        assert!(
            writes[0].version < Version::of(&live),
            "{:?}",
            writes[0].version
        );
        assert!(writes[0].version.0.ends_with("#zendesk-export"));
        assert!(!writes[0].set.contains_key("subject"));
        assert_eq!(
            writes.iter().map(|w| w.aspect).collect::<Vec<_>>(),
            [
                Aspect::State,
                Aspect::Deleted,
                Aspect::CustomField(360000001234)
            ]
        );
        ticket.updated_at = None;
        assert_eq!(snapshot_updates(&ticket, &fields, &pii), None);
    }

    #[test]
    fn marks_are_aspects_of_their_own() {
        let spam = updates(
            &event("connector/ticket-marked-as-spam.json"),
            &PiiPolicy::default(),
        );
        assert_eq!(spam.len(), 2);
        assert_eq!(spam[1].aspect, Aspect::Spam);
        assert_eq!(spam[1].set["spam"], true);
        let merged = updates(&event("webhook/ticket.merged.json"), &PiiPolicy::default());
        assert_eq!(merged[1].set["merged_into"], 48100);
    }

    #[test]
    fn the_book_keeps_the_newest_write_per_ticket_and_aspect_with_every_record() {
        let mut older = event("connector/ticket-created.json");
        let mut newer = event("connector/status-changed.json");
        newer.ticket.status = Some("solved".into());
        older.occurred_at =
            Timestamp::from_unix_nanos(newer.occurred_at.unix_nanos() - 1_000_000_000).unwrap();
        let mut book = UpdateBook::default();
        book.add(&newer, &PiiPolicy::default(), 1);
        book.add(&older, &PiiPolicy::default(), 0);
        let items = book.into_items();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].records.as_slice(), [1, 0]);
        let update: TicketUpdate = serde_json::from_slice(&items[0].bytes).unwrap();
        assert_eq!(update.set["status"], "solved");
    }
}
