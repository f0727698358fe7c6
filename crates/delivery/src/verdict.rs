//! What a destination said about one request, as a type the delivery loop acts on.

use std::time::Duration;

/// The outcome of one request. Item indexes refer to positions in the batch that was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Everything was accepted.
    Delivered,
    /// Nothing was accepted, and trying again may work (408, 429, 5xx, timeouts, connection
    /// errors).
    Retry {
        /// The destination's `Retry-After`, when it gave one.
        retry_after: Option<Duration>,
        /// Why, for logs and error messages.
        reason: String,
    },
    /// The destination refused these items one by one, for good, and accepted the rest
    /// (Mixpanel's `failed_records`; FullStory's answer to its one-event request).
    Rejected {
        /// Batch position and the destination's message for it.
        items: Vec<(usize, String)>,
    },
    /// The destination refused the request as a whole without naming any item (a 400 without
    /// `failed_records`, a 404 or 405 from a misrouted proxy, a status nobody documents).
    /// Nothing was accepted and nothing may be acknowledged: sinks fail the records, batch jobs
    /// stop without moving their cursor.
    Refused {
        /// The status and the destination's message.
        reason: String,
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
