//! `ticketbridge`: run the Lambda functions locally, the way Lambda runs them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use event_rules::RuleSet;
use ticketbridge_cli::history_cli::{self, parse_time};
use ticketbridge_cli::{
    FunctionProcess, Outcome, RuntimeApi, bridge_demo, demo, routing, rules_check,
};

#[derive(Parser)]
#[command(
    name = "ticketbridge",
    version,
    about = "Zendesk ticket events into product analytics: local tools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where `cargo build` puts the debug build of `name`: under `CARGO_TARGET_DIR` when it is set,
/// else `target/`.
fn debug_binary(name: &str) -> PathBuf {
    debug_binary_in(std::env::var_os("CARGO_TARGET_DIR"), name)
}

fn debug_binary_in(target_dir: Option<std::ffi::OsString>, name: &str) -> PathBuf {
    target_dir
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("debug")
        .join(name)
}

#[derive(Subcommand)]
enum Command {
    /// The whole path, locally: signed webhooks through webhook-bridge to a local EventBridge,
    /// those events and the sample bus events through the rules of infra/rules, and what each
    /// rule routes into the Mixpanel and FullStory sinks in DRY_RUN (as SNS delivers it): a
    /// line per step and per input, a table of what the destinations would hold, and every
    /// request in full in a file (or printed, with --verbose).
    Demo {
        /// The Mixpanel sink binary.
        #[arg(long, default_value_os_t = debug_binary("mixpanel-sink"))]
        function: PathBuf,
        /// The FullStory sink binary.
        #[arg(long, default_value_os_t = debug_binary("fullstory-sink"))]
        fullstory: PathBuf,
        /// The bridge binary.
        #[arg(long, default_value_os_t = debug_binary("webhook-bridge"))]
        bridge: PathBuf,
        /// The ticket store binary.
        #[arg(long, default_value_os_t = debug_binary("ticket-store"))]
        store: PathBuf,
        /// Folder of sample payloads.
        #[arg(default_value = "events")]
        events: PathBuf,
        /// Folder of rule files (deployed rules; examples/ is not deployed).
        #[arg(long, default_value = "infra/rules")]
        rules: PathBuf,
        /// Extra environment for the function, KEY=VALUE (repeatable).
        #[arg(long = "env", value_parser = parse_env)]
        env: Vec<(String, String)>,
        /// Where every request goes in full, one JSON line each.
        #[arg(long, default_value_os_t = std::env::temp_dir().join("ticketbridge-demo-requests.jsonl"))]
        requests: PathBuf,
        /// Print every request in full too, and every event's rules.
        #[arg(long)]
        verbose: bool,
    },
    /// EventBridge rules: check which rules events match.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// The ticket store's table: a ticket by id, or tickets by status, requester or
    /// organization (JSON lines; AWS credentials and region from the environment).
    Tickets {
        #[command(subcommand)]
        command: TicketsCommand,
    },
    /// Invoke a function binary once with a payload file, under a local Runtime API.
    Invoke {
        /// The function binary.
        #[arg(long, default_value_os_t = debug_binary("mixpanel-sink"))]
        function: PathBuf,
        /// The payload (SNS, SQS or EventBridge JSON).
        payload: PathBuf,
        /// Invocation timeout in seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        /// Environment for the function, KEY=VALUE (repeatable).
        #[arg(long = "env", value_parser = parse_env)]
        env: Vec<(String, String)>,
    },
    /// Replay Zendesk history into Mixpanel: the incremental ticket event export, mapped like
    /// the live sink, sent with /import in gzip batches of up to 2000 events. Reads the
    /// ZENDESK_* and MIXPANEL_* settings from the environment.
    Backfill {
        /// Start: a date (2024-01-31), an RFC 3339 time or unix seconds.
        #[arg(long, value_parser = parse_time)]
        since: i64,
        /// End (inclusive); default: until the export catches up with now.
        #[arg(long, value_parser = parse_time)]
        until: Option<i64>,
        /// Destination: Mixpanel events from the ticket event export, or the ticket store's
        /// items from the ticket export (tickets changed since --since, up to now).
        #[arg(long, value_enum, default_value_t = Target::Mixpanel)]
        to: Target,
        /// With --to store: the table (the stack's `TicketTable` output).
        #[arg(long, env = "TICKET_TABLE")]
        table: Option<String>,
        /// Write the requests to stdout as JSON lines instead of sending them.
        #[arg(long)]
        dry_run: bool,
        /// Resume file: written after each accepted batch; a re-run continues from it.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// Progress as JSON lines on stderr and a JSON summary (non-interactive use).
        #[arg(long)]
        json: bool,
    },
    /// Run the ticket-metrics job once, locally, with the Lambda's settings from the
    /// environment (CURSOR_PARAMETER uses SSM; --cursor-file keeps the cursor in a file).
    Metrics {
        /// Keep the export cursor in this file instead of CURSOR_PARAMETER or the lookback
        /// (and, with EVENT_BUS_NAME, the SLA cursor beside it, `<file>.sla.json`).
        #[arg(long)]
        cursor_file: Option<PathBuf>,
        /// Seconds the run may take (a Lambda's timeout).
        #[arg(long, default_value_t = 900)]
        budget: u64,
        /// Write the requests to stdout as JSON lines instead of sending them.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print one of README's mapping tables (generated from the code), with the names
    /// `EVENT_NAMES` chooses when it is set.
    MappingTable {
        /// Which destination's table.
        #[arg(value_enum, default_value_t = Destination::Mixpanel)]
        destination: Destination,
    },
}

/// `ticketbridge rules …`.
#[derive(Subcommand)]
enum RulesCommand {
    /// Validate the rules and print which of them each event matches (files or folders of
    /// EventBridge events); with no events, list the rules.
    Check {
        /// Folder of rule files (with examples/).
        #[arg(long, default_value = "infra/rules")]
        rules: PathBuf,
        /// EventBridge event files, or folders of them.
        events: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TicketsCommand {
    /// Print one ticket's item.
    Get {
        /// The ticket id.
        id: u64,
        /// The table (the stack's `TicketTable` output).
        #[arg(long, env = "TICKET_TABLE")]
        table: String,
    },
    /// Print tickets of one status, requester or organization, newest update first.
    List {
        /// Tickets with this status (index `by_status`).
        #[arg(long, conflicts_with_all = ["requester", "organization"])]
        status: Option<String>,
        /// Tickets of this requester (index `by_requester`).
        #[arg(long, conflicts_with = "organization")]
        requester: Option<u64>,
        /// Tickets of this organization (index `by_organization`).
        #[arg(long)]
        organization: Option<u64>,
        /// Only tickets updated at or after this RFC 3339 time.
        #[arg(long)]
        updated_since: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// The table (the stack's `TicketTable` output).
        #[arg(long, env = "TICKET_TABLE")]
        table: String,
    },
}

/// Where a backfill writes.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Target {
    Mixpanel,
    Store,
}

/// A destination with a mapping table.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Destination {
    Mixpanel,
    Fullstory,
}

/// Lambda payloads under `events/wrapped` and `events/malformed` that are not bus events (SQS
/// batches, SNS envelopes, broken input): invoked on the Mixpanel sink directly, to show how it
/// answers them.
fn direct_payloads(events: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    for folder in ["wrapped", "malformed"] {
        let dir = events.join(folder);
        for file in
            demo::sample_files(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        {
            let payload = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            if !routing::is_bus_event(&payload) {
                out.push((format!("{} (direct invocation)", file.display()), payload));
            }
        }
    }
    Ok(out)
}

/// The rule that routes user and organization events (deployed with the `accountProfiles`
/// feature), and the settings that turn the feature on, which the demo's account step runs the
/// Mixpanel sink with.
const ACCOUNTS_RULE: &str = "zendesk-accounts-to-mixpanel";
const ACCOUNT_SETTINGS: [(&str, &str); 2] = [
    ("MIXPANEL_GROUP_KEY", "organization_id"),
    ("MIXPANEL_DISTINCT_ID", "requester"),
];

/// What the demo's sinks reported.
struct DemoRun {
    mixpanel: demo::DemoReport,
    accounts: demo::DemoReport,
    fullstory: demo::DemoReport,
    store: ticketbridge_cli::store_demo::StoreReport,
    store_profiles: demo::DemoReport,
}

/// Signed webhooks through the bridge, every bus event through the rules, then each sink with
/// what its rules matched; the report of each sink, or why the demo stopped.
async fn run_demo(
    paths: &DemoPaths,
    env: &[(String, String)],
    transcript: &mut demo::Transcript,
) -> Result<DemoRun, String> {
    let rules = RuleSet::load(&paths.rules).map_err(|e| format!("invalid rules: {e}"))?;
    println!("━━ 1. webhook-bridge: signed Zendesk webhooks → local EventBridge");
    let run = bridge_demo::run(&paths.bridge, &paths.events).await?;
    for (label, status) in &run.answers {
        println!("  POST /zendesk {label} → {status}");
    }
    let mut bus: Vec<(String, Vec<u8>)> = run
        .events
        .iter()
        .map(|event| {
            (
                format!(
                    "bridged {}",
                    event["detail-type"].as_str().unwrap_or("event")
                ),
                event.to_string().into_bytes(),
            )
        })
        .collect();
    println!(
        "  the bus accepted {} event(s): {}",
        bus.len(),
        run.events
            .iter()
            .filter_map(|e| e["detail-type"].as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    bus.extend(routing::bus_samples(&paths.events)?);

    println!(
        "\n━━ 2. EventBridge rules ({}, deployed only): {} bus events (the bridged ones, then every sample)",
        paths.rules.display(),
        bus.len()
    );
    let mut routed = routing::route(&rules, &bus);
    if transcript.verbose() {
        for line in &routed.lines {
            println!("{line}");
        }
    }
    for (rule, count) in &routed.matched_by_rule {
        let target = rules.get(rule).map_or("?", |r| r.target.as_str());
        println!("  {rule} → {target} topic: {count} event(s)");
    }
    let mixpanel_events = routed.deliveries.remove("mixpanel").unwrap_or_default();
    let fullstory_events = routed.deliveries.remove("fullstory").unwrap_or_default();
    println!(
        "  → Mixpanel topic: {}, FullStory topic: {}, no deployed rule: {}",
        mixpanel_events.len(),
        fullstory_events.len(),
        routed.unrouted.len()
    );

    println!(
        "\n━━ 3. mixpanel-sink (DRY_RUN): what the rules routed to its topic, as SNS delivers it; then direct invocations with the wrapped and malformed samples"
    );
    let mut mixpanel_inputs = mixpanel_events;
    mixpanel_inputs.extend(direct_payloads(&paths.events)?);
    let mixpanel = demo::run(
        "mixpanel-sink",
        &paths.mixpanel,
        mixpanel_inputs,
        env,
        transcript,
    )
    .await?;

    println!(
        "\n━━ 4. fullstory-sink (DRY_RUN, FULLSTORY_USER_ID=requester_id: no Zendesk lookup): what the rules routed to its topic"
    );
    let mut fullstory_env = env.to_vec();
    fullstory_env.push(("FULLSTORY_USER_ID".into(), "requester_id".into()));
    let fullstory = demo::run(
        "fullstory-sink",
        &paths.fullstory,
        fullstory_events,
        &fullstory_env,
        transcript,
    )
    .await?;

    let settings: Vec<String> = ACCOUNT_SETTINGS
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    println!(
        "\n━━ 5. mixpanel-sink with {}: the bridged user and organization events, which the rule {ACCOUNTS_RULE} routes when these settings are on (feature accountProfiles)",
        settings.join(" ")
    );
    let account_events: Vec<(String, Vec<u8>)> = run
        .events
        .iter()
        .filter(|event| {
            matches!(
                rules.check(event.to_string().as_bytes()),
                event_rules::EventCheck::Matches(m) if m.iter().any(|r| r.name == ACCOUNTS_RULE)
            )
        })
        .map(|event| {
            (
                format!(
                    "bridged {} (via the mixpanel topic)",
                    event["detail-type"].as_str().unwrap_or("event")
                ),
                ticketbridge_cli::sns_event(std::slice::from_ref(event))
                    .to_string()
                    .into_bytes(),
            )
        })
        .collect();
    let mut account_env = env.to_vec();
    account_env.extend(
        ACCOUNT_SETTINGS
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let accounts = demo::run(
        "mixpanel-sink (accounts)",
        &paths.mixpanel,
        account_events,
        &account_env,
        transcript,
    )
    .await?;
    println!(
        "\n━━ 6. ticket-store (with ticketStore): every ticket event its rule routes, written to a local stand-in for the DynamoDB table; then an out-of-order pair for one ticket"
    );
    let mut with_store = routing::route_with(&rules, &bus, &["ticketStore"]);
    let store_inputs = with_store.deliveries.remove("store").unwrap_or_default();
    let template: serde_json::Value =
        std::fs::read(paths.events.join("connector/status-changed.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or("events/connector/status-changed.json is missing or not JSON")?;
    let store = ticketbridge_cli::store_demo::run(&paths.store, store_inputs, &template).await?;

    println!(
        "\n━━ 7. mixpanel-sink with MIXPANEL_PROFILES=store (mixpanelProfiles=store): the table's stream, {} new image(s) in the order the store accepted them, in batches as Lambda delivers them",
        store.stream.len()
    );
    let carried: Vec<&str> = store
        .stream
        .iter()
        .filter(|r| r["dynamodb"]["Keys"]["ticket_id"]["N"] == "48999")
        .filter_map(|r| r["dynamodb"]["NewImage"]["status"]["S"].as_str())
        .collect();
    println!(
        "  ticket 48999's images: {} (the older \"open\" was skipped by the store, so no profile ever sees it)",
        carried.join(" → ")
    );
    let stream_batches: Vec<(String, Vec<u8>)> = store
        .stream
        .chunks(100)
        .enumerate()
        .map(|(n, batch)| {
            (
                format!("stream batch {} ({} records)", n + 1, batch.len()),
                serde_json::json!({ "Records": batch })
                    .to_string()
                    .into_bytes(),
            )
        })
        .collect();
    let mut store_env = env.to_vec();
    store_env.push(("MIXPANEL_PROFILES".into(), "store".into()));
    let store_profiles = demo::run(
        "mixpanel-sink (store profiles)",
        &paths.mixpanel,
        stream_batches,
        &store_env,
        transcript,
    )
    .await?;
    Ok(DemoRun {
        mixpanel,
        accounts,
        fullstory,
        store,
        store_profiles,
    })
}

/// The binaries and folders the demo uses.
struct DemoPaths {
    mixpanel: PathBuf,
    fullstory: PathBuf,
    bridge: PathBuf,
    store: PathBuf,
    events: PathBuf,
    rules: PathBuf,
}

/// The demo's summary and exit code: failure on an invalid request, or on an error answered for
/// anything but a malformed sample.
fn demo_outcome(result: Result<DemoRun, String>, transcript: &demo::Transcript) -> ExitCode {
    let DemoRun {
        mixpanel,
        accounts,
        fullstory,
        store,
        store_profiles,
    } = match result {
        Ok(run) => run,
        Err(e) => {
            eprintln!("demo failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("\n━━ What Mixpanel and FullStory would hold (after their dedup)\n");
    print!("{}", transcript.holdings.table());
    println!("\n━━ What the ticket table holds\n");
    println!("| ticket_id | status | last_event_type | marks | version |\n|---|---|---|---|---|");
    for item in &store.items {
        let marks: Vec<&str> = [
            ("spam", "spam"),
            ("deleted", "deleted"),
            ("merged", "merged"),
        ]
        .into_iter()
        .filter(|(key, _)| item[*key] == true)
        .map(|(_, label)| label)
        .collect();
        let version = item["version"].as_str().unwrap_or_default();
        println!(
            "| {} | {} | {} | {} | {}… |",
            item["ticket_id"],
            item["status"].as_str().unwrap_or("—"),
            item["last_event_type"].as_str().unwrap_or("—"),
            if marks.is_empty() {
                "—".to_owned()
            } else {
                marks.join(", ")
            },
            version.chars().take(20).collect::<String>()
        );
    }
    println!(
        "\nMixpanel: {} inputs → {} events and {} profile updates; {} invocation(s) answered with an error (the malformed samples).",
        mixpanel.files,
        mixpanel.events,
        mixpanel.profile_updates,
        mixpanel.errors.len()
    );
    println!(
        "Mixpanel with group and requester profiles: {} inputs → {} profile updates and {} group updates.",
        accounts.files, accounts.profile_updates, accounts.group_updates
    );
    println!(
        "FullStory: {} inputs → {} events; {} invocation(s) answered with an error (the malformed samples).",
        fullstory.files,
        fullstory.fullstory_events,
        fullstory.errors.len()
    );
    println!(
        "Ticket store: {} inputs → {} writes applied, {} older skipped, {} tickets; {} invocation(s) answered with an error (the malformed samples).",
        store.inputs,
        store.applied,
        store.skipped_older,
        store.items.len(),
        store.errors.len()
    );
    println!(
        "Profiles from the store's stream: {} changes → {} profile updates, each the newest state the store accepted.",
        store.stream.len(),
        store_profiles.profile_updates
    );
    println!(
        "Every request in full: {}{}",
        transcript.path().display(),
        if transcript.verbose() {
            ""
        } else {
            " (or run with --verbose)"
        }
    );
    let reports = [&mixpanel, &accounts, &fullstory, &store_profiles];
    let invalid: Vec<_> = reports.iter().flat_map(|r| &r.invalid).collect();
    for problem in &invalid {
        eprintln!("invalid request: {problem}");
    }
    let unexpected: Vec<_> = reports
        .iter()
        .flat_map(|r| &r.errors)
        .chain(&store.errors)
        .filter(|label| !label.contains("malformed/"))
        .collect();
    for label in &unexpected {
        eprintln!("unexpected error for {label}");
    }
    if store_profiles.profile_updates == 0 {
        eprintln!("the store's stream produced no profile update");
        return ExitCode::FAILURE;
    }
    if accounts.profile_updates == 0 || accounts.group_updates == 0 {
        eprintln!("the account step produced no requester or group profile");
        return ExitCode::FAILURE;
    }
    let pair = store.items.iter().find(|item| item["ticket_id"] == 48999);
    if store.skipped_older == 0 || pair.is_none_or(|item| item["status"] != "solved") {
        eprintln!("the store step did not skip the older event of the out-of-order pair");
        return ExitCode::FAILURE;
    }
    if invalid.is_empty() && unexpected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `ticketbridge tickets …`: reads the table and prints JSON lines.
async fn tickets(command: TicketsCommand) -> ExitCode {
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let result = match command {
        TicketsCommand::Get { id, table } => ticket_store::read::get(&client, &table, id)
            .await
            .and_then(|item| {
                item.map(|i| vec![i])
                    .ok_or(format!("ticket {id} is not in {table}"))
            }),
        TicketsCommand::List {
            status,
            requester,
            organization,
            updated_since,
            limit,
            table,
        } => {
            let listing = match (status, requester, organization) {
                (Some(s), _, _) => ticket_store::read::Listing::Status(s),
                (_, Some(r), _) => ticket_store::read::Listing::Requester(r),
                (_, _, Some(o)) => ticket_store::read::Listing::Organization(o),
                _ => {
                    eprintln!("tickets list: give --status, --requester or --organization");
                    return ExitCode::from(2);
                }
            };
            // Stored times have nine fractional digits; compare in that form.
            let since = match updated_since
                .as_deref()
                .map(zendesk_events::Timestamp::parse)
            {
                None => None,
                Some(Ok(at)) => Some(at.to_rfc3339_nanos()),
                Some(Err(e)) => {
                    eprintln!("tickets list: --updated-since: {e}");
                    return ExitCode::from(2);
                }
            };
            ticket_store::read::list(&client, &table, &listing, since.as_deref(), limit).await
        }
    };
    match result {
        Ok(items) => {
            for item in items {
                println!("{item}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {text:?}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Demo {
            function,
            fullstory,
            bridge,
            store,
            events,
            rules,
            env,
            requests,
            verbose,
        } => {
            let paths = DemoPaths {
                mixpanel: function,
                fullstory,
                bridge,
                store,
                events,
                rules,
            };
            let mut transcript = match demo::Transcript::create(&requests, verbose) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("demo failed: cannot write the requests: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let result = run_demo(&paths, &env, &mut transcript).await;
            demo_outcome(result, &transcript)
        }
        Command::Tickets { command } => tickets(command).await,
        Command::Rules {
            command: RulesCommand::Check { rules, events },
        } => match rules_check::run(&rules, &events) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        },
        Command::Invoke {
            function,
            payload,
            timeout,
            env,
        } => invoke(function, payload, timeout, env).await,
        Command::Backfill {
            since,
            until,
            to: Target::Mixpanel,
            dry_run,
            checkpoint,
            json,
            table: _,
        } => history_cli::backfill(since, until, dry_run, checkpoint, json).await,
        Command::Backfill {
            until: Some(_),
            to: Target::Store,
            ..
        } => {
            eprintln!(
                "backfill --to store reads the ticket export up to now: --until does not apply (live events keep the store current)"
            );
            ExitCode::from(2)
        }
        Command::Backfill {
            since,
            to: Target::Store,
            dry_run,
            checkpoint,
            json,
            table,
            ..
        } => history_cli::backfill_store(since, table, dry_run, checkpoint, json).await,
        Command::Metrics {
            cursor_file,
            budget,
            dry_run,
        } => history_cli::metrics(cursor_file, Duration::from_secs(budget), dry_run).await,
        Command::MappingTable { destination } => {
            let names = match delivery::Settings::from_env().event_names() {
                Ok(names) => names,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            };
            match destination {
                Destination::Mixpanel => print!(
                    "{}\n{}",
                    mixpanel::markdown_table(&names),
                    mixpanel::accounts::markdown_table()
                ),
                Destination::Fullstory => print!("{}", fullstory::mapping::markdown_table(&names)),
            }
            ExitCode::SUCCESS
        }
    }
}

async fn invoke(
    function: PathBuf,
    payload: PathBuf,
    timeout: u64,
    env: Vec<(String, String)>,
) -> ExitCode {
    let body = match std::fs::read(&payload) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {}: {e}", payload.display());
            return ExitCode::FAILURE;
        }
    };
    let api = match RuntimeApi::start().await {
        Ok(api) => api,
        Err(e) => {
            eprintln!("cannot start the Runtime API emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    let process = match FunctionProcess::spawn(&function, &api, &env) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot start {}: {e}", function.display());
            return ExitCode::FAILURE;
        }
    };
    let outcome = api.invoke(body, Duration::from_secs(timeout)).await;
    for line in process.stderr_up_to_now().await {
        eprintln!("{line}");
    }
    for line in process.stdout_up_to_now().await {
        println!("{line}");
    }
    process.stop().await;
    match outcome {
        Some(Outcome::Response(answer)) => {
            println!("{answer}");
            ExitCode::SUCCESS
        }
        Some(Outcome::Error {
            error_type,
            error_message,
        }) => {
            eprintln!("{error_type}: {error_message}");
            ExitCode::FAILURE
        }
        None => {
            eprintln!("the function did not answer within {timeout} s");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_binaries_follow_cargo_target_dir() {
        assert_eq!(
            debug_binary_in(None, "mixpanel-sink"),
            PathBuf::from("target/debug/mixpanel-sink")
        );
        assert_eq!(
            debug_binary_in(Some("".into()), "mixpanel-sink"),
            PathBuf::from("target/debug/mixpanel-sink")
        );
        assert_eq!(
            debug_binary_in(Some("/tmp/builds".into()), "webhook-bridge"),
            PathBuf::from("/tmp/builds/debug/webhook-bridge")
        );
    }
}
