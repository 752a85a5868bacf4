//! Errors of the replica and the sync engine. Each has a stable code (`SyncError::code`) that
//! the CLI prints and the UI translates.

use ardoise_protocol::ErrorCode;
use ardoise_protocol::{ApiError, ProtocolError};

/// Errors of `ardoise-sync`.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The server cannot be reached: everything stays queued.
    #[error("hors ligne : le serveur {0} ne répond pas ; les modifications restent en attente")]
    Offline(String),
    /// The server refused the request with a typed error (4xx): retrying it unchanged will
    /// not help.
    #[error("{0}")]
    Server(ApiError),
    /// The server failed (5xx): retry later, the request may go through.
    #[error("le serveur est en difficulté, nouvel essai plus tard : {0}")]
    Unavailable(ApiError),
    /// The server's answer is not what the protocol says (malformed, oversized, inconsistent).
    #[error("réponse du serveur rejetée : {0}")]
    BadResponse(String),
    /// Data received or entered does not have the right shape.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The session expired and could not be renewed.
    #[error("session expirée : reconnectez-vous avec « ardoise login »")]
    LoggedOut,
    /// A local edit refused before it is queued.
    #[error("{message}")]
    Refused {
        /// Stable code, the same the server would give.
        code: ErrorCode,
        /// For people.
        message: String,
    },
    /// Something named does not exist in the replica.
    #[error("introuvable : {0}")]
    NotFound(String),
    /// SQLite failed.
    #[error("base locale : {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Reading or writing the profile failed.
    #[error("profil : {0}")]
    Io(#[from] std::io::Error),
}

impl From<ardoise_protocol::calendar::BadSchoolYear> for SyncError {
    fn from(e: ardoise_protocol::calendar::BadSchoolYear) -> SyncError {
        SyncError::Refused {
            code: ErrorCode::ArchiveInvalidYear,
            message: e.to_string(),
        }
    }
}

impl SyncError {
    /// The stable code of the error.
    pub fn code(&self) -> ErrorCode {
        match self {
            SyncError::Offline(_) => ErrorCode::SyncOffline,
            SyncError::Server(e) | SyncError::Unavailable(e) => e.code,
            SyncError::BadResponse(_) => ErrorCode::SyncBadResponse,
            SyncError::Protocol(e) => e.code(),
            SyncError::LoggedOut => ErrorCode::AuthLoggedOut,
            SyncError::Refused { code, .. } => *code,
            SyncError::NotFound(_) => ErrorCode::ReplicaNotFound,
            SyncError::Sqlite(_) => ErrorCode::ReplicaStorage,
            SyncError::Io(_) => ErrorCode::ProfileIo,
        }
    }

    /// A refusal with a stable code.
    pub fn refused(code: ErrorCode, message: impl Into<String>) -> SyncError {
        SyncError::Refused {
            code,
            message: message.into(),
        }
    }
}

/// Result of `ardoise-sync` calls.
pub type Result<T> = std::result::Result<T, SyncError>;
