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
async fn retry_some_resends_only_those_items() {
    let dest = Scripted::new(vec![
        Verdict::RetrySome {
            items: vec![1],
            retry_after: None,
            reason: "throttled".into(),
        },
        Verdict::Delivered,
    ]);
    let mut d = Delivery::new(policy(), Deadline::after(Duration::from_secs(60)), 3);
    d.send(&dest, items(3)).await;
    assert_eq!(dest.requests()[1].1, vec![1]);
    assert!((0..3).all(|r| d.ledger.outcome(r) == Outcome::Delivered));
}

#[tokio::test(start_paused = true)]
async fn rejected_items_fail_only_their_records() {
    let dest = Scripted::new(vec![Verdict::RejectedSome {
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
    // 20 items × 20 ms over 4 lanes = 100 ms; item 0's retry waits 1 s beside them.
    assert!(
        started.elapsed() < Duration::from_millis(1100),
        "{:?}",
        started.elapsed()
    );
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
