//! `ticketbridge demo`: a sink over sample events in DRY_RUN, with each printed request checked
//! against what the destination requires (Mixpanel's `/import`, `/engage` and `/groups`,
//! FullStory's `/v2/events`), summarized in a line per input and kept in full in a transcript.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufWriter, Write};
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
    /// `/groups` updates printed.
    pub group_updates: usize,
    /// FullStory `/v2/events` requests printed.
    pub fullstory_events: usize,
    /// Invocations that answered with an error (the malformed samples should).
    pub errors: Vec<String>,
    /// Printed requests that the destination would refuse.
    pub invalid: Vec<String>,
}

/// What Mixpanel and FullStory would hold after the demo, after their dedup (`$insert_id`,
/// `Idempotency-Key`).
#[derive(Debug, Default)]
pub struct Holdings {
    /// Mixpanel events by name: their distinct `$insert_id`s.
    pub mixpanel_events: BTreeMap<String, BTreeSet<String>>,
    /// Mixpanel profiles updated (`$distinct_id`), per demo step.
    pub profiles: BTreeMap<String, BTreeSet<String>>,
    /// Mixpanel group profiles updated (`$group_key`, `$group_id`).
    pub groups: BTreeSet<(String, String)>,
    /// FullStory events by name: their distinct `Idempotency-Key`s.
    pub fullstory_events: BTreeMap<String, BTreeSet<String>>,
}

impl Holdings {
    /// The closing table: events by name in each destination, then profiles and groups.
    pub fn table(&self) -> String {
        let mut out = String::from("| What | Mixpanel | FullStory |\n|---|---|---|\n");
        let names: BTreeSet<&String> = self
            .mixpanel_events
            .keys()
            .chain(self.fullstory_events.keys())
            .collect();
        let count = |held: &BTreeMap<String, BTreeSet<String>>, name: &str| {
            held.get(name)
                .map_or("—".to_owned(), |ids| ids.len().to_string())
        };
        for name in names {
            out.push_str(&format!(
                "| event {name} | {} | {} |\n",
                count(&self.mixpanel_events, name),
                count(&self.fullstory_events, name)
            ));
        }
        for (step, ids) in &self.profiles {
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            out.push_str(&format!(
                "| profiles from {step} | {} ({}) | — |\n",
                ids.len(),
                ids.join(", ")
            ));
        }
        for (key, id) in &self.groups {
            out.push_str(&format!("| group profile {key}={id} | 1 | — |\n"));
        }
        out
    }
}

/// Where the demo writes every request in full (one JSON line each), whether it also prints
/// them, and what the destinations would hold.
pub struct Transcript {
    verbose: bool,
    path: PathBuf,
    file: BufWriter<File>,
    /// What the destinations would hold so far.
    pub holdings: Holdings,
}

impl Transcript {
    /// A transcript written to `path`; `verbose` prints every request too.
    pub fn create(path: &Path, verbose: bool) -> Result<Self, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Self {
            verbose,
            path: path.to_path_buf(),
            file: BufWriter::new(file),
            holdings: Holdings::default(),
        })
    }

    /// The file the full requests go to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether every request is printed too.
    pub fn verbose(&self) -> bool {
        self.verbose
    }

    fn write(&mut self, step: &str, input: &str, request: &Value) -> Result<(), String> {
        let line = serde_json::json!({"step": step, "input": input, "request": request});
        writeln!(self.file, "{line}")
            .and_then(|()| self.file.flush())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
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

/// Runs `function` (as demo step `step`) over `inputs`: one summary line per input, every
/// request checked and written to the transcript.
pub async fn run(
    step: &str,
    function: &Path,
    inputs: Vec<(String, Vec<u8>)>,
    env: &[(String, String)],
    transcript: &mut Transcript,
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
        let outcome = api.invoke(payload, Duration::from_secs(30)).await;
        if process.has_exited() {
            let stderr = process.stderr_up_to_now().await.join("\n");
            return Err(format!(
                "{} exited during the demo:\n{stderr}",
                function.display()
            ));
        }
        report.files += 1;
        let mut sent = Vec::new();
        for line in process.stdout_up_to_now().await {
            match serde_json::from_str::<Value>(&line) {
                Ok(request) => {
                    transcript.write(step, &file, &request)?;
                    if transcript.verbose {
                        print_request(&request);
                    }
                    sent.push(record_request(
                        step,
                        &request,
                        &file,
                        &mut report,
                        transcript,
                    ));
                }
                Err(_) => println!("    {line}"),
            }
        }
        let sent = if sent.is_empty() {
            "nothing sent".to_owned()
        } else {
            sent.join("; ")
        };
        match outcome {
            Some(Outcome::Response(answer)) => {
                println!("  ✔ {file}\n      {sent} · answered {answer}")
            }
            Some(Outcome::Error {
                error_type,
                error_message,
            }) => {
                println!("  ✘ {file}\n      {sent} · {error_type}: {error_message}");
                report.errors.push(file.clone());
            }
            None => return Err(format!("{file}: the function did not answer")),
        }
        process.stderr_up_to_now().await;
    }
    process.stop().await;
    Ok(report)
}

/// A request in full, as `--verbose` shows it.
fn print_request(request: &Value) {
    let url = request["url"].as_str().unwrap_or_default();
    match request["headers"]["Idempotency-Key"].as_str() {
        Some(key) => println!("    POST {url}  (Idempotency-Key {key})"),
        None => println!("    POST {url}"),
    }
    println!(
        "{}",
        indent(&serde_json::to_string_pretty(&request["body"]).unwrap_or_default())
    );
}

/// The first 8 characters of a key, for summaries.
fn short(key: &str) -> String {
    format!("{}…", key.chars().take(8).collect::<String>())
}

/// Checks one printed request, notes what the destination would hold, and says in a few words
/// what was sent.
fn record_request(
    step: &str,
    request: &Value,
    file: &str,
    report: &mut DemoReport,
    transcript: &mut Transcript,
) -> String {
    let held = &mut transcript.holdings;
    let url = request["url"].as_str().unwrap_or_default();
    if url.ends_with("/v2/events") {
        report.fullstory_events += 1;
        if let Some(problem) = check_fullstory(request) {
            report.invalid.push(format!("{file} /v2/events: {problem}"));
        }
        let name = request["body"]["name"].as_str().unwrap_or("?");
        let key = request["headers"]["Idempotency-Key"].as_str().unwrap_or("");
        held.fullstory_events
            .entry(name.to_owned())
            .or_default()
            .insert(key.to_owned());
        return format!("FullStory {name} (key {})", short(key));
    }
    let body = request["body"].as_array().cloned().unwrap_or_default();
    let endpoint = ["/engage", "/groups"]
        .into_iter()
        .find(|e| url.contains(e))
        .unwrap_or("/import");
    let mut parts = Vec::new();
    for (n, item) in body.iter().enumerate() {
        let problem = match endpoint {
            "/import" => {
                report.events += 1;
                let name = item["event"].as_str().unwrap_or("?");
                let insert_id = item["properties"]["$insert_id"].as_str().unwrap_or("");
                held.mixpanel_events
                    .entry(name.to_owned())
                    .or_default()
                    .insert(insert_id.to_owned());
                parts.push(format!("{name} ({})", short(insert_id)));
                check_import(item)
            }
            "/engage" => {
                report.profile_updates += 1;
                let id = item["$distinct_id"].as_str().unwrap_or("?");
                held.profiles
                    .entry(step.to_owned())
                    .or_default()
                    .insert(id.to_owned());
                parts.push(format!("profile {id}"));
                check_engage(item)
            }
            _ => {
                report.group_updates += 1;
                let key = item["$group_key"].as_str().unwrap_or("?");
                let id = item["$group_id"].as_str().unwrap_or("?");
                held.groups.insert((key.to_owned(), id.to_owned()));
                parts.push(format!("group {key}={id}"));
                check_groups(item)
            }
        };
        if let Some(problem) = problem {
            report
                .invalid
                .push(format!("{file} {endpoint}[{n}]: {problem}"));
        }
    }
    format!("{endpoint} {}", parts.join(", "))
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

/// What `/groups` requires of one update (string `$token`, `$group_key`, `$group_id`, one
/// operation); `None` when it is valid.
pub fn check_groups(update: &Value) -> Option<String> {
    for key in ["$token", "$group_key", "$group_id"] {
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
