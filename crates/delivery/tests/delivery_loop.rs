//! The delivery loop against a scripted destination, in paused time.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;

use delivery::{Deadline, Delivery, Destination, Failure, Item, Outcome, RetryPolicy, Verdict};
use tokio::time::Instant;

struct Scripted {
    answers: RefCell<VecDeque<Verdict>>,
    sent: RefCell<Vec<(Duration, Vec<u8>)>>,
    origin: Instant,
}

impl Scripted {
    fn new(answers: Vec<Verdict>) -> Self {
        Self {
            answers: RefCell::new(answers.into()),
            sent: RefCell::default(),
            origin: Instant::now(),
        }
    }

    /// (time since start, first byte of each item) per request.
    fn requests(&self) -> Vec<(Duration, Vec<u8>)> {
        self.sent.borrow().clone()
    }
}

impl Destination for Scripted {
    fn name(&self) -> &'static str {
        "scripted"
    }

    async fn send(&self, items: &[Item], _timeout: Duration) -> Verdict {
        self.sent.borrow_mut().push((
            self.origin.elapsed(),
            items.iter().map(|i| i.bytes[0]).collect(),
        ));
        self.answers
            .borrow_mut()
            .pop_front()
            .unwrap_or(Verdict::Delivered)
    }
}

fn items(n: u8) -> Vec<Item> {
    (0..n).map(|i| Item::new(vec![i], u32::from(i))).collect()
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(2),
        max_attempts: 10,
        min_attempt_time: Duration::from_secs(1),
        request_timeout: Duration::from_secs(5),
    }
}

fn retry(after: Option<u64>) -> Verdict {
    Verdict::Retry {
        retry_after: after.map(Duration::from_secs),
        reason: "429 Too Many Requests".into(),
    }
}

#[tokio::test(start_paused = true)]
async fn retries_then_delivers_honouring_retry_after() {
    let dest = Scripted::new(vec![retry(Some(3)), retry(None), Verdict::Delivered]);
    let mut d = Delivery::new(policy(), Deadline::after(Duration::from_secs(60)), 3);
    d.send(&dest, items(3)).await;
    let sent = dest.requests();
    assert_eq!(sent.len(), 3);
    assert!(
        sent[1].0 - sent[0].0 >= Duration::from_secs(3),
        "Retry-After is a floor"
    );
    assert!((0..3).all(|r| d.ledger.outcome(r) == Outcome::Delivered));
    assert_eq!(d.telemetry.retried, 6);
}

#[tokio::test(start_paused = true)]
async fn rejected_items_fail_only_their_records() {
    let dest = Scripted::new(vec![Verdict::Rejected {
        items: vec![(2, "time out of range".into())],
    }]);
    let mut d = Delivery::new(policy(), Deadline::after(Duration::from_secs(60)), 3);
    d.send(&dest, items(3)).await;
    assert_eq!(dest.requests().len(), 1, "a rejection is never retried");
    assert_eq!(d.ledger.outcome(0), Outcome::Delivered);
    assert_eq!(
        d.ledger.outcome(2),
        Outcome::Failed(Failure::Rejected("time out of range".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn a_request_refused_as_a_whole_acknowledges_none_of_its_records() {
    let dest = Scripted::new(vec![Verdict::Refused {
        reason: "HTTP 404: Not Found".into(),
    }]);
    let mut d = Delivery::new(policy(), Deadline::after(Duration::from_secs(60)), 3);
    d.send(&dest, items(3)).await;
    assert_eq!(
        dest.requests().len(),
        1,
        "a refusal is not retried in place"
    );
    for r in 0..3 {
        assert_eq!(
            d.ledger.outcome(r),
            Outcome::Failed(Failure::Refused("HTTP 404: Not Found".into()))
        );
    }
    assert_eq!(d.telemetry.items_refused, 3);
    assert_eq!(d.telemetry.items_rejected, 0);
}

#[tokio::test(start_paused = true)]
async fn too_large_splits_until_it_fits() {
    let too_large = || Verdict::TooLarge {
        reason: "413".into(),
    };
    let dest = Scripted::new(vec![
        too_large(),
        too_large(),
        Verdict::Delivered,
        Verdict::Delivered,
        Verdict::Delivered,
    ]);
    let mut d = Delivery::new(policy(), Deadline::after(Duration::from_secs(60)), 4);
    d.send(&dest, items(4)).await;
    let sizes: Vec<_> = dest.requests().iter().map(|r| r.1.len()).collect();
    assert_eq!(sizes, vec![4, 2, 1, 1, 2]);
    assert!((0..4).all(|r| d.ledger.outcome(r) == Outcome::Delivered));
}

#[tokio::test(start_paused = true)]
async fn a_configuration_error_stops_all_sending() {
    let dest = Scripted::new(vec![Verdict::Misconfigured {
        reason: "Invalid credentials".into(),
    }]);
    let mut d = Delivery::new(policy(), Deadline::after(Duration::from_secs(60)), 3);
    d.send(&dest, items(2)).await;
    d.send(&dest, vec![Item::new(vec![9], 2)]).await;
    assert_eq!(dest.requests().len(), 1, "no retry storm");
    assert_eq!(d.halted(), Some("Invalid credentials"));
    assert!(matches!(
        d.ledger.outcome(2),
        Outcome::Failed(Failure::Misconfigured(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn no_attempt_starts_that_cannot_finish_before_the_deadline() {
    let dest = Scripted::new((0..100).map(|_| retry(None)).collect());
    let budget = Duration::from_secs(10);
    let mut d = Delivery::new(
        RetryPolicy {
            max_attempts: 100,
            ..policy()
        },
        Deadline::after(budget),
        1,
    );
    d.send(&dest, items(1)).await;
    let sent = dest.requests();
    assert!(sent.len() > 2);
    for (at, _) in &sent {
        assert!(
            *at + policy().min_attempt_time <= budget,
            "attempt at {at:?}"
        );
    }
    match d.ledger.outcome(0) {
        Outcome::Failed(Failure::Undelivered(reason)) => {
            assert!(reason.contains("deadline"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn attempts_are_capped() {
    let dest = Scripted::new((0..100).map(|_| retry(None)).collect());
    let mut d = Delivery::new(
        RetryPolicy {
            max_attempts: 3,
            ..policy()
        },
        Deadline::after(Duration::from_secs(600)),
        1,
    );
    d.send(&dest, items(1)).await;
    assert_eq!(dest.requests().len(), 3);
    assert!(
        matches!(d.ledger.outcome(0), Outcome::Failed(Failure::Undelivered(r)) if r.contains("3 attempts"))
    );
}

/// A destination taking one item per call that takes 20 ms to answer and counts how many calls
/// overlap; item 0 is throttled once.
#[derive(Default)]
struct Slow {
    in_flight: RefCell<usize>,
    most_in_flight: RefCell<usize>,
    calls: RefCell<Vec<u8>>,
    starts: RefCell<Vec<Instant>>,
}

impl Destination for Slow {
    fn name(&self) -> &'static str {
        "slow"
    }

    async fn send(&self, items: &[Item], _timeout: Duration) -> Verdict {
        assert_eq!(items.len(), 1, "one item per request");
        let id = items[0].bytes[0];
        let first_try = !self.calls.borrow().contains(&id);
        self.calls.borrow_mut().push(id);
        self.starts.borrow_mut().push(Instant::now());
        *self.in_flight.borrow_mut() += 1;
        let now = *self.in_flight.borrow();
        let most = (*self.most_in_flight.borrow()).max(now);
        *self.most_in_flight.borrow_mut() = most;
        tokio::time::sleep(Duration::from_millis(20)).await;
        *self.in_flight.borrow_mut() -= 1;
        if id == 0 && first_try {
            retry(Some(1))
        } else {
            Verdict::Delivered
        }
    }
}

#[tokio::test(start_paused = true)]
async fn send_each_bounds_concurrency_and_retries_each_item_alone() {
    let dest = Slow::default();
    let mut d = Delivery::new(policy(), Deadline::after(Duration::from_secs(60)), 20);
    let started = Instant::now();
    d.send_each(&dest, items(20), 4).await;
    assert_eq!(*dest.most_in_flight.borrow(), 4);
    assert_eq!(
        dest.calls.borrow().len(),
        21,
        "item 0 sent twice, the rest once"
    );
    assert!((0..20).all(|r| d.ledger.outcome(r) == Outcome::Delivered));
    assert_eq!(d.telemetry.retried, 1);
    // 20 items × 20 ms over 4 lanes = 100 ms, plus the 1 s every lane waits after the 429.
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_pauses_every_lane() {
    let dest = Slow::default();
    let mut d = Delivery::new(policy(), Deadline::after(Duration::from_secs(60)), 20);
    let started = Instant::now();
    d.send_each(&dest, items(20), 4).await;
    // Item 0's 429 (Retry-After: 1 s) came 20 ms in; no lane may start a request until 1 s
    // after that.
    let throttled_at = started + Duration::from_millis(20);
    let resume = throttled_at + Duration::from_secs(1);
    let starts = dest.starts.borrow();
    assert!(
        starts.iter().all(|t| *t <= throttled_at || *t >= resume),
        "{:?}",
        starts.iter().map(|t| *t - started).collect::<Vec<_>>()
    );
    assert!(starts.iter().filter(|t| **t >= resume).count() >= 16);
    assert!((0..20).all(|r| d.ledger.outcome(r) == Outcome::Delivered));
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_past_the_deadline_starts_nothing_more() {
    let dest = Scripted::new(vec![retry(Some(30))]);
    let mut d = Delivery::new(policy(), Deadline::after(Duration::from_secs(10)), 5);
    d.send_each(&dest, items(5), 1).await;
    assert_eq!(dest.requests().len(), 1, "nothing starts into the pause");
    for r in 0..5 {
        assert!(
            matches!(d.ledger.outcome(r), Outcome::Failed(Failure::Undelivered(ref why)) if why.contains("deadline")),
            "{:?}",
            d.ledger.outcome(r)
        );
    }
}

#[tokio::test(start_paused = true)]
async fn send_each_stops_every_lane_on_a_configuration_error() {
    let dest = Scripted::new(vec![Verdict::Misconfigured {
        reason: "unauthorized".into(),
    }]);
    let mut d = Delivery::new(policy(), Deadline::after(Duration::from_secs(60)), 10);
    d.send_each(&dest, items(10), 1).await;
    assert_eq!(dest.requests().len(), 1);
    assert!((0..10).all(|r| matches!(
        d.ledger.outcome(r),
        Outcome::Failed(Failure::Misconfigured(_))
    )));
}
