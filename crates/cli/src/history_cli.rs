//! The command-line side of `ticketbridge backfill` and `ticketbridge metrics`: settings from
//! the environment (the Lambdas' names, `…_ARN` secrets resolved), dates, Ctrl-C, the summary.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use delivery::{Settings, resolve_secrets};
use mixpanel::MixpanelConfig;
use ticket_metrics::{CursorStore, MetricsConfig, MetricsJob};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use zendesk_api::ZendeskConfig;

use crate::backfill::{
    Backfill, BackfillOptions, CheckpointFile, Ended, StoreBackfill, StoreBackfillOptions,
};

/// Secrets either tool may read as `<NAME>_ARN`.
const SECRETS: &[&str] = ticket_metrics::SECRET_SETTINGS;

/// `2024-01-31`, an RFC 3339 time, or unix seconds → unix seconds.
pub fn parse_time(text: &str) -> Result<i64, String> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map(|d| d.midnight().assume_utc().unix_timestamp())
        .map_err(|_| {
            format!("expected a date (2024-01-31), an RFC 3339 time or unix seconds, got {text:?}")
        })
}

async fn settings(dry_run: bool) -> Result<Settings<'static>, String> {
    let mut settings = Settings::from_env();
    if dry_run {
        settings = settings.overlay(HashMap::from([("DRY_RUN".into(), "true".into())]));
    }
    resolve_secrets(settings, SECRETS)
        .await
        .map_err(|e| e.to_string())
}

/// `ticketbridge backfill`.
pub async fn backfill(
    since: i64,
    until: Option<i64>,
    dry_run: bool,
    checkpoint: Option<PathBuf>,
    json: bool,
) -> ExitCode {
    if until.is_some_and(|u| u < since) {
        eprintln!("--until is before --since");
        return ExitCode::FAILURE;
    }
    let built = async {
        let s = settings(dry_run).await?;
        let zendesk = ZendeskConfig::from_settings(&s).map_err(|e| e.to_string())?;
        let mixpanel = MixpanelConfig::from_settings(&s).map_err(|e| e.to_string())?;
        Backfill::new(&zendesk, mixpanel)
    };
    let Some(backfill) = configured(built.await) else {
        return ExitCode::FAILURE;
    };
    stop_on_ctrl_c(backfill.stop_flag());
    let options = BackfillOptions {
        since,
        until,
        checkpoint: checkpoint.as_deref().map(CheckpointFile::new),
        json,
    };
    match backfill.run(&options).await {
        Ok((ended, counts)) => {
            let state = ended.label();
            if json {
                println!(
                    "{}",
                    serde_json::json!({"backfill": state, "summary": counts})
                );
            } else {
                println!(
                    "backfill {state}: {} pages, {} ticket updates → {} events read, {} sent to Mixpanel ({:.0}/min); {} filtered, {} unmappable, {} refused, {} unreadable items, {} duplicates skipped, {} stuck seconds skipped; {:.0} s waiting for Zendesk's rate limit",
                    counts.pages,
                    counts.items_read,
                    counts.events_read,
                    counts.events_sent,
                    counts.events_per_minute,
                    counts.events_filtered,
                    counts.events_unmappable,
                    counts.events_rejected,
                    counts.items_unreadable,
                    counts.duplicates_skipped,
                    counts.stuck_seconds,
                    counts.rate_limit_wait_s
                );
                if ended == Ended::Interrupted && options.checkpoint.is_some() {
                    println!("run the same command again to continue");
                }
            }
            ended.exit_code()
        }
        Err(e) => {
            eprintln!("backfill stopped: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The backfill `built`, or `None` after printing why its configuration failed.
fn configured<T>(built: Result<T, String>) -> Option<T> {
    built.inspect_err(|e| eprintln!("configuration: {e}")).ok()
}

impl Ended {
    /// `complete` or `interrupted`.
    fn label(self) -> &'static str {
        match self {
            Ended::Complete => "complete",
            Ended::Interrupted => "interrupted",
        }
    }

    /// Success, or 130 (the shell's code for Ctrl-C) when interrupted.
    fn exit_code(self) -> ExitCode {
        match self {
            Ended::Complete => ExitCode::SUCCESS,
            Ended::Interrupted => ExitCode::from(130),
        }
    }
}

/// Ctrl-C sets `stop` (the run finishes what is in flight and saves its checkpoint); a second
/// Ctrl-C aborts.
fn stop_on_ctrl_c(stop: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "\ninterrupted: finishing the page in flight and saving the checkpoint (Ctrl-C again to abort)"
            );
            stop.store(true, Ordering::Relaxed);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
}

/// `ticketbridge backfill --to store`: the ticket export into the ticket store `table`.
pub async fn backfill_store(
    since: i64,
    table: Option<String>,
    dry_run: bool,
    checkpoint: Option<PathBuf>,
    json: bool,
) -> ExitCode {
    let built = async {
        let mut s = settings(dry_run).await?;
        if let Some(table) = table {
            s = s.overlay(HashMap::from([("TICKET_TABLE".into(), table)]));
        }
        let zendesk = ZendeskConfig::from_settings(&s).map_err(|e| e.to_string())?;
        let config = ticket_store::StoreConfig::from_settings(&s).map_err(|e| e.to_string())?;
        let table = if config.dry_run {
            ticket_store::Table::dry_run(&config.table, delivery::http::DryRun::stdout())
        } else {
            let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            ticket_store::Table::new(&sdk, &config.table)
        };
        StoreBackfill::new(&zendesk, config, table)
    };
    let Some(backfill) = configured(built.await) else {
        return ExitCode::FAILURE;
    };
    stop_on_ctrl_c(backfill.stop_flag());
    let options = StoreBackfillOptions {
        since,
        checkpoint: checkpoint.as_deref().map(CheckpointFile::new),
        json,
    };
    match backfill.run(&options).await {
        Ok((ended, counts)) => {
            let state = ended.label();
            if json {
                println!(
                    "{}",
                    serde_json::json!({"backfill": state, "to": "store", "summary": counts})
                );
            } else {
                eprintln!(
                    "backfill to the store {state}: {} pages, {} tickets read → {} writes made, {} older than the table's (skipped), {} without updated_at; {:.0} s waiting for Zendesk's rate limit",
                    counts.pages,
                    counts.tickets_read,
                    counts.writes,
                    counts.older_skipped,
                    counts.tickets_without_time,
                    counts.rate_limit_wait_s
                );
                if ended == Ended::Interrupted && options.checkpoint.is_some() {
                    eprintln!("run the same command again to continue");
                }
            }
            ended.exit_code()
        }
        Err(e) => {
            eprintln!("backfill stopped: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `ticketbridge metrics`: the `ticket-metrics` job once, locally.
pub async fn metrics(cursor_file: Option<PathBuf>, budget: Duration, dry_run: bool) -> ExitCode {
    let built = async {
        let s = settings(dry_run).await?;
        let config = MetricsConfig::from_settings(&s).map_err(|e| e.to_string())?;
        let job = MetricsJob::from_config(config).await?;
        Ok::<_, String>(match cursor_file {
            // The SLA cursor (with EVENT_BUS_NAME) goes beside it.
            Some(path) => job
                .with_sla_store(CursorStore::File(path.with_extension("sla.json")))
                .with_store(CursorStore::File(path)),
            None => job,
        })
    };
    let job = match built.await {
        Ok(job) => job,
        Err(e) => {
            eprintln!("configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    match job.run(budget).await {
        Ok(summary) => {
            println!(
                "{}",
                serde_json::to_string(&summary).expect("summaries serialize")
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ticket metrics failed: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_times_and_unix_seconds() {
        assert_eq!(parse_time("2026-03-10").unwrap(), 1_773_100_800);
        assert_eq!(parse_time("2026-03-10T14:21:00Z").unwrap(), 1_773_152_460);
        assert_eq!(parse_time("1773152460").unwrap(), 1_773_152_460);
        assert!(
            parse_time("last tuesday")
                .unwrap_err()
                .contains("last tuesday")
        );
    }
}
