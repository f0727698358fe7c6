//! Batches bounded by item count and by uncompressed bytes.

use bytes::Bytes;

/// Index of an input record within one invocation.
pub type RecordId = u32;

/// The input records one item came from: nearly always one, kept inline so that an item costs
/// no allocation of its own for them (a 6 MB batch makes about 10,000 items).
pub type Records = smallvec::SmallVec<[RecordId; 2]>;

/// One encoded destination record (an event, a profile update) and the input records it came
/// from; it is acknowledged on their behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The serialized record, exactly as it goes on the wire (inside the batch's framing).
    /// Often a slice of a buffer many items were written into (see `ItemBuffer`), so an item
    /// costs no allocation of its own.
    pub bytes: Bytes,
    /// Input records that produced it (several when updates were coalesced).
    pub records: Records,
    /// Dedup key for destinations that take it beside the body (FullStory's `Idempotency-Key`).
    pub key: Option<String>,
}

impl Item {
    /// An item produced by one input record.
    pub fn new(bytes: impl Into<Bytes>, record: RecordId) -> Self {
        Self {
            bytes: bytes.into(),
            records: smallvec::smallvec![record],
            key: None,
        }
    }

    /// An item produced by one input record, with its dedup key.
    pub fn keyed(bytes: impl Into<Bytes>, record: RecordId, key: String) -> Self {
        Self {
            key: Some(key),
            ..Self::new(bytes, record)
        }
    }
}

/// How big one request may get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// Most items per request.
    pub max_items: usize,
    /// Most uncompressed body bytes per request, framing (`[`, `,`, `]`) included.
    pub max_bytes: usize,
}

/// Collects items and hands out full batches.
#[derive(Debug)]
pub struct Batcher {
    limits: BatchLimits,
    items: Vec<Item>,
    bytes: usize,
}

impl Batcher {
    /// An empty batcher.
    pub fn new(limits: BatchLimits) -> Self {
        Self {
            limits,
            items: Vec::new(),
            bytes: 2,
        }
    }

    /// Adds an item; returns the batch it closed when adding it would have overflowed a limit.
    /// An item larger than `max_bytes` on its own travels alone (the destination judges it).
    pub fn push(&mut self, item: Item) -> Option<Vec<Item>> {
        let added = item.bytes.len() + usize::from(!self.items.is_empty());
        let closed = if !self.items.is_empty()
            && (self.items.len() >= self.limits.max_items
                || self.bytes + added > self.limits.max_bytes)
        {
            Some(self.take())
        } else {
            None
        };
        self.bytes += item.bytes.len() + usize::from(!self.items.is_empty());
        self.items.push(item);
        closed
    }

    /// Takes what is collected (possibly empty).
    pub fn take(&mut self) -> Vec<Item> {
        self.bytes = 2;
        std::mem::take(&mut self.items)
    }

    /// Number of items waiting.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The JSON array body of a batch: `[item,item,…]`.
pub fn json_array(items: &[Item]) -> Vec<u8> {
    let len = items.iter().map(|i| i.bytes.len() + 1).sum::<usize>() + 1;
    let mut body = Vec::with_capacity(len);
    body.push(b'[');
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&item.bytes);
    }
    body.push(b']');
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(len: usize) -> Item {
        Item::new(vec![b'1'; len], 0)
    }

    #[test]
    fn closes_on_count() {
        let mut b = Batcher::new(BatchLimits {
            max_items: 2,
            max_bytes: 1000,
        });
        assert!(b.push(item(1)).is_none());
        assert!(b.push(item(1)).is_none());
        assert_eq!(b.push(item(1)).map(|v| v.len()), Some(2));
        assert_eq!(b.take().len(), 1);
    }

    #[test]
    fn closes_on_bytes_counting_framing() {
        // [aaaa,bbbb] is 11 bytes: fits in 11, not in 10.
        let mut b = Batcher::new(BatchLimits {
            max_items: 10,
            max_bytes: 11,
        });
        assert!(b.push(item(4)).is_none());
        assert!(b.push(item(4)).is_none());
        let batch = b.push(item(4)).unwrap();
        assert_eq!(json_array(&batch).len(), 11);
        let mut b = Batcher::new(BatchLimits {
            max_items: 10,
            max_bytes: 10,
        });
        b.push(item(4));
        assert_eq!(b.push(item(4)).map(|v| v.len()), Some(1));
    }

    #[test]
    fn an_oversized_item_travels_alone() {
        let mut b = Batcher::new(BatchLimits {
            max_items: 10,
            max_bytes: 5,
        });
        assert!(b.push(item(50)).is_none());
        assert_eq!(b.push(item(1)).map(|v| v.len()), Some(1));
    }

    #[test]
    fn json_array_frames_items() {
        let items = vec![
            Item::new(b"{\"a\":1}".to_vec(), 0),
            Item::new(b"2".to_vec(), 1),
        ];
        assert_eq!(json_array(&items), b"[{\"a\":1},2]");
        assert_eq!(json_array(&[]), b"[]");
    }
}
