//! Webhook signatures, checked on the raw body bytes in constant time.
//! Zendesk: base64(HMAC-SHA256(secret, timestamp ‖ body)) plus a freshness window.
//! Intercom: `sha1=` hex(HMAC-SHA1(secret, body)).

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use zendesk_events::Timestamp;

/// Header carrying Zendesk's signature.
pub const ZENDESK_SIGNATURE: &str = "x-zendesk-webhook-signature";
/// Header carrying the signed timestamp.
pub const ZENDESK_TIMESTAMP: &str = "x-zendesk-webhook-signature-timestamp";
/// Header carrying Intercom's signature.
pub const INTERCOM_SIGNATURE: &str = "x-hub-signature";

/// Why a webhook was not accepted as authentic. Logged by name; answered with a generic 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// No signature header.
    MissingSignature,
    /// No timestamp header (Zendesk).
    MissingTimestamp,
    /// The signature header is not base64 / `sha1=<hex>` of the right length.
    MalformedSignature,
    /// The signature does not match under any configured secret.
    SignatureMismatch,
    /// The signed timestamp is not an ISO-8601 time.
    MalformedTimestamp,
    /// The signed timestamp is older than the window.
    StaleTimestamp,
    /// The signed timestamp is further in the future than the window.
    FutureTimestamp,
    /// No secret is configured for this sender.
    NotConfigured,
}

impl Rejection {
    /// The reason as a metric/log name.
    pub fn name(self) -> &'static str {
        match self {
            Self::MissingSignature => "missing_signature",
            Self::MissingTimestamp => "missing_timestamp",
            Self::MalformedSignature => "malformed_signature",
            Self::SignatureMismatch => "signature_mismatch",
            Self::MalformedTimestamp => "malformed_timestamp",
            Self::StaleTimestamp => "stale_timestamp",
            Self::FutureTimestamp => "future_timestamp",
            Self::NotConfigured => "not_configured",
        }
    }
}

/// Verifies a Zendesk webhook: the MAC under any of `secrets`, then that the signed timestamp is
/// within `max_age` of `now`.
pub fn verify_zendesk(
    secrets: &[String],
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: Timestamp,
    max_age: Duration,
) -> Result<(), Rejection> {
    let signature = signature.ok_or(Rejection::MissingSignature)?;
    let timestamp = timestamp.ok_or(Rejection::MissingTimestamp)?;
    if !zendesk_signature_matches(secrets, signature, timestamp, body)? {
        return Err(Rejection::SignatureMismatch);
    }
    let signed_at =
        Timestamp::parse(timestamp.trim()).map_err(|_| Rejection::MalformedTimestamp)?;
    let age = now.unix_nanos() - signed_at.unix_nanos();
    let window = max_age.as_nanos() as i128;
    if age > window {
        return Err(Rejection::StaleTimestamp);
    }
    if -age > window {
        return Err(Rejection::FutureTimestamp);
    }
    Ok(())
}

/// Whether `signature` (base64) is the HMAC-SHA256 of `timestamp ‖ body` under any secret. The
/// timestamp is hashed exactly as received.
pub fn zendesk_signature_matches(
    secrets: &[String],
    signature: &str,
    timestamp: &str,
    body: &[u8],
) -> Result<bool, Rejection> {
    let expected = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| Rejection::MalformedSignature)?;
    if expected.len() != 32 {
        return Err(Rejection::MalformedSignature);
    }
    Ok(secrets.iter().any(|secret| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(timestamp.as_bytes());
        mac.update(body);
        mac.verify_slice(&expected).is_ok()
    }))
}

/// Verifies an Intercom webhook: `X-Hub-Signature: sha1=<hex>` over the raw body.
pub fn verify_intercom(
    secret: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<(), Rejection> {
    let signature = signature.ok_or(Rejection::MissingSignature)?;
    let hex = signature
        .trim()
        .strip_prefix("sha1=")
        .ok_or(Rejection::MalformedSignature)?;
    let expected = hex::decode(hex).map_err(|_| Rejection::MalformedSignature)?;
    if expected.len() != 20 {
        return Err(Rejection::MalformedSignature);
    }
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| Rejection::SignatureMismatch)
}

/// Signs like Zendesk does: for tests, the demo and local tools.
pub fn zendesk_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Signs like Intercom does: for tests, the demo and local tools.
pub fn intercom_signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}
