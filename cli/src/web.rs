//! `zkhealth web`: serves the checkpoint and wallet pages (`web/`, with the npm package's web
//! modules in `web/pkg/` from `wasm/build.sh`) and the configuration they read at `/config/`,
//! on loopback unless told otherwise. Any static server serves the same files.

use std::{
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
};

use axum::Router;
use clap::Args;
use tower_http::services::ServeDir;

use crate::error::CliError;

/// `web`.
#[derive(Debug, Args)]
pub struct WebArgs {
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// The pages' directory (the repository's `web/`, after `bash wasm/build.sh`).
    #[arg(long, default_value = "web")]
    pub dir: PathBuf,
    /// The directory served at `/config/`: `checkpoint.json` (`keyId`, `verifierId`, `event`,
    /// and the `vk`, `policy` and `roots` files it names) and `wallet.json` (`artifactId` and
    /// the `pk` file). Default: `<dir>/config`.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

fn missing(path: &Path, what: &str) -> CliError {
    CliError::Argument {
        what: "web",
        value: path.display().to_string(),
        reason: format!("{what} is missing"),
    }
}

/// Serves until interrupted (Ctrl-C), finishing the requests in flight.
pub fn web(args: &WebArgs) -> Result<(), CliError> {
    for page in ["checkpoint/index.html", "wallet/index.html"] {
        if !args.dir.join(page).is_file() {
            return Err(missing(&args.dir.join(page), "the page"));
        }
    }
    let pkg = args.dir.join("pkg/zkhealth_verifier.js");
    if !pkg.is_file() {
        return Err(missing(&pkg, "the module (run bash wasm/build.sh)"));
    }
    let config = args
        .config
        .clone()
        .unwrap_or_else(|| args.dir.join("config"));
    let addr = SocketAddr::new(args.bind, args.port);
    let serve_err = |source| CliError::Serve {
        addr: addr.to_string(),
        source,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(serve_err)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(serve_err)?;
        let bound = listener.local_addr().map_err(serve_err)?;
        println!("checkpoint: http://{bound}/checkpoint/");
        println!("wallet:     http://{bound}/wallet/");
        println!("config:     {} at /config/", config.display());
        let app = Router::new()
            .nest_service("/config", ServeDir::new(&config))
            .fallback_service(ServeDir::new(&args.dir));
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(serve_err)
    })
}
