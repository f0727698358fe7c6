//! What one request did, as a log line and EMF metrics (namespace `ticketbridge`).

use std::time::Duration;

use serde_json::{Value, json};

/// Metrics namespace shared with the sinks.
pub const NAMESPACE: &str = "ticketbridge";
/// The `Function` dimension.
pub const FUNCTION: &str = "webhook-bridge";

/// Counters of one request (one webhook per invocation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMetrics {
    /// A webhook arrived on a known route.
    pub received: u64,
    /// Its signature checked out.
    pub verified: u64,
    /// Refused; the reason names why (`signature_mismatch`, `stale_timestamp`, …).
    pub rejected: Option<&'static str>,
    /// Authentic but of a type or topic the bridge does not carry.
    pub ignored: u64,
    /// Accepted by the bus.
    pub published: u64,
    /// PutEvents attempts after the first.
    pub publish_retries: u64,
    /// Shrunk to fit EventBridge's size limit.
    pub truncated: u64,
}

impl RequestMetrics {
    /// The EMF line for this request, with its latency.
    pub fn emf(&self, latency: Duration) -> Value {
        let rejected_reason = self.rejected.map(reason_metric);
        let mut counts: Vec<(&str, u64)> = vec![
            ("Received", self.received),
            ("Verified", self.verified),
            ("Rejected", u64::from(self.rejected.is_some())),
            ("Ignored", self.ignored),
            ("Published", self.published),
            ("PublishRetries", self.publish_retries),
            ("Truncated", self.truncated),
        ];
        if let Some(name) = &rejected_reason {
            counts.push((name.as_str(), 1));
        }
        let latency_ms = [latency.as_secs_f64() * 1000.0];
        delivery::emf_line(NAMESPACE, FUNCTION, &counts, &[("Latency", &latency_ms)])
    }

    /// The log line's counters.
    pub fn to_json(&self) -> Value {
        json!({
            "received": self.received,
            "verified": self.verified,
            "rejected": self.rejected,
            "ignored": self.ignored,
            "published": self.published,
            "publish_retries": self.publish_retries,
            "truncated": self.truncated,
        })
    }
}

/// `signature_mismatch` → `RejectedSignatureMismatch`.
pub(crate) fn reason_metric(reason: &str) -> String {
    let mut name = String::from("Rejected");
    for word in reason.split('_') {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.push_str(chars.as_str());
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_are_counted_by_reason() {
        let m = RequestMetrics {
            received: 1,
            rejected: Some("stale_timestamp"),
            ..Default::default()
        };
        let emf = m.emf(Duration::from_millis(3));
        assert_eq!(emf["Rejected"], 1);
        assert_eq!(emf["RejectedStaleTimestamp"], 1);
        let declared: Vec<&str> = emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert!(declared.contains(&"RejectedStaleTimestamp") && declared.contains(&"Latency"));
    }
}
