//! Our circuits as iden3 `.r1cs` files (version 1), the input of snarkjs's `groth16 setup`.
//!
//! The constraints are exactly the cached [`ConstraintMatrices`] (what ark-groth16 synthesizes
//! for setup: constraints optimization goal, linear combinations inlined). Wires are our
//! variables in order: wire 0 is the constant one, wires `1..=n` the statement's public inputs
//! (circom's public inputs, with no outputs), then the witness. Each linear combination's terms
//! are sorted by wire with duplicates merged and zeros dropped; coefficients are canonical
//! little-endian. The file is a function of the circuit and depth alone: byte-identical across
//! runs and machines.
//!
//! ```text
//! section 1 (header)       n8 = 32 (u32), the prime r (32 bytes LE), wires (u32),
//!                          public outputs = 0 (u32), public inputs (u32), private inputs = 0
//!                          (u32), labels (u64, = wires), constraints (u32)
//! section 2 (constraints)  per constraint, for A, B, C: terms (u32), then per term
//!                          wire (u32) and coefficient (32 bytes LE)
//! section 3 (wire → label) one u64 per wire: its label (the wire's own index)
//! ```
//!
//! Circom counts as private inputs only the input signals of its main component; our witness has
//! no such distinction, so every witness wire is an internal signal (`# of Private Inputs: 0`).

use ark_ff::Zero;
use zkhealth_circuits::Fr;

use super::{
    binfile::{self, BinFile, Reader},
    fr_from_le, fr_to_le, modulus_le, SnarkjsError, FR_BYTES,
};
use crate::matrices::ConstraintMatrices;

/// The magic of an `.r1cs` file.
pub const MAGIC: &[u8; 4] = b"r1cs";
/// The version written and read.
pub const VERSION: u32 = 1;

const HEADER: u32 = 1;
const CONSTRAINTS: u32 = 2;
const WIRE_TO_LABEL: u32 = 3;

/// A linear combination: `(wire, coefficient)` sorted by wire, no duplicates, no zeros.
pub type Lc = Vec<(u32, Fr)>;

/// A constraint system as an `.r1cs` file describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R1cs {
    /// Wires, the constant one included.
    pub num_wires: u32,
    /// Public inputs (wires `1..=num_public`).
    pub num_public: u32,
    /// Each constraint's `A`, `B`, `C`.
    pub constraints: Vec<[Lc; 3]>,
}

/// Sorts a matrix row by wire, merges duplicates and drops zeros.
fn normalize(row: &[(Fr, usize)]) -> Result<Lc, SnarkjsError> {
    let mut terms = row
        .iter()
        .map(|(c, v)| {
            u32::try_from(*v)
                .map(|w| (w, *c))
                .map_err(|_| SnarkjsError::TooLarge("wire index"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    terms.sort_by_key(|(w, _)| *w);
    let mut out: Lc = Vec::with_capacity(terms.len());
    for (wire, coeff) in terms {
        match out.last_mut() {
            Some((last, acc)) if *last == wire => *acc += coeff,
            _ => out.push((wire, coeff)),
        }
    }
    out.retain(|(_, c)| !c.is_zero());
    Ok(out)
}

impl R1cs {
    /// The constraint system of cached matrices.
    pub fn from_matrices(m: &ConstraintMatrices) -> Result<Self, SnarkjsError> {
        let too_large = |_| SnarkjsError::TooLarge("constraint system");
        let num_wires =
            u32::try_from(m.num_instance_variables + m.num_witness_variables).map_err(too_large)?;
        let num_public =
            u32::try_from(m.num_instance_variables.saturating_sub(1)).map_err(too_large)?;
        let [a, b, c] = &m.abc;
        let constraints = (0..m.num_constraints)
            .map(|i| -> Result<[Lc; 3], SnarkjsError> {
                let row = |matrix: &[Vec<(Fr, usize)>]| {
                    normalize(matrix.get(i).map(Vec::as_slice).unwrap_or(&[]))
                };
                Ok([row(a)?, row(b)?, row(c)?])
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(R1cs {
            num_wires,
            num_public,
            constraints,
        })
    }

    /// Whether these are the constraints of `m` (compared after normalization).
    pub fn matches(&self, m: &ConstraintMatrices) -> Result<bool, SnarkjsError> {
        Ok(*self == Self::from_matrices(m)?)
    }

    /// The `.r1cs` file.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut header = Vec::with_capacity(4 + FR_BYTES + 4 * 4 + 8 + 4);
        header.extend_from_slice(&(FR_BYTES as u32).to_le_bytes());
        header.extend_from_slice(&modulus_le());
        header.extend_from_slice(&self.num_wires.to_le_bytes());
        header.extend_from_slice(&0u32.to_le_bytes()); // public outputs
        header.extend_from_slice(&self.num_public.to_le_bytes());
        header.extend_from_slice(&0u32.to_le_bytes()); // private inputs
        header.extend_from_slice(&u64::from(self.num_wires).to_le_bytes()); // labels
        header.extend_from_slice(&(self.constraints.len() as u32).to_le_bytes());
        let mut body = Vec::new();
        for constraint in &self.constraints {
            for lc in constraint {
                body.extend_from_slice(&(lc.len() as u32).to_le_bytes());
                for (wire, coeff) in lc {
                    body.extend_from_slice(&wire.to_le_bytes());
                    body.extend_from_slice(&fr_to_le(coeff));
                }
            }
        }
        let labels = (0..u64::from(self.num_wires))
            .flat_map(u64::to_le_bytes)
            .collect();
        binfile::write(
            MAGIC,
            VERSION,
            &[
                (HEADER, header),
                (CONSTRAINTS, body),
                (WIRE_TO_LABEL, labels),
            ],
        )
    }

    /// Reads an `.r1cs` file of BN254's scalar field, strictly: version 1, the three sections,
    /// canonical coefficients, wires in range and sorted within each linear combination, labels
    /// one per wire. Custom gates (circom 2.0.8+ sections 4 and 5) are refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SnarkjsError> {
        const WHAT: &str = "r1cs file";
        let file = BinFile::parse(bytes, MAGIC, WHAT)?;
        if file.version != VERSION {
            return Err(SnarkjsError::Format {
                what: WHAT,
                reason: format!("version {} (only {VERSION} is read)", file.version),
            });
        }
        let mut h = Reader::new(file.section(HEADER, WHAT)?, "r1cs header");
        check_field(&mut h)?;
        let num_wires = h.u32()?;
        let (outputs, inputs, private) = (h.u32()?, h.u32()?, h.u32()?);
        let labels = h.u64()?;
        let num_constraints = h.u32()?;
        h.finish()?;
        let num_public = outputs
            .checked_add(inputs)
            .filter(|p| p.checked_add(private).is_some_and(|n| n < num_wires.max(1)))
            .ok_or_else(|| h.error("more inputs than wires"))?;
        if outputs != 0 {
            return Err(h.error("public outputs are not supported (ours are inputs)"));
        }
        let mut r = Reader::new(file.section(CONSTRAINTS, WHAT)?, "r1cs constraints");
        // Each constraint takes at least 12 bytes (three empty combinations).
        if (num_constraints as usize).saturating_mul(12) > r.rest().len() {
            return Err(r.error("more constraints than the section holds"));
        }
        let mut constraints = Vec::with_capacity(num_constraints as usize);
        for _ in 0..num_constraints {
            let mut lc = || -> Result<Lc, SnarkjsError> {
                let n = r.count(4 + FR_BYTES)?;
                let mut terms = Vec::with_capacity(n);
                for _ in 0..n {
                    let wire = r.u32()?;
                    if wire >= num_wires {
                        return Err(r.error(&format!("wire {wire} of {num_wires}")));
                    }
                    if terms.last().is_some_and(|(last, _)| *last >= wire) {
                        return Err(r.error("terms not sorted by wire"));
                    }
                    terms.push((wire, fr_from_le(&r.array()?, "r1cs coefficient")?));
                }
                Ok(terms)
            };
            constraints.push([lc()?, lc()?, lc()?]);
        }
        r.finish()?;
        let map = file.section(WIRE_TO_LABEL, WHAT)?;
        if labels != u64::from(num_wires) || map.len() as u64 != u64::from(num_wires) * 8 {
            return Err(SnarkjsError::Format {
                what: WHAT,
                reason: "the wire-to-label map does not have one label per wire".into(),
            });
        }
        Ok(R1cs {
            num_wires,
            num_public,
            constraints,
        })
    }
}

/// Reads `n8` and the prime of a header and checks they are BN254's scalar field.
pub(crate) fn check_field(h: &mut Reader<'_>) -> Result<(), SnarkjsError> {
    let n8 = h.u32()?;
    if n8 as usize != FR_BYTES {
        return Err(SnarkjsError::WrongField(format!(
            "elements of {n8} bytes, not {FR_BYTES}"
        )));
    }
    let prime = h.array::<FR_BYTES>()?;
    if prime != modulus_le() {
        return Err(SnarkjsError::WrongField(format!(
            "prime 0x{} is not BN254's scalar field order (another curve?)",
            hex::encode(prime.iter().rev().copied().collect::<Vec<_>>())
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> R1cs {
        R1cs {
            num_wires: 4,
            num_public: 1,
            constraints: vec![
                [
                    vec![(1, Fr::from(2u8))],
                    vec![(0, Fr::from(1u8)), (3, -Fr::from(1u8))],
                    vec![(2, Fr::from(5u8))],
                ],
                [vec![], vec![], vec![]],
            ],
        }
    }

    #[test]
    fn round_trips_and_refuses_damaged_files() {
        let bytes = tiny().to_bytes();
        assert_eq!(R1cs::from_bytes(&bytes).unwrap(), tiny());
        for cut in 0..bytes.len() {
            assert!(R1cs::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        // Every single-byte change is refused or read as another system, never a panic; the
        // labels (the last section) name wires and are not part of the system.
        let labels = 8 * tiny().num_wires as usize;
        for at in 0..bytes.len() - labels {
            let mut bad = bytes.clone();
            bad[at] ^= 0x5a;
            if let Ok(r) = R1cs::from_bytes(&bad) {
                assert_ne!(r, tiny(), "byte {at}");
            }
        }
    }

    #[test]
    fn rows_are_sorted_merged_and_zero_free() {
        let one = Fr::from(1u8);
        let row = [(one, 3), (Fr::from(2u8), 1), (one, 3), (-one, 2), (one, 2)];
        assert_eq!(
            normalize(&row).unwrap(),
            vec![(1, Fr::from(2u8)), (3, Fr::from(2u8))]
        );
    }
}
