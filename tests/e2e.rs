//! End to end, for each claim: issue, register, prove with Groth16, verify against the registry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zkhealth::testing as common;

use common::*;
use zkhealth::{
    circuits::{date::Day, Error, Fr},
    prover::ProverError,
    records::{
        claims::{self, Claims},
        codes,
    },
    verifier::{MemoryNullifiers, Presentation, VerifyError},
};

fn day(s: &str) -> Day {
    s.parse().unwrap()
}

#[test]
fn standard_vaccination_presentation_is_accepted() {
    let mut w = World::new(1);
    let v = w.vaccination();
    let policy = claims::standard_vaccination(ISSUER).unwrap();
    let verified = w.round_trip(&v, &policy, today()).unwrap();
    assert!(verified.disclosed.is_empty());
    assert_eq!(
        verified.nullifier,
        w.secret.nullifier(&event_scope(888).value())
    );
}

#[test]
fn disclosed_country_is_revealed_and_nothing_else() {
    let mut w = World::new(2);
    let v = w.vaccination();
    let policy = Claims::vaccination(ISSUER)
        .product_in(&codes::product::EU_AUTHORISED_COVID_19)
        .disclose("country")
        .build()
        .unwrap();
    let (challenge, scope) = (Fr::from(5u8), event_scope(6));
    let p = w.present(&v, &policy, today(), challenge, scope).unwrap();
    assert_eq!(p.disclosed, vec![codes::encode("NL").unwrap()]);
    // Through the QR text form and back.
    let qr = p.to_qr_text().unwrap();
    let back = Presentation::from_qr_text(&qr).unwrap();
    let verified = w
        .verifier(&policy)
        .verify_presentation(
            &back,
            &expected(challenge, scope, today()),
            &mut MemoryNullifiers::new(),
        )
        .unwrap();
    assert_eq!(verified.disclosed.len(), 1);
    assert_eq!(verified.disclosed[0].0, "country");
    assert_eq!(verified.disclosed[0].2.as_deref(), Some("NL"));
    // A holder claiming another country is refused: the query hash binds the disclosed value.
    let mut lie = back.clone();
    lie.disclosed = vec![codes::encode("BE").unwrap()];
    let err = w
        .verifier(&policy)
        .verify_presentation(
            &lie,
            &expected(challenge, scope, today()),
            &mut MemoryNullifiers::new(),
        )
        .unwrap_err();
    assert!(matches!(err, VerifyError::PolicyMismatch(_)), "{err}");
}

#[test]
fn disease_and_series_complete_are_accepted_and_incomplete_series_refused() {
    let mut w = World::new(3);
    let v = w.vaccination();
    let policy = Claims::vaccination(ISSUER)
        .disease(codes::disease::COVID_19)
        .series_complete()
        .build()
        .unwrap();
    w.round_trip(&v, &policy, today()).unwrap();
    let mut record = vaccination_record("1990-04-12", day("2026-10-01"));
    if let zkhealth::records::Record::Vaccination(r) = &mut record {
        r.dose_number = 1;
    }
    let partial = w.issue(&record, "2027-06-01");
    let err = w
        .present(&partial, &policy, today(), Fr::from(1u8), event_scope(2))
        .unwrap_err();
    assert!(
        matches!(
            err,
            ProverError::Claim(Error::ConditionNotMet { index: 1, .. })
        ),
        "{err}"
    );
}

#[test]
fn last_dose_window_boundaries_are_inclusive() {
    let mut w = World::new(4);
    let policy = Claims::vaccination(ISSUER)
        .last_dose_between_days_ago(14, 365)
        .build()
        .unwrap();
    for (days_ago, ok) in [(13, false), (14, true), (365, true), (366, false)] {
        let held = w.issue(
            &vaccination_record("1990-01-01", today().checked_sub(days_ago).unwrap()),
            "2027-06-01",
        );
        let r = w.round_trip(&held, &policy, today());
        assert_eq!(r.is_ok(), ok, "{days_ago} days ago: {r:?}");
    }
}

#[test]
fn age_at_least_18_turns_true_on_the_18th_birthday() {
    let mut w = World::new(5);
    let policy = Claims::identity(ISSUER).age_at_least(18).build().unwrap();
    let exactly = w.issue(&identity_record("2008-11-21"), "2030-01-01");
    let one_day_short = w.issue(&identity_record("2008-11-22"), "2030-01-01");
    w.round_trip(&exactly, &policy, today()).unwrap();
    let err = w
        .present(
            &one_day_short,
            &policy,
            today(),
            Fr::from(1u8),
            event_scope(2),
        )
        .unwrap_err();
    assert!(
        matches!(err, ProverError::Claim(Error::ConditionNotMet { .. })),
        "{err}"
    );
}

#[test]
fn leap_day_births_come_of_age_on_the_first_of_march() {
    let mut w = World::new(6);
    let policy = Claims::identity(ISSUER).age_at_least(18).build().unwrap();
    let leapling = w.issue(&identity_record("2008-02-29"), "2030-01-01");
    assert!(matches!(
        w.present(
            &leapling,
            &policy,
            day("2026-02-28"),
            Fr::from(1u8),
            event_scope(2)
        ),
        Err(ProverError::Claim(Error::ConditionNotMet { index: 0, .. }))
    ));
    w.round_trip(&leapling, &policy, day("2026-03-01")).unwrap();
}

#[test]
fn age_between_uses_both_ends_of_a_partial_birth_date() {
    let mut w = World::new(7);
    let policy = Claims::identity(ISSUER)
        .age_between(18, 65)
        .build()
        .unwrap();
    let mid = w.issue(&identity_record("1980-06"), "2030-01-01");
    w.round_trip(&mid, &policy, today()).unwrap();
    // Born some time in 2008: may still be 17 on 2026-11-21, so no.
    let year_only = w.issue(&identity_record("2008"), "2030-01-01");
    assert!(matches!(
        w.present(&year_only, &policy, today(), Fr::from(1u8), event_scope(2)),
        Err(ProverError::Claim(Error::ConditionNotMet { index: 0, .. }))
    ));
    // Exactly 65 today: still "at most 65"; 66 today: no.
    let sixty_five = w.issue(&identity_record("1961-11-21"), "2030-01-01");
    w.round_trip(&sixty_five, &policy, today()).unwrap();
    let too_old = w.issue(&identity_record("1960-11-21"), "2030-01-01");
    assert!(matches!(
        w.present(&too_old, &policy, today(), Fr::from(1u8), event_scope(2)),
        Err(ProverError::Claim(Error::ConditionNotMet { index: 1, .. }))
    ));
}

#[test]
fn vaccination_and_age_combine_in_one_proof() {
    let mut w = World::new(8);
    let v = w.vaccination();
    let policy = Claims::vaccination(ISSUER)
        .product_in(&codes::product::EU_AUTHORISED_COVID_19)
        .dose_at_least(2)
        .age_at_least(18)
        .disclose("country")
        .build()
        .unwrap();
    let verified = w.round_trip(&v, &policy, today()).unwrap();
    assert_eq!(verified.disclosed[0].2.as_deref(), Some("NL"));
}

#[test]
fn coverage_claims_are_accepted() {
    let mut w = World::new(9);
    let c = w.issue(&coverage_record(), "2027-01-31");
    let policy = Claims::coverage(ISSUER)
        .status_active()
        .covers_date(None)
        .category_covered(codes::coverage::PHARMACY)
        .build()
        .unwrap();
    w.round_trip(&c, &policy, today()).unwrap();
    let payer = Claims::coverage(ISSUER)
        .payer_is("NL-ZILVERENKRUIS")
        .build()
        .unwrap();
    w.round_trip(&c, &payer, today()).unwrap();
    // Five conditions do not fit one proof: a clear error, not a truncated policy.
    let err = Claims::coverage(ISSUER)
        .payer_is("NL-ZILVERENKRUIS")
        .status_active()
        .covers_date(None)
        .category_covered(codes::coverage::PHARMACY)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidPolicy(_)), "{err}");
    let policy2 = Claims::coverage(ISSUER)
        .plan_in(&["BASIS-2026", "PLUS-2026"])
        .limit_at_least(500_000)
        .covers_date(Some(day("2026-12-31")))
        .build()
        .unwrap();
    w.round_trip(&c, &policy2, today()).unwrap();
}

#[test]
fn coverage_refuses_uncovered_category_date_and_limit() {
    let mut w = World::new(10);
    let c = w.issue(&coverage_record(), "2027-01-31");
    for policy in [
        Claims::coverage(ISSUER)
            .category_covered(codes::coverage::DENTAL)
            .build()
            .unwrap(),
        Claims::coverage(ISSUER)
            .covers_date(Some(day("2027-01-01")))
            .build()
            .unwrap(),
        Claims::coverage(ISSUER)
            .limit_at_least(500_001)
            .build()
            .unwrap(),
        Claims::coverage(ISSUER)
            .payer_is("BE-MUTUALITY")
            .build()
            .unwrap(),
    ] {
        let err = w
            .present(&c, &policy, today(), Fr::from(1u8), event_scope(2))
            .unwrap_err();
        assert!(
            matches!(err, ProverError::Claim(Error::ConditionNotMet { .. })),
            "{err}"
        );
    }
}

#[test]
fn json_presentation_round_trips_and_verifies() {
    let mut w = World::new(11);
    let v = w.vaccination();
    let policy = claims::standard_vaccination(ISSUER).unwrap();
    let (challenge, scope) = (Fr::from(31u8), event_scope(41));
    let p = w.present(&v, &policy, today(), challenge, scope).unwrap();
    let back = Presentation::from_json(&p.to_json()).unwrap();
    assert_eq!(back, p);
    w.verifier(&policy)
        .verify_presentation(
            &back,
            &expected(challenge, scope, today()),
            &mut MemoryNullifiers::new(),
        )
        .unwrap();
}

#[test]
fn the_prove_path_synthesizes_the_witness_only() {
    let mut w = World::new(12);
    let v = w.vaccination();
    let policy = claims::standard_vaccination(ISSUER).unwrap();
    let (statement, witness) = w.honest_parts(&v, &policy, today(), Fr::from(1u8), event_scope(2));
    let circuit = zkhealth::circuits::circuit::PresentationCircuit::new(DEPTH, statement, witness);
    let cs = prover().synthesize_witness(circuit).unwrap();
    assert!(!cs.should_construct_matrices());
    assert!(!cs.is_in_setup_mode());
    let m = prover().artifact().matrices();
    assert_eq!(
        cs.num_instance_variables() + cs.num_witness_variables(),
        m.num_instance_variables + m.num_witness_variables
    );
}

#[test]
fn the_cached_matrix_prover_matches_stock_groth16_for_the_same_randomness() {
    use ark_groth16::Groth16;
    use zkhealth::prover::{groth16, QapReduction};

    let mut w = World::new(13);
    let v = w.vaccination();
    let policy = claims::standard_vaccination(ISSUER).unwrap();
    let (statement, witness) = w.honest_parts(&v, &policy, today(), Fr::from(3u8), event_scope(4));
    let circuit = zkhealth::circuits::circuit::PresentationCircuit::new(DEPTH, statement, witness);
    let artifact = prover().artifact();
    let pk = artifact.proving_key();
    let (r, s) = (Fr::from(11u8), Fr::from(12u8));

    let cs = prover().synthesize_witness(circuit.clone()).unwrap();
    let mut z = cs.instance_assignment().unwrap();
    z.extend(cs.witness_assignment().unwrap());
    let ours =
        groth16::create_proof(pk, artifact.matrices(), &z, r, s, QapReduction::Libsnark).unwrap();

    let stock =
        Groth16::<ark_bn254::Bn254>::create_proof_with_reduction(circuit, pk, r, s).unwrap();
    assert_eq!(ours, stock);

    // Another witness length is refused, not truncated.
    let short = &z[..z.len() - 1];
    assert!(matches!(
        groth16::create_proof(pk, artifact.matrices(), short, r, s, QapReduction::Libsnark),
        Err(ProverError::Proving(_))
    ));
}

#[test]
fn an_insurer_checks_a_batch_and_each_refusal_is_named() {
    use zkhealth::verifier::Expected;

    let mut w = World::new(14);
    let v = w.vaccination();
    let policy = claims::standard_vaccination(ISSUER).unwrap();
    let present = |w: &World, challenge: u64, scope: u64| {
        w.present(
            &v,
            &policy,
            today(),
            Fr::from(challenge),
            event_scope(scope),
        )
        .unwrap()
    };
    let good: Vec<Presentation> = (0..3).map(|i| present(&w, 10 + i, 5_000 + i)).collect();
    let mut bad_proof = present(&w, 20, 5_010);
    bad_proof.proof = good[0].proof.clone();
    let reused = present(&w, 21, 5_000); // same scope as good[0]: same nullifier
    let wrong_challenge = present(&w, 22, 5_011);

    let exp = |p: &Presentation| expected(p.statement.challenge, p.statement.scope, today());
    let mut items: Vec<(Presentation, Expected)> =
        good.iter().map(|p| (p.clone(), exp(p))).collect();
    items.push((bad_proof.clone(), exp(&bad_proof)));
    items.push((reused.clone(), exp(&reused)));
    let mut e = exp(&wrong_challenge);
    e.challenge += Fr::from(1u8);
    items.push((wrong_challenge, e));

    let mut used = MemoryNullifiers::new();
    let results = w
        .verifier(&policy)
        .verify_presentations(&items, &mut used, &mut rng(1));
    assert_eq!(results.len(), 6);
    for (r, p) in results.iter().zip(&good) {
        assert_eq!(r.as_ref().unwrap().nullifier, p.statement.nullifier);
    }
    assert_eq!(results[3], Err(VerifyError::InvalidProof));
    assert!(matches!(
        results[4],
        Err(VerifyError::NullifierReused { .. })
    ));
    assert_eq!(results[5], Err(VerifyError::ChallengeMismatch));

    // The same items one by one give the same answers.
    let mut used = MemoryNullifiers::new();
    let verifier = w.verifier(&policy);
    let one_by_one: Vec<_> = items
        .iter()
        .map(|(p, e)| verifier.verify_presentation(p, e, &mut used))
        .collect();
    assert_eq!(one_by_one, results);
}

#[test]
fn batch_verification_names_the_invalid_proof_among_real_ones() {
    use zkhealth::verifier::{verify_batch, Proof};
    let mut w = World::new(15);
    let v = w.vaccination();
    let policy = claims::standard_vaccination(ISSUER).unwrap();
    let mut items: Vec<(zkhealth::circuits::Statement, Proof)> = (0..5u64)
        .map(|i| {
            let p = w
                .present(&v, &policy, today(), Fr::from(30 + i), event_scope(40 + i))
                .unwrap();
            (p.statement, p.proof)
        })
        .collect();
    assert_eq!(verify_batch(vk(), &items, &mut rng(2)), Ok(()));
    items[2].0.root += Fr::from(1u8);
    assert_eq!(
        verify_batch(vk(), &items, &mut rng(3)),
        Err(VerifyError::InvalidProofsInBatch { invalid: vec![2] })
    );
}

#[test]
fn batch_proving_keeps_request_order_and_each_error_under_both_schedules() {
    use zkhealth::{
        circuits::credential::HolderSecret,
        prover::{ProveRequest, Schedule},
        verifier::verify,
    };
    let mut w = World::new(16);
    let v = w.vaccination();
    let policy = claims::standard_vaccination(ISSUER).unwrap();
    let path = w.registry.path(v.index).unwrap();
    let stranger = HolderSecret::random(&mut rng(5));
    let requests: Vec<ProveRequest<'_>> = (0..5u64)
        .map(|i| ProveRequest {
            secret: if i == 3 { &stranger } else { &w.secret },
            credential: &v.credential,
            path: &path,
            policy: &policy,
            today: today(),
            challenge: Fr::from(50 + i),
            scope: event_scope(60),
        })
        .collect();
    let mut results = Vec::new();
    for schedule in [Schedule::ThreadsPerProof, Schedule::ProofPerThread] {
        let out = prover().prove_batch_with(&requests, schedule, &mut rng(6));
        assert_eq!(out.len(), 5);
        for (i, r) in out.iter().enumerate() {
            if i == 3 {
                assert!(
                    matches!(r, Err(ProverError::HolderSecretMismatch)),
                    "{schedule:?}"
                );
            } else {
                let p = r.as_ref().unwrap();
                assert_eq!(p.statement.challenge, Fr::from(50 + i as u64));
                assert_eq!(verify(vk(), &p.statement, &p.proof), Ok(()));
            }
        }
        results.push(out.into_iter().map(Result::ok).collect::<Vec<_>>());
    }
    // The same caller RNG gives the same proofs, whichever schedule.
    assert_eq!(results[0], results[1]);
    assert!(prover().prove_batch(&[], &mut rng(7)).is_empty());
}

/// A verifier that accepts presentations up to one day after its own (the most a window gives)
/// refuses each real presentation that a one-day window would have turned from a no into a
/// yes: the holder moved its day to where its claim holds.
#[test]
fn a_one_day_window_never_turns_a_no_into_a_yes() {
    let mut w = World::new(41);
    let yesterday = today().checked_sub(1).unwrap();
    let tomorrow = Day(today().0 + 1);
    let (challenge, scope) = (Fr::from(777u64), event_scope(888));
    use zkhealth::{
        circuits::policy::{Condition, Operand, Operator, Policy},
        records::schema::vaccination,
    };
    let check = |w: &World, held: &Held, policy: &Policy, day: Day| {
        let p = w.present(held, policy, day, challenge, scope).unwrap();
        w.verifier(policy)
            .with_clock_tolerance_days(1)
            .verify_presentation(
                &p,
                &expected(challenge, scope, today()),
                &mut MemoryNullifiers::new(),
            )
    };
    // 1. A credential that expired yesterday, presented for yesterday.
    let adult = Claims::identity(ISSUER).age_at_least(18).build().unwrap();
    let expired = w.issue(&identity_record("1990-01-01"), &yesterday.to_string());
    let err = check(&w, &expired, &adult, yesterday).unwrap_err();
    assert!(matches!(err, VerifyError::TodayNotAdmitted { .. }), "{err}");
    // 2. A holder who turns 18 tomorrow, presenting for tomorrow.
    let almost = w.issue(&identity_record("2008-11-22"), "2030-01-01");
    let err = check(&w, &almost, &adult, tomorrow).unwrap_err();
    assert!(matches!(err, VerifyError::TodayNotAdmitted { .. }), "{err}");
    // 3. "At least 14 days ago" at 13 days, presented for tomorrow.
    let settled = Claims::vaccination(ISSUER)
        .last_dose_between_days_ago(14, 365)
        .build()
        .unwrap();
    let thirteen = w.issue(
        &vaccination_record("1990-01-01", today().checked_sub(13).unwrap()),
        "2027-06-01",
    );
    let err = check(&w, &thirteen, &settled, tomorrow).unwrap_err();
    assert!(matches!(err, VerifyError::TodayNotAdmitted { .. }), "{err}");
    // A policy whose only condition on the day is a lower bound (vaccinated within a year)
    // is as strict tomorrow: accepted within the window.
    let recent = Claims::vaccination(ISSUER)
        .condition(Condition {
            slots: vec![vaccination::DATE],
            op: Operator::Ge,
            values: vec![Operand::DaysFromToday(-365)],
        })
        .build()
        .unwrap();
    let fresh = w.issue(
        &vaccination_record("1990-01-01", today().checked_sub(30).unwrap()),
        "2027-06-01",
    );
    check(&w, &fresh, &recent, tomorrow).unwrap();
}
