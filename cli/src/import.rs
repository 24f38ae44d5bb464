//! Health data in: `inspect` shows what an EU Digital COVID Certificate, a SMART Health Card or a
//! FHIR R4 resource says and whether its signature and dates check out; `issue --from-dcc`,
//! `--from-shc` and `--from-fhir` verify one (a FHIR resource carries no signature), map it and
//! issue the credential (see [`crate::issuer`]).

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;
use zkhealth::records::{
    codes,
    dcc::{self, Certificate, TrustList},
    fhir, shc, Record, VaccinationRecord,
};

use crate::{
    error::CliError,
    files::{self, shown},
    say,
};

/// Largest trust-list file read (the EU gateway's full list is a few MiB).
const MAX_TRUST_LIST_BYTES: u64 = 64 << 20;

/// `inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// What to inspect: QR text (`HC1:…`, `shc:/…`), a compact JWS, or `@FILE` holding one of
    /// those, a `.smart-health-card` file or FHIR R4 JSON.
    pub input: String,
    /// EU DCC document-signer certificates to check the signature against (JSON or PEM; see
    /// the README's trust-list format). Without it the signature is not checked.
    #[arg(long)]
    pub trust_list: Option<PathBuf>,
    /// A SMART Health Card issuer's key set (`.well-known/jwks.json`). Without it the
    /// signature is not checked.
    #[arg(long)]
    pub jwks: Option<PathBuf>,
    /// The issuer URL the card's `iss` must equal (with `--jwks`).
    #[arg(long, requires = "jwks")]
    pub issuer_url: Option<String>,
    /// The SMART Health Card issuer's revocation list for the card's key
    /// (`.well-known/crl/<kid>.json`; with `--jwks`): a revoked card is refused.
    #[arg(long, requires = "jwks")]
    pub crl: Option<PathBuf>,
    /// The country of vaccination to map FHIR Immunizations with (they carry none).
    #[arg(long, default_value = "US")]
    pub country: String,
    /// The clock to check validity at, as seconds since the Unix epoch (default: now).
    #[arg(long)]
    pub at: Option<i64>,
}

/// The QR text of `input`: the text itself, or the contents of `@FILE` (trimmed).
fn qr_text(input: &str) -> Result<(String, String), CliError> {
    match input.strip_prefix('@') {
        Some(path) => {
            let path = Path::new(path);
            let text = files::read_text(path)?;
            Ok((text.trim().to_owned(), shown(path)))
        }
        None => Ok((input.trim().to_owned(), "the input".to_owned())),
    }
}

/// What an input holds.
enum Input {
    /// `HC1:` text.
    Dcc(String),
    /// Compact JWSs of SMART Health Cards.
    Shc(Vec<String>),
    /// FHIR R4 JSON.
    Fhir(Value),
}

/// Sorts `input` (text, or `@FILE`) by its content.
fn classify(input: &str) -> Result<(Input, String), CliError> {
    let (text, origin) = qr_text(input)?;
    let refused = |reason: String| CliError::Import {
        origin: origin.clone(),
        reason,
    };
    let input = if text.starts_with(dcc::PREFIX) {
        Input::Dcc(text)
    } else if text.starts_with(shc::PREFIX) {
        Input::Shc(vec![
            shc::decode_qr(&text).map_err(|e| refused(e.to_string()))?
        ])
    } else if text.starts_with('{') {
        let json: Value =
            serde_json::from_str(&text).map_err(|e| refused(format!("not JSON: {e}")))?;
        if json.get("verifiableCredential").is_some() {
            Input::Shc(shc::decode_file(&text).map_err(|e| refused(e.to_string()))?)
        } else if json.get("resourceType").is_some() {
            Input::Fhir(json)
        } else {
            return Err(refused(
                "JSON that is neither a SMART Health Card file nor a FHIR resource".into(),
            ));
        }
    } else if text.split('.').count() == 3 {
        Input::Shc(vec![text])
    } else {
        // Anything else is read as an EU DCC, whose first layer names what is wrong.
        Input::Dcc(text)
    };
    Ok((input, origin))
}

fn read_jwks(path: &Path, issuer_url: Option<&str>) -> Result<shc::Jwks, CliError> {
    let text = files::read_text(path)?;
    let jwks = shc::Jwks::parse(&text).map_err(|e| CliError::Import {
        origin: shown(path),
        reason: e.to_string(),
    })?;
    Ok(match issuer_url {
        Some(url) => jwks.with_issuer(url),
        None => jwks,
    })
}

/// Reads a trust-list file.
pub fn read_trust_list(path: &Path) -> Result<TrustList, CliError> {
    let text = files::read_text_capped(path, MAX_TRUST_LIST_BYTES)?;
    TrustList::parse(&text).map_err(|e| CliError::Import {
        origin: shown(path),
        reason: e.to_string(),
    })
}

fn refused(origin: &str, e: dcc::DccError) -> CliError {
    CliError::Import {
        origin: origin.to_owned(),
        reason: e.to_string(),
    }
}

fn now_or(at: Option<i64>) -> Result<i64, CliError> {
    match at {
        Some(at) => Ok(at),
        None => i64::try_from(files::unix_now()?)
            .map_err(|_| CliError::Clock("the system clock is out of range".into())),
    }
}

/// A Unix time as `YYYY-MM-DD HH:MM:SS UTC`, or the number when it is outside the calendar.
fn shown_time(t: i64) -> String {
    let day = u64::try_from(t)
        .ok()
        .and_then(|s| zkhealth::circuits::date::Day::from_unix_seconds(s).ok());
    match day {
        Some(day) => {
            let s = t.rem_euclid(86_400);
            format!("{day} {:02}:{:02}:{:02} UTC", s / 3600, s / 60 % 60, s % 60)
        }
        None => t.to_string(),
    }
}

fn print_certificate(c: &Certificate) {
    say!("EU Digital COVID Certificate");
    say!("  key id     {}", dcc::base64_kid(&c.kid));
    say!("  algorithm  {:?}", c.algorithm);
    say!("  issuer     {}", c.issuer.as_deref().unwrap_or("(none)"));
    say!(
        "  issued at  {}",
        c.issued_at.map_or("(none)".into(), shown_time)
    );
    say!(
        "  expires at {}",
        c.expires_at.map_or("(none)".into(), shown_time)
    );
    let pretty = serde_json::to_string_pretty(&c.json).unwrap_or_default();
    for line in pretty.lines() {
        say!("  {line}");
    }
}

/// `inspect`: exits 0 when the input decodes and, given keys (a trust list or a JWKS), verifies
/// at the clock; 1 otherwise, naming the layer that refused it.
pub fn inspect(args: &InspectArgs) -> Result<(), CliError> {
    let (input, origin) = classify(&args.input)?;
    match input {
        Input::Dcc(qr) => inspect_dcc(args, &qr, &origin),
        Input::Shc(cards) => {
            for jws in &cards {
                inspect_shc(args, jws, &origin)?;
            }
            Ok(())
        }
        Input::Fhir(json) => inspect_fhir(&json, &args.country, &origin),
    }
}

fn inspect_dcc(args: &InspectArgs, qr: &str, origin: &str) -> Result<(), CliError> {
    let certificate = dcc::decode(qr).map_err(|e| refused(origin, e))?;
    print_certificate(&certificate);
    let Some(path) = &args.trust_list else {
        say!("signature not checked: no --trust-list");
        return match certificate.payload() {
            Ok(_) => Ok(()),
            Err(e) => Err(refused(origin, e)),
        };
    };
    let trust = read_trust_list(path)?;
    let now = now_or(args.at)?;
    let verified = dcc::verify_decoded(certificate, &trust, now).map_err(|e| refused(origin, e))?;
    say!(
        "verified: signed by {} (key id {}), valid at {}",
        verified.signer.subject,
        verified.signer.kid_base64(),
        shown_time(now)
    );
    match verified.payload.record() {
        Ok(record) => {
            say!("maps to a {:?} record", record.schema());
            if let Record::Vaccination(v) = &record {
                say!(
                    "  {} ({}), {} ({})",
                    codes::display(&v.product).unwrap_or("unknown product"),
                    v.product,
                    codes::display(&v.manufacturer).unwrap_or("unknown manufacturer"),
                    v.manufacturer
                );
            }
        }
        Err(e) => say!("does not map to a record: {e}"),
    }
    Ok(())
}

fn shc_refused(origin: &str, e: shc::ShcError) -> CliError {
    CliError::Import {
        origin: origin.to_owned(),
        reason: e.to_string(),
    }
}

fn fhir_refused(origin: &str, e: fhir::FhirError) -> CliError {
    CliError::Import {
        origin: origin.to_owned(),
        reason: e.to_string(),
    }
}

fn inspect_shc(args: &InspectArgs, jws: &str, origin: &str) -> Result<(), CliError> {
    let card = shc::decode_jws(jws).map_err(|e| shc_refused(origin, e))?;
    say!("SMART Health Card");
    say!("  key id     {}", card.kid);
    say!("  issuer     {}", card.issuer);
    say!("  not before {}", shown_time(card.nbf));
    if let Some(exp) = card.exp {
        say!("  expires at {}", shown_time(exp));
    }
    say!("  types      {}", card.types.join(" "));
    show_vaccinations(&card.bundle, &args.country);
    let Some(path) = &args.jwks else {
        say!("signature not checked: no --jwks");
        return Ok(());
    };
    let jwks = read_jwks(path, args.issuer_url.as_deref())?;
    let now = now_or(args.at)?;
    let verified = shc::verify(jws, &jwks, now).map_err(|e| shc_refused(origin, e))?;
    check_crl(&verified.card, args.crl.as_deref(), origin)?;
    say!(
        "verified: signed by {} (key id {}), valid at {}",
        verified.card.issuer,
        verified.key.kid,
        shown_time(now)
    );
    Ok(())
}

/// Prints each Immunization of a Bundle (or a lone one) and what it maps to.
/// Refuses a card that `crl` (a revocation-list file), if given, revokes.
fn check_crl(card: &shc::Card, crl: Option<&Path>, origin: &str) -> Result<(), CliError> {
    let Some(path) = crl else {
        return Ok(());
    };
    let list = shc::Crl::parse(&files::read_text(path)?).map_err(|e| CliError::Import {
        origin: shown(path),
        reason: e.to_string(),
    })?;
    card.check_revocation(&list)
        .map_err(|e| shc_refused(origin, e))?;
    say!(
        "not revoked: {} revocation list version {}",
        shown(path),
        list.ctr
    );
    Ok(())
}

fn show_vaccination(r: &VaccinationRecord) {
    say!(
        "  vaccination {} ({}) dose {}/{} on {} (born {} to {})",
        codes::display(&r.product).unwrap_or("unknown product"),
        r.product,
        r.dose_number,
        r.total_doses,
        r.date,
        r.dob.earliest,
        r.dob.latest
    )
}

/// Prints each Immunization of a Bundle and what it maps to; returns how many there were.
fn show_vaccinations(bundle: &Value, country: &str) -> usize {
    match fhir::bundle_vaccinations(bundle, country) {
        Ok(entries) => {
            for entry in &entries {
                match &entry.record {
                    Ok(r) => show_vaccination(r),
                    Err(e) => say!("  not a vaccination record: {e}"),
                }
            }
            entries.len()
        }
        Err(e) => {
            say!("  not a bundle of vaccinations: {e}");
            0
        }
    }
}

/// The Coverages of a FHIR resource: itself if it is one, those of a Bundle; none otherwise.
fn coverages_of(json: &Value, origin: &str) -> Result<Vec<fhir::CoverageDetails>, CliError> {
    if json["resourceType"] == "Coverage" || json["resourceType"] == "Bundle" {
        fhir::coverages(json).map_err(|e| fhir_refused(origin, e))
    } else {
        Ok(Vec::new())
    }
}

fn inspect_fhir(json: &Value, country: &str, origin: &str) -> Result<(), CliError> {
    let kind = json["resourceType"].as_str().unwrap_or("?");
    say!("FHIR R4 {kind} (no signature: as trustworthy as its source)");
    let coverages = coverages_of(json, origin)?;
    for c in &coverages {
        let r = &c.record;
        say!(
            "  coverage by {} plan {} ({}) from {} to {}, categories {:?}",
            r.payer,
            r.plan,
            r.status,
            r.period_start,
            r.period_end,
            r.categories
        );
    }
    match kind {
        "Coverage" => Ok(()),
        "Bundle" if show_vaccinations(json, country) + coverages.len() > 0 => Ok(()),
        "Bundle" => Err(CliError::Import {
            origin: origin.to_owned(),
            reason: "holds no Immunization or Coverage".into(),
        }),
        _ => {
            let records = fhir::vaccinations(json, country).map_err(|e| fhir_refused(origin, e))?;
            records.iter().for_each(show_vaccination);
            Ok(())
        }
    }
}

/// The most recent dose among `records` (by date, then dose number): what one issuance holds.
fn latest(records: Vec<VaccinationRecord>, origin: &str) -> Result<VaccinationRecord, CliError> {
    records
        .into_iter()
        .max_by_key(|r| (r.date, r.dose_number))
        .ok_or_else(|| CliError::Import {
            origin: origin.to_owned(),
            reason: "holds no vaccination".into(),
        })
}

/// A vaccination record from a SMART Health Card verified against `jwks` at `at` (default: now)
/// and, given one, not revoked by `crl`: its most recent dose, mapped with `country`.
pub fn record_from_shc(
    input: &str,
    jwks: &Path,
    issuer_url: Option<&str>,
    crl: Option<&Path>,
    country: &str,
    at: Option<i64>,
) -> Result<Record, CliError> {
    let (input, origin) = classify(input)?;
    let Input::Shc(cards) = input else {
        return Err(CliError::Import {
            origin,
            reason: "not a SMART Health Card".into(),
        });
    };
    let jwks = read_jwks(jwks, issuer_url)?;
    let now = now_or(at)?;
    let mut records = Vec::new();
    for jws in &cards {
        let verified = shc::verify(jws, &jwks, now).map_err(|e| shc_refused(&origin, e))?;
        check_crl(&verified.card, crl, &origin)?;
        say!(
            "verified {origin}: signed by {} (key id {})",
            verified.card.issuer,
            verified.key.kid
        );
        records.extend(
            fhir::vaccinations(&verified.card.bundle, country)
                .map_err(|e| fhir_refused(&origin, e))?,
        );
    }
    latest(records, &origin).map(Record::Vaccination)
}

/// A record from a FHIR R4 file: a Coverage (or a Bundle holding one) becomes a coverage record,
/// Immunizations the most recent vaccination, mapped with `country`.
pub fn record_from_fhir(path: &Path, country: &str) -> Result<Record, CliError> {
    let origin = shown(path);
    let json: Value = files::read_json(path, "FHIR resource")?;
    if let Some(first) = coverages_of(&json, &origin)?.into_iter().next() {
        return Ok(Record::Coverage(first.record));
    }
    let records = fhir::vaccinations(&json, country).map_err(|e| fhir_refused(&origin, e))?;
    latest(records, &origin).map(Record::Vaccination)
}

/// A record from a certificate verified against `trust_list` at `at` (default: now), with the
/// certificate's expiry day (the credential's default expiry).
pub fn record_from_dcc(
    input: &str,
    trust_list: &Path,
    at: Option<i64>,
) -> Result<(Record, Option<zkhealth::circuits::date::Day>), CliError> {
    let (qr, origin) = qr_text(input)?;
    let trust = read_trust_list(trust_list)?;
    let now = now_or(at)?;
    let verified = dcc::verify(&qr, &trust, now).map_err(|e| refused(&origin, e))?;
    let record = verified.payload.record().map_err(|e| refused(&origin, e))?;
    let expiry = verified
        .certificate
        .expires_at
        .and_then(|t| u64::try_from(t).ok())
        .and_then(|t| zkhealth::circuits::date::Day::from_unix_seconds(t).ok());
    say!(
        "verified {origin}: signed by {} (key id {})",
        verified.signer.subject,
        verified.signer.kid_base64()
    );
    Ok((record, expiry))
}
