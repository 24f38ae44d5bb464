//! The named EU DCC codes against the value sets themselves (`../shared/testdata/dcc-valuesets/`):
//! each code is in the value set it is listed under, with the display name given here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use zkhealth_records::codes;

#[test]
fn every_named_code_is_in_its_value_set_under_its_display_name() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/dcc-valuesets");
    for (code, set, name) in codes::VALUE_SET_NAMES {
        let text = std::fs::read_to_string(dir.join(format!("{set}.json"))).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let entry = &json["valueSetValues"][code];
        assert_eq!(entry["display"].as_str(), Some(*name), "{set} {code}");
        assert_eq!(codes::display(code), Some(*name));
    }
    assert_eq!(codes::VALUE_SET_NAMES.len(), 56);
    assert_eq!(codes::display(codes::product::COMIRNATY), Some("Comirnaty"));
    // Codes the crate does not name are unknown, whatever they look like.
    for unknown in ["EU/1/99/9999", "CVX-213", "", "840539006 ", "XX"] {
        assert_eq!(codes::display(unknown), None, "{unknown:?}");
    }
}
