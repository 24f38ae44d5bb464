//! The EVM export commands: the deployment of the shipped Groth16 verifier for a verifying key,
//! and the calldata of a presentation for the presentation contract.

use std::path::PathBuf;

use clap::Args;
use zkhealth_evm::{verify_presentation_calldata, CalldataJson, VerifierDeployment};
use zkhealth_rpc::RpcError;

use crate::{
    chain,
    error::CliError,
    files::{self, shown},
    say,
};

/// `export-solidity`.
#[derive(Debug, Args)]
pub struct ExportSolidityArgs {
    /// The verifying key (`presentation-depth-N.vk`).
    #[arg(long)]
    pub vk: PathBuf,
    /// Where to write the verifier's deployment (JSON: the contract's ABI, the key as
    /// constructor arguments, and the creation code to send).
    #[arg(long)]
    pub out: PathBuf,
}

/// `calldata`.
#[derive(Debug, Args)]
pub struct CalldataArgs {
    /// The presentation (JSON, or a file holding its `ZKH1:` QR text). Its challenge must be the
    /// contract's `challengeFor(sender, context)`.
    #[arg(long)]
    pub presentation: PathBuf,
    /// The context the challenge was made for (as `challenge --context`); default none.
    #[arg(long)]
    pub context: Option<String>,
    /// Print every word as JSON instead of the raw calldata.
    #[arg(long)]
    pub json: bool,
}

/// `export-solidity`: writes what deploying the shipped Groth16 verifier (compiled once, the key
/// in its constructor arguments) for a verifying key takes.
pub fn export_solidity(args: &ExportSolidityArgs) -> Result<(), CliError> {
    let key = files::read_verifying_key(&args.vk)?;
    let deployment = VerifierDeployment::new(&key).map_err(RpcError::from)?;
    let json = serde_json::to_string_pretty(&deployment).map_err(|e| CliError::Write {
        path: args.out.clone(),
        source: std::io::Error::other(e),
    })?;
    files::write_bytes(&args.out, format!("{json}\n").as_bytes())?;
    say!("Verifier deployment written to {}", shown(&args.out));
    say!("  key id          {}", key.id());
    say!("  registry depth  {}", key.depth());
    say!(
        "  contract        Groth16Verifier (verifyProof(uint256[8], uint256[{}]))",
        zkhealth::circuits::Statement::NUM_INPUTS
    );
    say!("  compiler        solc {}", deployment.solc);
    Ok(())
}

/// `calldata`: prints the ABI-encoded `verifyPresentation` calldata of a presentation.
pub fn calldata(args: &CalldataArgs) -> Result<(), CliError> {
    let presentation = files::read_presentation(&args.presentation)?;
    let context = chain::context(args.context.as_deref())?;
    if args.json {
        let json = serde_json::to_string_pretty(&CalldataJson::new(&presentation, context))
            .map_err(|e| CliError::Write {
                path: PathBuf::from("<stdout>"),
                source: std::io::Error::other(e),
            })?;
        say!("{json}");
    } else {
        say!(
            "0x{}",
            hex::encode(verify_presentation_calldata(&presentation, context))
        );
    }
    Ok(())
}
