//! Merkle path gadget: the R1CS twin of [`MerklePath`].
//!
//! Cost per level: 304 constraints. 2 are the booleanity of the two index bits (paid when the
//! path is allocated as a witness or input), 5 place the node among its three siblings, and 297
//! are the Poseidon(4) node hash. A depth-16 path (2^32 leaves) costs 4,864, where a binary path
//! of the same capacity cost 7,744 (32 levels of 242).
//!
//! The placement, for the position `p = b0 + 2 b1` of the node `x` among siblings `s0, s1, s2`:
//! - `both = b0 b1` (1 constraint), `first = (1 - b0)(1 - b1) = 1 - b0 - b1 + both` (linear);
//! - `c0 = s0 + first (x - s0)` and `c3 = s2 + both (x - s2)` (1 each);
//! - `c1 = u + b1 (s1 - u)` with `u = s0 + b0 (x - s0)` (2);
//! - `c2 = x + s0 + s1 + s2 - c0 - c1 - c3` (linear: the four children are the node and its
//!   siblings, so their sum is fixed).

use core::borrow::Borrow;

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{Namespace, SynthesisError};

use super::{MerklePath, ARITY, MAX_DEPTH};
use crate::{field::Fr, poseidon::constraints::hash_node};

/// Constraints one level of a witness path costs: two index bits, placement, Poseidon(4).
pub const CONSTRAINTS_PER_LEVEL: usize = 304;

/// A level's three siblings in the constraint system.
pub type SiblingsVar = [FpVar<Fr>; ARITY - 1];

/// A Merkle path in the constraint system: the leaf index as little-endian bits (two per level)
/// and the siblings at each level, leaf first.
///
/// Allocate it with [`MerklePathVar::new_witness_with_depth`] in a circuit, so that the shape is
/// fixed by the depth even when no value is available (setup). The [`AllocVar`] impl takes the
/// depth from the value, so it fails without one.
#[derive(Debug, Clone)]
pub struct MerklePathVar {
    index_bits: Vec<Boolean<Fr>>,
    siblings: Vec<SiblingsVar>,
}

impl MerklePathVar {
    /// Allocates a witness path of exactly `depth` levels: `2 * depth` index bits (each
    /// constrained to be boolean) and `3 * depth` siblings, whether or not `f` yields a value.
    ///
    /// Fails with `AssignmentMissing` when `f` does, outside setup mode, and with `Unsatisfiable`
    /// when `depth` is not in `1..=MAX_DEPTH` or the path `f` yields does not fit it (level count
    /// or index).
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
        let index_bits = (0..2 * levels)
            .map(|i| {
                Boolean::new_variable(
                    cs.clone(),
                    || value.map(|p| u32::try_from(i).is_ok_and(|i| (p.index >> i) & 1 == 1)),
                    mode,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let siblings = (0..levels)
            .map(|level| {
                let mut group = Vec::with_capacity(ARITY - 1);
                for k in 0..ARITY - 1 {
                    group.push(FpVar::new_variable(
                        cs.clone(),
                        || {
                            value.and_then(|p| {
                                p.siblings
                                    .get(level)
                                    .and_then(|g| g.get(k))
                                    .copied()
                                    .ok_or(SynthesisError::AssignmentMissing)
                            })
                        },
                        mode,
                    )?);
                }
                SiblingsVar::try_from(group).map_err(|_| SynthesisError::Unsatisfiable)
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

    /// The index bits, little-endian: bits `2l` and `2l + 1` are the node's position among its
    /// parent's children at level `l`.
    pub fn index_bits(&self) -> &[Boolean<Fr>] {
        &self.index_bits
    }

    /// The siblings at each level, leaf first.
    pub fn siblings(&self) -> &[SiblingsVar] {
        &self.siblings
    }

    /// The root reached from `leaf` along this path; twin of [`MerklePath::root`] (placement as
    /// in the module's documentation, then Poseidon(4)).
    pub fn root(&self, leaf: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let mut cur = leaf.clone();
        for (bits, [s0, s1, s2]) in self.index_bits.chunks_exact(2).zip(&self.siblings) {
            let (b0, b1) = match bits {
                [b0, b1] => (FpVar::from(b0.clone()), FpVar::from(b1.clone())),
                _ => return Err(SynthesisError::Unsatisfiable),
            };
            let both = &b0 * &b1;
            let first = FpVar::one() - &b0 - &b1 + &both;
            let c0 = s0 + first * (&cur - s0);
            let c3 = s2 + both * (&cur - s2);
            let u = s0 + b0 * (&cur - s0);
            let c1 = &u + b1 * (s1 - &u);
            let c2 = &cur + s0 + s1 + s2 - &c0 - &c1 - &c3;
            cur = hash_node(&[c0, c1, c2, c3])?;
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
        let tree = random_tree(2, 11, 1);
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
        for (seed, depth, n) in [(2u64, 10u32, 100usize), (3, 16, 37), (4, 1, 2)] {
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
        let tree = random_tree(3, 20, 5);
        let path = tree.path(13).unwrap();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let var = MerklePathVar::new_witness_with_depth(cs, 3, || Ok(path.clone())).unwrap();
        let siblings: Vec<[Fr; 3]> = var
            .siblings()
            .iter()
            .map(|g| g.clone().map(|s| s.value().unwrap()))
            .collect();
        assert_eq!(siblings, path.siblings);
        let bits: Vec<bool> = var
            .index_bits()
            .iter()
            .map(|b| b.value().unwrap())
            .collect();
        // 13 = 0b00_11_01: positions 1, 3, 0.
        assert_eq!(bits, [true, false, true, true, false, false]);
    }

    #[test]
    fn gadget_rejects_forged_sibling() {
        let tree = random_tree(3, 20, 5);
        let path = tree.path(13).unwrap();
        let leaf = tree.leaf(13).unwrap();
        assert!(satisfied(leaf, &path, tree.root()));
        for level in 0..3 {
            for k in 0..3 {
                let mut forged = path.clone();
                forged.siblings[level][k] += Fr::from(1u8);
                assert!(!satisfied(leaf, &forged, tree.root()), "level {level}, {k}");
            }
            // The same siblings in another order.
            let mut swapped = path.clone();
            swapped.siblings[level].swap(0, 2);
            assert!(!satisfied(leaf, &swapped, tree.root()), "level {level}");
        }
    }

    #[test]
    fn gadget_rejects_wrong_index_bit() {
        let tree = random_tree(3, 64, 6);
        let path = tree.path(13).unwrap();
        let leaf = tree.leaf(13).unwrap();
        // Every other position at every level, with the siblings left as they are.
        for level in 0..3 {
            for flip in 1..4u64 {
                let mut wrong = path.clone();
                wrong.index ^= flip << (2 * level);
                assert!(
                    !satisfied(leaf, &wrong, tree.root()),
                    "level {level}, {flip}"
                );
            }
        }
    }

    #[test]
    fn gadget_rejects_wrong_leaf_and_wrong_root() {
        let tree = random_tree(3, 20, 7);
        let path = tree.path(3).unwrap();
        let leaf = tree.leaf(3).unwrap();
        assert!(!satisfied(leaf + Fr::from(1u8), &path, tree.root()));
        assert!(!satisfied(tree.leaf(4).unwrap(), &path, tree.root()));
        assert!(!satisfied(leaf, &path, tree.root() + Fr::from(1u8)));
    }

    #[test]
    fn gadget_rejects_non_boolean_index_bit() {
        // A prover that assigns 2 to an index bit breaks its booleanity constraint.
        let tree = random_tree(2, 8, 8);
        let path = tree.path(5).unwrap();
        for (i, value) in [(0usize, 1u8), (1, 0), (2, 1), (3, 0)] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let leaf = FpVar::new_witness(cs.clone(), || Ok(tree.leaf(5).unwrap())).unwrap();
            let var =
                MerklePathVar::new_witness_with_depth(cs.clone(), 2, || Ok(path.clone())).unwrap();
            var.enforce_root(&leaf, &FpVar::constant(tree.root()))
                .unwrap();
            assert!(cs.is_satisfied().unwrap());
            let Boolean::Var(bit) = &var.index_bits()[i] else {
                panic!("a witness bit is a variable")
            };
            let slot = bit.variable().index().unwrap();
            {
                let mut inner = cs.borrow_mut().unwrap();
                let witness = &mut inner.assignments.witness_assignment;
                assert_eq!(witness[slot], Fr::from(value));
                witness[slot] = Fr::from(2u8);
            }
            assert!(!cs.is_satisfied().unwrap(), "bit {i}");
        }
    }

    #[test]
    fn one_level_costs_304_constraints() {
        for depth in [1u32, 4, 10, 16] {
            let tree = random_tree(depth, 2, 9);
            let cs = ConstraintSystem::<Fr>::new_ref();
            let leaf = FpVar::new_witness(cs.clone(), || Ok(tree.leaf(1).unwrap())).unwrap();
            let path = MerklePathVar::new_witness_with_depth(cs.clone(), depth, || {
                tree.path(1).map_err(|_| SynthesisError::AssignmentMissing)
            })
            .unwrap();
            assert_eq!(
                cs.num_constraints(),
                2 * depth as usize,
                "one booleanity per bit"
            );
            let _root = path.root(&leaf).unwrap();
            assert_eq!(cs.num_constraints(), CONSTRAINTS_PER_LEVEL * depth as usize);
            assert_eq!(CONSTRAINTS_PER_LEVEL, 304);
        }
    }

    #[test]
    fn setup_mode_without_values_has_the_prove_shape() {
        let depth = 3;
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
        let tree = random_tree(2, 5, 11);
        let path = tree.path(2).unwrap();
        let cs = ConstraintSystem::<Fr>::new_ref();
        for depth in [0, 1, 3, MAX_DEPTH + 1] {
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
            MerklePathVar::new_witness_with_depth(cs.clone(), 2, || {
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
            depth in 1u32..=4,
            fill in 1usize..=256,
            pick in any::<u64>(),
        ) {
            let n = fill.min(1usize << (2 * depth));
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
