//! The verifier's commands: write a policy, issue a challenge, compute a nullifier scope, and
//! verify a presentation against roots from a file or from the chain, each paired with the
//! issuer whose registry it is (a registry does not bind the issuer its credentials name, so a
//! policy is checked only against its own issuer's roots).

use std::{path::PathBuf, time::Instant};

use ark_std::UniformRand;
use clap::{Args, Subcommand};
use rand_core::OsRng;
use zkhealth::{
    circuits::{field::fr_to_hex, Fr, Scope},
    records::{
        claims::{self, Claims},
        schema::{self, identity, vaccination},
    },
    verifier::{IssuerRoots, LocalRoots, RootSource, Verifier},
};

use crate::{
    chain,
    error::CliError,
    files::{self, shown},
    nullifiers::with_used,
    say,
};

/// `policy ...`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// An EU-authorised COVID-19 product, at least two doses, the last 14 to 365 days ago,
    /// holder at least 18.
    StandardVaccination(StandardVaccinationArgs),
    /// An age range in calendar years, on an identity (or vaccination) credential.
    Age(AgeArgs),
    /// Insurance coverage: active, covering the verifier's day (or a service date), and one
    /// more of payer, plans, a covered category or a minimum annual limit (a proof holds four
    /// conditions; active and the period take three).
    Coverage(CoverageArgs),
    /// A treatment record, for claims: given by one of the providers, in one of the
    /// categories, at most an amount, served within some days (at most four of these).
    Treatment(TreatmentArgs),
}

/// `policy treatment`.
#[derive(Debug, Args)]
pub struct TreatmentArgs {
    /// The accepted issuer (the provider registry).
    #[arg(long)]
    pub issuer: String,
    /// The provider must be one of these (codes; repeatable, at most 8).
    #[arg(long)]
    pub provider: Vec<String>,
    /// The service category must be one of these (codes; repeatable, at most 8).
    #[arg(long)]
    pub category: Vec<String>,
    /// The amount billed must be at most this much (currency minor units).
    #[arg(long)]
    pub amount_at_most: Option<u32>,
    /// The treatment must have been given at most this many days before the verifier's day.
    #[arg(long)]
    pub served_within_days: Option<u16>,
    /// Fields to disclose (e.g. `amount`); repeatable.
    #[arg(long)]
    pub disclose: Vec<String>,
    /// Where to write the policy (JSON).
    #[arg(long)]
    pub out: PathBuf,
}

/// `policy coverage`.
#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// The accepted issuer (the insurer's registry).
    #[arg(long)]
    pub issuer: String,
    /// The payer must be this one (a code).
    #[arg(long)]
    pub payer: Option<String>,
    /// The plan must be one of these (codes; repeatable, at most 8).
    #[arg(long)]
    pub plan: Vec<String>,
    /// This service category must be covered (a code; repeatable, one condition each).
    #[arg(long)]
    pub category: Vec<String>,
    /// The annual limit must be at least this much (currency minor units).
    #[arg(long)]
    pub limit_at_least: Option<u32>,
    /// The coverage period must contain this service date (`YYYY-MM-DD`) rather than the
    /// verifier's day.
    #[arg(long)]
    pub service_date: Option<String>,
    /// Fields to disclose (e.g. `plan`); repeatable.
    #[arg(long)]
    pub disclose: Vec<String>,
    /// Where to write the policy (JSON).
    #[arg(long)]
    pub out: PathBuf,
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

/// The scope a verifier checks presentations for: its own name and event, or the value of a
/// scope it owns (a presentation contract's, whose presentations it also checks off chain).
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("own_scope").required(true).args(["verifier", "scope"]))]
pub struct VerifierScopeArgs {
    /// This verifier's id (a code, e.g. `checkpoint-AMS`; with `--event`).
    #[arg(long, requires = "event")]
    pub verifier: Option<String>,
    /// The event its nullifiers are scoped to (a code, e.g. `2026-boarding`; with `--verifier`).
    #[arg(long, requires = "verifier")]
    pub event: Option<String>,
    /// Or this verifier's scope as a value (`0x` + 64 hex digits, or `@FILE`), e.g. that of a presentation
    /// contract (`zkhealth scope --contract`).
    #[arg(long)]
    pub scope: Option<String>,
}

impl VerifierScopeArgs {
    /// The scope's value.
    pub fn value(&self) -> Result<Fr, CliError> {
        match (&self.verifier, &self.event, &self.scope) {
            (Some(verifier), Some(event), None) => Ok(Scope::named(verifier, event)?.value()),
            (None, None, Some(scope)) => files::parse_fr("scope", scope),
            _ => Err(CliError::Argument {
                what: "scope",
                value: String::new(),
                reason: "give --verifier with --event, or --scope".into(),
            }),
        }
    }
}

/// The scope of the verifier a holder presents to: named by `--verifier` (off chain), or the
/// presentation contract `--contract` on `--chain-id`; either way for `--event`. A holder never
/// takes raw scope bytes: another verifier's scope would let the two link the holder.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("scope_of").required(true).args(["verifier", "contract"]))]
pub struct ScopeArgs {
    /// The off-chain verifier presented to (a code, e.g. `checkpoint-AMS`).
    #[arg(long)]
    pub verifier: Option<String>,
    /// The presentation contract presented to (its address; with `--chain-id`).
    #[arg(long, requires = "chain_id")]
    pub contract: Option<String>,
    /// The chain the contract is on (with `--contract`).
    #[arg(long, requires = "contract")]
    pub chain_id: Option<u64>,
    /// The verifier's event nullifiers are scoped to (a code, e.g. `2026-boarding`).
    #[arg(long)]
    pub event: String,
}

impl ScopeArgs {
    /// The scope: [`Scope::named`] or [`Scope::of_contract`].
    pub fn scope(&self) -> Result<Scope, CliError> {
        match (&self.verifier, &self.contract, self.chain_id) {
            (Some(verifier), None, None) => Ok(Scope::named(verifier, &self.event)?),
            (None, Some(contract), Some(chain_id)) => {
                let contract = chain::address("contract address", contract)?;
                Ok(Scope::of_contract(
                    chain_id,
                    contract.into_array(),
                    &self.event,
                )?)
            }
            _ => Err(CliError::Argument {
                what: "scope",
                value: String::new(),
                reason: "give --verifier, or --contract with --chain-id".into(),
            }),
        }
    }
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
    /// The issuer's roots (from `roots`: the issuer and its root history); the policy must be
    /// for that issuer. Or give `--rpc-url`, `--registry`, `--registry-issuer` and `--chain-id`.
    #[arg(long, required_unless_present = "rpc_url", conflicts_with = "rpc_url")]
    pub roots: Option<PathBuf>,
    /// Read the roots from the registry contract on this node (JSON-RPC URL).
    #[arg(long, requires_all = ["registry", "registry_issuer", "chain_id"])]
    pub rpc_url: Option<String>,
    /// The registry contract's address (with `--rpc-url`).
    #[arg(long, requires = "rpc_url")]
    pub registry: Option<String>,
    /// The issuer whose registry the contract is (a code, e.g. `NL-RIVM`; with `--rpc-url`): the
    /// policy must be for that issuer, since a registry does not bind the issuer its credentials
    /// name.
    #[arg(long, requires = "rpc_url")]
    pub registry_issuer: Option<String>,
    /// The chain the node must be on (checked against its `eth_chainId`; with `--rpc-url`).
    #[arg(long, requires = "rpc_url")]
    pub chain_id: Option<u64>,
    /// Which state of the chain the roots are read from (with `--rpc-url`): `latest`, `safe`,
    /// `finalized`, or a number of confirmations below the latest block.
    #[arg(long, default_value = "latest", requires = "rpc_url")]
    pub read_at: String,
    /// The presentation (JSON, or a file holding its `ZKH1:` QR text).
    #[arg(
        long,
        required_unless_present = "qr_image",
        conflicts_with = "qr_image"
    )]
    pub presentation: Option<PathBuf>,
    /// The presentation as a QR code in an image (PNG or JPEG, rendered or photographed).
    #[arg(long)]
    pub qr_image: Option<PathBuf>,
    /// The challenge this verifier issued (`0x` + 64 hex digits, or `@FILE` from `challenge --out`).
    #[arg(long)]
    pub challenge: String,
    /// This verifier's nullifier scope.
    #[command(flatten)]
    pub scope: VerifierScopeArgs,
    /// The verifier's date (`YYYY-MM-DD`; default: today, UTC).
    #[arg(long)]
    pub today: Option<String>,
    /// The verifier's time for the roots' freshness window (unix seconds; default: now).
    #[arg(long)]
    pub now: Option<u64>,
    /// Days the presentation's date may follow the verifier's, for a policy where a later day
    /// is as strict (no condition bounds a field from above by the day); an earlier day is never
    /// accepted. Default 0: the presentation is for the verifier's day.
    #[arg(long, default_value_t = 0)]
    pub tolerance_days: u32,
    /// Used nullifiers (JSON): read if present, updated on acceptance.
    #[arg(long)]
    pub nullifiers: Option<PathBuf>,
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
            schema: name,
            disclose,
            out,
        }) => {
            let schema = schema::by_name(name)
                .filter(|s| [identity::SCHEMA, vaccination::SCHEMA].contains(s))
                .ok_or_else(|| CliError::Argument {
                    what: "schema",
                    value: name.clone(),
                    reason: "expected identity or vaccination".into(),
                })?;
            if min.is_none() && max.is_none() {
                return Err(CliError::Argument {
                    what: "age range",
                    value: String::new(),
                    reason: "give --min, --max or both".into(),
                });
            }
            let claims = Claims::new(schema, issuer);
            let claims = match (min, max) {
                (Some(min), Some(max)) => claims.age_between(*min, *max),
                (Some(min), None) => claims.age_at_least(*min),
                (None, Some(max)) => claims.age_at_most(*max),
                (None, None) => claims,
            };
            (with_disclosure(claims, disclose).build()?, out)
        }
        PolicyCommand::Coverage(args) => {
            let service_date = args
                .service_date
                .as_deref()
                .map(|d| files::parse_day("service date", d))
                .transpose()?;
            let mut claims = Claims::coverage(&args.issuer)
                .status_active()
                .covers_date(service_date);
            if let Some(payer) = &args.payer {
                claims = claims.payer_is(payer);
            }
            if !args.plan.is_empty() {
                let plans: Vec<&str> = args.plan.iter().map(String::as_str).collect();
                claims = claims.plan_in(&plans);
            }
            for category in &args.category {
                claims = claims.category_covered(category);
            }
            if let Some(amount) = args.limit_at_least {
                claims = claims.limit_at_least(amount);
            }
            (with_disclosure(claims, &args.disclose).build()?, &args.out)
        }
        PolicyCommand::Treatment(args) => {
            let mut claims = Claims::treatment(&args.issuer);
            if !args.provider.is_empty() {
                let providers: Vec<&str> = args.provider.iter().map(String::as_str).collect();
                claims = claims.provider_in(&providers);
            }
            if !args.category.is_empty() {
                let categories: Vec<&str> = args.category.iter().map(String::as_str).collect();
                claims = claims.category_in(&categories);
            }
            if let Some(amount) = args.amount_at_most {
                claims = claims.amount_at_most(amount);
            }
            if let Some(days) = args.served_within_days {
                claims = claims.served_within_days(days);
            }
            (with_disclosure(claims, &args.disclose).build()?, &args.out)
        }
    };
    files::write_json(out, &policy)?;
    say!("policy ({} condition(s)):", policy.conditions.len());
    for c in &policy.conditions {
        say!("  {}", c.describe(policy.schema));
    }
    for slot in policy.disclosed_slots() {
        let name = policy.schema.slots().get(slot).map_or("?", |s| s.name);
        say!("  discloses {name}");
    }
    say!("written to {}", shown(out));
    Ok(())
}

/// `challenge` without `--contract`: a fresh random challenge.
pub fn challenge(args: &chain::ChallengeArgs) -> Result<(), CliError> {
    let challenge = Fr::rand(&mut OsRng);
    say!("{}", fr_to_hex(&challenge));
    if let Some(out) = &args.out {
        files::write_fr(out, &challenge)?;
    }
    Ok(())
}

/// `scope`.
#[derive(Debug, Args)]
pub struct ScopeCommandArgs {
    /// Whom the scope is for.
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Also write the scope to this file (read back with `--scope @FILE`).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `scope`.
pub fn scope(args: &ScopeCommandArgs) -> Result<(), CliError> {
    let scope = args.scope.scope()?;
    say!("{scope}");
    if let Some(out) = &args.out {
        files::write_fr(out, &scope.value())?;
    }
    Ok(())
}

/// `verify`.
pub fn verify(args: &VerifyArgs) -> Result<(), CliError> {
    let key = files::read_verifying_key(&args.vk)?;
    let policy = files::read_policy(&args.policy)?;
    let roots = root_source(args)?;
    // A presentation that does not decode is refused (exit 3), as one that fails a check.
    let presentation = match (&args.presentation, &args.qr_image) {
        (Some(path), _) => files::read_presentation(path),
        (None, Some(image)) => files::presentation_from_text(&crate::qr::read_file(image)?, image),
        (None, None) => Err(CliError::Argument {
            what: "presentation",
            value: String::new(),
            reason: "give --presentation or --qr-image".into(),
        }),
    }
    .map_err(|e| match e {
        CliError::Decode { path, source, .. } => CliError::MalformedPresentation { path, source },
        other => other,
    })?;
    let expected = files::expected(
        &args.challenge,
        args.scope.value()?,
        args.now,
        args.today.as_deref(),
    )?;
    let verifier = Verifier::new(key, policy, roots)
        .map_err(CliError::from_verify)?
        .with_clock_tolerance_days(args.tolerance_days);
    let start = Instant::now();
    let verified = with_used(args.nullifiers.as_deref(), |used| {
        verifier
            .verify_presentation(&presentation, &expected, used)
            .map_err(CliError::from_verify)
    })?;
    let elapsed = start.elapsed();
    say!(
        "ACCEPTED in {:.2} ms: key {}, issuer {}, root {}",
        elapsed.as_secs_f64() * 1e3,
        verifier.key().id(),
        verifier.issuer(),
        fr_to_hex(&presentation.statement.root)
    );
    say!("  nullifier {}", fr_to_hex(&verified.nullifier));
    for (name, value, text) in &verified.disclosed {
        say!(
            "  disclosed {name} = {}",
            text.clone().unwrap_or_else(|| fr_to_hex(value))
        );
    }
    Ok(())
}

/// The root source of `verify` and the issuer it speaks for: a roots file (from `roots`), or
/// the registry contract on a node with the issuer the operator names.
pub fn root_source(args: &VerifyArgs) -> Result<IssuerRoots<Box<dyn RootSource>>, CliError> {
    match (
        &args.roots,
        &args.rpc_url,
        &args.registry,
        &args.registry_issuer,
        args.chain_id,
    ) {
        (Some(path), None, None, None, None) => {
            let file: IssuerRoots<LocalRoots> = files::read_json(path, "issuer roots")?;
            let issuer = file.issuer().to_string();
            let source: Box<dyn RootSource> = Box::new(file.into_source());
            IssuerRoots::new(&issuer, source).map_err(CliError::Verify)
        }
        (None, Some(url), Some(registry), Some(issuer), Some(chain_id)) => {
            // The code first: a typo is reported without contacting the node.
            zkhealth::circuits::codes::encode(issuer).map_err(|e| CliError::Argument {
                what: "--registry-issuer",
                value: issuer.clone(),
                reason: e.to_string(),
            })?;
            let source: Box<dyn RootSource> = Box::new(
                chain::evm_roots(url, registry, chain_id)?
                    .read_at(chain::parse_read_at(&args.read_at)?),
            );
            IssuerRoots::new(issuer, source).map_err(CliError::Verify)
        }
        _ => Err(CliError::Argument {
            what: "root source",
            value: String::new(),
            reason: "give either --roots FILE or --rpc-url, --registry, --registry-issuer and \
                     --chain-id"
                .into(),
        }),
    }
}
