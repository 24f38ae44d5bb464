//! Keys: the development setup and loading the key files of a registry depth.

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use clap::Args;
use rand_core::OsRng;
use zkhealth::{
    circuits::{
        circuit::{ClaimCircuit, PresentationCircuit},
        CircuitId,
    },
    prover,
};

use crate::{
    error::CliError,
    files::{self, shown},
};

/// `setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Registry depth (1 to 16; depth d holds 4^d credentials).
    #[arg(long)]
    pub depth: u32,
    /// Where to write `CIRCUIT-depth-N.pk` and `CIRCUIT-depth-N.vk`.
    #[arg(long)]
    pub out_dir: PathBuf,
    /// The circuit: `presentation` (one credential) or `claim` (a coverage credential and a
    /// treatment record of one holder).
    #[arg(long, default_value = "presentation")]
    pub circuit: CircuitId,
}

/// The development-setup warning, printed wherever keys are generated.
pub const DEV_SETUP_WARNING: &str = "development setup: whoever ran it knows the trapdoor and \
     could forge proofs; production keys come from a multi-party ceremony";

/// The file stem of the presentation keys for a depth.
pub fn key_stem(depth: u32) -> String {
    circuit_key_stem(CircuitId::Presentation, depth)
}

/// The file stem of a circuit's keys for a depth: `presentation-depth-N`, `claim-depth-N`.
pub fn circuit_key_stem(circuit: CircuitId, depth: u32) -> String {
    format!("{}-depth-{depth}", circuit.name())
}

/// `setup`.
pub fn setup(args: &SetupArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let (artifact, vk) = match args.circuit {
        CircuitId::Claim => prover::setup_circuit::<ClaimCircuit, _>(args.depth, &mut OsRng),
        _ => prover::setup_circuit::<PresentationCircuit, _>(args.depth, &mut OsRng),
    }
    .map_err(CliError::Setup)?;
    let elapsed = start.elapsed();
    let (pk_path, vk_path) =
        files::key_paths(&args.out_dir, &circuit_key_stem(args.circuit, args.depth));
    let pk_file = artifact.to_file_bytes().map_err(CliError::Setup)?;
    files::write_bytes(&pk_path, &pk_file)?;
    files::write_bytes(&vk_path, &vk.to_file_bytes())?;
    println!(
        "{} keys for registry depth {} generated in {:.1} s",
        args.circuit,
        args.depth,
        elapsed.as_secs_f64()
    );
    println!("  proving key   {}", shown(&pk_path));
    println!("  verifying key {}", shown(&vk_path));
    println!("  key id        {}", vk.id());
    println!(
        "  artifact id   {}",
        prover::ArtifactId::of_file(&pk_file)
            .map_err(CliError::Setup)?
            .to_hex()
    );
    println!("WARNING: {DEV_SETUP_WARNING}");
    Ok(())
}

/// Reads the key files of a depth from `dir`, if both are present and valid.
pub fn load_keys(
    dir: &Path,
    depth: u32,
    stem: &str,
) -> Result<(prover::ProvingArtifact, zkhealth::verifier::VerifyingKey), CliError> {
    let (pk_path, vk_path) = files::key_paths(dir, stem);
    let artifact = files::read_proving_key(&pk_path, None)?;
    let vk = files::read_verifying_key(&vk_path)?;
    artifact
        .check_pair(&vk, depth)
        .map_err(|e| CliError::Keys(format!("{} and {}: {e}", shown(&pk_path), shown(&vk_path))))?;
    Ok((artifact, vk))
}
