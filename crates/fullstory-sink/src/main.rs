//! `fullstory-sink`: read config once (fetching `…_ARN` secrets), build the FullStory and
//! Zendesk clients once, serve invocations.

use delivery::{RuntimeClient, Settings, logging, resolve_secrets, serve};
use fullstory::{FullStoryClient, FullStoryConfig, Requesters};
use fullstory_sink::Sink;
use zendesk_api::ZendeskClient;

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
    let secrets: Vec<&str> = fullstory::SECRET_SETTINGS
        .iter()
        .chain(zendesk_api::SECRET_SETTINGS)
        .copied()
        .collect();
    let config = match resolve_secrets(Settings::from_env(), &secrets)
        .await
        .and_then(|settings| FullStoryConfig::from_settings(&settings))
    {
        Ok(config) => config,
        Err(e) => {
            runtime
                .fail_init("Runtime.ConfigurationError", &e.to_string())
                .await
        }
    };
    let client = match FullStoryClient::new(&config) {
        Ok(c) => c,
        Err(e) => runtime.fail_init("Runtime.InitError", &e.to_string()).await,
    };
    let requesters = match &config.lookup {
        None => Requesters::by_id(),
        Some(lookup) => match ZendeskClient::new(&lookup.zendesk, config.retry) {
            Ok(zendesk) => {
                Requesters::looked_up(config.user_id, zendesk, lookup.cache_size, lookup.cache_ttl)
            }
            Err(e) => runtime.fail_init("Runtime.InitError", &e).await,
        },
    };
    let sink = Sink::new(config, client, requesters);
    if let Err(e) = serve(&runtime, async |payload: &[u8], budget| {
        sink.handle(payload, budget).await
    })
    .await
    {
        tracing::error!("{e}");
        std::process::exit(1);
    }
}
