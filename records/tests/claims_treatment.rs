//! The treatment claims: each holds on a treatment record it describes and fails on one it
//! does not; they are refused for other schemas.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand_core::OsRng;
use zkhealth_circuits::{
    credential::{Credential, HolderSecret},
    date::Day,
    Error,
};
use zkhealth_records::{claims::Claims, codes, Record, TreatmentRecord};

fn credential(record: TreatmentRecord) -> Credential {
    let secret = HolderSecret::random(&mut OsRng);
    Credential::new(
        &Record::Treatment(record),
        "NL-ZORGREGISTER",
        secret.holder_key(),
        "2027-06-30".parse().unwrap(),
        &mut OsRng,
    )
    .unwrap()
}

fn record() -> TreatmentRecord {
    TreatmentRecord {
        provider: "NL-AMC".into(),
        category: codes::coverage::OUTPATIENT.into(),
        procedure: "SNOMED:80146002".into(),
        date: "2026-11-02".parse().unwrap(),
        amount: 12_500,
        treatment_id: "AMC-2026-000417".into(),
    }
}

fn holds(claims: Claims, record: TreatmentRecord, today: &str) -> bool {
    let today: Day = today.parse().unwrap();
    claims
        .build()
        .unwrap()
        .check(&credential(record), today)
        .is_ok()
}

#[test]
fn treatment_claims_hold_on_the_records_they_describe_only() {
    let claims = || Claims::treatment("NL-ZORGREGISTER");
    let today = "2026-11-21";
    assert!(holds(
        claims().provider_in(&["NL-AMC", "NL-UMCU"]),
        record(),
        today
    ));
    assert!(!holds(claims().provider_in(&["NL-UMCU"]), record(), today));
    assert!(holds(
        claims().category_in(&["outpatient"]),
        record(),
        today
    ));
    assert!(!holds(
        claims().category_in(&["dental", "vision"]),
        record(),
        today
    ));
    assert!(holds(claims().amount_at_most(12_500), record(), today));
    assert!(!holds(claims().amount_at_most(12_499), record(), today));
    // Served 19 days before the verifier's day.
    assert!(holds(claims().served_within_days(19), record(), today));
    assert!(!holds(claims().served_within_days(18), record(), today));
    assert!(!holds(
        claims().served_within_days(30),
        record(),
        "2026-11-01"
    ));
    let all = claims()
        .provider_in(&["NL-AMC"])
        .category_in(&["outpatient"])
        .amount_at_most(100_000)
        .served_within_days(90)
        .disclose("amount");
    assert!(holds(all, record(), today));
}

#[test]
fn treatment_claims_are_refused_for_other_schemas() {
    for claims in [
        Claims::coverage("NL-ZILVERENKRUIS").amount_at_most(5),
        Claims::vaccination("NL-RIVM").category_in(&["outpatient"]),
        Claims::treatment("NL-ZORGREGISTER").status_active(),
    ] {
        assert!(matches!(claims.build(), Err(Error::InvalidPolicy(_))));
    }
}
