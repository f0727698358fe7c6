//! Runs a function binary against a [`RuntimeApi`], as Lambda runs it.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::emulator::RuntimeApi;
use crate::output_pipe::OutputPipe;

/// How long to wait for the pipe reader to catch up (it normally takes microseconds).
const OUTPUT_WAIT: Duration = Duration::from_secs(10);

/// A running function process, its output lines collected.
pub struct FunctionProcess {
    child: Child,
    stdout: OutputPipe,
    stderr: OutputPipe,
}

impl FunctionProcess {
    /// Starts `binary` with the Lambda environment pointing at `api`, plus `env`. Must be called
    /// inside a tokio runtime.
    pub fn spawn(
        binary: &Path,
        api: &RuntimeApi,
        env: &[(String, String)],
    ) -> std::io::Result<Self> {
        let name = binary
            .file_name()
            .map_or("function".into(), |n| n.to_string_lossy().into_owned());
        let (stdout, child_stdout) = OutputPipe::new()?;
        let (stderr, child_stderr) = OutputPipe::new()?;
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
            .stdout(child_stdout)
            .stderr(child_stderr)
            .kill_on_drop(true);
        let child = command.spawn()?;
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

    /// Stderr lines read so far, drained.
    pub fn take_stderr(&self) -> Vec<String> {
        self.stderr.take()
    }

    /// Stdout lines written before now, drained: call it after an answer to get everything the
    /// invocation printed (the answer can arrive before the pipe reader has read it).
    pub async fn stdout_up_to_now(&self) -> Vec<String> {
        self.stdout.take_up_to_now(OUTPUT_WAIT).await
    }

    /// Stderr lines written before now, drained (see [`Self::stdout_up_to_now`]).
    pub async fn stderr_up_to_now(&self) -> Vec<String> {
        self.stderr.take_up_to_now(OUTPUT_WAIT).await
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
