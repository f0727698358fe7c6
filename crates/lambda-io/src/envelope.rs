//! The Lambda envelopes a ticket event arrives in: SNS (`Records[].Sns.Message`), SQS
//! (`Records[].body`, raw EventBridge JSON or an SNS notification) and direct EventBridge; and
//! the ticket store's DynamoDB stream (`Records[].dynamodb`), whose records are item changes.
//! Records are opened one at a time from the borrowed payload, so a 10,000-record batch is never
//! copied whole and one bad record is reported as that record.

use std::borrow::Cow;
use std::fmt;

use aws_lambda_events::dynamodb::StreamRecord;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use json_scan::{Kind, Refused, Scan, Scanner};
use zendesk_events::{
    AccountEvent, DecodeError, TicketEvent, decode_account_event, decode_event, parse_at as parse,
};

/// How the function was invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeKind {
    /// An SQS event source mapping: answer with `batchItemFailures`.
    Sqs,
    /// An SNS subscription (asynchronous): fail the invocation to get a retry.
    Sns,
    /// A direct EventBridge target (asynchronous), or a bare event from a local invoke.
    EventBridge,
    /// A DynamoDB stream event source mapping (the ticket store's changes): answer with
    /// `batchItemFailures` naming sequence numbers.
    DynamoDbStream,
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
            Self::DynamoDbStream => "dynamodb",
            Self::Unrecognized => "unrecognized",
        }
    }
}

/// A parsed invocation payload: its kind and its records, each record's fields already read.
///
/// The payload is read in one pass from the bytes the runtime received ([`Envelope::parse`]),
/// so an SQS body, which is escaped JSON, is scanned once and unescaped into its own string,
/// instead of being captured raw, then re-read, then unescaped. Every record field
/// is read leniently (a wrong type is noted, not an error), so one odd record is reported as
/// that record and never fails the batch.
#[derive(Debug)]
pub struct Envelope {
    kind: EnvelopeKind,
    records: Vec<WireRecord>,
    /// A direct EventBridge event: the event itself, as JSON text.
    direct: String,
}

impl Envelope {
    /// Reads an invocation payload: records with the reader for escape-dense JSON
    /// (`json-scan`), which unescapes each body in one pass, and anything it does not take (a
    /// direct EventBridge event, or malformed JSON, whose error names where) with serde_json. Fails only when the
    /// payload is not a JSON object (or its `Records` is not a list).
    pub fn parse(payload: &str) -> Result<Self, DecodeError> {
        match scan_envelope(payload) {
            Ok(envelope) => Ok(envelope),
            Err(Refused) => Self::parse_general(payload),
        }
    }

    /// Reads an invocation payload as the runtime received it, as bytes.
    pub fn from_bytes(payload: &[u8]) -> Result<Self, DecodeError> {
        let text = std::str::from_utf8(payload).map_err(|e| {
            DecodeError::at("$", format!("not an SNS, SQS or EventBridge event: {e}"))
        })?;
        Self::parse(text)
    }

    /// Reads a payload with serde_json alone: the reader [`Envelope::from_bytes`] falls back
    /// to, and the one its own reader must always agree with (the fuzz tests compare them).
    #[doc(hidden)]
    pub fn parse_general(text: &str) -> Result<Self, DecodeError> {
        parse(text, "$").map_err(|e| {
            DecodeError::at(
                e.path,
                format!("not an SNS, SQS or EventBridge event: {}", e.reason),
            )
        })
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
    pub fn record(&self, index: usize) -> InputRecord<'_> {
        match self.kind {
            EnvelopeKind::EventBridge => InputRecord::direct(&self.direct),
            kind => InputRecord::read(index, &self.records[index], kind),
        }
    }

    /// Opens every record in order.
    pub fn records(&self) -> impl Iterator<Item = InputRecord<'_>> + '_ {
        (0..self.len()).map(|i| self.record(i))
    }

    /// Opens record `index`, moving its event document out of the envelope, so that a batch's
    /// documents are freed one by one as they are handled rather than all at the end.
    pub fn take_record(&mut self, index: usize) -> InputRecord<'static> {
        let kind = self.kind;
        if kind == EnvelopeKind::EventBridge {
            let record = InputRecord::direct(&self.direct);
            let (id, place) = (record.id, record.place);
            return InputRecord {
                index: 0,
                id,
                place,
                document: Ok(Cow::Owned(std::mem::take(&mut self.direct))),
                change: None,
            };
        }
        let record = &mut self.records[index];
        let opened = InputRecord::read(index, record, kind);
        let (id, place, change) = (opened.id, opened.place, opened.change);
        let document = match opened.document {
            Ok(Cow::Owned(owned)) => Ok(Cow::Owned(owned)),
            Err(e) => Err(e),
            // Borrowed from the field the kind reads: move that field out.
            Ok(Cow::Borrowed(_)) => Ok(Cow::Owned(record.take_document(kind))),
        };
        InputRecord {
            index,
            id,
            place,
            document,
            change,
        }
    }
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        let mut records: Option<Vec<WireRecord>> = None;
        // A direct event is kept as text, rebuilt from its members.
        let mut direct = String::from("{");
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "Records" {
                records = Some(map.next_value()?);
            } else {
                let value: Box<RawValue> = map.next_value()?;
                if direct.len() > 1 {
                    direct.push(',');
                }
                direct.push_str(&serde_json::to_string(&key).map_err(de::Error::custom)?);
                direct.push(':');
                direct.push_str(value.get());
            }
        }
        direct.push('}');
        Ok(match records {
            Some(records) => Envelope {
                kind: envelope_kind(&records),
                records,
                direct: String::new(),
            },
            None => Envelope {
                kind: EnvelopeKind::EventBridge,
                records: Vec::new(),
                direct,
            },
        })
    }
}

/// The records of a payload read with [`Scanner`]; `Refused` when the payload has no `Records`
/// (a direct event, rebuilt by the general reader) or is not JSON this reader takes.
fn scan_envelope(payload: &str) -> Scan<Envelope> {
    let mut scanner = Scanner::new(payload);
    let mut records = None;
    scanner.object(|scanner, name| {
        if name == b"Records" {
            let mut list = Vec::new();
            scanner.list(|scanner| {
                list.push(scan_record(scanner)?);
                Ok(())
            })?;
            records = Some(list);
            Ok(())
        } else {
            scanner.skip()
        }
    })?;
    scanner.end()?;
    let records = records.ok_or(Refused)?;
    Ok(Envelope {
        kind: envelope_kind(&records),
        records,
        direct: String::new(),
    })
}

/// The kind of a `Records` invocation: what its first record says it is.
fn envelope_kind(records: &[WireRecord]) -> EnvelopeKind {
    records.first().map_or(EnvelopeKind::Sqs, |r| {
        r.source().unwrap_or(EnvelopeKind::Unrecognized)
    })
}

/// A value read as a [`Text`] field: absent, a string, or named.
fn scan_text(scanner: &mut Scanner<'_>) -> Scan<Text> {
    Ok(match scanner.kind()? {
        Kind::Str => Text::Str(scanner.string()?),
        Kind::Null => {
            scanner.skip()?;
            Text::Absent
        }
        other => {
            scanner.skip()?;
            Text::Other(other.described())
        }
    })
}

/// One record, read as [`WireRecord`]'s `Deserialize` reads it.
fn scan_record(scanner: &mut Scanner<'_>) -> Scan<WireRecord> {
    let kind = scanner.kind()?;
    if kind != Kind::Object {
        scanner.skip()?;
        return Ok(WireRecord::not(kind.described()));
    }
    let mut record = WireRecord::default();
    scanner.object(|scanner, name| {
        match name {
            b"eventSource" => record.sqs_source = scan_text(scanner)?,
            b"EventSource" => record.sns_source = scan_text(scanner)?,
            b"messageId" => record.message_id = scan_text(scanner)?,
            b"body" => record.body = scan_text(scanner)?,
            b"Sns" => record.sns = Some(scan_sns(scanner)?),
            b"eventName" => record.event_name = scan_text(scanner)?,
            b"dynamodb" => {
                let raw = scanner.raw()?.to_owned();
                record.dynamodb = Some(RawValue::from_string(raw).map_err(|_| Refused)?);
            }
            _ => scanner.skip()?,
        }
        Ok(())
    })?;
    Ok(record)
}

/// A record's `Sns`, read as [`WireSns`]'s `Deserialize` reads it.
fn scan_sns(scanner: &mut Scanner<'_>) -> Scan<WireSns> {
    let kind = scanner.kind()?;
    if kind != Kind::Object {
        scanner.skip()?;
        return Ok(WireSns::not(kind.described()));
    }
    let mut sns = WireSns::default();
    scanner.object(|scanner, name| {
        match name {
            b"MessageId" => sns.message_id = scan_text(scanner)?,
            b"Message" => sns.message = scan_text(scanner)?,
            _ => scanner.skip()?,
        }
        Ok(())
    })?;
    Ok(sns)
}

/// A string field read leniently: absent, a string, or something else (named).
#[derive(Debug, Default)]
enum Text {
    #[default]
    Absent,
    Str(String),
    Other(&'static str),
}

impl Text {
    fn as_str(&self) -> Option<&str> {
        match self {
            Text::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Text, E> {
                Ok(Text::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Text, E> {
                Ok(Text::Str(v))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Text, E> {
                Ok(Text::Other("a boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Text, E> {
                Ok(Text::Other("a number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Text, E> {
                Ok(Text::Other("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Text, E> {
                Ok(Text::Other("a number"))
            }
            fn visit_unit<E>(self) -> Result<Text, E> {
                Ok(Text::Absent)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Text, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text::Other("a list"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text::Other("an object"))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// The fields of a record this crate reads; the rest are skipped without being kept.
#[derive(Debug, Default)]
struct WireRecord {
    /// Not a JSON object: what it is instead.
    not_object: Option<&'static str>,
    sqs_source: Text,
    sns_source: Text,
    message_id: Text,
    body: Text,
    sns: Option<WireSns>,
    event_name: Text,
    dynamodb: Option<Box<RawValue>>,
}

#[derive(Debug, Default)]
struct WireSns {
    not_object: Option<&'static str>,
    message_id: Text,
    message: Text,
}

impl WireRecord {
    /// The service the record says it came from: SQS records carry `eventSource`, SNS records
    /// `EventSource`.
    fn source(&self) -> Option<EnvelopeKind> {
        match (self.sqs_source.as_str(), self.sns_source.as_str()) {
            (Some("aws:sqs"), _) => Some(EnvelopeKind::Sqs),
            (Some("aws:dynamodb"), _) => Some(EnvelopeKind::DynamoDbStream),
            (_, Some("aws:sns")) => Some(EnvelopeKind::Sns),
            _ => None,
        }
    }

    fn describe_source(&self) -> String {
        match (&self.sqs_source, &self.sns_source) {
            (Text::Str(s), _) => format!("`eventSource` is {s:?}"),
            (_, Text::Str(s)) => format!("`EventSource` is {s:?}"),
            (Text::Other(what), _) => format!("`eventSource` is {what}"),
            (_, Text::Other(what)) => format!("`EventSource` is {what}"),
            _ => "it has no `eventSource`".to_owned(),
        }
    }
}

/// The visits of a lenient object reader for values that are not objects: each is consumed and
/// noted as what it is.
macro_rules! not_an_object {
    ($ty:ident) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$ty, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($ty::not("a list"))
        }
        fn visit_str<E>(self, _: &str) -> Result<$ty, E> {
            Ok($ty::not("a string"))
        }
        fn visit_bool<E>(self, _: bool) -> Result<$ty, E> {
            Ok($ty::not("a boolean"))
        }
        fn visit_i64<E>(self, _: i64) -> Result<$ty, E> {
            Ok($ty::not("a number"))
        }
        fn visit_u64<E>(self, _: u64) -> Result<$ty, E> {
            Ok($ty::not("a number"))
        }
        fn visit_f64<E>(self, _: f64) -> Result<$ty, E> {
            Ok($ty::not("a number"))
        }
        fn visit_unit<E>(self) -> Result<$ty, E> {
            Ok($ty::not("null"))
        }
    };
}

impl<'de> Deserialize<'de> for WireRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = WireRecord;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an SQS or SNS record")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireRecord, A::Error> {
                let mut record = WireRecord::default();
                while let Some(key) = map.next_key::<RecordKey>()? {
                    match key {
                        RecordKey::SqsSource => record.sqs_source = map.next_value()?,
                        RecordKey::SnsSource => record.sns_source = map.next_value()?,
                        RecordKey::MessageId => record.message_id = map.next_value()?,
                        RecordKey::Body => record.body = map.next_value()?,
                        RecordKey::Sns => record.sns = Some(map.next_value()?),
                        RecordKey::EventName => record.event_name = map.next_value()?,
                        RecordKey::DynamoDb => record.dynamodb = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(record)
            }
            not_an_object!(WireRecord);
        }
        deserializer.deserialize_any(RecordVisitor)
    }
}

impl WireRecord {
    /// The string field that holds an event of `kind` (the SNS `Message` or the SQS `body`),
    /// moved out.
    fn take_document(&mut self, kind: EnvelopeKind) -> String {
        let field = match (kind, &mut self.sns) {
            (EnvelopeKind::Sns, Some(sns)) => &mut sns.message,
            _ => &mut self.body,
        };
        match std::mem::take(field) {
            Text::Str(text) => text,
            _ => String::new(),
        }
    }

    fn not(what: &'static str) -> Self {
        Self {
            not_object: Some(what),
            ..Self::default()
        }
    }
}

impl<'de> Deserialize<'de> for WireSns {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SnsVisitor;
        impl<'de> Visitor<'de> for SnsVisitor {
            type Value = WireSns;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an SNS message")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireSns, A::Error> {
                let mut sns = WireSns::default();
                while let Some(key) = map.next_key::<RecordKey>()? {
                    match key {
                        RecordKey::SnsMessageId => sns.message_id = map.next_value()?,
                        RecordKey::SnsMessage => sns.message = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(sns)
            }
            not_an_object!(WireSns);
        }
        deserializer.deserialize_any(SnsVisitor)
    }
}

impl WireSns {
    fn not(what: &'static str) -> Self {
        Self {
            not_object: Some(what),
            ..Self::default()
        }
    }
}

/// The member names read from records, matched without allocating.
enum RecordKey {
    SqsSource,
    SnsSource,
    MessageId,
    Body,
    Sns,
    SnsMessageId,
    SnsMessage,
    EventName,
    DynamoDb,
    Other,
}

impl<'de> Deserialize<'de> for RecordKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = RecordKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E>(self, v: &str) -> Result<RecordKey, E> {
                Ok(match v {
                    "eventSource" => RecordKey::SqsSource,
                    "EventSource" => RecordKey::SnsSource,
                    "messageId" => RecordKey::MessageId,
                    "body" => RecordKey::Body,
                    "Sns" => RecordKey::Sns,
                    "MessageId" => RecordKey::SnsMessageId,
                    "Message" => RecordKey::SnsMessage,
                    "eventName" => RecordKey::EventName,
                    "dynamodb" => RecordKey::DynamoDb,
                    _ => RecordKey::Other,
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
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
    /// Where the event document sits; its JSON path is written only when asked for (an error
    /// names it), not for every record.
    place: Place,
    document: Result<Cow<'a, str>, DecodeError>,
    /// A DynamoDB stream record's change, read with `aws_lambda_events`' types.
    change: Option<Result<StreamChange, DecodeError>>,
}

/// Where in the payload a record's document sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The whole payload (a direct invocation).
    Whole,
    /// `$.Records[i]` itself.
    Record,
    /// `$.Records[i].Sns`.
    Sns,
    /// `$.Records[i].Sns.Message`.
    SnsMessage,
    /// `$.Records[i].body`.
    SqsBody,
    /// The `Message` of the SNS notification in `$.Records[i].body`.
    SqsBodyMessage,
    /// `$.Records[i].dynamodb`.
    DynamoDb,
}

impl Place {
    /// The JSON path of this place in record `index`.
    fn path(self, index: usize) -> String {
        let field = match self {
            Place::Whole => return "$".to_owned(),
            Place::Record => "",
            Place::Sns => ".Sns",
            Place::SnsMessage => ".Sns.Message",
            Place::SqsBody => ".body",
            Place::SqsBodyMessage => ".body → $.Message",
            Place::DynamoDb => ".dynamodb",
        };
        format!("$.Records[{index}]{field}")
    }
}

/// One item change from a DynamoDB stream record.
#[derive(Debug, Clone)]
pub struct StreamChange {
    /// `eventName`: `INSERT`, `MODIFY` or `REMOVE`.
    pub event_name: String,
    /// `dynamodb`: keys, images and sequence number.
    pub record: StreamRecord,
}

impl StreamChange {
    /// True when the item was deleted from the table.
    pub fn is_remove(&self) -> bool {
        self.event_name == "REMOVE"
    }
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
            place: Place::Whole,
            document: Ok(Cow::Borrowed(whole)),
            change: None,
        }
    }

    /// Opens record `index` of an invocation of `kind`: the record must say it is of that kind
    /// (its own `eventSource`/`EventSource`), and only that kind's fields are read.
    fn read(index: usize, record: &'a WireRecord, kind: EnvelopeKind) -> Self {
        let fail = |id: Option<String>, place: Place, reason: String| Self {
            index,
            id,
            document: Err(DecodeError::at(place.path(index), reason)),
            place,
            change: None,
        };
        if let Some(what) = record.not_object {
            return fail(
                None,
                Place::Record,
                format!("expected an SQS or SNS record, found {what}"),
            );
        }
        let own_id = |text: &Text| text.as_str().map(str::to_owned);
        if record.source() != Some(kind) {
            let expected = match kind {
                EnvelopeKind::Sqs => "an SQS record (`eventSource: aws:sqs`)",
                EnvelopeKind::Sns => "an SNS record (`EventSource: aws:sns`)",
                EnvelopeKind::DynamoDbStream => {
                    "a DynamoDB stream record (`eventSource: aws:dynamodb`)"
                }
                _ => "an SQS or SNS record",
            };
            let id = own_id(&record.message_id)
                .or_else(|| record.sns.as_ref().and_then(|s| own_id(&s.message_id)));
            return fail(
                id,
                Place::Record,
                format!("expected {expected}, but {}", record.describe_source()),
            );
        }
        if kind == EnvelopeKind::DynamoDbStream {
            return Self::stream(index, record);
        }
        if kind == EnvelopeKind::Sns {
            let Some(sns) = &record.sns else {
                return fail(None, Place::Sns, "missing in an SNS record".into());
            };
            if let Some(what) = sns.not_object {
                return fail(
                    None,
                    Place::Sns,
                    format!("expected an object, found {what}"),
                );
            }
            let id = own_id(&sns.message_id);
            let place = Place::SnsMessage;
            return match &sns.message {
                Text::Str(message) => Self {
                    index,
                    id,
                    place,
                    document: Ok(Cow::Borrowed(message)),
                    change: None,
                },
                Text::Absent => fail(id, place, "missing".into()),
                Text::Other(what) => fail(id, place, format!("expected a string, found {what}")),
            };
        }
        let id = own_id(&record.message_id);
        let place = Place::SqsBody;
        let body = match &record.body {
            Text::Str(body) => body.as_str(),
            Text::Absent => return fail(id, place, "missing in an SQS record".into()),
            Text::Other(what) => {
                return fail(id, place, format!("expected a string, found {what}"));
            }
        };
        match sns_notification_message(body) {
            Some(Ok(message)) => Self {
                index,
                id,
                place: Place::SqsBodyMessage,
                document: Ok(message),
                change: None,
            },
            Some(Err(e)) => Self {
                index,
                id,
                place,
                document: Err(e.within(&place.path(index))),
                change: None,
            },
            None => Self {
                index,
                id,
                place,
                document: Ok(Cow::Borrowed(body)),
                change: None,
            },
        }
    }

    /// Opens a DynamoDB stream record: its id is the change's sequence number (what
    /// `batchItemFailures` names), and it holds a change, not an event document.
    fn stream(index: usize, record: &WireRecord) -> Self {
        let place = Place::DynamoDb;
        let path = place.path(index);
        let event_name = || format!("$.Records[{index}].eventName");
        let change = match (&record.dynamodb, &record.event_name) {
            (None, _) => Err(DecodeError::at(
                &path,
                "missing in a DynamoDB stream record",
            )),
            (_, Text::Absent) => Err(DecodeError::at(
                event_name(),
                "missing in a DynamoDB stream record",
            )),
            (_, Text::Other(what)) => Err(DecodeError::at(
                event_name(),
                format!("expected a string, found {what}"),
            )),
            (Some(raw), Text::Str(name)) => serde_json::from_str::<StreamRecord>(raw.get())
                .map(|record| StreamChange {
                    event_name: name.clone(),
                    record,
                })
                .map_err(|e| DecodeError::at(&path, e.to_string())),
        };
        let id = change
            .as_ref()
            .ok()
            .and_then(|c| c.record.sequence_number.clone());
        Self {
            index,
            id,
            document: Err(DecodeError::at(
                &path,
                "a DynamoDB stream record holds an item change, not a ticket event (only mixpanel-sink with MIXPANEL_PROFILES=store reads the ticket store's stream)",
            )),
            place,
            change: Some(change),
        }
    }

    /// JSON path of the event document, e.g. `$.Records[3].body`.
    pub fn path(&self) -> String {
        self.place.path(self.index)
    }

    /// True when the document is the whole payload (a direct invocation), so its errors need
    /// no prefix.
    pub fn is_whole_payload(&self) -> bool {
        self.place == Place::Whole
    }

    /// The item change of a DynamoDB stream record; `None` for an event record.
    pub fn change(&self) -> Option<Result<&StreamChange, &DecodeError>> {
        self.change.as_ref().map(Result::as_ref)
    }

    /// Moves the item change out of a DynamoDB stream record; `None` for an event record (or
    /// once taken).
    pub fn take_change(&mut self) -> Option<Result<StreamChange, DecodeError>> {
        self.change.take()
    }

    /// The event document, as text.
    pub fn document(&self) -> Result<&str, &DecodeError> {
        self.document.as_deref()
    }

    /// Decodes the event; errors carry this record's path.
    pub fn decode(&self) -> Result<TicketEvent, DecodeError> {
        match &self.document {
            Ok(doc) if self.place == Place::Whole => decode_event(doc),
            Ok(doc) => decode_event(doc).map_err(|e| e.within(&self.path())),
            Err(e) => Err(e.clone()),
        }
    }

    /// Reads the event as a Zendesk user or organization event; `Ok(None)` when it is not one.
    /// Errors carry this record's path.
    pub fn decode_account(&self) -> Result<Option<AccountEvent>, DecodeError> {
        match &self.document {
            Ok(doc) => decode_account_event(doc).map_err(|e| e.within(&self.path())),
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
    if let Ok(note) = scan_notification(body) {
        if note.kind.as_str() != Some("Notification") {
            return None;
        }
        return match note.message {
            Text::Str(message) => Some(Ok(Cow::Owned(message))),
            Text::Absent => Some(Err(DecodeError::at(
                "$.Message",
                "missing in the SNS notification",
            ))),
            // serde_json's reading fails on it, and then the body is the event.
            Text::Other(_) => None,
        };
    }
    sns_notification_message_general(body)
}

/// [`sns_notification_message`] with serde_json alone, for bodies [`scan_notification`] does
/// not take.
fn sns_notification_message_general(body: &str) -> Option<Result<Cow<'static, str>, DecodeError>> {
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

/// The two members of an SNS notification that matter, read with [`Scanner`].
struct ScannedNotification {
    kind: Text,
    message: Text,
}

/// Reads an SQS body as an SNS notification; a member given twice is refused, so that
/// serde_json's reading (which fails on it) decides.
fn scan_notification(body: &str) -> Scan<ScannedNotification> {
    let mut scanner = Scanner::new(body);
    let (mut kind, mut message) = (None, None);
    scanner.object(|scanner, name| {
        let slot = match name {
            b"Type" => &mut kind,
            b"Message" => &mut message,
            _ => return scanner.skip(),
        };
        if slot.is_some() {
            return Err(Refused);
        }
        *slot = Some(scan_text(scanner)?);
        Ok(())
    })?;
    scanner.end()?;
    Ok(ScannedNotification {
        kind: kind.unwrap_or_default(),
        message: message.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_sqs_body_is_read_as_a_notification_exactly_as_serde_json_reads_it() {
        let event = include_str!("../../../events/connector/status-changed.json");
        let message = serde_json::to_string(event).unwrap();
        let mut bodies = vec![event.to_owned()];
        for (kind, message) in [
            (r#""Notification""#, message.as_str()),
            (r#""Notification""#, "null"),
            (r#""Notification""#, "3"),
            (r#""Notification""#, r#""\u00e9 \/ \ud83c\udfab""#),
            (r#""SubscriptionConfirmation""#, message.as_str()),
            ("null", message.as_str()),
            ("7", message.as_str()),
        ] {
            bodies.push(format!(r#"{{"Type":{kind},"Message":{message}}}"#));
            bodies.push(format!(
                r#"{{"Message":{message}, "Type" : {kind} , "x":[1,{{}}]}}"#
            ));
            bodies.push(format!(r#"{{"Type":{kind}}}"#));
            bodies.push(format!(
                r#"{{"Type":{kind},"Type":{kind},"Message":{message}}}"#
            ));
            bodies.push(format!(r#"{{"Type":{kind},"Message":{message}}} trailing"#));
            bodies.push(format!(r#"{{"Type":{kind},"Message":{message}"#));
        }
        for body in &bodies {
            assert_eq!(
                format!("{:?}", sns_notification_message(body)),
                format!("{:?}", sns_notification_message_general(body)),
                "{body}"
            );
        }
    }
}
