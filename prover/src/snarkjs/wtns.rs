//! Full assignments as snarkjs `.wtns` files (version 2), for `snarkjs wtns check` and
//! `snarkjs groth16 prove`.
//!
//! ```text
//! section 1 (header)   n8 = 32 (u32), the prime r (32 bytes LE), values (u32)
//! section 2 (values)   each wire's value, canonical, 32 bytes little-endian
//! ```
//!
//! The values are in wire order ([`super::r1cs`]): the constant one, the public inputs, then the
//! witness.

use ark_ff::One;
use zkhealth_circuits::Fr;

use super::{
    binfile::{self, BinFile, Reader},
    fr_from_le, fr_to_le, modulus_le,
    r1cs::check_field,
    SnarkjsError, FR_BYTES,
};

/// The magic of a `.wtns` file.
pub const MAGIC: &[u8; 4] = b"wtns";
/// The version written and read.
pub const VERSION: u32 = 2;

const HEADER: u32 = 1;
const VALUES: u32 = 2;

/// The `.wtns` file of a full assignment (constant one first).
pub fn to_bytes(assignment: &[Fr]) -> Result<Vec<u8>, SnarkjsError> {
    let count =
        u32::try_from(assignment.len()).map_err(|_| SnarkjsError::TooLarge("assignment"))?;
    let mut header = Vec::with_capacity(4 + FR_BYTES + 4);
    header.extend_from_slice(&(FR_BYTES as u32).to_le_bytes());
    header.extend_from_slice(&modulus_le());
    header.extend_from_slice(&count.to_le_bytes());
    let values = assignment.iter().flat_map(fr_to_le).collect();
    Ok(binfile::write(
        MAGIC,
        VERSION,
        &[(HEADER, header), (VALUES, values)],
    ))
}

/// Reads a `.wtns` file of BN254's scalar field: version 2, canonical values, as many as the
/// header says, the first one the constant one.
pub fn from_bytes(bytes: &[u8]) -> Result<Vec<Fr>, SnarkjsError> {
    const WHAT: &str = "wtns file";
    let file = BinFile::parse(bytes, MAGIC, WHAT)?;
    if file.version != VERSION {
        return Err(SnarkjsError::Format {
            what: WHAT,
            reason: format!("version {} (only {VERSION} is read)", file.version),
        });
    }
    let mut h = Reader::new(file.section(HEADER, WHAT)?, "wtns header");
    check_field(&mut h)?;
    let count = h.u32()? as usize;
    h.finish()?;
    let body = file.section(VALUES, WHAT)?;
    if body.len() != count.saturating_mul(FR_BYTES) {
        return Err(SnarkjsError::Format {
            what: WHAT,
            reason: format!(
                "{} bytes of values for {count} values of {FR_BYTES} bytes",
                body.len()
            ),
        });
    }
    let values = body
        .chunks_exact(FR_BYTES)
        .map(|chunk| {
            let mut a = [0u8; FR_BYTES];
            a.copy_from_slice(chunk);
            fr_from_le(&a, "wtns value")
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !values.first().is_some_and(One::is_one) {
        return Err(SnarkjsError::Format {
            what: WHAT,
            reason: "the first value (the constant wire) is not one".into(),
        });
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damaged_files() {
        let values = [Fr::from(1u8), Fr::from(7u8), -Fr::from(3u8)];
        let bytes = to_bytes(&values).unwrap();
        assert_eq!(from_bytes(&bytes).unwrap(), values);
        for cut in 0..bytes.len() {
            assert!(from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // A value that is not canonical (the prime itself).
        let mut bad = bytes.clone();
        let at = bad.len() - FR_BYTES;
        bad[at..].copy_from_slice(&modulus_le());
        assert!(matches!(
            from_bytes(&bad),
            Err(SnarkjsError::NonCanonical(_))
        ));
        // Another field.
        let mut other = bytes.clone();
        other[24] ^= 1; // first byte of the prime
        assert!(matches!(
            from_bytes(&other),
            Err(SnarkjsError::WrongField(_))
        ));
        // The constant wire must be one.
        let zero_first = to_bytes(&[Fr::from(0u8)]).unwrap();
        assert!(from_bytes(&zero_first).is_err());
    }
}
