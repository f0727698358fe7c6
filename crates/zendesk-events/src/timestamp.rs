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
        if let Some(utc) = parse_utc(text) {
            return Ok(utc);
        }
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
        let (year, month, day) = self.0.to_calendar_date();
        if let Ok(year) = u16::try_from(year)
            && year <= 9999
        {
            // Written digit by digit: this runs for every profile update, and the general
            // formatter cost ten times as much.
            let (hour, minute, second) = self.0.to_hms();
            let mut text = String::with_capacity(19);
            push_digits(&mut text, year, 4);
            text.push('-');
            push_digits(&mut text, u16::from(u8::from(month)), 2);
            text.push('-');
            push_digits(&mut text, u16::from(day), 2);
            text.push('T');
            push_digits(&mut text, u16::from(hour), 2);
            text.push(':');
            push_digits(&mut text, u16::from(minute), 2);
            text.push(':');
            push_digits(&mut text, u16::from(second), 2);
            return text;
        }
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

/// The value of a run of ASCII digits (at most nine), or `None` when one is not a digit.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// Appends `n` as `width` decimal digits, zero-padded.
fn push_digits(text: &mut String, n: u16, width: u32) {
    for place in (0..width).rev() {
        text.push(char::from(b'0' + (n / 10u16.pow(place) % 10) as u8));
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the form Zendesk sends, read without the general RFC 3339
/// parser (which cost about 450 instructions a time, three times an event). Anything else,
/// leap seconds and offsets included, is `None` and read by the general parser.
fn parse_utc(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    let (head, fraction) = match bytes {
        [head @ .., b'Z'] if head.len() >= 19 => head.split_at(19),
        _ => return None,
    };
    let number = |at: usize, len: usize| digits(&head[at..at + len]);
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, byte)| head[at] != byte) {
        return None;
    }
    let nanos = match fraction {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            digits(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let second = number(17, 2)?;
    if second > 59 {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(number(5, 2)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(number(0, 4)?).ok()?,
        month,
        u8::try_from(number(8, 2)?).ok()?,
    )
    .ok()?;
    let time = time::Time::from_hms_nano(
        u8::try_from(number(11, 2)?).ok()?,
        u8::try_from(number(14, 2)?).ok()?,
        u8::try_from(second).ok()?,
        nanos,
    )
    .ok()?;
    Some(Timestamp(
        time::PrimitiveDateTime::new(date, time).assume_utc(),
    ))
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl serde::de::Visitor<'_> for TextVisitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 time")
            }
            // Read from the borrowed text: no copy of each time.
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
                Timestamp::parse(text).map_err(E::custom)
            }
        }
        d.deserialize_str(TextVisitor)
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
    fn zendesk_times_read_as_the_rfc_3339_parser_reads_them() {
        let mut texts = vec![
            "2026-03-10T15:01:11Z".to_owned(),
            "2024-02-29T23:59:59.999999999Z".to_owned(),
            "1970-01-01T00:00:00.0Z".to_owned(),
            "0001-01-01T00:00:00Z".to_owned(),
            "9999-12-31T23:59:59.5Z".to_owned(),
        ];
        for digits in 1..=9 {
            texts.push(format!("2025-03-10T14:22:05.{}Z", &"123456789"[..digits]));
        }
        // Each is one the fast read must refuse or read as `time` does.
        for odd in [
            "2023-02-29T10:00:00Z",
            "2026-13-10T15:01:11Z",
            "2026-00-10T15:01:11Z",
            "2026-03-32T15:01:11Z",
            "2026-03-10T24:00:00Z",
            "2026-03-10T15:60:11Z",
            "2016-12-31T23:59:60Z",
            "2026-03-10t15:01:11z",
            "2026-03-10T15:01:11.Z",
            "2026-03-10T15:01:11.1234567890Z",
            "2026-03-10T15:01:11+00:00",
            "2026-03-10T15:01:11.5+01:00",
            "2026-03-10 15:01:11Z",
            "2026-3-10T15:01:11Z",
            "+2026-03-10T15:01:11Z",
            "2026-03-10T15:01:1xZ",
            "2026-03-10T15:01:11.12a4Z",
            "2026-03-10T15:01:11ZZ",
            "Z",
            "",
        ] {
            texts.push(odd.to_owned());
        }
        for text in &texts {
            let general = OffsetDateTime::parse(text, &Rfc3339)
                .map(|t| Timestamp(t.to_offset(UtcOffset::UTC)))
                .ok();
            if let Some(fast) = parse_utc(text) {
                assert_eq!(Some(fast), general, "{text}");
            }
            assert_eq!(Timestamp::parse(text).ok(), general, "{text}");
        }
        assert!(parse_utc("2026-03-10T15:01:11.204331907Z").is_some());
        assert!(parse_utc("2026-03-10T15:01:11Z").is_some());
    }

    #[test]
    fn seconds_are_written_as_the_general_formatter_writes_them() {
        for text in [
            "2026-03-10T15:01:11.204Z",
            "0001-01-01T00:00:00Z",
            "0999-09-09T09:09:09Z",
            "9999-12-31T23:59:59Z",
        ] {
            let t = Timestamp::parse(text).unwrap();
            let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
            assert_eq!(t.to_seconds_utc(), t.0.format(&format).unwrap(), "{text}");
        }
    }

    #[test]
    fn rejects_garbage_with_the_value() {
        let err = Timestamp::parse("yesterday").unwrap_err();
        assert!(err.contains("\"yesterday\""), "{err}");
    }
}
