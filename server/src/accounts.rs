//! Accounts made by the school's administrator: `ardoise-server users add|import|reset|
//! disable`.
//!
//! An account is a login and a password hash (argon2id) tied to a user record. A teacher
//! imported from STS-Web already has her user record (`import sts`): her STS number ties
//! the account to it, so her timetable is hers from the first login. Anyone else gets a
//! new user record with the role given.
//!
//! A new or reset account gets a **one-time activation code** to hand out (printed, and
//! on a connection slip, [`crate::slips`]): its hash stands for the password until the
//! first login, which must choose the password (`auth.activation_required`, then the
//! login again with `newPassword`). The code is twelve letters and digits that cannot be
//! misread (no 0/O, 1/I/L), read in any case, with or without its dashes; it expires
//! after [`ACTIVATION_DAYS`] days. Scripts and tests give a password instead
//! (`users add --password-from-env`, from `ARDOISE_PASSWORD`).

use std::collections::HashMap;

use ardoise_protocol::entities::validate;
use ardoise_protocol::{EntityKind, Role};
use rand::Rng;
use serde::Serialize;
use serde_json::{json, Value};

use crate::auth::hash_password;
use crate::store::{Account, Store, StoreError, StoredRecord, WriteTx};

/// Why an account was not made. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The request is wrong (a login taken, an unknown STS id, a short password…).
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An account to make.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The login (`prenom.nom`, as the school writes them).
    pub login: String,
    /// The role.
    pub role: Role,
    /// The name shown; default: the imported one, else the login.
    pub name: Option<String>,
    /// For a teacher imported from STS-Web: her number in the files (`INDIVIDU@ID`).
    pub sts_id: Option<String>,
    /// The password; `None` gives the account an activation code.
    pub password: Option<String>,
    /// Classes and groups (ids): a pupil's class, a parent's child's, a teacher's.
    pub audience_ids: Vec<String>,
    /// Subjects taught (ids).
    pub subject_ids: Vec<String>,
}

/// Days an activation code works.
pub const ACTIVATION_DAYS: i64 = 30;

/// The letters and digits of an activation code: none that reads as another.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A one-time activation code to hand to its person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Activation {
    /// The login.
    pub login: String,
    /// The name shown.
    pub display_name: String,
    /// The role.
    pub role: Role,
    /// Classes and groups, by name.
    pub classes: Vec<String>,
    /// The code, as printed: `ABCD-EFGH-JKMN`.
    pub code: String,
    /// Until when it works (unix seconds).
    pub expires_at: i64,
}

/// An account made.
#[derive(Debug, Clone)]
pub struct Created {
    /// Its user record.
    pub user_id: String,
    /// Its activation code, unless a password was given.
    pub activation: Option<Activation>,
}

/// A new activation code, as printed.
pub fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let chars: Vec<char> = (0..12)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as typed, read as the code: upper case, without spaces or dashes.
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// Whether `chosen` may replace the activation code `code` (normalised) as the password.
pub fn acceptable_password(chosen: &str, code: &str) -> bool {
    chosen.chars().count() >= MIN_PASSWORD && normalize_code(chosen) != code
}

/// A new activation code and the hash that stands for it.
#[derive(Debug, Clone)]
pub struct PreparedCode {
    /// The code, as printed.
    pub code: String,
    /// Its argon2id hash (of the normalised code).
    pub hash: String,
}

impl PreparedCode {
    /// A new code, hashed.
    pub fn generate() -> PreparedCode {
        let code = new_code();
        let hash = hash_password(&normalize_code(&code));
        PreparedCode { code, hash }
    }
}

/// `n` new codes, hashed on every core at once (a school's file is hundreds of people, and
/// each hash takes tens of milliseconds).
pub fn prepare_codes(n: usize) -> Vec<PreparedCode> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let per = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..n)
            .step_by(per)
            .map(|first| {
                let len = per.min(n - first);
                scope.spawn(move || {
                    (0..len)
                        .map(|_| PreparedCode::generate())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().expect("a hashing thread"))
            .collect()
    })
}

/// When a code made at `now` stops working.
fn expiry(now: i64) -> i64 {
    now + ACTIVATION_DAYS * 24 * 3600
}

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 8;

/// The id of the user record an STS-Web import gives the person with this STS number.
pub fn sts_user_id(sts_id: &str) -> String {
    crate::import::code_id("usr-sts-", sts_id)
}

/// Disables the account of `login` (the person left the school): it can no longer log
/// in, and each device it is signed in on erases its data at its next contact. Its
/// records stay (a teacher's séances belong to the school's logbook).
pub fn disable_user(store: &dyn Store, login: &str, now: i64) -> Result<String, AccountError> {
    let mut tx = store.write()?;
    let mut account = tx
        .account_by_login(login)?
        .ok_or_else(|| AccountError::Refused(format!("aucun compte « {login} »")))?;
    if account.disabled_at.is_none() {
        account.disabled_at = Some(now);
        tx.put_account(&account)?;
        tx.commit()?;
    }
    Ok(account.user_id)
}

/// Gives the account of `login` a new activation code (a forgotten password, a code
/// expired before it was used): its password stops working, its sessions end, and its
/// next login chooses a new password.
pub fn reset_user(store: &dyn Store, login: &str, now: i64) -> Result<Activation, AccountError> {
    let mut tx = store.write()?;
    let account = tx
        .account_by_login(login)?
        .ok_or_else(|| AccountError::Refused(format!("aucun compte « {login} »")))?;
    if account.disabled_at.is_some() {
        return Err(AccountError::Refused(format!(
            "le compte « {login} » est désactivé"
        )));
    }
    let user = tx
        .get_record(EntityKind::User, &account.user_id)?
        .filter(|r| !r.deleted)
        .ok_or_else(|| AccountError::Refused(format!("« {login} » n'a plus de fiche")))?;
    let PreparedCode { code, hash } = PreparedCode::generate();
    let expires_at = expiry(now);
    tx.put_account(&Account {
        password_hash: hash,
        activation_expires_at: Some(expires_at),
        ..account.clone()
    })?;
    tx.delete_user_tokens(&account.user_id)?;
    let activation = activation_of(&*tx, &account.login, &user.data, code, expires_at)?;
    tx.commit()?;
    Ok(activation)
}

/// The activation to print for a user record.
fn activation_of(
    tx: &dyn crate::store::ReadTx,
    login: &str,
    data: &ardoise_protocol::Data,
    code: String,
    expires_at: i64,
) -> Result<Activation, AccountError> {
    let strings = |field: &str| -> Vec<String> {
        data.get(field)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut classes = Vec::new();
    for id in strings("audienceIds") {
        if let Some(a) = tx
            .get_record(EntityKind::Audience, &id)?
            .filter(|r| !r.deleted)
        {
            if let Some(name) = a.data.get("name").and_then(Value::as_str) {
                classes.push(name.to_string());
            }
        }
    }
    let role = data
        .get("roles")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(|r| serde_json::from_value(r.clone()).ok())
        .unwrap_or(Role::Teacher);
    Ok(Activation {
        login: login.to_string(),
        display_name: data
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or(login)
            .to_string(),
        role,
        classes,
        code,
        expires_at,
    })
}

/// Makes an account (and its user record, unless the STS import made it).
pub fn add_user(store: &dyn Store, new: &NewUser, now: i64) -> Result<Created, AccountError> {
    let mut tx = store.write()?;
    let mut logins = ids_by(&*tx, EntityKind::User, "login")?;
    let created = add_in(&mut *tx, new, now, &mut logins, None)?;
    tx.commit()?;
    Ok(created)
}

/// Live records of a kind by one of their text fields: value → id (users by login,
/// classes by name, subjects by code).
pub(crate) fn ids_by(
    tx: &dyn crate::store::ReadTx,
    kind: EntityKind,
    field: &str,
) -> Result<HashMap<String, String>, StoreError> {
    Ok(tx
        .live_of_kind(kind)?
        .into_iter()
        .filter_map(|r| Some((r.data.get(field)?.as_str()?.to_string(), r.id)))
        .collect())
}

/// Whether a login is one we accept.
fn valid_login(login: &str) -> bool {
    !login.is_empty()
        && login.len() <= 64
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_@".contains(c))
}

/// Makes an account inside a write; `logins` (login → user id of every live user record)
/// kept up to date; `prepared`, its activation code hashed beforehand (else hashed here).
pub(crate) fn add_in(
    tx: &mut dyn WriteTx,
    new: &NewUser,
    now: i64,
    logins: &mut HashMap<String, String>,
    prepared: Option<PreparedCode>,
) -> Result<Created, AccountError> {
    let refused = |m: String| AccountError::Refused(m);
    let login = new.login.trim();
    if !valid_login(login) {
        return Err(refused(format!(
            "identifiant « {login} » invalide : lettres sans accent, chiffres, . - _ @ (64 au plus)"
        )));
    }
    if new
        .password
        .as_ref()
        .is_some_and(|p| p.chars().count() < MIN_PASSWORD)
    {
        return Err(refused(format!(
            "mot de passe trop court : {MIN_PASSWORD} caractères au moins"
        )));
    }
    if tx.account_by_login(login)?.is_some() {
        return Err(refused(format!("l'identifiant « {login} » est déjà pris")));
    }
    let (id, existing) = match &new.sts_id {
        Some(sts) => {
            let id = sts_user_id(sts);
            let record = tx
                .get_record(EntityKind::User, &id)?
                .filter(|r| !r.deleted)
                .ok_or_else(|| {
                    refused(format!(
                        "aucune personne importée (import sts) ne porte le n° STS {sts}"
                    ))
                })?;
            (id, Some(record))
        }
        None => {
            let id = format!("usr-{}", crate::import::code_id("", login));
            // A record of that id removed earlier continues its versions.
            let removed = tx.get_record(EntityKind::User, &id)?;
            (id, removed)
        }
    };
    if let Some(account) = tx.account_of_user(&id)? {
        return Err(refused(format!(
            "cette personne a déjà un compte (« {} ») : rien n'est changé",
            account.login
        )));
    }
    // The login is the user record's too: no other record may carry it.
    if logins.get(login).is_some_and(|owner| *owner != id) {
        return Err(refused(format!(
            "l'identifiant « {login} » est celui d'une autre personne"
        )));
    }
    let role = json!(new.role);
    let mut data = match existing.as_ref().filter(|r| !r.deleted) {
        Some(r) => r.data.clone(),
        None => {
            let Value::Object(data) = json!({"displayName": login, "roles": [],
                "audienceIds": [], "subjectIds": []})
            else {
                unreachable!("an object")
            };
            data
        }
    };
    if let Some(old) = data.get("login").and_then(Value::as_str) {
        logins.remove(old);
    }
    data.insert("login".into(), json!(login));
    if let Some(name) = &new.name {
        data.insert("displayName".into(), json!(name.trim()));
    }
    let mut add_to = |field: &str, values: &[Value]| {
        let mut list = data
            .get(field)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for v in values {
            if !list.contains(v) {
                list.push(v.clone());
            }
        }
        data.insert(field.into(), Value::Array(list));
    };
    add_to("roles", &[role]);
    let ids = |v: &[String]| v.iter().map(|s| json!(s)).collect::<Vec<_>>();
    add_to("audienceIds", &ids(&new.audience_ids));
    add_to("subjectIds", &ids(&new.subject_ids));
    let data = validate(EntityKind::User, &data).map_err(|e| refused(e.to_string()))?;
    tx.put_record(&StoredRecord {
        kind: EntityKind::User,
        id: id.clone(),
        version: existing.as_ref().map_or(1, |r| r.version + 1),
        change_seq: 0,
        deleted: false,
        ever_public: false,
        data: data.clone(),
    })?;
    logins.insert(login.to_string(), id.clone());
    let (password_hash, activation) = match &new.password {
        Some(password) => (hash_password(password), None),
        None => {
            let PreparedCode { code, hash } = prepared.unwrap_or_else(PreparedCode::generate);
            let expires_at = expiry(now);
            let activation = activation_of(&*tx, login, &data, code, expires_at)?;
            (hash, Some(activation))
        }
    };
    tx.put_account(&Account {
        user_id: id.clone(),
        login: login.to_string(),
        password_hash,
        disabled_at: None,
        activation_expires_at: activation.as_ref().map(|a| a.expires_at),
    })?;
    Ok(Created {
        user_id: id,
        activation,
    })
}
