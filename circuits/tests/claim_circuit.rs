//! The claim circuit: its shape (public inputs, constraint counts against the presentation's),
//! its satisfiability on an honest witness, and, for every constraint it adds to two
//! openings, a witness that violates it and leaves the circuit unsatisfied (the native check
//! refusing it first, where there is one). Proofs of these are in the prover's tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth_circuits::{
    circuit::{claim_constraints, Circuit, ClaimCircuit, ClaimWitness, PresentationCircuit},
    claim::{self, check_covered, claim_nullifier, claim_query_hash, ClaimStatement},
    credential::{Credential, HolderSecret},
    date::Day,
    opening::CredentialOpening,
    policy::{Condition, Operand, Operator, Policy},
    Error, Fr, PublicInputs,
};
use zkhealth_records::{
    claims::Claims,
    codes,
    schema::{coverage, treatment},
    testing::{coverage_record, treatment_record},
    CoverageRecord, Record, TreatmentRecord,
};
use zkhealth_registry::Registry;

const DEPTH: u32 = 2;
const INSURER: &str = "NL-ZILVERENKRUIS";
const PROVIDERS: &str = "NL-ZORGREGISTER";

fn today() -> Day {
    "2026-11-21".parse().unwrap()
}

/// The provider's identifier of the sample treatment.
const TREATMENT_ID: &str = "AMC-2026-000417";

/// The insurer's two policies: an active coverage of its own; a treatment of at most 1,000.00
/// from the provider registry, disclosing the amount.
fn policies() -> (Policy, Policy) {
    let cov = Claims::coverage(INSURER)
        .payer_is(INSURER)
        .status_active()
        .build()
        .unwrap();
    let mut trt = Policy::new(treatment::SCHEMA, PROVIDERS);
    trt.conditions = vec![Condition::new(
        treatment::AMOUNT,
        Operator::Le,
        vec![Operand::Number(100_000)],
    )];
    trt.disclose = vec![treatment::AMOUNT];
    (cov, trt)
}

/// What a claim is made of: the holder's secret, both credentials as issued, and who holds the
/// treatment (another secret for the two-holders case).
struct Claim {
    secret: HolderSecret,
    coverage: Credential,
    treatment: Credential,
    scope: Fr,
    challenge: Fr,
}

impl Claim {
    fn new(cov: CoverageRecord, trt: TreatmentRecord) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(16);
        let secret = HolderSecret::random(&mut rng);
        let expiry: Day = "2027-06-30".parse().unwrap();
        let coverage = Credential::new(
            &Record::Coverage(cov),
            INSURER,
            secret.holder_key(),
            expiry,
            &mut rng,
        )
        .unwrap();
        let treatment = Credential::new(
            &Record::Treatment(trt),
            PROVIDERS,
            secret.holder_key(),
            expiry,
            &mut rng,
        )
        .unwrap();
        Claim {
            secret,
            coverage,
            treatment,
            scope: Fr::from(77u8),
            challenge: Fr::from(4242u64),
        }
    }

    fn honest() -> Self {
        Claim::new(coverage_record(), treatment_record(TREATMENT_ID))
    }

    /// The statement and witness of this claim: each credential in its own registry (after a
    /// leaf of someone else), the statement computed natively from the claimant's secret.
    fn build(&self, depth: u32) -> (ClaimStatement, ClaimWitness) {
        let (cov_policy, trt_policy) = policies();
        let opening = |c: &Credential, policy: &Policy| {
            let mut registry = Registry::new(depth, 3600).unwrap();
            registry.append(Fr::from(5u8), 0).unwrap();
            let index = registry.append(c.commit(), 0).unwrap();
            // The pre-check is skipped for witnesses that violate a policy on purpose: slot 0
            // for every condition, which the circuit then refuses.
            let choices = policy.check(c, today()).unwrap_or([0; 4]);
            let query = policy
                .query_hash(&policy.disclosed_values(c))
                .unwrap_or_default();
            (
                registry.root(),
                query,
                CredentialOpening {
                    credential: c.clone(),
                    path: registry.path(index).unwrap(),
                    policy: policy.compile().unwrap(),
                    choices,
                },
            )
        };
        let (root_coverage, q_cov, coverage) = opening(&self.coverage, &cov_policy);
        let (root_treatment, q_trt, treatment) = opening(&self.treatment, &trt_policy);
        let statement = ClaimStatement {
            root_coverage,
            root_treatment,
            today: today(),
            challenge: self.challenge,
            scope: self.scope,
            nullifier: claim_nullifier(&self.secret, &self.treatment, &self.scope),
            query_hash: claim_query_hash(q_cov, q_trt),
        };
        let witness = ClaimWitness {
            secret: self.secret.clone(),
            coverage,
            treatment,
        };
        (statement, witness)
    }
}

fn satisfied(statement: ClaimStatement, witness: ClaimWitness) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    ClaimCircuit::new(DEPTH, statement, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    cs.is_satisfied().unwrap()
}

fn shape(depth: u32, c: impl ConstraintSynthesizer<Fr>) -> (usize, usize, usize) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    c.generate_constraints(cs.clone()).unwrap();
    cs.finalize();
    let _ = depth;
    (
        cs.num_constraints(),
        cs.num_instance_variables(),
        cs.num_witness_variables(),
    )
}

#[test]
fn an_honest_claim_satisfies_and_its_inputs_follow_the_statement_order() {
    let claim = Claim::honest();
    check_covered(&claim.coverage, &claim.treatment).unwrap();
    let (statement, witness) = claim.build(DEPTH);
    let cs = ConstraintSystem::<Fr>::new_ref();
    ClaimCircuit::new(DEPTH, statement, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    assert_eq!(cs.which_is_unsatisfied().unwrap(), None);
    let mut expected = vec![Fr::from(1u8)];
    expected.extend(statement.to_field_elements());
    assert_eq!(cs.instance_assignment().unwrap(), expected);
    assert_eq!(ClaimCircuit::ID, zkhealth_circuits::CircuitId::Claim);
}

#[test]
fn setup_and_prove_give_the_same_shape_and_counts_are_pinned() {
    let (statement, witness) = Claim::honest().build(DEPTH);
    let cs = ConstraintSystem::<Fr>::new_ref();
    ClaimCircuit::new(DEPTH, statement, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    cs.finalize();
    let prove = (
        cs.num_constraints(),
        cs.num_instance_variables(),
        cs.num_witness_variables(),
    );
    assert_eq!(shape(DEPTH, ClaimCircuit::blank(DEPTH)), prove);
    assert_eq!(prove.0, claim_constraints(DEPTH));
    assert_eq!(prove.1, 1 + ClaimStatement::NUM_INPUTS);

    let (c10, _, _) = shape(10, ClaimCircuit::blank(10));
    let (c16, _, _) = shape(16, ClaimCircuit::blank(16));
    assert_eq!(
        c16 - c10,
        2 * 6 * 304,
        "two paths of 304 constraints a level"
    );
    assert_eq!(c10, claim_constraints(10));
    assert_eq!(c16, claim_constraints(16));
    assert_eq!((c10, c16), (13_908, 17_556));
    let (p16, _, _) = shape(16, PresentationCircuit::blank(16));
    assert!(
        c16 * 10 <= p16 * 21,
        "at most 2.1 times the presentation: {c16} against {p16}"
    );
}

#[test]
fn the_slots_a_claim_reads_are_the_schemas() {
    assert_eq!(coverage::SCHEMA.name(), claim::coverage::SCHEMA_NAME);
    assert_eq!(treatment::SCHEMA.name(), claim::treatment::SCHEMA_NAME);
    let c = coverage::SCHEMA;
    assert_eq!(
        c.slot("period_start").unwrap(),
        claim::coverage::PERIOD_START
    );
    assert_eq!(c.slot("period_end").unwrap(), claim::coverage::PERIOD_END);
    assert_eq!(
        c.slot("annual_limit").unwrap(),
        claim::coverage::ANNUAL_LIMIT
    );
    assert_eq!(c.slot("category1").unwrap(), claim::coverage::CATEGORIES);
    assert_eq!(coverage::MAX_CATEGORIES, claim::coverage::MAX_CATEGORIES);
    let t = treatment::SCHEMA;
    assert_eq!(t.slot("provider").unwrap(), claim::treatment::PROVIDER);
    assert_eq!(t.slot("category").unwrap(), claim::treatment::CATEGORY);
    assert_eq!(t.slot("date").unwrap(), claim::treatment::DATE);
    assert_eq!(t.slot("amount").unwrap(), claim::treatment::AMOUNT);
    assert_eq!(
        t.slot("treatment_id").unwrap(),
        claim::treatment::TREATMENT_ID
    );
}

/// A cross condition that fails: the native check names it, the circuit is unsatisfied.
fn refused(claim: Claim, condition: &str) {
    match check_covered(&claim.coverage, &claim.treatment) {
        Err(Error::NotCovered { condition: c, .. }) => assert_eq!(c, condition),
        other => panic!("{condition}: {other:?}"),
    }
    let (statement, witness) = claim.build(DEPTH);
    assert!(!satisfied(statement, witness), "{condition}");
}

#[test]
fn a_day_of_service_outside_the_coverage_period_is_unsatisfiable() {
    let period = "day of service within the coverage period";
    for date in ["2025-12-31", "2027-01-01", "1900-01-01"] {
        let trt = TreatmentRecord {
            date: date.parse().unwrap(),
            ..treatment_record(TREATMENT_ID)
        };
        refused(Claim::new(coverage_record(), trt), period);
    }
    // The period's own first and last days are covered.
    for date in ["2026-01-01", "2026-12-31"] {
        let trt = TreatmentRecord {
            date: date.parse().unwrap(),
            ..treatment_record(TREATMENT_ID)
        };
        let claim = Claim::new(coverage_record(), trt);
        check_covered(&claim.coverage, &claim.treatment).unwrap();
        let (s, w) = claim.build(DEPTH);
        assert!(satisfied(s, w), "{date}");
    }
}

#[test]
fn a_category_not_covered_is_unsatisfiable_and_an_empty_one_matches_nothing() {
    let category = "service category among the coverage's";
    let trt = TreatmentRecord {
        category: codes::coverage::DENTAL.into(),
        ..treatment_record(TREATMENT_ID)
    };
    refused(Claim::new(coverage_record(), trt), category);
    // The coverage lists two categories, so two of its category slots are 0; a treatment with
    // category 0 would equal them.
    let mut claim = Claim::honest();
    claim.treatment.slots[claim::treatment::CATEGORY] = Fr::from(0u8);
    refused(claim, category);
    // Each of the four slots is read.
    for n in 1..=4 {
        let all = [
            codes::coverage::INPATIENT,
            codes::coverage::PHARMACY,
            codes::coverage::VISION,
            codes::coverage::OUTPATIENT,
        ];
        let cov = CoverageRecord {
            categories: all.iter().map(|c| (*c).into()).collect(),
            ..coverage_record()
        };
        let trt = TreatmentRecord {
            category: all[n - 1].into(),
            ..treatment_record(TREATMENT_ID)
        };
        let (s, w) = Claim::new(cov, trt).build(DEPTH);
        assert!(satisfied(s, w), "category in slot {n}");
    }
}

#[test]
fn an_amount_above_the_limit_is_unsatisfiable() {
    let limit = "amount at most the annual limit";
    let cov = CoverageRecord {
        annual_limit: 10_000,
        ..coverage_record()
    };
    refused(
        Claim::new(cov.clone(), treatment_record(TREATMENT_ID)),
        limit,
    );
    let at_limit = TreatmentRecord {
        amount: 10_000,
        ..treatment_record(TREATMENT_ID)
    };
    let (s, w) = Claim::new(cov, at_limit).build(DEPTH);
    assert!(satisfied(s, w), "an amount equal to the limit");
}

/// Operands outside `[0, 2³²)` would wrap around the field: an amount of `−1` is `limit + 1`
/// below any limit, a period end of `−1` follows every day. The range checks refuse them.
#[test]
fn comparison_operands_beyond_32_bits_are_unsatisfiable() {
    let minus_one = -Fr::from(1u8);
    let cases: [(&str, usize, bool); 5] = [
        ("amount", claim::treatment::AMOUNT, false),
        ("day of service", claim::treatment::DATE, false),
        ("coverage period end", claim::coverage::PERIOD_END, true),
        ("coverage period start", claim::coverage::PERIOD_START, true),
        ("annual limit", claim::coverage::ANNUAL_LIMIT, true),
    ];
    for (what, slot, in_coverage) in cases {
        for value in [minus_one, Fr::from(1u64 << 32)] {
            let mut claim = Claim::honest();
            if in_coverage {
                claim.coverage.slots[slot] = value;
            } else {
                claim.treatment.slots[slot] = value;
            }
            assert!(
                matches!(
                    check_covered(&claim.coverage, &claim.treatment),
                    Err(Error::NotCovered { condition, .. }) if condition == what
                ),
                "{what}"
            );
            let (s, w) = claim.build(DEPTH);
            assert!(!satisfied(s, w), "{what} = {value}");
        }
    }
}

#[test]
fn credentials_of_two_holders_are_unsatisfiable() {
    let mut claim = Claim::honest();
    let mut rng = ChaCha20Rng::seed_from_u64(17);
    let other = HolderSecret::random(&mut rng);
    claim.treatment = Credential::new(
        &Record::Treatment(treatment_record(TREATMENT_ID)),
        PROVIDERS,
        other.holder_key(),
        "2027-06-30".parse().unwrap(),
        &mut rng,
    )
    .unwrap();
    // Covered as far as the cross conditions go: only the holder differs.
    check_covered(&claim.coverage, &claim.treatment).unwrap();
    let (s, w) = claim.build(DEPTH);
    assert!(!satisfied(s, w), "the treatment is another holder's");
    // Nor with the other holder's secret: then the coverage is another holder's.
    let (s, mut w) = claim.build(DEPTH);
    w.secret = other;
    assert!(!satisfied(s, w), "the coverage is another holder's");
}

#[test]
fn credentials_of_other_schemas_are_unsatisfiable() {
    // Two coverage credentials: the second's slots meet every cross condition as numbers.
    let mut claim = Claim::honest();
    let mut rng = ChaCha20Rng::seed_from_u64(18);
    let mut fake = claim.coverage.clone();
    fake.salt = Fr::from(3u8);
    fake.slots = claim.treatment.slots;
    claim.treatment = fake;
    assert!(matches!(
        check_covered(&claim.coverage, &claim.treatment),
        Err(Error::InvalidCredential(_))
    ));
    let (s, w) = claim.build(DEPTH);
    assert!(!satisfied(s, w), "a coverage credential as the treatment");
    let mut claim = Claim::honest();
    claim.coverage = Credential::new(
        &zkhealth_records::testing::sample_vaccination(),
        INSURER,
        claim.secret.holder_key(),
        "2027-06-30".parse().unwrap(),
        &mut rng,
    )
    .unwrap();
    let (s, w) = claim.build(DEPTH);
    assert!(!satisfied(s, w), "a vaccination credential as the coverage");
}

#[test]
fn a_treatment_outside_the_provider_registry_is_unsatisfiable() {
    let claim = Claim::honest();
    let (statement, mut witness) = claim.build(DEPTH);
    // An unregistered provider's record: a registry of its own, its path offered under the
    // provider registry's root.
    let mut rogue = Registry::new(DEPTH, 3600).unwrap();
    let index = rogue.append(claim.treatment.commit(), 0).unwrap();
    witness.treatment.path = rogue.path(index).unwrap();
    assert!(!satisfied(statement, witness), "a rogue path");
    // A sibling changed.
    let (_, mut w) = claim.build(DEPTH);
    w.treatment.path.siblings[0][1] += Fr::from(1u8);
    assert!(!satisfied(statement, w), "a forged sibling");
}

#[test]
fn each_public_input_changed_is_unsatisfiable() {
    let (statement, witness) = Claim::honest().build(DEPTH);
    let inputs = statement.to_field_elements();
    for (i, name) in ClaimStatement::INPUT_NAMES.iter().enumerate() {
        if *name == "challenge" || *name == "today" {
            // Bound by the proof (a squaring; the expiry checks), but other values are
            // satisfiable with their own witness (any challenge; a day before both expiries):
            // the prover's tests show that a proof for one fails for another.
            continue;
        }
        let mut changed = inputs.clone();
        changed[i] += Fr::from(1u8);
        let Ok(s) = ClaimStatement::from_field_elements(&changed) else {
            panic!("{name}: {changed:?}");
        };
        assert!(!satisfied(s, witness.clone()), "{name}");
    }
}

#[test]
fn policies_over_each_credential_are_enforced() {
    // The treatment's policy: at most 1,000.00.
    let trt = TreatmentRecord {
        amount: 100_001,
        ..treatment_record(TREATMENT_ID)
    };
    let (s, w) = Claim::new(coverage_record(), trt).build(DEPTH);
    assert!(!satisfied(s, w), "the treatment policy's amount");
    // The coverage's policy: status active.
    let cov = CoverageRecord {
        status: codes::coverage::SUSPENDED.into(),
        ..coverage_record()
    };
    let (s, w) = Claim::new(cov, treatment_record(TREATMENT_ID)).build(DEPTH);
    assert!(!satisfied(s, w), "the coverage policy's status");
}

#[test]
fn the_claim_nullifier_is_the_treatments_in_the_scope_and_needs_the_secret() {
    let claim = Claim::honest();
    let n = claim_nullifier(&claim.secret, &claim.treatment, &claim.scope);
    // Another challenge, the same credentials reissued (new salts): the same nullifier.
    let mut again = Claim::honest();
    again.challenge = Fr::from(1u8);
    again.treatment.salt += Fr::from(1u8);
    let (s, w) = again.build(DEPTH);
    assert_eq!(s.nullifier, n);
    assert!(satisfied(s, w));
    // Another scope, another treatment, another holder: other nullifiers.
    assert_ne!(
        claim_nullifier(&claim.secret, &claim.treatment, &Fr::from(78u8)),
        n
    );
    let mut other = claim.treatment.clone();
    other.slots[claim::treatment::TREATMENT_ID] += Fr::from(1u8);
    assert_ne!(claim_nullifier(&claim.secret, &other, &claim.scope), n);
    let mut provider = claim.treatment.clone();
    provider.slots[claim::treatment::PROVIDER] += Fr::from(1u8);
    assert_ne!(claim_nullifier(&claim.secret, &provider, &claim.scope), n);
    let stranger = HolderSecret(claim.secret.0 + Fr::from(1u8));
    assert_ne!(
        claim_nullifier(&stranger, &claim.treatment, &claim.scope),
        n
    );
    // Not the holder's presentation nullifier in the same scope.
    assert_ne!(claim.secret.nullifier(&claim.scope), n);
}

/// Constraints of each part of the claim, measured gadget by gadget; the parts add up to the
/// whole circuit (the README's table).
#[test]
fn claim_parts_add_up_to_the_whole_circuit() {
    use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
    use ark_relations::gr1cs::ConstraintSystemRef;
    use zkhealth_circuits::{
        claim::constraints::{self, COVERED_CONSTRAINTS},
        credential::constraints::{CredentialVar, HolderSecretVar},
        date::constraints::ymd_of_day,
        opening::constraints::{held_opening_constraints, HOLDER_KEY_HASH},
    };

    fn count(f: impl FnOnce(ConstraintSystemRef<Fr>)) -> usize {
        let cs = ConstraintSystem::<Fr>::new_ref();
        f(cs.clone());
        cs.num_constraints()
    }
    let claim = Claim::honest();
    let date = count(|cs| {
        let today = FpVar::new_input(cs, || Ok(today().to_field())).unwrap();
        let _ = ymd_of_day(&today).unwrap();
    });
    let nullifier = count(|cs| {
        let secret = HolderSecretVar::new_witness(cs.clone(), || Ok(claim.secret.clone())).unwrap();
        let t = CredentialVar::new_witness(cs.clone(), || Ok(claim.treatment.clone())).unwrap();
        let scope = FpVar::new_input(cs.clone(), || Ok(claim.scope)).unwrap();
        let public = FpVar::new_input(cs, || Ok(Fr::from(1u8))).unwrap();
        let n = constraints::claim_nullifier(&secret, &t, &scope).unwrap();
        n.enforce_equal(&public).unwrap();
    });
    let query = count(|cs| {
        let q = |x: u8| FpVar::new_witness(cs.clone(), || Ok(Fr::from(x))).unwrap();
        let h = constraints::claim_query_hash(&q(1), &q(2)).unwrap();
        h.enforce_equal(&q(3)).unwrap();
    });
    for depth in [DEPTH, 10, 16] {
        let parts = [
            ("coverage opening", held_opening_constraints(depth)),
            ("treatment opening", held_opening_constraints(depth)),
            ("holder key, once", HOLDER_KEY_HASH),
            ("date's YYYYMMDD form", date),
            ("cross conditions", COVERED_CONSTRAINTS),
            ("claim nullifier and equality", nullifier),
            ("combined query hash and equality", query),
            ("challenge", 1),
        ];
        let total: usize = parts.iter().map(|(_, n)| n).sum();
        assert_eq!(total, claim_constraints(depth), "{parts:?}");
        if depth == 16 {
            assert_eq!(held_opening_constraints(16), 8_169);
            assert_eq!((date, nullifier, query), (132, 319, 259), "{parts:?}");
        }
    }
}
