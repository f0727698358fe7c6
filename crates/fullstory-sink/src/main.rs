//! `fullstory-sink`: read config once (fetching `…_ARN` secrets), build the FullStory and
//! Zendesk clients once, serve invocations on `lambda_runtime`.

use delivery::{Settings, resolve_secrets};
use fullstory::{FullStoryClient, FullStoryConfig, Requesters};
use fullstory_sink::Sink;
use lambda_io::{CONFIGURATION_ERROR, INIT_ERROR, init_step, serve_sink};
use zendesk_api::ZendeskClient;

fn main() {
    lambda_io::main(run());
}

async fn run() {
    let secrets: Vec<&str> = fullstory::SECRET_SETTINGS
        .iter()
        .chain(zendesk_api::SECRET_SETTINGS)
        .copied()
        .collect();
    let settings = resolve_secrets(Settings::from_env(), &secrets)
        .await
        .and_then(|settings| FullStoryConfig::from_settings(&settings));
    let config = init_step(CONFIGURATION_ERROR, settings).await;
    let client = init_step(INIT_ERROR, FullStoryClient::new(&config)).await;
    let requesters = match &config.lookup {
        None => Requesters::by_id(),
        Some(lookup) => {
            let zendesk = init_step(
                INIT_ERROR,
                ZendeskClient::new(&lookup.zendesk, config.retry),
            )
            .await;
            Requesters::looked_up(config.user_id, zendesk, lookup.cache_size, lookup.cache_ttl)
        }
    };
    serve_sink(Sink::new(config, client, requesters)).await
}
