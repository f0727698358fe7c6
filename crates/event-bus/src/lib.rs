//! Publishing to EventBridge, for every function that puts events on the bus (webhook-bridge,
//! ticket-metrics): an entry sized the way EventBridge counts it and shrunk rather than
//! refused, and PutEvents with retries that know the Lambda deadline.

pub mod entry;
pub mod publish;

pub use entry::{BusEntry, MAX_ENTRY_BYTES, TRUNCATED_MARKER};
pub use publish::{PublishError, PublishReport, Publisher};
