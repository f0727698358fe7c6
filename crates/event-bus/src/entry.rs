//! One event for the bus, sized the way EventBridge counts it, and shrunk predictably when it
//! would not fit rather than refused.

use serde_json::{Map, Value};
use zendesk_events::Timestamp;

/// EventBridge's limit on one PutEvents entry (and request).
pub const MAX_ENTRY_BYTES: usize = 256 * 1024;

/// Marker listing what was cut to fit, set on the event object (`ticket_event` for tickets).
pub const TRUNCATED_MARKER: &str = "ticketbridge_truncated";

/// One EventBridge entry, before it becomes an SDK request entry.
#[derive(Debug, Clone, PartialEq)]
pub struct BusEntry {
    /// `Source`.
    pub source: String,
    /// `DetailType`.
    pub detail_type: String,
    /// `Detail`, as a JSON object.
    pub detail: Value,
    /// `Time`: when it happened at the sender.
    pub time: Timestamp,
    /// `Resources`.
    pub resources: Vec<String>,
    /// The sender's event id, for logs (never the content).
    pub event_id: String,
}

impl BusEntry {
    /// The entry's size as EventBridge computes it: 14 bytes for `Time`, plus the UTF-8 bytes of
    /// `Source`, `DetailType`, `Detail` and each resource.
    pub fn size(&self, detail_json: &str) -> usize {
        14 + self.source.len()
            + self.detail_type.len()
            + detail_json.len()
            + self.resources.iter().map(String::len).sum::<usize>()
    }

    /// `Detail` serialized, shrunk to fit [`MAX_ENTRY_BYTES`]: first the comment's `html_body`
    /// goes, then the comment `body` is truncated, then the ticket `description`; what was cut is
    /// listed under [`TRUNCATED_MARKER`]. Returns the JSON and whether anything was cut.
    pub fn detail_json(&mut self) -> (String, bool) {
        let mut json = self.detail.to_string();
        let mut cut = false;
        for step in SHRINK_STEPS {
            let size = self.size(&json);
            if size <= MAX_ENTRY_BYTES {
                break;
            }
            if step.apply(&mut self.detail, size - MAX_ENTRY_BYTES) {
                cut = true;
                json = self.detail.to_string();
            }
        }
        (json, cut)
    }
}

/// One way to make an event smaller.
enum Shrink {
    /// Remove `field` of the object at `path`.
    Drop {
        path: &'static [&'static str],
        field: &'static str,
        label: &'static str,
    },
    /// Cut the string `field` of the object at `path` by at least the overflow.
    Truncate {
        path: &'static [&'static str],
        field: &'static str,
        label: &'static str,
    },
}

const SHRINK_STEPS: &[Shrink] = &[
    Shrink::Drop {
        path: &["ticket_event", "comment"],
        field: "html_body",
        label: "comment.html_body",
    },
    Shrink::Truncate {
        path: &["ticket_event", "comment"],
        field: "body",
        label: "comment.body",
    },
    Shrink::Truncate {
        path: &["ticket_event", "ticket"],
        field: "description",
        label: "ticket.description",
    },
    Shrink::Truncate {
        path: &["ticket_event", "ticket"],
        field: "subject",
        label: "ticket.subject",
    },
];

/// Room kept for the marker itself.
const MARKER_ALLOWANCE: usize = 96;

impl Shrink {
    fn apply(&self, detail: &mut Value, overflow: usize) -> bool {
        let (path, field, label) = match self {
            Self::Drop { path, field, label } | Self::Truncate { path, field, label } => {
                (*path, *field, *label)
            }
        };
        let Some(object) = object_at(detail, path) else {
            return false;
        };
        let changed = match self {
            Self::Drop { .. } => object.remove(field).is_some(),
            Self::Truncate { .. } => match object.get_mut(field) {
                Some(Value::String(text)) if !text.is_empty() => {
                    let serialized: usize = text.chars().map(escaped_len).sum();
                    let budget = serialized.saturating_sub(overflow + MARKER_ALLOWANCE);
                    let mut used = 0;
                    let keep = text
                        .char_indices()
                        .find(|(_, c)| {
                            used += escaped_len(*c);
                            used > budget
                        })
                        .map_or(text.len(), |(i, _)| i);
                    text.truncate(keep);
                    true
                }
                _ => false,
            },
        };
        if changed {
            mark(detail, path[0], label);
        }
        changed
    }
}

/// Bytes `c` takes inside a JSON string as serde_json writes it.
fn escaped_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

fn object_at<'a>(value: &'a mut Value, path: &[&str]) -> Option<&'a mut Map<String, Value>> {
    path.iter()
        .try_fold(value, |v, key| v.get_mut(*key))?
        .as_object_mut()
}

fn mark(detail: &mut Value, root: &str, label: &str) {
    if let Some(Value::Object(event)) = detail.get_mut(root) {
        let list = event
            .entry(TRUNCATED_MARKER)
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list {
            items.push(Value::from(label));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn entry(body: &str, html: &str, description: &str) -> BusEntry {
        BusEntry {
            source: "ticketbridge.zendesk".into(),
            detail_type: "Support Ticket: Comment Created".into(),
            detail: json!({"ticket_event": {
                "type": "Comment Created",
                "comment": {"id": 1, "body": body, "html_body": html},
                "ticket": {"id": 2, "description": description}
            }}),
            time: Timestamp::parse("2026-03-10T15:03:40Z").unwrap(),
            resources: vec!["Support Ticket".into()],
            event_id: "e".into(),
        }
    }

    #[test]
    fn small_entries_are_untouched() {
        let mut e = entry("hi", "<p>hi</p>", "d");
        let before = e.detail.clone();
        let (json, cut) = e.detail_json();
        assert!(!cut);
        assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), before);
    }

    #[test]
    fn html_body_goes_first() {
        let mut e = entry("short body", &"<p>x</p>".repeat(40_000), "d");
        let (json, cut) = e.detail_json();
        assert!(cut && e.size(&json) <= MAX_ENTRY_BYTES);
        let te = &e.detail["ticket_event"];
        assert_eq!(te["comment"]["body"], "short body");
        assert!(te["comment"].get("html_body").is_none());
        assert_eq!(te[TRUNCATED_MARKER], json!(["comment.html_body"]));
    }

    #[test]
    fn then_the_body_is_cut_on_a_character_boundary() {
        let body = "é\"\n".repeat(200_000);
        let mut e = entry(&body, &"<p>x</p>".repeat(40_000), "d");
        let (json, cut) = e.detail_json();
        assert!(cut && e.size(&json) <= MAX_ENTRY_BYTES, "{}", e.size(&json));
        let te = &e.detail["ticket_event"];
        let kept = te["comment"]["body"].as_str().unwrap();
        assert!(!kept.is_empty() && body.starts_with(kept));
        assert_eq!(
            te[TRUNCATED_MARKER],
            json!(["comment.html_body", "comment.body"])
        );
    }

    #[test]
    fn then_the_description() {
        let mut e = entry(&"b".repeat(10_000), "", &"d".repeat(300_000));
        let (json, cut) = e.detail_json();
        assert!(cut && e.size(&json) <= MAX_ENTRY_BYTES);
        assert_eq!(
            e.detail["ticket_event"][TRUNCATED_MARKER],
            json!(["comment.html_body", "comment.body", "ticket.description"])
        );
    }
}
