//! `ticketbridge`: run the Lambda functions locally, the way Lambda runs them.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use ticketbridge_cli::{FunctionProcess, Outcome, RuntimeApi, demo};

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
    /// Run the Mixpanel sink over every sample event in DRY_RUN and print the Mixpanel requests.
    Demo {
        /// The function binary.
        #[arg(long, default_value = "target/debug/mixpanel-sink")]
        function: PathBuf,
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
    /// Print README's mapping table (generated from the code).
    MappingTable,
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
            events,
            env,
        } => match demo::run(&function, &events, &env).await {
            Ok(report) => {
                println!(
                    "\n{} sample files → {} Mixpanel events and {} profile updates; {} invalid; {} invocation(s) answered with an error (the malformed samples).",
                    report.files,
                    report.events,
                    report.profile_updates,
                    report.invalid.len(),
                    report.errors.len()
                );
                for problem in &report.invalid {
                    eprintln!("invalid request: {problem}");
                }
                if report.invalid.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("demo failed: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Invoke {
            function,
            payload,
            timeout,
            env,
        } => invoke(function, payload, timeout, env).await,
        Command::MappingTable => {
            print!("{}", mixpanel::markdown_table());
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
