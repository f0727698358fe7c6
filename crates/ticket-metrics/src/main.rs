//! `ticket-metrics`: read config once (fetching `…_ARN` secrets), build the clients and the
//! cursor store once, run the job on each scheduled invocation.

use delivery::{RuntimeClient, Settings, resolve_secrets};
use ticket_metrics::{MetricsJob, SECRET_SETTINGS, handle};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runtime = RuntimeClient::start();
    let settings = runtime
        .init_step(
            "Runtime.ConfigurationError",
            resolve_secrets(Settings::from_env(), SECRET_SETTINGS).await,
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
