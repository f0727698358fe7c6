//! A function process from start to end on `lambda_runtime`: log setup, the tokio runtime,
//! init errors reported to `/runtime/init/error` naming what failed, then serving invocations
//! (several at once under Lambda Managed Instances) until the Runtime API goes away, with a
//! flush on SIGTERM.

use std::fmt::Display;
use std::future::Future;

use lambda_runtime::layers::TracingLayer;
use lambda_runtime::{Diagnostic, LambdaEvent, Runtime, service_fn};
use lambda_runtime_api_client::body::Body;
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::envelope::Envelope;
use crate::payload::{TakePayload, take_envelope};

/// `errorType` of an init failure caused by a setting.
pub const CONFIGURATION_ERROR: &str = "Runtime.ConfigurationError";
/// `errorType` of any other init failure.
pub const INIT_ERROR: &str = "Runtime.InitError";

/// Installs the log subscriber: the runtime's own (JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`,
/// level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`), writing to stderr because stdout carries
/// DRY_RUN requests. Every line inside an invocation carries the runtime's span: `requestId`
/// and `xrayTraceId`.
pub fn init_logging() {
    lambda_runtime::tracing::init_default_subscriber_with_writer(std::io::stderr);
}

/// How many invocations this process serves at once: `AWS_LAMBDA_MAX_CONCURRENCY` (Lambda
/// Managed Instances), 1 when unset or not a number.
pub fn max_concurrency() -> usize {
    std::env::var("AWS_LAMBDA_MAX_CONCURRENCY")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .max(1)
}

/// The tokio runtime for a function: one thread for one invocation at a time (the smallest
/// footprint and the fastest init), a thread per core when invocations run concurrently.
pub fn tokio_runtime() -> tokio::runtime::Runtime {
    let mut builder = if max_concurrency() > 1 {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// Runs a function's `main`: logs set up, then `run` on [`tokio_runtime`].
pub fn main(run: impl Future<Output = ()>) {
    init_logging();
    tokio_runtime().block_on(run);
}

/// The value of a start-up step, or: log its error, report it as `error_type` to
/// `/runtime/init/error` and exit (nothing can be served without what failed).
pub async fn init_step<T, E: Display>(error_type: &str, step: Result<T, E>) -> T {
    match step {
        Ok(value) => value,
        Err(e) => fail_init(error_type, &e.to_string()).await,
    }
}

/// Logs an init failure, reports it to Lambda and ends the process.
pub async fn fail_init(error_type: &str, message: &str) -> ! {
    tracing::error!(error_type, "{message}");
    if let Err(e) = report_init_error(error_type, message).await {
        tracing::error!("the Runtime API did not take the init error: {e}");
    }
    std::process::exit(1)
}

async fn report_init_error(error_type: &str, message: &str) -> Result<(), lambda_runtime::Error> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return Err(
            "AWS_LAMBDA_RUNTIME_API is not set: run under Lambda or `ticketbridge invoke`".into(),
        );
    }
    let body = serde_json::to_string(&Diagnostic {
        error_type: error_type.to_owned(),
        error_message: message.to_owned(),
    })?;
    let request = lambda_runtime_api_client::build_request()
        .method("POST")
        .uri("/2018-06-01/runtime/init/error")
        .header("lambda-runtime-function-error-type", error_type)
        .header("content-type", "application/json")
        .body(Body::from(body))?;
    let client = lambda_runtime_api_client::PooledClient::builder().build();
    let response = client.call(request).await?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("/runtime/init/error answered {}", response.status()).into())
    }
}

/// Serves invocations with `handler` until the Runtime API fails, then exits.
///
/// `handler` gets each event as `T`, read by the runtime from its buffer. With
/// `AWS_LAMBDA_MAX_CONCURRENCY` set it is called for that many invocations at once, so it holds
/// nothing per invocation. A panic in it
/// fails that invocation with the panic's message and the process serves the next one. On
/// SIGTERM, `on_shutdown` runs (to flush what a process keeps between invocations) before the
/// process exits.
pub async fn serve<T, H, F, R, E>(handler: H, on_shutdown: impl FnOnce() + Send + 'static) -> !
where
    T: DeserializeOwned + Send + 'static,
    H: Fn(LambdaEvent<T>) -> F + Clone + Send + 'static,
    F: Future<Output = Result<R, E>> + Send + 'static,
    R: Serialize + Send + 'static,
    E: Into<Diagnostic> + std::fmt::Debug + 'static,
{
    flush_on_sigterm(on_shutdown).await;
    exit_when_done(lambda_runtime::run_concurrent(service_fn(handler)).await)
}

/// Runs `on_shutdown` on SIGTERM, then logs that logs and metrics were flushed.
async fn flush_on_sigterm(on_shutdown: impl FnOnce() + Send + 'static) {
    lambda_runtime::spawn_graceful_shutdown_handler(move || async move {
        on_shutdown();
        tracing::info!("shut down: logs and metrics flushed");
    })
    .await;
}

/// Ends the process once the runtime stops serving (the Runtime API went away).
fn exit_when_done(served: Result<(), lambda_runtime::Error>) -> ! {
    if let Err(e) = served {
        tracing::error!("the Lambda Runtime API failed: {e}");
    }
    std::process::exit(1)
}

/// Serves invocations as [`serve`] does, with each payload read as an [`Envelope`] by this
/// crate's reader from the bytes the runtime received ([`TakePayload`]), not by the runtime.
/// A payload that is no event fails its invocation as [`INVALID_PAYLOAD`](crate::INVALID_PAYLOAD).
pub async fn serve_envelopes<H, F, R, E>(
    handler: H,
    on_shutdown: impl FnOnce() + Send + 'static,
) -> !
where
    H: Fn(LambdaEvent<Envelope>) -> F + Clone + Send + 'static,
    F: Future<Output = Result<R, E>> + Send + 'static,
    R: Serialize + Send + 'static,
    E: Into<Diagnostic> + 'static,
{
    let handler = service_fn(move |event: LambdaEvent<IgnoredAny>| {
        let handler = handler.clone();
        async move {
            let envelope = take_envelope()?;
            handler(LambdaEvent::new(envelope, event.context))
                .await
                .map_err(Into::into)
        }
    });
    flush_on_sigterm(on_shutdown).await;
    let runtime = Runtime::new(handler)
        .layer(TakePayload)
        .layer(TracingLayer::new());
    exit_when_done(runtime.run_concurrent().await)
}

/// Serves `sink`'s invocations with [`serve_envelopes`] (nothing to flush on SIGTERM).
pub async fn serve_sink<S: crate::SinkHandler + Send + 'static>(sink: S) -> ! {
    let sink = std::sync::Arc::new(sink);
    serve_envelopes(
        move |event| {
            let sink = sink.clone();
            async move { sink.handle(event).await }
        },
        || {},
    )
    .await
}

/// An event as the runtime hands it to a handler, for tests and local runs: `payload` read as
/// the runtime reads it, and `budget` until the deadline. Panics when the runtime would refuse
/// the payload (it is not the handler's event type).
pub fn local_event<T: DeserializeOwned>(
    payload: impl AsRef<[u8]>,
    budget: std::time::Duration,
) -> LambdaEvent<T> {
    let payload: T = serde_json::from_slice(payload.as_ref())
        .unwrap_or_else(|e| panic!("the runtime would refuse this payload: {e}"));
    let mut context = lambda_runtime::Context::default();
    context.request_id = "local-invocation".to_owned();
    context.deadline = (std::time::SystemTime::now() + budget)
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    LambdaEvent::new(payload, context)
}
