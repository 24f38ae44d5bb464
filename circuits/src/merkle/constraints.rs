//! Merkle path gadget: the R1CS twin of [`MerklePath`].
//!
//! Cost per level: 242 constraints, of which 1 is the booleanity of the index bit (paid when the
//! path is allocated as a witness or input), 1 the multiplication that orders the pair, and 240
//! the Poseidon(2) node hash. A depth-32 path costs 7,744.

use core::borrow::Borrow;

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{Namespace, SynthesisError};

use super::{MerklePath, MAX_DEPTH};
use crate::{field::Fr, poseidon::constraints::hash2};

/// Constraints one level of a witness path costs: index bit, ordering, Poseidon(2).
pub const CONSTRAINTS_PER_LEVEL: usize = 242;

/// A Merkle path in the constraint system: the leaf index as little-endian bits and the siblings,
/// leaf first.
///
/// Allocate it with [`MerklePathVar::new_witness_with_depth`] in a circuit, so that the shape is
/// fixed by the depth even when no value is available (setup). The [`AllocVar`] impl takes the
/// depth from the value, so it fails without one.
#[derive(Debug, Clone)]
pub struct MerklePathVar {
    index_bits: Vec<Boolean<Fr>>,
    siblings: Vec<FpVar<Fr>>,
}

impl MerklePathVar {
    /// Allocates a witness path of exactly `depth` levels: `depth` index bits (each constrained to
    /// be boolean) and `depth` siblings, whether or not `f` yields a value.
    ///
    /// Fails with `AssignmentMissing` when `f` does, outside setup mode, and with `Unsatisfiable`
    /// when `depth` is not in `1..=MAX_DEPTH` or the path `f` yields does not fit it (sibling
    /// count or index).
    pub fn new_witness_with_depth(
        cs: impl Into<Namespace<Fr>>,
        depth: u32,
        f: impl FnOnce() -> Result<MerklePath, SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        Self::new_variable_with_depth(cs, depth, f, AllocationMode::Witness)
    }

    /// Allocates a path of exactly `depth` levels in mode `mode` (see
    /// [`Self::new_witness_with_depth`]).
    pub fn new_variable_with_depth<T: Borrow<MerklePath>>(
        cs: impl Into<Namespace<Fr>>,
        depth: u32,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        if !(1..=MAX_DEPTH).contains(&depth) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let ns = cs.into();
        let cs = ns.cs();
        let value: Result<MerklePath, SynthesisError> = f().map(|p| p.borrow().clone());
        if let Ok(path) = &value {
            path.validate(depth)
                .map_err(|_| SynthesisError::Unsatisfiable)?;
        }
        let value = value.as_ref().map_err(|e| *e);

        let levels = depth as usize;
        let index_bits = (0..levels)
            .map(|i| {
                Boolean::new_variable(cs.clone(), || value.map(|p| super::bit(p.index, i)), mode)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let siblings = (0..levels)
            .map(|i| {
                FpVar::new_variable(
                    cs.clone(),
                    || {
                        value.and_then(|p| {
                            p.siblings
                                .get(i)
                                .copied()
                                .ok_or(SynthesisError::AssignmentMissing)
                        })
                    },
                    mode,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            index_bits,
            siblings,
        })
    }

    /// The depth (number of levels).
    pub fn depth(&self) -> usize {
        self.siblings.len()
    }

    /// The index bits, little-endian (bit `i` set: the node is the right child at level `i`).
    pub fn index_bits(&self) -> &[Boolean<Fr>] {
        &self.index_bits
    }

    /// The siblings, leaf first.
    pub fn siblings(&self) -> &[FpVar<Fr>] {
        &self.siblings
    }

    /// The root reached from `leaf` along this path; twin of [`MerklePath::root`].
    ///
    /// Per level: `left = cur + bit * (sib - cur)`, `right = cur + sib - left` (1 constraint),
    /// then Poseidon(left, right) (240 constraints).
    pub fn root(&self, leaf: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let mut cur = leaf.clone();
        for (bit, sibling) in self.index_bits.iter().zip(&self.siblings) {
            let bit = FpVar::from(bit.clone());
            let left = &cur + bit * (sibling - &cur);
            let right = &cur + sibling - &left;
            cur = hash2(&left, &right)?;
        }
        Ok(cur)
    }

    /// Enforces that `leaf` along this path leads to `root`; twin of [`MerklePath::verify`].
    pub fn enforce_root(&self, leaf: &FpVar<Fr>, root: &FpVar<Fr>) -> Result<(), SynthesisError> {
        self.root(leaf)?.enforce_equal(root)
    }
}

impl AllocVar<MerklePath, Fr> for MerklePathVar {
    /// Allocates the path with the depth of the value `f` yields; without a value (setup mode)
    /// the depth is unknown and this fails: use [`MerklePathVar::new_witness_with_depth`].
    fn new_variable<T: Borrow<MerklePath>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let path = f()?.borrow().clone();
        let depth = path.depth();
        Self::new_variable_with_depth(cs, depth, || Ok(path), mode)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef, SynthesisMode};
    use ark_std::UniformRand;
    use proptest::prelude::*;
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    use super::*;
    use crate::merkle::MerkleTree;

    fn random_tree(depth: u32, n: usize, seed: u64) -> MerkleTree {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let leaves: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        MerkleTree::from_leaves(depth, &leaves).unwrap()
    }

    /// Allocates leaf, path and root as witnesses, enforces the root, and reports satisfaction.
    fn satisfied(leaf: Fr, path: &MerklePath, root: Fr) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let depth = path.depth();
        let leaf = FpVar::new_witness(cs.clone(), || Ok(leaf)).unwrap();
        let root = FpVar::new_input(cs.clone(), || Ok(root)).unwrap();
        let path =
            MerklePathVar::new_witness_with_depth(cs.clone(), depth, || Ok(path.clone())).unwrap();
        path.enforce_root(&leaf, &root).unwrap();
        cs.is_satisfied().unwrap()
    }

    fn gadget_root(
        cs: &ConstraintSystemRef<Fr>,
        leaf: Fr,
        path: &MerklePath,
        mode: AllocationMode,
    ) -> Fr {
        let leaf = FpVar::new_variable(cs.clone(), || Ok(leaf), mode).unwrap();
        let path = MerklePathVar::new_variable(cs.clone(), || Ok(path.clone()), mode).unwrap();
        path.root(&leaf).unwrap().value().unwrap()
    }

    #[test]
    fn gadget_root_matches_native_for_every_index_and_mode() {
        let tree = random_tree(4, 11, 1);
        for index in 0..tree.capacity() {
            let path = tree.path(index).unwrap();
            let leaf = tree.leaf(index).unwrap_or_default();
            for mode in [
                AllocationMode::Constant,
                AllocationMode::Input,
                AllocationMode::Witness,
            ] {
                let cs = ConstraintSystem::<Fr>::new_ref();
                assert_eq!(
                    gadget_root(&cs, leaf, &path, mode),
                    tree.root(),
                    "index {index}, {mode:?}"
                );
                assert!(cs.is_satisfied().unwrap());
                if mode == AllocationMode::Constant {
                    assert_eq!(cs.num_constraints(), 0);
                }
            }
            assert!(satisfied(leaf, &path, tree.root()));
        }
    }

    #[test]
    fn gadget_root_matches_native_for_random_deep_trees() {
        for (seed, depth, n) in [(2u64, 20u32, 100usize), (3, 32, 37), (4, 1, 2)] {
            let tree = random_tree(depth, n, seed);
            let mut rng = ChaCha20Rng::seed_from_u64(seed + 100);
            for _ in 0..3 {
                let index = u64::rand(&mut rng) % n as u64;
                let path = tree.path(index).unwrap();
                let leaf = tree.leaf(index).unwrap();
                let cs = ConstraintSystem::<Fr>::new_ref();
                assert_eq!(
                    gadget_root(&cs, leaf, &path, AllocationMode::Witness),
                    tree.root()
                );
                assert!(cs.is_satisfied().unwrap());
            }
        }
    }

    #[test]
    fn the_allocated_path_holds_the_native_siblings_and_bits() {
        let tree = random_tree(5, 20, 5);
        let path = tree.path(13).unwrap();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let var = MerklePathVar::new_witness_with_depth(cs, 5, || Ok(path.clone())).unwrap();
        let siblings: Vec<Fr> = var.siblings().iter().map(|s| s.value().unwrap()).collect();
        assert_eq!(siblings, path.siblings);
        let bits: Vec<bool> = var
            .index_bits()
            .iter()
            .map(|b| b.value().unwrap())
            .collect();
        assert_eq!(bits, [true, false, true, true, false]);
    }

    #[test]
    fn gadget_rejects_forged_sibling() {
        let tree = random_tree(5, 20, 5);
        let path = tree.path(13).unwrap();
        let leaf = tree.leaf(13).unwrap();
        assert!(satisfied(leaf, &path, tree.root()));
        for level in 0..5 {
            let mut forged = path.clone();
            forged.siblings[level] += Fr::from(1u8);
            assert!(!satisfied(leaf, &forged, tree.root()), "level {level}");
        }
    }

    #[test]
    fn gadget_rejects_wrong_index_bit() {
        let tree = random_tree(5, 32, 6);
        let path = tree.path(13).unwrap();
        let leaf = tree.leaf(13).unwrap();
        for level in 0..5 {
            let mut wrong = path.clone();
            wrong.index ^= 1 << level;
            assert!(!satisfied(leaf, &wrong, tree.root()), "level {level}");
        }
    }

    #[test]
    fn gadget_rejects_wrong_leaf_and_wrong_root() {
        let tree = random_tree(5, 20, 7);
        let path = tree.path(3).unwrap();
        let leaf = tree.leaf(3).unwrap();
        assert!(!satisfied(leaf + Fr::from(1u8), &path, tree.root()));
        assert!(!satisfied(tree.leaf(4).unwrap(), &path, tree.root()));
        assert!(!satisfied(leaf, &path, tree.root() + Fr::from(1u8)));
    }

    #[test]
    fn gadget_rejects_non_boolean_index_bit() {
        // A prover that assigns 2 to an index bit breaks its booleanity constraint.
        let tree = random_tree(3, 8, 8);
        let path = tree.path(5).unwrap();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let leaf = FpVar::new_witness(cs.clone(), || Ok(tree.leaf(5).unwrap())).unwrap();
        let var = MerklePathVar::new_witness_with_depth(cs.clone(), 3, || Ok(path)).unwrap();
        var.enforce_root(&leaf, &FpVar::constant(tree.root()))
            .unwrap();
        assert!(cs.is_satisfied().unwrap());
        let Boolean::Var(bit) = &var.index_bits()[0] else {
            panic!("a witness bit is a variable")
        };
        let slot = bit.variable().index().unwrap();
        {
            let mut inner = cs.borrow_mut().unwrap();
            let witness = &mut inner.assignments.witness_assignment;
            assert_eq!(witness[slot], Fr::from(1u8));
            witness[slot] = Fr::from(2u8);
        }
        assert!(!cs.is_satisfied().unwrap());
    }

    #[test]
    fn one_level_costs_242_constraints() {
        for depth in [1u32, 4, 20, 32] {
            let tree = random_tree(depth, 2, 9);
            let cs = ConstraintSystem::<Fr>::new_ref();
            let leaf = FpVar::new_witness(cs.clone(), || Ok(tree.leaf(1).unwrap())).unwrap();
            let path = MerklePathVar::new_witness_with_depth(cs.clone(), depth, || {
                tree.path(1).map_err(|_| SynthesisError::AssignmentMissing)
            })
            .unwrap();
            assert_eq!(
                cs.num_constraints(),
                depth as usize,
                "one booleanity per bit"
            );
            let _root = path.root(&leaf).unwrap();
            assert_eq!(cs.num_constraints(), CONSTRAINTS_PER_LEVEL * depth as usize);
            assert_eq!(CONSTRAINTS_PER_LEVEL, 242);
        }
    }

    #[test]
    fn setup_mode_without_values_has_the_prove_shape() {
        let depth = 6;
        let tree = random_tree(depth, 9, 10);
        let shape = |cs: ConstraintSystemRef<Fr>, path: Option<MerklePath>, leaf: Option<Fr>| {
            let leaf =
                FpVar::new_witness(cs.clone(), || leaf.ok_or(SynthesisError::AssignmentMissing))
                    .unwrap();
            let root = FpVar::new_input(cs.clone(), || Ok(tree.root())).unwrap();
            let var = MerklePathVar::new_witness_with_depth(cs.clone(), depth, || {
                path.ok_or(SynthesisError::AssignmentMissing)
            })
            .unwrap();
            assert_eq!(var.depth(), depth as usize);
            var.enforce_root(&leaf, &root).unwrap();
            (cs.num_constraints(), cs.num_witness_variables())
        };
        let setup = ConstraintSystem::<Fr>::new_ref();
        setup.set_mode(SynthesisMode::Setup);
        let prove = ConstraintSystem::<Fr>::new_ref();
        let prove_shape = shape(prove.clone(), Some(tree.path(4).unwrap()), tree.leaf(4));
        assert_eq!(shape(setup, None, None), prove_shape);
        assert!(prove.is_satisfied().unwrap());
    }

    #[test]
    fn allocation_rejects_paths_that_do_not_fit_the_depth() {
        let tree = random_tree(4, 5, 11);
        let path = tree.path(2).unwrap();
        let cs = ConstraintSystem::<Fr>::new_ref();
        for depth in [0, 3, 5, MAX_DEPTH + 1] {
            assert_eq!(
                MerklePathVar::new_witness_with_depth(cs.clone(), depth, || Ok(path.clone())).err(),
                Some(SynthesisError::Unsatisfiable),
                "depth {depth}"
            );
        }
        let mut big_index = path.clone();
        big_index.index = 16;
        assert!(MerklePathVar::new_witness(cs.clone(), || Ok(big_index)).is_err());
        // Outside setup mode a missing value is an error, not a silent zero.
        assert_eq!(
            MerklePathVar::new_witness_with_depth(cs.clone(), 4, || {
                Err(SynthesisError::AssignmentMissing)
            })
            .err(),
            Some(SynthesisError::AssignmentMissing)
        );
        assert!(MerklePathVar::new_witness(cs, || Err::<MerklePath, _>(
            SynthesisError::AssignmentMissing
        ))
        .is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        #[test]
        fn gadget_root_equals_native_root(
            seed in any::<u64>(),
            depth in 1u32..=8,
            fill in 1usize..=256,
            pick in any::<u64>(),
        ) {
            let n = fill.min(1usize << depth);
            let tree = random_tree(depth, n, seed);
            let index = pick % tree.capacity();
            let path = tree.path(index).unwrap();
            let leaf = tree.leaf(index).unwrap_or_default();
            let cs = ConstraintSystem::<Fr>::new_ref();
            prop_assert_eq!(gadget_root(&cs, leaf, &path, AllocationMode::Witness), tree.root());
            prop_assert!(cs.is_satisfied().unwrap());
            prop_assert_eq!(cs.num_constraints(), CONSTRAINTS_PER_LEVEL * depth as usize);
        }
    }
}
