//! The history of an issuer's published roots, the freshness window, withdrawn roots and issuer
//! rotations.

use serde::{Deserialize, Serialize};
use zkhealth_circuits::{
    field::{fr_to_hex, serde_fr},
    Fr,
};

use crate::RegistryError;

/// One publication of a root: when it was published and replaced (unix seconds), in which issuer
/// epoch, and, on the root's latest publication, when it was invalidated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootEntry {
    /// The root.
    #[serde(with = "serde_fr")]
    pub root: Fr,
    /// When it was published.
    pub published_at: u64,
    /// When the next root replaced it; `None` while it is current, and for a root that stopped
    /// being current without a replacement (invalidated, or its epoch invalidated by an issuer
    /// rotation).
    pub replaced_at: Option<u64>,
    /// The issuer epoch it was published in: 0 for the first issuer, one more for each
    /// [`RootHistory::rotate_issuer`]. Absent (0) in histories written before rotations existed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub epoch: u64,
    /// When the root was invalidated ([`RootHistory::invalidate`]); only ever set on a root's
    /// latest publication, since an invalidated root is never published again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalidated_at: Option<u64>,
}

fn is_zero(x: &u64) -> bool {
    *x == 0
}

/// The appointment of a new issuer ([`RootHistory::rotate_issuer`]): it starts the next epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerRotation {
    /// When the new issuer was appointed (unix seconds).
    pub at: u64,
    /// Whether every root published before (in any earlier epoch, the current root included)
    /// stopped being accepted.
    pub invalidate_previous: bool,
}

/// The roots an issuer has published, oldest first, with the freshness window, the roots it
/// withdrew and the rotations of its issuer key.
///
/// # Acceptance
///
/// Only the **latest** publication of each root counts, exactly as in the registry contract
/// (`ZkhRegistry.isAcceptedRootAt`), so the two agree at every time:
/// - a root never published, invalidated ([`Self::invalidate`]), or last published in an epoch
///   before [`Self::min_accepted_epoch`] (a rotation with `invalidate_previous`) is refused;
/// - otherwise the current root is accepted at any time, and a replaced root from its latest
///   publication until `window_secs` seconds after its latest replacement (not after it was
///   published), so a holder whose credential was issued just before another one was appended
///   is not locked out; after the window only newer roots verify, which is what makes
///   revocation take effect.
///
/// A root may be published again once it is no longer current: revoking the most recently
/// added credential gives back the previous root exactly, and that revocation must be
/// publishable. It then becomes current again with a new entry, and its earlier entries no
/// longer count. Publishing the current root again changes nothing; an invalidated root is
/// never published again ([`RegistryError::RootInvalidated`]).
///
/// # Decoding
///
/// Decoding replays the history: publications in order, each rotation before the first entry
/// of the epoch it starts, each invalidation at its time (before the next publication when the
/// invalidated root was current and was not replaced). The result must be exactly the stored
/// entries, so times only move forward, each replacement happens when the next root is
/// published, epochs follow the rotations, and no root is published while current or after its
/// invalidation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "HistoryRepr")]
pub struct RootHistory {
    window_secs: u64,
    entries: Vec<RootEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rotations: Vec<IssuerRotation>,
    /// The latest time of any operation (derived, so not serialized).
    #[serde(skip)]
    last_at: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryRepr {
    window_secs: u64,
    entries: Vec<RootEntry>,
    #[serde(default)]
    rotations: Vec<IssuerRotation>,
}

impl TryFrom<HistoryRepr> for RootHistory {
    type Error = RegistryError;

    fn try_from(repr: HistoryRepr) -> Result<Self, RegistryError> {
        RootHistory::from_parts(repr.window_secs, repr.entries, repr.rotations)
    }
}

/// An operation replayed while decoding, other than a publication.
enum Replayed {
    Rotation(IssuerRotation),
    /// The invalidation of the entry at this position.
    Invalidation(usize),
}

impl RootHistory {
    /// An empty history whose replaced roots stay accepted for `window_secs` seconds.
    pub fn new(window_secs: u64) -> Self {
        Self {
            window_secs,
            entries: Vec::new(),
            rotations: Vec::new(),
            last_at: 0,
        }
    }

    /// A history from its entries and rotations, checked as decoding checks them (see the type's
    /// docs): replaying them must give exactly these entries, or it is
    /// [`RegistryError::InvalidHistory`].
    pub fn from_parts(
        window_secs: u64,
        entries: Vec<RootEntry>,
        rotations: Vec<IssuerRotation>,
    ) -> Result<Self, RegistryError> {
        let invalid = |reason: String| RegistryError::InvalidHistory(reason);
        let mut history = RootHistory::new(window_secs);
        let mut rotations_left = rotations.iter().copied();
        // Invalidations (entry position, time) of entries published so far, not replayed yet.
        let mut invalidations: Vec<(usize, u64)> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let mut due = Vec::new();
            let mut epoch = history.epoch();
            while epoch < entry.epoch {
                let rotation = rotations_left.next().ok_or_else(|| {
                    invalid(format!(
                        "root history entry {i} has epoch {}, but there are only {} rotations",
                        entry.epoch,
                        rotations.len()
                    ))
                })?;
                due.push((rotation.at, Replayed::Rotation(rotation)));
                epoch += 1;
            }
            // An invalidation comes before this publication if it is earlier, or if it is what
            // ended the previous entry's time as the current root.
            let previous_unreplaced = i
                .checked_sub(1)
                .and_then(|p| entries.get(p))
                .is_some_and(|p| p.replaced_at.is_none());
            invalidations.retain(|&(j, at)| {
                let first = at < entry.published_at
                    || (j + 1 == i && previous_unreplaced && at <= entry.published_at);
                if first {
                    due.push((at, Replayed::Invalidation(j)));
                }
                !first
            });
            history
                .replay(due, &entries)
                .and_then(|()| history.publish(entry.root, entry.published_at))
                .map_err(|e| invalid(format!("replaying root history entry {i}: {e}")))?;
            if history.entries.len() != i + 1 {
                return Err(invalid(format!(
                    "root history entry {i} publishes the current root again"
                )));
            }
            if let Some(at) = entry.invalidated_at {
                invalidations.push((i, at));
            }
        }
        let mut rest: Vec<_> = rotations_left
            .map(|r| (r.at, Replayed::Rotation(r)))
            .collect();
        rest.extend(
            invalidations
                .into_iter()
                .map(|(j, at)| (at, Replayed::Invalidation(j))),
        );
        history.replay(rest, &entries).map_err(|e| {
            invalid(format!(
                "replaying the operations after the last entry: {e}"
            ))
        })?;

        if let Some(i) = (0..entries.len()).find(|&i| history.entries.get(i) != entries.get(i)) {
            return Err(invalid(format!(
                "root history entry {i} is not what replaying the history gives (replacement \
                 time, epoch or invalidation): stored {:?}, replayed {:?}",
                entries.get(i),
                history.entries.get(i)
            )));
        }
        Ok(history)
    }

    /// Replays rotations and invalidations in time order (at equal times they commute).
    fn replay(
        &mut self,
        mut ops: Vec<(u64, Replayed)>,
        entries: &[RootEntry],
    ) -> Result<(), RegistryError> {
        ops.sort_by_key(|(at, _)| *at);
        for (at, op) in ops {
            match op {
                Replayed::Rotation(r) => {
                    self.rotate_issuer(r.at, r.invalidate_previous)?;
                }
                Replayed::Invalidation(j) => {
                    let root = entries.get(j).map(|e| e.root).ok_or_else(|| {
                        RegistryError::InvalidHistory(format!("no root history entry {j}"))
                    })?;
                    self.invalidate(root, at)?;
                }
            }
        }
        Ok(())
    }

    /// The freshness window, in seconds.
    pub fn window_secs(&self) -> u64 {
        self.window_secs
    }

    /// Every publication, oldest first (a root published again appears again).
    pub fn entries(&self) -> &[RootEntry] {
        &self.entries
    }

    /// Every issuer rotation, oldest first.
    pub fn rotations(&self) -> &[IssuerRotation] {
        &self.rotations
    }

    /// The current issuer epoch: the number of rotations so far.
    pub fn epoch(&self) -> u64 {
        self.rotations.len() as u64
    }

    /// Roots last published in an epoch before this one are refused: the epoch started by the
    /// latest rotation with `invalidate_previous`, 0 if there was none.
    pub fn min_accepted_epoch(&self) -> u64 {
        self.rotations
            .iter()
            .rposition(|r| r.invalidate_previous)
            .map_or(0, |k| k as u64 + 1)
    }

    /// The latest publication of `root`, if it was ever published.
    pub fn latest_entry(&self, root: &Fr) -> Option<&RootEntry> {
        self.entries.iter().rev().find(|e| e.root == *root)
    }

    /// Whether `root` was invalidated.
    pub fn is_invalidated(&self, root: &Fr) -> bool {
        self.latest_entry(root)
            .is_some_and(|e| e.invalidated_at.is_some())
    }

    /// The position of the current root's entry: the last entry, unless it stopped being current
    /// without a replacement (invalidated, or its epoch invalidated).
    fn current_position(&self) -> Option<usize> {
        let i = self.entries.len().checked_sub(1)?;
        let last = self.entries.get(i)?;
        (last.replaced_at.is_none()
            && last.invalidated_at.is_none()
            && last.epoch >= self.min_accepted_epoch())
        .then_some(i)
    }

    /// The current root: the last one published, unless it was invalidated or its epoch was
    /// (then there is none until the next publication). `None` before the first publication.
    pub fn current(&self) -> Option<Fr> {
        self.current_position()
            .and_then(|i| self.entries.get(i))
            .map(|e| e.root)
    }

    /// The root of the last publication, current or not.
    pub fn last_published(&self) -> Option<Fr> {
        self.entries.last().map(|e| e.root)
    }

    /// Fails with [`RegistryError::TimeWentBack`] if `at` is earlier than the history's last
    /// operation (publication, invalidation or rotation).
    pub fn check_time(&self, at: u64) -> Result<(), RegistryError> {
        if at < self.last_at {
            return Err(RegistryError::TimeWentBack {
                at,
                last: self.last_at,
            });
        }
        Ok(())
    }

    /// The entries that publishing `root` at `at` writes, each with its position: the current
    /// root marked replaced at `at`, then the new one. Empty when `root` is already current.
    /// Fails, like [`Self::publish`], if `at` is earlier than the last operation or `root` was
    /// invalidated.
    pub fn publication(&self, root: Fr, at: u64) -> Result<Vec<(u64, RootEntry)>, RegistryError> {
        self.check_time(at)?;
        if self.is_invalidated(&root) {
            return Err(RegistryError::RootInvalidated {
                root: fr_to_hex(&root),
            });
        }
        let mut written = Vec::with_capacity(2);
        if let Some((i, current)) = self
            .current_position()
            .and_then(|i| self.entries.get(i).map(|e| (i, e)))
        {
            if current.root == root {
                return Ok(written);
            }
            written.push((
                i as u64,
                RootEntry {
                    replaced_at: Some(at),
                    ..*current
                },
            ));
        }
        let entry = RootEntry {
            root,
            published_at: at,
            replaced_at: None,
            epoch: self.epoch(),
            invalidated_at: None,
        };
        written.push((self.entries.len() as u64, entry));
        Ok(written)
    }

    /// Publishes `root` at time `at` (unix seconds) in the current epoch, marking the current
    /// root replaced at `at`. A root published before gets a new entry, which from now on is
    /// the one that counts. Publishing the current root again changes nothing. Fails if `at` is
    /// earlier than the last operation, or if `root` was invalidated.
    pub fn publish(&mut self, root: Fr, at: u64) -> Result<(), RegistryError> {
        let written = self.publication(root, at)?;
        if !written.is_empty() {
            self.write(&written);
            self.last_at = self.last_at.max(at);
        }
        Ok(())
    }

    /// Writes entries at their positions (the next position appends).
    fn write(&mut self, written: &[(u64, RootEntry)]) {
        for (position, entry) in written {
            match usize::try_from(*position)
                .ok()
                .and_then(|p| self.entries.get_mut(p))
            {
                Some(slot) => *slot = *entry,
                None => self.entries.push(*entry),
            }
        }
    }

    /// The entry that invalidating `root` at `at` rewrites (its latest entry, with
    /// `invalidated_at` set), with its position. Fails, like [`Self::invalidate`], if `at` is
    /// earlier than the last operation, if `root` was never published
    /// ([`RegistryError::RootNotPublished`]) or if it is invalidated already
    /// ([`RegistryError::RootInvalidated`]).
    pub fn invalidation(&self, root: Fr, at: u64) -> Result<(u64, RootEntry), RegistryError> {
        self.check_time(at)?;
        let position = self
            .entries
            .iter()
            .rposition(|e| e.root == root)
            .ok_or_else(|| RegistryError::RootNotPublished {
                root: fr_to_hex(&root),
            })?;
        let entry = self
            .entries
            .get(position)
            .ok_or_else(|| RegistryError::RootNotPublished {
                root: fr_to_hex(&root),
            })?;
        if entry.invalidated_at.is_some() {
            return Err(RegistryError::RootInvalidated {
                root: fr_to_hex(&root),
            });
        }
        Ok((
            position as u64,
            RootEntry {
                invalidated_at: Some(at),
                ..*entry
            },
        ))
    }

    /// Withdraws a published root at time `at`, as the registry contract's `invalidateRoot`: it
    /// is never accepted again, at any time, and cannot be published again. If it is the current
    /// root, there is no current root until the next publication (which replaces nothing).
    pub fn invalidate(&mut self, root: Fr, at: u64) -> Result<(), RegistryError> {
        let written = self.invalidation(root, at)?;
        self.write(&[written]);
        self.last_at = self.last_at.max(at);
        Ok(())
    }

    /// The rotation that appointing a new issuer at `at` records. Fails, like
    /// [`Self::rotate_issuer`], if `at` is earlier than the last operation.
    pub fn rotation(
        &self,
        at: u64,
        invalidate_previous: bool,
    ) -> Result<IssuerRotation, RegistryError> {
        self.check_time(at)?;
        Ok(IssuerRotation {
            at,
            invalidate_previous,
        })
    }

    /// Records the appointment of a new issuer at `at`, as the registry contract's
    /// `setIssuer(newIssuer, invalidatePrevious)`: roots published from now on are in the next
    /// epoch, which this returns. With `invalidate_previous`, every root published before, in
    /// any earlier epoch and the current root included, is refused from now on, and there is no
    /// current root until the next publication; the new issuer may publish any root that was
    /// not invalidated, a root of an earlier epoch included, which then counts in its epoch.
    pub fn rotate_issuer(
        &mut self,
        at: u64,
        invalidate_previous: bool,
    ) -> Result<u64, RegistryError> {
        let rotation = self.rotation(at, invalidate_previous)?;
        self.rotations.push(rotation);
        self.last_at = self.last_at.max(at);
        Ok(self.epoch())
    }

    /// Whether a proof against `root` is accepted at time `now` (unix seconds), by the rule in
    /// the type's docs: by its latest entry only, never if it was invalidated or its epoch is
    /// before [`Self::min_accepted_epoch`]; then always if it is current, and if it was replaced
    /// iff `published_at <= now < replaced_at + window_secs`.
    pub fn is_accepted(&self, root: &Fr, now: u64) -> bool {
        let Some(entry) = self.latest_entry(root) else {
            return false;
        };
        if entry.invalidated_at.is_some() || entry.epoch < self.min_accepted_epoch() {
            return false;
        }
        match entry.replaced_at {
            // Not replaced, not invalidated, in an accepted epoch: the current root.
            None => true,
            Some(replaced_at) => {
                entry.published_at <= now
                    && u128::from(now) < u128::from(replaced_at) + u128::from(self.window_secs)
            }
        }
    }
}
