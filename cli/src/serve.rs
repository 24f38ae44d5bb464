//! `zkhealth serve`: the verification service ([`zkhealth_service`]) with its configuration
//! file, the flags on top, structured logs and graceful shutdown on SIGTERM or Ctrl-C.

use std::{net::SocketAddr, path::PathBuf};

use clap::{Args, ValueEnum};
use zkhealth_service::Config;

use crate::error::CliError;

/// How the service logs.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Text for people.
    Text,
}

/// `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The configuration file (TOML: listen, database, limits, [[verifiers]]).
    #[arg(long)]
    pub config: PathBuf,
    /// The store, instead of the file's: a redb file or a `postgres://` URL.
    #[arg(long, env = "ZKHEALTH_DATABASE")]
    pub database: Option<String>,
    /// The address to listen on, instead of the file's (port 0: any free port; printed).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// The most concurrent verifications gathered into one batch check, instead of the file's
    /// (1: each on its own).
    #[arg(long)]
    pub micro_batch: Option<usize>,
    /// Log format.
    #[arg(long, value_enum, default_value = "json")]
    pub log_format: LogFormat,
}

/// Serves until SIGTERM or Ctrl-C, then answers the requests in flight and stops.
pub fn serve(args: &ServeArgs) -> Result<(), CliError> {
    let mut config = Config::from_file(&args.config).map_err(CliError::Service)?;
    if let Some(database) = &args.database {
        config.database = database.clone();
    }
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(n) = args.micro_batch {
        config.micro_batch = n;
    }
    config.check().map_err(|reason| {
        CliError::Service(zkhealth_service::ServiceError::Config {
            path: args.config.display().to_string(),
            reason,
        })
    })?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("ZKHEALTH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A subscriber set twice (never, in one process) would only be refused.
    let _ = match args.log_format {
        LogFormat::Json => logs.json().try_init(),
        LogFormat::Text => logs.try_init(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| CliError::Serve {
            addr: config.listen.to_string(),
            source,
        })?;
    runtime
        .block_on(zkhealth_service::run(
            config,
            |addr| {
                println!("listening on http://{addr}");
            },
            shutdown(),
        ))
        .map_err(CliError::Service)
}

/// Completes on SIGTERM (Unix) or Ctrl-C.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutting down: answering the requests in flight");
}
