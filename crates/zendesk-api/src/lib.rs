//! A Zendesk REST API client for the Lambdas and the CLI: configuration from the environment
//! (OAuth bearer token preferred, API token accepted), retries on 429 (honouring
//! `Retry-After`) and 5xx within a deadline, and typed errors.

mod client;
mod config;
mod error;
mod users;

pub use client::ZendeskClient;
pub use config::{SECRET_SETTINGS, ZendeskAuth, ZendeskConfig};
pub use error::ZendeskError;
pub use users::{SHOW_MANY_LIMIT, User};
