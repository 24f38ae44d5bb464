//! Root sources: which registry roots a verifier accepts, and when.
//!
//! A proof is made against one registry root. The verifier asks a [`RootSource`] whether that
//! root is accepted at its own time: the current root always is, a replaced root only within the
//! freshness window counted from its latest replacement, an invalidated root (or one of an
//! issuer epoch invalidated by a rotation) never (see [`RootHistory::is_accepted`]).
//! [`LocalRoots`] answers from a snapshot of the history (offline checkpoints); an on-chain
//! source reading the registry contract implements the same trait.

use serde::{Deserialize, Serialize};
use zkhealth_circuits::Fr;
use zkhealth_registry::RootHistory;

use crate::VerifyError;

/// Answers whether a registry root is accepted at a given time.
pub trait RootSource {
    /// Whether a proof against `root` is accepted at `now_unix_secs`. Errors mean the source
    /// could not answer (for instance a remote node is unreachable), not that the root is
    /// refused.
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError>;
}

impl<T: RootSource + ?Sized> RootSource for &T {
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError> {
        (**self).is_accepted(root, now_unix_secs)
    }
}

/// A local snapshot of an issuer's root history.
///
/// JSON: exactly the [`RootHistory`] JSON (`{"window_secs": …, "entries": […]}`, with
/// `"rotations": […]` once the issuer was rotated), validated on decoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocalRoots {
    history: RootHistory,
}

impl LocalRoots {
    /// A snapshot of `history`.
    pub fn new(history: RootHistory) -> Self {
        LocalRoots { history }
    }

    /// The snapshot.
    pub fn history(&self) -> &RootHistory {
        &self.history
    }

    /// Replaces the snapshot with a newer one.
    pub fn update(&mut self, history: RootHistory) {
        self.history = history;
    }

    /// Decodes a snapshot from JSON.
    pub fn from_json(json: &str) -> Result<Self, VerifyError> {
        Ok(serde_json::from_str(json)?)
    }

    /// The snapshot as JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain data (numbers, hex strings) into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl From<RootHistory> for LocalRoots {
    fn from(history: RootHistory) -> Self {
        LocalRoots::new(history)
    }
}

impl RootSource for LocalRoots {
    fn is_accepted(&self, root: &Fr, now_unix_secs: u64) -> Result<bool, VerifyError> {
        Ok(self.history.is_accepted(root, now_unix_secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> LocalRoots {
        let mut h = RootHistory::new(100);
        h.publish(Fr::from(1u8), 1_000).unwrap();
        h.publish(Fr::from(2u8), 2_000).unwrap();
        LocalRoots::new(h)
    }

    #[test]
    fn current_root_is_accepted_and_old_root_only_within_window() {
        let r = roots();
        assert!(r.is_accepted(&Fr::from(2u8), 10_000).unwrap());
        assert!(r.is_accepted(&Fr::from(1u8), 2_050).unwrap());
        assert!(!r.is_accepted(&Fr::from(1u8), 2_100).unwrap());
        assert!(!r.is_accepted(&Fr::from(3u8), 2_050).unwrap());
        // Through a reference too.
        let by_ref: &dyn RootSource = &r;
        assert!(by_ref.is_accepted(&Fr::from(2u8), 0).unwrap());
    }

    #[test]
    fn empty_history_accepts_nothing() {
        let r = LocalRoots::new(RootHistory::new(100));
        assert!(!r.is_accepted(&Fr::from(0u8), 0).unwrap());
    }

    #[test]
    fn json_round_trips_and_rejects_inconsistent_history() {
        let r = roots();
        let json = r.to_json();
        assert_eq!(json, serde_json::to_string(r.history()).unwrap());
        assert_eq!(LocalRoots::from_json(&json).unwrap(), r);
        // The first root's replacement time does not match the second's publication.
        let bad = json.replace("\"replaced_at\":2000", "\"replaced_at\":1999");
        assert_ne!(bad, json);
        assert!(matches!(
            LocalRoots::from_json(&bad),
            Err(VerifyError::Json(_))
        ));
        assert!(LocalRoots::from_json("{}").is_err());
    }
}
