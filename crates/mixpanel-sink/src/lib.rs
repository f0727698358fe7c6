//! The Mixpanel sink: an invocation payload (SNS, SQS or EventBridge) in, Mixpanel requests
//! out, and the answer Lambda needs so nothing Mixpanel did not accept is acknowledged.

use delivery::{Batcher, Delivery, Failure, Item, RecordId, Secret};
use lambda_io::{Envelope, InvocationError, SinkEvent, run_invocation};
use mixpanel::{Mapper, MixpanelClient, MixpanelConfig, ProfileBook};
use serde_json::Value;
use zendesk_events::TicketEvent;

const FUNCTION: &str = "mixpanel-sink";

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
        let import = self.client.import();
        let mut events = Batcher::new(self.config.import_limits);
        let token = self
            .config
            .project_token
            .as_ref()
            .map_or("DRY_RUN_NO_TOKEN", Secret::expose);
        let mut profiles = ProfileBook::new(token);
        for index in 0..envelope.len() {
            let record = envelope.take_record(index);
            let id = record.open(delivery);
            let event = match record.decode() {
                Ok(event) => event,
                Err(e) => {
                    record.reject(delivery, e);
                    continue;
                }
            };
            for item in self.map(&event, id, delivery, &mut profiles) {
                if let Some(batch) = events.push(item) {
                    delivery.send(&import, batch).await;
                }
            }
        }
        delivery.send(&import, events.take()).await;
        if !profiles.is_empty() {
            self.send_profiles(profiles, delivery).await;
        }
    }

    /// The `/import` items of one event; notes its profile state; settles skips and failures.
    fn map(
        &self,
        event: &TicketEvent,
        id: RecordId,
        delivery: &mut Delivery,
        profiles: &mut ProfileBook,
    ) -> Vec<Item> {
        if !self.mapper.allows(event) {
            delivery.ledger.skip(
                id,
                format!("{} is not in ZENDESK_EVENT_TYPES", event.event_type),
            );
            return Vec::new();
        }
        let distinct_id = match self.mapper.distinct_id(event) {
            Ok(distinct_id) => distinct_id,
            Err(e) => {
                tracing::warn!(record = id, error = %e, "cannot map");
                delivery.ledger.fail(id, Failure::BadInput(e.to_string()));
                return Vec::new();
            }
        };
        let encoded = self.mapper.events_for(event, &distinct_id);
        if self.config.mapping.profiles {
            profiles.add(distinct_id, event, &self.mapper.profile_state(event), id);
        }
        encoded
            .into_iter()
            .map(|bytes| Item::new(bytes, id))
            .collect()
    }

    async fn send_profiles(&self, profiles: ProfileBook, delivery: &mut Delivery) {
        let engage = self.client.engage();
        let mut batcher = Batcher::new(self.config.engage_limits);
        for item in profiles.into_items() {
            if let Some(batch) = batcher.push(item) {
                delivery.send(&engage, batch).await;
            }
        }
        delivery.send(&engage, batcher.take()).await;
    }
}
