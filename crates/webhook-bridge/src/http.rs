//! The HTTP request a Lambda Function URL or an API Gateway HTTP API hands over (payload format
//! 2.0), and the response they expect back.

use std::collections::HashMap;

use base64::Engine;
use serde::Deserialize;
use serde_json::{Value, json};

/// Largest webhook body accepted: a Function URL delivers requests of up to 6 MB, and any
/// authentic body it delivers is taken (then shrunk to EventBridge's entry limit), because a
/// 413 makes Zendesk drop the event for good.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// One request, with the body as the exact bytes the sender signed.
#[derive(Debug)]
pub struct HttpRequest {
    /// Upper-case method.
    pub method: String,
    /// Path without an API Gateway stage prefix.
    pub path: String,
    /// Headers, names lower-cased.
    headers: HashMap<String, String>,
    /// Raw body bytes (base64-decoded when the event says so).
    pub body: Vec<u8>,
}

/// Why an invocation payload is not a usable HTTP request.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Not a payload format 2.0 HTTP event.
    #[error("not an HTTP event (payload format 2.0): {0}")]
    NotHttp(String),
    /// `isBase64Encoded` but the body is not base64.
    #[error("body is marked base64 but does not decode: {0}")]
    BadBase64(String),
    /// Body over [`MAX_BODY_BYTES`].
    #[error("body of {0} bytes is over the {MAX_BODY_BYTES}-byte limit")]
    TooLarge(usize),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRequest {
    #[serde(default)]
    raw_path: Option<String>,
    request_context: WireContext,
    #[serde(default)]
    headers: HashMap<String, String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: bool,
}

#[derive(Deserialize)]
struct WireContext {
    http: WireHttp,
    #[serde(default)]
    stage: Option<String>,
}

#[derive(Deserialize)]
struct WireHttp {
    method: String,
    #[serde(default)]
    path: Option<String>,
}

impl HttpRequest {
    /// Parses a Function URL / HTTP API (2.0) event.
    pub fn parse(payload: &[u8]) -> Result<Self, RequestError> {
        let wire: WireRequest =
            serde_json::from_slice(payload).map_err(|e| RequestError::NotHttp(e.to_string()))?;
        let body = match (wire.body, wire.is_base64_encoded) {
            (None, _) => Vec::new(),
            (Some(text), false) => text.into_bytes(),
            (Some(text), true) => {
                // Checked before decoding so an oversized body is not decoded at all.
                if text.len() / 4 * 3 > MAX_BODY_BYTES + 3 {
                    return Err(RequestError::TooLarge(text.len() / 4 * 3));
                }
                base64::engine::general_purpose::STANDARD
                    .decode(text.as_bytes())
                    .map_err(|e| RequestError::BadBase64(e.to_string()))?
            }
        };
        if body.len() > MAX_BODY_BYTES {
            return Err(RequestError::TooLarge(body.len()));
        }
        let path = wire
            .raw_path
            .or(wire.request_context.http.path)
            .unwrap_or_else(|| "/".into());
        let path = match wire.request_context.stage.as_deref() {
            Some(stage) if stage != "$default" => path
                .strip_prefix(&format!("/{stage}"))
                .filter(|rest| rest.starts_with('/'))
                .map_or(path.clone(), str::to_owned),
            _ => path,
        };
        Ok(Self {
            method: wire.request_context.http.method.to_ascii_uppercase(),
            path,
            headers: wire
                .headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            body,
        })
    }

    /// A header by name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// The answer: status and a short JSON body that never echoes what was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// A short machine-readable word (`published`, `unauthorized`, …).
    pub message: &'static str,
    /// `Allow` header for 405 answers.
    pub allow: Option<&'static str>,
}

impl HttpResponse {
    /// A response with `status` and `message`.
    pub fn new(status: u16, message: &'static str) -> Self {
        Self {
            status,
            message,
            allow: None,
        }
    }

    /// The payload format 2.0 response object.
    pub fn to_lambda(&self) -> Value {
        let mut headers = json!({ "content-type": "application/json" });
        if let Some(allow) = self.allow {
            headers["allow"] = json!(allow);
        }
        json!({
            "statusCode": self.status,
            "headers": headers,
            "body": json!({ "status": self.message }).to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(extra: Value) -> Vec<u8> {
        let mut e = json!({
            "version": "2.0",
            "rawPath": "/zendesk",
            "headers": {"X-Zendesk-Webhook-Signature": "sig"},
            "requestContext": {"http": {"method": "post", "path": "/zendesk"}},
            "body": "{\"a\":1}",
            "isBase64Encoded": false
        });
        for (k, v) in extra.as_object().unwrap() {
            e[k] = v.clone();
        }
        serde_json::to_vec(&e).unwrap()
    }

    #[test]
    fn headers_are_case_insensitive_and_base64_bodies_decode() {
        let req = HttpRequest::parse(&event(
            json!({"body": "eyJhIjoxfQ==", "isBase64Encoded": true}),
        ))
        .unwrap();
        assert_eq!(req.body, b"{\"a\":1}");
        assert_eq!(req.method, "POST");
        assert_eq!(req.header("x-zendesk-webhook-signature"), Some("sig"));
    }

    #[test]
    fn an_api_gateway_stage_prefix_is_removed() {
        let req = HttpRequest::parse(&event(json!({
            "rawPath": "/prod/zendesk",
            "requestContext": {"stage": "prod", "http": {"method": "POST", "path": "/prod/zendesk"}}
        })))
        .unwrap();
        assert_eq!(req.path, "/zendesk");
    }

    #[test]
    fn oversized_and_undecodable_bodies_are_refused() {
        let big = "x".repeat(MAX_BODY_BYTES + 1);
        assert!(matches!(
            HttpRequest::parse(&event(json!({"body": big}))),
            Err(RequestError::TooLarge(_))
        ));
        assert!(matches!(
            HttpRequest::parse(&event(json!({"body": "%%%", "isBase64Encoded": true}))),
            Err(RequestError::BadBase64(_))
        ));
        assert!(matches!(
            HttpRequest::parse(b"{}"),
            Err(RequestError::NotHttp(_))
        ));
    }
}
