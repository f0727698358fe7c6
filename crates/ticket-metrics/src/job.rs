//! One run: read tickets changed since the cursor (or the lookback), send their metric sets to
//! Mixpanel page by page, and save the cursor after each page Mixpanel accepted. A run stops
//! before the deadline with its progress saved; the next run continues from there.

use std::collections::HashMap;
use std::time::Duration;

use delivery::{Batcher, Deadline, Delivery, Failure, Item, Outcome, RecordId, Settings};
use mixpanel::{MixpanelClient, ProfileSource};
use serde::Serialize;
use zendesk_api::{
    EXPORT_PAGE_SIZE, EndpointClass, ExportStart, TicketPage, ZendeskClient, ZendeskError, unix_now,
};
use zendesk_events::Timestamp;

use crate::config::MetricsConfig;
use crate::cursor::{CursorError, CursorStore};
use crate::mapping::MetricsMapper;

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
        }
    }

    /// Builds the clients and the cursor store from validated settings.
    pub async fn from_config(config: MetricsConfig) -> Result<Self, String> {
        let zendesk = ZendeskClient::new(&config.zendesk, config.mixpanel.retry)?;
        let mixpanel = MixpanelClient::new(&config.mixpanel).map_err(|e| e.to_string())?;
        let store = match &config.cursor_parameter {
            Some(name) => CursorStore::ssm(name.clone()).await,
            None => CursorStore::Lookback,
        };
        Ok(Self::new(config, zendesk, mixpanel, store))
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
        summary.rate_limit_wait_ms = self.zendesk.rate_limit_wait().as_millis() as u64;
        result.map(|stop| {
            summary.stopped = Some(stop);
            summary
        })
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
