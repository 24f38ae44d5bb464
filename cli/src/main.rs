//! The `zkhealth` command line. Run `zkhealth --help`, or `zkhealth demo` for the whole flow.
//!
//! Commands are grouped by party: [`keys`] (development setup), [`ceremony`] (keys from a
//! snarkjs ceremony, and snarkjs's files), [`issuer`] (with [`import`] for health certificates),
//! [`holder`],
//! [`verifier`] (with [`claim`] for insurers' claims), [`chain`] and [`evm`] (contracts and calldata), and the [`demo`] that runs them
//! all; [`files`] and [`error`] are shared by every party. No party module uses another's
//! commands except the verifier, which reads roots from the chain.

#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod ceremony;
mod chain;
mod claim;
mod demo;
mod error;
mod evm;
mod files;
mod holder;
mod import;
mod issuer;
mod keys;
mod nullifiers;
mod qr;
mod serve;
mod verifier;
mod web;

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};

use crate::error::CliError;

/// Zero-knowledge health credentials: issue, prove and verify claims about health records
/// without revealing them (Groth16 over BN254, Poseidon commitments, Merkle registries).
///
/// Quick start: `zkhealth demo` runs the whole flow with built-in data.
#[derive(Debug, Parser)]
#[command(name = "zkhealth", version, propagate_version = true)]
pub struct Cli {
    /// Directory for cached keys and the demo's registry.
    #[arg(
        long,
        global = true,
        env = "ZKHEALTH_DATA_DIR",
        default_value = "./.zkhealth"
    )]
    pub data_dir: PathBuf,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole flow (keys, issuer, holder, verifier, rejections) on built-in data.
    Demo(DemoArgs),
    /// Generate proving and verifying keys for a registry depth (development setup).
    Setup(keys::SetupArgs),
    /// Write a circuit's constraints as an iden3 `.r1cs` file, for a snarkjs ceremony.
    ExportR1cs(ceremony::ExportR1csArgs),
    /// Import a snarkjs ceremony's final `.zkey`: checked against the circuit, written as a
    /// proving artifact and verifying key recording the ceremony.
    ImportZkey(ceremony::ImportZkeyArgs),
    /// Describe key files.
    #[command(subcommand)]
    Keys(ceremony::KeysCommand),
    /// Write snarkjs's `verification_key.json` for a key, and `proof.json` and `public.json` for
    /// a presentation, for `snarkjs groth16 verify`.
    ExportSnarkjs(ceremony::ExportSnarkjsArgs),
    /// Generate a holder secret and print its holder key.
    HolderKey(holder::HolderKeyArgs),
    /// Issue a credential: commit a record and append it to the issuer's registry.
    Issue(issuer::IssueArgs),
    /// Show what an EU Digital COVID Certificate, a SMART Health Card or a FHIR R4 resource
    /// says, and whether its signature and validity check out.
    Inspect(import::InspectArgs),
    /// Revoke a credential: empty its leaf and publish the new root.
    Revoke(issuer::RevokeArgs),
    /// Write the Merkle path of a leaf (for the holder).
    Path(issuer::PathArgs),
    /// Write the registry's roots with the issuer they belong to (for verifiers and holders).
    Roots(issuer::RootsArgs),
    /// Write a verifier policy.
    #[command(subcommand)]
    Policy(verifier::PolicyCommand),
    /// Print a fresh random challenge (a verifier's nonce), or with `--contract` and `--sender`
    /// the challenge a presentation contract expects from that sender.
    Challenge(chain::ChallengeArgs),
    /// Print the nullifier scope of a verifier and an event.
    Scope(verifier::ScopeCommandArgs),
    /// Prove a policy about a credential: write a presentation.
    Prove(holder::ProveArgs),
    /// Verify a presentation (exit code 3 when it is refused).
    Verify(verifier::VerifyArgs),
    /// Claims over a coverage credential and a treatment record of one holder: prove, verify.
    #[command(subcommand)]
    Claim(claim::ClaimCommand),
    /// Deploy the registry contract to an EVM chain (prints its address).
    DeployRegistry(chain::DeployRegistryArgs),
    /// Publish a registry root to the registry contract.
    PublishRoot(chain::PublishRootArgs),
    /// Withdraw a root from the registry contract (owner): never accepted or published again.
    InvalidateRoot(chain::InvalidateRootArgs),
    /// Appoint the registry contract's issuer (owner), optionally invalidating every earlier
    /// root.
    SetIssuer(chain::SetIssuerArgs),
    /// Show the registry contract's current root, window, issuer, epochs and owner.
    ChainRoots(chain::ChainRootsArgs),
    /// Deploy a presentation contract for a verifying key (prints its address), accepting
    /// policies.
    DeployPresentation(chain::DeployPresentationArgs),
    /// Accept presentations of a policy on a presentation contract (owner).
    AcceptPolicy(chain::AcceptPolicyArgs),
    /// Submit a presentation to a presentation contract (exit code 3 when it is refused).
    SubmitPresentation(chain::SubmitPresentationArgs),
    /// Name the pending owner of a registry or presentation contract (owner; the zero address
    /// cancels).
    TransferOwnership(chain::TransferOwnershipArgs),
    /// Take over a registry or presentation contract as its pending owner.
    AcceptOwnership(chain::AcceptOwnershipArgs),
    /// Write the deployment of the shipped Groth16 verifier for a verifying key (JSON: ABI,
    /// constructor arguments, creation code).
    ExportSolidity(evm::ExportSolidityArgs),
    /// Print the `verifyPresentation` calldata of a presentation (hex, or words as JSON).
    Calldata(evm::CalldataArgs),
    /// Serve the checkpoint and wallet pages and their configuration locally.
    Web(web::WebArgs),
    /// Run the verification service (HTTP API; durable challenges and nullifiers in redb or
    /// PostgreSQL).
    Serve(serve::ServeArgs),
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Registry depth (1 to 16; depth d holds 4^d credentials); keys are cached per depth in
    /// `<data-dir>/keys/`.
    #[arg(long, default_value_t = zkhealth::circuits::merkle::DEFAULT_DEPTH)]
    pub depth: u32,
}

/// Runs a parsed command line.
fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Demo(args) => demo::run(&cli.data_dir, args.depth),
        Command::Setup(args) => keys::setup(&args),
        Command::ExportR1cs(args) => ceremony::export_r1cs(&args),
        Command::ImportZkey(args) => ceremony::import_zkey(&args),
        Command::Keys(ceremony::KeysCommand::Info(args)) => ceremony::keys_info(&args),
        Command::ExportSnarkjs(args) => ceremony::export_snarkjs(&args),
        Command::HolderKey(args) => holder::holder_key(&args),
        Command::Issue(args) => issuer::issue(&args),
        Command::Inspect(args) => import::inspect(&args),
        Command::Revoke(args) => issuer::revoke(&args),
        Command::Path(args) => issuer::path(&args),
        Command::Roots(args) => issuer::roots(&args),
        Command::Policy(cmd) => verifier::policy(&cmd),
        Command::Challenge(args) if args.contract.is_none() => verifier::challenge(&args),
        Command::Challenge(args) => chain::challenge(&args),
        Command::Scope(args) => verifier::scope(&args),
        Command::Prove(args) => holder::prove(&args),
        Command::Verify(args) => verifier::verify(&args),
        Command::Claim(cmd) => claim::run(&cmd),
        Command::DeployRegistry(args) => chain::deploy_registry(&args),
        Command::PublishRoot(args) => chain::publish_root(&args),
        Command::InvalidateRoot(args) => chain::invalidate_root(&args),
        Command::SetIssuer(args) => chain::set_issuer(&args),
        Command::ChainRoots(args) => chain::chain_roots(&args),
        Command::DeployPresentation(args) => chain::deploy_presentation(&args),
        Command::AcceptPolicy(args) => chain::accept_policy(&args),
        Command::SubmitPresentation(args) => chain::submit_presentation(&args),
        Command::TransferOwnership(args) => chain::transfer_ownership(&args),
        Command::AcceptOwnership(args) => chain::accept_ownership(&args),
        Command::ExportSolidity(args) => evm::export_solidity(&args),
        Command::Calldata(args) => evm::calldata(&args),
        Command::Web(args) => web::web(&args),
        Command::Serve(args) => serve::serve(&args),
    }
}

fn main() -> ExitCode {
    // A panic of the database engine on a corrupted registry file comes back as an error that
    // names the file; the default hook would print it as a crash first.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !zkhealth::registry::store::converting_panics() {
            default_hook(info);
        }
    }));
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_runs_at_the_default_depth_unless_told() {
        let Ok(cli) = Cli::try_parse_from(["zkhealth", "demo"]) else {
            panic!("`zkhealth demo` parses");
        };
        let Command::Demo(args) = cli.command else {
            panic!("`zkhealth demo` is the demo");
        };
        assert_eq!(args.depth, zkhealth::circuits::merkle::DEFAULT_DEPTH);
        assert!(args.depth <= zkhealth::circuits::merkle::MAX_DEPTH);
    }
}
