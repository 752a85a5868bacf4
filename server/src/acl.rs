//! Who may read and write what. Every read (pull, snapshot) and every write (push) goes
//! through [`read_access`] and [`authorize_write`].
//!
//! | role | reads | writes |
//! |---|---|---|
//! | teacher | the whole timetable; own séances/homework (drafts and annotations included); published entries of the audiences they teach; visas of their logbook | own séances and homework, for audiences they teach |
//! | vie scolaire | the whole timetable; the published logbook | occurrence status, substitute and note |
//! | direction, inspector | the whole timetable; the published logbook; visas | visas (signed by themselves, up to the end of the school year); direction also occurrence status, and revokes visas |
//! | pupil, parent | timetable and published entries of their own class and its groups | nothing |
//! | everyone | the charter; their own acceptances (the direction: everyone's); the news for the school, for the staff (staff), for their class (its pupils and parents, and the staff); a pupil, their own « fait » ticks | their own acceptance of the charter; a pupil, their ticks; the direction publishes its versions; the direction and the vie scolaire publish news, change and delete their own (the direction: any) |
//!
//! Staff own documents and share them with colleagues (who may be editors), and with the
//! audiences, pupils and parents they teach (read only).
//!
//! Documents are read by their owner and those they are shared with (a user or an
//! audience); their writes are decided in `rules` (owner and editors, versions by the
//! server). Conflict revisions are read and resolved by their author only. Annotations are never
//! sent to anyone but the teacher who wrote them.

use std::collections::HashSet;

use ardoise_protocol::ErrorCode;
use ardoise_protocol::{ApiError, Data, EntityKind, Role};
use serde_json::Value;

use crate::store::{ReadTx, Result};

/// The user behind a request, with what their role needs to decide access.
#[derive(Debug, Clone)]
pub struct Principal {
    /// User record id.
    pub id: String,
    /// Login.
    pub login: String,
    /// Name to show.
    pub display_name: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Audiences taught (teacher); for pupils and parents, their class and every group
    /// drawn from it.
    pub audiences: HashSet<String>,
    /// The protocol version the client speaks: records of kinds it does not know are
    /// never sent to it ([`EntityKind::since_protocol`]).
    pub protocol: u32,
}

impl Principal {
    /// Loads a user and expands their audiences.
    pub fn load(tx: &dyn ReadTx, user_id: &str) -> Result<Option<Principal>> {
        let Some(user) = tx.get_record(EntityKind::User, user_id)? else {
            return Ok(None);
        };
        if user.deleted {
            return Ok(None);
        }
        let roles: Vec<Role> =
            serde_json::from_value(user.data.get("roles").cloned().unwrap_or(Value::Null))
                .unwrap_or_default();
        let mut audiences: HashSet<String> = strings(user.data.get("audienceIds"));
        if roles
            .iter()
            .any(|r| matches!(r, Role::Pupil | Role::Parent))
        {
            for group in tx.live_of_kind(EntityKind::Audience)? {
                let members = strings(group.data.get("memberClassIds"));
                if members.iter().any(|m| audiences.contains(m)) {
                    audiences.insert(group.id.clone());
                }
            }
        }
        Ok(Some(Principal {
            id: user.id,
            login: str_of(&user.data, "login").to_string(),
            display_name: str_of(&user.data, "displayName").to_string(),
            roles,
            audiences,
            protocol: ardoise_protocol::PROTOCOL_VERSION,
        }))
    }

    /// Has this role.
    pub fn is(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// A member of the staff (teacher, vie scolaire, direction, inspector).
    pub fn is_staff(&self) -> bool {
        self.roles.iter().any(|r| {
            matches!(
                r,
                Role::Teacher | Role::VieScolaire | Role::Direction | Role::Inspector
            )
        })
    }

    /// Reads every published entry (vie scolaire, direction, inspectors).
    pub fn reads_whole_logbook(&self) -> bool {
        self.is(Role::VieScolaire) || self.is(Role::Direction) || self.is(Role::Inspector)
    }
}

fn strings(v: Option<&Value>) -> HashSet<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A string field of a record's data, "" when absent.
pub fn str_of<'a>(data: &'a Data, field: &str) -> &'a str {
    data.get(field).and_then(Value::as_str).unwrap_or("")
}

/// How a user may read one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// As stored.
    Full,
    /// Without the private annotation.
    Redacted,
    /// Not at all.
    Hidden,
}

/// Decides how `p` may read a record of `kind` with `data`.
pub fn read_access(p: &Principal, kind: EntityKind, data: &Data) -> Access {
    use EntityKind as K;
    if kind.since_protocol() > p.protocol {
        return Access::Hidden;
    }
    match kind {
        K::School | K::Week | K::Holiday | K::User | K::Subject | K::Room | K::Audience => {
            Access::Full
        }
        K::Course | K::CourseOccurrence => {
            if p.is_staff() || p.audiences.contains(str_of(data, "audienceId")) {
                Access::Full
            } else {
                Access::Hidden
            }
        }
        K::Session | K::Homework => {
            if str_of(data, "teacherId") == p.id {
                return Access::Full;
            }
            if str_of(data, "state") == "published" && reads_published_entry(p, data) {
                Access::Redacted
            } else {
                Access::Hidden
            }
        }
        K::Visa => {
            if p.reads_whole_logbook() || str_of(data, "teacherId") == p.id {
                Access::Full
            } else {
                Access::Hidden
            }
        }
        K::Document => {
            let shared = data
                .get("shares")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.get("to").and_then(Value::as_str))
                .any(|to| to == p.id || p.audiences.contains(to));
            if str_of(data, "ownerId") == p.id || shared {
                Access::Full
            } else {
                Access::Hidden
            }
        }
        K::Charter => Access::Full,
        // A progression is its teacher's working plan: no one else's.
        K::Progression => {
            if str_of(data, "teacherId") == p.id {
                Access::Full
            } else {
                Access::Hidden
            }
        }
        // A pupil's ticks are theirs alone (not even their parents').
        K::HomeworkDone => {
            if str_of(data, "userId") == p.id {
                Access::Full
            } else {
                Access::Hidden
            }
        }
        K::News => {
            let readers = match str_of(data, "audience") {
                "school" => true,
                "staff" => p.is_staff(),
                _ => p.is_staff() || p.audiences.contains(str_of(data, "audienceId")),
            };
            if readers || str_of(data, "authorId") == p.id {
                Access::Full
            } else {
                Access::Hidden
            }
        }
        // Who accepted the charter is the direction's to know, and one's own.
        K::CharterAcceptance => {
            if str_of(data, "userId") == p.id || p.is(Role::Direction) {
                Access::Full
            } else {
                Access::Hidden
            }
        }
        K::Conflict => {
            if str_of(data, "authorId") == p.id {
                Access::Full
            } else {
                Access::Hidden
            }
        }
    }
}

/// Whether `p` reads this séance or homework while it is published: its teacher, those
/// who read the whole logbook, and its audience.
pub fn reads_published_entry(p: &Principal, data: &Data) -> bool {
    str_of(data, "teacherId") == p.id
        || p.reads_whole_logbook()
        || p.audiences.contains(str_of(data, "audienceId"))
}

/// Removes what a reader with `access` must not see.
pub fn redact(kind: EntityKind, mut data: Data, access: Access) -> Data {
    if access == Access::Redacted && kind == EntityKind::Session {
        data.insert("annotation".into(), Value::Null);
    }
    data
}

fn forbidden(msg: &str) -> ApiError {
    ApiError::new(ErrorCode::AclForbidden, msg)
}

/// News fields set at creation, never changed: its readers must not change under the
/// replicas that hold it (publish another item for another audience).
const NEWS_FIXED_FIELDS: [&str; 4] = ["authorId", "createdAt", "audience", "audienceId"];

/// Occurrence fields vie scolaire and direction may change.
const OCCURRENCE_STATUS_FIELDS: [&str; 3] = ["status", "substituteId", "note"];

/// Decides whether `p` may turn `current` (None for a create) into `new`, changing `changed`.
pub fn authorize_write(
    p: &Principal,
    kind: EntityKind,
    current: Option<&Data>,
    new: &Data,
    changed: &[String],
) -> std::result::Result<(), ApiError> {
    use EntityKind as K;
    match kind {
        K::Session | K::Homework => {
            if !p.is(Role::Teacher) {
                return Err(forbidden(
                    "Seuls les enseignants écrivent dans le cahier de textes.",
                ));
            }
            let own_now = current.is_none_or(|c| str_of(c, "teacherId") == p.id);
            if !own_now || str_of(new, "teacherId") != p.id {
                return Err(forbidden(
                    "Vous ne pouvez modifier que vos propres séances et devoirs.",
                ));
            }
            if !p.audiences.contains(str_of(new, "audienceId")) {
                return Err(forbidden(
                    "Vous n'enseignez pas à cette classe ou ce groupe.",
                ));
            }
            Ok(())
        }
        K::CourseOccurrence => {
            if !(p.is(Role::VieScolaire) || p.is(Role::Direction)) {
                return Err(forbidden(
                    "Seuls la vie scolaire et la direction modifient l'emploi du temps.",
                ));
            }
            if current.is_none()
                || changed
                    .iter()
                    .any(|f| !OCCURRENCE_STATUS_FIELDS.contains(&f.as_str()))
            {
                return Err(forbidden(
                    "Seuls le statut, le remplaçant et la note d'un cours peuvent être modifiés.",
                ));
            }
            Ok(())
        }
        K::Visa => {
            if !(p.is(Role::Direction) || p.is(Role::Inspector)) {
                return Err(forbidden(
                    "Seuls la direction et les inspecteurs apposent un visa.",
                ));
            }
            if current.is_some() || str_of(new, "signerId") != p.id {
                return Err(forbidden(
                    "Un visa est signé par vous et ne se modifie pas.",
                ));
            }
            Ok(())
        }
        K::News => {
            if !(p.is(Role::Direction) || p.is(Role::VieScolaire)) {
                return Err(forbidden(
                    "Seules la direction et la vie scolaire publient des actualités.",
                ));
            }
            // One's own items; the direction also those of the vie scolaire.
            let own = current.is_none_or(|c| str_of(c, "authorId") == p.id);
            if !(own || p.is(Role::Direction))
                || current.is_none() && str_of(new, "authorId") != p.id
            {
                return Err(forbidden(
                    "Vous ne pouvez modifier que vos propres actualités.",
                ));
            }
            if changed
                .iter()
                .any(|f| current.is_some() && NEWS_FIXED_FIELDS.contains(&f.as_str()))
            {
                return Err(forbidden(
                    "L'auteur, le public et la date de création d'une actualité ne changent pas.",
                ));
            }
            Ok(())
        }
        K::Charter => {
            if !p.is(Role::Direction) {
                return Err(forbidden("Seule la direction publie la charte."));
            }
            if current.is_some() {
                return Err(forbidden(
                    "Une version de la charte ne se modifie pas : publiez-en une nouvelle.",
                ));
            }
            Ok(())
        }
        K::Progression => {
            let own_now = current.is_none_or(|c| str_of(c, "teacherId") == p.id);
            if !p.is(Role::Teacher) || !own_now || str_of(new, "teacherId") != p.id {
                return Err(forbidden(
                    "Une progression est celle de son enseignant, et d'aucun autre.",
                ));
            }
            Ok(())
        }
        K::HomeworkDone => {
            if !p.is(Role::Pupil) || current.is_some() || str_of(new, "userId") != p.id {
                return Err(forbidden(
                    "Seul un élève coche son travail fait, pour lui-même.",
                ));
            }
            Ok(())
        }
        K::CharterAcceptance => {
            if current.is_some() || str_of(new, "userId") != p.id {
                return Err(forbidden(
                    "Chacun accepte la charte pour soi, une fois par version.",
                ));
            }
            Ok(())
        }
        _ => Err(forbidden(
            "Ce type d'enregistrement n'est pas modifiable depuis un client.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn principal(id: &str, role: Role, auds: &[&str]) -> Principal {
        Principal {
            id: id.into(),
            login: id.into(),
            display_name: id.into(),
            roles: vec![role],
            audiences: auds.iter().map(|s| s.to_string()).collect(),
            protocol: ardoise_protocol::PROTOCOL_VERSION,
        }
    }

    fn session(teacher: &str, state: &str) -> Data {
        json!({"teacherId": teacher, "audienceId": "c1", "state": state, "annotation": "privé"})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn drafts_are_the_teachers_alone() {
        let owner = principal("t1", Role::Teacher, &["c1"]);
        let colleague = principal("t2", Role::Teacher, &["c1"]);
        let head = principal("d", Role::Direction, &[]);
        let draft = session("t1", "draft");
        assert_eq!(
            read_access(&owner, EntityKind::Session, &draft),
            Access::Full
        );
        assert_eq!(
            read_access(&colleague, EntityKind::Session, &draft),
            Access::Hidden
        );
        assert_eq!(
            read_access(&head, EntityKind::Session, &draft),
            Access::Hidden
        );
        let published = session("t1", "published");
        assert_eq!(
            read_access(&head, EntityKind::Session, &published),
            Access::Redacted
        );
        let redacted = redact(EntityKind::Session, published, Access::Redacted);
        assert_eq!(redacted["annotation"], Value::Null);
    }

    #[test]
    fn pupils_read_their_class_only() {
        let pupil = principal("e", Role::Pupil, &["c1"]);
        let other = json!({"teacherId": "t1", "audienceId": "c2", "state": "published"});
        let mine = json!({"teacherId": "t1", "audienceId": "c1", "state": "published"});
        let o = other.as_object().unwrap();
        assert_eq!(read_access(&pupil, EntityKind::Homework, o), Access::Hidden);
        assert_eq!(
            read_access(&pupil, EntityKind::CourseOccurrence, o),
            Access::Hidden
        );
        let m = mine.as_object().unwrap();
        assert_eq!(
            read_access(&pupil, EntityKind::Homework, m),
            Access::Redacted
        );
    }

    #[test]
    fn the_charter_is_everyones_and_acceptances_are_ones_own_and_the_directions() {
        let teacher = principal("t1", Role::Teacher, &["c1"]);
        let colleague = principal("t2", Role::Teacher, &["c1"]);
        let pupil = principal("e", Role::Pupil, &["c1"]);
        let head = principal("d", Role::Direction, &[]);
        let inspector = principal("i", Role::Inspector, &[]);
        let charter = json!({"number": 1}).as_object().unwrap().clone();
        for p in [&teacher, &pupil, &head, &inspector] {
            assert_eq!(read_access(p, EntityKind::Charter, &charter), Access::Full);
        }
        let accepted = json!({"userId": "t1", "number": 1})
            .as_object()
            .unwrap()
            .clone();
        let k = EntityKind::CharterAcceptance;
        assert_eq!(read_access(&teacher, k, &accepted), Access::Full);
        assert_eq!(read_access(&head, k, &accepted), Access::Full);
        for p in [&colleague, &pupil, &inspector] {
            assert_eq!(read_access(p, k, &accepted), Access::Hidden, "{}", p.id);
        }
        // One accepts for oneself, once; only the direction publishes.
        assert!(authorize_write(&teacher, k, None, &accepted, &[]).is_ok());
        assert!(authorize_write(&colleague, k, None, &accepted, &[]).is_err());
        assert!(authorize_write(&teacher, k, Some(&accepted), &accepted, &[]).is_err());
        assert!(authorize_write(&head, EntityKind::Charter, None, &charter, &[]).is_ok());
        for p in [&teacher, &pupil, &inspector] {
            let refused = authorize_write(p, EntityKind::Charter, None, &charter, &[]);
            assert_eq!(refused.unwrap_err().code, ErrorCode::AclForbidden);
        }
        assert!(
            authorize_write(&head, EntityKind::Charter, Some(&charter), &charter, &[]).is_err()
        );
    }

    #[test]
    fn news_reach_their_audience_and_are_written_by_the_direction_and_vie_scolaire() {
        let teacher = principal("t1", Role::Teacher, &["c1"]);
        let pupil = principal("e", Role::Pupil, &["c1"]);
        let other_pupil = principal("e2", Role::Pupil, &["c2"]);
        let parent = principal("p", Role::Parent, &["c1"]);
        let cpe = principal("v", Role::VieScolaire, &[]);
        let head = principal("d", Role::Direction, &[]);
        let news = |audience: &str, to: Option<&str>, author: &str| {
            json!({"audience": audience, "audienceId": to, "authorId": author})
                .as_object()
                .unwrap()
                .clone()
        };
        let k = EntityKind::News;
        let school = news("school", None, "d");
        let staff = news("staff", None, "d");
        let class = news("class", Some("c1"), "v");
        for p in [&teacher, &pupil, &other_pupil, &parent, &cpe, &head] {
            assert_eq!(read_access(p, k, &school), Access::Full, "{}", p.id);
        }
        for p in [&teacher, &cpe, &head] {
            assert_eq!(read_access(p, k, &staff), Access::Full, "{}", p.id);
            assert_eq!(read_access(p, k, &class), Access::Full, "{}", p.id);
        }
        for p in [&pupil, &parent, &other_pupil] {
            assert_eq!(read_access(p, k, &staff), Access::Hidden, "{}", p.id);
        }
        assert_eq!(read_access(&pupil, k, &class), Access::Full);
        assert_eq!(read_access(&parent, k, &class), Access::Full);
        assert_eq!(read_access(&other_pupil, k, &class), Access::Hidden);

        // Written by the direction and the vie scolaire, each in their own name.
        assert!(authorize_write(&cpe, k, None, &class, &[]).is_ok());
        assert!(authorize_write(&head, k, None, &school, &[]).is_ok());
        assert!(
            authorize_write(&head, k, None, &class, &[]).is_err(),
            "as someone else"
        );
        for p in [&teacher, &pupil, &parent] {
            let refused = authorize_write(p, k, None, &news("school", None, &p.id), &[]);
            assert_eq!(refused.unwrap_err().code, ErrorCode::AclForbidden);
        }
        // Changed by their author, or the direction; never their audience or author.
        let title = ["title".to_string()];
        assert!(authorize_write(&cpe, k, Some(&class), &class, &title).is_ok());
        assert!(authorize_write(&head, k, Some(&class), &class, &title).is_ok());
        assert!(authorize_write(&cpe, k, Some(&school), &school, &title).is_err());
        let moved = ["audience".to_string()];
        assert!(authorize_write(&cpe, k, Some(&class), &class, &moved).is_err());
    }

    #[test]
    fn a_pupils_ticks_are_hers_alone() {
        let pupil = principal("e", Role::Pupil, &["c1"]);
        let classmate = principal("e2", Role::Pupil, &["c1"]);
        let parent = principal("p", Role::Parent, &["c1"]);
        let teacher = principal("t1", Role::Teacher, &["c1"]);
        let head = principal("d", Role::Direction, &[]);
        let k = EntityKind::HomeworkDone;
        let tick = json!({"userId": "e", "homeworkId": "h1", "done": true})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(read_access(&pupil, k, &tick), Access::Full);
        for p in [&classmate, &parent, &teacher, &head] {
            assert_eq!(read_access(p, k, &tick), Access::Hidden, "{}", p.id);
        }
        assert!(authorize_write(&pupil, k, None, &tick, &[]).is_ok());
        for p in [&classmate, &parent, &teacher] {
            assert!(authorize_write(p, k, None, &tick, &[]).is_err(), "{}", p.id);
        }
        // A tick is never changed: a new one says otherwise.
        assert!(authorize_write(&pupil, k, Some(&tick), &tick, &["done".into()]).is_err());
    }

    #[test]
    fn vie_scolaire_changes_only_the_status_of_a_course() {
        let vs = principal("v", Role::VieScolaire, &[]);
        let cur = json!({"status": "planned"}).as_object().unwrap().clone();
        let ok = authorize_write(
            &vs,
            EntityKind::CourseOccurrence,
            Some(&cur),
            &cur,
            &["status".into()],
        );
        assert!(ok.is_ok());
        let room = authorize_write(
            &vs,
            EntityKind::CourseOccurrence,
            Some(&cur),
            &cur,
            &["roomId".into()],
        );
        assert_eq!(room.unwrap_err().code, ErrorCode::AclForbidden);
        let teacher = principal("t", Role::Teacher, &["c1"]);
        let t = authorize_write(
            &teacher,
            EntityKind::CourseOccurrence,
            Some(&cur),
            &cur,
            &["status".into()],
        );
        assert!(t.is_err());
    }
}
