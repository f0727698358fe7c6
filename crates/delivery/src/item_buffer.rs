//! The buffer a sink writes its items into, each item then a slice of it: thousands of items
//! per invocation cost a few 64 KiB allocations instead of one each (about 1 KB apiece, above
//! the allocator's per-thread cache, so every one went through its slow path when freed).

use bytes::{BufMut, Bytes, BytesMut};

/// Allocated at a time; a chunk is freed (or reused) once every item in it is dropped.
const CHUNK: usize = 64 * 1024;

/// Room made before each item, so one rarely starts in a chunk it does not fit in.
const ITEM_ROOM: usize = 2 * 1024;

/// Where items are written.
#[derive(Debug)]
pub struct ItemBuffer {
    buf: BytesMut,
}

impl Default for ItemBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl ItemBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self {
            buf: BytesMut::with_capacity(CHUNK),
        }
    }

    /// Writes one item with `write` and returns its bytes.
    pub fn write(&mut self, write: impl FnOnce(&mut BytesMut)) -> Bytes {
        self.buf.reserve(ITEM_ROOM);
        write(&mut self.buf);
        self.buf.split().freeze()
    }

    /// Copies `bytes` in as one item.
    pub fn copy(&mut self, bytes: &[u8]) -> Bytes {
        self.write(|buf| buf.put_slice(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_consecutive_slices_of_one_allocation_reused_once_they_are_dropped() {
        let mut buffer = ItemBuffer::new();
        let items: Vec<Bytes> = (0..20)
            .map(|n| buffer.write(|buf| buf.put_slice(format!("{{\"n\":{n}}}").as_bytes())))
            .collect();
        for (n, item) in items.iter().enumerate() {
            assert_eq!(&item[..], format!("{{\"n\":{n}}}").as_bytes());
        }
        for pair in items.windows(2) {
            // The pointers are only compared, never dereferenced.
            assert_eq!(
                pair[0].as_ptr().wrapping_add(pair[0].len()),
                pair[1].as_ptr(),
                "no allocation of its own per item"
            );
        }
        let first = items[0].as_ptr();
        drop(items);
        // Items written and dropped one after another: once the chunk's tail is used up, the
        // next item starts at its beginning again instead of in a new chunk.
        let reused = (0..2 * CHUNK / 1024).any(|_| buffer.copy(&[b'x'; 1024]).as_ptr() == first);
        assert!(reused, "the chunk is reused once its items are gone");
    }

    #[test]
    fn items_larger_than_a_chunk_are_whole() {
        let mut buffer = ItemBuffer::new();
        let small = buffer.copy(b"1");
        let large = buffer.copy(&vec![b'x'; 3 * CHUNK]);
        let after = buffer.copy(b"2");
        assert_eq!(
            (&small[..], large.len(), &after[..]),
            (&b"1"[..], 3 * CHUNK, &b"2"[..])
        );
        assert!(large.iter().all(|&b| b == b'x'));
    }
}
