//! `ticket-store`: read config once, build the DynamoDB client once, serve invocations on
//! `lambda_runtime`.

use std::sync::Arc;

use delivery::Settings;
use delivery::http::DryRun;
use lambda_io::{CONFIGURATION_ERROR, SinkEvent, SinkHandler, init_step, serve};
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
    let store = Arc::new(Store::new(config, table));
    serve(
        move |event: SinkEvent| {
            let store = store.clone();
            async move { store.handle(event).await }
        },
        || {},
    )
    .await
}
