//! Per-record acknowledgement: a record is delivered only when every item made from it was
//! accepted; anything else leaves it failed, so the platform retries it.

use std::fmt;

use crate::batch::RecordId;

/// Why a record is not acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The input could not be decoded or mapped (record path and reason inside).
    BadInput(String),
    /// The destination refused an item made from it for good, naming it (record-level).
    Rejected(String),
    /// The destination refused a whole request holding an item made from it, naming no item:
    /// nothing of that request was accepted.
    Refused(String),
    /// An item made from it was not accepted in time (retries exhausted or deadline near).
    Undelivered(String),
    /// The destination refused the credentials or configuration.
    Misconfigured(String),
}

impl Failure {
    /// Short label for logs and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BadInput(_) => "bad_input",
            Self::Rejected(_) => "rejected",
            Self::Refused(_) => "refused",
            Self::Undelivered(_) => "undelivered",
            Self::Misconfigured(_) => "misconfigured",
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadInput(m) => write!(f, "bad input: {m}"),
            Self::Rejected(m) => write!(f, "rejected by the destination: {m}"),
            Self::Refused(m) => write!(f, "the destination refused the whole request: {m}"),
            Self::Undelivered(m) => write!(f, "not delivered: {m}"),
            Self::Misconfigured(m) => write!(f, "configuration error: {m}"),
        }
    }
}

/// How one record ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every item made from it was accepted (or it produced none it needed to).
    Delivered,
    /// Deliberately not sent (filtered out); acknowledged.
    Skipped(String),
    /// Not acknowledged.
    Failed(Failure),
}

#[derive(Debug, Default)]
struct Entry {
    id: Option<String>,
    pending: u32,
    failure: Option<Failure>,
    skipped: Option<String>,
}

/// The state of every input record of one invocation.
#[derive(Debug, Default)]
pub struct Ledger {
    entries: Vec<Entry>,
}

impl Ledger {
    /// A ledger for `records` input records.
    pub fn new(records: usize) -> Self {
        Self {
            entries: (0..records).map(|_| Entry::default()).collect(),
        }
    }

    /// Records the platform id of a record (SQS `messageId`, SNS `MessageId`).
    pub fn set_id(&mut self, record: RecordId, id: Option<String>) {
        self.entries[record as usize].id = id;
    }

    /// The platform id of a record.
    pub fn id(&self, record: RecordId) -> Option<&str> {
        self.entries[record as usize].id.as_deref()
    }

    /// Marks a record failed; the first failure is the one reported.
    pub fn fail(&mut self, record: RecordId, failure: Failure) {
        self.entries[record as usize].failure.get_or_insert(failure);
    }

    /// Marks a record deliberately not sent.
    pub fn skip(&mut self, record: RecordId, reason: impl Into<String>) {
        self.entries[record as usize]
            .skipped
            .get_or_insert_with(|| reason.into());
    }

    /// An item made from `record` is on its way.
    pub fn expect(&mut self, record: RecordId) {
        self.entries[record as usize].pending += 1;
    }

    /// An item made from `record` was accepted.
    pub fn accepted(&mut self, record: RecordId) {
        let entry = &mut self.entries[record as usize];
        entry.pending = entry.pending.saturating_sub(1);
    }

    /// An item made from `record` was not accepted.
    pub fn refused(&mut self, record: RecordId, failure: Failure) {
        self.accepted(record);
        self.fail(record, failure);
    }

    /// How a record ended. Items still pending count as undelivered.
    pub fn outcome(&self, record: RecordId) -> Outcome {
        let entry = &self.entries[record as usize];
        match (&entry.failure, entry.pending, &entry.skipped) {
            (Some(f), _, _) => Outcome::Failed(f.clone()),
            (None, 0, Some(reason)) => Outcome::Skipped(reason.clone()),
            (None, 0, None) => Outcome::Delivered,
            (None, n, _) => Outcome::Failed(Failure::Undelivered(format!(
                "{n} item(s) never got an answer"
            ))),
        }
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every record's outcome, in order.
    pub fn outcomes(&self) -> impl Iterator<Item = (RecordId, Outcome)> + '_ {
        (0..self.entries.len() as RecordId).map(|r| (r, self.outcome(r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledged_only_when_every_item_was_accepted() {
        let mut ledger = Ledger::new(3);
        for r in [0, 0, 1, 2] {
            ledger.expect(r);
        }
        ledger.accepted(0);
        ledger.accepted(1);
        assert!(
            matches!(ledger.outcome(0), Outcome::Failed(Failure::Undelivered(_))),
            "one item of two"
        );
        ledger.accepted(0);
        assert_eq!(ledger.outcome(0), Outcome::Delivered);
        assert_eq!(ledger.outcome(1), Outcome::Delivered);
        ledger.refused(2, Failure::Rejected("bad".into()));
        assert_eq!(
            ledger.outcome(2),
            Outcome::Failed(Failure::Rejected("bad".into()))
        );
    }

    #[test]
    fn first_failure_wins_and_skips_are_acknowledged() {
        let mut ledger = Ledger::new(2);
        ledger.fail(0, Failure::BadInput("path".into()));
        ledger.fail(0, Failure::Undelivered("later".into()));
        assert_eq!(
            ledger.outcome(0),
            Outcome::Failed(Failure::BadInput("path".into()))
        );
        ledger.skip(1, "filtered");
        assert_eq!(ledger.outcome(1), Outcome::Skipped("filtered".into()));
    }
}
