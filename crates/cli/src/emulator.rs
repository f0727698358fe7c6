//! A local AWS Lambda Runtime API (2018-06-01): the real function binary polls it for work and
//! posts answers, exactly as it does in Lambda. Used by `ticketbridge demo`/`invoke` and tests.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The function answered (the JSON it returned).
    Response(Value),
    /// The function reported an error (`errorType`, `errorMessage`).
    Error {
        /// `errorType`.
        error_type: String,
        /// `errorMessage`.
        error_message: String,
    },
}

struct Pending {
    id: String,
    payload: Bytes,
    deadline: SystemTime,
}

#[derive(Default)]
struct Shared {
    waiting: HashMap<String, oneshot::Sender<Outcome>>,
    first_poll: Option<Instant>,
    init_error: Option<Value>,
}

struct Inner {
    queue: tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>,
    shared: Mutex<Shared>,
}

/// A running emulator on 127.0.0.1.
pub struct RuntimeApi {
    addr: SocketAddr,
    sender: mpsc::UnboundedSender<Pending>,
    inner: Arc<Inner>,
    counter: AtomicU64,
    server: tokio::task::JoinHandle<()>,
}

impl RuntimeApi {
    /// Starts the emulator on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            queue: tokio::sync::Mutex::new(receiver),
            shared: Mutex::default(),
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            // The Extensions API, as far as lambda_runtime's graceful-shutdown helper uses it:
            // it registers a no-op extension so that Lambda sends the process SIGTERM.
            .route("/2020-01-01/extension/register", post(register_extension))
            .route(
                "/2020-01-01/extension/event/next",
                get(next_extension_event),
            )
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            sender,
            inner,
            counter: AtomicU64::new(0),
            server,
        })
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// When the function first asked for work (its init is over).
    pub fn first_poll(&self) -> Option<Instant> {
        self.inner.shared.lock().unwrap().first_poll
    }

    /// What the function reported through `/runtime/init/error`, if anything.
    pub fn init_error(&self) -> Option<Value> {
        self.inner.shared.lock().unwrap().init_error.clone()
    }

    /// Queues one invocation with `timeout` until its deadline and waits for the answer.
    /// Returns `None` when the function never answered within the timeout (plus a grace second).
    pub async fn invoke(&self, payload: impl Into<Bytes>, timeout: Duration) -> Option<Outcome> {
        let id = self.next_request_id();
        self.invoke_as(&id, payload, timeout).await
    }

    /// The request id the next [`Self::invoke`] will use (ids are never reused).
    pub fn next_request_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("00000000-0000-4000-8000-{n:012}")
    }

    /// [`Self::invoke`] with the request id `id`.
    pub async fn invoke_as(
        &self,
        id: &str,
        payload: impl Into<Bytes>,
        timeout: Duration,
    ) -> Option<Outcome> {
        let id = id.to_owned();
        let (tx, rx) = oneshot::channel();
        self.inner
            .shared
            .lock()
            .unwrap()
            .waiting
            .insert(id.clone(), tx);
        let pending = Pending {
            id,
            payload: payload.into(),
            deadline: SystemTime::now() + timeout,
        };
        self.sender.send(pending).ok()?;
        tokio::time::timeout(timeout + Duration::from_secs(1), rx)
            .await
            .ok()?
            .ok()
    }
}

/// The X-Ray trace header the emulator sends with invocation `request_id` (one trace per
/// invocation, so logs can be matched to it).
pub fn trace_id(request_id: &str) -> String {
    let tail: String = request_id.chars().filter(char::is_ascii_hexdigit).collect();
    let tail = format!("{tail:0>24}");
    format!("Root=1-00000000-{};Sampled=0", &tail[tail.len() - 24..])
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn next(State(inner): State<Arc<Inner>>) -> Response {
    inner
        .shared
        .lock()
        .unwrap()
        .first_poll
        .get_or_insert_with(Instant::now);
    let Some(pending) = inner.queue.lock().await.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let deadline_ms = pending
        .deadline
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    headers.insert("lambda-runtime-aws-request-id", pending.id.parse().unwrap());
    headers.insert(
        "lambda-runtime-deadline-ms",
        deadline_ms.to_string().parse().unwrap(),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:000000000000:function:local"
            .parse()
            .unwrap(),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        trace_id(&pending.id).parse().unwrap(),
    );
    (headers, pending.payload).into_response()
}

async fn register_extension() -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    headers.insert(
        "lambda-extension-identifier",
        "local-extension".parse().unwrap(),
    );
    let body = serde_json::json!({
        "functionName": "local",
        "functionVersion": "$LATEST",
        "handler": "bootstrap",
    });
    (headers, body.to_string()).into_response()
}

/// An extension that registered for no events waits here until the process ends.
async fn next_extension_event() -> Response {
    std::future::pending::<()>().await;
    StatusCode::GONE.into_response()
}

fn settle(inner: &Inner, id: &str, outcome: Outcome) -> StatusCode {
    match inner.shared.lock().unwrap().waiting.remove(id) {
        Some(tx) => {
            let _ = tx.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::NOT_FOUND,
    }
}

async fn response(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    settle(&inner, &id, Outcome::Response(value))
}

async fn error(State(inner): State<Arc<Inner>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let value: Value = serde_json::from_slice(&body).unwrap_or_default();
    let text = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    settle(
        &inner,
        &id,
        Outcome::Error {
            error_type: text("errorType"),
            error_message: text("errorMessage"),
        },
    )
}

async fn init_error(State(inner): State<Arc<Inner>>, body: Bytes) -> StatusCode {
    inner.shared.lock().unwrap().init_error =
        Some(serde_json::from_slice(&body).unwrap_or_default());
    StatusCode::ACCEPTED
}
