//! The checkpoint flow: `Verifier::verify_presentation` accepts a valid presentation once,
//! refuses each way a presentation can be wrong with its own error, and records a nullifier only
//! when every check has passed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{country, expected, present, statement, valid};
use zkhealth_circuits::{date::Day, field::fr_to_hex, policy::Policy, Fr, Statement};
use zkhealth_verifier::{
    Expected, IssuerRoots, KeyId, LocalRoots, MemoryNullifiers, NullifierStore, Presentation,
    RootSource, Verifier, VerifyError,
};

fn verifier() -> Verifier<LocalRoots> {
    Verifier::new(
        common::key().clone(),
        common::policy(),
        common::issuer_roots(),
    )
    .unwrap()
}

/// Checks `p`, expecting `err`, and that the store did not record its nullifier.
fn refused(v: &Verifier<impl RootSource>, p: &Presentation, e: &Expected, err: VerifyError) {
    let mut used = MemoryNullifiers::new();
    assert_eq!(v.verify_presentation(p, e, &mut used), Err(err));
    assert!(
        used.is_empty(),
        "a refused presentation recorded its nullifier"
    );
}

#[test]
fn valid_presentation_is_accepted_and_disclosed_values_are_named() {
    let mut used = MemoryNullifiers::new();
    let p = valid(1);
    let verified = verifier()
        .verify_presentation(&p, &expected(), &mut used)
        .unwrap();
    assert_eq!(verified.nullifier, Fr::from(1u8));
    assert_eq!(
        verified.disclosed,
        vec![("country".to_string(), country(), Some("NL".to_string()))]
    );
    assert!(used.contains(&expected().scope, &Fr::from(1u8)).unwrap());
}

#[test]
fn qr_text_and_json_presentations_verify() {
    let p = valid(2);
    let from_qr = Presentation::from_qr_text(&p.to_qr_text().unwrap()).unwrap();
    let from_json = Presentation::from_json(&p.to_json()).unwrap();
    assert_eq!(from_qr, p);
    assert_eq!(from_json, p);
    let mut used = MemoryNullifiers::new();
    assert!(verifier()
        .verify_presentation(&from_qr, &expected(), &mut used)
        .is_ok());
}

#[test]
fn reused_nullifier_is_refused_the_second_time() {
    let v = verifier();
    let mut used = MemoryNullifiers::new();
    v.verify_presentation(&valid(3), &expected(), &mut used)
        .unwrap();
    // A fresh proof of the same claim (same holder, same scope) has the same nullifier.
    let mut again = valid(3);
    again.proof = common::prove(&again.statement, 99);
    assert_ne!(again.proof, valid(3).proof);
    assert_eq!(
        v.verify_presentation(&again, &expected(), &mut used),
        Err(VerifyError::NullifierReused {
            nullifier: fr_to_hex(&Fr::from(3u8))
        })
    );
    // Another nullifier in the same scope is fine.
    assert!(v
        .verify_presentation(&valid(4), &expected(), &mut used)
        .is_ok());
    assert_eq!(used.len(), 2);
}

#[test]
fn same_nullifier_in_another_scope_is_accepted() {
    let v = verifier();
    let mut used = MemoryNullifiers::new();
    v.verify_presentation(&valid(5), &expected(), &mut used)
        .unwrap();
    let other = Expected {
        scope: Fr::from(999u64),
        ..expected()
    };
    let s = Statement {
        scope: other.scope,
        ..statement(5)
    };
    assert!(v
        .verify_presentation(&present(s, vec![country()]), &other, &mut used)
        .is_ok());
}

#[test]
fn wrong_key_is_refused() {
    let mut p = valid(6);
    p.key_id = KeyId([0; 32]);
    refused(
        &verifier(),
        &p,
        &expected(),
        VerifyError::WrongKey {
            expected: common::key().id(),
            got: KeyId([0; 32]),
        },
    );
}

#[test]
fn date_outside_tolerance_is_refused_and_inside_accepted() {
    let today = common::today();
    let mut used = MemoryNullifiers::new();
    // By default the presentation must be for the verifier's own day.
    let s = Statement {
        today: Day(today.0 + 1),
        ..statement(7)
    };
    refused(
        &verifier(),
        &present(s, vec![country()]),
        &expected(),
        VerifyError::TodayOutOfTolerance {
            days_off: 1,
            presented: Day(today.0 + 1).to_string(),
            expected: today.to_string(),
            tolerance: 0,
        },
    );
    // With a tolerance of one day, a later day is accepted for a policy without upper bounds
    // by the day (the fixture's has no conditions) ...
    let v = verifier().with_clock_tolerance_days(1);
    assert!(v
        .verify_presentation(&present(s, vec![country()]), &expected(), &mut used)
        .is_ok());
    // ... an earlier day never (the expiry would admit what expired in between) ...
    let s = Statement {
        today: Day(today.0 - 1),
        ..statement(8)
    };
    refused(
        &v,
        &present(s, vec![country()]),
        &expected(),
        VerifyError::TodayNotAdmitted {
            presented: Day(today.0 - 1).to_string(),
            expected: today.to_string(),
        },
    );
    // ... and two days off is outside the tolerance.
    let s = Statement {
        today: Day(today.0 + 2),
        ..statement(9)
    };
    refused(
        &v,
        &present(s, vec![country()]),
        &expected(),
        VerifyError::TodayOutOfTolerance {
            days_off: 2,
            presented: Day(today.0 + 2).to_string(),
            expected: today.to_string(),
            tolerance: 1,
        },
    );
}

/// A presentation for `policy` (no disclosure) made for the day `today`.
fn presented_for(policy: &Policy, today: Day, nullifier: u64) -> Presentation {
    let s = Statement {
        today,
        query_hash: policy.query_hash(&[]).unwrap(),
        ..statement(nullifier)
    };
    present(s, vec![])
}

/// The review's three cases: a window of one day must not turn a no into a yes. Here the
/// holder moves its day across the window; the verifier refuses every move that could.
#[test]
fn a_date_window_never_turns_a_no_into_a_yes() {
    use zkhealth_circuits::policy::{Condition, Operand, Operator};
    let today = common::today();
    let with = |slot: usize, op: Operator, value: Operand| {
        let mut p = Policy::new(common::policy().schema, "NL-RIVM");
        p.conditions = vec![Condition {
            slots: vec![slot],
            op,
            values: vec![value],
        }];
        p
    };
    let verifier_for = |p: &Policy| {
        Verifier::new(common::key().clone(), p.clone(), common::issuer_roots())
            .unwrap()
            .with_clock_tolerance_days(1)
    };
    let mut used = MemoryNullifiers::new();

    // 1. A credential that expired yesterday, presented for yesterday: refused.
    let none = with(4, Operator::Ge, Operand::Number(1));
    let p = presented_for(&none, Day(today.0 - 1), 31);
    assert!(matches!(
        verifier_for(&none).verify_presentation(&p, &expected(), &mut used),
        Err(VerifyError::TodayNotAdmitted { .. })
    ));
    // 2. At least 18 (dob_latest ≤ today − 18 years), presented for tomorrow by a holder who
    //    turns 18 tomorrow: refused.
    let adult = with(9, Operator::Le, Operand::YearsFromToday(-18));
    let p = presented_for(&adult, Day(today.0 + 1), 32);
    assert!(matches!(
        verifier_for(&adult).verify_presentation(&p, &expected(), &mut used),
        Err(VerifyError::TodayNotAdmitted { .. })
    ));
    // 3. Last dose at least 14 days ago (date ≤ today − 14), presented for tomorrow at 13
    //    days: refused.
    let settled = with(6, Operator::Le, Operand::DaysFromToday(-14));
    let p = presented_for(&settled, Day(today.0 + 1), 33);
    assert!(matches!(
        verifier_for(&settled).verify_presentation(&p, &expected(), &mut used),
        Err(VerifyError::TodayNotAdmitted { .. })
    ));
    // A lower bound by the day is stricter tomorrow: accepted within the window.
    let recent = with(6, Operator::Ge, Operand::DaysFromToday(-365));
    let p = presented_for(&recent, Day(today.0 + 1), 34);
    assert!(verifier_for(&recent)
        .verify_presentation(&p, &expected(), &mut used)
        .is_ok());
    // Each of them is accepted for the verifier's own day.
    for (i, policy) in [none, adult, settled, recent].iter().enumerate() {
        let p = presented_for(policy, today, 40 + i as u64);
        assert!(verifier_for(policy)
            .verify_presentation(&p, &expected(), &mut used)
            .is_ok());
    }
}

#[test]
fn wrong_challenge_is_refused_as_replay() {
    // A valid presentation answered an earlier challenge; the verifier has issued a new one.
    let p = valid(10);
    let new = Expected {
        challenge: Fr::from(12345u64),
        ..expected()
    };
    refused(&verifier(), &p, &new, VerifyError::ChallengeMismatch);
}

#[test]
fn wrong_scope_is_refused() {
    let p = valid(11);
    let other = Expected {
        scope: Fr::from(4242u64),
        ..expected()
    };
    refused(&verifier(), &p, &other, VerifyError::ScopeMismatch);
}

#[test]
fn policy_mismatch_is_refused() {
    // Disclosed value swapped after proving: the query hash no longer matches.
    let mut p = valid(12);
    p.disclosed = vec![zkhealth_circuits::codes::encode("DE").unwrap()];
    assert!(matches!(
        verifier().verify_presentation(&p, &expected(), &mut MemoryNullifiers::new()),
        Err(VerifyError::PolicyMismatch(_))
    ));
    // Wrong number of disclosed values.
    for values in [vec![], vec![country(), country()]] {
        let mut p = valid(12);
        p.disclosed = values;
        let mut used = MemoryNullifiers::new();
        assert!(matches!(
            verifier().verify_presentation(&p, &expected(), &mut used),
            Err(VerifyError::PolicyMismatch(_))
        ));
        assert!(used.is_empty());
    }
    // A proof made for another policy (here: disclosing nothing).
    let mut other = common::policy();
    other.disclose = vec![];
    let s = Statement {
        query_hash: other.query_hash(&[]).unwrap(),
        ..statement(13)
    };
    assert!(matches!(
        verifier().verify_presentation(
            &present(s, vec![]),
            &expected(),
            &mut MemoryNullifiers::new()
        ),
        Err(VerifyError::PolicyMismatch(_))
    ));
}

#[test]
fn unaccepted_root_is_refused() {
    for root in [common::stale_root(), Fr::from(31337u64)] {
        let s = Statement {
            root,
            ..statement(14)
        };
        refused(
            &verifier(),
            &present(s, vec![country()]),
            &expected(),
            VerifyError::RootNotAccepted {
                root: fr_to_hex(&root),
                now_unix_secs: common::NOW,
            },
        );
    }
    // The stale root was accepted within its window.
    let s = Statement {
        root: common::stale_root(),
        ..statement(15)
    };
    let earlier = Expected {
        now_unix_secs: common::NOW - common::WINDOW,
        ..expected()
    };
    assert!(verifier()
        .verify_presentation(
            &present(s, vec![country()]),
            &earlier,
            &mut MemoryNullifiers::new()
        )
        .is_ok());
}

#[test]
fn invalid_proof_is_refused_and_does_not_burn_the_nullifier() {
    let v = verifier();
    let mut used = MemoryNullifiers::new();
    // A proof made for nullifier 16, presented with nullifier 17.
    let mut p = valid(16);
    p.statement.nullifier = Fr::from(17u8);
    assert_eq!(
        v.verify_presentation(&p, &expected(), &mut used),
        Err(VerifyError::InvalidProof)
    );
    assert!(used.is_empty());
    // The holder of nullifier 17 can still present.
    assert!(v
        .verify_presentation(&valid(17), &expected(), &mut used)
        .is_ok());
}

#[test]
fn checks_run_in_the_documented_order() {
    // Everything wrong at once: the key check comes first.
    let mut p = valid(18);
    p.key_id = KeyId([1; 32]);
    p.statement.today = Day(0);
    p.statement.challenge = Fr::from(1u8);
    let e = verifier()
        .verify_presentation(&p, &expected(), &mut MemoryNullifiers::new())
        .unwrap_err();
    assert!(matches!(e, VerifyError::WrongKey { .. }));
    // Then the date before the challenge.
    p.key_id = common::key().id();
    let e = verifier()
        .verify_presentation(&p, &expected(), &mut MemoryNullifiers::new())
        .unwrap_err();
    assert!(matches!(e, VerifyError::TodayOutOfTolerance { .. }));
}

/// A root source that cannot answer.
struct Unreachable;

impl RootSource for Unreachable {
    fn is_accepted(&self, _: &Fr, _: u64) -> Result<bool, VerifyError> {
        Err(VerifyError::RootSource("node unreachable".into()))
    }
}

/// A nullifier store that cannot answer.
struct BrokenStore;

impl NullifierStore for BrokenStore {
    fn contains(&self, _: &Fr, _: &Fr) -> Result<bool, VerifyError> {
        Err(VerifyError::NullifierStore("disk full".into()))
    }
    fn insert(&mut self, _: &Fr, _: &Fr) -> Result<bool, VerifyError> {
        Err(VerifyError::NullifierStore("disk full".into()))
    }
}

/// A store whose `contains` always answers "absent", as when another verifier inserts between
/// the check and the insert: only `insert`'s answer decides.
struct RacingStore(MemoryNullifiers);

impl NullifierStore for RacingStore {
    fn contains(&self, _: &Fr, _: &Fr) -> Result<bool, VerifyError> {
        Ok(false)
    }
    fn insert(&mut self, scope: &Fr, nullifier: &Fr) -> Result<bool, VerifyError> {
        self.0.insert(scope, nullifier)
    }
}

#[test]
fn the_atomic_insert_decides_a_reuse_not_the_earlier_lookup() {
    let mut store = RacingStore(MemoryNullifiers::new());
    let p = valid(23);
    assert!(verifier()
        .verify_presentation(&p, &expected(), &mut store)
        .is_ok());
    assert!(matches!(
        verifier().verify_presentation(&p, &expected(), &mut store),
        Err(VerifyError::NullifierReused { .. })
    ));
}

#[test]
fn backend_failures_are_reported_not_accepted() {
    let unreachable = IssuerRoots::new(common::ISSUER, Unreachable).unwrap();
    let v = Verifier::new(common::key().clone(), common::policy(), unreachable).unwrap();
    assert_eq!(
        v.verify_presentation(&valid(19), &expected(), &mut MemoryNullifiers::new()),
        Err(VerifyError::RootSource("node unreachable".into()))
    );
    assert_eq!(
        verifier().verify_presentation(&valid(19), &expected(), &mut BrokenStore),
        Err(VerifyError::NullifierStore("disk full".into()))
    );
}

#[test]
fn invalid_policy_is_refused_at_construction() {
    let mut p = common::policy();
    p.disclose = vec![42];
    assert!(matches!(
        Verifier::new(common::key().clone(), p, common::issuer_roots()),
        Err(VerifyError::InvalidPolicy(_))
    ));
}

/// A registry does not bind the issuer its credentials name: another issuer's registry can hold
/// a credential naming NL-RIVM, and a proof against its root answers NL-RIVM's policy. Here that
/// proof is valid (it verifies against those roots mislabelled as NL-RIVM's), yet a verifier
/// given the roots under their real issuer refuses to be built, so nothing is checked.
#[test]
fn another_issuers_roots_are_refused_for_the_policy_before_any_check() {
    // DE-RKI's registry holds the root the fixture's presentations prove against.
    let theirs = common::roots();
    let p = valid(35);
    let mislabelled = IssuerRoots::new(common::ISSUER, theirs.clone()).unwrap();
    assert!(
        Verifier::new(common::key().clone(), common::policy(), mislabelled)
            .unwrap()
            .verify_presentation(&p, &expected(), &mut MemoryNullifiers::new())
            .is_ok()
    );
    let paired = IssuerRoots::new("DE-RKI", theirs).unwrap();
    assert_eq!(
        Verifier::new(common::key().clone(), common::policy(), paired).unwrap_err(),
        VerifyError::IssuerRootsMismatch {
            policy: common::ISSUER.into(),
            roots: "DE-RKI".into(),
        }
    );
    // The verifier built from NL-RIVM's roots says whose roots it accepts.
    let v = verifier();
    assert_eq!(v.issuer(), common::ISSUER);
    assert_eq!(v.roots(), &common::roots());
}

/// A presentation labelled for another circuit or depth is refused by its label, before the
/// key id and before any pairing: here its proof is valid for the key, so only the label check
/// can refuse it.
#[test]
fn another_circuits_or_depths_presentation_is_refused_before_any_pairing() {
    use rand_chacha::rand_core::SeedableRng;
    use zkhealth_circuits::CircuitId;
    let mut p = valid(30);
    p.circuit = CircuitId::Claim;
    refused(
        &verifier(),
        &p,
        &expected(),
        VerifyError::WrongCircuit {
            expected: CircuitId::Presentation,
            found: CircuitId::Claim,
        },
    );
    // The circuit is checked first, even when the key id is also wrong.
    p.key_id = KeyId([0; 32]);
    assert!(matches!(
        verifier().verify_presentation(&p, &expected(), &mut MemoryNullifiers::new()),
        Err(VerifyError::WrongCircuit { .. })
    ));
    let mut p = valid(31);
    p.depth = common::DEPTH + 1;
    refused(
        &verifier(),
        &p,
        &expected(),
        VerifyError::WrongDepth {
            expected: common::DEPTH,
            found: common::DEPTH + 1,
        },
    );
    // And in a batch, each with its own error, the valid one accepted.
    let mut claim = valid(32);
    claim.circuit = CircuitId::Claim;
    let items = vec![(claim, expected()), (valid(33), expected())];
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let out = verifier().verify_presentations(&items, &mut MemoryNullifiers::new(), &mut rng);
    assert!(matches!(out[0], Err(VerifyError::WrongCircuit { .. })));
    assert_eq!(out[1].as_ref().map(|v| v.nullifier), Ok(Fr::from(33u8)));
}
