//! `ticket-metrics`: read config once (fetching `…_ARN` secrets through the AWS SDK it links for
//! SSM), build the clients and the cursor store once, run the job on each scheduled invocation.

use std::sync::Arc;

use delivery::{Settings, resolve_secrets_with_sdk};
use lambda_io::{CONFIGURATION_ERROR, RawEvent, init_step, serve};
use ticket_metrics::{MetricsJob, SECRET_SETTINGS, handle};

fn main() {
    lambda_io::main(run());
}

async fn run() {
    let settings = init_step(
        CONFIGURATION_ERROR,
        resolve_secrets_with_sdk(Settings::from_env(), SECRET_SETTINGS, None).await,
    )
    .await;
    let job = Arc::new(
        init_step(
            CONFIGURATION_ERROR,
            MetricsJob::from_settings(&settings).await,
        )
        .await,
    );
    serve(
        move |event: RawEvent| {
            let job = job.clone();
            async move { handle(&job, event).await }
        },
        || {},
    )
    .await
}
