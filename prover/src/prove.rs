use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand_core::{CryptoRng, OsRng, RngCore};
use zkhealth_circuits::{
    circuit::{PresentationCircuit, PresentationWitness},
    credential::{Credential, HolderSecret},
    date::Day,
    merkle::MerklePath,
    policy::Policy,
    Fr, Statement,
};
use zkhealth_verifier::{Presentation, Proof};

use crate::{ProverError, ProvingArtifact};

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
            return Err(ProverError::Mismatch(
                "the holder secret does not match the credential's holder key".into(),
            ));
        }
        let choices = req.policy.check(req.credential, req.today)?;
        let root = req.path.root(&req.credential.commit());
        let policy = req.policy.compile()?;
        let disclosed = req.policy.disclosed_values(req.credential);
        let statement = Statement {
            root,
            today: req.today,
            challenge: req.challenge,
            scope: req.scope,
            nullifier: req.secret.nullifier(&req.scope),
            query_hash: req.policy.query_hash(&disclosed)?,
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
        let proof = Groth16::<Bn254>::prove(&self.artifact.pk, circuit, rng)
            .map_err(|e| ProverError::Proving(e.to_string()))?;
        Ok(Presentation {
            key_id: self.artifact.vk.id(),
            statement,
            disclosed,
            proof: Proof(proof),
        })
    }
}
