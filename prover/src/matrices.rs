//! A circuit's constraint matrices, computed once at setup and cached in the proving artifact, so
//! that a proof only synthesizes the witness.

use ark_relations::gr1cs::{
    ConstraintSystem, Matrix, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use zkhealth_circuits::{
    circuit::{Circuit, PresentationCircuit},
    Fr,
};

use crate::ProverError;

/// Bytes of one matrix entry: variable index (u32) and coefficient (32 bytes).
const ENTRY_LEN: usize = 4 + 32;

/// The R1CS matrices `A`, `B`, `C` of the circuit for one depth, with its dimensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintMatrices {
    /// Instance variables, including the constant `1`.
    pub num_instance_variables: usize,
    /// Witness variables.
    pub num_witness_variables: usize,
    /// Constraints.
    pub num_constraints: usize,
    /// `A`, `B`, `C`: one row of `(coefficient, variable)` per constraint.
    pub abc: [Matrix<Fr>; 3],
}

/// Synthesis settings shared by setup and proving, which must agree for the cached matrices to
/// fit the witness (ark-groth16's generator uses the same goal).
pub(crate) fn new_cs(mode: SynthesisMode) -> ark_relations::gr1cs::ConstraintSystemRef<Fr> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(mode);
    cs
}

impl ConstraintMatrices {
    /// The presentation circuit's matrices at `depth`: [`Self::for_circuit`].
    pub fn for_depth(depth: u32) -> Result<Self, ProverError> {
        Self::for_circuit::<PresentationCircuit>(depth)
    }

    /// Synthesizes circuit `C` blank at `depth` in setup mode and extracts its matrices.
    pub fn for_circuit<C: Circuit>(depth: u32) -> Result<Self, ProverError> {
        let cs = new_cs(SynthesisMode::Setup);
        C::blank(depth).generate_constraints(cs.clone())?;
        cs.finalize();
        let mut all = cs.to_matrices()?;
        let abc = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| ProverError::Proving("circuit has no R1CS constraints".into()))?;
        let abc: [Matrix<Fr>; 3] = abc
            .try_into()
            .map_err(|_| ProverError::Proving("R1CS must have three matrices".into()))?;
        Ok(ConstraintMatrices {
            num_instance_variables: cs.num_instance_variables(),
            num_witness_variables: cs.num_witness_variables(),
            num_constraints: cs.num_constraints(),
            abc,
        })
    }

    /// Non-zero entries of `A`, `B`, `C`.
    pub fn non_zeros(&self) -> [usize; 3] {
        self.abc.each_ref().map(|m| m.iter().map(Vec::len).sum())
    }

    /// Writes the matrices: dimensions (u64 LE), then per matrix and row the entry count (u32 LE)
    /// and each entry's variable index (u32 LE) and coefficient (32 bytes BE).
    pub fn write(&self, out: &mut Vec<u8>) {
        for n in [
            self.num_instance_variables,
            self.num_witness_variables,
            self.num_constraints,
        ] {
            out.extend_from_slice(&(n as u64).to_le_bytes());
        }
        for m in &self.abc {
            for row in m {
                out.extend_from_slice(&(row.len() as u32).to_le_bytes());
                for (coeff, var) in row {
                    out.extend_from_slice(&(*var as u32).to_le_bytes());
                    out.extend_from_slice(&zkhealth_circuits::field::fr_to_bytes_be(coeff));
                }
            }
        }
    }

    /// Reads what [`Self::write`] wrote; every index and count is checked.
    pub(crate) fn read(bytes: &mut &[u8]) -> Result<Self, ProverError> {
        let bad = |m: &str| ProverError::Serialization(format!("constraint matrices: {m}"));
        fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
            let (head, tail) = bytes.split_at_checked(n)?;
            *bytes = tail;
            Some(head)
        }
        let mut dim = || -> Result<usize, ProverError> {
            let b = take(bytes, 8).ok_or_else(|| bad("truncated dimensions"))?;
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            usize::try_from(u64::from_le_bytes(a)).map_err(|_| bad("dimension overflows"))
        };
        let (ni, nw, nc) = (dim()?, dim()?, dim()?);
        let nvars = ni
            .checked_add(nw)
            .ok_or_else(|| bad("dimension overflows"))?;
        // Every row takes at least 4 bytes: bound allocations by what the input can hold.
        if nc > bytes.len() / 4 {
            return Err(bad("more constraints than bytes"));
        }
        let mut abc: [Matrix<Fr>; 3] = Default::default();
        for m in &mut abc {
            m.reserve(nc);
            for _ in 0..nc {
                let word = |bytes: &mut &[u8], what| -> Result<usize, ProverError> {
                    let b = take(bytes, 4).ok_or_else(|| bad(what))?;
                    let mut a = [0u8; 4];
                    a.copy_from_slice(b);
                    Ok(u32::from_le_bytes(a) as usize)
                };
                let len = word(bytes, "truncated row")?;
                if len > nvars || len > bytes.len() / ENTRY_LEN {
                    return Err(bad("row longer than the variable count or the input"));
                }
                let mut row = Vec::with_capacity(len);
                for _ in 0..len {
                    let var = word(bytes, "truncated entry")?;
                    if var >= nvars {
                        return Err(bad("variable index out of range"));
                    }
                    let b = take(bytes, 32).ok_or_else(|| bad("truncated coefficient"))?;
                    let mut a = [0u8; 32];
                    a.copy_from_slice(b);
                    let coeff = zkhealth_circuits::field::fr_from_bytes_be(&a)
                        .map_err(|e| bad(&e.to_string()))?;
                    row.push((coeff, var));
                }
                m.push(row);
            }
        }
        Ok(ConstraintMatrices {
            num_instance_variables: ni,
            num_witness_variables: nw,
            num_constraints: nc,
            abc,
        })
    }
}
