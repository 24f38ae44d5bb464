//! The presentation circuit's shape (public inputs, constraint counts) and its satisfiability on
//! an honest witness, checked without Groth16.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, SynthesisMode};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth_circuits::{
    circuit::{PresentationCircuit, PresentationWitness},
    credential::{Credential, HolderSecret},
    date::Day,
    Fr, Statement,
};
use zkhealth_records::{claims, testing};
use zkhealth_registry::Registry;

fn honest(depth: u32) -> (Statement, PresentationWitness) {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let secret = HolderSecret::random(&mut rng);
    let record = testing::vaccination("1990-04-12", "2026-06-01".parse().unwrap());
    let cred = Credential::new(
        &record,
        "NL-RIVM",
        secret.holder_key(),
        "2027-06-01".parse().unwrap(),
        &mut rng,
    )
    .unwrap();
    let mut registry = Registry::new(depth, 3600).unwrap();
    registry.append(Fr::from(5u8), 0).unwrap();
    let index = registry.append(cred.commit(), 0).unwrap();
    let policy = claims::standard_vaccination("NL-RIVM").unwrap();
    let today: Day = "2026-11-21".parse().unwrap();
    let choices = policy.check(&cred, today).unwrap();
    let scope = Fr::from(99u8);
    let statement = Statement {
        root: registry.root(),
        today,
        challenge: Fr::from(123456u64),
        scope,
        nullifier: secret.nullifier(&scope),
        query_hash: policy.query_hash(&[]).unwrap(),
    };
    let witness = PresentationWitness {
        secret,
        credential: cred,
        path: registry.path(index).unwrap(),
        policy: policy.compile().unwrap(),
        choices,
    };
    (statement, witness)
}

fn setup_shape(depth: u32) -> (usize, usize, usize) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Setup);
    PresentationCircuit::blank(depth)
        .generate_constraints(cs.clone())
        .unwrap();
    cs.finalize();
    (
        cs.num_constraints(),
        cs.num_instance_variables(),
        cs.num_witness_variables(),
    )
}

#[test]
fn honest_witness_satisfies_and_inputs_follow_the_statement_order() {
    let (statement, witness) = honest(4);
    let cs = ConstraintSystem::<Fr>::new_ref();
    PresentationCircuit::new(4, statement, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    assert_eq!(cs.which_is_unsatisfied().unwrap(), None);
    let mut expected = vec![Fr::from(1u8)];
    expected.extend(statement.to_field_elements());
    assert_eq!(cs.instance_assignment().unwrap(), expected);
    assert_eq!(cs.num_instance_variables(), Statement::NUM_INPUTS + 1);
}

#[test]
fn setup_and_prove_modes_give_the_same_shape() {
    let (statement, witness) = honest(4);
    let cs = ConstraintSystem::<Fr>::new_ref();
    PresentationCircuit::new(4, statement, witness)
        .generate_constraints(cs.clone())
        .unwrap();
    cs.finalize();
    let prove = (
        cs.num_constraints(),
        cs.num_instance_variables(),
        cs.num_witness_variables(),
    );
    assert_eq!(setup_shape(4), prove);
}

#[test]
fn constraint_counts_are_pinned() {
    // Depth 10 holds 4^10 = 2^20 leaves, depth 16 holds 2^32.
    let (c10, i10, _) = setup_shape(10);
    let (c16, i16_, _) = setup_shape(16);
    assert_eq!((i10, i16_), (7, 7));
    assert_eq!(c16 - c10, 6 * 304, "a Merkle level costs 304 constraints");
    assert_eq!(c10, 6_975);
    assert_eq!(c16, 8_799);
    assert!(c16 <= 12_000, "the design budget at 2^32 leaves");
}

/// Constraints of each part of the presentation, measured gadget by gadget; the parts add up to
/// the whole circuit.
mod parts {
    use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
    use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
    use zkhealth_circuits::{
        credential::constraints::{CredentialVar, HolderSecretVar},
        date::constraints::ymd_of_day,
        merkle::{constraints::MerklePathVar, MerklePath},
        policy::{
            constraints::{alloc_choice, enforce_less_than_pow2, ConditionVar, PolicyVar},
            MAX_CONDITIONS,
        },
        Fr,
    };

    use super::*;

    fn count(f: impl FnOnce(ConstraintSystemRef<Fr>)) -> usize {
        let cs = ConstraintSystem::<Fr>::new_ref();
        f(cs.clone());
        cs.num_constraints()
    }

    pub fn measure(depth: u32) -> Vec<(&'static str, usize)> {
        let (statement, w) = honest(4);
        let w2 = w.clone();
        let commitment = count(|cs| {
            let c = CredentialVar::new_witness(cs, || Ok(w.credential.clone())).unwrap();
            let _ = c.commit().unwrap();
        });
        let merkle = count(|cs| {
            let path = MerklePath {
                index: 0,
                siblings: vec![[Fr::from(0u8); 3]; depth as usize],
            };
            let p = MerklePathVar::new_witness_with_depth(cs.clone(), depth, || Ok(path)).unwrap();
            let leaf = FpVar::new_witness(cs.clone(), || Ok(Fr::from(1u8))).unwrap();
            let root = FpVar::new_witness(cs, || Ok(Fr::from(1u8))).unwrap();
            p.enforce_root(&leaf, &root).unwrap();
        });
        let holder = count(|cs| {
            let s = HolderSecretVar::new_witness(cs.clone(), || Ok(w.secret.clone())).unwrap();
            let k = FpVar::new_witness(cs, || Ok(Fr::from(1u8))).unwrap();
            k.enforce_equal(&s.holder_key().unwrap()).unwrap();
        });
        let nullifier = count(|cs| {
            let s = HolderSecretVar::new_witness(cs.clone(), || Ok(w.secret.clone())).unwrap();
            let sc = FpVar::new_input(cs.clone(), || Ok(statement.scope)).unwrap();
            let n = FpVar::new_input(cs, || Ok(statement.nullifier)).unwrap();
            s.nullifier(&sc).unwrap().enforce_equal(&n).unwrap();
        });
        let expiry = count(|cs| {
            let e = FpVar::new_witness(cs.clone(), || Ok(Fr::from(10u8))).unwrap();
            let t = FpVar::new_input(cs, || Ok(Fr::from(1u8))).unwrap();
            enforce_less_than_pow2(&(e - t), 32).unwrap();
        });
        let condition = count(|cs| {
            let slots: Vec<FpVar<Fr>> = w2
                .credential
                .slots
                .iter()
                .map(|s| FpVar::new_witness(cs.clone(), || Ok(*s)).unwrap())
                .collect();
            let t = FpVar::new_input(cs.clone(), || Ok(statement.today.to_field())).unwrap();
            let c = ConditionVar::new_witness(cs.clone(), || Ok(w2.policy.conditions[0])).unwrap();
            let choice = alloc_choice(cs, Ok(w2.choices[0])).unwrap();
            c.enforce_holds(&slots, &t, &t, &choice).unwrap();
        });
        let date = count(|cs| {
            let t = FpVar::new_input(cs, || Ok(statement.today.to_field())).unwrap();
            let _ = ymd_of_day(&t).unwrap();
        });
        // The query hash and disclosure, without the conditions' own bits (counted above).
        let query = count(|cs| {
            let p = PolicyVar::new_witness(cs.clone(), || Ok(w.policy.clone())).unwrap();
            let before = cs.num_constraints();
            let slots: Vec<FpVar<Fr>> = w
                .credential
                .slots
                .iter()
                .map(|s| FpVar::new_witness(cs.clone(), || Ok(*s)).unwrap())
                .collect();
            let schema = FpVar::new_witness(cs.clone(), || Ok(Fr::from(1u8))).unwrap();
            let q = p.query_hash(&schema, &schema, &slots).unwrap();
            let public = FpVar::new_input(cs.clone(), || Ok(Fr::from(1u8))).unwrap();
            q.enforce_equal(&public).unwrap();
            let _ = before;
        }) - MAX_CONDITIONS * zkhealth_circuits::policy::BITS_PER_CONDITION;
        vec![
            ("commitment (Poseidon, 16 inputs)", commitment),
            ("Merkle path", merkle),
            ("holder binding (Poseidon, 2 inputs)", holder),
            ("scoped nullifier (Poseidon, 3 inputs)", nullifier),
            ("expiry (32-bit range)", expiry),
            ("date's YYYYMMDD form", date),
            ("one condition (any operator)", condition),
            ("query hash and disclosure", query),
            ("challenge binding", 1),
        ]
    }

    #[test]
    fn parts_add_up_to_the_whole_circuit() {
        for depth in [10u32, 16] {
            let parts = measure(depth);
            let get = |name: &str| parts.iter().find(|(n, _)| n.starts_with(name)).unwrap().1;
            let total = get("commitment")
                + get("Merkle")
                + get("holder")
                + get("scoped")
                + get("expiry")
                + get("date")
                + MAX_CONDITIONS * get("one condition")
                + get("query")
                + get("challenge");
            assert_eq!(total, setup_shape(depth).0, "depth {depth}: {parts:?}");
        }
        // The figures in the README's constraint table.
        let p = measure(16);
        let counts: Vec<usize> = p.iter().map(|(_, n)| *n).collect();
        assert_eq!(
            counts,
            vec![606, 4_865, 238, 259, 33, 132, 205, 1_845, 1],
            "{p:?}"
        );
    }
}

#[test]
fn the_presentation_circuit_is_a_typed_unit() {
    use zkhealth_circuits::{
        circuit::Circuit, date::constraints::YMD_CONSTRAINTS,
        opening::constraints::opening_constraints, CircuitId, PublicInputs,
    };
    assert_eq!(
        <PresentationCircuit as Circuit>::ID,
        CircuitId::Presentation
    );
    assert_eq!(
        <Statement as PublicInputs>::CIRCUIT,
        CircuitId::Presentation
    );
    let blank = <PresentationCircuit as Circuit>::blank(10);
    assert_eq!(Circuit::depth(&blank), 10);
    assert!(blank.statement.is_none() && blank.witness.is_none());
    // The opening, the date's YYYYMMDD form, the nullifier's equality and the challenge's
    // squaring.
    for depth in [10u32, 16] {
        assert_eq!(
            setup_shape(depth).0,
            opening_constraints(depth) + YMD_CONSTRAINTS + 2
        );
    }
}
