//! The EventBridge rules of `infra/rules/`: one JSON file per rule (a header and the event pattern),
//! loaded and validated the way the CDK app reads them, and matched against events with the same
//! semantics as EventBridge (through `quamina`, an implementation of EventBridge's pattern language).

mod error;
mod rule;
mod ruleset;

pub use error::RuleError;
pub use rule::{Rule, TARGETS};
pub use ruleset::{EventCheck, RuleSet, event_problem};
