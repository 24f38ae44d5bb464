//! `zkhealth demo`: the whole flow on built-in data, with the outcomes that must be refused.
//!
//! Every step states what should happen; the demo exits non-zero if anything else happens.

use std::{
    fmt::Display,
    fs,
    path::Path,
    time::{Duration, Instant},
};

use ark_std::UniformRand;
use rand_core::OsRng;
use zkhealth::{
    circuits::{
        circuit::ClaimCircuit,
        credential::{Credential, HolderSecret},
        date::{Day, DobInterval},
        field::fr_to_hex,
        merkle::MerklePath,
        policy::Policy,
        CircuitId, Fr, Scope,
    },
    prover::{self, ClaimRequest, Held, ProveRequest, Prover, ProverError, ProvingArtifact},
    records::{
        claims::{self, Claims},
        codes,
        schema::vaccination,
        CoverageRecord, IdentityRecord, Record, TreatmentRecord, VaccinationRecord,
    },
    registry::{
        store::{RegistryStore, StoreError},
        Registry,
    },
    verifier::{
        ClaimVerifier, Expected, IssuerRoots, LocalRoots, MemoryNullifiers, Presentation, Verified,
        Verifier, VerifyError, VerifyingKey,
    },
};

use crate::{
    error::CliError,
    files::{self, shown},
    holder::check_membership,
    keys::{circuit_key_stem, load_keys, DEV_SETUP_WARNING},
};

/// The demo's issuer.
const ISSUER: &str = "NL-RIVM";
/// Another issuer, whose registry the demo's verifiers must not take for the demo issuer's.
const OTHER_ISSUER: &str = "DE-RKI";
/// The demo's verifier.
const VERIFIER: &str = "checkpoint-AMS";
/// The demo's insurer (its registry holds coverage credentials; it settles claims).
const INSURER: &str = "NL-ZILVERENKRUIS";
/// The registry of treatment records that providers report to.
const PROVIDERS: &str = "NL-ZORGREGISTER";
/// Freshness window of the demo registry's replaced roots.
const WINDOW_SECS: u64 = 3600;

/// One outcome, for the summary.
struct Row {
    step: String,
    expected: String,
    got: String,
    ok: bool,
    time: Option<Duration>,
}

/// The outcomes so far.
#[derive(Default)]
struct Outcomes {
    rows: Vec<Row>,
}

impl Outcomes {
    fn record(
        &mut self,
        step: &str,
        expected: &str,
        got: String,
        ok: bool,
        time: Option<Duration>,
    ) {
        let mark = if ok { "ok" } else { "UNEXPECTED" };
        println!("    -> {got}   [{mark}]");
        self.rows.push(Row {
            step: step.into(),
            expected: expected.into(),
            got,
            ok,
            time,
        });
    }

    /// A timed step that must succeed; its error is reported as unexpected.
    fn timed<T>(&mut self, step: &str, time: Duration, result: Result<T, impl Display>) -> bool {
        let ok = result.is_ok();
        let got = match result {
            Ok(_) => format!("done in {}", fmt_duration(time)),
            Err(e) => format!("FAILED: {e}"),
        };
        self.record(step, "success", got, ok, Some(time));
        ok
    }

    /// A verification that must be accepted.
    fn accepted<T>(&mut self, step: &str, time: Duration, result: &Result<T, VerifyError>) -> bool {
        let (got, ok) = match result {
            Ok(_) => (format!("ACCEPTED in {}", fmt_duration(time)), true),
            Err(e) => (format!("REJECTED: {e}"), false),
        };
        self.record(step, "ACCEPTED", got, ok, Some(time));
        ok
    }

    /// A verification that must be refused with a given error.
    fn rejected<T>(
        &mut self,
        step: &str,
        expected: &str,
        time: Duration,
        result: &Result<T, VerifyError>,
        is_expected: impl Fn(&VerifyError) -> bool,
    ) {
        let (got, ok) = match result {
            Ok(_) => ("ACCEPTED".to_string(), false),
            Err(e) => (format!("REJECTED ({}): {e}", e.code()), is_expected(e)),
        };
        self.record(step, expected, got, ok, Some(time));
    }

    fn unexpected(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| !r.ok)
            .map(|r| format!("{}: expected {}, got {}", r.step, r.expected, r.got))
            .collect()
    }

    fn print_summary(&self) {
        println!();
        println!("== Summary");
        let w = self
            .rows
            .iter()
            .map(|r| r.step.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let we = self
            .rows
            .iter()
            .map(|r| r.expected.len())
            .max()
            .unwrap_or(8)
            .max(8);
        println!(
            "  {:<w$}  {:<we$}  {:>10}  result",
            "step", "expected", "time"
        );
        println!(
            "  {}  {}  {}  ------",
            "-".repeat(w),
            "-".repeat(we),
            "-".repeat(10)
        );
        for r in &self.rows {
            let time = r.time.map_or_else(|| "-".into(), fmt_duration);
            let result = if r.ok { "as expected" } else { "UNEXPECTED" };
            println!(
                "  {:<w$}  {:<we$}  {time:>10}  {result}",
                r.step, r.expected
            );
        }
    }
}

fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 1e-3 {
        format!("{:.2} ms", secs * 1e3)
    } else {
        format!("{:.0} µs", secs * 1e6)
    }
}

fn section(title: &str) {
    println!();
    println!("== {title}");
}

fn days_before(today: Day, n: u32) -> Result<Day, CliError> {
    today
        .checked_sub(n)
        .ok_or_else(|| CliError::Clock(format!("{today} minus {n} days is before 1900")))
}

fn days_after(today: Day, n: u32) -> Result<Day, CliError> {
    today
        .checked_add(n)
        .ok_or_else(|| CliError::Clock(format!("{today} plus {n} days is after 9999")))
}

/// Loads the cached keys of `circuit` for `depth`, or runs a setup and caches them.
fn keys(
    data_dir: &Path,
    circuit: CircuitId,
    depth: u32,
    outcomes: &mut Outcomes,
) -> Result<(ProvingArtifact, VerifyingKey), CliError> {
    let dir = data_dir.join("keys");
    let stem = match circuit {
        CircuitId::Presentation => format!("depth-{depth}"),
        _ => circuit_key_stem(circuit, depth),
    };
    let (pk_path, vk_path) = files::key_paths(&dir, &stem);
    if pk_path.exists() || vk_path.exists() {
        let start = Instant::now();
        match load_keys(&dir, depth, &stem) {
            Ok((artifact, vk)) => {
                let time = start.elapsed();
                println!(
                    "  loaded from cache: {}, {}",
                    shown(&pk_path),
                    shown(&vk_path)
                );
                println!("  key id {}", vk.id());
                outcomes.record(
                    &format!("{circuit} keys: load from cache"),
                    "success",
                    format!("loaded from cache in {}", fmt_duration(time)),
                    true,
                    Some(time),
                );
                return Ok((artifact, vk));
            }
            Err(e) => println!("  cached keys unusable ({e}); running a new setup"),
        }
    }
    println!("  running the Groth16 setup of the {circuit} circuit for depth {depth} (OsRng)...");
    let start = Instant::now();
    let (artifact, vk) = match circuit {
        CircuitId::Claim => prover::setup_circuit::<ClaimCircuit, _>(depth, &mut OsRng)?,
        _ => prover::setup(depth, &mut OsRng)?,
    };
    let time = start.elapsed();
    files::write_bytes(&pk_path, &artifact.to_file_bytes()?)?;
    files::write_bytes(&vk_path, &vk.to_file_bytes())?;
    println!("  cached at {}, {}", shown(&pk_path), shown(&vk_path));
    println!("  key id {}", vk.id());
    outcomes.record(
        &format!("{circuit} keys: setup"),
        "success",
        format!("generated in {:.1} s", time.as_secs_f64()),
        true,
        Some(time),
    );
    Ok((artifact, vk))
}

/// What a verifier desk needs for one presentation.
struct Desk {
    verifier: Verifier<LocalRoots>,
    challenge: Fr,
    scope: Scope,
    now: u64,
}

impl Desk {
    fn new(
        vk: &VerifyingKey,
        policy: Policy,
        roots: IssuerRoots<LocalRoots>,
        event: &str,
        now: u64,
    ) -> Result<Self, CliError> {
        Ok(Desk {
            verifier: Verifier::new(vk.clone(), policy, roots).map_err(CliError::from_verify)?,
            challenge: Fr::rand(&mut OsRng),
            scope: Scope::named(VERIFIER, event)?,
            now,
        })
    }

    fn expected(&self) -> Result<Expected, CliError> {
        Expected::at(self.challenge, self.scope, self.now).map_err(CliError::from_verify)
    }

    fn verify(
        &self,
        p: &Presentation,
        expected: &Expected,
        used: &mut MemoryNullifiers,
    ) -> (Result<Verified, VerifyError>, Duration) {
        let start = Instant::now();
        let result = self.verifier.verify_presentation(p, expected, used);
        (result, start.elapsed())
    }
}

/// The holder's request to a desk.
fn request<'a>(
    secret: &'a HolderSecret,
    today: Day,
    desk: &Desk,
    credential: &'a Credential,
    path: &'a MerklePath,
    policy: &'a Policy,
) -> ProveRequest<'a> {
    ProveRequest {
        secret,
        credential,
        path,
        policy,
        today,
        challenge: desk.challenge,
        scope: desk.scope,
    }
}

/// Proves, timing it.
fn prove(prover: &Prover, req: &ProveRequest<'_>) -> (Result<Presentation, ProverError>, Duration) {
    let start = Instant::now();
    let result = prover.prove(req);
    (result, start.elapsed())
}

/// Proves a step that must succeed; a failure ends the demo (later steps need the proof).
fn prove_step(
    outcomes: &mut Outcomes,
    step: &str,
    prover: &Prover,
    req: &ProveRequest<'_>,
) -> Result<Presentation, CliError> {
    println!("  {step}");
    let (result, time) = prove(prover, req);
    outcomes.timed(
        step,
        time,
        result.as_ref().map(|_| ()).map_err(|e| e.to_string()),
    );
    Ok(result?)
}

fn print_disclosed(verified: &Result<Verified, VerifyError>) {
    if let Ok(v) = verified {
        for (name, value, text) in &v.disclosed {
            println!(
                "       disclosed {name} = {}",
                text.clone().unwrap_or_else(|| fr_to_hex(value))
            );
        }
    }
}

/// Runs the demo at registry depth `depth`, keeping keys and the registry in `data_dir`.
pub fn run(data_dir: &Path, depth: u32) -> Result<(), CliError> {
    let mut out = Outcomes::default();
    let now = files::unix_now()?;
    let today = files::day_of(now)?;
    println!(
        "zkhealth demo: registry depth {depth}, data dir {}",
        shown(data_dir)
    );
    println!("today (UTC) {today}, unix time {now}");

    // ---------------------------------------------------------------------------------------
    section("1. Keys (one Groth16 setup per registry depth)");
    println!("  NOTE: this is a {DEV_SETUP_WARNING}.");
    let (artifact, vk) = keys(data_dir, CircuitId::Presentation, depth, &mut out)?;
    let prover = Prover::new(artifact);

    // ---------------------------------------------------------------------------------------
    section(&format!("2. Issuer {ISSUER}"));
    let registry_path = data_dir.join(format!("demo-registry-depth-{depth}.redb"));
    match fs::remove_file(&registry_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(CliError::Write {
                path: registry_path,
                source: e,
            })
        }
        _ => {}
    }
    let mut registry = RegistryStore::open_or_create(&registry_path, depth, WINDOW_SECS)?;
    registry.bind_issuer(ISSUER)?;
    println!(
        "  registry {} (fresh), depth {depth} ({} slots), replaced roots accepted for {WINDOW_SECS} s",
        shown(&registry_path),
        registry.registry().tree().capacity()
    );

    // ---------------------------------------------------------------------------------------
    section("3. Holder");
    let secret = HolderSecret::random(&mut OsRng);
    println!("  secret generated with OsRng (stays on the device)");
    println!(
        "  holder key {} (given to the issuer)",
        fr_to_hex(&secret.holder_key())
    );

    // ---------------------------------------------------------------------------------------
    section("4. Issuance");
    let dob = DobInterval::parse("1990-04-12")?;
    let vaccination_record = |date: Day| {
        Record::Vaccination(VaccinationRecord {
            disease: codes::disease::COVID_19.into(),
            vaccine: codes::vaccine::COVID_19_VACCINES.into(),
            product: codes::product::COMIRNATY.into(),
            manufacturer: codes::manufacturer::BIONTECH.into(),
            dose_number: 2,
            total_doses: 2,
            date,
            country: codes::country::NL.into(),
            dob,
        })
    };
    let dose_day = days_before(today, 60)?;
    let expiry = days_after(today, 300)?;
    let vax = Credential::new(
        &vaccination_record(dose_day),
        ISSUER,
        secret.holder_key(),
        expiry,
        &mut OsRng,
    )?;
    let identity = Credential::new(
        &Record::Identity(IdentityRecord {
            dob,
            nationality: codes::country::NL.into(),
        }),
        ISSUER,
        secret.holder_key(),
        expiry,
        &mut OsRng,
    )?;
    let expired = Credential::new(
        &vaccination_record(days_before(today, 400)?),
        ISSUER,
        secret.holder_key(),
        days_before(today, 1)?,
        &mut OsRng,
    )?;
    let vax_index = registry.append(vax.commit(), now)?;
    println!(
        "  vaccination: Comirnaty ({}), dose 2/2 on {dose_day}, country NL, born 1990-04-12, \
         expires {expiry}",
        codes::product::COMIRNATY
    );
    println!(
        "     leaf {vax_index}, commitment {}",
        fr_to_hex(&vax.commit())
    );
    let identity_index = registry.append(identity.commit(), now)?;
    println!("  identity: born 1990-04-12, nationality NL, expires {expiry}");
    println!(
        "     leaf {identity_index}, commitment {}",
        fr_to_hex(&identity.commit())
    );
    let expired_index = registry.append(expired.commit(), now)?;
    println!("  vaccination (older, expired {}):", expired.expiry);
    println!(
        "     leaf {expired_index}, commitment {}",
        fr_to_hex(&expired.commit())
    );
    let root_before = registry.root();
    println!("  published root {}", fr_to_hex(&root_before));
    let vax_path = registry.path(vax_index)?;
    let identity_path = registry.path(identity_index)?;
    let expired_path = registry.path(expired_index)?;
    let roots = crate::issuer::issuer_roots(&registry, &registry_path)?;

    // ---------------------------------------------------------------------------------------
    section(&format!("5. Verifier {VERIFIER}"));
    let standard = claims::standard_vaccination(ISSUER)?;
    println!("  standard vaccination policy:");
    for c in &standard.conditions {
        println!("     {}", c.describe(standard.schema));
    }
    let request = |desk: &Desk, credential, path, policy| {
        request(&secret, today, desk, credential, path, policy)
    };

    // 5a. Boarding: the standard policy.
    let boarding = Desk::new(&vk, standard.clone(), roots.clone(), "2026-boarding", now)?;
    let mut boarding_used = MemoryNullifiers::new();
    println!(
        "  [boarding] challenge {}, scope {}",
        fr_to_hex(&boarding.challenge),
        boarding.scope
    );
    let step = "prove: standard vaccination";
    let p_boarding = prove_step(
        &mut out,
        step,
        &prover,
        &request(&boarding, &vax, &vax_path, &standard),
    )?;
    println!("  verify: standard vaccination");
    let (r, t) = boarding.verify(&p_boarding, &boarding.expected()?, &mut boarding_used);
    out.accepted("verify: standard vaccination", t, &r);

    // 5b. Border control: the standard policy and the country of vaccination disclosed.
    let mut with_country = standard.clone();
    with_country.disclose.push(vaccination::COUNTRY);
    let border = Desk::new(&vk, with_country.clone(), roots.clone(), "2026-border", now)?;
    let mut border_used = MemoryNullifiers::new();
    let p_border = prove_step(
        &mut out,
        "prove: vaccination + disclose country",
        &prover,
        &request(&border, &vax, &vax_path, &with_country),
    )?;
    println!("  verify: vaccination + disclose country");
    let (r, t) = border.verify(&p_border, &border.expected()?, &mut border_used);
    out.accepted("verify: vaccination + disclose country", t, &r);
    print_disclosed(&r);
    println!("  QR text of the border-control presentation");
    let qr = p_border.to_qr_text().map_err(CliError::Verify)?;
    let round_trip = Presentation::from_qr_text(&qr).map_err(CliError::Verify)? == p_border;
    let binary_len = p_border.to_bytes().map_err(CliError::Verify)?.len();
    out.record(
        "QR text round trip",
        "identical",
        format!(
            "{binary_len} bytes binary, QR text {} characters (ZKH1: + base45), decodes back: {}",
            qr.len(),
            if round_trip { "yes" } else { "NO" }
        ),
        round_trip,
        None,
    );

    // 5c. Age 18..=65 on the identity credential.
    let age = Claims::identity(ISSUER).age_between(18, 65).build()?;
    let lounge = Desk::new(&vk, age.clone(), roots.clone(), "2026-age-check", now)?;
    let mut lounge_used = MemoryNullifiers::new();
    let p_age = prove_step(
        &mut out,
        "prove: age 18..=65 (identity)",
        &prover,
        &request(&lounge, &identity, &identity_path, &age),
    )?;
    println!("  verify: age 18..=65 (identity)");
    let (r, t) = lounge.verify(&p_age, &lounge.expected()?, &mut lounge_used);
    out.accepted("verify: age 18..=65 (identity)", t, &r);

    // ---------------------------------------------------------------------------------------
    section("6. Rejections");

    println!("  replay: the boarding presentation answered to a new challenge");
    let mut replay = boarding.expected()?;
    replay.challenge = Fr::rand(&mut OsRng);
    let (r, t) = boarding.verify(&p_boarding, &replay, &mut boarding_used);
    out.rejected("replay, other challenge", "ChallengeMismatch", t, &r, |e| {
        matches!(e, VerifyError::ChallengeMismatch)
    });

    println!("  the same boarding presentation presented twice");
    let (r, t) = boarding.verify(&p_boarding, &boarding.expected()?, &mut boarding_used);
    out.rejected("presented twice", "NullifierReused", t, &r, |e| {
        matches!(e, VerifyError::NullifierReused { .. })
    });

    println!("  wrong policy: this verifier requires dose >= 3");
    let three_doses = Claims::vaccination(ISSUER)
        .product_in(&codes::product::EU_AUTHORISED_COVID_19)
        .dose_at_least(3)
        .last_dose_between_days_ago(14, 365)
        .age_at_least(18)
        .build()?;
    let strict = Desk {
        verifier: Verifier::new(vk.clone(), three_doses, roots.clone())
            .map_err(CliError::from_verify)?,
        challenge: boarding.challenge,
        scope: boarding.scope,
        now,
    };
    let (r, t) = strict.verify(
        &p_boarding,
        &strict.expected()?,
        &mut MemoryNullifiers::new(),
    );
    out.rejected("wrong policy (dose >= 3)", "PolicyMismatch", t, &r, |e| {
        matches!(e, VerifyError::PolicyMismatch(_))
    });

    println!(
        "  another issuer's roots: {OTHER_ISSUER}'s registry holds the vaccination credential \
         (naming {ISSUER}), and a verifier is given its roots for the standard policy"
    );
    // A registry does not bind the issuer its credentials name: any operator can commit one.
    let mut rogue = Registry::new(depth, WINDOW_SECS).map_err(|e| CliError::Store(e.into()))?;
    rogue
        .append(vax.commit(), now)
        .map_err(|e| CliError::Store(e.into()))?;
    let theirs = IssuerRoots::new(OTHER_ISSUER, LocalRoots::new(rogue.history().clone()))
        .map_err(CliError::from_verify)?;
    let start = Instant::now();
    let r = Verifier::new(vk.clone(), standard.clone(), theirs);
    let t = start.elapsed();
    let (got, ok) = match &r {
        Ok(_) => ("a verifier was built".to_string(), false),
        Err(e) => (
            format!("REFUSED before any presentation ({}): {e}", e.code()),
            matches!(e, VerifyError::IssuerRootsMismatch { .. }),
        ),
    };
    out.record(
        "another issuer's roots",
        "IssuerRootsMismatch",
        got,
        ok,
        Some(t),
    );

    println!(
        "  expired credential (expired {}): the prover refuses",
        expired.expiry
    );
    let (r, t) = prove(
        &prover,
        &request(&boarding, &expired, &expired_path, &standard),
    );
    let (got, ok) = match &r {
        Ok(_) => ("a proof was made".to_string(), false),
        Err(e) => (
            format!("REFUSED before proving, in {}: {e}", fmt_duration(t)),
            matches!(
                e,
                ProverError::Claim(zkhealth::circuits::Error::Expired { .. })
            ),
        ),
    };
    out.record("expired credential", "Expired (prover)", got, ok, Some(t));

    // Revocation.
    let return_trip = Desk::new(&vk, standard.clone(), roots.clone(), "2026-return", now)?;
    let p_old_root = prove_step(
        &mut out,
        "prove: before revocation (old root)",
        &prover,
        &request(&return_trip, &vax, &vax_path, &standard),
    )?;
    let revoked_at = files::unix_now()?.max(now);
    registry.revoke(vax_index, revoked_at)?;
    println!(
        "  issuer revokes leaf {vax_index} at {revoked_at}; new root {}",
        fr_to_hex(&registry.root())
    );
    let after = crate::issuer::issuer_roots(&registry, &registry_path)?;
    let revoked_desk = |at: u64| -> Result<Desk, CliError> {
        Ok(Desk {
            verifier: Verifier::new(vk.clone(), standard.clone(), after.clone())
                .map_err(CliError::from_verify)?,
            challenge: return_trip.challenge,
            scope: return_trip.scope,
            now: at,
        })
    };
    println!("  old-root presentation, 60 s after the revocation (inside the freshness window)");
    let desk = revoked_desk(revoked_at + 60)?;
    let (r, t) = desk.verify(&p_old_root, &desk.expected()?, &mut MemoryNullifiers::new());
    out.accepted("old root, inside window", t, &r);
    println!(
        "  old-root presentation, {} s after the revocation (window passed)",
        WINDOW_SECS + 1
    );
    let desk = revoked_desk(revoked_at + WINDOW_SECS + 1)?;
    let (r, t) = desk.verify(&p_old_root, &desk.expected()?, &mut MemoryNullifiers::new());
    out.rejected("old root, window passed", "RootNotAccepted", t, &r, |e| {
        matches!(e, VerifyError::RootNotAccepted { .. })
    });
    println!("  a fresh proof against the new root, with a fresh path from the registry");
    let fresh_path = registry.path(vax_index)?;
    let start = Instant::now();
    let check = check_membership(&vax, &fresh_path, &registry.root());
    let t = start.elapsed();
    let (got, ok) = match &check {
        Ok(()) => ("the path still leads to the new root".to_string(), false),
        Err(e) => (format!("REFUSED natively: {e}"), true),
    };
    out.record(
        "new root after revocation",
        "not in registry",
        got,
        ok,
        Some(t),
    );

    // ---------------------------------------------------------------------------------------
    claims_section(data_dir, depth, &secret, now, &mut out)?;

    // ---------------------------------------------------------------------------------------
    out.print_summary();
    let unexpected = out.unexpected();
    if unexpected.is_empty() {
        println!();
        println!("every outcome was as expected");
        Ok(())
    } else {
        Err(CliError::Demo(unexpected))
    }
}

/// Section 7: the insurer's flow. A provider reports a treatment to the provider registry, the
/// insurer's registry holds the holder's coverage, the holder claims the treatment, and the
/// insurer accepts the claim once and refuses the same treatment claimed again; an uncovered
/// treatment is refused by the holder's own prover.
fn claims_section(
    data_dir: &Path,
    depth: u32,
    secret: &HolderSecret,
    now: u64,
    out: &mut Outcomes,
) -> Result<(), CliError> {
    section(&format!(
        "7. Insurer {INSURER}: a claim over a coverage and a treatment record"
    ));
    let today = files::day_of(now)?;
    let (artifact, vk) = keys(data_dir, CircuitId::Claim, depth, out)?;
    let prover = Prover::new(artifact);
    let expiry = days_after(today, 300)?;
    let credential = |record: Record, issuer: &str| {
        Credential::new(&record, issuer, secret.holder_key(), expiry, &mut OsRng)
    };
    let coverage = credential(
        Record::Coverage(CoverageRecord {
            payer: INSURER.into(),
            plan: "BASIS".into(),
            status: codes::coverage::ACTIVE.into(),
            period_start: days_before(today, 300)?,
            period_end: days_after(today, 65)?,
            categories: vec![
                codes::coverage::OUTPATIENT.into(),
                codes::coverage::PHARMACY.into(),
            ],
            annual_limit: 500_000,
        }),
        INSURER,
    )?;
    let treatment = |id: &str, category: &str| -> Result<Credential, CliError> {
        Ok(credential(
            Record::Treatment(TreatmentRecord {
                provider: "NL-AMC".into(),
                category: category.into(),
                procedure: "SNOMED:80146002".into(),
                date: days_before(today, 10)?,
                amount: 12_500,
                treatment_id: id.into(),
            }),
            PROVIDERS,
        )?)
    };
    let outpatient = treatment("AMC-2026-000417", codes::coverage::OUTPATIENT)?;
    let dental = treatment("AMC-2026-000418", codes::coverage::DENTAL)?;
    // Both registries in memory: the demo's redb registry is the vaccination issuer's.
    let registry = |depth| Registry::new(depth, WINDOW_SECS).map_err(StoreError::from);
    let (mut insurer, mut providers) = (registry(depth)?, registry(depth)?);
    let append =
        |r: &mut Registry, c: &Credential| r.append(c.commit(), now).map_err(StoreError::from);
    let coverage_index = append(&mut insurer, &coverage)?;
    let outpatient_index = append(&mut providers, &outpatient)?;
    let dental_index = append(&mut providers, &dental)?;
    println!(
        "  {INSURER} issues a coverage: active, outpatient and pharmacy, limit 5,000.00, until {}",
        days_after(today, 65)?
    );
    println!(
        "  NL-AMC reports two treatments to {PROVIDERS} on {}: outpatient (AMC-2026-000417) and \
         dental (AMC-2026-000418), 125.00 each",
        days_before(today, 10)?
    );
    let coverage_policy = Claims::coverage(INSURER)
        .payer_is(INSURER)
        .status_active()
        .build()?;
    let treatment_policy = Claims::treatment(PROVIDERS)
        .category_in(&[codes::coverage::OUTPATIENT, codes::coverage::DENTAL])
        .amount_at_most(100_000)
        .served_within_days(365)
        .disclose("amount")
        .build()?;
    println!("  claims policy: coverage active and paid by {INSURER}; treatment outpatient or");
    println!("     dental, at most 1,000.00, served within a year, discloses the amount;");
    println!("     and, in the circuit, served within the coverage period, in a covered");
    println!("     category, at most the annual limit");
    let roots = |r: &Registry, issuer: &str| {
        IssuerRoots::new(issuer, LocalRoots::new(r.history().clone()))
            .map_err(CliError::from_verify)
    };
    let desk = ClaimVerifier::new(
        vk,
        coverage_policy.clone(),
        roots(&insurer, INSURER)?,
        treatment_policy.clone(),
        roots(&providers, PROVIDERS)?,
    )
    .map_err(CliError::from_verify)?;
    let scope = Scope::named(INSURER, "2026-claims")?;
    let coverage_path = insurer.path(coverage_index).map_err(StoreError::from)?;
    let mut used = MemoryNullifiers::new();
    let claim = |treatment: &Credential, index: u64| -> Result<_, CliError> {
        let path = providers.path(index).map_err(StoreError::from)?;
        let challenge = Fr::rand(&mut OsRng);
        let start = Instant::now();
        let proved = prover.prove_claim(&ClaimRequest {
            secret,
            coverage: Held {
                credential: &coverage,
                path: &coverage_path,
                policy: &coverage_policy,
            },
            treatment: Held {
                credential: treatment,
                path: &path,
                policy: &treatment_policy,
            },
            today,
            challenge,
            scope,
        });
        Ok((proved, start.elapsed(), Expected::at(challenge, scope, now)))
    };
    let step = "prove: claim of the outpatient treatment";
    println!("  {step}");
    let (proved, time, expected) = claim(&outpatient, outpatient_index)?;
    out.timed(step, time, proved.as_ref().map(|_| ()));
    let first = proved?;
    let start = Instant::now();
    let r = desk.verify_claim(&first, &expected.map_err(CliError::from_verify)?, &mut used);
    let t = start.elapsed();
    println!("  the insurer verifies the claim");
    if out.accepted("claim, first time", t, &r) {
        if let Ok(v) = &r {
            for (name, value, _) in &v.treatment {
                println!("       disclosed treatment {name} = {value}");
            }
        }
    }
    println!("  the same treatment claimed again (new challenge, new proof)");
    let (proved, _, expected) = claim(&outpatient, outpatient_index)?;
    let again = proved?;
    let start = Instant::now();
    let r = desk.verify_claim(&again, &expected.map_err(CliError::from_verify)?, &mut used);
    out.rejected(
        "claim, same treatment again",
        "NullifierReused",
        start.elapsed(),
        &r,
        |e| matches!(e, VerifyError::NullifierReused { .. }),
    );
    println!("  the dental treatment (dental care is not in the coverage)");
    let (proved, t, _) = claim(&dental, dental_index)?;
    let (got, ok) = match &proved {
        Ok(_) => ("a claim was proved".to_string(), false),
        Err(e) => (format!("REFUSED natively: {e}"), true),
    };
    out.record(
        "claim, category not covered",
        "not covered",
        got,
        ok,
        Some(t),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_readable() {
        assert_eq!(fmt_duration(Duration::from_millis(2500)), "2.50 s");
        assert_eq!(fmt_duration(Duration::from_micros(3770)), "3.77 ms");
        assert_eq!(fmt_duration(Duration::from_micros(40)), "40 µs");
    }

    #[test]
    fn unexpected_outcomes_are_listed() {
        let mut out = Outcomes::default();
        out.record("a", "ACCEPTED", "ACCEPTED".into(), true, None);
        out.record("b", "PolicyMismatch", "ACCEPTED".into(), false, None);
        assert_eq!(
            out.unexpected(),
            vec!["b: expected PolicyMismatch, got ACCEPTED".to_string()]
        );
    }
}
