//! Zendesk user and organization events → profile updates: a requester's own profile
//! (`/engage`, with `MIXPANEL_DISTINCT_ID=requester`) and an organization's group profile
//! (`/groups`, with `MIXPANEL_GROUP_KEY`). Only the properties listed here leave; a `$set`
//! carries only what the event holds.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::MappingConfig;

/// User fields a requester profile gets, and under which name: the user's tags are
/// `user_tags`, so that they and the ticket's `tags` (set on the same profile by ticket events
/// in requester mode) never overwrite each other.
pub const USER_PROPERTIES: &[(&str, &str)] = &[
    ("role", "role"),
    ("organization_id", "organization_id"),
    ("locale", "locale"),
    ("time_zone", "time_zone"),
    ("tags", "user_tags"),
    ("created_at", "created_at"),
    ("last_login_at", "last_login_at"),
];
/// Organization fields a group profile gets: `name` as `$name`, the rest under their names.
/// Notes, details and domain names are never sent.
pub const ORGANIZATION_PROPERTIES: &[&str] = &["tags", "group_id", "created_at"];

/// Personal user fields, each sent only with its setting.
pub const PERSONAL_USER_PROPERTIES: &[(&str, &str, &str)] = &[
    ("email", "$email", "INCLUDE_EMAIL=true"),
    ("name", "$name", "INCLUDE_USER_NAME=true"),
];

/// README's table of what user and organization events set, generated from the lists above.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Zendesk event | Zendesk field | Mixpanel property | Sent |\n|---|---|---|---|\n",
    );
    for (from, to) in USER_PROPERTIES {
        out.push_str(&format!(
            "| `Support User: …` | `{from}` | requester profile `{to}` | with `MIXPANEL_DISTINCT_ID=requester` |\n"
        ));
    }
    for (from, to, setting) in PERSONAL_USER_PROPERTIES {
        out.push_str(&format!(
            "| `Support User: …` | `{from}` | requester profile `{to}` | also needs `{setting}` |\n"
        ));
    }
    out.push_str("| `Support Organization: …` | `name` | group profile `$name` | with `MIXPANEL_GROUP_KEY` |\n");
    for name in ORGANIZATION_PROPERTIES {
        out.push_str(&format!(
            "| `Support Organization: …` | `{name}` | group profile `{name}` | with `MIXPANEL_GROUP_KEY` |\n"
        ));
    }
    out.push_str(
        "| either | any other field (notes, details, domain names, phone, …) | — | never |\n",
    );
    out
}

/// One `/groups` update.
#[derive(Debug, Serialize)]
struct GroupUpdate<'a> {
    #[serde(rename = "$token")]
    token: &'a str,
    #[serde(rename = "$group_key")]
    group_key: &'a str,
    #[serde(rename = "$group_id")]
    group_id: &'a str,
    #[serde(rename = "$set")]
    set: &'a Map<String, Value>,
}

/// One `/engage` update from a user event.
#[derive(Debug, Serialize)]
struct UserUpdate<'a> {
    #[serde(rename = "$token")]
    token: &'a str,
    #[serde(rename = "$distinct_id")]
    distinct_id: &'a str,
    #[serde(rename = "$ip")]
    ip: u8,
    #[serde(rename = "$ignore_time")]
    ignore_time: bool,
    #[serde(rename = "$set")]
    set: &'a Map<String, Value>,
}

fn pick(fields: &Map<String, Value>, names: &[(&str, &str)]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|(from, to)| {
            fields
                .get(*from)
                .filter(|v| !v.is_null())
                .map(|v| ((*to).to_owned(), v.clone()))
        })
        .collect()
}

/// The requester profile's `$set` from a user's fields; `$email` and `$name` only with
/// `INCLUDE_EMAIL` / `INCLUDE_USER_NAME`.
pub fn user_properties(config: &MappingConfig, fields: &Map<String, Value>) -> Map<String, Value> {
    let mut names: Vec<(&str, &str)> = USER_PROPERTIES.to_vec();
    for (from, to, _) in PERSONAL_USER_PROPERTIES {
        let on = match *from {
            "email" => config.include_email,
            _ => config.include_user_name,
        };
        if on {
            names.push((from, to));
        }
    }
    pick(fields, &names)
}

/// The group profile's `$set` from an organization's fields.
pub fn organization_properties(fields: &Map<String, Value>) -> Map<String, Value> {
    let mut names: Vec<(&str, &str)> = vec![("name", "$name")];
    names.extend(ORGANIZATION_PROPERTIES.iter().map(|n| (*n, *n)));
    pick(fields, &names)
}

/// A serialized `/engage` update of `distinct_id`.
pub fn user_update(token: &str, distinct_id: &str, set: &Map<String, Value>) -> Vec<u8> {
    let update = UserUpdate {
        token,
        distinct_id,
        ip: 0,
        ignore_time: true,
        set,
    };
    serde_json::to_vec(&update).expect("profile updates always serialize")
}

/// A serialized `/groups` update of group `group_id` under `group_key`.
pub fn group_update(
    token: &str,
    group_key: &str,
    group_id: &str,
    set: &Map<String, Value>,
) -> Vec<u8> {
    let update = GroupUpdate {
        token,
        group_key,
        group_id,
        set,
    };
    serde_json::to_vec(&update).expect("group updates always serialize")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_user_event_sets_only_listed_present_fields_and_personal_ones_by_setting() {
        let user = fields(
            json!({"id": 7, "role": "end-user", "locale": null, "tags": ["vip"],
            "email": "ada@example.com", "name": "Ada", "notes": "private", "phone": "+44"}),
        );
        let mut config = MappingConfig::default();
        let set = user_properties(&config, &user);
        assert_eq!(
            Value::Object(set),
            json!({"role": "end-user", "user_tags": ["vip"]})
        );
        config.include_email = true;
        config.include_user_name = true;
        let set = user_properties(&config, &user);
        assert_eq!(set["$email"], "ada@example.com");
        assert_eq!(set["$name"], "Ada");
        assert!(!set.contains_key("phone") && !set.contains_key("notes"));
    }

    #[test]
    fn a_group_update_has_mixpanels_documented_shape() {
        let org = fields(
            json!({"id": 360000000777_u64, "name": "Acme", "tags": ["gold"],
            "notes": "owes us money", "details": "secret", "domain_names": ["acme.example"],
            "created_at": "2024-01-02T03:04:05Z"}),
        );
        let set = organization_properties(&org);
        let update: Value = serde_json::from_slice(&group_update(
            "tok",
            "organization_id",
            "360000000777",
            &set,
        ))
        .unwrap();
        assert_eq!(
            update,
            json!({"$token": "tok", "$group_key": "organization_id", "$group_id": "360000000777",
                   "$set": {"$name": "Acme", "tags": ["gold"], "created_at": "2024-01-02T03:04:05Z"}})
        );
    }
}
