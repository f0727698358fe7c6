//! A ticket's metric set: the response-time metrics Zendesk computes per ticket.

use serde::{Deserialize, Deserializer};

/// A duration metric in minutes. Unreached metrics arrive as `null`, as an object of nulls or
/// with only `calendar` (undocumented), so each member is optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct Minutes {
    /// Wall-clock minutes.
    #[serde(default)]
    pub calendar: Option<u64>,
    /// Minutes within the account's business hours.
    #[serde(default)]
    pub business: Option<u64>,
}

/// `metric_set` of a ticket (the same fields as `/api/v2/ticket_metrics`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MetricSet {
    /// Metric set id.
    #[serde(default)]
    pub id: Option<u64>,
    /// The ticket it measures.
    #[serde(default)]
    pub ticket_id: Option<u64>,
    /// When the metrics last changed: the event time and half the dedup key.
    pub updated_at: String,
    /// Times the ticket was reopened.
    #[serde(default)]
    pub reopens: Option<u64>,
    /// Public agent replies.
    #[serde(default)]
    pub replies: Option<u64>,
    /// When it was last solved.
    #[serde(default)]
    pub solved_at: Option<String>,
    /// When it was last assigned.
    #[serde(default)]
    pub assigned_at: Option<String>,
    /// First reply time.
    #[serde(default, deserialize_with = "minutes")]
    pub reply_time_in_minutes: Minutes,
    /// First resolution time.
    #[serde(default, deserialize_with = "minutes")]
    pub first_resolution_time_in_minutes: Minutes,
    /// Full resolution time.
    #[serde(default, deserialize_with = "minutes")]
    pub full_resolution_time_in_minutes: Minutes,
    /// Time agents waited.
    #[serde(default, deserialize_with = "minutes")]
    pub agent_wait_time_in_minutes: Minutes,
    /// Time the requester waited.
    #[serde(default, deserialize_with = "minutes")]
    pub requester_wait_time_in_minutes: Minutes,
    /// Time on hold.
    #[serde(default, deserialize_with = "minutes")]
    pub on_hold_time_in_minutes: Minutes,
}

/// `null` reads as no values, like an absent field.
fn minutes<'de, D: Deserializer<'de>>(d: D) -> Result<Minutes, D::Error> {
    Ok(Option::<Minutes>::deserialize(d)?.unwrap_or_default())
}

impl MetricSet {
    /// The duration metrics with the property stem each maps to.
    pub fn durations(&self) -> [(&'static str, Minutes); 6] {
        [
            ("reply_time_minutes", self.reply_time_in_minutes),
            (
                "first_resolution_time_minutes",
                self.first_resolution_time_in_minutes,
            ),
            (
                "full_resolution_time_minutes",
                self.full_resolution_time_in_minutes,
            ),
            ("agent_wait_time_minutes", self.agent_wait_time_in_minutes),
            (
                "requester_wait_time_minutes",
                self.requester_wait_time_in_minutes,
            ),
            ("on_hold_time_minutes", self.on_hold_time_in_minutes),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreached_metrics_in_every_shape_read_as_none() {
        let set: MetricSet = serde_json::from_str(
            r#"{"updated_at":"2026-03-11T09:30:00Z","reply_time_in_minutes":null,
                "first_resolution_time_in_minutes":{"calendar":null,"business":null},
                "full_resolution_time_in_minutes":{"calendar":1148}}"#,
        )
        .unwrap();
        assert_eq!(set.reply_time_in_minutes, Minutes::default());
        assert_eq!(set.first_resolution_time_in_minutes, Minutes::default());
        assert_eq!(set.full_resolution_time_in_minutes.calendar, Some(1148));
        assert_eq!(set.full_resolution_time_in_minutes.business, None);
        assert_eq!(set.on_hold_time_in_minutes, Minutes::default());
    }
}
