//! The zkhealth file container: a typed, versioned, digest-checked envelope for key files.
//!
//! ```text
//! offset  size  field
//! 0       8     magic  b"ZKHEALTH"
//! 8       1     kind   (1 = verifying key, 2 = proving artifact)
//! 9       2     format version, u16 little-endian (2)
//! 11      8     payload length n, u64 little-endian
//! 19      n     payload
//! 19+n    32    SHA-256 of bytes 0..19+n
//! ```
//!
//! [`open`] checks every field and the digest before returning the payload, so a payload it
//! returns is exactly what [`seal`] was given; the prover crate reuses this module for its
//! proving artifact ([`Kind::ProvingArtifact`]).

use std::fmt;

use sha2::{Digest, Sha256};

use crate::VerifyError;

/// The first eight bytes of every zkhealth file.
pub const MAGIC: [u8; 8] = *b"ZKHEALTH";

/// The container format version this library writes and reads.
///
/// Version 2: the verifying key's payload starts with the circuit id (so does the verifying key
/// embedded in a proving artifact). Version 1 files, whose keys name no circuit, are refused with
/// [`VerifyError::UnsupportedVersion`].
pub const FORMAT_VERSION: u16 = 2;

/// Length of the fixed header (magic, kind, version, payload length).
pub const HEADER_LEN: usize = 8 + 1 + 2 + 8;

/// Length of the trailing SHA-256 digest.
pub const DIGEST_LEN: usize = 32;

/// What a container holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// A verifying key ([`crate::VerifyingKey::to_file_bytes`]).
    VerifyingKey = 1,
    /// A proving artifact (proving key and constraint matrices; written by the prover crate).
    ProvingArtifact = 2,
}

impl Kind {
    /// The kind's byte in the header.
    pub fn to_byte(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::VerifyingKey => "verifying key (kind 1)",
            Kind::ProvingArtifact => "proving artifact (kind 2)",
        })
    }
}

/// Wraps `payload` in a container of the given kind.
pub fn seal(kind: Kind, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + DIGEST_LEN);
    out.extend_from_slice(&MAGIC);
    out.push(kind.to_byte());
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    out
}

/// Checks a container of the given kind and returns its payload.
///
/// Rejects, each with its own [`VerifyError`] variant: input shorter than header and digest
/// ([`VerifyError::ContainerTooShort`]), bad magic ([`VerifyError::BadMagic`]), another kind
/// ([`VerifyError::WrongKind`]), an unknown version ([`VerifyError::UnsupportedVersion`]), a
/// declared length that does not match the bytes present, whether truncated or with trailing
/// bytes ([`VerifyError::LengthMismatch`]), and a digest mismatch
/// ([`VerifyError::DigestMismatch`]).
pub fn open(kind: Kind, bytes: &[u8]) -> Result<&[u8], VerifyError> {
    let payload = payload(kind, bytes)?;
    let signed = bytes
        .get(..HEADER_LEN + payload.len())
        .ok_or(VerifyError::DigestMismatch)?;
    let digest = bytes
        .get(HEADER_LEN + payload.len()..)
        .ok_or(VerifyError::DigestMismatch)?;
    if Sha256::digest(signed).as_slice() != digest {
        return Err(VerifyError::DigestMismatch);
    }
    Ok(payload)
}

/// The payload of a container after the checks of [`open`] **except the digest**: magic, kind,
/// version and length. For a caller that checks the payload against a digest it pinned itself
/// (the prover's pinned artifact load), so that a large file is hashed once.
pub fn payload(kind: Kind, bytes: &[u8]) -> Result<&[u8], VerifyError> {
    let too_short = || VerifyError::ContainerTooShort {
        got: bytes.len(),
        min: HEADER_LEN + DIGEST_LEN,
    };
    if bytes.len() < HEADER_LEN + DIGEST_LEN {
        return Err(too_short());
    }
    let header: &[u8; HEADER_LEN] = bytes.first_chunk().ok_or_else(too_short)?;
    let [m0, m1, m2, m3, m4, m5, m6, m7, kind_byte, v0, v1, l0, l1, l2, l3, l4, l5, l6, l7] =
        *header;
    if [m0, m1, m2, m3, m4, m5, m6, m7] != MAGIC {
        return Err(VerifyError::BadMagic);
    }
    if kind_byte != kind.to_byte() {
        return Err(VerifyError::WrongKind {
            expected: kind,
            got: kind_byte,
        });
    }
    let version = u16::from_le_bytes([v0, v1]);
    if version != FORMAT_VERSION {
        return Err(VerifyError::UnsupportedVersion {
            got: version,
            supported: FORMAT_VERSION,
        });
    }
    let declared = u64::from_le_bytes([l0, l1, l2, l3, l4, l5, l6, l7]);
    // At least `DIGEST_LEN` bytes follow the header (checked above).
    let actual = bytes.len() - HEADER_LEN - DIGEST_LEN;
    if declared != actual as u64 {
        return Err(VerifyError::LengthMismatch {
            declared,
            actual: actual as u64,
        });
    }
    bytes
        .get(HEADER_LEN..HEADER_LEN + actual)
        .ok_or_else(too_short)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        seal(Kind::VerifyingKey, b"hello payload")
    }

    /// Recomputes the digest after editing the header, so only the intended check fails.
    fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
        let n = bytes.len() - DIGEST_LEN;
        let digest = Sha256::digest(&bytes[..n]);
        bytes[n..].copy_from_slice(&digest);
        bytes
    }

    #[test]
    fn seal_then_open_round_trips() {
        let bytes = sample();
        assert_eq!(bytes.len(), HEADER_LEN + 13 + DIGEST_LEN);
        assert_eq!(&bytes[..8], b"ZKHEALTH");
        assert_eq!(open(Kind::VerifyingKey, &bytes).unwrap(), b"hello payload");
        let empty = seal(Kind::ProvingArtifact, &[]);
        assert_eq!(open(Kind::ProvingArtifact, &empty).unwrap(), b"");
    }

    #[test]
    fn open_rejects_short_input() {
        for n in [0, 1, HEADER_LEN, HEADER_LEN + DIGEST_LEN - 1] {
            assert!(matches!(
                open(Kind::VerifyingKey, &sample()[..n]),
                Err(VerifyError::ContainerTooShort { .. })
            ));
        }
    }

    #[test]
    fn open_rejects_bad_magic() {
        let mut bytes = sample();
        bytes[0] = b'X';
        assert_eq!(
            open(Kind::VerifyingKey, &reseal(bytes)),
            Err(VerifyError::BadMagic)
        );
    }

    #[test]
    fn open_rejects_wrong_kind() {
        let bytes = seal(Kind::ProvingArtifact, b"pk");
        assert_eq!(
            open(Kind::VerifyingKey, &bytes),
            Err(VerifyError::WrongKind {
                expected: Kind::VerifyingKey,
                got: 2
            })
        );
        let mut bytes = sample();
        bytes[8] = 9;
        assert!(matches!(
            open(Kind::VerifyingKey, &reseal(bytes)),
            Err(VerifyError::WrongKind { got: 9, .. })
        ));
    }

    #[test]
    fn open_rejects_unknown_version() {
        assert_eq!(&sample()[9..11], &[2, 0]);
        // Version 1 (keys without a circuit id) and a future version.
        for version in [1u16, 3] {
            let mut bytes = sample();
            bytes[9..11].copy_from_slice(&version.to_le_bytes());
            assert_eq!(
                open(Kind::VerifyingKey, &reseal(bytes)),
                Err(VerifyError::UnsupportedVersion {
                    got: version,
                    supported: 2
                })
            );
        }
    }

    #[test]
    fn open_rejects_truncated_payload() {
        // Drop the payload's last byte and re-digest: the header still claims 13 bytes.
        let mut bytes = sample();
        bytes.remove(HEADER_LEN + 12);
        assert_eq!(
            open(Kind::VerifyingKey, &reseal(bytes)),
            Err(VerifyError::LengthMismatch {
                declared: 13,
                actual: 12
            })
        );
        // Or cut the file short.
        let bytes = sample();
        assert!(matches!(
            open(Kind::VerifyingKey, &bytes[..bytes.len() - 1]),
            Err(VerifyError::LengthMismatch {
                declared: 13,
                actual: 12
            })
        ));
    }

    #[test]
    fn open_rejects_trailing_bytes() {
        let mut bytes = sample();
        bytes.push(0);
        assert!(matches!(
            open(Kind::VerifyingKey, &bytes),
            Err(VerifyError::LengthMismatch {
                declared: 13,
                actual: 14
            })
        ));
    }

    #[test]
    fn open_rejects_huge_declared_length() {
        let mut bytes = sample();
        bytes[11..19].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(
            open(Kind::VerifyingKey, &reseal(bytes)),
            Err(VerifyError::LengthMismatch {
                declared: u64::MAX,
                ..
            })
        ));
    }

    #[test]
    fn open_rejects_any_flipped_payload_or_digest_bit() {
        let bytes = sample();
        for i in HEADER_LEN..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x10;
            assert_eq!(
                open(Kind::VerifyingKey, &b),
                Err(VerifyError::DigestMismatch),
                "byte {i}"
            );
        }
    }
}
