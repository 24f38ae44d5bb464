//! The history of an issuer's published roots and the freshness window.

use serde::{Deserialize, Serialize};
use zkhealth_circuits::{field::serde_fr, Fr};

use crate::RegistryError;

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
    type Error = RegistryError;

    fn try_from(repr: HistoryRepr) -> Result<Self, RegistryError> {
        let mut next = repr.entries.iter().skip(1);
        for (i, entry) in repr.entries.iter().enumerate() {
            match (next.next(), entry.replaced_at) {
                (Some(after), Some(replaced_at)) => {
                    if replaced_at < entry.published_at || after.published_at != replaced_at {
                        return Err(RegistryError::InvalidHistory(format!(
                            "root history entry {i} is replaced at {replaced_at}, not when the \
                             next root was published ({}) or before it was published ({})",
                            after.published_at, entry.published_at
                        )));
                    }
                    if after.root == entry.root {
                        return Err(RegistryError::InvalidHistory(format!(
                            "root history entries {i} and {} repeat the same root",
                            i + 1
                        )));
                    }
                }
                (Some(_), None) => {
                    return Err(RegistryError::InvalidHistory(format!(
                        "root history entry {i} is not the last but has no replacement time"
                    )))
                }
                (None, Some(_)) => {
                    return Err(RegistryError::InvalidHistory(
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

    /// Fails with [`RegistryError::TimeWentBack`] if `at` is earlier than the last publication.
    pub fn check_time(&self, at: u64) -> Result<(), RegistryError> {
        match self.entries.last() {
            Some(last) if at < last.published_at => Err(RegistryError::TimeWentBack {
                at,
                last: last.published_at,
            }),
            _ => Ok(()),
        }
    }

    /// The entries that publishing `root` at `at` writes, each with its position: the current
    /// root marked replaced at `at`, then the new one. Empty when `root` is already current.
    /// Fails, like [`Self::publish`], if `at` is earlier than the last publication.
    pub fn publication(&self, root: Fr, at: u64) -> Result<Vec<(u64, RootEntry)>, RegistryError> {
        self.check_time(at)?;
        let mut written = Vec::with_capacity(2);
        if let Some(last) = self.entries.last() {
            if last.root == root {
                return Ok(written);
            }
            let position = self.entries.len() as u64 - 1;
            written.push((
                position,
                RootEntry {
                    replaced_at: Some(at),
                    ..*last
                },
            ));
        }
        let entry = RootEntry {
            root,
            published_at: at,
            replaced_at: None,
        };
        written.push((self.entries.len() as u64, entry));
        Ok(written)
    }

    /// Publishes `root` at time `at` (unix seconds), marking the current root replaced at `at`.
    /// Publishing the current root again changes nothing. Fails if `at` is earlier than the last
    /// publication.
    pub fn publish(&mut self, root: Fr, at: u64) -> Result<(), RegistryError> {
        for (position, entry) in self.publication(root, at)? {
            match self.entries.get_mut(position as usize) {
                Some(slot) => *slot = entry,
                None => self.entries.push(entry),
            }
        }
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
