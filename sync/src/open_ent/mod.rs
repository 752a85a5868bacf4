//! The Open ENT NG backend (monlycee.net and the other Edifice ENTs), behind the same
//! [`Connector`] as the reference server (ADR 0011, docs/open-ent-ng.md).
//!
//! The ENT guarantees none of what the reference protocol assumes, so this backend
//! declares no capability and supplies each on the client:
//! - **no change feed**: every sync re-reads a window of dates around today (the whole
//!   school year now and then), and compares it with what the replica was last given
//!   ([`state::State::diff`]): new and changed items become records, a séance or homework
//!   gone from a window it should be in becomes a deletion, a lesson gone from the
//!   timetable is shown as removed;
//! - **no server merge**: an update re-reads the row, merges with
//!   [`ardoise_protocol::merge::merge_fields`] against the edit's base, writes the whole
//!   merged row (a `PUT` overwrites every column) and keeps what both sides changed as a
//!   conflict revision made here;
//! - **no safe retries**: before a creation is sent, the window of its date is listed and
//!   a row with the same natural key, not already someone else's record, is adopted — so a
//!   `POST` whose answer was lost never makes a second séance.
//!
//! The time between the re-read and the write is a window no client of this API can
//! close: an edit made in the browser inside it is overwritten. The conformance suite
//! measures it (`race_overwrites`).

pub mod oauth;
pub mod state;
pub mod wire;

use std::sync::Mutex;
use std::time::Duration;

use ardoise_protocol::entities::{Conflict, ConflictField, Homework, Session};
use ardoise_protocol::merge::merge_fields;
use ardoise_protocol::{
    ApiError, Data, EntityKind, ErrorCode, FieldChange, Health, Keep, Op, OpAction, OpResult,
    Outcome, PullResponse, PushRequest, PushResponse, Record, TokenResponse, MAX_PAGE_BYTES,
    PROTOCOL_VERSION,
};
use chrono::NaiveDate;
use serde_json::Value;

use crate::connector::{read_body, Capabilities, Connector, Snapshot};
use crate::{Result, SyncError};
use state::{key, Seen, State};

/// The most an answer of the ENT's token endpoint may weigh (a few hundred bytes in
/// practice).
const TOKEN_ANSWER_BYTES: usize = 64 * 1024;

/// The scopes Ardoise asks for (the operator registers them).
pub const SCOPES: &str = "userinfo diary viescolaire workspace";
/// How far around today a sync reads, without a change feed: days before and after, of
/// séances and homework (by date, by due date), then of the timetable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Every sync: yesterday to a week ahead, the timetable of today and tomorrow.
    Near,
    /// Every hour: a week ago to four weeks ahead, the timetable of two weeks.
    Wide,
    /// Twice a day, and at the first sync: the whole school year and the reference data
    /// (classes, subjects, types).
    Full,
}

impl Reach {
    fn days(self) -> Option<((i64, i64), (i64, i64))> {
        match self {
            Reach::Near => Some(((1, 7), (0, 1))),
            Reach::Wide => Some(((7, 28), (0, 14))),
            Reach::Full => None,
        }
    }
}

/// How often the wide window is read.
pub const WIDE_EVERY: chrono::Duration = chrono::Duration::hours(1);
/// How often the whole school year is read again (deletions and changes far from today).
pub const FULL_EVERY: chrono::Duration = chrono::Duration::hours(12);

/// What an Open ENT NG guarantees and lets Ardoise do: nothing of the reference
/// protocol's guarantees, no lesson status, no visa; the workspace is not mapped yet.
pub const CAPABILITIES: Capabilities = Capabilities {
    change_feed: false,
    server_merge: false,
    safe_retries: false,
    resumable_files: false,
    lesson_status: false,
    visas: false,
    documents: false,
    calendar_feed: false,
    assistance: false,
    indicators: false,
    progressions: false,
};

/// The backend's name ([`Connector::name`]), as the replica keeps it.
pub const NAME: &str = "open-ent-ng";

/// Refuses at once, before it is queued, what an Open ENT NG cannot store (a séance title
/// over 50 characters): the teacher is told while she types, not after a refused sync.
/// Nothing for a replica on another ENT.
pub fn check_fits(replica: &crate::Replica, kind: EntityKind, data: &Data) -> Result<()> {
    if replica.state(crate::replica::keys::ENT)?.as_deref() != Some(NAME) {
        return Ok(());
    }
    // Open ENT NG has nowhere to keep a progression.
    if kind == EntityKind::Progression {
        return Err(SyncError::refused(
            ErrorCode::BackendUnsupported,
            "Cet ENT ne garde pas de progressions.",
        ));
    }
    let title = data
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind == EntityKind::Session && title.chars().count() > wire::MAX_TITLE {
        return Err(SyncError::refused(
            ErrorCode::ProtocolInvalidData,
            format!(
                "Le titre de la séance dépasse ce que l'ENT accepte ({} caractères au plus).",
                wire::MAX_TITLE
            ),
        ));
    }
    Ok(())
}

/// How Ardoise is registered on the ENT (an OAuth2 application of the operator).
#[derive(Debug, Clone)]
pub struct Client {
    /// The application's name (its `client_id`).
    pub id: String,
    /// Its secret.
    pub secret: String,
}

/// A connector to an Open ENT NG platform.
pub struct OpenEntConnector {
    base: String,
    http: reqwest::blocking::Client,
    client: Client,
    structure: Option<String>,
    state: Mutex<State>,
    today: fn() -> NaiveDate,
    wide_every: chrono::Duration,
    full_every: chrono::Duration,
}

/// Today in Paris, what the sync window is around.
fn paris_today() -> NaiveDate {
    ardoise_protocol::calendar::paris_today(chrono::Utc::now())
}

fn ent_error(status: reqwest::StatusCode, body: &[u8]) -> SyncError {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let text = json
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(Value::as_str)
        .map(|e| e.chars().take(300).collect::<String>());
    match status.as_u16() {
        401 => SyncError::Server(ApiError::new(
            ErrorCode::AclForbidden,
            "L'ENT refuse : ce droit vous manque, ou l'élément appartient à un autre enseignant.",
        )),
        400 => match text {
            Some(t) => SyncError::Server(ApiError::new(
                ErrorCode::SyncRejected,
                format!("L'ENT refuse la modification : {t}"),
            )),
            None => SyncError::Server(ApiError::new(
                ErrorCode::SyncRejected,
                "L'ENT refuse la modification, sans dire pourquoi.",
            )),
        },
        s if s >= 500 => SyncError::Offline(format!("l'ENT est en difficulté (erreur {status})")),
        // Another refusal without a readable reason: refused all the same (an op is
        // quarantined, not retried for ever in front of the others).
        s if s >= 400 => SyncError::Server(ApiError::new(
            ErrorCode::SyncRejected,
            format!("L'ENT refuse la demande (statut {s})."),
        )),
        _ => SyncError::BadResponse(format!("Open ENT NG : statut {status} inattendu")),
    }
}

impl OpenEntConnector {
    /// A connector to the ENT at `base`, registered as `client`; `structure` picks the
    /// établissement of a user who has several (its id or part of its name).
    pub fn new(base: &str, client: Client, structure: Option<String>) -> Result<OpenEntConnector> {
        let http = crate::policy::http_client()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(60))
            .pool_idle_timeout(Duration::from_secs(15))
            // A 302 to /auth/login means "log in again": it is read, never followed.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ardoise/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::BadResponse(e.to_string()))?;
        Ok(OpenEntConnector {
            base: base.trim_end_matches('/').to_string(),
            http,
            client,
            structure,
            state: Mutex::new(State::default()),
            today: paris_today,
            wide_every: WIDE_EVERY,
            full_every: FULL_EVERY,
        })
    }

    /// The same connector, reading the wide window and the whole year this often
    /// (instead of [`WIDE_EVERY`] and [`FULL_EVERY`]).
    pub fn with_schedule(
        mut self,
        wide_every: chrono::Duration,
        full_every: chrono::Duration,
    ) -> OpenEntConnector {
        self.wide_every = wide_every;
        self.full_every = full_every;
        self
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn send(&self, req: reqwest::blocking::RequestBuilder) -> Result<Value> {
        let resp = req.send().map_err(|e| {
            SyncError::Offline(format!(
                "{} ({})",
                self.base,
                crate::connector::root_cause(&e)
            ))
        })?;
        let status = resp.status();
        if status.is_redirection() {
            let to = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .unwrap_or_default()
                .to_string();
            return Err(if to.contains("/auth/login") {
                SyncError::Server(ApiError::new(
                    ErrorCode::AuthInvalidToken,
                    "Session de l'ENT expirée.",
                ))
            } else {
                SyncError::Server(ApiError::new(
                    ErrorCode::AuthLoggedOut,
                    "L'ENT demande une action dans le navigateur (mot de passe à changer, \
                     adresse à valider) : faites-la sur l'ENT, puis reconnectez-vous.",
                ))
            });
        }
        let json = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let body = read_body(resp, MAX_PAGE_BYTES, &self.base)?;
        if !status.is_success() {
            return Err(ent_error(status, &body));
        }
        if !json {
            return Err(SyncError::BadResponse(
                "l'ENT a répondu autre chose que du JSON".into(),
            ));
        }
        serde_json::from_slice(&body)
            .map_err(|e| SyncError::BadResponse(format!("JSON invalide de l'ENT : {e}")))
    }

    fn get(&self, token: &str, path: &str) -> Result<Value> {
        self.send(self.http.get(self.url(path)).bearer_auth(token))
    }

    fn list(&self, token: &str, path: &str) -> Result<Vec<Value>> {
        match self.get(token, path)? {
            Value::Array(rows) => Ok(rows),
            _ => Err(SyncError::BadResponse(format!(
                "l'ENT n'a pas envoyé de liste pour {}",
                path.split('?').next().unwrap_or(path)
            ))),
        }
    }

    fn token(&self, form: &[(&str, &str)]) -> Result<(String, String, i64)> {
        let mut fields = form.to_vec();
        fields.extend([
            ("client_id", self.client.id.as_str()),
            ("client_secret", self.client.secret.as_str()),
            ("scope", SCOPES),
        ]);
        let resp = self
            .http
            .post(self.url("/auth/oauth2/token"))
            .basic_auth(&self.client.id, Some(&self.client.secret))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&fields)
            .send()
            .map_err(|e| {
                SyncError::Offline(format!(
                    "{} ({})",
                    self.base,
                    crate::connector::root_cause(&e)
                ))
            })?;
        let status = resp.status();
        let body = read_body(resp, TOKEN_ANSWER_BYTES, &self.base)?;
        let v: Value = serde_json::from_slice(&body).map_err(|_| {
            SyncError::BadResponse(format!(
                "le serveur de jetons de l'ENT a répondu {status} sans JSON"
            ))
        })?;
        if !status.is_success() {
            let error = v.get("error").and_then(Value::as_str).unwrap_or_default();
            let why = v
                .get("error_description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let refused = |code, msg: &str| SyncError::Server(ApiError::new(code, msg));
            return Err(match (status.as_u16(), error, why) {
                (_, _, "auth.error.ban") => refused(
                    ErrorCode::AuthTooManyAttempts,
                    "Trop d'essais de mot de passe : l'ENT bloque ce compte 15 minutes.",
                ),
                (509, _, _) | (_, "quota_overflow", _) => SyncError::Unavailable(ApiError::new(
                    ErrorCode::ServerBusy,
                    "L'ENT a atteint son nombre de connexions : nouvel essai plus tard.",
                )),
                (_, "invalid_client", _) => refused(
                    ErrorCode::BackendInvalidClient,
                    "L'ENT ne reconnaît pas Ardoise (identifiant ou secret d'application) : \
                     voyez avec l'administrateur de l'ENT.",
                ),
                (_, "invalid_grant", _) => refused(
                    ErrorCode::AuthInvalidToken,
                    "Session de l'ENT expirée : reconnectez-vous.",
                ),
                (_, "access_denied", _) => refused(
                    ErrorCode::AuthInvalidCredentials,
                    "Identifiant ou mot de passe incorrect.",
                ),
                (s, _, _) if s >= 500 => {
                    SyncError::Offline(format!("l'ENT est en difficulté (erreur {status})"))
                }
                _ => SyncError::BadResponse(format!("jeton refusé par l'ENT ({status} {error})")),
            });
        }
        let field = |name: &str| {
            v.get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        if v.get("token_type")
            .and_then(Value::as_str)
            .map(str::to_lowercase)
            .as_deref()
            != Some("bearer")
        {
            return Err(SyncError::BadResponse(
                "jeton de l'ENT d'un type inconnu".into(),
            ));
        }
        let Some(access) = field("access_token") else {
            return Err(SyncError::BadResponse("réponse de jeton incomplète".into()));
        };
        // Required after a login; a refresh keeps the old one (see `refresh`).
        let refresh = field("refresh_token").unwrap_or_default();
        if refresh.is_empty() && form.first().map(|f| f.1) != Some("refresh_token") {
            return Err(SyncError::BadResponse(
                "réponse de jeton sans jeton de renouvellement".into(),
            ));
        }
        let expires = v.get("expires_in").and_then(Value::as_i64).unwrap_or(3600);
        Ok((access.to_string(), refresh.to_string(), expires))
    }

    /// The ENT's page where the user signs in and allows Ardoise, to open in the system
    /// browser; the ENT then sends the browser to `redirect_uri` with a code and `state`.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str) -> String {
        use oauth::encode;
        format!(
            "{}/auth/oauth2/auth?response_type=code&client_id={}&scope={}&redirect_uri={}&state={}",
            self.base,
            encode(&self.client.id),
            encode(SCOPES),
            encode(redirect_uri),
            encode(state)
        )
    }

    /// Trades the code the browser brought back for tokens (`redirect_uri` must be the one
    /// the code was asked with).
    pub fn login_with_code(&self, code: &str, redirect_uri: &str) -> Result<TokenResponse> {
        self.sign_in(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ])
    }

    /// A login (password or code): the tokens, and who they are for, asked afresh.
    fn sign_in(&self, grant: &[(&str, &str)]) -> Result<TokenResponse> {
        let tokens = self.token(grant)?;
        let me = self.me(&tokens.0)?;
        self.state().user = Some(me.user);
        self.tokens(tokens)
    }

    fn me(&self, token: &str) -> Result<wire::Me> {
        wire::me(&self.get(token, "/auth/oauth2/userinfo?version=v2.0")?)
    }

    fn tokens(&self, (access, refresh, expires): (String, String, i64)) -> Result<TokenResponse> {
        let cached = self.state().user.clone();
        let user = match cached {
            Some(u) => u,
            None => {
                let me = self.me(&access)?;
                self.state().user = Some(me.user.clone());
                me.user
            }
        };
        Ok(TokenResponse {
            access_token: access,
            refresh_token: refresh,
            expires_in: expires,
            user,
            device: None,
        })
    }

    fn pick_structure(&self, me: &wire::Me) -> Result<String> {
        let remembered = self.state().structure.clone();
        let wanted = self.structure.as_deref().or(remembered.as_deref());
        let found = match wanted {
            Some(w) => me
                .structures
                .iter()
                .position(|(id, name)| id == w || name.to_lowercase().contains(&w.to_lowercase()))
                .or_else(|| {
                    me.uai
                        .iter()
                        .position(|u| u == w)
                        .filter(|i| *i < me.structures.len())
                }),
            None => (!me.structures.is_empty()).then_some(0),
        };
        found.map(|i| me.structures[i].0.clone()).ok_or_else(|| {
            SyncError::refused(
                ErrorCode::BackendUnsupported,
                format!(
                    "Aucun établissement « {} » pour ce compte sur l'ENT.",
                    wanted.unwrap_or("")
                ),
            )
        })
    }

    /// Reads the reference data (who, where, classes, subjects, types): the records and
    /// what writes need, kept in the state.
    fn read_reference(
        &self,
        token: &str,
        now: &mut Vec<Item>,
    ) -> Result<(String, (NaiveDate, NaiveDate))> {
        let me = self.me(token)?;
        if let Some(known) = self.state().user.as_ref().filter(|u| u.id != me.user.id) {
            return Err(SyncError::BadResponse(format!(
                "l'ENT répond pour un autre utilisateur que {}",
                known.login
            )));
        }
        let structure = self.pick_structure(&me)?;
        let year = wire::school_year((self.today)());
        now.push(item(
            EntityKind::School,
            &structure,
            None,
            wire::school(&me, &structure, year),
        ));
        now.push(item(EntityKind::User, &me.user.id, None, wire::user(&me)));
        let mut audiences = Vec::new();
        let classes = self.list(
            token,
            &format!("/viescolaire/classes?idEtablissement={structure}&isEdt=true"),
        )?;
        for row in &classes {
            let (id, data) = wire::audience(row)?;
            let name = data["name"].as_str().unwrap_or_default().to_string();
            let external = row
                .get("externalId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            audiences.push((id.clone(), name, external.to_string()));
            now.push(item(EntityKind::Audience, &id, None, data));
        }
        for row in self.list(token, &format!("/diary/timetableSubjects/{structure}"))? {
            let (id, data) = wire::subject(&row)?;
            now.push(item(EntityKind::Subject, &id, None, data));
        }
        let types = |path: &str| -> Result<Vec<(i64, String)>> {
            Ok(self
                .list(token, path)?
                .iter()
                .filter_map(|t| {
                    Some((
                        t.get("id")?.as_i64()?,
                        t.get("label")?.as_str()?.to_string(),
                    ))
                })
                .collect())
        };
        let session_types = types(&format!("/diary/session-types?idStructure={structure}"))?;
        let homework_types = types(&format!("/diary/homework-types/{structure}"))?;
        let mut st = self.state();
        st.user = Some(me.user.clone());
        st.structure = Some(structure.clone());
        st.year = Some(year);
        st.session_type = session_types
            .iter()
            .find(|(_, l)| l.eq_ignore_ascii_case("cours"))
            .or(session_types.first())
            .map(|(id, _)| *id);
        st.homework_types = homework_types;
        st.audiences = audiences;
        st.mine = me.audiences.clone();
        Ok((structure, year))
    }

    /// Reads the ENT as far as `reach` and returns the records the replica lacks.
    fn read(&self, token: &str, reach: Reach) -> Result<Vec<Record>> {
        let mut now = Vec::new();
        let reach = if self.state().structure.is_none() {
            Reach::Full
        } else {
            reach
        };
        let full = reach == Reach::Full;
        let (structure, year) = if full {
            self.read_reference(token, &mut now)?
        } else {
            let st = self.state();
            let year = st.year.unwrap_or_else(|| wire::school_year((self.today)()));
            (st.structure.clone().unwrap_or_default(), year)
        };
        let today = (self.today)();
        let around = |(before, after): (i64, i64)| {
            (
                (today - chrono::Duration::days(before)).max(year.0),
                (today + chrono::Duration::days(after)).min(year.1),
            )
        };
        let (diary, timetable) = match reach.days() {
            Some((diary, timetable)) => (around(diary), around(timetable)),
            None => (year, year),
        };
        let me = self
            .state()
            .user
            .clone()
            .ok_or_else(|| SyncError::BadResponse("utilisateur inconnu de l'ENT".into()))?;
        let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let (from, to) = (day(timetable.0), day(timetable.1));
        // A teacher's timetable is hers; anyone else's is that of their classes.
        let teacher = me.roles.contains(&ardoise_protocol::Role::Teacher);
        let whose = if teacher {
            format!("teacherId={}", oauth::encode(&me.id))
        } else {
            let st = self.state();
            let names: Vec<String> = st
                .audiences
                .iter()
                .filter(|(id, _, _)| st.mine.contains(id))
                .map(|(_, name, _)| format!("group={}", oauth::encode(name)))
                .collect();
            if names.is_empty() {
                return Err(SyncError::refused(
                    ErrorCode::BackendUnsupported,
                    "Ce compte n'a ni cours ni classe sur l'ENT : rien à montrer.",
                ));
            }
            names.join("&")
        };
        let courses = self.list(
            token,
            &format!("/viescolaire/common/courses/{structure}/{from}/{to}?{whose}"),
        )?;
        let (from, to) = (day(diary.0), day(diary.1));
        let mut sessions = self.list(
            token,
            &format!("/diary/sessions/own/{from}/{to}/{structure}"),
        )?;
        let mut homeworks = self.list(
            token,
            &format!("/diary/homeworks/own/{from}/{to}/{structure}"),
        )?;
        if !full {
            // An item gone from the window was deleted, or moved out of it (a séance put
            // off in the browser): the school year says which, and a moved one stays.
            let (first, last) = (day(year.0), day(year.1));
            for (kind, rows, route) in [
                (EntityKind::Session, &mut sessions, "sessions"),
                (EntityKind::Homework, &mut homeworks, "homeworks"),
            ] {
                let missing = self.missing_from(kind, rows, diary);
                if missing.is_empty() {
                    continue;
                }
                let path = format!("/diary/{route}/own/{first}/{last}/{structure}");
                let moved: Vec<Value> = self
                    .list(token, &path)?
                    .into_iter()
                    .filter(|r| wire::diary_id(r).is_ok_and(|id| missing.contains(&id)))
                    .collect();
                rows.extend(moved);
            }
        }

        let mut st = self.state();
        let known = st.audiences.clone();
        let audiences = wire::Audiences { known: &known };
        let mut lesson_ids = std::collections::HashMap::new();
        for course in &courses {
            for lesson in wire::lessons(course, &me.id, &audiences, timetable)? {
                if let Some(room) = &lesson.room {
                    let id = wire::room_id(room);
                    if full && !now.iter().any(|i| i.0 == EntityKind::Room && i.1 == id) {
                        now.push(item(EntityKind::Room, &id, None, wire::room(room)));
                    }
                    st.rooms.insert(lesson.id.clone(), room.clone());
                }
                let audience = lesson.data["audienceId"].as_str().unwrap_or_default();
                lesson_ids.insert(lesson.id.clone(), audience.to_string());
                now.push((
                    EntityKind::CourseOccurrence,
                    lesson.id,
                    lesson.course,
                    Some(lesson.date),
                    lesson.data,
                ));
            }
        }
        let occurrence = |course: &str, day: NaiveDate, audience: &str| {
            lesson_for(course, day, audience, &|id| {
                lesson_ids
                    .get(id)
                    .cloned()
                    .or_else(|| lesson_audience(&st, id))
            })
        };
        let mut session_ids = std::collections::HashMap::new();
        for (k, seen) in st.items.range(key(EntityKind::Session, "")..) {
            let Some(id) = k.strip_prefix("session/") else {
                break;
            };
            session_ids.insert(seen.ent.clone(), id.to_string());
        }
        // What « mine » lists must be mine, once each: anything else is a lying answer.
        let mut ids = std::collections::HashSet::new();
        for (kind, row) in sessions
            .iter()
            .map(|r| ("séance", r))
            .chain(homeworks.iter().map(|r| ("travail", r)))
        {
            if !ids.insert((kind, wire::diary_id(row)?)) {
                return Err(SyncError::BadResponse(format!(
                    "l'ENT envoie deux fois le même {kind}"
                )));
            }
            if teacher && row.get("teacher_id").and_then(Value::as_str) != Some(me.id.as_str()) {
                return Err(SyncError::BadResponse(format!(
                    "l'ENT range le {kind} d'un autre enseignant parmi les vôtres"
                )));
            }
        }
        let mut rows = Vec::new();
        for row in &sessions {
            let (ent, data) = wire::session(row, &me.id, &occurrence)?;
            let id = session_ids
                .get(&ent)
                .cloned()
                .unwrap_or_else(|| ent.clone());
            session_ids.insert(ent.clone(), id.clone());
            let day = data["date"].as_str().and_then(|d| wire::date(d).ok());
            rows.push((EntityKind::Session, id, ent, day, data));
        }
        let homework_ids: std::collections::HashMap<String, String> = st
            .items
            .range(key(EntityKind::Homework, "")..)
            .map_while(|(k, s)| Some((s.ent.clone(), k.strip_prefix("homework/")?.to_string())))
            .collect();
        for row in &homeworks {
            let (ent, data) = wire::homework(row, &st.homework_types, |s| {
                session_ids.get(s).cloned().or(Some(s.to_string()))
            })?;
            let id = homework_ids
                .get(&ent)
                .cloned()
                .unwrap_or_else(|| ent.clone());
            let day = data["dueOn"].as_str().and_then(|d| wire::date(d).ok());
            rows.push((EntityKind::Homework, id, ent, day, data));
        }
        now.extend(rows);
        for (id, data) in &st.conflicts {
            now.push(item(EntityKind::Conflict, id, None, data.clone()));
        }
        let now_rfc = chrono::Utc::now().to_rfc3339();
        if full {
            st.last_full = Some(now_rfc.clone());
            // What is before this school year is never read again: forgotten here (the
            // replica keeps it), so the state does not grow year after year.
            st.items.retain(|_, s| s.date.is_none_or(|d| d >= year.0));
            let lessons: std::collections::HashSet<String> = st
                .items
                .keys()
                .filter_map(|k| k.strip_prefix("courseOccurrence/").map(str::to_string))
                .collect();
            st.rooms.retain(|lesson, _| lessons.contains(lesson));
        }
        if reach != Reach::Near {
            st.last_wide = Some(now_rfc);
        }
        let mut records = st.diff(now, &|kind| match kind {
            EntityKind::CourseOccurrence => Some(timetable),
            EntityKind::Session | EntityKind::Homework => Some(diary),
            _ => None,
        });
        records.sort_by_key(|r| {
            EntityKind::ALL
                .iter()
                .position(|k| *k == r.kind)
                .unwrap_or(usize::MAX)
        });
        Ok(records)
    }

    /// The ENT ids of the items of `kind` the replica was given within `window` that
    /// `rows` (what the ENT listed for that window) lacks.
    fn missing_from(
        &self,
        kind: EntityKind,
        rows: &[Value],
        window: (NaiveDate, NaiveDate),
    ) -> std::collections::HashSet<String> {
        let listed: std::collections::HashSet<String> =
            rows.iter().filter_map(|r| wire::diary_id(r).ok()).collect();
        let prefix = key(kind, "");
        self.state()
            .items
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(_, s)| s.date.is_some_and(|d| d >= window.0 && d <= window.1))
            .filter(|(_, s)| !s.ent.is_empty() && !listed.contains(&s.ent))
            .map(|(_, s)| s.ent.clone())
            .collect()
    }

    /// How far this sync reads: as far as the oldest read that is due.
    fn reach_due(&self) -> Reach {
        let st = self.state();
        let due = |last: &Option<String>, every| match last
            .as_deref()
            .map(chrono::DateTime::parse_from_rfc3339)
        {
            Some(Ok(at)) => chrono::Utc::now().signed_duration_since(at) > every,
            _ => true,
        };
        if due(&st.last_full, self.full_every) {
            Reach::Full
        } else if due(&st.last_wide, self.wide_every) {
            Reach::Wide
        } else {
            Reach::Near
        }
    }
}

/// The lesson record a séance's `course_id` stands for: among the lessons made of that
/// course (dated or expanded weekly, one per audience, see [`wire::lessons`]), the one of
/// the séance's audience, else the first. `known` gives a lesson's audience, if it exists.
fn lesson_for(
    course: &str,
    day: NaiveDate,
    audience: &str,
    known: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let mut first = None;
    for base in [
        course.to_string(),
        format!("{course}{}", day.format(".%Y%m%d")),
    ] {
        for n in 0..10 {
            let id = if n == 0 {
                base.clone()
            } else {
                format!("{base}.{n}")
            };
            match known(&id) {
                Some(a) if a == audience => return Some(id),
                Some(_) if first.is_none() => first = Some(id),
                Some(_) => {}
                None if n > 0 => break,
                None => {}
            }
        }
    }
    first
}

/// The audience of a lesson the replica was given.
fn lesson_audience(st: &State, id: &str) -> Option<String> {
    let seen = st.items.get(&key(EntityKind::CourseOccurrence, id))?;
    Some(
        seen.last
            .as_ref()
            .and_then(|d| d.get("audienceId"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    )
}

/// One item read: (kind, record id, ENT id, day, data).
type Item = (EntityKind, String, String, Option<NaiveDate>, Data);

fn item(kind: EntityKind, id: &str, day: Option<NaiveDate>, data: Data) -> Item {
    (kind, id.to_string(), id.to_string(), day, data)
}

fn refusal(op: &Op, code: ErrorCode, message: impl Into<String>) -> OpResult {
    OpResult {
        op_id: op.op_id,
        outcome: Outcome::Rejected,
        version: None,
        conflict_id: None,
        error: Some(ApiError::new(code, message)),
    }
}

fn applied(op: &Op) -> OpResult {
    OpResult {
        op_id: op.op_id,
        outcome: Outcome::Applied,
        version: None,
        conflict_id: None,
        error: None,
    }
}

fn typed<T: serde::de::DeserializeOwned>(kind: EntityKind, data: Data) -> Result<T> {
    let data = ardoise_protocol::entities::validate_owned(kind, data)?;
    serde_json::from_value(Value::Object(data))
        .map_err(|e| SyncError::BadResponse(format!("{kind} illisible : {e}")))
}

impl OpenEntConnector {
    fn structure(&self) -> Result<String> {
        self.state().structure.clone().ok_or_else(|| {
            SyncError::BadResponse("établissement inconnu : synchronisez d'abord".into())
        })
    }

    fn me_id(&self) -> Result<String> {
        self.state()
            .user
            .as_ref()
            .map(|u| u.id.clone())
            .ok_or_else(|| SyncError::BadResponse("utilisateur inconnu de l'ENT".into()))
    }

    /// The séance and homework rows of one day (by date, by due date).
    fn rows_of_day(&self, token: &str, kind: EntityKind, day: NaiveDate) -> Result<Vec<Value>> {
        let d = day.format("%Y-%m-%d");
        let structure = self.structure()?;
        let path = match kind {
            EntityKind::Session => format!("/diary/sessions/own/{d}/{d}/{structure}"),
            _ => format!("/diary/homeworks/own/{d}/{d}/{structure}"),
        };
        self.list(token, &path)
    }

    /// The row of an item as the ENT has it now: looked for on its day, then over the
    /// school year (it may have moved); `None` when it is gone. Never a `GET` by id,
    /// which may never answer for a deleted séance.
    fn reread(&self, token: &str, kind: EntityKind, seen: &Seen) -> Result<Option<Value>> {
        let is_it = |r: &Value| wire::diary_id(r).is_ok_and(|id| id == seen.ent);
        if let Some(day) = seen.date {
            if let Some(row) = self.rows_of_day(token, kind, day)?.into_iter().find(is_it) {
                return Ok(Some(row));
            }
        }
        let (from, to) = self
            .state()
            .year
            .unwrap_or_else(|| wire::school_year((self.today)()));
        let (from, to) = (from.format("%Y-%m-%d"), to.format("%Y-%m-%d"));
        let structure = self.structure()?;
        let path = match kind {
            EntityKind::Session => format!("/diary/sessions/own/{from}/{to}/{structure}"),
            _ => format!("/diary/homeworks/own/{from}/{to}/{structure}"),
        };
        Ok(self.list(token, &path)?.into_iter().find(is_it))
    }

    /// A row as Ardoise's data, with the ids of the replica.
    fn as_data(&self, kind: EntityKind, row: &Value) -> Result<Data> {
        let me = self.me_id()?;
        let st = self.state();
        let occurrence = |course: &str, day: NaiveDate, audience: &str| {
            lesson_for(course, day, audience, &|id| lesson_audience(&st, id))
        };
        Ok(match kind {
            EntityKind::Session => wire::session(row, &me, &occurrence)?.1,
            _ => {
                wire::homework(row, &st.homework_types, |s| {
                    st.record_of(EntityKind::Session, s).or(Some(s.to_string()))
                })?
                .1
            }
        })
    }

    fn session_extras<'a>(
        &self,
        s: &Session,
        current: Option<&'a Value>,
        structure: &'a str,
    ) -> SessionExtras<'a> {
        let st = self.state();
        let course = s
            .occurrence_id
            .as_ref()
            .and_then(|o| st.ent_of(EntityKind::CourseOccurrence, o))
            .map(|seen| seen.ent.clone());
        wire::SessionExtras {
            structure,
            course,
            type_id: st.session_type,
            color: wire::colour_of(&s.subject_id),
            room: s
                .occurrence_id
                .as_ref()
                .and_then(|o| st.rooms.get(o).cloned()),
            current,
        }
    }

    fn homework_extras<'a>(
        &self,
        h: &Homework,
        current: Option<&'a Value>,
        structure: &'a str,
    ) -> Result<HomeworkExtras<'a>> {
        let st = self.state();
        let session = match &h.session_id {
            Some(s) => Some(
                st.ent_of(EntityKind::Session, s)
                    .and_then(|seen| seen.ent.parse::<i64>().ok())
                    .ok_or_else(|| {
                        SyncError::refused(
                            ErrorCode::RecordNotFound,
                            "La séance de ce travail n'est pas sur l'ENT.",
                        )
                    })?,
            ),
            None => None,
        };
        Ok(wire::HomeworkExtras {
            structure,
            session,
            type_id: wire::type_for_kind(&st.homework_types, h.kind),
            color: wire::colour_of(&h.subject_id),
            current,
        })
    }

    fn body(&self, kind: EntityKind, data: Data, current: Option<&Value>) -> Result<Value> {
        let structure = self.structure()?;
        match kind {
            EntityKind::Session => {
                let s: Session = typed(kind, data)?;
                wire::session_body(&s, &self.session_extras(&s, current, &structure))
            }
            _ => {
                let h: Homework = typed(kind, data)?;
                wire::homework_body(&h, &self.homework_extras(&h, current, &structure)?)
            }
        }
    }

    fn create(&self, token: &str, op: &Op) -> Result<OpResult> {
        let kind = op.kind;
        let data: Data = op
            .fields
            .iter()
            .map(|(k, c)| (k.clone(), c.new.clone()))
            .collect();
        let data = ardoise_protocol::entities::validate_owned(kind, data)?;
        let body = self.body(kind, data.clone(), None)?;
        let day_field = if kind == EntityKind::Session {
            "date"
        } else {
            "dueOn"
        };
        let day = data[day_field]
            .as_str()
            .and_then(|d| wire::date(d).ok())
            .ok_or_else(|| SyncError::BadResponse("date absente".into()))?;
        // A creation whose answer was lost is on the ENT already: adopt it.
        let found = self.find_created(token, kind, day, &body)?;
        let adopted = found.is_some();
        let ent = match found {
            Some(id) => id,
            None => {
                let path = if kind == EntityKind::Session {
                    "/diary/session"
                } else {
                    "/diary/homework"
                };
                let post = self
                    .http
                    .post(self.url(path))
                    .bearer_auth(token)
                    .json(&body);
                match self.send(post) {
                    Ok(answer) => wire::diary_id(&answer)?,
                    // The answer was lost, not necessarily the write: look at once, before
                    // anyone can change the new row and hide it from its natural key.
                    Err(SyncError::Offline(why)) => {
                        match self.find_created(token, kind, day, &body) {
                            Ok(Some(id)) => id,
                            _ => return Err(SyncError::Offline(why)),
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        self.state().items.insert(
            key(kind, &op.record_id),
            Seen {
                ent,
                date: Some(day),
                version: 1,
                fp: String::new(),
                removed: false,
                last: None,
            },
        );
        if adopted {
            // The row found may differ from this creation in what its natural key leaves
            // out (or in the one field changed elsewhere since): merged like an edit made
            // on nothing, so what differs is applied or kept as a conflict, never lost.
            // « Donné le » is not kept by the ENT (it reads as the day of creation).
            let mut fields = op.fields.clone();
            fields.remove("givenOn");
            return self.update(token, op, kind, &op.record_id, &fields);
        }
        Ok(applied(op))
    }

    /// The row of the ENT that is this creation, sent before and whose answer was lost: a
    /// row of its day with its natural key ([`wire::natural_match`]) that is not already
    /// another record of this replica.
    fn find_created(
        &self,
        token: &str,
        kind: EntityKind,
        day: NaiveDate,
        body: &Value,
    ) -> Result<Option<String>> {
        let rows = self.rows_of_day(token, kind, day)?;
        let st = self.state();
        Ok(rows
            .iter()
            .filter_map(|r| Some((wire::natural_match(kind, r, body)?, wire::diary_id(r).ok()?)))
            .filter(|(_, id)| st.record_of(kind, id).is_none())
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, id)| id))
    }

    /// The conditional write: re-read, merge against the edit's base, write the whole
    /// merged row, keep what both sides changed as a conflict revision.
    fn update(
        &self,
        token: &str,
        op: &Op,
        kind: EntityKind,
        record_id: &str,
        fields: &std::collections::BTreeMap<String, FieldChange>,
    ) -> Result<OpResult> {
        let Some(seen) = self.state().ent_of(kind, record_id).cloned() else {
            return Ok(refusal(
                op,
                ErrorCode::RecordNotFound,
                "Cet élément n'est pas sur l'ENT.",
            ));
        };
        let Some(row) = self.reread(token, kind, &seen)? else {
            return Ok(refusal(
                op,
                ErrorCode::RecordNotFound,
                "Cet élément a été supprimé sur l'ENT entre-temps.",
            ));
        };
        let me = self.me_id()?;
        if row.get("teacher_id").and_then(Value::as_str) != Some(me.as_str()) {
            return Ok(refusal(
                op,
                ErrorCode::AclForbidden,
                "Sur l'ENT, seul l'auteur d'une séance ou d'un travail peut le modifier.",
            ));
        }
        let current = self.as_data(kind, &row)?;
        let merge = merge_fields(&current, fields);
        if !merge.applied.is_empty() {
            let body = self.body(kind, merge.merged.clone(), Some(&row))?;
            let path = match kind {
                EntityKind::Session => format!("/diary/session/{}", seen.ent),
                _ => {
                    let was = row.get("is_published").and_then(Value::as_bool);
                    let changed = body["is_published"].as_bool() != was;
                    format!("/diary/homework/{}/{changed}", seen.ent)
                }
            };
            self.send(
                self.http
                    .put(self.url(&path))
                    .bearer_auth(token)
                    .json(&body),
            )?;
        }
        let day_field = if kind == EntityKind::Session {
            "date"
        } else {
            "dueOn"
        };
        let day = merge.merged[day_field]
            .as_str()
            .and_then(|d| wire::date(d).ok());
        let mut st = self.state();
        if let Some(s) = st.items.get_mut(&key(kind, record_id)) {
            s.fp = String::new(); // read what the ENT stored (it strips HTML) next time
            s.date = day.or(s.date);
        }
        if merge.conflicts.is_empty() {
            return Ok(applied(op));
        }
        let id = uuid::Uuid::now_v7().to_string();
        let conflict = Conflict {
            record_kind: kind,
            record_id: record_id.to_string(),
            author_id: me,
            fields: merge.conflicts,
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        let data = match serde_json::to_value(conflict).unwrap_or(Value::Null) {
            Value::Object(d) => d,
            _ => Data::new(),
        };
        st.conflicts.insert(id.clone(), data);
        Ok(OpResult {
            op_id: op.op_id,
            outcome: Outcome::Conflict,
            version: None,
            conflict_id: Some(id),
            error: None,
        })
    }

    fn delete(&self, token: &str, op: &Op) -> Result<OpResult> {
        let Some(seen) = self.state().ent_of(op.kind, &op.record_id).cloned() else {
            return Ok(applied(op)); // never reached the ENT
        };
        let path = match op.kind {
            EntityKind::Session => format!("/diary/session/{}", seen.ent),
            _ => format!("/diary/homework/{}", seen.ent),
        };
        match self.send(self.http.delete(self.url(&path)).bearer_auth(token)) {
            Ok(_) => {}
            // 401 is also the answer for an id that no longer exists.
            Err(SyncError::Server(e)) if e.code == ErrorCode::AclForbidden => {
                if self.reread(token, op.kind, &seen)?.is_some() {
                    return Ok(refusal(op, e.code, e.message));
                }
            }
            Err(e) => return Err(e),
        }
        self.state().items.remove(&key(op.kind, &op.record_id));
        Ok(applied(op))
    }

    fn resolve(&self, token: &str, op: &Op) -> Result<OpResult> {
        let Some(data) = self.state().conflicts.get(&op.record_id).cloned() else {
            return Ok(applied(op)); // resolved already
        };
        let conflict: Conflict = serde_json::from_value(Value::Object(data))
            .map_err(|e| SyncError::BadResponse(format!("conflit illisible : {e}")))?;
        if op.keep == Some(Keep::Mine) {
            // The values chosen: the author's, or a merge they edited (`op.fields`).
            let fields = conflict
                .fields
                .iter()
                .map(|(name, ConflictField { mine, theirs, .. })| {
                    let mine = op.fields.get(name).map_or(mine, |chosen| &chosen.new);
                    (
                        name.clone(),
                        FieldChange {
                            base: theirs.clone(),
                            new: mine.clone(),
                        },
                    )
                })
                .collect();
            let result = self.update(
                token,
                op,
                conflict.record_kind,
                &conflict.record_id,
                &fields,
            )?;
            if result.outcome == Outcome::Rejected {
                return Ok(result);
            }
        }
        self.state().conflicts.remove(&op.record_id);
        Ok(applied(op))
    }

    fn apply(&self, token: &str, op: &Op) -> Result<OpResult> {
        use EntityKind as K;
        use OpAction as A;
        match (op.kind, op.action) {
            (K::Session | K::Homework, A::Create) => self.create(token, op),
            (K::Session | K::Homework, A::Update) => {
                self.update(token, op, op.kind, &op.record_id, &op.fields)
            }
            (K::Session | K::Homework, A::Delete) => self.delete(token, op),
            (K::Conflict, A::Resolve) => self.resolve(token, op),
            (kind, _) => Ok(refusal(
                op,
                ErrorCode::BackendUnsupported,
                format!("Cet ENT ne permet pas cette action depuis Ardoise ({kind})."),
            )),
        }
    }
}

use wire::{HomeworkExtras, SessionExtras};

impl Connector for OpenEntConnector {
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn name(&self) -> &'static str {
        NAME
    }

    fn health(&self) -> Result<Health> {
        let req = self
            .http
            .get(self.url("/auth/openid/.well-known/openid-configuration"))
            .timeout(Duration::from_secs(3));
        self.send(req)?;
        Ok(Health {
            status: "ok".into(),
            protocol: PROTOCOL_VERSION,
            min_protocol: PROTOCOL_VERSION,
        })
    }

    fn login(&self, login: &str, password: &str, _device: Option<&str>) -> Result<TokenResponse> {
        self.sign_in(&[
            ("grant_type", "password"),
            ("username", login),
            ("password", password),
        ])
    }

    fn refresh(&self, refresh_token: &str) -> Result<TokenResponse> {
        let mut tokens = self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])?;
        // An answer may leave the refresh token out (RFC 6749 §6): the old one stays.
        if tokens.1.is_empty() {
            tokens.1 = refresh_token.to_string();
        }
        self.tokens(tokens)
    }

    fn pull(&self, token: &str, since: i64, _limit: usize) -> Result<PullResponse> {
        let mut records = self.read(token, self.reach_due())?;
        for (n, r) in records.iter_mut().enumerate() {
            r.change_seq = since + 1 + n as i64;
        }
        Ok(PullResponse {
            next_cursor: since + records.len() as i64,
            changes: records,
            has_more: false,
        })
    }

    fn snapshot(&self, token: &str) -> Result<Snapshot> {
        {
            let mut st = self.state();
            let user = st.user.take();
            *st = State {
                user,
                ..State::default()
            };
        }
        let mut records = self.read(token, Reach::Full)?;
        for (n, r) in records.iter_mut().enumerate() {
            r.change_seq = 1 + n as i64;
        }
        Ok(Snapshot {
            seq: records.len().max(1) as i64,
            estimate: Some(records.len() as u64),
            records: Box::new(records.into_iter().map(Ok)),
            backend_state: self.backend_state(),
        })
    }

    fn push(&self, token: &str, req: &PushRequest) -> Result<PushResponse> {
        let mut results = Vec::with_capacity(req.ops.len());
        for op in &req.ops {
            let result = match self.apply(token, op) {
                Ok(r) => r,
                Err(SyncError::Server(e)) if e.code.area() != "auth" => {
                    refusal(op, e.code, e.message)
                }
                Err(SyncError::Refused { code, message }) => refusal(op, code, message),
                Err(SyncError::Protocol(e)) => refusal(op, e.code(), e.to_string()),
                Err(e) => return Err(e),
            };
            results.push(result);
        }
        Ok(PushResponse { results })
    }

    fn backend_state(&self) -> Option<String> {
        serde_json::to_string(&*self.state()).ok()
    }

    fn restore_backend_state(&self, stored: Option<&str>) -> Result<()> {
        let restored = match stored {
            Some(s) => serde_json::from_str(s)
                .map_err(|e| SyncError::BadResponse(format!("état de l'ENT illisible : {e}")))?,
            None => State {
                user: self.state().user.clone(),
                ..State::default()
            },
        };
        *self.state() = restored;
        Ok(())
    }
}
