//! The crate's error type.

use thiserror::Error;

/// Everything the registry and its root history refuse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RegistryError {
    /// A change to the root history earlier than its last one: the history only moves forward.
    #[error("cannot change the root history at {at}: its last change was later, at {last}")]
    TimeWentBack {
        /// When the change was asked for (unix seconds).
        at: u64,
        /// When the history last changed (unix seconds): a publication, an invalidation or an
        /// issuer rotation.
        last: u64,
    },
    /// The root was invalidated: it is never accepted or published again.
    #[error("root {root} was invalidated: it is never accepted or published again")]
    RootInvalidated {
        /// The root (hex).
        root: String,
    },
    /// Only a published root can be invalidated.
    #[error("root {root} was never published")]
    RootNotPublished {
        /// The root (hex).
        root: String,
    },
    /// A stored or received root history is not one history (times, replacements, epochs,
    /// repeats, invalidations).
    #[error("invalid root history: {0}")]
    InvalidHistory(String),
    /// A history whose current root is not the tree's root.
    #[error("the history's current root {history} is not the tree's root {tree}")]
    RootMismatch {
        /// The history's current root (hex).
        history: String,
        /// The tree's root (hex).
        tree: String,
    },
    /// A path was asked for a leaf that was never appended.
    #[error("leaf {index} has not been appended ({len} leaves)")]
    NotAppended {
        /// The leaf index asked for.
        index: u64,
        /// How many leaves the tree holds.
        len: u64,
    },
    /// A prepared change no longer fits the registry (another change came first).
    #[error("the prepared change to leaf {index} no longer fits the registry")]
    StaleChange {
        /// The leaf the change was for.
        index: u64,
    },
    /// The tree refused the change (full, empty leaf, unknown or revoked leaf, bad depth).
    #[error(transparent)]
    Tree(#[from] zkhealth_circuits::Error),
}
