//! The shipped schemas' ids, slot positions and a claim's query hash, pinned: the values a
//! registry's commitments and a verifier's accepted query hashes depend on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use zkhealth_circuits::{field::fr_to_hex, policy::PolicySpec, Error};
use zkhealth_records::{
    claims,
    schema::{self, coverage, identity, recovery, test, treatment, vaccination, Schema, SlotKind},
};

/// `claims::standard_vaccination("NL-RIVM")` as JSON.
const STANDARD_VACCINATION_JSON: &str = concat!(
    r#"{"schema":"vaccination","issuer":"NL-RIVM","conditions":["#,
    r#"{"slots":[2],"op":"in","values":[{"code":"EU/1/20/1528"},{"code":"EU/1/20/1507"},"#,
    r#"{"code":"EU/1/21/1529"},{"code":"EU/1/20/1525"},{"code":"EU/1/21/1618"},"#,
    r#"{"code":"EU/1/21/1580"},{"code":"EU/1/21/1624"},{"code":"EU/1/22/1709"}]},"#,
    r#"{"slots":[4],"op":"ge","values":[{"number":2}]},"#,
    r#"{"slots":[6],"op":"between","values":[{"days_from_today":-365},{"days_from_today":-14}]},"#,
    r#"{"slots":[9],"op":"le","values":[{"years_from_today":-18}]}],"disclose":[]}"#
);

#[test]
fn schema_ids_are_pinned() {
    let pins = [
        (
            vaccination::SCHEMA,
            "0x0000000000000000007a6b6865616c74682f76616363696e6174696f6e2f7631",
        ),
        (
            identity::SCHEMA,
            "0x0000000000000000000000007a6b6865616c74682f6964656e746974792f7631",
        ),
        (
            coverage::SCHEMA,
            "0x0000000000000000000000007a6b6865616c74682f636f7665726167652f7631",
        ),
        (
            recovery::SCHEMA,
            "0x0000000000000000000000007a6b6865616c74682f7265636f766572792f7631",
        ),
        (
            test::SCHEMA,
            "0x000000000000000000000000000000007a6b6865616c74682f746573742f7631",
        ),
        (
            treatment::SCHEMA,
            "0x00000000000000000000007a6b6865616c74682f74726561746d656e742f7631",
        ),
    ];
    for (schema, id) in pins {
        assert_eq!(fr_to_hex(&schema.id()), id, "{schema:?}");
    }
}

#[test]
fn slot_positions_are_pinned() {
    use vaccination::*;
    assert_eq!(
        [
            DISEASE,
            VACCINE,
            PRODUCT,
            MANUFACTURER,
            DOSE_NUMBER,
            TOTAL_DOSES,
            DATE,
            COUNTRY,
            DOB_EARLIEST,
            DOB_LATEST
        ],
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    );
    assert_eq!(
        [
            identity::NATIONALITY,
            identity::DOB_EARLIEST,
            identity::DOB_LATEST
        ],
        [0, 8, 9]
    );
    assert_eq!(
        [
            coverage::PAYER,
            coverage::PLAN,
            coverage::STATUS,
            coverage::PERIOD_START,
            coverage::PERIOD_END,
            coverage::ANNUAL_LIMIT,
            coverage::CATEGORIES,
            coverage::MAX_CATEGORIES
        ],
        [0, 1, 2, 3, 4, 5, 6, 4]
    );
    assert_eq!(
        [
            recovery::DISEASE,
            recovery::FIRST_POSITIVE,
            recovery::VALID_FROM,
            recovery::VALID_UNTIL,
            recovery::COUNTRY,
            recovery::DOB_EARLIEST,
            recovery::DOB_LATEST
        ],
        [0, 1, 2, 3, 4, 8, 9]
    );
    assert_eq!(
        [
            test::DISEASE,
            test::TEST_TYPE,
            test::RESULT,
            test::SAMPLE_DAY,
            test::COUNTRY,
            test::CENTRE,
            test::DOB_EARLIEST,
            test::DOB_LATEST
        ],
        [0, 1, 2, 3, 4, 5, 8, 9]
    );
}

#[test]
fn slot_names_and_kinds_are_pinned() {
    use SlotKind::*;
    let table = |schema: Schema| -> Vec<(&'static str, SlotKind)> {
        for (i, slot) in schema.slots().iter().enumerate() {
            assert_eq!(slot.position, i, "{schema:?}");
        }
        schema.slots().iter().map(|s| (s.name, s.kind)).collect()
    };
    assert_eq!(
        table(vaccination::SCHEMA),
        [
            ("disease", Code),
            ("vaccine", Code),
            ("product", Code),
            ("manufacturer", Code),
            ("dose_number", Number),
            ("total_doses", Number),
            ("date", Day),
            ("country", Code),
            ("dob_earliest", Ymd),
            ("dob_latest", Ymd),
        ]
    );
    assert_eq!(
        table(identity::SCHEMA),
        [
            ("nationality", Code),
            ("unused1", Unused),
            ("unused2", Unused),
            ("unused3", Unused),
            ("unused4", Unused),
            ("unused5", Unused),
            ("unused6", Unused),
            ("unused7", Unused),
            ("dob_earliest", Ymd),
            ("dob_latest", Ymd),
        ]
    );
    assert_eq!(
        table(coverage::SCHEMA),
        [
            ("payer", Code),
            ("plan", Code),
            ("status", Code),
            ("period_start", Day),
            ("period_end", Day),
            ("annual_limit", Number),
            ("category1", Code),
            ("category2", Code),
            ("category3", Code),
            ("category4", Code),
        ]
    );
}

#[test]
fn standard_vaccination_query_hash_is_pinned() {
    let policy = claims::standard_vaccination("NL-RIVM").unwrap();
    assert_eq!(
        fr_to_hex(&policy.query_hash(&[]).unwrap()),
        "0x3020443dee2c796552f4f4ed0e9b5385af801e283bcfac26db5093e7f204ea1b"
    );
    let disclosing = claims::Claims::vaccination("NL-RIVM")
        .dose_at_least(2)
        .disclose("country")
        .build()
        .unwrap();
    let nl = zkhealth_records::codes::encode("NL").unwrap();
    assert_eq!(
        fr_to_hex(&disclosing.query_hash(&[nl]).unwrap()),
        "0x143360b641cd3038beb99305ead7e455fc50ef79a211968a4af3a92fffac6476"
    );
}

#[test]
fn standard_vaccination_policy_json_is_pinned() {
    let policy = claims::standard_vaccination("NL-RIVM").unwrap();
    assert_eq!(
        serde_json::to_string(&policy).unwrap(),
        STANDARD_VACCINATION_JSON
    );
}

#[test]
fn the_pinned_policy_file_round_trips_byte_for_byte() {
    let policy = schema::policy_from_json(STANDARD_VACCINATION_JSON).unwrap();
    assert_eq!(policy, claims::standard_vaccination("NL-RIVM").unwrap());
    assert_eq!(
        serde_json::to_string(&policy).unwrap(),
        STANDARD_VACCINATION_JSON
    );
    let spec: PolicySpec = serde_json::from_str(STANDARD_VACCINATION_JSON).unwrap();
    assert_eq!(
        serde_json::to_string(&spec).unwrap(),
        STANDARD_VACCINATION_JSON
    );
    let resolved = schema::resolve_policy(spec).unwrap();
    assert_eq!(
        serde_json::to_string(&resolved).unwrap(),
        STANDARD_VACCINATION_JSON
    );
    assert_eq!(
        fr_to_hex(&resolved.query_hash(&[]).unwrap()),
        "0x3020443dee2c796552f4f4ed0e9b5385af801e283bcfac26db5093e7f204ea1b"
    );
}

#[test]
fn a_policy_file_with_an_unknown_schema_is_refused_by_name() {
    let json = STANDARD_VACCINATION_JSON.replace(r#""vaccination""#, r#""vaccination_v2""#);
    assert_eq!(
        schema::policy_from_json(&json),
        Err(Error::UnknownSchema("vaccination_v2".into()))
    );
}

#[test]
fn the_catalog_holds_the_six_schemas_under_distinct_names() {
    assert_eq!(
        schema::ALL,
        [
            vaccination::SCHEMA,
            identity::SCHEMA,
            coverage::SCHEMA,
            recovery::SCHEMA,
            test::SCHEMA,
            treatment::SCHEMA
        ]
    );
    let names: std::collections::HashSet<_> = schema::ALL.iter().map(|s| s.name()).collect();
    let short: std::collections::HashSet<_> = schema::ALL.iter().map(|s| s.short_name()).collect();
    let ids: std::collections::HashSet<_> = schema::ALL.iter().map(|s| s.id()).collect();
    assert_eq!((names.len(), short.len(), ids.len()), (6, 6, 6));
    for s in schema::ALL {
        assert_eq!(schema::by_name(s.short_name()), Some(s));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            format!("{:?}", s.short_name())
        );
    }
}
