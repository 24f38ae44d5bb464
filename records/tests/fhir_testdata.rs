//! The FHIR R4 mapping against real resources: HL7's official R4 examples in
//! `../shared/testdata/fhir-r4/` (Immunization, Patient, Coverage, Claim, Procedure, a
//! transaction Bundle) and the SMART Health Cards specification's example bundles in
//! `../shared/testdata/shc/`, read where they are. Each file's mapping is asserted field by field, or its refusal by kind and reason;
//! variants of a file change one element at a time. The EU DCC value sets of
//! `../shared/testdata/dcc-valuesets/` check the codes the mapping produces. Malformed input is
//! a typed error, never a panic.

#![cfg(feature = "fhir")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::{json, Value};
use zkhealth_circuits::date::{Day, DobInterval};
use zkhealth_records::{
    codes,
    fhir::{self, FhirError, Problem},
    CoverageRecord, TreatmentRecord, VaccinationRecord,
};

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata")
}

fn read(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// An HL7 FHIR R4 example.
fn hl7(name: &str) -> Value {
    read(testdata().join("fhir-r4").join(name))
}

/// A SMART Health Cards example bundle.
fn shc(n: u32) -> Value {
    read(testdata().join(format!("shc/example-{n:02}-a-fhirBundle.json")))
}

/// An EU DCC value set's codes, with whether each is active.
fn value_set(name: &str) -> Vec<(String, bool)> {
    let set = read(testdata().join("dcc-valuesets").join(name));
    set["valueSetValues"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(code, v)| (code.clone(), v["active"].as_bool().unwrap()))
        .collect()
}

fn day(s: &str) -> Day {
    s.parse().unwrap()
}

fn dob(s: &str) -> DobInterval {
    DobInterval::parse(s).unwrap()
}

fn any_dob() -> DobInterval {
    DobInterval::new(dob("1900").earliest, dob("2099").latest).unwrap()
}

const COUNTRY: &str = codes::country::US;

/// A vaccination with Spikevax, the product of the SMART Health Cards examples.
fn spikevax(dose: u32, total: u32, date: &str, birth: &str) -> VaccinationRecord {
    VaccinationRecord {
        disease: codes::disease::COVID_19.into(),
        vaccine: codes::vaccine::SARS_COV_2_MRNA.into(),
        product: codes::product::SPIKEVAX.into(),
        manufacturer: codes::manufacturer::MODERNA.into(),
        dose_number: dose,
        total_doses: total,
        date: day(date),
        country: COUNTRY.into(),
        dob: dob(birth),
    }
}

fn comirnaty(dose: u32, total: u32, date: &str, birth: DobInterval) -> VaccinationRecord {
    VaccinationRecord {
        disease: codes::disease::COVID_19.into(),
        vaccine: codes::vaccine::SARS_COV_2_MRNA.into(),
        product: codes::product::COMIRNATY.into(),
        manufacturer: codes::manufacturer::BIONTECH.into(),
        dose_number: dose,
        total_doses: total,
        date: day(date),
        country: COUNTRY.into(),
        dob: birth,
    }
}

/// Asserts a refusal of this kind whose reason contains `needle`.
#[track_caller]
fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, FhirError>,
    problem: Problem,
    needle: &str,
) -> FhirError {
    let err = result.expect_err("refused");
    assert_eq!(err.problem, problem, "{err}");
    assert!(err.reason.contains(needle), "{needle:?} not in {err}");
    err
}

fn cvx_coding(code: &str) -> Value {
    json!({"coding": [{"system": fhir::CVX, "code": code}]})
}

/// A minimal completed Immunization with this vaccine code.
fn immunization(vaccine_code: Value, date: &str, patient: &str) -> Value {
    json!({
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": vaccine_code,
        "patient": {"reference": patient},
        "occurrenceDateTime": date,
    })
}

fn bundle(resources: &[(&str, Value)]) -> Value {
    let entry: Vec<Value> = resources
        .iter()
        .map(|(url, resource)| json!({"fullUrl": url, "resource": resource}))
        .collect();
    json!({"resourceType": "Bundle", "type": "collection", "entry": entry})
}

// ---------------------------------------------------------------------------------------------
// HL7 Immunization examples, with Patient-example.json.

#[test]
fn immunization_example_is_refused_as_subpotent() {
    // Fluvax given 2013-01-10, `isSubpotent: true`.
    let err = assert_refused(
        fhir::vaccination(
            &hl7("Immunization-example.json"),
            Some(&hl7("Patient-example.json")),
            COUNTRY,
        ),
        Problem::Status,
        "isSubpotent is true",
    );
    assert_eq!(err.resource, "Immunization/example");
}

#[test]
fn immunization_example_made_potent_is_refused_as_influenza() {
    let mut imm = hl7("Immunization-example.json");
    imm["isSubpotent"] = json!(false);
    assert_refused(
        fhir::vaccination(&imm, Some(&hl7("Patient-example.json")), COUNTRY),
        Problem::Unsupported,
        "vaccine urn:oid:1.2.36.1.2001.1005.17 FLUVAX is not a COVID-19 vaccine the \
         vaccination schema can hold",
    );
}

#[test]
fn immunization_historical_is_refused_as_influenza() {
    let err = assert_refused(
        fhir::vaccination(&hl7("Immunization-historical.json"), None, COUNTRY),
        Problem::Unsupported,
        "not a COVID-19 vaccine the vaccination schema can hold",
    );
    assert!(err.reason.contains("GNFLU"), "{err}");
    assert_eq!(err.resource, "Immunization/historical");
}

#[test]
fn immunization_historical_with_a_covid_19_code_is_refused_for_its_free_text_date() {
    let mut imm = hl7("Immunization-historical.json");
    imm["vaccineCode"] = cvx_coding("208");
    assert_refused(
        fhir::vaccination(&imm, None, COUNTRY),
        Problem::Unsupported,
        "occurrenceString \"January 2012\"",
    );
}

#[test]
fn immunization_not_given_is_refused_as_not_done() {
    assert_refused(
        fhir::vaccination(&hl7("Immunization-notGiven.json"), None, COUNTRY),
        Problem::Status,
        "status is \"not-done\"",
    );
    // Marked completed, it is still a DTP vaccine (CVX 01).
    let mut imm = hl7("Immunization-notGiven.json");
    imm["status"] = json!("completed");
    assert_refused(
        fhir::vaccination(&imm, None, COUNTRY),
        Problem::Unsupported,
        "vaccine CVX 01 is not a COVID-19 vaccine",
    );
}

#[test]
fn immunization_protocol_is_refused_as_hepatitis_a_and_b() {
    // Twinrix, CVX 104.
    assert_refused(
        fhir::vaccination(
            &hl7("Immunization-protocol.json"),
            Some(&hl7("Patient-example.json")),
            COUNTRY,
        ),
        Problem::Unsupported,
        "vaccine CVX 104 is not a COVID-19 vaccine",
    );
}

#[test]
fn immunization_protocol_with_a_covid_19_code_takes_its_dose_number() {
    let patient = hl7("Patient-example.json");
    let mut imm = hl7("Immunization-protocol.json");
    imm["vaccineCode"] = cvx_coding("208");
    // No protocolApplied entry targets COVID-19: the first (dose 1, no series) is read, the
    // series is Comirnaty's, and the manufacturer is the product's, not `Organization/hl7`.
    assert_eq!(
        fhir::vaccination(&imm, Some(&patient), COUNTRY).unwrap(),
        comirnaty(1, 2, "2018-06-18", dob("1974-12-25"))
    );
    // The second entry targets COVID-19: its dose and series are read.
    imm["protocolApplied"][1]["targetDisease"][0]["coding"][0]["code"] =
        json!(codes::disease::COVID_19);
    imm["protocolApplied"][1]["seriesDosesPositiveInt"] = json!(3);
    assert_eq!(
        fhir::vaccination(&imm, Some(&patient), COUNTRY).unwrap(),
        comirnaty(2, 3, "2018-06-18", dob("1974-12-25"))
    );
}

#[test]
fn immunization_subpotent_is_refused_for_its_subpotent_reason() {
    // `isSubpotent: false` but `subpotentReason: partial`.
    assert_refused(
        fhir::vaccination(&hl7("Immunization-subpotent.json"), None, COUNTRY),
        Problem::Status,
        "subpotentReason gives a reason the dose is subpotent (partial)",
    );
    let mut imm = hl7("Immunization-subpotent.json");
    imm.as_object_mut().unwrap().remove("subpotentReason");
    assert_refused(
        fhir::vaccination(&imm, None, COUNTRY),
        Problem::Unsupported,
        "GNHEP is not a COVID-19 vaccine",
    );
}

#[test]
fn patient_example_gives_the_birth_date_and_its_absence_every_date() {
    let mut imm = hl7("Immunization-protocol.json");
    imm["vaccineCode"] = cvx_coding("208");
    let with = fhir::vaccination(&imm, Some(&hl7("Patient-example.json")), COUNTRY).unwrap();
    assert_eq!(with.dob, dob("1974-12-25"));
    let without = fhir::vaccination(&imm, None, COUNTRY).unwrap();
    assert_eq!(without.dob, any_dob());
    assert_eq!(
        without,
        VaccinationRecord {
            dob: any_dob(),
            ..with
        }
    );
    let mut patient = hl7("Patient-example.json");
    patient.as_object_mut().unwrap().remove("birthDate");
    assert_eq!(
        fhir::vaccination(&imm, Some(&patient), COUNTRY)
            .unwrap()
            .dob,
        any_dob()
    );
}

#[test]
fn patient_example_under_another_id_is_not_the_immunizations_patient() {
    let mut imm = hl7("Immunization-protocol.json");
    imm["vaccineCode"] = cvx_coding("208");
    let mut patient = hl7("Patient-example.json");
    patient["id"] = json!("someone-else");
    assert_refused(
        fhir::vaccination(&imm, Some(&patient), COUNTRY),
        Problem::Reference,
        "patient.reference \"Patient/example\" is not the Patient given (Patient/someone-else)",
    );
}

#[test]
fn patient_birth_dates_of_year_or_month_are_intervals() {
    let imm = immunization(cvx_coding("208"), "2021-05-02", "Patient/p");
    for (birth, expected) in [
        ("1974", dob("1974")),
        ("1980-02", dob("1980-02")),
        ("1980-02-29", dob("1980-02-29")),
    ] {
        let patient = json!({"resourceType": "Patient", "id": "p", "birthDate": birth});
        let record = fhir::vaccination(&imm, Some(&patient), COUNTRY).unwrap();
        assert_eq!(record.dob, expected, "{birth}");
    }
    assert_eq!(dob("1980-02").latest, dob("1980-02-29").latest);
    for (birth, problem) in [
        ("1974-12-25T14:35:45-05:00", Problem::Structure),
        ("1974-13", Problem::Structure),
        ("1981-02-29", Problem::Structure),
        ("74-12-25", Problem::Structure),
        ("", Problem::Structure),
        ("1850-01-01", Problem::Unsupported),
    ] {
        let patient = json!({"resourceType": "Patient", "id": "p", "birthDate": birth});
        let err = fhir::vaccination(&imm, Some(&patient), COUNTRY).unwrap_err();
        assert_eq!(err.problem, problem, "{birth}: {err}");
        assert_eq!(err.resource, "Patient/p");
    }
}

// ---------------------------------------------------------------------------------------------
// SMART Health Cards example bundles.

#[test]
fn shc_example_00_maps_to_three_moderna_doses_ranked_by_date() {
    // Two doses of CVX 207 (Moderna) and one of CVX 229 (Moderna bivalent), for a patient born
    // 1951-01-20, referenced as `resource:0`; no protocolApplied, so doses are ranked by date.
    let records = fhir::vaccinations(&shc(0), COUNTRY).unwrap();
    assert_eq!(
        records,
        vec![
            spikevax(1, 2, "2021-01-01", "1951-01-20"),
            spikevax(2, 2, "2021-01-29", "1951-01-20"),
            spikevax(3, 3, "2022-09-05", "1951-01-20"),
        ]
    );
}

#[test]
fn shc_example_01_is_example_00s_bundle() {
    assert_eq!(shc(1), shc(0));
    assert_eq!(
        fhir::vaccinations(&shc(1), COUNTRY).unwrap(),
        fhir::vaccinations(&shc(0), COUNTRY).unwrap()
    );
}

#[test]
fn shc_example_02_lab_results_hold_no_vaccination() {
    // A DiagnosticReport with its Specimens and Observations.
    let bundle = shc(2);
    assert_eq!(fhir::vaccinations(&bundle, COUNTRY).unwrap(), vec![]);
    assert_eq!(fhir::bundle_vaccinations(&bundle, COUNTRY).unwrap(), vec![]);
    assert_eq!(fhir::coverages(&bundle).unwrap(), vec![]);
}

#[test]
fn shc_example_03_maps_to_two_moderna_doses() {
    assert_eq!(
        fhir::vaccinations(&shc(3), COUNTRY).unwrap(),
        vec![
            spikevax(1, 2, "2021-03-01", "1960-04-22"),
            spikevax(2, 2, "2021-03-29", "1960-04-22"),
        ]
    );
}

#[test]
fn shc_bundle_entries_keep_their_position_and_full_url() {
    let entries = fhir::bundle_vaccinations(&shc(0), COUNTRY).unwrap();
    let at: Vec<(usize, Option<&str>)> = entries
        .iter()
        .map(|e| (e.entry, e.full_url.as_deref()))
        .collect();
    assert_eq!(
        at,
        vec![
            (1, Some("resource:1")),
            (2, Some("resource:2")),
            (3, Some("resource:3"))
        ]
    );
    assert!(entries.iter().all(|e| e.record.is_ok()));
}

#[test]
fn shc_example_00_reversed_ranks_the_same_doses() {
    let mut bundle = shc(0);
    bundle["entry"].as_array_mut().unwrap().reverse();
    assert_eq!(
        fhir::vaccinations(&bundle, COUNTRY).unwrap(),
        vec![
            spikevax(3, 3, "2022-09-05", "1951-01-20"),
            spikevax(2, 2, "2021-01-29", "1951-01-20"),
            spikevax(1, 2, "2021-01-01", "1951-01-20"),
        ]
    );
}

#[test]
fn shc_example_00_with_a_dose_not_given_refuses_it_and_does_not_count_it() {
    let mut bundle = shc(0);
    let mut not_done = bundle["entry"][1].clone();
    not_done["fullUrl"] = json!("resource:4");
    not_done["resource"]["status"] = json!("not-done");
    not_done["resource"]["occurrenceDateTime"] = json!("2020-12-20");
    bundle["entry"].as_array_mut().unwrap().push(not_done);

    let entries = fhir::bundle_vaccinations(&bundle, COUNTRY).unwrap();
    assert_eq!(entries.len(), 4);
    let records: Vec<VaccinationRecord> = entries
        .iter()
        .take(3)
        .map(|e| e.record.clone().unwrap())
        .collect();
    assert_eq!(records, fhir::vaccinations(&shc(0), COUNTRY).unwrap());
    let refused = &entries[3];
    assert_eq!(refused.full_url.as_deref(), Some("resource:4"));
    let err = assert_refused(refused.record.clone(), Problem::Status, "\"not-done\"");
    assert_eq!(err.resource, "Immunization at resource:4");
    // All or nothing.
    assert_eq!(fhir::vaccinations(&bundle, COUNTRY).unwrap_err(), err);
}

#[test]
fn shc_example_00_dose_numbers_stated_by_protocol_win_over_the_rank() {
    let mut bundle = shc(0);
    bundle["entry"][3]["resource"]["protocolApplied"] =
        json!([{"doseNumberString": "4", "seriesDosesString": "booster"}]);
    let records = fhir::vaccinations(&bundle, COUNTRY).unwrap();
    assert_eq!(records[2], spikevax(4, 4, "2022-09-05", "1951-01-20"));
    // A dose number that is not a number is not stated.
    bundle["entry"][3]["resource"]["protocolApplied"] = json!([{"doseNumberString": "booster"}]);
    let records = fhir::vaccinations(&bundle, COUNTRY).unwrap();
    assert_eq!(records[2], spikevax(3, 3, "2022-09-05", "1951-01-20"));
}

#[test]
fn doses_of_two_patients_are_ranked_apart() {
    let b = bundle(&[
        (
            "urn:a",
            json!({"resourceType": "Patient", "birthDate": "1990"}),
        ),
        (
            "urn:b",
            json!({"resourceType": "Patient", "birthDate": "1991"}),
        ),
        (
            "urn:1",
            immunization(cvx_coding("208"), "2021-06-01", "urn:a"),
        ),
        (
            "urn:2",
            immunization(cvx_coding("208"), "2021-05-01", "urn:b"),
        ),
        (
            "urn:3",
            immunization(cvx_coding("208"), "2021-07-01", "urn:b"),
        ),
        (
            "urn:4",
            immunization(cvx_coding("212"), "2021-04-01", "urn:a"),
        ),
    ]);
    let dose = |r: &VaccinationRecord| (r.product.clone(), r.dose_number, r.total_doses);
    let records: Vec<_> = fhir::vaccinations(&b, COUNTRY)
        .unwrap()
        .iter()
        .map(dose)
        .collect();
    assert_eq!(
        records,
        vec![
            (codes::product::COMIRNATY.to_string(), 2, 2),
            (codes::product::COMIRNATY.to_string(), 1, 2),
            (codes::product::COMIRNATY.to_string(), 2, 2),
            // Jcovden's series is one dose.
            (codes::product::JCOVDEN.to_string(), 1, 1),
        ]
    );
}

#[test]
fn doses_on_the_same_day_are_ranked_in_bundle_order() {
    let b = bundle(&[
        ("urn:p", json!({"resourceType": "Patient"})),
        (
            "urn:1",
            immunization(cvx_coding("208"), "2021-06-01", "urn:p"),
        ),
        (
            "urn:2",
            immunization(cvx_coding("208"), "2021-06-01T08:00:00Z", "urn:p"),
        ),
    ]);
    let numbers: Vec<u32> = fhir::vaccinations(&b, COUNTRY)
        .unwrap()
        .iter()
        .map(|r| r.dose_number)
        .collect();
    assert_eq!(numbers, vec![1, 2]);
}

// ---------------------------------------------------------------------------------------------
// The HL7 transaction Bundle: Patients, a Parameters, requests without resources.

#[test]
fn bundle_transaction_holds_no_vaccination_or_coverage() {
    let b = hl7("Bundle-bundle-transaction.json");
    assert_eq!(fhir::vaccinations(&b, COUNTRY).unwrap(), vec![]);
    assert_eq!(fhir::bundle_vaccinations(&b, COUNTRY).unwrap(), vec![]);
    assert_eq!(fhir::coverages(&b).unwrap(), vec![]);
}

/// The transaction bundle with an Immunization appended whose patient is `reference`.
fn transaction_with(reference: &str) -> Value {
    let mut b = hl7("Bundle-bundle-transaction.json");
    b["entry"].as_array_mut().unwrap().push(json!({
        "fullUrl": "urn:uuid:00000000-0000-0000-0000-000000000001",
        "resource": immunization(cvx_coding("208"), "2021-05-02", reference),
    }));
    b
}

#[test]
fn bundle_transaction_resolves_patient_references_of_every_form() {
    for reference in [
        // Relative, matching the resource's id and the end of its fullUrl.
        "Patient/123",
        "Patient/123/_history/2",
        "Patient/123a",
        // Exactly a fullUrl.
        "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a",
        "urn:uuid:74891afc-ed52-42a2-bcd7-f13d9b60f096",
        "http://example.org/fhir/Patient/123",
    ] {
        let records = fhir::vaccinations(&transaction_with(reference), COUNTRY)
            .unwrap_or_else(|e| panic!("{reference}: {e}"));
        assert_eq!(
            records,
            vec![comirnaty(1, 2, "2021-05-02", dob("1974-12-25"))],
            "{reference}"
        );
    }
}

#[test]
fn bundle_transaction_refuses_references_that_do_not_resolve_to_a_patient() {
    for (reference, needle) in [
        // Only a DELETE request names it.
        (
            "Patient/234",
            "\"Patient/234\" resolves to no entry of the bundle",
        ),
        ("Patient/999", "resolves to no entry"),
        // An absolute URL resolves by fullUrl only.
        (
            "http://elsewhere.org/fhir/Patient/123",
            "resolves to no entry",
        ),
        (
            "urn:uuid:79378cb8-8f58-48e8-a5e8-60ac2755b674",
            "resolves to a Parameters, not a Patient",
        ),
    ] {
        let err = assert_refused(
            fhir::vaccinations(&transaction_with(reference), COUNTRY),
            Problem::Reference,
            needle,
        );
        assert_eq!(
            err.resource,
            "Immunization at urn:uuid:00000000-0000-0000-0000-000000000001"
        );
    }
}

#[test]
fn bundle_reference_matching_two_patients_is_ambiguous() {
    let b = bundle(&[
        ("urn:a", json!({"resourceType": "Patient", "id": "p"})),
        ("urn:b", json!({"resourceType": "Patient", "id": "p"})),
        (
            "urn:1",
            immunization(cvx_coding("208"), "2021-05-02", "Patient/p"),
        ),
    ]);
    assert_refused(
        fhir::vaccinations(&b, COUNTRY),
        Problem::Reference,
        "matches 2 entries",
    );
}

#[test]
fn bundle_immunization_without_patient_reference_is_refused() {
    let mut imm = immunization(cvx_coding("208"), "2021-05-02", "urn:p");
    imm.as_object_mut().unwrap().remove("patient");
    let b = bundle(&[
        ("urn:p", json!({"resourceType": "Patient"})),
        ("urn:1", imm),
    ]);
    assert_refused(
        fhir::vaccinations(&b, COUNTRY),
        Problem::Missing,
        "no patient.reference",
    );
}

// ---------------------------------------------------------------------------------------------
// Coverage examples.

#[test]
fn coverage_7546d_maps_with_its_group_and_subplan_as_categories() {
    let details = fhir::coverage_details(&hl7("Coverage-7546D.json")).unwrap();
    assert_eq!(
        details.record,
        CoverageRecord {
            payer: "Organization/2".into(),
            plan: "BG4352".into(),
            status: codes::coverage::ACTIVE.into(),
            period_start: day("2011-03-17"),
            period_end: day("2012-03-17"),
            categories: vec!["WESTAIR".into(), "D15C9".into()],
            // The 20 USD GP-visit copay is the beneficiary's cost, not a limit.
            annual_limit: 0,
        }
    );
    assert_eq!(details.beneficiary.as_deref(), Some("Patient/5"));
    assert_eq!(details.classes_left_out, vec![]);
    assert_eq!(
        fhir::coverage(&hl7("Coverage-7546D.json")).unwrap(),
        details.record
    );
}

#[test]
fn coverage_9876b1_keeps_the_four_broadest_classes_and_reports_the_rest() {
    let details = fhir::coverage_details(&hl7("Coverage-9876B1.json")).unwrap();
    assert_eq!(
        details.record,
        CoverageRecord {
            payer: "Organization/2".into(),
            plan: "B37FC".into(),
            status: codes::coverage::ACTIVE.into(),
            period_start: day("2011-05-23"),
            period_end: day("2012-05-23"),
            categories: vec!["CB135".into(), "123".into(), "P7".into(), "SILVER".into()],
            annual_limit: 0,
        }
    );
    assert_eq!(details.beneficiary.as_deref(), Some("Patient/4"));
    let left_out: Vec<(&str, &str)> = details
        .classes_left_out
        .iter()
        .map(|c| (c.kind.as_str(), c.value.as_str()))
        .collect();
    assert_eq!(
        left_out,
        vec![
            ("subclass", "Tier2"),
            ("sequence", "9"),
            ("sequence", "9"),
            ("rxbin", "987654"),
            ("rxpcn", "234516"),
            ("rxid", "MDF12345"),
            ("rxgroup", "M35PT"),
        ]
    );
}

#[test]
fn coverage_9876b1_categories_do_not_depend_on_the_order_classes_are_listed() {
    let mut cov = hl7("Coverage-9876B1.json");
    cov["class"].as_array_mut().unwrap().reverse();
    let details = fhir::coverage_details(&cov).unwrap();
    assert_eq!(
        details.record,
        fhir::coverage(&hl7("Coverage-9876B1.json")).unwrap()
    );
    // Only the two `sequence` classes, equal, trade places.
    assert_eq!(details.classes_left_out.len(), 7);
}

fn plan_class(value: &str) -> Value {
    json!({
        "type": {"coding": [{"system": fhir::COVERAGE_CLASS, "code": "plan"}]},
        "value": value
    })
}

#[test]
fn coverage_7547e_is_refused_without_plan_then_without_start() {
    assert_refused(
        fhir::coverage(&hl7("Coverage-7547E.json")),
        Problem::Missing,
        "no class of type plan",
    );
    let mut cov = hl7("Coverage-7547E.json");
    cov["class"] = json!([plan_class("EHIC")]);
    assert_refused(fhir::coverage(&cov), Problem::Missing, "no period.start");
    cov["period"]["start"] = json!("2011-03-17");
    assert_eq!(
        fhir::coverage(&cov).unwrap(),
        CoverageRecord {
            // The payor's identifier, not a reference.
            payer: "123456789".into(),
            plan: "EHIC".into(),
            status: codes::coverage::ACTIVE.into(),
            period_start: day("2011-03-17"),
            period_end: day("2012-03-17"),
            categories: vec![],
            annual_limit: 0,
        }
    );
}

#[test]
fn coverage_sp1234_self_pay_is_refused_without_plan() {
    assert_refused(
        fhir::coverage(&hl7("Coverage-SP1234.json")),
        Problem::Missing,
        "no class of type plan",
    );
    let mut cov = hl7("Coverage-SP1234.json");
    cov["class"] = json!([plan_class("SELFPAY")]);
    cov["period"]["start"] = json!("2012-01-01");
    let details = fhir::coverage_details(&cov).unwrap();
    // The payor is the patient.
    assert_eq!(details.record.payer, "Patient/5");
    assert_eq!(details.beneficiary.as_deref(), Some("Patient/5"));
}

#[test]
fn coverage_7546d_without_period_end_is_refused() {
    let mut cov = hl7("Coverage-7546D.json");
    cov["period"].as_object_mut().unwrap().remove("end");
    assert_refused(fhir::coverage(&cov), Problem::Missing, "no period.end");
    cov.as_object_mut().unwrap().remove("period");
    assert_refused(fhir::coverage(&cov), Problem::Missing, "no period");
}

#[test]
fn coverage_period_of_partial_dates_spans_their_whole_year_and_month() {
    let mut cov = hl7("Coverage-7546D.json");
    cov["period"] = json!({"start": "2011", "end": "2012-02"});
    let record = fhir::coverage(&cov).unwrap();
    assert_eq!(
        (record.period_start, record.period_end),
        (day("2011-01-01"), day("2012-02-29"))
    );
    cov["period"] = json!({"start": "2011-03-17T09:00:00+01:00", "end": "2012-03-17T23:59:59Z"});
    let record = fhir::coverage(&cov).unwrap();
    assert_eq!(
        (record.period_start, record.period_end),
        (day("2011-03-17"), day("2012-03-17"))
    );
    cov["period"] = json!({"start": "2012-03-18", "end": "2012-03-17"});
    assert_refused(fhir::coverage(&cov), Problem::Unsupported, "starts");
}

#[test]
fn coverage_7546d_variants_one_change_at_a_time() {
    let base = hl7("Coverage-7546D.json");
    let refuse = |change: &dyn Fn(&mut Value), problem: Problem, needle: &str| {
        let mut cov = base.clone();
        change(&mut cov);
        assert_refused(fhir::coverage(&cov), problem, needle);
    };
    refuse(
        &|c| c["status"] = json!("entered-in-error"),
        Problem::Status,
        "entered-in-error",
    );
    refuse(
        &|c| {
            c.as_object_mut().unwrap().remove("status");
        },
        Problem::Missing,
        "no status",
    );
    refuse(&|c| c["payor"] = json!([]), Problem::Missing, "no payor");
    refuse(
        &|c| c["payor"] = json!([{}]),
        Problem::Missing,
        "payor[0] has no identifier, reference or display",
    );
    refuse(
        &|c| {
            c["class"]
                .as_array_mut()
                .unwrap()
                .push(plan_class("SECOND"))
        },
        Problem::Unsupported,
        "2 classes of type plan",
    );
    refuse(
        &|c| c["class"][1]["value"] = json!("BG 4352"),
        Problem::Unsupported,
        "",
    );
    refuse(
        &|c| c["class"][0]["value"] = json!("WESTERN AIRLINES"),
        Problem::Unsupported,
        "",
    );
    refuse(
        &|c| c["payor"] = json!([{"identifier": {"value": "X".repeat(32)}}]),
        Problem::Unsupported,
        "",
    );
    refuse(
        &|c| {
            c["class"][0].as_object_mut().unwrap().remove("value");
        },
        Problem::Missing,
        "class[0] has no value",
    );
    refuse(
        &|c| {
            c["class"][0].as_object_mut().unwrap().remove("type");
        },
        Problem::Missing,
        "class[0] has no type code",
    );
    refuse(
        &|c| c["period"]["start"] = json!("17/03/2011"),
        Problem::Structure,
        "period.start",
    );
    refuse(
        &|c| c["class"] = json!({"value": "x"}),
        Problem::Structure,
        "class is an object, not an array",
    );
    refuse(
        &|c| c["resourceType"] = json!("Immunization"),
        Problem::Structure,
        "expected \"Coverage\"",
    );
    // The payor's display, its spaces removed, when it has nothing else.
    let mut cov = base.clone();
    cov["payor"] = json!([{"display": "Acme  Insurance Co"}]);
    assert_eq!(fhir::coverage(&cov).unwrap().payer, "AcmeInsuranceCo");
    // A class of a type outside coverage-class ranks after the known ones.
    let mut cov = base.clone();
    cov["class"].as_array_mut().unwrap().insert(
        0,
        json!({"type": {"coding": [{"system": "urn:x", "code": "network"}]}, "value": "N5"}),
    );
    assert_eq!(
        fhir::coverage(&cov).unwrap().categories,
        vec!["WESTAIR", "D15C9", "N5"]
    );
}

#[test]
fn coverages_of_a_bundle_map_each_coverage_in_order() {
    let b = bundle(&[
        ("urn:p", hl7("Patient-example.json")),
        ("urn:c1", hl7("Coverage-9876B1.json")),
        ("urn:c2", hl7("Coverage-7546D.json")),
    ]);
    let plans: Vec<String> = fhir::coverages(&b)
        .unwrap()
        .into_iter()
        .map(|c| c.record.plan)
        .collect();
    assert_eq!(plans, vec!["B37FC", "BG4352"]);
    let b = bundle(&[
        ("urn:c1", hl7("Coverage-7546D.json")),
        ("urn:c2", hl7("Coverage-SP1234.json")),
    ]);
    let err = assert_refused(fhir::coverages(&b), Problem::Missing, "plan");
    assert_eq!(err.resource, "Coverage/SP1234");
    assert_eq!(
        fhir::coverages(&hl7("Coverage-7546D.json")).unwrap().len(),
        1
    );
    assert_refused(
        fhir::coverages(&hl7("Patient-example.json")),
        Problem::Structure,
        "expected \"Bundle\" or \"Coverage\"",
    );
}

// ---------------------------------------------------------------------------------------------
// Vaccine codes against the EU DCC value sets.

/// Every CVX code the mapping knows, by product.
const KNOWN_CVX: [(&str, &[&str]); 7] = [
    (
        codes::product::COMIRNATY,
        &[
            "208", "217", "218", "219", "300", "301", "302", "308", "309", "310", "520",
        ],
    ),
    (
        codes::product::SPIKEVAX,
        &[
            "207", "221", "227", "228", "229", "230", "311", "312", "519",
        ],
    ),
    (codes::product::VAXZEVRIA, &["210"]),
    (codes::product::JCOVDEN, &["212"]),
    (codes::product::NUVAXOVID, &["211", "313"]),
    (codes::product::VALNEVA, &["518"]),
    (
        "",
        &[
            "213", "225", "226", "500", "501", "502", "503", "504", "505", "506", "507", "508",
            "509", "510", "511", "512", "513", "514", "515", "516", "517",
        ],
    ),
];

#[test]
fn every_known_cvx_code_maps_to_codes_of_the_eu_value_sets() {
    let products = value_set("vaccine-medicinal-product.json");
    let holders = value_set("vaccine-mah-manf.json");
    let types = value_set("vaccine-prophylaxis.json");
    let diseases = value_set("disease-agent-targeted.json");
    for (product, cvx_codes) in KNOWN_CVX {
        for code in cvx_codes {
            let imm = immunization(cvx_coding(code), "2021-05-02", "Patient/p");
            let r = fhir::vaccination(&imm, None, COUNTRY).unwrap_or_else(|e| panic!("{e}"));
            assert!(diseases.contains(&(r.disease.clone(), true)), "{code}");
            assert!(types.iter().any(|(t, _)| *t == r.vaccine), "{code}");
            if product.is_empty() {
                assert_eq!(r.product, format!("CVX-{code}"));
                assert_eq!(r.vaccine, codes::vaccine::COVID_19_VACCINES);
                assert_eq!(r.manufacturer, fhir::UNKNOWN_MANUFACTURER);
                assert_eq!((r.dose_number, r.total_doses), (1, 1));
            } else {
                assert_eq!(r.product, product, "{code}");
                assert!(products.contains(&(r.product.clone(), true)), "{code}");
                assert!(holders.contains(&(r.manufacturer.clone(), true)), "{code}");
                assert!(
                    codes::product::EU_AUTHORISED_COVID_19.contains(&r.product.as_str()),
                    "{code}"
                );
            }
        }
    }
}

#[test]
fn cvx_codes_name_the_vaccine_type_and_series_of_their_product() {
    let map = |code: &str| {
        let imm = immunization(cvx_coding(code), "2021-05-02", "Patient/p");
        let r = fhir::vaccination(&imm, None, COUNTRY).unwrap();
        (r.vaccine, r.manufacturer, r.total_doses)
    };
    use codes::{manufacturer as m, vaccine as v};
    let expected = |vaccine: &str, holder: &str, series: u32| {
        (vaccine.to_string(), holder.to_string(), series)
    };
    assert_eq!(map("208"), expected(v::SARS_COV_2_MRNA, m::BIONTECH, 2));
    assert_eq!(map("207"), expected(v::SARS_COV_2_MRNA, m::MODERNA, 2));
    assert_eq!(
        map("210"),
        expected(v::COVID_19_VACCINES, m::ASTRAZENECA, 2)
    );
    assert_eq!(map("212"), expected(v::COVID_19_VACCINES, m::JANSSEN, 1));
    assert_eq!(map("211"), expected(v::COVID_19_VACCINES, m::NOVAVAX, 2));
    assert_eq!(map("518"), expected(v::COVID_19_VACCINES, m::VALNEVA, 2));
}

#[test]
fn every_snomed_covid_19_vaccine_type_of_the_value_set_maps_to_itself() {
    let mut seen = 0;
    for (code, active) in value_set("vaccine-prophylaxis.json") {
        if !active || !code.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let coding = json!({"coding": [{"system": fhir::SNOMED_CT, "code": code}]});
        let imm = immunization(coding, "2021-05-02", "Patient/p");
        let r = fhir::vaccination(&imm, None, COUNTRY).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.disease, codes::disease::COVID_19);
        assert_eq!(r.vaccine, code);
        assert_eq!(r.product, format!("SNOMED-{code}"));
        assert_eq!(r.manufacturer, fhir::UNKNOWN_MANUFACTURER);
        seen += 1;
    }
    assert_eq!(seen, 8);
}

#[test]
fn a_cvx_coding_wins_over_a_snomed_coding_and_unknown_codings_are_skipped() {
    let coding = json!({"coding": [
        {"system": "urn:oid:1.2.36.1.2001.1005.17", "code": "COMIR"},
        {"system": fhir::SNOMED_CT, "code": codes::vaccine::SARS_COV_2_MRNA},
        {"system": fhir::CVX, "code": "999"},
        {"system": fhir::CVX, "code": "208"},
    ]});
    let imm = immunization(coding, "2021-05-02", "Patient/p");
    assert_eq!(
        fhir::vaccination(&imm, None, COUNTRY).unwrap().product,
        codes::product::COMIRNATY
    );
}

#[test]
fn unknown_vaccine_codes_are_refused_whatever_their_system() {
    for coding in [
        json!({"coding": [{"system": fhir::CVX, "code": "141"}]}),
        json!({"coding": [{"system": fhir::CVX, "code": "2080"}]}),
        json!({"coding": [{"system": fhir::SNOMED_CT, "code": "840539006"}]}),
        // A COVID-19 CVX code under another system is not CVX.
        json!({"coding": [{"system": "http://example.org", "code": "208"}]}),
        json!({"coding": [{"code": "208"}]}),
    ] {
        let imm = immunization(coding, "2021-05-02", "Patient/p");
        assert_refused(
            fhir::vaccination(&imm, None, COUNTRY),
            Problem::Unsupported,
            "is not a COVID-19 vaccine the vaccination schema can hold",
        );
    }
}

#[test]
fn manufacturer_of_a_product_outside_the_eu_comes_from_the_immunization() {
    let mut imm = immunization(cvx_coding("510"), "2021-05-02", "Patient/p");
    imm["manufacturer"] = json!({"reference": "Organization/x", "display": "Sinopharm BIBP"});
    assert_eq!(
        fhir::vaccination(&imm, None, COUNTRY).unwrap().manufacturer,
        "SinopharmBIBP"
    );
    imm["manufacturer"]["identifier"] = json!({"value": "ORG-100020693"});
    assert_eq!(
        fhir::vaccination(&imm, None, COUNTRY).unwrap().manufacturer,
        "ORG-100020693"
    );
    // A reference alone names no manufacturer.
    imm["manufacturer"] = json!({"reference": "Organization/x"});
    assert_eq!(
        fhir::vaccination(&imm, None, COUNTRY).unwrap().manufacturer,
        fhir::UNKNOWN_MANUFACTURER
    );
    // One that cannot be a code is refused.
    for bad in [
        json!({"identifier": {"value": "O".repeat(32)}}),
        json!({"display": "Instituto Butantã"}),
    ] {
        imm["manufacturer"] = bad;
        assert_refused(
            fhir::vaccination(&imm, None, COUNTRY),
            Problem::Unsupported,
            "",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Written from a record, mapped back.

/// An Immunization and Patient stating everything a record holds.
fn written(record: &VaccinationRecord, cvx: &str, birth: &str) -> (Value, Value) {
    let mut imm = immunization(cvx_coding(cvx), &record.date.to_string(), "Patient/p");
    imm["protocolApplied"] = json!([{
        "targetDisease": [{"coding": [{"system": fhir::SNOMED_CT, "code": record.disease}]}],
        "doseNumberPositiveInt": record.dose_number,
        "seriesDosesPositiveInt": record.total_doses,
    }]);
    let patient = json!({"resourceType": "Patient", "id": "p", "birthDate": birth});
    (imm, patient)
}

#[test]
fn an_immunization_written_from_a_record_maps_back_to_it() {
    for (cvx, dose, total, date, birth) in [
        ("208", 1, 2, "2021-05-02", "1990-04-12"),
        ("207", 3, 3, "2022-01-15", "1951"),
        ("212", 1, 1, "2021-07-31", "2001-02"),
        ("313", 5, 5, "2024-02-29", "1960-04-22"),
    ] {
        let imm = immunization(cvx_coding(cvx), date, "Patient/p");
        let mut expected = fhir::vaccination(&imm, None, COUNTRY).unwrap();
        expected.dose_number = dose;
        expected.total_doses = total;
        expected.dob = dob(birth);
        let (imm, patient) = written(&expected, cvx, birth);
        assert_eq!(
            fhir::vaccination(&imm, Some(&patient), COUNTRY).unwrap(),
            expected
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed input.

#[test]
fn input_that_is_not_a_json_object_is_a_structure_error() {
    for value in [
        json!(null),
        json!(true),
        json!(1),
        json!("Immunization"),
        json!([]),
    ] {
        let err = assert_refused(
            fhir::vaccination(&value, None, COUNTRY),
            Problem::Structure,
            "expected a JSON object",
        );
        assert_eq!(err.resource, "Immunization");
        assert_refused(
            fhir::vaccinations(&value, COUNTRY),
            Problem::Structure,
            "expected a JSON object",
        );
        assert_refused(
            fhir::bundle_vaccinations(&value, COUNTRY),
            Problem::Structure,
            "expected a JSON object",
        );
        assert_refused(
            fhir::coverage(&value),
            Problem::Structure,
            "expected a JSON object",
        );
        assert_refused(
            fhir::coverages(&value),
            Problem::Structure,
            "expected a JSON object",
        );
        let imm = immunization(cvx_coding("208"), "2021-05-02", "Patient/p");
        assert_refused(
            fhir::vaccination(&imm, Some(&value), COUNTRY),
            Problem::Structure,
            "expected a JSON object",
        );
    }
}

#[test]
fn a_resource_of_another_type_is_a_structure_error() {
    let patient = hl7("Patient-example.json");
    let err = assert_refused(
        fhir::vaccination(&patient, None, COUNTRY),
        Problem::Structure,
        "resourceType is \"Patient\", expected \"Immunization\"",
    );
    assert_eq!(err.resource, "Patient/example");
    assert_refused(
        fhir::vaccinations(&patient, COUNTRY),
        Problem::Structure,
        "expected \"Bundle\" or \"Immunization\"",
    );
    assert_refused(
        fhir::bundle_vaccinations(&patient, COUNTRY),
        Problem::Structure,
        "expected \"Bundle\"",
    );
    let imm = immunization(cvx_coding("208"), "2021-05-02", "Patient/p");
    assert_refused(
        fhir::vaccination(&imm, Some(&imm), COUNTRY),
        Problem::Structure,
        "resourceType is \"Immunization\", expected \"Patient\"",
    );
    assert_refused(
        fhir::coverage(&imm),
        Problem::Structure,
        "expected \"Coverage\"",
    );
    assert_refused(
        fhir::vaccination(&json!({"status": "completed"}), None, COUNTRY),
        Problem::Structure,
        "no resourceType",
    );
    assert_refused(
        fhir::vaccination(&json!({"resourceType": 7}), None, COUNTRY),
        Problem::Structure,
        "resourceType is a number",
    );
}

#[test]
fn immunization_variants_one_change_at_a_time() {
    let base = immunization(cvx_coding("208"), "2021-05-02", "Patient/p");
    assert!(fhir::vaccination(&base, None, COUNTRY).is_ok());
    let refuse = |change: &dyn Fn(&mut Value), problem: Problem, needle: &str| {
        let mut imm = base.clone();
        change(&mut imm);
        assert_refused(fhir::vaccination(&imm, None, COUNTRY), problem, needle);
    };
    let remove = |key: &'static str| {
        move |imm: &mut Value| {
            imm.as_object_mut().unwrap().remove(key);
        }
    };
    refuse(&remove("status"), Problem::Missing, "no status");
    refuse(&remove("vaccineCode"), Problem::Missing, "no vaccineCode");
    refuse(
        &remove("occurrenceDateTime"),
        Problem::Missing,
        "no occurrenceDateTime",
    );
    refuse(
        &|i| i["vaccineCode"] = json!({"text": "Comirnaty"}),
        Problem::Missing,
        "vaccineCode has no coding",
    );
    for status in ["entered-in-error", "not-done", "Completed"] {
        refuse(
            &|i| i["status"] = json!(status),
            Problem::Status,
            &format!("status is {status:?}"),
        );
    }
    refuse(
        &|i| i["isSubpotent"] = json!(true),
        Problem::Status,
        "isSubpotent is true",
    );
    refuse(
        &|i| i["subpotentReason"] = json!([{"coding": [{"code": "coldchainbreak"}]}]),
        Problem::Status,
        "(coldchainbreak)",
    );
    // Wrong types.
    refuse(
        &|i| i["status"] = json!(5),
        Problem::Structure,
        "status is a number",
    );
    refuse(
        &|i| i["isSubpotent"] = json!("yes"),
        Problem::Structure,
        "isSubpotent is a string",
    );
    refuse(
        &|i| i["vaccineCode"] = json!("208"),
        Problem::Structure,
        "vaccineCode is a string",
    );
    refuse(
        &|i| i["vaccineCode"]["coding"] = json!({"code": "208"}),
        Problem::Structure,
        "vaccineCode.coding is an object",
    );
    refuse(
        &|i| i["vaccineCode"]["coding"][0]["code"] = json!(208),
        Problem::Structure,
        "vaccineCode.coding[0].code is a number",
    );
    refuse(
        &|i| i["occurrenceDateTime"] = json!(20210502),
        Problem::Structure,
        "occurrenceDateTime is a number",
    );
    refuse(
        &|i| i["protocolApplied"] = json!({"doseNumberPositiveInt": 1}),
        Problem::Structure,
        "protocolApplied is an object",
    );
    for dose in [json!(0), json!(-1), json!(1.5), json!("2"), json!(u64::MAX)] {
        refuse(
            &|i| i["protocolApplied"] = json!([{ "doseNumberPositiveInt": dose }]),
            Problem::Structure,
            "protocolApplied[0].doseNumberPositiveInt is",
        );
    }
    refuse(
        &|i| i["protocolApplied"] = json!([{ "seriesDosesString": 2 }]),
        Problem::Structure,
        "protocolApplied[0].seriesDosesString is a number",
    );
    // Dates.
    for date in ["2021", "2021-05"] {
        refuse(
            &|i| i["occurrenceDateTime"] = json!(date),
            Problem::Unsupported,
            "is not precise to the day",
        );
    }
    for date in [
        "2021-02-30",
        "2021-5-2",
        "21-05-02",
        "2021-05-02T10:00:00",
        "2021-05-02T25:00:00Z",
        "2021-05-02T10:00Z",
        "2021-05-02T10:00:00.Z",
        "2021-05-02T10:00:00+15:00",
        "2021-05T10:00:00Z",
        "",
        "２０２１-05-02",
    ] {
        refuse(
            &|i| i["occurrenceDateTime"] = json!(date),
            Problem::Structure,
            "occurrenceDateTime",
        );
    }
    refuse(
        &|i| i["occurrenceDateTime"] = json!("1899-12-31"),
        Problem::Unsupported,
        "before 1900",
    );
    // Codes the schema cannot hold.
    for country in ["Netherlands", "nl", "", "N L"] {
        let imm = base.clone();
        assert_refused(
            fhir::vaccination(&imm, None, country),
            Problem::Unsupported,
            "the country of vaccination",
        );
    }
}

#[test]
fn occurrence_date_times_give_the_date_as_written() {
    for (written, date) in [
        ("2021-05-02T23:30:00-05:00", "2021-05-02"),
        ("2021-05-02T00:10:00+14:00", "2021-05-02"),
        ("2021-05-02T10:00:00.123456Z", "2021-05-02"),
        ("2016-12-31T23:59:60Z", "2016-12-31"),
    ] {
        let imm = immunization(cvx_coding("208"), written, "Patient/p");
        assert_eq!(
            fhir::vaccination(&imm, None, COUNTRY).unwrap().date,
            day(date),
            "{written}"
        );
    }
}

#[test]
fn bundle_variants_one_change_at_a_time() {
    let base = shc(0);
    let refuse = |change: &dyn Fn(&mut Value), problem: Problem, needle: &str| {
        let mut b = base.clone();
        change(&mut b);
        assert_refused(fhir::vaccinations(&b, COUNTRY), problem, needle);
        assert_refused(fhir::bundle_vaccinations(&b, COUNTRY), problem, needle);
    };
    refuse(
        &|b| b["entry"] = json!({"resource": {}}),
        Problem::Structure,
        "entry is an object, not an array",
    );
    refuse(
        &|b| b["entry"][0] = json!("resource:0"),
        Problem::Structure,
        "entry[0] is a string",
    );
    refuse(
        &|b| b["entry"][0]["resource"] = json!([]),
        Problem::Structure,
        "entry[0].resource is an array",
    );
    refuse(
        &|b| b["entry"][0]["fullUrl"] = json!(0),
        Problem::Structure,
        "entry[0].fullUrl is a number",
    );
    // A bundle without entries holds nothing.
    let mut b = base.clone();
    b.as_object_mut().unwrap().remove("entry");
    assert_eq!(fhir::vaccinations(&b, COUNTRY).unwrap(), vec![]);
    // An entry's refusal is its own.
    let mut b = base.clone();
    b["entry"][2]["resource"]["vaccineCode"] = cvx_coding("141");
    let entries = fhir::bundle_vaccinations(&b, COUNTRY).unwrap();
    assert_eq!(
        entries[0].record.clone().unwrap(),
        spikevax(1, 2, "2021-01-01", "1951-01-20")
    );
    assert_refused(entries[1].record.clone(), Problem::Unsupported, "CVX 141");
    assert_eq!(
        entries[2].record.clone().unwrap(),
        spikevax(2, 2, "2022-09-05", "1951-01-20")
    );
    // The patient's birth date is checked like any other.
    let mut b = base.clone();
    b["entry"][0]["resource"]["birthDate"] = json!("20-01-1951");
    let err = assert_refused(
        fhir::vaccinations(&b, COUNTRY),
        Problem::Structure,
        "birthDate",
    );
    assert_eq!(err.resource, "Patient at resource:0");
}

#[test]
fn errors_read_as_one_sentence() {
    let err = fhir::vaccination(&hl7("Immunization-notGiven.json"), None, COUNTRY).unwrap_err();
    assert_eq!(
        err.to_string(),
        "FHIR Immunization/notGiven: status is \"not-done\": only a completed immunization is a \
         vaccination"
    );
    assert_eq!(Problem::Status.to_string(), "status");
}

// ---------------------------------------------------------------------------------------------
// Claims: each item a treatment.

#[test]
fn hl7_claims_map_item_by_item_to_treatments() {
    let oral = fhir::treatments(&hl7("Claim-100150.json")).unwrap();
    assert_eq!(
        oral,
        [TreatmentRecord {
            provider: "Organization/1".into(),
            category: "oral".into(),
            procedure: "1200".into(),
            date: day("2014-08-16"),
            amount: 13_557,
            treatment_id: "12345-1".into(),
        }]
    );

    let three = fhir::treatments(&hl7("Claim-100151.json")).unwrap();
    let summary: Vec<_> = three
        .iter()
        .map(|t| (t.procedure.as_str(), t.amount, t.treatment_id.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("1200", 13_557, "12346-1"),
            ("21211", 10_500, "12346-2"),
            ("27211", 110_000, "12346-3")
        ]
    );
    assert!(three
        .iter()
        .all(|t| t.date == day("2014-08-16") && t.category == "oral"));

    let surgery = fhir::treatments(&hl7("Claim-MED-00050.json")).unwrap();
    assert_eq!(
        surgery,
        [TreatmentRecord {
            provider: "Organization/1".into(),
            category: "institutional".into(),
            procedure: "62264".into(),
            date: day("2015-10-13"),
            amount: 1_250_000,
            treatment_id: "MED-00050-1".into(),
        }]
    );
}

#[test]
fn a_claim_item_that_a_treatment_cannot_hold_is_refused_by_kind() {
    let claim = hl7("Claim-100150.json");
    let refused = |change: &dyn Fn(&mut Value)| -> Problem {
        let mut c = claim.clone();
        change(&mut c);
        fhir::treatments(&c).unwrap_err().problem
    };
    assert_eq!(
        refused(&|c| c["status"] = json!("entered-in-error")),
        Problem::Status
    );
    assert_eq!(
        refused(&|c| c["status"] = json!("cancelled")),
        Problem::Status
    );
    assert_eq!(
        refused(&|c| {
            c.as_object_mut().unwrap().remove("provider");
        }),
        Problem::Missing
    );
    assert_eq!(refused(&|c| c["item"] = json!([])), Problem::Missing);
    // A day of service that is a month, or a period over two days.
    assert_eq!(
        refused(&|c| c["item"][0]["servicedDate"] = json!("2014-08")),
        Problem::Unsupported
    );
    assert_eq!(
        refused(&|c| {
            let item = c["item"][0].as_object_mut().unwrap();
            item.remove("servicedDate");
            item.insert(
                "servicedPeriod".into(),
                json!({"start": "2014-08-16", "end": "2014-08-17"}),
            );
        }),
        Problem::Unsupported
    );
    // Three decimals, a negative amount, one past 2^32 minor units.
    for value in [json!(1.005), json!(-1.0), json!(42_949_672.96)] {
        assert_eq!(
            refused(&|c| c["item"][0]["net"]["value"] = value.clone()),
            Problem::Unsupported,
            "{value}"
        );
    }
    // A procedure code with a space is not a code.
    assert_eq!(
        refused(&|c| c["item"][0]["productOrService"]["coding"][0]["code"] = json!("12 00")),
        Problem::Unsupported
    );
    // Not a Claim, not an object: typed errors.
    assert_eq!(
        fhir::treatments(&hl7("Coverage-9876B1.json"))
            .unwrap_err()
            .problem,
        Problem::Structure
    );
    assert_eq!(
        fhir::treatments(&json!([1, 2])).unwrap_err().problem,
        Problem::Structure
    );
}

#[test]
fn a_single_day_period_and_a_unit_price_times_quantity_give_the_day_and_amount() {
    let mut claim = hl7("Claim-100150.json");
    let item = claim["item"][0].as_object_mut().unwrap();
    item.remove("servicedDate");
    item.remove("net");
    item.insert(
        "servicedPeriod".into(),
        json!({"start": "2014-08-16T09:00:00Z", "end": "2014-08-16T10:30:00Z"}),
    );
    item.insert("quantity".into(), json!({"value": 3}));
    item.insert("category".into(), json!({"coding": [{"code": "dental-x"}]}));
    let [t] = fhir::treatments(&claim).unwrap().try_into().unwrap();
    assert_eq!(
        (t.date, t.amount, t.category.as_str()),
        (day("2014-08-16"), 40_671, "dental-x")
    );
}

// ---------------------------------------------------------------------------------------------
// Claims: an item's procedure followed to its Procedure.

/// HL7's Claim-100150 whose one item names `procedure[0]`, which references `reference`.
fn claim_with_procedure(reference: &str) -> Value {
    let mut claim = hl7("Claim-100150.json");
    claim["procedure"] = json!([{"sequence": 1, "procedureReference": {"reference": reference}}]);
    claim["item"][0]["procedureSequence"] = json!([1]);
    claim
}

fn without_serviced_date(mut claim: Value) -> Value {
    claim["item"][0]
        .as_object_mut()
        .unwrap()
        .remove("servicedDate");
    claim
}

/// The claim in a Bundle with HL7's Procedure-example (and what else is given) as entries.
fn claim_bundle(claim: Value, others: &[(&str, Value)]) -> Value {
    let mut resources = vec![
        ("http://example.org/fhir/Claim/100150", claim),
        (
            "http://example.org/fhir/Procedure/example",
            hl7("Procedure-example.json"),
        ),
    ];
    resources.extend(others.iter().cloned());
    bundle(&resources)
}

/// The claim with HL7's Procedure-example contained under id `p1`.
fn claim_containing(procedure: Value) -> Value {
    let mut claim = claim_with_procedure("#p1");
    let mut procedure = procedure;
    procedure["id"] = json!("p1");
    claim["contained"] = json!([procedure]);
    claim
}

/// Claim-100150's oral treatment, with the appendectomy of Procedure-example as procedure.
fn appendectomy(date: &str) -> TreatmentRecord {
    TreatmentRecord {
        provider: "Organization/1".into(),
        category: "oral".into(),
        procedure: "80146002".into(),
        date: day(date),
        amount: 13_557,
        treatment_id: "12345-1".into(),
    }
}

#[test]
fn procedure_example_in_the_claims_bundle_gives_the_items_snomed_code_and_day() {
    for reference in [
        "Procedure/example",
        "http://example.org/fhir/Procedure/example",
    ] {
        let b = claim_bundle(claim_with_procedure(reference), &[]);
        assert_eq!(
            fhir::bundle_treatments(&b).unwrap(),
            [appendectomy("2014-08-16")],
            "{reference}"
        );
        // Without its own day, the item is served on the day the appendectomy was performed.
        let b = claim_bundle(without_serviced_date(claim_with_procedure(reference)), &[]);
        assert_eq!(
            fhir::bundle_treatments(&b).unwrap(),
            [appendectomy("2013-04-05")],
            "{reference}"
        );
    }
    // A bundle without Claims holds no treatment; a lone Claim is mapped as by `treatments`.
    assert_eq!(
        fhir::bundle_treatments(&bundle(&[("p", hl7("Procedure-example.json"))])).unwrap(),
        []
    );
    assert_eq!(
        fhir::bundle_treatments(&hl7("Claim-100151.json")).unwrap(),
        fhir::treatments(&hl7("Claim-100151.json")).unwrap()
    );
    assert_refused(
        fhir::bundle_treatments(&hl7("Procedure-example.json")),
        Problem::Structure,
        "expected \"Bundle\" or \"Claim\"",
    );
}

#[test]
fn procedure_example_contained_in_the_claim_gives_the_items_snomed_code_and_day() {
    let claim = claim_containing(hl7("Procedure-example.json"));
    assert_eq!(
        fhir::treatments(&claim).unwrap(),
        [appendectomy("2014-08-16")]
    );
    let claim = without_serviced_date(claim);
    assert_eq!(
        fhir::treatments(&claim).unwrap(),
        [appendectomy("2013-04-05")]
    );
    // The same inside a bundle: `#p1` is the Claim's own, not an entry.
    assert_eq!(
        fhir::bundle_treatments(&bundle(&[("urn:uuid:1", claim)])).unwrap(),
        [appendectomy("2013-04-05")]
    );
}

#[test]
fn procedure_example_implant_maps_to_the_pacemaker_insertion() {
    // Insertion of intracardiac pacemaker, SNOMED CT 25267002, performed 2015-04-05.
    let claim = without_serviced_date(claim_with_procedure("Procedure/example-implant"));
    let b = bundle(&[
        ("urn:uuid:c", claim),
        ("urn:uuid:p", hl7("Procedure-example-implant.json")),
    ]);
    let [t] = fhir::bundle_treatments(&b).unwrap().try_into().unwrap();
    assert_eq!(
        (t.procedure.as_str(), t.date),
        ("25267002", day("2015-04-05"))
    );
}

#[test]
fn a_procedure_codeable_concept_prefers_snomed_and_its_date_gives_the_day() {
    let mut claim = without_serviced_date(hl7("Claim-100150.json"));
    claim["procedure"] = json!([
        {"sequence": 3, "date": "2014-08-15T10:00:00+02:00", "procedureCodeableConcept": {"coding": [
            {"system": "http://hl7.org/fhir/sid/ex-icd-10-procedures", "code": "0DTJ4ZZ"},
            {"system": fhir::SNOMED_CT, "code": "80146002"}
        ]}},
    ]);
    claim["item"][0]["procedureSequence"] = json!([3]);
    let [t] = fhir::treatments(&claim).unwrap().try_into().unwrap();
    assert_eq!(
        (t.procedure.as_str(), t.date),
        ("80146002", day("2014-08-15"))
    );
    // Without SNOMED CT, the first coding; the claim's own entry date wins over none.
    claim["procedure"][0]["procedureCodeableConcept"]["coding"]
        .as_array_mut()
        .unwrap()
        .pop();
    let [t] = fhir::treatments(&claim).unwrap().try_into().unwrap();
    assert_eq!(t.procedure, "0DTJ4ZZ");
    // A month of service with the procedure's day in it gives that day; outside it, none.
    claim["item"][0]["servicedDate"] = json!("2014-08");
    let [t] = fhir::treatments(&claim).unwrap().try_into().unwrap();
    assert_eq!(t.date, day("2014-08-15"));
    claim["item"][0]["servicedDate"] = json!("2014-09");
    assert_refused(
        fhir::treatments(&claim),
        Problem::Unsupported,
        "item[0] has no single day of service",
    );
    // Two sequences of procedures of the same code are one procedure.
    claim["item"][0]["servicedDate"] = json!("2014-08-16");
    claim["procedure"].as_array_mut().unwrap().push(
        json!({"sequence": 4, "procedureCodeableConcept": {"coding": [{"code": "0DTJ4ZZ"}]}}),
    );
    claim["item"][0]["procedureSequence"] = json!([3, 4, 3]);
    let [t] = fhir::treatments(&claim).unwrap().try_into().unwrap();
    assert_eq!(
        (t.procedure.as_str(), t.date),
        ("0DTJ4ZZ", day("2014-08-16"))
    );
}

#[test]
fn claim_procedures_that_name_no_procedure_performed_are_refused_by_kind_and_path() {
    let named = claim_bundle(claim_with_procedure("Procedure/example"), &[]);
    let change = |f: &dyn Fn(&mut Value)| {
        let mut b = named.clone();
        f(&mut b);
        fhir::bundle_treatments(&b)
    };
    // A procedureSequence that is the sequence of no entry, or not a positive integer.
    assert_refused(
        change(&|b| b["entry"][0]["resource"]["item"][0]["procedureSequence"] = json!([2])),
        Problem::Missing,
        "item[0].procedureSequence[0] is 2, the sequence of no procedure entry",
    );
    assert_refused(
        change(&|b| b["entry"][0]["resource"]["item"][0]["procedureSequence"] = json!([0])),
        Problem::Structure,
        "item[0].procedureSequence[0] is 0, not a positive integer",
    );
    assert_refused(
        change(&|b| {
            let procedure = b["entry"][0]["resource"]["procedure"][0].clone();
            b["entry"][0]["resource"]["procedure"]
                .as_array_mut()
                .unwrap()
                .push(procedure);
        }),
        Problem::Structure,
        "the sequence of 2 entries (procedure[0], procedure[1])",
    );
    // An entry with neither a concept nor a reference.
    assert_refused(
        change(&|b| b["entry"][0]["resource"]["procedure"][0] = json!({"sequence": 1})),
        Problem::Missing,
        "procedure[0] has no procedureCodeableConcept and no procedureReference",
    );
    // References that do not resolve to a Procedure.
    let err = assert_refused(
        change(&|b| {
            b["entry"][0]["resource"]["procedure"][0]["procedureReference"]["reference"] =
                json!("Procedure/other")
        }),
        Problem::Reference,
        "procedure[0].procedureReference reference \"Procedure/other\" resolves to no entry",
    );
    assert_eq!(err.resource, "Claim/100150");
    assert!(err.reason.contains("item[0].procedureSequence[0]"), "{err}");
    assert_refused(
        change(&|b| {
            b["entry"][0]["resource"]["procedure"][0]["procedureReference"]["reference"] =
                json!("#p1")
        }),
        Problem::Reference,
        "\"#p1\" names no contained resource",
    );
    assert_refused(
        change(&|b| b["entry"][1]["resource"]["resourceType"] = json!("Observation")),
        Problem::Reference,
        "\"Procedure/example\" resolves to a Observation, not a Procedure",
    );
    assert_refused(
        change(&|b| {
            b["entry"][0]["resource"]["procedure"][0]["procedureReference"]["reference"] =
                json!("http://example.org/fhir/Claim/100150")
        }),
        Problem::Reference,
        "resolves to a Claim, not a Procedure",
    );
    assert_refused(
        change(&|b| {
            b["entry"][0]["resource"]["procedure"][0]["procedureReference"] =
                json!({"display": "Appendectomy"})
        }),
        Problem::Missing,
        "procedure[0].procedureReference has no reference to a Procedure to follow",
    );
    // A relative reference outside a bundle and not contained.
    assert_refused(
        fhir::treatments(&claim_with_procedure("Procedure/example")),
        Problem::Reference,
        "the claim comes in no bundle to resolve it in",
    );
    // Two Procedures under one reference.
    assert_refused(
        fhir::bundle_treatments(&claim_bundle(
            claim_with_procedure("Procedure/example"),
            &[("urn:uuid:again", hl7("Procedure-example.json"))],
        )),
        Problem::Reference,
        "matches 2 entries of the bundle",
    );
    // A Procedure entered in error, not done, or without a code.
    for status in ["entered-in-error", "not-done"] {
        let err = assert_refused(
            change(&|b| b["entry"][1]["resource"]["status"] = json!(status)),
            Problem::Status,
            &format!("is Procedure/example: status is {status:?}"),
        );
        assert!(
            err.reason.contains("procedure[0].procedureReference"),
            "{err}"
        );
        let mut procedure = hl7("Procedure-example.json");
        procedure["status"] = json!(status);
        assert_refused(
            fhir::treatments(&claim_containing(procedure)),
            Problem::Status,
            "is Procedure/p1: status is",
        );
    }
    assert_refused(
        change(&|b| {
            b["entry"][1]["resource"]
                .as_object_mut()
                .unwrap()
                .remove("code");
        }),
        Problem::Missing,
        "is Procedure/example: no code",
    );
    // Other statuses (in progress, stopped, …) bill a procedure begun.
    assert!(change(&|b| b["entry"][1]["resource"]["status"] = json!("stopped")).is_ok());
    // Procedures of different codes under one item.
    assert_refused(
        change(&|b| {
            let claim = &mut b["entry"][0]["resource"];
            claim["procedure"].as_array_mut().unwrap().push(
                json!({"sequence": 2, "procedureCodeableConcept": {"coding": [{"code": "0DTJ4ZZ"}]}}),
            );
            claim["item"][0]["procedureSequence"] = json!([1, 2]);
        }),
        Problem::Unsupported,
        "item[0].procedureSequence names procedures of different codes (80146002 at \
         procedure[0], 0DTJ4ZZ at procedure[1])",
    );
    // A Procedure performed over several days gives the item no day.
    assert_refused(
        change(&|b| {
            let claim = &mut b["entry"][0]["resource"];
            claim["item"][0]
                .as_object_mut()
                .unwrap()
                .remove("servicedDate");
            let procedure = b["entry"][1]["resource"].as_object_mut().unwrap();
            procedure.remove("performedDateTime");
            procedure.insert(
                "performedPeriod".into(),
                json!({"start": "2013-04-05", "end": "2013-04-06"}),
            );
        }),
        Problem::Unsupported,
        "item[0] has no single day of service",
    );
}
