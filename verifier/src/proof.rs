//! Groth16 proofs and their strict 128-byte encoding.
//!
//! A proof is the arkworks compressed encoding of its three points, `A` (G1, 32 bytes), `B` (G2,
//! 64 bytes) and `C` (G1, 32 bytes). Decoding accepts exactly 128 bytes, requires every point to
//! be on the curve and in the prime-order subgroup (BN254's G2 has a cofactor, so a point can be
//! on the curve and still be invalid), and requires the canonical encoding of each point; errors
//! name the offending point. JSON form: `0x` + 256 lowercase hex digits.

use std::fmt;

use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{error::ProofPoint, VerifyError};

/// Length of an encoded proof.
pub const PROOF_LEN: usize = 128;
const G1_LEN: usize = 32;
const G2_LEN: usize = 64;

/// A Groth16 proof over BN254.
#[derive(Clone, PartialEq)]
pub struct Proof(pub ark_groth16::Proof<Bn254>);

impl Eq for Proof {}

impl Proof {
    /// Decodes exactly [`PROOF_LEN`] bytes (`A ‖ B ‖ C`, arkworks compressed) with full
    /// validation.
    ///
    /// Errors: [`VerifyError::WrongLength`]; and, naming the point,
    /// [`VerifyError::PointNotOnCurve`] (bad coordinate, flags, or no curve point with that x),
    /// [`VerifyError::PointNotInSubgroup`], [`VerifyError::PointNotCanonical`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Proof, VerifyError> {
        let bytes: &[u8; PROOF_LEN] = bytes.try_into().map_err(|_| VerifyError::WrongLength {
            what: "a proof",
            expected: PROOF_LEN,
            got: bytes.len(),
        })?;
        let (a, rest) = bytes.split_at(G1_LEN);
        let (b, c) = rest.split_at(G2_LEN);
        Ok(Proof(ark_groth16::Proof {
            a: decode_point::<G1Affine>(a, ProofPoint::A)?,
            b: decode_point::<G2Affine>(b, ProofPoint::B)?,
            c: decode_point::<G1Affine>(c, ProofPoint::C)?,
        }))
    }

    /// The 128-byte encoding (`A ‖ B ‖ C`, arkworks compressed).
    pub fn to_bytes(&self) -> [u8; PROOF_LEN] {
        let mut out = [0u8; PROOF_LEN];
        let (a, rest) = out.split_at_mut(G1_LEN);
        let (b, c) = rest.split_at_mut(G2_LEN);
        // Writing a compressed affine point into a buffer of exactly its size cannot fail.
        let _ = self.0.a.serialize_with_mode(a, Compress::Yes);
        let _ = self.0.b.serialize_with_mode(b, Compress::Yes);
        let _ = self.0.c.serialize_with_mode(c, Compress::Yes);
        out
    }

    /// `0x` + 256 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.to_bytes()))
    }

    /// Parses `0x` + 256 hex digits, then decodes as [`Proof::from_bytes`].
    pub fn from_hex(s: &str) -> Result<Proof, VerifyError> {
        let bad = |reason: String| VerifyError::InvalidHex {
            what: "proof",
            reason,
        };
        let digits = s
            .strip_prefix("0x")
            .ok_or_else(|| bad("does not start with 0x".into()))?;
        if digits.len() != 2 * PROOF_LEN {
            return Err(bad(format!(
                "expected {} hex digits, got {}",
                2 * PROOF_LEN,
                digits.len()
            )));
        }
        let bytes = hex::decode(digits).map_err(|e| bad(e.to_string()))?;
        Proof::from_bytes(&bytes)
    }
}

/// Decodes one compressed point with validation, telling apart a bad encoding, a point outside
/// the subgroup and a non-canonical encoding.
fn decode_point<P>(bytes: &[u8], point: ProofPoint) -> Result<P, VerifyError>
where
    P: CanonicalDeserialize + CanonicalSerialize,
{
    let p = match P::deserialize_with_mode(bytes, Compress::Yes, Validate::Yes) {
        Ok(p) => p,
        Err(_) => {
            // Decompression alone succeeds for any point on the curve; if it does, the
            // validated decode failed on the subgroup check.
            return Err(
                match P::deserialize_with_mode(bytes, Compress::Yes, Validate::No) {
                    Ok(_) => VerifyError::PointNotInSubgroup { point },
                    Err(_) => VerifyError::PointNotOnCurve { point },
                },
            );
        }
    };
    let mut again = Vec::with_capacity(bytes.len());
    if p.serialize_with_mode(&mut again, Compress::Yes).is_err() || again != bytes {
        return Err(VerifyError::PointNotCanonical { point });
    }
    Ok(p)
}

impl fmt::Debug for Proof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Proof({})", self.to_hex())
    }
}

impl Serialize for Proof {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Proof {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Proof::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use ark_bn254::{Fq, Fq2, Fr, G1Projective, G2Projective};
    use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
    use ark_ff::{AdditiveGroup, Field};

    use super::*;

    /// A proof made of valid, unrelated points (enough to exercise the encoding).
    fn sample() -> Proof {
        Proof(ark_groth16::Proof {
            a: (G1Projective::generator() * Fr::from(3u8)).into_affine(),
            b: (G2Projective::generator() * Fr::from(5u8)).into_affine(),
            c: (G1Projective::generator() * Fr::from(7u8)).into_affine(),
        })
    }

    /// A G2 point on the curve but outside the prime-order subgroup.
    fn g2_outside_subgroup() -> G2Affine {
        for i in 1u64.. {
            let x = Fq2::new(Fq::from(i), Fq::ONE);
            if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
                if p.is_on_curve() && !p.is_in_correct_subgroup_assuming_on_curve() {
                    return p;
                }
            }
        }
        unreachable!("some small x gives a point outside the subgroup")
    }

    /// An x coordinate with no G1 point (x^3 + 3 is not a square).
    fn g1_x_not_on_curve() -> Fq {
        (1u64..)
            .map(Fq::from)
            .find(|x| (x.square() * x + Fq::from(3u8)).sqrt().is_none())
            .unwrap_or(Fq::ZERO)
    }

    #[test]
    fn bytes_and_hex_round_trip() {
        let p = sample();
        let bytes = p.to_bytes();
        assert_eq!(Proof::from_bytes(&bytes).unwrap(), p);
        let hex = p.to_hex();
        assert_eq!(hex.len(), 2 + 256);
        assert_eq!(Proof::from_hex(&hex).unwrap(), p);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, format!("\"{hex}\""));
        assert_eq!(serde_json::from_str::<Proof>(&json).unwrap(), p);
        // The identity is a valid (if useless) point and round-trips.
        let mut z = p.clone();
        z.0.a = G1Affine::zero();
        assert_eq!(Proof::from_bytes(&z.to_bytes()).unwrap(), z);
    }

    #[test]
    fn from_bytes_rejects_wrong_lengths() {
        let bytes = sample().to_bytes();
        for n in [0, 1, 32, 96, 127] {
            assert_eq!(
                Proof::from_bytes(&bytes[..n]),
                Err(VerifyError::WrongLength {
                    what: "a proof",
                    expected: 128,
                    got: n
                })
            );
        }
        let mut long = bytes.to_vec();
        long.push(0);
        assert!(matches!(
            Proof::from_bytes(&long),
            Err(VerifyError::WrongLength { got: 129, .. })
        ));
    }

    #[test]
    fn from_bytes_rejects_g2_point_outside_subgroup() {
        let mut p = sample();
        p.0.b = g2_outside_subgroup();
        assert_eq!(
            Proof::from_bytes(&p.to_bytes()),
            Err(VerifyError::PointNotInSubgroup {
                point: ProofPoint::B
            })
        );
    }

    #[test]
    fn from_bytes_rejects_points_not_on_curve() {
        let x = g1_x_not_on_curve();
        let mut x_bytes = Vec::new();
        x.serialize_compressed(&mut x_bytes).unwrap();
        for (offset, point) in [(0, ProofPoint::A), (96, ProofPoint::C)] {
            let mut bytes = sample().to_bytes();
            bytes[offset..offset + 32].copy_from_slice(&x_bytes);
            assert_eq!(
                Proof::from_bytes(&bytes),
                Err(VerifyError::PointNotOnCurve { point })
            );
        }
        // Coordinates not below the base field modulus.
        let mut bytes = sample().to_bytes();
        bytes[32..96].copy_from_slice(&[0x3f; 64]);
        assert_eq!(
            Proof::from_bytes(&bytes),
            Err(VerifyError::PointNotOnCurve {
                point: ProofPoint::B
            })
        );
    }

    #[test]
    fn from_bytes_rejects_non_canonical_infinity() {
        // The infinity flag (bit 6 of the last byte) with a non-zero x.
        let mut bytes = sample().to_bytes();
        bytes[..32].copy_from_slice(&[0u8; 32]);
        bytes[0] = 1;
        bytes[31] = 0x40;
        assert_eq!(
            Proof::from_bytes(&bytes),
            Err(VerifyError::PointNotCanonical {
                point: ProofPoint::A
            })
        );
    }

    #[test]
    fn from_bytes_never_panics_on_flipped_bits() {
        let bytes = sample().to_bytes();
        for i in 0..PROOF_LEN {
            for bit in 0..8 {
                let mut b = bytes;
                b[i] ^= 1 << bit;
                // Either a different valid proof or a named decoding error.
                if let Err(e) = Proof::from_bytes(&b) {
                    assert!(e.is_malformed(), "{e}");
                }
            }
        }
    }

    #[test]
    fn from_hex_rejects_malformed() {
        let hex = sample().to_hex();
        for bad in [
            hex[2..].to_string(),
            hex[..hex.len() - 2].to_string(),
            format!("{hex}00"),
            format!("0x{}", "g".repeat(256)),
        ] {
            assert!(matches!(
                Proof::from_hex(&bad),
                Err(VerifyError::InvalidHex { .. })
            ));
        }
        assert!(serde_json::from_str::<Proof>("\"0x00\"").is_err());
    }
}
