//! The delivery loop: send a batch, act on the verdict, retry within the deadline, and settle
//! every item in the ledger.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::time::Duration;

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

    /// Delivers `items` to `destination`, settling each in the ledger: accepted, rejected, or
    /// left undelivered when retries or time ran out.
    pub async fn send<D: Destination>(&mut self, destination: &D, items: Vec<Item>) {
        for item in &items {
            for &record in &item.records {
                self.ledger.expect(record);
            }
        }
        let mut queue = VecDeque::from([(items, 1u32)]);
        while let Some((batch, attempt)) = queue.pop_front() {
            if batch.is_empty() {
                continue;
            }
            if let Some(reason) = &self.halted {
                let failure = Failure::Misconfigured(reason.clone());
                self.settle_all(&batch, Some(&failure));
                continue;
            }
            if !self
                .deadline
                .allows(Duration::ZERO, self.policy.min_attempt_time)
            {
                let failure =
                    Failure::Undelivered("no time left before the Lambda deadline".into());
                self.settle_all(&batch, Some(&failure));
                continue;
            }
            let started = Instant::now();
            let verdict = destination
                .send(&batch, self.deadline.request_timeout(&self.policy))
                .await;
            self.telemetry
                .request(destination.name(), started.elapsed(), batch.len());
            match verdict {
                Verdict::Delivered => self.settle_all(&batch, None),
                Verdict::Rejected { reason } => {
                    tracing::warn!(destination = destination.name(), items = batch.len(), %reason, "batch rejected");
                    self.settle_all(&batch, Some(&Failure::Rejected(reason)));
                }
                Verdict::RejectedSome { items } => {
                    let refused: HashMap<usize, String> = items.into_iter().collect();
                    tracing::warn!(
                        destination = destination.name(),
                        rejected = refused.len(),
                        "some items rejected"
                    );
                    for (n, item) in batch.iter().enumerate() {
                        let failure = refused.get(&n).map(|r| Failure::Rejected(r.clone()));
                        self.settle(item, failure.as_ref());
                    }
                }
                Verdict::TooLarge { reason } if batch.len() == 1 => {
                    self.settle_all(
                        &batch,
                        Some(&Failure::Rejected(format!(
                            "too large on its own: {reason}"
                        ))),
                    );
                }
                Verdict::TooLarge { .. } => {
                    let mut first = batch;
                    let second = first.split_off(first.len() / 2);
                    self.telemetry.splits += 1;
                    queue.push_front((second, attempt));
                    queue.push_front((first, attempt));
                }
                Verdict::Misconfigured { reason } => {
                    tracing::error!(destination = destination.name(), %reason, "destination refused the configuration; sending stopped");
                    self.settle_all(&batch, Some(&Failure::Misconfigured(reason.clone())));
                    self.halted = Some(reason);
                }
                Verdict::Retry {
                    retry_after,
                    reason,
                } => {
                    if let Some(again) = self
                        .plan_retry(destination.name(), batch, attempt, retry_after, &reason)
                        .await
                    {
                        queue.push_front((again, attempt + 1));
                    }
                }
                Verdict::RetrySome {
                    items,
                    retry_after,
                    reason,
                } => {
                    let resend: HashSet<usize> = items.into_iter().collect();
                    let (mut again, mut accepted) = (Vec::new(), Vec::new());
                    for (n, item) in batch.into_iter().enumerate() {
                        if resend.contains(&n) {
                            again.push(item)
                        } else {
                            accepted.push(item)
                        }
                    }
                    self.settle_all(&accepted, None);
                    if let Some(again) = self
                        .plan_retry(destination.name(), again, attempt, retry_after, &reason)
                        .await
                    {
                        queue.push_front((again, attempt + 1));
                    }
                }
            }
        }
    }

    /// Waits out the backoff and returns the batch to resend, or settles it as undelivered when
    /// attempts or time ran out.
    async fn plan_retry(
        &mut self,
        destination: &'static str,
        batch: Vec<Item>,
        attempt: u32,
        retry_after: Option<Duration>,
        reason: &str,
    ) -> Option<Vec<Item>> {
        if attempt >= self.policy.max_attempts {
            let failure =
                Failure::Undelivered(format!("gave up after {attempt} attempts: {reason}"));
            self.settle_all(&batch, Some(&failure));
            return None;
        }
        let delay = self.policy.delay(attempt, retry_after);
        if !self.deadline.allows(delay, self.policy.min_attempt_time) {
            let failure = Failure::Undelivered(format!(
                "{reason}; a retry in {} ms would not finish before the Lambda deadline",
                delay.as_millis()
            ));
            self.settle_all(&batch, Some(&failure));
            return None;
        }
        tracing::info!(destination, attempt, delay_ms = delay.as_millis() as u64, %reason, "retrying");
        self.telemetry.retried += batch.len() as u64;
        tokio::time::sleep(delay).await;
        Some(batch)
    }

    fn settle_all(&mut self, batch: &[Item], failure: Option<&Failure>) {
        for item in batch {
            self.settle(item, failure);
        }
    }

    fn settle(&mut self, item: &Item, failure: Option<&Failure>) {
        match failure {
            None => self.telemetry.items_delivered += 1,
            Some(Failure::Rejected(_)) => self.telemetry.items_rejected += 1,
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
