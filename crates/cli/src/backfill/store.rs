//! `ticketbridge backfill --to store`: Zendesk's cursor ticket export into the ticket store, so
//! a store deployed today starts complete. Each ticket's exported state becomes the same
//! conditional writes the live events make, versioned by its `updated_at`: the backfill and the
//! live events may run in any order, and the newest state wins.
//!
//! - The checkpoint holds the export cursor after the last page whose writes were all made (or
//!   found older); a resume asks for that cursor. A page is at most written twice, and a
//!   repeated write changes nothing.
//! - Pace: the export's own limit (shared with ticket-metrics), one page in memory at a time.
//! - Ctrl-C finishes the page in flight, saves the checkpoint and stops.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use delivery::{Deadline, Delivery, Outcome, RecordId};
use serde::{Deserialize, Serialize};
use ticket_store::update::{UpdateBook, snapshot_updates};
use ticket_store::{StoreConfig, Table};
use zendesk_api::{ExportStart, ZendeskClient, ZendeskConfig, unix_now};

use super::{CheckpointFile, Ended, Progress};

/// What the store backfill's checkpoint records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreCheckpoint {
    /// `--since` of the run that wrote it (a resume must ask for the same start).
    pub since: i64,
    /// The export cursor after the last page written.
    pub cursor: String,
    /// True once the export caught up with now.
    pub complete: bool,
    /// Tickets written so far, over every run.
    pub tickets_written: u64,
}

/// What to fill.
#[derive(Debug, Clone)]
pub struct StoreBackfillOptions {
    /// Unix seconds: tickets changed since then.
    pub since: i64,
    /// Where to keep the checkpoint.
    pub checkpoint: Option<CheckpointFile>,
    /// JSON progress lines instead of a bar.
    pub json: bool,
}

/// Counters of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StoreCounts {
    /// Export pages read and written.
    pub pages: u64,
    /// Tickets read.
    pub tickets_read: u64,
    /// Conditional writes made (state, marks, listed custom fields).
    pub writes: u64,
    /// Writes the table already held newer state for (a live event got there first).
    pub older_skipped: u64,
    /// Tickets without `updated_at`, which cannot be ordered against events: not written.
    pub tickets_without_time: u64,
    /// Unix seconds reached in the export (the newest `updated_at` read).
    pub position: i64,
    /// Seconds waiting for Zendesk's rate limit.
    pub rate_limit_wait_s: f64,
    /// Seconds since the start of this run.
    pub elapsed_s: f64,
}

/// A store backfill: the Zendesk client, the table and the stop flag Ctrl-C sets.
pub struct StoreBackfill {
    zendesk: ZendeskClient,
    table: Table,
    config: StoreConfig,
    stop: Arc<AtomicBool>,
}

impl StoreBackfill {
    /// A backfill reading `zendesk` and writing `table` with `config`'s settings.
    pub fn new(zendesk: &ZendeskConfig, config: StoreConfig, table: Table) -> Result<Self, String> {
        Ok(Self {
            zendesk: ZendeskClient::new(zendesk, config.retry)?,
            table,
            config,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The flag that stops the backfill after the page in flight.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// Runs the backfill; counts of this run, or why it stopped (the checkpoint holds the last
    /// page written).
    pub async fn run(
        &self,
        options: &StoreBackfillOptions,
    ) -> Result<(Ended, StoreCounts), String> {
        let resumed: Option<StoreCheckpoint> = match &options.checkpoint {
            Some(file) => file.load()?,
            None => None,
        };
        let (mut start, mut written) = match resumed {
            Some(c) if c.since != options.since => {
                return Err(format!(
                    "the checkpoint is for --since {}; use the same start or another --checkpoint file",
                    c.since
                ));
            }
            Some(c) if c.complete => {
                eprintln!(
                    "the checkpoint says the store was filled up to its last run; nothing to do (live events keep it current)"
                );
                return Ok((Ended::Complete, StoreCounts::default()));
            }
            Some(c) => {
                eprintln!(
                    "resuming at the saved export cursor ({} tickets written before)",
                    c.tickets_written
                );
                (ExportStart::Cursor(c.cursor), c.tickets_written)
            }
            None => (ExportStart::Since(options.since), 0),
        };
        let progress = Progress::new(options.since, unix_now(), options.json);
        let mut counts = StoreCounts {
            position: options.since,
            ..StoreCounts::default()
        };
        // Far enough to never bind: a backfill has no Lambda deadline.
        let deadline = Deadline::after(Duration::from_secs(30 * 24 * 3600));
        let mut ended = Ended::Complete;
        loop {
            if self.stop.load(Ordering::Relaxed) {
                ended = Ended::Interrupted;
                break;
            }
            let page = self
                .zendesk
                .ticket_export_page(&start, &deadline)
                .await
                .map_err(|e| {
                    progress.finish();
                    format!("Zendesk: {e}")
                })?;
            counts.pages += 1;
            let mut book = UpdateBook::default();
            let mut untimed = Vec::new();
            for (record, exported) in page.tickets.iter().enumerate() {
                counts.tickets_read += 1;
                let ticket = exported.ticket();
                if let Some(at) = ticket.updated_at {
                    counts.position = counts.position.max(at.unix_millis() / 1000);
                }
                match snapshot_updates(&ticket, &exported.custom_field_values(), &self.config.pii) {
                    Some(writes) => book.add_writes(writes, record as RecordId),
                    None => {
                        counts.tickets_without_time += 1;
                        eprintln!(
                            "ticket {} has no updated_at: not written (its events will write it)",
                            ticket.id
                        );
                        untimed.push(record as RecordId);
                    }
                }
            }
            self.write(
                page.tickets.len(),
                book,
                &untimed,
                &mut counts,
                &page.tickets,
            )
            .await
            .inspect_err(|_| progress.finish())?;
            written += (page.tickets.len() - untimed.len()) as u64;
            let next = page.after_cursor.clone();
            let complete = page.end_of_stream || next.is_none();
            if let (Some(file), Some(cursor)) = (&options.checkpoint, &next) {
                file.save(&StoreCheckpoint {
                    since: options.since,
                    cursor: cursor.clone(),
                    complete,
                    tickets_written: written,
                })?;
            }
            counts.rate_limit_wait_s = self.zendesk.rate_limit_wait().as_secs_f64();
            counts.elapsed_s = progress.elapsed().as_secs_f64();
            progress.show(
                counts.position,
                || {
                    format!(
                        "read {} tickets · {} writes, {} older skipped · rate-limit wait {:.0} s",
                        counts.tickets_read,
                        counts.writes,
                        counts.older_skipped,
                        counts.rate_limit_wait_s
                    )
                },
                &counts,
            );
            match next {
                Some(cursor) if !complete => start = ExportStart::Cursor(cursor),
                _ => break,
            }
        }
        progress.finish();
        counts.elapsed_s = progress.elapsed().as_secs_f64();
        Ok((ended, counts))
    }

    /// Makes one page's writes; an error names the first ticket the table did not accept.
    async fn write(
        &self,
        tickets: usize,
        book: UpdateBook,
        untimed: &[RecordId],
        counts: &mut StoreCounts,
        exported: &[zendesk_api::ExportedTicket],
    ) -> Result<(), String> {
        let deadline = Deadline::after(Duration::from_secs(24 * 3600));
        let mut delivery = Delivery::new(self.config.retry, deadline, tickets);
        for record in untimed {
            delivery.ledger.skip(*record, "no updated_at");
        }
        let writes = self.table.writes();
        let items = book.into_items();
        let made = items.len() as u64;
        delivery
            .send_each(&writes, items, self.config.concurrency)
            .await;
        if let Some((record, failure)) = delivery.ledger.outcomes().find_map(|(r, o)| match o {
            Outcome::Failed(f) => Some((r, f)),
            _ => None,
        }) {
            return Err(format!(
                "the table did not accept ticket {} of page {}: {failure}; the checkpoint holds the last page written, re-run to continue",
                exported[record as usize].id, counts.pages
            ));
        }
        counts.older_skipped += writes.skipped_older();
        counts.writes += made - writes.skipped_older();
        Ok(())
    }
}
