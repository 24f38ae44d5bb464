//! circomlib Poseidon known answers (`../shared/vectors/poseidon_circomlib.json`), native and
//! in the circuit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fr, vectors};

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::ConstraintSystem;
use zkhealth_circuits::{poseidon, Fr};

fn parse(xs: &[String]) -> Vec<Fr> {
    xs.iter().map(|s| fr(s)).collect()
}

#[test]
fn field_modulus_is_bn254_r() {
    let v = vectors();
    assert_eq!(
        v.field_modulus,
        <Fr as ark_ff::PrimeField>::MODULUS.to_string()
    );
}

#[test]
fn native_poseidon_reproduces_circomlib_for_1_to_16_inputs() {
    let v = vectors();
    let mut arities = std::collections::BTreeSet::new();
    for case in &v.poseidon {
        let inputs = parse(&case.inputs);
        let expected = fr(&case.output);
        assert_eq!(
            poseidon::hash(&inputs).unwrap(),
            expected,
            "inputs {:?}",
            case.inputs
        );
        arities.insert(inputs.len());
    }
    assert_eq!(arities, (1..=16).collect());
}

#[test]
fn poseidon_gadget_reproduces_circomlib_for_1_to_16_inputs() {
    let v = vectors();
    for case in &v.poseidon {
        let inputs = parse(&case.inputs);
        let expected = fr(&case.output);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars: Vec<FpVar<Fr>> = inputs
            .iter()
            .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap())
            .collect();
        let out = poseidon::constraints::hash(&vars).unwrap();
        let claimed = FpVar::new_input(cs.clone(), || Ok(expected)).unwrap();
        out.enforce_equal(&claimed).unwrap();
        assert!(cs.is_satisfied().unwrap(), "inputs {:?}", case.inputs);
    }
}
