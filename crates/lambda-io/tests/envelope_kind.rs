//! The invocation kind comes from each record's own `eventSource` (SQS) or `EventSource`
//! (SNS), never from what a record happens to contain; a record of another service is a bad
//! record, named, never a crash.

use lambda_io::{Envelope, EnvelopeKind};
use serde_json::json;

fn event() -> String {
    include_str!("../../../events/connector/status-changed.json").to_owned()
}

#[test]
fn an_sqs_message_attribute_named_like_an_sns_key_changes_nothing() {
    let batch = json!({"Records": [{
        "messageId": "m1",
        "eventSource": "aws:sqs",
        "messageAttributes": {"Sns": {"stringValue": "x", "dataType": "String"},
                              "EventSource": {"stringValue": "aws:sns", "dataType": "String"}},
        "body": event(),
    }]})
    .to_string();
    let envelope = Envelope::parse(&batch).unwrap();
    assert_eq!(envelope.kind(), EnvelopeKind::Sqs);
    let record = envelope.record(0);
    assert_eq!(record.id.as_deref(), Some("m1"));
    assert_eq!(record.path(), "$.Records[0].body");
    assert_eq!(record.decode().unwrap().ticket.id, 48213);
}

#[test]
fn an_sns_record_is_read_from_its_message() {
    let batch = json!({"Records": [{
        "EventSource": "aws:sns",
        "Sns": {"MessageId": "n1", "Message": event(), "MessageAttributes": {"body": {"Type": "String", "Value": "x"}}},
    }]})
    .to_string();
    let envelope = Envelope::parse(&batch).unwrap();
    assert_eq!(envelope.kind(), EnvelopeKind::Sns);
    assert_eq!(envelope.record(0).path(), "$.Records[0].Sns.Message");
    assert!(envelope.record(0).decode().is_ok());
}

#[test]
fn a_record_of_another_kind_in_the_batch_is_bad_input_by_name() {
    let batch = json!({"Records": [
        {"messageId": "m1", "eventSource": "aws:sqs", "body": event()},
        {"EventSource": "aws:sns", "Sns": {"MessageId": "n2", "Message": event()}},
        {"messageId": "m3", "body": event()},
    ]})
    .to_string();
    let envelope = Envelope::parse(&batch).unwrap();
    assert_eq!(envelope.kind(), EnvelopeKind::Sqs);
    assert!(envelope.record(0).decode().is_ok());
    let sns = envelope.record(1).decode().unwrap_err();
    assert_eq!(sns.path, "$.Records[1]");
    assert!(
        sns.reason.contains("EventSource") && sns.reason.contains("aws:sns"),
        "{sns}"
    );
    let unnamed = envelope.record(2).decode().unwrap_err();
    assert!(unnamed.reason.contains("no `eventSource`"), "{unnamed}");
    assert_eq!(envelope.record(2).id.as_deref(), Some("m3"));
}

#[test]
fn records_of_other_services_are_unrecognized_and_each_is_named() {
    for record in [
        json!({"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"}}}),
        json!({"EventSource": "aws:ses", "ses": {"mail": {}}}),
        json!({"eventSource": "aws:kinesis", "kinesis": {}}),
        json!({"something": "else"}),
    ] {
        let batch = json!({"Records": [record]}).to_string();
        let envelope = Envelope::parse(&batch).unwrap();
        assert_eq!(envelope.kind(), EnvelopeKind::Unrecognized);
        let e = envelope.record(0).decode().unwrap_err();
        assert_eq!(e.path, "$.Records[0]", "{e}");
    }
}

#[test]
fn foreign_sns_messages_are_bad_records() {
    let alarm = json!({"AlarmName": "cpu", "NewStateValue": "ALARM"}).to_string();
    let ec2 = json!({"version": "0", "detail-type": "EC2 Instance State-change Notification",
                     "source": "aws.ec2", "detail": {"state": "running"}})
    .to_string();
    let batch = json!({"Records": [
        {"EventSource": "aws:sns", "Sns": {"MessageId": "a", "Message": alarm}},
        {"EventSource": "aws:sns", "Sns": {"MessageId": "b", "Message": ec2}},
    ]})
    .to_string();
    let envelope = Envelope::parse(&batch).unwrap();
    for i in 0..2 {
        let e = envelope.record(i).decode().unwrap_err();
        assert!(
            e.path.starts_with(&format!("$.Records[{i}].Sns.Message")),
            "{e}"
        );
    }
}

#[test]
fn a_dynamodb_stream_record_is_a_change_named_by_its_sequence_number_not_an_event() {
    let batch = include_str!("../../../events/dynamodb-stream/ticket-store-changes.json");
    let mut envelope = Envelope::parse(batch).unwrap();
    assert_eq!(envelope.kind(), EnvelopeKind::DynamoDbStream);
    assert_eq!(envelope.len(), 5);
    let record = envelope.take_record(3);
    assert_eq!(record.id.as_deref(), Some("4421584500000000000000000004"));
    let change = record.change().unwrap().unwrap();
    assert_eq!(change.event_name, "MODIFY");
    assert!(change.record.new_image.contains_key("version"));
    let err = record.decode().unwrap_err();
    assert_eq!(err.path, "$.Records[3].dynamodb");
    assert!(err.reason.contains("not a ticket event"), "{err}");
    assert!(envelope.record(4).change().unwrap().unwrap().is_remove());
}

#[test]
fn a_stream_record_without_its_change_is_named() {
    let batch = json!({"Records": [{"eventSource": "aws:dynamodb", "eventName": "MODIFY"},
                                   {"eventSource": "aws:dynamodb", "dynamodb": {"Keys": {}}}]})
    .to_string();
    let envelope = Envelope::parse(&batch).unwrap();
    let missing = envelope.record(0);
    let err = missing.change().unwrap().unwrap_err();
    assert_eq!(err.path, "$.Records[0].dynamodb");
    let err = envelope.record(1).change().unwrap().unwrap_err().clone();
    assert_eq!(err.path, "$.Records[1].eventName");
}
