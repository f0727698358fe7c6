//! `ticketbridge backfill`: Zendesk history (the incremental ticket event export) through the
//! live sinks' mapping into Mixpanel `/import`, in gzip batches of up to 2000 events; with
//! `--to store`, the ticket export into the ticket store ([`store`]).
//!
//! - A batch never splits an export item, so "done" is per item: the checkpoint holds the
//!   `start_time` of the page with the first item not yet accepted and the ids at or after it
//!   already accepted. A resume asks for that page and skips those ids: nothing is sent twice.
//! - Memory stays flat: one page and one batch at a time; remembered ids are pruned as the
//!   export moves on.
//! - Ctrl-C finishes the batch in flight, saves the checkpoint and stops.

mod checkpoint;
mod progress;
mod store;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use delivery::{
    BatchLimits, Bytes, Deadline, Delivery, Failure, Item, ItemBuffer, Outcome, RecordId,
};
use mixpanel::{Mapper, MixpanelClient, MixpanelConfig};
use zendesk_api::{
    ExportPosition, TicketEventItem, TicketEventStream, ZendeskClient, ZendeskConfig,
    history_events, unix_now,
};

pub use checkpoint::{Checkpoint, CheckpointFile};
pub use progress::{Counts, Progress};
pub use store::{StoreBackfill, StoreBackfillOptions, StoreCheckpoint, StoreCounts};

/// Mixpanel's cap on events per `/import` request.
pub const BATCH_EVENTS: usize = 2000;

/// What to replay.
#[derive(Debug, Clone)]
pub struct BackfillOptions {
    /// Unix seconds to start from.
    pub since: i64,
    /// Unix seconds to stop at (inclusive); `None` = until the export catches up with now.
    pub until: Option<i64>,
    /// Where to keep the checkpoint.
    pub checkpoint: Option<CheckpointFile>,
    /// JSON progress lines instead of a bar.
    pub json: bool,
}

/// How a backfill ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The range was sent.
    Complete,
    /// Interrupted (Ctrl-C) after saving the checkpoint.
    Interrupted,
}

/// A backfill: clients, mapping and the stop flag Ctrl-C sets.
pub struct Backfill {
    zendesk: ZendeskClient,
    mixpanel: MixpanelClient,
    mapper: Mapper,
    config: MixpanelConfig,
    stop: Arc<AtomicBool>,
}

/// A batch being filled: its events and bytes, and per export item its id, time and event
/// count.
#[derive(Default)]
struct Pending {
    events: Vec<Item>,
    bytes: usize,
    items: Vec<(u64, i64, u64)>,
    /// Where the events are written (each event a slice of it).
    buffer: ItemBuffer,
}

impl Pending {
    /// Whether `events` more would pass `limits` (a batch never splits an export item).
    fn would_overflow(&self, events: &[Bytes], limits: BatchLimits) -> bool {
        let bytes: usize = events.iter().map(|e| e.len() + 1).sum();
        !self.events.is_empty()
            && (self.events.len() + events.len() > limits.max_items
                || self.bytes + bytes > limits.max_bytes)
    }
}

impl Backfill {
    /// A backfill reading `zendesk` and writing with `config` (DRY_RUN writes requests to stdout).
    pub fn new(zendesk: &ZendeskConfig, config: MixpanelConfig) -> Result<Self, String> {
        Ok(Self {
            zendesk: ZendeskClient::new(zendesk, config.retry)?,
            mixpanel: MixpanelClient::new(&config).map_err(|e| e.to_string())?,
            mapper: Mapper::new(config.mapping.clone()),
            config,
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Uses `mixpanel` instead of the configured client (tests).
    pub fn with_mixpanel(mut self, mixpanel: MixpanelClient) -> Self {
        self.mixpanel = mixpanel;
        self
    }

    /// The flag that stops the backfill after the batch in flight.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    fn limits(&self) -> BatchLimits {
        BatchLimits {
            max_items: self.config.import_limits.max_items.min(BATCH_EVENTS),
            ..self.config.import_limits
        }
    }

    /// Runs the backfill; counts of this run, or why it stopped (the checkpoint holds the last
    /// accepted batch).
    pub async fn run(&self, options: &BackfillOptions) -> Result<(Ended, Counts), String> {
        let until = options.until.unwrap_or_else(unix_now);
        let resumed: Option<Checkpoint> = match &options.checkpoint {
            Some(file) => file.load()?,
            None => None,
        };
        let (position, mut total_sent) = match resumed {
            Some(c) if c.since != options.since || c.until != options.until => {
                return Err(format!(
                    "the checkpoint is for --since {} --until {:?}; use the same range or another --checkpoint file",
                    c.since, c.until
                ));
            }
            Some(c) if c.complete => {
                eprintln!("the checkpoint says this range was already sent in full; nothing to do");
                return Ok((Ended::Complete, Counts::default()));
            }
            Some(c) => {
                eprintln!(
                    "resuming at {} ({} ids of that second already sent)",
                    c.position.start_time,
                    c.position.done.len()
                );
                (c.position, c.events_sent)
            }
            None => (
                ExportPosition {
                    start_time: options.since,
                    done: Vec::new(),
                },
                0,
            ),
        };
        let progress = Progress::new(options.since, until, options.json);
        let mut counts = Counts {
            position: position.start_time,
            ..Counts::default()
        };
        let mut stream = TicketEventStream::new(position, options.until, true);
        // Far enough to never bind: a backfill has no Lambda deadline.
        let deadline = Deadline::after(Duration::from_secs(30 * 24 * 3600));
        let mut pending = Pending::default();
        // Accepted items at or after the checkpoint's start_time.
        let mut accepted: HashMap<u64, i64> = HashMap::new();
        let save = |start_time: i64, accepted: &HashMap<u64, i64>, complete: bool, sent: u64| {
            let Some(file) = &options.checkpoint else {
                return Ok(());
            };
            let mut done: Vec<u64> = accepted
                .iter()
                .filter(|(_, ts)| **ts >= start_time)
                .map(|(id, _)| *id)
                .collect();
            done.sort_unstable();
            file.save(&Checkpoint {
                since: options.since,
                until: options.until,
                position: ExportPosition { start_time, done },
                complete,
                events_sent: sent,
            })
        };
        let mut ended = Ended::Complete;
        loop {
            if self.stop.load(Ordering::Relaxed) {
                ended = Ended::Interrupted;
                break;
            }
            let page = match stream.next_page(&self.zendesk, &deadline).await {
                Ok(Some(page)) => page,
                Ok(None) => break,
                Err(e) => {
                    progress.finish();
                    return Err(format!("Zendesk: {e}"));
                }
            };
            counts.pages += 1;
            for item in page.items {
                let item = match item {
                    Ok(item) => item,
                    Err(e) => {
                        counts.items_unreadable += 1;
                        tracing::warn!(error = %e, "unreadable export item");
                        eprintln!("skipped an unreadable item: {e}");
                        continue;
                    }
                };
                counts.items_read += 1;
                counts.position = counts.position.max(item.timestamp);
                let events = self.encode(&item, &mut counts, &mut pending.buffer);
                if pending.would_overflow(&events, self.limits()) {
                    let sent = self.flush(&mut pending, &mut accepted, &mut counts).await?;
                    total_sent += sent;
                    // The next item pending comes from this page: resume there.
                    save(page.start_time, &accepted, false, total_sent)?;
                    accepted.retain(|_, ts| *ts >= page.start_time);
                }
                pending.push(&item, events);
            }
            let stats = stream.stats();
            counts.duplicates_skipped = stats.duplicates;
            counts.stuck_seconds = stats.stuck_seconds;
            progress.stamp(&mut counts, self.zendesk.rate_limit_wait());
            progress.update(&counts);
        }
        // Every item read is pending or accepted: once this flush is accepted, the next
        // page's start is the resume point.
        total_sent += self.flush(&mut pending, &mut accepted, &mut counts).await?;
        save(
            stream.next_start(),
            &accepted,
            ended == Ended::Complete,
            total_sent,
        )?;
        progress.stamp(&mut counts, self.zendesk.rate_limit_wait());
        progress.update(&counts);
        progress.finish();
        Ok((ended, counts))
    }

    /// The `/import` events of one export item (mapped like the live sink).
    fn encode(
        &self,
        item: &TicketEventItem,
        counts: &mut Counts,
        buffer: &mut ItemBuffer,
    ) -> Vec<Bytes> {
        let history = history_events(item);
        counts.events_read += history.events.len() as u64;
        let mut out = Vec::new();
        for event in &history.events {
            if !self.mapper.allows(event) {
                counts.events_filtered += 1;
                continue;
            }
            match self.mapper.distinct_id(event) {
                Ok(distinct_id) => out.extend(self.mapper.events_for(event, &distinct_id, buffer)),
                Err(e) => {
                    counts.events_unmappable += 1;
                    tracing::warn!(item = item.id, error = %e, "cannot map");
                    eprintln!("export item {} (ticket {}): {e}", item.id, item.ticket_id);
                }
            }
        }
        out
    }

    /// Sends the pending batch; the events Mixpanel accepted, or why it stopped.
    async fn flush(
        &self,
        pending: &mut Pending,
        accepted: &mut HashMap<u64, i64>,
        counts: &mut Counts,
    ) -> Result<u64, String> {
        let Pending {
            events,
            items: records,
            ..
        } = std::mem::take(pending);
        if records.is_empty() {
            return Ok(0);
        }
        let deadline = Deadline::after(Duration::from_secs(24 * 3600));
        let mut delivery = Delivery::new(self.config.retry, deadline, records.len());
        delivery.send(&self.mixpanel.import(), events).await;
        // Only items Mixpanel accepted or refused record by record are passed; anything else
        // (a whole request refused, retries exhausted) stops before the checkpoint moves.
        let batch_number = counts.batches + 1;
        if let Some((record, failure)) = delivery.ledger.outcomes().find_map(|(r, o)| match o {
            Outcome::Failed(
                f @ (Failure::Refused(_) | Failure::Undelivered(_) | Failure::Misconfigured(_)),
            ) => Some((r, f)),
            _ => None,
        }) {
            let (id, _, _) = records[record as usize];
            return Err(format!(
                "Mixpanel did not accept batch {batch_number} ({} events, from export item {id}): {failure}; the checkpoint holds the last accepted batch, re-run to continue",
                records.iter().map(|r| r.2).sum::<u64>()
            ));
        }
        let mut sent = 0;
        for (record, outcome) in delivery.ledger.outcomes() {
            let (id, ts, events) = records[record as usize];
            match outcome {
                Outcome::Delivered | Outcome::Skipped(_) => {
                    sent += events;
                }
                Outcome::Failed(failure) => {
                    counts.events_rejected += events;
                    tracing::warn!(item = id, reason = %failure, "Mixpanel refused");
                    eprintln!("Mixpanel refused the events of export item {id}: {failure}");
                }
            }
            accepted.insert(id, ts);
        }
        counts.batches = batch_number;
        counts.events_sent += sent;
        Ok(sent)
    }
}

impl Pending {
    fn push(&mut self, item: &TicketEventItem, events: Vec<Bytes>) {
        let record = self.items.len() as RecordId;
        self.items
            .push((item.id, item.timestamp, events.len() as u64));
        for bytes in events {
            self.bytes += bytes.len() + 1;
            self.events.push(Item::new(bytes, record));
        }
    }
}
