//! [`CredentialOpeningVar`]: the R1CS twin of [`CredentialOpening`], and the one gadget that
//! opens a credential against public values.
//!
//! Cost of [`CredentialOpeningVar::enforce_opening`], allocation included:
//! [`opening_constraints`]`(depth) = 304·depth + 3,801`, that is 6,841 at depth 10 and 8,665 at
//! depth 16:
//!
//! | part | constraints |
//! |------|-------------|
//! | commitment (Poseidon, 16 inputs) | 606 |
//! | Merkle path and root equality | 304·depth + 1 |
//! | holder binding (Poseidon, 2 inputs, and equality) | 238 |
//! | scoped nullifier (Poseidon, 3 inputs; returned, not compared) | 258 |
//! | expiry (33-bit decomposition of `expiry − today`) | 33 |
//! | conditions (4 × 205) | 820 |
//! | query hash, disclosure and equality | 1,845 |

use std::borrow::Borrow;

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{Namespace, SynthesisError};

use super::CredentialOpening;
use crate::{
    credential::constraints::{CredentialVar, HolderSecretVar},
    merkle::constraints::{MerklePathVar, CONSTRAINTS_PER_LEVEL},
    policy::{
        constraints::{alloc_choice, enforce_less_than_pow2, PolicyVar, COMPARISON_BITS},
        MAX_CONDITIONS,
    },
    Fr,
};

/// Constraints of one opening beyond its Merkle levels (see the module docs).
pub const OPENING_BASE_CONSTRAINTS: usize = 3_801;

/// Constraints of [`CredentialOpeningVar::new_witness_with_depth`] and
/// [`CredentialOpeningVar::enforce_held_opening`] together: an opening without the holder key's
/// hash, the scoped nullifier and the query hash's equality.
pub const fn held_opening_constraints(depth: u32) -> usize {
    opening_constraints(depth) - HOLDER_KEY_HASH - NULLIFIER_HASH - 1
}

/// Constraints of the holder key's hash, `Poseidon(holder-key tag, secret)`.
pub const HOLDER_KEY_HASH: usize = 237;
/// Constraints of the scoped nullifier's hash, `Poseidon(nullifier tag, secret, scope)`.
pub const NULLIFIER_HASH: usize = 258;

/// Constraints of [`CredentialOpeningVar::new_witness_with_depth`] and
/// [`CredentialOpeningVar::enforce_opening`] together, for a registry of depth `depth`.
pub const fn opening_constraints(depth: u32) -> usize {
    OPENING_BASE_CONSTRAINTS + CONSTRAINTS_PER_LEVEL * depth as usize
}

/// The public values a credential is opened against, by name (never five positional `FpVar`s).
#[derive(Clone, Copy)]
pub struct OpeningContext<'a> {
    /// The registry root the credential's path must lead to.
    pub root: &'a FpVar<Fr>,
    /// The nullifier's scope.
    pub scope: &'a FpVar<Fr>,
    /// The verifier's day number; the credential must not be expired on it.
    pub today: &'a FpVar<Fr>,
    /// The same day as `YYYYMMDD`.
    pub today_ymd: &'a FpVar<Fr>,
    /// The hash of the verifier's policy and the disclosed values.
    pub query_hash: &'a FpVar<Fr>,
}

/// The public values one of several openings under one holder is checked against
/// ([`CredentialOpeningVar::enforce_held_opening`]); the nullifier and the query hash are the
/// caller's.
#[derive(Clone, Copy)]
pub struct OpeningAt<'a> {
    /// The registry root the credential's path must lead to.
    pub root: &'a FpVar<Fr>,
    /// The verifier's day number; the credential must not be expired on it.
    pub today: &'a FpVar<Fr>,
    /// The same day as `YYYYMMDD`.
    pub today_ymd: &'a FpVar<Fr>,
}

/// One credential opening in the circuit: credential, path, policy and slot choices, all
/// witnesses.
#[derive(Clone)]
pub struct CredentialOpeningVar {
    /// The credential.
    pub credential: CredentialVar,
    /// Its Merkle path.
    pub path: MerklePathVar,
    /// The verifier's policy.
    pub policy: PolicyVar,
    /// Per condition, the one-hot choice of the slot it holds on.
    pub choices: Vec<Vec<Boolean<Fr>>>,
}

impl CredentialOpeningVar {
    /// Allocates an opening as witnesses, with a path of exactly `depth` levels, whether or not
    /// `f` yields a value (setup). Allocation order: credential, path, policy, choices.
    pub fn new_witness_with_depth<T: Borrow<CredentialOpening>>(
        cs: impl Into<Namespace<Fr>>,
        depth: u32,
        f: impl FnOnce() -> Result<T, SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let value = f().map(|o| o.borrow().clone());
        let get = |g: &dyn Fn(&CredentialOpening) -> _| {
            value
                .as_ref()
                .map(g)
                .map_err(|_| SynthesisError::AssignmentMissing)
        };
        let credential = CredentialVar::new_witness(cs.clone(), || get(&|o| o.credential.clone()))?;
        let path = MerklePathVar::new_witness_with_depth(cs.clone(), depth, || {
            value
                .as_ref()
                .map(|o| o.path.clone())
                .map_err(|_| SynthesisError::AssignmentMissing)
        })?;
        let policy = PolicyVar::new_witness(cs.clone(), || {
            value
                .as_ref()
                .map(|o| o.policy.clone())
                .map_err(|_| SynthesisError::AssignmentMissing)
        })?;
        let choices = (0..MAX_CONDITIONS)
            .map(|i| {
                let choice = value
                    .as_ref()
                    .map_err(|_| SynthesisError::AssignmentMissing)
                    .and_then(|o| {
                        o.choices
                            .get(i)
                            .copied()
                            .ok_or(SynthesisError::Unsatisfiable)
                    });
                alloc_choice(cs.clone(), choice)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CredentialOpeningVar {
            credential,
            path,
            policy,
            choices,
        })
    }

    /// Enforces that the credential opens against `ctx` for the holder of `secret`, and returns
    /// the scoped nullifier `H_null(secret, ctx.scope)` for the caller to bind:
    ///
    /// 1. holder binding: `credential.holder_key = H_key(secret)`;
    /// 2. membership: `path.root(commit(credential)) = ctx.root`;
    /// 3. the scoped nullifier (computed, returned);
    /// 4. not expired: `credential.expiry − ctx.today ∈ [0, 2³²)`;
    /// 5. the policy holds on the credential's slots at `ctx.today` / `ctx.today_ymd`;
    /// 6. `ctx.query_hash` is the policy's with the disclosed values.
    ///
    /// Cost: [`opening_constraints`]`(depth)` with the allocation (module docs).
    pub fn enforce_opening(
        &self,
        secret: &HolderSecretVar,
        ctx: &OpeningContext<'_>,
    ) -> Result<FpVar<Fr>, SynthesisError> {
        let at = OpeningAt {
            root: ctx.root,
            today: ctx.today,
            today_ymd: ctx.today_ymd,
        };
        self.enforce_membership(&secret.holder_key()?, at.root)?;
        let nullifier = secret.nullifier(ctx.scope)?;
        self.enforce_terms(&at)?.enforce_equal(ctx.query_hash)?;
        Ok(nullifier)
    }

    /// Enforces one of several openings held by one holder, whose key `holder_key =
    /// H_key(secret)` the caller computes once: steps 1, 2, 4 and 5 of [`Self::enforce_opening`]
    /// against `at`, and returns the query hash of the policy with the disclosed values (step 6
    /// without the comparison) for the caller to combine. No nullifier is computed: the caller
    /// derives its own.
    ///
    /// Cost: [`opening_constraints`]`(depth)` less the holder key's hash (237), the scoped
    /// nullifier (258) and the query hash's equality (1): [`held_opening_constraints`].
    pub fn enforce_held_opening(
        &self,
        holder_key: &FpVar<Fr>,
        at: &OpeningAt<'_>,
    ) -> Result<FpVar<Fr>, SynthesisError> {
        self.enforce_membership(holder_key, at.root)?;
        self.enforce_terms(at)
    }

    /// Steps 1 and 2: the credential is held by `holder_key` and is a leaf under `root`.
    fn enforce_membership(
        &self,
        holder_key: &FpVar<Fr>,
        root: &FpVar<Fr>,
    ) -> Result<(), SynthesisError> {
        let cred = &self.credential;
        cred.holder_key.enforce_equal(holder_key)?;
        self.path.enforce_root(&cred.commit()?, root)
    }

    /// Steps 4 and 5, and the query hash of step 6 (returned, not compared).
    fn enforce_terms(&self, at: &OpeningAt<'_>) -> Result<FpVar<Fr>, SynthesisError> {
        let cred = &self.credential;
        enforce_less_than_pow2(&(&cred.expiry - at.today), COMPARISON_BITS)?;
        self.policy
            .enforce_holds(&cred.slots, at.today, at.today_ymd, &self.choices)?;
        self.policy
            .query_hash(&cred.schema, &cred.issuer, &cred.slots)
    }
}

#[cfg(test)]
mod tests {
    use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef, SynthesisMode};
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    use super::*;
    use crate::{
        credential::{
            tests::{sample_record, vaccination, VACCINATION},
            Credential, HolderSecret,
        },
        date::Day,
        merkle::MerkleTree,
        policy::{Condition, Operand, Operator, Policy},
    };

    const DEPTH: u32 = 4;

    /// Public values, as field elements: root, scope, today, today_ymd, query_hash.
    #[derive(Clone, Copy)]
    struct Public {
        root: Fr,
        scope: Fr,
        today: Day,
        query_hash: Fr,
    }

    fn honest() -> (HolderSecret, CredentialOpening, Public) {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let secret = HolderSecret::random(&mut rng);
        let credential = Credential::new(
            &sample_record(),
            "NL-RIVM",
            secret.holder_key(),
            "2027-01-01".parse().unwrap(),
            &mut rng,
        )
        .unwrap();
        let mut tree = MerkleTree::new(DEPTH).unwrap();
        tree.append(Fr::from(5u8)).unwrap();
        let index = tree.append(credential.commit()).unwrap();
        // Two doses at least, the last 14 to 365 days ago.
        let policy = Policy {
            schema: VACCINATION,
            issuer: "NL-RIVM".into(),
            conditions: vec![
                Condition::new(
                    vaccination::DOSE_NUMBER,
                    Operator::Ge,
                    vec![Operand::Number(2)],
                ),
                Condition::new(
                    vaccination::DATE,
                    Operator::Between,
                    vec![Operand::DaysFromToday(-365), Operand::DaysFromToday(-14)],
                ),
            ],
            disclose: vec![],
        };
        let today: Day = "2026-11-21".parse().unwrap();
        let choices = policy.check(&credential, today).unwrap();
        let public = Public {
            root: tree.root(),
            scope: Fr::from(99u8),
            today,
            query_hash: policy.query_hash(&[]).unwrap(),
        };
        let opening = CredentialOpening {
            credential,
            path: tree.path(index).unwrap(),
            policy: policy.compile().unwrap(),
            choices,
        };
        (secret, opening, public)
    }

    /// Opens in `cs`; returns the nullifier's value when there is one.
    fn open(
        cs: ConstraintSystemRef<Fr>,
        secret: Option<&HolderSecret>,
        opening: Option<&CredentialOpening>,
        p: &Public,
    ) -> Option<Fr> {
        let input = |x: Fr| FpVar::new_input(cs.clone(), || Ok(x)).unwrap();
        let (root, scope, today, ymd, query) = (
            input(p.root),
            input(p.scope),
            input(p.today.to_field()),
            input(p.today.ymd().to_field()),
            input(p.query_hash),
        );
        let s = HolderSecretVar::new_witness(cs.clone(), || {
            secret.cloned().ok_or(SynthesisError::AssignmentMissing)
        })
        .unwrap();
        let o = CredentialOpeningVar::new_witness_with_depth(cs.clone(), DEPTH, || {
            opening.ok_or(SynthesisError::AssignmentMissing)
        })
        .unwrap();
        let ctx = OpeningContext {
            root: &root,
            scope: &scope,
            today: &today,
            today_ymd: &ymd,
            query_hash: &query,
        };
        o.enforce_opening(&s, &ctx).unwrap().value().ok()
    }

    fn satisfied(secret: &HolderSecret, opening: &CredentialOpening, p: &Public) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        open(cs.clone(), Some(secret), Some(opening), p);
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn honest_opening_is_satisfied_and_yields_the_native_nullifier() {
        let (secret, opening, p) = honest();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let nullifier = open(cs.clone(), Some(&secret), Some(&opening), &p);
        assert!(cs.is_satisfied().unwrap());
        assert_eq!(nullifier, Some(secret.nullifier(&p.scope)));
        let other = Public {
            scope: Fr::from(100u8),
            ..p
        };
        let cs = ConstraintSystem::<Fr>::new_ref();
        let n = open(cs, Some(&secret), Some(&opening), &other);
        assert_ne!(n, nullifier, "the nullifier depends on the scope");
    }

    #[test]
    fn opening_fails_when_any_one_public_value_or_the_secret_is_wrong() {
        let (secret, opening, p) = honest();
        let one = Fr::from(1u8);
        let cases = [
            (
                "root",
                Public {
                    root: p.root + one,
                    ..p
                },
            ),
            (
                "query hash",
                Public {
                    query_hash: p.query_hash + one,
                    ..p
                },
            ),
            (
                "today after expiry",
                Public {
                    today: "2027-01-02".parse().unwrap(),
                    ..p
                },
            ),
            (
                "today before the last dose's window",
                Public {
                    today: "2025-01-01".parse().unwrap(),
                    ..p
                },
            ),
        ];
        for (what, bad) in cases {
            assert!(!satisfied(&secret, &opening, &bad), "{what}");
        }
        let thief = HolderSecret(secret.0 + one);
        assert!(!satisfied(&thief, &opening, &p), "another secret");
        let mut lied = opening.clone();
        lied.choices[0] = (lied.choices[0] + 1) % crate::credential::NUM_SLOTS;
        assert!(!satisfied(&secret, &lied, &p), "another slot choice");
    }

    #[test]
    fn opening_costs_what_its_docs_say_and_setup_matches_prove() {
        let (secret, opening, p) = honest();
        let cs = ConstraintSystem::<Fr>::new_ref();
        open(cs.clone(), Some(&secret), Some(&opening), &p);
        let prove = cs.num_constraints();
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Setup);
        open(cs.clone(), None, None, &p);
        // The holder secret's allocation is the caller's and costs nothing.
        assert_eq!(cs.num_constraints(), prove);
        assert_eq!(prove, opening_constraints(DEPTH));
        assert_eq!(opening_constraints(10), 6_841);
        assert_eq!(opening_constraints(16), 8_665);
    }

    #[test]
    fn a_held_opening_is_an_opening_without_its_own_key_nullifier_and_equality() {
        let (secret, opening, p) = honest();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let input = |x: Fr| FpVar::new_input(cs.clone(), || Ok(x)).unwrap();
        let (root, today, ymd) = (
            input(p.root),
            input(p.today.to_field()),
            input(p.today.ymd().to_field()),
        );
        let s = HolderSecretVar::new_witness(cs.clone(), || Ok(secret.clone())).unwrap();
        let key = s.holder_key().unwrap();
        assert_eq!(cs.num_constraints(), HOLDER_KEY_HASH);
        let o = CredentialOpeningVar::new_witness_with_depth(cs.clone(), DEPTH, || Ok(&opening))
            .unwrap();
        let at = OpeningAt {
            root: &root,
            today: &today,
            today_ymd: &ymd,
        };
        let query = o.enforce_held_opening(&key, &at).unwrap();
        assert!(cs.is_satisfied().unwrap());
        assert_eq!(query.value().unwrap(), p.query_hash);
        assert_eq!(
            cs.num_constraints() - HOLDER_KEY_HASH,
            held_opening_constraints(DEPTH)
        );
        // Another holder's key leaves it unsatisfied.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let root = FpVar::new_input(cs.clone(), || Ok(p.root)).unwrap();
        let today = FpVar::new_input(cs.clone(), || Ok(p.today.to_field())).unwrap();
        let ymd = FpVar::new_input(cs.clone(), || Ok(p.today.ymd().to_field())).unwrap();
        let other =
            HolderSecretVar::new_witness(cs.clone(), || Ok(HolderSecret(secret.0 + Fr::from(1u8))))
                .unwrap();
        let o = CredentialOpeningVar::new_witness_with_depth(cs.clone(), DEPTH, || Ok(&opening))
            .unwrap();
        let at = OpeningAt {
            root: &root,
            today: &today,
            today_ymd: &ymd,
        };
        let _query = o
            .enforce_held_opening(&other.holder_key().unwrap(), &at)
            .unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }
}
