//! What every sink shares: batches bounded by count and bytes (their items slices of one shared
//! buffer), typed verdicts, backoff with full jitter bounded by the Lambda deadline, per-record
//! acknowledgement, and telemetry (a summary line and EMF metrics per invocation).

mod batch;
pub mod http;
mod item_buffer;
mod ledger;
mod retry;
#[cfg(feature = "sdk-secrets")]
mod sdk_secrets;
mod secret;
#[cfg(feature = "secrets")]
mod secrets;
mod send;
mod settings;
mod telemetry;
mod verdict;

pub use batch::{BatchLimits, Batcher, Item, RecordId, Records, json_array};
pub use bytes::Bytes;
pub use item_buffer::ItemBuffer;
pub use ledger::{Failure, Ledger, Outcome};
pub use retry::{Deadline, RetryPolicy};
#[cfg(feature = "sdk-secrets")]
pub use sdk_secrets::{SdkSecrets, resolve_secrets_with_sdk};
pub use secret::Secret;
#[cfg(feature = "secrets")]
pub use secrets::{SecretReader, SecretsManager, resolve_secret_arns, resolve_secrets};
pub use send::{Delivery, Destination};
pub use settings::{ConfigError, Settings};
pub use telemetry::{EndpointStats, Telemetry, emf_line};
pub use verdict::Verdict;
