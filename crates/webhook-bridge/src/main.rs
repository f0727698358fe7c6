//! `webhook-bridge`: read config (fetching `…_ARN` secrets through the AWS SDK it links for
//! EventBridge) and build the EventBridge client once, then serve Function URL / HTTP API
//! invocations on `lambda_runtime`.

use std::sync::Arc;

use delivery::{Settings, resolve_secrets_with_sdk};
use lambda_io::{CONFIGURATION_ERROR, RawEvent, init_step, serve};
use webhook_bridge::config::SECRET_SETTINGS;
use webhook_bridge::{Bridge, BridgeConfig, Publisher};

fn main() {
    lambda_io::main(run());
}

async fn run() {
    let sdk = aws_config::load_from_env().await;
    let settings = resolve_secrets_with_sdk(Settings::from_env(), SECRET_SETTINGS, Some(&sdk))
        .await
        .and_then(|settings| BridgeConfig::from_settings(&settings));
    let config = init_step(CONFIGURATION_ERROR, settings).await;
    let publisher = Publisher::new(&sdk, config.event_bus.clone(), config.retry);
    let bridge = Arc::new(Bridge::new(config, publisher));
    let on_shutdown = {
        let bridge = bridge.clone();
        move || bridge.flush_refusals()
    };
    serve(
        move |event: RawEvent| {
            let bridge = bridge.clone();
            async move { Ok::<_, std::convert::Infallible>(bridge.handle(event).await.to_lambda()) }
        },
        on_shutdown,
    )
    .await
}
