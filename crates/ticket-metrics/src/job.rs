//! One run: read tickets changed since the cursor (or the lookback), send their metric sets to
//! Mixpanel page by page, and save the cursor after each page Mixpanel accepted. With a bus,
//! then read the ticket metric event export from its own cursor and publish SLA events, saving
//! that cursor after each page the bus accepted. A run stops before the deadline with its
//! progress saved; the next run continues from there.

use std::collections::HashMap;
use std::time::Duration;

use delivery::{Batcher, Deadline, Delivery, Failure, Item, Outcome, RecordId, Settings};
use event_bus::Publisher;
use mixpanel::{MixpanelClient, ProfileSource};
use serde::Serialize;
use zendesk_api::{
    EXPORT_PAGE_SIZE, EndpointClass, ExportItem, ExportPosition, ExportStart, MetricEventStream,
    TicketPage, ZendeskClient, ZendeskError, unix_now,
};
use zendesk_events::Timestamp;

use crate::config::{MetricsConfig, SlaConfig};
use crate::cursor::{CursorError, CursorStore, NO_CURSOR};
use crate::mapping::MetricsMapper;
use crate::sla::{Decision, SlaCursor, SlaReader, is_handled, ticket_id, with_ticket};

/// Most entries in one PutEvents request.
const PUT_EVENTS_MAX_ENTRIES: usize = 10;

/// Time kept for saving the cursor after a page.
const CURSOR_SAVE_TIME: Duration = Duration::from_secs(2);

/// Why a run ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// The export reached now.
    CaughtUp,
    /// Not enough time left for another page; progress is saved.
    Deadline,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// Export pages read.
    pub pages: u64,
    /// Tickets read.
    pub tickets: u64,
    /// Tickets with a metric set.
    pub with_metrics: u64,
    /// Tickets without one (deleted, some archived).
    pub without_metrics: u64,
    /// Tickets Mixpanel accepted (their state and metrics on the profile, and the "Ticket
    /// Metrics Updated" event of those with a metric set).
    pub delivered: u64,
    /// Tickets that could not be mapped (the error names the field).
    pub bad_input: u64,
    /// Tickets Mixpanel refused for good.
    pub rejected: u64,
    /// Cursor saves.
    pub cursor_saves: u64,
    /// Time spent waiting for Zendesk's rate limits.
    pub rate_limit_wait_ms: u64,
    /// Why it stopped.
    pub stopped: Option<Stop>,
    /// The SLA pass, with a bus.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaSummary>,
}

/// What the SLA pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SlaSummary {
    /// Metric event pages read.
    pub pages: u64,
    /// Metric events read.
    pub metric_events: u64,
    /// SLA events the bus accepted.
    pub published: u64,
    /// Breaches `deleted` or cancelled by a fulfilment.
    pub cancelled: u64,
    /// Breaches still ahead, left for a later run.
    pub held: u64,
    /// Metric events read again for context (handled by an earlier run).
    pub context_only: u64,
    /// Metric events that could not be read (named in the log).
    pub unreadable: u64,
    /// Why it stopped.
    pub stopped: Option<Stop>,
}

/// A run that failed; the cursor holds the last page Mixpanel accepted.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Zendesk failed or refused.
    #[error(transparent)]
    Zendesk(#[from] ZendeskError),
    /// The cursor could not be read or saved.
    #[error(transparent)]
    Cursor(#[from] CursorError),
    /// The bus did not accept a page's SLA events; the page is read again next run.
    #[error(
        "EventBridge did not accept the SLA events of metric event page {page} of this run: {reason}; the SLA cursor stays at the last published page"
    )]
    Bus {
        /// The page of this run, from 1.
        page: u64,
        /// Why.
        reason: String,
    },
    /// Mixpanel did not accept a page; it is read again next run.
    #[error(
        "Mixpanel did not accept page {page} of this run (ticket {ticket} and {others} more not accepted): {failure}; the cursor stays at the last accepted page"
    )]
    Undelivered {
        /// The page of this run, from 1.
        page: u64,
        /// The first ticket of the page that was not accepted.
        ticket: u64,
        /// How many other tickets of the page were not accepted either.
        others: usize,
        /// Why (the status and Mixpanel's message).
        failure: Failure,
    },
}

/// The job, built once per container.
pub struct MetricsJob {
    config: MetricsConfig,
    zendesk: ZendeskClient,
    mixpanel: MixpanelClient,
    mapper: MetricsMapper,
    store: CursorStore,
    sla: Option<SlaPass>,
}

/// The SLA pass's settings, cursor and publisher (`None`: `DRY_RUN` prints the events).
struct SlaPass {
    config: SlaConfig,
    store: CursorStore,
    publisher: Option<Publisher>,
}

/// Moves `position` past `item` (items come in export order).
fn advance(position: &mut ExportPosition, item: &zendesk_api::MetricEventItem) {
    let at = item.unix_seconds();
    if at > position.start_time {
        position.start_time = at;
        position.done = vec![item.id];
    } else if at == position.start_time && !position.done.contains(&item.id) {
        position.done.push(item.id);
    }
}

impl MetricsJob {
    /// A job reading with `zendesk`, writing with `mixpanel`, keeping its cursor in `store`.
    pub fn new(
        config: MetricsConfig,
        zendesk: ZendeskClient,
        mixpanel: MixpanelClient,
        store: CursorStore,
    ) -> Self {
        let token = config
            .mixpanel
            .project_token
            .as_ref()
            .map_or_else(|| "DRY_RUN_NO_TOKEN".into(), |t| t.expose().to_owned());
        let mut mapper = MetricsMapper::new(config.mixpanel.mapping.distinct_id, token);
        if config.mixpanel.mapping.profiles == ProfileSource::Store {
            mapper = mapper.without_state();
        }
        Self {
            mapper,
            config,
            zendesk,
            mixpanel,
            store,
            sla: None,
        }
    }

    /// Adds the SLA pass: publishing with `publisher` (`None` prints the events), its cursor in
    /// `store`.
    pub fn with_sla(mut self, store: CursorStore, publisher: Option<Publisher>) -> Self {
        if let Some(config) = self.config.sla.clone() {
            self.sla = Some(SlaPass {
                config,
                store,
                publisher,
            });
        }
        self
    }

    /// Uses `store` for the SLA cursor instead of the configured one.
    pub fn with_sla_store(mut self, store: CursorStore) -> Self {
        if let Some(sla) = &mut self.sla {
            sla.store = store;
        }
        self
    }

    /// Builds the clients and the cursor store from validated settings.
    pub async fn from_config(config: MetricsConfig) -> Result<Self, String> {
        let zendesk = ZendeskClient::new(&config.zendesk, config.mixpanel.retry)?;
        let mixpanel = MixpanelClient::new(&config.mixpanel).map_err(|e| e.to_string())?;
        let store = match &config.cursor_parameter {
            Some(name) => CursorStore::ssm(name.clone()).await,
            None => CursorStore::Lookback,
        };
        let sla = config.sla.clone();
        let job = Self::new(config, zendesk, mixpanel, store);
        Ok(match sla {
            None => job,
            Some(sla) => {
                let store = match &sla.cursor_parameter {
                    Some(name) => CursorStore::ssm(name.clone()).await,
                    None => CursorStore::Lookback,
                };
                let publisher = if job.config.mixpanel.dry_run {
                    None
                } else {
                    let sdk =
                        aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                    Some(Publisher::new(&sdk, sla.bus, job.config.mixpanel.retry))
                };
                job.with_sla(store, publisher)
            }
        })
    }

    /// Reads settings (secrets resolved) and builds the job.
    pub async fn from_settings(settings: &Settings<'_>) -> Result<Self, String> {
        let config = MetricsConfig::from_settings(settings).map_err(|e| e.to_string())?;
        Self::from_config(config).await
    }

    /// Uses `store` for the cursor instead of the configured one.
    pub fn with_store(mut self, store: CursorStore) -> Self {
        self.store = store;
        self
    }

    /// Time a page needs at least: the export request, every Mixpanel request a full page
    /// makes (its events in `/import` batches, its profiles in `/engage` batches) and the
    /// cursor save.
    fn page_reserve(&self) -> Duration {
        let mixpanel = &self.config.mixpanel;
        let batches =
            |max_items: usize| (EXPORT_PAGE_SIZE as usize).div_ceil(max_items.max(1)) as u32;
        let mut requests = 1 + batches(mixpanel.import_limits.max_items);
        if mixpanel.mapping.profiles.any() {
            requests += batches(mixpanel.engage_limits.max_items);
        }
        mixpanel.retry.request_timeout * requests + CURSOR_SAVE_TIME
    }

    /// Runs until caught up or out of time (`budget`).
    pub async fn run(&self, budget: Duration) -> Result<RunSummary, JobError> {
        let deadline = Deadline::after(budget);
        let mut summary = RunSummary::default();
        let result = self.pages(&deadline, &mut summary).await;
        let result = match (result, &self.sla) {
            (Ok(Stop::CaughtUp), Some(sla)) => {
                let mut counts = SlaSummary::default();
                let stop = self.sla_pages(sla, &deadline, &mut counts).await;
                counts.stopped = stop.as_ref().ok().copied();
                summary.sla = Some(counts);
                stop.map(|_| Stop::CaughtUp)
            }
            (result, _) => result,
        };
        summary.rate_limit_wait_ms = self.zendesk.rate_limit_wait().as_millis() as u64;
        result.map(|stop| {
            summary.stopped = Some(stop);
            summary
        })
    }

    /// The SLA pass: metric events from the SLA cursor, SLA events to the bus, the cursor saved
    /// after each page the bus accepted.
    async fn sla_pages(
        &self,
        sla: &SlaPass,
        deadline: &Deadline,
        counts: &mut SlaSummary,
    ) -> Result<Stop, JobError> {
        let now = unix_now();
        let cursor = match sla.store.load().await? {
            Some(text) if text != NO_CURSOR => {
                serde_json::from_str::<SlaCursor>(&text).map_err(|e| CursorError {
                    store: sla.store.describe(),
                    reason: format!(
                        "not an SLA cursor ({e}); set it to \"{NO_CURSOR}\" to start over"
                    ),
                })?
            }
            _ => {
                let start = now - self.config.lookback.as_secs() as i64;
                SlaCursor {
                    read_from: start,
                    published: ExportPosition {
                        start_time: start,
                        done: Vec::new(),
                    },
                }
            }
        };
        tracing::info!(cursor = %sla.store.describe(), read_from = cursor.read_from, "reading ticket metric events");
        let mut stream = MetricEventStream::new(
            ExportPosition {
                start_time: cursor.read_from,
                done: Vec::new(),
            },
            None,
        );
        let mut reader = SlaReader::new(sla.config.applied_events);
        let mut published = cursor.published.clone();
        let save = async |read_from: i64, published: &ExportPosition| {
            let text = serde_json::to_string(&SlaCursor {
                read_from,
                published: published.clone(),
            })
            .expect("cursors serialize");
            sla.store.save(&text).await
        };
        loop {
            let wait = self.zendesk.next_slot_in(EndpointClass::IncrementalExport);
            let reserve = self.config.mixpanel.retry.request_timeout * 2 + CURSOR_SAVE_TIME;
            if !deadline.allows(wait, reserve) {
                return Ok(Stop::Deadline);
            }
            let Some(page) = stream.next_page(&self.zendesk, deadline).await? else {
                break;
            };
            counts.pages += 1;
            let mut entries = Vec::new();
            let mut reached = published.clone();
            for item in page.items {
                let item = match item {
                    Ok(item) => item,
                    Err(e) => {
                        counts.unreadable += 1;
                        tracing::warn!(error = %e, "unreadable metric event");
                        continue;
                    }
                };
                counts.metric_events += 1;
                let (decision, entry) =
                    reader.read(&item, now, is_handled(&item, &cursor.published));
                match decision {
                    Decision::Cancelled => counts.cancelled += 1,
                    Decision::Held => counts.held += 1,
                    Decision::AlreadyHandled => counts.context_only += 1,
                    Decision::Publish | Decision::NoEvent => {}
                }
                entries.extend(entry);
                if decision != Decision::Held && item.unix_seconds() <= now {
                    advance(&mut reached, &item);
                }
            }
            self.publish(sla, entries, deadline, counts).await?;
            published = reached;
            save(cursor.read_from, &published).await?;
            if stream.is_finished() {
                break;
            }
        }
        let context_start = now - sla.config.context.as_secs() as i64;
        save(
            reader.read_from(published.start_time, context_start),
            &published,
        )
        .await?;
        Ok(Stop::CaughtUp)
    }

    /// Publishes one page's SLA events (`DRY_RUN`: prints them), each with its ticket as
    /// Zendesk holds it now (one `show_many` request per 100 tickets).
    async fn publish(
        &self,
        sla: &SlaPass,
        mut entries: Vec<event_bus::BusEntry>,
        deadline: &Deadline,
        counts: &mut SlaSummary,
    ) -> Result<(), JobError> {
        let mut ids: Vec<u64> = entries.iter().filter_map(ticket_id).collect();
        ids.sort_unstable();
        ids.dedup();
        if !ids.is_empty() {
            let tickets = self.zendesk.tickets_by_id(&ids, deadline).await?;
            for entry in &mut entries {
                if let Some(ticket) = ticket_id(entry).and_then(|id| tickets.get(&id)) {
                    with_ticket(entry, ticket);
                }
            }
        }
        let Some(publisher) = &sla.publisher else {
            for entry in &entries {
                println!(
                    "{}",
                    serde_json::json!({"PutEvents": {"Source": entry.source, "DetailType": entry.detail_type,
                                       "Detail": entry.detail, "Time": entry.time.to_rfc3339_nanos()}})
                );
            }
            counts.published += entries.len() as u64;
            return Ok(());
        };
        for chunk in entries.chunks_mut(PUT_EVENTS_MAX_ENTRIES) {
            let requests = chunk
                .iter_mut()
                .map(|entry| publisher.request_entry(entry).0)
                .collect();
            publisher
                .publish(requests, *deadline)
                .await
                .map_err(|e| JobError::Bus {
                    page: counts.pages,
                    reason: e.to_string(),
                })?;
            counts.published += chunk.len() as u64;
        }
        Ok(())
    }

    async fn pages(&self, deadline: &Deadline, summary: &mut RunSummary) -> Result<Stop, JobError> {
        let mut start = match self.store.load().await? {
            Some(cursor) => ExportStart::Cursor(cursor),
            None => ExportStart::Since(unix_now() - self.config.lookback.as_secs() as i64),
        };
        tracing::info!(cursor = %self.store.describe(), start = ?start, "reading tickets");
        loop {
            let wait = self.zendesk.next_slot_in(EndpointClass::IncrementalExport);
            if !deadline.allows(wait, self.page_reserve()) {
                tracing::info!(
                    pages = summary.pages,
                    "stopping before the deadline; the next run continues"
                );
                return Ok(Stop::Deadline);
            }
            let page = self.zendesk.ticket_export_page(&start, deadline).await?;
            summary.pages += 1;
            self.deliver(&page, deadline, summary).await?;
            if let Some(cursor) = &page.after_cursor {
                self.store.save(cursor).await?;
                summary.cursor_saves += 1;
                start = ExportStart::Cursor(cursor.clone());
            }
            if page.end_of_stream || page.after_cursor.is_none() {
                return Ok(Stop::CaughtUp);
            }
        }
    }

    /// Sends one page's metric sets; fails when Mixpanel did not take them all.
    async fn deliver(
        &self,
        page: &TicketPage,
        deadline: &Deadline,
        summary: &mut RunSummary,
    ) -> Result<(), JobError> {
        let mut delivery = Delivery::new(self.config.mixpanel.retry, *deadline, page.tickets.len());
        let mut events = Vec::new();
        // One update per profile, from its newest state (several tickets share a requester).
        let mut profiles: HashMap<String, (Option<Timestamp>, Item)> = HashMap::new();
        for (n, ticket) in page.tickets.iter().enumerate() {
            let record = n as RecordId;
            summary.tickets += 1;
            match ticket.metric_set {
                Some(_) => summary.with_metrics += 1,
                None => summary.without_metrics += 1,
            }
            let records = match self.mapper.records(ticket) {
                Ok(records) => records,
                Err(e) => {
                    tracing::warn!(ticket = ticket.id, error = %e, "cannot map the ticket");
                    delivery
                        .ledger
                        .fail(record, Failure::BadInput(e.to_string()));
                    continue;
                }
            };
            if let Some(event) = &records.event {
                events.push(Item::new(event.to_string().into_bytes(), record));
            }
            let profile = records
                .profile
                .filter(|_| self.config.mixpanel.mapping.profiles.any());
            let Some(profile) = profile else {
                if records.event.is_none() {
                    delivery.ledger.skip(record, "no metric set");
                }
                continue;
            };
            let update = Item::new(profile.to_string().into_bytes(), record);
            match profiles.get_mut(&records.distinct_id) {
                Some((time, kept)) => {
                    if records.state_time >= *time {
                        *time = records.state_time;
                        kept.bytes = update.bytes;
                    }
                    kept.records.push(record);
                }
                None => {
                    profiles.insert(records.distinct_id, (records.state_time, update));
                }
            }
        }
        let mut profiles: Vec<Item> = profiles.into_values().map(|(_, item)| item).collect();
        profiles.sort_by_key(|item| item.records[0]);
        self.send(&mut delivery, events, profiles).await;
        // Only records Mixpanel accepted or refused one by one may be passed; anything else
        // (a whole request refused, retries or time exhausted) stops the run before the cursor
        // moves.
        let mut stopped: Vec<(RecordId, Failure)> = Vec::new();
        let mut counted = RunSummary::default();
        for (record, outcome) in delivery.ledger.outcomes() {
            match outcome {
                Outcome::Delivered => counted.delivered += 1,
                Outcome::Skipped(_) => {}
                Outcome::Failed(Failure::BadInput(_)) => counted.bad_input += 1,
                Outcome::Failed(Failure::Rejected(_)) => counted.rejected += 1,
                Outcome::Failed(failure) => stopped.push((record, failure)),
            }
        }
        if let Some((record, failure)) = stopped.first() {
            return Err(JobError::Undelivered {
                page: summary.pages,
                ticket: page.tickets[*record as usize].id,
                others: stopped.len() - 1,
                failure: failure.clone(),
            });
        }
        summary.delivered += counted.delivered;
        summary.bad_input += counted.bad_input;
        summary.rejected += counted.rejected;
        Ok(())
    }

    async fn send(&self, delivery: &mut Delivery, events: Vec<Item>, profiles: Vec<Item>) {
        let endpoints = [
            (
                self.mixpanel.import(),
                self.config.mixpanel.import_limits,
                events,
            ),
            (
                self.mixpanel.engage(),
                self.config.mixpanel.engage_limits,
                profiles,
            ),
        ];
        for (endpoint, limits, items) in endpoints {
            let mut batcher = Batcher::new(limits);
            for item in items {
                if let Some(batch) = batcher.push(item) {
                    delivery.send(&endpoint, batch).await;
                }
            }
            delivery.send(&endpoint, batcher.take()).await;
        }
    }
}
