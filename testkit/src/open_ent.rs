//! A fake Open ENT NG on loopback, written from docs/open-ent-ng.md: the routes the
//! Open ENT NG backend uses, with the real platform's shapes and habits — tokens from
//! `/auth/oauth2/token` (client checked by Basic auth, a ban after five wrong passwords),
//! a **302 to `/auth/login`** for a missing or expired token, **401 HTML** for a missing
//! right or another teacher's row, **400 `{"error"}`** for a body the ENT refuses,
//! `PUT` that overwrites every column, answers that are `{"id"}` or `{}`, HTML stripped
//! of scripts, dates written two ways, `estimatedTime` read back as `estimatedtime`,
//! `modified` not bumped by publishing.
//!
//! Tests drive it through [`FakeEnt::with`]: edits "in the browser", answers lost after the
//! write committed ([`Ent::lose_answers`]), an edit slipped between a client's re-read and
//! its write ([`Ent::race_next_put`]), expired tokens, a stop and a restart on the same
//! port. It counts requests and bytes ([`Ent::requests`], [`Ent::bytes`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine as _;
use chrono::{Datelike, Duration as Days, NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

/// The OAuth2 client registered for Ardoise on the fake.
pub const CLIENT_ID: &str = "ardoise";
/// Its secret.
pub const CLIENT_SECRET: &str = "secret-de-test";
/// The structure of the fake school.
pub const STRUCTURE: &str = "st-0750000A";
/// Every account's password.
pub const PASSWORD: &str = "ardoise";

/// An account of the fake.
#[derive(Debug, Clone)]
pub struct Account {
    /// Directory id.
    pub id: String,
    /// Login.
    pub login: String,
    /// Display name.
    pub name: String,
    /// `Teacher`, `Student`…
    pub profile: String,
    /// Class ids.
    pub classes: Vec<String>,
}

type Hook = Box<dyn FnMut(&mut Value) + Send>;

/// What a tampered route answers instead.
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// Headers (`content-type`, `location`…).
    pub headers: Vec<(&'static str, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Answer {
    /// A status with a JSON body.
    pub fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A status with a body of the given type.
    pub fn typed(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status,
            headers: vec![("content-type", content_type.into())],
            body: body.into(),
        }
    }

    /// A redirection.
    pub fn redirect(status: u16, location: &str) -> Answer {
        Answer {
            status,
            headers: vec![("location", location.into())],
            body: Vec::new(),
        }
    }
}

/// Rewrites the answers of one route: given the real status and body, the answer sent.
pub type Tamper = Box<dyn FnMut(u16, &[u8]) -> Answer + Send>;

/// The fake's data and switches.
pub struct Ent {
    /// Accounts by login.
    pub accounts: BTreeMap<String, Account>,
    /// Classes and groups: {id, name, externalId, type_groupe}.
    pub classes: Vec<Value>,
    /// Subjects: {id, externalId, name, rank}.
    pub subjects: Vec<Value>,
    /// Course documents (Mongo shape).
    pub courses: Vec<Value>,
    /// Séances by id (the SQL row).
    pub sessions: BTreeMap<i64, Value>,
    /// Homework by id (the SQL row).
    pub homeworks: BTreeMap<i64, Value>,
    next_id: i64,
    tokens: HashMap<String, (String, Instant)>,
    refresh: HashMap<String, String>,
    failures: HashMap<String, (u32, Option<Instant>)>,
    /// How long an access token lives.
    pub token_ttl: Duration,
    /// Grants asked of the token endpoint, in order (`password`, `refresh_token`…).
    pub grants: Vec<String>,
    /// Answers of requests whose path starts with `.0` are rewritten by `.1` (a hostile or
    /// broken ENT).
    pub tamper: Option<(String, Tamper)>,
    /// Every write of the diary is refused with this text (400 `{"error"}`), as a
    /// constraint of the ENT's database would.
    pub refuse_writes: Option<String>,
    /// The next writes (POST, PUT, DELETE of the diary) commit, then answer 504 as a
    /// proxy whose upstream timed out: the client cannot know it went through.
    pub lose_answers: usize,
    race: Option<Hook>,
    /// Edits made by [`Ent::race_next_put`] that a `PUT` then overwrote.
    pub races: usize,
    /// Requests served.
    pub requests: usize,
    /// Bytes of answers served.
    pub bytes: usize,
    /// Who is signed in to the ENT in the system browser (a login): the authorize page
    /// then sends the browser straight back with a code; nobody, and it shows the login
    /// page.
    pub browser_session: Option<String>,
    codes: HashMap<String, (String, String, Instant)>,
    /// Requests served: path without ids or dates, answer bytes (for cost reports).
    pub log: Vec<(String, usize)>,
    /// Every value séance titles and contents took, in order: (séance, column, value).
    pub history: Vec<(i64, String, Value)>,
}

/// The school year holding `day` (1 September to 31 August).
fn year_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let y = if day.month() >= 9 {
        day.year()
    } else {
        day.year() - 1
    };
    (
        NaiveDate::from_ymd_opt(y, 9, 1).expect("1 Sept"),
        NaiveDate::from_ymd_opt(y + 1, 8, 31).expect("31 Aug"),
    )
}

fn now_local() -> NaiveDateTime {
    chrono::Utc::now().naive_utc() + Days::hours(1)
}

/// The timestamp of a row as the ENT renders it: JVM wall-clock time, no offset.
fn stamp() -> String {
    now_local().format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

/// A date as the ENT renders a DATE column at top level.
fn long_date(d: &str) -> String {
    let summer = d
        .get(5..7)
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|m| (4..=10).contains(&m));
    format!(
        "{d} 00:00:00.000000{}",
        if summer { "+0200" } else { "+0100" }
    )
}

/// What the ENT's XSS filter does to a body's strings: scripts and event handlers out.
pub fn strip_xss(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let lower = s.to_lowercase();
    let mut i = 0;
    while i < s.len() {
        if lower[i..].starts_with("<script") {
            match lower[i..].find("</script>") {
                Some(end) => i += end + "</script>".len(),
                None => break,
            }
            continue;
        }
        if lower[i..].starts_with(" on") {
            let rest = &lower[i + 3..];
            let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
            if name_len > 0 && rest[name_len..].starts_with("=\"") {
                if let Some(close) = rest[name_len + 2..].find('"') {
                    i += 3 + name_len + 2 + close + 1;
                    continue;
                }
            }
        }
        let c = s[i..].chars().next().expect("char");
        out.push(c);
        i += c.len_utf8();
    }
    out.replace("javascript:", "")
}

fn strip_all(v: &mut Value) {
    match v {
        Value::String(s) => *s = strip_xss(s),
        Value::Array(a) => a.iter_mut().for_each(strip_all),
        Value::Object(o) => o.values_mut().for_each(strip_all),
        _ => {}
    }
}

impl Ent {
    /// The demo school: two teachers, a pupil, three audiences, two subjects, and the
    /// teacher Claire Martin's timetable for the whole school year holding `today`
    /// (`slots` lessons a week).
    pub fn school(today: NaiveDate, slots: usize) -> Ent {
        let account =
            |id: &str, login: &str, name: &str, profile: &str, classes: &[&str]| Account {
                id: id.into(),
                login: login.into(),
                name: name.into(),
                profile: profile.into(),
                classes: classes.iter().map(|c| c.to_string()).collect(),
            };
        let accounts = [
            account(
                "u-claire",
                "claire.martin",
                "MARTIN Claire",
                "Teacher",
                &["c-2nde3", "c-1ere2"],
            ),
            account(
                "u-paul",
                "paul.durand",
                "DURAND Paul",
                "Teacher",
                &["c-2nde3"],
            ),
            account("u-lea", "lea.petit", "PETIT Léa", "Student", &["c-2nde3"]),
        ]
        .into_iter()
        .map(|a| (a.login.clone(), a))
        .collect();
        let classes = vec![
            json!({"id": "c-2nde3", "name": "2NDE 3", "externalId": "0750000A$2NDE 3", "type_groupe": 0, "color": null}),
            json!({"id": "c-1ere2", "name": "1ERE 2", "externalId": "0750000A$1ERE 2", "type_groupe": 0, "color": null}),
            json!({"id": "g-2nde3-g1", "name": "2NDE 3 G1", "externalId": "0750000A$2NDE 3 G1", "type_groupe": 1, "color": null}),
        ];
        let subjects = vec![
            json!({"id": "sub-fr", "externalId": "0750000A$L0201", "name": "FRANCAIS", "rank": 1}),
            json!({"id": "sub-hg", "externalId": "0750000A$H0401", "name": "HISTOIRE-GEOGRAPHIE", "rank": 2}),
        ];
        // Monday..Friday, hours 8..17: `slots` lessons a week, spread over the week.
        let pattern: [(u32, u32, &str, &str, &str); 6] = [
            (1, 8, "sub-fr", "2NDE 3", "B204"),
            (2, 10, "sub-fr", "1ERE 2", "B105"),
            (3, 9, "sub-hg", "2NDE 3", "A012"),
            (4, 14, "sub-fr", "2NDE 3 G1", "B204"),
            (5, 11, "sub-hg", "1ERE 2", "A012"),
            (1, 15, "sub-hg", "2NDE 3", "CDI"),
        ];
        let (start, end) = year_of(today);
        let mut courses = Vec::new();
        let mut day = start;
        let mut n = 0u64;
        while day <= end {
            for (i, (wd, hour, subject, audience, room)) in
                pattern.iter().cycle().take(slots).enumerate()
            {
                if day.weekday().number_from_monday() != *wd {
                    continue;
                }
                let hour = hour + (i / pattern.len()) as u32;
                n += 1;
                let is_group = audience.contains(" G");
                let external = format!("0750000A${audience}");
                courses.push(json!({
                    "_id": format!("{:024x}", 0x66e1_0000_0000_u64 + n),
                    "structureId": STRUCTURE,
                    "subjectId": subject,
                    "timetableSubjectId": subject,
                    "teacherIds": ["u-claire"],
                    "tagIds": [],
                    "classes": if is_group { json!([]) } else { json!([audience]) },
                    "classesExternalIds": if is_group { json!([]) } else { json!([external]) },
                    "groups": if is_group { json!([audience]) } else { json!([]) },
                    "groupsExternalIds": if is_group { json!([external]) } else { json!([]) },
                    "roomLabels": [room],
                    "dayOfWeek": wd,
                    "startDate": format!("{day} {hour:02}:00:00"),
                    "endDate": format!("{day} {:02}:00:00", hour + 1),
                    "manual": false,
                    "theoretical": false,
                    "is_periodic": false,
                    "subject": {},
                }));
            }
            day += Days::days(1);
        }
        Ent {
            accounts,
            classes,
            subjects,
            courses,
            sessions: BTreeMap::new(),
            homeworks: BTreeMap::new(),
            next_id: 4200,
            tokens: HashMap::new(),
            refresh: HashMap::new(),
            failures: HashMap::new(),
            token_ttl: Duration::from_secs(3600),
            grants: Vec::new(),
            browser_session: None,
            codes: HashMap::new(),
            tamper: None,
            refuse_writes: None,
            lose_answers: 0,
            race: None,
            races: 0,
            requests: 0,
            bytes: 0,
            log: Vec::new(),
            history: Vec::new(),
        }
    }

    /// No more faults: answers are delivered, no edit is slipped in.
    pub fn calm(&mut self) {
        self.lose_answers = 0;
        self.race = None;
    }

    /// Every access token expires now (refresh tokens stay valid).
    pub fn expire_tokens(&mut self) {
        self.tokens.clear();
    }

    /// The next `PUT` of the diary first lets `edit` change the row, as a browser saving
    /// between the client's re-read and its write.
    pub fn race_next_put(&mut self, edit: impl FnMut(&mut Value) + Send + 'static) {
        self.race = Some(Box::new(edit));
    }

    /// A teacher saves a séance in the browser: `edit` changes the row, `modified` moves.
    pub fn browser_edit_session(&mut self, id: i64, edit: impl FnOnce(&mut Value)) {
        if let Some(row) = self.sessions.get_mut(&id) {
            edit(row);
            row["modified"] = json!(stamp());
        }
        self.remember(id);
    }

    fn remember(&mut self, id: i64) {
        if let Some(row) = self.sessions.get(&id) {
            for k in ["title", "description"] {
                let v = row[k].clone();
                self.history.push((id, k.to_string(), v));
            }
        }
    }

    /// A teacher creates a séance in the browser; returns its id.
    pub fn browser_create_session(&mut self, teacher: &str, mut row: Value) -> i64 {
        let id = self.new_id();
        row["id"] = json!(id);
        row["teacher_id"] = json!(teacher);
        row["owner_id"] = json!(teacher);
        row["created"] = json!(stamp());
        row["modified"] = json!(stamp());
        self.sessions.insert(id, row);
        self.remember(id);
        id
    }

    fn new_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    fn user_of(&self, headers: &HeaderMap, query: &HashMap<String, String>) -> Option<Account> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("OAuth "))
            })
            .map(str::to_string)
            .or_else(|| query.get("access_token").cloned())?;
        let (id, until) = self.tokens.get(&token)?;
        if Instant::now() > *until {
            return None;
        }
        self.accounts.values().find(|a| &a.id == id).cloned()
    }

    fn issue(&mut self, user: &str) -> Value {
        let access = format!("at-{:032x}", rand_u128());
        let refresh = format!("rt-{:032x}", rand_u128());
        self.tokens.insert(
            access.clone(),
            (user.to_string(), Instant::now() + self.token_ttl),
        );
        self.refresh.insert(refresh.clone(), user.to_string());
        json!({"token_type": "Bearer", "access_token": access, "refresh_token": refresh,
               "expires_in": self.token_ttl.as_secs(), "scope": "userinfo diary viescolaire workspace"})
    }

    /// A séance row as a list renders it: the long date, nested homework of the window.
    fn render_session(&self, row: &Value, window: Option<(&str, &str)>) -> Value {
        let mut out = row.clone();
        out["date"] = json!(long_date(row["date"].as_str().unwrap_or_default()));
        let id = row["id"].as_i64();
        let nested: Vec<Value> = self
            .homeworks
            .values()
            .filter(|h| h["session_id"].as_i64() == id)
            .filter(|h| {
                let due = h["due_date"].as_str().unwrap_or_default();
                window.is_none_or(|(from, to)| due >= from && due <= to)
            })
            .map(|h| {
                let mut h = h.clone();
                h["created"] = json!(format!("{}123", h["created"].as_str().unwrap_or_default()));
                h
            })
            .collect();
        out["homeworks"] = json!(nested);
        out["subject"] = self.subject_obj(row["subject_id"].as_str());
        out["teacher"] = json!({"id": row["teacher_id"], "displayName": ""});
        out["audience"] = json!({"id": row["audience_id"]});
        out
    }

    fn render_homework(&self, row: &Value) -> Value {
        let mut out = row.clone();
        out["due_date"] = json!(long_date(row["due_date"].as_str().unwrap_or_default()));
        let type_id = row["type_id"].as_i64().unwrap_or(0);
        let label = HOMEWORK_TYPES
            .iter()
            .find(|(id, _)| *id == type_id)
            .map(|(_, l)| *l);
        out["type"] =
            json!({"id": type_id, "structure_id": STRUCTURE, "label": label, "rank": type_id});
        out["subject"] = self.subject_obj(row["subject_id"].as_str());
        out
    }

    fn subject_obj(&self, id: Option<&str>) -> Value {
        self.subjects
            .iter()
            .find(|s| s["id"].as_str() == id)
            .cloned()
            .unwrap_or_else(|| json!({}))
    }
}

const HOMEWORK_TYPES: [(i64, &str); 3] = [(1, "Exercice(s)"), (2, "Devoir maison"), (3, "Autre")];

fn rand_u128() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    let a = h.finish() as u128;
    let mut h2 = std::collections::hash_map::RandomState::new().build_hasher();
    h2.write_u64(a as u64);
    (a << 64) | h2.finish() as u128
}

type Shared = Arc<Mutex<Ent>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, Ent> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

fn json_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({"error": error}))).into_response()
}

fn unauthorized_html() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><body><h1>401</h1><p>Accès non autorisé</p></body></html>",
    )
        .into_response()
}

fn to_login(headers: &HeaderMap, uri: &str) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let callback = encode(uri);
    (
        StatusCode::FOUND,
        [(
            header::LOCATION,
            format!("http://{host}/auth/login?callback={callback}"),
        )],
    )
        .into_response()
}

/// Counts requests and bytes; answers a lost write with 504 after it ran.
async fn account(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let write = req.method() != axum::http::Method::GET && req.uri().path().starts_with("/diary");
    let full_path = req.uri().path().to_string();
    let method = req.method().to_string();
    let path: String = req
        .uri()
        .path()
        .split('/')
        .map(|p| {
            if p.chars().any(|c| c.is_ascii_digit()) {
                "…"
            } else {
                p
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    if write {
        if let Some(why) = lock(&s).refuse_writes.clone() {
            return json_error(StatusCode::BAD_REQUEST, &why);
        }
    }
    let resp = next.run(req).await;
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut ent = lock(&s);
    ent.requests += 1;
    ent.bytes += bytes.len();
    ent.log.push((
        if method == "GET" {
            path
        } else {
            format!("{method} {path}")
        },
        bytes.len(),
    ));
    if write && parts.status.is_success() && ent.lose_answers > 0 {
        ent.lose_answers -= 1;
        return (StatusCode::GATEWAY_TIMEOUT, "upstream timed out").into_response();
    }
    if let Some((prefix, tamper)) = &mut ent.tamper {
        if full_path.starts_with(prefix.as_str()) {
            let answer = tamper(parts.status.as_u16(), &bytes);
            let mut resp = Response::new(Body::from(answer.body));
            *resp.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
            for (name, value) in answer.headers {
                if let Ok(v) = header::HeaderValue::from_str(&value) {
                    resp.headers_mut().insert(name, v);
                }
            }
            return resp;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

async fn token(State(s): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let form: HashMap<String, String> = body
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    if basic.as_deref() != Some(&format!("{CLIENT_ID}:{CLIENT_SECRET}")) {
        return json_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let mut ent = lock(&s);
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    ent.grants.push(grant);
    match form.get("grant_type").map(String::as_str) {
        Some("password") => {
            let login = form.get("username").cloned().unwrap_or_default();
            let entry = ent.failures.entry(login.clone()).or_insert((0, None));
            if entry.1.is_some_and(|until| Instant::now() < until) {
                return (
                    StatusCode::UNAUTHORIZED,
                    Json(json!({"error": "access_denied", "error_description": "auth.error.ban"})),
                )
                    .into_response();
            }
            let ok = ent.accounts.contains_key(&login)
                && form.get("password").map(String::as_str) == Some(PASSWORD);
            if !ok {
                let entry = ent.failures.entry(login).or_insert((0, None));
                entry.0 += 1;
                if entry.0 >= 5 {
                    entry.1 = Some(Instant::now() + Duration::from_secs(900));
                }
                return (StatusCode::UNAUTHORIZED, Json(json!({"error": "access_denied", "error_description": "auth.error.authenticationFailed"}))).into_response();
            }
            ent.failures.remove(&login);
            let id = ent.accounts[&login].id.clone();
            Json(ent.issue(&id)).into_response()
        }
        Some("refresh_token") => {
            let Some(user) = form
                .get("refresh_token")
                .and_then(|r| ent.refresh.get(r))
                .cloned()
            else {
                return json_error(StatusCode::UNAUTHORIZED, "invalid_grant");
            };
            let mut answer = ent.issue(&user);
            // The refresh token is reused, not rotated.
            answer["refresh_token"] = json!(form["refresh_token"]);
            Json(answer).into_response()
        }
        Some("authorization_code") => {
            let code = form.get("code").cloned().unwrap_or_default();
            let Some((user, redirect, at)) = ent.codes.remove(&code) else {
                return json_error(StatusCode::UNAUTHORIZED, "invalid_grant");
            };
            // Codes live ten minutes; the redirect must be the one asked with.
            if at.elapsed() > Duration::from_secs(600)
                || form.get("redirect_uri") != Some(&redirect)
            {
                return json_error(StatusCode::UNAUTHORIZED, "invalid_grant");
            }
            Json(ent.issue(&user)).into_response()
        }
        _ => json_error(StatusCode::BAD_REQUEST, "unsupported_grant_type"),
    }
}

/// `GET /auth/oauth2/auth`: no consent page; a browser signed in gets its code at once.
async fn authorize(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("response_type").map(String::as_str) != Some("code")
        || q.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || q.get("scope").is_none_or(|s| s.is_empty())
    {
        return json_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    let Some(redirect) = q.get("redirect_uri").cloned() else {
        return json_error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    // Only a host the ENT knows: here, loopback (registered as the application's address).
    if !redirect.starts_with("http://127.0.0.1:") {
        return (StatusCode::FOUND, [(header::LOCATION, "/".to_string())]).into_response();
    }
    let mut ent = lock(&s);
    let Some(login) = ent.browser_session.clone() else {
        return to_login(&headers, "/auth/oauth2/auth");
    };
    let Some(user) = ent.accounts.get(&login).map(|a| a.id.clone()) else {
        return to_login(&headers, "/auth/oauth2/auth");
    };
    let code = format!("code-{:032x}", rand_u128());
    ent.codes
        .insert(code.clone(), (user, redirect.clone(), Instant::now()));
    let state = q.get("state").cloned().unwrap_or_default();
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let to = format!("{redirect}{sep}code={code}&state={}", encode(&state));
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or(""), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

macro_rules! authed {
    ($s:expr, $headers:expr, $query:expr, $uri:expr) => {{
        let ent = lock(&$s);
        match ent.user_of(&$headers, &$query) {
            Some(u) => (ent, u),
            None => return to_login(&$headers, $uri),
        }
    }};
}

async fn userinfo(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (_ent, me) = authed!(s, headers, q, "/auth/oauth2/userinfo");
    let profile_type = if me.profile == "Teacher" {
        "ENSEIGNANT"
    } else {
        "ELEVE"
    };
    let rights: Vec<Value> = ["access.own.data", "session.read", "session.manage", "session.publish",
        "homework.read", "homework.manage", "homework.publish", "viesco.setting.homework.and.session.type.read"]
        .iter()
        .map(|r| json!({"name": format!("fr.openent.diary|{r}"), "displayName": r, "type": "SECURED_ACTION_WORKFLOW"}))
        .collect();
    Json(json!({
        "userId": me.id, "login": me.login, "username": me.name, "type": profile_type,
        "profiles": [me.profile], "structures": [STRUCTURE], "structureNames": ["LYCEE ARDOISE"],
        "uai": ["0750000A"], "classes": me.classes.iter().filter(|c| c.starts_with("c-")).collect::<Vec<_>>(),
        "realClassesNames": [], "groupsIds": me.classes.iter().filter(|c| c.starts_with("g-")).collect::<Vec<_>>(),
        "authorizedActions": rights, "apps": [], "federated": null, "hasPw": true,
    }))
    .into_response()
}

async fn openid() -> Response {
    Json(
        json!({"issuer": "fake", "grant_types_supported": ["authorization_code"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"]}),
    )
    .into_response()
}

async fn classes(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (ent, _me) = authed!(s, headers, q, "/viescolaire/classes");
    if q.get("idEtablissement").map(String::as_str) != Some(STRUCTURE) {
        return unauthorized_html();
    }
    Json(json!(ent.classes)).into_response()
}

async fn subjects(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    Path(sid): Path<String>,
) -> Response {
    let (ent, _me) = authed!(s, headers, q, "/diary/timetableSubjects");
    if sid != STRUCTURE {
        return unauthorized_html();
    }
    Json(json!(ent.subjects)).into_response()
}

async fn session_types(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (_ent, _me) = authed!(s, headers, q, "/diary/session-types");
    match q.get("idStructure") {
        Some(sid) => Json(json!([
            {"id": 1, "structure_id": sid, "label": "Cours", "rank": 1},
            {"id": 2, "structure_id": sid, "label": "Autre", "rank": 2}
        ]))
        .into_response(),
        None => StatusCode::BAD_REQUEST.into_response(),
    }
}

async fn homework_types(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    Path(sid): Path<String>,
) -> Response {
    let (_ent, _me) = authed!(s, headers, q, "/diary/homework-types");
    let types: Vec<Value> = HOMEWORK_TYPES
        .iter()
        .map(|(id, label)| json!({"id": id, "structure_id": sid, "label": label, "rank": id}))
        .collect();
    Json(json!(types)).into_response()
}

fn valid_day(d: &str) -> bool {
    NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()
}

async fn courses(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    Path((sid, begin, end)): Path<(String, String, String)>,
) -> Response {
    // `group` is repeatable: a class or group name each.
    let groups: Vec<String> = raw
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| *k == "group")
        .map(|(_, v)| decode(v))
        .collect();
    let (ent, _me) = authed!(s, headers, q, "/viescolaire/common/courses");
    if sid != STRUCTURE {
        return unauthorized_html();
    }
    if !valid_day(&begin) || !valid_day(&end) {
        return json_error(StatusCode::BAD_REQUEST, "timetable.invalid.dates");
    }
    let (from, to) = (format!("{begin} 00:00:00"), format!("{end} 23:59:59"));
    let teacher = q.get("teacherId");
    let items: Vec<&Value> = ent
        .courses
        .iter()
        .filter(|c| c.get("deleted").is_none())
        .filter(|c| c["startDate"].as_str().is_some_and(|d| d >= from.as_str()))
        .filter(|c| c["endDate"].as_str().is_some_and(|d| d <= to.as_str()))
        .filter(|c| {
            teacher.is_none_or(|t| {
                c["teacherIds"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == t.as_str()))
            })
        })
        .filter(|c| {
            groups.is_empty()
                || ["classes", "groups"].iter().any(|k| {
                    c[*k]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| groups.iter().any(|g| x == g.as_str())))
                })
        })
        .collect();
    Json(json!(items)).into_response()
}

async fn sessions_own(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    Path((begin, end, sid)): Path<(String, String, String)>,
) -> Response {
    let (ent, me) = authed!(s, headers, q, "/diary/sessions/own");
    if sid != STRUCTURE {
        return unauthorized_html();
    }
    if !valid_day(&begin) || !valid_day(&end) {
        return json_error(StatusCode::BAD_REQUEST, "invalid dates");
    }
    let mut rows: Vec<&Value> = ent
        .sessions
        .values()
        .filter(|r| {
            r["date"]
                .as_str()
                .is_some_and(|d| d >= begin.as_str() && d <= end.as_str())
        })
        .filter(|r| {
            if me.profile == "Teacher" {
                r["teacher_id"] == me.id.as_str() && r["owner_id"] == me.id.as_str()
            } else {
                r["is_published"] == true
                    && me.classes.iter().any(|c| r["audience_id"] == c.as_str())
            }
        })
        .collect();
    rows.sort_by_key(|r| r["date"].as_str().unwrap_or_default().to_string());
    let out: Vec<Value> = rows
        .iter()
        .map(|r| ent.render_session(r, Some((&begin, &end))))
        .collect();
    Json(json!(out)).into_response()
}

async fn homeworks_own(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    Path((begin, end, sid)): Path<(String, String, String)>,
) -> Response {
    let (ent, me) = authed!(s, headers, q, "/diary/homeworks/own");
    if sid != STRUCTURE {
        return unauthorized_html();
    }
    if !valid_day(&begin) || !valid_day(&end) {
        return json_error(StatusCode::BAD_REQUEST, "invalid dates");
    }
    let rows: Vec<Value> = ent
        .homeworks
        .values()
        .filter(|r| {
            r["due_date"]
                .as_str()
                .is_some_and(|d| d >= begin.as_str() && d <= end.as_str())
        })
        .filter(|r| {
            if me.profile == "Teacher" {
                r["owner_id"] == me.id.as_str()
            } else {
                // A pupil: the published homework of her classes.
                r["is_published"] == true
                    && me.classes.iter().any(|c| r["audience_id"] == c.as_str())
            }
        })
        .map(|r| ent.render_homework(r))
        .collect();
    Json(json!(rows)).into_response()
}

/// Checks a séance body as the ENT's schema and columns would.
fn check_session(body: &Value, put: bool) -> Result<(), String> {
    for k in [
        "title",
        "subject_id",
        "structure_id",
        "audience_id",
        "date",
        "start_time",
        "end_time",
        "description",
        "color",
    ] {
        if !body[k].is_string() {
            return Err(format!("[{k}] is required"));
        }
    }
    if body.get("course_id").is_none() {
        return Err("[course_id] is required".into());
    }
    if body["title"]
        .as_str()
        .is_some_and(|t| t.chars().count() > 50)
    {
        return Err("value too long for type character varying(50)".into());
    }
    if body["room"]
        .as_str()
        .is_some_and(|t| t.chars().count() > 50)
    {
        return Err("value too long for type character varying(50)".into());
    }
    let c = body["color"].as_str().unwrap_or_default();
    if c.len() > 7 {
        return Err("value too long for type character varying(7)".into());
    }
    if !valid_day(body["date"].as_str().unwrap_or_default()) {
        return Err("invalid input syntax for type date".into());
    }
    if put && (body["is_published"].is_null() || body["is_empty"].is_null()) {
        return Err("null value in column violates not-null constraint".into());
    }
    Ok(())
}

async fn session_create(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let (mut ent, me) = authed!(s, headers, q, "/diary/session");
    if me.profile != "Teacher" {
        return unauthorized_html();
    }
    let Ok(mut body) = serde_json::from_str::<Value>(&body) else {
        return json_error(StatusCode::BAD_REQUEST, "invalid json");
    };
    if let Err(e) = check_session(&body, false) {
        return json_error(StatusCode::BAD_REQUEST, &e);
    }
    strip_all(&mut body);
    let id = ent.new_id();
    let row = json!({
        "id": id, "subject_id": body["subject_id"], "structure_id": body["structure_id"],
        "teacher_id": me.id, "owner_id": me.id, "audience_id": body["audience_id"],
        "title": body["title"], "room": body.get("room").cloned().unwrap_or(json!("")),
        "color": body["color"], "date": body["date"], "start_time": body["start_time"],
        "end_time": body["end_time"], "description": body["description"],
        "annotation": body.get("annotation").cloned().unwrap_or(json!("")),
        "is_published": body.get("is_published").and_then(Value::as_bool).unwrap_or(false),
        "course_id": body["course_id"], "type_id": body.get("type_id").cloned().unwrap_or(Value::Null),
        "is_empty": body.get("is_empty").and_then(Value::as_bool).unwrap_or(true),
        "created": stamp(), "modified": stamp(),
        "exceptional_label": body.get("exceptional_label").cloned().unwrap_or(Value::Null),
        "archive_school_year": null,
    });
    ent.sessions.insert(id, row);
    ent.remember(id);
    Json(json!({"id": id})).into_response()
}

async fn session_update(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    Path(id): Path<i64>,
    body: String,
) -> Response {
    let (mut ent, me) = authed!(s, headers, q, "/diary/session");
    // Ownership is checked before the body; an unknown id is refused the same way.
    if ent
        .sessions
        .get(&id)
        .is_none_or(|r| r["teacher_id"] != me.id.as_str())
    {
        return unauthorized_html();
    }
    let Ok(mut body) = serde_json::from_str::<Value>(&body) else {
        return json_error(StatusCode::BAD_REQUEST, "invalid json");
    };
    if let Err(e) = check_session(&body, true) {
        return json_error(StatusCode::BAD_REQUEST, &e);
    }
    strip_all(&mut body);
    if let Some(mut race) = ent.race.take() {
        if let Some(row) = ent.sessions.get_mut(&id) {
            race(row);
        }
        ent.remember(id);
        ent.races += 1;
    }
    let row = ent.sessions.get_mut(&id).expect("checked");
    // Every column is overwritten, absent ones included.
    for k in [
        "subject_id",
        "structure_id",
        "audience_id",
        "title",
        "room",
        "color",
        "date",
        "start_time",
        "end_time",
        "description",
        "annotation",
        "is_published",
        "course_id",
        "type_id",
        "is_empty",
        "exceptional_label",
    ] {
        row[k] = body.get(k).cloned().unwrap_or(Value::Null);
    }
    row["modified"] = json!(stamp());
    ent.remember(id);
    Json(json!({})).into_response()
}

async fn session_delete(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    Path(id): Path<i64>,
) -> Response {
    let (mut ent, me) = authed!(s, headers, q, "/diary/session");
    if ent
        .sessions
        .get(&id)
        .is_none_or(|r| r["teacher_id"] != me.id.as_str())
    {
        return unauthorized_html();
    }
    ent.sessions.remove(&id);
    ent.homeworks
        .retain(|_, h| h["session_id"].as_i64() != Some(id));
    Json(json!({})).into_response()
}

fn check_homework(body: &Value) -> Result<(), StatusCode> {
    for k in [
        "subject_id",
        "structure_id",
        "audience_id",
        "description",
        "color",
        "due_date",
    ] {
        if !body[k].is_string() {
            return Err(StatusCode::BAD_REQUEST);
        }
    }
    if body.get("session_id").is_none()
        || body["type_id"].is_null()
        || body.get("estimatedTime").is_none()
    {
        return Err(StatusCode::BAD_REQUEST);
    }
    if !valid_day(body["due_date"].as_str().unwrap_or_default()) {
        return Err(StatusCode::BAD_REQUEST);
    }
    if body.get("is_published").is_none() {
        return Err(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Ok(())
}

async fn homework_create(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let (mut ent, me) = authed!(s, headers, q, "/diary/homework");
    if me.profile != "Teacher" {
        return unauthorized_html();
    }
    let Ok(mut body) = serde_json::from_str::<Value>(&body) else {
        return json_error(StatusCode::BAD_REQUEST, "invalid json");
    };
    match check_homework(&body) {
        Err(StatusCode::INTERNAL_SERVER_ERROR) => {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(_) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                "null value in column violates not-null constraint",
            )
        }
        Ok(()) => {}
    }
    strip_all(&mut body);
    let id = ent.new_id();
    let row = json!({
        "id": id, "subject_id": body["subject_id"], "structure_id": body["structure_id"],
        "teacher_id": me.id, "owner_id": me.id, "audience_id": body["audience_id"],
        "due_date": body["due_date"], "session_id": body["session_id"], "description": body["description"],
        "color": body["color"], "is_published": body["is_published"], "type_id": body["type_id"],
        "estimatedtime": body["estimatedTime"], "created": stamp(), "modified": stamp(),
        "publish_date": null, "exceptional_label": body.get("exceptional_label").cloned().unwrap_or(Value::Null),
    });
    ent.homeworks.insert(id, row);
    Json(json!({"id": id})).into_response()
}

async fn homework_update(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    Path((id, changed)): Path<(i64, String)>,
    body: String,
) -> Response {
    let (mut ent, me) = authed!(s, headers, q, "/diary/homework");
    if ent
        .homeworks
        .get(&id)
        .is_none_or(|r| r["teacher_id"] != me.id.as_str())
    {
        return unauthorized_html();
    }
    let Ok(mut body) = serde_json::from_str::<Value>(&body) else {
        return json_error(StatusCode::BAD_REQUEST, "invalid json");
    };
    if check_homework(&body).is_err() {
        return json_error(
            StatusCode::BAD_REQUEST,
            "null value in column violates not-null constraint",
        );
    }
    strip_all(&mut body);
    if let Some(mut race) = ent.race.take() {
        if let Some(row) = ent.homeworks.get_mut(&id) {
            race(row);
        }
        ent.races += 1;
    }
    let row = ent.homeworks.get_mut(&id).expect("checked");
    for k in [
        "subject_id",
        "exceptional_label",
        "structure_id",
        "audience_id",
        "color",
        "description",
        "type_id",
    ] {
        row[k] = body.get(k).cloned().unwrap_or(Value::Null);
    }
    row["estimatedtime"] = body["estimatedTime"].clone();
    for k in ["session_id", "is_published", "due_date"] {
        if let Some(v) = body.get(k) {
            row[k] = v.clone();
        }
    }
    if body.get("detachFromSession") == Some(&json!(true)) {
        row["session_id"] = Value::Null;
    }
    if changed == "true" && body["is_published"] == true {
        row["publish_date"] = json!(now_local().format("%Y-%m-%d").to_string());
    }
    row["modified"] = json!(stamp());
    Json(json!({})).into_response()
}

async fn homework_delete(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    Path(id): Path<i64>,
) -> Response {
    let (mut ent, me) = authed!(s, headers, q, "/diary/homework");
    if ent
        .homeworks
        .get(&id)
        .is_none_or(|r| r["teacher_id"] != me.id.as_str())
    {
        return unauthorized_html();
    }
    let row = ent.homeworks.remove(&id).expect("checked");
    if let Some(sid) = row["session_id"].as_i64() {
        if ent
            .sessions
            .get(&sid)
            .is_some_and(|s| s["is_empty"] == true)
        {
            ent.sessions.remove(&sid);
        }
    }
    Json(json!({})).into_response()
}

async fn login_page() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><body><form>Connexion</form></body></html>",
    )
        .into_response()
}

fn router(shared: Shared) -> Router {
    Router::new()
        .route("/auth/oauth2/token", post(token))
        .route("/auth/oauth2/userinfo", get(userinfo))
        .route("/auth/oauth2/auth", get(authorize))
        .route("/auth/openid/.well-known/openid-configuration", get(openid))
        .route("/auth/login", get(login_page))
        .route("/viescolaire/classes", get(classes))
        .route(
            "/viescolaire/common/courses/{sid}/{begin}/{end}",
            get(courses),
        )
        .route("/diary/timetableSubjects/{sid}", get(subjects))
        .route("/diary/session-types", get(session_types))
        .route("/diary/homework-types/{sid}", get(homework_types))
        .route("/diary/sessions/own/{begin}/{end}/{sid}", get(sessions_own))
        .route(
            "/diary/homeworks/own/{begin}/{end}/{sid}",
            get(homeworks_own),
        )
        .route("/diary/session", post(session_create))
        .route(
            "/diary/session/{id}",
            put(session_update).delete(session_delete),
        )
        .route("/diary/homework", post(homework_create))
        .route(
            "/diary/homework/{id}",
            axum::routing::delete(homework_delete),
        )
        .route("/diary/homework/{id}/{changed}", put(homework_update))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            account,
        ))
        .with_state(shared)
}

/// The fake, serving on loopback from its own runtime.
pub struct FakeEnt {
    shared: Shared,
    port: u16,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FakeEnt {
    /// Starts the demo school (six lessons a week) on a free port.
    pub fn start() -> FakeEnt {
        let today = chrono::Utc::now().date_naive();
        FakeEnt::start_with(Ent::school(today, 6))
    }

    /// Starts the fake with the given data on a free port.
    pub fn start_with(ent: Ent) -> FakeEnt {
        let mut fake = FakeEnt {
            shared: Arc::new(Mutex::new(ent)),
            port: 0,
            runtime: None,
        };
        fake.restart();
        fake
    }

    /// Its address, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Reads or changes the fake's data and switches.
    pub fn with<R>(&self, f: impl FnOnce(&mut Ent) -> R) -> R {
        f(&mut lock(&self.shared))
    }

    /// Stops serving: connections are refused, the data is kept.
    pub fn stop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }

    /// Serves again, on the same port.
    pub fn restart(&mut self) {
        self.stop();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let port = self.port;
        let listener = rt.block_on(async {
            for _ in 0..50 {
                match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(l) => return l,
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
            panic!("port {port} stays taken");
        });
        self.port = listener.local_addr().expect("addr").port();
        let app = router(self.shared.clone());
        rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        self.runtime = Some(rt);
    }
}

impl Drop for FakeEnt {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_stripped() {
        assert_eq!(strip_xss("<p>a<script>alert(1)</script>b</p>"), "<p>ab</p>");
        assert_eq!(strip_xss("<img src=x onerror=\"alert(1)\">"), "<img src=x>");
        assert_eq!(strip_xss("<p>Séance é</p>"), "<p>Séance é</p>");
    }

    #[test]
    fn form_values_are_decoded() {
        assert_eq!(decode("a%20b+c%C3%A9"), "a b cé");
    }
}
