//! Lambda's side of every function: start-up on `lambda_runtime` (logs, init errors, several
//! invocations at once, SIGTERM), the envelopes a ticket event arrives in (SNS, SQS, direct
//! EventBridge) read from each record's own `eventSource`, and the answer Lambda needs so
//! nothing undelivered is acknowledged.

mod answer;
pub mod envelope;
mod invocation;
mod payload;
mod start;

pub use answer::{InvocationError, RECORDS_NOT_DELIVERED, answer};
pub use envelope::{Envelope, EnvelopeKind, InputRecord, StreamChange};
pub use invocation::{
    ANSWER_RESERVE, METRICS_NAMESPACE, RawEvent, SinkEvent, SinkHandler, budget, print_line,
    run_invocation, with_request,
};
pub use lambda_runtime::{Context, LambdaEvent};
pub use payload::{INVALID_PAYLOAD, TakePayload, take_envelope};
pub use start::{
    CONFIGURATION_ERROR, INIT_ERROR, fail_init, init_logging, init_step, local_event, main,
    max_concurrency, serve, serve_envelopes, serve_sink, tokio_runtime,
};
