//! The routing table (`tests/rules/routing-table.json`) against an independent implementation of
//! EventBridge's matching: moto's EventBridge, run as a local server. Every rule of `infra/rules/`
//! is put on both buses (the bridge's custom bus and the legacy partner bus) with an SQS target;
//! every bus sample is put on its bus; what each queue receives must be exactly the table's rows.
//! `event-rules`' own test checks the same table with quamina, so the two cannot drift apart.
//!
//! moto comes from PyPI: `make moto` (part of `make test`) installs it into `.venv`; `MOTO_SERVER`
//! names another `moto_server` binary.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_eventbridge::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_eventbridge::types::{PutEventsRequestEntry, Target};
use event_rules::RuleSet;
use serde_json::Value;
use ticketbridge_e2e::Moto;

const PARTNER_SOURCE: &str = "aws.partner/zendesk.com/7654321/default";
const BRIDGE_BUS: &str = "ticketbridge";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sdk(moto: &Moto) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::for_tests()))
        .build()
}

/// What identifies a sample once EventBridge has given it a new id and time.
fn identity(event: &Value) -> String {
    format!(
        "{}|{}|{}",
        event["source"], event["detail-type"], event["detail"]
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn moto_routes_every_sample_as_the_table_says() {
    let rules = RuleSet::load(&root().join("infra/rules")).unwrap();
    let table: BTreeMap<String, Vec<String>> = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/rules/routing-table.json")).unwrap(),
    )
    .unwrap();

    let moto = Moto::start().await;
    let sdk = sdk(&moto);
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);

    // The two buses the CDK app wires the rules to.
    events
        .create_partner_event_source()
        .name(PARTNER_SOURCE)
        .account("123456789012")
        .send()
        .await
        .unwrap();
    events
        .create_event_bus()
        .name(PARTNER_SOURCE)
        .event_source_name(PARTNER_SOURCE)
        .send()
        .await
        .unwrap();
    events
        .create_event_bus()
        .name(BRIDGE_BUS)
        .send()
        .await
        .unwrap();

    // One queue per rule; the rule on each bus targets it.
    let mut queues = BTreeMap::new();
    for (index, rule) in rules.rules().iter().enumerate() {
        let url = sqs
            .create_queue()
            .queue_name(format!("rule-{index}"))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
            .clone();
        for bus in [PARTNER_SOURCE, BRIDGE_BUS] {
            events
                .put_rule()
                .name(&rule.name)
                .event_bus_name(bus)
                .event_pattern(rule.pattern.to_string())
                .send()
                .await
                .unwrap();
            events
                .put_targets()
                .rule(&rule.name)
                .event_bus_name(bus)
                .targets(Target::builder().id("queue").arn(&arn).build().unwrap())
                .send()
                .await
                .unwrap();
        }
        queues.insert(rule.name.clone(), url);
    }

    // Every bus sample, on the bus its source belongs to, ten per PutEvents call.
    let mut by_identity = BTreeMap::new();
    let mut entries = Vec::new();
    for name in table.keys() {
        let event: Value =
            serde_json::from_slice(&std::fs::read(root().join("events").join(name)).unwrap())
                .unwrap();
        let previous = by_identity.insert(identity(&event), name.clone());
        assert!(previous.is_none(), "{name} and {previous:?} look alike");
        let source = event["source"].as_str().unwrap();
        let bus = if source.starts_with("aws.partner/") {
            PARTNER_SOURCE
        } else {
            BRIDGE_BUS
        };
        let resources = event["resources"].as_array().map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        });
        entries.push(
            PutEventsRequestEntry::builder()
                .event_bus_name(bus)
                .source(source)
                .detail_type(event["detail-type"].as_str().unwrap())
                .detail(event["detail"].to_string())
                .set_resources(resources)
                .build(),
        );
    }
    for chunk in entries.chunks(10) {
        let answer = events
            .put_events()
            .set_entries(Some(chunk.to_vec()))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.failed_entry_count, 0, "{answer:?}");
    }

    // What each queue received, as sample names.
    let mut wrong = Vec::new();
    for rule in rules.rules() {
        let mut received = BTreeSet::new();
        loop {
            let messages = sqs
                .receive_message()
                .queue_url(&queues[&rule.name])
                .max_number_of_messages(10)
                .wait_time_seconds(0)
                .send()
                .await
                .unwrap()
                .messages
                .unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            for message in messages {
                let event: Value = serde_json::from_str(message.body().unwrap()).unwrap();
                let name = by_identity
                    .get(&identity(&event))
                    .unwrap_or_else(|| panic!("{} received an unknown event {event}", rule.name));
                assert!(received.insert(name.clone()), "{name} delivered twice");
                sqs.delete_message()
                    .queue_url(&queues[&rule.name])
                    .receipt_handle(message.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        let expected: BTreeSet<String> = table
            .iter()
            .filter(|(_, rules)| rules.contains(&rule.name))
            .map(|(name, _)| name.clone())
            .collect();
        for missed in expected.difference(&received) {
            wrong.push(format!("{}: moto did not route {missed}", rule.name));
        }
        for extra in received.difference(&expected) {
            wrong.push(format!(
                "{}: moto routed {extra}, the table does not",
                rule.name
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
