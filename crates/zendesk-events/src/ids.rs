//! Zendesk ids and enums as they arrive (strings or integers, UPPERCASE or lowercase), normalised.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Parses one Zendesk id from a JSON string or integer; `""` and `null` mean "none".
pub fn parse_id_text(text: &str) -> Result<Option<u64>, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    trimmed
        .parse::<u64>()
        .map(Some)
        .map_err(|_| format!("expected a Zendesk id (digits), got {text:?}"))
}

struct IdVisitor;

impl<'de> Visitor<'de> for IdVisitor {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Zendesk id (an integer or a string of digits) or null")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        u64::try_from(v)
            .map(Some)
            .map_err(|_| E::custom(format!("expected a Zendesk id, got {v}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(E::custom(format!("expected a Zendesk id, got {v}")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse_id_text(v).map_err(E::custom)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(IdVisitor)
    }
}

/// `deserialize_with` for an optional id.
pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_option(IdVisitor)
}

/// `deserialize_with` for a required id.
pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    optional(d)?
        .ok_or_else(|| de::Error::custom("expected a Zendesk id, got null or an empty string"))
}

/// `deserialize_with` for an optional enum value, lowercased.
pub fn lowercase<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    // Lowercased in place: one allocation per value, not two.
    Ok(<Option<String>>::deserialize(d)?.map(|mut s| {
        s.make_ascii_lowercase();
        s
    }))
}

/// `deserialize_with` for tags: `null` is the same as absent (the event does not say), `[]`
/// says the ticket has none.
pub fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    <Option<Vec<String>>>::deserialize(d)
}

/// `deserialize_with` for a list of ids (webhook `users_added`), strings or integers.
pub fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    #[derive(Deserialize)]
    struct One(#[serde(deserialize_with = "required")] u64);
    Ok(<Option<Vec<One>>>::deserialize(d)?
        .unwrap_or_default()
        .into_iter()
        .map(|o| o.0)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct T {
        #[serde(default, deserialize_with = "optional")]
        id: Option<u64>,
    }

    fn id(json: &str) -> Result<Option<u64>, String> {
        serde_json::from_str::<T>(json)
            .map(|t| t.id)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn ids_from_strings_numbers_and_nulls() {
        assert_eq!(id(r#"{"id":"48213"}"#), Ok(Some(48213)));
        assert_eq!(id(r#"{"id":48213}"#), Ok(Some(48213)));
        assert_eq!(id(r#"{"id":null}"#), Ok(None));
        assert_eq!(id(r#"{"id":""}"#), Ok(None));
        assert_eq!(id(r#"{}"#), Ok(None));
        assert!(id(r#"{"id":"12a"}"#).unwrap_err().contains("\"12a\""));
        assert!(id(r#"{"id":-3}"#).is_err());
        assert!(id(r#"{"id":true}"#).is_err());
    }
}
