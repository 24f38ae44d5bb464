//! The EU DCC value sets compiled in (`value_sets`) against the published files
//! (`../shared/testdata/dcc-valuesets/`), entry by entry, and the named codes against them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use zkhealth_records::{codes, value_sets};

#[test]
fn every_value_set_equals_its_published_file() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/dcc-valuesets");
    assert_eq!(value_sets::ALL.len(), 8);
    for set in value_sets::ALL {
        let text = std::fs::read_to_string(dir.join(format!("{}.json", set.file))).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["valueSetId"], set.id);
        assert_eq!(json["valueSetDate"], set.date);
        let mut published: Vec<(String, String, bool)> = json["valueSetValues"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(code, v)| {
                (
                    code.clone(),
                    v["display"].as_str().unwrap().to_owned(),
                    v["active"].as_bool().unwrap(),
                )
            })
            .collect();
        let mut ours: Vec<(String, String, bool)> = set
            .codes
            .iter()
            .map(|(c, d, a)| ((*c).to_owned(), (*d).to_owned(), *a))
            .collect();
        // The same entries (serde_json reads the object's members sorted by code).
        ours.sort();
        published.sort();
        assert_eq!(ours, published, "{}", set.file);
    }
}

#[test]
fn named_codes_have_their_display_names_and_others_are_unknown() {
    let named = [
        (codes::disease::COVID_19, "COVID-19"),
        (codes::product::COMIRNATY, "Comirnaty"),
        (codes::product::SPIKEVAX, "Spikevax"),
        (codes::manufacturer::BIONTECH, "Biontech Manufacturing GmbH"),
        (codes::vaccine::SARS_COV_2_MRNA, "SARS-CoV-2 mRNA vaccine"),
        (
            codes::test_type::NAAT,
            "Nucleic acid amplification with probe detection",
        ),
        (codes::test_result::NOT_DETECTED, "Not detected"),
        (codes::country::NL, "Netherlands"),
        (
            "1232",
            "Abbott Rapid Diagnostics, Panbio COVID-19 Ag Rapid Test",
        ),
    ];
    for (code, name) in named {
        assert_eq!(codes::display(code), Some(name), "{code}");
    }
    for product in codes::product::EU_AUTHORISED_COVID_19 {
        assert!(codes::display(product).is_some(), "{product}");
    }
    for unknown in ["EU/1/99/9999", "CVX-213", "", "840539006 ", "XX", "99999"] {
        assert_eq!(codes::display(unknown), None, "{unknown:?}");
    }
}
