//! The holder's commands: make a holder secret, and prove a verifier's policy about a
//! credential.

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use clap::Args;
use rand_core::OsRng;
use zkhealth::{
    circuits::{
        codes,
        credential::{Credential, HolderSecret},
        field::fr_to_hex,
        merkle::MerklePath,
        Fr,
    },
    prover::{ProveRequest, Prover},
    verifier::{IssuerRoots, LocalRoots},
};

use zkhealth::prover::ProverError;

use crate::{
    error::CliError,
    files::{self, shown},
    issuer::IssuedCredential,
    say,
    verifier::ScopeArgs,
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
    /// Also write the holder key (public, for the issuer) to this file (read back with
    /// `issue --holder-key @FILE`).
    #[arg(long)]
    pub key_out: Option<PathBuf>,
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
    /// The verifier's challenge (`0x` + 64 hex digits, or `@FILE` holding them).
    #[arg(long)]
    pub challenge: String,
    /// Whom the presentation is for: the scope of its nullifier follows from the verifier's
    /// identity and event.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// The verifier's date (`YYYY-MM-DD`; default: today, UTC).
    #[arg(long)]
    pub today: Option<String>,
    /// The issuer's roots (from `roots`): refuse to prove unless they are the roots of the
    /// credential's issuer and the path leads to their current root.
    #[arg(long)]
    pub roots: Option<PathBuf>,
    /// Where to write the presentation (JSON).
    #[arg(long)]
    pub out: PathBuf,
    /// Also draw the presentation's QR code in the terminal and print its text (`ZKH1:` +
    /// base45).
    #[arg(long)]
    pub qr: bool,
    /// Also write the presentation's QR text to this file (`verify --presentation` reads it).
    #[arg(long)]
    pub qr_out: Option<PathBuf>,
    /// Also write the presentation's QR code as a PNG image (`verify --qr-image` reads it).
    #[arg(long)]
    pub qr_png: Option<PathBuf>,
    /// Also write the presentation's QR code as an SVG image.
    #[arg(long)]
    pub qr_svg: Option<PathBuf>,
    /// Also write the proof's full assignment as a snarkjs `.wtns` file (`snarkjs wtns check`
    /// against `export-r1cs`'s file; `snarkjs groth16 prove` with a ceremony's key).
    #[arg(long)]
    pub wtns: Option<PathBuf>,
}

/// `holder-key`.
pub fn holder_key(args: &HolderKeyArgs) -> Result<(), CliError> {
    let secret = HolderSecret::random(&mut OsRng);
    files::write_secret_json(&args.out, &secret, args.force)?;
    say!(
        "holder secret written to {} (keep it private)",
        shown(&args.out)
    );
    say!("holder key: {}", fr_to_hex(&secret.holder_key()));
    if let Some(out) = &args.key_out {
        files::write_fr(out, &secret.holder_key())?;
    }
    Ok(())
}

/// With `--roots`: the credential's issuer publishes roots there and the credential is under
/// its current root.
fn check_roots(
    args: &ProveArgs,
    credential: &Credential,
    path: &MerklePath,
) -> Result<(), CliError> {
    if let Some(file) = &args.roots {
        let roots: IssuerRoots<LocalRoots> = files::read_json(file, "issuer roots")?;
        check_issuer(credential, &roots, file)?;
        let current = roots.source().history().current().ok_or_else(|| {
            CliError::NotInRegistry(format!("{} holds no published root", shown(file)))
        })?;
        check_membership(credential, path, &current)?;
    }
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

/// Checks that the roots read from `file` speak for the issuer the credential names: another
/// issuer's roots would be refused for the credential's policy.
pub fn check_issuer(
    credential: &Credential,
    roots: &IssuerRoots<LocalRoots>,
    file: &Path,
) -> Result<(), CliError> {
    // A snapshot's issuer is a valid code (checked on reading), so it encodes.
    if codes::encode(roots.issuer())? == credential.issuer {
        return Ok(());
    }
    Err(CliError::RootsOfAnotherIssuer {
        path: file.to_path_buf(),
        roots: roots.issuer().to_string(),
        credential: codes::decode(&credential.issuer)
            .unwrap_or_else(|| fr_to_hex(&credential.issuer)),
    })
}

/// `prove`.
pub fn prove(args: &ProveArgs) -> Result<(), CliError> {
    let issued = IssuedCredential::read(&args.credential)?;
    let secret: HolderSecret = files::read_json(&args.secret, "holder secret")?;
    let path: MerklePath = files::read_json(&args.path, "Merkle path")?;
    let policy = files::read_policy(&args.policy)?;
    let challenge = files::parse_fr("challenge", &args.challenge)?;
    let scope = args.scope.scope()?;
    let today = files::today_or_now(args.today.as_deref(), files::unix_now()?)?;
    let pin = files::artifact_pin(args.pk_id.as_deref())?;
    // The proving key loads on another thread while the credential is checked against the
    // roots: independent work, and the check's hashing sets up the Poseidon parameters the
    // proof needs.
    let load = Instant::now();
    let (artifact, checked) = std::thread::scope(|s| {
        let artifact = s.spawn(|| {
            let artifact = files::read_proving_key(&args.pk, pin.as_ref());
            (artifact, load.elapsed())
        });
        let checked = check_roots(args, &issued.credential, &path);
        // A panic on the loading thread goes on here, as it would have on this one.
        let artifact = artifact
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (artifact, checked)
    });
    checked?;
    let (artifact, loaded) = artifact;
    let prover = Prover::new(artifact?);
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
    if let Some(out) = &args.wtns {
        let assignment = prover.assignment(&request)?;
        let bytes =
            zkhealth::prover::snarkjs::wtns::to_bytes(&assignment).map_err(ProverError::from)?;
        files::write_bytes(out, &bytes)?;
        say!(
            "  witness ({} values) written to {}",
            assignment.len(),
            shown(out)
        );
    }
    say!(
        "proved in {:.2} s (proving key loaded in {:.2} s)",
        proved.as_secs_f64(),
        loaded.as_secs_f64()
    );
    say!("  root      {}", fr_to_hex(&presentation.statement.root));
    say!("  scope     {scope}");
    say!(
        "  nullifier {}",
        fr_to_hex(&presentation.statement.nullifier)
    );
    say!("  written to {}", shown(&args.out));
    let wants_qr =
        args.qr || args.qr_out.is_some() || args.qr_png.is_some() || args.qr_svg.is_some();
    if wants_qr {
        let qr = presentation.to_qr_text().map_err(CliError::Verify)?;
        if let Some(out) = &args.qr_out {
            files::write_bytes(out, format!("{qr}\n").as_bytes())?;
            say!(
                "  QR text ({} characters) written to {}",
                qr.len(),
                shown(out)
            );
        }
        if let Some(out) = &args.qr_png {
            files::write_bytes(out, &crate::qr::png(&qr)?)?;
            say!("  QR code (PNG) written to {}", shown(out));
        }
        if let Some(out) = &args.qr_svg {
            files::write_bytes(out, crate::qr::svg(&qr)?.as_bytes())?;
            say!("  QR code (SVG) written to {}", shown(out));
        }
        if args.qr {
            say!("{}", crate::qr::terminal(&qr)?);
            say!("QR text ({} characters):", qr.len());
            say!("{qr}");
        }
    }
    Ok(())
}
