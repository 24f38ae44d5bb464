//! The holder's commands: make a holder secret, and prove a verifier's policy about a
//! credential.

use std::{path::PathBuf, time::Instant};

use clap::Args;
use rand_core::OsRng;
use zkhealth::{
    circuits::{
        credential::{Credential, HolderSecret},
        field::fr_to_hex,
        merkle::MerklePath,
        Fr,
    },
    prover::{ArtifactId, ProveRequest, Prover},
    registry::RootHistory,
};

use crate::{
    error::CliError,
    files::{self, shown},
    issuer::IssuedCredential,
};

/// `holder-key`.
#[derive(Debug, Args)]
pub struct HolderKeyArgs {
    /// Where to write the secret (JSON; keep it private).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing secret file.
    #[arg(long)]
    pub force: bool,
}

/// `prove`.
#[derive(Debug, Args)]
pub struct ProveArgs {
    /// The proving key (`presentation-depth-N.pk`).
    #[arg(long)]
    pub pk: PathBuf,
    /// The proving key's artifact id (hex, printed by `setup`): load the file only if it has this
    /// id, without validating its points again. Without it every point is validated.
    #[arg(long)]
    pub pk_id: Option<String>,
    /// The credential file written by `issue`.
    #[arg(long)]
    pub credential: PathBuf,
    /// The holder's secret file written by `holder-key`.
    #[arg(long)]
    pub secret: PathBuf,
    /// The credential's Merkle path written by `path`.
    #[arg(long)]
    pub path: PathBuf,
    /// The verifier's policy.
    #[arg(long)]
    pub policy: PathBuf,
    /// The verifier's challenge (`0x` + 64 hex digits).
    #[arg(long)]
    pub challenge: String,
    /// The verifier's nullifier scope (`0x` + 64 hex digits; see `zkhealth scope`).
    #[arg(long)]
    pub scope: String,
    /// The verifier's date (`YYYY-MM-DD`; default: today, UTC).
    #[arg(long)]
    pub today: Option<String>,
    /// A root history (from `roots`): refuse to prove unless the path leads to its current
    /// root.
    #[arg(long)]
    pub roots: Option<PathBuf>,
    /// Where to write the presentation (JSON).
    #[arg(long)]
    pub out: PathBuf,
    /// Also print the presentation's QR text (`ZKH1:` + base45).
    #[arg(long)]
    pub qr: bool,
}

/// `holder-key`.
pub fn holder_key(args: &HolderKeyArgs) -> Result<(), CliError> {
    let secret = HolderSecret::random(&mut OsRng);
    files::write_secret_json(&args.out, &secret, args.force)?;
    println!(
        "holder secret written to {} (keep it private)",
        shown(&args.out)
    );
    println!("holder key: {}", fr_to_hex(&secret.holder_key()));
    Ok(())
}

/// Checks that `path` leads from the credential's commitment to `root`
/// ([`MerklePath::check_membership`]).
pub fn check_membership(
    credential: &Credential,
    path: &MerklePath,
    root: &Fr,
) -> Result<(), CliError> {
    path.check_membership(&credential.commit(), root)
        .map_err(|e| CliError::NotInRegistry(e.to_string()))
}

/// `prove`.
pub fn prove(args: &ProveArgs) -> Result<(), CliError> {
    let issued = IssuedCredential::read(&args.credential)?;
    let secret: HolderSecret = files::read_json(&args.secret, "holder secret")?;
    let path: MerklePath = files::read_json(&args.path, "Merkle path")?;
    let policy = files::read_policy(&args.policy)?;
    let challenge = files::parse_fr("challenge", &args.challenge)?;
    let scope = files::parse_fr("scope", &args.scope)?;
    let today = files::today_or_now(args.today.as_deref(), files::unix_now()?)?;
    if let Some(roots) = &args.roots {
        let history: RootHistory = files::read_json(roots, "root history")?;
        let current = history.current().ok_or_else(|| {
            CliError::NotInRegistry(format!("{} holds no published root", shown(roots)))
        })?;
        check_membership(&issued.credential, &path, &current)?;
    }
    let pin = args
        .pk_id
        .as_deref()
        .map(|id| {
            ArtifactId::from_hex(id).map_err(|e| CliError::Argument {
                what: "artifact id",
                value: id.into(),
                reason: e.to_string(),
            })
        })
        .transpose()?;
    let load = Instant::now();
    let prover = Prover::new(files::read_proving_key(&args.pk, pin.as_ref())?);
    let loaded = load.elapsed();
    let request = ProveRequest {
        secret: &secret,
        credential: &issued.credential,
        path: &path,
        policy: &policy,
        today,
        challenge,
        scope,
    };
    let start = Instant::now();
    let presentation = prover.prove(&request)?;
    let proved = start.elapsed();
    files::write_json(&args.out, &presentation)?;
    println!(
        "proved in {:.2} s (proving key loaded in {:.2} s)",
        proved.as_secs_f64(),
        loaded.as_secs_f64()
    );
    println!("  root      {}", fr_to_hex(&presentation.statement.root));
    println!(
        "  nullifier {}",
        fr_to_hex(&presentation.statement.nullifier)
    );
    println!("  written to {}", shown(&args.out));
    if args.qr {
        let qr = presentation.to_qr_text().map_err(CliError::Verify)?;
        println!("QR text ({} characters):", qr.len());
        println!("{qr}");
    }
    Ok(())
}
