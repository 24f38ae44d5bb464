//! Which presentation days prove at least what the verifier's own day asks.
//!
//! A presentation proves its policy at the day in its statement, which the holder chooses. When
//! that day is not the verifier's (clocks, time zones, a block mined after midnight), a verifier
//! may accept it only if every condition that depends on the day is *at least as strict* on the
//! presented day as on its own: otherwise the window turns a no into a yes (a credential that
//! expired yesterday presented for yesterday; a holder who turns 18 tomorrow presenting for
//! tomorrow).
//!
//! A condition `x OP today + k` (in days or in `YYYYMMDD` form, both increasing with the day):
//!
//! - `ge`, `gt`, and `between`'s lower bound are stricter on a *later* day (the bound rises);
//! - `le`, `lt`, and `between`'s upper bound are stricter on an *earlier* day;
//! - `eq`, `ne`, `in`, `nin` against the day are stricter on neither;
//! - the expiry check every presentation carries (`expiry ≥ today`) is stricter on a later day.
//!
//! So a policy admits a later presented day iff none of its conditions bounds a slot from above
//! by the day (or compares it for equality); no policy admits an earlier day, because the expiry
//! would then admit a credential that has expired. Conditions that do not mention the day do not
//! constrain the window.

use super::{on_day, CompiledCondition, CompiledPolicy, Operator};

impl CompiledCondition {
    /// Whether the condition is at least as strict on any later day as on an earlier one.
    fn stricter_later(&self) -> bool {
        match self.op {
            Operator::Noop => true,
            Operator::Ge | Operator::Gt => true,
            Operator::Le | Operator::Lt => !on_day(&self.a),
            Operator::Between => !on_day(&self.b),
            Operator::Eq | Operator::Ne | Operator::In | Operator::Nin => !on_day(&self.a),
        }
    }
}

impl CompiledPolicy {
    /// Whether a presentation for a day *after* the verifier's proves at least what the
    /// verifier's own day asks (see the [module documentation](self)): true iff no condition
    /// bounds a slot from above by the day or compares it for equality with the day.
    pub fn admits_later_day(&self) -> bool {
        self.conditions
            .iter()
            .all(CompiledCondition::stricter_later)
    }

    /// Whether a presentation for a day *before* the verifier's proves at least what the
    /// verifier's day asks: never, since the expiry check (`expiry ≥ today`) would then admit a
    /// credential that expired in between.
    pub fn admits_earlier_day(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Condition, Operand, Policy};

    fn compiled(conditions: Vec<Condition>) -> CompiledPolicy {
        let mut policy = Policy::new(crate::credential::tests::VACCINATION, "NL-RIVM");
        policy.conditions = conditions;
        policy.compile().unwrap()
    }

    fn cond(slot: usize, op: Operator, values: Vec<Operand>) -> Condition {
        Condition {
            slots: vec![slot],
            op,
            values,
        }
    }

    #[test]
    fn lower_bounds_by_the_day_admit_a_later_day_upper_bounds_do_not() {
        // Vaccinated within the last 365 days: date ≥ today − 365.
        let recent = cond(6, Operator::Ge, vec![Operand::DaysFromToday(-365)]);
        assert!(compiled(vec![recent.clone()]).admits_later_day());
        // At least 14 days ago: date ≤ today − 14.
        let settled = cond(6, Operator::Le, vec![Operand::DaysFromToday(-14)]);
        assert!(!compiled(vec![settled.clone()]).admits_later_day());
        assert!(!compiled(vec![recent.clone(), settled]).admits_later_day());
        // At least 18: dob_latest ≤ today − 18 years.
        let adult = cond(9, Operator::Le, vec![Operand::YearsFromToday(-18)]);
        assert!(!compiled(vec![adult]).admits_later_day());
        // Between, by its bounds.
        let lower = cond(
            6,
            Operator::Between,
            vec![Operand::DaysFromToday(-365), Operand::Number(60_000)],
        );
        assert!(compiled(vec![lower]).admits_later_day());
        let upper = cond(
            6,
            Operator::Between,
            vec![Operand::Number(0), Operand::DaysFromToday(-14)],
        );
        assert!(!compiled(vec![upper]).admits_later_day());
        // Equality with the day.
        let same_day = cond(6, Operator::Eq, vec![Operand::DaysFromToday(0)]);
        assert!(!compiled(vec![same_day]).admits_later_day());
    }

    #[test]
    fn conditions_without_the_day_do_not_constrain_the_window_and_earlier_is_never_admitted() {
        let dose = cond(4, Operator::Ge, vec![Operand::Number(2)]);
        let few = cond(4, Operator::Le, vec![Operand::Number(9)]);
        let p = compiled(vec![dose, few]);
        assert!(p.admits_later_day());
        assert!(!p.admits_earlier_day());
        assert!(compiled(vec![]).admits_later_day());
    }
}
