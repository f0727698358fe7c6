//! `mixpanel-sink`: read config once (fetching `…_ARN` secrets), build the client once, serve invocations.

use delivery::{RuntimeClient, Settings, logging, resolve_secrets, serve};
use mixpanel::config::SECRET_SETTINGS;
use mixpanel::{MixpanelClient, MixpanelConfig};
use mixpanel_sink::Sink;

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
    let config = match resolve_secrets(Settings::from_env(), SECRET_SETTINGS)
        .await
        .and_then(|settings| MixpanelConfig::from_settings(&settings))
    {
        Ok(config) => config,
        Err(e) => {
            runtime
                .fail_init("Runtime.ConfigurationError", &e.to_string())
                .await
        }
    };
    let client = match MixpanelClient::new(&config) {
        Ok(c) => c,
        Err(e) => runtime.fail_init("Runtime.InitError", &e.to_string()).await,
    };
    let sink = Sink::new(config, client);
    if let Err(e) = serve(&runtime, async |payload: &[u8], budget| {
        sink.handle(payload, budget).await
    })
    .await
    {
        tracing::error!("{e}");
        std::process::exit(1);
    }
}
