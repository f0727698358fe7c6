//! FullStory's rules for custom properties, applied to any JSON object: names
//! `[A-Za-z][A-Za-z0-9_]*` without the v1 type suffixes, no nulls, no arrays of objects, and a
//! `schema` that declares integers, which FullStory would otherwise store as reals.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Suffixes v1 used to declare types; a v2 name must not end with one.
const V1_SUFFIXES: &[&str] = &[
    "_str", "_int", "_real", "_date", "_bool", "_strs", "_ints", "_reals", "_dates", "_bools",
];
/// Longest property name kept (FullStory allows 512 with the dotted parent path).
const MAX_NAME: usize = 128;

/// Properties ready for FullStory and the types to declare for them (dotted path → type).
#[derive(Debug, Default, PartialEq)]
pub struct Conformed {
    /// The properties.
    pub properties: Map<String, Value>,
    /// `schema.properties`: `int` or `ints` per integer-valued path.
    pub schema: BTreeMap<String, &'static str>,
}

/// Applies FullStory's naming and typing rules to `object`.
pub fn conform(object: Map<String, Value>) -> Conformed {
    let mut out = Conformed::default();
    out.properties = conform_object(object, "", &mut out.schema);
    out
}

fn conform_object(
    object: Map<String, Value>,
    parent: &str,
    schema: &mut BTreeMap<String, &'static str>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in object {
        let name = property_name(&name);
        let path = if parent.is_empty() {
            name.clone()
        } else {
            format!("{parent}.{name}")
        };
        let value = match value {
            Value::Null => continue,
            Value::Number(n) => {
                if n.is_i64() || n.is_u64() {
                    schema.insert(path, "int");
                }
                Value::Number(n)
            }
            Value::Object(inner) => {
                let inner = conform_object(inner, &path, schema);
                if inner.is_empty() {
                    continue;
                }
                Value::Object(inner)
            }
            Value::Array(items) => {
                let items = conform_array(items);
                if !items.is_empty() && items.iter().all(|v| v.is_i64() || v.is_u64()) {
                    schema.insert(path, "ints");
                }
                Value::Array(items)
            }
            other => other,
        };
        out.insert(name, value);
    }
    out
}

/// Arrays of strings, numbers or booleans stay; anything else (objects, nested arrays, mixed
/// kinds) becomes an array of strings, each element as JSON text, so nothing is dropped.
fn conform_array(items: Vec<Value>) -> Vec<Value> {
    let items: Vec<Value> = items.into_iter().filter(|v| !v.is_null()).collect();
    let same_scalar_kind = items.windows(2).all(|w| kind(&w[0]) == kind(&w[1]))
        && items.first().is_none_or(|v| kind(v) != Kind::Other);
    if same_scalar_kind {
        return items;
    }
    items
        .into_iter()
        .map(|v| match v {
            Value::String(s) => Value::String(s),
            other => Value::String(other.to_string()),
        })
        .collect()
}

#[derive(PartialEq)]
enum Kind {
    Text,
    Number,
    Boolean,
    Other,
}

fn kind(v: &Value) -> Kind {
    match v {
        Value::String(_) => Kind::Text,
        Value::Number(_) => Kind::Number,
        Value::Bool(_) => Kind::Boolean,
        _ => Kind::Other,
    }
}

/// A name FullStory accepts: other characters become `_`, a name not starting with a letter
/// gets a `p_` prefix, and a v1 type suffix gets `_value` appended.
pub fn property_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(MAX_NAME)
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, "p_");
    }
    if V1_SUFFIXES.iter().any(|s| out.ends_with(s)) {
        out.push_str("_value");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_follow_the_v2_rules() {
        for (raw, name) in [
            ("ticket_id", "ticket_id"),
            ("custom-field.title", "custom_field_title"),
            ("1st_reply", "p_1st_reply"),
            ("_private", "p__private"),
            ("count_int", "count_int_value"),
            ("labels_strs", "labels_strs_value"),
            ("étiquette", "p__tiquette"),
        ] {
            assert_eq!(property_name(raw), name, "{raw}");
        }
    }

    #[test]
    fn integers_are_declared_and_nulls_dropped() {
        let c = conform(
            json!({
                "ticket_id": 48213, "score": 4.5, "gone": null, "tags": ["a", "b"],
                "ids": [1, 2], "org": {"id": 7, "name": "Acme", "none": null}, "empty": {},
                "users": [{"id": 1}, {"id": 2}], "mixed": [1, "two"]
            })
            .as_object()
            .unwrap()
            .clone(),
        );
        assert_eq!(
            Value::Object(c.properties),
            json!({
                "ticket_id": 48213, "score": 4.5, "tags": ["a", "b"], "ids": [1, 2],
                "org": {"id": 7, "name": "Acme"},
                "users": ["{\"id\":1}", "{\"id\":2}"], "mixed": ["1", "two"]
            })
        );
        assert_eq!(
            c.schema.into_iter().collect::<Vec<_>>(),
            vec![
                ("ids".into(), "ints"),
                ("org.id".into(), "int"),
                ("ticket_id".into(), "int")
            ]
        );
    }
}
