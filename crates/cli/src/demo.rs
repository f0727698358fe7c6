//! `ticketbridge demo`: a sink over sample events in DRY_RUN, with each printed request checked
//! against what the destination requires (Mixpanel's `/import` and `/engage`, FullStory's
//! `/v2/events`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::emulator::{Outcome, RuntimeApi};
use crate::function::FunctionProcess;

/// What the demo saw.
#[derive(Debug, Default)]
pub struct DemoReport {
    /// Sample files invoked.
    pub files: usize,
    /// `/import` events printed.
    pub events: usize,
    /// `/engage` updates printed.
    pub profile_updates: usize,
    /// FullStory `/v2/events` requests printed.
    pub fullstory_events: usize,
    /// Invocations that answered with an error (the malformed samples should).
    pub errors: Vec<String>,
    /// Printed requests that Mixpanel would refuse.
    pub invalid: Vec<String>,
}

/// Every `*.json` below `dir`, sorted.
pub fn sample_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Runs the demo, printing as it goes.
pub async fn run(
    function: &Path,
    inputs: Vec<(String, Vec<u8>)>,
    env: &[(String, String)],
) -> Result<DemoReport, String> {
    let api = RuntimeApi::start()
        .await
        .map_err(|e| format!("cannot start the Runtime API emulator: {e}"))?;
    let mut env = env.to_vec();
    env.push(("DRY_RUN".into(), "true".into()));
    let mut process = FunctionProcess::spawn(function, &api, &env).map_err(|e| {
        format!(
            "cannot start {}: {e} (build it first: cargo build --bins)",
            function.display()
        )
    })?;
    let mut report = DemoReport::default();
    for (file, payload) in inputs {
        println!("\n▶ {file}");
        let outcome = api.invoke(payload, Duration::from_secs(30)).await;
        if process.has_exited() {
            let stderr = process.stderr_up_to_now().await.join("\n");
            return Err(format!(
                "{} exited during the demo:\n{stderr}",
                function.display()
            ));
        }
        report.files += 1;
        for line in process.stdout_up_to_now().await {
            print_request(&line, &file, &mut report);
        }
        match outcome {
            Some(Outcome::Response(answer)) => println!("  ✔ answer {answer}"),
            Some(Outcome::Error {
                error_type,
                error_message,
            }) => {
                println!("  ✘ {error_type}: {error_message}");
                report.errors.push(file.clone());
            }
            None => return Err(format!("{file}: the function did not answer")),
        }
        process.stderr_up_to_now().await;
    }
    process.stop().await;
    Ok(report)
}

fn print_request(line: &str, file: &str, report: &mut DemoReport) {
    let Ok(request) = serde_json::from_str::<Value>(line) else {
        println!("  {line}");
        return;
    };
    let url = request["url"].as_str().unwrap_or_default();
    if url.ends_with("/v2/events") {
        println!(
            "  POST {url}  (Idempotency-Key {})",
            request["headers"]["Idempotency-Key"]
                .as_str()
                .unwrap_or("—")
        );
        println!(
            "{}",
            indent(&serde_json::to_string_pretty(&request["body"]).unwrap_or_default())
        );
        report.fullstory_events += 1;
        if let Some(problem) = check_fullstory(&request) {
            report.invalid.push(format!("{file} /v2/events: {problem}"));
        }
        return;
    }
    let body = request["body"].as_array().cloned().unwrap_or_default();
    let endpoint = if url.contains("/engage") {
        "/engage"
    } else {
        "/import"
    };
    println!(
        "  POST {url}  ({} {})",
        body.len(),
        if endpoint == "/import" {
            "events"
        } else {
            "profile updates"
        }
    );
    println!(
        "{}",
        indent(&serde_json::to_string_pretty(&request["body"]).unwrap_or_default())
    );
    for (n, item) in body.iter().enumerate() {
        let problem = if endpoint == "/import" {
            report.events += 1;
            check_import(item)
        } else {
            report.profile_updates += 1;
            check_engage(item)
        };
        if let Some(problem) = problem {
            report
                .invalid
                .push(format!("{file} {endpoint}[{n}]: {problem}"));
        }
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What `/import?strict=1` requires of one event; `None` when it is valid.
pub fn check_import(event: &Value) -> Option<String> {
    let props = &event["properties"];
    if !event["event"]
        .as_str()
        .is_some_and(|n| !n.is_empty() && n.len() <= 255)
    {
        return Some("`event` must be a non-empty name".into());
    }
    let Some(time) = props["time"].as_i64() else {
        return Some("`properties.time` must be an integer".into());
    };
    if !(31_536_000_000..=4_102_444_800_000).contains(&time) {
        return Some(format!(
            "`properties.time` {time} is not milliseconds in Mixpanel's accepted range"
        ));
    }
    if props["distinct_id"].as_str().is_none_or(str::is_empty) {
        return Some("`properties.distinct_id` must be a non-empty string".into());
    }
    let insert_id = props["$insert_id"].as_str().unwrap_or_default();
    if insert_id.is_empty()
        || insert_id.len() > 36
        || !insert_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Some(format!(
            "`$insert_id` {insert_id:?} must be 1–36 characters of [A-Za-z0-9-]"
        ));
    }
    if props["ip"] != 0 {
        return Some("`ip` must be 0".into());
    }
    None
}

/// What FullStory's `POST /v2/events` requires of one request; `None` when it is valid.
pub fn check_fullstory(request: &Value) -> Option<String> {
    if request["headers"]["Idempotency-Key"]
        .as_str()
        .is_none_or(str::is_empty)
    {
        return Some("no Idempotency-Key".into());
    }
    let event = &request["body"];
    if !event["name"]
        .as_str()
        .is_some_and(|n| !n.is_empty() && n.chars().count() <= 250)
    {
        return Some("`name` must be 1–250 characters".into());
    }
    if event["user"]["uid"]
        .as_str()
        .is_none_or(|u| u.is_empty() || u.chars().count() > 256)
    {
        return Some("`user.uid` must be 1–256 characters".into());
    }
    if event["session"].get("id").is_some() {
        return Some("`session.id` must not be sent with `user`".into());
    }
    let Some(properties) = event["properties"].as_object() else {
        return Some("`properties` must be an object".into());
    };
    properties
        .keys()
        .find(|name| fullstory::properties::property_name(name) != **name)
        .map(|name| format!("property name {name:?} breaks FullStory's naming rules"))
}

/// What `/engage` requires of one update; `None` when it is valid.
pub fn check_engage(update: &Value) -> Option<String> {
    for key in ["$token", "$distinct_id"] {
        if update[key].as_str().is_none_or(str::is_empty) {
            return Some(format!("`{key}` must be a non-empty string"));
        }
    }
    if !update["$set"].is_object() {
        return Some("`$set` must be an object".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn import_checks_catch_what_strict_mode_refuses() {
        let good = json!({"event": "Ticket Created", "properties": {"time": 1741618871204i64, "distinct_id": "48213", "$insert_id": "5432b26f80a12899dad4083c87183700", "ip": 0}});
        assert_eq!(check_import(&good), None);
        for (pointer, value) in [
            ("/properties/time", json!(null)),
            ("/properties/distinct_id", json!("")),
            ("/properties/$insert_id", json!("has space")),
            ("/properties/$insert_id", json!("x".repeat(37))),
            ("/event", json!("")),
        ] {
            let mut bad = good.clone();
            *bad.pointer_mut(pointer).unwrap() = value;
            assert!(check_import(&bad).is_some(), "{pointer}");
        }
    }
}
