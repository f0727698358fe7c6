//! One invocation: every ticket event of the batch becomes conditional writes, coalesced per
//! ticket and aspect, made concurrently; a record is acknowledged once its writes were made or
//! found older than what the table holds.

use delivery::Delivery;
use delivery::RetryPolicy;
use lambda_io::{Envelope, SinkHandler};

use crate::config::StoreConfig;
use crate::table::Table;
use crate::update::UpdateBook;

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
}

impl SinkHandler for Store {
    const FUNCTION: &'static str = "ticket-store";

    fn retry(&self) -> RetryPolicy {
        self.config.retry
    }

    async fn process(&self, envelope: &mut Envelope, delivery: &mut Delivery) {
        let mut book = UpdateBook::default();
        for index in 0..envelope.len() {
            let record = envelope.take_record(index);
            let id = record.open(delivery);
            match record.decode() {
                // They carry no ticket state; applied, their time would outrank an older
                // change that arrives later.
                Ok(event) if event.event_type.is_sla() => delivery
                    .ledger
                    .skip(id, "SLA events do not change the ticket"),
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
