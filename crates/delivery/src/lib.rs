//! What every sink shares: batches bounded by count and bytes, typed verdicts, backoff with full
//! jitter bounded by the Lambda deadline, per-record acknowledgement, the Lambda answer, and
//! telemetry (a summary line and EMF metrics per invocation).

mod answer;
mod batch;
pub mod http;
mod lambda;
mod ledger;
pub mod logging;
mod retry;
#[cfg(feature = "sdk-secrets")]
mod sdk_secrets;
mod secret;
#[cfg(feature = "secrets")]
mod secrets;
mod send;
mod settings;
mod sink;
mod telemetry;
mod verdict;

pub use answer::{InvocationError, answer};
pub use batch::{BatchLimits, Batcher, Item, RecordId, json_array};
pub use lambda::{Invocation, RuntimeClient, RuntimeError, serve};
pub use ledger::{Failure, Ledger, Outcome};
pub use retry::{Deadline, RetryPolicy};
#[cfg(feature = "sdk-secrets")]
pub use sdk_secrets::{SdkSecrets, resolve_secrets_with_sdk};
pub use secret::Secret;
#[cfg(feature = "secrets")]
pub use secrets::{SecretReader, SecretsManager, resolve_secret_arns, resolve_secrets};
pub use send::{Delivery, Destination};
pub use settings::{ConfigError, Settings};
pub use sink::{ANSWER_RESERVE, METRICS_NAMESPACE, run_invocation};
pub use telemetry::{EndpointStats, Telemetry, emf_line};
pub use verdict::Verdict;
