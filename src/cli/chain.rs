//! The chain commands: deploy the registry contract, publish roots to it, read it; and the
//! on-chain root source of `verify`.

use std::{path::PathBuf, time::Duration};

use clap::Args;
use zkhealth::{
    circuits::{field::fr_to_hex, Fr},
    store::RegistryStore,
    verifier::{LocalRoots, RootSource},
};
use zkhealth_rpc::{
    parse_address, Address, Client, EvmRoots, Mined, RpcError, RpcOptions, SignerKey,
};

use super::{
    files::{self, shown},
    CliError,
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
    /// The issuer's registry database: publish its current root.
    #[arg(long)]
    pub db: Option<PathBuf>,
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

fn client(rpc: &RpcArgs) -> Result<Client, CliError> {
    let options = RpcOptions {
        request_timeout: Duration::from_secs(rpc.rpc_timeout_secs.max(1)),
        ..RpcOptions::default()
    };
    Client::with_options(&rpc.rpc_url, options).map_err(|e| argument("RPC URL", &rpc.rpc_url, e))
}

fn argument(what: &'static str, value: &str, e: RpcError) -> CliError {
    CliError::Argument {
        what,
        value: value.into(),
        reason: e.to_string(),
    }
}

fn address(what: &'static str, value: &str) -> Result<Address, CliError> {
    parse_address(value).map_err(|e| argument(what, value, e))
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
    let root = match (&args.root, &args.db) {
        (Some(hex), _) => files::parse_fr("root", hex)?,
        (None, Some(db)) => RegistryStore::open(db)?.root(),
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
        return Ok(());
    }
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
        None => println!("  current root none (nothing published yet)"),
    }
    println!("  freshness window {window} s");
    println!("  issuer {}", client.issuer(registry)?);
    println!("  owner  {}", client.owner(registry)?);
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
    match client.root_info(registry, root)? {
        None => println!("  root {hex}: never published"),
        Some(info) => match info.replaced_at {
            None => println!("  root {hex}: published at {}, current", info.published_at),
            Some(replaced) => println!(
                "  root {hex}: published at {}, replaced at {replaced}, accepted until {} \
                 (exclusive)",
                info.published_at,
                replaced.saturating_add(window)
            ),
        },
    }
    Ok(())
}

/// The root source of `verify`: a root-history file, or the registry contract on a node.
pub fn root_source(
    roots: Option<&std::path::Path>,
    rpc_url: Option<&str>,
    registry: Option<&str>,
) -> Result<Box<dyn RootSource>, CliError> {
    match (roots, rpc_url, registry) {
        (Some(path), None, None) => Ok(Box::new(LocalRoots::new(files::read_json(
            path,
            "root history",
        )?))),
        (None, Some(url), Some(registry)) => {
            let registry = address("registry address", registry)?;
            let roots = EvmRoots::new(url, registry).map_err(|e| argument("RPC URL", url, e))?;
            Ok(Box::new(roots))
        }
        _ => Err(CliError::Argument {
            what: "root source",
            value: String::new(),
            reason: "give either --roots FILE or both --rpc-url and --registry".into(),
        }),
    }
}
