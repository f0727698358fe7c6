//! The webhook bridge: verified Zendesk webhooks (and Intercom conversation notifications)
//! become connector-compatible events on an EventBridge bus, so rules, SNS and the sinks work as
//! they did with Zendesk's retired EventBridge connector.

pub mod bus_policy;
pub mod config;
pub mod connector_form;
mod handler;
pub mod http;
pub mod intercom;
pub mod metrics;
pub mod refusals;
pub mod signature;
pub mod zendesk;

// The bus entry and publisher live in `event-bus`, shared with ticket-metrics.
pub use event_bus::{entry, publish};

pub use config::BridgeConfig;
pub use connector_form::{ConnectorEntry, TICKET_RESOURCE, encode_connector};
pub use handler::{Bridge, Prepared};
pub use publish::Publisher;
