//! The Mixpanel sink: an invocation payload (SNS, SQS or EventBridge) in, Mixpanel requests
//! out, and the answer Lambda needs so nothing Mixpanel did not accept is acknowledged. With
//! `MIXPANEL_PROFILES=store` it also reads the ticket store's DynamoDB stream: each accepted
//! state becomes a profile update.

use delivery::RetryPolicy;
use delivery::{Batcher, Delivery, Failure, Item, ItemBuffer, RecordId, Secret};
use lambda_io::{Envelope, EnvelopeKind, SinkHandler};
use mixpanel::accounts::{group_update, organization_properties, user_properties, user_update};
use mixpanel::stored::StoredTicket;
use mixpanel::{DistinctId, Mapper, MixpanelClient, MixpanelConfig, ProfileBook, ProfileSource};
use smallvec::SmallVec;
use zendesk_events::{AccountEvent, AccountKind, TicketEvent};

/// Everything built once per container.
pub struct Sink {
    config: MixpanelConfig,
    mapper: Mapper,
    client: MixpanelClient,
}

impl Sink {
    /// A sink sending through `client`.
    pub fn new(config: MixpanelConfig, client: MixpanelClient) -> Self {
        Self {
            mapper: Mapper::new(config.mapping.clone()),
            config,
            client,
        }
    }
}

impl SinkHandler for Sink {
    const FUNCTION: &'static str = "mixpanel-sink";

    fn retry(&self) -> RetryPolicy {
        self.config.retry
    }

    async fn process(&self, envelope: &mut Envelope, delivery: &mut Delivery) {
        if envelope.kind() == EnvelopeKind::DynamoDbStream {
            return self.process_stream(envelope, delivery).await;
        }
        let import = self.client.import();
        let mut events = Batcher::new(self.config.import_limits);
        let mut buffer = ItemBuffer::new();
        let token = self.token();
        let mut profiles = ProfileBook::with_capacity(token, envelope.len());
        // User events set other properties than ticket events on the same requester profile,
        // so they coalesce apart: neither update may replace the other.
        let mut requesters = ProfileBook::new(token);
        let mut groups = ProfileBook::new(token);
        for index in 0..envelope.len() {
            let record = envelope.take_record(index);
            let id = record.open(delivery);
            let event = match record.decode() {
                Ok(event) => event,
                // Not a ticket event: a user or organization event is read on its own path
                // (they are rare, so ticket events never pay for the second look).
                Err(e) => {
                    match record.decode_account() {
                        Ok(Some(account)) => {
                            self.map_account(&account, id, delivery, &mut requesters, &mut groups)
                        }
                        Ok(None) => record.reject(delivery, e),
                        Err(account_error) => record.reject(delivery, account_error),
                    }
                    continue;
                }
            };
            for item in self.map(&event, id, delivery, &mut buffer, &mut profiles) {
                if let Some(batch) = events.push(item) {
                    delivery.send(&import, batch).await;
                }
            }
        }
        delivery.send(&import, events.take()).await;
        for book in [profiles, requesters] {
            if !book.is_empty() {
                self.send_updates(&self.client.engage(), book, delivery)
                    .await;
            }
        }
        if !groups.is_empty() {
            self.send_updates(&self.client.groups(), groups, delivery)
                .await;
        }
    }
}

impl Sink {
    fn token(&self) -> &str {
        self.config
            .project_token
            .as_ref()
            .map_or("DRY_RUN_NO_TOKEN", Secret::expose)
    }

    /// A batch of the ticket store's stream: each new image `$set`s its ticket's profile, the
    /// newest per profile (images of one ticket come in the order the store accepted them).
    async fn process_stream(&self, envelope: &mut Envelope, delivery: &mut Delivery) {
        let mapping = &self.config.mapping;
        let mut profiles = ProfileBook::new(self.token());
        for index in 0..envelope.len() {
            let mut record = envelope.take_record(index);
            let id = record.open(delivery);
            let change = match record.take_change() {
                Some(Ok(change)) => change,
                Some(Err(e)) => {
                    record.reject(delivery, e);
                    continue;
                }
                None => unreachable!("stream invocations hold stream records"),
            };
            if mapping.profiles != ProfileSource::Store {
                record.reject(
                    delivery,
                    "a ticket store stream record, but profiles come from the store only with MIXPANEL_PROFILES=store",
                );
                continue;
            }
            if change.is_remove() {
                delivery.ledger.skip(
                    id,
                    "the ticket was removed from the store; its profile keeps its last state",
                );
                continue;
            }
            let profile = StoredTicket::from_image(change.record.new_image)
                .and_then(|ticket| ticket.profile_update(mapping, profiles.token()));
            match profile {
                Ok(None) => delivery
                    .ledger
                    .skip(id, "the stored ticket holds no state yet (only a mark)"),
                Ok(Some(profile)) => {
                    let update = profile.update;
                    profiles.add_encoded(
                        profile.distinct_id,
                        (profile.version_time, index as u64),
                        |_| update,
                        id,
                    );
                }
                Err(e) => record.reject(delivery, format!("{}: {e}", record.path())),
            }
        }
        if !profiles.is_empty() {
            self.send_updates(&self.client.engage(), profiles, delivery)
                .await;
        }
    }

    /// Notes the profile update of a user event (the requester's own profile) or the group
    /// update of an organization event; settles what updates nothing as skipped.
    fn map_account(
        &self,
        account: &AccountEvent,
        id: RecordId,
        delivery: &mut Delivery,
        requesters: &mut ProfileBook,
        groups: &mut ProfileBook,
    ) {
        let mapping = &self.config.mapping;
        let order = (account.occurred_at, 0);
        match account.kind {
            AccountKind::User => {
                if mapping.distinct_id != DistinctId::Requester || !mapping.profiles.any() {
                    delivery.ledger.skip(
                        id,
                        "user events update requester profiles only with MIXPANEL_DISTINCT_ID=requester",
                    );
                    return;
                }
                let set = user_properties(mapping, &account.fields);
                if set.is_empty() {
                    delivery
                        .ledger
                        .skip(id, "the user event holds no profile property");
                    return;
                }
                let token = requesters.token().to_owned();
                requesters.add_encoded(
                    account.id.to_string(),
                    order,
                    |distinct_id| user_update(&token, distinct_id, &set),
                    id,
                );
            }
            AccountKind::Organization => {
                let Some(group_key) = mapping.group_key.as_deref() else {
                    delivery.ledger.skip(
                        id,
                        "organization events update group profiles only with MIXPANEL_GROUP_KEY",
                    );
                    return;
                };
                let set = organization_properties(&account.fields);
                if set.is_empty() {
                    delivery
                        .ledger
                        .skip(id, "the organization event holds no group property");
                    return;
                }
                let token = groups.token().to_owned();
                groups.add_encoded(
                    account.id.to_string(),
                    order,
                    |group_id| group_update(&token, group_key, group_id, &set),
                    id,
                );
            }
        }
    }

    /// The `/import` items of one event; notes its profile state; settles skips and failures.
    fn map(
        &self,
        event: &TicketEvent,
        id: RecordId,
        delivery: &mut Delivery,
        buffer: &mut ItemBuffer,
        profiles: &mut ProfileBook,
    ) -> SmallVec<[Item; 2]> {
        if !self.mapper.allows(event) {
            delivery.ledger.skip(
                id,
                format!("{} is not in ZENDESK_EVENT_TYPES", event.event_type),
            );
            return SmallVec::new();
        }
        let distinct_id = match self.mapper.distinct_id(event) {
            Ok(distinct_id) => distinct_id,
            Err(e) => {
                tracing::warn!(record = id, error = %e, "cannot map");
                delivery.ledger.fail(id, Failure::BadInput(e.to_string()));
                return SmallVec::new();
            }
        };
        // Collected before the profile takes the distinct id; one or two items, kept inline.
        let items = self
            .mapper
            .events_for(event, &distinct_id, buffer)
            .map(|bytes| Item::new(bytes, id))
            .collect();
        // An SLA event holds no ticket state: it leaves the profile as it is.
        if self.config.mapping.profiles == ProfileSource::Events && !event.event_type.is_sla() {
            profiles.add(distinct_id, event, &self.mapper.profile_state(event), id);
        }
        items
    }

    /// Sends coalesced profile or group updates in batches.
    async fn send_updates(
        &self,
        endpoint: &mixpanel::client::Endpoint<'_>,
        updates: ProfileBook,
        delivery: &mut Delivery,
    ) {
        let mut batcher = Batcher::new(self.config.engage_limits);
        for item in updates.into_items() {
            if let Some(batch) = batcher.push(item) {
                delivery.send(endpoint, batch).await;
            }
        }
        delivery.send(endpoint, batcher.take()).await;
    }
}
