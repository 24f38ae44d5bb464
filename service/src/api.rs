//! The HTTP API.
//!
//! | route | answer |
//! |---|---|
//! | `POST /v1/presentations` | 200 accepted with the disclosed values; 422 refused with a stable code |
//! | `POST /v1/presentations:batch` | 200 with one accepted or refused answer per item, in order |
//! | `POST /v1/challenges` | 201 a single-use challenge and its expiry |
//! | `GET /healthz` | 200 when the store answers, else 503 |
//! | `GET /metrics` | the Prometheus text format |
//!
//! A presentation is sent as JSON, `{"verifier": "checkpoint-AMS", "presentation": …}` (the
//! `ZKH1:` QR text as a string, or the presentation's JSON object; `verifier` may be left out
//! when the service has one verifier), or as the bare QR text (`text/plain`, the verifier in
//! `?verifier=`). A batch is `{"verifier": …, "presentations": [ … ]}`.
//!
//! Every error is JSON, `{"accepted": false, "code": …, "reason": …}` for presentations and
//! `{"code": …, "reason": …}` otherwise; the codes are stable: the verifier's
//! ([`VerifyError::code`]) and `malformed_presentation`, `malformed_request`, `unknown_verifier`,
//! `challenge_unknown`, `challenge_expired`, `challenge_used`, `body_too_large`, `timeout`,
//! `rate_limited`, `store_unavailable`, `batch_too_large`.

use std::{
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    body::Bytes,
    error_handling::HandleErrorLayer,
    extract::{
        rejection::BytesRejection, ConnectInfo, DefaultBodyLimit, MatchedPath, Query, Request,
    },
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    BoxError, Json, Router,
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower::ServiceBuilder;
use zkhealth_circuits::field::{fr_to_bytes_be, fr_to_hex};
use zkhealth_verifier::{Expected, Presentation, Statement, Verified, VerifyError};

use crate::{
    metrics::Metrics,
    store::{Acceptance, Decision, Store},
    verifiers::{Checker, Verifiers},
    Config,
};

/// What the handlers share.
#[derive(Clone)]
pub struct State {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    store: Store,
    verifiers: Verifiers,
    metrics: Arc<Metrics>,
    challenge_limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl State {
    /// The state of a service with this configuration, store and verifiers.
    pub fn new(config: Config, store: Store, verifiers: Verifiers, metrics: Arc<Metrics>) -> Self {
        let rate = NonZeroU32::new(config.challenges_per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(config.challenges_burst).unwrap_or(NonZeroU32::MIN);
        let challenge_limiter = RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst));
        State {
            inner: Arc::new(Inner {
                config,
                store,
                verifiers,
                metrics,
                challenge_limiter,
            }),
        }
    }

    /// Deletes expired challenges every minute, and forgets idle rate-limit entries.
    pub fn prune_in_background(&self) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                this.inner.challenge_limiter.retain_recent();
                match this.inner.store.prune_challenges(unix_now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(pruned = n, "expired challenges deleted"),
                    Err(e) => tracing::warn!(error = %e, "expired challenges not deleted"),
                }
            }
        });
    }
}

/// The service's routes with their limits: body size, request time, metrics and logs.
pub fn router(state: State) -> Router {
    let config = &state.inner.config;
    let limits = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|e: BoxError| async move {
            if e.is::<tower::timeout::error::Elapsed>() {
                error(
                    StatusCode::REQUEST_TIMEOUT,
                    "timeout",
                    "the request took too long (its body included)",
                )
            } else {
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    &e.to_string(),
                )
            }
        }))
        .timeout(config.request_timeout());
    Router::new()
        .route("/v1/presentations", post(present))
        .route("/v1/presentations:batch", post(present_batch))
        .route("/v1/challenges", post(challenge))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            refuse_oversized,
        ))
        .layer(limits)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such route") })
        .with_state(state)
}

/// Refuses a body whose announced length is over the limit before reading any of it (a body
/// without a length, or longer than announced, is cut at the limit when read).
async fn refuse_oversized(
    axum::extract::State(state): axum::extract::State<State>,
    request: Request,
    next: Next,
) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > state.inner.config.max_body_bytes as u64) {
        state.inner.metrics.refused("body_too_large");
        return answer(body_too_large());
    }
    next.run(request).await
}

fn body_too_large() -> Outcome {
    Refusal::new(
        "body_too_large",
        "the request body is larger than the service accepts",
    )
    .into()
}

/// Records each answer's route, status and latency, and logs it.
async fn observe(
    axum::extract::State(state): axum::extract::State<State>,
    request: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let method = request.method().clone();
    let response = next.run(request).await;
    let elapsed = start.elapsed();
    let status = response.status().as_u16();
    state.inner.metrics.request(&route, status, elapsed);
    tracing::info!(%method, %route, status, micros = elapsed.as_micros() as u64, "answered");
    response
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// An error answer `{"code", "reason"}`.
fn error(status: StatusCode, code: &str, reason: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "code": code, "reason": reason })),
    )
        .into_response()
}

/// One disclosed value for display.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Disclosed {
    /// The slot's name in the policy's schema.
    pub name: String,
    /// Its readable text (a code, a `YYYY-MM-DD` date), or the field element in hex.
    pub value: String,
}

/// The answer about one presentation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Outcome {
    /// Whether it was accepted (and its nullifier recorded durably).
    pub accepted: bool,
    /// Refused: the stable code.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
    /// Refused: why, for people.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reason: Option<String>,
    /// The verifier id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verifier: Option<String>,
    /// Accepted: the nullifier.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nullifier: Option<String>,
    /// Accepted: the disclosed values.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub disclosed: Option<Vec<Disclosed>>,
}

/// A refusal: its stable code and reason.
#[derive(Debug, Clone)]
struct Refusal {
    code: String,
    reason: String,
}

impl Refusal {
    fn new(code: &str, reason: impl ToString) -> Self {
        Refusal {
            code: code.to_string(),
            reason: reason.to_string(),
        }
    }
}

impl From<Refusal> for Outcome {
    fn from(r: Refusal) -> Self {
        Outcome {
            accepted: false,
            code: Some(r.code),
            reason: Some(r.reason),
            verifier: None,
            nullifier: None,
            disclosed: None,
        }
    }
}

impl Outcome {
    fn accepted(verifier: &str, verified: Verified) -> Self {
        Outcome {
            accepted: true,
            code: None,
            reason: None,
            verifier: Some(verifier.to_string()),
            nullifier: Some(fr_to_hex(&verified.nullifier)),
            disclosed: Some(
                verified
                    .disclosed
                    .into_iter()
                    .map(|(name, value, text)| Disclosed {
                        name,
                        value: text.unwrap_or_else(|| fr_to_hex(&value)),
                    })
                    .collect(),
            ),
        }
    }

    /// The HTTP status of a single answer.
    fn status(&self) -> StatusCode {
        match self.code.as_deref() {
            None => StatusCode::OK,
            Some("malformed_presentation" | "malformed_request") => StatusCode::BAD_REQUEST,
            Some("unknown_verifier") => StatusCode::NOT_FOUND,
            // The store, the root source or the service itself (its clock, a verification
            // worker) could not answer: nothing was decided, retry.
            Some("store_unavailable" | "root_source" | "invalid_verifier_input") => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

#[derive(Deserialize)]
struct VerifierQuery {
    verifier: Option<String>,
}

/// A presentation from its `ZKH1:` QR text or its JSON.
fn decode_text(text: &str) -> Result<Presentation, VerifyError> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        Presentation::from_json(trimmed)
    } else {
        Presentation::from_qr_text(trimmed)
    }
}

/// A presentation from the JSON value of a request: a string (QR text or JSON) or an object.
fn decode_value(value: &Value) -> Result<Presentation, Refusal> {
    let malformed = |e: VerifyError| Refusal::new("malformed_presentation", e);
    match value {
        Value::String(text) => decode_text(text).map_err(malformed),
        Value::Object(_) => Presentation::from_json(&value.to_string()).map_err(malformed),
        _ => Err(Refusal::new(
            "malformed_presentation",
            "a presentation is its QR text (a string) or its JSON (an object)",
        )),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

fn body_error(rejection: BytesRejection) -> Refusal {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Refusal::new(
            "body_too_large",
            "the request body is larger than the service accepts",
        )
    } else {
        Refusal::new("malformed_request", rejection.body_text())
    }
}

fn answer(outcome: Outcome) -> Response {
    let status = match outcome.code.as_deref() {
        Some("body_too_large") => StatusCode::PAYLOAD_TOO_LARGE,
        _ => outcome.status(),
    };
    (status, Json(outcome)).into_response()
}

/// Parses a request body of JSON.
fn parse_json(body: &[u8]) -> Result<Value, Refusal> {
    serde_json::from_slice(body)
        .map_err(|e| Refusal::new("malformed_request", format!("JSON: {e}")))
}

fn name_of(value: &Value) -> Result<Option<String>, Refusal> {
    match value.get("verifier") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Refusal::new(
            "malformed_request",
            "\"verifier\" is a string",
        )),
    }
}

impl State {
    fn checker(&self, name: Option<&str>) -> Result<Arc<Checker>, Refusal> {
        self.inner.verifiers.get(name).cloned().ok_or_else(|| {
            Refusal::new(
                "unknown_verifier",
                match name {
                    Some(n) => format!("this service has no verifier {n:?}"),
                    None => format!(
                        "name the verifier: this service has {:?}",
                        self.inner.verifiers.names()
                    ),
                },
            )
        })
    }

    /// Records a verified presentation (its statement) in the store; the answer to give.
    async fn record(
        &self,
        checker: &Checker,
        s: &Statement,
        verified: Verified,
        now: u64,
    ) -> Outcome {
        let acceptance = Acceptance {
            scope: fr_to_bytes_be(&checker.scope),
            nullifier: fr_to_bytes_be(&s.nullifier),
            challenge: fr_to_bytes_be(&s.challenge),
            now,
        };
        let outcome = match self.inner.store.accept(acceptance).await {
            Ok(Decision::Accepted) => Outcome::accepted(&checker.name, verified),
            Ok(Decision::NullifierReused) => Refusal::new(
                "nullifier_reused",
                format!(
                    "nullifier {} was already used in this scope",
                    fr_to_hex(&s.nullifier)
                ),
            )
            .into(),
            Ok(Decision::ChallengeUnknown) => Refusal::new(
                "challenge_unknown",
                "the challenge was not issued by this service (or expired long ago)",
            )
            .into(),
            Ok(Decision::ChallengeExpired) => {
                Refusal::new("challenge_expired", "the challenge has expired").into()
            }
            Ok(Decision::ChallengeUsed) => Refusal::new(
                "challenge_used",
                "the challenge was already answered by another presentation",
            )
            .into(),
            Err(e) => {
                tracing::error!(error = %e, "store failure: the presentation is not recorded");
                Refusal::new(
                    "store_unavailable",
                    "the service could not record the presentation; retry",
                )
                .into()
            }
        };
        self.count(&outcome);
        outcome
    }

    fn count(&self, outcome: &Outcome) {
        match (&outcome.code, &outcome.verifier) {
            (None, Some(v)) => self.inner.metrics.accepted(v),
            (Some(code), _) => self.inner.metrics.refused(code),
            (None, None) => {}
        }
    }

    fn refuse(&self, outcome: impl Into<Outcome>) -> Outcome {
        let outcome = outcome.into();
        self.count(&outcome);
        outcome
    }

    /// The presentation of a single request, with its verifier.
    fn single(
        &self,
        headers: &HeaderMap,
        query: Option<String>,
        body: &[u8],
    ) -> Result<(Arc<Checker>, Presentation), Refusal> {
        if is_json(headers) {
            let value = parse_json(body)?;
            let presentation = value
                .get("presentation")
                .ok_or_else(|| Refusal::new("malformed_request", "no \"presentation\" field"))?;
            let checker = self.checker(name_of(&value)?.or(query).as_deref())?;
            Ok((checker, decode_value(presentation)?))
        } else {
            let text = std::str::from_utf8(body).map_err(|_| {
                Refusal::new("malformed_presentation", "the body is not UTF-8 text")
            })?;
            let checker = self.checker(query.as_deref())?;
            let p = decode_text(text).map_err(|e| Refusal::new("malformed_presentation", e))?;
            Ok((checker, p))
        }
    }
}

fn expected_for(checker: &Checker, p: &Presentation, now: u64) -> Result<Expected, Refusal> {
    // The presentation's own challenge: whether this service issued it, unused and unexpired,
    // is the store's decision, made with the nullifier's.
    Expected::at(p.statement.challenge, checker.scope, now).map_err(|e| Refusal::new(e.code(), e))
}

async fn present(
    axum::extract::State(state): axum::extract::State<State>,
    Query(query): Query<VerifierQuery>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(r) => return answer(state.refuse(body_error(r))),
    };
    let (checker, p) = match state.single(&headers, query.verifier, &body) {
        Ok(x) => x,
        Err(o) => return answer(state.refuse(o)),
    };
    let now = unix_now();
    let expected = match expected_for(&checker, &p, now) {
        Ok(e) => e,
        Err(o) => return answer(state.refuse(o)),
    };
    let statement = p.statement;
    let outcome = match checker.verify(p, expected).await {
        Ok(verified) => state.record(&checker, &statement, verified, now).await,
        Err(e) => state.refuse(Refusal::new(e.code(), e)),
    };
    answer(outcome)
}

/// The answer to a batch.
#[derive(Debug, Serialize, Deserialize)]
pub struct BatchAnswer {
    /// One outcome per presentation, in order.
    pub results: Vec<Outcome>,
}

async fn present_batch(
    axum::extract::State(state): axum::extract::State<State>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let value = match body.map_err(body_error).and_then(|b| parse_json(&b)) {
        Ok(v) => v,
        Err(o) => return answer(state.refuse(o)),
    };
    let checker = match name_of(&value).and_then(|n| state.checker(n.as_deref())) {
        Ok(c) => c,
        Err(o) => return answer(state.refuse(o)),
    };
    let Some(items) = value.get("presentations").and_then(Value::as_array) else {
        return answer(state.refuse(Refusal::new(
            "malformed_request",
            "no \"presentations\" array",
        )));
    };
    if items.len() > state.inner.config.max_batch_items {
        return answer(state.refuse(Refusal::new(
            "batch_too_large",
            format!(
                "at most {} presentations per batch",
                state.inner.config.max_batch_items
            ),
        )));
    }
    let now = unix_now();
    // Decoded and given expectations first; those that fail are answered without a proof check.
    let mut results: Vec<Option<Outcome>> = Vec::with_capacity(items.len());
    let mut batch = Vec::new();
    let mut positions = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match decode_value(item).and_then(|p| expected_for(&checker, &p, now).map(|e| (p, e))) {
            Ok(pe) => {
                results.push(None);
                positions.push(i);
                batch.push(pe);
            }
            Err(o) => results.push(Some(state.refuse(o))),
        }
    }
    let statements: Vec<Statement> = batch.iter().map(|(p, _)| p.statement).collect();
    let verified = checker.verify_many(batch).await;
    // Recorded in order: the second use of a nullifier within the batch is refused as reused.
    for ((i, s), v) in positions.into_iter().zip(&statements).zip(verified) {
        let outcome = match v {
            Ok(verified) => state.record(&checker, s, verified, now).await,
            Err(e) => state.refuse(Refusal::new(e.code(), e)),
        };
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(outcome);
        }
    }
    let results = results
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Refusal::new("internal", "no answer").into()))
        .collect();
    (StatusCode::OK, Json(BatchAnswer { results })).into_response()
}

/// A challenge issued by `POST /v1/challenges`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Challenge {
    /// The challenge (a field element, `0x` + 64 hex digits), for one presentation.
    pub challenge: String,
    /// When it expires, unix seconds.
    pub expires_at: u64,
}

async fn challenge(
    axum::extract::State(state): axum::extract::State<State>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Err(not_until) = state.inner.challenge_limiter.check_key(&peer.ip()) {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        let secs = wait.as_secs().max(1);
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            &format!("too many challenges from this address; retry in {secs} s"),
        );
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        state.inner.metrics.refused("rate_limited");
        return response;
    }
    let challenge = random_challenge();
    let expires_at = unix_now().saturating_add(state.inner.config.challenge_ttl_secs);
    match state
        .inner
        .store
        .issue_challenge(fr_to_bytes_be(&challenge), expires_at)
        .await
    {
        Ok(()) => {
            state.inner.metrics.challenge();
            (
                StatusCode::CREATED,
                Json(Challenge {
                    challenge: fr_to_hex(&challenge),
                    expires_at,
                }),
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "challenge not issued");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "the challenge could not be recorded; retry",
            )
        }
    }
}

/// A uniformly random field element from the system's CSPRNG.
fn random_challenge() -> zkhealth_circuits::Fr {
    use ark_ff::PrimeField;
    let mut bytes = [0u8; 64];
    OsRng.fill_bytes(&mut bytes);
    zkhealth_circuits::Fr::from_le_bytes_mod_order(&bytes)
}

async fn healthz(axum::extract::State(state): axum::extract::State<State>) -> Response {
    match state.inner.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({ "status": "ok" }))).into_response(),
        Err(e) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            &e.to_string(),
        ),
    }
}

async fn metrics(axum::extract::State(state): axum::extract::State<State>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.inner.metrics.render(),
    )
        .into_response()
}
