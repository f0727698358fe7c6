//! The bodies Mixpanel receives: `/import` events as a gzipped JSON array, `/engage` updates as
//! a plain one. Built from the items' bytes as they are, so every retry sends the same bytes.

use std::io::{BufWriter, Write};

use delivery::{Item, json_array};
use flate2::Compression;
use flate2::write::GzEncoder;

/// Gzips a body. Level 1: Mixpanel bodies are repetitive JSON, so the fastest level already
/// shrinks them ~8×, at a fraction of the CPU of the default level.
pub fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 6), Compression::fast());
    encoder
        .write_all(body)
        .expect("writing to a Vec cannot fail");
    encoder.finish().expect("writing to a Vec cannot fail")
}

/// Bytes handed to the gzip encoder at a time: each call into it has a fixed cost, so the
/// framing (a comma per item) must not reach it one byte at a time.
const GZIP_CHUNK: usize = 64 * 1024;

/// An `/import` body: the items framed as a JSON array and compressed as they are framed, in
/// chunks, so the uncompressed batch (up to 10 MB) is never held in memory whole.
pub fn import_body(items: &[Item]) -> Vec<u8> {
    let size: usize = items.iter().map(|i| i.bytes.len() + 1).sum();
    let encoder = GzEncoder::new(Vec::with_capacity(size / 6), Compression::fast());
    let mut out = BufWriter::with_capacity(GZIP_CHUNK, encoder);
    let mut write = |bytes: &[u8]| out.write_all(bytes).expect("writing to a Vec cannot fail");
    write(b"[");
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            write(b",");
        }
        write(&item.bytes);
    }
    write(b"]");
    out.into_inner()
        .map_err(|e| e.into_error())
        .and_then(GzEncoder::finish)
        .expect("writing to a Vec cannot fail")
}

/// An `/engage` or `/groups` body: the updates as a JSON array.
pub fn engage_body(items: &[Item]) -> Vec<u8> {
    json_array(items)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn an_import_body_is_the_gzipped_json_array_of_its_items() {
        let items = vec![
            Item::new(br#"{"a":1}"#.to_vec(), 0),
            Item::new(br#"{"b":2}"#.to_vec(), 1),
        ];
        let mut text = String::new();
        flate2::read::GzDecoder::new(&import_body(&items)[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, r#"[{"a":1},{"b":2}]"#);
        assert_eq!(text.as_bytes(), json_array(&items));
        assert_eq!(engage_body(&items), json_array(&items));
    }
}
