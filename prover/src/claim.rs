//! Proving claims: a coverage credential and a treatment record of one holder, for an insurer
//! ([`zkhealth_circuits::claim`]).

use rand_core::{CryptoRng, OsRng, RngCore};
use zkhealth_circuits::{
    circuit::{ClaimCircuit, ClaimWitness},
    claim::{check_covered, claim_nullifier, claim_query_hash, ClaimStatement},
    credential::{Credential, HolderSecret},
    date::Day,
    merkle::MerklePath,
    opening::CredentialOpening,
    policy::Policy,
    Fr, Scope,
};
use zkhealth_verifier::ClaimPresentation;

use crate::{Prover, ProverError};

/// One of a claim's credentials: the credential, its path in its registry and the insurer's
/// policy over it.
#[derive(Debug, Clone, Copy)]
pub struct Held<'a> {
    /// The credential.
    pub credential: &'a Credential,
    /// Its current Merkle path.
    pub path: &'a MerklePath,
    /// The insurer's policy over it.
    pub policy: &'a Policy,
}

/// What a claimant proves: its coverage and treatment, against the insurer's date, challenge
/// and scope.
#[derive(Debug, Clone)]
pub struct ClaimRequest<'a> {
    /// The holder's secret (both credentials name its key).
    pub secret: &'a HolderSecret,
    /// The coverage credential, in the insurer's registry.
    pub coverage: Held<'a>,
    /// The treatment record, in the provider registry.
    pub treatment: Held<'a>,
    /// The insurer's date.
    pub today: Day,
    /// The insurer's challenge.
    pub challenge: Fr,
    /// The insurer's claim scope, derived from its identity ([`Scope`]).
    pub scope: Scope,
}

/// The opening of one side and its query hash with its disclosed values.
fn open(held: &Held<'_>, depth: u32, today: Day) -> Result<(CredentialOpening, Fr), ProverError> {
    held.path.validate(depth)?;
    let choices = held.policy.check(held.credential, today)?;
    let policy = held.policy.compile()?;
    let disclosed = held.policy.disclosed_values(held.credential);
    let query = policy.query_hash(&held.policy.expand_disclosed(&disclosed)?);
    Ok((
        CredentialOpening {
            credential: held.credential.clone(),
            path: held.path.clone(),
            policy,
            choices,
        },
        query,
    ))
}

impl Prover {
    /// Checks a claim natively and builds its statement and witness; no proving work. Fails
    /// naming what does not hold: a credential not held by the secret
    /// ([`ProverError::HolderSecretMismatch`]), a path of another depth, a policy's unmet
    /// condition, or a cross condition ([`zkhealth_circuits::Error::NotCovered`]).
    pub fn prepare_claim(
        &self,
        req: &ClaimRequest<'_>,
    ) -> Result<(ClaimStatement, ClaimWitness), ProverError> {
        let depth = self.artifact().depth();
        let key = req.secret.holder_key();
        if req.coverage.credential.holder_key != key || req.treatment.credential.holder_key != key {
            return Err(ProverError::HolderSecretMismatch);
        }
        check_covered(req.coverage.credential, req.treatment.credential)?;
        let (coverage, q_cov) = open(&req.coverage, depth, req.today)?;
        let (treatment, q_trt) = open(&req.treatment, depth, req.today)?;
        let scope = req.scope.value();
        let statement = ClaimStatement {
            root_coverage: req.coverage.path.root(&req.coverage.credential.commit()),
            root_treatment: req.treatment.path.root(&req.treatment.credential.commit()),
            today: req.today,
            challenge: req.challenge,
            scope,
            nullifier: claim_nullifier(req.secret, req.treatment.credential, &scope),
            query_hash: claim_query_hash(q_cov, q_trt),
        };
        let witness = ClaimWitness {
            secret: req.secret.clone(),
            coverage,
            treatment,
        };
        Ok((statement, witness))
    }

    /// Proves a claim with the operating system's CSPRNG.
    pub fn prove_claim(&self, req: &ClaimRequest<'_>) -> Result<ClaimPresentation, ProverError> {
        self.prove_claim_with_rng(req, &mut OsRng)
    }

    /// Proves a claim with a caller-supplied cryptographic RNG; the artifact must be the claim
    /// circuit's ([`ProverError::WrongCircuit`]). The proof is checked against the artifact's
    /// verifying key before it is returned, as [`Prover::prove_with_rng`] does.
    pub fn prove_claim_with_rng<R: RngCore + CryptoRng>(
        &self,
        req: &ClaimRequest<'_>,
        rng: &mut R,
    ) -> Result<ClaimPresentation, ProverError> {
        let (statement, witness) = self.prepare_claim(req)?;
        let depth = self.artifact().depth();
        let circuit = ClaimCircuit {
            depth,
            statement: Some(statement),
            witness: Some(witness),
        };
        let proof = self.prove_circuit(circuit, rng)?;
        self.check_proof(&statement, &proof)?;
        Ok(ClaimPresentation {
            circuit: self.artifact().circuit(),
            depth,
            key_id: self.artifact().verifying_key().id(),
            statement,
            disclosed_coverage: req
                .coverage
                .policy
                .disclosed_values(req.coverage.credential),
            disclosed_treatment: req
                .treatment
                .policy
                .disclosed_values(req.treatment.credential),
            proof,
        })
    }
}
