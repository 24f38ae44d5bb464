//! The shipped schemas' tables: for each schema, the position, name and kind of every slot.
//!
//! Each submodule ([`vaccination`], [`identity`], [`coverage`], [`recovery`],
//! [`test`](mod@test), [`treatment`]) names its slot positions as constants and builds its [`Schema`]
//! (`SCHEMA`) from one table that uses them;
//! [`Schema::new`] checks, when the `const` is evaluated, that position `i` is row `i` and that
//! names are unique, so a table cannot be misnumbered. The relation (`zkhealth_circuits`) knows
//! only the [`Schema`] type; [`ALL`] is the catalog that resolves a schema's short name in a
//! file ([`by_name`], [`resolve_policy`], [`resolve_credential`], [`policy_from_json`]).
//!
//! ```
//! use zkhealth_records::schema::{self, vaccination};
//!
//! assert_eq!(vaccination::SCHEMA.slot("country")?, vaccination::COUNTRY);
//! assert_eq!(schema::by_name("vaccination"), Some(vaccination::SCHEMA));
//!
//! let policy = schema::policy_from_json(
//!     r#"{"schema": "identity", "issuer": "NL-RIVM", "conditions": [], "disclose": [0]}"#,
//! )?;
//! assert_eq!(policy.schema, schema::identity::SCHEMA);
//! # Ok::<(), zkhealth_circuits::Error>(())
//! ```

pub use zkhealth_circuits::credential::{Schema, Slot, SlotKind};
use zkhealth_circuits::{
    credential::{Credential, CredentialSpec},
    policy::{Policy, PolicySpec},
    Error,
};

const fn slot(position: usize, name: &'static str, kind: SlotKind) -> Slot {
    Slot {
        position,
        name,
        kind,
    }
}

/// Vaccination: an EU DCC vaccination entry plus the holder's birth-date interval
/// (`zkhealth/vaccination/v1`).
pub mod vaccination {
    use super::{slot, Schema, SlotKind::*};

    /// Target disease (SNOMED CT code, e.g. `840539006` for COVID-19).
    pub const DISEASE: usize = 0;
    /// Vaccine or prophylaxis type (SNOMED CT or ATC code).
    pub const VACCINE: usize = 1;
    /// Medicinal product (EU authorisation number, e.g. `EU/1/20/1528`).
    pub const PRODUCT: usize = 2;
    /// Marketing-authorisation holder (EMA organisation id).
    pub const MANUFACTURER: usize = 3;
    /// Dose number in the series.
    pub const DOSE_NUMBER: usize = 4;
    /// Total doses in the series.
    pub const TOTAL_DOSES: usize = 5;
    /// Day of vaccination.
    pub const DATE: usize = 6;
    /// Country of vaccination (ISO 3166-1 alpha-2).
    pub const COUNTRY: usize = 7;
    /// Earliest possible birth date (`YYYYMMDD`).
    pub const DOB_EARLIEST: usize = 8;
    /// Latest possible birth date (`YYYYMMDD`).
    pub const DOB_LATEST: usize = 9;

    /// The vaccination schema.
    pub const SCHEMA: Schema = Schema::new(
        "zkhealth/vaccination/v1",
        "vaccination",
        &[
            slot(DISEASE, "disease", Code),
            slot(VACCINE, "vaccine", Code),
            slot(PRODUCT, "product", Code),
            slot(MANUFACTURER, "manufacturer", Code),
            slot(DOSE_NUMBER, "dose_number", Number),
            slot(TOTAL_DOSES, "total_doses", Number),
            slot(DATE, "date", Day),
            slot(COUNTRY, "country", Code),
            slot(DOB_EARLIEST, "dob_earliest", Ymd),
            slot(DOB_LATEST, "dob_latest", Ymd),
        ],
    );
}

/// Identity: birth-date interval and nationality (`zkhealth/identity/v1`); the birth dates are
/// at the same slots as in vaccination credentials.
pub mod identity {
    use super::{slot, Schema, SlotKind::*};

    /// Nationality (ISO 3166-1 alpha-2).
    pub const NATIONALITY: usize = 0;
    /// Earliest possible birth date (`YYYYMMDD`).
    pub const DOB_EARLIEST: usize = 8;
    /// Latest possible birth date (`YYYYMMDD`).
    pub const DOB_LATEST: usize = 9;

    /// The identity schema.
    pub const SCHEMA: Schema = Schema::new(
        "zkhealth/identity/v1",
        "identity",
        &[
            slot(NATIONALITY, "nationality", Code),
            slot(1, "unused1", Unused),
            slot(2, "unused2", Unused),
            slot(3, "unused3", Unused),
            slot(4, "unused4", Unused),
            slot(5, "unused5", Unused),
            slot(6, "unused6", Unused),
            slot(7, "unused7", Unused),
            slot(DOB_EARLIEST, "dob_earliest", Ymd),
            slot(DOB_LATEST, "dob_latest", Ymd),
        ],
    );
}

/// Coverage: health insurance (`zkhealth/coverage/v1`).
pub mod coverage {
    use super::{slot, Schema, SlotKind::*};

    /// Payer (insurer) id.
    pub const PAYER: usize = 0;
    /// Plan id.
    pub const PLAN: usize = 1;
    /// Status code (e.g. `active`).
    pub const STATUS: usize = 2;
    /// First covered day.
    pub const PERIOD_START: usize = 3;
    /// Last covered day.
    pub const PERIOD_END: usize = 4;
    /// Annual limit, in the currency's minor unit (below 2^32).
    pub const ANNUAL_LIMIT: usize = 5;
    /// First of the covered service-category slots.
    pub const CATEGORIES: usize = 6;
    /// How many service categories a coverage credential can list.
    pub const MAX_CATEGORIES: usize = 4;

    /// The coverage schema.
    pub const SCHEMA: Schema = Schema::new(
        "zkhealth/coverage/v1",
        "coverage",
        &[
            slot(PAYER, "payer", Code),
            slot(PLAN, "plan", Code),
            slot(STATUS, "status", Code),
            slot(PERIOD_START, "period_start", Day),
            slot(PERIOD_END, "period_end", Day),
            slot(ANNUAL_LIMIT, "annual_limit", Number),
            slot(CATEGORIES, "category1", Code),
            slot(CATEGORIES + 1, "category2", Code),
            slot(CATEGORIES + 2, "category3", Code),
            slot(CATEGORIES + 3, "category4", Code),
        ],
    );

    // The table has one slot per category, the last one at the end of the credential.
    const _: () = assert!(CATEGORIES + MAX_CATEGORIES == zkhealth_circuits::credential::NUM_SLOTS);
}

/// Recovery: an EU DCC recovery entry plus the holder's birth-date interval
/// (`zkhealth/recovery/v1`).
pub mod recovery {
    use super::{slot, Schema, SlotKind::*};

    /// Disease or agent the holder recovered from (`r.tg`).
    pub const DISEASE: usize = 0;
    /// Day of the first positive test (`r.fr`).
    pub const FIRST_POSITIVE: usize = 1;
    /// First day the certificate is valid (`r.df`).
    pub const VALID_FROM: usize = 2;
    /// Last day the certificate is valid (`r.du`).
    pub const VALID_UNTIL: usize = 3;
    /// Country of the test (`r.co`).
    pub const COUNTRY: usize = 4;
    /// Earliest possible birth date (`YYYYMMDD`).
    pub const DOB_EARLIEST: usize = 8;
    /// Latest possible birth date (`YYYYMMDD`).
    pub const DOB_LATEST: usize = 9;

    /// The recovery schema.
    pub const SCHEMA: Schema = Schema::new(
        "zkhealth/recovery/v1",
        "recovery",
        &[
            slot(DISEASE, "disease", Code),
            slot(FIRST_POSITIVE, "first_positive", Day),
            slot(VALID_FROM, "valid_from", Day),
            slot(VALID_UNTIL, "valid_until", Day),
            slot(COUNTRY, "country", Code),
            slot(5, "unused5", Unused),
            slot(6, "unused6", Unused),
            slot(7, "unused7", Unused),
            slot(DOB_EARLIEST, "dob_earliest", Ymd),
            slot(DOB_LATEST, "dob_latest", Ymd),
        ],
    );
}

/// Test: an EU DCC test entry plus the holder's birth-date interval (`zkhealth/test/v1`).
pub mod test {
    use super::{slot, Schema, SlotKind::*};

    /// Disease or agent targeted (`t.tg`).
    pub const DISEASE: usize = 0;
    /// Type of test (`t.tt`, e.g. `LP6464-4`, a NAAT).
    pub const TEST_TYPE: usize = 1;
    /// Result (`t.tr`, e.g. `260415000`, not detected).
    pub const RESULT: usize = 2;
    /// Day of sample collection, in UTC (`t.sc`).
    pub const SAMPLE_DAY: usize = 3;
    /// Country of the test (`t.co`).
    pub const COUNTRY: usize = 4;
    /// Testing centre (`t.tc`), when it is a code; `0` otherwise.
    pub const CENTRE: usize = 5;
    /// Earliest possible birth date (`YYYYMMDD`).
    pub const DOB_EARLIEST: usize = 8;
    /// Latest possible birth date (`YYYYMMDD`).
    pub const DOB_LATEST: usize = 9;

    /// The test schema.
    pub const SCHEMA: Schema = Schema::new(
        "zkhealth/test/v1",
        "test",
        &[
            slot(DISEASE, "disease", Code),
            slot(TEST_TYPE, "test_type", Code),
            slot(RESULT, "result", Code),
            slot(SAMPLE_DAY, "sample_day", Day),
            slot(COUNTRY, "country", Code),
            slot(CENTRE, "centre", Code),
            slot(6, "unused6", Unused),
            slot(7, "unused7", Unused),
            slot(DOB_EARLIEST, "dob_earliest", Ymd),
            slot(DOB_LATEST, "dob_latest", Ymd),
        ],
    );
}

/// Treatment: one treatment given by a provider, as the provider's registry records it for a
/// claim (`zkhealth/treatment/v1`).
pub mod treatment {
    use super::{slot, Schema, SlotKind::*};

    /// Provider id (the organisation that gave the treatment).
    pub const PROVIDER: usize = 0;
    /// Service category (the coverage's categories name the same codes).
    pub const CATEGORY: usize = 1;
    /// Procedure code (SNOMED CT or the claim's own coding).
    pub const PROCEDURE: usize = 2;
    /// Day of service.
    pub const DATE: usize = 3;
    /// Amount billed, in the currency's minor unit (below 2^32).
    pub const AMOUNT: usize = 4;
    /// The treatment's identifier at its provider (what makes a claim of it unique).
    pub const TREATMENT_ID: usize = 5;

    /// The treatment schema.
    pub const SCHEMA: Schema = Schema::new(
        "zkhealth/treatment/v1",
        "treatment",
        &[
            slot(PROVIDER, "provider", Code),
            slot(CATEGORY, "category", Code),
            slot(PROCEDURE, "procedure", Code),
            slot(DATE, "date", Day),
            slot(AMOUNT, "amount", Number),
            slot(TREATMENT_ID, "treatment_id", Code),
            slot(6, "unused6", Unused),
            slot(7, "unused7", Unused),
            slot(8, "unused8", Unused),
            slot(9, "unused9", Unused),
        ],
    );
}

/// The shipped schemas.
pub const ALL: [Schema; 6] = [
    vaccination::SCHEMA,
    identity::SCHEMA,
    coverage::SCHEMA,
    recovery::SCHEMA,
    test::SCHEMA,
    treatment::SCHEMA,
];

/// The shipped schema with this short name (`"vaccination"`, `"identity"`, `"coverage"`,
/// `"recovery"`, `"test"`, `"treatment"`).
pub fn by_name(short_name: &str) -> Option<Schema> {
    ALL.into_iter().find(|s| s.short_name() == short_name)
}

/// A policy read from a file, its schema resolved among the shipped ones
/// ([`Error::UnknownSchema`] for any other name).
pub fn resolve_policy(spec: PolicySpec) -> Result<Policy, Error> {
    spec.resolve(by_name)
}

/// A credential read from a file, its schema resolved among the shipped ones
/// ([`Error::UnknownSchema`] for any other name).
pub fn resolve_credential(spec: CredentialSpec) -> Result<Credential, Error> {
    spec.resolve(by_name)
}

/// A policy from the JSON of a policy file: [`Error::InvalidPolicy`] if it is not one,
/// [`Error::UnknownSchema`] if its schema is not a shipped one.
pub fn policy_from_json(json: &str) -> Result<Policy, Error> {
    let spec: PolicySpec = serde_json::from_str(json)
        .map_err(|e| Error::InvalidPolicy(format!("not a policy file: {e}")))?;
    resolve_policy(spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims;

    #[test]
    fn by_name_finds_each_shipped_schema_and_nothing_else() {
        for schema in ALL {
            assert_eq!(by_name(schema.short_name()), Some(schema));
            assert_eq!(
                schema.name(),
                format!("zkhealth/{}/v1", schema.short_name())
            );
        }
        assert_eq!(by_name("Vaccination"), None);
        assert_eq!(by_name("zkhealth/vaccination/v1"), None);
        assert_eq!(by_name(""), None);
    }

    #[test]
    fn a_policy_file_round_trips_byte_for_byte() {
        let mut policy = claims::standard_vaccination("NL-RIVM").unwrap();
        policy.disclose = vec![vaccination::COUNTRY];
        for json in [
            serde_json::to_string(&policy).unwrap(),
            serde_json::to_string_pretty(&policy).unwrap(),
        ] {
            let back = policy_from_json(&json).unwrap();
            assert_eq!(back, policy);
            let again = if json.contains('\n') {
                serde_json::to_string_pretty(&back).unwrap()
            } else {
                serde_json::to_string(&back).unwrap()
            };
            assert_eq!(again, json);
        }
    }

    #[test]
    fn an_unknown_schema_is_a_typed_error() {
        let json = r#"{"schema":"passport","issuer":"NL-RIVM","conditions":[]}"#;
        assert_eq!(
            policy_from_json(json),
            Err(Error::UnknownSchema("passport".into()))
        );
        let spec: PolicySpec = serde_json::from_str(json).unwrap();
        assert_eq!(
            resolve_policy(spec),
            Err(Error::UnknownSchema("passport".into()))
        );
    }

    #[test]
    fn a_malformed_policy_file_is_an_invalid_policy() {
        for json in [
            r#"{"schema": "#,
            r#"{"schema":"vaccination","issuer":"NL-RIVM","conditions":[],"extra":1}"#,
            r#"{"schema":7,"issuer":"NL-RIVM","conditions":[]}"#,
        ] {
            assert!(
                matches!(policy_from_json(json), Err(Error::InvalidPolicy(_))),
                "{json}"
            );
        }
    }
}
