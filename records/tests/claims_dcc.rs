//! The recovery and test claims against credentials: each condition holds exactly where its
//! claim is true, and the day-resolution sample claim is never a wrong yes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand_core::OsRng;
use zkhealth_circuits::{
    credential::{Credential, HolderSecret},
    date::{Day, DobInterval},
    Error,
};
use zkhealth_records::{claims::Claims, codes, Record, RecoveryRecord, TestRecord};

const ISSUER: &str = "NL-RIVM";

fn credential(record: Record) -> Credential {
    let secret = HolderSecret::random(&mut OsRng);
    let expiry = Day::from_civil(2099, 1, 1).unwrap();
    Credential::new(&record, ISSUER, secret.holder_key(), expiry, &mut OsRng).unwrap()
}

fn test_taken_on(day: Day) -> Record {
    Record::Test(TestRecord {
        disease: codes::disease::COVID_19.into(),
        test_type: codes::test_type::NAAT.into(),
        result: codes::test_result::NOT_DETECTED.into(),
        sample_day: day,
        country: codes::country::NL.into(),
        centre: Some("GGD-Amsterdam".into()),
        dob: DobInterval::parse("1990-04-12").unwrap(),
    })
}

#[test]
fn a_sample_within_hours_is_never_a_wrong_yes_and_not_vacuous() {
    let base = Day::from_civil(2026, 6, 1).unwrap();
    for hours in [24u32, 48, 72, 96] {
        let policy = Claims::test(ISSUER)
            .test_negative()
            .sample_within_hours(hours)
            .build()
            .unwrap();
        let mut accepted = 0;
        // Samples and verifications on an hourly grid over eight days (UTC): whenever the
        // credential passes, the sample is at most `hours` old at the verification, whatever
        // the hour of either.
        for sample_hour in 0..8 * 24u32 {
            let sample_day = base.checked_add(sample_hour / 24).unwrap();
            let cred = credential(test_taken_on(sample_day));
            for verify_hour in sample_hour..8 * 24 {
                let today = base.checked_add(verify_hour / 24).unwrap();
                if policy.check(&cred, today).is_ok() {
                    accepted += 1;
                    assert!(
                        verify_hour - sample_hour <= hours,
                        "{hours} h: sampled at hour {sample_hour}, verified at {verify_hour}"
                    );
                }
            }
        }
        assert!(accepted > 0, "{hours} h accepts nothing");
    }
    // Under a day cannot be decided from the day.
    assert!(matches!(
        Claims::test(ISSUER).sample_within_hours(23).build(),
        Err(Error::InvalidPolicy(_))
    ));
}

#[test]
fn a_positive_result_or_another_type_fails_the_test_claims() {
    let day = Day::from_civil(2026, 6, 1).unwrap();
    let negative_naat = Claims::test(ISSUER)
        .disease(codes::disease::COVID_19)
        .test_negative()
        .test_type_in(&[codes::test_type::NAAT])
        .build()
        .unwrap();
    assert!(negative_naat
        .check(&credential(test_taken_on(day)), day)
        .is_ok());
    let mut positive = test_taken_on(day);
    if let Record::Test(t) = &mut positive {
        t.result = codes::test_result::DETECTED.into();
    }
    assert!(negative_naat.check(&credential(positive), day).is_err());
    let mut rapid = test_taken_on(day);
    if let Record::Test(t) = &mut rapid {
        t.test_type = codes::test_type::RAPID_ANTIGEN.into();
    }
    assert!(negative_naat.check(&credential(rapid), day).is_err());
}

#[test]
fn recovery_claims_hold_inside_their_windows_only() {
    let d = |y, m, day| Day::from_civil(y, m, day).unwrap();
    let record = Record::Recovery(RecoveryRecord {
        disease: codes::disease::COVID_19.into(),
        first_positive: d(2026, 3, 1),
        valid_from: d(2026, 3, 12),
        valid_until: d(2026, 8, 28),
        country: codes::country::NL.into(),
        dob: DobInterval::parse("1980").unwrap(),
    });
    let cred = credential(record);
    let valid = Claims::recovery(ISSUER)
        .disease(codes::disease::COVID_19)
        .recovery_valid_today()
        .build()
        .unwrap();
    assert!(valid.check(&cred, d(2026, 3, 11)).is_err());
    assert!(valid.check(&cred, d(2026, 3, 12)).is_ok());
    assert!(valid.check(&cred, d(2026, 8, 28)).is_ok());
    assert!(valid.check(&cred, d(2026, 8, 29)).is_err());
    let window = Claims::recovery(ISSUER)
        .first_positive_between_days_ago(11, 180)
        .age_at_least(18)
        .build()
        .unwrap();
    assert!(window.check(&cred, d(2026, 3, 11)).is_err());
    assert!(window.check(&cred, d(2026, 3, 12)).is_ok());
    assert!(window.check(&cred, d(2026, 8, 28)).is_ok());
    assert!(window.check(&cred, d(2026, 8, 29)).is_err());
    // Recovery claims are not vaccination claims.
    assert!(Claims::recovery(ISSUER).dose_at_least(1).build().is_err());
    assert!(Claims::vaccination(ISSUER)
        .recovery_valid_today()
        .build()
        .is_err());
}
