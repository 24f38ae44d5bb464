//! Verifying keys, their files and their ids.
//!
//! A [`VerifyingKey`] is a Groth16 verifying key over BN254 for one circuit ([`CircuitId`]) at
//! one registry depth, prepared for verification. Its file is a [`container`] of kind
//! [`Kind::VerifyingKey`] (format version 2) whose payload is
//!
//! ```text
//! circuit      u16 little-endian (CircuitId::to_u16; 1 = presentation)
//! depth        u32 little-endian
//! vk           arkworks compressed VerifyingKey<Bn254>: alpha_g1, beta_g2, gamma_g2, delta_g2,
//!              gamma_abc_g1 (u64 LE count, then the circuit's NUM_INPUTS + 1 points)
//! ```
//!
//! Its [`KeyId`] is the SHA-256 of that payload. A presentation carries its circuit id, depth and
//! the id of the key it was made for, so a verifier pins its key and a presentation for another
//! circuit, depth or setup is a typed error rather than a failed pairing.

use std::{
    fmt,
    str::FromStr,
    sync::{Arc, OnceLock},
};

use ark_bn254::{Bn254, Fq12, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use zkhealth_circuits::{merkle::MAX_DEPTH, CircuitId};

use crate::{
    container::{self, Kind},
    fixed_base::InputTables,
    pairing::FixedLines,
    VerifyError,
};

/// The id of a verifying key: SHA-256 of its canonical payload (circuit, depth and compressed
/// key).
///
/// Text and JSON form: `0x` + 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 32]);

impl KeyId {
    /// `0x` + 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    /// Parses `0x` + 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, VerifyError> {
        digest_from_hex("key id", s).map(KeyId)
    }
}

/// Parses a 32-byte digest written as `0x` + 64 hex digits (a key or artifact id); `what` names
/// it in the [`VerifyError::InvalidHex`] error.
pub fn digest_from_hex(what: &'static str, s: &str) -> Result<[u8; 32], VerifyError> {
    let bad = |reason: String| VerifyError::InvalidHex { what, reason };
    let digits = s
        .strip_prefix("0x")
        .ok_or_else(|| bad("does not start with 0x".into()))?;
    if digits.len() != 64 {
        return Err(bad(format!("expected 64 hex digits, got {}", digits.len())));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(digits, &mut out).map_err(|e| bad(e.to_string()))?;
    Ok(out)
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

impl FromStr for KeyId {
    type Err = VerifyError;

    fn from_str(s: &str) -> Result<Self, VerifyError> {
        KeyId::from_hex(s)
    }
}

impl Serialize for KeyId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        KeyId::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

/// A Groth16 verifying key for one circuit, prepared for verification, with its circuit id,
/// registry depth and key id.
#[derive(Clone)]
pub struct VerifyingKey {
    vk: ark_groth16::VerifyingKey<Bn254>,
    /// `e(α, β)`, the right-hand side of every check.
    alpha_beta: Fq12,
    /// The normalized lines of −γ, −δ and β (the last for batches).
    lines: KeyLines,
    /// Fixed-base tables of the input points, built at the first verification (about 20 ms,
    /// which a prover holding the key for its own checks never spends) and shared by clones.
    tables: Arc<OnceLock<InputTables>>,
    circuit: CircuitId,
    depth: u32,
    id: KeyId,
    /// The canonical payload (circuit, depth and compressed key), kept for writing the file.
    payload: Vec<u8>,
}

/// The lines of the key's fixed G2 points, normalized for the Miller loop.
#[derive(Clone, Debug)]
pub(crate) struct KeyLines {
    /// −γ, paired with the inputs' combination.
    pub(crate) gamma_neg: FixedLines,
    /// −δ, paired with `C`.
    pub(crate) delta_neg: FixedLines,
    /// β, paired with the weighted −α of a batch.
    pub(crate) beta: FixedLines,
}

impl KeyLines {
    fn new(vk: &ark_groth16::VerifyingKey<Bn254>) -> Result<Self, VerifyError> {
        let lines = |name: &str, q: G2Affine| {
            FixedLines::new(q).ok_or_else(|| {
                VerifyError::MalformedKey(format!(
                    "{name} is the point at infinity or not of prime order"
                ))
            })
        };
        Ok(KeyLines {
            gamma_neg: lines("γ", -vk.gamma_g2)?,
            delta_neg: lines("δ", -vk.delta_g2)?,
            beta: lines("β", vk.beta_g2)?,
        })
    }
}

impl VerifyingKey {
    /// Wraps a verifying key of the presentation circuit ([`CircuitId::Presentation`]) for
    /// registry depth `depth`: [`Self::with_circuit`] for that circuit.
    pub fn new(vk: ark_groth16::VerifyingKey<Bn254>, depth: u32) -> Result<Self, VerifyError> {
        Self::with_circuit(vk, CircuitId::Presentation, depth)
    }

    /// Wraps a verifying key of `circuit` for registry depth `depth` (`1..=MAX_DEPTH`); checks
    /// that the circuit exists ([`VerifyError::UnsupportedCircuit`] for a reserved id) and that
    /// the key has one input point per public input of its statement type plus one, prepares it
    /// and computes its id.
    pub fn with_circuit(
        vk: ark_groth16::VerifyingKey<Bn254>,
        circuit: CircuitId,
        depth: u32,
    ) -> Result<Self, VerifyError> {
        if !(1..=MAX_DEPTH).contains(&depth) {
            return Err(VerifyError::UnsupportedDepth {
                depth,
                max: MAX_DEPTH,
            });
        }
        let num_inputs = circuit
            .num_inputs()
            .ok_or(VerifyError::UnsupportedCircuit { circuit })?;
        let expected = num_inputs + 1;
        if vk.gamma_abc_g1.len() != expected {
            return Err(VerifyError::KeyInputCount {
                expected,
                got: vk.gamma_abc_g1.len(),
            });
        }
        // α at infinity makes e(α, β) trivial; an input point at infinity leaves its input
        // unbound (any value verifies). No setup gives either.
        if vk.alpha_g1.is_zero() {
            return Err(VerifyError::MalformedKey(
                "α is the point at infinity".into(),
            ));
        }
        if let Some(i) = vk.gamma_abc_g1.iter().position(|p| p.is_zero()) {
            return Err(VerifyError::MalformedKey(format!(
                "input point IC_{i} is the point at infinity"
            )));
        }
        let payload = payload(&vk, circuit, depth)?;
        let id = KeyId(Sha256::digest(&payload).into());
        let lines = KeyLines::new(&vk)?;
        let alpha_beta = Bn254::pairing(vk.alpha_g1, vk.beta_g2).0;
        let tables = Arc::new(OnceLock::new());
        Ok(VerifyingKey {
            vk,
            alpha_beta,
            lines,
            tables,
            circuit,
            depth,
            id,
            payload,
        })
    }

    /// The circuit the key verifies proofs of.
    pub fn circuit(&self) -> CircuitId {
        self.circuit
    }

    /// The key's id (SHA-256 of its canonical payload).
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The registry depth the key's circuit was built for.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Checks that a presentation's label names this key: its circuit, then its depth, then its
    /// key id, each refused with the error that names it.
    pub fn check_label(
        &self,
        circuit: CircuitId,
        depth: u32,
        key_id: KeyId,
    ) -> Result<(), VerifyError> {
        if circuit != self.circuit {
            return Err(VerifyError::WrongCircuit {
                expected: self.circuit,
                found: circuit,
            });
        }
        if depth != self.depth {
            return Err(VerifyError::WrongDepth {
                expected: self.depth,
                found: depth,
            });
        }
        if key_id != self.id {
            return Err(VerifyError::WrongKey {
                expected: self.id,
                got: key_id,
            });
        }
        Ok(())
    }

    /// The arkworks verifying key.
    pub fn inner(&self) -> &ark_groth16::VerifyingKey<Bn254> {
        &self.vk
    }

    /// `e(α, β)`.
    pub(crate) fn alpha_beta(&self) -> &Fq12 {
        &self.alpha_beta
    }

    /// The normalized lines of the key's G2 points.
    pub(crate) fn lines(&self) -> &KeyLines {
        &self.lines
    }

    /// Fixed-base tables of the input points `γᵢ`, built on first use.
    pub(crate) fn input_tables(&self) -> &InputTables {
        self.tables
            .get_or_init(|| InputTables::new(&self.vk.gamma_abc_g1))
    }

    /// The key file: a [`container`] of kind [`Kind::VerifyingKey`].
    pub fn to_file_bytes(&self) -> Vec<u8> {
        container::seal(Kind::VerifyingKey, &self.payload)
    }

    /// Reads a key file: checks the container (magic, kind, version, length, digest), the
    /// circuit id ([`VerifyError::UnknownCircuit`], [`VerifyError::UnsupportedCircuit`]), then
    /// decodes the key with full validation (points on the curve and in the prime-order
    /// subgroups) and requires the payload to be exactly the canonical encoding.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let payload = container::open(Kind::VerifyingKey, bytes)?;
        let (circuit, rest) = payload.split_first_chunk::<2>().ok_or_else(|| {
            VerifyError::MalformedKey("payload shorter than its circuit id".into())
        })?;
        let id = u16::from_le_bytes(*circuit);
        let circuit = CircuitId::from_u16(id).ok_or(VerifyError::UnknownCircuit { id })?;
        let (depth, mut rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| VerifyError::MalformedKey("payload shorter than its depth".into()))?;
        let depth = u32::from_le_bytes(*depth);
        let vk = ark_groth16::VerifyingKey::<Bn254>::deserialize_with_mode(
            &mut rest,
            Compress::Yes,
            Validate::Yes,
        )
        .map_err(|e| VerifyError::MalformedKey(format!("key does not decode: {e}")))?;
        if !rest.is_empty() {
            return Err(VerifyError::MalformedKey(format!(
                "{} trailing byte(s) after the key",
                rest.len()
            )));
        }
        let key = VerifyingKey::with_circuit(vk, circuit, depth)?;
        if payload != key.payload.as_slice() {
            return Err(VerifyError::MalformedKey(
                "key is not canonically encoded".into(),
            ));
        }
        Ok(key)
    }
}

/// The canonical payload: circuit id (u16 LE), depth (u32 LE), then the compressed key.
fn payload(
    vk: &ark_groth16::VerifyingKey<Bn254>,
    circuit: CircuitId,
    depth: u32,
) -> Result<Vec<u8>, VerifyError> {
    let mut out = circuit.to_u16().to_le_bytes().to_vec();
    out.extend_from_slice(&depth.to_le_bytes());
    vk.serialize_with_mode(&mut out, Compress::Yes)
        .map_err(|e| VerifyError::MalformedKey(format!("key does not serialize: {e}")))?;
    Ok(out)
}

impl PartialEq for VerifyingKey {
    /// Keys are equal when their ids are (the id hashes the circuit, depth and whole key).
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for VerifyingKey {}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("id", &self.id)
            .field("circuit", &self.circuit)
            .field("depth", &self.depth)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use ark_bn254::{G1Affine, G2Affine};
    use ark_ec::AffineRepr;
    use zkhealth_circuits::Statement;

    use super::*;

    /// The payload header of a presentation-circuit key at `depth`.
    fn header(depth: u32) -> Vec<u8> {
        let mut out = CircuitId::Presentation.to_u16().to_le_bytes().to_vec();
        out.extend_from_slice(&depth.to_le_bytes());
        out
    }

    fn fake_vk(inputs: usize) -> ark_groth16::VerifyingKey<Bn254> {
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        ark_groth16::VerifyingKey {
            alpha_g1: g1,
            beta_g2: g2,
            gamma_g2: g2,
            delta_g2: g2,
            gamma_abc_g1: vec![g1; inputs],
        }
    }

    #[test]
    fn key_id_hex_round_trips_and_rejects_malformed() {
        let id = KeyId([0xab; 32]);
        let s = id.to_string();
        assert_eq!(s, format!("0x{}", "ab".repeat(32)));
        assert_eq!(s.parse::<KeyId>().unwrap(), id);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<KeyId>(&json).unwrap(), id);
        for bad in [
            "ab".repeat(32),
            format!("0x{}", "ab".repeat(31)),
            format!("0x{}", "zz".repeat(32)),
            format!("0x{}0", "ab".repeat(32)),
        ] {
            assert!(matches!(
                KeyId::from_hex(&bad),
                Err(VerifyError::InvalidHex { .. })
            ));
        }
    }

    #[test]
    fn new_checks_input_count_and_depth() {
        assert!(VerifyingKey::new(fake_vk(Statement::NUM_INPUTS + 1), 10).is_ok());
        assert_eq!(
            VerifyingKey::new(fake_vk(Statement::NUM_INPUTS), 10).unwrap_err(),
            VerifyError::KeyInputCount {
                expected: 7,
                got: 6
            }
        );
        assert!(matches!(
            VerifyingKey::new(fake_vk(Statement::NUM_INPUTS + 1), 0),
            Err(VerifyError::UnsupportedDepth { depth: 0, .. })
        ));
        assert!(matches!(
            VerifyingKey::new(fake_vk(Statement::NUM_INPUTS + 1), MAX_DEPTH + 1),
            Err(VerifyError::UnsupportedDepth { .. })
        ));
    }

    /// A key whose γ, δ or β is the point at infinity would let a proof leave out the inputs'
    /// or `C`'s pair (or make `e(α, β)` trivial): it is refused, not prepared.
    #[test]
    fn new_refuses_g2_points_at_infinity() {
        for which in 0..3 {
            let mut vk = fake_vk(Statement::NUM_INPUTS + 1);
            match which {
                0 => vk.gamma_g2 = G2Affine::zero(),
                1 => vk.delta_g2 = G2Affine::zero(),
                _ => vk.beta_g2 = G2Affine::zero(),
            }
            let err = VerifyingKey::new(vk, 10).err();
            assert!(
                matches!(&err, Some(VerifyError::MalformedKey(m)) if m.contains("infinity")),
                "{err:?}"
            );
        }
    }

    /// α at infinity would make `e(α, β)` trivial, an input point at infinity would leave its
    /// input unbound: both refused.
    #[test]
    fn new_refuses_alpha_and_input_points_at_infinity() {
        let mut vk = fake_vk(Statement::NUM_INPUTS + 1);
        vk.alpha_g1 = G1Affine::zero();
        let err = VerifyingKey::new(vk, 10).err();
        assert!(
            matches!(&err, Some(VerifyError::MalformedKey(m)) if m.contains("α")),
            "{err:?}"
        );
        for i in [0, 3, Statement::NUM_INPUTS] {
            let mut vk = fake_vk(Statement::NUM_INPUTS + 1);
            vk.gamma_abc_g1[i] = G1Affine::zero();
            let err = VerifyingKey::new(vk, 10).err();
            assert!(
                matches!(&err, Some(VerifyError::MalformedKey(m)) if m.contains(&format!("IC_{i} "))),
                "{err:?}"
            );
        }
    }

    #[test]
    fn file_round_trips_and_id_depends_on_depth() {
        let key = VerifyingKey::new(fake_vk(Statement::NUM_INPUTS + 1), 10).unwrap();
        let bytes = key.to_file_bytes();
        let back = VerifyingKey::from_file_bytes(&bytes).unwrap();
        assert_eq!(back.id(), key.id());
        assert_eq!(back.circuit(), CircuitId::Presentation);
        assert_eq!(back.depth(), 10);
        // The payload starts with the circuit id (u16 LE) and the depth (u32 LE).
        let payload = container::open(Kind::VerifyingKey, &bytes).unwrap();
        assert_eq!(&payload[..6], &[1, 0, 10, 0, 0, 0]);
        assert_eq!(back.inner(), key.inner());
        let other = VerifyingKey::new(fake_vk(Statement::NUM_INPUTS + 1), 11).unwrap();
        assert_ne!(other.id(), key.id());
    }

    #[test]
    fn file_rejects_wrong_input_count_and_bad_payloads() {
        // A well-formed container around a key with the wrong number of inputs.
        let mut payload = header(10);
        fake_vk(3)
            .serialize_with_mode(&mut payload, Compress::Yes)
            .unwrap();
        let bytes = container::seal(Kind::VerifyingKey, &payload);
        assert!(matches!(
            VerifyingKey::from_file_bytes(&bytes),
            Err(VerifyError::KeyInputCount { got: 3, .. })
        ));
        // Trailing byte inside the payload.
        let mut payload = header(10);
        fake_vk(Statement::NUM_INPUTS + 1)
            .serialize_with_mode(&mut payload, Compress::Yes)
            .unwrap();
        let mut long = payload.clone();
        long.push(0);
        assert!(matches!(
            VerifyingKey::from_file_bytes(&container::seal(Kind::VerifyingKey, &long)),
            Err(VerifyError::MalformedKey(_))
        ));
        // Truncated payload, and a payload too short for the depth.
        for cut in [payload.len() - 1, 40, 5, 1, 0] {
            assert!(matches!(
                VerifyingKey::from_file_bytes(&container::seal(
                    Kind::VerifyingKey,
                    &payload[..cut]
                )),
                Err(VerifyError::MalformedKey(_))
            ));
        }
        // alpha_g1 with an x coordinate that is not below the base field modulus.
        let mut bad = payload.clone();
        bad[6..6 + 32].copy_from_slice(&[0xff; 32]);
        assert!(matches!(
            VerifyingKey::from_file_bytes(&container::seal(Kind::VerifyingKey, &bad)),
            Err(VerifyError::MalformedKey(_))
        ));
        // A proving artifact is not a key.
        assert!(matches!(
            VerifyingKey::from_file_bytes(&container::seal(Kind::ProvingArtifact, &payload)),
            Err(VerifyError::WrongKind { .. })
        ));
    }

    #[test]
    fn file_rejects_unknown_circuits_and_input_counts_of_another_circuit() {
        let key = VerifyingKey::new(fake_vk(Statement::NUM_INPUTS + 1), 10).unwrap();
        let payload = container::open(Kind::VerifyingKey, &key.to_file_bytes())
            .unwrap()
            .to_vec();
        for id in [0u16, 3, 0xffff] {
            let mut bad = payload.clone();
            bad[..2].copy_from_slice(&id.to_le_bytes());
            assert_eq!(
                VerifyingKey::from_file_bytes(&container::seal(Kind::VerifyingKey, &bad)).err(),
                Some(VerifyError::UnknownCircuit { id })
            );
        }
        // A presentation key labelled as the claim circuit's has one input point too few; a
        // key with the claim's count reads back as a claim key with its own id.
        let mut claim = payload.clone();
        claim[..2].copy_from_slice(&CircuitId::Claim.to_u16().to_le_bytes());
        assert_eq!(
            VerifyingKey::from_file_bytes(&container::seal(Kind::VerifyingKey, &claim)).err(),
            Some(VerifyError::KeyInputCount {
                expected: 8,
                got: Statement::NUM_INPUTS + 1
            })
        );
        assert_eq!(
            VerifyingKey::with_circuit(fake_vk(Statement::NUM_INPUTS + 1), CircuitId::Claim, 10)
                .err(),
            Some(VerifyError::KeyInputCount {
                expected: 8,
                got: Statement::NUM_INPUTS + 1
            })
        );
        let claim_key = VerifyingKey::with_circuit(fake_vk(8), CircuitId::Claim, 10).unwrap();
        assert_eq!(claim_key.circuit(), CircuitId::Claim);
        let read = VerifyingKey::from_file_bytes(&claim_key.to_file_bytes()).unwrap();
        assert_eq!(read.circuit(), CircuitId::Claim);
        assert_eq!(read.id(), claim_key.id());
        assert_ne!(
            VerifyingKey::with_circuit(fake_vk(8), CircuitId::Presentation, 10).err(),
            None
        );
    }
}
