//! What a 4-ary registry tree (Poseidon(4) nodes, zk-kit's `IMT` with arity 4) would cost in
//! the circuit at the capacity of today's binary tree of depth 32 (4^16 = 2^32 leaves): one
//! level of each gadget is synthesized and its constraints counted, and the two paths are
//! compared. The figures are in the README ("Performance", the 4-ary registry tree).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef, OptimizationGoal};
use zkhealth_circuits::{
    merkle::{constraints::CONSTRAINTS_PER_LEVEL, MAX_DEPTH},
    poseidon::{self, constraints::hash},
    Fr,
};

fn cs() -> ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs
}

/// One 4-ary level: two index bits, three siblings, the node placed among them by its position
/// (`c0..c3`), then Poseidon(4); the parent is checked against the native hash.
fn quaternary_level(cs: &ConstraintSystemRef<Fr>, node: Fr, siblings: [Fr; 3], position: usize) {
    let cur = FpVar::new_witness(cs.clone(), || Ok(node)).unwrap();
    let s: Vec<FpVar<Fr>> = siblings
        .iter()
        .map(|v| FpVar::new_witness(cs.clone(), || Ok(*v)).unwrap())
        .collect();
    let b0 = Boolean::new_witness(cs.clone(), || Ok(position & 1 == 1)).unwrap();
    let b1 = Boolean::new_witness(cs.clone(), || Ok(position & 2 == 2)).unwrap();
    let first = !&b0 & !&b1;
    let second = &b0 & !&b1;
    let third = !&b0 & &b1;
    let last = &b0 & &b1;
    let c0 = first.select(&cur, &s[0]).unwrap();
    let c1 = first
        .select(&s[0], &second.select(&cur, &s[1]).unwrap())
        .unwrap();
    let c2 = last
        .select(&s[2], &third.select(&cur, &s[1]).unwrap())
        .unwrap();
    let c3 = last.select(&cur, &s[2]).unwrap();
    let parent = hash(&[c0, c1, c2, c3]).unwrap();
    let mut children = siblings.to_vec();
    children.insert(position, node);
    assert_eq!(parent.value().unwrap(), poseidon::hash(&children).unwrap());
}

#[test]
fn a_quaternary_path_at_the_same_capacity_costs_36_percent_fewer_constraints() {
    let mut per_level = None;
    for position in 0..4 {
        let cs = cs();
        quaternary_level(&cs, Fr::from(7u8), [1u8, 2, 3].map(Fr::from), position);
        assert!(cs.is_satisfied().unwrap());
        let n = cs.num_constraints();
        assert_eq!(*per_level.get_or_insert(n), n);
    }
    let per_level = per_level.unwrap();
    let levels = MAX_DEPTH as usize / 2;
    let binary = MAX_DEPTH as usize * CONSTRAINTS_PER_LEVEL;
    let quaternary = levels * per_level;
    println!(
        "binary: {MAX_DEPTH} levels × {CONSTRAINTS_PER_LEVEL} = {binary}; \
         4-ary: {levels} levels × {per_level} = {quaternary}; saves {} ({:.1}% of the path)",
        binary - quaternary,
        100.0 * (binary - quaternary) as f64 / binary as f64
    );
    // Two bits, the position flags and selections (9 together), Poseidon(4)'s 300.
    assert_eq!(per_level, 309);
    assert_eq!((binary, quaternary), (7_744, 4_944));
}
