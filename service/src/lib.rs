//! zkhealth-service: the verification service that insurers and checkpoint networks run.
//!
//! An HTTP API ([axum]) over the light verifier: single presentations, batches (one batch proof
//! check), single-use challenges that expire, health and Prometheus metrics. What must be shared
//! by every instance and survive any crash — the issued challenges and the used nullifiers — is
//! kept in a [`store::Store`]: a redb file for one instance, PostgreSQL for several. An
//! acceptance is committed durably before it is answered, and a nullifier or a challenge is
//! accepted exactly once across all instances.
//!
//! - [`config`]: the TOML configuration.
//! - [`verifiers`]: the configured verifiers, their root snapshots reloaded when they change,
//!   and the micro-batching of concurrent verifications.
//! - [`api`]: the routes, the answers and their stable codes.
//! - [`metrics`]: the Prometheus metrics.
//! - [`roots`]: root snapshots and roots read from the chain, cached.
//! - [`store`]: the two stores.

pub mod api;
pub mod config;
pub mod metrics;
pub mod roots;
pub mod store;
pub mod verifiers;

use std::{future::Future, net::SocketAddr, sync::Arc};

pub use config::Config;

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The configuration file or a value in it.
    #[error("configuration {path}: {reason}")]
    Config {
        /// The file (or the flag).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A file a verifier needs: its key, policy or roots.
    #[error("verifier {verifier}: {what} {path}: {reason}")]
    VerifierFile {
        /// The verifier id.
        verifier: String,
        /// Which file.
        what: &'static str,
        /// Its path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The store.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The listening socket.
    #[error("listening on {addr}: {reason}")]
    Listen {
        /// The address.
        addr: String,
        /// What failed.
        reason: String,
    },
}

/// Runs the service until `shutdown` completes, then lets the requests in flight finish.
///
/// `ready` is called with the bound address once the service accepts connections (the port
/// may be 0 in the configuration).
pub async fn run(
    config: Config,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServiceError> {
    let store = store::Store::open(&config.database).await?;
    let metrics = Arc::new(metrics::Metrics::new());
    let verifiers = verifiers::Verifiers::load(&config, metrics.clone())?;
    verifiers.watch_roots(config.roots_poll_ms);
    let state = api::State::new(config.clone(), store, verifiers, metrics);
    state.prune_in_background();
    let app = api::router(state);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| ServiceError::Listen {
            addr: config.listen.to_string(),
            reason: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| ServiceError::Listen {
        addr: config.listen.to_string(),
        reason: e.to_string(),
    })?;
    tracing::info!(%addr, database = %store_kind(&config.database), "serving");
    ready(addr);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(|e| ServiceError::Listen {
        addr: addr.to_string(),
        reason: e.to_string(),
    })?;
    tracing::info!("stopped: every request in flight was answered");
    Ok(())
}

/// The kind of store a database setting names, for logs (never the URL: it may hold a password).
fn store_kind(database: &str) -> &'static str {
    if database.starts_with("postgres") {
        "postgresql"
    } else {
        "redb"
    }
}
