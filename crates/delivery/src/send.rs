//! The delivery loop: send a batch, act on the verdict, retry within the deadline, and settle
//! every item in the ledger.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::{StreamExt, stream};
use tokio::time::Instant;

use crate::batch::Item;
use crate::ledger::{Failure, Ledger};
use crate::retry::{Deadline, RetryPolicy};
use crate::telemetry::Telemetry;
use crate::verdict::Verdict;

/// A destination endpoint that takes batches of items.
pub trait Destination {
    /// Label for logs and metrics, e.g. `mixpanel_import`.
    fn name(&self) -> &'static str;

    /// Sends one batch with the given timeout and classifies the answer.
    fn send(&self, items: &[Item], timeout: Duration) -> impl Future<Output = Verdict>;
}

/// One invocation's delivery state: what is acknowledged, what was measured, whether to stop.
#[derive(Debug)]
pub struct Delivery {
    /// Retry settings.
    pub policy: RetryPolicy,
    /// When the invocation must answer.
    pub deadline: Deadline,
    /// Per-record state.
    pub ledger: Ledger,
    /// Counters for the summary line and metrics.
    pub telemetry: Telemetry,
    halted: Option<String>,
}

impl Delivery {
    /// Fresh state for `records` input records.
    pub fn new(policy: RetryPolicy, deadline: Deadline, records: usize) -> Self {
        Self {
            policy,
            deadline,
            ledger: Ledger::new(records),
            telemetry: Telemetry::new(records),
            halted: None,
        }
    }

    /// The configuration error that stopped all sending, if any.
    pub fn halted(&self) -> Option<&str> {
        self.halted.as_deref()
    }

    /// Delivers `items` to `destination` as batches, settling each item in the ledger:
    /// accepted, rejected, or left undelivered when retries or time ran out.
    pub async fn send<D: Destination>(&mut self, destination: &D, items: Vec<Item>) {
        self.send_concurrently(destination, vec![items], 1).await;
    }

    /// Delivers each item as its own request (destinations that take one record per call),
    /// with at most `concurrency` requests in flight; settles them like [`Delivery::send`].
    pub async fn send_each<D: Destination>(
        &mut self,
        destination: &D,
        items: Vec<Item>,
        concurrency: usize,
    ) {
        let requests = items.into_iter().map(|item| vec![item]).collect();
        self.send_concurrently(destination, requests, concurrency)
            .await;
    }

    async fn send_concurrently<D: Destination>(
        &mut self,
        destination: &D,
        requests: Vec<Vec<Item>>,
        concurrency: usize,
    ) {
        for item in requests.iter().flatten() {
            for &record in &item.records {
                self.ledger.expect(record);
            }
        }
        // Concurrent requests share one task; the locks only make the invocation's future
        // `Send` (functions serve several invocations on several threads), never contended,
        // and no lock is held across an await.
        let halted = Mutex::new(self.halted.take());
        let telemetry = Mutex::new(std::mem::take(&mut self.telemetry));
        let paused_until = Mutex::new(None);
        let attempts = Attempts {
            policy: &self.policy,
            deadline: &self.deadline,
            halted: &halted,
            paused_until: &paused_until,
            telemetry: &telemetry,
        };
        let settled: Vec<Settled> = stream::iter(requests)
            .map(|batch| attempts.deliver(destination, batch))
            .buffer_unordered(concurrency.max(1))
            .flat_map(stream::iter)
            .collect()
            .await;
        self.halted = halted.into_inner().expect("no lock holder panicked");
        self.telemetry = telemetry.into_inner().expect("no lock holder panicked");
        for (item, failure) in settled {
            self.settle(&item, failure.as_ref());
        }
    }

    fn settle(&mut self, item: &Item, failure: Option<&Failure>) {
        match failure {
            None => self.telemetry.items_delivered += 1,
            Some(Failure::Rejected(_)) => self.telemetry.items_rejected += 1,
            Some(Failure::Refused(_)) => self.telemetry.items_refused += 1,
            Some(_) => self.telemetry.items_failed += 1,
        }
        for &record in &item.records {
            match failure {
                None => self.ledger.accepted(record),
                Some(f) => self.ledger.refused(record, f.clone()),
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().expect("no lock holder panicked")
}

/// An item and how it ended: `None` when accepted.
type Settled = (Item, Option<Failure>);

/// What concurrent requests of one invocation share: settings, the deadline, whether the
/// destination refused our configuration, and the counters.
struct Attempts<'a> {
    policy: &'a RetryPolicy,
    deadline: &'a Deadline,
    halted: &'a Mutex<Option<String>>,
    /// Until when the destination asked every lane to wait (its latest `Retry-After`).
    paused_until: &'a Mutex<Option<Instant>>,
    telemetry: &'a Mutex<Telemetry>,
}

impl Attempts<'_> {
    /// Sends one batch until every item is settled: accepted, refused, or out of attempts or
    /// time. Batches split on 413 are sent in turn.
    async fn deliver<D: Destination>(&self, destination: &D, items: Vec<Item>) -> Vec<Settled> {
        let mut settled = Vec::with_capacity(items.len());
        // Each batch with its attempt and the answer that made it a retry (named when time runs
        // out before the next attempt).
        let mut queue = VecDeque::from([(items, 1u32, None::<String>)]);
        while let Some((batch, attempt, last)) = queue.pop_front() {
            if batch.is_empty() {
                continue;
            }
            let halted = lock(self.halted).clone();
            if let Some(reason) = halted {
                settle_all(&mut settled, batch, Some(Failure::Misconfigured(reason)));
                continue;
            }
            // A `Retry-After` one request got holds every lane: the destination throttles the
            // account, not the request.
            let pause = (*lock(self.paused_until)).map_or(Duration::ZERO, |until| {
                until.saturating_duration_since(Instant::now())
            });
            if !self.deadline.allows(pause, self.policy.min_attempt_time) {
                let failure = Failure::Undelivered(if pause.is_zero() {
                    match &last {
                        Some(reason) => format!(
                            "no time left before the Lambda deadline (last answer: {reason})"
                        ),
                        None => "no time left before the Lambda deadline".into(),
                    }
                } else {
                    format!(
                        "the destination asked to wait {} ms, past the Lambda deadline",
                        pause.as_millis()
                    )
                });
                settle_all(&mut settled, batch, Some(failure));
                continue;
            }
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            let started = Instant::now();
            let verdict = destination
                .send(&batch, self.deadline.request_timeout(self.policy))
                .await;
            lock(self.telemetry).request(destination.name(), started.elapsed(), batch.len());
            match verdict {
                Verdict::Delivered => settle_all(&mut settled, batch, None),
                Verdict::Refused { reason } => {
                    tracing::warn!(destination = destination.name(), items = batch.len(), %reason, "request refused as a whole; nothing acknowledged");
                    settle_all(&mut settled, batch, Some(Failure::Refused(reason)));
                }
                Verdict::Rejected { items } => {
                    let refused: HashMap<usize, String> = items.into_iter().collect();
                    tracing::warn!(
                        destination = destination.name(),
                        rejected = refused.len(),
                        "items rejected"
                    );
                    for (n, item) in batch.into_iter().enumerate() {
                        let failure = refused.get(&n).map(|r| Failure::Rejected(r.clone()));
                        settled.push((item, failure));
                    }
                }
                Verdict::TooLarge { reason } if batch.len() == 1 => {
                    let failure = Failure::Rejected(format!("too large on its own: {reason}"));
                    settle_all(&mut settled, batch, Some(failure));
                }
                Verdict::TooLarge { .. } => {
                    let mut first = batch;
                    let second = first.split_off(first.len() / 2);
                    lock(self.telemetry).splits += 1;
                    queue.push_front((second, attempt, last.clone()));
                    queue.push_front((first, attempt, last));
                }
                Verdict::Misconfigured { reason } => {
                    tracing::error!(destination = destination.name(), %reason, "destination refused the configuration; sending stopped");
                    settle_all(
                        &mut settled,
                        batch,
                        Some(Failure::Misconfigured(reason.clone())),
                    );
                    lock(self.halted).get_or_insert(reason);
                }
                Verdict::Retry {
                    retry_after,
                    reason,
                } => {
                    if let Some(after) = retry_after {
                        let until = Instant::now() + after;
                        let later = (*lock(self.paused_until)).map_or(until, |u| u.max(until));
                        *lock(self.paused_until) = Some(later);
                    }
                    match self
                        .plan_retry(destination.name(), batch, attempt, retry_after, &reason)
                        .await
                    {
                        Ok(again) => queue.push_front((again, attempt + 1, Some(reason))),
                        Err(gave_up) => settled.extend(gave_up),
                    }
                }
            }
        }
        settled
    }

    /// Waits out the backoff and returns the batch to resend, or the batch settled as
    /// undelivered when attempts or time ran out.
    async fn plan_retry(
        &self,
        destination: &'static str,
        batch: Vec<Item>,
        attempt: u32,
        retry_after: Option<Duration>,
        reason: &str,
    ) -> Result<Vec<Item>, Vec<Settled>> {
        let mut gave_up = Vec::new();
        if attempt >= self.policy.max_attempts {
            let failure =
                Failure::Undelivered(format!("gave up after {attempt} attempts: {reason}"));
            settle_all(&mut gave_up, batch, Some(failure));
            return Err(gave_up);
        }
        let delay = self.policy.delay(attempt, retry_after);
        if !self.deadline.allows(delay, self.policy.min_attempt_time) {
            let failure = Failure::Undelivered(format!(
                "{reason}; a retry in {} ms would not finish before the Lambda deadline",
                delay.as_millis()
            ));
            settle_all(&mut gave_up, batch, Some(failure));
            return Err(gave_up);
        }
        tracing::info!(destination, attempt, delay_ms = delay.as_millis() as u64, %reason, "retrying");
        lock(self.telemetry).retried += batch.len() as u64;
        tokio::time::sleep(delay).await;
        Ok(batch)
    }
}

fn settle_all(settled: &mut Vec<Settled>, batch: Vec<Item>, failure: Option<Failure>) {
    settled.extend(batch.into_iter().map(|item| (item, failure.clone())));
}
