//! The clock in the unit Zendesk's exports use: whole seconds since the unix epoch.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the unix epoch now (0 on a clock set before 1970).
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
