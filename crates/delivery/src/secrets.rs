//! Secrets given either as a value (`NAME`) or as a Secrets Manager ARN (`NAME_ARN`), fetched
//! once at init so the rest of the configuration reads `NAME` the same way in both cases.

use std::collections::HashMap;

use aws_sdk_secretsmanager::Client;

use crate::settings::{ConfigError, Settings};

/// Fetches every `NAME_ARN` among `names` that is set (and whose `NAME` is not) from Secrets
/// Manager and returns `settings` with those values in place of `NAME`. Setting both is an error,
/// as is a secret that cannot be read; the error names the variable, never the value.
pub async fn resolve_secret_arns<'a>(
    settings: Settings<'a>,
    names: &[&str],
    sdk: &aws_config::SdkConfig,
) -> Result<Settings<'a>, ConfigError> {
    let mut wanted = Vec::new();
    for name in names {
        let arn_variable = format!("{name}_ARN");
        match (settings.get(name), settings.get(&arn_variable)) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    &arn_variable,
                    format!("set either {name} or {arn_variable}, not both"),
                ));
            }
            (None, Some(arn)) => wanted.push((name.to_string(), arn_variable, arn)),
            _ => {}
        }
    }
    if wanted.is_empty() {
        return Ok(settings);
    }
    let client = Client::new(sdk);
    let mut values = HashMap::new();
    for (name, arn_variable, arn) in wanted {
        let value = fetch(&client, &arn)
            .await
            .map_err(|reason| ConfigError::new(&arn_variable, reason))?;
        values.insert(name, value);
    }
    Ok(settings.overlay(values))
}

/// [`resolve_secret_arns`] with the AWS configuration loaded from the environment, and only
/// when some `NAME_ARN` is set: a function given plain values pays no SDK start-up.
pub async fn resolve_secrets<'a>(
    settings: Settings<'a>,
    names: &[&str],
) -> Result<Settings<'a>, ConfigError> {
    if !names
        .iter()
        .any(|name| settings.get(&format!("{name}_ARN")).is_some())
    {
        return Ok(settings);
    }
    let sdk = aws_config::load_from_env().await;
    resolve_secret_arns(settings, names, &sdk).await
}

async fn fetch(client: &Client, arn: &str) -> Result<String, String> {
    let output = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| {
            let e = e.into_service_error();
            format!("cannot read the secret: {}", e.meta())
        })?;
    output
        .secret_string()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| "the secret has no SecretString (binary secrets are not supported)".into())
}
