//! Health data in: `inspect` shows what an EU Digital COVID Certificate says and whether its
//! signature and dates check out; `issue --from-dcc` verifies one, maps it and issues the
//! credential (see [`crate::issuer`]).

use std::path::{Path, PathBuf};

use clap::Args;
use zkhealth::records::{
    dcc::{self, Certificate, TrustList},
    Record,
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
    /// The certificate: its QR text (`HC1:…`) or `@FILE` holding it.
    pub input: String,
    /// Document-signer certificates to check the signature against (JSON or PEM; see the
    /// README's trust-list format). Without it the signature is not checked.
    #[arg(long)]
    pub trust_list: Option<PathBuf>,
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
        None => Ok((input.trim().to_owned(), "the certificate".to_owned())),
    }
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

/// `inspect`: exits 0 when the certificate decodes and, given a trust list, verifies at the
/// clock; 1 otherwise, naming the layer that refused it.
pub fn inspect(args: &InspectArgs) -> Result<(), CliError> {
    let (qr, origin) = qr_text(&args.input)?;
    let certificate = dcc::decode(&qr).map_err(|e| refused(&origin, e))?;
    print_certificate(&certificate);
    let Some(path) = &args.trust_list else {
        say!("signature not checked: no --trust-list");
        return match certificate.payload() {
            Ok(_) => Ok(()),
            Err(e) => Err(refused(&origin, e)),
        };
    };
    let trust = read_trust_list(path)?;
    let now = now_or(args.at)?;
    let verified =
        dcc::verify_decoded(certificate, &trust, now).map_err(|e| refused(&origin, e))?;
    say!(
        "verified: signed by {} (key id {}), valid at {}",
        verified.signer.subject,
        verified.signer.kid_base64(),
        shown_time(now)
    );
    match verified.payload.record() {
        Ok(record) => say!("maps to a {:?} record", record.schema()),
        Err(e) => say!("does not map to a record: {e}"),
    }
    Ok(())
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
