//! The Zendesk ticket event model: both families (the retired EventBridge connector and
//! `zen:event-type:ticket.*` webhooks) decoded into one [`TicketEvent`], and each event's stable
//! identity.

mod account;
mod decode;
mod error;
mod event;
mod identity;
pub mod ids;
pub mod kind;
#[cfg(feature = "samples")]
pub mod samples;
mod scan;
mod timestamp;
mod wire;

pub use wire::parse as parse_at;

pub use account::{AccountEvent, AccountKind, decode_account_event};
pub use decode::{decode_event, decode_event_with_serde};
pub use error::DecodeError;
pub use event::{Attachment, Comment, Sequence, Sla, SourceFamily, Ticket, TicketEvent};
pub use identity::{DerivedKey, EventIdentity};
pub use kind::{
    ChangeValue, DETAIL_TYPE_PREFIX, EVENT_TYPES, EventSpec, EventType, WEBHOOK_TICKET_PREFIX,
    title_case,
};
pub use timestamp::Timestamp;
