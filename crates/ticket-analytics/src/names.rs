//! Event names: one table for Mixpanel and FullStory, and which events a setting lets through.

use std::borrow::Cow;

use zendesk_events::{EventType, TicketEvent};

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

/// Whether the event is a public comment by staff, which also counts as "Ticket Responded".
pub fn is_response(event: &TicketEvent) -> bool {
    event.comment.as_ref().is_some_and(|c| {
        event.event_type.is_comment_added()
            && c.is_public == Some(true)
            && c.author_is_staff == Some(true)
    })
}

/// The names an event is sent under: its own, plus [`RESPONDED`] for a public staff comment.
pub fn event_names(event: &TicketEvent) -> Vec<Cow<'static, str>> {
    let mut names = vec![event_name(&event.event_type)];
    if is_response(event) {
        names.push(Cow::Borrowed(RESPONDED));
    }
    names
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
