//! One JSON summary line per invocation and CloudWatch Embedded Metric Format metrics.
//!
//! EMF is a documented JSON log shape, so it is written directly: the crates that produce it
//! pull in a metrics facade and a background flusher, more than one line per invocation needs.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Value, json};

use crate::ledger::{Failure, Ledger, Outcome};

/// Most latency samples kept per invocation (EMF takes up to 100 values per metric).
const MAX_SAMPLES: usize = 100;

/// Requests and latency to one destination endpoint.
#[derive(Debug, Default, Clone, Serialize)]
pub struct EndpointStats {
    /// Requests made.
    pub requests: u64,
    /// Items carried, retries included.
    pub items: u64,
    /// Sum of request latencies.
    pub latency_ms_total: u64,
    /// Slowest request.
    pub latency_ms_max: u64,
}

/// Counters of one invocation.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Telemetry {
    /// Input records received.
    pub records_received: u64,
    /// Records acknowledged after delivery.
    pub records_delivered: u64,
    /// Records acknowledged without sending (filtered out).
    pub records_skipped: u64,
    /// Records not acknowledged, for any reason.
    pub records_failed: u64,
    /// Of the failed: bad input.
    pub records_bad_input: u64,
    /// Of the failed: refused by the destination, record by record.
    pub records_rejected: u64,
    /// Of the failed: in a request the destination refused as a whole.
    pub records_refused: u64,
    /// Destination items accepted.
    pub items_delivered: u64,
    /// Destination items refused for good, one by one.
    pub items_rejected: u64,
    /// Destination items in requests refused as a whole (not acknowledged).
    pub items_refused: u64,
    /// Destination items not accepted in time.
    pub items_failed: u64,
    /// Items resent after a retryable answer.
    pub retried: u64,
    /// Batches split after a 413.
    pub splits: u64,
    /// Requests made, all endpoints.
    pub requests: u64,
    /// Per endpoint.
    pub endpoints: BTreeMap<&'static str, EndpointStats>,
    /// A sink's own counters (requester lookups, skips by reason, …), also sent as metrics.
    #[serde(rename = "sink")]
    pub custom: BTreeMap<&'static str, u64>,
    #[serde(skip)]
    latency_samples: Vec<f64>,
}

impl Telemetry {
    /// Counters for an invocation of `records` input records.
    pub fn new(records: usize) -> Self {
        Self {
            records_received: records as u64,
            ..Self::default()
        }
    }

    /// Counts one request.
    pub fn request(&mut self, endpoint: &'static str, latency: Duration, items: usize) {
        let ms = latency.as_millis() as u64;
        self.requests += 1;
        let stats = self.endpoints.entry(endpoint).or_default();
        stats.requests += 1;
        stats.items += items as u64;
        stats.latency_ms_total += ms;
        stats.latency_ms_max = stats.latency_ms_max.max(ms);
        if self.latency_samples.len() < MAX_SAMPLES {
            self.latency_samples.push(latency.as_secs_f64() * 1000.0);
        }
    }

    /// Adds `n` to the sink's own counter `name` (a CamelCase metric name).
    pub fn count(&mut self, name: &'static str, n: u64) {
        *self.custom.entry(name).or_default() += n;
    }

    /// Fills the record counters from the final ledger.
    pub fn count_outcomes(&mut self, ledger: &Ledger) {
        for (_, outcome) in ledger.outcomes() {
            match outcome {
                Outcome::Delivered => self.records_delivered += 1,
                Outcome::Skipped(_) => self.records_skipped += 1,
                Outcome::Failed(failure) => {
                    self.records_failed += 1;
                    match failure {
                        Failure::BadInput(_) => self.records_bad_input += 1,
                        Failure::Rejected(_) => self.records_rejected += 1,
                        Failure::Refused(_) => self.records_refused += 1,
                        _ => {}
                    }
                }
            }
        }
    }

    /// The summary log line.
    pub fn summary(&self, function: &str, envelope: &str, duration: Duration) -> Value {
        json!({
            "message": "invocation summary",
            "function": function,
            "envelope": envelope,
            "duration_ms": duration.as_millis() as u64,
            "counters": self,
        })
    }

    /// The EMF line: the same counters as CloudWatch metrics under `namespace`.
    pub fn emf(&self, namespace: &str, function: &str) -> Value {
        let mut counts = vec![
            ("RecordsReceived", self.records_received),
            ("RecordsDelivered", self.records_delivered),
            ("RecordsSkipped", self.records_skipped),
            ("RecordsFailed", self.records_failed),
            ("RecordsBadInput", self.records_bad_input),
            ("RecordsRejected", self.records_rejected),
            ("RecordsRefused", self.records_refused),
            ("ItemsDelivered", self.items_delivered),
            ("ItemsRejected", self.items_rejected),
            ("ItemsRefused", self.items_refused),
            ("ItemsRetried", self.retried),
            ("Requests", self.requests),
        ];
        counts.extend(self.custom.iter().map(|(name, n)| (*name, *n)));
        emf_line(
            namespace,
            function,
            &counts,
            &[("DestinationLatency", &self.latency_samples)],
        )
    }
}

/// One EMF line: `counts` as Count metrics and `samples` as Milliseconds metrics (up to 100
/// values each), under `namespace` with the `Function` dimension.
pub fn emf_line(
    namespace: &str,
    function: &str,
    counts: &[(&str, u64)],
    samples: &[(&str, &[f64])],
) -> Value {
    let mut metrics: Vec<Value> = counts
        .iter()
        .map(|(name, _)| json!({"Name": name, "Unit": "Count"}))
        .collect();
    metrics.extend(
        samples
            .iter()
            .map(|(name, _)| json!({"Name": name, "Unit": "Milliseconds"})),
    );
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut line = json!({
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [["Function"]],
                "Metrics": metrics,
            }],
        },
        "Function": function,
    });
    for (name, value) in counts {
        line[*name] = json!(value);
    }
    for (name, values) in samples {
        line[*name] = json!(&values[..values.len().min(MAX_SAMPLES)]);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emf_declares_every_metric_it_carries() {
        let mut t = Telemetry::new(3);
        t.request("mixpanel_import", Duration::from_millis(12), 3);
        let emf = t.emf("ticketbridge", "mixpanel-sink");
        let declared = emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap();
        for metric in declared {
            let name = metric["Name"].as_str().unwrap();
            assert!(!emf[name].is_null(), "{name} declared but missing");
        }
        assert_eq!(emf["RecordsReceived"], 3);
        assert_eq!(emf["Requests"], 1);
        assert_eq!(emf["DestinationLatency"][0], 12.0);
    }
}
