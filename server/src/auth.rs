//! Passwords (argon2id), tokens, and the slowing down of password guessing.

use ardoise_protocol::{ApiError, TokenResponse, UserInfo};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::acl::Principal;
use crate::store::{Store, StoreError, TokenRow};

/// Seconds an access token stays valid.
pub const ACCESS_TTL: i64 = 3600;
/// Seconds a refresh token stays valid.
pub const REFRESH_TTL: i64 = 30 * 24 * 3600;
/// Failed logins allowed under one throttle key before each new attempt must wait (2 s,
/// then twice as long each time, up to 5 minutes).
pub const FREE_FAILURES: i64 = 5;
/// A throttle counter with no failure for this long is forgotten.
pub const THROTTLE_MEMORY_SECS: i64 = 24 * 3600;
/// Longest login taken (a user's login is at most 64 bytes).
pub const MAX_LOGIN_BYTES: usize = 64;
/// Longest password taken.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest token taken (ours are 64 hex digits).
pub const MAX_TOKEN_BYTES: usize = 128;

/// Why an authentication failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong login or password (never says which).
    #[error("identifiant ou mot de passe incorrect")]
    InvalidCredentials,
    /// Too many failures: wait this many seconds.
    #[error("trop de tentatives")]
    TooManyAttempts(i64),
    /// Missing, unknown or expired token.
    #[error("jeton invalide ou expiré")]
    InvalidToken,
    /// A login, password or token longer than any real one: refused before anything is
    /// stored or hashed.
    #[error("champ trop long : {0}")]
    TooLong(&'static str),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    /// The typed error sent to the client (never the store's own text).
    pub fn api(&self) -> ApiError {
        match self {
            AuthError::InvalidCredentials => ApiError::new(
                "auth.invalid_credentials",
                "Identifiant ou mot de passe incorrect.",
            ),
            AuthError::TooManyAttempts(s) => ApiError::new(
                "auth.too_many_attempts",
                format!("Trop de tentatives de connexion : réessayez dans {s} s."),
            ),
            AuthError::InvalidToken => ApiError::new(
                "auth.invalid_token",
                "Session expirée ou invalide : reconnectez-vous.",
            ),
            AuthError::TooLong(field) => {
                ApiError::new("auth.too_long", format!("Champ « {field} » trop long."))
            }
            AuthError::Store(_) => ApiError::new(
                "server.storage",
                "Erreur de stockage du serveur : réessayez plus tard.",
            ),
        }
    }
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters never fails on a short password")
        .to_string()
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Seconds to wait before the next attempt after `failures` failures.
pub fn backoff_secs(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        0
    } else {
        (2i64 << (failures - FREE_FAILURES).min(8)).min(300)
    }
}

/// Issues an access and a refresh token of one login session.
fn issue(
    tx: &mut dyn crate::store::WriteTx,
    p: &Principal,
    session_id: &str,
    now: i64,
) -> Result<TokenResponse, AuthError> {
    let access = new_token();
    let refresh = new_token();
    let row = |ttl: i64| TokenRow {
        user_id: p.id.clone(),
        expires_at: now + ttl,
        session_id: session_id.to_string(),
    };
    tx.put_token(&token_hash(&access), "access", &row(ACCESS_TTL))?;
    tx.put_token(&token_hash(&refresh), "refresh", &row(REFRESH_TTL))?;
    Ok(TokenResponse {
        access_token: access,
        refresh_token: refresh,
        expires_in: ACCESS_TTL,
        user: UserInfo {
            id: p.id.clone(),
            login: p.login.clone(),
            display_name: p.display_name.clone(),
            roles: p.roles.clone(),
        },
        device: None,
    })
}

/// One password login as it reaches the server.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The login typed.
    pub login: &'a str,
    /// The password typed.
    pub password: &'a str,
    /// The address the request came from.
    pub address: &'a str,
    /// The device token the client holds, if any.
    pub device: Option<&'a str>,
}

/// Checks a password and issues tokens, slowing down guessing (ADR 0009).
///
/// Failures are counted under one **throttle key**: the device's when the client shows a
/// device token this account logged in with before, else the pair (login, address). So a
/// stranger guessing a teacher's password slows down themselves, not the teacher on her
/// own computer. After [`FREE_FAILURES`] failures under a key, each attempt must wait
/// twice as long as the previous one (up to 5 minutes). The check and the count are one
/// write transaction taken **before** the password is hashed: of many guesses sent at
/// once, only those the count allows are hashed at all.
pub fn login(store: &dyn Store, a: Attempt<'_>, now: i64) -> Result<TokenResponse, AuthError> {
    if a.login.len() > MAX_LOGIN_BYTES {
        return Err(AuthError::TooLong("login"));
    }
    if a.password.len() > MAX_PASSWORD_BYTES {
        return Err(AuthError::TooLong("password"));
    }
    if a.device.is_some_and(|d| d.len() > MAX_TOKEN_BYTES) {
        return Err(AuthError::TooLong("device"));
    }
    let device_hash = a.device.map(token_hash);
    let (account, key) = {
        let tx = store.read()?;
        let account = tx.account_by_login(a.login)?;
        let known = match (&account, &device_hash) {
            (Some(acc), Some(hash)) => tx.device_known(&acc.user_id, hash)?,
            _ => false,
        };
        let key = match (&device_hash, known) {
            (Some(hash), true) => format!("dev:{hash}"),
            _ => format!("acct:{}@{}", a.login, a.address),
        };
        (account, key)
    };
    {
        let mut tx = store.write()?;
        let (failures, last_at) = tx.throttle(&key)?;
        let wait = backoff_secs(failures) - (now - last_at);
        if wait > 0 {
            return Err(AuthError::TooManyAttempts(wait));
        }
        // Counted as a failure until the password proves right.
        tx.note_throttle(&key, true, now)?;
        tx.commit()?;
    }
    // Verify against a dummy hash for unknown logins, so timing does not tell them apart.
    let phc = account
        .as_ref()
        .map(|acc| acc.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let ok = verify_password(a.password, &phc);
    let account = account
        .filter(|_| ok)
        .ok_or(AuthError::InvalidCredentials)?;
    let mut tx = store.write()?;
    let p = Principal::load(&*tx, &account.user_id)?.ok_or(AuthError::InvalidCredentials)?;
    tx.note_throttle(&key, false, now)?;
    // A known device keeps its token; any other gets a new one.
    let device = match (a.device, key.starts_with("dev:")) {
        (Some(d), true) => d.to_string(),
        _ => new_token(),
    };
    tx.put_device(&p.id, &token_hash(&device), now)?;
    let session = uuid::Uuid::new_v4().to_string();
    let mut tokens = issue(&mut *tx, &p, &session, now)?;
    tx.commit()?;
    tokens.device = Some(device);
    Ok(tokens)
}

/// A valid argon2id hash of a random string, verified against when the login is unknown.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_token()))
}

/// Trades a refresh token for new tokens of the same session; the old refresh token
/// stops working.
pub fn refresh(store: &dyn Store, token: &str, now: i64) -> Result<TokenResponse, AuthError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(AuthError::InvalidToken);
    }
    let hash = token_hash(token);
    let mut tx = store.write()?;
    let row = match tx.token(&hash, "refresh")? {
        Some(row) if row.expires_at > now => row,
        _ => return Err(AuthError::InvalidToken),
    };
    tx.delete_token(&hash)?;
    let p = Principal::load(&*tx, &row.user_id)?.ok_or(AuthError::InvalidToken)?;
    let tokens = issue(&mut *tx, &p, &row.session_id, now)?;
    tx.commit()?;
    Ok(tokens)
}

/// The user behind a bearer access token.
pub fn authenticate(store: &dyn Store, token: &str, now: i64) -> Result<Principal, AuthError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(AuthError::InvalidToken);
    }
    let tx = store.read()?;
    match tx.token(&token_hash(token), "access")? {
        Some(row) if row.expires_at > now => {
            Principal::load(&*tx, &row.user_id)?.ok_or(AuthError::InvalidToken)
        }
        _ => Err(AuthError::InvalidToken),
    }
}

/// Ends a session: its access tokens and its refresh token stop working. Returns the
/// user whose session it was (None for a token already unknown).
pub fn logout(store: &dyn Store, token: &str) -> Result<Option<String>, AuthError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Ok(None);
    }
    let mut tx = store.write()?;
    let Some(row) = tx.token(&token_hash(token), "access")? else {
        return Ok(None);
    };
    tx.delete_session(&row.session_id)?;
    tx.commit()?;
    Ok(Some(row.user_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("ardoise");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("ardoise", &h));
        assert!(!verify_password("Ardoise", &h));
        assert!(!verify_password("ardoise", dummy_hash()));
    }

    #[test]
    fn backoff_grows_after_the_free_failures() {
        assert_eq!(backoff_secs(4), 0);
        assert_eq!(backoff_secs(5), 2);
        assert_eq!(backoff_secs(7), 8);
        assert_eq!(backoff_secs(40), 300);
    }
}

#[cfg(test)]
mod login_tests {
    use super::*;
    use crate::store::{Account, SqliteStore, Store};

    #[test]
    fn the_sixth_wrong_password_in_a_row_must_wait() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let mut tx = store.write().unwrap();
        tx.put_account(&Account {
            user_id: "u".into(),
            login: "leroy".into(),
            password_hash: hash_password("ardoise"),
        })
        .unwrap();
        tx.commit().unwrap();
        let from = |address, password| Attempt {
            login: "leroy",
            password,
            address,
            device: None,
        };
        for _ in 0..FREE_FAILURES {
            assert!(matches!(
                login(&store, from("10.0.0.9", "x"), 1000),
                Err(AuthError::InvalidCredentials)
            ));
        }
        let r = login(&store, from("10.0.0.9", "ardoise"), 1001);
        assert!(matches!(r, Err(AuthError::TooManyAttempts(1))), "{r:?}");
        // Leroy, at his own address, is not held back by the guesser.
        // (Checked and found right, then refused: this store has no user record for him.)
        let ok = login(&store, from("10.0.0.1", "ardoise"), 1001);
        assert!(matches!(ok, Err(AuthError::InvalidCredentials)), "{ok:?}");
    }
}
