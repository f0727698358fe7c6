//! `fullstory-sink`: read config once (fetching `…_ARN` secrets), build the FullStory and
//! Zendesk clients once, serve invocations.

use delivery::{RuntimeClient, Settings, resolve_secrets};
use fullstory::{FullStoryClient, FullStoryConfig, Requesters};
use fullstory_sink::Sink;
use zendesk_api::ZendeskClient;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runtime = RuntimeClient::start();
    let secrets: Vec<&str> = fullstory::SECRET_SETTINGS
        .iter()
        .chain(zendesk_api::SECRET_SETTINGS)
        .copied()
        .collect();
    let settings = resolve_secrets(Settings::from_env(), &secrets)
        .await
        .and_then(|settings| FullStoryConfig::from_settings(&settings));
    let config = runtime
        .init_step("Runtime.ConfigurationError", settings)
        .await;
    let client = runtime
        .init_step("Runtime.InitError", FullStoryClient::new(&config))
        .await;
    let requesters = match &config.lookup {
        None => Requesters::by_id(),
        Some(lookup) => {
            let zendesk = runtime
                .init_step(
                    "Runtime.InitError",
                    ZendeskClient::new(&lookup.zendesk, config.retry),
                )
                .await;
            Requesters::looked_up(config.user_id, zendesk, lookup.cache_size, lookup.cache_ttl)
        }
    };
    let sink = Sink::new(config, client, requesters);
    runtime
        .serve_until_failure(async |payload: &[u8], budget| sink.handle(payload, budget).await)
        .await
}
