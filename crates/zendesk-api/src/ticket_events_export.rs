//! Zendesk's time-based incremental exports, read page by page with the guards their paging
//! needs: the ticket event export (`GET /api/v2/incremental/ticket_events.json?start_time=…
//! &include=comment_events`) and the ticket metric event export
//! (`GET /api/v2/incremental/ticket_metric_events.json?start_time=…`).
//!
//! - Pages overlap at their boundary second: items already yielded are skipped by id. Only ids
//!   at or after the next `start_time` are remembered, so memory stays flat.
//! - When more than a page of items shares one second, Zendesk answers the same page for the
//!   same `start_time` forever; a page with nothing new at an unchanged `start_time` moves on
//!   one second and counts the skip, loudly, instead of looping.
//! - `end_of_stream` ends it; so does the first item past `until`.

use std::collections::HashMap;
use std::marker::PhantomData;

use delivery::Deadline;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::client::ZendeskClient;
use crate::error::ZendeskError;

/// One ticket update from the export: the changes of one audit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TicketEventItem {
    /// The export item id (unique; the dedup key across pages).
    pub id: u64,
    /// The ticket.
    pub ticket_id: u64,
    /// Unix seconds of the update.
    pub timestamp: i64,
    /// RFC 3339 time of the update, when Zendesk sends it.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Who made it; Zendesk uses `-1` for the system.
    #[serde(default)]
    pub updater_id: Option<i64>,
    /// How the update was made (`via.channel`).
    #[serde(default)]
    pub via: Option<Value>,
    /// `Audit` for ticket updates.
    #[serde(default)]
    pub event_type: Option<String>,
    /// The changes: `Create`, `Change`, `Comment` and other audit events.
    #[serde(default)]
    pub child_events: Vec<Value>,
}

/// An item of a time-based export: its id (the dedup key across pages) and its time.
pub trait ExportItem: DeserializeOwned {
    /// The export's path, without the query.
    const PATH: &'static str;
    /// The JSON key of a page's items.
    const KEY: &'static str;
    /// The item's id.
    fn id(&self) -> u64;
    /// The item's time, in unix seconds (the export's order and `start_time`).
    fn unix_seconds(&self) -> i64;
}

impl ExportItem for TicketEventItem {
    const PATH: &'static str = "/api/v2/incremental/ticket_events.json";
    const KEY: &'static str = "ticket_events";
    fn id(&self) -> u64 {
        self.id
    }
    fn unix_seconds(&self) -> i64 {
        self.timestamp
    }
}

/// An export item that could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    /// `start_time` of the page it came in.
    pub page_start: i64,
    /// JSON path within that page.
    pub path: String,
    /// What was wrong.
    pub reason: String,
}

impl std::fmt::Display for ItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "export page start_time={} at {}: {}",
            self.page_start, self.path, self.reason
        )
    }
}

/// Where to (re)start: the `start_time` of a page and the ids of that page already handled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPosition {
    /// Unix seconds: the next request's `start_time`.
    pub start_time: i64,
    /// Items at or after `start_time` already handled (skipped on resume).
    #[serde(default)]
    pub done: Vec<u64>,
}

/// One page: its `start_time` and its items not seen before, in order.
#[derive(Debug)]
pub struct EventPage<T = TicketEventItem> {
    /// The `start_time` it was requested with.
    pub start_time: i64,
    /// New items, or why one could not be read.
    pub items: Vec<Result<T, ItemError>>,
}

/// What the guards did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StreamStats {
    /// Pages fetched.
    pub pages: u64,
    /// Items skipped because an earlier page had them.
    pub duplicates: u64,
    /// Seconds skipped because Zendesk repeated a full page for them.
    pub stuck_seconds: u64,
}

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow, alias = "ticket_metric_events")]
    ticket_events: Vec<&'a RawValue>,
    #[serde(default)]
    end_time: Option<i64>,
    #[serde(default)]
    next_page: Option<String>,
    #[serde(default)]
    end_of_stream: bool,
}

/// A time-based export as a sequence of pages.
#[derive(Debug)]
pub struct ExportStream<T> {
    start_time: i64,
    until: Option<i64>,
    /// Query parameters after `start_time` (`&include=…`).
    query: &'static str,
    /// Ids yielded (or handled before a resume) at or after `start_time`, with their time.
    seen: HashMap<u64, i64>,
    finished: bool,
    stats: StreamStats,
    item: PhantomData<T>,
}

/// The ticket event export.
pub type TicketEventStream = ExportStream<TicketEventItem>;

impl TicketEventStream {
    /// A stream from `position` up to `until` (unix seconds, inclusive; `None` = now), with
    /// comment events when `include_comments`.
    pub fn new(position: ExportPosition, until: Option<i64>, include_comments: bool) -> Self {
        let query = if include_comments {
            "&include=comment_events"
        } else {
            ""
        };
        Self::with_query(position, until, query)
    }
}

impl<T: ExportItem> ExportStream<T> {
    /// A stream of `T`'s export from `position` up to `until` (unix seconds, inclusive; `None`
    /// = now), with `query` after `start_time`.
    pub fn with_query(position: ExportPosition, until: Option<i64>, query: &'static str) -> Self {
        let seen = position
            .done
            .iter()
            .map(|id| (*id, position.start_time))
            .collect();
        Self {
            start_time: position.start_time,
            until,
            query,
            seen,
            finished: false,
            stats: StreamStats::default(),
            item: PhantomData,
        }
    }

    /// The `start_time` of the next request.
    pub fn next_start(&self) -> i64 {
        self.start_time
    }

    /// What the guards did so far.
    pub fn stats(&self) -> StreamStats {
        self.stats
    }

    /// Whether the stream has ended.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The next page, or `None` once the export is exhausted or past `until`.
    pub async fn next_page(
        &mut self,
        client: &ZendeskClient,
        deadline: &Deadline,
    ) -> Result<Option<EventPage<T>>, ZendeskError> {
        if self.finished {
            return Ok(None);
        }
        let path = format!("{}?start_time={}{}", T::PATH, self.start_time, self.query);
        let body: Box<RawValue> = client.get(&path, deadline).await?;
        self.stats.pages += 1;
        let page = self.read_page(body.get())?;
        Ok(Some(page))
    }

    /// Reads one export page at the stream's position: unreadable items are named by page and
    /// JSON path, duplicates and the same-second loop are handled as described on the type.
    pub fn read_page(&mut self, body: &str) -> Result<EventPage<T>, ZendeskError> {
        let wire: Wire<'_> = crate::client::decode(body.as_bytes())?;
        let start_time = self.start_time;
        let mut items = Vec::new();
        let mut fresh = 0usize;
        for (n, raw) in wire.ticket_events.iter().enumerate() {
            let item = match read_item::<T>(raw, n, start_time) {
                Ok(item) => item,
                Err(e) => {
                    items.push(Err(e));
                    continue;
                }
            };
            if self.until.is_some_and(|until| item.unix_seconds() > until) {
                self.finished = true;
                break;
            }
            if self.seen.insert(item.id(), item.unix_seconds()).is_some() {
                self.stats.duplicates += 1;
                continue;
            }
            fresh += 1;
            items.push(Ok(item));
        }
        let next = wire
            .end_time
            .or_else(|| wire.next_page.as_deref().and_then(start_time_of))
            .unwrap_or(start_time);
        if wire.end_of_stream || wire.ticket_events.is_empty() {
            self.finished = true;
        }
        if next > start_time {
            self.start_time = next;
        } else if !self.finished && fresh == 0 {
            // The same full page again: more than a page of items share this second, and the
            // export cannot page within a second. Move on rather than loop; unreadable items
            // were reported with the first copy.
            items.clear();
            tracing::warn!(
                start_time,
                export = T::KEY,
                "Zendesk returned the same export page twice: more than a page of items share this second; the rest of that second is skipped"
            );
            self.stats.stuck_seconds += 1;
            self.start_time = start_time + 1;
        }
        let keep_from = self.start_time;
        self.seen.retain(|_, ts| *ts >= keep_from);
        Ok(EventPage { start_time, items })
    }
}

fn read_item<T: ExportItem>(raw: &RawValue, n: usize, page_start: i64) -> Result<T, ItemError> {
    let mut de = serde_json::Deserializer::from_str(raw.get());
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.path().to_string();
        ItemError {
            page_start,
            path: if inner == "." {
                format!("$.{}[{n}]", T::KEY)
            } else {
                format!("$.{}[{n}].{inner}", T::KEY)
            },
            reason: e.inner().to_string(),
        }
    })
}

/// `start_time` from a `next_page` URL.
fn start_time_of(url: &str) -> Option<i64> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("start_time="))
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: &[(u64, i64)], end_time: i64, end_of_stream: bool) -> String {
        let items: Vec<Value> = items
            .iter()
            .map(|(id, ts)| serde_json::json!({"id": id, "ticket_id": 1, "timestamp": ts}))
            .collect();
        serde_json::json!({"ticket_events": items, "end_time": end_time, "end_of_stream": end_of_stream, "count": items.len()})
            .to_string()
    }

    fn ids(page: &EventPage<TicketEventItem>) -> Vec<u64> {
        page.items.iter().map(|i| i.as_ref().unwrap().id).collect()
    }

    #[test]
    fn boundary_duplicates_are_skipped_and_memory_is_pruned() {
        let mut s = TicketEventStream::new(ExportPosition::default(), None, true);
        let p = s
            .read_page(&page(&[(1, 10), (2, 20), (3, 30)], 30, false))
            .unwrap();
        assert_eq!(ids(&p), [1, 2, 3]);
        assert_eq!(s.next_start(), 30);
        assert_eq!(s.seen.len(), 1, "only the boundary second is remembered");
        let p = s.read_page(&page(&[(3, 30), (4, 40)], 40, true)).unwrap();
        assert_eq!(ids(&p), [4]);
        assert_eq!(s.stats().duplicates, 1);
        assert!(s.is_finished());
    }

    #[test]
    fn a_repeated_page_at_one_second_moves_on_instead_of_looping() {
        let mut s = TicketEventStream::new(
            ExportPosition {
                start_time: 50,
                done: vec![],
            },
            None,
            true,
        );
        let full = page(&[(1, 50), (2, 50)], 50, false);
        assert_eq!(ids(&s.read_page(&full).unwrap()), [1, 2]);
        assert_eq!(s.next_start(), 50);
        assert!(s.read_page(&full).unwrap().items.is_empty());
        assert_eq!(s.next_start(), 51);
        assert_eq!(s.stats().stuck_seconds, 1);
    }

    #[test]
    fn items_past_until_end_the_stream_and_bad_items_name_their_path() {
        let mut s = TicketEventStream::new(ExportPosition::default(), Some(25), true);
        let body = r#"{"ticket_events":[{"id":1,"ticket_id":1,"timestamp":10},{"id":2,"timestamp":20},{"id":3,"ticket_id":1,"timestamp":30}],"end_time":30}"#;
        let p = s.read_page(body).unwrap();
        assert_eq!(p.items.len(), 2);
        let e = p.items[1].as_ref().unwrap_err();
        assert!(e.to_string().contains("$.ticket_events[1]"), "{e}");
        assert!(e.reason.contains("ticket_id"), "{e}");
        assert!(s.is_finished());
    }

    #[test]
    fn a_resume_skips_what_was_done() {
        let mut s = TicketEventStream::new(
            ExportPosition {
                start_time: 10,
                done: vec![1],
            },
            None,
            true,
        );
        let p = s.read_page(&page(&[(1, 10), (2, 10)], 10, true)).unwrap();
        assert_eq!(ids(&p), [2]);
    }

    #[test]
    fn next_page_urls_give_the_start_time() {
        assert_eq!(
            start_time_of(
                "https://acme.zendesk.com/api/v2/incremental/ticket_events.json?start_time=1700000000&include=comment_events"
            ),
            Some(1_700_000_000)
        );
    }
}
