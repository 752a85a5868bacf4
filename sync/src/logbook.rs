//! Edits of the cahier de textes and of the timetable, as users make them: they are checked
//! here (shape, role, visa) with the same codes the server uses, written to the replica and
//! queued, and work the same offline.

use ardoise_protocol::entities::validate;
use ardoise_protocol::visa;
use ardoise_protocol::ErrorCode;
use ardoise_protocol::{Data, EntityKind, Keep, Role};
use chrono::NaiveDate;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::queries::{
    audience_id, session_for_occurrence, subject_id, user_id, visa_until, with_id,
};
use crate::replica::Replica;
use crate::{Result, SyncError};

/// The logged-in user as the replica knows them.
#[derive(Debug, Clone)]
pub struct Me {
    /// User id.
    pub id: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Audiences taught.
    pub audience_ids: Vec<String>,
}

impl Me {
    /// Loads the profile's user from the replica.
    pub fn load(replica: &Replica) -> Result<Me> {
        let id = replica.user_id()?;
        let (_, data) = replica
            .get(EntityKind::User, &id)?
            .ok_or_else(|| SyncError::NotFound("utilisateur (synchronisez d'abord)".into()))?;
        Ok(Me {
            id,
            roles: serde_json::from_value(data["roles"].clone()).unwrap_or_default(),
            audience_ids: serde_json::from_value(data["audienceIds"].clone()).unwrap_or_default(),
        })
    }

    /// Has this role.
    pub fn is(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

fn text(input: &Data, key: &str) -> Option<String> {
    input.get(key).and_then(Value::as_str).map(str::to_string)
}

fn invalid(msg: impl Into<String>) -> SyncError {
    SyncError::refused(ErrorCode::ProtocolInvalidData, msg)
}

/// The visa that locks an entry of `teacher` for `audience` dated `date` (YYYY-MM-DD), if
/// the replica knows one: its date. The one rule behind the editor's read-only séances and
/// the refusal of an edit (the server applies the same rule, `ardoise_protocol::visa`).
pub fn visa_lock(
    replica: &Replica,
    teacher: &str,
    audience: &str,
    date: &str,
) -> Result<Option<String>> {
    Ok(visa_until(replica.conn(), teacher, audience)?.filter(|until| visa::locks(until, date)))
}

/// Refuses a change to a séance or homework covered by a visa the replica knows of.
fn check_visa(replica: &Replica, teacher: &str, audience: &str, date: &str) -> Result<()> {
    match visa_lock(replica, teacher, audience, date)? {
        Some(until) => Err(SyncError::refused(
            ErrorCode::LogbookVisaLocked,
            visa::locked_message(date, &until),
        )),
        None => Ok(()),
    }
}

/// Refuses a change to someone else's entry, or to one under visa.
fn check_own_and_open(
    replica: &Replica,
    me: &Me,
    kind: EntityKind,
    current: &Data,
    refusal: &str,
) -> Result<()> {
    if current["teacherId"].as_str() != Some(me.id.as_str()) {
        return Err(SyncError::refused(ErrorCode::AclForbidden, refusal));
    }
    check_entry_visa(replica, &me.id, kind, current)
}

/// Refuses a change to a séance or homework of `teacher` (`entry`) dated under a visa.
fn check_entry_visa(
    replica: &Replica,
    teacher: &str,
    kind: EntityKind,
    entry: &Data,
) -> Result<()> {
    let Some(date_field) = visa::dated_by(kind) else {
        return Ok(());
    };
    check_visa(
        replica,
        teacher,
        entry["audienceId"].as_str().unwrap_or(""),
        entry[date_field].as_str().unwrap_or(""),
    )
}

fn check_teacher_may_write(replica: &Replica, me: &Me, data: &Data) -> Result<()> {
    if !me.is(Role::Teacher) {
        return Err(SyncError::refused(
            ErrorCode::AclForbidden,
            "Seuls les enseignants écrivent dans le cahier de textes.",
        ));
    }
    let audience = data["audienceId"].as_str().unwrap_or("");
    // Her account's classes, or the class or group of one of her lessons: an ENT may list
    // her classes but not the groups she teaches (asked only then).
    if !me.audience_ids.iter().any(|a| a == audience)
        && !crate::queries::teaches(replica.conn(), &me.id, audience)?
    {
        return Err(SyncError::refused(
            ErrorCode::AclForbidden,
            "Vous n'enseignez pas à cette classe ou ce groupe.",
        ));
    }
    Ok(())
}

/// `data` validated (shape, sanitised HTML) and allowed: the teacher teaches that class
/// and its date is not under visa.
fn checked(replica: &Replica, me: &Me, kind: EntityKind, data: &Data) -> Result<Data> {
    let data = validate(kind, data)?;
    crate::open_ent::check_fits(replica, kind, &data)?;
    check_teacher_may_write(replica, me, &data)?;
    check_entry_visa(replica, &me.id, kind, &data)?;
    Ok(data)
}

/// Saves a séance from user input: `{"occurrence": ID, …}`, or `{"audience", "subject",
/// "date", "start", "end", …}`, plus `title`, `content`, `annotation`, `state`; with `id`
/// it updates that séance. Returns the saved séance with its id.
pub fn save_session(replica: &mut Replica, input: &Data) -> Result<Data> {
    let me = Me::load(replica)?;
    let editable = [
        "title",
        "content",
        "annotation",
        "state",
        "publishAt",
        "date",
        "start",
        "end",
        "attachments",
    ];
    if let Some(id) = text(input, "id") {
        return update(replica, &me, EntityKind::Session, &id, input, &editable);
    }
    let mut data = Data::new();
    if let Some(occ) = text(input, "occurrence") {
        let (_, o) = replica
            .get(EntityKind::CourseOccurrence, &occ)?
            .ok_or_else(|| SyncError::NotFound(format!("cours {occ}")))?;
        // One séance per lesson and teacher: a second one would be a duplicate (a retried
        // save, a copy onto a lesson already written).
        if session_for_occurrence(replica.conn(), &occ, &me.id)?.is_some() {
            return Err(SyncError::refused(
                ErrorCode::LogbookAlreadyWritten,
                "Ce cours a déjà sa séance.",
            ));
        }
        data.insert("occurrenceId".into(), json!(occ));
        for key in ["audienceId", "subjectId", "date", "start", "end"] {
            data.insert(key.into(), o[key].clone());
        }
    } else {
        let audience = text(input, "audience")
            .ok_or_else(|| invalid("« audience » ou « occurrence » manquant"))?;
        let subject = text(input, "subject").ok_or_else(|| invalid("« subject » manquant"))?;
        data.insert(
            "audienceId".into(),
            json!(audience_id(replica.conn(), &audience)?),
        );
        data.insert(
            "subjectId".into(),
            json!(subject_id(replica.conn(), &subject)?),
        );
        for key in ["date", "start", "end"] {
            data.insert(
                key.into(),
                input
                    .get(key)
                    .cloned()
                    .ok_or_else(|| invalid(format!("« {key} » manquant")))?,
            );
        }
    }
    data.insert("teacherId".into(), json!(me.id));
    data.insert("title".into(), json!(""));
    data.insert("content".into(), json!(""));
    data.insert("state".into(), json!("draft"));
    for key in editable {
        if let Some(v) = input.get(key) {
            data.insert(key.into(), v.clone());
        }
    }
    create(replica, &me, EntityKind::Session, data)
}

/// Saves a homework: `givenOn`, `dueOn`, `description`, `audience`, `subject`, and
/// optionally `kind`, `estimatedMinutes`, `state`, `sessionId`; with `id` it updates.
pub fn save_homework(replica: &mut Replica, input: &Data) -> Result<Data> {
    let me = Me::load(replica)?;
    let editable = [
        "givenOn",
        "dueOn",
        "description",
        "kind",
        "estimatedMinutes",
        "state",
        "sessionId",
        "attachments",
    ];
    if let Some(id) = text(input, "id") {
        return update(replica, &me, EntityKind::Homework, &id, input, &editable);
    }
    let audience = text(input, "audience").ok_or_else(|| invalid("« audience » manquant"))?;
    let subject = text(input, "subject").ok_or_else(|| invalid("« subject » manquant"))?;
    let mut data = Data::new();
    data.insert(
        "audienceId".into(),
        json!(audience_id(replica.conn(), &audience)?),
    );
    data.insert(
        "subjectId".into(),
        json!(subject_id(replica.conn(), &subject)?),
    );
    data.insert("teacherId".into(), json!(me.id));
    data.insert("description".into(), json!(""));
    data.insert("state".into(), json!("published"));
    for key in editable {
        if let Some(v) = input.get(key) {
            data.insert(key.into(), v.clone());
        }
    }
    create(replica, &me, EntityKind::Homework, data)
}

fn create(replica: &mut Replica, me: &Me, kind: EntityKind, data: Data) -> Result<Data> {
    let data = checked(replica, me, kind, &data)?;
    check_attachments(replica, me, &data)?;
    let id = Uuid::now_v7().to_string();
    replica.local_create(kind, &id, data.clone())?;
    share_attachments(replica, &data)?;
    Ok(with_id(&id, 0, data))
}

/// Attachments are the teacher's own documents, live in the replica.
fn check_attachments(replica: &Replica, me: &Me, data: &Data) -> Result<()> {
    for id in attached(data) {
        let doc = crate::docs::get(replica, &id)?
            .filter(|d| d.trashed_at.is_none())
            .ok_or_else(|| SyncError::NotFound(format!("document {id}")))?;
        if doc.owner_id != me.id {
            return Err(SyncError::refused(
                ErrorCode::LogbookAttachmentNotYours,
                format!(
                    "« {} » n'est pas un de vos documents : copiez-le d'abord dans votre espace.",
                    doc.name
                ),
            ));
        }
    }
    Ok(())
}

fn attached(data: &Data) -> Vec<String> {
    data.get("attachments")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// A published entry's attachments are shared (read-only) with its class or group, so that
/// pupils and parents can open them.
fn share_attachments(replica: &mut Replica, data: &Data) -> Result<()> {
    if data.get("state").and_then(Value::as_str) != Some("published") {
        return Ok(());
    }
    let audience = data.get("audienceId").and_then(Value::as_str).unwrap_or("");
    for id in attached(data) {
        let Some(doc) = crate::docs::get(replica, &id)? else {
            continue;
        };
        if doc.shares.iter().any(|s| s.to == audience) {
            continue;
        }
        let mut shares = doc.shares.clone();
        shares.push(ardoise_protocol::documents::Share {
            to: audience.to_string(),
            can_edit: false,
        });
        let mut change = Data::new();
        change.insert("shares".into(), json!(shares));
        replica.local_update(EntityKind::Document, &id, &change)?;
    }
    Ok(())
}

/// Updates a séance or homework with the `editable` fields present in `input`.
fn update(
    replica: &mut Replica,
    me: &Me,
    kind: EntityKind,
    id: &str,
    input: &Data,
    editable: &[&str],
) -> Result<Data> {
    let (_, current) = replica
        .get(kind, id)?
        .ok_or_else(|| SyncError::NotFound(format!("{kind} {id}")))?;
    let mut data = current.clone();
    for key in editable {
        if let Some(v) = input.get(*key) {
            data.insert((*key).into(), v.clone());
        }
    }
    check_own_and_open(
        replica,
        me,
        kind,
        &current,
        "Vous ne pouvez modifier que vos propres séances et devoirs.",
    )?;
    let data = checked(replica, me, kind, &data)?;
    // Only what is newly attached is checked: an attachment trashed since stays listed.
    let before = attached(&current);
    let mut added = data.clone();
    added.insert(
        "attachments".into(),
        json!(attached(&data)
            .into_iter()
            .filter(|a| !before.contains(a))
            .collect::<Vec<_>>()),
    );
    check_attachments(replica, me, &added)?;
    replica.local_update(kind, id, &data)?;
    share_attachments(replica, &data)?;
    let (version, saved) = replica
        .get(kind, id)?
        .ok_or_else(|| SyncError::NotFound(id.into()))?;
    Ok(with_id(id, version, saved))
}

/// Marks a course occurrence cancelled (vie scolaire, direction).
pub fn cancel_occurrence(replica: &mut Replica, id: &str, note: Option<&str>) -> Result<Data> {
    set_occurrence_status(replica, id, json!({"status": "cancelled", "note": note}))
}

/// Puts a cancelled or replaced course occurrence back as planned (vie scolaire,
/// direction): the undo of a cancellation made by mistake.
pub fn restore_occurrence(replica: &mut Replica, id: &str) -> Result<Data> {
    set_occurrence_status(
        replica,
        id,
        json!({"status": "planned", "substituteId": null, "note": null}),
    )
}

/// Marks a course occurrence taken by a substitute (vie scolaire, direction).
pub fn replace_occurrence(
    replica: &mut Replica,
    id: &str,
    substitute_login: &str,
    note: Option<&str>,
) -> Result<Data> {
    let sub = user_id(replica.conn(), substitute_login)?;
    set_occurrence_status(
        replica,
        id,
        json!({"status": "replaced", "substituteId": sub, "note": note}),
    )
}

fn set_occurrence_status(replica: &mut Replica, id: &str, change: Value) -> Result<Data> {
    let me = Me::load(replica)?;
    if !(me.is(Role::VieScolaire) || me.is(Role::Direction)) {
        return Err(SyncError::refused(
            ErrorCode::AclForbidden,
            "Seuls la vie scolaire et la direction modifient l'emploi du temps.",
        ));
    }
    let Value::Object(change) = change else {
        unreachable!("object literal")
    };
    let (_, current) = replica
        .get(EntityKind::CourseOccurrence, id)?
        .ok_or_else(|| SyncError::NotFound(format!("cours {id}")))?;
    let mut data = current;
    data.extend(change.clone());
    validate(EntityKind::CourseOccurrence, &data)?;
    replica.local_update(EntityKind::CourseOccurrence, id, &change)?;
    let (version, saved) = replica
        .get(EntityKind::CourseOccurrence, id)?
        .ok_or_else(|| SyncError::NotFound(id.into()))?;
    Ok(with_id(id, version, saved))
}

/// Signs off a teacher's logbook for an audience up to a date (direction, inspector).
pub fn sign_visa(
    replica: &mut Replica,
    teacher_login: &str,
    audience: &str,
    until: NaiveDate,
    comment: &str,
) -> Result<Data> {
    let me = Me::load(replica)?;
    if !(me.is(Role::Direction) || me.is(Role::Inspector)) {
        return Err(SyncError::refused(
            ErrorCode::AclForbidden,
            "Seuls la direction et les inspecteurs apposent un visa.",
        ));
    }
    let data = json!({
        "signerId": me.id,
        "teacherId": user_id(replica.conn(), teacher_login)?,
        "audienceId": audience_id(replica.conn(), audience)?,
        "until": until,
        "comment": comment,
        "signedAt": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    let Value::Object(data) = data else {
        unreachable!("object literal")
    };
    let data = validate(EntityKind::Visa, &data)?;
    let id = Uuid::now_v7().to_string();
    replica.local_create(EntityKind::Visa, &id, data.clone())?;
    Ok(with_id(&id, 0, data))
}

/// Revokes a visa (direction only): the entries it covered can be edited again.
pub fn revoke_visa(replica: &mut Replica, id: &str) -> Result<()> {
    let me = Me::load(replica)?;
    if !me.is(Role::Direction) {
        return Err(SyncError::refused(
            ErrorCode::AclForbidden,
            "Seule la direction retire un visa.",
        ));
    }
    if replica.get(EntityKind::Visa, id)?.is_none() {
        return Err(SyncError::NotFound(format!("visa {id}")));
    }
    replica.local_delete(EntityKind::Visa, id)?;
    Ok(())
}

/// Resolves a conflict revision: keep mine (the values that were not applied) or theirs.
pub fn resolve_conflict(replica: &mut Replica, id: &str, keep: Keep) -> Result<()> {
    replica.local_resolve(id, keep, &Data::new())?;
    Ok(())
}

/// Resolves a conflict with a merged version the user edited: `values` holds the fields in
/// conflict (others are refused), applied on the server over what it has.
pub fn resolve_conflict_merged(replica: &mut Replica, id: &str, values: &Data) -> Result<()> {
    let (_, conflict) = replica
        .get(EntityKind::Conflict, id)?
        .ok_or_else(|| SyncError::NotFound(format!("conflit {id}")))?;
    let fields = conflict.get("fields").and_then(Value::as_object);
    if let Some(extra) = values
        .keys()
        .find(|k| !fields.is_some_and(|f| f.contains_key(*k)))
    {
        return Err(invalid(format!("« {extra} » n'est pas en conflit")));
    }
    replica.local_resolve(id, Keep::Mine, values)?;
    Ok(())
}

/// Deletes one of the teacher's own homework (not visa-locked).
pub fn delete_homework(replica: &mut Replica, id: &str) -> Result<()> {
    let me = Me::load(replica)?;
    let (_, current) = replica
        .get(EntityKind::Homework, id)?
        .ok_or_else(|| SyncError::NotFound(format!("devoir {id}")))?;
    check_own_and_open(
        replica,
        &me,
        EntityKind::Homework,
        &current,
        "Vous ne pouvez supprimer que vos propres devoirs.",
    )?;
    replica.local_delete(EntityKind::Homework, id)?;
    Ok(())
}

/// Copies a séance to another lesson of the same subject ("copier vers une autre classe"):
/// a new draft séance with the same title and content on `occurrence_id`, and a copy of
/// its homework, shifted by the days between the two lessons. Refused when that lesson
/// already has a séance (as any second séance for a lesson) or is of another subject.
pub fn copy_session(replica: &mut Replica, session_id: &str, occurrence_id: &str) -> Result<Data> {
    let (_, source) = replica
        .get(EntityKind::Session, session_id)?
        .ok_or_else(|| SyncError::NotFound(format!("séance {session_id}")))?;
    let (_, target) = replica
        .get(EntityKind::CourseOccurrence, occurrence_id)?
        .ok_or_else(|| SyncError::NotFound(format!("cours {occurrence_id}")))?;
    if source["subjectId"] != target["subjectId"] {
        return Err(invalid("On ne copie une séance que vers la même matière."));
    }
    let mut input = Data::new();
    input.insert("occurrence".into(), json!(occurrence_id));
    for key in ["title", "content", "annotation"] {
        if let Some(v) = source.get(key) {
            input.insert(key.into(), v.clone());
        }
    }
    input.insert("state".into(), json!("draft"));
    let copy = save_session(replica, &input)?;
    let shift = match (date_of(&source, "date"), date_of(&target, "date")) {
        (Some(from), Some(to)) => to - from,
        _ => chrono::Duration::zero(),
    };
    let new_id = copy["id"].as_str().unwrap_or_default().to_string();
    for hw in crate::queries::session_homework(replica.conn(), session_id)? {
        let mut h = Data::new();
        h.insert("sessionId".into(), json!(new_id));
        h.insert("audience".into(), target["audienceId"].clone());
        h.insert("subject".into(), target["subjectId"].clone());
        for key in ["givenOn", "dueOn"] {
            if let Some(d) = date_of(&hw, key) {
                h.insert(key.into(), json!((d + shift).to_string()));
            }
        }
        for key in ["description", "kind", "estimatedMinutes"] {
            if let Some(v) = hw.get(key) {
                h.insert(key.into(), v.clone());
            }
        }
        h.insert("state".into(), json!("draft"));
        save_homework(replica, &h)?;
    }
    Ok(copy)
}

fn date_of(data: &Data, key: &str) -> Option<NaiveDate> {
    data.get(key)?.as_str()?.parse().ok()
}
