//! One invocation: every ticket event of the batch becomes conditional writes, coalesced per
//! ticket and aspect, made concurrently; a record is acknowledged once its writes were made or
//! found older than what the table holds.

use delivery::Delivery;
use lambda_io::{Envelope, InvocationError, SinkEvent, run_invocation};
use serde_json::Value;

use crate::config::StoreConfig;
use crate::table::Table;
use crate::update::UpdateBook;

const FUNCTION: &str = "ticket-store";

/// Everything built once per container.
pub struct Store {
    config: StoreConfig,
    table: Table,
}

impl Store {
    /// A store writing to `table`.
    pub fn new(config: StoreConfig, table: Table) -> Self {
        Self { config, table }
    }

    /// Handles one invocation before its deadline; logs the summary line and EMF metrics, and
    /// returns Lambda's answer.
    pub async fn handle(&self, event: SinkEvent) -> Result<Value, InvocationError> {
        run_invocation(
            FUNCTION,
            self.config.retry,
            event,
            async |envelope: &mut Envelope, delivery: &mut Delivery| {
                self.process(envelope, delivery).await
            },
        )
        .await
    }

    async fn process(&self, envelope: &mut Envelope, delivery: &mut Delivery) {
        let mut book = UpdateBook::default();
        for index in 0..envelope.len() {
            let record = envelope.take_record(index);
            let id = record.open(delivery);
            match record.decode() {
                Ok(event) => book.add(&event, &self.config.pii, id),
                Err(e) => record.reject(delivery, e),
            }
        }
        let writes = self.table.writes();
        let items = book.into_items();
        delivery.telemetry.count("Writes", items.len() as u64);
        delivery
            .send_each(&writes, items, self.config.concurrency)
            .await;
        delivery
            .telemetry
            .count("OlderSkipped", writes.skipped_older());
    }
}
