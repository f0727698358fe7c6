//! A JSON reader for what the functions read most: invocation payloads, which are mostly escaped
//! strings (an SQS `body` or an SNS `Message` is a whole event written as a JSON string, about one
//! escape every eight bytes), and the Zendesk events inside them.
//!
//! serde_json (and sonic-rs) stop at every escape, copy the run before it into a scratch buffer
//! and then copy the result again: about 200 instructions an escape, a third of the hot path.
//! This reader finds the next quote, backslash or control byte eight bytes at a time and copies
//! each run between escapes with one 8-byte store into a scratch buffer, then the string once
//! at its final size.
//!
//! It reads objects, lists, strings, integers, booleans and nulls, skips any value, and takes
//! only well-formed JSON. Anything it does not take ([`Refused`]), such as a syntax error, a lone
//! surrogate, an escaped member name or a number that is not a plain integer, is read again by
//! serde_json, which names what is wrong and where; so this reader never has to explain an
//! error, only to refuse.

use std::borrow::Cow;

/// The reader did not take the payload; the general (serde_json) reader reads it instead.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused;

/// What this reader gives: a value, or a refusal.
pub type Scan<T> = Result<T, Refused>;

/// The kind of the value that starts at the reader's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `{…}`.
    Object,
    /// `[…]`.
    List,
    /// `"…"`.
    Str,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

impl Kind {
    /// How an error message names a value of this kind.
    pub fn described(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::List => "a list",
            Kind::Str => "a string",
            Kind::Number => "a number",
            Kind::Bool => "a boolean",
            Kind::Null => "null",
        }
    }
}

/// serde_json's nesting limit, kept so a payload this reader takes is one serde_json takes.
const MAX_DEPTH: usize = 128;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that is below `n` (for `n` ≤ 0x80). Only the lowest
/// marked byte is exact (a borrow can mark bytes above it), which is all the scan uses.
#[inline(always)]
fn bytes_below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS
}

/// The high bit of each byte of `word` that ends or interrupts a string run: `"`, `\` or a
/// control character.
#[inline(always)]
fn specials(word: u64) -> u64 {
    bytes_below(word ^ (ONES * u64::from(b'"')), 1)
        | bytes_below(word ^ (ONES * u64::from(b'\\')), 1)
        | bytes_below(word, 0x20)
}

/// Index of the first `"`, `\` or control byte at or after `from`, or `bytes.len()`: where a
/// string run ends, for reading JSON and for writing it (the bytes an encoder must escape).
#[inline]
pub fn next_special(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let marks = specials(word);
        if marks != 0 {
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && !is_special(bytes[i]) {
        i += 1;
    }
    i
}

/// A position in a payload.
pub struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    /// Where strings are unescaped before being copied out at their final size; kept between
    /// strings, so a payload grows it a few times at most, to the larger of 64 KiB and twice
    /// its longest string.
    scratch: Vec<u8>,
}

impl<'a> Scanner<'a> {
    /// A reader at the start of `text` (UTF-8 already checked once for the whole payload, so
    /// spans between ASCII delimiters need no check of their own).
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
            scratch: Vec::new(),
        }
    }

    /// The text from `start` to the position (both on ASCII delimiters of valid UTF-8).
    fn span(&self, start: usize) -> Scan<&'a str> {
        // Never fails: both ends sit on ASCII bytes of a `str`.
        self.text.get(start..self.pos).ok_or(Refused)
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// Takes the rest of the payload only when it is whitespace.
    pub fn end(&mut self) -> Scan<()> {
        self.skip_whitespace();
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(Refused)
        }
    }

    /// The kind of the next value.
    pub fn kind(&mut self) -> Scan<Kind> {
        self.skip_whitespace();
        Ok(match self.bytes.get(self.pos).ok_or(Refused)? {
            b'{' => Kind::Object,
            b'[' => Kind::List,
            b'"' => Kind::Str,
            b'-' | b'0'..=b'9' => Kind::Number,
            b't' | b'f' => Kind::Bool,
            b'n' => Kind::Null,
            _ => return Err(Refused),
        })
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        if self.bytes.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> Scan<()> {
        if self.eat(byte) { Ok(()) } else { Err(Refused) }
    }

    fn enter(&mut self) -> Scan<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Refused);
        }
        Ok(())
    }

    /// Reads an object, calling `member` with each name, positioned at its value, which
    /// `member` must read or skip.
    pub fn object(&mut self, mut member: impl FnMut(&mut Self, &'a [u8]) -> Scan<()>) -> Scan<()> {
        self.expect(b'{')?;
        self.enter()?;
        if !self.eat(b'}') {
            loop {
                self.skip_whitespace();
                let name = self.plain_name()?;
                self.expect(b':')?;
                member(self, name)?;
                if self.eat(b'}') {
                    break;
                }
                self.expect(b',')?;
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Reads a list, calling `element` positioned at each element, which it must read or skip.
    pub fn list(&mut self, mut element: impl FnMut(&mut Self) -> Scan<()>) -> Scan<()> {
        self.expect(b'[')?;
        self.enter()?;
        if !self.eat(b']') {
            loop {
                element(self)?;
                if self.eat(b']') {
                    break;
                }
                self.expect(b',')?;
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// A member name without escapes, borrowed as bytes (an escaped name is refused: the
    /// envelope's names never hold one).
    fn plain_name(&mut self) -> Scan<&'a [u8]> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            return Err(Refused);
        }
        let start = self.pos + 1;
        let end = next_special(self.bytes, start);
        if self.bytes.get(end) != Some(&b'"') {
            return Err(Refused);
        }
        self.pos = end + 1;
        Ok(&self.bytes[start..end])
    }

    /// Reads a string, unescaped.
    ///
    /// One pass: each eight bytes are copied whole and the position moves to the first special
    /// byte among them, so a run between two escapes costs one store, not a copy call.
    pub fn string(&mut self) -> Scan<String> {
        self.str().map(Cow::into_owned)
    }

    /// Reads a string, unescaped, borrowed from the payload when it holds no escape (an id,
    /// a time or a type name only looked at need no allocation); see [`Scanner::string`].
    pub fn str(&mut self) -> Scan<Cow<'a, str>> {
        self.skip_whitespace();
        if self.bytes.get(self.pos) != Some(&b'"') {
            return Err(Refused);
        }
        let bytes = self.bytes;
        // Most strings of an event (not of an envelope) hold no escape: taken from the
        // payload as they are, with no scratch buffer and no second UTF-8 check.
        let start = self.pos + 1;
        let end = next_special(bytes, start);
        if bytes.get(end) == Some(&b'"') {
            self.pos = end + 1;
            return self.text.get(start..end).map(Cow::Borrowed).ok_or(Refused);
        }
        let mut read = start;
        // Unescaped into the scratch buffer in one pass, then copied into a string of exactly
        // its size: a first pass to find the end cost more (every escape stopped it too), and
        // growing the string itself left it up to twice its size and split allocator chunks.
        let out = &mut self.scratch;
        // Written by index into a zero-filled buffer kept at least one word and one escape
        // ahead of the write position, so the loop does no capacity check of its own.
        let mut written = 0;
        loop {
            if out.len() < written + ROOM {
                grow(out, bytes.len() - read);
            }
            if let Some(chunk) = bytes.get(read..read + 8) {
                let chunk: [u8; 8] = chunk.try_into().expect("eight bytes");
                out[written..written + 8].copy_from_slice(&chunk);
                let marks = specials(u64::from_le_bytes(chunk));
                if marks == 0 {
                    read += 8;
                    written += 8;
                    continue;
                }
                let run = (marks.trailing_zeros() / 8) as usize;
                read += run;
                written += run;
            } else {
                match bytes.get(read) {
                    Some(&byte) if !is_special(byte) => {
                        out[written] = byte;
                        written += 1;
                        read += 1;
                        continue;
                    }
                    Some(_) => {}
                    None => return Err(Refused),
                }
            }
            match bytes[read] {
                b'"' => break,
                b'\\' => {
                    let (next, length) = unescape(bytes, read + 1, &mut out[written..])?;
                    read = next;
                    written += length;
                }
                _ => return Err(Refused),
            }
        }
        self.pos = read + 1;
        // Runs are copied between ASCII delimiters of a `str`, and escapes written as UTF-8.
        std::str::from_utf8(&out[..written])
            .map(|text| Cow::Owned(text.to_owned()))
            .map_err(|_| Refused)
    }

    /// Skips a string, checking its escapes.
    fn skip_string(&mut self) -> Scan<()> {
        let bytes = self.bytes;
        let mut read = self.pos + 1;
        let mut scratch = [0; 4];
        loop {
            read = next_special(bytes, read);
            match bytes.get(read) {
                Some(b'"') => break,
                Some(b'\\') => read = unescape(bytes, read + 1, &mut scratch)?.0,
                _ => return Err(Refused),
            }
        }
        self.pos = read + 1;
        Ok(())
    }

    /// Skips the next value, checking that it is well-formed.
    pub fn skip(&mut self) -> Scan<()> {
        match self.kind()? {
            Kind::Object => self.object(|scanner, _| scanner.skip()),
            Kind::List => self.list(Self::skip),
            Kind::Str => self.skip_string(),
            Kind::Number => self.skip_number(),
            Kind::Bool | Kind::Null => self.skip_literal(),
        }
    }

    /// Consumes a `null` when one is next (true); otherwise leaves the position (false).
    pub fn null(&mut self) -> Scan<bool> {
        self.skip_whitespace();
        if self.bytes[self.pos..].starts_with(b"null") {
            self.pos += 4;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// `true` or `false`.
    pub fn bool(&mut self) -> Scan<bool> {
        self.skip_whitespace();
        let rest = &self.bytes[self.pos..];
        let (value, length) = if rest.starts_with(b"true") {
            (true, 4)
        } else if rest.starts_with(b"false") {
            (false, 5)
        } else {
            return Err(Refused);
        };
        self.pos += length;
        Ok(value)
    }

    /// A non-negative integer that fits a `u64`; a sign, a fraction, an exponent or an
    /// overflow is refused (serde_json reads those as other kinds of number).
    pub fn u64(&mut self) -> Scan<u64> {
        self.skip_whitespace();
        let start = self.pos;
        let mut value: u64 = 0;
        while let Some(&digit) = self.bytes.get(self.pos).filter(|b| b.is_ascii_digit()) {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(digit - b'0')))
                .ok_or(Refused)?;
            self.pos += 1;
        }
        let length = self.pos - start;
        let leading_zero = length > 1 && self.bytes[start] == b'0';
        if length == 0
            || leading_zero
            || matches!(self.bytes.get(self.pos), Some(b'.' | b'e' | b'E'))
        {
            return Err(Refused);
        }
        Ok(value)
    }

    /// Skips the next value and returns its text.
    pub fn raw(&mut self) -> Scan<&'a str> {
        self.skip_whitespace();
        let start = self.pos;
        self.skip()?;
        self.span(start)
    }

    fn skip_literal(&mut self) -> Scan<()> {
        let rest = &self.bytes[self.pos..];
        for word in [&b"true"[..], b"false", b"null"] {
            if rest.starts_with(word) {
                self.pos += word.len();
                return Ok(());
            }
        }
        Err(Refused)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn skip_number(&mut self) -> Scan<()> {
        let digits = |s: &mut Self| {
            let start = s.pos;
            while s.bytes.get(s.pos).is_some_and(u8::is_ascii_digit) {
                s.pos += 1;
            }
            if s.pos > start { Ok(()) } else { Err(Refused) }
        };
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        if self.bytes.get(self.pos) == Some(&b'0') {
            self.pos += 1;
        } else {
            digits(self)?;
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            digits(self)?;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            digits(self)?;
        }
        Ok(())
    }
}

/// What each escape letter stands for; 0 for `u` and for letters that are not escapes.
const ESCAPED: [u8; 256] = {
    let mut table = [0; 256];
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table[b'/' as usize] = b'/';
    table[b'b' as usize] = 0x08;
    table[b'f' as usize] = 0x0c;
    table[b'n' as usize] = b'\n';
    table[b'r' as usize] = b'\r';
    table[b't' as usize] = b'\t';
    table
};

/// A quote, backslash or control byte.
#[inline(always)]
fn is_special(byte: u8) -> bool {
    matches!(byte, b'"' | b'\\' | 0..0x20)
}

/// Room a string read keeps ahead of its write position: one word and one escape.
const ROOM: usize = 8 + 4;

/// Grows the scratch buffer of string reads with `left` bytes of payload still to read. The
/// first size is what is left (no string is longer), up to 64 KiB, so a one-record payload
/// sizes it once and a batch does not hold a second copy of itself.
#[cold]
fn grow(scratch: &mut Vec<u8>, left: usize) {
    let size = match scratch.len() {
        0 => left.min(64 * 1024),
        now => now * 2,
    };
    scratch.resize(size + ROOM, 0);
}

/// Writes the escape whose letter is at `at` (just after the backslash) at the start of `out`
/// (at least 4 bytes); returns where reading goes on and how many bytes were written.
#[inline(always)]
fn unescape(bytes: &[u8], at: usize, out: &mut [u8]) -> Scan<(usize, usize)> {
    let letter = *bytes.get(at).ok_or(Refused)?;
    match ESCAPED[usize::from(letter)] {
        0 if letter == b'u' => unicode_escape(bytes, at + 1, out),
        0 => Err(Refused),
        byte => {
            out[0] = byte;
            Ok((at + 1, 1))
        }
    }
}

/// Four hex digits at `at`.
fn hex4(bytes: &[u8], at: usize) -> Scan<u32> {
    let digits = bytes.get(at..at + 4).ok_or(Refused)?;
    let mut value = 0;
    for &d in digits {
        value = value * 16 + char::from(d).to_digit(16).ok_or(Refused)?;
    }
    Ok(value)
}

/// A `\uXXXX` escape (a surrogate pair when it is one), written at the start of `out` as
/// UTF-8; lone surrogates are refused, as serde_json refuses them.
#[cold]
fn unicode_escape(bytes: &[u8], at: usize, out: &mut [u8]) -> Scan<(usize, usize)> {
    let first = hex4(bytes, at)?;
    let (code, next) = match first {
        0xD800..=0xDBFF => {
            if bytes.get(at + 4..at + 6) != Some(b"\\u") {
                return Err(Refused);
            }
            let second = hex4(bytes, at + 6)?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return Err(Refused);
            }
            (
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00),
                at + 10,
            )
        }
        0xDC00..=0xDFFF => return Err(Refused),
        _ => (first, at + 4),
    };
    let c = char::from_u32(code).ok_or(Refused)?;
    Ok((next, c.encode_utf8(out).len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(json: &str) -> Scan<String> {
        let mut scanner = Scanner::new(json);
        let s = scanner.string()?;
        scanner.end()?;
        Ok(s)
    }

    fn skips(json: &str) -> bool {
        let mut scanner = Scanner::new(json);
        scanner.skip().and_then(|()| scanner.end()).is_ok()
    }

    #[test]
    fn a_string_without_escapes_is_borrowed_and_one_with_escapes_unescaped() {
        let mut scanner = Scanner::new(r#"["plain text", "a \"quoted\" word", ""]"#);
        let mut read = Vec::new();
        scanner
            .list(|s| s.str().map(|text| read.push(text)))
            .unwrap();
        assert!(matches!(&read[0], Cow::Borrowed("plain text")), "{read:?}");
        assert!(
            matches!(&read[1], Cow::Owned(text) if text == "a \"quoted\" word"),
            "{read:?}"
        );
        assert!(matches!(&read[2], Cow::Borrowed("")), "{read:?}");
    }

    #[test]
    fn strings_unescape_as_serde_json_unescapes_them() {
        for text in [
            "",
            "plain",
            "exactly8",
            "a \"quoted\" word, a \\ backslash, a / and \u{8}\u{c}\n\r\t",
            "é, 日本, and 🎫 beyond the basic plane",
            "\u{1}\u{1f}",
            "{\"detail-type\":\"Support Ticket: Ticket Created\",\"detail\":{\"n\":1}}",
        ] {
            let json = serde_json::to_string(text).unwrap();
            assert_eq!(string(&json).as_deref(), Ok(text), "{json}");
        }
        assert_eq!(
            string(r#""\u00e9\ud83c\udfab\u0041""#).as_deref(),
            Ok("é🎫A")
        );
    }

    #[test]
    fn every_escape_at_every_offset_reads_as_serde_json_reads_it() {
        let escapes = [
            r#"\""#,
            r"\\",
            r"\/",
            r"\b",
            r"\f",
            r"\n",
            r"\r",
            r"\t",
            r"\u0041",
            r"\u00e9",
            r"\u65e5",
            r"\ud83c\udfab",
            "é",
            "日",
            "🎫",
        ];
        for escape in escapes {
            for before in 0..18 {
                for after in 0..10 {
                    let json = format!("\"{}{escape}{}\"", "a".repeat(before), "b".repeat(after));
                    let expected: String = serde_json::from_str(&json).unwrap();
                    assert_eq!(string(&json), Ok(expected), "{json}");
                    let mut scanner = Scanner::new(&json);
                    assert!(
                        scanner.skip().and_then(|()| scanner.end()).is_ok(),
                        "{json}"
                    );
                }
            }
        }
    }

    #[test]
    fn strings_of_every_size_in_one_payload_read_as_serde_json_reads_them() {
        // One scanner reads them all, so its scratch buffer starts small (the first string is
        // short and the payload's rest bounds it) and grows past 64 KiB, with escapes and
        // multi-byte characters at the edges of each growth.
        let mut texts = Vec::new();
        for length in [0, 1, 7, 8, 9, 255, 256, 257, 4095, 65_536, 65_537, 200_003] {
            let mut text: String = "ab\"c".chars().cycle().take(length).collect();
            text.push_str("é\n🎫");
            texts.push(text);
        }
        texts.push(String::new());
        let json = serde_json::to_string(&texts).unwrap();
        let mut scanner = Scanner::new(&json);
        let mut read = Vec::new();
        scanner
            .list(|scanner| scanner.string().map(|s| read.push(s)))
            .unwrap();
        scanner.end().unwrap();
        assert_eq!(read.len(), texts.len());
        for (read, text) in read.iter().zip(&texts) {
            assert!(read == text, "a string of {} bytes read wrong", text.len());
        }
    }

    #[test]
    fn malformed_strings_are_refused_for_serde_json_to_name() {
        for json in [
            "\"unterminated",
            "\"bad \\x escape\"",
            "\"raw \n newline\"",
            "\"lone \\ud83c surrogate\"",
            "\"lone \\udfab low surrogate\"",
            "\"short \\u12\"",
            "\"ends with \\",
        ] {
            assert_eq!(string(json), Err(Refused), "{json}");
            assert!(serde_json::from_str::<String>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn values_are_skipped_only_when_serde_json_takes_them() {
        for json in [
            r#"{"a":[1,-2.5e+3,0,true,false,null,{"b":"c\"d"}],"e":{}}"#,
            "[]",
            " [ 1 , 2 ] ",
            "-0.0",
            "1E9",
        ] {
            assert!(skips(json), "{json}");
            assert!(serde_json::from_str::<serde_json::Value>(json).is_ok());
        }
        for json in [
            "01",
            "1.",
            "-",
            "+1",
            ".5",
            "1e",
            "tru",
            "nul",
            "[1,]",
            "{\"a\"}",
            "{\"a\":1,}",
            "[1 2]",
            "{\"a\":1",
            "[",
            "{1:2}",
            "1 2",
        ] {
            assert!(!skips(json), "{json}");
            assert!(
                serde_json::from_str::<serde_json::Value>(json).is_err(),
                "{json}"
            );
        }
    }

    #[test]
    fn nesting_deeper_than_serde_json_allows_is_refused() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(!skips(&deep));
        assert!(serde_json::from_str::<serde_json::Value>(&deep).is_err());
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(skips(&fine));
    }

    #[test]
    fn the_scan_finds_the_first_special_byte_in_any_position() {
        for len in 0..20 {
            for (at, special) in (0..len).flat_map(|at| [(at, b'"'), (at, b'\\'), (at, 0x1f)]) {
                let mut bytes = vec![b'x'; len];
                bytes[at] = special;
                if at + 1 < len {
                    bytes[at + 1] = b'"';
                }
                assert_eq!(next_special(&bytes, 0), at, "{bytes:?}");
            }
            assert_eq!(
                next_special(&vec![0xc3; len], 0),
                len,
                "non-ASCII is not special"
            );
        }
    }
}
