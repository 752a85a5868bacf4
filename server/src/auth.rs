//! Passwords (argon2id), tokens, and the slowing down of password guessing.

use ardoise_protocol::ErrorCode;
use ardoise_protocol::{ApiError, TokenResponse, UserInfo};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::acl::Principal;
use crate::store::{Account, Store, StoreError, TokenRow};

/// Seconds an access token stays valid.
pub const ACCESS_TTL: i64 = 3600;
/// Seconds a refresh token stays valid.
pub const REFRESH_TTL: i64 = 30 * 24 * 3600;
/// Failed logins allowed under one throttle key before each new attempt must wait (2 s,
/// then twice as long each time, up to 5 minutes).
pub const FREE_FAILURES: i64 = 5;
/// A throttle counter with no failure for this long is forgotten.
pub const THROTTLE_MEMORY_SECS: i64 = 24 * 3600;
/// A device token not used to log in for this long is forgotten.
pub const DEVICE_MEMORY_SECS: i64 = 365 * 24 * 3600;
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
    /// The school disabled this account: its devices erase what they hold of it.
    #[error("compte désactivé par l'établissement")]
    Disabled,
    /// The password was the account's activation code: the person must choose one.
    #[error("première connexion : choisissez votre mot de passe")]
    ActivationRequired,
    /// The activation code is past its date.
    #[error("code d'activation expiré")]
    ActivationExpired,
    /// The new password is too short, or is the code.
    #[error("mot de passe trop faible")]
    WeakPassword,
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
                ErrorCode::AuthInvalidCredentials,
                "Identifiant ou mot de passe incorrect.",
            ),
            AuthError::TooManyAttempts(s) => ApiError::new(
                ErrorCode::AuthTooManyAttempts,
                format!("Trop de tentatives de connexion : réessayez dans {s} s."),
            ),
            AuthError::InvalidToken => ApiError::new(
                ErrorCode::AuthInvalidToken,
                "Session expirée ou invalide : reconnectez-vous.",
            ),
            AuthError::Disabled => ApiError::new(
                ErrorCode::AuthAccountDisabled,
                "Ce compte a été désactivé par l'établissement.",
            ),
            AuthError::ActivationRequired => ApiError::new(
                ErrorCode::AuthActivationRequired,
                "Première connexion : choisissez votre mot de passe.",
            ),
            AuthError::ActivationExpired => ApiError::new(
                ErrorCode::AuthActivationExpired,
                "Ce code d'activation a expiré : demandez-en un nouveau à l'établissement.",
            ),
            AuthError::WeakPassword => ApiError::new(
                ErrorCode::AuthWeakPassword,
                format!(
                    "Mot de passe trop court : {} caractères au moins, autre que le code.",
                    crate::accounts::MIN_PASSWORD
                ),
            ),
            AuthError::TooLong(field) => ApiError::new(
                ErrorCode::AuthTooLong,
                format!("Champ « {field} » trop long."),
            ),
            AuthError::Store(_) => ApiError::new(
                ErrorCode::ServerStorage,
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

/// Most memory a stored hash may ask a check for: 64 MiB (ours ask for 19).
const MAX_CHECK_BLOCKS: usize = 64 * 1024;

thread_local! {
    /// The argon2 working memory of this thread, kept from one check to the next: a check
    /// allocating its 19 MiB afresh leaves glibc's allocator raising its mmap threshold and
    /// keeping each freed copy in the thread's arena (the server grew by about 60 MiB per
    /// burst of logins before this).
    static CHECK_MEMORY: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(h.algorithm), Params::try_from(&h))
    else {
        return false;
    };
    let version = match h.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_CHECK_BLOCKS {
        return false;
    }
    let mut out = vec![0u8; expected.len()];
    let hashed = CHECK_MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut memory[..blocks],
        )
    });
    // `Output` compares in constant time.
    hashed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
}

/// SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn new_token() -> String {
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
    crate::indicators::note_activity(tx, &p.id, now)?;
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
    /// At an account's first login (its password is an activation code): the password
    /// chosen.
    pub new_password: Option<&'a str>,
}

/// Refuses logins, passwords and device tokens longer than any real one, before anything
/// is read, stored or hashed.
pub fn check_lengths(a: &Attempt<'_>) -> Result<(), AuthError> {
    if a.login.len() > MAX_LOGIN_BYTES {
        return Err(AuthError::TooLong("login"));
    }
    if a.password.len() > MAX_PASSWORD_BYTES {
        return Err(AuthError::TooLong("password"));
    }
    if a.new_password.is_some_and(|p| p.len() > MAX_PASSWORD_BYTES) {
        return Err(AuthError::TooLong("newPassword"));
    }
    if a.device.is_some_and(|d| d.len() > MAX_TOKEN_BYTES) {
        return Err(AuthError::TooLong("device"));
    }
    Ok(())
}

/// A login attempt allowed to have its password checked, and already counted as a failure.
#[derive(Debug)]
pub struct Admitted {
    account: Option<Account>,
    key: String,
}

impl Admitted {
    /// The client showed a device token this account logged in with before.
    pub fn known_device(&self) -> bool {
        self.key.starts_with("dev:")
    }

    /// Where its failures are counted (`dev:<hash>` or `acct:<login>@<address>`).
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// Where failures of this attempt are counted (ADR 0009): the device's key when the
/// client shows a device token this account logged in with before, else (login, address).
/// An attempt whose key must still wait is refused here already, with a read only: a
/// guesser held back costs nothing more (and draws nothing from the address's budget).
pub fn throttle_key(store: &dyn Store, a: &Attempt<'_>, now: i64) -> Result<Admitted, AuthError> {
    check_lengths(a)?;
    let tx = store.read()?;
    let account = tx.account_by_login(a.login)?;
    let device_hash = a.device.map(token_hash);
    let known = match (&account, &device_hash) {
        (Some(acc), Some(hash)) => tx.device_known(&acc.user_id, hash)?,
        _ => false,
    };
    let key = match (&device_hash, known) {
        (Some(hash), true) => format!("dev:{hash}"),
        _ => format!("acct:{}@{}", a.login, a.address),
    };
    let (failures, last_at) = tx.throttle(&key)?;
    let wait = backoff_secs(failures) - (now - last_at);
    if wait > 0 {
        return Err(AuthError::TooManyAttempts(wait));
    }
    Ok(Admitted { account, key })
}

/// Checks the attempt's throttle key and counts the attempt as a failure, in one write
/// transaction, **before** the password is hashed: of many guesses sent at once, only
/// those the count allows go on. After [`FREE_FAILURES`] failures under a key, each
/// attempt must wait twice as long as the previous one (up to 5 minutes).
pub fn admit(store: &dyn Store, admitted: &Admitted, now: i64) -> Result<(), AuthError> {
    let mut tx = store.write()?;
    let (failures, last_at) = tx.throttle(&admitted.key)?;
    let wait = backoff_secs(failures) - (now - last_at);
    if wait > 0 {
        return Err(AuthError::TooManyAttempts(wait));
    }
    // Counted as a failure until the password proves right.
    tx.note_throttle(&admitted.key, true, now)?;
    tx.commit()?;
    Ok(())
}

/// Checks the password of an admitted attempt (the expensive part) and issues tokens, a
/// device token with them.
pub fn verify(
    store: &dyn Store,
    a: &Attempt<'_>,
    admitted: Admitted,
    now: i64,
) -> Result<TokenResponse, AuthError> {
    // Verify against a dummy hash for unknown logins, so timing does not tell them apart.
    let phc = admitted
        .account
        .as_ref()
        .map(|acc| acc.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    // An activation code is read as typed from a slip: any case, spaces and dashes.
    let activating = admitted
        .account
        .as_ref()
        .is_some_and(|acc| acc.activation_expires_at.is_some());
    let typed = if activating {
        crate::accounts::normalize_code(a.password)
    } else {
        a.password.to_string()
    };
    let ok = verify_password(&typed, &phc);
    let account = admitted
        .account
        .as_ref()
        .filter(|_| ok)
        .ok_or(AuthError::InvalidCredentials)?;
    // The password chosen at a first login, hashed before the write begins (a hash takes
    // a while, and the writer is the whole server's).
    let chosen_hash = match (account.activation_expires_at, a.new_password) {
        (Some(expires_at), Some(new))
            if now <= expires_at && crate::accounts::acceptable_password(new, &typed) =>
        {
            Some(hash_password(new))
        }
        _ => None,
    };
    let mut tx = store.write()?;
    // What was checked must still be the account: a reset, a disablement, or another login
    // with the same activation code since it was read makes this attempt stale (a code
    // works once).
    if tx.account_by_login(&account.login)?.as_ref() != Some(account) {
        return Err(AuthError::InvalidCredentials);
    }
    // Told only to who knows the password: a disabled login is not revealed otherwise.
    if account.disabled_at.is_some() {
        return Err(AuthError::Disabled);
    }
    let p = Principal::load(&*tx, &account.user_id)?.ok_or(AuthError::InvalidCredentials)?;
    tx.note_throttle(&admitted.key, false, now)?;
    if let Some(expires_at) = account.activation_expires_at {
        // Told only to who knows the code, as a disabled account is.
        let refusal = if now > expires_at {
            Some(AuthError::ActivationExpired)
        } else {
            match a.new_password {
                None => Some(AuthError::ActivationRequired),
                Some(new) if !crate::accounts::acceptable_password(new, &typed) => {
                    Some(AuthError::WeakPassword)
                }
                Some(_) => None,
            }
        };
        if let Some(refusal) = refusal {
            // The right code is not a failure to count.
            tx.commit()?;
            return Err(refusal);
        }
        tx.put_account(&Account {
            password_hash: chosen_hash.expect("hashed above for an acceptable choice"),
            activation_expires_at: None,
            ..account.clone()
        })?;
    }
    // A known device keeps its token; any other gets a new one.
    let device = match (a.device, admitted.known_device()) {
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

/// Checks a password and issues tokens, slowing down guessing (ADR 0009): lengths, then
/// the throttle key ([`throttle_key`]), counted before hashing ([`admit`]), then the
/// password ([`verify`]). The HTTP handler runs the same steps with a per-address budget
/// and a bounded number of hashes between them.
pub fn login(store: &dyn Store, a: Attempt<'_>, now: i64) -> Result<TokenResponse, AuthError> {
    let admitted = throttle_key(store, &a, now)?;
    admit(store, &admitted, now)?;
    verify(store, &a, admitted, now)
}

/// The address a login is counted under: an IPv4 address, or an IPv6 /64 (one host
/// commonly has a whole /64).
pub fn address_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Password checks a key may have, as a token bucket: a burst, then a steady rate. Per
/// address: a school behind one address logs its classes in well within it; a stranger
/// flooding from one address gets a few checks a second and cannot take the server's
/// password threads from everyone else. Per known device (which skips its address's
/// budget): a few logins a minute, so a pupil's own device cannot take them either.
pub struct AddressBudget {
    burst: f64,
    per_sec: f64,
    buckets: std::sync::Mutex<std::collections::HashMap<String, (f64, std::time::Instant)>>,
}

impl AddressBudget {
    /// Most buckets kept: beyond, the full ones are forgotten.
    const MAX_BUCKETS: usize = 10_000;

    /// A budget of `burst` checks, refilled at `per_minute`.
    pub fn new(burst: u32, per_minute: u32) -> AddressBudget {
        AddressBudget {
            burst: f64::from(burst.max(1)),
            per_sec: f64::from(per_minute.max(1)) / 60.0,
            buckets: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Takes one check for `address` at `now`; else the seconds to wait.
    pub fn take(&self, address: &str, now: std::time::Instant) -> Result<(), i64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= Self::MAX_BUCKETS {
            let (burst, rate) = (self.burst, self.per_sec);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets
            .entry(address.to_string())
            .or_insert((self.burst, now));
        *tokens = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * self.per_sec)
            .min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_sec).ceil().max(1.0) as i64)
        }
    }
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
    if tx.account_disabled(&row.user_id)? {
        return Err(AuthError::Disabled);
    }
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
            if tx.account_disabled(&row.user_id)? {
                return Err(AuthError::Disabled);
            }
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
    let hash = token_hash(token);
    let Some(row) = tx.token(&hash, "access")? else {
        return Ok(None);
    };
    tx.delete_token(&hash)?;
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
    fn an_address_gets_its_burst_then_its_rate() {
        let budget = AddressBudget::new(3, 120);
        let t0 = std::time::Instant::now();
        for _ in 0..3 {
            assert!(budget.take("10.0.0.1", t0).is_ok());
        }
        assert_eq!(budget.take("10.0.0.1", t0), Err(1));
        assert!(
            budget.take("10.0.0.2", t0).is_ok(),
            "another address has its own"
        );
        let later = t0 + std::time::Duration::from_millis(500);
        assert!(budget.take("10.0.0.1", later).is_ok(), "2 a second");
        assert!(budget.take("10.0.0.1", later).is_err());
    }

    #[test]
    fn an_ipv6_host_counts_as_its_64() {
        let a: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: std::net::IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_eq!(address_key("::ffff:10.1.2.3".parse().unwrap()), "10.1.2.3");
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
    use crate::store::{SqliteStore, Store};

    #[test]
    fn the_sixth_wrong_password_in_a_row_must_wait() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let mut tx = store.write().unwrap();
        tx.put_account(&Account {
            user_id: "u".into(),
            login: "leroy".into(),
            password_hash: hash_password("ardoise"),
            disabled_at: None,
            activation_expires_at: None,
        })
        .unwrap();
        tx.commit().unwrap();
        let from = |address, password| Attempt {
            login: "leroy",
            password,
            address,
            device: None,
            new_password: None,
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

    #[test]
    fn an_activation_code_works_once_to_choose_the_password() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let new = crate::accounts::NewUser {
            login: "lea.lefort".into(),
            role: ardoise_protocol::Role::Pupil,
            name: Some("Léa Lefort".into()),
            sts_id: None,
            password: None,
            audience_ids: Vec::new(),
            subject_ids: Vec::new(),
        };
        let created = crate::accounts::add_user(&store, &new, 1000).unwrap();
        let code = created.activation.unwrap().code;
        let typed = code.to_lowercase().replace('-', " ");
        let try_login = |password: &str, new_password: Option<&str>, now| {
            let attempt = Attempt {
                login: "lea.lefort",
                password,
                address: "10.0.0.2",
                device: None,
                new_password,
            };
            login(&store, attempt, now)
        };
        let r = try_login(&typed, None, 1001);
        assert!(matches!(r, Err(AuthError::ActivationRequired)), "{r:?}");
        for weak in ["court", code.as_str()] {
            let r = try_login(&typed, Some(weak), 1002);
            assert!(matches!(r, Err(AuthError::WeakPassword)), "{r:?}");
        }
        // Right codes are not failures: no waiting after these.
        let tokens = try_login(&typed, Some("cartable-bleu"), 1003).unwrap();
        assert_eq!(tokens.user.login, "lea.lefort");
        let r = try_login(&code, Some("autre-chose"), 1004);
        assert!(matches!(r, Err(AuthError::InvalidCredentials)), "{r:?}");
        try_login("cartable-bleu", None, 1005).unwrap();

        // Reset: a new code, the sessions end, and a code past its date is refused.
        let reset = crate::accounts::reset_user(&store, "lea.lefort", 2000).unwrap();
        assert!(authenticate(&store, &tokens.access_token, 2001).is_err());
        let r = try_login("cartable-bleu", None, 2002);
        assert!(matches!(r, Err(AuthError::InvalidCredentials)), "{r:?}");
        let late = 2000 + crate::accounts::ACTIVATION_DAYS * 24 * 3600 + 1;
        let r = try_login(&reset.code, Some("cartable-vert"), late);
        assert!(matches!(r, Err(AuthError::ActivationExpired)), "{r:?}");
    }

    #[test]
    fn a_code_checked_twice_at_once_works_once_and_a_reset_stops_a_login_under_way() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let new = crate::accounts::NewUser {
            login: "lea.lefort".into(),
            role: ardoise_protocol::Role::Pupil,
            name: None,
            sts_id: None,
            password: None,
            audience_ids: Vec::new(),
            subject_ids: Vec::new(),
        };
        let code = crate::accounts::add_user(&store, &new, 1000)
            .unwrap()
            .activation
            .unwrap()
            .code;
        let from = |address, new_password| Attempt {
            login: "lea.lefort",
            password: &code,
            address,
            device: None,
            new_password: Some(new_password),
        };
        // Two devices send the code at the same moment: both are admitted and checked...
        let (one, two) = (
            from("10.0.0.1", "cartable-bleu"),
            from("10.0.0.2", "cartable-vert"),
        );
        let first = throttle_key(&store, &one, 1001).unwrap();
        let second = throttle_key(&store, &two, 1001).unwrap();
        admit(&store, &first, 1001).unwrap();
        admit(&store, &second, 1001).unwrap();
        // ...and only the first gets in: the second checked an account that is no more.
        verify(&store, &one, first, 1002).unwrap();
        let r = verify(&store, &two, second, 1002);
        assert!(matches!(r, Err(AuthError::InvalidCredentials)), "{r:?}");
        let pass = |password, now| {
            let a = Attempt {
                login: "lea.lefort",
                password,
                address: "10.0.0.3",
                device: None,
                new_password: None,
            };
            login(&store, a, now)
        };
        pass("cartable-bleu", 1003).unwrap();
        assert!(pass("cartable-vert", 1004).is_err());

        // A login checked before a reset and finished after it: nothing.
        let a = Attempt {
            login: "lea.lefort",
            password: "cartable-bleu",
            address: "10.0.0.4",
            device: None,
            new_password: None,
        };
        let admitted = throttle_key(&store, &a, 1005).unwrap();
        admit(&store, &admitted, 1005).unwrap();
        crate::accounts::reset_user(&store, "lea.lefort", 1006).unwrap();
        let r = verify(&store, &a, admitted, 1007);
        assert!(matches!(r, Err(AuthError::InvalidCredentials)), "{r:?}");
    }
}
