//! The `ticketbridge` command line's library: a local Lambda Runtime API, a runner for the real
//! function binaries and a local EventBridge, shared by `ticketbridge demo`/`invoke` and the end-to-end tests; and the rule
//! routing of `infra/rules/` (`ticketbridge rules check`, the demo's EventBridge step); the
//! Zendesk history backfill and the local run of the ticket-metrics job.

pub mod backfill;
pub mod bridge_demo;
pub mod demo;
pub mod emulator;
pub mod function;
pub mod history_cli;
pub mod local_bus;
pub mod local_table;
mod output_pipe;
pub mod routing;
pub mod rules_check;
pub mod store_demo;

pub use emulator::{Outcome, RuntimeApi};
pub use function::FunctionProcess;
pub use local_bus::{LocalBus, sns_event};
pub use local_table::LocalTable;
