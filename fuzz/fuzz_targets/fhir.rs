//! FHIR R4 JSON: Immunizations, Patients, Coverages, Claims with their Procedures and Bundles
//! through the mappings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkhealth_records::fhir;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let _ = fhir::vaccinations(&json, "NL");
    let _ = fhir::bundle_vaccinations(&json, "NL");
    let _ = fhir::vaccination(&json, Some(&json), "NL");
    let _ = fhir::coverages(&json);
    let _ = fhir::coverage_details(&json);
    let _ = fhir::treatments(&json);
    let _ = fhir::bundle_treatments(&json);
});
