//! `mixpanel-sink`: read config once, build the client once, serve invocations.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use delivery::Settings;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use mixpanel::{MixpanelClient, MixpanelConfig};
use mixpanel_sink::Sink;
use serde_json::value::RawValue;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    // Logs go to stderr: stdout carries DRY_RUN requests.
    lambda_runtime::tracing::init_default_subscriber_with_writer(std::io::stderr);
    let config = match MixpanelConfig::from_settings(&Settings::from_env()) {
        Ok(config) => config,
        Err(e) => {
            // Lambda reports the init failure with this line; the process must not start serving.
            eprintln!("{}", serde_json::json!({ "level": "ERROR", "message": e.to_string(), "variable": e.variable }));
            std::process::exit(1);
        }
    };
    let client = MixpanelClient::new(&config)?;
    let sink = Sink::new(config, client);
    let sink = &sink;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| async move {
        let budget = remaining(event.context.deadline);
        sink.handle(event.payload.get(), budget).await.map_err(|e| Diagnostic {
            error_type: "RecordsNotDelivered".to_owned(),
            error_message: e.0,
        })
    }))
    .await
}

/// Time left until the invocation's deadline (milliseconds since the epoch).
fn remaining(deadline_ms: u64) -> Duration {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Duration::from_millis(deadline_ms).saturating_sub(now)
}
