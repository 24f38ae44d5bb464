//! Merkle known answers (`../shared/vectors/poseidon_circomlib.json`, computed with circomlibjs):
//! empty-tree roots for depths 0 to 32, and roots of trees filled left to right at depths 4, 20
//! and 32, native and in the circuit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{fr, vectors};

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::ConstraintSystem;
use zkhealth_circuits::{
    merkle::{constraints::MerklePathVar, zero_hashes, MerkleTree, MAX_DEPTH},
    Fr,
};

fn parse(s: &str) -> Fr {
    fr(s)
}

#[test]
fn merkle_zero_hashes_reproduce_zk_kit_empty_roots() {
    let v = vectors();
    assert_eq!(v.merkle_zero_roots.len(), MAX_DEPTH as usize + 1);
    let expected: Vec<Fr> = v.merkle_zero_roots.iter().map(|s| parse(s)).collect();
    assert_eq!(zero_hashes(), expected.as_slice());
}

#[test]
fn merkle_tree_roots_reproduce_zk_kit_at_depths_4_20_32() {
    let v = vectors();
    let mut depths = std::collections::BTreeSet::new();
    for case in &v.merkle {
        let leaves: Vec<Fr> = case.leaves.iter().map(|s| parse(s)).collect();
        let expected = parse(&case.root);
        let built = MerkleTree::from_leaves(case.depth, &leaves).unwrap();
        assert_eq!(
            built.root(),
            expected,
            "depth {}, {} leaves",
            case.depth,
            leaves.len()
        );
        // Appending one by one gives the same tree.
        let mut appended = MerkleTree::new(case.depth).unwrap();
        for leaf in &leaves {
            appended.append(*leaf).unwrap();
        }
        assert_eq!(appended.root(), expected);
        depths.insert(case.depth);
    }
    assert_eq!(depths, [4, 20, 32].into());
}

#[test]
fn merkle_path_gadget_reproduces_zk_kit_roots() {
    let v = vectors();
    for case in &v.merkle {
        let leaves: Vec<Fr> = case.leaves.iter().map(|s| parse(s)).collect();
        let expected = parse(&case.root);
        let tree = MerkleTree::from_leaves(case.depth, &leaves).unwrap();
        // The last filled leaf, and the empty slot 0 of an empty tree.
        let index = (leaves.len() as u64).saturating_sub(1);
        let leaf = tree.leaf(index).unwrap_or_default();
        let path = tree.path(index).unwrap();
        assert!(path.verify(&leaf, &expected));

        let cs = ConstraintSystem::<Fr>::new_ref();
        let leaf_var = FpVar::new_witness(cs.clone(), || Ok(leaf)).unwrap();
        let root_var = FpVar::new_input(cs.clone(), || Ok(expected)).unwrap();
        let path_var =
            MerklePathVar::new_witness_with_depth(cs.clone(), case.depth, || Ok(path)).unwrap();
        assert_eq!(path_var.root(&leaf_var).unwrap().value().unwrap(), expected);
        path_var.enforce_root(&leaf_var, &root_var).unwrap();
        assert!(
            cs.is_satisfied().unwrap(),
            "depth {}, {} leaves",
            case.depth,
            leaves.len()
        );
    }
}
