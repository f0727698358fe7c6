//! What can go wrong calling Zendesk, typed so callers can tell a configuration problem (fix
//! and redeploy) from a passing one (retry later) and from a request Zendesk will never accept.

/// A failed Zendesk call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZendeskError {
    /// 401 or 403: the credentials are wrong or lack a permission.
    #[error("Zendesk refused the credentials (HTTP {status}): {message}")]
    Unauthorized {
        /// HTTP status.
        status: u16,
        /// Zendesk's message.
        message: String,
    },
    /// Another 4xx: this request will not succeed as sent.
    #[error("Zendesk rejected the request (HTTP {status}): {message}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Zendesk's message.
        message: String,
    },
    /// 429, 5xx or a transport failure, still failing when attempts or time ran out.
    #[error("Zendesk unavailable: {reason}")]
    Unavailable {
        /// The last failure.
        reason: String,
    },
    /// A 2xx answer that does not have the documented shape.
    #[error("unexpected Zendesk answer at {path}: {reason}")]
    Decode {
        /// JSON path of the first problem.
        path: String,
        /// What was wrong.
        reason: String,
    },
}

impl ZendeskError {
    /// True when only a configuration change can fix it.
    pub fn is_configuration(&self) -> bool {
        matches!(self, Self::Unauthorized { .. })
    }
}
