//! [`StatementVar`]: the only code that allocates public inputs.

use std::borrow::Borrow;

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{Namespace, SynthesisError};

use super::Statement;
use crate::Fr;

/// The statement in the circuit, allocated as public inputs in [`Statement::to_field_elements`]
/// order.
#[derive(Clone)]
pub struct StatementVar {
    /// Registry root.
    pub root: FpVar<Fr>,
    /// The verifier's day number.
    pub today: FpVar<Fr>,
    /// The verifier's date as `YYYYMMDD`.
    pub today_ymd: FpVar<Fr>,
    /// The verifier's challenge.
    pub challenge: FpVar<Fr>,
    /// Nullifier scope.
    pub scope: FpVar<Fr>,
    /// Nullifier.
    pub nullifier: FpVar<Fr>,
    /// Query hash.
    pub query_hash: FpVar<Fr>,
}

impl AllocVar<Statement, Fr> for StatementVar {
    /// Allocates the statement; every mode but `Input` is refused, since a statement is public.
    fn new_variable<T: Borrow<Statement>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        if mode != AllocationMode::Input {
            return Err(SynthesisError::Unsatisfiable);
        }
        let cs = cs.into().cs();
        let values = f().map(|s| s.borrow().to_field_elements());
        let mut vars = (0..Statement::NUM_INPUTS).map(|i| {
            FpVar::new_input(cs.clone(), || {
                values
                    .as_ref()
                    .map(|v| v[i])
                    .map_err(|_| SynthesisError::AssignmentMissing)
            })
        });
        let mut next = || vars.next().unwrap_or(Err(SynthesisError::Unsatisfiable));
        Ok(StatementVar {
            root: next()?,
            today: next()?,
            today_ymd: next()?,
            challenge: next()?,
            scope: next()?,
            nullifier: next()?,
            query_hash: next()?,
        })
    }
}
