//! `ticketbridge rules check`: which rules each event matches, with the matcher the tests use.

use std::path::{Path, PathBuf};

use event_rules::{EventCheck, RuleSet};

use crate::demo::sample_files;

/// Validates the rules in `rules_dir` and prints what each event (file, or every `.json` in a
/// folder) matches; with no events, lists the rules. Fails on invalid rules or unreadable files.
pub fn run(rules_dir: &Path, inputs: &[PathBuf]) -> Result<(), String> {
    let rules = RuleSet::load(rules_dir).map_err(|e| format!("invalid rules: {e}"))?;
    if inputs.is_empty() {
        for rule in rules.rules() {
            let kind = match (&rule.feature, rule.example) {
                (_, true) => "example".to_owned(),
                (Some(feature), false) => format!("deployed with {feature}"),
                (None, false) => "deployed".to_owned(),
            };
            println!("{:<48} → {:<9} ({kind})", rule.name, rule.target);
        }
        println!("{} rules, all valid.", rules.rules().len());
        return Ok(());
    }
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            files.extend(
                sample_files(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?,
            );
        } else {
            files.push(input.clone());
        }
    }
    for file in files {
        let payload = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        println!("{}", describe(&rules, &file, &payload));
    }
    Ok(())
}

/// One line: the file, then the rules it matches (examples marked), or why none can.
pub fn describe(rules: &RuleSet, file: &Path, payload: &[u8]) -> String {
    match rules.check(payload) {
        EventCheck::NotAnEvent(why) => format!("{}: {why}", file.display()),
        EventCheck::Matches(matched) if matched.is_empty() => {
            format!("{}: matches no rule", file.display())
        }
        EventCheck::Matches(matched) => {
            let names: Vec<String> = matched
                .iter()
                .map(|r| {
                    let kind = match (&r.feature, r.example) {
                        (_, true) => ", example".to_owned(),
                        (Some(feature), false) => format!(", with {feature}"),
                        (None, false) => String::new(),
                    };
                    format!("{} ({}{kind})", r.name, r.target)
                })
                .collect();
            format!("{}: {}", file.display(), names.join(", "))
        }
    }
}
