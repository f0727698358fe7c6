//! `webhook-bridge`: read config (fetching `…_ARN` secrets through the AWS SDK it links for
//! EventBridge) and build the EventBridge client once, then serve Function URL / HTTP API
//! invocations.

use delivery::{RuntimeClient, Settings, resolve_secrets_with_sdk};
use webhook_bridge::config::SECRET_SETTINGS;
use webhook_bridge::{Bridge, BridgeConfig, Publisher};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runtime = RuntimeClient::start();
    let sdk = aws_config::load_from_env().await;
    let settings = resolve_secrets_with_sdk(Settings::from_env(), SECRET_SETTINGS, Some(&sdk))
        .await
        .and_then(|settings| BridgeConfig::from_settings(&settings));
    let config = runtime
        .init_step("Runtime.ConfigurationError", settings)
        .await;
    let publisher = Publisher::new(&sdk, config.event_bus.clone(), config.retry);
    let bridge = Bridge::new(config, publisher);
    runtime
        .serve_until_failure(async |payload: &[u8], budget| {
            Ok(bridge.handle(payload, budget).await.to_lambda())
        })
        .await
}
