//! Registry Merkle tree (native).
//!
//! The issuer's registry is a fixed-depth binary Merkle tree: node = Poseidon(left, right)
//! ([`crate::poseidon::hash2`], untagged), empty leaf = 0, leaves filled left to right. This is the
//! tree of `@zk-kit/incremental-merkle-tree` with zero value 0, so its roots can be recomputed by
//! JS and Solidity tools.
//!
//! - [`MerkleTree`] stores only the filled part of each level and takes the rest from the
//!   [`zero_hashes`] table, so memory grows with the number of leaves, not with `2^depth`, and an
//!   update costs `depth` hashes.
//! - [`MerklePath`] is what a holder keeps: the leaf index and the siblings from the leaf up.
//! - [`RootHistory`] accepts a root for a freshness window counted from the moment it was
//!   *replaced*, as the on-chain registry does.
//! - [`Registry`] ties a tree to its root history: every change publishes the new root.

#[cfg(feature = "r1cs")]
pub mod constraints;

use std::{ops::Range, sync::OnceLock};

use ark_ff::AdditiveGroup;
use serde::{Deserialize, Serialize};

use crate::{
    field::{fr_to_hex, serde_fr, serde_fr_vec},
    poseidon::hash2,
    Error, Fr,
};

/// The depth used when none is chosen: 2^32 leaves, about four billion credentials.
pub const DEFAULT_DEPTH: u32 = 32;

/// The largest supported depth.
pub const MAX_DEPTH: u32 = 32;

/// The empty value of a leaf (a revoked or never-filled slot).
pub const EMPTY_LEAF: Fr = Fr::ZERO;

/// Number of entries in the [`zero_hashes`] table.
const ZERO_LEVELS: usize = MAX_DEPTH as usize + 1;

/// The hashes of empty subtrees: `zero[0] = 0`, `zero[i + 1] = H(zero[i], zero[i])`, for levels
/// `0..=MAX_DEPTH` (computed once). `zero[d]` is the root of the empty tree of depth `d`.
pub fn zero_hashes() -> &'static [Fr] {
    static TABLE: OnceLock<[Fr; ZERO_LEVELS]> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = [EMPTY_LEAF; ZERO_LEVELS];
        for i in 1..ZERO_LEVELS {
            table[i] = hash2(&table[i - 1], &table[i - 1]);
        }
        table
    })
}

/// The root of the empty tree of depth `depth` (`1..=MAX_DEPTH`).
pub fn empty_root(depth: u32) -> Result<Fr, Error> {
    check_depth(depth)?;
    Ok(zero(depth as usize))
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
        Err(Error::Registry(format!(
            "depth {depth} is not supported (1 to {MAX_DEPTH})"
        )))
    }
}

fn to_usize(index: u64) -> Result<usize, Error> {
    usize::try_from(index)
        .map_err(|_| Error::Registry(format!("index {index} does not fit this platform")))
}

/// Bit `level` of `index` (0 when `level >= 64`).
fn bit(index: u64, level: usize) -> bool {
    u32::try_from(level)
        .ok()
        .and_then(|l| index.checked_shr(l))
        .is_some_and(|x| x & 1 == 1)
}

// ---------------------------------------------------------------------------------------------
// Tree
// ---------------------------------------------------------------------------------------------

/// A fixed-depth binary Merkle tree filled left to right, with empty leaf 0.
///
/// Level 0 holds the leaves and level `depth` the root. Each level stores only its filled prefix
/// (`ceil(len / 2^level)` nodes); the other nodes are [`zero_hashes`]. Serialized as its depth and
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
    /// for instance revoked ones). Costs about `2 * len + depth` hashes, less than appending one
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

    /// The number of leaves the tree can hold, `2^depth`.
    pub fn capacity(&self) -> u64 {
        1u64 << self.depth
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
        if leaf == EMPTY_LEAF {
            return Err(Error::Registry(
                "cannot append the empty leaf 0 (it marks revoked slots)".into(),
            ));
        }
        let index = self.len();
        if index >= self.capacity() {
            return Err(Error::Registry(format!(
                "the tree of depth {} is full ({} leaves)",
                self.depth,
                self.capacity()
            )));
        }
        self.update(to_usize(index)?, leaf)?;
        Ok(index)
    }

    /// Appends `leaves` in the next free slots and returns their indices. Rehashes each changed
    /// node once: about `2 * leaves.len() + depth` hashes, where appending one by one costs
    /// `depth` per leaf.
    ///
    /// Fails, changing nothing, when they do not fit or one of them is the empty value 0.
    pub fn extend(&mut self, leaves: &[Fr]) -> Result<Range<u64>, Error> {
        if let Some(i) = leaves.iter().position(|leaf| *leaf == EMPTY_LEAF) {
            return Err(Error::Registry(format!(
                "cannot append the empty leaf 0 (it marks revoked slots), found at position {i}"
            )));
        }
        self.extend_unchecked(leaves)
    }

    /// Replaces the leaf at `index` (which must have been appended). Costs `depth` hashes.
    pub fn set(&mut self, index: u64, leaf: Fr) -> Result<(), Error> {
        if index >= self.len() {
            return Err(Error::Registry(format!(
                "leaf {index} has not been appended ({} leaves)",
                self.len()
            )));
        }
        self.update(to_usize(index)?, leaf)
    }

    /// Revokes the leaf at `index`: sets it to the empty value 0. Fails if it was not appended or
    /// is already empty.
    pub fn revoke(&mut self, index: u64) -> Result<(), Error> {
        match self.leaf(index) {
            None => Err(Error::Registry(format!(
                "cannot revoke leaf {index}: it has not been appended ({} leaves)",
                self.len()
            ))),
            Some(leaf) if leaf == EMPTY_LEAF => {
                Err(Error::Registry(format!("leaf {index} is already revoked")))
            }
            Some(_) => self.set(index, EMPTY_LEAF),
        }
    }

    /// The authentication path of the leaf at `index` (`< 2^depth`). A path to a slot that was not
    /// appended yet leads from the empty leaf 0.
    pub fn path(&self, index: u64) -> Result<MerklePath, Error> {
        if index >= self.capacity() {
            return Err(Error::Registry(format!(
                "index {index} is outside a tree of depth {} ({} leaves)",
                self.depth,
                self.capacity()
            )));
        }
        let siblings = (0..self.depth as usize)
            .map(|level| {
                // `index < 2^depth <= 2^32`, so the shift and the `usize` are in range.
                let j = to_usize((index >> level) ^ 1)?;
                Ok(self.node(level, j))
            })
            .collect::<Result<Vec<Fr>, Error>>()?;
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
            .ok_or_else(|| {
                Error::Registry(format!(
                    "{} more leaves do not fit a tree of depth {} ({} of {} slots used)",
                    leaves.len(),
                    self.depth,
                    start,
                    self.capacity()
                ))
            })?;
        let levels = self.depth as usize;
        let leaf_level = self
            .levels
            .first_mut()
            .ok_or_else(|| Error::Registry("the tree has no leaf level".into()))?;
        leaf_level.extend_from_slice(leaves);
        // Positions `from..` of `level` changed; their parents are `from / 2..`.
        let mut from = to_usize(start)?;
        for level in 0..levels {
            let filled = self.levels.get(level).map_or(0, Vec::len);
            let parents = from / 2..filled.div_ceil(2);
            for j in parents.clone() {
                let node = hash2(&self.node(level, 2 * j), &self.node(level, 2 * j + 1));
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
        let mut cur = leaf;
        for level in 0..self.depth as usize {
            let sibling = self.node(level, j ^ 1);
            cur = if j & 1 == 0 {
                hash2(&cur, &sibling)
            } else {
                hash2(&sibling, &cur)
            };
            j >>= 1;
            self.put(level + 1, j, cur)?;
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

/// The authentication path of one leaf: its index and the sibling at each level, leaf first.
///
/// Bit `i` of `index` (little-endian) set means the current node is the right child at level `i`.
/// JSON: `{"index": 5, "siblings": ["0x…", …]}`; decoding requires 1 to `MAX_DEPTH` canonical
/// siblings and an index below `2^siblings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "PathRepr")]
pub struct MerklePath {
    /// The leaf's position, `< 2^depth`.
    pub index: u64,
    /// The sibling at each level, from the leaf's sibling up to the root's children.
    #[serde(with = "serde_fr_vec")]
    pub siblings: Vec<Fr>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathRepr {
    index: u64,
    #[serde(with = "serde_fr_vec")]
    siblings: Vec<Fr>,
}

impl TryFrom<PathRepr> for MerklePath {
    type Error = Error;

    fn try_from(repr: PathRepr) -> Result<Self, Error> {
        let path = MerklePath {
            index: repr.index,
            siblings: repr.siblings,
        };
        path.validate(path.depth())?;
        Ok(path)
    }
}

impl MerklePath {
    /// The depth of the tree the path belongs to (its number of siblings).
    pub fn depth(&self) -> u32 {
        u32::try_from(self.siblings.len()).unwrap_or(u32::MAX)
    }

    /// The root reached from `leaf` along this path.
    pub fn root(&self, leaf: &Fr) -> Fr {
        self.siblings
            .iter()
            .enumerate()
            .fold(*leaf, |cur, (level, sibling)| {
                if bit(self.index, level) {
                    hash2(sibling, &cur)
                } else {
                    hash2(&cur, sibling)
                }
            })
    }

    /// Whether `leaf` at this path's index leads to `root`.
    pub fn verify(&self, leaf: &Fr, root: &Fr) -> bool {
        self.root(leaf) == *root
    }

    /// Checks that the path fits a tree of depth `depth`: `depth` siblings and `index < 2^depth`.
    pub fn validate(&self, depth: u32) -> Result<(), Error> {
        check_depth(depth)?;
        if self.siblings.len() != depth as usize {
            return Err(Error::Registry(format!(
                "path has {} siblings, a tree of depth {depth} needs {depth}",
                self.siblings.len()
            )));
        }
        if self.index >= 1u64 << depth {
            return Err(Error::Registry(format!(
                "path index {} is outside a tree of depth {depth}",
                self.index
            )));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Root history
// ---------------------------------------------------------------------------------------------

/// One published root and when it was published and replaced (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootEntry {
    /// The root.
    #[serde(with = "serde_fr")]
    pub root: Fr,
    /// When it was published.
    pub published_at: u64,
    /// When the next root replaced it; `None` for the current root.
    pub replaced_at: Option<u64>,
}

/// The roots an issuer has published, oldest first, with the freshness window.
///
/// The current root is always accepted. A replaced root stays accepted for `window_secs` seconds
/// after it was *replaced* (not after it was published), so a holder whose credential was issued
/// just before another one was appended is not locked out; after the window only newer roots
/// verify, which is what makes revocation take effect. Decoding checks that the entries form one
/// history (times non-decreasing, each replaced exactly when the next was published).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "HistoryRepr")]
pub struct RootHistory {
    window_secs: u64,
    entries: Vec<RootEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryRepr {
    window_secs: u64,
    entries: Vec<RootEntry>,
}

impl TryFrom<HistoryRepr> for RootHistory {
    type Error = Error;

    fn try_from(repr: HistoryRepr) -> Result<Self, Error> {
        let mut next = repr.entries.iter().skip(1);
        for (i, entry) in repr.entries.iter().enumerate() {
            match (next.next(), entry.replaced_at) {
                (Some(after), Some(replaced_at)) => {
                    if replaced_at < entry.published_at || after.published_at != replaced_at {
                        return Err(Error::Registry(format!(
                            "root history entry {i} is replaced at {replaced_at}, not when the \
                             next root was published ({}) or before it was published ({})",
                            after.published_at, entry.published_at
                        )));
                    }
                    if after.root == entry.root {
                        return Err(Error::Registry(format!(
                            "root history entries {i} and {} repeat the same root",
                            i + 1
                        )));
                    }
                }
                (Some(_), None) => {
                    return Err(Error::Registry(format!(
                        "root history entry {i} is not the last but has no replacement time"
                    )))
                }
                (None, Some(_)) => {
                    return Err(Error::Registry(
                        "the current (last) root of a history cannot have a replacement time"
                            .into(),
                    ))
                }
                (None, None) => {}
            }
        }
        Ok(RootHistory {
            window_secs: repr.window_secs,
            entries: repr.entries,
        })
    }
}

impl RootHistory {
    /// An empty history whose replaced roots stay accepted for `window_secs` seconds.
    pub fn new(window_secs: u64) -> Self {
        Self {
            window_secs,
            entries: Vec::new(),
        }
    }

    /// The freshness window, in seconds.
    pub fn window_secs(&self) -> u64 {
        self.window_secs
    }

    /// Every published root, oldest first; the last one is current.
    pub fn entries(&self) -> &[RootEntry] {
        &self.entries
    }

    /// The current root, if any was published.
    pub fn current(&self) -> Option<Fr> {
        self.entries.last().map(|e| e.root)
    }

    /// Fails if `at` is earlier than the last publication.
    fn check_time(&self, at: u64) -> Result<(), Error> {
        match self.entries.last() {
            Some(last) if at < last.published_at => Err(Error::Registry(format!(
                "cannot publish at {at}: the current root was published later, at {}",
                last.published_at
            ))),
            _ => Ok(()),
        }
    }

    /// Publishes `root` at time `at` (unix seconds), marking the current root replaced at `at`.
    /// Publishing the current root again changes nothing. Fails if `at` is earlier than the last
    /// publication.
    pub fn publish(&mut self, root: Fr, at: u64) -> Result<(), Error> {
        self.check_time(at)?;
        if let Some(last) = self.entries.last_mut() {
            if last.root == root {
                return Ok(());
            }
            last.replaced_at = Some(at);
        }
        self.entries.push(RootEntry {
            root,
            published_at: at,
            replaced_at: None,
        });
        Ok(())
    }

    /// Whether a proof against `root` is accepted at time `now` (unix seconds): the current root
    /// always is; a replaced root is if it was published at or before `now` and
    /// `now < replaced_at + window_secs`.
    pub fn is_accepted(&self, root: &Fr, now: u64) -> bool {
        if self.current() == Some(*root) {
            return true;
        }
        self.entries.iter().any(|e| {
            e.root == *root
                && e.published_at <= now
                && e.replaced_at
                    .is_some_and(|t| now < t.saturating_add(self.window_secs))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

/// The issuer's registry: the tree of credential commitments and the history of its roots.
/// Every change to the tree publishes the new root at the time given.
///
/// Serialized as `{"tree": …, "history": …}`; decoding checks that the history's current root is
/// the tree's root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "RegistryRepr")]
pub struct Registry {
    tree: MerkleTree,
    history: RootHistory,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryRepr {
    tree: MerkleTree,
    history: RootHistory,
}

impl TryFrom<RegistryRepr> for Registry {
    type Error = Error;

    fn try_from(repr: RegistryRepr) -> Result<Self, Error> {
        Registry::from_parts(repr.tree, repr.history)
    }
}

impl Registry {
    /// An empty registry of depth `depth` whose replaced roots stay accepted for `window_secs`.
    /// No root is published until the first change.
    pub fn new(depth: u32, window_secs: u64) -> Result<Self, Error> {
        Ok(Self {
            tree: MerkleTree::new(depth)?,
            history: RootHistory::new(window_secs),
        })
    }

    /// A registry from a stored tree and history; fails if the history's current root is not the
    /// tree's root.
    pub fn from_parts(tree: MerkleTree, history: RootHistory) -> Result<Self, Error> {
        if let Some(current) = history.current() {
            if current != tree.root() {
                return Err(Error::Registry(format!(
                    "the history's current root {} is not the tree's root {}",
                    fr_to_hex(&current),
                    fr_to_hex(&tree.root())
                )));
            }
        }
        Ok(Self { tree, history })
    }

    /// Appends a commitment at time `at` and publishes the new root; returns the leaf index.
    /// Nothing changes if it fails.
    pub fn append(&mut self, leaf: Fr, at: u64) -> Result<u64, Error> {
        self.history.check_time(at)?;
        let index = self.tree.append(leaf)?;
        self.history.publish(self.tree.root(), at)?;
        Ok(index)
    }

    /// Appends several commitments at time `at` and publishes one new root; returns their
    /// indices. Much cheaper than appending one by one (see [`MerkleTree::extend`]). Nothing
    /// changes if it fails.
    pub fn extend(&mut self, leaves: &[Fr], at: u64) -> Result<Range<u64>, Error> {
        self.history.check_time(at)?;
        let indices = self.tree.extend(leaves)?;
        self.history.publish(self.tree.root(), at)?;
        Ok(indices)
    }

    /// Revokes the leaf at `index` at time `at` and publishes the new root. Nothing changes if it
    /// fails.
    pub fn revoke(&mut self, index: u64, at: u64) -> Result<(), Error> {
        self.history.check_time(at)?;
        self.tree.revoke(index)?;
        self.history.publish(self.tree.root(), at)
    }

    /// The tree's root (the last published one, once anything was published).
    pub fn root(&self) -> Fr {
        self.tree.root()
    }

    /// The authentication path of the leaf at `index`.
    pub fn path(&self, index: u64) -> Result<MerklePath, Error> {
        self.tree.path(index)
    }

    /// The tree.
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
    }

    /// The history of published roots.
    pub fn history(&self) -> &RootHistory {
        &self.history
    }

    /// Whether a proof against `root` is accepted at time `now` (see [`RootHistory::is_accepted`]).
    pub fn is_accepted(&self, root: &Fr, now: u64) -> bool {
        self.history.is_accepted(root, now)
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

    /// The root of the full tree over `leaves` padded with zeros, computed naively.
    fn naive_root(depth: u32, leaves: &[Fr]) -> Fr {
        let mut level = leaves.to_vec();
        level.resize(1usize << depth, EMPTY_LEAF);
        while level.len() > 1 {
            level = level.chunks(2).map(|p| hash2(&p[0], &p[1])).collect();
        }
        level[0]
    }

    #[test]
    fn zero_hashes_chain_and_give_empty_roots() {
        let z = zero_hashes();
        assert_eq!(z.len(), MAX_DEPTH as usize + 1);
        assert_eq!(z[0], Fr::from(0u8));
        for i in 0..MAX_DEPTH as usize {
            assert_eq!(z[i + 1], hash2(&z[i], &z[i]));
        }
        for depth in 1..=4 {
            assert_eq!(MerkleTree::new(depth).unwrap().root(), z[depth as usize]);
            assert_eq!(empty_root(depth).unwrap(), naive_root(depth, &[]));
        }
        assert!(empty_root(0).is_err());
        assert!(empty_root(MAX_DEPTH + 1).is_err());
    }

    #[test]
    fn new_rejects_unsupported_depths() {
        assert!(matches!(MerkleTree::new(0), Err(Error::Registry(_))));
        assert!(matches!(
            MerkleTree::new(MAX_DEPTH + 1),
            Err(Error::Registry(_))
        ));
        assert!(MerkleTree::new(MAX_DEPTH).is_ok());
        assert_eq!(MerkleTree::new(DEFAULT_DEPTH).unwrap().capacity(), 1 << 32);
    }

    #[test]
    fn append_matches_naive_root_and_every_path_verifies() {
        let depth = 4;
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
        let leaves = random_leaves(8, 2);
        for n in 0..=8 {
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
        let leaves = random_leaves(13, 11);
        for start in 0..=13 {
            for end in start..=13 {
                let mut tree = MerkleTree::from_leaves(4, &leaves[..start]).unwrap();
                let indices = tree.extend(&leaves[start..end]).unwrap();
                assert_eq!(indices, start as u64..end as u64);
                assert_eq!(tree, MerkleTree::from_leaves(4, &leaves[..end]).unwrap());
                assert_eq!(tree.root(), naive_root(4, &leaves[..end]));
            }
        }
    }

    #[test]
    fn extend_refuses_overflow_and_empty_leaves_without_changing_the_tree() {
        let mut tree = MerkleTree::from_leaves(3, &random_leaves(5, 12)).unwrap();
        let before = tree.clone();
        assert!(matches!(
            tree.extend(&random_leaves(4, 13)),
            Err(Error::Registry(_))
        ));
        assert!(matches!(
            tree.extend(&[Fr::from(1u8), EMPTY_LEAF]),
            Err(Error::Registry(_))
        ));
        assert_eq!(tree, before);
        assert_eq!(tree.extend(&random_leaves(3, 13)).unwrap(), 5..8);
        assert_eq!(tree.len(), tree.capacity());
    }

    #[test]
    fn extend_100k_leaves_at_depth_32_then_append_and_prove() {
        let leaves: Vec<Fr> = (1..=100_000u64).map(Fr::from).collect();
        let mut tree = MerkleTree::new(DEFAULT_DEPTH).unwrap();
        assert_eq!(tree.extend(&leaves).unwrap(), 0..100_000);
        let stored: usize = tree.levels.iter().map(Vec::len).sum();
        assert!(stored < 2 * leaves.len() + DEFAULT_DEPTH as usize + 1);
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
        let leaves = random_leaves(9, 3);
        assert!(matches!(
            MerkleTree::from_leaves(3, &leaves),
            Err(Error::Registry(_))
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
        assert!(stored < 2 * leaves.len() + DEFAULT_DEPTH as usize + 1);
        for index in [0u64, 1, 511, 998, 999] {
            let path = tree.path(index).unwrap();
            assert_eq!(path.depth(), DEFAULT_DEPTH);
            assert!(path.verify(&leaves[index as usize], &tree.root()));
        }
        let last = tree.path(tree.capacity() - 1).unwrap();
        assert!(last.verify(&EMPTY_LEAF, &tree.root()));
    }

    #[test]
    fn full_tree_refuses_append() {
        let mut tree = MerkleTree::from_leaves(2, &random_leaves(3, 5)).unwrap();
        assert_eq!(tree.append(Fr::from(9u8)).unwrap(), 3);
        assert_eq!(tree.len(), tree.capacity());
        let before = tree.clone();
        assert!(matches!(
            tree.append(Fr::from(10u8)),
            Err(Error::Registry(_))
        ));
        assert_eq!(tree, before);
    }

    #[test]
    fn append_refuses_the_empty_leaf() {
        let mut tree = MerkleTree::new(3).unwrap();
        assert!(matches!(tree.append(EMPTY_LEAF), Err(Error::Registry(_))));
        assert!(tree.is_empty());
    }

    #[test]
    fn out_of_range_indices_are_errors() {
        let mut tree = MerkleTree::from_leaves(3, &random_leaves(5, 6)).unwrap();
        assert_eq!(tree.leaf(5), None);
        assert_eq!(tree.leaf(u64::MAX), None);
        assert!(matches!(
            tree.set(5, Fr::from(1u8)),
            Err(Error::Registry(_))
        ));
        assert!(matches!(tree.revoke(5), Err(Error::Registry(_))));
        assert!(matches!(tree.revoke(u64::MAX), Err(Error::Registry(_))));
        assert!(matches!(tree.path(8), Err(Error::Registry(_))));
        assert!(matches!(tree.path(u64::MAX), Err(Error::Registry(_))));
        assert!(tree.path(7).is_ok());
    }

    #[test]
    fn revoked_leaf_path_leads_to_new_root_from_zero() {
        let leaves = random_leaves(6, 7);
        let mut tree = MerkleTree::from_leaves(3, &leaves).unwrap();
        let old_root = tree.root();
        let old_path = tree.path(2).unwrap();
        tree.revoke(2).unwrap();
        assert_eq!(tree.leaf(2), Some(EMPTY_LEAF));
        assert_ne!(tree.root(), old_root);
        let mut expected = leaves.clone();
        expected[2] = EMPTY_LEAF;
        assert_eq!(tree.root(), naive_root(3, &expected));
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
        assert!(matches!(tree.revoke(2), Err(Error::Registry(_))));
    }

    #[test]
    fn set_replaces_a_leaf() {
        let leaves = random_leaves(4, 8);
        let mut tree = MerkleTree::from_leaves(2, &leaves).unwrap();
        tree.set(1, Fr::from(42u8)).unwrap();
        let mut expected = leaves.clone();
        expected[1] = Fr::from(42u8);
        assert_eq!(tree, MerkleTree::from_leaves(2, &expected).unwrap());
    }

    #[test]
    fn path_bit_set_means_right_child() {
        let path = MerklePath {
            index: 0b10,
            siblings: vec![Fr::from(1u8), Fr::from(2u8)],
        };
        let leaf = Fr::from(5u8);
        let level0 = hash2(&leaf, &Fr::from(1u8));
        assert_eq!(path.root(&leaf), hash2(&Fr::from(2u8), &level0));
    }

    #[test]
    fn path_validate_checks_depth_and_index() {
        let path = MerkleTree::new(4).unwrap().path(15).unwrap();
        assert!(path.validate(4).is_ok());
        assert!(path.validate(3).is_err());
        assert!(path.validate(5).is_err());
        assert!(path.validate(0).is_err());
        let mut bad = path.clone();
        bad.index = 16;
        assert!(bad.validate(4).is_err());
    }

    #[test]
    fn history_accepts_replaced_root_until_window_ends() {
        let (t0, t, w) = (1_000, 5_000, 600);
        let (a, b) = (Fr::from(1u8), Fr::from(2u8));
        let mut h = RootHistory::new(w);
        assert_eq!(h.current(), None);
        h.publish(a, t0).unwrap();
        assert!(h.is_accepted(&a, t0));
        h.publish(b, t).unwrap();
        assert_eq!(h.current(), Some(b));
        assert_eq!(h.entries()[0].replaced_at, Some(t));
        assert!(h.is_accepted(&a, t));
        assert!(h.is_accepted(&a, t + w - 1));
        assert!(!h.is_accepted(&a, t + w));
        // Not accepted before it was published.
        assert!(!h.is_accepted(&a, t0 - 1));
        // The current root always is.
        assert!(h.is_accepted(&b, t + w));
        assert!(h.is_accepted(&b, u64::MAX));
        // A root never published is not.
        assert!(!h.is_accepted(&Fr::from(3u8), t));
        assert_eq!(h.window_secs(), w);
    }

    #[test]
    fn history_window_does_not_overflow() {
        let mut h = RootHistory::new(u64::MAX);
        h.publish(Fr::from(1u8), 10).unwrap();
        h.publish(Fr::from(2u8), 20).unwrap();
        assert!(h.is_accepted(&Fr::from(1u8), u64::MAX - 1));
    }

    #[test]
    fn history_refuses_time_going_back_and_ignores_republishing() {
        let mut h = RootHistory::new(60);
        h.publish(Fr::from(1u8), 100).unwrap();
        h.publish(Fr::from(1u8), 200).unwrap();
        assert_eq!(h.entries().len(), 1);
        assert!(matches!(
            h.publish(Fr::from(2u8), 99),
            Err(Error::Registry(_))
        ));
        h.publish(Fr::from(2u8), 100).unwrap();
        assert_eq!(h.entries().len(), 2);
    }

    #[test]
    fn registry_publishes_every_change_and_revocation_expires() {
        let w = 3_600;
        let mut reg = Registry::new(20, w).unwrap();
        let leaves = random_leaves(3, 9);
        for (i, leaf) in leaves.iter().enumerate() {
            assert_eq!(reg.append(*leaf, 100 + i as u64).unwrap(), i as u64);
        }
        assert_eq!(reg.history().entries().len(), 3);
        assert_eq!(reg.history().current(), Some(reg.root()));
        let before = reg.root();
        let path = reg.path(1).unwrap();
        assert!(path.verify(&leaves[1], &before));

        reg.revoke(1, 1_000).unwrap();
        assert_eq!(reg.tree().leaf(1), Some(EMPTY_LEAF));
        assert!(reg.is_accepted(&reg.root(), 1_000));
        assert!(reg.is_accepted(&before, 1_000 + w - 1));
        assert!(!reg.is_accepted(&before, 1_000 + w));

        // A failed change leaves the registry as it was.
        let snapshot = reg.clone();
        assert!(reg.append(Fr::from(5u8), 999).is_err());
        assert!(reg.revoke(1, 2_000).is_err());
        assert!(reg.revoke(7, 2_000).is_err());
        assert_eq!(reg, snapshot);
        assert!(Registry::new(0, w).is_err());
    }

    #[test]
    fn registry_extend_publishes_one_root() {
        let mut reg = Registry::new(8, 60).unwrap();
        reg.append(Fr::from(1u8), 10).unwrap();
        let first = reg.root();
        assert_eq!(reg.extend(&random_leaves(20, 14), 20).unwrap(), 1..21);
        assert_eq!(reg.history().entries().len(), 2);
        assert_eq!(reg.history().current(), Some(reg.root()));
        assert!(reg.is_accepted(&first, 79));
        assert!(!reg.is_accepted(&first, 80));
        let snapshot = reg.clone();
        assert!(reg.extend(&[Fr::from(3u8)], 19).is_err());
        assert!(reg.extend(&[EMPTY_LEAF], 30).is_err());
        assert_eq!(reg, snapshot);
    }

    #[test]
    fn registry_from_parts_checks_the_current_root() {
        let mut reg = Registry::new(4, 60).unwrap();
        reg.append(Fr::from(1u8), 1).unwrap();
        let rebuilt = Registry::from_parts(reg.tree().clone(), reg.history().clone()).unwrap();
        assert_eq!(rebuilt, reg);
        let other = MerkleTree::new(4).unwrap();
        assert!(matches!(
            Registry::from_parts(other, reg.history().clone()),
            Err(Error::Registry(_))
        ));
    }

    #[test]
    fn serde_round_trips() {
        let mut reg = Registry::new(5, 60).unwrap();
        for (i, leaf) in random_leaves(7, 10).into_iter().enumerate() {
            reg.append(leaf, i as u64 * 10).unwrap();
        }
        reg.revoke(3, 100).unwrap();

        let json = serde_json::to_string(&reg).unwrap();
        assert_eq!(serde_json::from_str::<Registry>(&json).unwrap(), reg);

        let tree_json = serde_json::to_value(reg.tree()).unwrap();
        assert_eq!(tree_json["depth"], 5);
        assert_eq!(tree_json["leaves"].as_array().unwrap().len(), 7);
        let tree: MerkleTree = serde_json::from_value(tree_json).unwrap();
        assert_eq!(&tree, reg.tree());

        let path = reg.path(4).unwrap();
        let path_json = serde_json::to_value(&path).unwrap();
        assert_eq!(path_json["index"], 4);
        assert_eq!(path_json["siblings"][0], fr_to_hex(&path.siblings[0]));
        assert_eq!(
            serde_json::from_value::<MerklePath>(path_json).unwrap(),
            path
        );

        let history: RootHistory =
            serde_json::from_str(&serde_json::to_string(reg.history()).unwrap()).unwrap();
        assert_eq!(&history, reg.history());
    }

    fn hex(x: u64) -> String {
        fr_to_hex(&Fr::from(x))
    }

    #[test]
    fn malformed_path_json_is_rejected() {
        let ok = format!(
            r#"{{"index": 1, "siblings": ["{}", "{}"]}}"#,
            hex(1),
            hex(2)
        );
        assert!(serde_json::from_str::<MerklePath>(&ok).is_ok());
        let r = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        let too_many = vec![hex(1); MAX_DEPTH as usize + 1];
        for bad in [
            // No siblings.
            r#"{"index": 0, "siblings": []}"#.to_string(),
            // Too many siblings.
            serde_json::json!({"index": 0, "siblings": too_many}).to_string(),
            // Index outside 2^siblings.
            format!(
                r#"{{"index": 4, "siblings": ["{}", "{}"]}}"#,
                hex(1),
                hex(2)
            ),
            // Non-canonical (r itself), short, unprefixed hex.
            format!(r#"{{"index": 0, "siblings": ["{r}"]}}"#),
            r#"{"index": 0, "siblings": ["0x01"]}"#.to_string(),
            format!(r#"{{"index": 0, "siblings": ["{}"]}}"#, &hex(1)[2..]),
            // Negative or string index, missing or unknown fields.
            format!(r#"{{"index": -1, "siblings": ["{}"]}}"#, hex(1)),
            format!(r#"{{"index": "0", "siblings": ["{}"]}}"#, hex(1)),
            format!(r#"{{"siblings": ["{}"]}}"#, hex(1)),
            format!(r#"{{"index": 0, "siblings": ["{}"], "leaf": 1}}"#, hex(1)),
            "[]".to_string(),
        ] {
            assert!(serde_json::from_str::<MerklePath>(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn malformed_tree_json_is_rejected() {
        let r = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        for bad in [
            r#"{"depth": 0, "leaves": []}"#.to_string(),
            r#"{"depth": 33, "leaves": []}"#.to_string(),
            format!(
                r#"{{"depth": 1, "leaves": ["{}", "{}", "{}"]}}"#,
                hex(1),
                hex(2),
                hex(3)
            ),
            format!(r#"{{"depth": 2, "leaves": ["{r}"]}}"#),
            format!(r#"{{"depth": 2, "leaves": [], "root": "{}"}}"#, hex(1)),
            r#"{"depth": 2}"#.to_string(),
        ] {
            assert!(serde_json::from_str::<MerkleTree>(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn malformed_history_and_registry_json_are_rejected() {
        let entry = |root: u64, published: u64, replaced: Option<u64>| serde_json::json!({"root": hex(root), "published_at": published, "replaced_at": replaced});
        for entries in [
            // Replaced at a time other than the next publication.
            vec![entry(1, 10, Some(15)), entry(2, 20, None)],
            // Replaced before it was published.
            vec![entry(1, 10, Some(5)), entry(2, 5, None)],
            // A replaced root without a replacement time, and a current root with one.
            vec![entry(1, 10, None), entry(2, 20, None)],
            vec![entry(1, 10, Some(20))],
            // The same root twice in a row.
            vec![entry(1, 10, Some(20)), entry(1, 20, None)],
        ] {
            let json = serde_json::json!({"window_secs": 60, "entries": entries});
            assert!(
                serde_json::from_value::<RootHistory>(json.clone()).is_err(),
                "{json}"
            );
        }
        let bad_root = serde_json::json!({"window_secs": 60, "entries": [
            {"root": "0x01", "published_at": 1, "replaced_at": null}
        ]});
        assert!(serde_json::from_value::<RootHistory>(bad_root).is_err());

        // A registry whose history does not end at the tree's root.
        let tree = MerkleTree::from_leaves(3, &[Fr::from(1u8)]).unwrap();
        let json = serde_json::json!({
            "tree": tree,
            "history": {"window_secs": 60, "entries": [entry(5, 1, None)]},
        });
        assert!(serde_json::from_value::<Registry>(json).is_err());
    }
}
