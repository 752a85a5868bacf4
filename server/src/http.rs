//! The HTTP face of the reference ENT (axum). Every route but `/v1/health` requires the
//! protocol header; every route but health and the auth ones requires a bearer token.
//! docs/protocol.md lists the endpoints and their errors.

use std::sync::Arc;

use ardoise_protocol::documents::{
    is_blob_hash, BlobsMissing, BlobsQuery, UploadRequest, UploadStatus, MAX_CHUNK_BYTES,
    MAX_HASHES_PER_QUERY, OFFSET_HEADER,
};
use ardoise_protocol::ErrorCode;
use ardoise_protocol::{
    ApiError, Health, LoginRequest, PushRequest, PushResponse, RefreshRequest, SnapshotEnd,
    MAX_OPS_PER_PUSH, MIN_PROTOCOL_VERSION, PROTOCOL_HEADER, PROTOCOL_VERSION,
    SNAPSHOT_STREAM_TYPE,
};
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use tower_http::compression::predicate::SizeAbove;
use tower_http::compression::{CompressionLayer, CompressionLevel};

use crate::acl::Principal;
use crate::auth::{self, AuthError};
use crate::blobs::BlobStore;
use crate::rules;
use crate::store::{Store, StoreError};
use crate::Limits;

/// Largest request body (a push of [`MAX_OPS_PER_PUSH`] ops fits well within).
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;
/// Largest body of a login, refresh or logout.
pub const MAX_AUTH_REQUEST_BYTES: usize = 8 * 1024;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Document contents.
    pub blobs: Arc<BlobStore>,
    /// Password checks admitted (at most [`Limits::password_checks`]).
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// The threads that run them.
    pub checkers: Arc<PasswordThreads>,
    /// Password checks each address may have.
    pub budget: Arc<auth::AddressBudget>,
    /// Password checks each known device may have.
    pub device_budget: Arc<auth::AddressBudget>,
    /// The limits.
    pub limits: Arc<Limits>,
}

/// An error response: a status and a typed body.
#[derive(Debug)]
pub struct HttpError(pub StatusCode, pub ApiError);

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl HttpError {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> HttpError {
        HttpError(status, ApiError::new(code, message))
    }
}

/// A JSON body whose every rejection (not JSON, wrong shape, too large, wrong content
/// type) is a typed `{code, message}` error like any other, never the framework's text.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> HttpError {
    use JsonRejection as R;
    match rejection {
        R::MissingJsonContentType(_) => HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::ProtocolContentType,
            "Le corps de la requête doit être du JSON (Content-Type: application/json).",
        ),
        R::JsonDataError(_) => HttpError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ProtocolInvalidBody,
            "Le corps de la requête n'a pas la forme attendue.",
        ),
        R::JsonSyntaxError(_) => HttpError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::ProtocolInvalidJson,
            "Le corps de la requête n'est pas du JSON valide.",
        ),
        R::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => HttpError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::ProtocolInvalidBody,
            "Corps de la requête illisible.",
        ),
    }
}

fn too_large() -> HttpError {
    HttpError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::ProtocolTooLarge,
        "Requête trop volumineuse.",
    )
}

fn query_rejection(_: QueryRejection) -> HttpError {
    HttpError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::ProtocolInvalidQuery,
        "Paramètres de la requête invalides.",
    )
}

fn path_rejection(_: PathRejection) -> HttpError {
    HttpError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::ProtocolInvalidPath,
        "Chemin de la requête invalide.",
    )
}

impl From<StoreError> for HttpError {
    fn from(e: StoreError) -> HttpError {
        tracing::error!(error = %e, "store failure");
        let status = match e {
            // Clients come back after a 503, as after any 5xx, with their backoff.
            StoreError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        HttpError(
            status,
            ApiError::new(
                ErrorCode::ServerStorage,
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
            AuthError::Disabled | AuthError::ActivationRequired | AuthError::ActivationExpired => {
                StatusCode::FORBIDDEN
            }
            AuthError::TooLong(_) | AuthError::WeakPassword => StatusCode::BAD_REQUEST,
            AuthError::Store(ref e) => {
                tracing::error!(error = %e, "store failure");
                StatusCode::INTERNAL_SERVER_ERROR
            }
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
        tracing::error!(error = %e, "handler task failed");
        HttpError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::ServerInternal,
            "Erreur interne du serveur : réessayez plus tard.",
        )
    })?
}

/// Builds the router.
pub fn router(state: AppState) -> Router {
    let auth = Router::new()
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/refresh", post(refresh))
        .route("/v1/auth/logout", post(logout))
        .layer(DefaultBodyLimit::max(MAX_AUTH_REQUEST_BYTES));
    let authed = Router::new()
        .route("/v1/me", get(me))
        .route("/v1/calendar-feed", post(calendar_feed_renew))
        .route("/v1/changes", get(changes).layer(compressed()))
        .route("/v1/snapshot", get(snapshot).layer(compressed()))
        .route("/v1/push", post(push))
        .route("/v1/blobs/missing", post(blobs_missing))
        .route("/v1/blobs/{hash}", get(blob_get))
        .route("/v1/uploads", post(upload_open))
        .route("/v1/uploads/{hash}", get(upload_get).patch(upload_chunk))
        .route(
            "/v1/support/{id}",
            post(support_report).layer(DefaultBodyLimit::max(
                ardoise_protocol::support::MAX_BUNDLE_BYTES,
            )),
        )
        .route("/v1/indicators", get(indicators))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    let api = Router::new()
        .merge(auth)
        .merge(authed)
        .layer(middleware::from_fn(require_protocol));
    Router::new()
        .route("/v1/health", get(health))
        // Polled by calendar applications: no protocol header, no token, the secret in
        // the address.
        .route("/ical/{file}", get(calendar_feed))
        .merge(api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(middleware::from_fn(min_rate))
        .layer(middleware::from_fn(hygiene))
        .with_state(state)
}

async fn not_found() -> HttpError {
    HttpError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::ProtocolNotFound,
        "Adresse inconnue.",
    )
}

async fn method_not_allowed() -> HttpError {
    HttpError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::ProtocolMethodNotAllowed,
        "Méthode non prise en charge à cette adresse.",
    )
}

/// A request body is measured in windows of this length, from its first read.
pub const BODY_WINDOW: std::time::Duration = std::time::Duration::from_secs(10);
/// Slowest rate of a request body, over each [`BODY_WINDOW`]: a body sent a byte at a
/// time (each byte resets the socket's idle timer), or fast then trickling, is cut; a
/// school's slowest link is far above.
pub const BODY_MIN_BYTES_PER_SEC: u64 = 4096;

async fn min_rate(req: Request, next: Next) -> Response {
    next.run(req.map(|body| Body::new(MinRate::new(body))))
        .await
}

/// A request body that must bring [`BODY_MIN_BYTES_PER_SEC`] × [`BODY_WINDOW`] bytes in
/// every window once its first window is over (a body shorter than that ends well within
/// it); slower, it fails (the handler answers, the connection ends).
struct MinRate {
    inner: Body,
    /// When the current window started: at the first read, not when the request came.
    window: Option<tokio::time::Instant>,
    received: u64,
}

impl MinRate {
    fn new(inner: Body) -> MinRate {
        MinRate {
            inner,
            window: None,
            received: 0,
        }
    }
}

impl http_body::Body for MinRate {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let started = *this.window.get_or_insert_with(tokio::time::Instant::now);
        let polled = std::pin::Pin::new(&mut this.inner).poll_frame(cx);
        if let std::task::Poll::Ready(Some(Ok(frame))) = &polled {
            this.received += frame.data_ref().map_or(0, |d| d.len() as u64);
            if started.elapsed() >= BODY_WINDOW {
                if this.received < BODY_MIN_BYTES_PER_SEC * BODY_WINDOW.as_secs() {
                    return std::task::Poll::Ready(Some(Err(axum::Error::new(
                        std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "corps de requête trop lent",
                        ),
                    ))));
                }
                this.window = Some(tokio::time::Instant::now());
                this.received = 0;
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Headers of every answer: nothing is cached (tokens, lessons, names), nothing is
/// sniffed into another type.
async fn hygiene(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    h.insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    );
    resp
}

/// Gzip for the record feeds (JSON compresses about tenfold), at the fastest level: on a
/// school's network the bytes saved are worth far more than the CPU, and on loopback the
/// cost stays small. Small answers (a no-change pull) go as they are. Document contents
/// are never compressed here (ranges, and most are compressed already).
fn compressed() -> CompressionLayer<SizeAbove> {
    CompressionLayer::new()
        .quality(CompressionLevel::Fastest)
        .compress_when(SizeAbove::new(1024))
}

/// The protocol version a request declared, once `require_protocol` admitted it.
#[derive(Debug, Clone, Copy)]
struct Declared(u32);

async fn require_protocol(mut req: Request, next: Next) -> Response {
    let version = req
        .headers()
        .get(PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok());
    match version {
        Some(v) if (MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&v) => {
            req.extensions_mut().insert(Declared(v));
            next.run(req).await
        }
        Some(v) => HttpError(
            StatusCode::UPGRADE_REQUIRED,
            ApiError::new(
                ErrorCode::ProtocolUnsupported,
                format!(
                    "Version de protocole {v} non prise en charge (serveur : {MIN_PROTOCOL_VERSION} à {PROTOCOL_VERSION}) : mettez Ardoise à jour."
                ),
            ),
        )
        .into_response(),
        None => HttpError(
            StatusCode::BAD_REQUEST,
            ApiError::new(
                ErrorCode::ProtocolMissingVersion,
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

/// Every route but health and the auth ones: the bearer token is checked **before** the
/// request's body is read (a stranger's body is never read, nor held in memory), and the
/// user it stands for is handed to the handler ([`Auth`]).
async fn require_token(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = match bearer(req.headers()) {
        Ok(token) => token,
        Err(e) => return e.into_response(),
    };
    let store = state.store.clone();
    // The version `require_protocol` admitted (it runs first).
    let protocol = req
        .extensions()
        .get::<Declared>()
        .map_or(MIN_PROTOCOL_VERSION, |d| d.0);
    match blocking(move || Ok(auth::authenticate(&*store, &token, now_unix())?)).await {
        Ok(mut p) => {
            p.protocol = protocol;
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

/// The user of the request, as the token check before the handler found them.
pub struct Auth(pub Principal);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Auth {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Auth)
            .ok_or_else(|| HttpError::from(AuthError::InvalidToken))
    }
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, HttpError> {
    let address = auth::address_key(peer.ip());
    // Logged without the password, and the login only when it is a plausible one.
    let shown = if req.login.len() <= auth::MAX_LOGIN_BYTES {
        req.login.clone()
    } else {
        "(trop long)".to_string()
    };
    let result = login_steps(&state, req, &address).await;
    match result {
        Ok(t) => {
            tracing::info!(login = shown, user = %t.user.id, %address, "login");
            Ok(Json(t).into_response())
        }
        Err(LoginRefusal::Auth(e @ AuthError::InvalidCredentials)) => {
            tracing::info!(login = shown, %address, "login failed");
            // A failed attempt costs the guesser a little time on top of the backoff.
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            Err(e.into())
        }
        Err(LoginRefusal::Auth(e @ AuthError::TooManyAttempts(wait))) => {
            tracing::info!(login = shown, %address, wait, "login held back: too many failures");
            Ok(with_retry_after(HttpError::from(e), wait))
        }
        Err(LoginRefusal::Auth(e)) => {
            tracing::info!(login = shown, %address, code = %e.api().code, "login refused");
            Err(e.into())
        }
        Err(LoginRefusal::AddressBusy(wait)) => {
            tracing::info!(login = shown, %address, wait, "login held back: too many from this address");
            let e = HttpError::from(AuthError::TooManyAttempts(wait));
            Ok(with_retry_after(e, wait))
        }
        Err(LoginRefusal::ServerBusy) => {
            tracing::warn!(login = shown, %address, "login refused: password checks all busy");
            let e = HttpError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServerBusy,
                "Le serveur est très sollicité : réessayez dans un instant.",
            );
            Ok(with_retry_after(e, 2))
        }
        Err(LoginRefusal::Http(e)) => Err(e),
    }
}

/// Why a login did not go through.
enum LoginRefusal {
    Auth(AuthError),
    /// The address used its budget of password checks: wait this many seconds.
    AddressBusy(i64),
    /// Every password thread stayed busy.
    ServerBusy,
    Http(HttpError),
}

impl From<AuthError> for LoginRefusal {
    fn from(e: AuthError) -> LoginRefusal {
        LoginRefusal::Auth(e)
    }
}

impl From<HttpError> for LoginRefusal {
    fn from(e: HttpError) -> LoginRefusal {
        LoginRefusal::Http(e)
    }
}

/// The steps of a login, cheapest first, so that what a stranger can send costs the
/// server as little as it can: lengths and the throttle key (one read), the address's
/// budget (memory; known devices skip it), the throttle check and count (one write),
/// then a password thread, waited for a bounded time.
async fn login_steps(
    state: &AppState,
    req: LoginRequest,
    address: &str,
) -> Result<ardoise_protocol::TokenResponse, LoginRefusal> {
    let now = now_unix();
    let (admitted, req) = {
        let (store, address) = (state.store.clone(), address.to_string());
        blocking(move || {
            let attempt = attempt_of(&req, &address);
            Ok(auth::throttle_key(&*store, &attempt, now).map(|a| (a, req)))
        })
        .await??
    };
    let (budget, key) = if admitted.known_device() {
        (&state.device_budget, admitted.key())
    } else {
        (&state.budget, address)
    };
    budget
        .take(key, std::time::Instant::now())
        .map_err(LoginRefusal::AddressBusy)?;
    // A slot first: a login the server is too busy to check is not counted as a failure.
    let Ok(Ok(permit)) = tokio::time::timeout(
        state.limits.password_wait,
        state.hashing.clone().acquire_owned(),
    )
    .await
    else {
        return Err(LoginRefusal::ServerBusy);
    };
    let admitted = {
        let store = state.store.clone();
        blocking(move || Ok(auth::admit(&*store, &admitted, now).map(|()| admitted))).await??
    };
    let (store, address) = (state.store.clone(), address.to_string());
    let tokens = state
        .checkers
        .run(move || {
            // The permit goes with the work: freed when the check ends, even if the
            // client has gone.
            let _permit = permit;
            auth::verify(&*store, &attempt_of(&req, &address), admitted, now)
        })
        .await??;
    Ok(tokens)
}

fn attempt_of<'a>(req: &'a LoginRequest, address: &'a str) -> auth::Attempt<'a> {
    auth::Attempt {
        login: &req.login,
        password: &req.password,
        address,
        device: req.device.as_deref(),
        new_password: req.new_password.as_deref(),
    }
}

fn with_retry_after(e: HttpError, secs: i64) -> Response {
    let mut resp = e.into_response();
    resp.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        secs.max(1).to_string().parse().expect("header"),
    );
    resp
}

/// The threads that check passwords: always the same few, so that the memory a check
/// takes (19 MiB for argon2id) is taken and given back within these threads' allocator
/// arenas only — on threads picked from a growing pool, each would keep its own copy.
/// Jobs wait in a queue as long as the number of threads: the semaphore in front admits
/// no more, each admitted job holding its permit until it is done.
pub struct PasswordThreads {
    jobs: std::sync::mpsc::SyncSender<Box<dyn FnOnce() + Send>>,
}

impl PasswordThreads {
    /// Starts `n` threads (at least one).
    pub fn new(n: usize) -> PasswordThreads {
        let (jobs, queue) = std::sync::mpsc::sync_channel::<Box<dyn FnOnce() + Send>>(n.max(1));
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for i in 0..n.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || loop {
                    let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match job {
                        // A check that panics fails its login (its answer channel is
                        // dropped); the thread goes on serving the others.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        Err(_) => break, // the server is gone
                    }
                })
                .expect("start a password thread");
        }
        PasswordThreads { jobs }
    }

    /// Runs `f` on one of the threads.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HttpError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let sent = self.jobs.try_send(Box::new(move || {
            let _ = tx.send(f());
        }));
        match (sent, rx.await) {
            (Ok(()), Ok(t)) => Ok(t),
            _ => Err(HttpError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::ServerInternal,
                "Erreur interne du serveur : réessayez plus tard.",
            )),
        }
    }
}

async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
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
    if let Some(user) = blocking(move || Ok(auth::logout(&*store, &token)?)).await? {
        tracing::info!(%user, "logout: session revoked");
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A new address for the user's calendar subscription; the old one stops working.
async fn calendar_feed_renew(
    State(state): State<AppState>,
    Auth(p): Auth,
) -> HttpResult<ardoise_protocol::CalendarFeed> {
    let store = state.store.clone();
    blocking(move || {
        let secret = crate::feed::renew(&*store, &p.id, now_unix())?;
        Ok(Json(ardoise_protocol::CalendarFeed {
            path: format!("/ical/{secret}.ics"),
        }))
    })
    .await
}

/// `GET /ical/<secret>.ics`: the user's timetable as iCalendar.
async fn calendar_feed(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Result<axum::response::Response, HttpError> {
    use axum::response::IntoResponse;
    let secret = file.strip_suffix(".ics").unwrap_or("").to_string();
    let store = state.store.clone();
    let today = ardoise_protocol::calendar::paris_today(chrono::Utc::now());
    let found = blocking(move || Ok(crate::feed::lessons(&*store, &secret, today)?)).await?;
    let Some((title, lessons)) = found else {
        return Err(not_found().await);
    };
    let body = ardoise_protocol::ical::calendar(&title, &lessons, chrono::Utc::now());
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/calendar; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

/// `POST /v1/support/<id>`: a support report (a zip), stored for the school's support
/// staff. 204 when stored, or when it was already (a retry).
async fn support_report(
    State(state): State<AppState>,
    Auth(p): Auth,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<StatusCode, HttpError> {
    use crate::support::SupportError;
    let Path(id) = id.map_err(path_rejection)?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| {
        HttpError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::ProtocolInvalidPath,
            "Un rapport est nommé par un UUID.",
        )
    })?;
    let zip = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        == Some(ardoise_protocol::support::CONTENT_TYPE);
    if !zip {
        return Err(HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::ProtocolContentType,
            "Un rapport est envoyé en application/zip.",
        ));
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            HttpError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::ProtocolInvalidBody,
                "Corps de la requête illisible.",
            )
        }
    })?;
    let store = state.store.clone();
    blocking(
        move || match crate::support::receive(&*store, &p.id, id, &body, now_unix()) {
            Ok(_) => Ok(StatusCode::NO_CONTENT),
            Err(SupportError::Store(e)) => Err(e.into()),
            Err(e @ SupportError::Invalid(_)) => Err(HttpError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::SupportInvalid,
                e.to_string(),
            )),
            Err(e @ SupportError::TooMany) => Err(HttpError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::SupportTooMany,
                e.to_string(),
            )),
        },
    )
    .await
}

#[derive(Deserialize)]
struct PeriodQuery {
    from: chrono::NaiveDate,
    until: chrono::NaiveDate,
}

/// `GET /v1/indicators?from=…&until=…`: the direction's indicators over the period.
async fn indicators(
    State(state): State<AppState>,
    Auth(p): Auth,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> HttpResult<ardoise_protocol::indicators::Indicators> {
    if !p.roles.contains(&ardoise_protocol::Role::Direction) {
        return Err(HttpError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::AclForbidden,
            "Les indicateurs sont réservés à la direction.",
        ));
    }
    let Query(q) = q.map_err(query_rejection)?;
    crate::indicators::check_period(q.from, q.until).map_err(|e| {
        HttpError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::IndicatorsInvalidPeriod,
            e.to_string(),
        )
    })?;
    let store = state.store.clone();
    let today = ardoise_protocol::calendar::paris_today(chrono::Utc::now());
    blocking(move || {
        Ok(Json(crate::indicators::compute(
            &*store, q.from, q.until, today,
        )?))
    })
    .await
}

async fn me(Auth(p): Auth) -> HttpResult<ardoise_protocol::UserInfo> {
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
    Auth(p): Auth,
    q: Result<Query<ChangesQuery>, QueryRejection>,
) -> HttpResult<ardoise_protocol::PullResponse> {
    let Query(q) = q.map_err(query_rejection)?;
    let store = state.store.clone();
    blocking(move || Ok(rules::pull(&*store, &p, q.since.max(0), q.limit)?))
        .await
        .map(Json)
}

/// The snapshot, streamed to a client that accepts [`SNAPSHOT_STREAM_TYPE`] (lines sent as
/// they are read, in one read transaction), one JSON document otherwise (what protocol 1
/// clients read).
async fn snapshot(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let store = state.store.clone();
    let streamed = headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(SNAPSHOT_STREAM_TYPE));
    if !streamed {
        let snap = blocking(move || Ok(rules::snapshot(&*store, &p)?)).await?;
        return Ok(Json(snap).into_response());
    }
    // The channel holds a few chunks: a slow client slows the reading down instead of the
    // server buffering the school.
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    tokio::task::spawn_blocking(move || {
        let lines = std::cell::RefCell::new(Lines::new(tx));
        let given = rules::snapshot_each(
            &*store,
            &p,
            &mut |head| lines.borrow_mut().push(&head),
            &mut |rec| lines.borrow_mut().push(&rec),
        );
        let mut lines = lines.into_inner();
        match given {
            Ok(end) => lines.finish(&SnapshotEnd { end }),
            Err(e) => {
                tracing::error!(error = %e, "snapshot interrupted");
                lines.fail(e);
            }
        }
    });
    let mut resp = Response::new(Body::from_stream(Chunks(rx)));
    resp.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        SNAPSHOT_STREAM_TYPE.parse().expect("header"),
    );
    Ok(resp)
}

/// JSON lines written into chunks of about 64 KiB, each sent once full.
struct Lines {
    buf: Vec<u8>,
    tx: tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>,
    /// The client is there and nothing failed: the end line may still be written.
    sound: bool,
}

impl Lines {
    /// Bytes of lines sent at once.
    const CHUNK: usize = 64 * 1024;

    fn new(tx: tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>) -> Lines {
        Lines {
            buf: Vec::with_capacity(2 * Self::CHUNK),
            tx,
            sound: true,
        }
    }

    /// Appends one line. False when the client is gone.
    fn push<T: serde::Serialize>(&mut self, value: &T) -> bool {
        if let Err(e) = serde_json::to_writer(&mut self.buf, value) {
            self.fail(e);
            return false;
        }
        self.buf.push(b'\n');
        self.buf.len() < Self::CHUNK || self.send()
    }

    fn send(&mut self) -> bool {
        let chunk = std::mem::take(&mut self.buf);
        self.sound &= self.tx.blocking_send(Ok(chunk)).is_ok();
        self.sound
    }

    /// Appends the last line and sends what is left, unless the stream broke before.
    fn finish<T: serde::Serialize>(mut self, last: &T) {
        if self.sound && self.push(last) && !self.buf.is_empty() {
            self.send();
        }
    }

    /// Breaks the stream: the client sees a body error, never an end line.
    fn fail(&mut self, e: impl std::error::Error + Send + Sync + 'static) {
        self.sound = false;
        let _ = self.tx.blocking_send(Err(std::io::Error::other(e)));
    }
}

/// The chunks of a streamed answer, as they are written (ends, and stays ended, when the
/// writer is done).
struct Chunks(tokio::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>);

impl futures_util::Stream for Chunks {
    type Item = std::io::Result<Vec<u8>>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

async fn push(
    State(state): State<AppState>,
    Auth(p): Auth,
    req: Result<ApiJson<PushRequest>, HttpError>,
) -> HttpResult<PushResponse> {
    let ApiJson(req) = req?;
    if req.ops.len() > MAX_OPS_PER_PUSH {
        return Err(HttpError(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::new(
                ErrorCode::ProtocolTooManyOps,
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
            .map(|op| {
                let r = rules::apply_op(&*store, &p, op, &now)?;
                if let Some(error) = &r.error {
                    // Who, what and why: never the values.
                    tracing::info!(user = %p.id, op = %op.op_id, kind = %op.kind,
                        action = ?op.action, code = %error.code, "op refused");
                }
                Ok(r)
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(PushResponse { results })
    })
    .await
    .map(Json)
}

// ---- Documents: blobs and resumable uploads ------------------------------------------

fn bad_hash() -> HttpError {
    HttpError(
        StatusCode::BAD_REQUEST,
        ApiError::new(
            ErrorCode::UploadBadHash,
            "Empreinte BLAKE3 invalide (64 chiffres hexadécimaux).",
        ),
    )
}

fn checked_hash(hash: &str) -> Result<(), HttpError> {
    if is_blob_hash(hash) {
        Ok(())
    } else {
        Err(bad_hash())
    }
}

async fn blobs_missing(
    State(state): State<AppState>,
    Auth(p): Auth,
    q: Result<ApiJson<BlobsQuery>, HttpError>,
) -> HttpResult<BlobsMissing> {
    let ApiJson(q) = q?;
    if q.hashes.len() > MAX_HASHES_PER_QUERY {
        return Err(HttpError(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::new(
                ErrorCode::ProtocolTooManyHashes,
                format!("Au plus {MAX_HASHES_PER_QUERY} empreintes par question."),
            ),
        ));
    }
    for h in &q.hashes {
        checked_hash(h)?;
    }
    let store = state.store.clone();
    blocking(move || {
        let tx = store.read()?;
        let mut missing = Vec::new();
        for h in q.hashes {
            if !rules::may_read_blob(&*tx, &p, &h)? {
                missing.push(h);
            }
        }
        Ok(BlobsMissing { missing })
    })
    .await
    .map(Json)
}

/// Where an upload of `p` stands; `open` with a size starts one (quota checked).
fn upload_status(
    state: &AppState,
    p: &Principal,
    hash: &str,
    open: Option<u64>,
) -> Result<UploadStatus, HttpError> {
    let store = &*state.store;
    let size = match open {
        None => upload_size(state, &*store.read()?, p, hash, None)?,
        Some(size) => {
            // The quota is checked and the upload opened in one write transaction: uploads
            // opened at once are counted one after the other.
            let mut w = store.write()?;
            let size = upload_size(state, &*w, p, hash, Some(size))?;
            if let Some(size) = size {
                w.put_upload(&p.id, hash, size, now_unix())?;
            }
            w.commit()?;
            size
        }
    };
    Ok(match size {
        Some(size) => UploadStatus {
            hash: hash.into(),
            size,
            offset: state.blobs.offset(&p.id, hash),
            complete: false,
        },
        None => {
            let size = store.read()?.blob_size(hash)?.unwrap_or(0);
            UploadStatus {
                hash: hash.into(),
                size,
                offset: size,
                complete: true,
            }
        }
    })
}

/// The size of the upload of `hash` by `p` (None when the content is there already for
/// them); with `open`, the size of an upload that may be opened (quota checked).
fn upload_size(
    state: &AppState,
    tx: &dyn crate::store::ReadTx,
    p: &Principal,
    hash: &str,
    open: Option<u64>,
) -> Result<Option<u64>, HttpError> {
    if rules::may_read_blob(tx, p, hash)? {
        return Ok(None);
    }
    match (tx.upload_size(&p.id, hash)?, open) {
        (Some(size), _) => Ok(Some(size)),
        (None, None) => Err(HttpError(
            StatusCode::NOT_FOUND,
            ApiError::new(
                ErrorCode::UploadNotFound,
                "Aucun envoi en cours pour ce contenu.",
            ),
        )),
        (None, Some(size)) => {
            match rules::may_open_upload(tx, p, size, state.limits.quota_bytes)? {
                Ok(()) => Ok(Some(size)),
                Err(refusal) => {
                    let status = match refusal.code {
                        ErrorCode::AclForbidden => StatusCode::FORBIDDEN,
                        ErrorCode::QuotaExceeded => StatusCode::INSUFFICIENT_STORAGE,
                        ErrorCode::UploadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                        _ => StatusCode::BAD_REQUEST,
                    };
                    Err(HttpError(status, refusal))
                }
            }
        }
    }
}

async fn upload_open(
    State(state): State<AppState>,
    Auth(p): Auth,
    req: Result<ApiJson<UploadRequest>, HttpError>,
) -> HttpResult<UploadStatus> {
    let ApiJson(req) = req?;
    checked_hash(&req.hash)?;
    blocking(move || upload_status(&state, &p, &req.hash, Some(req.size)))
        .await
        .map(Json)
}

async fn upload_get(
    State(state): State<AppState>,
    Auth(p): Auth,
    hash: Result<Path<String>, PathRejection>,
) -> HttpResult<UploadStatus> {
    let Path(hash) = hash.map_err(path_rejection)?;
    checked_hash(&hash)?;
    blocking(move || upload_status(&state, &p, &hash, None))
        .await
        .map(Json)
}

/// Appends a chunk at `upload-offset`. Bytes the server already holds are skipped, so a
/// chunk sent twice is harmless; an offset past the end is refused with the true offset.
/// What arrives is written as it arrives: a cut connection keeps what got through.
async fn upload_chunk(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    hash: Result<Path<String>, PathRejection>,
    body: Body,
) -> HttpResult<UploadStatus> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;

    let Path(hash) = hash.map_err(path_rejection)?;
    checked_hash(&hash)?;
    let start: u64 = headers
        .get(OFFSET_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            HttpError(
                StatusCode::BAD_REQUEST,
                ApiError::new(
                    ErrorCode::UploadBadOffset,
                    format!("En-tête {OFFSET_HEADER} manquant."),
                ),
            )
        })?;
    // One chunk of an upload at a time. A chunk still arriving (or stalled: the socket's
    // idle timeout ends it, and the lock with it) makes a retry come back later rather
    // than wait.
    let lock = state.blobs.lock(&p.id, &hash);
    let Ok(_guard) = tokio::time::timeout(std::time::Duration::from_secs(2), lock.lock()).await
    else {
        return Err(HttpError::new(
            StatusCode::CONFLICT,
            ErrorCode::UploadBusy,
            "Un autre envoi de ce contenu est en cours : réessayez dans un instant.",
        ));
    };
    let status = {
        let (state, p, hash) = (state.clone(), p.clone(), hash.clone());
        blocking(move || upload_status(&state, &p, &hash, None)).await?
    };
    if status.complete {
        return Ok(Json(status));
    }
    if start > status.offset {
        return Err(HttpError(
            StatusCode::CONFLICT,
            ApiError::new(
                ErrorCode::UploadOffsetMismatch,
                format!(
                    "Le serveur a {} octets de ce fichier, pas {start}.",
                    status.offset
                ),
            ),
        ));
    }
    let path = state.blobs.upload_path(&p.id, &hash);
    tokio::fs::create_dir_all(path.parent().expect("uploads/<user>"))
        .await
        .map_err(io_error)?;
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .await
        .map_err(io_error)?;
    let mut skip = status.offset - start;
    let mut offset = status.offset;
    let mut received = 0usize;
    let mut stream = body.into_data_stream();
    let mut refused = None;
    while let Some(piece) = stream.next().await {
        let Ok(mut piece) = piece else {
            break; // the client went away: keep what arrived
        };
        received += piece.len();
        if received > MAX_CHUNK_BYTES {
            refused = Some((
                ErrorCode::UploadChunkTooLarge,
                format!("Au plus {MAX_CHUNK_BYTES} octets par morceau."),
            ));
            break;
        }
        let dropped = (skip as usize).min(piece.len());
        skip -= dropped as u64;
        let piece = piece.split_off(dropped);
        if offset + piece.len() as u64 > status.size {
            refused = Some((
                ErrorCode::UploadTooLong,
                "Plus d'octets que la taille annoncée.".into(),
            ));
            break;
        }
        file.write_all(&piece).await.map_err(io_error)?;
        offset += piece.len() as u64;
    }
    file.sync_data().await.map_err(io_error)?;
    drop(file);
    if let Some((code, message)) = refused {
        return Err(HttpError(
            StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::new(code, message),
        ));
    }
    if offset < status.size {
        // Still going: its grace runs from this chunk.
        let (store, user, hash) = (state.store.clone(), p.id.clone(), hash.clone());
        blocking(move || {
            let mut w = store.write()?;
            w.put_upload(&user, &hash, status.size, now_unix())?;
            Ok(w.commit()?)
        })
        .await?;
        return Ok(Json(UploadStatus { offset, ..status }));
    }
    blocking(move || {
        if !state.blobs.check(&p.id, &hash).map_err(io_error)? {
            let mut w = state.store.write()?;
            w.delete_upload(&p.id, &hash)?;
            w.commit()?;
            return Err(HttpError(
                StatusCode::UNPROCESSABLE_ENTITY,
                ApiError::new(
                    ErrorCode::UploadHashMismatch,
                    "Le contenu reçu ne correspond pas à son empreinte : envoi à reprendre.",
                ),
            ));
        }
        let _quiet = state.blobs.collecting();
        state.blobs.finish(&p.id, &hash).map_err(io_error)?;
        let mut w = state.store.write()?;
        w.put_blob(&hash, status.size, Some(&p.id), now_unix())?;
        w.delete_upload(&p.id, &hash)?;
        w.commit()?;
        Ok(UploadStatus {
            offset: status.size,
            complete: true,
            ..status
        })
    })
    .await
    .map(Json)
}

fn io_error(e: std::io::Error) -> HttpError {
    tracing::error!(error = %e, "blob storage failure");
    HttpError(
        StatusCode::INTERNAL_SERVER_ERROR,
        ApiError::new(
            ErrorCode::ServerStorage,
            "Erreur de stockage des documents : réessayez plus tard.",
        ),
    )
}

/// A blob's content, whole or one range of it (`Range: bytes=N-` or `bytes=N-M`: what
/// resuming clients send; other forms are ignored and the whole content sent, as HTTP
/// allows). The ETag is the hash: a blob never changes. Always an attachment of no
/// particular type: the browser of a curious user never renders it.
async fn blob_get(
    State(state): State<AppState>,
    Auth(p): Auth,
    headers: HeaderMap,
    hash: Result<Path<String>, PathRejection>,
) -> Result<Response, HttpError> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};

    let Path(hash) = hash.map_err(path_rejection)?;
    checked_hash(&hash)?;
    let allowed = {
        let (store, hash) = (state.store.clone(), hash.clone());
        blocking(move || Ok(rules::may_read_blob(&*store.read()?, &p, &hash)?)).await?
    };
    if !allowed {
        return Err(HttpError(
            StatusCode::NOT_FOUND,
            ApiError::new(
                ErrorCode::BlobNotFound,
                "Ce contenu n'existe pas ou ne vous est pas accessible.",
            ),
        ));
    }
    let mut file = tokio::fs::File::open(state.blobs.blob_path(&hash))
        .await
        .map_err(io_error)?;
    let size = file.metadata().await.map_err(io_error)?.len();
    let range = headers
        .get("range")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_range);
    let (start, end) = match range {
        None => (0, size),
        Some((start, _)) if start >= size => {
            let mut resp = HttpError(
                StatusCode::RANGE_NOT_SATISFIABLE,
                ApiError::new(
                    ErrorCode::BlobBadRange,
                    format!("Le contenu fait {size} octets."),
                ),
            )
            .into_response();
            resp.headers_mut().insert(
                "content-range",
                format!("bytes */{size}").parse().expect("header"),
            );
            return Ok(resp);
        }
        // The last byte included, clamped to the content.
        Some((start, last)) => (start, last.map_or(size, |l| l.saturating_add(1).min(size))),
    };
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(io_error)?;
    let stream = tokio_util::io::ReaderStream::with_capacity(file.take(end - start), 256 * 1024);
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    h.insert("etag", format!("\"{hash}\"").parse().expect("header"));
    h.insert(
        "content-length",
        (end - start).to_string().parse().expect("header"),
    );
    h.insert("accept-ranges", "bytes".parse().expect("header"));
    h.insert(
        "content-type",
        "application/octet-stream".parse().expect("header"),
    );
    h.insert(
        "content-disposition",
        format!("attachment; filename=\"{hash}\"")
            .parse()
            .expect("header"),
    );
    if range.is_some() {
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
        resp.headers_mut().insert(
            "content-range",
            format!("bytes {start}-{}/{size}", end - 1)
                .parse()
                .expect("header"),
        );
    }
    Ok(resp)
}

/// One range of a `Range` header: `bytes=N-` or `bytes=N-M` with N ≤ M; None for any
/// other form (several ranges, a suffix, garbage).
fn parse_range(header: &str) -> Option<(u64, Option<u64>)> {
    let (a, b) = header.trim().strip_prefix("bytes=")?.split_once('-')?;
    let start = a.trim().parse::<u64>().ok()?;
    let last = match b.trim() {
        "" => None,
        b => Some(b.parse::<u64>().ok()?),
    };
    match last {
        Some(l) if l < start => None,
        last => Some((start, last)),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges_resuming_clients_send_and_the_rest_ignored() {
        assert_eq!(parse_range("bytes=0-9"), Some((0, Some(9))));
        assert_eq!(parse_range("bytes=100-"), Some((100, None)));
        for ignored in [
            "bytes=-5",
            "bytes=9-0",
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=x-",
        ] {
            assert_eq!(parse_range(ignored), None, "{ignored}");
        }
    }
}
