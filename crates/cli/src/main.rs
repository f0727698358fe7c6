//! `ticketbridge`: run the Lambda functions locally, the way Lambda runs them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use ticketbridge_cli::{FunctionProcess, Outcome, RuntimeApi, bridge_demo, demo};

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

#[derive(Subcommand)]
enum Command {
    /// The whole path, locally: signed webhooks through webhook-bridge to a local EventBridge,
    /// then those events (as SNS delivers them) and the sample events through the Mixpanel and
    /// FullStory sinks in DRY_RUN, printing the requests each destination would receive.
    Demo {
        /// The Mixpanel sink binary.
        #[arg(long, default_value = "target/debug/mixpanel-sink")]
        function: PathBuf,
        /// The FullStory sink binary.
        #[arg(long, default_value = "target/debug/fullstory-sink")]
        fullstory: PathBuf,
        /// The bridge binary.
        #[arg(long, default_value = "target/debug/webhook-bridge")]
        bridge: PathBuf,
        /// Folder of sample payloads.
        #[arg(default_value = "events")]
        events: PathBuf,
        /// Extra environment for the function, KEY=VALUE (repeatable).
        #[arg(long = "env", value_parser = parse_env)]
        env: Vec<(String, String)>,
    },
    /// Invoke a function binary once with a payload file, under a local Runtime API.
    Invoke {
        /// The function binary.
        #[arg(long, default_value = "target/debug/mixpanel-sink")]
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
    /// Print one of README's mapping tables (generated from the code).
    MappingTable {
        /// Which destination's table.
        #[arg(value_enum, default_value_t = Destination::Mixpanel)]
        destination: Destination,
    },
}

/// A destination with a mapping table.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Destination {
    Mixpanel,
    Fullstory,
}

/// The demo's sink inputs: the bridged webhooks as one SNS delivery, then every sample file
/// under `events` that is a Zendesk ticket event (or a malformed one).
async fn demo_inputs(bridge: &Path, events: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    println!("━━ webhook-bridge: signed Zendesk webhooks → local EventBridge");
    let run = bridge_demo::run(bridge, events).await?;
    for (label, status) in &run.answers {
        println!("  POST /zendesk {label} → {status}");
    }
    println!(
        "  the bus accepted {} event(s); they go on to the sink as one SNS delivery",
        run.events.len()
    );
    println!(
        "\n━━ mixpanel-sink (DRY_RUN): the bridged events, then every sample under {}",
        events.display()
    );
    let mut inputs = vec![(
        "bridged webhooks, as SNS delivers them from the bus".to_owned(),
        run.sns_payload(),
    )];
    for file in
        demo::sample_files(events).map_err(|e| format!("cannot read {}: {e}", events.display()))?
    {
        // Intercom conversations go to FullStory only (the shipped rules route them there).
        if file
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with("intercom"))
        {
            continue;
        }
        let payload = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        inputs.push((file.display().to_string(), payload));
    }
    Ok(inputs)
}

/// The FullStory sink's inputs: the bridged webhooks, the Intercom conversations on the bus,
/// and the Zendesk samples of both families.
fn fullstory_inputs(bridged: &[u8], events: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut inputs = vec![(
        "bridged webhooks, as SNS delivers them from the bus".to_owned(),
        bridged.to_vec(),
    )];
    for folder in ["intercom-on-bus", "connector", "webhook"] {
        let dir = events.join(folder);
        for file in
            demo::sample_files(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        {
            let payload = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            inputs.push((file.display().to_string(), payload));
        }
    }
    Ok(inputs)
}

/// Runs both sinks over the demo inputs; the report of each, or why the demo stopped.
async fn run_demo(
    function: &Path,
    fullstory: &Path,
    bridge: &Path,
    events: &Path,
    env: &[(String, String)],
) -> Result<(demo::DemoReport, demo::DemoReport), String> {
    let inputs = demo_inputs(bridge, events).await?;
    let bridged = inputs[0].1.clone();
    let mixpanel = demo::run(function, inputs, env).await?;
    println!(
        "\n━━ fullstory-sink (DRY_RUN, FULLSTORY_USER_ID=requester_id: no Zendesk lookup): the bridged events, Intercom conversations, then the Zendesk samples (by default only Ticket Created, Status Changed and comments are sent)"
    );
    let mut fullstory_env = env.to_vec();
    fullstory_env.push(("FULLSTORY_USER_ID".into(), "requester_id".into()));
    let fullstory = demo::run(
        fullstory,
        fullstory_inputs(&bridged, events)?,
        &fullstory_env,
    )
    .await?;
    Ok((mixpanel, fullstory))
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
            events,
            env,
        } => match run_demo(&function, &fullstory, &bridge, &events, &env).await {
            Err(e) => {
                eprintln!("demo failed: {e}");
                ExitCode::FAILURE
            }
            Ok((mixpanel, fullstory)) => {
                println!(
                    "\nMixpanel: {} inputs → {} events and {} profile updates; {} invocation(s) answered with an error (the malformed samples).",
                    mixpanel.files,
                    mixpanel.events,
                    mixpanel.profile_updates,
                    mixpanel.errors.len()
                );
                println!(
                    "FullStory: {} inputs → {} events; {} invocation(s) answered with an error.",
                    fullstory.files,
                    fullstory.fullstory_events,
                    fullstory.errors.len()
                );
                let invalid: Vec<_> = mixpanel.invalid.iter().chain(&fullstory.invalid).collect();
                for problem in &invalid {
                    eprintln!("invalid request: {problem}");
                }
                if invalid.is_empty() && fullstory.errors.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
        },
        Command::Invoke {
            function,
            payload,
            timeout,
            env,
        } => invoke(function, payload, timeout, env).await,
        Command::MappingTable { destination } => {
            match destination {
                Destination::Mixpanel => print!("{}", mixpanel::markdown_table()),
                Destination::Fullstory => print!("{}", fullstory::mapping::markdown_table()),
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
    tokio::time::sleep(Duration::from_millis(20)).await;
    for line in process.take_stderr() {
        eprintln!("{line}");
    }
    for line in process.take_stdout() {
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
