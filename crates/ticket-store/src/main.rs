//! `ticket-store`: read config once, build the DynamoDB client once, serve invocations on
//! `lambda_runtime`.

use delivery::Settings;
use delivery::http::DryRun;
use lambda_io::{CONFIGURATION_ERROR, init_step, serve_sink};
use ticket_store::{Store, StoreConfig, Table};

fn main() {
    lambda_io::main(run());
}

async fn run() {
    let config = init_step(
        CONFIGURATION_ERROR,
        StoreConfig::from_settings(&Settings::from_env()),
    )
    .await;
    let table = if config.dry_run {
        Table::dry_run(&config.table, DryRun::stdout())
    } else {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Table::new(&sdk, &config.table)
    };
    serve_sink(Store::new(config, table)).await
}
