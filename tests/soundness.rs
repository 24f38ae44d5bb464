//! Soundness: every public input is bound, every constraint of the presentation fails the proof
//! when violated (forced through the prover without its native pre-check), and every rejection
//! the verifier makes comes with the right error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zkhealth::testing as common;

use std::sync::OnceLock;

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use common::*;
use zkhealth::{
    circuits::{
        credential::{HolderSecret, NUM_SLOTS},
        date::Day,
        merkle::MerkleTree,
        policy::Operator,
        Error, Fr, Statement,
    },
    prover::{setup, ProverError},
    records::claims::{self, Claims},
    verifier::{MemoryNullifiers, Presentation, VerifyError},
};

fn standard() -> zkhealth::circuits::policy::Policy {
    claims::standard_vaccination(ISSUER).unwrap()
}

/// A valid presentation of the standard policy, its world and the verifier's expectations.
fn valid() -> &'static (World, Presentation) {
    static V: OnceLock<(World, Presentation)> = OnceLock::new();
    V.get_or_init(|| {
        let mut w = World::new(100);
        let v = w.vaccination();
        let p = w
            .present(&v, &standard(), today(), Fr::from(7u8), event_scope(8))
            .unwrap();
        (w, p)
    })
}

fn verify(w: &World, p: &Presentation) -> Result<(), VerifyError> {
    verify_as(
        w,
        &standard(),
        p,
        expected(Fr::from(7u8), event_scope(8), today()),
    )
}

/// Verifies with a fresh nullifier store, as a verifier with `policy` and these expectations.
fn verify_as(
    w: &World,
    policy: &zkhealth::circuits::policy::Policy,
    p: &Presentation,
    exp: zkhealth::verifier::Expected,
) -> Result<(), VerifyError> {
    w.verifier(policy)
        .verify_presentation(p, &exp, &mut MemoryNullifiers::new())
        .map(|_| ())
}

#[test]
fn the_valid_presentation_verifies() {
    let (w, p) = valid();
    verify(w, p).unwrap();
}

#[test]
fn changing_any_public_input_fails_the_pairing_check() {
    let (_, p) = valid();
    let pvk = ark_groth16::prepare_verifying_key(vk().inner());
    let inputs = p.statement.to_field_elements();
    assert!(Groth16::<Bn254>::verify_proof(&pvk, &p.proof.0, &inputs).unwrap());
    for i in 0..Statement::NUM_INPUTS {
        let mut changed = inputs;
        changed[i] += Fr::from(1u8);
        assert!(
            !Groth16::<Bn254>::verify_proof(&pvk, &p.proof.0, &changed).unwrap(),
            "public input {i} is not bound"
        );
    }
}

#[test]
fn changing_the_statement_fails_verification_with_invalid_proof() {
    let (w, p) = valid();
    let key = vk();
    let tampered: Vec<Statement> = vec![
        Statement {
            today: Day(p.statement.today.0 + 1),
            ..p.statement
        },
        Statement {
            challenge: p.statement.challenge + Fr::from(1u8),
            ..p.statement
        },
        Statement {
            scope: p.statement.scope + Fr::from(1u8),
            ..p.statement
        },
        Statement {
            nullifier: p.statement.nullifier + Fr::from(1u8),
            ..p.statement
        },
        Statement {
            query_hash: p.statement.query_hash + Fr::from(1u8),
            ..p.statement
        },
        Statement {
            root: p.statement.root + Fr::from(1u8),
            ..p.statement
        },
    ];
    for s in tampered {
        assert_eq!(
            zkhealth::verifier::verify(key, &s, &p.proof),
            Err(VerifyError::InvalidProof)
        );
    }
    let _ = w;
}

#[test]
fn replayed_challenge_is_refused() {
    let (w, p) = valid();
    let err = verify_as(
        w,
        &standard(),
        p,
        expected(Fr::from(70u8), event_scope(8), today()),
    )
    .unwrap_err();
    assert_eq!(err, VerifyError::ChallengeMismatch);
    // Rewriting the challenge in the statement breaks the proof.
    let mut forged = p.clone();
    forged.statement.challenge = Fr::from(70u8);
    let err = verify_as(
        w,
        &standard(),
        &forged,
        expected(Fr::from(70u8), event_scope(8), today()),
    )
    .unwrap_err();
    assert_eq!(err, VerifyError::InvalidProof);
}

#[test]
fn reused_nullifier_is_refused_and_other_scopes_are_unlinkable() {
    let (w, p) = valid();
    let verifier = w.verifier(&standard());
    let mut used = MemoryNullifiers::new();
    let exp = expected(Fr::from(7u8), event_scope(8), today());
    verifier.verify_presentation(p, &exp, &mut used).unwrap();
    let err = verifier
        .verify_presentation(p, &exp, &mut used)
        .unwrap_err();
    assert!(matches!(err, VerifyError::NullifierReused { .. }), "{err}");
    assert_ne!(
        w.secret.nullifier(&Fr::from(8u8)),
        w.secret.nullifier(&Fr::from(9u8))
    );
}

#[test]
fn wrong_scope_and_wrong_date_are_refused() {
    let (w, p) = valid();
    let v = w.verifier(&standard());
    let err = v
        .verify_presentation(
            p,
            &expected(Fr::from(7u8), event_scope(9), today()),
            &mut MemoryNullifiers::new(),
        )
        .unwrap_err();
    assert_eq!(err, VerifyError::ScopeMismatch);
    let later = today().checked_add(3).unwrap();
    let err = v
        .verify_presentation(
            p,
            &expected(Fr::from(7u8), event_scope(8), later),
            &mut MemoryNullifiers::new(),
        )
        .unwrap_err();
    assert!(
        matches!(err, VerifyError::TodayOutOfTolerance { .. }),
        "{err}"
    );
}

#[test]
fn wrong_policy_is_refused() {
    let (w, p) = valid();
    let stricter = Claims::vaccination(ISSUER)
        .product_in(&zkhealth::records::codes::product::EU_AUTHORISED_COVID_19)
        .dose_at_least(3)
        .last_dose_between_days_ago(14, 365)
        .age_at_least(18)
        .build()
        .unwrap();
    let err = verify_as(
        w,
        &stricter,
        p,
        expected(Fr::from(7u8), event_scope(8), today()),
    )
    .unwrap_err();
    assert!(matches!(err, VerifyError::PolicyMismatch(_)), "{err}");
}

#[test]
fn wrong_key_is_refused_by_id_and_by_pairing() {
    let (w, p) = valid();
    let (other, other_vk) = setup(DEPTH, &mut rng(2)).unwrap();
    assert_ne!(other_vk.id(), vk().id());
    let verifier =
        zkhealth::verifier::Verifier::new(other_vk.clone(), standard(), w.roots()).unwrap();
    let exp = expected(Fr::from(7u8), event_scope(8), today());
    let err = verifier
        .verify_presentation(p, &exp, &mut MemoryNullifiers::new())
        .unwrap_err();
    assert!(matches!(err, VerifyError::WrongKey { .. }), "{err}");
    let mut relabelled = p.clone();
    relabelled.key_id = other_vk.id();
    let err = verifier
        .verify_presentation(&relabelled, &exp, &mut MemoryNullifiers::new())
        .unwrap_err();
    assert_eq!(err, VerifyError::InvalidProof);
    drop(other);
}

/// A registry does not bind the issuer: NL-RIVM's registry (the world's) holds a credential
/// naming DE-RKI, and a real proof against its root answers DE-RKI's policy. Checked against
/// NL-RIVM's roots taken as DE-RKI's, that proof is accepted; paired with their real issuer, the
/// roots cannot be used for DE-RKI's policy at all: the verifier refuses to be built, before any
/// presentation or proof is looked at.
#[test]
fn a_policy_is_checked_only_against_its_issuers_roots() {
    const OTHER: &str = "DE-RKI";
    let mut w = World::new(109);
    let dose = today().checked_sub(60).unwrap();
    let held = w.issue_naming(OTHER, &vaccination_record("1990-04-12", dose), "2027-06-01");
    let theirs = claims::standard_vaccination(OTHER).unwrap();
    let (challenge, scope) = (Fr::from(7u8), event_scope(8));
    let p = w
        .present(&held, &theirs, today(), challenge, scope)
        .unwrap();
    let exp = expected(challenge, scope, today());

    // The attack the pairing stops: NL-RIVM's roots labelled as DE-RKI's accept the proof.
    let mislabelled = w.verifier_with(&theirs, w.roots_as(OTHER)).unwrap();
    mislabelled
        .verify_presentation(&p, &exp, &mut MemoryNullifiers::new())
        .unwrap();

    // Paired with their issuer, NL-RIVM's roots are refused for DE-RKI's policy.
    let err = w.verifier_with(&theirs, w.roots()).unwrap_err();
    assert_eq!(
        err,
        VerifyError::IssuerRootsMismatch {
            policy: OTHER.into(),
            roots: ISSUER.into(),
        }
    );
    assert_eq!(err.code(), "issuer_roots_mismatch");
    // And NL-RIVM's own policy does not take the credential: the issuer is in the query hash.
    let err = verify_as(&w, &standard(), &p, exp).unwrap_err();
    assert!(matches!(err, VerifyError::PolicyMismatch(_)), "{err}");
}

#[test]
fn expired_credential_is_refused_natively_and_a_forced_proof_fails() {
    let mut w = World::new(101);
    let held = w.issue(
        &vaccination_record("1990-01-01", today().checked_sub(30).unwrap()),
        "2026-11-20",
    );
    let err = w
        .present(&held, &standard(), today(), Fr::from(7u8), event_scope(8))
        .unwrap_err();
    assert!(
        matches!(err, ProverError::Claim(Error::Expired { .. })),
        "{err}"
    );
    // Force it: the witness is honest except that the credential is expired.
    let valid_day = "2026-11-20".parse().unwrap();
    let (mut statement, witness) =
        w.honest_parts(&held, &standard(), valid_day, Fr::from(7u8), event_scope(8));
    statement.today = today();
    let p = force_proof(statement, witness);
    assert_eq!(verify(&w, &p), Err(VerifyError::InvalidProof));
}

#[test]
fn the_expiry_day_itself_is_still_valid() {
    let mut w = World::new(102);
    let held = w.issue(
        &vaccination_record("1990-01-01", today().checked_sub(30).unwrap()),
        "2026-11-21",
    );
    w.round_trip(&held, &standard(), today()).unwrap();
}

#[test]
fn forged_membership_is_refused() {
    let mut w = World::new(103);
    let held = w.vaccination();
    // A credential that was never registered: its own one-leaf tree has another root.
    let mut stranger = World::new(104);
    let outsider = stranger.vaccination();
    let p = stranger
        .present(
            &outsider,
            &standard(),
            today(),
            Fr::from(7u8),
            event_scope(8),
        )
        .unwrap();
    let err = verify(&w, &p).unwrap_err();
    assert!(matches!(err, VerifyError::RootNotAccepted { .. }), "{err}");
    // Claiming the real root with a path that does not lead there.
    let (mut statement, mut witness) =
        w.honest_parts(&held, &standard(), today(), Fr::from(7u8), event_scope(8));
    let fake =
        MerkleTree::from_leaves(DEPTH, &[Fr::from(1u8), witness.credential.commit()]).unwrap();
    witness.path = fake.path(1).unwrap();
    statement.root = w.registry.root();
    assert_eq!(
        verify(&w, &force_proof(statement, witness)),
        Err(VerifyError::InvalidProof)
    );
    // A wrong index bit in an otherwise real path.
    let (statement, mut witness) =
        w.honest_parts(&held, &standard(), today(), Fr::from(7u8), event_scope(8));
    witness.path.index ^= 1;
    assert_eq!(
        verify(&w, &force_proof(statement, witness)),
        Err(VerifyError::InvalidProof)
    );
}

#[test]
fn wrong_holder_secret_is_refused() {
    let mut w = World::new(105);
    let held = w.vaccination();
    let thief = HolderSecret::random(&mut rng(5));
    let path = w.registry.path(held.index).unwrap();
    let policy = standard();
    let err = prover()
        .prove(&zkhealth::prover::ProveRequest {
            secret: &thief,
            credential: &held.credential,
            path: &path,
            policy: &policy,
            today: today(),
            challenge: Fr::from(7u8),
            scope: event_scope(8),
        })
        .unwrap_err();
    assert!(matches!(err, ProverError::HolderSecretMismatch), "{err}");
    // Forced, with the thief's nullifier in the statement.
    let (mut statement, mut witness) =
        w.honest_parts(&held, &policy, today(), Fr::from(7u8), event_scope(8));
    statement.nullifier = thief.nullifier(&Fr::from(8u8));
    witness.secret = thief;
    assert_eq!(
        verify(&w, &force_proof(statement, witness)),
        Err(VerifyError::InvalidProof)
    );
}

#[test]
fn a_nullifier_for_another_scope_is_refused() {
    let mut w = World::new(106);
    let held = w.vaccination();
    let (mut statement, witness) =
        w.honest_parts(&held, &standard(), today(), Fr::from(7u8), event_scope(8));
    statement.nullifier = w.secret.nullifier(&Fr::from(9u8));
    assert_eq!(
        verify(&w, &force_proof(statement, witness)),
        Err(VerifyError::InvalidProof)
    );
}

#[test]
fn revoked_credential_is_refused_once_the_old_root_expires() {
    let mut w = World::new(107);
    let held = w.vaccination();
    let policy = standard();
    let (challenge, scope) = (Fr::from(7u8), event_scope(8));
    let before = w
        .present(&held, &policy, today(), challenge, scope)
        .unwrap();
    let revoked_at = noon(today()) - 600;
    w.registry.revoke(held.index, revoked_at).unwrap();
    let verifier = w.verifier(&policy);
    // Within the freshness window the replaced root is still accepted...
    let mut exp = expected(challenge, scope, today());
    exp.now_unix_secs = revoked_at + WINDOW - 1;
    verifier
        .verify_presentation(&before, &exp, &mut MemoryNullifiers::new())
        .unwrap();
    // ...and refused after it.
    exp.now_unix_secs = revoked_at + WINDOW;
    let err = verifier
        .verify_presentation(&before, &exp, &mut MemoryNullifiers::new())
        .unwrap_err();
    assert!(matches!(err, VerifyError::RootNotAccepted { .. }), "{err}");
    // A new proof cannot reach the new root: the leaf is empty there.
    let after = w
        .present(&held, &policy, today(), challenge, scope)
        .unwrap();
    assert_ne!(after.statement.root, w.registry.root());
    let err = verifier
        .verify_presentation(&after, &exp, &mut MemoryNullifiers::new())
        .unwrap_err();
    assert!(matches!(err, VerifyError::RootNotAccepted { .. }), "{err}");
    let (mut statement, witness) = w.honest_parts(&held, &policy, today(), challenge, scope);
    statement.root = w.registry.root();
    let forced = force_proof(statement, witness);
    assert_eq!(
        verifier.verify_presentation(&forced, &exp, &mut MemoryNullifiers::new()),
        Err(VerifyError::InvalidProof)
    );
}

/// For a credential that fails `policy`, the prover refuses natively, and a forced proof that
/// claims the policy (its query hash) does not verify.
fn refused_and_unforgeable(w: &World, held: &Held, policy: &zkhealth::circuits::policy::Policy) {
    let (challenge, scope) = (Fr::from(7u8), event_scope(8));
    let err = w
        .present(held, policy, today(), challenge, scope)
        .unwrap_err();
    assert!(
        matches!(err, ProverError::Claim(Error::ConditionNotMet { .. })),
        "{err}"
    );
    // The witness: the verifier's compiled policy, each condition on its first allowed slot.
    let compiled = policy.compile().unwrap();
    let path = w.registry.path(held.index).unwrap();
    let statement = Statement {
        root: w.registry.root(),
        today: today(),
        challenge,
        scope: scope.value(),
        nullifier: w.secret.nullifier(&scope.value()),
        query_hash: policy
            .query_hash(&policy.disclosed_values(&held.credential))
            .unwrap(),
    };
    let mut choices = [0usize; 4];
    for (i, c) in policy.conditions.iter().enumerate() {
        choices[i] = c.slots[0];
    }
    let witness = zkhealth::circuits::circuit::PresentationWitness {
        secret: w.secret.clone(),
        credential: held.credential.clone(),
        path,
        policy: compiled,
        choices,
    };
    let verifier = w.verifier(policy);
    let err = verifier
        .verify_presentation(
            &force_proof(statement, witness),
            &expected(challenge, scope, today()),
            &mut MemoryNullifiers::new(),
        )
        .unwrap_err();
    assert_eq!(err, VerifyError::InvalidProof, "{:?}", policy.conditions);
}

#[test]
fn every_operator_violated_gives_a_proof_that_does_not_verify() {
    use zkhealth::circuits::policy::{Condition, Operand, Policy};
    let mut w = World::new(108);
    let held = w.vaccination(); // dose 2 of 2, product EU/1/20/1528, country NL
    let dose = zkhealth::records::schema::vaccination::DOSE_NUMBER;
    let product = zkhealth::records::schema::vaccination::PRODUCT;
    let n = Operand::Number;
    let code = |c: &str| Operand::Code(c.into());
    let failing = vec![
        Condition::new(dose, Operator::Eq, vec![n(3)]),
        Condition::new(dose, Operator::Ne, vec![n(2)]),
        Condition::new(dose, Operator::Lt, vec![n(2)]),
        Condition::new(dose, Operator::Le, vec![n(1)]),
        Condition::new(dose, Operator::Gt, vec![n(2)]),
        Condition::new(dose, Operator::Ge, vec![n(3)]),
        Condition::new(dose, Operator::Between, vec![n(3), n(9)]),
        Condition::new(dose, Operator::Between, vec![n(0), n(1)]),
        Condition::new(
            product,
            Operator::In,
            vec![code("EU/1/20/1507"), code("EU/1/21/1529")],
        ),
        Condition::new(product, Operator::Nin, vec![code("EU/1/20/1528")]),
        Condition::new(dose, Operator::Ge, vec![Operand::Slot(9)]),
    ];
    for c in failing {
        let policy = Policy {
            conditions: vec![c],
            ..Policy::new(zkhealth::records::schema::vaccination::SCHEMA, ISSUER)
        };
        refused_and_unforgeable(&w, &held, &policy);
    }
    // Claims too: under age, dose too recent.
    let young = w.issue(
        &vaccination_record("2010-01-01", today().checked_sub(30).unwrap()),
        "2027-01-01",
    );
    refused_and_unforgeable(
        &w,
        &young,
        &Claims::vaccination(ISSUER)
            .age_at_least(18)
            .build()
            .unwrap(),
    );
    let recent = w.issue(
        &vaccination_record("1990-01-01", today().checked_sub(3).unwrap()),
        "2027-01-01",
    );
    refused_and_unforgeable(&w, &recent, &standard());
}

#[test]
fn a_prover_cannot_swap_in_a_weaker_policy_or_another_slot() {
    let mut w = World::new(109);
    let held = w.vaccination();
    let strict = Claims::vaccination(ISSUER)
        .dose_at_least(3)
        .build()
        .unwrap();
    let weak = Claims::vaccination(ISSUER)
        .dose_at_least(2)
        .build()
        .unwrap();
    // Witness: the weak policy (which holds); statement: the strict policy's query hash.
    let (mut statement, witness) =
        w.honest_parts(&held, &weak, today(), Fr::from(7u8), event_scope(8));
    statement.query_hash = strict.query_hash(&[]).unwrap();
    let err = w
        .verifier(&strict)
        .verify_presentation(
            &force_proof(statement, witness),
            &expected(Fr::from(7u8), event_scope(8), today()),
            &mut MemoryNullifiers::new(),
        )
        .unwrap_err();
    assert_eq!(err, VerifyError::InvalidProof);
    // The strict policy, with the condition evaluated on another slot (total doses = 2 too; the
    // date slot is a large number that would pass ">= 3").
    let (statement, mut witness) =
        w.honest_parts(&held, &weak, today(), Fr::from(7u8), event_scope(8));
    let mut statement = statement;
    statement.query_hash = strict.query_hash(&[]).unwrap();
    witness.policy = strict.compile().unwrap();
    witness.choices[0] = zkhealth::records::schema::vaccination::DATE;
    assert!(NUM_SLOTS > witness.choices[0]);
    let err = w
        .verifier(&strict)
        .verify_presentation(
            &force_proof(statement, witness),
            &expected(Fr::from(7u8), event_scope(8), today()),
            &mut MemoryNullifiers::new(),
        )
        .unwrap_err();
    assert_eq!(err, VerifyError::InvalidProof);
}

#[test]
fn a_disclosed_value_cannot_be_swapped() {
    let mut w = World::new(110);
    let held = w.vaccination();
    let policy = Claims::vaccination(ISSUER)
        .disclose("country")
        .build()
        .unwrap();
    let be = zkhealth::circuits::codes::encode("BE").unwrap();
    let (mut statement, witness) =
        w.honest_parts(&held, &policy, today(), Fr::from(7u8), event_scope(8));
    statement.query_hash = policy.query_hash(&[be]).unwrap();
    let mut p = force_proof(statement, witness);
    p.disclosed = vec![be];
    let err = verify_as(
        &w,
        &policy,
        &p,
        expected(Fr::from(7u8), event_scope(8), today()),
    )
    .unwrap_err();
    assert_eq!(err, VerifyError::InvalidProof);
}

#[test]
fn flipped_bytes_in_a_presentation_never_panic() {
    let (w, p) = valid();
    let bytes = p.to_bytes().unwrap();
    for i in (0..bytes.len()).step_by(7) {
        let mut b = bytes.clone();
        b[i] ^= 0x41;
        if let Ok(q) = Presentation::from_bytes(&b) {
            assert!(verify(w, &q).is_err(), "byte {i} flipped still verifies");
        }
    }
    for len in [0, 1, 10, bytes.len() - 1] {
        assert!(Presentation::from_bytes(&bytes[..len]).is_err());
    }
}
