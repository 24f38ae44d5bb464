use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisMode};
use ark_std::UniformRand;
use rand_core::{CryptoRng, OsRng, RngCore};
use zkhealth_circuits::{
    circuit::{Circuit, PresentationCircuit, PresentationWitness},
    credential::{Credential, HolderSecret},
    date::Day,
    merkle::MerklePath,
    policy::Policy,
    Fr, Statement,
};
use zkhealth_verifier::{Presentation, Proof};

use crate::{groth16, matrices::new_cs, ProverError, ProvingArtifact};

/// What a holder proves: its credential, secret and path, against the verifier's policy, date,
/// challenge and scope.
#[derive(Debug, Clone)]
pub struct ProveRequest<'a> {
    /// The holder's secret.
    pub secret: &'a HolderSecret,
    /// The credential.
    pub credential: &'a Credential,
    /// Its current Merkle path.
    pub path: &'a MerklePath,
    /// The verifier's policy.
    pub policy: &'a Policy,
    /// The verifier's date.
    pub today: Day,
    /// The verifier's challenge.
    pub challenge: Fr,
    /// The nullifier scope.
    pub scope: Fr,
}

/// A prover holding one proving artifact.
pub struct Prover {
    artifact: ProvingArtifact,
}

impl Prover {
    /// A prover for this artifact.
    pub fn new(artifact: ProvingArtifact) -> Self {
        Prover { artifact }
    }

    /// The artifact.
    pub fn artifact(&self) -> &ProvingArtifact {
        &self.artifact
    }

    /// Checks the request natively and builds the statement and witness; no proving work.
    /// Fails naming the unmet condition, or the input that does not fit.
    pub fn prepare(
        &self,
        req: &ProveRequest<'_>,
    ) -> Result<(Statement, PresentationWitness), ProverError> {
        let depth = self.artifact.depth();
        req.path.validate(depth)?;
        if req.secret.holder_key() != req.credential.holder_key {
            return Err(ProverError::HolderSecretMismatch);
        }
        let choices = req.policy.check(req.credential, req.today)?;
        let policy = req.policy.compile()?;
        let disclosed = req.policy.disclosed_values(req.credential);
        let statement = Statement {
            root: req.path.root(&req.credential.commit()),
            today: req.today,
            challenge: req.challenge,
            scope: req.scope,
            nullifier: req.secret.nullifier(&req.scope),
            query_hash: policy.query_hash(&req.policy.expand_disclosed(&disclosed)?),
        };
        let witness = PresentationWitness {
            secret: req.secret.clone(),
            credential: req.credential.clone(),
            path: req.path.clone(),
            policy,
            choices,
        };
        Ok((statement, witness))
    }

    /// Proves with the operating system's CSPRNG.
    pub fn prove(&self, req: &ProveRequest<'_>) -> Result<Presentation, ProverError> {
        self.prove_with_rng(req, &mut OsRng)
    }

    /// Proves with a caller-supplied cryptographic RNG.
    pub fn prove_with_rng<R: RngCore + CryptoRng>(
        &self,
        req: &ProveRequest<'_>,
        rng: &mut R,
    ) -> Result<Presentation, ProverError> {
        let (statement, witness) = self.prepare(req)?;
        let disclosed = req.policy.disclosed_values(req.credential);
        let circuit = PresentationCircuit::new(self.artifact.depth(), statement, witness);
        Ok(Presentation {
            circuit: self.artifact.circuit(),
            depth: self.artifact.depth(),
            key_id: self.artifact.vk.id(),
            statement,
            disclosed,
            proof: self.prove_circuit(circuit, rng)?,
        })
    }

    /// Synthesizes the witness of a circuit (no matrices: they are cached in the artifact).
    /// Returns the constraint system, in prove mode with `construct_matrices: false`.
    ///
    /// The circuit must be the artifact's ([`ProverError::WrongCircuit`]) at its depth
    /// ([`ProverError::DepthMismatch`]).
    pub fn synthesize_witness<C: Circuit>(
        &self,
        circuit: C,
    ) -> Result<ConstraintSystemRef<Fr>, ProverError> {
        if C::ID != self.artifact.circuit() {
            return Err(ProverError::WrongCircuit {
                expected: self.artifact.circuit(),
                found: C::ID,
            });
        }
        if circuit.depth() != self.artifact.depth() {
            return Err(ProverError::DepthMismatch {
                circuit: circuit.depth(),
                artifact: self.artifact.depth(),
            });
        }
        let cs = new_cs(SynthesisMode::Prove {
            construct_matrices: false,
            generate_lc_assignments: false,
        });
        circuit.generate_constraints(cs.clone())?;
        cs.finalize();
        Ok(cs)
    }

    /// Proves a circuit as given, **without** the native pre-check: a circuit whose witness does
    /// not satisfy the constraints yields a proof that does not verify. [`Self::prove`] is the
    /// checked entry point; this one is for tools and tests.
    pub fn prove_circuit<C: Circuit, R: RngCore + CryptoRng>(
        &self,
        circuit: C,
        rng: &mut R,
    ) -> Result<Proof, ProverError> {
        let cs = self.synthesize_witness(circuit)?;
        let m = &self.artifact.matrices;
        let mut assignment = cs.instance_assignment()?;
        assignment.extend(cs.witness_assignment()?);
        let r = Fr::rand(rng);
        let s = Fr::rand(rng);
        let proof = groth16::create_proof(&self.artifact.pk, m, &assignment, r, s)?;
        Ok(Proof(proof))
    }
}
