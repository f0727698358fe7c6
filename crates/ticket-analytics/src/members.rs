//! Where a set of properties is written: straight into a JSON object's bytes ([`JsonObject`],
//! the hot path of `/import`, which serde's generic serializer made the costliest step of
//! mapping) or into a `serde_json` map (FullStory, which reshapes the properties first).

use bytes::BufMut;
use serde_json::{Map, Value};

/// Takes properties one member at a time, in the order they are written.
pub trait Members {
    /// A string member.
    fn str(&mut self, key: &str, value: &str);
    /// An unsigned integer member.
    fn u64(&mut self, key: &str, value: u64);
    /// A boolean member.
    fn bool(&mut self, key: &str, value: bool);
    /// An array of strings.
    fn strings(&mut self, key: &str, values: &[String]);
    /// Any JSON value, as it is.
    fn value(&mut self, key: &str, value: &Value);

    /// A string member, or nothing when there is no value.
    fn opt_str(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.str(key, value);
        }
    }

    /// An unsigned integer member, or nothing.
    fn opt_u64(&mut self, key: &str, value: Option<u64>) {
        if let Some(value) = value {
            self.u64(key, value);
        }
    }

    /// A boolean member, or nothing.
    fn opt_bool(&mut self, key: &str, value: Option<bool>) {
        if let Some(value) = value {
            self.bool(key, value);
        }
    }

    /// An array of strings, or nothing.
    fn opt_strings(&mut self, key: &str, values: Option<&[String]>) {
        if let Some(values) = values {
            self.strings(key, values);
        }
    }

    /// A JSON value, or nothing.
    fn opt_value(&mut self, key: &str, value: Option<&Value>) {
        if let Some(value) = value {
            self.value(key, value);
        }
    }
}

impl Members for Map<String, Value> {
    fn str(&mut self, key: &str, value: &str) {
        self.insert(key.to_owned(), Value::from(value));
    }

    fn u64(&mut self, key: &str, value: u64) {
        self.insert(key.to_owned(), Value::from(value));
    }

    fn bool(&mut self, key: &str, value: bool) {
        self.insert(key.to_owned(), Value::from(value));
    }

    fn strings(&mut self, key: &str, values: &[String]) {
        self.insert(key.to_owned(), Value::from(values));
    }

    fn value(&mut self, key: &str, value: &Value) {
        self.insert(key.to_owned(), value.clone());
    }
}

/// A compact JSON object written member by member into a buffer, byte for byte as serde_json
/// writes it. Keys are escaped like values: setting names (`MIXPANEL_GROUP_KEY`,
/// `EXTRA_PROPERTIES`) become keys. Written into any buffer: a `Vec`, or the `BytesMut` that
/// a batch's items share.
pub struct JsonObject<'a, B: BufMut = Vec<u8>> {
    out: &'a mut B,
    empty: bool,
}

impl<'a, B: BufMut> JsonObject<'a, B> {
    /// Opens an object at the end of `out`.
    pub fn begin(out: &'a mut B) -> Self {
        out.put_u8(b'{');
        Self { out, empty: true }
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.put_u8(b'}');
    }

    /// Opens an object member; the outer object goes on once it is closed.
    pub fn object(&mut self, key: &str) -> JsonObject<'_, B> {
        self.key(key);
        JsonObject::begin(self.out)
    }

    /// A signed integer member.
    pub fn i64(&mut self, key: &str, value: i64) {
        self.key(key);
        self.out
            .put_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    fn key(&mut self, key: &str) {
        if !std::mem::take(&mut self.empty) {
            self.out.put_u8(b',');
        }
        write_str(self.out, key);
        self.out.put_u8(b':');
    }
}

impl<B: BufMut> Members for JsonObject<'_, B> {
    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        write_str(self.out, value);
    }

    fn u64(&mut self, key: &str, value: u64) {
        self.key(key);
        self.out
            .put_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out.put_slice(if value { b"true" } else { b"false" });
    }

    fn strings(&mut self, key: &str, values: &[String]) {
        self.key(key);
        self.out.put_u8(b'[');
        for (n, value) in values.iter().enumerate() {
            if n > 0 {
                self.out.put_u8(b',');
            }
            write_str(self.out, value);
        }
        self.out.put_u8(b']');
    }

    fn value(&mut self, key: &str, value: &Value) {
        self.key(key);
        serde_json::to_writer((&mut *self.out).writer(), value)
            .expect("writing to a buffer cannot fail");
    }
}

/// `text` as a JSON string, escaped exactly as serde_json escapes it: `"`, `\` and control
/// characters only, with `\b \f \n \r \t` short and the rest as lowercase `\u00XX`.
pub fn write_str(out: &mut impl BufMut, text: &str) {
    let bytes = text.as_bytes();
    out.put_u8(b'"');
    // Most strings (every key, nearly every value) need no escape: one check, one copy.
    if json_scan::next_special(bytes, 0) == bytes.len() {
        out.put_slice(bytes);
        out.put_u8(b'"');
        return;
    }
    let mut start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ],
            _ => continue,
        };
        out.put_slice(&bytes[start..at]);
        out.put_slice(escape);
        start = at + 1;
    }
    out.put_slice(&bytes[start..]);
    out.put_u8(b'"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_byte_for_byte_as_serde_json_escapes_them() {
        let mut texts: Vec<String> = (0u8..0x80)
            .map(|b| format!("ab{}cdefghij{}", b as char, b as char))
            .collect();
        texts.extend(
            [
                "",
                "plain",
                "exactly8",
                "sixteen bytes ok",
                "\"quoted\" and \\slashed\\",
                "é, ü, 漢字 and 🎫 stay as they are",
                "\u{7f} delete is not escaped",
                "line\nbreaks\r\nand\ttabs\u{1}\u{1f}",
            ]
            .map(String::from),
        );
        for text in texts {
            let mut ours = Vec::new();
            write_str(&mut ours, &text);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&text).unwrap(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn an_object_is_written_as_serde_json_writes_the_same_members() {
        let tags = vec!["vip".to_owned(), "billing \"x\"".to_owned()];
        let nested = serde_json::json!({"a": [1, 2.5, null], "b": "c"});
        let mut ours = Vec::new();
        let mut object = JsonObject::begin(&mut ours);
        object.str("event", "Ticket Created");
        let mut inner = object.object("properties");
        inner.i64("time", -12);
        inner.u64("ticket_id", u64::MAX);
        inner.bool("public", false);
        inner.strings("tags", &tags);
        inner.strings("none", &[]);
        inner.value("previous", &nested);
        inner.str("grp\"key", "1");
        inner.end();
        object.end();
        let expected = serde_json::json!({"event": "Ticket Created", "properties": {
            "time": -12, "ticket_id": u64::MAX, "public": false, "tags": tags, "none": [],
            "previous": nested, "grp\"key": "1"}});
        assert_eq!(
            serde_json::from_slice::<Value>(&ours).unwrap(),
            expected,
            "{}",
            String::from_utf8_lossy(&ours)
        );
        let mut map = Map::new();
        map.str("s", "x");
        map.u64("n", 3);
        map.bool("b", true);
        map.strings("t", &tags);
        map.value("v", &nested);
        assert_eq!(
            Value::Object(map),
            serde_json::json!({"s": "x", "n": 3, "b": true, "t": tags, "v": nested})
        );
    }
}
