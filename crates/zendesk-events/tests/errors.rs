//! Bad input is named precisely: which record, which JSON path, what was wrong. Never a panic.

use zendesk_events::decode_event;

const STATUS_CHANGED: &str = include_str!("../../../events/connector/status-changed.json");
const WEBHOOK_STATUS: &str = include_str!("../../../events/webhook/ticket.status_changed.json");

fn set(json: &str, pointer: &str, value: serde_json::Value) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(json).unwrap();
    *doc.pointer_mut(pointer).unwrap() = value;
    doc.to_string()
}

#[test]
fn wrong_types_name_their_path() {
    let cases = [
        (
            set(
                STATUS_CHANGED,
                "/detail/ticket_event/ticket/assignee_id",
                "x1".into(),
            ),
            "$.detail.ticket_event.ticket.assignee_id",
        ),
        (
            set(STATUS_CHANGED, "/detail/ticket_event/ticket/tags", 5.into()),
            "$.detail.ticket_event.ticket.tags",
        ),
        (
            set(
                STATUS_CHANGED,
                "/detail/ticket_event/meta/occurred_at",
                "soon".into(),
            ),
            "$.detail.ticket_event.meta.occurred_at",
        ),
        (
            set(
                STATUS_CHANGED,
                "/detail/ticket_event/current",
                serde_json::json!({"a": 1}),
            ),
            "$.detail.ticket_event.current",
        ),
        (
            set(WEBHOOK_STATUS, "/detail/requester_id", "abc".into()),
            "$.detail.requester_id",
        ),
        (set(WEBHOOK_STATUS, "/time", 7.into()), "$.time"),
        (
            set(
                WEBHOOK_STATUS,
                "/type",
                "zen:event-type:user.created".into(),
            ),
            "$.type",
        ),
    ];
    for (json, path) in cases {
        let err = decode_event(&json).unwrap_err();
        assert_eq!(err.path, path, "{err}");
        assert!(!err.reason.is_empty());
    }
}

#[test]
fn webhook_values_are_normalised() {
    let event = decode_event(WEBHOOK_STATUS).unwrap();
    assert_eq!(event.previous, Some("new".into()));
    assert_eq!(event.current, Some("open".into()));
    assert_eq!(event.ticket.status.as_deref(), Some("open"));
    assert_eq!(event.ticket.priority.as_deref(), Some("normal"));
    assert_eq!(event.ticket.requester_id, Some(900000000101));
    assert_eq!(event.ticket.tags, None, "tags: null says nothing");
    assert_eq!(event.actor_id, Some(900000000202));
    assert_eq!(
        event.occurred_at.to_rfc3339_nanos(),
        "2026-03-10T15:01:11.204331907Z"
    );
}
