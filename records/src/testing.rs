//! Sample records for tests and examples (feature `test-utils`); not for production use.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zkhealth_circuits::date::{Day, DobInterval};

use crate::{codes, CoverageRecord, IdentityRecord, Record, TreatmentRecord, VaccinationRecord};

/// A second dose of Comirnaty given in the Netherlands on 2026-05-01, to someone born on
/// 1990-04-12.
pub fn sample_vaccination() -> Record {
    vaccination("1990-04-12", Day::from_civil(2026, 5, 1).unwrap())
}

/// A second dose of Comirnaty given in the Netherlands on `dose_day`, to someone born on `dob`
/// (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`).
pub fn vaccination(dob: &str, dose_day: Day) -> Record {
    Record::Vaccination(VaccinationRecord {
        disease: codes::disease::COVID_19.into(),
        vaccine: codes::vaccine::COVID_19_VACCINES.into(),
        product: codes::product::COMIRNATY.into(),
        manufacturer: codes::manufacturer::BIONTECH.into(),
        dose_number: 2,
        total_doses: 2,
        date: dose_day,
        country: codes::country::NL.into(),
        dob: DobInterval::parse(dob).unwrap(),
    })
}

/// A Dutch national born on `dob`.
pub fn identity(dob: &str) -> Record {
    Record::Identity(IdentityRecord {
        dob: DobInterval::parse(dob).unwrap(),
        nationality: codes::country::NL.into(),
    })
}

/// Basic Dutch health insurance for 2026, covering outpatient care and pharmacy.
pub fn coverage() -> Record {
    Record::Coverage(coverage_record())
}

/// The record of [`coverage`]: NL-ZILVERENKRUIS's basic plan for 2026, active, covering
/// outpatient care and pharmacy up to 5,000.00 a year.
pub fn coverage_record() -> CoverageRecord {
    CoverageRecord {
        payer: "NL-ZILVERENKRUIS".into(),
        plan: "BASIS-2026".into(),
        status: codes::coverage::ACTIVE.into(),
        period_start: Day::from_civil(2026, 1, 1).unwrap(),
        period_end: Day::from_civil(2026, 12, 31).unwrap(),
        categories: vec![
            codes::coverage::OUTPATIENT.into(),
            codes::coverage::PHARMACY.into(),
        ],
        annual_limit: 500_000,
    }
}

/// An outpatient treatment at NL-AMC (SNOMED CT 80146002) of 125.00 on 2026-11-02, with the
/// provider's identifier `id`.
pub fn treatment_record(id: &str) -> TreatmentRecord {
    TreatmentRecord {
        provider: "NL-AMC".into(),
        category: codes::coverage::OUTPATIENT.into(),
        procedure: "SNOMED:80146002".into(),
        date: Day::from_civil(2026, 11, 2).unwrap(),
        amount: 12_500,
        treatment_id: id.into(),
    }
}
