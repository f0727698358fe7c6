//! Backoff with full jitter that honours `Retry-After` and never outlives the Lambda deadline.
//!
//! Hand-written rather than taken from a crate: backon and backoff add jitter on top of the
//! exponential delay instead of drawing the whole delay at random ("full jitter"), and neither
//! weighs a server's `Retry-After` against a hard deadline, which is the decision that matters.

use std::time::Duration;

use tokio::time::Instant;

/// Retry settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Cap of the first delay; each later attempt doubles it.
    pub initial_backoff: Duration,
    /// Largest cap.
    pub max_backoff: Duration,
    /// Most attempts per request, the first included.
    pub max_attempts: u32,
    /// Time an attempt needs at least; a retry that would start later than this before the
    /// deadline is not started, so the records go back to the platform instead.
    pub min_attempt_time: Duration,
    /// Longest a single request may take.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            max_attempts: 8,
            min_attempt_time: Duration::from_secs(1),
            request_timeout: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Delay before retry number `retry` (1 for the first retry): uniform in
    /// `[0, min(max, initial·2^(retry-1))]`, and never shorter than the server's `Retry-After`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20));
        let cap = exp.min(self.max_backoff);
        let jittered = Duration::from_nanos(fastrand::u64(
            0..=cap.as_nanos().min(u64::MAX as u128) as u64,
        ));
        retry_after.map_or(jittered, |after| after.max(jittered))
    }
}

/// When the invocation must have answered, with room kept for the answer itself.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
}

impl Deadline {
    /// A deadline `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Self {
            at: Instant::now() + budget,
        }
    }

    /// Time left.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// Whether an attempt started after `delay` still has `needed` before the deadline.
    pub fn allows(&self, delay: Duration, needed: Duration) -> bool {
        self.remaining() >= delay + needed
    }

    /// The timeout for a request started now: the policy's, or less near the deadline.
    pub fn request_timeout(&self, policy: &RetryPolicy) -> Duration {
        policy.request_timeout.min(self.remaining())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_jitter_stays_under_the_growing_cap() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(800),
            ..Default::default()
        };
        for retry in 1..10 {
            let cap =
                Duration::from_millis(100 * (1 << (retry - 1))).min(Duration::from_millis(800));
            let delays: Vec<_> = (0..200).map(|_| policy.delay(retry, None)).collect();
            assert!(delays.iter().all(|d| *d <= cap), "retry {retry}");
            // Full jitter: the whole range is used, including short delays.
            assert!(delays.iter().any(|d| *d < cap / 4), "retry {retry}");
        }
    }

    #[test]
    fn retry_after_is_a_floor() {
        let policy = RetryPolicy::default();
        for _ in 0..100 {
            assert!(policy.delay(1, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn deadline_refuses_attempts_that_cannot_finish() {
        let deadline = Deadline::after(Duration::from_secs(5));
        assert!(deadline.allows(Duration::from_secs(3), Duration::from_secs(1)));
        assert!(!deadline.allows(Duration::from_secs(4), Duration::from_millis(1001)));
        tokio::time::advance(Duration::from_secs(4)).await;
        let policy = RetryPolicy::default();
        assert_eq!(deadline.request_timeout(&policy), Duration::from_secs(1));
    }
}
