//! The FullStory sink: an invocation payload (SNS, SQS or EventBridge) in, one FullStory event
//! per request out (with bounded concurrency), on the timeline of the right user, and the
//! answer Lambda needs so nothing FullStory did not accept is acknowledged.

use delivery::RetryPolicy;
use delivery::{Delivery, Failure, Item, RecordId};
use fullstory::{
    FullStoryClient, FullStoryConfig, Mapper, NoUid, Requesters, decode_conversation,
    is_conversation, usable_uid,
};
use lambda_io::{Envelope, InputRecord, SinkHandler};
use zendesk_events::TicketEvent;

/// Everything built once per container.
pub struct Sink {
    config: FullStoryConfig,
    mapper: Mapper,
    requesters: Requesters,
    client: FullStoryClient,
}

impl Sink {
    /// A sink sending through `client`, finding uids through `requesters`.
    pub fn new(config: FullStoryConfig, client: FullStoryClient, requesters: Requesters) -> Self {
        Self {
            mapper: Mapper::new(config.mapping.clone()),
            config,
            requesters,
            client,
        }
    }
}

impl SinkHandler for Sink {
    const FUNCTION: &'static str = "fullstory-sink";

    fn retry(&self) -> RetryPolicy {
        self.config.retry
    }

    async fn process(&self, envelope: &mut Envelope, delivery: &mut Delivery) {
        let mut items = Vec::new();
        let mut tickets = Vec::new();
        for index in 0..envelope.len() {
            let record = envelope.take_record(index);
            let id = record.open(delivery);
            let document = match record.document() {
                Ok(document) => document,
                Err(e) => {
                    record.reject(delivery, e);
                    continue;
                }
            };
            if is_conversation(document) {
                match decode_conversation(document) {
                    Ok(conversation) => match conversation
                        .user_id
                        .clone()
                        .ok_or_else(|| NoUid("the conversation's contact has no user_id".into()))
                        .and_then(usable_uid)
                    {
                        Ok(uid) => {
                            let request = conversation.request(self.mapper.config(), &uid);
                            items.push(Item::keyed(request.body, id, request.key));
                        }
                        Err(reason) => skip_without_uid(delivery, id, reason),
                    },
                    Err(e) => record.reject(delivery, within(&record, e)),
                }
                continue;
            }
            match record.decode() {
                Ok(event) if self.mapper.allows(&event) => tickets.push((id, event)),
                Ok(event) => delivery.ledger.skip(
                    id,
                    format!("{} is not in ZENDESK_EVENT_TYPES", event.event_type),
                ),
                Err(e) => record.reject(delivery, e),
            }
        }
        let unresolved = self.prefetch(&tickets, delivery).await;
        for (id, event) in tickets {
            match self.requesters.uid(&event) {
                Ok(Some(uid)) => items.extend(
                    self.mapper
                        .requests(&event, &uid)
                        .into_iter()
                        .map(|r| Item::keyed(r.body, id, r.key)),
                ),
                Ok(None) => delivery.ledger.fail(
                    id,
                    unresolved.clone().unwrap_or_else(|| {
                        Failure::Undelivered("the requester was not looked up".into())
                    }),
                ),
                Err(reason) => skip_without_uid(delivery, id, reason),
            }
        }
        delivery
            .send_each(
                &self.client,
                merge_same_keys(items),
                self.config.concurrency,
            )
            .await;
    }
}

impl Sink {
    /// Looks up, in one batched call, the requesters the cache does not hold. Returns the
    /// failure for the records whose requester stays unknown when the lookup failed.
    async fn prefetch(
        &self,
        tickets: &[(RecordId, TicketEvent)],
        delivery: &mut Delivery,
    ) -> Option<Failure> {
        if !self.requesters.needs_lookup() || tickets.is_empty() {
            return None;
        }
        let ids = tickets.iter().filter_map(|(_, e)| e.ticket.requester_id);
        match self.requesters.prefetch(ids, &delivery.deadline).await {
            Ok(stats) => {
                delivery
                    .telemetry
                    .count("RequesterCacheHits", stats.cache_hits);
                delivery
                    .telemetry
                    .count("RequesterLookups", stats.looked_up);
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "requester lookup failed");
                delivery.telemetry.count("RequesterLookupFailures", 1);
                Some(if e.is_configuration() {
                    Failure::Misconfigured(e.to_string())
                } else {
                    Failure::Undelivered(e.to_string())
                })
            }
        }
    }
}

/// One request per key: the same event delivered twice in one batch (a redelivery, or the
/// webhook and its bridged copy) is sent once and acknowledges both records. Two requests with
/// one key in flight at once would conflict at FullStory.
fn merge_same_keys(items: Vec<Item>) -> Vec<Item> {
    let mut merged: Vec<Item> = Vec::with_capacity(items.len());
    let mut by_key = std::collections::HashMap::new();
    for item in items {
        match item.key.as_ref().and_then(|k| by_key.get(k)) {
            Some(&at) => {
                let kept: &mut Item = &mut merged[at];
                kept.records.extend(item.records);
            }
            None => {
                if let Some(key) = &item.key {
                    by_key.insert(key.clone(), merged.len());
                }
                merged.push(item);
            }
        }
    }
    merged
}

/// An event without a usable uid is acknowledged and counted, not failed: retrying cannot
/// give its requester an id.
fn skip_without_uid(delivery: &mut Delivery, id: RecordId, reason: NoUid) {
    tracing::info!(record = id, reason = %reason.0, "skipped: no FullStory uid");
    delivery.telemetry.count("SkippedNoUid", 1);
    delivery.ledger.skip(id, reason.0);
}

fn within(record: &InputRecord<'_>, e: zendesk_events::DecodeError) -> zendesk_events::DecodeError {
    if record.is_whole_payload() {
        e
    } else {
        e.within(&record.path())
    }
}
