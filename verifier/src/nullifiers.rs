//! Nullifier stores: which nullifiers a verifier has already accepted.
//!
//! A holder's nullifier is the same every time it presents in one scope, so a verifier that
//! remembers the nullifiers it accepted refuses a second presentation of the same claim (an
//! insurer paying a claim twice, a one-time entry used twice). The verifier inserts a nullifier
//! only after every other check has passed.

use std::collections::HashSet;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zkhealth_circuits::{
    field::{fr_from_bytes_be, fr_to_bytes_be, serde_fr},
    Fr,
};

use crate::VerifyError;

/// A record of used `(scope, nullifier)` pairs.
///
/// **`insert` must be one atomic insert-if-absent**, and its answer is what decides: the
/// verifier accepts a presentation only when `insert` reports that it added the pair, so two
/// verifications of one nullifier at once (two threads, two processes, two service instances)
/// accept at most one, whatever `contains` answered before. A store shared between processes
/// must make the insert atomic itself (a transaction, a unique constraint with `ON CONFLICT DO
/// NOTHING`, a file lock around read-modify-write), and must have made the pair durable before
/// it returns `Ok(true)`: what the verifier accepted is never forgotten. `contains` is only an
/// early refusal.
pub trait NullifierStore {
    /// Whether `nullifier` was already used in `scope`.
    fn contains(&self, scope: &Fr, nullifier: &Fr) -> Result<bool, VerifyError>;

    /// Records `nullifier` as used in `scope`, atomically and durably; returns whether this call
    /// added it (`false` if it was already there, including when another caller added it a
    /// moment before).
    fn insert(&mut self, scope: &Fr, nullifier: &Fr) -> Result<bool, VerifyError>;
}

impl<T: NullifierStore + ?Sized> NullifierStore for &mut T {
    fn contains(&self, scope: &Fr, nullifier: &Fr) -> Result<bool, VerifyError> {
        (**self).contains(scope, nullifier)
    }

    fn insert(&mut self, scope: &Fr, nullifier: &Fr) -> Result<bool, VerifyError> {
        (**self).insert(scope, nullifier)
    }
}

/// An in-memory nullifier store.
///
/// JSON: a list of `{"scope": "0x…", "nullifier": "0x…"}`, sorted, so the same set always
/// serializes the same way; decoding rejects non-canonical values and duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryNullifiers {
    used: HashSet<([u8; 32], [u8; 32])>,
}

impl MemoryNullifiers {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of used pairs.
    pub fn len(&self) -> usize {
        self.used.len()
    }

    /// Whether no pair is recorded.
    pub fn is_empty(&self) -> bool {
        self.used.is_empty()
    }

    /// The recorded pairs `(scope, nullifier)`, sorted by their byte encodings.
    pub fn pairs(&self) -> Vec<(Fr, Fr)> {
        let mut keys: Vec<_> = self.used.iter().collect();
        keys.sort_unstable();
        keys.into_iter()
            .filter_map(|(s, n)| Some((fr_from_bytes_be(s).ok()?, fr_from_bytes_be(n).ok()?)))
            .collect()
    }
}

fn key(scope: &Fr, nullifier: &Fr) -> ([u8; 32], [u8; 32]) {
    (fr_to_bytes_be(scope), fr_to_bytes_be(nullifier))
}

impl NullifierStore for MemoryNullifiers {
    fn contains(&self, scope: &Fr, nullifier: &Fr) -> Result<bool, VerifyError> {
        Ok(self.used.contains(&key(scope, nullifier)))
    }

    fn insert(&mut self, scope: &Fr, nullifier: &Fr) -> Result<bool, VerifyError> {
        Ok(self.used.insert(key(scope, nullifier)))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(with = "serde_fr")]
    scope: Fr,
    #[serde(with = "serde_fr")]
    nullifier: Fr,
}

impl Serialize for MemoryNullifiers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.pairs()
            .into_iter()
            .map(|(scope, nullifier)| Entry { scope, nullifier })
            .collect::<Vec<_>>()
            .serialize(s)
    }
}

impl<'de> Deserialize<'de> for MemoryNullifiers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entries = Vec::<Entry>::deserialize(d)?;
        let mut store = MemoryNullifiers::new();
        for e in entries {
            if !store.used.insert(key(&e.scope, &e.nullifier)) {
                return Err(serde::de::Error::custom(format!(
                    "nullifier {} is listed twice in one scope",
                    zkhealth_circuits::field::fr_to_hex(&e.nullifier)
                )));
            }
        }
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_reports_new_and_scopes_are_separate() {
        let mut s = MemoryNullifiers::new();
        let (a, b, n) = (Fr::from(1u8), Fr::from(2u8), Fr::from(42u8));
        assert!(!s.contains(&a, &n).unwrap());
        assert!(s.insert(&a, &n).unwrap());
        assert!(s.contains(&a, &n).unwrap());
        assert!(!s.insert(&a, &n).unwrap());
        assert!(!s.contains(&b, &n).unwrap());
        assert!(s.insert(&b, &n).unwrap());
        assert_eq!(s.len(), 2);
        // Through a mutable reference (the blanket impl).
        fn insert_via(mut store: impl NullifierStore, scope: &Fr, n: &Fr) -> bool {
            store.insert(scope, n).unwrap()
        }
        assert!(!insert_via(&mut s, &b, &n));
        assert!(insert_via(&mut s, &b, &Fr::from(43u8)));
    }

    #[test]
    fn json_round_trips_sorted_and_rejects_duplicates() {
        let mut s = MemoryNullifiers::new();
        for i in [5u8, 3, 9] {
            s.insert(&Fr::from(1u8), &Fr::from(i)).unwrap();
        }
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<MemoryNullifiers>(&json).unwrap(), s);
        assert_eq!(
            s.pairs().iter().map(|p| p.1).collect::<Vec<_>>(),
            vec![Fr::from(3u8), Fr::from(5u8), Fr::from(9u8)]
        );
        let entry = format!(
            r#"{{"scope":"{}","nullifier":"{}"}}"#,
            zkhealth_circuits::field::fr_to_hex(&Fr::from(1u8)),
            zkhealth_circuits::field::fr_to_hex(&Fr::from(2u8))
        );
        assert!(serde_json::from_str::<MemoryNullifiers>(&format!("[{entry},{entry}]")).is_err());
        let extra = entry.replace('}', r#","x":1}"#);
        assert!(serde_json::from_str::<MemoryNullifiers>(&format!("[{extra}]")).is_err());
        let big = entry.replace(
            &zkhealth_circuits::field::fr_to_hex(&Fr::from(2u8)),
            &format!("0x{}", "f".repeat(64)),
        );
        assert!(serde_json::from_str::<MemoryNullifiers>(&format!("[{big}]")).is_err());
        assert_eq!(
            serde_json::from_str::<MemoryNullifiers>("[]").unwrap(),
            MemoryNullifiers::new()
        );
    }
}
