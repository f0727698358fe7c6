//! `mixpanel-sink`: read config once (fetching `…_ARN` secrets), build the client once, serve
//! invocations on `lambda_runtime`.

use delivery::{Settings, resolve_secrets};
use lambda_io::{CONFIGURATION_ERROR, INIT_ERROR, init_step, serve_sink};
use mixpanel::config::SECRET_SETTINGS;
use mixpanel::{MixpanelClient, MixpanelConfig};
use mixpanel_sink::Sink;

fn main() {
    lambda_io::main(run());
}

async fn run() {
    let settings = resolve_secrets(Settings::from_env(), SECRET_SETTINGS)
        .await
        .and_then(|settings| MixpanelConfig::from_settings(&settings));
    let config = init_step(CONFIGURATION_ERROR, settings).await;
    let client = init_step(INIT_ERROR, MixpanelClient::new(&config)).await;
    serve_sink(Sink::new(config, client)).await
}
