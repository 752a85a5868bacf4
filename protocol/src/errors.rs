//! The closed vocabulary of error codes: every refusal the server sends, the sync engine
//! raises or the app reports carries one of these, stable across versions. The UI
//! translates every one (a test fails when a translation is missing); the CLI prints the
//! code with the message. A code this build does not know (from a newer server) reads as
//! [`ErrorCode::Unknown`] and its message is shown as it came.

use serde::{Deserialize, Serialize};

macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal,)*) => {
        /// A stable error code, `area.reason` on the wire.
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ErrorCode {
            $($(#[doc = $doc])* #[serde(rename = $code)] $variant,)*
            /// A code this build does not know (sent by a newer server).
            #[serde(rename = "unknown", other)]
            Unknown,
        }

        impl ErrorCode {
            /// Every code but [`ErrorCode::Unknown`].
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The wire name, e.g. `logbook.visa_locked`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                    ErrorCode::Unknown => "unknown",
                }
            }

            /// What the code is about: the part before the dot (`auth`, `logbook`…).
            pub fn area(self) -> &'static str {
                self.as_str().split_once('.').map_or("unknown", |(area, _)| area)
            }

            /// The code of a wire name; [`ErrorCode::Unknown`] when this build has none.
            pub fn parse(s: &str) -> ErrorCode {
                match s {
                    $($code => ErrorCode::$variant,)*
                    _ => ErrorCode::Unknown,
                }
            }
        }
    };
}

error_codes! {
    /// The user's role or ownership does not allow this change or read.
    AclForbidden = "acl.forbidden",
    /// The school disabled this account (the person left): the device erases what it
    /// holds of it.
    AuthAccountDisabled = "auth.account_disabled",
    /// The password given is a one-time activation code: the login must choose the
    /// account's password (`newPassword`).
    AuthActivationRequired = "auth.activation_required",
    /// An activation code past its date: the school gives a new one (`users reset`).
    AuthActivationExpired = "auth.activation_expired",
    /// A new password too short, or the activation code itself.
    AuthWeakPassword = "auth.weak_password",
    /// Wrong login or password.
    AuthInvalidCredentials = "auth.invalid_credentials",
    /// A login that is empty or has characters no login has.
    AuthInvalidLogin = "auth.invalid_login",
    /// A bearer or refresh token the server does not know, or expired.
    AuthInvalidToken = "auth.invalid_token",
    /// The session expired and could not be renewed: log in again.
    AuthLoggedOut = "auth.logged_out",
    /// A login, password or device token longer than the server accepts.
    AuthTooLong = "auth.too_long",
    /// Too many failed logins: wait before trying again.
    AuthTooManyAttempts = "auth.too_many_attempts",
    /// A request body that is not declared as JSON.
    ProtocolContentType = "protocol.content_type",
    /// A request body that could not be read.
    ProtocolInvalidBody = "protocol.invalid_body",
    /// A record whose fields do not have the protocol's shape or limits.
    ProtocolInvalidData = "protocol.invalid_data",
    /// An identifier that is not 1 to 64 characters of the allowed set.
    ProtocolInvalidId = "protocol.invalid_id",
    /// A request body that is not the JSON the endpoint expects.
    ProtocolInvalidJson = "protocol.invalid_json",
    /// An operation that is inconsistent (action, base version, fields).
    ProtocolInvalidOp = "protocol.invalid_op",
    /// A path parameter that is not valid (id, hash).
    ProtocolInvalidPath = "protocol.invalid_path",
    /// Query parameters missing or malformed.
    ProtocolInvalidQuery = "protocol.invalid_query",
    /// An HTTP method the endpoint does not serve.
    ProtocolMethodNotAllowed = "protocol.method_not_allowed",
    /// A request without the protocol version header.
    ProtocolMissingVersion = "protocol.missing_version",
    /// An address the server does not serve.
    ProtocolNotFound = "protocol.not_found",
    /// A request body over the server's limit.
    ProtocolTooLarge = "protocol.too_large",
    /// A request naming more blob hashes than allowed at once.
    ProtocolTooManyHashes = "protocol.too_many_hashes",
    /// A push of more operations than allowed at once.
    ProtocolTooManyOps = "protocol.too_many_ops",
    /// A protocol version the server does not speak.
    ProtocolUnsupported = "protocol.unsupported",
    /// A creation whose id is already taken.
    RecordExists = "record.exists",
    /// A record that does not exist, or that the user may not know of.
    RecordNotFound = "record.not_found",
    /// A lesson that already has its séance.
    LogbookAlreadyWritten = "logbook.already_written",
    /// Attaching a document the teacher does not own.
    LogbookAttachmentNotYours = "logbook.attachment_not_yours",
    /// Moving a published entry to another class or group.
    LogbookAudienceFixed = "logbook.audience_fixed",
    /// An edit to an entry under a visa (signed off).
    LogbookVisaLocked = "logbook.visa_locked",
    /// A visa dated outside the school year.
    LogbookVisaOutOfYear = "logbook.visa_out_of_year",
    /// A change to an entry of a school year the school has closed (archived).
    LogbookYearClosed = "logbook.year_closed",
    /// A charter version that is not the next one (publishing) or not the current one
    /// (accepting).
    CharterVersion = "charter.version",
    /// The school has no charter.
    CharterNone = "charter.none",
    /// A support report that is not a bundle Ardoise makes (not a zip, too many files,
    /// too large once unpacked).
    SupportInvalid = "support.invalid",
    /// More support reports from one person in a day than the server takes.
    SupportTooMany = "support.too_many",
    /// A period for the indicators that is not a span of at most a year.
    IndicatorsInvalidPeriod = "indicators.invalid_period",
    /// A file name the ENT refuses (reserved, traversal, characters).
    DocumentBadName = "document.bad_name",
    /// A share to no one, to someone unknown, or beyond what the user may give.
    DocumentBadShare = "document.bad_share",
    /// A document version whose content the server does not hold.
    DocumentBlobMissing = "document.blob_missing",
    /// A cached file whose content no longer matches its hash.
    DocumentCacheDamaged = "document.cache_damaged",
    /// A document not available offline yet.
    DocumentNotDownloaded = "document.not_downloaded",
    /// Deleting for good a document that is not in the trash.
    DocumentNotInTrash = "document.not_in_trash",
    /// The system could not open the document.
    DocumentsOpen = "documents.open",
    /// A file of this computer that could not be read.
    DocumentsPath = "documents.path",
    /// A backend without a documents space.
    DocumentsUnsupported = "documents.unsupported",
    /// The user's document space is full.
    QuotaExceeded = "quota.exceeded",
    /// The ENT's API cannot do this (a capability the backend lacks).
    BackendUnsupported = "backend.unsupported",
    /// The ENT does not know Ardoise's application (client id or secret).
    BackendInvalidClient = "backend.invalid_client",
    /// The school's policies set this (the ENT's address): the user may not change it.
    PolicyLocked = "policy.locked",
    /// A download range the server cannot serve.
    BlobBadRange = "blob.bad_range",
    /// File content the server does not hold, or the user may not read.
    BlobNotFound = "blob.not_found",
    /// An upload named by something that is not a BLAKE3 hash.
    UploadBadHash = "upload.bad_hash",
    /// An upload chunk at an offset that is not a number.
    UploadBadOffset = "upload.bad_offset",
    /// Another chunk of the same upload is being written.
    UploadBusy = "upload.busy",
    /// An upload chunk over the server's limit.
    UploadChunkTooLarge = "upload.chunk_too_large",
    /// An upload whose content does not have the hash it was named by.
    UploadHashMismatch = "upload.hash_mismatch",
    /// A chunk for an upload that was never opened or has expired.
    UploadNotFound = "upload.not_found",
    /// An upload chunk that does not start where the server's copy ends.
    UploadOffsetMismatch = "upload.offset_mismatch",
    /// An upload larger than the server accepts for one file.
    UploadTooLarge = "upload.too_large",
    /// An upload sending more bytes than it announced.
    UploadTooLong = "upload.too_long",
    /// The server is busy: retry after the delay it gives.
    ServerBusy = "server.busy",
    /// The server failed; the request may be retried later.
    ServerInternal = "server.internal",
    /// The server's storage failed; the request may be retried later.
    ServerStorage = "server.storage",
    /// An answer of the server that is not what the protocol says.
    SyncBadResponse = "sync.bad_response",
    /// The server cannot be reached; changes stay queued.
    SyncOffline = "sync.offline",
    /// An operation the server refused without saying why.
    SyncRejected = "sync.rejected",
    /// A replica key that is not 64 hexadecimal digits.
    ReplicaBadKey = "replica.bad_key",
    /// A replica whose content is not what Ardoise wrote.
    ReplicaCorrupt = "replica.corrupt",
    /// Something named that the replica does not hold.
    ReplicaNotFound = "replica.not_found",
    /// The replica's SQLite file failed (disk full, locked, damaged).
    ReplicaStorage = "replica.storage",
    /// A replica that does not open with the key of this profile.
    ReplicaWrongKey = "replica.wrong_key",
    /// Reading or writing the profile folder failed.
    ProfileIo = "profile.io",
    /// A profile that belongs to another user.
    ProfileOtherUser = "profile.other_user",
    /// Logging out of a profile fixed by the command line or environment.
    LogoutFixedProfile = "logout.fixed_profile",
    /// Logging out when no one is logged in.
    LogoutNone = "logout.none",
    /// Logging out with changes not yet sent.
    LogoutPending = "logout.pending",
    /// A folder-sync path that would leave the chosen folder.
    MirrorUnsafePath = "mirror.unsafe_path",
    /// The synced folder could not be watched.
    MirrorWatch = "mirror.watch",
    /// Writing an exported file failed.
    ExportIo = "export.io",
    /// Opening an export when none was made.
    ExportNone = "export.none",
    /// The system could not open the exported file.
    ExportOpen = "export.open",
    /// An export destination that could not be used.
    ExportPath = "export.path",
    /// A school year that is not written like `2026-2027`.
    ArchiveInvalidYear = "archive.invalid_year",
    /// A value outside the choices offered.
    AppInvalidChoice = "app.invalid_choice",
    /// A date that is not YYYY-MM-DD.
    AppInvalidDate = "app.invalid_date",
    /// A zoom level outside what the app offers.
    AppInvalidZoom = "app.invalid_zoom",
    /// The webview's language could not be set.
    AppLanguage = "app.language",
    /// The app's state could not be taken.
    AppLock = "app.lock",
    /// The background sync has stopped.
    AppSyncStopped = "app.sync_stopped",
    /// A background task of the app failed.
    AppTask = "app.task",
    /// A worker thread of the app failed.
    AppThread = "app.thread",
    /// The window's zoom could not be set.
    AppZoom = "app.zoom",
    /// Updates are off here: the school's policy, or no update channel or key in this build.
    UpdateOff = "update.off",
    /// An update address that is neither https nor on this computer.
    UpdateInsecureUrl = "update.insecure_url",
    /// The update channel could not be read (network, or not a release manifest).
    UpdateCheckFailed = "update.check_failed",
    /// An update whose signature is not the project's, or not for the version announced.
    UpdateBadSignature = "update.bad_signature",
    /// Edits still wait to be sent: the update asks before going on.
    UpdatePendingEdits = "update.pending_edits",
    /// An install is already under way.
    UpdateBusy = "update.busy",
    /// No update was found to install (look for one first).
    UpdateNone = "update.none",
    /// The system did not install the update (a refused password, a failed install).
    UpdateInstallFailed = "update.install_failed",
    /// Input to the command line that is not what the command takes.
    CliInvalidInput = "cli.invalid_input",
    /// The command line could not read or write a file.
    CliIo = "cli.io",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_from_its_wire_name_and_names_are_area_dot_reason() {
        let mut seen = std::collections::HashSet::new();
        for &code in ErrorCode::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert_eq!(ErrorCode::parse(name), code);
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(name));
            assert_eq!(
                serde_json::from_value::<ErrorCode>(serde_json::json!(name)).unwrap(),
                code
            );
            let (area, reason) = name.split_once('.').expect(name);
            let word =
                |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            assert!(word(area) && word(reason), "{name}");
        }
    }

    #[test]
    fn a_code_from_a_newer_server_reads_as_unknown() {
        let code: ErrorCode = serde_json::from_value(serde_json::json!("visa.new_rule")).unwrap();
        assert_eq!(code, ErrorCode::Unknown);
        assert_eq!(ErrorCode::parse("visa.new_rule"), ErrorCode::Unknown);
    }
}
