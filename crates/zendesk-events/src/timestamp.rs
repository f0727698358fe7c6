//! Event times: RFC 3339 in, RFC 3339 with nanoseconds out, nothing lost in between.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// A UTC instant with nanosecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Parses RFC 3339 with 0–9 fractional digits and any offset.
    pub fn parse(text: &str) -> Result<Self, String> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(|t| Self(t.to_offset(UtcOffset::UTC)))
            .map_err(|e| format!("expected an RFC 3339 time, got {text:?} ({e})"))
    }

    /// Builds a timestamp from Unix nanoseconds.
    pub fn from_unix_nanos(nanos: i128) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .map(Self)
    }

    /// Milliseconds since the Unix epoch (Mixpanel's `time`).
    pub fn unix_millis(&self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(&self) -> i128 {
        self.0.unix_timestamp_nanos()
    }

    /// RFC 3339 in UTC with all nine fractional digits.
    pub fn to_rfc3339_nanos(&self) -> String {
        let format = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
        );
        self.0.format(&format).expect("a UTC date always formats")
    }

    /// RFC 3339 in UTC with milliseconds (`2026-03-10T15:01:11.204Z`).
    pub fn to_rfc3339_millis(&self) -> String {
        let format = format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        self.0.format(&format).expect("a UTC date always formats")
    }

    /// `YYYY-MM-DDTHH:MM:SS` in UTC, the date form Mixpanel recognises in properties.
    pub fn to_seconds_utc(&self) -> String {
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        self.0.format(&format).expect("a UTC date always formats")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339_nanos())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339_nanos())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_nanoseconds() {
        let t = Timestamp::parse("2026-03-10T15:01:11.204331907Z").unwrap();
        assert_eq!(t.to_rfc3339_nanos(), "2026-03-10T15:01:11.204331907Z");
        assert_eq!(t.unix_millis(), 1_773_154_871_204);
    }

    #[test]
    fn accepts_whole_seconds_and_offsets() {
        let t = Timestamp::parse("2025-03-10T16:22:05+02:00").unwrap();
        assert_eq!(t.to_rfc3339_nanos(), "2025-03-10T14:22:05.000000000Z");
        assert_eq!(t.to_seconds_utc(), "2025-03-10T14:22:05");
        assert!(Timestamp::parse("2025-03-10T14:22:05.1Z").is_ok());
    }

    #[test]
    fn rejects_garbage_with_the_value() {
        let err = Timestamp::parse("yesterday").unwrap_err();
        assert!(err.contains("\"yesterday\""), "{err}");
    }
}
