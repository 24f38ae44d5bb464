//! The EVM export commands: the Solidity verifier of a verifying key, and the calldata of a
//! presentation for the presentation contract.

use std::path::PathBuf;

use clap::Args;
use zkhealth_evm::{render_verifier, verify_presentation_calldata, CalldataJson};

use super::{
    files::{self, shown},
    CliError,
};

/// `export-solidity`.
#[derive(Debug, Args)]
pub struct ExportSolidityArgs {
    /// The verifying key (`presentation-depth-N.vk`).
    #[arg(long)]
    pub vk: PathBuf,
    /// Where to write the verifier (`Groth16Verifier.sol`: the name
    /// `contracts/src/ZkhPresentation.sol` imports it under).
    #[arg(long)]
    pub out: PathBuf,
}

/// `calldata`.
#[derive(Debug, Args)]
pub struct CalldataArgs {
    /// The presentation (JSON, or a file holding its `ZKH1:` QR text). Its challenge must be the
    /// contract's `challengeFor(sender)`.
    #[arg(long)]
    pub presentation: PathBuf,
    /// Print every word as JSON instead of the raw calldata.
    #[arg(long)]
    pub json: bool,
}

/// `export-solidity`: renders the Groth16 verifier of a verifying key.
pub fn export_solidity(args: &ExportSolidityArgs) -> Result<(), CliError> {
    let key = files::read_verifying_key(&args.vk)?;
    files::write_bytes(&args.out, render_verifier(&key).as_bytes())?;
    println!("Solidity verifier written to {}", shown(&args.out));
    println!("  key id          {}", key.id());
    println!("  registry depth  {}", key.depth());
    println!("  contract        Groth16Verifier (verifyProof(uint256[8], uint256[7]))");
    Ok(())
}

/// `calldata`: prints the ABI-encoded `verifyPresentation` calldata of a presentation.
pub fn calldata(args: &CalldataArgs) -> Result<(), CliError> {
    let presentation = files::read_presentation(&args.presentation)?;
    if args.json {
        let json =
            serde_json::to_string_pretty(&CalldataJson::new(&presentation)).map_err(|e| {
                CliError::Write {
                    path: PathBuf::from("<stdout>"),
                    source: std::io::Error::other(e),
                }
            })?;
        println!("{json}");
    } else {
        println!(
            "0x{}",
            hex::encode(verify_presentation_calldata(&presentation))
        );
    }
    Ok(())
}
