//! The HTTP request a Lambda Function URL or an API Gateway HTTP API hands over (payload format
//! 2.0), and the response they expect back.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderMap, HeaderValue};
use base64::Engine;
use serde_json::json;

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
    /// Headers (names are case-insensitive).
    headers: HeaderMap,
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

impl HttpRequest {
    /// Parses a Function URL / HTTP API event (payload format 2.0, which both use) with
    /// `aws_lambda_events`' type.
    pub fn parse(payload: &[u8]) -> Result<Self, RequestError> {
        let wire: ApiGatewayV2httpRequest =
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
        let context = wire.request_context;
        let path = wire
            .raw_path
            .or(context.http.path)
            .unwrap_or_else(|| "/".into());
        let path = match context.stage.as_deref() {
            Some(stage) if stage != "$default" => path
                .strip_prefix(&format!("/{stage}"))
                .filter(|rest| rest.starts_with('/'))
                .map_or(path.clone(), str::to_owned),
            _ => path,
        };
        Ok(Self {
            method: context.http.method.as_str().to_ascii_uppercase(),
            path,
            headers: wire.headers,
            body,
        })
    }

    /// A header by name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
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

    /// The payload format 2.0 response (`aws_lambda_events`' type).
    pub fn to_lambda(&self) -> ApiGatewayV2httpResponse {
        let mut response = ApiGatewayV2httpResponse::default();
        response.status_code = i64::from(self.status);
        response
            .headers
            .insert("content-type", HeaderValue::from_static("application/json"));
        if let Some(allow) = self.allow {
            response
                .headers
                .insert("allow", HeaderValue::from_static(allow));
        }
        response.body = Some(Body::Text(json!({ "status": self.message }).to_string()));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

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
