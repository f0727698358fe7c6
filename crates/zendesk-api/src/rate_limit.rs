//! Client-side rate limits per endpoint class, so a long export spends its time waiting on our
//! side instead of collecting 429s (which Zendesk counts against the account).
//!
//! Hand-written rather than `governor`: requests must be spaced evenly (no burst: Zendesk's
//! window is not documented as fixed or sliding, and an even pace is safe under both), the wait
//! must run on tokio's clock (paused-time tests), a server's `Retry-After` must push the next
//! slot of the whole class back, and callers need the time spent waiting.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Which limit a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointClass {
    /// `/api/v2/incremental/…`: 10 requests per minute on every plan.
    IncrementalExport,
    /// Everything else: the plan's per-minute limit.
    Standard,
}

impl EndpointClass {
    /// The class of a `/api/v2/…` path.
    pub fn of(path: &str) -> Self {
        if path.starts_with("/api/v2/incremental/") {
            Self::IncrementalExport
        } else {
            Self::Standard
        }
    }
}

/// Requests per minute allowed per class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `ZENDESK_EXPORT_REQUESTS_PER_MINUTE`, default 10 (Zendesk's documented limit).
    pub incremental_per_minute: u32,
    /// `ZENDESK_REQUESTS_PER_MINUTE`, default 200 (the smallest plan's limit).
    pub standard_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            incremental_per_minute: 10,
            standard_per_minute: 200,
        }
    }
}

/// Extra spacing over `60 s / limit`, in hundredths: Zendesk counts arrivals and we time
/// departures, so a request leaving exactly on its slot can arrive a moment inside the window of
/// one that spent longer opening a connection, and be answered 429.
const MARGIN_PERCENT: u32 = 1;

/// An even pace: one request per `60 s / limit` (plus the margin), pushed back by any
/// `Retry-After`.
#[derive(Debug)]
pub struct Pace {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pace {
    /// A pace of `per_minute` requests per minute.
    pub fn per_minute(per_minute: u32) -> Self {
        Self {
            interval: Duration::from_secs(60) * (100 + MARGIN_PERCENT) / 100 / per_minute.max(1),
            next: Mutex::new(None),
        }
    }

    /// How long a request starting now would wait for its slot.
    pub fn wait(&self) -> Duration {
        let next = *self.next.lock().expect("pace lock");
        next.map_or(Duration::ZERO, |at| {
            at.saturating_duration_since(Instant::now())
        })
    }

    /// Claims the next slot and returns how long to sleep until it.
    fn claim(&self) -> Duration {
        let now = Instant::now();
        let mut next = self.next.lock().expect("pace lock");
        let slot = next.map_or(now, |at| at.max(now));
        *next = Some(slot + self.interval);
        slot - now
    }

    /// No request of this class before `pause` from now (a 429's `Retry-After`).
    fn pause(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut next = self.next.lock().expect("pace lock");
        if next.is_none_or(|at| at < until) {
            *next = Some(until);
        }
    }
}

/// The paces of every class, and the total time spent waiting on them.
#[derive(Debug)]
pub struct RateLimiter {
    incremental: Pace,
    standard: Pace,
    waited_micros: AtomicU64,
}

impl RateLimiter {
    /// A limiter enforcing `limits`.
    pub fn new(limits: RateLimits) -> Self {
        Self {
            incremental: Pace::per_minute(limits.incremental_per_minute),
            standard: Pace::per_minute(limits.standard_per_minute),
            waited_micros: AtomicU64::new(0),
        }
    }

    /// The pace of `class`.
    pub fn pace(&self, class: EndpointClass) -> &Pace {
        match class {
            EndpointClass::IncrementalExport => &self.incremental,
            EndpointClass::Standard => &self.standard,
        }
    }

    /// Claims a slot for `class`; the wait it implies (zero when free).
    pub fn claim(&self, class: EndpointClass) -> Duration {
        self.pace(class).claim()
    }

    /// Pushes the next slot of `class` back by a server's `Retry-After`.
    pub fn pause(&self, class: EndpointClass, retry_after: Duration) {
        self.pace(class).pause(retry_after);
    }

    /// Adds `wait` to the time spent waiting for the rate limit.
    pub fn note_wait(&self, wait: Duration) {
        self.waited_micros
            .fetch_add(wait.as_micros() as u64, Ordering::Relaxed);
    }

    /// Total time spent waiting for Zendesk's rate limits (our pace and its `Retry-After`s).
    pub fn waited(&self) -> Duration {
        Duration::from_micros(self.waited_micros.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fall_into_classes() {
        assert_eq!(
            EndpointClass::of("/api/v2/incremental/tickets/cursor.json"),
            EndpointClass::IncrementalExport
        );
        assert_eq!(
            EndpointClass::of("/api/v2/users/show_many.json"),
            EndpointClass::Standard
        );
    }

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_evenly_and_a_retry_after_pushes_the_class_back() {
        let limiter = RateLimiter::new(RateLimits::default());
        let c = EndpointClass::IncrementalExport;
        assert_eq!(limiter.claim(c), Duration::ZERO);
        assert_eq!(limiter.claim(c), Duration::from_millis(6_060));
        assert_eq!(limiter.claim(c), Duration::from_millis(12_120));
        // The other class is not affected.
        assert_eq!(limiter.claim(EndpointClass::Standard), Duration::ZERO);
        tokio::time::advance(Duration::from_secs(20)).await;
        assert_eq!(limiter.pace(c).wait(), Duration::ZERO);
        limiter.pause(c, Duration::from_secs(30));
        assert_eq!(limiter.claim(c), Duration::from_secs(30));
        assert_eq!(limiter.pace(c).wait(), Duration::from_millis(36_060));
    }
}
