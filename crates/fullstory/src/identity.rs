//! Who an event belongs to in FullStory (`user.uid`), per `FULLSTORY_USER_ID`: the requester's
//! `external_id` or email, looked up in Zendesk with one batched call per invocation and kept
//! in a bounded, expiring cache per container; or the requester id itself.

use std::collections::BTreeSet;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use delivery::Deadline;
use lru::LruCache;
use zendesk_api::{User, ZendeskClient, ZendeskError};
use zendesk_events::TicketEvent;

use crate::config::UserIdSource;

/// Longest `user.uid` FullStory takes.
pub const MAX_UID: usize = 256;

/// Why an event has no uid: it is skipped (acknowledged, counted, logged), not failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoUid(pub String);

/// What one invocation's lookup did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LookupStats {
    /// Requesters answered from the cache.
    pub cache_hits: u64,
    /// Requesters asked of Zendesk.
    pub looked_up: u64,
}

#[derive(Debug, Clone)]
struct Cached {
    at: Instant,
    /// `None`: Zendesk does not know the user (deleted, or never existed).
    user: Option<Requester>,
}

#[derive(Debug, Clone)]
struct Requester {
    external_id: Option<String>,
    email: Option<String>,
}

/// Resolves requesters to uids; built once per container.
pub struct Requesters {
    source: UserIdSource,
    lookup: Option<Lookup>,
}

struct Lookup {
    client: ZendeskClient,
    cache: Mutex<LruCache<u64, Cached>>,
    ttl: Duration,
}

impl Requesters {
    /// Uids straight from the requester id: no lookup.
    pub fn by_id() -> Self {
        Self {
            source: UserIdSource::RequesterId,
            lookup: None,
        }
    }

    /// Uids from Zendesk users, through a cache of `size` requesters trusted for `ttl`.
    pub fn looked_up(
        source: UserIdSource,
        client: ZendeskClient,
        size: usize,
        ttl: Duration,
    ) -> Self {
        let size = NonZeroUsize::new(size).unwrap_or(NonZeroUsize::MIN);
        Self {
            source,
            lookup: Some(Lookup {
                client,
                cache: Mutex::new(LruCache::new(size)),
                ttl,
            }),
        }
    }

    /// Whether [`Requesters::prefetch`] is needed before [`Requesters::uid`].
    pub fn needs_lookup(&self) -> bool {
        self.lookup.is_some()
    }

    /// Fetches, in one batched lookup, every requester of `events` not fresh in the cache.
    pub async fn prefetch(
        &self,
        requester_ids: impl IntoIterator<Item = u64>,
        deadline: &Deadline,
    ) -> Result<LookupStats, ZendeskError> {
        let Some(lookup) = &self.lookup else {
            return Ok(LookupStats::default());
        };
        let wanted: BTreeSet<u64> = requester_ids.into_iter().collect();
        let missing: Vec<u64> = {
            let mut cache = lookup.cache.lock().unwrap_or_else(|p| p.into_inner());
            wanted
                .iter()
                .copied()
                .filter(|id| cache.get(id).is_none_or(|c| c.at.elapsed() >= lookup.ttl))
                .collect()
        };
        let stats = LookupStats {
            cache_hits: (wanted.len() - missing.len()) as u64,
            looked_up: missing.len() as u64,
        };
        if missing.is_empty() {
            return Ok(stats);
        }
        let mut found = lookup.client.users_by_id(&missing, deadline).await?;
        let now = Instant::now();
        let mut cache = lookup.cache.lock().unwrap_or_else(|p| p.into_inner());
        for id in missing {
            let user = found.remove(&id).map(requester);
            cache.put(id, Cached { at: now, user });
        }
        Ok(stats)
    }

    /// The uid of `event`'s requester. `Ok(None)`: not looked up yet (the prefetch failed).
    pub fn uid(&self, event: &TicketEvent) -> Result<Option<String>, NoUid> {
        let ticket = event.ticket.id;
        let Some(requester) = event.ticket.requester_id else {
            return Err(NoUid(format!("ticket {ticket} has no requester_id")));
        };
        let Some(lookup) = &self.lookup else {
            return usable_uid(requester.to_string()).map(Some);
        };
        let mut cache = lookup.cache.lock().unwrap_or_else(|p| p.into_inner());
        let Some(cached) = cache.get(&requester) else {
            return Ok(None);
        };
        let Some(user) = &cached.user else {
            return Err(NoUid(format!(
                "requester {requester} of ticket {ticket} is not a Zendesk user (deleted?)"
            )));
        };
        let (value, field) = match self.source {
            UserIdSource::RequesterEmail => (&user.email, "email"),
            _ => (&user.external_id, "external_id"),
        };
        match value {
            Some(uid) => usable_uid(uid.clone()).map(Some),
            None => Err(NoUid(format!(
                "requester {requester} of ticket {ticket} has no {field}"
            ))),
        }
    }
}

/// FullStory takes uids of up to 256 characters.
pub fn usable_uid(uid: String) -> Result<String, NoUid> {
    if uid.chars().count() > MAX_UID {
        Err(NoUid(format!(
            "the uid is {} characters long; FullStory takes at most {MAX_UID}",
            uid.chars().count()
        )))
    } else {
        Ok(uid)
    }
}

fn requester(user: User) -> Requester {
    let usable = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    Requester {
        external_id: usable(user.external_id),
        email: usable(user.email),
    }
}
