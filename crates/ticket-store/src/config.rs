//! The store's settings, read once at init; an error names the variable.

use delivery::{ConfigError, RetryPolicy, Settings};
use ticket_analytics::PiiPolicy;

/// Everything the ticket store needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// `TICKET_TABLE`: the DynamoDB table.
    pub table: String,
    /// `STORE_CONCURRENCY`: writes in flight per invocation.
    pub concurrency: usize,
    /// What personal data the items may hold: subjects and descriptions only with
    /// `INCLUDE_SUBJECT` / `INCLUDE_COMMENT_BODY`, custom field values only for the ids in
    /// `CUSTOM_FIELD_VALUES`.
    pub pii: PiiPolicy,
    /// Retry settings shared by all destinations.
    pub retry: RetryPolicy,
    /// `DRY_RUN`: print the writes instead of making them.
    pub dry_run: bool,
}

/// Default writes in flight per invocation.
pub const DEFAULT_CONCURRENCY: usize = 16;

impl StoreConfig {
    /// Reads and validates every setting.
    pub fn from_settings(s: &Settings<'_>) -> Result<Self, ConfigError> {
        let dry_run = s.flag("DRY_RUN", false)?;
        let table = match s.get("TICKET_TABLE") {
            Some(name) => {
                // DynamoDB table names: 3 to 255 of [A-Za-z0-9_.-].
                let valid = (3..=255).contains(&name.len())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
                if !valid {
                    return Err(ConfigError::new(
                        "TICKET_TABLE",
                        format!(
                            "expected a DynamoDB table name (3 to 255 letters, digits, '_', '-', '.'), got {name:?}"
                        ),
                    ));
                }
                name
            }
            None if dry_run => "dry-run".to_owned(),
            None => return Err(ConfigError::new("TICKET_TABLE", "is required")),
        };
        Ok(Self {
            table,
            concurrency: s.number("STORE_CONCURRENCY", DEFAULT_CONCURRENCY, 1..=64)?,
            pii: s.pii_policy()?,
            retry: s.retry_policy()?,
            dry_run,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_required_and_checked() {
        let err = StoreConfig::from_settings(&Settings::from_pairs(&[])).unwrap_err();
        assert_eq!(err.variable, "TICKET_TABLE");
        let err = StoreConfig::from_settings(&Settings::from_pairs(&[("TICKET_TABLE", "a b")]))
            .unwrap_err();
        assert_eq!(err.variable, "TICKET_TABLE");
        let config =
            StoreConfig::from_settings(&Settings::from_pairs(&[("TICKET_TABLE", "tickets")]))
                .unwrap();
        assert_eq!(config.concurrency, DEFAULT_CONCURRENCY);
    }
}
