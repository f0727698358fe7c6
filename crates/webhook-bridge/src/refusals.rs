//! Requests refused before their signature checked out (unsigned, forged, stale, wrong path or
//! method, oversized, not HTTP), counted rather than logged one by one: the Function URL is
//! public, and a flood must cost neither a log line nor an EMF line per request. The first
//! refusal of each reason in a window is logged; the counts go out as one log line and one EMF
//! line when the window has passed.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use crate::metrics::{FUNCTION, NAMESPACE, reason_metric};

/// Counts of one window.
#[derive(Debug)]
struct Window {
    started: Instant,
    /// Refusals by reason.
    counts: BTreeMap<&'static str, u64>,
    /// Of them, requests on a webhook route (what `Received` counts for accepted ones).
    received: u64,
}

/// Refusals of this container, per window of `interval`.
#[derive(Debug)]
pub struct RefusalTally {
    interval: Duration,
    window: Mutex<Window>,
}

/// What [`RefusalTally::record`] says about a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// The first refusal for this reason in the window: worth a log line.
    pub first_of_reason: bool,
}

impl RefusalTally {
    /// A tally summarised every `interval`.
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            window: Mutex::new(Window {
                started: Instant::now(),
                counts: BTreeMap::new(),
                received: 0,
            }),
        }
    }

    /// Counts one refusal for `reason`; `on_route` when it was sent to a webhook route.
    pub fn record(&self, reason: &'static str, on_route: bool) -> Recorded {
        let mut window = self.window.lock().expect("the tally is never poisoned");
        let count = window.counts.entry(reason).or_default();
        *count += 1;
        let first_of_reason = *count == 1;
        window.received += u64::from(on_route);
        Recorded { first_of_reason }
    }

    /// When the window has passed and held refusals: its log counters and EMF line, and a new
    /// window starts.
    pub fn take_due(&self) -> Option<(Value, Value)> {
        self.take(false)
    }

    /// Whatever the window holds, due or not (at shutdown, so no count is lost with the
    /// process).
    pub fn take_all(&self) -> Option<(Value, Value)> {
        self.take(true)
    }

    fn take(&self, even_if_open: bool) -> Option<(Value, Value)> {
        let mut window = self.window.lock().expect("the tally is never poisoned");
        let open = window.started.elapsed() < self.interval;
        if (open && !even_if_open) || window.counts.is_empty() {
            return None;
        }
        let seconds = window.started.elapsed().as_secs_f64();
        let counts = std::mem::take(&mut window.counts);
        let received = std::mem::take(&mut window.received);
        window.started = Instant::now();
        drop(window);
        let total: u64 = counts.values().sum();
        let names: Vec<(String, u64)> = counts
            .iter()
            .map(|(reason, n)| (reason_metric(reason), *n))
            .collect();
        let mut metrics: Vec<(&str, u64)> = vec![("Received", received), ("Rejected", total)];
        metrics.extend(names.iter().map(|(name, n)| (name.as_str(), *n)));
        let emf = delivery::emf_line(NAMESPACE, FUNCTION, &metrics, &[]);
        let log = json!({"window_seconds": seconds, "refused": total, "by_reason": counts});
        Some((log, emf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_flood_is_counted_once_per_window() {
        let tally = RefusalTally::new(Duration::from_secs(60));
        let firsts = (0..1000)
            .filter(|n| {
                let reason = if n % 2 == 0 {
                    "missing_signature"
                } else {
                    "not_found"
                };
                tally.record(reason, reason != "not_found").first_of_reason
            })
            .count();
        assert_eq!(firsts, 2, "one log line per reason");
        assert!(tally.take_due().is_none(), "the window is still open");
        tokio::time::advance(Duration::from_secs(61)).await;
        let (log, emf) = tally.take_due().unwrap();
        assert_eq!(log["refused"], 1000);
        assert_eq!(emf["Rejected"], 1000);
        assert_eq!(emf["RejectedMissingSignature"], 500);
        assert_eq!(emf["Received"], 500);
        assert!(tally.take_due().is_none(), "counted once");
        assert!(tally.record("missing_signature", true).first_of_reason);
        let (log, _) = tally
            .take_all()
            .expect("an open window is taken at shutdown");
        assert_eq!(log["refused"], 1);
        assert!(tally.take_all().is_none());
    }
}
