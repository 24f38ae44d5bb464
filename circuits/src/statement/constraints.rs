//! [`StatementVar`]: the only code that allocates public inputs.

use std::borrow::Borrow;

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{Namespace, SynthesisError};

use super::{PublicInputs, Statement};
use crate::Fr;

/// The statement in the circuit, allocated as public inputs in [`PublicInputs::INPUT_NAMES`]
/// order.
#[derive(Clone)]
pub struct StatementVar {
    /// Registry root.
    pub root: FpVar<Fr>,
    /// The verifier's day number.
    pub today: FpVar<Fr>,
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
    ///
    /// Input `i` is [`PublicInputs::INPUT_NAMES`]`[i]`, holds `to_field_elements()[i]`, and
    /// becomes the field of that name.
    fn new_variable<T: Borrow<Statement>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        if mode != AllocationMode::Input {
            return Err(SynthesisError::Unsatisfiable);
        }
        let values = f().map(|s| s.borrow().to_field_elements().to_vec());
        let inputs = NamedInputs::new::<Statement>(cs, values)?;
        let input = |name| inputs.get(name);
        Ok(StatementVar {
            root: input("root")?,
            today: input("today")?,
            challenge: input("challenge")?,
            scope: input("scope")?,
            nullifier: input("nullifier")?,
            query_hash: input("query_hash")?,
        })
    }
}

/// A statement's public inputs, allocated in [`PublicInputs::INPUT_NAMES`] order and found by
/// name: what every statement's `AllocVar` builds its fields from.
pub struct NamedInputs(Vec<(&'static str, FpVar<Fr>)>);

impl NamedInputs {
    /// Allocates `S`'s inputs: input `i` is `S::INPUT_NAMES[i]` and holds `values[i]`.
    pub fn new<S: PublicInputs>(
        cs: impl Into<Namespace<Fr>>,
        values: Result<Vec<Fr>, SynthesisError>,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        S::INPUT_NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let var = FpVar::new_input(cs.clone(), || {
                    values
                        .as_ref()
                        .map_err(|_| SynthesisError::AssignmentMissing)
                        .and_then(|v| v.get(i).copied().ok_or(SynthesisError::Unsatisfiable))
                })?;
                Ok((*name, var))
            })
            .collect::<Result<Vec<_>, SynthesisError>>()
            .map(NamedInputs)
    }

    /// The input named `name`; [`SynthesisError::Unsatisfiable`] if the statement has none.
    pub fn get(&self, name: &str) -> Result<FpVar<Fr>, SynthesisError> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, var)| var.clone())
            .ok_or(SynthesisError::Unsatisfiable)
    }
}

impl StatementVar {
    /// The input named `name` ([`PublicInputs::INPUT_NAMES`]), if there is one.
    pub fn input(&self, name: &str) -> Option<&FpVar<Fr>> {
        Some(match name {
            "root" => &self.root,
            "today" => &self.today,
            "challenge" => &self.challenge,
            "scope" => &self.scope,
            "nullifier" => &self.nullifier,
            "query_hash" => &self.query_hash,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use ark_relations::gr1cs::{ConstraintSystem, Variable};

    use super::*;
    use crate::statement::tests::distinct;

    /// Pins which field of `StatementVar` each public input position feeds: with a distinct
    /// value per input, position `1 + i` of the instance holds the value named
    /// `INPUT_NAMES[i]`, and the field of that name is that very variable. Swapping two inputs
    /// anywhere (names, native encoding, allocation) fails it.
    #[test]
    fn fields_are_allocated_at_their_names_positions() {
        let (statement, by_name) = distinct();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let st = StatementVar::new_input(cs.clone(), || Ok(statement)).unwrap();
        let instance = cs.instance_assignment().unwrap();
        assert_eq!(instance.len(), 1 + Statement::NUM_INPUTS);
        assert_eq!(by_name.len(), Statement::NUM_INPUTS);
        for (i, name) in <Statement as PublicInputs>::INPUT_NAMES.iter().enumerate() {
            let expected = by_name.iter().find(|(n, _)| n == name).unwrap().1;
            assert_eq!(instance[1 + i], expected, "position {} ({name})", 1 + i);
            let var = st.input(name).unwrap();
            assert_eq!(var.value().unwrap(), expected, "{name}");
            match var {
                FpVar::Var(v) => assert!(
                    v.variable == Variable::instance(1 + i),
                    "{name} is not instance variable {}",
                    1 + i
                ),
                FpVar::Constant(_) => panic!("{name} is a constant"),
            }
        }
        assert_eq!(cs.num_constraints(), 0);
        assert!(st.input("expiry").is_none());
    }

    #[test]
    fn statement_refuses_witness_and_constant_modes() {
        let (statement, _) = distinct();
        for mode in [AllocationMode::Witness, AllocationMode::Constant] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            assert!(matches!(
                StatementVar::new_variable(cs, || Ok(statement), mode),
                Err(SynthesisError::Unsatisfiable)
            ));
        }
    }
}
