use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisMode};
use ark_std::UniformRand;
use rand_core::{CryptoRng, OsRng, RngCore};
use zkhealth_circuits::{
    circuit::{Circuit, PresentationCircuit, PresentationWitness},
    credential::{Credential, HolderSecret},
    date::Day,
    merkle::MerklePath,
    policy::Policy,
    Fr, PublicInputs, Scope, Statement,
};
use zkhealth_verifier::{Presentation, Proof, VerifyError};

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
    /// The nullifier scope, derived from the identity of the verifier the holder presents to
    /// and the verifier's event ([`Scope::named`], [`Scope::of_contract`]); never raw bytes from
    /// the verifier, which could name another verifier's scope and link the holder through the
    /// nullifier that verifier sees.
    pub scope: Scope,
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
            scope: req.scope.value(),
            nullifier: req.secret.nullifier(&req.scope.value()),
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
    ///
    /// The proof is checked against the artifact's verifying key before it is returned (a few
    /// milliseconds; [`Self::check_proof`]): an artifact whose proving key or matrices were altered, even with its digest
    /// recomputed, gives [`ProverError::ProofDoesNotVerify`] rather than a presentation that no
    /// verifier accepts.
    pub fn prove_with_rng<R: RngCore + CryptoRng>(
        &self,
        req: &ProveRequest<'_>,
        rng: &mut R,
    ) -> Result<Presentation, ProverError> {
        let (statement, witness) = self.prepare(req)?;
        let disclosed = req.policy.disclosed_values(req.credential);
        let circuit = PresentationCircuit::new(self.artifact.depth(), statement, witness);
        let proof = self.prove_circuit(circuit, rng)?;
        self.check_proof(&statement, &proof)?;
        Ok(Presentation {
            circuit: self.artifact.circuit(),
            depth: self.artifact.depth(),
            key_id: self.artifact.vk.id(),
            statement,
            disclosed,
            proof,
        })
    }

    /// The full assignment (constant one, the statement's inputs, the witness) of the circuit
    /// that proves `req`, in wire order: what a `.wtns` file holds
    /// ([`crate::snarkjs::wtns::to_bytes`]). Checks the request as [`Self::prove`] does.
    pub fn assignment(&self, req: &ProveRequest<'_>) -> Result<Vec<Fr>, ProverError> {
        let (statement, witness) = self.prepare(req)?;
        let circuit = PresentationCircuit::new(self.artifact.depth(), statement, witness);
        let cs = self.synthesize_witness(circuit)?;
        let mut assignment = cs.instance_assignment()?;
        assignment.extend(cs.witness_assignment()?);
        Ok(assignment)
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

    /// Checks a proof of `statement` against the artifact's verifying key with ark-groth16's
    /// verifier and a key prepared for this one check (a pairing and the input MSM, a few
    /// milliseconds): a verifier's fixed-base input tables would take longer to build than they
    /// save on one proof. [`ProverError::ProofDoesNotVerify`] if it fails.
    pub fn check_proof<S: PublicInputs>(
        &self,
        statement: &S,
        proof: &Proof,
    ) -> Result<(), ProverError> {
        let vk = &self.artifact.vk;
        if S::CIRCUIT != vk.circuit() {
            return Err(ProverError::ProofDoesNotVerify {
                reason: VerifyError::WrongCircuit {
                    expected: vk.circuit(),
                    found: S::CIRCUIT,
                },
            });
        }
        let prepared = ark_groth16::prepare_verifying_key(vk.inner());
        let inputs = statement.to_field_elements();
        match ark_groth16::Groth16::<ark_bn254::Bn254>::verify_proof(&prepared, &proof.0, &inputs) {
            Ok(true) => Ok(()),
            _ => Err(ProverError::ProofDoesNotVerify {
                reason: VerifyError::InvalidProof,
            }),
        }
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
        let proof = groth16::create_proof(
            &self.artifact.pk,
            m,
            &assignment,
            r,
            s,
            self.artifact.reduction,
        )?;
        Ok(Proof(proof))
    }
}
