//! The issuer's commands: issue a credential into the registry, revoke one, hand out a
//! holder's Merkle path, and write the roots verifiers accept, paired with the issuer.

use std::path::{Path, PathBuf};

use clap::Args;
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use zkhealth::{
    circuits::{
        credential::{Credential, CredentialSpec},
        date::Day,
        field::fr_to_hex,
    },
    records::{schema, Record},
    registry::store::RegistryStore,
    verifier::{IssuerRoots, LocalRoots},
};

use crate::{
    error::CliError,
    files::{self, shown, Existing},
    say,
};

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
    #[arg(
        long,
        required_unless_present_any = ["from_dcc", "from_shc", "from_fhir"],
        conflicts_with_all = ["from_dcc", "from_shc", "from_fhir"]
    )]
    pub record: Option<PathBuf>,
    /// Issue from an EU Digital COVID Certificate instead (`HC1:…` or `@FILE`), verified now
    /// against `--trust-list` and mapped to a vaccination, recovery or test record.
    #[arg(long, requires = "trust_list", conflicts_with_all = ["from_shc", "from_fhir"])]
    pub from_dcc: Option<String>,
    /// Issue from a SMART Health Card instead (`shc:/…`, a compact JWS, or `@FILE` with either
    /// or a `.smart-health-card` file), verified now against `--jwks`: its most recent COVID-19
    /// vaccination.
    #[arg(long, requires = "jwks", conflicts_with = "from_fhir")]
    pub from_shc: Option<String>,
    /// A SMART Health Card issuer's key set for `--from-shc`.
    #[arg(long)]
    pub jwks: Option<PathBuf>,
    /// The issuer URL the card's `iss` must equal (`--from-shc`).
    #[arg(long, requires = "from_shc")]
    pub issuer_url: Option<String>,
    /// The card issuer's revocation list for the card's key (`--from-shc`): a revoked card is
    /// refused.
    #[arg(long, requires = "from_shc")]
    pub crl: Option<PathBuf>,
    /// Issue from FHIR R4 JSON instead: a Coverage (or a Bundle holding one), or Immunizations
    /// with their Patient (the most recent becomes the credential). A FHIR file carries no
    /// signature: the issuer vouches for it by issuing.
    #[arg(long)]
    pub from_fhir: Option<PathBuf>,
    /// Country of vaccination for `--from-shc` and `--from-fhir` (FHIR Immunizations carry
    /// none; ISO 3166-1 alpha-2).
    #[arg(long, default_value = "US")]
    pub country: String,
    /// Document-signer certificates for `--from-dcc` (JSON or PEM).
    #[arg(long)]
    pub trust_list: Option<PathBuf>,
    /// The clock `--from-dcc` and `--from-shc` check validity at, in seconds since the Unix
    /// epoch (default: now): for certificates read back from an archive.
    #[arg(long)]
    pub at: Option<i64>,
    /// The holder's public key (`0x` + 64 hex digits, or `@FILE` from `holder-key --key-out`).
    #[arg(long)]
    pub holder_key: String,
    /// Last day the credential is valid (`YYYY-MM-DD`); with `--from-dcc`, the certificate's
    /// expiry day when not given.
    #[arg(long, required_unless_present = "from_dcc")]
    pub expiry: Option<String>,
    /// Where to write the credential (JSON: credential, record, leaf index; `-` for standard
    /// output). Written, durably, before the leaf is committed.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing credential file (its salt, and so that credential, is then lost).
    #[arg(long)]
    pub force: bool,
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
    /// Where to write the roots (JSON: `{"issuer": …, "roots": <root history>}`).
    #[arg(long)]
    pub out: PathBuf,
}

/// What `issue` writes and `prove` reads: the credential, the record it encodes, and its leaf.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedCredential {
    /// The committed credential (holder key, expiry, salt, slots).
    pub credential: Credential,
    /// The record, readable.
    pub record: Record,
    /// The credential's leaf in the issuer's registry.
    pub leaf_index: u64,
}

/// An [`IssuedCredential`] as read, before its schema is resolved.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuedCredentialFile {
    credential: CredentialSpec,
    record: Record,
    leaf_index: u64,
}

impl IssuedCredential {
    /// Reads a credential file that `issue` wrote; its schema must be one of the shipped ones
    /// ([`schema::resolve_credential`]).
    pub fn read(path: &Path) -> Result<Self, CliError> {
        files::read_resolved(path, "credential", |f: IssuedCredentialFile| {
            Ok(IssuedCredential {
                credential: schema::resolve_credential(f.credential)?,
                record: f.record,
                leaf_index: f.leaf_index,
            })
        })
    }
}

/// `issue`.
pub fn issue(args: &IssueArgs) -> Result<(), CliError> {
    let (record, certificate_expiry) = source_record(args)?;
    let holder_key = files::parse_fr("holder key", &args.holder_key)?;
    let expiry = match (&args.expiry, certificate_expiry) {
        (Some(expiry), _) => files::parse_day("expiry", expiry)?,
        (None, Some(day)) => day,
        (None, None) => {
            return Err(CliError::Argument {
                what: "expiry",
                value: String::new(),
                reason: "give --expiry (the certificate states none)".into(),
            })
        }
    };
    let now = files::unix_now()?;
    if expiry < files::day_of(now)? {
        eprintln!("warning: the credential expires on {expiry}, which is in the past");
    }
    let credential = Credential::new(&record, &args.issuer, holder_key, expiry, &mut OsRng)?;
    // Refused before the registry is touched: a target that is not a regular file, or an
    // existing credential without --force.
    files::check_output(&args.out, Existing::Keep { force: args.force })?;
    files::create_parent(&args.registry)?;
    let mut store = RegistryStore::open_or_create(&args.registry, args.depth, args.window_secs)?;
    store.bind_issuer(&args.issuer)?;
    // The store is this process's alone while it is open, so the next leaf is this one.
    let leaf_index = store.len();
    let issued = IssuedCredential {
        credential,
        record,
        leaf_index,
    };
    // The credential (with its salt) is durable before its leaf is committed: a failure from
    // here on leaves at worst a credential whose leaf was never added, never a leaf whose
    // credential is lost.
    files::write_new_json(&args.out, &issued, args.force)?;
    let appended = store.append(issued.credential.commit(), now);
    match appended {
        Ok(index) if index == leaf_index => {}
        other => {
            remove_unissued(&args.out);
            return Err(match other {
                Err(e) => e.into(),
                Ok(index) => CliError::Argument {
                    what: "registry",
                    value: shown(&args.registry),
                    reason: format!("the leaf went to index {index}, not {leaf_index}"),
                },
            });
        }
    }
    say!(
        "issued {:?} credential as leaf {leaf_index} of {}",
        issued.credential.schema,
        shown(&args.registry)
    );
    say!("  commitment {}", fr_to_hex(&issued.credential.commit()));
    say!("  new root   {}", fr_to_hex(&store.root()));
    say!("  written to {}", shown(&args.out));
    Ok(())
}

/// The record to issue: from `--record`, or verified and mapped from `--from-dcc`,
/// `--from-shc` or `--from-fhir`; with the certificate's expiry day where it states one.
fn source_record(args: &IssueArgs) -> Result<(Record, Option<Day>), CliError> {
    if let Some(path) = &args.record {
        return Ok((files::read_json::<Record>(path, "record")?, None));
    }
    if let (Some(input), Some(trust_list)) = (&args.from_dcc, &args.trust_list) {
        return crate::import::record_from_dcc(input, trust_list, args.at);
    }
    if let (Some(input), Some(jwks)) = (&args.from_shc, &args.jwks) {
        let record = crate::import::record_from_shc(
            input,
            jwks,
            args.issuer_url.as_deref(),
            args.crl.as_deref(),
            &args.country,
            args.at,
        )?;
        return Ok((record, None));
    }
    if let Some(path) = &args.from_fhir {
        return Ok((crate::import::record_from_fhir(path, &args.country)?, None));
    }
    Err(CliError::Argument {
        what: "record",
        value: String::new(),
        reason: "give --record, --from-dcc with --trust-list, --from-shc with --jwks, or \
                 --from-fhir"
            .into(),
    })
}

/// Removes the credential file of an issuance whose leaf was not committed (nothing to remove
/// when it went to standard output).
fn remove_unissued(out: &Path) {
    if out.as_os_str() != "-" {
        let _ = std::fs::remove_file(out);
    }
}

/// `revoke`.
pub fn revoke(args: &RevokeArgs) -> Result<(), CliError> {
    let mut store = RegistryStore::open(&args.registry)?;
    let old = store.root();
    store.revoke(args.index, files::unix_now()?)?;
    say!("revoked leaf {} of {}", args.index, shown(&args.registry));
    say!(
        "  old root {} (accepted for {} s more)",
        fr_to_hex(&old),
        store.window_secs()
    );
    say!("  new root {}", fr_to_hex(&store.root()));
    Ok(())
}

/// `path`.
pub fn path(args: &PathArgs) -> Result<(), CliError> {
    let store = RegistryStore::open_read_only(&args.registry)?;
    let path = store.path(args.index)?;
    files::write_json(&args.out, &path)?;
    say!(
        "path of leaf {} (current root {}) written to {}",
        args.index,
        fr_to_hex(&store.root()),
        shown(&args.out)
    );
    Ok(())
}

/// The roots of the registry in `store` (at `path`), paired with the issuer it belongs to.
pub fn issuer_roots(
    store: &RegistryStore,
    path: &Path,
) -> Result<IssuerRoots<LocalRoots>, CliError> {
    let issuer = store.issuer().ok_or_else(|| CliError::NoIssuer {
        path: path.to_path_buf(),
    })?;
    IssuerRoots::new(issuer, LocalRoots::new(store.history().clone())).map_err(CliError::Verify)
}

/// `roots`.
pub fn roots(args: &RootsArgs) -> Result<(), CliError> {
    let store = RegistryStore::open_read_only(&args.registry)?;
    let roots = issuer_roots(&store, &args.registry)?;
    files::write_json(&args.out, &roots)?;
    say!(
        "{} root(s) of issuer {}, freshness window {} s, written to {}",
        store.history().entries().len(),
        roots.issuer(),
        store.window_secs(),
        shown(&args.out)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use rand_core::OsRng;
    use zkhealth::{
        circuits::{credential::HolderSecret, date::Day, Error},
        records::testing,
    };

    use super::*;

    #[test]
    fn an_issued_credential_file_reads_back_and_an_unknown_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credential.json");
        let record = testing::sample_vaccination();
        let holder_key = HolderSecret::random(&mut OsRng).holder_key();
        let expiry = Day::from_civil(2027, 5, 1).unwrap();
        let credential =
            Credential::new(&record, "NL-RIVM", holder_key, expiry, &mut OsRng).unwrap();
        let issued = IssuedCredential {
            credential,
            record,
            leaf_index: 3,
        };
        files::write_json(&path, &issued).unwrap();
        let back = IssuedCredential::read(&path).unwrap();
        assert_eq!(
            (back.credential, back.record, back.leaf_index),
            (issued.credential, issued.record, 3)
        );

        let text = files::read_text(&path).unwrap();
        let renamed = text.replacen(r#""schema": "vaccination""#, r#""schema": "passport""#, 1);
        assert_ne!(renamed, text);
        std::fs::write(&path, renamed).unwrap();
        let err = IssuedCredential::read(&path).unwrap_err();
        assert!(
            matches!(
                &err,
                CliError::Unresolved { what: "credential", source, .. }
                    if *source == Error::UnknownSchema("passport".into())
            ),
            "{err:?}"
        );
    }
}
