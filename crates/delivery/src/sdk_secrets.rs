//! `…_ARN` secrets read through aws-sdk-secretsmanager, for the functions that link the AWS SDK
//! anyway (webhook-bridge for EventBridge, ticket-metrics for SSM): one way of calling AWS per
//! binary, with the SDK's credential chain, endpoint resolution and retries. The sinks, which
//! do not link the SDK, keep the single signed call of [`crate::SecretsManager`].

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;

use crate::secrets::{SecretReader, resolve_secret_arns, usable_secret_string, wants_secrets};
use crate::settings::{ConfigError, Settings};

/// A Secrets Manager reader on the function's SDK configuration.
pub struct SdkSecrets {
    client: aws_sdk_secretsmanager::Client,
}

impl SdkSecrets {
    /// A reader using `sdk` (region, credentials, `AWS_ENDPOINT_URL_SECRETS_MANAGER`).
    pub fn new(sdk: &SdkConfig) -> Self {
        Self {
            client: aws_sdk_secretsmanager::Client::new(sdk),
        }
    }
}

impl SecretReader for SdkSecrets {
    async fn secret_string(&self, arn: &str) -> Result<String, String> {
        match self.client.get_secret_value().secret_id(arn).send().await {
            Ok(answer) => usable_secret_string(answer.secret_string()),
            Err(e) => {
                let service = e.into_service_error();
                let kind = service.code().unwrap_or("unknown error").to_owned();
                let message = service.message().unwrap_or_default();
                Err(format!("cannot read the secret: {kind} {message}")
                    .trim()
                    .to_owned())
            }
        }
    }
}

/// [`crate::resolve_secrets`] through the AWS SDK, and only when some `NAME_ARN` is set: with
/// the function's `sdk` configuration, or one loaded from the environment then (so a function
/// given plain values starts no SDK).
pub async fn resolve_secrets_with_sdk<'a>(
    settings: Settings<'a>,
    names: &[&str],
    sdk: Option<&SdkConfig>,
) -> Result<Settings<'a>, ConfigError> {
    if !wants_secrets(&settings, names) {
        return Ok(settings);
    }
    let reader = match sdk {
        Some(sdk) => SdkSecrets::new(sdk),
        None => SdkSecrets::new(&aws_config::load_from_env().await),
    };
    resolve_secret_arns(settings, names, &reader).await
}
