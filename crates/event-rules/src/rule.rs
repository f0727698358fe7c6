use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::RuleError;

/// The destinations a rule may target: each is one SNS topic in the CDK app, one sink Lambda.
pub const TARGETS: &[&str] = &["mixpanel", "fullstory", "store"];

/// The features a shipped rule may be deployed with (`"feature"`): `accountProfiles` is on when
/// the Mixpanel sink has a group key or requester profiles (`mixpanelGroupKey`,
/// `mixpanelDistinctId=requester`); `ticketStore` when the ticket store is deployed.
pub const FEATURES: &[&str] = &["accountProfiles", "ticketStore"];

/// One rule file: its header and its EventBridge event pattern.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The rule's name (also its file name, without `.json`).
    pub name: String,
    /// What it routes and why.
    pub description: String,
    /// Which sink's topic receives the matched events (one of [`TARGETS`]).
    pub target: String,
    /// Whether it is an example (under `examples/`), not deployed unless asked for.
    pub example: bool,
    /// The feature (one of [`FEATURES`]) a shipped rule is deployed with; `None`: always.
    pub feature: Option<String>,
    /// The event pattern, exactly as EventBridge receives it.
    pub pattern: Value,
    /// Where it was read from.
    pub path: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    name: String,
    description: String,
    target: String,
    #[serde(default)]
    feature: Option<String>,
    pattern: Value,
}

impl Rule {
    /// Reads and validates one rule file (the pattern's own syntax is checked by the rule set).
    pub fn read(path: &Path, example: bool) -> Result<Self, RuleError> {
        let text = std::fs::read_to_string(path).map_err(|e| RuleError::Read {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Self::parse(path, &text, example)
    }

    /// Parses rule text that came from `path`.
    pub fn parse(path: &Path, text: &str, example: bool) -> Result<Self, RuleError> {
        let file: RuleFile = serde_json::from_str(text).map_err(|e| {
            RuleError::invalid(
                path,
                "$",
                format!("{e} (a rule is {{\"name\", \"description\", \"target\", \"pattern\"}}, and optionally \"feature\")"),
            )
        })?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if file.name != stem {
            return Err(RuleError::invalid(
                path,
                "$.name",
                format!("{:?} must equal the file name {stem:?}", file.name),
            ));
        }
        // EventBridge rule names: 1 to 64 of [.-_A-Za-z0-9].
        if file.name.is_empty()
            || file.name.len() > 64
            || !file
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(RuleError::invalid(
                path,
                "$.name",
                "EventBridge rule names are 1 to 64 letters, digits, '.', '-' or '_'",
            ));
        }
        if file.description.trim().is_empty() {
            return Err(RuleError::invalid(path, "$.description", "empty"));
        }
        if !TARGETS.contains(&file.target.as_str()) {
            return Err(RuleError::invalid(
                path,
                "$.target",
                format!("{:?} is not one of {}", file.target, TARGETS.join(", ")),
            ));
        }
        if let Some(feature) = &file.feature {
            if example {
                return Err(RuleError::invalid(
                    path,
                    "$.feature",
                    "examples are deployed by name (exampleRules), not by feature",
                ));
            }
            if !FEATURES.contains(&feature.as_str()) {
                return Err(RuleError::invalid(
                    path,
                    "$.feature",
                    format!("{feature:?} is not one of {}", FEATURES.join(", ")),
                ));
            }
        }
        check_pattern_shape(path, &file.pattern, "$.pattern")?;
        Ok(Self {
            name: file.name,
            description: file.description,
            target: file.target,
            example,
            feature: file.feature,
            pattern: file.pattern,
            path: path.to_owned(),
        })
    }
}

/// What EventBridge and CloudFormation refuse before any matching: a pattern is a non-empty object
/// whose leaves are non-empty arrays, and CloudFormation templates cannot hold `null`.
fn check_pattern_shape(path: &Path, value: &Value, at: &str) -> Result<(), RuleError> {
    match value {
        Value::Object(fields) if fields.is_empty() => Err(RuleError::invalid(
            path,
            at,
            "an empty object matches nothing useful; name at least one field",
        )),
        Value::Object(fields) => fields.iter().try_for_each(|(key, value)| {
            check_pattern_shape(path, value, &format!("{at}{}", json_key(key)))
        }),
        Value::Array(values) if values.is_empty() => Err(RuleError::invalid(
            path,
            at,
            "an empty list matches no event",
        )),
        Value::Array(values) => values.iter().enumerate().try_for_each(|(i, v)| {
            if v.is_null() {
                Err(RuleError::invalid(
                    path,
                    format!("{at}[{i}]"),
                    "null cannot be deployed: CloudFormation refuses null in a template",
                ))
            } else {
                Ok(())
            }
        }),
        _ => Err(RuleError::invalid(
            path,
            at,
            "a pattern field is an object or a list of values and operators",
        )),
    }
}

/// One step of a JSON path: `.ticket`, or `["detail-type"]` for names that need quoting.
fn json_key(key: &str) -> String {
    if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!(".{key}")
    } else {
        format!("[{key:?}]")
    }
}
