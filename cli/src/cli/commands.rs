//! The file-based commands: each reads its inputs, does one step of the flow, and writes
//! pretty-printed JSON.

use std::{path::Path, time::Instant};

use ark_std::UniformRand;
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use zkhealth::{
    circuits::{
        credential::{self, Credential, HolderSecret, Schema},
        date::Day,
        field::fr_to_hex,
        merkle::MerklePath,
        policy::Policy,
        Fr,
    },
    prover::{self, ProveRequest, Prover},
    records::{
        claims::{self, Claims},
        Record,
    },
    registry::{store::RegistryStore, RootHistory},
    verifier::{Expected, MemoryNullifiers, Verifier},
};

use super::{
    files::{self, shown},
    AgeArgs, CliError, HolderKeyArgs, IssueArgs, PathArgs, PolicyCommand, ProveArgs, RevokeArgs,
    RootsArgs, ScopeArgs, SetupArgs, StandardVaccinationArgs, VerifyArgs,
};

/// What `issue` writes and `prove` reads: the credential, the record it encodes, and its leaf.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuedCredential {
    /// The committed credential (holder key, expiry, salt, slots).
    pub credential: Credential,
    /// The record, readable.
    pub record: Record,
    /// The credential's leaf in the issuer's registry.
    pub leaf_index: u64,
}

/// The development-setup warning, printed wherever keys are generated.
pub const DEV_SETUP_WARNING: &str = "development setup: whoever ran it knows the trapdoor and \
     could forge proofs; production keys come from a multi-party ceremony";

/// The file stem of the keys for a depth.
pub fn key_stem(depth: u32) -> String {
    format!("presentation-depth-{depth}")
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

/// `setup`.
pub fn setup(args: &SetupArgs) -> Result<(), CliError> {
    let start = Instant::now();
    let (artifact, vk) = prover::setup(args.depth, &mut OsRng)?;
    let elapsed = start.elapsed();
    let (pk_path, vk_path) = files::key_paths(&args.out_dir, &key_stem(args.depth));
    files::write_bytes(&pk_path, &artifact.to_file_bytes()?)?;
    files::write_bytes(&vk_path, &vk.to_file_bytes())?;
    println!(
        "keys for registry depth {} generated in {:.1} s",
        args.depth,
        elapsed.as_secs_f64()
    );
    println!("  proving key   {}", shown(&pk_path));
    println!("  verifying key {}", shown(&vk_path));
    println!("  key id        {}", vk.id());
    println!("WARNING: {DEV_SETUP_WARNING}");
    Ok(())
}

/// `holder-key`.
pub fn holder_key(args: &HolderKeyArgs) -> Result<(), CliError> {
    let secret = HolderSecret::random(&mut OsRng);
    files::write_secret_json(&args.out, &secret, args.force)?;
    println!(
        "holder secret written to {} (keep it private)",
        shown(&args.out)
    );
    println!("holder key: {}", fr_to_hex(&secret.holder_key()));
    Ok(())
}

/// `issue`.
pub fn issue(args: &IssueArgs) -> Result<(), CliError> {
    let record: Record = files::read_json(&args.record, "record")?;
    let holder_key = files::parse_fr("holder key", &args.holder_key)?;
    let expiry = files::parse_day("expiry", &args.expiry)?;
    let now = files::unix_now()?;
    if expiry < files::day_of(now)? {
        eprintln!("warning: the credential expires on {expiry}, which is in the past");
    }
    let credential = Credential::new(&record, &args.issuer, holder_key, expiry, &mut OsRng)?;
    files::create_parent(&args.registry)?;
    let mut store = RegistryStore::open_or_create(&args.registry, args.depth, args.window_secs)?;
    store.bind_issuer(&args.issuer)?;
    let leaf_index = store.append(credential.commit(), now)?;
    let issued = IssuedCredential {
        credential,
        record,
        leaf_index,
    };
    files::write_json(&args.out, &issued)?;
    println!(
        "issued {:?} credential as leaf {leaf_index} of {}",
        issued.credential.schema,
        shown(&args.registry)
    );
    println!("  commitment {}", fr_to_hex(&issued.credential.commit()));
    println!("  new root   {}", fr_to_hex(&store.root()));
    println!("  written to {}", shown(&args.out));
    Ok(())
}

/// `revoke`.
pub fn revoke(args: &RevokeArgs) -> Result<(), CliError> {
    let mut store = RegistryStore::open(&args.registry)?;
    let old = store.root();
    store.revoke(args.index, files::unix_now()?)?;
    println!("revoked leaf {} of {}", args.index, shown(&args.registry));
    println!(
        "  old root {} (accepted for {} s more)",
        fr_to_hex(&old),
        store.window_secs()
    );
    println!("  new root {}", fr_to_hex(&store.root()));
    Ok(())
}

/// `path`.
pub fn path(args: &PathArgs) -> Result<(), CliError> {
    let store = RegistryStore::open(&args.registry)?;
    let path = store.path(args.index)?;
    files::write_json(&args.out, &path)?;
    println!(
        "path of leaf {} (current root {}) written to {}",
        args.index,
        fr_to_hex(&store.root()),
        shown(&args.out)
    );
    Ok(())
}

/// `roots`.
pub fn roots(args: &RootsArgs) -> Result<(), CliError> {
    let store = RegistryStore::open(&args.registry)?;
    files::write_json(&args.out, store.history())?;
    println!(
        "{} root(s), freshness window {} s, written to {}",
        store.history().entries().len(),
        store.window_secs(),
        shown(&args.out)
    );
    Ok(())
}

fn with_disclosure(mut claims: Claims, fields: &[String]) -> Claims {
    for f in fields {
        claims = claims.disclose(f);
    }
    claims
}

/// `policy ...`.
pub fn policy(cmd: &PolicyCommand) -> Result<(), CliError> {
    let (policy, out) = match cmd {
        PolicyCommand::StandardVaccination(StandardVaccinationArgs {
            issuer,
            disclose,
            out,
        }) => {
            let mut policy = claims::standard_vaccination(issuer)?;
            for field in disclose {
                policy.disclose.push(policy.schema.slot(field)?);
            }
            policy.compile()?;
            (policy, out)
        }
        PolicyCommand::Age(AgeArgs {
            issuer,
            min,
            max,
            schema,
            disclose,
            out,
        }) => {
            let schema = match schema.as_str() {
                "identity" => Schema::Identity,
                "vaccination" => Schema::Vaccination,
                other => {
                    return Err(CliError::Argument {
                        what: "schema",
                        value: other.into(),
                        reason: "expected identity or vaccination".into(),
                    })
                }
            };
            if min.is_none() && max.is_none() {
                return Err(CliError::Argument {
                    what: "age range",
                    value: String::new(),
                    reason: "give --min, --max or both".into(),
                });
            }
            let mut claims = Claims::new(schema, issuer);
            if let Some(min) = min {
                claims = claims.age_at_least(*min);
            }
            if let Some(max) = max {
                claims = claims.age_at_most(*max);
            }
            (with_disclosure(claims, disclose).build()?, out)
        }
    };
    files::write_json(out, &policy)?;
    println!("policy ({} condition(s)):", policy.conditions.len());
    for c in &policy.conditions {
        println!("  {}", c.describe(policy.schema));
    }
    for slot in policy.disclosed_slots() {
        let name = policy.schema.slots().get(slot).map_or("?", |(n, _)| *n);
        println!("  discloses {name}");
    }
    println!("written to {}", shown(out));
    Ok(())
}

/// `challenge`.
pub fn challenge() -> Result<(), CliError> {
    println!("{}", fr_to_hex(&Fr::rand(&mut OsRng)));
    Ok(())
}

/// `scope`.
pub fn scope(args: &ScopeArgs) -> Result<(), CliError> {
    println!(
        "{}",
        fr_to_hex(&credential::scope(&args.verifier, &args.event)?)
    );
    Ok(())
}

fn today_or_now(today: Option<&str>, now: u64) -> Result<Day, CliError> {
    match today {
        Some(s) => files::parse_day("date", s),
        None => files::day_of(now),
    }
}

/// `prove`.
pub fn prove(args: &ProveArgs) -> Result<(), CliError> {
    let issued: IssuedCredential = files::read_json(&args.credential, "credential")?;
    let secret: HolderSecret = files::read_json(&args.secret, "holder secret")?;
    let path: MerklePath = files::read_json(&args.path, "Merkle path")?;
    let policy: Policy = files::read_json(&args.policy, "policy")?;
    let challenge = files::parse_fr("challenge", &args.challenge)?;
    let scope = files::parse_fr("scope", &args.scope)?;
    let today = today_or_now(args.today.as_deref(), files::unix_now()?)?;
    if let Some(roots) = &args.roots {
        let history: RootHistory = files::read_json(roots, "root history")?;
        let current = history.current().ok_or_else(|| {
            CliError::NotInRegistry(format!("{} holds no published root", shown(roots)))
        })?;
        check_membership(&issued.credential, &path, &current)?;
    }
    let load = Instant::now();
    let prover = Prover::new(files::read_proving_key(&args.pk)?);
    let loaded = load.elapsed();
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
    println!(
        "proved in {:.2} s (proving key loaded in {:.2} s)",
        proved.as_secs_f64(),
        loaded.as_secs_f64()
    );
    println!("  root      {}", fr_to_hex(&presentation.statement.root));
    println!(
        "  nullifier {}",
        fr_to_hex(&presentation.statement.nullifier)
    );
    println!("  written to {}", shown(&args.out));
    if args.qr {
        let qr = presentation.to_qr_text().map_err(CliError::Verify)?;
        println!("QR text ({} characters):", qr.len());
        println!("{qr}");
    }
    Ok(())
}

/// `verify`.
pub fn verify(args: &VerifyArgs) -> Result<(), CliError> {
    let key = files::read_verifying_key(&args.vk)?;
    let policy: Policy = files::read_json(&args.policy, "policy")?;
    let roots = super::chain::root_source(
        args.roots.as_deref(),
        args.rpc_url.as_deref(),
        args.registry.as_deref(),
    )?;
    let presentation = files::read_presentation(&args.presentation)?;
    let challenge = files::parse_fr("challenge", &args.challenge)?;
    let scope = files::parse_fr("scope", &args.scope)?;
    let now = match args.now {
        Some(now) => now,
        None => files::unix_now()?,
    };
    let today = today_or_now(args.today.as_deref(), now)?;
    let mut used = match &args.nullifiers {
        Some(p) if p.exists() => files::read_json(p, "nullifier store")?,
        _ => MemoryNullifiers::new(),
    };
    let verifier = Verifier::new(key, policy, roots.as_ref())
        .map_err(CliError::from_verify)?
        .with_clock_tolerance_days(args.tolerance_days);
    let expected = Expected {
        challenge,
        scope,
        today,
        now_unix_secs: now,
    };
    let start = Instant::now();
    let verified = verifier
        .verify_presentation(&presentation, &expected, &mut used)
        .map_err(CliError::from_verify)?;
    let elapsed = start.elapsed();
    if let Some(p) = &args.nullifiers {
        files::write_json(p, &used)?;
    }
    println!(
        "ACCEPTED in {:.2} ms: key {}, root {}",
        elapsed.as_secs_f64() * 1e3,
        verifier.key().id(),
        fr_to_hex(&presentation.statement.root)
    );
    println!("  nullifier {}", fr_to_hex(&verified.nullifier));
    for (name, value, text) in &verified.disclosed {
        println!(
            "  disclosed {name} = {}",
            text.clone().unwrap_or_else(|| fr_to_hex(value))
        );
    }
    Ok(())
}

/// Reads the key files of a depth from `dir`, if both are present and valid.
pub fn load_keys(
    dir: &Path,
    depth: u32,
    stem: &str,
) -> Result<(prover::ProvingArtifact, zkhealth::verifier::VerifyingKey), CliError> {
    let (pk_path, vk_path) = files::key_paths(dir, stem);
    let artifact = files::read_proving_key(&pk_path)?;
    let vk = files::read_verifying_key(&vk_path)?;
    if artifact.verifying_key() != &vk {
        return Err(CliError::Keys(format!(
            "{} does not belong to {}",
            shown(&vk_path),
            shown(&pk_path)
        )));
    }
    if vk.depth() != depth {
        return Err(CliError::Keys(format!(
            "{} is for registry depth {}, not {depth}",
            shown(&vk_path),
            vk.depth()
        )));
    }
    Ok((artifact, vk))
}
