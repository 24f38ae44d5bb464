//! Typed claim builders: the claims people think in, compiled to generic [`Condition`]s.
//!
//! ```
//! use zkhealth_records::{claims::Claims, codes};
//!
//! // Vaccinated with an EU-authorised COVID-19 product, at least two doses, last dose 14 to 365
//! // days ago, and at least 18 years old: four conditions, one proof.
//! let policy = Claims::vaccination("NL-RIVM")
//!     .product_in(&codes::product::EU_AUTHORISED_COVID_19)
//!     .dose_at_least(2)
//!     .last_dose_between_days_ago(14, 365)
//!     .age_at_least(18)
//!     .build()?;
//! assert_eq!(policy.conditions.len(), 4);
//! # Ok::<(), zkhealth_circuits::Error>(())
//! ```
//!
//! Ages are in calendar years, compared in `YYYYMMDD` form against the verifier's date (see
//! `zkhealth_circuits::date`): "at least N" uses the latest possible birth date and "at most N" the earliest,
//! so a partial birth date never gives a wrong yes.

use zkhealth_circuits::{
    credential::Schema,
    date::Day,
    policy::{Condition, Operand, Operator, Policy, MAX_CONDITIONS},
    Error,
};

use crate::{
    codes,
    schema::{coverage, identity, recovery, test, treatment, vaccination},
};

/// The schemas that hold a disease at slot 0 and the birth-date interval at slots 8 and 9.
const DISEASE_SCHEMAS: [Schema; 3] = [vaccination::SCHEMA, recovery::SCHEMA, test::SCHEMA];
const AGE_SCHEMAS: [Schema; 4] = [
    vaccination::SCHEMA,
    identity::SCHEMA,
    recovery::SCHEMA,
    test::SCHEMA,
];
const _: () = assert!(
    vaccination::DISEASE == recovery::DISEASE
        && vaccination::DISEASE == test::DISEASE
        && identity::DOB_LATEST == recovery::DOB_LATEST
        && identity::DOB_LATEST == test::DOB_LATEST
        && identity::DOB_LATEST == vaccination::DOB_LATEST
        && identity::DOB_EARLIEST == recovery::DOB_EARLIEST
        && identity::DOB_EARLIEST == test::DOB_EARLIEST
        && identity::DOB_EARLIEST == vaccination::DOB_EARLIEST
);

/// A policy under construction. Errors (a field the schema lacks, too many conditions) are
/// reported by [`Claims::build`].
#[derive(Debug, Clone)]
#[must_use]
pub struct Claims {
    policy: Policy,
    error: Option<Error>,
}

/// The largest age, in years, an age claim may name.
pub const MAX_AGE_YEARS: u32 = 150;

impl Claims {
    /// Claims about a vaccination credential from `issuer`.
    pub fn vaccination(issuer: &str) -> Self {
        Self::new(vaccination::SCHEMA, issuer)
    }

    /// Claims about an identity credential from `issuer`.
    pub fn identity(issuer: &str) -> Self {
        Self::new(identity::SCHEMA, issuer)
    }

    /// Claims about a coverage credential from `issuer`.
    pub fn coverage(issuer: &str) -> Self {
        Self::new(coverage::SCHEMA, issuer)
    }

    /// Claims about a recovery credential from `issuer`.
    pub fn recovery(issuer: &str) -> Self {
        Self::new(recovery::SCHEMA, issuer)
    }

    /// Claims about a test credential from `issuer`.
    pub fn test(issuer: &str) -> Self {
        Self::new(test::SCHEMA, issuer)
    }

    /// Claims about a treatment record from `issuer` (a provider registry).
    pub fn treatment(issuer: &str) -> Self {
        Self::new(treatment::SCHEMA, issuer)
    }

    /// Claims about any schema.
    pub fn new(schema: Schema, issuer: &str) -> Self {
        Claims {
            policy: Policy::new(schema, issuer),
            error: None,
        }
    }

    fn require(mut self, schemas: &[Schema], claim: &str) -> Self {
        if self.error.is_none() && !schemas.contains(&self.policy.schema) {
            self.error = Some(Error::InvalidPolicy(format!(
                "{claim} is not a claim about a {:?} credential",
                self.policy.schema
            )));
        }
        self
    }

    /// Adds a raw condition.
    pub fn condition(mut self, condition: Condition) -> Self {
        if self.error.is_none() && self.policy.conditions.len() == MAX_CONDITIONS {
            self.error = Some(Error::InvalidPolicy(format!(
                "more than {MAX_CONDITIONS} conditions do not fit in one proof"
            )));
        }
        self.policy.conditions.push(condition);
        self
    }

    fn on(
        self,
        schemas: &[Schema],
        claim: &str,
        slot: usize,
        op: Operator,
        values: Vec<Operand>,
    ) -> Self {
        self.require(schemas, claim)
            .condition(Condition::new(slot, op, values))
    }

    // Vaccination.

    /// The disease (vaccinated against, recovered from, tested for) is `disease` (e.g.
    /// [`codes::disease::COVID_19`]).
    pub fn disease(self, disease: &str) -> Self {
        let v = vec![Operand::Code(disease.into())];
        self.on(
            &DISEASE_SCHEMAS,
            "disease",
            vaccination::DISEASE,
            Operator::Eq,
            v,
        )
    }

    /// The product is one of `products` (at most 8).
    pub fn product_in(self, products: &[&str]) -> Self {
        let v = products
            .iter()
            .map(|p| Operand::Code((*p).into()))
            .collect();
        self.on(
            &[vaccination::SCHEMA],
            "product",
            vaccination::PRODUCT,
            Operator::In,
            v,
        )
    }

    /// The dose number is at least `n`.
    pub fn dose_at_least(self, n: u32) -> Self {
        let v = vec![Operand::Number(n)];
        self.on(
            &[vaccination::SCHEMA],
            "dose number",
            vaccination::DOSE_NUMBER,
            Operator::Ge,
            v,
        )
    }

    /// The series is complete: dose number at least the total doses.
    pub fn series_complete(self) -> Self {
        let v = vec![Operand::Slot(vaccination::TOTAL_DOSES)];
        self.on(
            &[vaccination::SCHEMA],
            "series",
            vaccination::DOSE_NUMBER,
            Operator::Ge,
            v,
        )
    }

    /// The dose was given between `min_days` and `max_days` days before the verifier's date
    /// (both inclusive).
    pub fn last_dose_between_days_ago(self, min_days: u32, max_days: u32) -> Self {
        let v = vec![days_ago(max_days), days_ago(min_days)];
        self.on(
            &[vaccination::SCHEMA],
            "dose date",
            vaccination::DATE,
            Operator::Between,
            v,
        )
    }

    // Age (vaccination and identity credentials both hold the birth-date interval).

    /// At least `years` old on the verifier's date (calendar years; leap-day births come of age
    /// on 1 March in non-leap years).
    ///
    /// `years` above [`MAX_AGE_YEARS`] makes [`Claims::build`] fail.
    pub fn age_at_least(self, years: u32) -> Self {
        let v = vec![Operand::YearsFromToday(-(years.min(MAX_AGE_YEARS) as i32))];
        self.age_in_range(years)
            .on(&AGE_SCHEMAS, "age", identity::DOB_LATEST, Operator::Le, v)
    }

    /// At most `years` old on the verifier's date (has not reached `years + 1`).
    ///
    /// `years` above [`MAX_AGE_YEARS`] makes [`Claims::build`] fail.
    pub fn age_at_most(self, years: u32) -> Self {
        let v = vec![Operand::YearsFromToday(
            -(years.min(MAX_AGE_YEARS) as i32 + 1),
        )];
        self.age_in_range(years)
            .on(&AGE_SCHEMAS, "age", identity::DOB_EARLIEST, Operator::Gt, v)
    }

    /// Between `min` and `max` years old (both inclusive): two conditions. `min` above `max`
    /// (a range no one is in) makes [`Claims::build`] fail.
    pub fn age_between(mut self, min: u32, max: u32) -> Self {
        if self.error.is_none() && min > max {
            self.error = Some(Error::InvalidPolicy(format!(
                "age at least {min} and at most {max}: no one is in that range"
            )));
        }
        self.age_at_least(min).age_at_most(max)
    }

    fn age_in_range(mut self, years: u32) -> Self {
        if self.error.is_none() && years > MAX_AGE_YEARS {
            self.error = Some(Error::InvalidPolicy(format!(
                "an age of {years} years is above the {MAX_AGE_YEARS} a policy may name"
            )));
        }
        self
    }

    // Recovery.

    /// The first positive test was between `min_days` and `max_days` days before the verifier's
    /// date (both inclusive).
    pub fn first_positive_between_days_ago(self, min_days: u32, max_days: u32) -> Self {
        let v = vec![days_ago(max_days), days_ago(min_days)];
        self.on(
            &[recovery::SCHEMA],
            "first positive test",
            recovery::FIRST_POSITIVE,
            Operator::Between,
            v,
        )
    }

    /// The recovery certificate is valid on the verifier's date (valid from at most today,
    /// valid until at least today): two conditions.
    pub fn recovery_valid_today(self) -> Self {
        self.on(
            &[recovery::SCHEMA],
            "recovery validity",
            recovery::VALID_FROM,
            Operator::Le,
            vec![Operand::DaysFromToday(0)],
        )
        .on(
            &[recovery::SCHEMA],
            "recovery validity",
            recovery::VALID_UNTIL,
            Operator::Ge,
            vec![Operand::DaysFromToday(0)],
        )
    }

    // Test.

    /// The test result is `result` (e.g. [`codes::test_result::NOT_DETECTED`]).
    pub fn test_result(self, result: &str) -> Self {
        let v = vec![Operand::Code(result.into())];
        self.on(
            &[test::SCHEMA],
            "test result",
            test::RESULT,
            Operator::Eq,
            v,
        )
    }

    /// The test was negative (not detected).
    pub fn test_negative(self) -> Self {
        self.test_result(codes::test_result::NOT_DETECTED)
    }

    /// The type of test is one of `types` (at most 8; e.g. [`codes::test_type::NAAT`]).
    pub fn test_type_in(self, types: &[&str]) -> Self {
        let v = types.iter().map(|t| Operand::Code((*t).into())).collect();
        self.on(
            &[test::SCHEMA],
            "test type",
            test::TEST_TYPE,
            Operator::In,
            v,
        )
    }

    /// The sample was taken at most `hours` hours before the verification, judged at day
    /// resolution so that the answer is never a wrong yes.
    ///
    /// The credential holds the sample's day `s` (UTC) and the verifier's date is a day `d`
    /// (UTC); the sample was taken no earlier than the start of `s` and the verification happens
    /// no later than the end of `d`, so the sample is at most `(d − s + 1) · 24` hours old. The
    /// claim therefore compiles to `s ≥ d − (⌊hours / 24⌋ − 1)`: within 72 hours is "sampled today,
    /// yesterday or the day before", which accepts samples from 48 to 72 hours old only when
    /// their day allows no doubt and refuses some younger ones. Fewer than 24 hours cannot be
    /// decided at day resolution and makes [`Claims::build`] fail.
    pub fn sample_within_hours(mut self, hours: u32) -> Self {
        let whole_days = hours / 24;
        if whole_days == 0 {
            if self.error.is_none() {
                self.error = Some(Error::InvalidPolicy(format!(
                    "a sample within {hours} hours cannot be decided from its day"
                )));
            }
            return self;
        }
        let v = vec![days_ago(whole_days - 1)];
        self.on(
            &[test::SCHEMA],
            "sample time",
            test::SAMPLE_DAY,
            Operator::Ge,
            v,
        )
    }

    // Coverage.

    /// The payer is `payer`.
    pub fn payer_is(self, payer: &str) -> Self {
        let v = vec![Operand::Code(payer.into())];
        self.on(
            &[coverage::SCHEMA],
            "payer",
            coverage::PAYER,
            Operator::Eq,
            v,
        )
    }

    /// The coverage status is `active`.
    pub fn status_active(self) -> Self {
        let v = vec![Operand::Code(codes::coverage::ACTIVE.into())];
        self.on(
            &[coverage::SCHEMA],
            "status",
            coverage::STATUS,
            Operator::Eq,
            v,
        )
    }

    /// `service_date` (or, if `None`, the verifier's date) lies in the coverage period: two
    /// conditions.
    pub fn covers_date(self, service_date: Option<Day>) -> Self {
        let d = service_date.map_or(Operand::DaysFromToday(0), Operand::Day);
        self.on(
            &[coverage::SCHEMA],
            "period",
            coverage::PERIOD_START,
            Operator::Le,
            vec![d.clone()],
        )
        .on(
            &[coverage::SCHEMA],
            "period",
            coverage::PERIOD_END,
            Operator::Ge,
            vec![d],
        )
    }

    /// The plan is one of `plans` (at most 8).
    pub fn plan_in(self, plans: &[&str]) -> Self {
        let v = plans.iter().map(|p| Operand::Code((*p).into())).collect();
        self.on(&[coverage::SCHEMA], "plan", coverage::PLAN, Operator::In, v)
    }

    /// The service category `category` is among the covered ones.
    pub fn category_covered(self, category: &str) -> Self {
        let slots =
            (coverage::CATEGORIES..coverage::CATEGORIES + coverage::MAX_CATEGORIES).collect();
        self.require(&[coverage::SCHEMA], "category")
            .condition(Condition {
                slots,
                op: Operator::Eq,
                values: vec![Operand::Code(category.into())],
            })
    }

    /// The annual limit is at least `amount` (currency minor units).
    pub fn limit_at_least(self, amount: u32) -> Self {
        let v = vec![Operand::Number(amount)];
        self.on(
            &[coverage::SCHEMA],
            "limit",
            coverage::ANNUAL_LIMIT,
            Operator::Ge,
            v,
        )
    }

    // Treatment.

    /// The treatment was given by one of `providers` (at most 8).
    pub fn provider_in(self, providers: &[&str]) -> Self {
        let v = providers
            .iter()
            .map(|p| Operand::Code((*p).into()))
            .collect();
        self.on(
            &[treatment::SCHEMA],
            "provider",
            treatment::PROVIDER,
            Operator::In,
            v,
        )
    }

    /// The treatment's service category is one of `categories` (at most 8).
    pub fn category_in(self, categories: &[&str]) -> Self {
        let v = categories
            .iter()
            .map(|c| Operand::Code((*c).into()))
            .collect();
        self.on(
            &[treatment::SCHEMA],
            "category",
            treatment::CATEGORY,
            Operator::In,
            v,
        )
    }

    /// The amount billed is at most `amount` (currency minor units).
    pub fn amount_at_most(self, amount: u32) -> Self {
        let v = vec![Operand::Number(amount)];
        self.on(
            &[treatment::SCHEMA],
            "amount",
            treatment::AMOUNT,
            Operator::Le,
            v,
        )
    }

    /// The treatment was given no later than the verifier's day and at most `days` before it.
    pub fn served_within_days(self, days: u16) -> Self {
        let earliest = Operand::DaysFromToday(-i32::from(days));
        self.on(
            &[treatment::SCHEMA],
            "day of service",
            treatment::DATE,
            Operator::Between,
            vec![earliest, Operand::DaysFromToday(0)],
        )
    }

    // Disclosure.

    /// Reveals the named field (e.g. `"country"`) to the verifier.
    pub fn disclose(mut self, field: &str) -> Self {
        match self.policy.schema.slot(field) {
            Ok(slot) => self.policy.disclose.push(slot),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// The policy, checked to compile to the circuit's shape.
    pub fn build(self) -> Result<Policy, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.policy.compile()?;
        Ok(self.policy)
    }
}

/// `n` days before the verifier's date.
fn days_ago(n: u32) -> Operand {
    Operand::DaysFromToday(-(n.min(i32::MAX as u32) as i32))
}

/// The standard vaccination presentation: an EU-authorised COVID-19 product, at least two doses,
/// the last 14 to 365 days ago, holder at least 18 (and, as in every presentation, not expired).
pub fn standard_vaccination(issuer: &str) -> Result<Policy, Error> {
    Claims::vaccination(issuer)
        .product_in(&codes::product::EU_AUTHORISED_COVID_19)
        .dose_at_least(2)
        .last_dose_between_days_ago(14, 365)
        .age_at_least(18)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_or_absurd_age_range_is_refused() {
        let refused = |claims: Claims| matches!(claims.build(), Err(Error::InvalidPolicy(_)));
        assert!(refused(Claims::identity("NL-RIVM").age_between(65, 18)));
        assert!(refused(Claims::identity("NL-RIVM").age_at_least(u32::MAX)));
        assert!(refused(
            Claims::identity("NL-RIVM").age_at_most(MAX_AGE_YEARS + 1)
        ));
        assert!(Claims::identity("NL-RIVM")
            .age_between(18, 18)
            .build()
            .is_ok());
        assert!(Claims::identity("NL-RIVM")
            .age_between(0, MAX_AGE_YEARS)
            .build()
            .is_ok());
    }
}
