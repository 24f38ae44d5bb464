//! The chain commands: deploy the registry contract, publish roots to it, withdraw them, appoint
//! its issuer, read it; deploy a presentation contract for a verifying key, accept policies on
//! it, submit presentations to it, and compute the challenge it expects; move the ownership of
//! either contract in two steps; and the on-chain root source of `verify`.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use clap::Args;
use zkhealth::{
    circuits::{
        codes,
        field::{fr_to_bytes_be, fr_to_hex},
        Fr, Scope,
    },
    registry::store::{RegistryStore, StoreError},
    verifier::{KeyId, VerifyError},
};
use zkhealth_evm::{
    accepted_policy, challenge_for, user_context, verify_presentation_calldata, AcceptedPolicy,
    NO_CONTEXT,
};
use zkhealth_rpc::{
    parse_address, Address, Client, EvmRoots, Mined, ReadAt, RpcError, RpcOptions, SignerKey,
};

use crate::{
    error::CliError,
    files::{self, shown},
};

/// The node to talk to.
#[derive(Debug, Args)]
pub struct RpcArgs {
    /// The node's JSON-RPC URL (`http://host:port`).
    #[arg(long)]
    pub rpc_url: String,
    /// Time limit for each request to the node, in seconds.
    #[arg(long, default_value_t = 10)]
    pub rpc_timeout_secs: u64,
}

/// The key that signs transactions (exactly one of the two).
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct KeyArgs {
    /// The signer's private key (64 hex digits). Other local users may see command lines:
    /// prefer `--private-key-file`.
    #[arg(long)]
    pub private_key: Option<String>,
    /// A file holding the signer's private key (64 hex digits).
    #[arg(long)]
    pub private_key_file: Option<PathBuf>,
}

/// `deploy-registry`.
#[derive(Debug, Args)]
pub struct DeployRegistryArgs {
    /// The node.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The deployer's key; the deployer becomes the contract's owner.
    #[command(flatten)]
    pub key: KeyArgs,
    /// The address allowed to publish roots.
    #[arg(long)]
    pub issuer: String,
    /// How long a replaced root stays accepted, in seconds.
    #[arg(long)]
    pub window_secs: u64,
}

/// `publish-root`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("root_from").required(true).multiple(false).args(["root", "db"]))]
pub struct PublishRootArgs {
    /// The node.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The registry contract's address.
    #[arg(long)]
    pub registry: String,
    /// The issuer's key.
    #[command(flatten)]
    pub key: KeyArgs,
    /// The root to publish (`0x` + 64 hex digits).
    #[arg(long)]
    pub root: Option<String>,
    /// The issuer's registry database: publish its current root (and, if an invalidation or an
    /// issuer rotation left the database without a current root, record the publication there
    /// too).
    #[arg(long)]
    pub db: Option<PathBuf>,
}

/// `invalidate-root`.
#[derive(Debug, Args)]
pub struct InvalidateRootArgs {
    /// The node.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The registry contract's address.
    #[arg(long)]
    pub registry: String,
    /// The registry owner's key.
    #[command(flatten)]
    pub key: KeyArgs,
    /// The root to withdraw (`0x` + 64 hex digits).
    #[arg(long)]
    pub root: String,
    /// The issuer's registry database: record the invalidation there too (at the local clock),
    /// so that the root history it exports agrees. The root must have been published from it;
    /// this is checked before anything is sent.
    #[arg(long)]
    pub db: Option<PathBuf>,
}

/// `set-issuer`.
#[derive(Debug, Args)]
pub struct SetIssuerArgs {
    /// The node.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The registry contract's address.
    #[arg(long)]
    pub registry: String,
    /// The registry owner's key.
    #[command(flatten)]
    pub key: KeyArgs,
    /// The address allowed to publish roots from now on.
    #[arg(long)]
    pub issuer: String,
    /// Stop accepting every root published before (the current one included), for instance
    /// because the previous issuer's key leaked; the new issuer then publishes the registry's
    /// root again (`publish-root --db`).
    #[arg(long)]
    pub invalidate_previous: bool,
    /// The issuer's registry database: record the rotation there too (at the local clock).
    #[arg(long)]
    pub db: Option<PathBuf>,
}

/// `transfer-ownership`.
#[derive(Debug, Args)]
pub struct TransferOwnershipArgs {
    /// The node.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The contract (a registry or a presentation contract).
    #[arg(long)]
    pub contract: String,
    /// The owner's key.
    #[command(flatten)]
    pub key: KeyArgs,
    /// The pending owner, who takes over with `accept-ownership`; the zero address cancels a
    /// pending transfer.
    #[arg(long)]
    pub new_owner: String,
}

/// `accept-ownership`.
#[derive(Debug, Args)]
pub struct AcceptOwnershipArgs {
    /// The node.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The contract (a registry or a presentation contract).
    #[arg(long)]
    pub contract: String,
    /// The pending owner's key.
    #[command(flatten)]
    pub key: KeyArgs,
}

/// `chain-roots`.
#[derive(Debug, Args)]
pub struct ChainRootsArgs {
    /// The node.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The registry contract's address.
    #[arg(long)]
    pub registry: String,
    /// Also show when this root (`0x` + 64 hex digits) was published and replaced.
    #[arg(long)]
    pub root: Option<String>,
}

/// `deploy-presentation`.
#[derive(Debug, Args)]
pub struct DeployPresentationArgs {
    /// The node.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The deployer's key; the deployer becomes the contract's owner (who accepts policies).
    #[command(flatten)]
    pub key: KeyArgs,
    /// The verifying key (`presentation-depth-N.vk`) the contract verifies proofs for.
    #[arg(long)]
    pub vk: PathBuf,
    /// The registry contract whose roots are accepted.
    #[arg(long)]
    pub registry: String,
    /// The event the contract's nullifiers are scoped to (a code, e.g. `2026-boarding`); the
    /// contract derives its scope from the chain, its own address and the event, and holders
    /// recompute it (`zkhealth scope --contract`).
    #[arg(long)]
    pub event: String,
    /// A policy to accept right away (JSON, without disclosed values); repeatable.
    #[arg(long)]
    pub policy: Vec<PathBuf>,
}

/// `accept-policy`.
#[derive(Debug, Args)]
pub struct AcceptPolicyArgs {
    /// The node.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The contract owner's key.
    #[command(flatten)]
    pub key: KeyArgs,
    /// The presentation contract's address.
    #[arg(long)]
    pub contract: String,
    /// The policy to accept (JSON, without disclosed values); repeatable.
    #[arg(long, required = true)]
    pub policy: Vec<PathBuf>,
}

/// `submit-presentation`.
#[derive(Debug, Args)]
pub struct SubmitPresentationArgs {
    /// The node.
    #[command(flatten)]
    pub rpc: RpcArgs,
    /// The sender's key: the presentation's challenge must be the contract's challenge for
    /// this sender (`zkhealth challenge --contract ADDR --sender ADDR`).
    #[command(flatten)]
    pub key: KeyArgs,
    /// The presentation contract's address.
    #[arg(long)]
    pub contract: String,
    /// The presentation (JSON, or a file holding its `ZKH1:` QR text).
    #[arg(long)]
    pub presentation: PathBuf,
    /// What the challenge binds besides the sender: `0x` + 64 hex digits, or an address (a
    /// contract that calls for a user passes that user); default none (the holder sends its own
    /// presentation).
    #[arg(long)]
    pub context: Option<String>,
}

/// `challenge`: without `--contract`, a random challenge; with it, the one the presentation
/// contract expects from `--sender` on the chain given by `--rpc-url` or `--chain-id`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("chain").multiple(false).args(["rpc_url", "chain_id"]))]
pub struct ChallengeArgs {
    /// The presentation contract's address.
    #[arg(long, requires_all = ["sender", "chain"])]
    pub contract: Option<String>,
    /// The address that will submit the presentation.
    #[arg(long, requires = "contract")]
    pub sender: Option<String>,
    /// Ask this node (JSON-RPC URL) for the chain id; if the contract is deployed there, its
    /// own `challengeFor(sender)` is checked against the one computed here.
    #[arg(long, requires = "contract")]
    pub rpc_url: Option<String>,
    /// The chain id, without asking a node.
    #[arg(long, requires = "contract")]
    pub chain_id: Option<u64>,
    /// What the challenge binds besides the sender: `0x` + 64 hex digits, or an address (a
    /// contract that calls for a user passes that user); default none (the holder sends its own
    /// presentation).
    #[arg(long, requires = "contract")]
    pub context: Option<String>,
    /// Time limit for each request to the node, in seconds.
    #[arg(long, default_value_t = 10)]
    pub rpc_timeout_secs: u64,
    /// Also write the challenge to this file (read back with `--challenge @FILE`).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn client(rpc: &RpcArgs) -> Result<Client, CliError> {
    client_for(&rpc.rpc_url, rpc.rpc_timeout_secs)
}

fn client_for(url: &str, timeout_secs: u64) -> Result<Client, CliError> {
    let options = RpcOptions {
        request_timeout: Duration::from_secs(timeout_secs.max(1)),
        ..RpcOptions::default()
    };
    Client::with_options(url, options).map_err(|e| argument("RPC URL", url, e))
}

fn argument(what: &'static str, value: &str, e: RpcError) -> CliError {
    CliError::Argument {
        what,
        value: value.into(),
        reason: e.to_string(),
    }
}

pub(crate) fn address(what: &'static str, value: &str) -> Result<Address, CliError> {
    parse_address(value).map_err(|e| argument(what, value, e))
}

/// The `--context` of a presentation to a contract: none (zero), 32 bytes in hex, or the
/// address of the user a calling contract acts for ([`user_context`]).
pub fn context(value: Option<&str>) -> Result<[u8; 32], CliError> {
    let Some(value) = value else {
        return Ok(NO_CONTEXT);
    };
    let digits = value.strip_prefix("0x").unwrap_or(value);
    if digits.len() == 40 {
        return Ok(user_context(address("context", value)?.into_array()));
    }
    let mut context = [0u8; 32];
    hex::decode_to_slice(digits, &mut context).map_err(|e| CliError::Argument {
        what: "context",
        value: value.into(),
        reason: format!("{e}: give 0x + 64 hex digits or an address"),
    })?;
    Ok(context)
}

fn signer(key: &KeyArgs) -> Result<SignerKey, CliError> {
    match (&key.private_key, &key.private_key_file) {
        (Some(hex), _) => {
            SignerKey::from_hex(hex).map_err(|e| argument("--private-key", "<not shown>", e))
        }
        (None, Some(path)) => SignerKey::from_hex(&files::read_text(path)?)
            .map_err(|e| argument("--private-key-file", &shown(path), e)),
        (None, None) => Err(CliError::Argument {
            what: "private key",
            value: String::new(),
            reason: "give --private-key or --private-key-file".into(),
        }),
    }
}

fn print_tx(tx: &Mined) {
    match tx.block_number {
        Some(block) => println!(
            "  transaction {} (block {block}, gas {})",
            tx.tx_hash, tx.gas_used
        ),
        None => println!("  transaction {} (gas {})", tx.tx_hash, tx.gas_used),
    }
}

/// `deploy-registry`: prints the new contract's address on the first line.
pub fn deploy_registry(args: &DeployRegistryArgs) -> Result<(), CliError> {
    let client = client(&args.rpc)?;
    let signer = signer(&args.key)?;
    let issuer = address("issuer address", &args.issuer)?;
    let deployed = client.deploy_registry(&signer, issuer, args.window_secs)?;
    println!("{}", deployed.address);
    println!("  owner   {}", signer.address());
    println!("  issuer  {issuer}");
    println!("  window  {} s", args.window_secs);
    print_tx(&deployed.tx);
    Ok(())
}

/// `publish-root`.
pub fn publish_root(args: &PublishRootArgs) -> Result<(), CliError> {
    let client = client(&args.rpc)?;
    let registry = address("registry address", &args.registry)?;
    let signer = signer(&args.key)?;
    let (root, mut store) = match (&args.root, &args.db) {
        (Some(hex), _) => (files::parse_fr("root", hex)?, None),
        (None, Some(db)) => {
            let store = RegistryStore::open(db)?;
            // The database must be able to record the publication: checked before sending.
            store
                .registry()
                .prepare_publish(files::unix_now()?)
                .map_err(StoreError::from)?;
            (store.root(), Some(store))
        }
        (None, None) => {
            return Err(CliError::Argument {
                what: "root",
                value: String::new(),
                reason: "give --root or --db".into(),
            })
        }
    };
    let previous = client.current_root(registry)?;
    if previous == Some(root) {
        println!(
            "root {} is already the current root of registry {registry}; nothing to publish",
            fr_to_hex(&root)
        );
    } else {
        let tx = client.publish_root(&signer, registry, &root)?;
        println!("published root {} to registry {registry}", fr_to_hex(&root));
        print_tx(&tx);
        if let Some(previous) = previous {
            let window = client.freshness_window(registry)?;
            println!(
                "  replaced root {} (accepted for {window} s more)",
                fr_to_hex(&previous)
            );
        }
    }
    // After an invalidation or a rotation the database has no current root either: it records
    // the publication too.
    if let Some(store) = store.as_mut() {
        if store.publish_root(files::unix_now()?)? {
            println!("  recorded the publication in {}", shown(store.file()));
        }
    }
    Ok(())
}

/// `invalidate-root`.
pub fn invalidate_root(args: &InvalidateRootArgs) -> Result<(), CliError> {
    let client = client(&args.rpc)?;
    let registry = address("registry address", &args.registry)?;
    let signer = signer(&args.key)?;
    let root = files::parse_fr("root", &args.root)?;
    // The database must be able to record it: checked before anything is sent.
    let mut store = args
        .db
        .as_ref()
        .map(|db| -> Result<_, CliError> {
            let store = RegistryStore::open(db)?;
            store
                .history()
                .invalidation(root, files::unix_now()?)
                .map_err(StoreError::from)?;
            Ok(store)
        })
        .transpose()?;
    let was_current = client.current_root(registry)? == Some(root);
    let tx = client.invalidate_root(&signer, registry, &root)?;
    println!(
        "invalidated root {} on registry {registry}: never accepted or published again",
        fr_to_hex(&root)
    );
    print_tx(&tx);
    if was_current {
        println!("  it was the current root: there is none until the next publication");
    }
    if let Some(store) = store.as_mut() {
        store.invalidate_root(root, files::unix_now()?)?;
        println!("  recorded in {}", shown(store.file()));
    }
    Ok(())
}

/// `set-issuer`.
pub fn set_issuer(args: &SetIssuerArgs) -> Result<(), CliError> {
    let client = client(&args.rpc)?;
    let registry = address("registry address", &args.registry)?;
    let signer = signer(&args.key)?;
    let issuer = address("issuer address", &args.issuer)?;
    let mut store = args
        .db
        .as_ref()
        .map(|db| -> Result<_, CliError> {
            let store = RegistryStore::open(db)?;
            store
                .history()
                .rotation(files::unix_now()?, args.invalidate_previous)
                .map_err(StoreError::from)?;
            Ok(store)
        })
        .transpose()?;
    let previous = client.issuer(registry)?;
    let tx = client.set_issuer(&signer, registry, issuer, args.invalidate_previous)?;
    let epoch = client.issuer_epoch(registry)?;
    println!("issuer of registry {registry} is now {issuer} (epoch {epoch})");
    println!("  previous issuer {previous}");
    print_tx(&tx);
    if args.invalidate_previous {
        println!(
            "  every root published before epoch {epoch} is no longer accepted; there is no \
             current root until the new issuer publishes (publish-root --db)"
        );
    }
    if let Some(store) = store.as_mut() {
        let local = store.rotate_issuer(files::unix_now()?, args.invalidate_previous)?;
        println!("  recorded in {} (epoch {local})", shown(store.file()));
    }
    Ok(())
}

/// `transfer-ownership`.
pub fn transfer_ownership(args: &TransferOwnershipArgs) -> Result<(), CliError> {
    let client = client(&args.rpc)?;
    let contract = address("contract address", &args.contract)?;
    let signer = signer(&args.key)?;
    let new_owner = address("new owner address", &args.new_owner)?;
    let tx = client.transfer_ownership(&signer, contract, new_owner)?;
    if new_owner == Address::ZERO {
        println!("cancelled the pending ownership transfer of {contract}");
    } else {
        println!(
            "pending owner of {contract} is now {new_owner}: it takes over with \
             accept-ownership; until then {} stays the owner",
            signer.address()
        );
    }
    print_tx(&tx);
    Ok(())
}

/// `accept-ownership`.
pub fn accept_ownership(args: &AcceptOwnershipArgs) -> Result<(), CliError> {
    let client = client(&args.rpc)?;
    let contract = address("contract address", &args.contract)?;
    let signer = signer(&args.key)?;
    let previous = client.owner(contract)?;
    let tx = client.accept_ownership(&signer, contract)?;
    println!("owner of {contract} is now {}", signer.address());
    println!("  previous owner {previous}");
    print_tx(&tx);
    Ok(())
}

/// `chain-roots`.
pub fn chain_roots(args: &ChainRootsArgs) -> Result<(), CliError> {
    let client = client(&args.rpc)?;
    let registry = address("registry address", &args.registry)?;
    let root = args
        .root
        .as_deref()
        .map(|hex| files::parse_fr("root", hex))
        .transpose()?;
    let window = client.freshness_window(registry)?;
    println!("registry {registry} at {}", client.url());
    match client.current_root(registry)? {
        Some(current) => {
            let since = client
                .root_info(registry, &current)?
                .map(|i| format!(" (published at {})", i.published_at))
                .unwrap_or_default();
            println!("  current root {}{since}", fr_to_hex(&current));
        }
        None => println!(
            "  current root none (nothing published yet, or the current root was invalidated)"
        ),
    }
    println!("  freshness window {window} s");
    println!("  issuer {}", client.issuer(registry)?);
    println!(
        "  issuer epoch {} (roots of epochs before {} are not accepted)",
        client.issuer_epoch(registry)?,
        client.min_accepted_epoch(registry)?
    );
    println!("  owner  {}", client.owner(registry)?);
    if let Some(pending) = client.pending_owner(registry)? {
        println!("  pending owner {pending}");
    }
    if let Some(root) = root {
        print_root_info(&client, registry, &root, window)?;
    }
    Ok(())
}

fn print_root_info(
    client: &Client,
    registry: Address,
    root: &Fr,
    window: u64,
) -> Result<(), CliError> {
    let hex = fr_to_hex(root);
    let Some(info) = client.root_info(registry, root)? else {
        println!("  root {hex}: never published");
        return Ok(());
    };
    let published = format!(
        "last published at {} (epoch {})",
        info.published_at, info.epoch
    );
    if info.invalidated {
        println!("  root {hex}: {published}, invalidated: never accepted");
    } else if info.epoch < client.min_accepted_epoch(registry)? {
        println!("  root {hex}: {published}, its epoch was invalidated: not accepted");
    } else {
        match info.replaced_at {
            None => println!("  root {hex}: {published}, current"),
            Some(replaced) => println!(
                "  root {hex}: {published}, replaced at {replaced}, accepted until {} \
                 (exclusive)",
                replaced.saturating_add(window)
            ),
        }
    }
    Ok(())
}

/// How the contract accepts the policy file at `path` ([`zkhealth_evm::accepted_policy`]:
/// never a disclosing policy).
fn accepted_policy_file(path: &Path) -> Result<AcceptedPolicy, CliError> {
    let policy = files::read_policy(path)?;
    accepted_policy(&policy).map_err(|e| CliError::Argument {
        what: "policy",
        value: shown(path),
        reason: e.to_string(),
    })
}

fn accept(
    client: &Client,
    signer: &SignerKey,
    contract: Address,
    policies: &[(PathBuf, AcceptedPolicy)],
) -> Result<(), CliError> {
    for (path, accepted) in policies {
        let tx = client.accept_policy(
            signer,
            contract,
            &accepted.query_hash,
            accepted.admits_later_day,
        )?;
        println!(
            "  accepted policy {} (query hash {}, {})",
            shown(path),
            fr_to_hex(&accepted.query_hash),
            if accepted.admits_later_day {
                "the block's day or the next"
            } else {
                "the block's day only"
            }
        );
        print_tx(&tx);
    }
    Ok(())
}

/// `deploy-presentation`: deploys the shipped presentation contract with a verifying key as its
/// constructor arguments and accepts the given policies; prints the contract's address on the
/// first line.
pub fn deploy_presentation(args: &DeployPresentationArgs) -> Result<(), CliError> {
    // Everything that can be refused is checked before deploying.
    let client = client(&args.rpc)?;
    let signer = signer(&args.key)?;
    let registry = address("registry address", &args.registry)?;
    let event = fr_to_bytes_be(&codes::encode(&args.event)?);
    let key = files::read_verifying_key(&args.vk)?;
    let policies = args
        .policy
        .iter()
        .map(|path| Ok((path.clone(), accepted_policy_file(path)?)))
        .collect::<Result<Vec<_>, CliError>>()?;
    if !client.has_code(registry)? {
        return Err(RpcError::NoContractCode { address: registry }.into());
    }

    let deployed = client.deploy_presentation(&signer, &key, registry, &args.event)?;
    let contract = deployed.address;
    // The scope holders derive must be the one the contract computed.
    let scope = Scope::of_contract_word(client.chain_id()?, contract.into_array(), event);
    let on_chain = client.presentation_scope(contract)?;
    if on_chain != scope.value() {
        return Err(CliError::Argument {
            what: "contract address",
            value: contract.to_string(),
            reason: format!(
                "its scope is {}, not {scope} as holders derive it: not a zkhealth presentation \
                 contract?",
                fr_to_hex(&on_chain)
            ),
        });
    }
    println!("{contract}");
    println!("  owner     {}", signer.address());
    println!("  registry  {registry}");
    println!("  event     {}", args.event);
    println!("  scope     {scope}");
    println!("  key id    {}", key.id());
    print_tx(&deployed.tx);
    accept(&client, &signer, contract, &policies)
}

/// `accept-policy`.
pub fn accept_policy(args: &AcceptPolicyArgs) -> Result<(), CliError> {
    let client = client(&args.rpc)?;
    let signer = signer(&args.key)?;
    let contract = address("contract address", &args.contract)?;
    let policies = args
        .policy
        .iter()
        .map(|path| Ok((path.clone(), accepted_policy_file(path)?)))
        .collect::<Result<Vec<_>, CliError>>()?;
    println!("contract {contract}");
    accept(&client, &signer, contract, &policies)
}

/// `challenge --contract --sender`: the challenge a presentation contract expects from a
/// sender (without them, `challenge` is the verifier's random one).
pub fn challenge(args: &ChallengeArgs) -> Result<(), CliError> {
    let (Some(contract), Some(sender)) = (&args.contract, &args.sender) else {
        return Err(CliError::Argument {
            what: "contract",
            value: String::new(),
            reason: "give --contract and --sender".into(),
        });
    };
    let contract = address("contract address", contract)?;
    let sender = address("sender address", sender)?;
    let context = context(args.context.as_deref())?;
    let challenge = match (&args.rpc_url, args.chain_id) {
        (_, Some(chain_id)) => challenge_for(
            chain_id,
            contract.into_array(),
            sender.into_array(),
            context,
        ),
        (Some(url), None) => {
            let client = client_for(url, args.rpc_timeout_secs)?;
            let chain_id = client.chain_id()?;
            let challenge = challenge_for(
                chain_id,
                contract.into_array(),
                sender.into_array(),
                context,
            );
            // The contract may not be deployed yet; if it is, it must agree.
            if client.has_code(contract)? {
                let on_chain = client.challenge_for(contract, sender, context)?;
                if on_chain != challenge {
                    return Err(CliError::Argument {
                        what: "contract address",
                        value: contract.to_string(),
                        reason: format!(
                            "its challengeFor({sender}, context) is {}, not {} as a presentation \
                             contract on chain {chain_id} computes: not a zkhealth presentation \
                             contract?",
                            fr_to_hex(&on_chain),
                            fr_to_hex(&challenge)
                        ),
                    });
                }
            }
            challenge
        }
        (None, None) => {
            return Err(CliError::Argument {
                what: "chain",
                value: String::new(),
                reason: "give --rpc-url or --chain-id with --contract".into(),
            })
        }
    };
    println!("{}", fr_to_hex(&challenge));
    if let Some(out) = &args.out {
        files::write_fr(out, &challenge)?;
    }
    Ok(())
}

/// `submit-presentation`: sends a presentation to the presentation contract. A presentation
/// the contract refuses ends the process with exit code 3 and the decoded reason, as `verify`
/// does; other failures are errors (exit code 1).
pub fn submit_presentation(args: &SubmitPresentationArgs) -> Result<(), CliError> {
    let client = client(&args.rpc)?;
    let signer = signer(&args.key)?;
    let contract = address("contract address", &args.contract)?;
    let presentation = files::read_presentation(&args.presentation)?;
    // The contract verifies proofs of one key: a presentation for another is refused here,
    // with both ids, rather than as an invalid proof on chain.
    let contract_key = KeyId(client.verifying_key_id(contract)?);
    if presentation.key_id != contract_key {
        return Err(CliError::Rejected(VerifyError::WrongKey {
            expected: contract_key,
            got: presentation.key_id,
        }));
    }
    let calldata = verify_presentation_calldata(&presentation, context(args.context.as_deref())?);
    match client.submit_presentation(&signer, contract, &calldata) {
        Ok(tx) => {
            println!(
                "presentation ACCEPTED on chain by {contract}: transaction {}, gas used {}",
                tx.tx_hash, tx.gas_used
            );
            if let Some(block) = tx.block_number {
                println!("  block      {block}");
            }
            println!("  sender     {}", signer.address());
            println!(
                "  nullifier  {} (now used)",
                fr_to_hex(&presentation.statement.nullifier)
            );
            Ok(())
        }
        Err(e @ RpcError::Reverted { .. }) => Err(CliError::ChainRejected(e)),
        Err(e) => Err(e.into()),
    }
}

/// The registry contract at `registry` on chain `chain_id`, through the node at `url`, as a
/// root source for `verify`.
pub fn evm_roots(url: &str, registry: &str, chain_id: u64) -> Result<EvmRoots, CliError> {
    let registry = address("registry address", registry)?;
    EvmRoots::new(url, registry, chain_id).map_err(|e| argument("RPC URL", url, e))
}

/// `--read-at`: `latest`, `safe`, `finalized`, or a number of confirmations.
pub fn parse_read_at(text: &str) -> Result<ReadAt, CliError> {
    match text {
        "latest" => Ok(ReadAt::Latest),
        "safe" => Ok(ReadAt::Safe),
        "finalized" => Ok(ReadAt::Finalized),
        n => n
            .parse::<u64>()
            .map(ReadAt::Confirmations)
            .map_err(|_| CliError::Argument {
                what: "--read-at",
                value: text.into(),
                reason: "give latest, safe, finalized or a number of confirmations".into(),
            }),
    }
}
