//! Event names: one table for Mixpanel and FullStory, and which events a setting lets through.

use std::borrow::Cow;
use std::sync::LazyLock;

use zendesk_events::{EVENT_TYPES, EventSpec, EventType, TicketEvent};

/// The extra event a public comment by staff yields.
pub const RESPONDED: &str = "Ticket Responded";

/// Destination event name of a Zendesk type: `"Ticket " + name`, without doubling a leading
/// "Ticket ", and "Ticket Comment Added" for the comment event of both families.
pub fn event_name(event_type: &EventType) -> Cow<'static, str> {
    if event_type.is_comment_added() {
        return Cow::Borrowed("Ticket Comment Added");
    }
    match event_type {
        EventType::Known(spec) if spec.name.starts_with("Ticket ") => Cow::Borrowed(spec.name),
        // Known types are named once per process, not once per event.
        EventType::Known(spec) => match known_name(spec) {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(format!("Ticket {}", spec.name)),
        },
        _ => {
            let name = event_type.name();
            if name.starts_with("Ticket ") {
                Cow::Owned(name.into_owned())
            } else {
                Cow::Owned(format!("Ticket {name}"))
            }
        }
    }
}

/// `"Ticket " + name` of each of [`EVENT_TYPES`], in its order, built on first use.
static KNOWN_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
    EVENT_TYPES
        .iter()
        .map(|spec| format!("Ticket {}", spec.name))
        .collect()
});

/// The `"Ticket " + name` of a spec of [`EVENT_TYPES`] (found by its place in the table).
fn known_name(spec: &'static EventSpec) -> Option<&'static str> {
    let offset = (spec as *const EventSpec as usize).checked_sub(EVENT_TYPES.as_ptr() as usize)?;
    let index = offset / std::mem::size_of::<EventSpec>();
    let known = EVENT_TYPES.get(index)?;
    // Another spec (not from the table) has no precomputed name.
    std::ptr::eq(known, spec).then(|| KNOWN_NAMES[index].as_str())
}

/// Whether the event is a public comment by staff, which also counts as "Ticket Responded".
pub fn is_response(event: &TicketEvent) -> bool {
    event.comment.as_ref().is_some_and(|c| {
        event.event_type.is_comment_added()
            && c.is_public == Some(true)
            && c.author_is_staff == Some(true)
    })
}

/// The names an event is sent under with the default names: its own, plus [`RESPONDED`] for a
/// public staff comment.
pub fn event_names(event: &TicketEvent) -> Vec<Cow<'static, str>> {
    EventNames::default().names(event).collect()
}

/// Longest event name both destinations take (FullStory: 250 characters; Mixpanel: 255).
pub const MAX_EVENT_NAME_CHARS: usize = 250;

/// What an `EVENT_NAMES` entry renames: a Zendesk event type, or the extra
/// [`RESPONDED`] event of a public staff comment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Renamed {
    Type(EventType),
    Responded,
}

/// `EVENT_NAMES`: the destination event name chosen per Zendesk event, for example
/// `Status Changed=Ticket Updated,Comment Created=Ticket Commented`. An empty name (`Comment
/// Created=`) sends that event under no name of its own; a public staff comment still yields
/// [`RESPONDED`] unless that is renamed too (`Ticket Responded=…`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventNames {
    renames: Vec<(Renamed, Option<String>)>,
}

impl EventNames {
    /// Reads `Zendesk name=Destination name` entries, comma-separated. The left side is a Zendesk
    /// event type in either family's spelling (`Status Changed`, `ticket.status_changed`) or
    /// `Ticket Responded`; the error names the entry at fault.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut renames: Vec<(Renamed, Option<String>)> = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((from, to)) = entry.split_once('=') else {
                return Err(format!(
                    "entry {entry:?} is not `Zendesk name=Event name` (for example `Status Changed=Ticket Updated`)"
                ));
            };
            let (from, to) = (from.trim(), to.trim());
            let renamed = if from.eq_ignore_ascii_case(RESPONDED) {
                Renamed::Responded
            } else {
                match EventType::parse(from) {
                    known @ EventType::Known(_) => Renamed::Type(known),
                    _ => {
                        return Err(format!(
                            "entry {entry:?}: unknown Zendesk event type {from:?} (use names like \"Status Changed\" or \"ticket.status_changed\", or \"{RESPONDED}\")"
                        ));
                    }
                }
            };
            if to.chars().count() > MAX_EVENT_NAME_CHARS {
                return Err(format!(
                    "entry {entry:?}: the event name is longer than {MAX_EVENT_NAME_CHARS} characters"
                ));
            }
            if renames.iter().any(|(r, _)| *r == renamed) {
                return Err(format!("entry {entry:?}: {from:?} is renamed twice"));
            }
            renames.push((renamed, (!to.is_empty()).then(|| to.to_owned())));
        }
        Ok(Self { renames })
    }

    /// Whether no event is renamed.
    pub fn is_default(&self) -> bool {
        self.renames.is_empty()
    }

    fn rename(&self, renamed: &Renamed) -> Option<Option<&str>> {
        self.renames
            .iter()
            .find(|(r, _)| r == renamed)
            .map(|(_, to)| to.as_deref())
    }

    /// The name events of `event_type` are sent under; `None` when a setting sends them under
    /// no name of their own.
    pub fn name_of(&self, event_type: &EventType) -> Option<Cow<'static, str>> {
        match self.rename(&Renamed::Type(event_type.clone())) {
            Some(to) => to.map(|to| Cow::Owned(to.to_owned())),
            None => Some(event_name(event_type)),
        }
    }

    /// The name of the extra event of a public staff comment; `None` when it is not sent.
    pub fn responded(&self) -> Option<Cow<'static, str>> {
        match self.rename(&Renamed::Responded) {
            Some(to) => to.map(|to| Cow::Owned(to.to_owned())),
            None => Some(Cow::Borrowed(RESPONDED)),
        }
    }

    /// The names an event is sent under: its own, plus the responded event for a public
    /// staff comment, each as renamed.
    pub fn names(&self, event: &TicketEvent) -> impl Iterator<Item = Cow<'static, str>> + use<> {
        let responded = is_response(event).then(|| self.responded()).flatten();
        self.name_of(&event.event_type).into_iter().chain(responded)
    }
}

/// A mapping table's cell for the bus `detail-type` of `spec`: the connector's, or the one
/// `ticket-metrics` publishes SLA events under, or "—".
pub fn table_cell_detail_type(spec: &zendesk_events::EventSpec) -> String {
    if spec.in_connector {
        format!("`Support Ticket: {}`", spec.name)
    } else if spec.from_metric_events {
        format!("`Support Ticket: {}` (ticket-metrics)", spec.name)
    } else {
        "—".to_owned()
    }
}

/// A mapping table's cell for `event_type`: its name (or "not sent"), and for comments the
/// responded event beside it.
pub fn table_cell_name(names: &EventNames, event_type: &EventType) -> String {
    let mut cell = names
        .name_of(event_type)
        .map_or_else(|| "not sent".to_owned(), Cow::into_owned);
    if event_type.is_comment_added()
        && let Some(responded) = names.responded()
    {
        cell.push_str(&format!(" (+ {responded} when public and by staff)"));
    }
    cell
}

/// Whether an allow-list of event types (`ZENDESK_EVENT_TYPES`; `None` = every type) lets
/// `event` through.
pub fn is_allowed(event_types: Option<&[EventType]>, event: &TicketEvent) -> bool {
    event_types.is_none_or(|allowed| allowed.contains(&event.event_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_rename_per_zendesk_type_in_either_spelling() {
        let names = EventNames::parse(
            "Status Changed=Ticket Updated, ticket.comment_added=Ticket Commented",
        )
        .unwrap();
        let status = EventType::parse("Status Changed");
        assert_eq!(names.name_of(&status).as_deref(), Some("Ticket Updated"));
        assert_eq!(
            names
                .name_of(&EventType::parse("Comment Created"))
                .as_deref(),
            Some("Ticket Commented")
        );
        assert_eq!(
            names
                .name_of(&EventType::parse("Ticket Created"))
                .as_deref(),
            Some("Ticket Created"),
            "a type not listed keeps its name"
        );
        assert_eq!(names.responded().as_deref(), Some(RESPONDED));
    }

    #[test]
    fn event_names_can_silence_an_event_or_rename_the_responded_event() {
        let names = EventNames::parse("Comment Created=,Ticket Responded=Agent Replied").unwrap();
        assert_eq!(names.name_of(&EventType::parse("Comment Created")), None);
        assert_eq!(names.responded().as_deref(), Some("Agent Replied"));
    }

    #[test]
    fn event_names_refuse_unknown_types_malformed_entries_and_repeats_naming_the_entry() {
        for (text, named) in [
            (
                "Status Chnaged=Ticket Updated",
                "\"Status Chnaged=Ticket Updated\"",
            ),
            ("Status Changed", "\"Status Changed\""),
            (
                "Status Changed=A,ticket.status_changed=B",
                "\"ticket.status_changed=B\"",
            ),
        ] {
            let err = EventNames::parse(text).unwrap_err();
            assert!(err.contains(named), "{text}: {err}");
        }
        let long = format!("Status Changed={}", "x".repeat(MAX_EVENT_NAME_CHARS + 1));
        assert!(EventNames::parse(&long).unwrap_err().contains("250"));
    }

    #[test]
    fn every_known_type_is_named_without_an_allocation_per_event() {
        for spec in EVENT_TYPES {
            let name = event_name(&EventType::Known(spec));
            assert!(matches!(name, Cow::Borrowed(_)), "{}", spec.name);
            if spec.name != "Comment Created" && !spec.name.starts_with("Ticket ") {
                assert_eq!(name, format!("Ticket {}", spec.name));
            }
        }
        // A spec outside the table is still named by the rule.
        let spec = &EVENT_TYPES[1];
        let outside: &'static EventSpec = Box::leak(Box::new(EventSpec { ..*spec }));
        assert_eq!(
            event_name(&EventType::Known(outside)),
            event_name(&EventType::Known(&EVENT_TYPES[1]))
        );
    }

    #[test]
    fn names_follow_the_rule_with_its_exceptions() {
        for (zendesk, name) in [
            ("Ticket Created", "Ticket Created"),
            ("Status Changed", "Ticket Status Changed"),
            (
                "Agent Assignment Changed",
                "Ticket Agent Assignment Changed",
            ),
            ("Ticket Merged", "Ticket Merged"),
            ("Ticket Marked as Spam", "Ticket Marked as Spam"),
            ("Comment Created", "Ticket Comment Added"),
            ("comment_added", "Ticket Comment Added"),
            ("type_changed", "Ticket Type Changed"),
        ] {
            assert_eq!(event_name(&EventType::parse(zendesk)), name, "{zendesk}");
        }
        assert_eq!(
            event_name(&EventType::UnknownWebhook("priority_escalated".into())),
            "Ticket Priority Escalated"
        );
    }
}
