use std::sync::Arc;

use ark_bn254::Bn254;
use ark_groth16::{Groth16, ProvingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use ark_snark::SNARK;
use rand_core::{CryptoRng, RngCore};
use zkhealth_circuits::{circuit::PresentationCircuit, merkle::MAX_DEPTH};
use zkhealth_verifier::{
    container::{self, Kind},
    VerifyingKey,
};

use crate::{matrices::ConstraintMatrices, ProverError};

/// What the prover needs: the proving key for one registry depth, and the verifying key it
/// belongs to.
#[derive(Clone)]
pub struct ProvingArtifact {
    pub(crate) pk: ProvingKey<Bn254>,
    pub(crate) vk: VerifyingKey,
    pub(crate) matrices: Arc<ConstraintMatrices>,
}

/// Runs a circuit-specific Groth16 setup for registry depth `depth`.
///
/// This is a **development** setup: whoever runs it knows the trapdoor and could forge proofs.
/// Production keys come from a multi-party ceremony.
pub fn setup<R: RngCore + CryptoRng>(
    depth: u32,
    rng: &mut R,
) -> Result<(ProvingArtifact, VerifyingKey), ProverError> {
    if depth == 0 || depth > MAX_DEPTH {
        return Err(ProverError::Mismatch(format!(
            "registry depth {depth} is outside 1..={MAX_DEPTH}"
        )));
    }
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(PresentationCircuit::blank(depth), rng)
        .map_err(|e| ProverError::Proving(e.to_string()))?;
    let vk = VerifyingKey::new(vk, depth)?;
    let matrices = ConstraintMatrices::for_depth(depth)?;
    if pk.a_query.len() != matrices.num_instance_variables + matrices.num_witness_variables {
        return Err(ProverError::Proving(
            "constraint matrices do not fit the proving key".into(),
        ));
    }
    let artifact = ProvingArtifact {
        pk,
        vk: vk.clone(),
        matrices: Arc::new(matrices),
    };
    Ok((artifact, vk))
}

impl ProvingArtifact {
    /// The verifying key this artifact proves for.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.vk
    }

    /// The Groth16 proving key.
    pub fn proving_key(&self) -> &ProvingKey<Bn254> {
        &self.pk
    }

    /// The cached constraint matrices.
    pub fn matrices(&self) -> &ConstraintMatrices {
        &self.matrices
    }

    /// The registry depth.
    pub fn depth(&self) -> u32 {
        self.vk.depth()
    }

    /// The artifact as a file: container (magic, kind, version, length, SHA-256 digest) around
    /// the verifying key file, the uncompressed proving key and the constraint matrices.
    pub fn to_file_bytes(&self) -> Result<Vec<u8>, ProverError> {
        let vk_file = self.vk.to_file_bytes();
        let mut payload = Vec::new();
        payload.extend_from_slice(&(vk_file.len() as u64).to_le_bytes());
        payload.extend_from_slice(&vk_file);
        self.pk
            .serialize_with_mode(&mut payload, Compress::No)
            .map_err(|e| ProverError::Serialization(e.to_string()))?;
        self.matrices.write(&mut payload);
        Ok(container::seal(Kind::ProvingArtifact, &payload))
    }

    /// Loads an artifact file. The container's digest is checked first; the proving key is then
    /// decoded without curve checks (the digest vouches for the bytes, and full validation of a
    /// proving key takes seconds). The embedded verifying key is validated in full and must match
    /// the proving key's.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self, ProverError> {
        let payload = container::open(Kind::ProvingArtifact, bytes)?;
        let (len, rest) = payload
            .split_first_chunk::<8>()
            .ok_or_else(|| ProverError::Serialization("artifact payload too short".into()))?;
        let len = usize::try_from(u64::from_le_bytes(*len))
            .map_err(|_| ProverError::Serialization("verifying key length overflows".into()))?;
        if rest.len() < len {
            return Err(ProverError::Serialization("verifying key truncated".into()));
        }
        let (vk_file, mut pk_bytes) = rest.split_at(len);
        let vk = VerifyingKey::from_file_bytes(vk_file)?;
        let pk =
            ProvingKey::<Bn254>::deserialize_with_mode(&mut pk_bytes, Compress::No, Validate::No)
                .map_err(|e| ProverError::Serialization(format!("proving key: {e}")))?;
        let matrices = ConstraintMatrices::read(&mut pk_bytes)?;
        if !pk_bytes.is_empty() {
            return Err(ProverError::Serialization(
                "trailing bytes after the constraint matrices".into(),
            ));
        }
        if pk.a_query.len() != matrices.num_instance_variables + matrices.num_witness_variables
            || matrices.num_instance_variables != zkhealth_circuits::Statement::NUM_INPUTS + 1
        {
            return Err(ProverError::Mismatch(
                "the constraint matrices do not fit the proving key".into(),
            ));
        }
        if &pk.vk != vk.inner() {
            return Err(ProverError::Mismatch(
                "the proving key does not belong to the embedded verifying key".into(),
            ));
        }
        Ok(ProvingArtifact {
            pk,
            vk,
            matrices: Arc::new(matrices),
        })
    }
}
