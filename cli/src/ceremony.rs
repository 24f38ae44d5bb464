//! The snarkjs ceremony tools' side: exporting a circuit as `.r1cs`, importing a ceremony's
//! final `.zkey`, describing key files, and snarkjs's JSON files for keys and presentations.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use sha2::{Digest, Sha256};
use zkhealth::{
    circuits::{
        circuit::{ClaimCircuit, PresentationCircuit},
        CircuitId,
    },
    prover::{
        self,
        matrices::ConstraintMatrices,
        snarkjs::{json, r1cs::R1cs, zkey},
        ArtifactId, KeyOrigin, ProverError,
    },
    verifier::{container, VerifyingKey},
};

use crate::{
    error::CliError,
    files::{self, shown},
    keys::key_stem,
    say,
};

/// `export-r1cs`.
#[derive(Debug, Args)]
pub struct ExportR1csArgs {
    /// The circuit (`presentation` or `claim`).
    #[arg(long, default_value = "presentation")]
    pub circuit: CircuitId,
    /// Registry depth (1 to 16; depth d holds 4^d credentials).
    #[arg(long)]
    pub depth: u32,
    /// Where to write the `.r1cs` file.
    #[arg(long)]
    pub out: PathBuf,
}

/// `import-zkey`.
#[derive(Debug, Args)]
pub struct ImportZkeyArgs {
    /// The ceremony's final `.zkey` (after the beacon).
    #[arg(long)]
    pub zkey: PathBuf,
    /// The circuit it was set up for (`presentation` or `claim`).
    #[arg(long, default_value = "presentation")]
    pub circuit: CircuitId,
    /// Registry depth it was set up for.
    #[arg(long)]
    pub depth: u32,
    /// Where to write `presentation-depth-N.pk` and `presentation-depth-N.vk`.
    #[arg(long)]
    pub out_dir: PathBuf,
}

/// `keys`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Describe a verifying key or proving artifact: circuit, depth, id and origin.
    Info(KeysInfoArgs),
}

/// `keys info`.
#[derive(Debug, Args)]
pub struct KeysInfoArgs {
    /// A verifying key (`.vk`) or proving artifact (`.pk`).
    pub file: PathBuf,
}

/// `export-snarkjs`.
#[derive(Debug, Args)]
pub struct ExportSnarkjsArgs {
    /// The verifying key: writes `verification_key.json`.
    #[arg(long)]
    pub vk: PathBuf,
    /// A presentation made under that key (JSON or QR text): also writes `proof.json` and
    /// `public.json`.
    #[arg(long)]
    pub presentation: Option<PathBuf>,
    /// The directory to write them to.
    #[arg(long)]
    pub out_dir: PathBuf,
}

/// The matrices of a circuit, for the circuits this build holds.
fn matrices(circuit: CircuitId, depth: u32) -> Result<ConstraintMatrices, CliError> {
    match circuit {
        CircuitId::Presentation => {
            ConstraintMatrices::for_circuit::<PresentationCircuit>(depth).map_err(CliError::Setup)
        }
        CircuitId::Claim => {
            ConstraintMatrices::for_circuit::<ClaimCircuit>(depth).map_err(CliError::Setup)
        }
        other => Err(CliError::Keys(format!(
            "the {other} circuit has no implementation in this build"
        ))),
    }
}

/// `export-r1cs`.
pub fn export_r1cs(args: &ExportR1csArgs) -> Result<(), CliError> {
    if args.depth == 0 || args.depth > zkhealth::circuits::merkle::MAX_DEPTH {
        return Err(CliError::Setup(ProverError::UnsupportedDepth {
            depth: args.depth,
            max: zkhealth::circuits::merkle::MAX_DEPTH,
        }));
    }
    let m = matrices(args.circuit, args.depth)?;
    let r1cs = R1cs::from_matrices(&m).map_err(|e| CliError::Keys(e.to_string()))?;
    let bytes = r1cs.to_bytes();
    files::write_bytes(&args.out, &bytes)?;
    say!(
        "{} circuit at registry depth {} written to {}",
        args.circuit,
        args.depth,
        shown(&args.out)
    );
    say!("  constraints    {}", r1cs.constraints.len());
    say!("  public inputs  {}", r1cs.num_public);
    say!("  wires          {}", r1cs.num_wires);
    say!("  sha256         {}", hex::encode(Sha256::digest(&bytes)));
    Ok(())
}

/// `import-zkey`.
pub fn import_zkey(args: &ImportZkeyArgs) -> Result<(), CliError> {
    let bytes = files::read_bytes(&args.zkey)?;
    let m = matrices(args.circuit, args.depth)?;
    let artifact = zkey::import(&bytes, args.circuit, args.depth, &m).map_err(|source| {
        CliError::ProvingKeyFile {
            path: args.zkey.clone(),
            source,
        }
    })?;
    let vk = artifact.verifying_key().clone();
    let (pk_path, vk_path) = files::key_paths(&args.out_dir, &key_stem(args.depth));
    let pk_file = artifact.to_file_bytes().map_err(CliError::Setup)?;
    files::write_bytes(&pk_path, &pk_file)?;
    files::write_bytes(&vk_path, &vk.to_file_bytes())?;
    say!("imported {}", shown(&args.zkey));
    say!("  proving key   {}", shown(&pk_path));
    say!("  verifying key {}", shown(&vk_path));
    say!("  key id        {}", vk.id());
    say!(
        "  artifact id   {}",
        ArtifactId::of_file(&pk_file).map_err(CliError::Setup)?
    );
    print_origin(artifact.origin());
    Ok(())
}

fn print_origin(origin: &KeyOrigin) {
    say!("  origin        {origin}");
    if let KeyOrigin::Ceremony(c) = origin {
        say!("  circuit hash  {}", c.circuit_hash);
        for (i, contribution) in c.contributions.iter().enumerate() {
            let name = contribution.name.as_deref().unwrap_or("(no name)");
            match &contribution.beacon {
                None => say!("  contribution #{} {name}: {}", i + 1, contribution.hash),
                Some(b) => say!(
                    "  beacon #{} {name}: {} (value {}, 2^{} iterations)",
                    i + 1,
                    contribution.hash,
                    b.value,
                    b.iterations_exp
                ),
            }
        }
    }
}

/// `keys info`.
pub fn keys_info(args: &KeysInfoArgs) -> Result<(), CliError> {
    let bytes = files::read_bytes(&args.file)?;
    let kind = bytes.get(8).copied();
    if kind == Some(container::Kind::VerifyingKey.to_byte()) {
        let vk = files::read_verifying_key(&args.file)?;
        say!("verifying key {}", shown(&args.file));
        say!("  circuit       {}", vk.circuit());
        say!("  depth         {}", vk.depth());
        say!("  key id        {}", vk.id());
        say!("  origin        recorded in its proving artifact (`keys info` on the .pk)");
        return Ok(());
    }
    let artifact = prover::ProvingArtifact::from_file_bytes(&bytes).map_err(|source| {
        CliError::ProvingKeyFile {
            path: args.file.clone(),
            source,
        }
    })?;
    let vk = artifact.verifying_key();
    say!("proving artifact {}", shown(&args.file));
    say!("  circuit       {}", vk.circuit());
    say!("  depth         {}", vk.depth());
    say!("  key id        {}", vk.id());
    say!(
        "  artifact id   {}",
        ArtifactId::of_file(&bytes).map_err(CliError::Setup)?
    );
    say!("  reduction     {}", artifact.reduction());
    print_origin(artifact.origin());
    Ok(())
}

/// `export-snarkjs`.
pub fn export_snarkjs(args: &ExportSnarkjsArgs) -> Result<(), CliError> {
    let vk: VerifyingKey = files::read_verifying_key(&args.vk)?;
    // Everything is checked before anything is written.
    let presentation = match &args.presentation {
        None => None,
        Some(file) => {
            let presentation = files::read_presentation(file)?;
            if presentation.key_id != vk.id() {
                return Err(CliError::Keys(format!(
                    "{} was made under key {}, not {} ({})",
                    shown(file),
                    presentation.key_id,
                    vk.id(),
                    shown(&args.vk)
                )));
            }
            Some(presentation)
        }
    };
    let key_path = args.out_dir.join("verification_key.json");
    files::write_json(&key_path, &json::verification_key(&vk))?;
    say!("written {}", shown(&key_path));
    if let Some(presentation) = presentation {
        let proof_path = args.out_dir.join("proof.json");
        let public_path = args.out_dir.join("public.json");
        files::write_json(&proof_path, &json::proof(&presentation.proof))?;
        let inputs = presentation.statement.to_field_elements();
        files::write_json(&public_path, &json::public(&inputs))?;
        say!("written {}", shown(&proof_path));
        say!("written {}", shown(&public_path));
    }
    Ok(())
}
