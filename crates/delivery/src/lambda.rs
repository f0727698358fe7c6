//! A minimal AWS Lambda Runtime API client (2018-06-01): poll for work, answer, report errors.
//!
//! Written here instead of using `lambda_runtime` because that crate collects the body into a
//! second contiguous buffer and then deserializes it into an owned payload, so a 10,000-record
//! SQS batch costs about twice its size in memory before the handler runs. Here the body is read
//! once into a buffer sized from `Content-Length` and the handler parses it borrowed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::answer::InvocationError;

const API_VERSION: &str = "2018-06-01";

/// One invocation: its id, its deadline and its payload bytes.
#[derive(Debug)]
pub struct Invocation {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: String,
    /// `Lambda-Runtime-Deadline-Ms` as a time.
    pub deadline: SystemTime,
    /// The event, as sent.
    pub payload: Vec<u8>,
    invocation_id: Option<String>,
}

impl Invocation {
    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline
            .duration_since(SystemTime::now())
            .unwrap_or_default()
    }
}

/// Talks to the Runtime API named by `AWS_LAMBDA_RUNTIME_API`.
pub struct RuntimeClient {
    http: reqwest::Client,
    base: String,
}

/// A Runtime API call failed (the API itself, not the function).
#[derive(Debug, thiserror::Error)]
#[error("Lambda Runtime API: {0}")]
pub struct RuntimeError(String);

impl RuntimeClient {
    /// A client for `AWS_LAMBDA_RUNTIME_API`.
    pub fn from_env() -> Result<Self, RuntimeError> {
        let api = std::env::var("AWS_LAMBDA_RUNTIME_API").map_err(|_| {
            RuntimeError(
                "AWS_LAMBDA_RUNTIME_API is not set: run under Lambda or `ticketbridge invoke`"
                    .into(),
            )
        })?;
        Self::new(&api)
    }

    /// A client for the API at `host:port`.
    pub fn new(api: &str) -> Result<Self, RuntimeError> {
        // No timeout: /next blocks until there is work.
        // The Runtime API is local: an egress proxy set for the function must not capture it.
        let http = reqwest::Client::builder()
            .http1_only()
            .no_proxy()
            .build()
            .map_err(|e| RuntimeError(e.to_string()))?;
        Ok(Self {
            http,
            base: format!("http://{api}/{API_VERSION}/runtime"),
        })
    }

    /// Waits for the next invocation.
    pub async fn next(&self) -> Result<Invocation, RuntimeError> {
        let mut response = self
            .http
            .get(format!("{}/invocation/next", self.base))
            .send()
            .await
            .map_err(describe)?;
        if !response.status().is_success() {
            return Err(RuntimeError(format!(
                "/invocation/next answered {}",
                response.status()
            )));
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_id = header("lambda-runtime-aws-request-id").ok_or_else(|| {
            RuntimeError("/invocation/next gave no Lambda-Runtime-Aws-Request-Id".into())
        })?;
        let deadline_ms: u64 = header("lambda-runtime-deadline-ms")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let invocation_id = header("lambda-runtime-invocation-id");
        // SAFETY of the env mutation: the loop is single-threaded between invocations.
        match header("lambda-runtime-trace-id") {
            Some(trace) => unsafe { std::env::set_var("_X_AMZN_TRACE_ID", trace) },
            None => unsafe { std::env::remove_var("_X_AMZN_TRACE_ID") },
        }
        let mut payload = Vec::with_capacity(response.content_length().unwrap_or(0) as usize);
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            payload.extend_from_slice(&chunk);
        }
        Ok(Invocation {
            request_id,
            deadline: UNIX_EPOCH + Duration::from_millis(deadline_ms),
            payload,
            invocation_id,
        })
    }

    /// Sends the function's answer.
    pub async fn respond(
        &self,
        invocation: &Invocation,
        answer: &Value,
    ) -> Result<(), RuntimeError> {
        let url = format!(
            "{}/invocation/{}/response",
            self.base, invocation.request_id
        );
        self.post(
            url,
            invocation.invocation_id.as_deref(),
            answer.to_string(),
            None,
        )
        .await
    }

    /// Reports that the invocation failed.
    pub async fn fail(
        &self,
        invocation: &Invocation,
        error_type: &str,
        message: &str,
    ) -> Result<(), RuntimeError> {
        let url = format!("{}/invocation/{}/error", self.base, invocation.request_id);
        let body = json!({ "errorType": error_type, "errorMessage": message }).to_string();
        self.post(
            url,
            invocation.invocation_id.as_deref(),
            body,
            Some(error_type),
        )
        .await
    }

    /// Reports that init failed (the function must exit afterwards).
    pub async fn init_error(&self, error_type: &str, message: &str) -> Result<(), RuntimeError> {
        let body = json!({ "errorType": error_type, "errorMessage": message }).to_string();
        self.post(
            format!("{}/init/error", self.base),
            None,
            body,
            Some(error_type),
        )
        .await
    }

    /// The value of a start-up step, or: report its error as `error_type` and exit.
    pub async fn init_step<T, E: std::fmt::Display>(
        &self,
        error_type: &str,
        step: Result<T, E>,
    ) -> T {
        match step {
            Ok(value) => value,
            Err(e) => self.fail_init(error_type, &e.to_string()).await,
        }
    }

    /// Starts a function process: log setup, then the Runtime API client from Lambda's
    /// environment; exits when that is missing (there is no Runtime API to report to).
    pub fn start() -> Self {
        crate::logging::init();
        match Self::from_env() {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1)
            }
        }
    }

    /// Serves invocations with `handler` until the Runtime API fails, then exits.
    pub async fn serve_until_failure<F>(&self, handler: F) -> !
    where
        F: AsyncFnMut(&[u8], Duration) -> Result<Value, InvocationError>,
    {
        if let Err(e) = serve(self, handler).await {
            tracing::error!("{e}");
        }
        std::process::exit(1)
    }

    /// Logs an init failure, reports it to Lambda (`/runtime/init/error`) and ends the process:
    /// nothing can be served without what failed.
    pub async fn fail_init(&self, error_type: &str, message: &str) -> ! {
        tracing::error!(error_type, "{message}");
        let _ = self.init_error(error_type, message).await;
        std::process::exit(1)
    }

    async fn post(
        &self,
        url: String,
        invocation_id: Option<&str>,
        body: String,
        error_type: Option<&str>,
    ) -> Result<(), RuntimeError> {
        let mut request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(id) = invocation_id {
            request = request.header("lambda-runtime-invocation-id", id);
        }
        if let Some(kind) = error_type {
            request = request.header("lambda-runtime-function-error-type", kind);
        }
        let response = request.send().await.map_err(describe)?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(RuntimeError(format!(
                "answer refused with {}",
                response.status()
            )))
        }
    }
}

fn describe(e: reqwest::Error) -> RuntimeError {
    RuntimeError(e.to_string())
}

/// Serves invocations forever: each payload goes to `handler`; its answer or error goes back.
/// Only a failing Runtime API ends the loop.
pub async fn serve<F>(client: &RuntimeClient, mut handler: F) -> Result<(), RuntimeError>
where
    F: AsyncFnMut(&[u8], Duration) -> Result<Value, InvocationError>,
{
    loop {
        let invocation = client.next().await?;
        let result = handler(&invocation.payload, invocation.remaining()).await;
        match result {
            Ok(answer) => client.respond(&invocation, &answer).await?,
            Err(e) => {
                client
                    .fail(&invocation, "RecordsNotDelivered", &e.0)
                    .await?
            }
        }
    }
}
