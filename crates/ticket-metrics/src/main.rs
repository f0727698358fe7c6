//! `ticket-metrics`: read config once (fetching `…_ARN` secrets through the AWS SDK it links for
//! SSM), build the clients and the cursor store once, run the job on each scheduled invocation.

use delivery::{RuntimeClient, Settings, resolve_secrets_with_sdk};
use ticket_metrics::{MetricsJob, SECRET_SETTINGS, handle};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runtime = RuntimeClient::start();
    let settings = runtime
        .init_step(
            "Runtime.ConfigurationError",
            resolve_secrets_with_sdk(Settings::from_env(), SECRET_SETTINGS, None).await,
        )
        .await;
    let job = runtime
        .init_step(
            "Runtime.ConfigurationError",
            MetricsJob::from_settings(&settings).await,
        )
        .await;
    runtime
        .serve_until_failure(async |payload: &[u8], budget| handle(&job, payload, budget).await)
        .await
}
