//! The `zkhealth` command line: argument definitions and dispatch.

pub mod chain;
pub mod commands;
mod error;
pub mod evm;
pub mod files;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use error::CliError;

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
    Setup(SetupArgs),
    /// Generate a holder secret and print its holder key.
    HolderKey(HolderKeyArgs),
    /// Issue a credential: commit a record and append it to the issuer's registry.
    Issue(IssueArgs),
    /// Revoke a credential: empty its leaf and publish the new root.
    Revoke(RevokeArgs),
    /// Write the Merkle path of a leaf (for the holder).
    Path(PathArgs),
    /// Write the registry's root history (for verifiers).
    Roots(RootsArgs),
    /// Write a verifier policy.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print a fresh random challenge (a verifier's nonce), or with `--contract` and `--sender`
    /// the challenge a presentation contract expects from that sender.
    Challenge(chain::ChallengeArgs),
    /// Print the nullifier scope of a verifier and an event.
    Scope(ScopeArgs),
    /// Prove a policy about a credential: write a presentation.
    Prove(ProveArgs),
    /// Verify a presentation (exit code 3 when it is refused).
    Verify(VerifyArgs),
    /// Deploy the registry contract to an EVM chain (prints its address).
    DeployRegistry(chain::DeployRegistryArgs),
    /// Publish a registry root to the registry contract.
    PublishRoot(chain::PublishRootArgs),
    /// Show the registry contract's current root, window, issuer and owner.
    ChainRoots(chain::ChainRootsArgs),
    /// Deploy a presentation contract for a verifying key (prints its address), accepting
    /// policies.
    DeployPresentation(chain::DeployPresentationArgs),
    /// Accept presentations of a policy on a presentation contract (owner).
    AcceptPolicy(chain::AcceptPolicyArgs),
    /// Submit a presentation to a presentation contract (exit code 3 when it is refused).
    SubmitPresentation(chain::SubmitPresentationArgs),
    /// Write the deployment of the shipped Groth16 verifier for a verifying key (JSON: ABI,
    /// constructor arguments, creation code).
    ExportSolidity(evm::ExportSolidityArgs),
    /// Print the `verifyPresentation` calldata of a presentation (hex, or words as JSON).
    Calldata(evm::CalldataArgs),
}

/// `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Registry depth (1 to 32); keys are cached per depth in `<data-dir>/keys/`.
    #[arg(long, default_value_t = 32)]
    pub depth: u32,
}

/// `setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Registry depth (1 to 32).
    #[arg(long)]
    pub depth: u32,
    /// Where to write `presentation-depth-N.pk` and `presentation-depth-N.vk`.
    #[arg(long)]
    pub out_dir: PathBuf,
}

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

/// `issue`.
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The issuer's registry database (created if missing).
    #[arg(long)]
    pub registry: PathBuf,
    /// Registry depth (must match an existing registry).
    #[arg(long)]
    pub depth: u32,
    /// Freshness window of replaced roots, in seconds (used when creating the registry; must
    /// match an existing one).
    #[arg(long, default_value_t = 86_400)]
    pub window_secs: u64,
    /// Issuer id (a code, e.g. `NL-RIVM`).
    #[arg(long)]
    pub issuer: String,
    /// The record (JSON: `{"schema": "vaccination", ...}`).
    #[arg(long)]
    pub record: PathBuf,
    /// The holder's public key (`0x` + 64 hex digits, from `zkhealth holder-key`).
    #[arg(long)]
    pub holder_key: String,
    /// Last day the credential is valid (`YYYY-MM-DD`).
    #[arg(long)]
    pub expiry: String,
    /// Where to write the credential (JSON: credential, record, leaf index).
    #[arg(long)]
    pub out: PathBuf,
}

/// `revoke`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The issuer's registry database.
    #[arg(long)]
    pub registry: PathBuf,
    /// The leaf to revoke.
    #[arg(long)]
    pub index: u64,
}

/// `path`.
#[derive(Debug, Args)]
pub struct PathArgs {
    /// The issuer's registry database.
    #[arg(long)]
    pub registry: PathBuf,
    /// The leaf.
    #[arg(long)]
    pub index: u64,
    /// Where to write the path (JSON).
    #[arg(long)]
    pub out: PathBuf,
}

/// `roots`.
#[derive(Debug, Args)]
pub struct RootsArgs {
    /// The issuer's registry database.
    #[arg(long)]
    pub registry: PathBuf,
    /// Where to write the root history (JSON).
    #[arg(long)]
    pub out: PathBuf,
}

/// `policy ...`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// An EU-authorised COVID-19 product, at least two doses, the last 14 to 365 days ago,
    /// holder at least 18.
    StandardVaccination(StandardVaccinationArgs),
    /// An age range in calendar years, on an identity (or vaccination) credential.
    Age(AgeArgs),
}

/// `policy standard-vaccination`.
#[derive(Debug, Args)]
pub struct StandardVaccinationArgs {
    /// The accepted issuer.
    #[arg(long)]
    pub issuer: String,
    /// Fields to disclose (e.g. `country`); repeatable.
    #[arg(long)]
    pub disclose: Vec<String>,
    /// Where to write the policy (JSON).
    #[arg(long)]
    pub out: PathBuf,
}

/// `policy age`.
#[derive(Debug, Args)]
pub struct AgeArgs {
    /// The accepted issuer.
    #[arg(long)]
    pub issuer: String,
    /// Minimum age in years (inclusive).
    #[arg(long)]
    pub min: Option<u32>,
    /// Maximum age in years (inclusive).
    #[arg(long)]
    pub max: Option<u32>,
    /// The credential schema: `identity` or `vaccination`.
    #[arg(long, default_value = "identity")]
    pub schema: String,
    /// Fields to disclose (e.g. `nationality`); repeatable.
    #[arg(long)]
    pub disclose: Vec<String>,
    /// Where to write the policy (JSON).
    #[arg(long)]
    pub out: PathBuf,
}

/// `scope`.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// Verifier id (a code, e.g. `checkpoint-AMS`).
    #[arg(long)]
    pub verifier: String,
    /// Event (a code, e.g. `2026-boarding`).
    #[arg(long)]
    pub event: String,
}

/// `prove`.
#[derive(Debug, Args)]
pub struct ProveArgs {
    /// The proving key (`presentation-depth-N.pk`).
    #[arg(long)]
    pub pk: PathBuf,
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

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The pinned verifying key (`presentation-depth-N.vk`).
    #[arg(long)]
    pub vk: PathBuf,
    /// The verifier's policy.
    #[arg(long)]
    pub policy: PathBuf,
    /// The issuer's root history (from `roots`); or give `--rpc-url` and `--registry`.
    #[arg(long, required_unless_present = "rpc_url", conflicts_with = "rpc_url")]
    pub roots: Option<PathBuf>,
    /// Read the roots from the registry contract on this node (JSON-RPC URL).
    #[arg(long, requires = "registry")]
    pub rpc_url: Option<String>,
    /// The registry contract's address (with `--rpc-url`).
    #[arg(long, requires = "rpc_url")]
    pub registry: Option<String>,
    /// The presentation (JSON, or a file holding its `ZKH1:` QR text).
    #[arg(long)]
    pub presentation: PathBuf,
    /// The challenge this verifier issued.
    #[arg(long)]
    pub challenge: String,
    /// This verifier's nullifier scope.
    #[arg(long)]
    pub scope: String,
    /// The verifier's date (`YYYY-MM-DD`; default: today, UTC).
    #[arg(long)]
    pub today: Option<String>,
    /// The verifier's time for the roots' freshness window (unix seconds; default: now).
    #[arg(long)]
    pub now: Option<u64>,
    /// Days the presentation's date may differ from the verifier's.
    #[arg(long, default_value_t = 1)]
    pub tolerance_days: u32,
    /// Used nullifiers (JSON): read if present, updated on acceptance.
    #[arg(long)]
    pub nullifiers: Option<PathBuf>,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Demo(args) => crate::demo::run(&cli.data_dir, args.depth),
        Command::Setup(args) => commands::setup(&args),
        Command::HolderKey(args) => commands::holder_key(&args),
        Command::Issue(args) => commands::issue(&args),
        Command::Revoke(args) => commands::revoke(&args),
        Command::Path(args) => commands::path(&args),
        Command::Roots(args) => commands::roots(&args),
        Command::Policy(cmd) => commands::policy(&cmd),
        Command::Challenge(args) => chain::challenge(&args),
        Command::Scope(args) => commands::scope(&args),
        Command::Prove(args) => commands::prove(&args),
        Command::Verify(args) => commands::verify(&args),
        Command::DeployRegistry(args) => chain::deploy_registry(&args),
        Command::PublishRoot(args) => chain::publish_root(&args),
        Command::ChainRoots(args) => chain::chain_roots(&args),
        Command::DeployPresentation(args) => chain::deploy_presentation(&args),
        Command::AcceptPolicy(args) => chain::accept_policy(&args),
        Command::SubmitPresentation(args) => chain::submit_presentation(&args),
        Command::ExportSolidity(args) => evm::export_solidity(&args),
        Command::Calldata(args) => evm::calldata(&args),
    }
}
