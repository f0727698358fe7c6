//! Zendesk user and organization events on the bus (`Support User: …`, `Support Organization:
//! …`, as webhook-bridge publishes them): who the event is about and the fields it carries. They
//! feed profiles, not events, and arrive rarely, so they are read as a JSON tree.

use serde_json::{Map, Value};

use crate::{DecodeError, Timestamp};

/// Whether an account event is about a user or an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    /// `Support User: …`, `detail.user_event.user`.
    User,
    /// `Support Organization: …`, `detail.organization_event.organization`.
    Organization,
}

impl AccountKind {
    /// The `detail` key of the event and of the object inside it.
    fn keys(self) -> (&'static str, &'static str) {
        match self {
            Self::User => ("user_event", "user"),
            Self::Organization => ("organization_event", "organization"),
        }
    }
}

/// A user or organization event: whom it is about, when, and the object's fields as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountEvent {
    /// User or organization.
    pub kind: AccountKind,
    /// The event name, for example `User Created`.
    pub name: String,
    /// When it happened in Zendesk.
    pub occurred_at: Timestamp,
    /// The user's or organization's id.
    pub id: u64,
    /// The user or organization object, as on the bus (the bridge's allow-list applied).
    pub fields: Map<String, Value>,
}

/// Reads `document` as a user or organization event; `Ok(None)` when its `detail-type` is not
/// one. Errors name the JSON path.
pub fn decode_account_event(document: &str) -> Result<Option<AccountEvent>, DecodeError> {
    let Ok(Value::Object(mut top)) = serde_json::from_str::<Value>(document) else {
        return Ok(None);
    };
    let detail_type = top.get("detail-type").and_then(Value::as_str).unwrap_or("");
    let (kind, name) = if let Some(name) = detail_type.strip_prefix("Support User: ") {
        (AccountKind::User, name.to_owned())
    } else if let Some(name) = detail_type.strip_prefix("Support Organization: ") {
        (AccountKind::Organization, name.to_owned())
    } else {
        return Ok(None);
    };
    let (event_key, object_key) = kind.keys();
    let at = |rest: &str| format!("$.detail.{event_key}{rest}");
    let mut event = match top.get_mut("detail").and_then(|d| d.get_mut(event_key)) {
        Some(Value::Object(event)) => std::mem::take(event),
        _ => return Err(DecodeError::at(at(""), "missing or not an object")),
    };
    let occurred_at = match event.get("meta").and_then(|m| m.get("occurred_at")) {
        Some(Value::String(text)) => {
            Timestamp::parse(text).map_err(|e| DecodeError::at(at(".meta.occurred_at"), e))?
        }
        _ => {
            return Err(DecodeError::at(
                at(".meta.occurred_at"),
                "missing or not a string",
            ));
        }
    };
    let fields = match event.remove(object_key) {
        Some(Value::Object(fields)) => fields,
        _ => {
            return Err(DecodeError::at(
                at(&format!(".{object_key}")),
                "missing or not an object",
            ));
        }
    };
    let id = match fields.get("id") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
    .ok_or_else(|| {
        DecodeError::at(
            at(&format!(".{object_key}.id")),
            "missing or not a positive integer",
        )
    })?;
    Ok(Some(AccountEvent {
        kind,
        name,
        occurred_at,
        id,
        fields,
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn bus(detail_type: &str, detail: Value) -> String {
        json!({"version": "0", "id": "e-1", "detail-type": detail_type,
               "source": "ticketbridge.zendesk", "detail": detail})
        .to_string()
    }

    #[test]
    fn user_and_organization_events_are_read_with_their_id_time_and_fields() {
        let user = bus(
            "Support User: User Created",
            json!({"user_event": {"meta": {"occurred_at": "2026-03-10T15:00:00.5Z"},
                   "type": "User Created", "user": {"id": 900000000101_u64, "role": "end-user"}}}),
        );
        let event = decode_account_event(&user).unwrap().unwrap();
        assert_eq!(event.kind, AccountKind::User);
        assert_eq!(event.name, "User Created");
        assert_eq!(event.id, 900000000101);
        assert_eq!(event.fields["role"], "end-user");
        let org = bus(
            "Support Organization: Organization Created",
            json!({"organization_event": {"meta": {"occurred_at": "2026-03-10T15:00:00Z"},
                   "organization": {"id": "360000000777", "name": "Acme"}}}),
        );
        let event = decode_account_event(&org).unwrap().unwrap();
        assert_eq!(
            (event.kind, event.id),
            (AccountKind::Organization, 360000000777)
        );
    }

    #[test]
    fn other_events_are_not_account_events_and_bad_ones_name_the_path() {
        let ticket = bus(
            "Support Ticket: Ticket Created",
            json!({"ticket_event": {}}),
        );
        assert_eq!(decode_account_event(&ticket).unwrap(), None);
        assert_eq!(decode_account_event("not json").unwrap(), None);
        let no_user = bus(
            "Support User: User Created",
            json!({"user_event": {"meta": {"occurred_at": "2026-03-10T15:00:00Z"}}}),
        );
        assert_eq!(
            decode_account_event(&no_user).unwrap_err().to_string(),
            DecodeError::at("$.detail.user_event.user", "missing or not an object").to_string()
        );
        let no_time = bus(
            "Support User: User Created",
            json!({"user_event": {"user": {"id": 1}}}),
        );
        assert!(
            decode_account_event(&no_time)
                .unwrap_err()
                .to_string()
                .contains("$.detail.user_event.meta.occurred_at")
        );
    }
}
