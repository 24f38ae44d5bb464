//! Registry Merkle tree (native).
//!
//! The issuer's registry is a fixed-depth 4-ary Merkle tree: node = Poseidon(c0, c1, c2, c3)
//! ([`crate::poseidon::hash_node`], untagged), empty leaf = 0, leaves filled left to right. This
//! is the tree of zk-kit's `IMT` (`@zk-kit/imt`) with arity 4 and zero value 0, so its roots and
//! proofs can be recomputed by JavaScript tools; the tests hold known answers computed with it
//! (`scripts/imt-vectors/`).
//!
//! The depth counts levels of four: a tree of depth `d` holds `4^d` leaves, and the default depth
//! 16 holds `2^32`, about four billion credentials. Against a binary tree of the same capacity a
//! path has half the levels and costs 37% fewer constraints (see [`constraints`]).
//!
//! - [`MerkleTree`] stores only the filled part of each level and takes the rest from the
//!   [`zero_hashes`] table, so memory grows with the number of leaves, not with `4^depth`, and an
//!   update costs `depth` hashes.
//! - [`MerklePath`] is what a holder keeps: the leaf index and, at each level from the leaf up,
//!   the three other children of the node's parent.
//!
//! The issuer's registry (a tree with the history of its published roots) is built on these in
//! the `zkhealth-registry` crate; the tree and the path are part of the relation and live here.

#[cfg(feature = "r1cs")]
pub mod constraints;

use std::{ops::Range, sync::OnceLock};

use ark_ff::AdditiveGroup;
use serde::{Deserialize, Serialize};

use crate::{
    field::{fr_to_hex, serde_fr_array, serde_fr_vec},
    poseidon::hash_node,
    Error, Fr,
};

/// Children per node.
pub const ARITY: usize = 4;

/// The siblings of a node at one level: the other three children of its parent, left to right.
pub type Siblings = [Fr; ARITY - 1];

/// The depth used when none is chosen: 16 levels of four, 2^32 leaves, about four billion
/// credentials.
pub const DEFAULT_DEPTH: u32 = 16;

/// The largest supported depth (`4^16 = 2^32` leaves).
pub const MAX_DEPTH: u32 = 16;

/// The empty value of a leaf (a revoked or never-filled slot).
pub const EMPTY_LEAF: Fr = Fr::ZERO;

/// Number of entries in the [`zero_hashes`] table.
const ZERO_LEVELS: usize = MAX_DEPTH as usize + 1;

/// The hashes of empty subtrees: `zero[0] = 0`, `zero[i + 1] = H(zero[i], zero[i], zero[i],
/// zero[i])`, for levels `0..=MAX_DEPTH` (computed once). `zero[d]` is the root of the empty tree
/// of depth `d`.
pub fn zero_hashes() -> &'static [Fr] {
    static TABLE: OnceLock<[Fr; ZERO_LEVELS]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = [EMPTY_LEAF; ZERO_LEVELS];
        for i in 1..ZERO_LEVELS {
            table[i] = hash_node(&[table[i - 1]; ARITY]);
        }
        table
    })
}

/// The root of the empty tree of depth `depth` (`1..=MAX_DEPTH`).
pub fn empty_root(depth: u32) -> Result<Fr, Error> {
    check_depth(depth)?;
    Ok(zero(depth as usize))
}

/// The number of leaves a tree of depth `depth` holds, `4^depth` (`depth <= MAX_DEPTH`, so at
/// most `2^32`).
fn capacity_of(depth: u32) -> u64 {
    1u64.checked_shl(2 * depth).unwrap_or(u64::MAX)
}

/// The hash of an empty subtree of height `level`; `level` is at most `MAX_DEPTH` wherever this
/// is called (depths are validated on entry).
fn zero(level: usize) -> Fr {
    zero_hashes().get(level).copied().unwrap_or(EMPTY_LEAF)
}

fn check_depth(depth: u32) -> Result<(), Error> {
    if (1..=MAX_DEPTH).contains(&depth) {
        Ok(())
    } else {
        Err(Error::UnsupportedDepth {
            depth,
            max: MAX_DEPTH,
        })
    }
}

fn to_usize(index: u64) -> Result<usize, Error> {
    usize::try_from(index)
        .map_err(|_| Error::Registry(format!("index {index} does not fit this platform")))
}

/// The position (0 to 3) of the ancestor of leaf `index` at `level` among its parent's children:
/// base-4 digit `level` of `index` (0 when `level >= 32`).
fn position(index: u64, level: usize) -> usize {
    u32::try_from(2 * level)
        .ok()
        .and_then(|shift| index.checked_shr(shift))
        .map_or(0, |x| (x & 3) as usize)
}

/// The four children of a parent: `node` at `position`, `siblings` around it in order.
fn children(node: Fr, siblings: &Siblings, position: usize) -> [Fr; ARITY] {
    let mut out = [node; ARITY];
    let mut others = siblings.iter();
    for (k, slot) in out.iter_mut().enumerate() {
        if k != position {
            if let Some(s) = others.next() {
                *slot = *s;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Tree
// ---------------------------------------------------------------------------------------------

/// A fixed-depth 4-ary Merkle tree filled left to right, with empty leaf 0.
///
/// Level 0 holds the leaves and level `depth` the root. Each level stores only its filled prefix
/// (`ceil(len / 4^level)` nodes); the other nodes are [`zero_hashes`]. Serialized as its depth and
/// leaves; deserializing rebuilds the inner nodes and validates the depth and leaf count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    depth: u32,
    /// `levels[l]` is the filled prefix of level `l`, for `l` in `0..=depth`.
    levels: Vec<Vec<Fr>>,
}

impl MerkleTree {
    /// An empty tree of depth `depth` (`1..=MAX_DEPTH`).
    pub fn new(depth: u32) -> Result<Self, Error> {
        check_depth(depth)?;
        Ok(Self {
            depth,
            levels: vec![Vec::new(); depth as usize + 1],
        })
    }

    /// A tree of depth `depth` whose first leaves are `leaves` (which may contain empty leaves,
    /// for instance revoked ones). Costs about `len / 3 + depth` hashes, less than appending one
    /// by one.
    pub fn from_leaves(depth: u32, leaves: &[Fr]) -> Result<Self, Error> {
        let mut tree = Self::new(depth)?;
        tree.extend_unchecked(leaves)?;
        Ok(tree)
    }

    /// The depth (number of levels between a leaf and the root).
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// The number of leaves appended so far (revoked ones included).
    pub fn len(&self) -> u64 {
        self.leaves().len() as u64
    }

    /// Whether no leaf has been appended yet.
    pub fn is_empty(&self) -> bool {
        self.leaves().is_empty()
    }

    /// The number of leaves the tree can hold, `4^depth`.
    pub fn capacity(&self) -> u64 {
        capacity_of(self.depth)
    }

    /// The leaves appended so far, in order (revoked ones are 0).
    pub fn leaves(&self) -> &[Fr] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// The leaf at `index`, or `None` if no leaf was appended there yet.
    pub fn leaf(&self, index: u64) -> Option<Fr> {
        let i = usize::try_from(index).ok()?;
        self.leaves().get(i).copied()
    }

    /// The root.
    pub fn root(&self) -> Fr {
        self.node(self.depth as usize, 0)
    }

    /// Appends `leaf` in the next free slot and returns its index. Costs `depth` hashes.
    ///
    /// Fails when the tree is full, and for the empty value 0 (an appended 0 would look like a
    /// revoked credential).
    pub fn append(&mut self, leaf: Fr) -> Result<u64, Error> {
        let index = self.check_append(&leaf)?;
        self.update(to_usize(index)?, leaf)?;
        Ok(index)
    }

    /// The index [`Self::append`] would give `leaf`, or the reason it would fail (the tree is
    /// full, or `leaf` is the empty value 0); changes nothing.
    pub fn check_append(&self, leaf: &Fr) -> Result<u64, Error> {
        if *leaf == EMPTY_LEAF {
            return Err(Error::EmptyLeaf);
        }
        let index = self.len();
        if index >= self.capacity() {
            return Err(Error::TreeFull {
                depth: self.depth,
                capacity: self.capacity(),
            });
        }
        Ok(index)
    }

    /// Appends `leaves` in the next free slots and returns their indices. Rehashes each changed
    /// node once: about `leaves.len() / 3 + depth` hashes, where appending one by one costs
    /// `depth` per leaf.
    ///
    /// Fails, changing nothing, when they do not fit or one of them is the empty value 0.
    pub fn extend(&mut self, leaves: &[Fr]) -> Result<Range<u64>, Error> {
        if leaves.contains(&EMPTY_LEAF) {
            return Err(Error::EmptyLeaf);
        }
        self.extend_unchecked(leaves)
    }

    /// Replaces the leaf at `index` (which must have been appended). Costs `depth` hashes.
    pub fn set(&mut self, index: u64, leaf: Fr) -> Result<(), Error> {
        if index >= self.len() {
            return Err(Error::LeafNotAppended {
                index,
                len: self.len(),
            });
        }
        self.update(to_usize(index)?, leaf)
    }

    /// Revokes the leaf at `index`: sets it to the empty value 0. Fails if it was not appended or
    /// is already empty.
    pub fn revoke(&mut self, index: u64) -> Result<(), Error> {
        self.check_revoke(index)?;
        self.set(index, EMPTY_LEAF)
    }

    /// Whether [`Self::revoke`] would succeed on `index`: fails if the leaf was not appended or is
    /// already empty; changes nothing.
    pub fn check_revoke(&self, index: u64) -> Result<(), Error> {
        match self.leaf(index) {
            None => Err(Error::LeafNotAppended {
                index,
                len: self.len(),
            }),
            Some(leaf) if leaf == EMPTY_LEAF => Err(Error::AlreadyRevoked { index }),
            Some(_) => Ok(()),
        }
    }

    /// The authentication path of the leaf at `index` (`< 4^depth`). A path to a slot that was not
    /// appended yet leads from the empty leaf 0.
    pub fn path(&self, index: u64) -> Result<MerklePath, Error> {
        if index >= self.capacity() {
            return Err(Error::IndexOutOfRange {
                index,
                depth: self.depth,
            });
        }
        let mut j = to_usize(index)?;
        let mut siblings = Vec::with_capacity(self.depth as usize);
        for level in 0..self.depth as usize {
            let first = j - j % ARITY;
            let mut group = [EMPTY_LEAF; ARITY - 1];
            let others = (first..first + ARITY).filter(|k| *k != j);
            for (slot, k) in group.iter_mut().zip(others) {
                *slot = self.node(level, k);
            }
            siblings.push(group);
            j /= ARITY;
        }
        Ok(MerklePath { index, siblings })
    }

    /// The node at position `j` of `level`: stored, or the empty subtree's hash.
    fn node(&self, level: usize, j: usize) -> Fr {
        self.levels
            .get(level)
            .and_then(|nodes| nodes.get(j))
            .copied()
            .unwrap_or_else(|| zero(level))
    }

    /// The hash of the children `ARITY * j..ARITY * (j + 1)` of `level`.
    fn parent(&self, level: usize, j: usize) -> Fr {
        let first = ARITY * j;
        hash_node(&std::array::from_fn(|k| self.node(level, first + k)))
    }

    /// Stores `value` at position `j` of `level`, which is filled or the next free position.
    fn put(&mut self, level: usize, j: usize, value: Fr) -> Result<(), Error> {
        let nodes = self
            .levels
            .get_mut(level)
            .ok_or_else(|| Error::Registry(format!("level {level} is outside the tree")))?;
        if let Some(slot) = nodes.get_mut(j) {
            *slot = value;
            Ok(())
        } else if j == nodes.len() {
            nodes.push(value);
            Ok(())
        } else {
            Err(Error::Registry(format!(
                "node {j} of level {level} is not next to the filled part"
            )))
        }
    }

    /// Appends `leaves` (empty ones allowed) and rehashes the changed part of each level.
    fn extend_unchecked(&mut self, leaves: &[Fr]) -> Result<Range<u64>, Error> {
        let start = self.len();
        let end = start
            .checked_add(leaves.len() as u64)
            .filter(|end| *end <= self.capacity())
            .ok_or(Error::TreeFull {
                depth: self.depth,
                capacity: self.capacity(),
            })?;
        let levels = self.depth as usize;
        let leaf_level = self
            .levels
            .first_mut()
            .ok_or_else(|| Error::Registry("the tree has no leaf level".into()))?;
        leaf_level.extend_from_slice(leaves);
        // Positions `from..` of `level` changed; their parents are `from / ARITY..`.
        let mut from = to_usize(start)?;
        for level in 0..levels {
            let filled = self.levels.get(level).map_or(0, Vec::len);
            let parents = from / ARITY..filled.div_ceil(ARITY);
            for j in parents.clone() {
                let node = self.parent(level, j);
                self.put(level + 1, j, node)?;
            }
            from = parents.start;
        }
        Ok(start..end)
    }

    /// Sets leaf `index` (filled or next free) and rehashes its path to the root.
    fn update(&mut self, index: usize, leaf: Fr) -> Result<(), Error> {
        self.put(0, index, leaf)?;
        let mut j = index;
        for level in 0..self.depth as usize {
            j /= ARITY;
            let node = self.parent(level, j);
            self.put(level + 1, j, node)?;
        }
        Ok(())
    }
}

/// The serialized form of a [`MerkleTree`]: its depth and its leaves.
#[derive(Serialize)]
struct TreeReprRef<'a> {
    depth: u32,
    #[serde(with = "serde_fr_vec")]
    leaves: &'a [Fr],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TreeRepr {
    depth: u32,
    #[serde(with = "serde_fr_vec")]
    leaves: Vec<Fr>,
}

impl Serialize for MerkleTree {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        TreeReprRef {
            depth: self.depth,
            leaves: self.leaves(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for MerkleTree {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let repr = TreeRepr::deserialize(d)?;
        MerkleTree::from_leaves(repr.depth, &repr.leaves).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// Path
// ---------------------------------------------------------------------------------------------

/// The authentication path of one leaf: its index and, at each level from the leaf up, the three
/// other children of the current node's parent, left to right.
///
/// Base-4 digit `l` of `index` is the current node's position among its parent's four children at
/// level `l` (zk-kit's `pathIndices`); `siblings[l]` are the other three (zk-kit's `siblings`).
/// JSON: `{"index": 5, "siblings": [["0x…", "0x…", "0x…"], …]}`; decoding requires 1 to
/// `MAX_DEPTH` groups of three canonical elements and an index below `4^groups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "PathRepr")]
pub struct MerklePath {
    /// The leaf's position, `< 4^depth`.
    pub index: u64,
    /// The siblings at each level, from the leaf's up to the root's children.
    #[serde(serialize_with = "serialize_groups")]
    pub siblings: Vec<Siblings>,
}

/// One level's siblings in JSON: exactly three hex elements.
#[derive(Deserialize)]
#[serde(transparent)]
struct SiblingsRepr(#[serde(with = "serde_fr_array")] Siblings);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathRepr {
    index: u64,
    siblings: Vec<SiblingsRepr>,
}

fn serialize_groups<S: serde::Serializer>(groups: &[Siblings], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(groups.len()))?;
    for group in groups {
        seq.serialize_element(&group.iter().map(fr_to_hex).collect::<Vec<_>>())?;
    }
    seq.end()
}

impl TryFrom<PathRepr> for MerklePath {
    type Error = Error;

    fn try_from(repr: PathRepr) -> Result<Self, Error> {
        let path = MerklePath {
            index: repr.index,
            siblings: repr.siblings.into_iter().map(|g| g.0).collect(),
        };
        path.validate(path.depth())?;
        Ok(path)
    }
}

impl MerklePath {
    /// The depth of the tree the path belongs to (its number of levels).
    pub fn depth(&self) -> u32 {
        u32::try_from(self.siblings.len()).unwrap_or(u32::MAX)
    }

    /// The node's position among its parent's children at each level, leaf first (zk-kit's
    /// `pathIndices`).
    pub fn positions(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.siblings.len()).map(|level| position(self.index, level))
    }

    /// The root reached from `leaf` along this path.
    pub fn root(&self, leaf: &Fr) -> Fr {
        self.siblings
            .iter()
            .zip(self.positions())
            .fold(*leaf, |cur, (siblings, position)| {
                hash_node(&children(cur, siblings, position))
            })
    }

    /// Whether `leaf` at this path's index leads to `root`.
    pub fn verify(&self, leaf: &Fr, root: &Fr) -> bool {
        self.root(leaf) == *root
    }

    /// The native membership check a holder runs before proving: fails with
    /// [`Error::NotInRegistry`] unless the path leads from `leaf` to `root` (a revoked
    /// credential, a stale path or another registry).
    pub fn check_membership(&self, leaf: &Fr, root: &Fr) -> Result<(), Error> {
        let reached = self.root(leaf);
        if reached == *root {
            return Ok(());
        }
        Err(Error::NotInRegistry {
            index: self.index,
            reached: fr_to_hex(&reached),
            root: fr_to_hex(root),
        })
    }

    /// Checks that the path fits a tree of depth `depth`: `depth` levels and `index < 4^depth`.
    pub fn validate(&self, depth: u32) -> Result<(), Error> {
        check_depth(depth)?;
        if self.siblings.len() != depth as usize {
            return Err(Error::Registry(format!(
                "path has {} levels, a tree of depth {depth} needs {depth}",
                self.siblings.len()
            )));
        }
        if self.index >= capacity_of(depth) {
            return Err(Error::Registry(format!(
                "path index {} is outside a tree of depth {depth}",
                self.index
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use ark_std::UniformRand;
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    use super::*;

    fn random_leaves(n: usize, seed: u64) -> Vec<Fr> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        (0..n).map(|_| Fr::rand(&mut rng)).collect()
    }

    fn h(children: &[Fr]) -> Fr {
        hash_node(&<[Fr; ARITY]>::try_from(children).unwrap())
    }

    /// The root of the full tree over `leaves` padded with zeros, computed naively.
    fn naive_root(depth: u32, leaves: &[Fr]) -> Fr {
        let mut level = leaves.to_vec();
        level.resize(1usize << (2 * depth), EMPTY_LEAF);
        while level.len() > 1 {
            level = level.chunks(ARITY).map(h).collect();
        }
        level[0]
    }

    #[test]
    fn zero_hashes_chain_and_give_empty_roots() {
        let z = zero_hashes();
        assert_eq!(z.len(), MAX_DEPTH as usize + 1);
        assert_eq!(z[0], Fr::from(0u8));
        for i in 0..MAX_DEPTH as usize {
            assert_eq!(z[i + 1], h(&[z[i]; 4]));
        }
        for depth in 1..=3 {
            assert_eq!(MerkleTree::new(depth).unwrap().root(), z[depth as usize]);
            assert_eq!(empty_root(depth).unwrap(), naive_root(depth, &[]));
        }
        assert!(empty_root(0).is_err());
        assert!(empty_root(MAX_DEPTH + 1).is_err());
    }

    #[test]
    fn new_rejects_unsupported_depths() {
        assert_eq!(
            MerkleTree::new(0),
            Err(Error::UnsupportedDepth { depth: 0, max: 16 })
        );
        assert_eq!(
            MerkleTree::new(MAX_DEPTH + 1),
            Err(Error::UnsupportedDepth { depth: 17, max: 16 })
        );
        assert!(MerkleTree::new(MAX_DEPTH).is_ok());
        assert_eq!(MerkleTree::new(DEFAULT_DEPTH).unwrap().capacity(), 1 << 32);
        assert_eq!(MerkleTree::new(3).unwrap().capacity(), 64);
    }

    #[test]
    fn append_matches_naive_root_and_every_path_verifies() {
        let depth = 2;
        let leaves = random_leaves(16, 1);
        let mut tree = MerkleTree::new(depth).unwrap();
        assert!(tree.is_empty());
        for (i, leaf) in leaves.iter().enumerate() {
            assert_eq!(tree.append(*leaf).unwrap(), i as u64);
            assert_eq!(tree.len(), i as u64 + 1);
            assert_eq!(tree.root(), naive_root(depth, &leaves[..=i]));
            // Every index, filled or not, has a path that verifies against the current root.
            for j in 0..tree.capacity() {
                let path = tree.path(j).unwrap();
                path.validate(depth).unwrap();
                let leaf = tree.leaf(j).unwrap_or(EMPTY_LEAF);
                assert!(path.verify(&leaf, &tree.root()), "leaf {j} after {i}");
                assert!(!path.verify(&Fr::from(7u8), &tree.root()));
            }
        }
        assert_eq!(tree, MerkleTree::from_leaves(depth, &leaves).unwrap());
    }

    #[test]
    fn from_leaves_matches_appends_for_every_length() {
        let leaves = random_leaves(64, 2);
        for n in 0..=64 {
            let mut appended = MerkleTree::new(3).unwrap();
            for leaf in &leaves[..n] {
                appended.append(*leaf).unwrap();
            }
            let built = MerkleTree::from_leaves(3, &leaves[..n]).unwrap();
            assert_eq!(built, appended, "{n} leaves");
            assert_eq!(built.root(), naive_root(3, &leaves[..n]));
        }
    }

    #[test]
    fn extend_matches_appends_from_every_starting_length() {
        let leaves = random_leaves(21, 11);
        for start in 0..=21 {
            for end in start..=21 {
                let mut tree = MerkleTree::from_leaves(3, &leaves[..start]).unwrap();
                let indices = tree.extend(&leaves[start..end]).unwrap();
                assert_eq!(indices, start as u64..end as u64);
                assert_eq!(tree, MerkleTree::from_leaves(3, &leaves[..end]).unwrap());
                assert_eq!(tree.root(), naive_root(3, &leaves[..end]));
            }
        }
    }

    #[test]
    fn extend_refuses_overflow_and_empty_leaves_without_changing_the_tree() {
        let mut tree = MerkleTree::from_leaves(1, &random_leaves(2, 12)).unwrap();
        let before = tree.clone();
        assert!(matches!(
            tree.extend(&random_leaves(3, 13)),
            Err(Error::TreeFull {
                depth: 1,
                capacity: 4
            })
        ));
        assert!(matches!(
            tree.extend(&[Fr::from(1u8), EMPTY_LEAF]),
            Err(Error::EmptyLeaf)
        ));
        assert_eq!(tree, before);
        assert_eq!(tree.extend(&random_leaves(2, 13)).unwrap(), 2..4);
        assert_eq!(tree.len(), tree.capacity());
    }

    #[test]
    fn extend_100k_leaves_at_the_default_depth_then_append_and_prove() {
        let leaves: Vec<Fr> = (1..=100_000u64).map(Fr::from).collect();
        let mut tree = MerkleTree::new(DEFAULT_DEPTH).unwrap();
        assert_eq!(tree.extend(&leaves).unwrap(), 0..100_000);
        let stored: usize = tree.levels.iter().map(Vec::len).sum();
        assert!(stored < leaves.len() * 4 / 3 + DEFAULT_DEPTH as usize + 1);
        let index = tree.append(Fr::from(7u8)).unwrap();
        assert_eq!(index, 100_000);
        for i in [0, 54_321, 99_999, 100_000] {
            let leaf = tree.leaf(i).unwrap();
            assert!(tree.path(i).unwrap().verify(&leaf, &tree.root()));
        }
        let mut all = leaves;
        all.push(Fr::from(7u8));
        assert_eq!(
            tree.root(),
            MerkleTree::from_leaves(DEFAULT_DEPTH, &all).unwrap().root()
        );
    }

    #[test]
    fn from_leaves_rejects_too_many_leaves() {
        let leaves = random_leaves(17, 3);
        assert!(matches!(
            MerkleTree::from_leaves(2, &leaves),
            Err(Error::TreeFull { .. })
        ));
        assert!(MerkleTree::from_leaves(0, &[]).is_err());
    }

    #[test]
    fn deep_tree_append_and_path_match_from_leaves() {
        let leaves = random_leaves(1000, 4);
        let mut tree = MerkleTree::new(DEFAULT_DEPTH).unwrap();
        for leaf in &leaves {
            tree.append(*leaf).unwrap();
        }
        let built = MerkleTree::from_leaves(DEFAULT_DEPTH, &leaves).unwrap();
        assert_eq!(tree.root(), built.root());
        // Memory is proportional to the leaves: each level holds its filled prefix only.
        let stored: usize = tree.levels.iter().map(Vec::len).sum();
        assert!(stored < leaves.len() * 4 / 3 + DEFAULT_DEPTH as usize + 1);
        for index in [0u64, 1, 511, 998, 999] {
            let path = tree.path(index).unwrap();
            assert_eq!(path.depth(), DEFAULT_DEPTH);
            assert!(path.verify(&leaves[index as usize], &tree.root()));
        }
        let last = tree.path(tree.capacity() - 1).unwrap();
        assert!(last.verify(&EMPTY_LEAF, &tree.root()));
        assert!(last.positions().all(|p| p == 3));
    }

    #[test]
    fn full_tree_refuses_append() {
        let mut tree = MerkleTree::from_leaves(1, &random_leaves(3, 5)).unwrap();
        assert_eq!(tree.append(Fr::from(9u8)).unwrap(), 3);
        assert_eq!(tree.len(), tree.capacity());
        let before = tree.clone();
        assert!(matches!(
            tree.append(Fr::from(10u8)),
            Err(Error::TreeFull { .. })
        ));
        assert_eq!(tree, before);
    }

    #[test]
    fn append_refuses_the_empty_leaf() {
        let mut tree = MerkleTree::new(3).unwrap();
        assert!(matches!(tree.append(EMPTY_LEAF), Err(Error::EmptyLeaf)));
        assert!(tree.is_empty());
    }

    #[test]
    fn out_of_range_indices_are_errors() {
        let mut tree = MerkleTree::from_leaves(2, &random_leaves(5, 6)).unwrap();
        assert_eq!(tree.leaf(5), None);
        assert_eq!(tree.leaf(u64::MAX), None);
        assert!(matches!(
            tree.set(5, Fr::from(1u8)),
            Err(Error::LeafNotAppended { index: 5, .. })
        ));
        assert!(matches!(
            tree.revoke(5),
            Err(Error::LeafNotAppended { index: 5, .. })
        ));
        assert!(matches!(
            tree.revoke(u64::MAX),
            Err(Error::LeafNotAppended { .. })
        ));
        assert!(matches!(
            tree.path(16),
            Err(Error::IndexOutOfRange { index: 16, .. })
        ));
        assert!(matches!(
            tree.path(u64::MAX),
            Err(Error::IndexOutOfRange { .. })
        ));
        assert!(tree.path(15).is_ok());
    }

    #[test]
    fn revoked_leaf_path_leads_to_new_root_from_zero() {
        let leaves = random_leaves(6, 7);
        let mut tree = MerkleTree::from_leaves(2, &leaves).unwrap();
        let old_root = tree.root();
        let old_path = tree.path(2).unwrap();
        tree.revoke(2).unwrap();
        assert_eq!(tree.leaf(2), Some(EMPTY_LEAF));
        assert_ne!(tree.root(), old_root);
        let mut expected = leaves.clone();
        expected[2] = EMPTY_LEAF;
        assert_eq!(tree.root(), naive_root(2, &expected));
        // The siblings do not change; the leaf does.
        let path = tree.path(2).unwrap();
        assert_eq!(path, old_path);
        assert_eq!(path.root(&EMPTY_LEAF), tree.root());
        assert!(!path.verify(&leaves[2], &tree.root()));
        assert!(old_path.verify(&leaves[2], &old_root));
        // Other leaves still verify against the new root.
        for i in [0u64, 1, 3, 4, 5] {
            assert!(tree
                .path(i)
                .unwrap()
                .verify(&leaves[i as usize], &tree.root()));
        }
        assert!(matches!(
            tree.revoke(2),
            Err(Error::AlreadyRevoked { index: 2 })
        ));
    }

    #[test]
    fn set_replaces_a_leaf() {
        let leaves = random_leaves(7, 8);
        let mut tree = MerkleTree::from_leaves(2, &leaves).unwrap();
        tree.set(5, Fr::from(42u8)).unwrap();
        let mut expected = leaves.clone();
        expected[5] = Fr::from(42u8);
        assert_eq!(tree, MerkleTree::from_leaves(2, &expected).unwrap());
    }

    #[test]
    fn the_index_digits_place_the_node_among_its_siblings() {
        // Index 0b10_01 = 9: position 1 at the leaf level, 2 at the next.
        let s = |a: u8, b: u8, c: u8| [Fr::from(a), Fr::from(b), Fr::from(c)];
        let path = MerklePath {
            index: 9,
            siblings: vec![s(1, 2, 3), s(4, 5, 6)],
        };
        assert_eq!(path.positions().collect::<Vec<_>>(), [1, 2]);
        let leaf = Fr::from(9u8);
        let level0 = h(&[Fr::from(1u8), leaf, Fr::from(2u8), Fr::from(3u8)]);
        let root = h(&[Fr::from(4u8), Fr::from(5u8), level0, Fr::from(6u8)]);
        assert_eq!(path.root(&leaf), root);
        for (position, expected) in [
            (0, [9u8, 1, 2, 3]),
            (1, [1, 9, 2, 3]),
            (2, [1, 2, 9, 3]),
            (3, [1, 2, 3, 9]),
        ] {
            assert_eq!(
                children(leaf, &s(1, 2, 3), position),
                expected.map(Fr::from)
            );
        }
    }

    #[test]
    fn path_validate_checks_depth_and_index() {
        let path = MerkleTree::new(2).unwrap().path(15).unwrap();
        assert!(path.validate(2).is_ok());
        assert!(path.validate(1).is_err());
        assert!(path.validate(3).is_err());
        assert!(path.validate(0).is_err());
        let mut bad = path.clone();
        bad.index = 16;
        assert!(bad.validate(2).is_err());
    }

    fn hex(x: u64) -> String {
        fr_to_hex(&Fr::from(x))
    }

    #[test]
    fn path_json_round_trips_in_groups_of_three() {
        let tree = MerkleTree::from_leaves(2, &random_leaves(6, 9)).unwrap();
        let path = tree.path(5).unwrap();
        let json = serde_json::to_value(&path).unwrap();
        assert_eq!(json["index"], 5);
        assert_eq!(json["siblings"].as_array().unwrap().len(), 2);
        assert_eq!(
            json["siblings"][1][2],
            serde_json::json!(fr_to_hex(&path.siblings[1][2]))
        );
        let back: MerklePath = serde_json::from_value(json).unwrap();
        assert_eq!(back, path);
    }

    #[test]
    fn malformed_path_json_is_rejected() {
        let g = |a: u64, b: u64, c: u64| format!(r#"["{}", "{}", "{}"]"#, hex(a), hex(b), hex(c));
        let ok = format!(
            r#"{{"index": 5, "siblings": [{}, {}]}}"#,
            g(1, 2, 3),
            g(4, 5, 6)
        );
        assert!(serde_json::from_str::<MerklePath>(&ok).is_ok());
        let r = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        let too_many = vec![vec![hex(1); 3]; MAX_DEPTH as usize + 1];
        for bad in [
            // No levels.
            r#"{"index": 0, "siblings": []}"#.to_string(),
            // Too many levels.
            serde_json::json!({"index": 0, "siblings": too_many}).to_string(),
            // Index outside 4^levels.
            format!(
                r#"{{"index": 16, "siblings": [{}, {}]}}"#,
                g(1, 2, 3),
                g(4, 5, 6)
            ),
            // Two or four siblings at a level, or a flat list.
            format!(
                r#"{{"index": 0, "siblings": [["{}", "{}"]]}}"#,
                hex(1),
                hex(2)
            ),
            format!(
                r#"{{"index": 0, "siblings": [["{}", "{}", "{}", "{}"]]}}"#,
                hex(1),
                hex(2),
                hex(3),
                hex(4)
            ),
            format!(
                r#"{{"index": 0, "siblings": ["{}", "{}", "{}"]}}"#,
                hex(1),
                hex(2),
                hex(3)
            ),
            // Non-canonical (r itself), short, unprefixed hex.
            format!(
                r#"{{"index": 0, "siblings": [["{r}", "{}", "{}"]]}}"#,
                hex(1),
                hex(2)
            ),
            format!(
                r#"{{"index": 0, "siblings": [["0x01", "{}", "{}"]]}}"#,
                hex(1),
                hex(2)
            ),
            format!(
                r#"{{"index": 0, "siblings": [["{}", "{}", "{}"]]}}"#,
                &hex(1)[2..],
                hex(2),
                hex(3)
            ),
            // Negative or string index, missing or unknown fields.
            format!(r#"{{"index": -1, "siblings": [{}]}}"#, g(1, 2, 3)),
            format!(r#"{{"index": "0", "siblings": [{}]}}"#, g(1, 2, 3)),
            format!(r#"{{"siblings": [{}]}}"#, g(1, 2, 3)),
            format!(r#"{{"index": 0, "siblings": [{}], "leaf": 1}}"#, g(1, 2, 3)),
            "[]".to_string(),
        ] {
            assert!(serde_json::from_str::<MerklePath>(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn malformed_tree_json_is_rejected() {
        let r = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        let five = (1..=5).map(hex).collect::<Vec<_>>();
        for bad in [
            r#"{"depth": 0, "leaves": []}"#.to_string(),
            r#"{"depth": 17, "leaves": []}"#.to_string(),
            serde_json::json!({"depth": 1, "leaves": five}).to_string(),
            format!(r#"{{"depth": 2, "leaves": ["{r}"]}}"#),
            format!(r#"{{"depth": 2, "leaves": [], "root": "{}"}}"#, hex(1)),
            r#"{"depth": 2}"#.to_string(),
        ] {
            assert!(serde_json::from_str::<MerkleTree>(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn membership_check_names_the_root_reached() {
        let leaves = random_leaves(3, 21);
        let mut tree = MerkleTree::from_leaves(4, &leaves).unwrap();
        let path = tree.path(1).unwrap();
        assert_eq!(path.check_membership(&leaves[1], &tree.root()), Ok(()));
        let before = tree.root();
        tree.revoke(1).unwrap();
        assert_eq!(
            path.check_membership(&leaves[1], &tree.root()),
            Err(Error::NotInRegistry {
                index: 1,
                reached: fr_to_hex(&before),
                root: fr_to_hex(&tree.root()),
            })
        );
    }
}
