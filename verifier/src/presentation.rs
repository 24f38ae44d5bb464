//! Presentations: what a holder hands a verifier (circuit, depth, key id, statement, disclosed
//! values, proof).
//!
//! Three forms:
//!
//! - **JSON** (`serde`): the circuit by name (`"presentation"`), the depth as a number, field
//!   elements and the key id as `0x` hex, the proof as `0x` + 256 hex digits, the date as
//!   `YYYY-MM-DD`; unknown fields are refused.
//! - **Binary** ([`Presentation::to_bytes`]), version 3, [`BASE_LEN`] `+ 32·n` bytes for `n`
//!   disclosed values. The statement part is the statement type's public inputs
//!   ([`PublicInputs::to_field_elements`], `N =` [`PublicInputs::NUM_INPUTS`], 7 for
//!   [`Statement`]), so its layout follows the type and is written nowhere else:
//!
//!   ```text
//!   offset   size  field
//!   0        1     version (3)
//!   1        2     circuit id (u16 big-endian; 1 = presentation)
//!   3        1     registry depth
//!   4        32    key id
//!   36       32·N  public inputs in PublicInputs::INPUT_NAMES order (field elements: 32-byte
//!                  big-endian, canonical); for Statement: root, today (day number),
//!                  challenge, scope, nullifier, query_hash
//!   36+32N   1     n, number of disclosed values (at most 10)
//!   37+32N   32·n  disclosed values, in the policy's slot order
//!   ...      128   proof (A ‖ B ‖ C, arkworks compressed)
//!   ```
//!
//!   Version 1 (no circuit id or depth, `today` as 4 bytes) and version 2 (the statement's
//!   seven inputs, `today_ymd` among them, before the circuit derived it) are refused with
//!   [`VerifyError::UnsupportedPresentationVersion`].
//!
//! - **QR text** ([`Presentation::to_qr_text`]): `ZKH1:` followed by the base45 encoding of the
//!   binary form; every character is in the QR alphanumeric set, so it fits one QR code in
//!   alphanumeric mode (589 characters with one disclosed value).
//!
//! Decoding is strict: exact length, a known circuit that is this statement type's, a supported
//! depth, canonical scalars, inputs the statement type accepts (a valid date), valid proof points, and canonical base45; each way an input can be
//! malformed has its own error.

use serde::{Deserialize, Deserializer, Serialize};
use zkhealth_circuits::{
    credential::NUM_SLOTS,
    field::{fr_from_bytes_be, fr_to_bytes_be, serde_fr_vec},
    merkle::MAX_DEPTH,
    CircuitId, Fr, PublicInputs, Statement,
};

use crate::{proof::PROOF_LEN, KeyId, Proof, VerifyError};

/// The version byte of the binary form.
pub const PRESENTATION_VERSION: u8 = 3;

/// The prefix of the QR text form.
pub const QR_PREFIX: &str = "ZKH1:";

/// The most values a presentation can disclose (one per credential slot).
pub const MAX_DISCLOSED: usize = NUM_SLOTS;

/// Length of the binary form's header: version, circuit id, depth, key id.
pub const HEADER_LEN: usize = 1 + 2 + 1 + 32;

/// Length of the binary form without disclosed values.
pub const BASE_LEN: usize = HEADER_LEN + 32 * Statement::NUM_INPUTS + 1 + PROOF_LEN;

/// A presentation: a proof, the statement it proves, the values it discloses, and the circuit,
/// depth and key it was made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presentation {
    /// The circuit the proof is for (always [`Statement`]'s, [`CircuitId::Presentation`], in a
    /// decoded presentation).
    pub circuit: CircuitId,
    /// The registry depth of the key the proof is for.
    pub depth: u32,
    /// The verifying key the proof is for.
    pub key_id: KeyId,
    /// The public inputs.
    pub statement: Statement,
    /// The disclosed slot values, in the policy's slot order (at most [`MAX_DISCLOSED`]).
    #[serde(
        serialize_with = "serde_fr_vec::serialize",
        deserialize_with = "deserialize_disclosed"
    )]
    pub disclosed: Vec<Fr>,
    /// The Groth16 proof.
    pub proof: Proof,
}

fn deserialize_disclosed<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Fr>, D::Error> {
    let v = serde_fr_vec::deserialize(d)?;
    if v.len() > MAX_DISCLOSED {
        return Err(serde::de::Error::custom(VerifyError::TooManyDisclosed {
            count: v.len(),
            max: MAX_DISCLOSED,
        }));
    }
    Ok(v)
}

/// A cursor over untrusted bytes whose reads fail with the name of the field being read.
struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self, field: &'static str) -> Result<&'a [u8; N], VerifyError> {
        let (head, rest) = self
            .bytes
            .split_first_chunk::<N>()
            .ok_or(VerifyError::Truncated {
                field,
                offset: self.offset,
            })?;
        self.bytes = rest;
        self.offset += N;
        Ok(head)
    }

    fn fr(&mut self, field: &'static str) -> Result<Fr, VerifyError> {
        fr_from_bytes_be(self.take::<32>(field)?).map_err(|e| VerifyError::InvalidFieldElement {
            what: field,
            reason: e.to_string(),
        })
    }
}

impl Presentation {
    /// The binary form (see the module docs). Fails if more than [`MAX_DISCLOSED`] values are
    /// disclosed or the depth does not fit a byte.
    pub fn to_bytes(&self) -> Result<Vec<u8>, VerifyError> {
        let count = u8::try_from(self.disclosed.len())
            .ok()
            .filter(|n| usize::from(*n) <= MAX_DISCLOSED)
            .ok_or(VerifyError::TooManyDisclosed {
                count: self.disclosed.len(),
                max: MAX_DISCLOSED,
            })?;
        let depth = u8::try_from(self.depth).map_err(|_| VerifyError::UnsupportedDepth {
            depth: self.depth,
            max: MAX_DEPTH,
        })?;
        let mut out = Vec::with_capacity(BASE_LEN + 32 * self.disclosed.len());
        out.push(PRESENTATION_VERSION);
        out.extend_from_slice(&self.circuit.to_u16().to_be_bytes());
        out.push(depth);
        out.extend_from_slice(&self.key_id.0);
        for x in PublicInputs::to_field_elements(&self.statement) {
            out.extend_from_slice(&fr_to_bytes_be(&x));
        }
        out.push(count);
        for x in &self.disclosed {
            out.extend_from_slice(&fr_to_bytes_be(x));
        }
        out.extend_from_slice(&self.proof.to_bytes());
        Ok(out)
    }

    /// Decodes the binary form strictly: known version, a known circuit that is [`Statement`]'s
    /// ([`VerifyError::UnknownCircuit`], [`VerifyError::WrongCircuit`]), a depth in
    /// `1..=MAX_DEPTH`, every field present, canonical scalars, inputs [`Statement`] accepts
    /// ([`VerifyError::InvalidStatementInput`]), at most [`MAX_DISCLOSED`] values, a valid
    /// proof, and no trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        let mut r = Reader { bytes, offset: 0 };
        let [version] = *r.take::<1>("the version byte")?;
        if version != PRESENTATION_VERSION {
            return Err(VerifyError::UnsupportedPresentationVersion {
                got: version,
                supported: PRESENTATION_VERSION,
            });
        }
        let id = u16::from_be_bytes(*r.take::<2>("the circuit id")?);
        let circuit = CircuitId::from_u16(id).ok_or(VerifyError::UnknownCircuit { id })?;
        if circuit != <Statement as PublicInputs>::CIRCUIT {
            return Err(VerifyError::WrongCircuit {
                expected: <Statement as PublicInputs>::CIRCUIT,
                found: circuit,
            });
        }
        let [depth] = *r.take::<1>("the depth")?;
        let depth = u32::from(depth);
        if !(1..=MAX_DEPTH).contains(&depth) {
            return Err(VerifyError::UnsupportedDepth {
                depth,
                max: MAX_DEPTH,
            });
        }
        let key_id = KeyId(*r.take::<32>("the key id")?);
        let inputs = <Statement as PublicInputs>::INPUT_NAMES
            .iter()
            .map(|name| r.fr(name))
            .collect::<Result<Vec<_>, _>>()?;
        let statement = Statement::from_field_elements(&inputs).map_err(|e| match e {
            zkhealth_circuits::Error::InvalidInput { name, reason } => {
                VerifyError::InvalidStatementInput {
                    input: name,
                    reason,
                }
            }
            other => VerifyError::InvalidStatementInput {
                input: "statement",
                reason: other.to_string(),
            },
        })?;
        let [count] = *r.take::<1>("the disclosed count")?;
        let count = usize::from(count);
        if count > MAX_DISCLOSED {
            return Err(VerifyError::TooManyDisclosed {
                count,
                max: MAX_DISCLOSED,
            });
        }
        let disclosed = (0..count)
            .map(|_| r.fr("a disclosed value"))
            .collect::<Result<Vec<_>, _>>()?;
        let proof = Proof::from_bytes(r.take::<PROOF_LEN>("the proof")?)?;
        if !r.bytes.is_empty() {
            return Err(VerifyError::TrailingBytes {
                count: r.bytes.len(),
            });
        }
        Ok(Presentation {
            circuit,
            depth,
            key_id,
            statement,
            disclosed,
            proof,
        })
    }

    /// The QR text form: [`QR_PREFIX`] followed by the base45 encoding of [`Self::to_bytes`].
    pub fn to_qr_text(&self) -> Result<String, VerifyError> {
        Ok(format!("{QR_PREFIX}{}", base45::encode(self.to_bytes()?)))
    }

    /// Decodes the QR text form: the prefix, canonical base45 (what [`Self::to_qr_text`]
    /// writes, nothing else), then [`Self::from_bytes`].
    pub fn from_qr_text(text: &str) -> Result<Self, VerifyError> {
        let body = text
            .strip_prefix(QR_PREFIX)
            .ok_or(VerifyError::BadQrPrefix {
                expected: QR_PREFIX,
            })?;
        let bytes = base45::decode(body).map_err(|e| VerifyError::InvalidBase45(e.to_string()))?;
        // The base45 decoder accepts some non-canonical inputs (a final pair above 255 wraps);
        // accept only the one encoding of these bytes.
        if base45::encode(&bytes) != body {
            return Err(VerifyError::InvalidBase45(
                "not the canonical encoding of its bytes".into(),
            ));
        }
        Self::from_bytes(&bytes)
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        // Every field serializes to a string or a list of strings; this cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Decodes the JSON form, with the binary form's checks on the circuit and the depth.
    pub fn from_json(json: &str) -> Result<Self, VerifyError> {
        let p: Presentation = serde_json::from_str(json)?;
        if p.circuit != <Statement as PublicInputs>::CIRCUIT {
            return Err(VerifyError::WrongCircuit {
                expected: <Statement as PublicInputs>::CIRCUIT,
                found: p.circuit,
            });
        }
        if !(1..=MAX_DEPTH).contains(&p.depth) {
            return Err(VerifyError::UnsupportedDepth {
                depth: p.depth,
                max: MAX_DEPTH,
            });
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use ark_bn254::{Fq, Fq2, G1Projective, G2Affine, G2Projective};
    use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
    use ark_ff::Field;

    use zkhealth_circuits::date::Day;

    use super::*;
    use crate::error::ProofPoint;

    /// Offsets of the binary form's fields (one disclosed value or more).
    const ROOT: usize = HEADER_LEN;
    const TODAY: usize = ROOT + 32;
    const COUNT: usize = HEADER_LEN + 32 * 6;
    const DISCLOSED: usize = COUNT + 1;

    fn sample(n: usize) -> Presentation {
        let g1 = G1Projective::generator();
        Presentation {
            circuit: CircuitId::Presentation,
            depth: 10,
            key_id: KeyId([7; 32]),
            statement: Statement {
                root: Fr::from(11u8),
                today: Day::from_civil(2025, 3, 14).unwrap(),
                challenge: -Fr::from(1u8),
                scope: Fr::from(13u8),
                nullifier: Fr::from(17u8),
                query_hash: Fr::from(19u8),
            },
            disclosed: (0..n as u64).map(|i| Fr::from(100 + i)).collect(),
            proof: Proof(ark_groth16::Proof {
                a: (g1 * Fr::from(2u8)).into_affine(),
                b: (G2Projective::generator() * Fr::from(3u8)).into_affine(),
                c: (g1 * Fr::from(4u8)).into_affine(),
            }),
        }
    }

    #[test]
    fn bytes_round_trip_with_every_disclosed_count() {
        for n in 0..=MAX_DISCLOSED {
            let p = sample(n);
            let bytes = p.to_bytes().unwrap();
            assert_eq!(bytes.len(), BASE_LEN + 32 * n);
            assert_eq!(Presentation::from_bytes(&bytes).unwrap(), p);
        }
        assert_eq!(BASE_LEN, 357);
        assert_eq!((HEADER_LEN, COUNT), (36, 228));
        let bytes = sample(0).to_bytes().unwrap();
        assert_eq!(&bytes[..4], &[3, 0, 1, 10]);
    }

    #[test]
    fn qr_text_round_trips_and_fits_alphanumeric_mode() {
        let p = sample(1);
        let text = p.to_qr_text().unwrap();
        assert!(text.starts_with("ZKH1:"));
        const ALNUM: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        assert!(text.chars().all(|c| ALNUM.contains(c)));
        // Well within a QR code's alphanumeric capacity (4,296 characters at version 40-L).
        assert_eq!(text.len(), 589);
        assert_eq!(Presentation::from_qr_text(&text).unwrap(), p);
    }

    #[test]
    fn qr_text_never_ends_in_a_space() {
        // Pages and the CLI trim the text they are given. Base45 has a space in its alphabet,
        // but never as a text's last character: a group's third character is at most index 32
        // and a lone final byte's second at most index 5.
        for n in 0..=u16::MAX {
            assert!(!base45::encode(n.to_be_bytes()).ends_with(' '), "{n}");
        }
        for n in 0..=u8::MAX {
            assert!(!base45::encode([n]).ends_with(' '), "{n}");
        }
        for n in 0..=MAX_DISCLOSED {
            let text = sample(n).to_qr_text().unwrap();
            assert_eq!(Presentation::from_qr_text(text.trim()).unwrap(), sample(n));
        }
    }

    #[test]
    fn json_round_trips_and_rejects_unknown_fields_and_too_many_values() {
        let p = sample(2);
        let json = p.to_json();
        assert!(json.starts_with(r#"{"circuit":"presentation","depth":10,"key_id":"#));
        assert_eq!(Presentation::from_json(&json).unwrap(), p);
        let claim = json.replacen(r#""presentation""#, r#""claim""#, 1);
        assert_eq!(
            Presentation::from_json(&claim),
            Err(VerifyError::WrongCircuit {
                expected: CircuitId::Presentation,
                found: CircuitId::Claim
            })
        );
        let unknown = json.replacen(r#""presentation""#, r#""vaccination""#, 1);
        assert!(matches!(
            Presentation::from_json(&unknown),
            Err(VerifyError::Json(_))
        ));
        for depth in ["0", "17"] {
            let bad = json.replacen(r#""depth":10"#, &format!(r#""depth":{depth}"#), 1);
            assert!(matches!(
                Presentation::from_json(&bad),
                Err(VerifyError::UnsupportedDepth { .. })
            ));
        }
        let extra = json.replacen('{', r#"{"extra":1,"#, 1);
        assert!(matches!(
            Presentation::from_json(&extra),
            Err(VerifyError::Json(_))
        ));
        let eleven = sample(MAX_DISCLOSED + 1);
        let json = serde_json::to_string(&eleven).unwrap();
        assert!(Presentation::from_json(&json).is_err());
    }

    #[test]
    fn from_bytes_rejects_truncation_at_every_field() {
        let bytes = sample(2).to_bytes().unwrap();
        let cases: [(usize, &str); 14] = [
            (0, "the version byte"),
            (1, "the circuit id"),
            (2, "the circuit id"),
            (3, "the depth"),
            (4, "the key id"),
            (20, "the key id"),
            (ROOT, "root"),
            (TODAY + 31, "today"),
            (ROOT + 2 * 32, "challenge"),
            (ROOT + 3 * 32, "scope"),
            (ROOT + 4 * 32, "nullifier"),
            (ROOT + 5 * 32, "query_hash"),
            (COUNT, "the disclosed count"),
            (DISCLOSED + 40, "a disclosed value"),
        ];
        for (cut, field) in cases {
            match Presentation::from_bytes(&bytes[..cut]) {
                Err(VerifyError::Truncated { field: f, .. }) => assert_eq!(f, field, "cut {cut}"),
                other => panic!("cut {cut}: {other:?}"),
            }
        }
        for cut in [DISCLOSED + 64, bytes.len() - 1] {
            assert!(matches!(
                Presentation::from_bytes(&bytes[..cut]),
                Err(VerifyError::Truncated {
                    field: "the proof",
                    ..
                })
            ));
        }
    }

    #[test]
    fn from_bytes_rejects_trailing_byte() {
        let mut bytes = sample(1).to_bytes().unwrap();
        bytes.push(0);
        assert_eq!(
            Presentation::from_bytes(&bytes),
            Err(VerifyError::TrailingBytes { count: 1 })
        );
    }

    #[test]
    fn from_bytes_rejects_unknown_version() {
        // Version 1 had no circuit id, version 2 seven inputs: refused, as is a future version.
        for version in [1, 2, 4] {
            let mut bytes = sample(1).to_bytes().unwrap();
            bytes[0] = version;
            assert_eq!(
                Presentation::from_bytes(&bytes),
                Err(VerifyError::UnsupportedPresentationVersion {
                    got: version,
                    supported: 3
                })
            );
        }
    }

    #[test]
    fn from_bytes_rejects_unknown_and_other_circuits_and_bad_depths() {
        let base = sample(1).to_bytes().unwrap();
        for id in [0u16, 3, 0x0100] {
            let mut bytes = base.clone();
            bytes[1..3].copy_from_slice(&id.to_be_bytes());
            assert_eq!(
                Presentation::from_bytes(&bytes),
                Err(VerifyError::UnknownCircuit { id })
            );
        }
        let mut bytes = base.clone();
        bytes[1..3].copy_from_slice(&CircuitId::Claim.to_u16().to_be_bytes());
        assert_eq!(
            Presentation::from_bytes(&bytes),
            Err(VerifyError::WrongCircuit {
                expected: CircuitId::Presentation,
                found: CircuitId::Claim
            })
        );
        for depth in [0u8, 17, 255] {
            let mut bytes = base.clone();
            bytes[3] = depth;
            assert_eq!(
                Presentation::from_bytes(&bytes),
                Err(VerifyError::UnsupportedDepth {
                    depth: depth.into(),
                    max: MAX_DEPTH
                })
            );
        }
        let deep = Presentation {
            depth: 256,
            ..sample(0)
        };
        assert!(matches!(
            deep.to_bytes(),
            Err(VerifyError::UnsupportedDepth { depth: 256, .. })
        ));
    }

    #[test]
    fn from_bytes_rejects_non_canonical_scalars() {
        let base = sample(1).to_bytes().unwrap();
        for (offset, what) in [
            (ROOT, "root"),
            (TODAY, "today"),
            (ROOT + 2 * 32, "challenge"),
            (ROOT + 3 * 32, "scope"),
            (ROOT + 4 * 32, "nullifier"),
            (ROOT + 5 * 32, "query_hash"),
            (DISCLOSED, "a disclosed value"),
        ] {
            let mut bytes = base.clone();
            // r itself: just above the largest canonical value.
            bytes[offset..offset + 32].copy_from_slice(&fr_to_bytes_be(&-Fr::from(1u8)));
            bytes[offset + 31] += 1;
            assert!(
                matches!(
                    Presentation::from_bytes(&bytes),
                    Err(VerifyError::InvalidFieldElement { what: w, .. }) if w == what
                ),
                "{what}"
            );
        }
    }

    #[test]
    fn from_bytes_rejects_date_out_of_range() {
        let base = sample(0).to_bytes().unwrap();
        for today in [Fr::from(Day::max().0 + 1), Fr::from(1u64 << 32)] {
            let mut bytes = base.clone();
            bytes[TODAY..TODAY + 32].copy_from_slice(&fr_to_bytes_be(&today));
            assert!(matches!(
                Presentation::from_bytes(&bytes),
                Err(VerifyError::InvalidStatementInput { input: "today", .. })
            ));
        }
    }

    #[test]
    fn from_bytes_rejects_too_many_disclosed() {
        let mut bytes = sample(MAX_DISCLOSED).to_bytes().unwrap();
        bytes[COUNT] = 11;
        assert_eq!(
            Presentation::from_bytes(&bytes),
            Err(VerifyError::TooManyDisclosed { count: 11, max: 10 })
        );
        assert!(matches!(
            sample(MAX_DISCLOSED + 1).to_bytes(),
            Err(VerifyError::TooManyDisclosed { count: 11, .. })
        ));
    }

    #[test]
    fn from_bytes_rejects_bad_proof_point() {
        let p = sample(1);
        let bytes = p.to_bytes().unwrap();
        let proof_at = bytes.len() - PROOF_LEN;
        // B replaced by a point on the curve outside the prime-order subgroup.
        let b = (1u64..)
            .filter_map(|i| {
                G2Affine::get_point_from_x_unchecked(Fq2::new(Fq::from(i), Fq::ONE), false)
            })
            .find(|q| !q.is_in_correct_subgroup_assuming_on_curve())
            .unwrap_or(G2Affine::zero());
        let mut q = p.proof.clone();
        q.0.b = b;
        let mut bad = bytes.clone();
        bad[proof_at..].copy_from_slice(&q.to_bytes());
        assert_eq!(
            Presentation::from_bytes(&bad),
            Err(VerifyError::PointNotInSubgroup {
                point: ProofPoint::B
            })
        );
        // A's x coordinate not below the modulus.
        let mut bad = bytes;
        bad[proof_at..proof_at + 32].copy_from_slice(&[0x2f; 32]);
        bad[proof_at + 31] = 0x3f;
        assert_eq!(
            Presentation::from_bytes(&bad),
            Err(VerifyError::PointNotOnCurve {
                point: ProofPoint::A
            })
        );
    }

    #[test]
    fn from_qr_text_rejects_bad_prefix_and_bad_base45() {
        let text = sample(1).to_qr_text().unwrap();
        for bad in [
            text.replacen("ZKH1:", "ZKH2:", 1),
            text.replacen("ZKH1:", "", 1),
            text.to_lowercase(),
        ] {
            assert!(matches!(
                Presentation::from_qr_text(&bad),
                Err(VerifyError::BadQrPrefix { .. })
            ));
        }
        // A character outside the base45 alphabet.
        let mut chars: Vec<char> = text.chars().collect();
        chars[10] = 'a';
        let lower: String = chars.iter().collect();
        assert!(matches!(
            Presentation::from_qr_text(&lower),
            Err(VerifyError::InvalidBase45(_))
        ));
        chars[10] = '#';
        assert!(matches!(
            Presentation::from_qr_text(&chars.iter().collect::<String>()),
            Err(VerifyError::InvalidBase45(_))
        ));
        // A length that is 1 mod 3 is never base45.
        let body = text.len() - QR_PREFIX.len();
        let pad = "0".repeat((1 + 3 - body % 3) % 3 + 3);
        assert_eq!((body + pad.len()) % 3, 1);
        assert!(matches!(
            Presentation::from_qr_text(&format!("{text}{pad}")),
            Err(VerifyError::InvalidBase45(_))
        ));
        // A triple above 65535 ("GGW" = 16 + 16·45 + 32·2025).
        assert!(matches!(
            Presentation::from_qr_text("ZKH1:GGW"),
            Err(VerifyError::InvalidBase45(_))
        ));
        // A final pair above 255 (":" ":" = 44 + 44·45) decodes with wrap-around, but is not
        // the canonical encoding of the byte it decodes to.
        assert!(base45::decode("::").is_ok());
        assert_eq!(
            Presentation::from_qr_text("ZKH1:::"),
            Err(VerifyError::InvalidBase45(
                "not the canonical encoding of its bytes".into()
            ))
        );
        // Valid base45 of a truncated presentation.
        let short = format!(
            "ZKH1:{}",
            base45::encode(&sample(1).to_bytes().unwrap()[..100])
        );
        assert!(matches!(
            Presentation::from_qr_text(&short),
            Err(VerifyError::Truncated { .. })
        ));
        // And of a presentation with a trailing byte.
        let mut long = sample(1).to_bytes().unwrap();
        long.push(1);
        assert_eq!(
            Presentation::from_qr_text(&format!("ZKH1:{}", base45::encode(&long))),
            Err(VerifyError::TrailingBytes { count: 1 })
        );
    }
}
