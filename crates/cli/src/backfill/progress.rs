//! What a backfill shows while it runs: an indicatif bar over the time range on a terminal, or
//! one JSON line per page with `--json`; and the summary at the end.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

/// Counters of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Export pages read.
    pub pages: u64,
    /// `/import` batches Mixpanel accepted.
    pub batches: u64,
    /// Export items (ticket updates) read.
    pub items_read: u64,
    /// Ticket events made from them.
    pub events_read: u64,
    /// Mixpanel events accepted (a public staff comment also makes "Ticket Responded").
    pub events_sent: u64,
    /// Events filtered out by `ZENDESK_EVENT_TYPES`.
    pub events_filtered: u64,
    /// Events that could not be mapped (logged with the item).
    pub events_unmappable: u64,
    /// Events Mixpanel refused for good (logged).
    pub events_rejected: u64,
    /// Export items that could not be read (logged with their JSON path).
    pub items_unreadable: u64,
    /// Items the export repeated across pages, skipped.
    pub duplicates_skipped: u64,
    /// Seconds skipped because Zendesk repeated a full page (see README).
    pub stuck_seconds: u64,
    /// Time spent waiting for Zendesk's rate limit.
    pub rate_limit_wait_s: f64,
    /// Unix seconds reached in the export.
    pub position: i64,
    /// Seconds since the start of this run.
    pub elapsed_s: f64,
    /// Mixpanel events sent per minute in this run.
    pub events_per_minute: f64,
}

/// Where progress goes.
pub struct Progress {
    bar: Option<ProgressBar>,
    json: bool,
    since: i64,
    started: Instant,
}

impl Progress {
    /// Progress over `since..until`, as JSON lines when `json`, else a bar when stderr is a
    /// terminal.
    pub fn new(since: i64, until: i64, json: bool) -> Self {
        let bar = (!json).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some((until - since).max(1) as u64),
                ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {percent:>3}% of the range, ETA {eta}  {msg}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar
        });
        Self {
            bar,
            json,
            since,
            started: Instant::now(),
        }
    }

    /// Time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Fills in the time-derived counters.
    pub fn stamp(&self, counts: &mut Counts, rate_limit_wait: Duration) {
        counts.elapsed_s = self.started.elapsed().as_secs_f64();
        counts.rate_limit_wait_s = rate_limit_wait.as_secs_f64();
        counts.events_per_minute = if counts.elapsed_s > 0.0 {
            counts.events_sent as f64 * 60.0 / counts.elapsed_s
        } else {
            0.0
        };
    }

    /// Shows `counts`.
    pub fn update(&self, counts: &Counts) {
        self.show(
            counts.position,
            || {
                format!(
                    "read {} · sent {} · {:.0}/min · rate-limit wait {:.0} s",
                    counts.events_read,
                    counts.events_sent,
                    counts.events_per_minute,
                    counts.rate_limit_wait_s
                )
            },
            counts,
        );
    }

    /// Moves the bar to `position` (unix seconds reached) with `message`, or prints `line` as
    /// a JSON progress line.
    pub fn show(&self, position: i64, message: impl FnOnce() -> String, line: &impl Serialize) {
        if self.json {
            eprintln!("{}", serde_json::json!({ "progress": line }));
        } else if let Some(bar) = &self.bar {
            bar.set_position((position - self.since).max(0) as u64);
            bar.set_message(message());
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
