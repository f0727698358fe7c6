//! The Lambda envelopes a ticket event arrives in: SNS (`Records[].Sns.Message`), SQS
//! (`Records[].body`, raw EventBridge JSON or an SNS notification) and direct EventBridge.
//! Records are opened one at a time from the borrowed payload, so a 10,000-record batch is never
//! copied whole and one bad record is reported as that record.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use zendesk_events::{DecodeError, TicketEvent, decode_event};

/// Decodes `json` as `T`, naming the JSON path under `base` of whatever was wrong.
fn parse<'a, T: Deserialize<'a>>(json: &'a str, base: &str) -> Result<T, DecodeError> {
    let mut de = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(&mut de).map_err(|e| DecodeError::from_serde(base, e))
}

/// How the function was invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeKind {
    /// An SQS event source mapping: answer with `batchItemFailures`.
    Sqs,
    /// An SNS subscription (asynchronous): fail the invocation to get a retry.
    Sns,
    /// A direct EventBridge target (asynchronous), or a bare event from a local invoke.
    EventBridge,
    /// `Records` whose first record is neither SQS nor SNS (`eventSource` names another
    /// service, or none): every record is bad input and the invocation fails.
    Unrecognized,
}

impl EnvelopeKind {
    /// Lowercase label for logs and metrics.
    pub fn label(self) -> &'static str {
        match self {
            Self::Sqs => "sqs",
            Self::Sns => "sns",
            Self::EventBridge => "eventbridge",
            Self::Unrecognized => "unrecognized",
        }
    }
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(rename = "Records", borrow, default)]
    records: Option<Vec<&'a RawValue>>,
}

/// A parsed invocation payload: its kind and its records, not yet decoded.
#[derive(Debug)]
pub struct Envelope<'a> {
    kind: EnvelopeKind,
    records: Vec<&'a RawValue>,
    whole: &'a str,
}

impl<'a> Envelope<'a> {
    /// Tells the envelope apart: `Records` whose records say `eventSource: aws:sqs` or
    /// `EventSource: aws:sns`, or a direct event. Fails only when the payload is not a JSON
    /// object.
    pub fn parse(payload: &'a str) -> Result<Self, DecodeError> {
        let top: Top<'a> = parse(payload, "$").map_err(|e| {
            DecodeError::at(
                e.path,
                format!("not an SNS, SQS or EventBridge event: {}", e.reason),
            )
        })?;
        match top.records {
            Some(records) => {
                let kind = records.first().map_or(EnvelopeKind::Sqs, |r| {
                    record_source(r).unwrap_or(EnvelopeKind::Unrecognized)
                });
                Ok(Self {
                    kind,
                    records,
                    whole: payload,
                })
            }
            None => Ok(Self {
                kind: EnvelopeKind::EventBridge,
                records: Vec::new(),
                whole: payload,
            }),
        }
    }

    /// The invocation kind.
    pub fn kind(&self) -> EnvelopeKind {
        self.kind
    }

    /// Number of input records (1 for a direct EventBridge invocation).
    pub fn len(&self) -> usize {
        match self.kind {
            EnvelopeKind::EventBridge => 1,
            _ => self.records.len(),
        }
    }

    /// True when there is nothing to process.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Opens record `index` (its id and the event document inside it).
    pub fn record(&self, index: usize) -> InputRecord<'a> {
        match self.kind {
            EnvelopeKind::EventBridge => InputRecord::direct(self.whole),
            kind => InputRecord::read(index, self.records[index], kind),
        }
    }

    /// Opens every record in order.
    pub fn records(&self) -> impl Iterator<Item = InputRecord<'a>> + '_ {
        (0..self.len()).map(|i| self.record(i))
    }
}

/// The service a record says it came from: SQS records carry `eventSource`, SNS records
/// `EventSource`.
#[derive(Deserialize)]
struct RecordSource<'a> {
    #[serde(rename = "eventSource", borrow, default)]
    sqs: Option<Cow<'a, str>>,
    #[serde(rename = "EventSource", borrow, default)]
    sns: Option<Cow<'a, str>>,
}

impl RecordSource<'_> {
    fn kind(&self) -> Option<EnvelopeKind> {
        match (self.sqs.as_deref(), self.sns.as_deref()) {
            (Some("aws:sqs"), _) => Some(EnvelopeKind::Sqs),
            (_, Some("aws:sns")) => Some(EnvelopeKind::Sns),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        match (self.sqs.as_deref(), self.sns.as_deref()) {
            (Some(s), _) => format!("`eventSource` is {s:?}"),
            (None, Some(s)) => format!("`EventSource` is {s:?}"),
            (None, None) => "it has no `eventSource`".to_owned(),
        }
    }
}

fn record_source(raw: &RawValue) -> Option<EnvelopeKind> {
    serde_json::from_str::<RecordSource<'_>>(raw.get())
        .ok()
        .and_then(|s| s.kind())
}

#[derive(Deserialize)]
struct RawRecord<'a> {
    #[serde(rename = "eventSource", borrow, default)]
    sqs_source: Option<Cow<'a, str>>,
    #[serde(rename = "EventSource", borrow, default)]
    sns_source: Option<Cow<'a, str>>,
    #[serde(rename = "messageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
    #[serde(rename = "Sns", borrow, default)]
    sns: Option<SnsPart<'a>>,
}

#[derive(Deserialize)]
struct SnsPart<'a> {
    #[serde(rename = "MessageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(rename = "Message", borrow, default)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct SnsNotification<'a> {
    #[serde(rename = "Type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(rename = "Message", borrow, default)]
    message: Option<Cow<'a, str>>,
}

/// One input record: its platform id (for `batchItemFailures` and error messages), where its
/// event document sits, and the document itself (or why it could not be found).
#[derive(Debug)]
pub struct InputRecord<'a> {
    /// Position in `Records` (0 for a direct invocation).
    pub index: usize,
    /// SQS `messageId`, SNS `MessageId`, or EventBridge `id`; `None` when the record has none.
    pub id: Option<String>,
    /// JSON path of the event document, e.g. `$.Records[3].body`.
    pub path: String,
    document: Result<Cow<'a, str>, DecodeError>,
}

impl<'a> InputRecord<'a> {
    fn direct(whole: &'a str) -> Self {
        #[derive(Deserialize)]
        struct Id<'b> {
            #[serde(borrow, default)]
            id: Option<Cow<'b, str>>,
        }
        let id = serde_json::from_str::<Id<'_>>(whole)
            .ok()
            .and_then(|i| i.id)
            .map(Cow::into_owned);
        Self {
            index: 0,
            id,
            path: "$".to_owned(),
            document: Ok(Cow::Borrowed(whole)),
        }
    }

    /// Opens record `index` of an invocation of `kind`: the record must say it is of that kind
    /// (its own `eventSource`/`EventSource`), and only that kind's fields are read.
    fn read(index: usize, raw: &'a RawValue, kind: EnvelopeKind) -> Self {
        let base = format!("$.Records[{index}]");
        let record: RawRecord<'a> = match parse(raw.get(), &base) {
            Ok(r) => r,
            Err(e) => {
                return Self {
                    index,
                    id: None,
                    path: base,
                    document: Err(e),
                };
            }
        };
        let source = RecordSource {
            sqs: record.sqs_source,
            sns: record.sns_source,
        };
        if source.kind() != Some(kind) {
            let expected = match kind {
                EnvelopeKind::Sqs => "an SQS record (`eventSource: aws:sqs`)",
                EnvelopeKind::Sns => "an SNS record (`EventSource: aws:sns`)",
                _ => "an SQS or SNS record",
            };
            let id = record
                .message_id
                .or_else(|| record.sns.and_then(|s| s.message_id))
                .map(Cow::into_owned);
            return Self {
                index,
                id,
                path: base.clone(),
                document: Err(DecodeError::at(
                    base,
                    format!("expected {expected}, but {}", source.describe()),
                )),
            };
        }
        if kind == EnvelopeKind::Sns {
            let Some(sns) = record.sns else {
                let path = format!("{base}.Sns");
                return Self {
                    index,
                    id: None,
                    document: Err(DecodeError::at(&path, "missing in an SNS record")),
                    path,
                };
            };
            let path = format!("{base}.Sns.Message");
            let id = sns.message_id.map(Cow::into_owned);
            let document = sns.message.ok_or_else(|| DecodeError::at(&path, "missing"));
            return Self {
                index,
                id,
                path,
                document,
            };
        }
        let id = record.message_id.map(Cow::into_owned);
        let path = format!("{base}.body");
        let Some(body) = record.body else {
            let document = Err(DecodeError::at(
                format!("{base}.body"),
                "missing in an SQS record",
            ));
            return Self {
                index,
                id,
                path: base,
                document,
            };
        };
        match sns_notification_message(&body) {
            Some(Ok(message)) => Self {
                index,
                id,
                path: format!("{path} → $.Message"),
                document: Ok(message),
            },
            Some(Err(e)) => Self {
                index,
                id,
                path: path.clone(),
                document: Err(e.within(&path)),
            },
            None => Self {
                index,
                id,
                path,
                document: Ok(body),
            },
        }
    }

    /// The event document, as text.
    pub fn document(&self) -> Result<&str, &DecodeError> {
        self.document.as_deref()
    }

    /// Decodes the event; errors carry this record's path.
    pub fn decode(&self) -> Result<TicketEvent, DecodeError> {
        match &self.document {
            Ok(doc) if self.path == "$" => decode_event(doc),
            Ok(doc) => decode_event(doc).map_err(|e| e.within(&self.path)),
            Err(e) => Err(e.clone()),
        }
    }

    /// "record 3 (id abc)" for error messages.
    pub fn label(&self) -> String {
        match &self.id {
            Some(id) => format!("record {} ({id})", self.index),
            None => format!("record {}", self.index),
        }
    }
}

/// An SQS body delivered without raw message delivery is an SNS notification whose `Message`
/// holds the event; returns it, or `None` when the body is the event itself.
fn sns_notification_message(body: &str) -> Option<Result<Cow<'static, str>, DecodeError>> {
    // Cheap test first: a raw EventBridge event never has a top-level "Type":"Notification".
    if !body.contains("\"Notification\"") {
        return None;
    }
    let note: SnsNotification<'_> = serde_json::from_str(body).ok()?;
    if note.kind.as_deref() != Some("Notification") {
        return None;
    }
    Some(
        note.message
            .map(|m| Cow::Owned(m.into_owned()))
            .ok_or_else(|| DecodeError::at("$.Message", "missing in the SNS notification")),
    )
}
