//! A child's output stream, read line by line, that can say when everything written to it before a
//! given moment has been read. A function writes its requests and logs before it answers, but the
//! answer travels another way (HTTP to the Runtime API) and can arrive before the reader has read
//! them; so the pipe keeps its own write end and sends itself a marker: a pipe is first in, first
//! out, so once the marker comes out, so has everything written before it.

use std::io::Write;
use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::unix::pipe::Receiver;
use tokio::sync::watch;

/// Starts a marker line; no function writes a line holding a NUL character.
const MARKER: &str = "\u{0}ticketbridge-read-up-to ";

/// The read side of a child's stdout or stderr, collecting its lines.
pub struct OutputPipe {
    lines: Arc<Mutex<Vec<String>>>,
    writer: Arc<Mutex<std::io::PipeWriter>>,
    markers_sent: AtomicU64,
    marker_read: watch::Receiver<u64>,
}

impl OutputPipe {
    /// A new pipe, and the end to give the child. Must be called inside a tokio runtime.
    pub fn new() -> std::io::Result<(Self, Stdio)> {
        let (reader, writer) = std::io::pipe()?;
        let child_end = Stdio::from(writer.try_clone()?);
        let reader = Receiver::from_owned_fd(OwnedFd::from(reader))?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (marker_seen, marker_read) = watch::channel(0);
        tokio::spawn(read_lines(reader, lines.clone(), marker_seen));
        let pipe = Self {
            lines,
            writer: Arc::new(Mutex::new(writer)),
            markers_sent: AtomicU64::new(0),
            marker_read,
        };
        Ok((pipe, child_end))
    }

    /// The lines read so far, drained.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.lines.lock().unwrap())
    }

    /// The lines written before this call (and any the child wrote meanwhile), drained once the
    /// reader has read up to now, or after `timeout` with what it has.
    pub async fn take_up_to_now(&self, timeout: Duration) -> Vec<String> {
        let marker = self.markers_sent.fetch_add(1, Ordering::SeqCst) + 1;
        let writer = self.writer.clone();
        // A blocking write, off the runtime: it waits only if the pipe is full.
        let written = tokio::task::spawn_blocking(move || {
            let mut writer = writer.lock().unwrap();
            writeln!(writer, "{MARKER}{marker}")
        })
        .await;
        if matches!(written, Ok(Ok(()))) {
            let mut read = self.marker_read.clone();
            let _ = tokio::time::timeout(timeout, read.wait_for(|seen| *seen >= marker)).await;
        }
        self.take()
    }
}

async fn read_lines(
    reader: Receiver,
    lines: Arc<Mutex<Vec<String>>>,
    marker_seen: watch::Sender<u64>,
) {
    let mut reader = BufReader::new(reader).lines();
    while let Ok(Some(line)) = reader.next_line().await {
        // A marker can follow a line the child left unfinished.
        let (text, marker) = match line.split_once(MARKER) {
            Some((text, number)) => (text, number.parse::<u64>().ok()),
            None => (line.as_str(), None),
        };
        if marker.is_none() || !text.is_empty() {
            lines.lock().unwrap().push(text.to_owned());
        }
        if let Some(marker) = marker {
            marker_seen.send_replace(marker);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::process::Command;

    const WAIT: Duration = Duration::from_secs(10);

    #[tokio::test]
    async fn everything_written_before_the_call_is_read() {
        let (pipe, child_end) = OutputPipe::new().unwrap();
        let status = Command::new("sh")
            .args(["-c", "for i in $(seq 1 2000); do echo line $i; done"])
            .stdout(child_end)
            .status()
            .await
            .unwrap();
        assert!(status.success());
        let lines = pipe.take_up_to_now(WAIT).await;
        assert_eq!(lines.len(), 2000);
        assert_eq!(lines[1999], "line 2000");
        assert!(pipe.take_up_to_now(WAIT).await.is_empty(), "drained");
    }

    #[tokio::test]
    async fn a_line_left_unfinished_is_kept_apart_from_the_marker() {
        let (pipe, child_end) = OutputPipe::new().unwrap();
        Command::new("printf")
            .arg("no newline")
            .stdout(child_end)
            .status()
            .await
            .unwrap();
        assert_eq!(pipe.take_up_to_now(WAIT).await, ["no newline"]);
    }
}
