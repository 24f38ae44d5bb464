//! The checkpoint's check: one presentation against the verifier's key, policy, clock,
//! challenge, scope, accepted roots and used nullifiers.
//!
//! The roots are those of the policy's issuer, and only those. A registry does not bind the
//! issuer: its operator can commit a credential naming any issuer code, and the code reaches the
//! presentation only through the policy's query hash. A proof against one issuer's root would
//! then satisfy a policy for another. So a verifier is built from an [`IssuerRoots`], the root
//! source paired with the issuer whose registry it reads, and [`Verifier::new`] refuses a policy
//! for any other issuer ([`VerifyError::IssuerRootsMismatch`]).

use zkhealth_circuits::{
    codes,
    credential::SlotKind,
    date::Day,
    field::fr_to_hex,
    policy::{CompiledPolicy, Policy},
    Fr, PublicInputs,
};

use rand_core::{CryptoRng, RngCore};

use crate::{
    verify, IssuerRoots, NullifierStore, Presentation, Proof, RootSource, VerifyError, VerifyingKey,
};

/// The default tolerance between the presentation's date and the verifier's, in days: none, the
/// presentation must be for the verifier's own day.
///
/// With a tolerance of `k` days, a presentation for a later day (up to `k` after the
/// verifier's) is accepted only when that day is as strict for the policy as the verifier's own
/// ([`CompiledPolicy::admits_later_day`]: no condition bounds a slot from above by the day), and
/// a presentation for an earlier day never is (the expiry would admit a credential that has
/// expired): the window never turns a no into a yes. A holder whose policy admits no window
/// proves again with the verifier's day.
pub const DEFAULT_CLOCK_TOLERANCE_DAYS: u32 = 0;

/// What the verifier itself expects: its own challenge, scope and clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// The challenge the verifier issued for this presentation.
    pub challenge: Fr,
    /// The verifier's nullifier scope (verifier id, claim event).
    pub scope: Fr,
    /// The verifier's date.
    pub today: Day,
    /// The verifier's time, for the root freshness window (unix seconds).
    pub now_unix_secs: u64,
}

impl Expected {
    /// Expectations at time `now_unix_secs`, with `today` its UTC day, for this verifier's
    /// `scope` (a [`zkhealth_circuits::Scope`] or its value).
    pub fn at(
        challenge: Fr,
        scope: impl Into<Fr>,
        now_unix_secs: u64,
    ) -> Result<Self, VerifyError> {
        let today = Day::from_unix_seconds(now_unix_secs)
            .map_err(|e| VerifyError::InvalidVerifierInput(e.to_string()))?;
        Ok(Expected {
            challenge,
            scope: scope.into(),
            today,
            now_unix_secs,
        })
    }
}

/// What an accepted presentation tells the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The nullifier, now recorded as used in the verifier's scope.
    pub nullifier: Fr,
    /// Each disclosed value, in slot order: the slot's name in the policy's schema, the value,
    /// and a readable rendering when there is one (the text of a code slot whose value decodes
    /// as a code, `YYYY-MM-DD` for a date slot).
    pub disclosed: Vec<Disclosed>,
}

/// A verifier: a pinned key, a policy, the root source of the policy's issuer and a clock
/// tolerance.
#[derive(Debug, Clone)]
pub struct Verifier<R: RootSource> {
    key: VerifyingKey,
    policy: Policy,
    compiled: CompiledPolicy,
    roots: IssuerRoots<R>,
    clock_tolerance_days: u32,
}

impl<R: RootSource> Verifier<R> {
    /// A verifier for presentations made under `key` for `policy`, accepting the roots `roots`
    /// accepts, with [`DEFAULT_CLOCK_TOLERANCE_DAYS`].
    ///
    /// `roots` must speak for the policy's issuer. A registry does not bind the issuer: any
    /// registry operator can commit credentials naming another issuer, and a proof against its
    /// root satisfies a policy for that issuer (the issuer reaches the presentation only through
    /// the query hash). Checked against another issuer's roots, such a proof would be accepted.
    ///
    /// Fails with [`VerifyError::InvalidPolicy`] if the policy does not compile, and with
    /// [`VerifyError::IssuerRootsMismatch`] if `roots` speak for another issuer than the
    /// policy's.
    pub fn new(
        key: VerifyingKey,
        policy: Policy,
        roots: IssuerRoots<R>,
    ) -> Result<Self, VerifyError> {
        let compiled = compile_with_roots(&policy, &roots)?;
        Ok(Verifier {
            key,
            policy,
            compiled,
            roots,
            clock_tolerance_days: DEFAULT_CLOCK_TOLERANCE_DAYS,
        })
    }

    /// Sets how many days the presentation's date may follow the verifier's, for policies that
    /// admit a later day (see [`DEFAULT_CLOCK_TOLERANCE_DAYS`] for the rule).
    pub fn with_clock_tolerance_days(mut self, days: u32) -> Self {
        self.clock_tolerance_days = days;
        self
    }

    /// The pinned key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The issuer whose roots this verifier accepts: its policy's.
    pub fn issuer(&self) -> &str {
        self.roots.issuer()
    }

    /// The root source.
    pub fn roots(&self) -> &R {
        self.roots.source()
    }

    /// The root source, to refresh a snapshot (of the same issuer's registry).
    pub fn roots_mut(&mut self) -> &mut R {
        self.roots.source_mut()
    }

    /// The clock tolerance in days.
    pub fn clock_tolerance_days(&self) -> u32 {
        self.clock_tolerance_days
    }

    /// Checks a presentation; on success records its nullifier in `nullifiers`.
    ///
    /// Checks, in this order, each failing with its own error:
    ///
    /// 1. it is for this verifier's key: its circuit ([`VerifyError::WrongCircuit`]), then its
    ///    depth ([`VerifyError::WrongDepth`]), then the key id ([`VerifyError::WrongKey`]);
    /// 2. its date is `expected.today`, or within the tolerance after it for a policy that admits
    ///    a later day ([`VerifyError::TodayOutOfTolerance`], [`VerifyError::TodayNotAdmitted`]);
    /// 3. its challenge is `expected.challenge` ([`VerifyError::ChallengeMismatch`]: a replay or
    ///    a proof made for someone else);
    /// 4. its scope is `expected.scope` ([`VerifyError::ScopeMismatch`]);
    /// 5. its query hash is this policy's with the disclosed values
    ///    ([`VerifyError::PolicyMismatch`], also when the number of values is wrong);
    /// 6. its root is accepted at `expected.now_unix_secs` ([`VerifyError::RootNotAccepted`]);
    /// 7. the proof verifies ([`VerifyError::InvalidProof`]);
    /// 8. the nullifier is unused in this scope ([`VerifyError::NullifierReused`]).
    ///
    /// The cheap checks come first; the nullifier store is consulted only for a valid proof, so
    /// it cannot be probed with made-up nullifiers, and is written only when everything passed.
    pub fn verify_presentation(
        &self,
        p: &Presentation,
        expected: &Expected,
        nullifiers: &mut impl NullifierStore,
    ) -> Result<Verified, VerifyError> {
        self.check_statement(p, expected)?;
        verify(&self.key, &p.statement, &p.proof)?;
        self.record(p, nullifiers)
    }

    /// Checks many presentations, each against its own expectations, with one batch proof check
    /// ([`crate::verify_batch`]) for all those that pass the cheap checks. Results are in input
    /// order, each exactly what [`Self::verify_presentation`] would give for that presentation
    /// checked in turn: the nullifiers of the accepted ones are recorded in order, so the second
    /// use of a nullifier within the batch is [`VerifyError::NullifierReused`].
    ///
    /// `rng` draws the batch's random weights: a cryptographic RNG the provers cannot predict.
    pub fn verify_presentations<G: RngCore + CryptoRng + ?Sized>(
        &self,
        items: &[(Presentation, Expected)],
        nullifiers: &mut impl NullifierStore,
        rng: &mut G,
    ) -> Vec<Result<Verified, VerifyError>> {
        let results = check_in_batch(
            &self.key,
            items,
            |(p, expected)| self.check_statement(p, expected),
            |(p, _)| (p.statement, p.proof.clone()),
            rng,
        );
        items
            .iter()
            .zip(results)
            .map(|((p, _), r)| r.and_then(|()| self.record(p, nullifiers)))
            .collect()
    }

    /// Checks 1 to 6 of [`Self::verify_presentation`]: everything but the proof and the
    /// nullifier.
    fn check_statement(&self, p: &Presentation, expected: &Expected) -> Result<(), VerifyError> {
        let s = &p.statement;
        self.key.check_label(p.circuit, p.depth, p.key_id)?;
        let days_off = s.today.0.abs_diff(expected.today.0);
        if days_off > self.clock_tolerance_days {
            return Err(VerifyError::TodayOutOfTolerance {
                days_off,
                presented: s.today.to_string(),
                expected: expected.today.to_string(),
                tolerance: self.clock_tolerance_days,
            });
        }
        let admitted = match s.today.0.cmp(&expected.today.0) {
            std::cmp::Ordering::Equal => true,
            std::cmp::Ordering::Greater => self.compiled.admits_later_day(),
            std::cmp::Ordering::Less => self.compiled.admits_earlier_day(),
        };
        if !admitted {
            return Err(VerifyError::TodayNotAdmitted {
                presented: s.today.to_string(),
                expected: expected.today.to_string(),
            });
        }
        if s.challenge != expected.challenge {
            return Err(VerifyError::ChallengeMismatch);
        }
        if s.scope != expected.scope {
            return Err(VerifyError::ScopeMismatch);
        }
        let disclosed = self
            .policy
            .expand_disclosed(&p.disclosed)
            .map_err(|e| VerifyError::PolicyMismatch(e.to_string()))?;
        if self.compiled.query_hash(&disclosed) != s.query_hash {
            return Err(VerifyError::PolicyMismatch(
                "the query hash is not this policy's with the disclosed values".into(),
            ));
        }
        if !self.roots.is_accepted(&s.root, expected.now_unix_secs)? {
            return Err(VerifyError::RootNotAccepted {
                root: fr_to_hex(&s.root),
                now_unix_secs: expected.now_unix_secs,
            });
        }
        Ok(())
    }

    /// Check 8: records the nullifier of a presentation whose proof verified.
    fn record(
        &self,
        p: &Presentation,
        nullifiers: &mut impl NullifierStore,
    ) -> Result<Verified, VerifyError> {
        let s = &p.statement;
        record_nullifier(nullifiers, &s.scope, &s.nullifier)?;
        Ok(Verified {
            nullifier: s.nullifier,
            disclosed: describe_disclosed(&self.policy, &p.disclosed),
        })
    }
}

/// Compiles `policy` and checks that `roots` speak for its issuer: [`VerifyError::InvalidPolicy`]
/// or [`VerifyError::IssuerRootsMismatch`].
pub(crate) fn compile_with_roots<R: RootSource>(
    policy: &Policy,
    roots: &IssuerRoots<R>,
) -> Result<CompiledPolicy, VerifyError> {
    let compiled = policy
        .compile()
        .map_err(|e| VerifyError::InvalidPolicy(e.to_string()))?;
    // Both are valid codes (the policy compiled, `IssuerRoots::new` checked its own), and
    // distinct codes encode to distinct field elements: comparing the texts compares the
    // issuers the circuit sees.
    if roots.issuer() != policy.issuer {
        return Err(VerifyError::IssuerRootsMismatch {
            policy: policy.issuer.clone(),
            roots: roots.issuer().to_string(),
        });
    }
    Ok(compiled)
}

/// For each item, in order: `check` (everything but the proof), then, for all the items that
/// passed it, one batch proof check ([`crate::verify_batch`]) of `(statement, proof)`: an item
/// whose check failed keeps its error, one whose proof is invalid gets
/// [`VerifyError::InvalidProof`], and a batch that cannot be checked at all gives its error to
/// every item that reached it.
pub(crate) fn check_in_batch<T, S: PublicInputs, G: RngCore + CryptoRng + ?Sized>(
    key: &VerifyingKey,
    items: &[T],
    check: impl Fn(&T) -> Result<(), VerifyError>,
    statement: impl Fn(&T) -> (S, Proof),
    rng: &mut G,
) -> Vec<Result<(), VerifyError>> {
    let mut results: Vec<Result<(), VerifyError>> = items.iter().map(check).collect();
    let passed: Vec<usize> = (0..items.len())
        .filter(|i| results.get(*i).is_some_and(Result::is_ok))
        .collect();
    let batch: Vec<(S, Proof)> = passed
        .iter()
        .filter_map(|i| items.get(*i))
        .map(statement)
        .collect();
    match crate::verify_batch(key, &batch, rng) {
        Ok(()) => {}
        Err(VerifyError::InvalidProofsInBatch { invalid }) => {
            for j in invalid {
                if let Some(r) = passed.get(j).and_then(|i| results.get_mut(*i)) {
                    *r = Err(VerifyError::InvalidProof);
                }
            }
        }
        Err(e) => {
            for i in &passed {
                if let Some(r) = results.get_mut(*i) {
                    *r = Err(e.clone());
                }
            }
        }
    }
    results
}

/// Records `nullifier` as used in `scope`, refusing it if it already was
/// ([`VerifyError::NullifierReused`]).
pub(crate) fn record_nullifier(
    nullifiers: &mut impl NullifierStore,
    scope: &Fr,
    nullifier: &Fr,
) -> Result<(), VerifyError> {
    let reused = || VerifyError::NullifierReused {
        nullifier: fr_to_hex(nullifier),
    };
    if nullifiers.contains(scope, nullifier)? {
        return Err(reused());
    }
    if !nullifiers.insert(scope, nullifier)? {
        // Another check inserted it between `contains` and `insert`.
        return Err(reused());
    }
    Ok(())
}

/// One disclosed value: the slot's name in the policy's schema, the value, and a readable
/// rendering when there is one (the text of a code slot whose value decodes as a code,
/// `YYYY-MM-DD` for a date slot).
pub type Disclosed = (String, Fr, Option<String>);

/// Names and renders the disclosed values (which `expand_disclosed` has matched to the policy's
/// disclosed slots).
pub(crate) fn describe_disclosed(policy: &Policy, values: &[Fr]) -> Vec<Disclosed> {
    let slots = policy.schema.slots();
    policy
        .disclosed_slots()
        .into_iter()
        .zip(values)
        .map(|(slot, value)| {
            let (name, kind) = slots
                .get(slot)
                .map_or(("unknown", SlotKind::Unused), |s| (s.name, s.kind));
            (name.to_string(), *value, render(kind, value))
        })
        .collect()
}

/// A readable form of a slot value, when its kind has one and the value fits it.
fn render(kind: SlotKind, value: &Fr) -> Option<String> {
    let small = || -> Option<u32> {
        let bytes = zkhealth_circuits::field::fr_to_bytes_be(value);
        let (high, low) = bytes.split_last_chunk::<4>()?;
        high.iter()
            .all(|b| *b == 0)
            .then(|| u32::from_be_bytes(*low))
    };
    match kind {
        SlotKind::Code => codes::decode(value),
        SlotKind::Day => Day(small()?).validate().ok().map(|d| d.to_string()),
        SlotKind::Ymd => zkhealth_circuits::date::Ymd::try_from(small()?)
            .ok()
            .map(|y| y.to_string()),
        SlotKind::Number | SlotKind::Unused => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_gives_codes_and_dates() {
        let code = codes::encode("NL").unwrap();
        assert_eq!(render(SlotKind::Code, &code), Some("NL".into()));
        let day = Day::from_civil(2021, 6, 1).unwrap();
        assert_eq!(
            render(SlotKind::Day, &day.to_field()),
            Some("2021-06-01".into())
        );
        assert_eq!(
            render(SlotKind::Ymd, &Fr::from(19800229u32)),
            Some("1980-02-29".into())
        );
        assert_eq!(render(SlotKind::Ymd, &Fr::from(19810229u32)), None);
        assert_eq!(render(SlotKind::Day, &-Fr::from(1u8)), None);
        assert_eq!(render(SlotKind::Number, &Fr::from(65u8)), None);
    }

    fn roots_of(issuer: &str) -> IssuerRoots<crate::LocalRoots> {
        let mut h = zkhealth_registry::RootHistory::new(60);
        h.publish(Fr::from(5u8), 1_000).unwrap();
        IssuerRoots::new(issuer, crate::LocalRoots::new(h)).unwrap()
    }

    fn policy_of(issuer: &str) -> Policy {
        Policy::new(zkhealth_records::schema::vaccination::SCHEMA, issuer)
    }

    #[test]
    fn a_policy_for_one_issuer_is_refused_with_another_issuers_roots() {
        let key = crate::testkit::key().clone();
        assert_eq!(
            Verifier::new(key.clone(), policy_of("A"), roots_of("B")).unwrap_err(),
            VerifyError::IssuerRootsMismatch {
                policy: "A".into(),
                roots: "B".into(),
            }
        );
        // Codes are case-sensitive: "a" is another issuer.
        assert!(matches!(
            Verifier::new(key.clone(), policy_of("A"), roots_of("a")),
            Err(VerifyError::IssuerRootsMismatch { .. })
        ));
        // A policy that does not compile is refused as such, whatever the roots.
        assert!(matches!(
            Verifier::new(key, policy_of("A B"), roots_of("B")),
            Err(VerifyError::InvalidPolicy(_))
        ));
    }

    #[test]
    fn a_policy_is_accepted_with_its_own_issuers_roots() {
        let mut v =
            Verifier::new(crate::testkit::key().clone(), policy_of("A"), roots_of("A")).unwrap();
        assert_eq!(v.issuer(), "A");
        assert_eq!(v.roots(), roots_of("A").source());
        assert!(v.roots().is_accepted(&Fr::from(5u8), 2_000).unwrap());
        v.roots_mut()
            .update(zkhealth_registry::RootHistory::new(60));
        assert!(!v.roots().is_accepted(&Fr::from(5u8), 2_000).unwrap());
    }

    #[test]
    fn a_root_source_needs_a_valid_issuer_code() {
        for bad in ["", "A B", &"A".repeat(32)] {
            assert!(
                matches!(
                    IssuerRoots::new(bad, roots_of("A").into_source()),
                    Err(VerifyError::InvalidVerifierInput(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn expected_at_derives_the_utc_day() {
        let e = Expected::at(Fr::from(1u8), Fr::from(2u8), 86_400 * 3 + 5).unwrap();
        assert_eq!(e.today.to_string(), "1970-01-04");
        assert!(Expected::at(Fr::from(1u8), Fr::from(2u8), u64::MAX).is_err());
    }
}
