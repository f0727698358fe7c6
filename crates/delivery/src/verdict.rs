//! What a destination said about one request, as a type the delivery loop acts on.

use std::time::Duration;

/// The outcome of one request. Item indexes refer to positions in the batch that was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Everything was accepted.
    Delivered,
    /// Nothing was accepted, and trying again may work (429, 5xx, timeouts, connection errors).
    Retry {
        /// The destination's `Retry-After`, when it gave one.
        retry_after: Option<Duration>,
        /// Why, for logs and error messages.
        reason: String,
    },
    /// Only these items need another try; the rest were accepted.
    RetrySome {
        /// Batch positions to resend.
        items: Vec<usize>,
        /// The destination's `Retry-After`, when it gave one.
        retry_after: Option<Duration>,
        /// Why, for logs and error messages.
        reason: String,
    },
    /// Nothing was accepted and resending the same request cannot help (a 400 for the batch).
    Rejected {
        /// The destination's message.
        reason: String,
    },
    /// These items were refused for good, the rest were accepted (Mixpanel's `failed_records`).
    RejectedSome {
        /// Batch position and the destination's message for it.
        items: Vec<(usize, String)>,
    },
    /// The request was too large: split it and send the halves (413).
    TooLarge {
        /// The destination's message.
        reason: String,
    },
    /// The destination refused our credentials or configuration (401, 403): stop sending.
    Misconfigured {
        /// The destination's message.
        reason: String,
    },
}
