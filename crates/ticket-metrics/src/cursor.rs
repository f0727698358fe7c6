//! Where the export cursor is kept between runs: an SSM parameter (the Lambda), a file (local
//! runs), or nowhere (every run looks back `LOOKBACK_HOURS`).

use std::path::PathBuf;

use aws_sdk_ssm::types::ParameterType;

/// The value a new parameter holds before the first save (SSM values cannot be empty).
pub const NO_CURSOR: &str = "none";

/// A cursor that could not be read or saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cursor {store}: {reason}")]
pub struct CursorError {
    /// Which store.
    pub store: String,
    /// What went wrong.
    pub reason: String,
}

/// Where the cursor lives.
#[derive(Debug, Clone)]
pub enum CursorStore {
    /// No store: each run starts `LOOKBACK_HOURS` back.
    Lookback,
    /// An SSM String parameter (`CURSOR_PARAMETER`).
    Ssm {
        /// The client.
        client: aws_sdk_ssm::Client,
        /// The parameter name.
        name: String,
    },
    /// A local file (`ticketbridge metrics --cursor-file`).
    File(PathBuf),
}

impl CursorStore {
    /// The SSM store for `name`, with the SDK's standard configuration.
    pub async fn ssm(name: String) -> Self {
        let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::Ssm {
            client: aws_sdk_ssm::Client::new(&sdk),
            name,
        }
    }

    /// What it is, for logs and errors.
    pub fn describe(&self) -> String {
        match self {
            Self::Lookback => "none (lookback)".into(),
            Self::Ssm { name, .. } => format!("SSM parameter {name}"),
            Self::File(path) => format!("file {}", path.display()),
        }
    }

    fn error(&self, reason: impl std::fmt::Display) -> CursorError {
        CursorError {
            store: self.describe(),
            reason: reason.to_string(),
        }
    }

    /// The stored cursor, `None` when there is none yet.
    pub async fn load(&self) -> Result<Option<String>, CursorError> {
        let value = match self {
            Self::Lookback => return Ok(None),
            Self::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(self.error(e)),
            },
            Self::Ssm { client, name } => match client.get_parameter().name(name).send().await {
                Ok(out) => out.parameter.and_then(|p| p.value).unwrap_or_default(),
                Err(e) => {
                    let service = e.into_service_error();
                    if service.is_parameter_not_found() {
                        return Ok(None);
                    }
                    return Err(self.error(aws_error(&service)));
                }
            },
        };
        let value = value.trim();
        Ok((!value.is_empty() && value != NO_CURSOR).then(|| value.to_owned()))
    }

    /// Saves `cursor`, replacing the previous one.
    pub async fn save(&self, cursor: &str) -> Result<(), CursorError> {
        match self {
            Self::Lookback => Ok(()),
            Self::File(path) => {
                // Write then rename: an interrupted save leaves the old cursor, never half a one.
                let tmp = path.with_extension("tmp");
                std::fs::write(&tmp, cursor)
                    .and_then(|()| std::fs::rename(&tmp, path))
                    .map_err(|e| self.error(e))
            }
            Self::Ssm { client, name } => client
                .put_parameter()
                .name(name)
                .value(cursor)
                .r#type(ParameterType::String)
                .overwrite(true)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| self.error(aws_error(&e.into_service_error()))),
        }
    }
}

fn aws_error(e: &(impl std::error::Error + aws_sdk_ssm::error::ProvideErrorMetadata)) -> String {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => e.to_string(),
    }
}
