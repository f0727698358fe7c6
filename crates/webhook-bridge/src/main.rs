//! `webhook-bridge`: read config (fetching `…_ARN` secrets) and build the EventBridge client
//! once, then serve Function URL / HTTP API invocations.

use delivery::{RuntimeClient, Settings, logging, resolve_secret_arns, serve};
use webhook_bridge::config::SECRET_SETTINGS;
use webhook_bridge::{Bridge, BridgeConfig, Publisher};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    logging::init();
    let runtime = match RuntimeClient::from_env() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let sdk = aws_config::load_from_env().await;
    let config = match resolve_secret_arns(Settings::from_env(), SECRET_SETTINGS, &sdk)
        .await
        .and_then(|settings| BridgeConfig::from_settings(&settings))
    {
        Ok(config) => config,
        Err(e) => {
            runtime
                .fail_init("Runtime.ConfigurationError", &e.to_string())
                .await
        }
    };
    let publisher = Publisher::new(&sdk, config.event_bus.clone(), config.retry);
    let bridge = Bridge::new(config, publisher);
    if let Err(e) = serve(&runtime, async |payload: &[u8], budget| {
        Ok(bridge.handle(payload, budget).await.to_lambda())
    })
    .await
    {
        tracing::error!("{e}");
        std::process::exit(1);
    }
}
