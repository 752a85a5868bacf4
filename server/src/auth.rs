//! Passwords (argon2id), tokens, and the slowing down of password guessing.

use ardoise_protocol::{ApiError, TokenResponse, UserInfo};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::acl::Principal;
use crate::store::{Store, StoreError};

/// Seconds an access token stays valid.
pub const ACCESS_TTL: i64 = 3600;
/// Seconds a refresh token stays valid.
pub const REFRESH_TTL: i64 = 30 * 24 * 3600;
/// Failed logins allowed before each new attempt must wait (2 s, then twice as long each
/// time, up to 5 minutes).
pub const FREE_FAILURES: i64 = 5;

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
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    /// The typed error sent to the client.
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
            AuthError::Store(e) => ApiError::new("server.storage", e.to_string()),
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

fn issue(store: &dyn Store, p: &Principal, now: i64) -> Result<TokenResponse, AuthError> {
    let access = new_token();
    let refresh = new_token();
    let mut tx = store.write()?;
    tx.put_token(&token_hash(&access), "access", &p.id, now + ACCESS_TTL)?;
    tx.put_token(&token_hash(&refresh), "refresh", &p.id, now + REFRESH_TTL)?;
    tx.commit()?;
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
    })
}

/// Checks a password and issues tokens. After [`FREE_FAILURES`] failures of one login,
/// each attempt must wait twice as long as the previous one (up to 5 minutes).
pub fn login(
    store: &dyn Store,
    login: &str,
    password: &str,
    now: i64,
) -> Result<TokenResponse, AuthError> {
    let (account, (failures, last_at)) = {
        let tx = store.read()?;
        (tx.account_by_login(login)?, tx.login_failures(login)?)
    };
    let wait = backoff_secs(failures) - (now - last_at);
    if wait > 0 {
        return Err(AuthError::TooManyAttempts(wait));
    }
    // Verify against a dummy hash for unknown logins, so timing does not tell them apart.
    let phc = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let ok = verify_password(password, &phc) && account.is_some();
    let mut tx = store.write()?;
    tx.note_login(login, !ok, now)?;
    tx.commit()?;
    let account = account
        .filter(|_| ok)
        .ok_or(AuthError::InvalidCredentials)?;
    let p = {
        let tx = store.read()?;
        Principal::load(&*tx, &account.user_id)?
    }
    .ok_or(AuthError::InvalidCredentials)?;
    issue(store, &p, now)
}

/// A valid argon2id hash of a random string, verified against when the login is unknown.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_token()))
}

/// Trades a refresh token for new tokens; the old refresh token stops working.
pub fn refresh(store: &dyn Store, token: &str, now: i64) -> Result<TokenResponse, AuthError> {
    let hash = token_hash(token);
    let user_id = {
        let tx = store.read()?;
        match tx.token(&hash, "refresh")? {
            Some((user, exp)) if exp > now => user,
            _ => return Err(AuthError::InvalidToken),
        }
    };
    let mut tx = store.write()?;
    tx.delete_token(&hash)?;
    tx.commit()?;
    let p = {
        let tx = store.read()?;
        Principal::load(&*tx, &user_id)?
    }
    .ok_or(AuthError::InvalidToken)?;
    issue(store, &p, now)
}

/// The user behind a bearer access token.
pub fn authenticate(store: &dyn Store, token: &str, now: i64) -> Result<Principal, AuthError> {
    let tx = store.read()?;
    match tx.token(&token_hash(token), "access")? {
        Some((user, exp)) if exp > now => {
            Principal::load(&*tx, &user)?.ok_or(AuthError::InvalidToken)
        }
        _ => Err(AuthError::InvalidToken),
    }
}

/// Ends a session: forgets the access token.
pub fn logout(store: &dyn Store, token: &str) -> Result<(), AuthError> {
    let mut tx = store.write()?;
    tx.delete_token(&token_hash(token))?;
    tx.commit()?;
    Ok(())
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
        for _ in 0..FREE_FAILURES {
            assert!(matches!(
                login(&store, "leroy", "x", 1000),
                Err(AuthError::InvalidCredentials)
            ));
        }
        let r = login(&store, "leroy", "ardoise", 1001);
        assert!(matches!(r, Err(AuthError::TooManyAttempts(1))), "{r:?}");
    }
}
