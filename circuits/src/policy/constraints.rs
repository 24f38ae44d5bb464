//! The policy gadget: a compiled policy as witnesses, its evaluation over a credential's slots,
//! and its query hash.
//!
//! The policy's bits and values are witnesses bound to the statement by the query hash. Each bit
//! is constrained boolean and the packing into one field element is injective (fewer than 254
//! bits), so the prover cannot use bits other than the verifier's; the well-formedness of the
//! verifier's policy (one operator, at most one operand slot) is established natively when the
//! verifier compiles it. The prover's only free choice is which of a condition's allowed slots it
//! holds on, and that choice is constrained to be one of them.
//!
//! Cost per condition: about 200 constraints (two 10-slot selections, a 32-bit range check of the
//! compared value, two 33-bit decompositions for the comparisons, a set-membership product of 8
//! factors, and one constraint per operator tying the result to the selected operator).

use std::borrow::Borrow;

use ark_ff::{AdditiveGroup, BigInteger, PrimeField};
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{Namespace, SynthesisError};

use super::{
    CompiledCondition, CompiledPolicy, Operator, BITS_PER_CONDITION, MAX_CONDITIONS, NUM_OPERATORS,
    SET_SIZE,
};
use crate::{
    credential::NUM_SLOTS,
    poseidon::{constraints::hash_long, Domain},
    Fr,
};

/// Bits of the comparisons' range: compared values lie in `[0, 2^32)`.
pub const COMPARISON_BITS: usize = 32;

/// A compiled condition in the circuit.
#[derive(Clone)]
pub struct ConditionVar {
    bits: Vec<Boolean<Fr>>,
    values: Vec<FpVar<Fr>>,
}

/// A compiled policy in the circuit (without schema and issuer, which are the credential's).
#[derive(Clone)]
pub struct PolicyVar {
    conditions: Vec<ConditionVar>,
    disclose: Vec<Boolean<Fr>>,
}

fn missing<T>(_: T) -> SynthesisError {
    SynthesisError::AssignmentMissing
}

impl AllocVar<CompiledCondition, Fr> for ConditionVar {
    fn new_variable<T: Borrow<CompiledCondition>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let value = f().map(|c| *c.borrow());
        let bits = (0..BITS_PER_CONDITION)
            .map(|i| {
                Boolean::new_variable(
                    cs.clone(),
                    || value.as_ref().map(|c| c.bits()[i]).map_err(missing),
                    mode,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let values = (0..SET_SIZE)
            .map(|i| {
                FpVar::new_variable(
                    cs.clone(),
                    || value.as_ref().map(|c| c.values[i]).map_err(missing),
                    mode,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ConditionVar { bits, values })
    }
}

/// The policy as the circuit receives it: compiled conditions and the disclosure mask.
impl AllocVar<CompiledPolicy, Fr> for PolicyVar {
    fn new_variable<T: Borrow<CompiledPolicy>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let value = f().map(|p| p.borrow().clone());
        let conditions = (0..MAX_CONDITIONS)
            .map(|i| {
                ConditionVar::new_variable(
                    cs.clone(),
                    || value.as_ref().map(|p| p.conditions[i]).map_err(missing),
                    mode,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let disclose = (0..NUM_SLOTS)
            .map(|i| {
                Boolean::new_variable(
                    cs.clone(),
                    || value.as_ref().map(|p| p.disclose[i]).map_err(missing),
                    mode,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PolicyVar {
            conditions,
            disclose,
        })
    }
}

/// Decomposes `x` into `n` little-endian bits, enforcing `x = sum bits_i 2^i`: a proof that
/// `x < 2^n`. Cost: `n + 1` constraints.
pub fn enforce_bits_le(x: &FpVar<Fr>, n: usize) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let cs = x.cs();
    let value = x.value();
    let bits = (0..n)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || {
                value
                    .as_ref()
                    .map(|v| v.into_bigint().get_bit(i))
                    .map_err(|e| *e)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut sum = FpVar::zero();
    let mut power = Fr::from(1u8);
    for b in &bits {
        sum += FpVar::from(b.clone()) * power;
        power.double_in_place();
    }
    sum.enforce_equal(x)?;
    Ok(bits)
}

/// Enforces `0 <= x < 2^n` (`n < 253`). Cost: `n + 1` constraints.
pub fn enforce_less_than_pow2(x: &FpVar<Fr>, n: usize) -> Result<(), SynthesisError> {
    enforce_bits_le(x, n).map(|_| ())
}

/// Returns whether `x >= y`, for `x` in `[0, 2^32)` (the caller range-checks it) and any `y`
/// with `|x - y| < 2^32`; if `|x - y| >= 2^32` the witness cannot be completed (never a wrong
/// answer: `x - y + 2^32` decomposes into 33 bits only when it equals the integer
/// `x - y + 2^32` exactly). Cost: 34 constraints.
pub fn is_ge(x: &FpVar<Fr>, y: &FpVar<Fr>) -> Result<Boolean<Fr>, SynthesisError> {
    let offset = Fr::from(1u64 << COMPARISON_BITS);
    let t = x - y + offset;
    let mut bits = enforce_bits_le(&t, COMPARISON_BITS + 1)?;
    bits.pop().ok_or(SynthesisError::Unsatisfiable)
}

impl ConditionVar {
    fn op(&self, op: Operator) -> &Boolean<Fr> {
        &self.bits[NUM_SLOTS + op.index()]
    }

    fn flag(&self, i: usize) -> &Boolean<Fr> {
        &self.bits[NUM_SLOTS + NUM_OPERATORS + i]
    }

    fn slot_mask(&self) -> &[Boolean<Fr>] {
        &self.bits[..NUM_SLOTS]
    }

    fn operand_slot(&self) -> &[Boolean<Fr>] {
        &self.bits[NUM_SLOTS + NUM_OPERATORS + 4..]
    }

    /// Enforces that the condition holds on the slot selected by `choice` (a witness one-hot over
    /// the slots, constrained here to be one of the condition's allowed slots).
    pub fn enforce_holds(
        &self,
        slots: &[FpVar<Fr>],
        today: &FpVar<Fr>,
        today_ymd: &FpVar<Fr>,
        choice: &[Boolean<Fr>],
    ) -> Result<(), SynthesisError> {
        if slots.len() != NUM_SLOTS || choice.len() != NUM_SLOTS {
            return Err(SynthesisError::Unsatisfiable);
        }
        // The compared value: the chosen slot, which must be one the condition allows.
        let mut chosen = FpVar::zero();
        let mut x = FpVar::zero();
        for ((c, allowed), slot) in choice.iter().zip(self.slot_mask()).zip(slots) {
            let c = FpVar::from(c.clone());
            c.mul_equals(
                &(FpVar::one() - FpVar::from(allowed.clone())),
                &FpVar::zero(),
            )?;
            chosen += &c;
            x += c * slot;
        }
        chosen.enforce_equal(&FpVar::one())?;

        // Operands: constant part + today (days or YYYYMMDD) + an optional slot.
        let mut a = self.values[0].clone();
        a += FpVar::from(self.flag(0).clone()) * today;
        a += FpVar::from(self.flag(1).clone()) * today_ymd;
        for (s, slot) in self.operand_slot().iter().zip(slots) {
            a += FpVar::from(s.clone()) * slot;
        }
        let mut b = self.values[1].clone();
        b += FpVar::from(self.flag(2).clone()) * today;
        b += FpVar::from(self.flag(3).clone()) * today_ymd;

        // Comparisons see the values only when a comparison is selected, so codes in other
        // conditions never reach the range checks.
        let is_cmp = [
            Operator::Lt,
            Operator::Le,
            Operator::Gt,
            Operator::Ge,
            Operator::Between,
        ]
        .iter()
        .fold(FpVar::zero(), |acc, op| {
            acc + FpVar::from(self.op(*op).clone())
        });
        let is_between = FpVar::from(self.op(Operator::Between).clone());
        let x_cmp = &is_cmp * &x;
        let a_cmp = &is_cmp * &a;
        let b_cmp = is_between * &b;
        enforce_less_than_pow2(&x_cmp, COMPARISON_BITS)?;
        let ge_a = is_ge(&x_cmp, &a_cmp)?;
        let le_b = is_ge(&b_cmp, &x_cmp)?;

        let eq = x.is_eq(&a)?;
        let gt_a = &ge_a & &!&eq;
        let between = &ge_a & &le_b;
        let mut product = FpVar::one();
        for v in &self.values {
            product *= &x - v;
        }
        let in_set = product.is_zero()?;

        let results = [
            (Operator::Eq, eq.clone()),
            (Operator::Ne, !&eq),
            (Operator::Lt, !&ge_a),
            (Operator::Le, !&gt_a),
            (Operator::Gt, gt_a),
            (Operator::Ge, ge_a),
            (Operator::Between, between),
            (Operator::In, in_set.clone()),
            (Operator::Nin, !&in_set),
        ];
        for (op, holds) in results {
            holds.conditional_enforce_equal(&Boolean::TRUE, self.op(op))?;
        }
        Ok(())
    }
}

impl PolicyVar {
    /// Enforces every condition; `choices[i]` is condition `i`'s slot choice.
    pub fn enforce_holds(
        &self,
        slots: &[FpVar<Fr>],
        today: &FpVar<Fr>,
        today_ymd: &FpVar<Fr>,
        choices: &[Vec<Boolean<Fr>>],
    ) -> Result<(), SynthesisError> {
        if choices.len() != self.conditions.len() {
            return Err(SynthesisError::Unsatisfiable);
        }
        for (c, choice) in self.conditions.iter().zip(choices) {
            c.enforce_holds(slots, today, today_ymd, choice)?;
        }
        Ok(())
    }

    /// The disclosed values: each slot times its disclosure bit.
    pub fn disclosed(&self, slots: &[FpVar<Fr>]) -> Vec<FpVar<Fr>> {
        self.disclose
            .iter()
            .zip(slots)
            .map(|(d, s)| FpVar::from(d.clone()) * s)
            .collect()
    }

    /// The query hash; matches [`CompiledPolicy::query_hash`] for the same schema and issuer.
    pub fn query_hash(
        &self,
        schema: &FpVar<Fr>,
        issuer: &FpVar<Fr>,
        slots: &[FpVar<Fr>],
    ) -> Result<FpVar<Fr>, SynthesisError> {
        let mut packed = FpVar::zero();
        let mut power = Fr::from(1u8);
        for b in self
            .conditions
            .iter()
            .flat_map(|c| &c.bits)
            .chain(&self.disclose)
        {
            packed += FpVar::from(b.clone()) * power;
            power.double_in_place();
        }
        let mut inputs = vec![schema.clone(), issuer.clone(), packed];
        for c in &self.conditions {
            inputs.extend_from_slice(&c.values);
        }
        inputs.extend(self.disclosed(slots));
        hash_long(Domain::Query, &inputs)
    }
}

/// Allocates a condition's slot choice as a one-hot witness.
pub fn alloc_choice(
    cs: impl Into<Namespace<Fr>>,
    choice: Result<usize, SynthesisError>,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    let cs = cs.into().cs();
    (0..NUM_SLOTS)
        .map(|i| Boolean::new_witness(cs.clone(), || choice.map(|c| c == i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use ark_relations::gr1cs::ConstraintSystem;
    use proptest::prelude::*;

    use super::*;
    use crate::{
        date::Day,
        policy::{Condition, Operand, Operator},
    };

    const TODAY: u32 = 45_000; // 2023-03-17

    /// Evaluates one condition in the circuit on `slots`; returns whether the constraints hold.
    fn circuit_holds(cond: &Condition, slots: &[Fr; NUM_SLOTS], today: Day) -> bool {
        let compiled = match cond.compile() {
            Ok(c) => c,
            Err(_) => return false,
        };
        let choice = cond
            .evaluate(slots, today)
            .unwrap_or_else(|_| cond.slots.first().copied().unwrap_or(0));
        let cs = ConstraintSystem::<Fr>::new_ref();
        let slot_vars: Vec<FpVar<Fr>> = slots
            .iter()
            .map(|s| FpVar::new_witness(cs.clone(), || Ok(*s)).unwrap())
            .collect();
        let t = FpVar::new_input(cs.clone(), || Ok(today.to_field())).unwrap();
        let ty = FpVar::new_input(cs.clone(), || Ok(today.ymd().to_field())).unwrap();
        let c = ConditionVar::new_witness(cs.clone(), || Ok(compiled)).unwrap();
        let choice = alloc_choice(cs.clone(), Ok(choice)).unwrap();
        c.enforce_holds(&slot_vars, &t, &ty, &choice).unwrap();
        cs.is_satisfied().unwrap()
    }

    fn native_holds(cond: &Condition, slots: &[Fr; NUM_SLOTS], today: Day) -> bool {
        cond.compile().is_ok() && cond.evaluate(slots, today).is_ok()
    }

    fn slots_with(x: u64) -> [Fr; NUM_SLOTS] {
        let mut s = [Fr::from(0u8); NUM_SLOTS];
        s[0] = Fr::from(x);
        s[1] = Fr::from(7u8);
        s
    }

    fn cond(op: Operator, values: Vec<Operand>) -> Condition {
        Condition::new(0, op, values)
    }

    #[test]
    fn a_range_of_dates_relative_to_today_agrees_with_native_at_both_ends() {
        // Born between 65 and 18 years before today, in `YYYYMMDD` form: both operands carry
        // today's date (2023-03-17).
        let c = cond(
            Operator::Between,
            vec![Operand::YearsFromToday(-65), Operand::YearsFromToday(-18)],
        );
        for (x, holds) in [
            (19_580_316u64, false),
            (19_580_317, true),
            (20_050_317, true),
            (20_050_318, false),
        ] {
            let slots = slots_with(x);
            assert_eq!(native_holds(&c, &slots, Day(TODAY)), holds, "{x}");
            assert_eq!(circuit_holds(&c, &slots, Day(TODAY)), holds, "{x}");
        }
    }

    #[test]
    fn every_operator_agrees_with_native_on_both_sides_of_its_boundary() {
        let today = Day(TODAY);
        let n = |v: u32| Operand::Number(v);
        let cases = vec![
            cond(Operator::Eq, vec![n(100)]),
            cond(Operator::Ne, vec![n(100)]),
            cond(Operator::Lt, vec![n(100)]),
            cond(Operator::Le, vec![n(100)]),
            cond(Operator::Gt, vec![n(100)]),
            cond(Operator::Ge, vec![n(100)]),
            cond(Operator::Between, vec![n(99), n(101)]),
            cond(Operator::Between, vec![n(100), n(100)]),
            cond(Operator::In, vec![n(1), n(100), n(5)]),
            cond(Operator::Nin, vec![n(1), n(100), n(5)]),
            cond(Operator::Noop, vec![]),
            cond(Operator::Ge, vec![Operand::Slot(1)]),
            cond(
                Operator::Le,
                vec![Operand::DaysFromToday(100 - TODAY as i32)],
            ),
        ];
        for c in &cases {
            for x in [0u64, 1, 98, 99, 100, 101, 102, u32::MAX as u64] {
                let slots = slots_with(x);
                assert_eq!(
                    circuit_holds(c, &slots, today),
                    native_holds(c, &slots, today),
                    "{c:?} at x = {x}"
                );
            }
        }
        // The boundaries themselves.
        let at = |c: &Condition, x: u64| circuit_holds(c, &slots_with(x), today);
        assert!(at(&cases[2], 99) && !at(&cases[2], 100));
        assert!(at(&cases[3], 100) && !at(&cases[3], 101));
        assert!(at(&cases[4], 101) && !at(&cases[4], 100));
        assert!(at(&cases[5], 100) && !at(&cases[5], 99));
        assert!(
            at(&cases[6], 99) && at(&cases[6], 101) && !at(&cases[6], 98) && !at(&cases[6], 102)
        );
    }

    #[test]
    fn comparisons_reject_values_of_2_pow_32_and_above() {
        let c = cond(Operator::Ge, vec![Operand::Number(0)]);
        assert!(circuit_holds(&c, &slots_with(u32::MAX as u64), Day(TODAY)));
        assert!(!circuit_holds(&c, &slots_with(1 << 32), Day(TODAY)));
        let mut slots = slots_with(0);
        slots[0] = -Fr::from(1u8); // a "negative" value must not pass as small
        assert!(!circuit_holds(&c, &slots, Day(TODAY)));
        let lt = cond(Operator::Lt, vec![Operand::Number(5)]);
        assert!(!circuit_holds(&lt, &slots, Day(TODAY)));
    }

    #[test]
    fn codes_in_other_conditions_do_not_trip_the_range_checks() {
        let code = crate::codes::encode("EU/1/20/1528").unwrap();
        let mut slots = slots_with(0);
        slots[0] = code;
        let eq = cond(Operator::Eq, vec![Operand::Field(code)]);
        assert!(circuit_holds(&eq, &slots, Day(TODAY)));
        let nin = cond(Operator::Nin, vec![Operand::Number(3)]);
        assert!(circuit_holds(&nin, &slots, Day(TODAY)));
    }

    #[test]
    fn any_of_slots_holds_only_on_an_allowed_slot() {
        let mut slots = slots_with(0);
        slots[6] = Fr::from(42u8);
        let c = Condition {
            slots: vec![7, 8, 9],
            op: Operator::Eq,
            values: vec![Operand::Number(42)],
        };
        assert!(!circuit_holds(&c, &slots, Day(TODAY)));
        // A prover choosing the disallowed slot 6 is refused.
        let compiled = c.compile().unwrap();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars: Vec<FpVar<Fr>> = slots
            .iter()
            .map(|s| FpVar::new_witness(cs.clone(), || Ok(*s)).unwrap())
            .collect();
        let t = FpVar::new_input(cs.clone(), || Ok(Fr::from(TODAY))).unwrap();
        let cv = ConditionVar::new_witness(cs.clone(), || Ok(compiled)).unwrap();
        let choice = alloc_choice(cs.clone(), Ok(6)).unwrap();
        cv.enforce_holds(&vars, &t, &t, &choice).unwrap();
        assert!(!cs.is_satisfied().unwrap());
        // A choice or a slot list of the wrong length is refused before any constraint.
        assert!(cv.enforce_holds(&vars, &t, &t, &choice[1..]).is_err());
        assert!(cv.enforce_holds(&vars[1..], &t, &t, &choice).is_err());
        slots[8] = Fr::from(42u8);
        assert!(circuit_holds(&c, &slots, Day(TODAY)));
    }

    #[test]
    fn policy_query_hash_gadget_matches_native_and_depends_on_each_part() {
        use crate::{
            credential::tests::{vaccination, VACCINATION},
            policy::{Condition, Operand, Policy},
        };
        let dose_at_least = |issuer: &str, n: u32| Policy {
            schema: VACCINATION,
            issuer: issuer.into(),
            conditions: vec![Condition::new(
                vaccination::DOSE_NUMBER,
                Operator::Ge,
                vec![Operand::Number(n)],
            )],
            disclose: vec![vaccination::COUNTRY],
        };
        let policy = dose_at_least("NL-RIVM", 2);
        let compiled = policy.compile().unwrap();
        let mut slots = [Fr::from(3u8); NUM_SLOTS];
        slots[7] = crate::codes::encode("NL").unwrap();
        let disclosed = policy.expand_disclosed(&[slots[7]]).unwrap();
        let cs = ConstraintSystem::<Fr>::new_ref();
        let pv = PolicyVar::new_witness(cs.clone(), || Ok(compiled.clone())).unwrap();
        let schema = FpVar::new_witness(cs.clone(), || Ok(VACCINATION.id())).unwrap();
        let issuer = FpVar::new_witness(cs.clone(), || Ok(compiled.issuer)).unwrap();
        let vars: Vec<FpVar<Fr>> = slots
            .iter()
            .map(|s| FpVar::new_witness(cs.clone(), || Ok(*s)).unwrap())
            .collect();
        let h = pv
            .query_hash(&schema, &issuer, &vars)
            .unwrap()
            .value()
            .unwrap();
        assert_eq!(h, compiled.query_hash(&disclosed));
        // Another disclosed value, another operand, another operator: another hash.
        let other = policy.query_hash(&[Fr::from(1u8)]).unwrap();
        assert_ne!(other, h);
        let p2 = dose_at_least("NL-RIVM", 3);
        assert_ne!(p2.query_hash(&[slots[7]]).unwrap(), h);
        let mut p3 = policy.clone();
        p3.conditions[0].op = Operator::Gt;
        assert_ne!(p3.query_hash(&[slots[7]]).unwrap(), h);
        let p4 = dose_at_least("BE-SCIENSANO", 2);
        assert_ne!(p4.query_hash(&[slots[7]]).unwrap(), h);
    }

    /// `is_ge` against exact integer comparison, for `x` below 2^32 and any operand within 2^32
    /// of it (negative operands included); beyond that window the witness cannot be completed.
    fn is_ge_case(x: u64, a: i64) -> Option<bool> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let xv = FpVar::new_witness(cs.clone(), || Ok(Fr::from(x))).unwrap();
        let a_fr = if a < 0 {
            -Fr::from(a.unsigned_abs())
        } else {
            Fr::from(a as u64)
        };
        let av = FpVar::new_input(cs.clone(), || Ok(a_fr)).unwrap();
        enforce_less_than_pow2(&xv, COMPARISON_BITS).unwrap();
        let ge = is_ge(&xv, &av).unwrap();
        cs.is_satisfied().unwrap().then(|| ge.value().unwrap())
    }

    proptest! {
        #[test]
        fn is_ge_matches_integer_comparison(x in 0u64..(1 << 32), d in -(1i64 << 33)..(1i64 << 33)) {
            let a = x as i64 - d;
            let expected = (-(1i64 << 32)..(1i64 << 32)).contains(&d).then_some(x as i64 >= a);
            prop_assert_eq!(is_ge_case(x, a), expected);
        }
    }

    #[test]
    fn is_ge_edges() {
        let max = (1u64 << 32) - 1;
        assert_eq!(is_ge_case(0, 0), Some(true));
        assert_eq!(is_ge_case(0, 1), Some(false));
        assert_eq!(is_ge_case(max, max as i64), Some(true));
        assert_eq!(is_ge_case(max - 1, -1), Some(true)); // x - a = 2^32 - 1: the edge
        assert_eq!(is_ge_case(max, -1), None); // x - a = 2^32: outside the window
        assert_eq!(is_ge_case(0, 1 << 32), Some(false));
        assert_eq!(is_ge_case(0, (1 << 32) + 1), None);
    }

    fn operator() -> impl Strategy<Value = Operator> {
        proptest::sample::select(Operator::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn condition_gadget_agrees_with_native(
            op in operator(),
            x in prop_oneof![0u64..300, Just(u32::MAX as u64), Just(1u64 << 32)],
            a in 0u32..300,
            b in 0u32..300,
            set in proptest::collection::vec(0u32..300, 1..=SET_SIZE),
            rel in -200i32..200,
        ) {
            let values = match op {
                Operator::Noop => vec![],
                Operator::Between => vec![Operand::Number(a), Operand::Number(b)],
                Operator::In | Operator::Nin => set.into_iter().map(Operand::Number).collect(),
                Operator::Lt | Operator::Ge => vec![Operand::DaysFromToday(rel - 45_000 + 150)],
                _ => vec![Operand::Number(a)],
            };
            let c = cond(op, values);
            let slots = slots_with(x);
            let today = Day(45_000);
            prop_assert_eq!(circuit_holds(&c, &slots, today), native_holds(&c, &slots, today));
        }
    }
}
