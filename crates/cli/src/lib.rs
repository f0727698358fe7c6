//! The `ticketbridge` command line's library: a local Lambda Runtime API and a runner for the
//! real function binaries, shared by `ticketbridge demo`/`invoke` and the end-to-end tests.

pub mod demo;
pub mod emulator;
pub mod function;

pub use emulator::{Outcome, RuntimeApi};
pub use function::FunctionProcess;
