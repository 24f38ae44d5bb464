//! The issuer's registry: the tree of credential commitments and the history of its roots.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use zkhealth_circuits::{
    field::fr_to_hex,
    merkle::{MerklePath, MerkleTree, EMPTY_LEAF},
    Fr,
};

use crate::{RegistryError, RootEntry, RootHistory};

/// The issuer's registry: the tree of credential commitments and the history of its roots.
/// Every change to the tree publishes the new root at the time given.
///
/// A change is checked once, by [`Registry::prepare_append`] or [`Registry::prepare_revoke`],
/// which compute everything it writes ([`Change`]) without touching the registry; a store
/// writes that durably and then [`Registry::apply`]s it, so memory never runs ahead of disk.
///
/// The history can also withdraw a root ([`Registry::invalidate_root`]) and record the rotation
/// of the issuer's key ([`Registry::rotate_issuer`]), as the registry contract does; after
/// either leaves no current root, [`Registry::publish_root`] publishes the tree's root again
/// (unless it was invalidated: then only a change to the tree gives a root to publish).
///
/// Serialized as `{"tree": …, "history": …}`; decoding checks that the history's last published
/// root is the tree's root.
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
    type Error = RegistryError;

    fn try_from(repr: RegistryRepr) -> Result<Self, RegistryError> {
        Registry::from_parts(repr.tree, repr.history)
    }
}

/// A checked change to one leaf, with everything it writes: the leaf's new value, the new root
/// and the root-history entries (see [`RootHistory::publication`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The leaf's index.
    pub index: u64,
    /// The leaf's new value (the commitment, or [`EMPTY_LEAF`] for a revocation).
    pub leaf: Fr,
    /// The tree's root after the change.
    pub root: Fr,
    /// When the change is published (unix seconds).
    pub at: u64,
    /// The root-history entries written, with their positions.
    pub entries: Vec<(u64, RootEntry)>,
}

impl Registry {
    /// An empty registry of depth `depth` whose replaced roots stay accepted for `window_secs`.
    /// No root is published until the first change.
    pub fn new(depth: u32, window_secs: u64) -> Result<Self, RegistryError> {
        Ok(Self {
            tree: MerkleTree::new(depth)?,
            history: RootHistory::new(window_secs),
        })
    }

    /// A registry from a stored tree and history; fails if the history's last published root
    /// (current, or withdrawn since) is not the tree's root.
    pub fn from_parts(tree: MerkleTree, history: RootHistory) -> Result<Self, RegistryError> {
        if let Some(last) = history.last_published() {
            if last != tree.root() {
                return Err(RegistryError::RootMismatch {
                    history: fr_to_hex(&last),
                    tree: fr_to_hex(&tree.root()),
                });
            }
        }
        Ok(Self { tree, history })
    }

    fn change(&self, index: u64, leaf: Fr, at: u64) -> Result<Change, RegistryError> {
        let root = self.tree.path(index)?.root(&leaf);
        let entries = self.history.publication(root, at)?;
        Ok(Change {
            index,
            leaf,
            root,
            at,
            entries,
        })
    }

    /// Checks that `leaf` can be appended at time `at` and returns the change, touching nothing.
    /// The path of the next free slot does not depend on its value, so it gives the new root.
    pub fn prepare_append(&self, leaf: Fr, at: u64) -> Result<Change, RegistryError> {
        self.history.check_time(at)?;
        let index = self.tree.check_append(&leaf)?;
        self.change(index, leaf, at)
    }

    /// Checks that the leaf at `index` can be revoked at time `at` and returns the change,
    /// touching nothing.
    pub fn prepare_revoke(&self, index: u64, at: u64) -> Result<Change, RegistryError> {
        self.history.check_time(at)?;
        self.tree.check_revoke(index)?;
        self.change(index, EMPTY_LEAF, at)
    }

    /// Applies a change prepared on this registry. A change prepared on another state (another
    /// change came in between) is refused with [`RegistryError::StaleChange`], changing nothing.
    pub fn apply(&mut self, change: &Change) -> Result<(), RegistryError> {
        let again = if change.leaf == EMPTY_LEAF {
            self.prepare_revoke(change.index, change.at)?
        } else {
            self.prepare_append(change.leaf, change.at)?
        };
        if again != *change {
            return Err(RegistryError::StaleChange {
                index: change.index,
            });
        }
        if change.leaf == EMPTY_LEAF {
            self.tree.revoke(change.index)?;
        } else {
            self.tree.append(change.leaf)?;
        }
        self.history.publish(change.root, change.at)
    }

    /// Appends a commitment at time `at` and publishes the new root; returns the leaf index.
    /// Nothing changes if it fails.
    pub fn append(&mut self, leaf: Fr, at: u64) -> Result<u64, RegistryError> {
        let change = self.prepare_append(leaf, at)?;
        self.apply(&change)?;
        Ok(change.index)
    }

    /// Appends several commitments at time `at` and publishes one new root; returns their
    /// indices. Much cheaper than appending one by one (see [`MerkleTree::extend`]). Nothing
    /// changes if it fails.
    pub fn extend(&mut self, leaves: &[Fr], at: u64) -> Result<Range<u64>, RegistryError> {
        self.history.check_time(at)?;
        let indices = self.tree.extend(leaves)?;
        self.history.publish(self.tree.root(), at)?;
        Ok(indices)
    }

    /// Revokes the leaf at `index` at time `at` and publishes the new root. Nothing changes if it
    /// fails.
    pub fn revoke(&mut self, index: u64, at: u64) -> Result<(), RegistryError> {
        let change = self.prepare_revoke(index, at)?;
        self.apply(&change)
    }

    /// The root-history entries that publishing the tree's root at `at` writes (see
    /// [`RootHistory::publication`]): none if it is current, touching nothing. Fails if `at` is
    /// earlier than the history's last change or the root was invalidated.
    pub fn prepare_publish(&self, at: u64) -> Result<Vec<(u64, RootEntry)>, RegistryError> {
        self.history.publication(self.tree.root(), at)
    }

    /// Publishes the tree's root at `at` if it is not current (after an invalidation or an
    /// issuer rotation left no current root); returns whether anything was published. Nothing
    /// changes if it fails (time going back, or the tree's root was invalidated).
    pub fn publish_root(&mut self, at: u64) -> Result<bool, RegistryError> {
        let published = !self.prepare_publish(at)?.is_empty();
        self.history.publish(self.tree.root(), at)?;
        Ok(published)
    }

    /// Withdraws a published root at `at` (see [`RootHistory::invalidate`]): never accepted or
    /// published again. Nothing changes if it fails.
    pub fn invalidate_root(&mut self, root: Fr, at: u64) -> Result<(), RegistryError> {
        self.history.invalidate(root, at)
    }

    /// Records the appointment of a new issuer at `at` (see [`RootHistory::rotate_issuer`]);
    /// returns the new epoch. Nothing changes if it fails.
    pub fn rotate_issuer(
        &mut self,
        at: u64,
        invalidate_previous: bool,
    ) -> Result<u64, RegistryError> {
        self.history.rotate_issuer(at, invalidate_previous)
    }

    /// The tree's root (the last published one, once anything was published).
    pub fn root(&self) -> Fr {
        self.tree.root()
    }

    /// The number of leaves appended so far (revoked ones included).
    pub fn len(&self) -> u64 {
        self.tree.len()
    }

    /// Whether nothing has been appended yet.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// The authentication path of the appended leaf at `index` (for its holder); a leaf that was
    /// never appended is [`RegistryError::NotAppended`].
    pub fn path(&self, index: u64) -> Result<MerklePath, RegistryError> {
        if index >= self.tree.len() {
            return Err(RegistryError::NotAppended {
                index,
                len: self.tree.len(),
            });
        }
        Ok(self.tree.path(index)?)
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
