//! Errors as they cross to the UI: `{ "code": "...", "message": "..." }`, the code stable
//! and translated by the UI, the message French for logs and unknown codes.

use ardoise_protocol::ErrorCode;
use ardoise_sync::SyncError;
use serde::Serialize;

/// An error returned by a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CommandError {
    /// Stable code, e.g. `logbook.visa_locked`.
    pub code: ErrorCode,
    /// For people, in French.
    pub message: String,
}

impl From<SyncError> for CommandError {
    fn from(e: SyncError) -> CommandError {
        CommandError::from(&e)
    }
}

impl From<&SyncError> for CommandError {
    fn from(e: &SyncError) -> CommandError {
        CommandError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl CommandError {
    /// An error of the shell itself.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> CommandError {
        CommandError {
            code,
            message: message.into(),
        }
    }
}

/// Result of commands.
pub type CmdResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_as_code_and_message() {
        let e = CommandError::from(SyncError::Refused {
            code: ErrorCode::LogbookVisaLocked,
            message: "Entrée visée".into(),
        });
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": ErrorCode::LogbookVisaLocked, "message": "Entrée visée"})
        );
    }
}
