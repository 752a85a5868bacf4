//! The HTTP face of the reference ENT (axum). Every route but `/v1/health` requires the
//! protocol header; every route but health and the auth ones requires a bearer token.
//! docs/protocol.md lists the endpoints and their errors.

use std::sync::Arc;

use ardoise_protocol::{
    ApiError, Health, LoginRequest, PushRequest, PushResponse, RefreshRequest, MAX_OPS_PER_PUSH,
    MIN_PROTOCOL_VERSION, PROTOCOL_HEADER, PROTOCOL_VERSION,
};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::acl::Principal;
use crate::auth::{self, AuthError};
use crate::rules;
use crate::store::{SqliteStore, Store, StoreError};

/// Largest request body (a push of [`MAX_OPS_PER_PUSH`] ops fits well within).
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<SqliteStore>,
}

/// An error response: a status and a typed body.
#[derive(Debug)]
pub struct HttpError(pub StatusCode, pub ApiError);

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<StoreError> for HttpError {
    fn from(e: StoreError) -> HttpError {
        tracing::error!(error = %e, "store failure");
        HttpError(
            StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::new(
                "server.storage",
                "Erreur de stockage du serveur : réessayez plus tard.",
            ),
        )
    }
}

impl From<AuthError> for HttpError {
    fn from(e: AuthError) -> HttpError {
        let status = match e {
            AuthError::InvalidCredentials | AuthError::InvalidToken => StatusCode::UNAUTHORIZED,
            AuthError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AuthError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        HttpError(status, e.api())
    }
}

type HttpResult<T> = Result<Json<T>, HttpError>;

fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Runs blocking store work off the async runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, HttpError> + Send + 'static,
) -> Result<T, HttpError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        HttpError(
            StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::new("server.internal", format!("tâche interrompue : {e}")),
        )
    })?
}

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/refresh", post(refresh))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/me", get(me))
        .route("/v1/changes", get(changes))
        .route("/v1/snapshot", get(snapshot))
        .route("/v1/push", post(push))
        .layer(middleware::from_fn(require_protocol));
    Router::new()
        .route("/v1/health", get(health))
        .merge(api)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(state)
}

async fn require_protocol(req: Request, next: Next) -> Response {
    let version = req
        .headers()
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok());
    match version {
        Some(v) if (MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&v) => next.run(req).await,
        Some(v) => HttpError(
            StatusCode::UPGRADE_REQUIRED,
            ApiError::new(
                "protocol.unsupported",
                format!(
                    "Version de protocole {v} non prise en charge (serveur : {MIN_PROTOCOL_VERSION} à {PROTOCOL_VERSION}) : mettez Ardoise à jour."
                ),
            ),
        )
        .into_response(),
        None => HttpError(
            StatusCode::BAD_REQUEST,
            ApiError::new(
                "protocol.missing_version",
                format!("En-tête {PROTOCOL_HEADER} manquant ou illisible."),
            ),
        )
        .into_response(),
    }
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        protocol: PROTOCOL_VERSION,
        min_protocol: MIN_PROTOCOL_VERSION,
    })
}

fn bearer(headers: &HeaderMap) -> Result<String, HttpError> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .ok_or_else(|| HttpError::from(AuthError::InvalidToken))
}

async fn principal(state: &AppState, headers: &HeaderMap) -> Result<Principal, HttpError> {
    let token = bearer(headers)?;
    let store = state.store.clone();
    blocking(move || Ok(auth::authenticate(&*store, &token, now_unix())?)).await
}

async fn login(
    State(state): State<AppState>,
    Json(req): Json<LoginRequest>,
) -> HttpResult<ardoise_protocol::TokenResponse> {
    let store = state.store.clone();
    let result =
        blocking(move || Ok(auth::login(&*store, &req.login, &req.password, now_unix()))).await?;
    match result {
        Ok(t) => Ok(Json(t)),
        Err(e @ AuthError::InvalidCredentials) => {
            // A failed attempt costs the guesser a little time on top of the backoff.
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            Err(e.into())
        }
        Err(e) => Err(e.into()),
    }
}

async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> HttpResult<ardoise_protocol::TokenResponse> {
    let store = state.store.clone();
    blocking(move || Ok(auth::refresh(&*store, &req.refresh_token, now_unix())?))
        .await
        .map(Json)
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, HttpError> {
    let token = bearer(&headers)?;
    let store = state.store.clone();
    blocking(move || Ok(auth::logout(&*store, &token)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> HttpResult<ardoise_protocol::UserInfo> {
    let p = principal(&state, &headers).await?;
    Ok(Json(ardoise_protocol::UserInfo {
        id: p.id,
        login: p.login,
        display_name: p.display_name,
        roles: p.roles,
    }))
}

#[derive(Deserialize)]
struct ChangesQuery {
    since: i64,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    1000
}

async fn changes(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ChangesQuery>,
) -> HttpResult<ardoise_protocol::PullResponse> {
    let p = principal(&state, &headers).await?;
    let store = state.store.clone();
    blocking(move || Ok(rules::pull(&*store, &p, q.since.max(0), q.limit)?))
        .await
        .map(Json)
}

async fn snapshot(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> HttpResult<ardoise_protocol::SnapshotResponse> {
    let p = principal(&state, &headers).await?;
    let store = state.store.clone();
    blocking(move || Ok(rules::snapshot(&*store, &p)?))
        .await
        .map(Json)
}

async fn push(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<PushRequest>,
) -> HttpResult<PushResponse> {
    let p = principal(&state, &headers).await?;
    if req.ops.len() > MAX_OPS_PER_PUSH {
        return Err(HttpError(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::new(
                "protocol.too_many_ops",
                format!("Au plus {MAX_OPS_PER_PUSH} opérations par envoi."),
            ),
        ));
    }
    let store = state.store.clone();
    blocking(move || {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let results = req
            .ops
            .iter()
            .map(|op| rules::apply_op(&*store as &dyn Store, &p, op, &now))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PushResponse { results })
    })
    .await
    .map(Json)
}
