//! Accounts made by the school's administrator: `ardoise-server users add`.
//!
//! An account is a login and a password hash (argon2id) tied to a user record. A teacher
//! imported from STS-Web already has her user record (`import sts`): `--sts-id` ties the
//! account to it, so her timetable is hers from the first login. Anyone else gets a new
//! user record with the role given.

use ardoise_protocol::entities::validate;
use ardoise_protocol::{EntityKind, Role};
use serde_json::{json, Value};

use crate::auth::hash_password;
use crate::store::{Account, Store, StoreError, StoredRecord};

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
    /// The password.
    pub password: String,
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

/// Makes an account (and its user record, unless the STS import made it); its user id.
pub fn add_user(store: &dyn Store, new: &NewUser) -> Result<String, AccountError> {
    let refused = |m: String| AccountError::Refused(m);
    let login = new.login.trim();
    if login.is_empty()
        || login.len() > 64
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_@".contains(c))
    {
        return Err(refused(format!(
            "identifiant « {login} » invalide : lettres sans accent, chiffres, . - _ @ (64 au plus)"
        )));
    }
    if new.password.chars().count() < MIN_PASSWORD {
        return Err(refused(format!(
            "mot de passe trop court : {MIN_PASSWORD} caractères au moins"
        )));
    }
    let mut tx = store.write()?;
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
    let taken = tx
        .live_of_kind(EntityKind::User)?
        .into_iter()
        .any(|u| u.id != id && u.data.get("login").and_then(Value::as_str) == Some(login));
    if taken {
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
    data.insert("login".into(), json!(login));
    if let Some(name) = &new.name {
        data.insert("displayName".into(), json!(name.trim()));
    }
    let mut roles = data
        .get("roles")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !roles.contains(&role) {
        roles.push(role);
    }
    data.insert("roles".into(), Value::Array(roles));
    let data = validate(EntityKind::User, &data).map_err(|e| refused(e.to_string()))?;
    tx.put_record(&StoredRecord {
        kind: EntityKind::User,
        id: id.clone(),
        version: existing.as_ref().map_or(1, |r| r.version + 1),
        change_seq: 0,
        deleted: false,
        ever_public: false,
        data,
    })?;
    tx.put_account(&Account {
        user_id: id.clone(),
        login: login.to_string(),
        password_hash: hash_password(&new.password),
        disabled_at: None,
        activation_expires_at: None,
    })?;
    tx.commit()?;
    Ok(id)
}
