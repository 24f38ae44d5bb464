//! Claims: a proof over an insurer's coverage credential and a provider's treatment record of
//! one holder ([`zkhealth_circuits::claim`]), checked by the insurer.
//!
//! A [`ClaimVerifier`] holds the claim circuit's pinned key, the insurer's two policies (one
//! over the coverage, one over the treatment), and two root sources: the insurer's registry for
//! the coverage and the provider registry for the treatment, each speaking for its policy's
//! issuer ([`IssuerRoots`]). A claim is accepted once per treatment in the insurer's scope: its
//! nullifier is the treatment's ([`zkhealth_circuits::claim::claim_nullifier`]), whatever the
//! challenge or the proof's randomness.

use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use zkhealth_circuits::{
    circuit::CircuitId,
    claim::{claim_query_hash, ClaimStatement},
    field::{fr_to_hex, serde_fr_vec},
    merkle::MAX_DEPTH,
    policy::{CompiledPolicy, Policy},
    Fr, PublicInputs,
};

use crate::{
    presentation::MAX_DISCLOSED,
    verifier::{
        check_in_batch, compile_with_roots, describe_disclosed, record_nullifier, Disclosed,
    },
    verify, Expected, IssuerRoots, KeyId, NullifierStore, Proof, RootSource, VerifyError,
    VerifyingKey,
};

/// A claim: a proof, the statement it proves, the values it discloses from each credential, and
/// the depth and key it was made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimPresentation {
    /// The circuit ([`CircuitId::Claim`] in a decoded claim).
    pub circuit: CircuitId,
    /// The registry depth of the key the proof is for.
    pub depth: u32,
    /// The verifying key the proof is for.
    pub key_id: KeyId,
    /// The public inputs.
    pub statement: ClaimStatement,
    /// The values disclosed from the coverage credential, in its policy's slot order.
    #[serde(with = "serde_fr_vec")]
    pub disclosed_coverage: Vec<Fr>,
    /// The values disclosed from the treatment record, in its policy's slot order.
    #[serde(with = "serde_fr_vec")]
    pub disclosed_treatment: Vec<Fr>,
    /// The Groth16 proof.
    pub proof: Proof,
}

impl ClaimPresentation {
    /// The JSON form.
    pub fn to_json(&self) -> String {
        // Every field serializes to a string or a list of strings; this cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Decodes the JSON form, refusing another circuit, an unsupported depth and more disclosed
    /// values than a credential has slots.
    pub fn from_json(json: &str) -> Result<Self, VerifyError> {
        let c: ClaimPresentation = serde_json::from_str(json)?;
        if c.circuit != CircuitId::Claim {
            return Err(VerifyError::WrongCircuit {
                expected: CircuitId::Claim,
                found: c.circuit,
            });
        }
        if !(1..=MAX_DEPTH).contains(&c.depth) {
            return Err(VerifyError::UnsupportedDepth {
                depth: c.depth,
                max: MAX_DEPTH,
            });
        }
        for values in [&c.disclosed_coverage, &c.disclosed_treatment] {
            if values.len() > MAX_DISCLOSED {
                return Err(VerifyError::TooManyDisclosed {
                    count: values.len(),
                    max: MAX_DISCLOSED,
                });
            }
        }
        Ok(c)
    }
}

/// What an accepted claim tells the insurer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedClaim {
    /// The claim nullifier, now recorded as used in the insurer's scope.
    pub nullifier: Fr,
    /// The values disclosed from the coverage credential (as [`crate::Verified::disclosed`]).
    pub coverage: Vec<Disclosed>,
    /// The values disclosed from the treatment record.
    pub treatment: Vec<Disclosed>,
}

/// One of the claim's two credentials as the insurer checks it: its policy, compiled, and the
/// roots of its issuer's registry.
#[derive(Debug, Clone)]
struct Side<R: RootSource> {
    policy: Policy,
    compiled: CompiledPolicy,
    roots: IssuerRoots<R>,
}

impl<R: RootSource> Side<R> {
    fn new(policy: Policy, roots: IssuerRoots<R>) -> Result<Self, VerifyError> {
        let compiled = compile_with_roots(&policy, &roots)?;
        Ok(Side {
            policy,
            compiled,
            roots,
        })
    }

    /// The policy's query hash with `disclosed`.
    fn query_hash(&self, disclosed: &[Fr]) -> Result<Fr, VerifyError> {
        let expanded = self
            .policy
            .expand_disclosed(disclosed)
            .map_err(|e| VerifyError::PolicyMismatch(e.to_string()))?;
        Ok(self.compiled.query_hash(&expanded))
    }

    fn check_root(&self, root: &Fr, now_unix_secs: u64) -> Result<(), VerifyError> {
        if self.roots.is_accepted(root, now_unix_secs)? {
            Ok(())
        } else {
            Err(VerifyError::RootNotAccepted {
                root: fr_to_hex(root),
                now_unix_secs,
            })
        }
    }
}

/// An insurer's claim verifier: the claim circuit's pinned key, a policy over the coverage with
/// the insurer registry's roots, and a policy over the treatment with the provider registry's.
#[derive(Debug, Clone)]
pub struct ClaimVerifier<C: RootSource, T: RootSource> {
    key: VerifyingKey,
    coverage: Side<C>,
    treatment: Side<T>,
}

impl<C: RootSource, T: RootSource> ClaimVerifier<C, T> {
    /// A verifier of claims made under `key` (the claim circuit's), for `coverage_policy` over
    /// credentials in the registry `coverage_roots` reads and `treatment_policy` over records in
    /// the registry `treatment_roots` reads.
    ///
    /// Fails with [`VerifyError::WrongCircuit`] for another circuit's key,
    /// [`VerifyError::InvalidPolicy`] if a policy does not compile or is over another schema
    /// than its side's, and [`VerifyError::IssuerRootsMismatch`] if a root source speaks for
    /// another issuer than its policy's.
    pub fn new(
        key: VerifyingKey,
        coverage_policy: Policy,
        coverage_roots: IssuerRoots<C>,
        treatment_policy: Policy,
        treatment_roots: IssuerRoots<T>,
    ) -> Result<Self, VerifyError> {
        if key.circuit() != CircuitId::Claim {
            return Err(VerifyError::WrongCircuit {
                expected: CircuitId::Claim,
                found: key.circuit(),
            });
        }
        for (policy, schema) in [
            (
                &coverage_policy,
                zkhealth_circuits::claim::coverage::SCHEMA_NAME,
            ),
            (
                &treatment_policy,
                zkhealth_circuits::claim::treatment::SCHEMA_NAME,
            ),
        ] {
            if policy.schema.name() != schema {
                return Err(VerifyError::InvalidPolicy(format!(
                    "a claim's policy must be over {schema}, not {:?}",
                    policy.schema
                )));
            }
        }
        Ok(ClaimVerifier {
            key,
            coverage: Side::new(coverage_policy, coverage_roots)?,
            treatment: Side::new(treatment_policy, treatment_roots)?,
        })
    }

    /// The pinned key.
    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Checks a claim; on success records its nullifier in `nullifiers`.
    ///
    /// Checks, in this order, each failing with its own error: the key (circuit, depth, key
    /// id); the date is `expected.today` exactly ([`VerifyError::TodayOutOfTolerance`]); the
    /// challenge; the scope; the query hash is the two policies' with the disclosed values
    /// ([`VerifyError::PolicyMismatch`]); the coverage root is accepted by the insurer's
    /// registry and the treatment root by the provider registry
    /// ([`VerifyError::RootNotAccepted`]); the proof ([`VerifyError::InvalidProof`]); the
    /// nullifier is unused in the scope ([`VerifyError::NullifierReused`]: this treatment was
    /// claimed before).
    pub fn verify_claim(
        &self,
        c: &ClaimPresentation,
        expected: &Expected,
        nullifiers: &mut impl NullifierStore,
    ) -> Result<VerifiedClaim, VerifyError> {
        self.check_statement(c, expected)?;
        verify(&self.key, &c.statement, &c.proof)?;
        self.record(c, nullifiers)
    }

    /// Checks many claims, each against its own expectations, with one batch proof check for
    /// all those that pass the cheap checks; results in input order, each what
    /// [`Self::verify_claim`] would give checked in turn (the second claim of one treatment in
    /// the batch is [`VerifyError::NullifierReused`]).
    pub fn verify_claims<G: RngCore + CryptoRng + ?Sized>(
        &self,
        items: &[(ClaimPresentation, Expected)],
        nullifiers: &mut impl NullifierStore,
        rng: &mut G,
    ) -> Vec<Result<VerifiedClaim, VerifyError>> {
        let results = check_in_batch(
            &self.key,
            items,
            |(c, expected)| self.check_statement(c, expected),
            |(c, _)| (c.statement, c.proof.clone()),
            rng,
        );
        items
            .iter()
            .zip(results)
            .map(|((c, _), r)| r.and_then(|()| self.record(c, nullifiers)))
            .collect()
    }

    /// Everything but the proof and the nullifier.
    fn check_statement(
        &self,
        c: &ClaimPresentation,
        expected: &Expected,
    ) -> Result<(), VerifyError> {
        let s = &c.statement;
        self.key.check_label(c.circuit, c.depth, c.key_id)?;
        if s.today != expected.today {
            return Err(VerifyError::TodayOutOfTolerance {
                days_off: s.today.0.abs_diff(expected.today.0),
                presented: s.today.to_string(),
                expected: expected.today.to_string(),
                tolerance: 0,
            });
        }
        if s.challenge != expected.challenge {
            return Err(VerifyError::ChallengeMismatch);
        }
        if s.scope != expected.scope {
            return Err(VerifyError::ScopeMismatch);
        }
        let query = claim_query_hash(
            self.coverage.query_hash(&c.disclosed_coverage)?,
            self.treatment.query_hash(&c.disclosed_treatment)?,
        );
        if query != s.query_hash {
            return Err(VerifyError::PolicyMismatch(
                "the query hash is not these policies' with the disclosed values".into(),
            ));
        }
        self.coverage
            .check_root(&s.root_coverage, expected.now_unix_secs)?;
        self.treatment
            .check_root(&s.root_treatment, expected.now_unix_secs)?;
        Ok(())
    }

    fn record(
        &self,
        c: &ClaimPresentation,
        nullifiers: &mut impl NullifierStore,
    ) -> Result<VerifiedClaim, VerifyError> {
        let s = &c.statement;
        record_nullifier(nullifiers, &s.scope, &s.nullifier)?;
        Ok(VerifiedClaim {
            nullifier: s.nullifier,
            coverage: describe_disclosed(&self.coverage.policy, &c.disclosed_coverage),
            treatment: describe_disclosed(&self.treatment.policy, &c.disclosed_treatment),
        })
    }
}

// The claim's statement is the one the claim circuit's key has inputs for.
const _: () = assert!(ClaimStatement::NUM_INPUTS == 7);
