//! Runs a function binary against a [`RuntimeApi`], as Lambda runs it.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

use crate::emulator::RuntimeApi;

/// A running function process, its output lines collected.
pub struct FunctionProcess {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl FunctionProcess {
    /// Starts `binary` with the Lambda environment pointing at `api`, plus `env`.
    pub fn spawn(
        binary: &Path,
        api: &RuntimeApi,
        env: &[(String, String)],
    ) -> std::io::Result<Self> {
        let name = binary
            .file_name()
            .map_or("function".into(), |n| n.to_string_lossy().into_owned());
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", &name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_REGION", "us-east-1")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let stdout = collect(child.stdout.take().expect("piped"));
        let stderr = collect(child.stderr.take().expect("piped"));
        Ok(Self {
            child,
            stdout,
            stderr,
        })
    }

    /// Process id.
    pub fn id(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stdout lines so far, drained.
    pub fn take_stdout(&self) -> Vec<String> {
        std::mem::take(&mut self.stdout.lock().unwrap())
    }

    /// Stderr lines so far, drained.
    pub fn take_stderr(&self) -> Vec<String> {
        std::mem::take(&mut self.stderr.lock().unwrap())
    }

    /// Stderr lines, drained once `count` of them contain `marker` or `timeout` passed: the
    /// answer can reach the emulator before the pipe reader has read what was logged before it.
    pub async fn take_stderr_after(
        &self,
        marker: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let seen = self
                .stderr
                .lock()
                .unwrap()
                .iter()
                .filter(|line| line.contains(marker))
                .count();
            if seen >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.take_stderr()
    }

    /// Waits for the process to exit (for init failures); returns its exit code.
    pub async fn wait(&mut self) -> Option<i32> {
        self.child.wait().await.ok().and_then(|s| s.code())
    }

    /// Whether the process already exited.
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Stops the process.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

fn collect(stream: impl AsyncRead + Unpin + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    tokio::spawn(async move {
        let mut reader = BufReader::new(stream).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            sink.lock().unwrap().push(line);
        }
    });
    lines
}
