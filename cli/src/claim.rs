//! `claim prove` and `claim verify`: a holder's claim over its coverage credential (in the
//! insurer's registry) and a treatment record (in the provider registry), and the insurer's
//! check of it, with files as for presentations.

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use clap::{Args, Subcommand};
use zkhealth::{
    circuits::{credential::HolderSecret, field::fr_to_hex, merkle::MerklePath, policy::Policy},
    prover::{ClaimRequest, Held, Prover},
    verifier::{ClaimPresentation, ClaimVerifier, Disclosed, IssuerRoots, LocalRoots},
};

use crate::{
    error::CliError,
    files::{self, shown},
    issuer::IssuedCredential,
    nullifiers::with_used,
    say,
    verifier::{ScopeArgs, VerifierScopeArgs},
};

/// `claim ...`.
#[derive(Debug, Subcommand)]
pub enum ClaimCommand {
    /// Prove a claim: a treatment record covered by a coverage credential of the same holder.
    Prove(ProveArgs),
    /// Verify a claim as the insurer (exit code 3 when it is refused, for instance when the
    /// treatment was claimed before).
    Verify(VerifyArgs),
}

/// `claim prove`.
#[derive(Debug, Args)]
pub struct ProveArgs {
    /// The claim circuit's proving key (`claim-depth-N.pk`, from `setup --circuit claim`).
    #[arg(long)]
    pub pk: PathBuf,
    /// The proving key's artifact id (hex, printed by `setup`): load the file only if it has this
    /// id. Without it every point is validated.
    #[arg(long)]
    pub pk_id: Option<String>,
    /// The holder's secret file (both credentials name its key).
    #[arg(long)]
    pub secret: PathBuf,
    /// The coverage credential file written by `issue` (the insurer's registry).
    #[arg(long)]
    pub coverage: PathBuf,
    /// The coverage credential's Merkle path.
    #[arg(long)]
    pub coverage_path: PathBuf,
    /// The insurer's policy over the coverage.
    #[arg(long)]
    pub coverage_policy: PathBuf,
    /// The treatment record's credential file written by `issue` (the provider registry).
    #[arg(long)]
    pub treatment: PathBuf,
    /// The treatment record's Merkle path.
    #[arg(long)]
    pub treatment_path: PathBuf,
    /// The insurer's policy over the treatment.
    #[arg(long)]
    pub treatment_policy: PathBuf,
    /// The insurer's challenge (`0x` + 64 hex digits, or `@FILE`).
    #[arg(long)]
    pub challenge: String,
    /// Whom the claim is for: the insurer and its claims event.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// The insurer's date (`YYYY-MM-DD`; default: today, UTC).
    #[arg(long)]
    pub today: Option<String>,
    /// Where to write the claim (JSON).
    #[arg(long)]
    pub out: PathBuf,
}

/// `claim verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The claim circuit's pinned verifying key (`claim-depth-N.vk`).
    #[arg(long)]
    pub vk: PathBuf,
    /// The policy over the coverage.
    #[arg(long)]
    pub coverage_policy: PathBuf,
    /// The insurer registry's roots (from `roots`); the coverage policy must be for its issuer.
    #[arg(long)]
    pub coverage_roots: PathBuf,
    /// The policy over the treatment.
    #[arg(long)]
    pub treatment_policy: PathBuf,
    /// The provider registry's roots (from `roots`); the treatment policy must be for its
    /// issuer.
    #[arg(long)]
    pub treatment_roots: PathBuf,
    /// The claim (JSON, from `claim prove`).
    #[arg(long)]
    pub claim: PathBuf,
    /// The challenge this insurer issued.
    #[arg(long)]
    pub challenge: String,
    /// This insurer's claims scope.
    #[command(flatten)]
    pub scope: VerifierScopeArgs,
    /// The insurer's date (`YYYY-MM-DD`; default: today, UTC).
    #[arg(long)]
    pub today: Option<String>,
    /// The insurer's time for the roots' freshness window (unix seconds; default: now).
    #[arg(long)]
    pub now: Option<u64>,
    /// Used claim nullifiers (JSON): read if present, updated on acceptance.
    #[arg(long)]
    pub nullifiers: Option<PathBuf>,
}

/// `claim ...`.
pub fn run(cmd: &ClaimCommand) -> Result<(), CliError> {
    match cmd {
        ClaimCommand::Prove(args) => prove(args),
        ClaimCommand::Verify(args) => verify(args),
    }
}

/// One side of the claim as read from files.
struct Side {
    credential: IssuedCredential,
    path: MerklePath,
    policy: Policy,
}

impl Side {
    fn read(credential: &Path, path: &Path, policy: &Path) -> Result<Self, CliError> {
        Ok(Side {
            credential: IssuedCredential::read(credential)?,
            path: files::read_json(path, "Merkle path")?,
            policy: files::read_policy(policy)?,
        })
    }

    fn held(&self) -> Held<'_> {
        Held {
            credential: &self.credential.credential,
            path: &self.path,
            policy: &self.policy,
        }
    }
}

fn prove(args: &ProveArgs) -> Result<(), CliError> {
    let secret: HolderSecret = files::read_json(&args.secret, "holder secret")?;
    let coverage = Side::read(&args.coverage, &args.coverage_path, &args.coverage_policy)?;
    let treatment = Side::read(
        &args.treatment,
        &args.treatment_path,
        &args.treatment_policy,
    )?;
    let challenge = files::parse_fr("challenge", &args.challenge)?;
    let scope = args.scope.scope()?;
    let today = files::today_or_now(args.today.as_deref(), files::unix_now()?)?;
    let pin = files::artifact_pin(args.pk_id.as_deref())?;
    let load = Instant::now();
    let prover = Prover::new(files::read_proving_key(&args.pk, pin.as_ref())?);
    let loaded = load.elapsed();
    let start = Instant::now();
    let claim = prover.prove_claim(&ClaimRequest {
        secret: &secret,
        coverage: coverage.held(),
        treatment: treatment.held(),
        today,
        challenge,
        scope,
    })?;
    let proved = start.elapsed();
    files::write_json(&args.out, &claim)?;
    say!(
        "claim proved in {:.2} s (proving key loaded in {:.2} s)",
        proved.as_secs_f64(),
        loaded.as_secs_f64()
    );
    say!(
        "  coverage root  {}",
        fr_to_hex(&claim.statement.root_coverage)
    );
    say!(
        "  treatment root {}",
        fr_to_hex(&claim.statement.root_treatment)
    );
    say!("  scope          {scope}");
    say!("  nullifier      {}", fr_to_hex(&claim.statement.nullifier));
    say!("  written to {}", shown(&args.out));
    Ok(())
}

fn verify(args: &VerifyArgs) -> Result<(), CliError> {
    let key = files::read_verifying_key(&args.vk)?;
    let roots = |path: &Path| -> Result<IssuerRoots<LocalRoots>, CliError> {
        files::read_json(path, "issuer roots")
    };
    let verifier = ClaimVerifier::new(
        key,
        files::read_policy(&args.coverage_policy)?,
        roots(&args.coverage_roots)?,
        files::read_policy(&args.treatment_policy)?,
        roots(&args.treatment_roots)?,
    )
    // The verifier's own files disagree (another circuit's key, a policy for another issuer
    // than its roots'): a configuration error, not a refused claim.
    .map_err(CliError::Verify)?;
    // A claim that does not decode is refused (exit 3), as one that fails a check.
    let claim =
        ClaimPresentation::from_json(&files::read_text(&args.claim)?).map_err(|source| {
            CliError::MalformedPresentation {
                path: args.claim.clone(),
                source,
            }
        })?;
    let expected = files::expected(
        &args.challenge,
        args.scope.value()?,
        args.now,
        args.today.as_deref(),
    )?;
    let start = Instant::now();
    let verified = with_used(args.nullifiers.as_deref(), |used| {
        verifier
            .verify_claim(&claim, &expected, used)
            .map_err(CliError::from_verify)
    })?;
    let elapsed = start.elapsed();
    say!(
        "ACCEPTED claim in {:.2} ms: key {}, coverage root {}, treatment root {}",
        elapsed.as_secs_f64() * 1e3,
        verifier.key().id(),
        fr_to_hex(&claim.statement.root_coverage),
        fr_to_hex(&claim.statement.root_treatment)
    );
    say!("  nullifier {}", fr_to_hex(&verified.nullifier));
    let show = |side: &str, values: &[Disclosed]| {
        for (name, value, text) in values {
            say!(
                "  disclosed {side} {name} = {}",
                text.clone().unwrap_or_else(|| value.to_string())
            );
        }
    };
    show("coverage", &verified.coverage);
    show("treatment", &verified.treatment);
    Ok(())
}
