//! The claim's gadgets: [`ClaimStatementVar`], the cross-credential conditions
//! ([`enforce_covered`]) and the claim nullifier and query hash in the circuit.
//!
//! Cost of [`enforce_covered`]: [`COVERED_CONSTRAINTS`] = 270:
//!
//! | part | constraints |
//! |------|-------------|
//! | both schemas (two equalities with constants) | 2 |
//! | five operands below 2³² (33 each) | 165 |
//! | `date − start`, `end − date`, `limit − amount` below 2³² (33 each) | 99 |
//! | category non-zero (one inverse) | 1 |
//! | category among four (`Π (category − cᵢ) = 0`) | 3 |

use std::borrow::Borrow;

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{Namespace, SynthesisError};

use super::{coverage, treatment, ClaimStatement};
use crate::{
    codes,
    credential::constraints::{CredentialVar, HolderSecretVar},
    policy::constraints::{enforce_less_than_pow2, COMPARISON_BITS},
    poseidon::{constraints::hash_with_domain, Domain},
    statement::constraints::NamedInputs,
    Fr,
};

/// Constraints of [`enforce_covered`] (module docs).
pub const COVERED_CONSTRAINTS: usize = 270;

/// The claim's statement in the circuit, allocated as public inputs in
/// [`crate::PublicInputs::INPUT_NAMES`] order.
#[derive(Clone)]
pub struct ClaimStatementVar {
    /// Root of the insurer's registry.
    pub root_coverage: FpVar<Fr>,
    /// Root of the provider registry.
    pub root_treatment: FpVar<Fr>,
    /// The insurer's day number.
    pub today: FpVar<Fr>,
    /// The insurer's challenge.
    pub challenge: FpVar<Fr>,
    /// The insurer's claim scope.
    pub scope: FpVar<Fr>,
    /// The claim nullifier.
    pub nullifier: FpVar<Fr>,
    /// Both policies with their disclosed values.
    pub query_hash: FpVar<Fr>,
}

impl AllocVar<ClaimStatement, Fr> for ClaimStatementVar {
    /// Allocates the statement; every mode but `Input` is refused, since a statement is public.
    fn new_variable<T: Borrow<ClaimStatement>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        if mode != AllocationMode::Input {
            return Err(SynthesisError::Unsatisfiable);
        }
        let values = f().map(|s| crate::PublicInputs::to_field_elements(s.borrow()));
        let inputs = NamedInputs::new::<ClaimStatement>(cs, values)?;
        let input = |name| inputs.get(name);
        Ok(ClaimStatementVar {
            root_coverage: input("root_coverage")?,
            root_treatment: input("root_treatment")?,
            today: input("today")?,
            challenge: input("challenge")?,
            scope: input("scope")?,
            nullifier: input("nullifier")?,
            query_hash: input("query_hash")?,
        })
    }
}

/// Slot `i` of `c`.
fn slot(c: &CredentialVar, i: usize) -> Result<&FpVar<Fr>, SynthesisError> {
    c.slots.get(i).ok_or(SynthesisError::Unsatisfiable)
}

/// The id of the schema named `name`, as a constant.
fn schema_id(name: &str) -> Result<FpVar<Fr>, SynthesisError> {
    codes::encode(name)
        .map(FpVar::constant)
        .map_err(|_| SynthesisError::Unsatisfiable)
}

/// Enforces the cross-credential conditions between a coverage credential `cov` and a
/// treatment record `trt` ([`super::check_covered`] natively): their schemas, the day of
/// service within the coverage period, the category among the coverage's, the amount at most
/// the annual limit. Every comparison's operands and difference are range-checked below 2³².
/// Cost: [`COVERED_CONSTRAINTS`].
pub fn enforce_covered(cov: &CredentialVar, trt: &CredentialVar) -> Result<(), SynthesisError> {
    cov.schema
        .enforce_equal(&schema_id(coverage::SCHEMA_NAME)?)?;
    trt.schema
        .enforce_equal(&schema_id(treatment::SCHEMA_NAME)?)?;
    let start = slot(cov, coverage::PERIOD_START)?;
    let end = slot(cov, coverage::PERIOD_END)?;
    let limit = slot(cov, coverage::ANNUAL_LIMIT)?;
    let date = slot(trt, treatment::DATE)?;
    let amount = slot(trt, treatment::AMOUNT)?;
    for operand in [start, end, limit, date, amount] {
        enforce_less_than_pow2(operand, COMPARISON_BITS)?;
    }
    // Both sides below 2³² and their difference in [0, 2³²): the integer difference is not
    // negative.
    enforce_less_than_pow2(&(date - start), COMPARISON_BITS)?;
    enforce_less_than_pow2(&(end - date), COMPARISON_BITS)?;
    enforce_less_than_pow2(&(limit - amount), COMPARISON_BITS)?;
    // A non-zero category equal to one of the four: an empty category slot (0) matches nothing.
    let category = slot(trt, treatment::CATEGORY)?;
    category.enforce_not_equal(&FpVar::zero())?;
    let mut differences = (0..coverage::MAX_CATEGORIES)
        .map(|i| slot(cov, coverage::CATEGORIES + i).map(|c| category - c))
        .collect::<Result<Vec<_>, _>>()?;
    let last = differences.pop().ok_or(SynthesisError::Unsatisfiable)?;
    let product = differences
        .into_iter()
        .reduce(|a, b| a * b)
        .ok_or(SynthesisError::Unsatisfiable)?;
    product.mul_equals(&last, &FpVar::zero())
}

/// The claim nullifier of the treatment record `trt` for the holder of `secret` in `scope`;
/// matches [`super::claim_nullifier`].
pub fn claim_nullifier(
    secret: &HolderSecretVar,
    trt: &CredentialVar,
    scope: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    hash_with_domain(
        Domain::ClaimNullifier,
        &[
            secret.0.clone(),
            slot(trt, treatment::PROVIDER)?.clone(),
            slot(trt, treatment::TREATMENT_ID)?.clone(),
            scope.clone(),
        ],
    )
}

/// The claim's query hash from the two credentials' query hashes; matches
/// [`super::claim_query_hash`].
pub fn claim_query_hash(
    coverage: &FpVar<Fr>,
    treatment: &FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    hash_with_domain(Domain::ClaimQuery, &[coverage.clone(), treatment.clone()])
}

#[cfg(test)]
mod tests {
    use ark_relations::gr1cs::ConstraintSystem;

    use super::*;
    use crate::credential::{Credential, Schema, Slot, SlotKind, NUM_SLOTS};

    const fn table() -> [Slot; NUM_SLOTS] {
        let mut t = [Slot {
            position: 0,
            name: "",
            kind: SlotKind::Number,
        }; NUM_SLOTS];
        let names = ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"];
        let mut i = 0;
        while i < NUM_SLOTS {
            t[i] = Slot {
                position: i,
                name: names[i],
                kind: SlotKind::Number,
            };
            i += 1;
        }
        t
    }
    const TABLE: [Slot; NUM_SLOTS] = table();
    const COVERAGE: Schema = Schema::new(coverage::SCHEMA_NAME, "coverage", &TABLE);
    const TREATMENT: Schema = Schema::new(treatment::SCHEMA_NAME, "treatment", &TABLE);

    fn credential(schema: Schema, slots: [u64; NUM_SLOTS]) -> Credential {
        Credential {
            schema,
            issuer: Fr::from(1u8),
            holder_key: Fr::from(2u8),
            expiry: crate::date::Day(50_000),
            salt: Fr::from(3u8),
            slots: slots.map(Fr::from),
        }
    }

    #[test]
    fn the_cross_conditions_cost_what_the_docs_say_and_match_the_native_check() {
        // Period 100..=200, limit 1,000, categories 7 and 9 (two empty slots).
        let cov = credential(COVERAGE, [0, 0, 0, 100, 200, 1_000, 7, 9, 0, 0]);
        for (date, category, amount) in [
            (150, 7, 1_000),
            (100, 9, 0),
            (200, 7, 5),
            (99, 7, 5),
            (201, 7, 5),
            (150, 8, 5),
            (150, 0, 5),
            (150, 9, 1_001),
        ] {
            let trt = credential(TREATMENT, [11, category, 0, date, amount, 12, 0, 0, 0, 0]);
            let cs = ConstraintSystem::<Fr>::new_ref();
            let c = CredentialVar::new_witness(cs.clone(), || Ok(cov.clone())).unwrap();
            let t = CredentialVar::new_witness(cs.clone(), || Ok(trt.clone())).unwrap();
            let before = cs.num_constraints();
            enforce_covered(&c, &t).unwrap();
            assert_eq!(cs.num_constraints() - before, COVERED_CONSTRAINTS);
            assert_eq!(
                cs.is_satisfied().unwrap(),
                super::super::check_covered(&cov, &trt).is_ok(),
                "day {date}, category {category}, amount {amount}"
            );
        }
    }
}
