//! Proving artifacts: the proving key, its verifying key and the cached constraint matrices of
//! one circuit at one registry depth, and their files.
//!
//! # Loading an artifact
//!
//! An artifact file is a container (magic, kind, version, length, SHA-256 digest) whose payload
//! is the verifying key file (which names the circuit and the depth), the proving key and the
//! constraint matrices in a raw encoding (points and field elements as their Montgomery limbs,
//! the matrices' coefficients through a table of distinct values: no decompression or conversion
//! on load; 7.3 MiB at depth 32, read and loaded in about 16 ms with a pin), then the provenance. The container's digest only detects accidental corruption: anyone who
//! alters a file can recompute it. Three loaders, by how much the bytes are trusted:
//!
//! | loader | proving-key points | use for |
//! |--------|--------------------|---------|
//! | [`ProvingArtifact::from_file_bytes`] | **not validated** (digest only) | files this machine wrote, or fetched over a channel that already authenticates them |
//! | [`ProvingArtifact::from_file_bytes_validated`] | every point checked on its curve and in its prime-order subgroup | files from untrusted sources, when the validation's time is acceptable |
//! | [`ProvingArtifact::from_file_bytes_pinned`] | not validated, but the payload's SHA-256 must equal an [`ArtifactId`] the caller pinned | files from untrusted sources whose id was published through a trusted channel (fast) |
//!
//! Every loader checks each coordinate and coefficient to be below its modulus, and every length
//! and index against the input. The pinned and digest loaders hash while they decode and return
//! nothing decoded unless the hash matches.
//!
//! The payload ends with the key's provenance: the [`QapReduction`] its H query is made for and
//! its [`KeyOrigin`] (a development setup, or a ceremony with its contributions). Files written
//! in the earlier arkworks encoding (no tag; uncompressed arkworks points; every matrix entry
//! with its full coefficient) still load by every loader, and files written before provenance
//! was recorded end after the matrices and read as a development setup with the libsnark
//! reduction.
//!
//! All three decode the embedded verifying key with full validation, check every matrix index
//! and count, that the matrices have one instance variable per public input of the key's
//! circuit plus one ([`PublicInputs::NUM_INPUTS`](zkhealth_circuits::PublicInputs)), that they
//! fit the proving key, and that the proving key belongs to the verifying key.

use std::{fmt, str::FromStr, sync::Arc};

use ark_bn254::Bn254;
use ark_groth16::{r1cs_to_qap::LibsnarkReduction, Groth16, ProvingKey};
use ark_serialize::{CanonicalDeserialize, Compress, Validate};
use ark_snark::SNARK;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zkhealth_circuits::{
    circuit::{Circuit, PresentationCircuit},
    merkle::MAX_DEPTH,
    CircuitId,
};
use zkhealth_verifier::{
    container::{self, Kind},
    key::digest_from_hex,
    VerifyError, VerifyingKey,
};

use crate::{
    encoding, join,
    matrices::ConstraintMatrices,
    reduction::{CircomReduction, QapReduction},
    ProverError,
};

/// Where a key came from, recorded in its proving artifact.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum KeyOrigin {
    /// A setup run on one machine ([`setup`]): whoever ran it can forge proofs.
    Development,
    /// A multi-party phase-2 ceremony run with snarkjs, imported from its final `.zkey`.
    Ceremony(Ceremony),
}

/// A snarkjs phase-2 ceremony, as its final `.zkey` records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ceremony {
    /// The circuit's hash as snarkjs computes it at `groth16 setup` (BLAKE2b-512, hex): every
    /// contribution is chained from it.
    pub circuit_hash: String,
    /// The contributions in order, the beacon (if any) last.
    pub contributions: Vec<Contribution>,
}

/// One contribution to a phase-2 ceremony.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    /// The name its participant gave (`zkey contribute -n`), if any.
    pub name: Option<String>,
    /// The contribution hash snarkjs prints and participants publish (BLAKE2b-512, hex).
    pub hash: String,
    /// For the final beacon: the public random value (hex) and the number of hash iterations's
    /// exponent; absent for a participant's contribution.
    pub beacon: Option<Beacon>,
}

/// The public random value of a ceremony's beacon.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Beacon {
    /// The beacon's value (hex), for instance a future block hash announced in advance.
    pub value: String,
    /// `log2` of the number of hash iterations applied to it.
    pub iterations_exp: u32,
}

impl std::fmt::Display for KeyOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyOrigin::Development => f.write_str(
                "development setup (one party knew the trapdoor and could forge proofs)",
            ),
            KeyOrigin::Ceremony(c) => {
                let beacons = c
                    .contributions
                    .iter()
                    .filter(|x| x.beacon.is_some())
                    .count();
                write!(
                    f,
                    "snarkjs phase-2 ceremony: {} contribution(s){}",
                    c.contributions.len() - beacons,
                    if beacons > 0 { " and a beacon" } else { "" }
                )
            }
        }
    }
}

/// The id of a proving artifact: SHA-256 of its file's payload (everything between the
/// container's header and its digest), the way a [`zkhealth_verifier::KeyId`] is the SHA-256 of a key's payload.
///
/// Publish it with the artifact through a trusted channel; [`ProvingArtifact::from_file_bytes_pinned`]
/// then accepts exactly those bytes. Text form: `0x` + 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArtifactId(pub [u8; 32]);

impl ArtifactId {
    /// The id of an artifact file: checks the container and hashes its payload (nothing is
    /// decoded).
    pub fn of_file(bytes: &[u8]) -> Result<Self, ProverError> {
        let payload = container::open(Kind::ProvingArtifact, bytes)?;
        Ok(Self::of_payload(payload))
    }

    fn of_payload(payload: &[u8]) -> Self {
        ArtifactId(Sha256::digest(payload).into())
    }

    /// `0x` + 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    /// Parses `0x` + 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, ProverError> {
        digest_from_hex("artifact id", s)
            .map(ArtifactId)
            .map_err(ProverError::KeyFile)
    }
}

impl fmt::Display for ArtifactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ArtifactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ArtifactId({})", self.to_hex())
    }
}

impl FromStr for ArtifactId {
    type Err = ProverError;

    fn from_str(s: &str) -> Result<Self, ProverError> {
        ArtifactId::from_hex(s)
    }
}

/// What the prover needs: the proving key for one circuit and registry depth, and the verifying
/// key it belongs to.
#[derive(Clone)]
pub struct ProvingArtifact {
    pub(crate) pk: ProvingKey<Bn254>,
    pub(crate) vk: VerifyingKey,
    pub(crate) matrices: Arc<ConstraintMatrices>,
    pub(crate) reduction: QapReduction,
    pub(crate) origin: KeyOrigin,
}

/// Runs a circuit-specific Groth16 setup of the presentation circuit for registry depth `depth`:
/// [`setup_circuit`] for [`PresentationCircuit`].
///
/// This is a **development** setup: whoever runs it knows the trapdoor and could forge proofs.
/// Production keys come from a multi-party ceremony.
pub fn setup<R: RngCore + CryptoRng>(
    depth: u32,
    rng: &mut R,
) -> Result<(ProvingArtifact, VerifyingKey), ProverError> {
    setup_circuit::<PresentationCircuit, R>(depth, rng)
}

/// Runs a circuit-specific Groth16 setup of circuit `C` for registry depth `depth`; the keys
/// carry `C`'s id and the depth. A **development** setup, as [`setup`].
pub fn setup_circuit<C: Circuit, R: RngCore + CryptoRng>(
    depth: u32,
    rng: &mut R,
) -> Result<(ProvingArtifact, VerifyingKey), ProverError> {
    setup_circuit_with_reduction::<C, R>(depth, QapReduction::Libsnark, rng)
}

/// A development setup of circuit `C` whose H query is made for `reduction`: with
/// [`QapReduction::Circom`] the key has the shape of a snarkjs key, so the circom reduction's
/// prover can be tested and benched without a ceremony.
pub fn setup_circuit_with_reduction<C: Circuit, R: RngCore + CryptoRng>(
    depth: u32,
    reduction: QapReduction,
    rng: &mut R,
) -> Result<(ProvingArtifact, VerifyingKey), ProverError> {
    if depth == 0 || depth > MAX_DEPTH {
        return Err(ProverError::UnsupportedDepth {
            depth,
            max: MAX_DEPTH,
        });
    }
    let (pk, vk) = match reduction {
        QapReduction::Libsnark => {
            Groth16::<Bn254, LibsnarkReduction>::circuit_specific_setup(C::blank(depth), rng)?
        }
        QapReduction::Circom => {
            Groth16::<Bn254, CircomReduction>::circuit_specific_setup(C::blank(depth), rng)?
        }
    };
    let vk = VerifyingKey::with_circuit(vk, C::ID, depth)?;
    let matrices = ConstraintMatrices::for_circuit::<C>(depth)?;
    let artifact =
        ProvingArtifact::from_parts(pk, vk.clone(), matrices, reduction, KeyOrigin::Development)?;
    Ok((artifact, vk))
}

/// The matrices have the circuit's instance count and fit the proving key and its reduction.
fn check_fit(
    pk: &ProvingKey<Bn254>,
    vk: &VerifyingKey,
    matrices: &ConstraintMatrices,
    reduction: QapReduction,
) -> Result<(), ProverError> {
    let circuit = vk.circuit();
    let inputs = circuit
        .num_inputs()
        .ok_or(VerifyError::UnsupportedCircuit { circuit })?;
    if matrices.num_instance_variables != inputs + 1 {
        return Err(ProverError::InstanceCountMismatch {
            expected: inputs + 1,
            found: matrices.num_instance_variables,
        });
    }
    let nvars = matrices
        .num_instance_variables
        .saturating_add(matrices.num_witness_variables);
    if pk.a_query.len() != nvars {
        return Err(ProverError::MatricesDoNotFitKey {
            query: "a_query",
            key: pk.a_query.len(),
            matrices: nvars,
        });
    }
    crate::groth16::check_key(pk, matrices, reduction)
}

impl ProvingArtifact {
    /// An artifact from its parts, checked as a loaded one is: the matrices fit the proving key,
    /// its reduction and the verifying key's circuit, and the proving key belongs to `vk`.
    pub fn from_parts(
        pk: ProvingKey<Bn254>,
        vk: VerifyingKey,
        matrices: ConstraintMatrices,
        reduction: QapReduction,
        origin: KeyOrigin,
    ) -> Result<Self, ProverError> {
        check_fit(&pk, &vk, &matrices, reduction)?;
        if &pk.vk != vk.inner() {
            return Err(ProverError::KeyMismatch);
        }
        Ok(ProvingArtifact {
            pk,
            vk,
            matrices: Arc::new(matrices),
            reduction,
            origin,
        })
    }

    /// The reduction the proving key's H query is made for.
    pub fn reduction(&self) -> QapReduction {
        self.reduction
    }

    /// Where the key came from.
    pub fn origin(&self) -> &KeyOrigin {
        &self.origin
    }

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

    /// The circuit this artifact proves.
    pub fn circuit(&self) -> CircuitId {
        self.vk.circuit()
    }

    /// The registry depth.
    pub fn depth(&self) -> u32 {
        self.vk.depth()
    }

    /// Checks that this artifact proves for `vk` at registry depth `depth`: the pair a holder and
    /// a verifier must share. Another key is [`ProverError::NotPaired`], another depth
    /// [`ProverError::WrongDepth`].
    pub fn check_pair(&self, vk: &VerifyingKey, depth: u32) -> Result<(), ProverError> {
        if self.vk != *vk {
            return Err(ProverError::NotPaired {
                artifact: self.vk.id().to_hex(),
                key: vk.id().to_hex(),
            });
        }
        if self.depth() != depth {
            return Err(ProverError::WrongDepth {
                expected: depth,
                found: self.depth(),
            });
        }
        Ok(())
    }

    /// The artifact's id: SHA-256 of its file's payload (serializes the artifact).
    pub fn id(&self) -> Result<ArtifactId, ProverError> {
        ArtifactId::of_file(&self.to_file_bytes()?)
    }

    /// The artifact as a file: container (magic, kind, version, length, SHA-256 digest) around
    /// the verifying key file (circuit id, depth, key), the uncompressed proving key, the
    /// constraint matrices, then the provenance: the reduction's byte and the origin as JSON
    /// (u32 LE length, then the bytes).
    pub fn to_file_bytes(&self) -> Result<Vec<u8>, ProverError> {
        let vk_file = self.vk.to_file_bytes();
        let mut payload = Vec::new();
        payload.extend_from_slice(&encoding::TAG);
        payload.extend_from_slice(&(vk_file.len() as u64).to_le_bytes());
        payload.extend_from_slice(&vk_file);
        encoding::write(&mut payload, &self.pk, &self.matrices)?;
        payload.push(self.reduction.to_byte());
        let origin = serde_json::to_vec(&self.origin)
            .map_err(|e| ProverError::Serialization(format!("origin: {e}")))?;
        payload.extend_from_slice(&(origin.len() as u32).to_le_bytes());
        payload.extend_from_slice(&origin);
        Ok(container::seal(Kind::ProvingArtifact, &payload))
    }

    /// Loads an artifact file **without validating the proving key's points** (the fast path,
    /// as before identifiers were pinned): the container's digest is checked, then the proving
    /// key is decoded without curve or subgroup checks, since validating every point takes
    /// about a second at depth 32. The digest detects corruption, not tampering: use this only for
    /// files this machine wrote or that came over an authenticated channel. For anything else
    /// use [`Self::from_file_bytes_validated`] or [`Self::from_file_bytes_pinned`] (module docs).
    ///
    /// The embedded verifying key is validated in full and must match the proving key's; the
    /// matrices must fit the key and the key's circuit.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self, ProverError> {
        let payload = container::payload(Kind::ProvingArtifact, bytes)?;
        // The digest is checked while the payload decodes; a mismatch is reported first.
        let (digest, decoded) = join(
            || container::open(Kind::ProvingArtifact, bytes),
            || Self::from_payload(payload, Validate::No),
        );
        digest?;
        decoded
    }

    /// Loads an artifact file from an untrusted source by validating it: as
    /// [`Self::from_file_bytes`], but every proving-key point is checked to be on its curve and
    /// in its prime-order subgroup (arkworks `Validate::Yes`); a point that is not is
    /// [`ProverError::InvalidProvingKey`]. About a second at depth 32 (the G2 subgroup checks).
    pub fn from_file_bytes_validated(bytes: &[u8]) -> Result<Self, ProverError> {
        let payload = container::open(Kind::ProvingArtifact, bytes)?;
        Self::from_payload(payload, Validate::Yes)
    }

    /// Loads an artifact file from an untrusted source by its pinned id: the payload's SHA-256
    /// must equal `pin` ([`ProverError::ArtifactIdMismatch`] otherwise), checked before anything
    /// is decoded; the pinned bytes are then decoded as in [`Self::from_file_bytes`], without
    /// point validation, since they are exactly the bytes whose id was published.
    pub fn from_file_bytes_pinned(bytes: &[u8], pin: &ArtifactId) -> Result<Self, ProverError> {
        // The pin covers the payload: the container's own digest would hash it a second time.
        let payload = container::payload(Kind::ProvingArtifact, bytes)?;
        // Hashing and decoding run side by side; the decoded artifact is returned only if the
        // hash is the pin, and the decoder checks every length and index as for any input.
        let (found, decoded) = join(
            || ArtifactId::of_payload(payload),
            || Self::from_payload(payload, Validate::No),
        );
        if found != *pin {
            return Err(ProverError::ArtifactIdMismatch {
                expected: *pin,
                found,
            });
        }
        decoded
    }

    fn from_payload(payload: &[u8], validate: Validate) -> Result<Self, ProverError> {
        let (raw, payload) = match payload.strip_prefix(&encoding::TAG) {
            Some(rest) => (true, rest),
            None => (false, payload),
        };
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
        let (pk, matrices, provenance) = if raw {
            encoding::read(pk_bytes, validate)?
        } else {
            let pk =
                ProvingKey::<Bn254>::deserialize_with_mode(&mut pk_bytes, Compress::No, validate)
                    .map_err(encoding::key_error)?;
            let matrices = ConstraintMatrices::read(&mut pk_bytes)?;
            (pk, matrices, pk_bytes)
        };
        let (reduction, origin) = read_provenance(provenance)?;
        Self::from_parts(pk, vk, matrices, reduction, origin)
    }
}

/// The provenance after the matrices: absent in files written before it was recorded.
fn read_provenance(bytes: &[u8]) -> Result<(QapReduction, KeyOrigin), ProverError> {
    let bad = |m: String| ProverError::Serialization(format!("artifact provenance: {m}"));
    let Some((&byte, rest)) = bytes.split_first() else {
        return Ok((QapReduction::Libsnark, KeyOrigin::Development));
    };
    let reduction =
        QapReduction::from_byte(byte).ok_or_else(|| bad(format!("unknown reduction {byte}")))?;
    let (len, json) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| bad("truncated origin length".into()))?;
    if json.len() != u32::from_le_bytes(*len) as usize {
        return Err(bad(format!(
            "the origin is {} bytes, its length says {}",
            json.len(),
            u32::from_le_bytes(*len)
        )));
    }
    let origin = serde_json::from_slice(json).map_err(|e| bad(format!("origin: {e}")))?;
    Ok((reduction, origin))
}
