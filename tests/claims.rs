//! Claims end to end: a holder proves a claim over its coverage (insurer's registry) and a
//! treatment record (provider registry); the insurer accepts it once and refuses the same
//! treatment claimed again (another challenge, other randomness), singly and in batches; every
//! public input is bound; and each cross condition, the holder binding and the provider
//! registry's membership, violated in a proof forced past the native pre-check, gives a proof
//! that does not verify.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use zkhealth::{
    circuits::{
        circuit::ClaimWitness,
        claim::ClaimStatement,
        credential::{Credential, HolderSecret},
        date::Day,
        Error, Fr, PublicInputs, Scope,
    },
    prover::{setup, Prover, ProverError},
    records::{codes, CoverageRecord, Record, TreatmentRecord},
    registry::Registry,
    testing::{
        claims::{
            coverage_record, expected, policies, prover_at, treatment_record, ClaimWorld, INSURER,
            PROVIDERS,
        },
        noon, rng, today, WINDOW,
    },
    verifier::{
        ClaimPresentation, ClaimVerifier, Expected, IssuerRoots, LocalRoots, MemoryNullifiers,
        VerifyError,
    },
};

/// Registry depth of both registries (depth does not matter here).
const DEPTH: u32 = 2;

fn prover() -> &'static Prover {
    prover_at(DEPTH)
}

#[test]
fn a_claim_is_accepted_once_and_the_same_treatment_never_again() {
    let mut w = ClaimWorld::new(DEPTH);
    let t = w.treat(treatment_record("AMC-2026-000417"));
    let verifier = w.verifier();
    let mut used = MemoryNullifiers::new();
    let claim = w.claim(&t, 1, 1).unwrap();
    let accepted = verifier
        .verify_claim(&claim, &expected(1), &mut used)
        .unwrap();
    assert_eq!(accepted.nullifier, claim.statement.nullifier);
    assert!(accepted.coverage.is_empty());
    let shown: Vec<_> = accepted
        .treatment
        .iter()
        .map(|(name, value, text)| (name.as_str(), *value, text.clone()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                "category",
                codes::encode("outpatient").unwrap(),
                Some("outpatient".into())
            ),
            ("amount", Fr::from(12_500u32), None),
        ]
    );
    // The same treatment again: another challenge, other randomness, the same nullifier.
    let again = w.claim(&t, 2, 2).unwrap();
    assert_ne!(again.proof, claim.proof);
    assert_eq!(again.statement.nullifier, claim.statement.nullifier);
    assert!(matches!(
        verifier.verify_claim(&again, &expected(2), &mut used),
        Err(VerifyError::NullifierReused { .. })
    ));
    // The first one replayed as well.
    assert!(matches!(
        verifier.verify_claim(&claim, &expected(1), &mut used),
        Err(VerifyError::NullifierReused { .. })
    ));
    // Another treatment of the same holder is a claim of its own.
    let other = w.treat(treatment_record("AMC-2026-000418"));
    let verifier = w.verifier();
    let third = w.claim(&other, 3, 3).unwrap();
    verifier
        .verify_claim(&third, &expected(3), &mut used)
        .unwrap();
    // Its JSON form round-trips and is refused for another circuit or an unsupported depth.
    let json = third.to_json();
    assert_eq!(ClaimPresentation::from_json(&json).unwrap(), third);
    let presentation = json.replace("\"claim\"", "\"presentation\"");
    assert!(matches!(
        ClaimPresentation::from_json(&presentation),
        Err(VerifyError::WrongCircuit { .. })
    ));
    let deep = json.replace(&format!("\"depth\":{DEPTH}"), "\"depth\":17");
    assert!(matches!(
        ClaimPresentation::from_json(&deep),
        Err(VerifyError::UnsupportedDepth { .. })
    ));
}

#[test]
fn a_batch_of_claims_accepts_each_treatment_once_and_names_a_bad_proof() {
    let mut w = ClaimWorld::new(DEPTH);
    let a = w.treat(treatment_record("AMC-1"));
    let b = w.treat(treatment_record("AMC-2"));
    let verifier = w.verifier();
    let ca = w.claim(&a, 1, 1).unwrap();
    let cb = w.claim(&b, 2, 2).unwrap();
    let ca_again = w.claim(&a, 3, 3).unwrap();
    let mut tampered = w.claim(&b, 4, 4).unwrap();
    tampered.statement.challenge = Fr::from(5u8);
    let items = vec![
        (ca, expected(1)),
        (cb, expected(2)),
        (ca_again, expected(3)),
        (tampered, expected(5)),
    ];
    let results = verifier.verify_claims(&items, &mut MemoryNullifiers::new(), &mut rng(7));
    assert!(results[0].is_ok());
    assert!(results[1].is_ok());
    assert!(matches!(
        results[2],
        Err(VerifyError::NullifierReused { .. })
    ));
    assert_eq!(results[3], Err(VerifyError::InvalidProof));
}

#[test]
fn every_public_input_of_a_claim_is_bound() {
    let mut w = ClaimWorld::new(DEPTH);
    let t = w.treat(treatment_record("AMC-7"));
    let claim = w.claim(&t, 1, 1).unwrap();
    let pvk = ark_groth16::prepare_verifying_key(prover().artifact().verifying_key().inner());
    let inputs = claim.statement.to_field_elements();
    assert!(Groth16::<Bn254>::verify_proof(&pvk, &claim.proof.0, &inputs).unwrap());
    assert_eq!(inputs.len(), ClaimStatement::NUM_INPUTS);
    for (i, name) in ClaimStatement::INPUT_NAMES.iter().enumerate() {
        let mut changed = inputs.clone();
        changed[i] += Fr::from(1u8);
        assert!(
            !Groth16::<Bn254>::verify_proof(&pvk, &claim.proof.0, &changed).unwrap(),
            "{name} is not bound"
        );
        let s = ClaimStatement::from_field_elements(&changed).unwrap();
        assert_eq!(
            zkhealth::verifier::verify(prover().artifact().verifying_key(), &s, &claim.proof),
            Err(VerifyError::InvalidProof),
            "{name}"
        );
    }
}

#[test]
fn the_insurer_refuses_what_is_not_its_claim() {
    let mut w = ClaimWorld::new(DEPTH);
    let t = w.treat(treatment_record("AMC-8"));
    let verifier = w.verifier();
    let claim = w.claim(&t, 1, 1).unwrap();
    let check = |c: &ClaimPresentation, e: &Expected| {
        verifier.verify_claim(c, e, &mut MemoryNullifiers::new())
    };
    assert_eq!(
        check(&claim, &expected(2)).unwrap_err(),
        VerifyError::ChallengeMismatch
    );
    let other_scope = Expected {
        scope: Scope::named("NL-OTHER", "2026-claims").unwrap().value(),
        ..expected(1)
    };
    assert_eq!(
        check(&claim, &other_scope).unwrap_err(),
        VerifyError::ScopeMismatch
    );
    let tomorrow = Expected {
        today: Day(today().0 + 1),
        now_unix_secs: noon(Day(today().0 + 1)),
        ..expected(1)
    };
    assert!(matches!(
        check(&claim, &tomorrow),
        Err(VerifyError::TodayOutOfTolerance { .. })
    ));
    let mut hidden = claim.clone();
    hidden.disclosed_treatment[1] = Fr::from(99u8);
    assert!(matches!(
        check(&hidden, &expected(1)),
        Err(VerifyError::PolicyMismatch(_))
    ));
    // The roots swapped: the coverage's root is not the provider registry's.
    let mut swapped = claim.clone();
    swapped.statement.root_treatment = claim.statement.root_coverage;
    swapped.statement.root_coverage = claim.statement.root_treatment;
    assert!(matches!(
        check(&swapped, &expected(1)),
        Err(VerifyError::RootNotAccepted { .. })
    ));
    // A presentation key cannot verify claims.
    let (cov, trt) = policies();
    let presentation_key = setup(DEPTH, &mut rng(3)).unwrap().1;
    let roots = |r: &Registry, issuer| {
        IssuerRoots::new(issuer, LocalRoots::new(r.history().clone())).unwrap()
    };
    assert!(matches!(
        ClaimVerifier::new(
            presentation_key,
            cov.clone(),
            roots(&w.insurer, INSURER),
            trt.clone(),
            roots(&w.providers, PROVIDERS),
        ),
        Err(VerifyError::WrongCircuit { .. })
    ));
    // Each side's roots speak for its policy's issuer.
    let key = prover().artifact().verifying_key().clone();
    assert!(matches!(
        ClaimVerifier::new(
            key.clone(),
            cov.clone(),
            roots(&w.insurer, INSURER),
            trt.clone(),
            roots(&w.providers, INSURER),
        ),
        Err(VerifyError::IssuerRootsMismatch { .. })
    ));
    // The policies in their sides.
    assert!(matches!(
        ClaimVerifier::new(
            key,
            trt,
            roots(&w.providers, PROVIDERS),
            cov,
            roots(&w.insurer, INSURER),
        ),
        Err(VerifyError::InvalidPolicy(_))
    ));
}

#[test]
fn the_prover_refuses_an_uncovered_claim_and_names_why() {
    let mut w = ClaimWorld::new(DEPTH);
    let far = w.treat(TreatmentRecord {
        date: "2027-01-04".parse().unwrap(),
        ..treatment_record("AMC-9")
    });
    assert!(matches!(
        w.claim(&far, 1, 1),
        Err(ProverError::Claim(Error::NotCovered { .. }))
    ));
    // Another holder's treatment record.
    let mut stranger = ClaimWorld::new(DEPTH);
    stranger.secret = HolderSecret::random(&mut rng(55));
    let theirs = stranger.treat(treatment_record("AMC-10"));
    w.providers = stranger.providers;
    assert!(matches!(
        w.claim(&theirs, 1, 1),
        Err(ProverError::HolderSecretMismatch)
    ));
}

/// Forced past the pre-check, each violation gives a proof the insurer refuses as invalid.
#[test]
fn forced_claims_that_break_a_condition_do_not_verify() {
    let refused = |w: &ClaimWorld, witness: ClaimWitness, what: &str| {
        let forced = w.force(witness);
        let e = Expected {
            challenge: Fr::from(9u8),
            ..expected(9)
        };
        assert_eq!(
            w.verifier()
                .verify_claim(&forced, &e, &mut MemoryNullifiers::new())
                .unwrap_err(),
            VerifyError::InvalidProof,
            "{what}"
        );
    };
    // The honest witness, forced the same way, is accepted: the harness itself is sound.
    let mut w = ClaimWorld::new(DEPTH);
    let t = w.treat(treatment_record("AMC-11"));
    let honest = w.witness(&t.0, w.providers.path(t.1).unwrap());
    let forced = w.force(honest);
    let e = Expected {
        challenge: Fr::from(9u8),
        ..expected(9)
    };
    w.verifier()
        .verify_claim(&forced, &e, &mut MemoryNullifiers::new())
        .unwrap();

    for (what, record) in [
        (
            "served before the coverage period",
            TreatmentRecord {
                date: "2025-12-31".parse().unwrap(),
                ..treatment_record("AMC-12")
            },
        ),
        (
            "served after the coverage period",
            TreatmentRecord {
                date: "2027-01-01".parse().unwrap(),
                ..treatment_record("AMC-13")
            },
        ),
        (
            "a category not covered",
            TreatmentRecord {
                category: codes::coverage::DENTAL.into(),
                ..treatment_record("AMC-14")
            },
        ),
    ] {
        let mut w = ClaimWorld::new(DEPTH);
        let t = w.treat(record);
        let witness = w.witness(&t.0, w.providers.path(t.1).unwrap());
        refused(&w, witness, what);
    }

    // An amount above the coverage's limit (within the treatment policy's 1,000.00).
    let mut w = ClaimWorld::with_coverage(
        DEPTH,
        CoverageRecord {
            annual_limit: 10_000,
            ..coverage_record()
        },
    );
    let t = w.treat(treatment_record("AMC-15"));
    let witness = w.witness(&t.0, w.providers.path(t.1).unwrap());
    refused(&w, witness, "an amount above the limit");

    // Two holders: the treatment record is another holder's, in the provider registry.
    let mut w = ClaimWorld::new(DEPTH);
    let other = HolderSecret::random(&mut rng(56));
    let theirs = Credential::new(
        &Record::Treatment(treatment_record("AMC-16")),
        PROVIDERS,
        other.holder_key(),
        "2027-06-30".parse().unwrap(),
        &mut rng(57),
    )
    .unwrap();
    let index = w
        .providers
        .append(theirs.commit(), noon(today()) - 86_400)
        .unwrap();
    let witness = w.witness(&theirs, w.providers.path(index).unwrap());
    refused(&w, witness, "another holder's treatment");

    // An unregistered provider: the record is in a registry of its own, not the provider
    // registry whose root the claim names.
    let mut w = ClaimWorld::new(DEPTH);
    w.treat(treatment_record("AMC-17"));
    let rogue = w.credential(&Record::Treatment(treatment_record("AMC-18")), PROVIDERS);
    let mut own = Registry::new(DEPTH, WINDOW).unwrap();
    let index = own.append(rogue.commit(), 0).unwrap();
    let witness = w.witness(&rogue, own.path(index).unwrap());
    refused(&w, witness, "a treatment outside the provider registry");
}
