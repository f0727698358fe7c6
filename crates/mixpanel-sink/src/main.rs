//! `mixpanel-sink`: read config once (fetching `…_ARN` secrets), build the client once, serve
//! invocations.

use delivery::{RuntimeClient, Settings, resolve_secrets};
use mixpanel::config::SECRET_SETTINGS;
use mixpanel::{MixpanelClient, MixpanelConfig};
use mixpanel_sink::Sink;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runtime = RuntimeClient::start();
    let settings = resolve_secrets(Settings::from_env(), SECRET_SETTINGS)
        .await
        .and_then(|settings| MixpanelConfig::from_settings(&settings));
    let config = runtime
        .init_step("Runtime.ConfigurationError", settings)
        .await;
    let client = runtime
        .init_step("Runtime.InitError", MixpanelClient::new(&config))
        .await;
    let sink = Sink::new(config, client);
    runtime
        .serve_until_failure(async |payload: &[u8], budget| sink.handle(payload, budget).await)
        .await
}
