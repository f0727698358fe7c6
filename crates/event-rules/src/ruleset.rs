use std::path::{Path, PathBuf};

use quamina::Quamina;
use serde_json::Value;

use crate::{Rule, RuleError};

/// Every rule of a rules folder (`*.json`, plus examples under `examples/`), ready to match.
pub struct RuleSet {
    rules: Vec<Rule>,
    matcher: Quamina<usize>,
}

/// What one event is, as far as the rules go.
#[derive(Debug)]
pub enum EventCheck<'a> {
    /// An EventBridge event; the rules it matches, in rule-set order (possibly none).
    Matches(Vec<&'a Rule>),
    /// Not an EventBridge event (no rule can ever see it); why.
    NotAnEvent(String),
}

impl RuleSet {
    /// Loads `dir/*.json` (deployed rules) and `dir/examples/*.json` (examples), sorted by name.
    pub fn load(dir: &Path) -> Result<Self, RuleError> {
        let mut rules = Vec::new();
        for (folder, example) in [(dir.to_owned(), false), (dir.join("examples"), true)] {
            if example && !folder.is_dir() {
                continue;
            }
            for path in json_files(&folder)? {
                rules.push(Rule::read(&path, example)?);
            }
        }
        if rules.iter().all(|r| r.example) {
            return Err(RuleError::Read {
                path: dir.to_owned(),
                message: "no rule files (*.json) here".into(),
            });
        }
        Self::new(rules)
    }

    /// A rule set of already parsed rules; names must be unique and every pattern valid.
    pub fn new(rules: Vec<Rule>) -> Result<Self, RuleError> {
        let mut matcher = Quamina::new();
        for (index, rule) in rules.iter().enumerate() {
            if let Some(first) = rules[..index].iter().find(|r| r.name == rule.name) {
                return Err(RuleError::invalid(
                    &rule.path,
                    "$.name",
                    format!(
                        "{:?} is also the name of {}",
                        rule.name,
                        first.path.display()
                    ),
                ));
            }
            matcher
                .add_pattern(index, &rule.pattern.to_string())
                .map_err(|e| RuleError::invalid(&rule.path, "$.pattern", e.to_string()))?;
        }
        Ok(Self { rules, matcher })
    }

    /// Every rule, deployed ones first.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule called `name`.
    pub fn get(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// Which rules an event (JSON text) matches, or why it is not an event rules can see.
    pub fn check(&self, event: &[u8]) -> EventCheck<'_> {
        let value: Value = match serde_json::from_slice(event) {
            Ok(v) => v,
            Err(e) => return EventCheck::NotAnEvent(format!("not JSON: {e}")),
        };
        if let Some(problem) = event_problem(&value) {
            return EventCheck::NotAnEvent(problem);
        }
        match self.matcher.matches_for_event(event) {
            Ok(mut indexes) => {
                indexes.sort_unstable();
                EventCheck::Matches(indexes.into_iter().map(|i| &self.rules[i]).collect())
            }
            Err(e) => EventCheck::NotAnEvent(e.to_string()),
        }
    }

    /// The names of the rules an event matches (empty when it is not an event).
    pub fn matching_names(&self, event: &[u8]) -> Vec<&str> {
        match self.check(event) {
            EventCheck::Matches(rules) => rules.into_iter().map(|r| r.name.as_str()).collect(),
            EventCheck::NotAnEvent(_) => Vec::new(),
        }
    }
}

/// Why `value` is not an EventBridge event, or `None` when it is: EventBridge delivers only events
/// with a string `source` and `detail-type` and an object `detail`; anything else (a raw webhook,
/// an SNS or SQS envelope) never meets a rule.
pub fn event_problem(value: &Value) -> Option<String> {
    let Some(object) = value.as_object() else {
        return Some("not a JSON object".into());
    };
    for key in ["source", "detail-type"] {
        if !object.get(key).is_some_and(Value::is_string) {
            return Some(format!(
                "not an EventBridge event: $[{key:?}] is missing or not a string"
            ));
        }
    }
    if !object.get("detail").is_some_and(Value::is_object) {
        return Some("not an EventBridge event: $.detail is missing or not an object".into());
    }
    None
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, RuleError> {
    let entries = std::fs::read_dir(dir).map_err(|e| RuleError::Read {
        path: dir.to_owned(),
        message: e.to_string(),
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}
