//! One sink invocation, the part every sink shares: the payload's envelope, the deadline, the
//! answer Lambda needs, and the summary and EMF log lines (both carrying the request id). The
//! sink supplies only what it does with the records.

use std::fmt::Display;
use std::time::{Duration, Instant, SystemTime};

use delivery::{Deadline, Delivery, Failure, RecordId, RetryPolicy};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::answer::{InvocationError, answer};
use crate::envelope::{Envelope, InputRecord};

/// Time kept back from the Lambda deadline to answer and log.
pub const ANSWER_RESERVE: Duration = Duration::from_millis(500);
/// CloudWatch namespace of the EMF metrics.
pub const METRICS_NAMESPACE: &str = "ticketbridge";

/// What the bridge and ticket-metrics receive: the event's JSON text.
pub type RawEvent = LambdaEvent<Box<RawValue>>;

/// What the sinks receive: the envelope, read in one pass from the payload the runtime
/// received ([`crate::serve_envelopes`]).
pub type SinkEvent = LambdaEvent<Envelope>;

/// Deadlines earlier than this (2001-09-09) are not times: cargo-lambda's emulator sends its
/// invocation timeout in milliseconds (`600000`) where Lambda sends the epoch time.
const EARLIEST_DEADLINE_MS: u64 = 1_000_000_000_000;

/// Time left before the invocation's deadline.
pub fn budget(context: &Context) -> Duration {
    if context.deadline < EARLIEST_DEADLINE_MS {
        return Duration::from_millis(context.deadline);
    }
    context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or_default()
}

/// A sink: what it does with one invocation's records. [`SinkHandler::handle`] runs that with
/// the loop every sink shares ([`run_invocation`]), so a sink writes only its own work.
pub trait SinkHandler: Sync {
    /// The function's name in logs and metrics.
    const FUNCTION: &'static str;

    /// Its retry settings.
    fn retry(&self) -> RetryPolicy;

    /// Maps and delivers the records of `envelope`, settling each in `delivery`.
    fn process(
        &self,
        envelope: &mut Envelope,
        delivery: &mut Delivery,
    ) -> impl Future<Output = ()> + Send;

    /// Handles one invocation before its deadline; logs the summary line and EMF metrics, and
    /// returns Lambda's answer.
    fn handle(
        &self,
        event: SinkEvent,
    ) -> impl Future<Output = Result<Value, InvocationError>> + Send
    where
        Self: Sized,
    {
        run_invocation(
            Self::FUNCTION,
            self.retry(),
            event,
            async |envelope: &mut Envelope, delivery: &mut Delivery| {
                self.process(envelope, delivery).await
            },
        )
    }
}

/// Runs one invocation of `function`: lets `process` map and deliver the records of `event`
/// before its deadline, then answers from the ledger and logs the summary line and EMF metrics.
pub async fn run_invocation(
    function: &'static str,
    policy: RetryPolicy,
    event: SinkEvent,
    process: impl AsyncFnOnce(&mut Envelope, &mut Delivery),
) -> Result<Value, InvocationError> {
    let started = Instant::now();
    let (mut envelope, context) = (event.payload, &event.context);
    let deadline = Deadline::after(budget(context).saturating_sub(ANSWER_RESERVE));
    let mut delivery = Delivery::new(policy, deadline, envelope.len());
    process(&mut envelope, &mut delivery).await;

    let result = answer(envelope.kind(), &delivery.ledger, delivery.halted());
    delivery.telemetry.count_outcomes(&delivery.ledger);
    let mut summary =
        delivery
            .telemetry
            .summary(function, envelope.kind().label(), started.elapsed());
    with_request(&mut summary, context);
    print_line(&summary);
    let mut emf = delivery.telemetry.emf(METRICS_NAMESPACE, function);
    emf["requestId"] = Value::String(context.request_id.clone());
    print_line(&emf);
    if let Err(e) = &result {
        tracing::error!(error = %e, "invocation failed");
    }
    result
}

/// Prints a JSON log line (a summary, EMF metrics) to stderr in one write. `eprintln!` of a
/// `Value` writes each token on its own (stderr is unbuffered): about 200 system calls for
/// one summary line.
pub fn print_line(line: &impl Display) {
    // Lambda reads the lines itself; nothing can be done here when stderr is gone.
    let _ = write_line(&mut std::io::stderr().lock(), line);
}

fn write_line(out: &mut impl std::io::Write, line: &impl Display) -> std::io::Result<()> {
    out.write_all(format!("{line}\n").as_bytes())
}

/// Adds the invocation's request id and X-Ray trace id to a JSON log line printed outside
/// `tracing` (the summary lines), so it matches the runtime's span on every other line.
pub fn with_request(line: &mut Value, context: &Context) {
    line["requestId"] = Value::String(context.request_id.clone());
    if let Some(trace) = &context.xray_trace_id {
        line["xrayTraceId"] = Value::String(trace.clone());
    }
}

impl InputRecord<'_> {
    /// Starts tracking this record in `delivery`: notes its platform id and returns its ledger
    /// id.
    pub fn open(&self, delivery: &mut Delivery) -> RecordId {
        let id = self.index as RecordId;
        delivery.ledger.set_id(id, self.id.clone());
        id
    }

    /// Fails this record as bad input, logging where and why (the error names the JSON path).
    pub fn reject(&self, delivery: &mut Delivery, error: impl Display) {
        tracing::warn!(record = %self.label(), error = %error, "bad input");
        delivery
            .ledger
            .fail(self.index as RecordId, Failure::BadInput(error.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts the writes it is given.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl std::io::Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_summary_line_is_written_whole_in_one_write() {
        let line = serde_json::json!({"function": "mixpanel-sink", "records": 3, "outcomes": {"delivered": 3}});
        let mut out = Writes::default();
        write_line(&mut out, &line).unwrap();
        assert_eq!(out.0.len(), 1, "{:?}", out.0);
        assert_eq!(out.0[0], format!("{line}\n").into_bytes());
    }

    #[test]
    fn the_budget_runs_to_lambdas_deadline_or_cargo_lambdas_timeout() {
        let mut context = Context::default();
        let in_ten = SystemTime::now() + Duration::from_secs(10);
        context.deadline = in_ten
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let left = budget(&context);
        assert!(left > Duration::from_secs(9) && left <= Duration::from_secs(10));
        context.deadline = 600_000;
        assert_eq!(budget(&context), Duration::from_secs(600));
        context.deadline = 1_700_000_000_000;
        assert_eq!(budget(&context), Duration::ZERO, "a deadline that passed");
    }
}
