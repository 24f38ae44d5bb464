//! The `YYYYMMDD` form of a day number, derived in the circuit.
//!
//! [`ymd_of_day`] takes the day number `today` (days since 1900-01-01) and returns `YYYYMMDD`
//! as a linear combination of a witnessed calendar date `(year, month, day)` that the
//! constraints tie to `today`:
//!
//! - `year` in `1900..=9999`, `month` one of `1..=12` (a one-hot vector of twelve bits), `day`
//!   in `1..=` the month's length in that year;
//! - `today = D(year) + before(month) + day - 1`, where `D(year)` counts the days from
//!   1900-01-01 to the first of January of `year` (`365` per year plus the Gregorian leap days:
//!   `⌊(year-1)/4⌋ - ⌊(year-1)/100⌋ + ⌊(year-1)/400⌋ - 460`, each quotient witnessed with its
//!   remainder range-checked below the divisor) and `before(month)` the days of the months
//!   before it (one more after February in a leap year).
//!
//! With every part in range the calendar date is unique, so `YYYYMMDD` is a function of `today`:
//! a prover cannot move it. A `today` after 9999-12-31 has no date and no proof. Cost:
//! [`YMD_CONSTRAINTS`].

use ark_ff::PrimeField;
use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::SynthesisError;

use super::{Day, MAX_YEAR, MIN_YEAR};
use crate::{policy::constraints::enforce_less_than_pow2, Fr};

/// Days in each month of a common year, January first.
const MONTH_DAYS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/// Leap days from year 1 to 1899: `⌊1899/4⌋ - ⌊1899/100⌋ + ⌊1899/400⌋`.
const LEAP_DAYS_BEFORE_1900: u64 = 474 - 18 + 4;
/// Constraints of [`ymd_of_day`].
pub const YMD_CONSTRAINTS: usize = 132;
/// Bits that bound `year - 1900` (at most 8099).
const YEAR_BITS: usize = 13;

/// The `YYYYMMDD` form of the day number `today`, constrained as the module describes.
pub fn ymd_of_day(today: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let civil = today.value().map(|v| civil_of(&v));
    ymd_with_witness(today, civil)
}

/// The calendar date of a day number, or 1900-01-01 for a value that is not a supported day
/// (whose constraints then fail: 1900-01-01 is day 0 only).
fn civil_of(v: &Fr) -> (u32, u32, u32) {
    let digits = v.into_bigint();
    let small = digits.as_ref().iter().skip(1).all(|limb| *limb == 0);
    match digits.as_ref().first().map(|low| u32::try_from(*low)) {
        Some(Ok(n)) if small => match Day(n).validate() {
            Ok(day) => day.to_civil(),
            Err(_) => (MIN_YEAR, 1, 1),
        },
        _ => (MIN_YEAR, 1, 1),
    }
}

/// [`ymd_of_day`] with the calendar date the prover claims (`Err` where no values are known).
fn ymd_with_witness(
    today: &FpVar<Fr>,
    civil: Result<(u32, u32, u32), SynthesisError>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let cs = today.cs();
    let part = |f: fn((u32, u32, u32)) -> u64| civil.map(|c| Fr::from(f(c)));

    let year = FpVar::new_witness(cs.clone(), || part(|(y, _, _)| u64::from(y)))?;
    let from_1900 = &year - Fr::from(u64::from(MIN_YEAR));
    enforce_less_than_pow2(&from_1900, YEAR_BITS)?;
    enforce_less_than_pow2(
        &(FpVar::constant(Fr::from(u64::from(MAX_YEAR - MIN_YEAR))) - &from_1900),
        YEAR_BITS,
    )?;

    // The month as twelve bits, exactly one set.
    let months = (1..=12u32)
        .map(|m| Boolean::new_witness(cs.clone(), || civil.map(|(_, month, _)| month == m)))
        .collect::<Result<Vec<_>, _>>()?;
    let weighted = |weights: &dyn Fn(usize) -> u64| {
        months
            .iter()
            .enumerate()
            .fold(FpVar::zero(), |acc, (i, bit)| {
                acc + FpVar::from(bit.clone()) * Fr::from(weights(i))
            })
    };
    weighted(&|_| 1).enforce_equal(&FpVar::one())?;
    let month = weighted(&|i| i as u64 + 1);
    let (january, february) = match months.as_slice() {
        [jan, feb, ..] => (FpVar::from(jan.clone()), FpVar::from(feb.clone())),
        _ => return Err(SynthesisError::Unsatisfiable),
    };

    // Leap years, from the remainders of year - 1.
    let before = &year - Fr::from(1u8);
    let (q4, r4) = div_rem(&before, 4, 12)?;
    let (q100, r100) = div_rem(&before, 100, 7)?;
    let (q400, r400) = div_rem(&before, 400, 5)?;
    let div4 = r4.is_eq(&FpVar::constant(Fr::from(3u8)))?;
    let div100 = r100.is_eq(&FpVar::constant(Fr::from(99u8)))?;
    let div400 = r400.is_eq(&FpVar::constant(Fr::from(399u16)))?;
    // Divisible by 400 implies by 100 and by 4, so this is `div4 ∧ (¬div100 ∨ div400)`.
    let leap = FpVar::from(div4.clone()) - FpVar::from(div4 & div100) + FpVar::from(div400);

    let day = FpVar::new_witness(cs, || part(|(_, _, d)| u64::from(d)))?;
    enforce_less_than_pow2(&(&day - Fr::from(1u8)), 5)?;
    let length = weighted(&|i| MONTH_DAYS.get(i).copied().unwrap_or(0)) + &leap * &february;
    enforce_less_than_pow2(&(length - &day), 5)?;

    let days_before_year =
        &from_1900 * Fr::from(365u16) + q4 - q100 + q400 - Fr::from(LEAP_DAYS_BEFORE_1900);
    let days_before_month = weighted(&|i| MONTH_DAYS.iter().take(i).sum::<u64>())
        + &leap * (FpVar::one() - january - february);
    (days_before_year + days_before_month + &day - Fr::from(1u8)).enforce_equal(today)?;

    Ok(year * Fr::from(10_000u16) + month * Fr::from(100u8) + day)
}

/// Quotient and remainder of `x` by `divisor`, witnessed: `x = divisor * q + r` with
/// `q < 2^quotient_bits` and `r < divisor`, which for `x` below `divisor * 2^quotient_bits`
/// leaves exactly the integer division.
fn div_rem(
    x: &FpVar<Fr>,
    divisor: u64,
    quotient_bits: usize,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let value = x.value().map(|v| {
        let n = v.into_bigint().as_ref().first().copied().unwrap_or(0);
        (n / divisor, n % divisor)
    });
    div_rem_with_witness(x, divisor, quotient_bits, value)
}

/// [`div_rem`] with the quotient and remainder the prover claims.
fn div_rem_with_witness(
    x: &FpVar<Fr>,
    divisor: u64,
    quotient_bits: usize,
    value: Result<(u64, u64), SynthesisError>,
) -> Result<(FpVar<Fr>, FpVar<Fr>), SynthesisError> {
    let cs = x.cs();
    let q = FpVar::new_witness(cs.clone(), || value.map(|(q, _)| Fr::from(q)))?;
    let r = FpVar::new_witness(cs, || value.map(|(_, r)| Fr::from(r)))?;
    let remainder_bits = (u64::BITS - (divisor - 1).leading_zeros()) as usize;
    enforce_less_than_pow2(&q, quotient_bits)?;
    enforce_less_than_pow2(&r, remainder_bits)?;
    if !divisor.is_power_of_two() {
        enforce_less_than_pow2(
            &(FpVar::constant(Fr::from(divisor - 1)) - &r),
            remainder_bits,
        )?;
    }
    (&q * Fr::from(divisor) + &r).enforce_equal(x)?;
    Ok((q, r))
}

#[cfg(test)]
mod tests {
    use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
    use proptest::prelude::*;

    use super::*;

    /// Allocates `today` as an input and derives `YYYYMMDD` with the claimed date; returns the
    /// system and the derived value.
    fn derive(today: Fr, civil: (u32, u32, u32)) -> (ConstraintSystemRef<Fr>, Option<Fr>) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let t = FpVar::new_input(cs.clone(), || Ok(today)).unwrap();
        let ymd = ymd_with_witness(&t, Ok(civil)).unwrap();
        (cs, ymd.value().ok())
    }

    fn holds(today: Fr, civil: (u32, u32, u32)) -> bool {
        derive(today, civil).0.is_satisfied().unwrap()
    }

    #[test]
    fn honest_dates_give_their_ymd() {
        for (y, m, d) in [
            (1900, 1, 1),
            (1900, 2, 28),
            (1900, 3, 1),
            (2000, 2, 29),
            (2024, 2, 29),
            (2026, 12, 2),
            (2100, 3, 1),
            (9999, 12, 31),
        ] {
            let day = Day::from_civil(y, m, d).unwrap();
            let cs = ConstraintSystem::<Fr>::new_ref();
            let t = FpVar::new_input(cs.clone(), || Ok(day.to_field())).unwrap();
            let ymd = ymd_of_day(&t).unwrap();
            assert!(cs.is_satisfied().unwrap(), "{y}-{m}-{d}");
            assert_eq!(ymd.value().unwrap(), day.ymd().to_field(), "{y}-{m}-{d}");
        }
    }

    #[test]
    fn a_value_that_is_no_day_gets_the_placeholder_date() {
        // The witness helper reads the low limb only when the value fits in it: 2^64 + d is not
        // day d, and neither is a value past the last supported day.
        let d = Day::from_civil(2026, 12, 2).unwrap();
        assert_eq!(civil_of(&d.to_field()), (2026, 12, 2));
        let wide = d.to_field() + Fr::from(u64::MAX) + Fr::from(1u8);
        assert_eq!(civil_of(&wide), (MIN_YEAR, 1, 1));
        let past = Day::max().to_field() + Fr::from(1u8);
        assert_eq!(civil_of(&past), (MIN_YEAR, 1, 1));
    }

    #[test]
    fn only_the_integer_division_satisfies_div_rem() {
        // For every divisor the calendar uses, `x = d·q + r` also holds with `(q - 1, r + d)`;
        // the remainder's range check refuses it, at the boundary `r = d` too.
        let division = |x: u64, d: u64, witness: (u64, u64)| {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let v = FpVar::new_witness(cs.clone(), || Ok(Fr::from(x))).unwrap();
            let _ = div_rem_with_witness(&v, d, 12, Ok(witness)).unwrap();
            cs.is_satisfied().unwrap()
        };
        for d in [4u64, 100, 400] {
            let x = 2023;
            let (q, r) = (x / d, x % d);
            assert!(division(x, d, (q, r)), "{x} / {d}");
            assert!(
                !division(x, d, (q - 1, r + d)),
                "{x} / {d}: remainder {}",
                r + d
            );
            let x = 2 * d;
            assert!(division(x, d, (2, 0)));
            assert!(!division(x, d, (1, d)), "{x} / {d}: remainder {d}");
        }
    }

    #[test]
    fn cost_is_bounded() {
        let (cs, _) = derive(
            Day::from_civil(2026, 12, 2).unwrap().to_field(),
            (2026, 12, 2),
        );
        assert!(cs.is_satisfied().unwrap());
        assert_eq!(cs.num_constraints(), YMD_CONSTRAINTS);
    }

    #[test]
    fn a_date_other_than_the_days_is_unsatisfiable() {
        let today = Day::from_civil(2026, 3, 1).unwrap().to_field();
        assert!(holds(today, (2026, 3, 1)));
        // Moved forward or back by a day, a month or a year.
        for civil in [
            (2026, 3, 2),
            (2026, 2, 28),
            (2026, 4, 1),
            (2027, 3, 1),
            (2025, 3, 1),
        ] {
            assert!(!holds(today, civil), "{civil:?}");
        }
        // The same day written as a day past the end of February: 2026-02-29 and 2026-02-30
        // land on 1 and 2 March by the day count, and the month's length refuses them.
        let day_1_march = today;
        assert!(!holds(day_1_march, (2026, 2, 29)));
        let day_2_march = Day::from_civil(2026, 3, 2).unwrap().to_field();
        assert!(!holds(day_2_march, (2026, 2, 30)));
        // And 1 March written as 0 March or as 31 February.
        assert!(!holds(day_1_march, (2026, 3, 0)));
        assert!(!holds(
            Day::from_civil(2026, 5, 1).unwrap().to_field(),
            (2026, 4, 31)
        ));
    }

    #[test]
    fn each_part_out_of_range_is_unsatisfiable() {
        // Month 0 and 13: no bit of the one-hot vector can be set.
        let jan_2027 = Day::from_civil(2027, 1, 1).unwrap().to_field();
        assert!(!holds(jan_2027, (2026, 13, 1)));
        let dec_2025 = Day::from_civil(2025, 12, 1).unwrap().to_field();
        assert!(!holds(dec_2025, (2026, 0, 1)));
        // A day of 32 and of 0.
        assert!(!holds(
            Day::from_civil(2026, 2, 1).unwrap().to_field(),
            (2026, 1, 32)
        ));
        assert!(!holds(
            Day::from_civil(2025, 12, 31).unwrap().to_field(),
            (2026, 1, 0)
        ));
        // A year before 1900 or after 9999.
        assert!(!holds(-Fr::from(1u8), (1899, 12, 31)));
        let after_max = Day::max().to_field() + Fr::from(1u8);
        assert!(!holds(after_max, (10_000, 1, 1)));
        // A day number past 9999-12-31 has no date at all.
        let cs = ConstraintSystem::<Fr>::new_ref();
        let t = FpVar::new_input(cs.clone(), || Ok(after_max)).unwrap();
        let _ = ymd_of_day(&t).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }

    #[test]
    fn gregorian_leap_years_are_exact() {
        for (year, leap) in [
            (1900, false),
            (1904, true),
            (2000, true),
            (2100, false),
            (2400, true),
        ] {
            let feb_29 = (year, 2, 29);
            let mar_1 = Day::from_civil(year, 3, 1).unwrap();
            let day = if leap {
                Day::from_civil(year, 2, 29).unwrap()
            } else {
                mar_1
            };
            assert_eq!(holds(day.to_field(), feb_29), leap, "{year}");
            assert_eq!(crate::date::is_leap_year(year), leap);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Every supported day gives its own `YYYYMMDD`, and no other claimed date does.
        #[test]
        fn the_derived_ymd_is_the_days(n in 0u32..=2_958_463, dy in -1i64..=1, dm in -1i64..=1, dd in -1i64..=1) {
            let day = Day(n);
            let (y, m, d) = day.to_civil();
            let cs = ConstraintSystem::<Fr>::new_ref();
            let t = FpVar::new_input(cs.clone(), || Ok(day.to_field())).unwrap();
            let ymd = ymd_of_day(&t).unwrap();
            prop_assert!(cs.is_satisfied().unwrap());
            prop_assert_eq!(ymd.value().unwrap(), day.ymd().to_field());
            let moved = (
                u32::try_from(i64::from(y) + dy).unwrap_or(0),
                u32::try_from(i64::from(m) + dm).unwrap_or(0),
                u32::try_from(i64::from(d) + dd).unwrap_or(0),
            );
            prop_assert_eq!(holds(day.to_field(), moved), moved == (y, m, d));
        }
    }
}
