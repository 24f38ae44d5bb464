//! FHIR R4 resources, as JSON, mapped to records: an Immunization with its Patient to a
//! [`VaccinationRecord`], a Coverage to a [`CoverageRecord`], one resource at a time or every
//! one of a Bundle; each item of a Claim to a [`TreatmentRecord`] ([`treatments`],
//! [`bundle_treatments`]), its procedure followed to the Procedure it references.
//!
//! ```text
//! Bundle ─ entry[] ─ fullUrl, resource ─┬─ Immunization ─ patient.reference ─→ Patient
//!                                       ├─ Coverage
//!                                       └─ Claim ─ item[].procedureSequence ─→ procedure[]
//!                                                  ─ procedureReference ─→ Procedure
//!                                                    (contained, #id, or a bundle entry)
//! ```
//!
//! - [`vaccination`] maps one Immunization, with its Patient if the caller has it;
//!   [`vaccinations`] maps every Immunization of a Bundle (or a lone Immunization), resolving
//!   each one's patient among the bundle's entries and numbering the doses by date where the
//!   resource does not number them; [`bundle_vaccinations`] does the same but keeps each entry's
//!   refusal apart, so that one Immunization the schema cannot hold does not hide the others.
//! - [`coverage`] maps one Coverage, [`coverage_details`] also reports its beneficiary and what
//!   did not fit, [`coverages`] maps every Coverage of a Bundle.
//!
//! The vaccination schema holds COVID-19 vaccinations. An Immunization whose vaccine code is not
//! a known COVID-19 vaccine (CVX or SNOMED CT), that was not given (`status` other than
//! `completed`), that is subpotent, whose date is not a day, or whose patient cannot be found is
//! refused, never guessed. Each refusal is a [`FhirError`] naming the resource and the kind of
//! [`Problem`].
//!
//! Nothing here checks who wrote a resource: a SMART Health Card's signature is checked (feature
//! `shc`) before its bundle comes here; a bare FHIR resource is as trustworthy as whoever passed
//! it.
//!
//! ```
//! use serde_json::json;
//! use zkhealth_records::{codes, fhir};
//!
//! let immunization = json!({
//!     "resourceType": "Immunization",
//!     "status": "completed",
//!     "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "208"}]},
//!     "patient": {"reference": "Patient/p1"},
//!     "occurrenceDateTime": "2021-05-02",
//!     "protocolApplied": [{"doseNumberPositiveInt": 2, "seriesDosesPositiveInt": 2}]
//! });
//! let patient = json!({"resourceType": "Patient", "id": "p1", "birthDate": "1980-07"});
//! let record = fhir::vaccination(&immunization, Some(&patient), codes::country::NL)?;
//! assert_eq!(record.product, codes::product::COMIRNATY);
//! assert_eq!((record.dose_number, record.total_doses), (2, 2));
//! # Ok::<(), fhir::FhirError>(())
//! ```

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
};

use serde_json::{Map, Value};
use zkhealth_circuits::date::{Day, DobInterval, Ymd};

use crate::{codes, schema, CoverageRecord, Record, TreatmentRecord, VaccinationRecord};

/// The CVX code system (CDC, vaccines administered).
pub const CVX: &str = "http://hl7.org/fhir/sid/cvx";
/// SNOMED CT.
pub const SNOMED_CT: &str = "http://snomed.info/sct";
/// FHIR's coverage class types (`group`, `plan`, …).
pub const COVERAGE_CLASS: &str = "http://terminology.hl7.org/CodeSystem/coverage-class";

/// The manufacturer of a vaccination whose vaccine code names no EU product and whose
/// Immunization names no manufacturer.
pub const UNKNOWN_MANUFACTURER: &str = "unknown";

/// The kind of problem that refused a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Problem {
    /// Not the JSON FHIR R4 defines: not an object, an element of the wrong type or format, an
    /// unexpected `resourceType`.
    Structure,
    /// An element the mapping needs is absent.
    Missing,
    /// The resource records something that does not count: an Immunization not `completed`
    /// or subpotent, a Coverage entered in error, a Claim entered in error or cancelled, a
    /// Procedure entered in error or not done.
    Status,
    /// Well-formed FHIR that the schema cannot hold: a vaccine that is not a known COVID-19
    /// vaccine, a date not precise to the day or given as free text, a value that is not a
    /// code (longer than 31 bytes, with a space, not ASCII), a Claim item naming procedures of
    /// different codes.
    Unsupported,
    /// A reference that does not resolve, or that names another resource than the one given.
    Reference,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Problem::Structure => "structure",
            Problem::Missing => "missing element",
            Problem::Status => "status",
            Problem::Unsupported => "unsupported",
            Problem::Reference => "reference",
        })
    }
}

/// Why a resource was refused: which one, the kind of problem, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("FHIR {resource}: {reason}")]
pub struct FhirError {
    /// The resource refused: `Type/id`, else its type and its bundle entry's `fullUrl` or
    /// position, else its type.
    pub resource: String,
    /// The kind of problem.
    pub problem: Problem,
    /// What was wrong, for people.
    pub reason: String,
}

impl FhirError {
    fn new(resource: impl Into<String>, problem: Problem, reason: impl Into<String>) -> Self {
        FhirError {
            resource: resource.into(),
            problem,
            reason: reason.into(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Vaccines.

/// An EU-authorised product that CVX codes name.
#[derive(Debug, Clone, Copy)]
struct EuProduct {
    product: &'static str,
    manufacturer: &'static str,
    /// Doses of the standard (primary) series.
    series: u32,
}

const COMIRNATY: EuProduct = EuProduct {
    product: codes::product::COMIRNATY,
    manufacturer: codes::manufacturer::BIONTECH,
    series: 2,
};
const SPIKEVAX: EuProduct = EuProduct {
    product: codes::product::SPIKEVAX,
    manufacturer: codes::manufacturer::MODERNA,
    series: 2,
};
const VAXZEVRIA: EuProduct = EuProduct {
    product: codes::product::VAXZEVRIA,
    manufacturer: codes::manufacturer::ASTRAZENECA,
    series: 2,
};
const JCOVDEN: EuProduct = EuProduct {
    product: codes::product::JCOVDEN,
    manufacturer: codes::manufacturer::JANSSEN,
    series: 1,
};
const NUVAXOVID: EuProduct = EuProduct {
    product: codes::product::NUVAXOVID,
    manufacturer: codes::manufacturer::NOVAVAX,
    series: 2,
};
const VALNEVA: EuProduct = EuProduct {
    product: codes::product::VALNEVA,
    manufacturer: codes::manufacturer::VALNEVA,
    series: 2,
};

/// What a vaccine code says: a COVID-19 vaccine of this type, and the EU product if it names
/// one.
#[derive(Debug, Clone)]
struct Vaccine {
    vaccine: String,
    /// `EU/…` for a known product, else `CVX-<code>` or `SNOMED-<code>`.
    product: String,
    eu: Option<EuProduct>,
}

/// A CVX code of a COVID-19 vaccine (CDC's CVX table and its COVID-19 vaccine related codes):
///
/// - Pfizer-BioNTech, mRNA, Comirnaty: 208, 217, 218, 219; bivalent 300, 301, 302; 2023–2024
///   formula 308, 309, 310; non-US bivalent 520.
/// - Moderna, mRNA, Spikevax: 207, 221, 227, 228; bivalent 229, 230; 2023–2024 formula 311,
///   312; non-US bivalent 519.
/// - AstraZeneca (ChAdOx1), J07BX03, Vaxzevria: 210.
/// - Janssen (Ad26), J07BX03, Jcovden: 212.
/// - Novavax, J07BX03, Nuvaxovid: 211; 2023–2024 formula 313.
/// - Valneva (VLA2001), J07BX03, COVID-19 Vaccine Valneva: 518.
/// - J07BX03 and no EU product (`CVX-<code>`): 213 (unspecified), 225 and 226 (Sanofi, D614,
///   not VidPrevtyn Beta), 500–517 (non-US products).
fn cvx(code: &str) -> Option<Vaccine> {
    use codes::vaccine::{COVID_19_VACCINES as ANY, SARS_COV_2_MRNA as MRNA};
    let (vaccine, eu) =
        match code {
            "208" | "217" | "218" | "219" | "300" | "301" | "302" | "308" | "309" | "310"
            | "520" => (MRNA, Some(COMIRNATY)),
            "207" | "221" | "227" | "228" | "229" | "230" | "311" | "312" | "519" => {
                (MRNA, Some(SPIKEVAX))
            }
            "210" => (ANY, Some(VAXZEVRIA)),
            "212" => (ANY, Some(JCOVDEN)),
            "211" | "313" => (ANY, Some(NUVAXOVID)),
            "518" => (ANY, Some(VALNEVA)),
            "213" | "225" | "226" | "500" | "501" | "502" | "503" | "504" | "505" | "506"
            | "507" | "508" | "509" | "510" | "511" | "512" | "513" | "514" | "515" | "516"
            | "517" => (ANY, None),
            _ => return None,
        };
    Some(Vaccine {
        vaccine: vaccine.into(),
        product: eu.map_or_else(|| format!("CVX-{code}"), |p| p.product.into()),
        eu,
    })
}

/// A SNOMED CT code of a COVID-19 vaccine type: the active codes of the EU DCC value set
/// `vaccine-prophylaxis` (2023-01-25). The code itself is the vaccine type; no product.
fn snomed(code: &str) -> Option<Vaccine> {
    let known = [
        codes::vaccine::SARS_COV_2_ANTIGEN,
        codes::vaccine::SARS_COV_2_MRNA,
        // SARS-CoV-2 recombinant spike protein antigen vaccine.
        "1162643001",
        // Inactivated whole SARS-CoV-2 antigen vaccine.
        "1157024006",
        // COVID-19 non-replicating viral vector vaccine.
        "29061000087103",
        // COVID-19 vaccine.
        "28531000087107",
        // SARS-CoV-2 virus-like particle antigen vaccine.
        "30141000087107",
        // SARS-CoV-2 DNA plasmid encoding spike protein vaccine.
        "1187593009",
    ];
    known.contains(&code).then(|| Vaccine {
        vaccine: code.into(),
        product: format!("SNOMED-{code}"),
        eu: None,
    })
}

// ---------------------------------------------------------------------------------------------
// Reading JSON.

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// `display` as a code: its whitespace removed.
fn squeeze(display: &str) -> String {
    display.split_whitespace().collect()
}

/// A resource being mapped: its JSON object and how errors name it.
struct Resource<'a> {
    json: &'a Map<String, Value>,
    label: String,
}

/// The parts of a FHIR `Reference`.
struct ReferenceParts<'a> {
    reference: Option<&'a str>,
    identifier: Option<&'a str>,
    display: Option<&'a str>,
}

impl<'a> Resource<'a> {
    /// `value` as a resource of type `expected`; `at` names where it was found (a bundle
    /// entry's `fullUrl` or position).
    fn new(value: &'a Value, expected: &str, at: Option<&str>) -> Result<Self, FhirError> {
        let Some(json) = value.as_object() else {
            return Err(FhirError::new(
                expected,
                Problem::Structure,
                format!("expected a JSON object, found {}", kind_of(value)),
            ));
        };
        let id = json.get("id").and_then(Value::as_str);
        let named = json
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or(expected);
        let label = match (id, at) {
            (Some(id), _) => format!("{named}/{id}"),
            (None, Some(at)) => format!("{named} at {at}"),
            (None, None) => named.to_string(),
        };
        let resource = Resource { json, label };
        match json.get("resourceType") {
            Some(Value::String(t)) if t == expected => Ok(resource),
            Some(Value::String(t)) => Err(resource.err(
                Problem::Structure,
                format!("resourceType is {t:?}, expected {expected:?}"),
            )),
            Some(other) => Err(resource.err(
                Problem::Structure,
                format!("resourceType is {}, not a string", kind_of(other)),
            )),
            None => Err(resource.err(Problem::Structure, "no resourceType")),
        }
    }

    fn err(&self, problem: Problem, reason: impl Into<String>) -> FhirError {
        FhirError::new(self.label.clone(), problem, reason)
    }

    fn id(&self) -> Option<&'a str> {
        self.json.get("id").and_then(Value::as_str)
    }

    fn as_object(&self, value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, FhirError> {
        value.as_object().ok_or_else(|| {
            self.err(
                Problem::Structure,
                format!("{path} is {}, not an object", kind_of(value)),
            )
        })
    }

    fn string(
        &self,
        obj: &'a Map<String, Value>,
        parent: &str,
        key: &str,
    ) -> Result<Option<&'a str>, FhirError> {
        match obj.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.err(
                Problem::Structure,
                format!("{} is {}, not a string", join(parent, key), kind_of(other)),
            )),
        }
    }

    fn object(
        &self,
        obj: &'a Map<String, Value>,
        parent: &str,
        key: &str,
    ) -> Result<Option<&'a Map<String, Value>>, FhirError> {
        obj.get(key)
            .map(|v| self.as_object(v, &join(parent, key)))
            .transpose()
    }

    /// The array at `key`, empty if absent.
    fn array(
        &self,
        obj: &'a Map<String, Value>,
        parent: &str,
        key: &str,
    ) -> Result<&'a [Value], FhirError> {
        match obj.get(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(self.err(
                Problem::Structure,
                format!("{} is {}, not an array", join(parent, key), kind_of(other)),
            )),
        }
    }

    /// `(system, code)` of each coding of the CodeableConcept `concept` at `path`.
    fn codings(
        &self,
        concept: &'a Map<String, Value>,
        path: &str,
    ) -> Result<Vec<(Option<&'a str>, &'a str)>, FhirError> {
        let mut out = Vec::new();
        for (i, coding) in self.array(concept, path, "coding")?.iter().enumerate() {
            let at = format!("{path}.coding[{i}]");
            let coding = self.as_object(coding, &at)?;
            let system = self.string(coding, &at, "system")?;
            if let Some(code) = self.string(coding, &at, "code")? {
                out.push((system, code));
            }
        }
        Ok(out)
    }

    /// The organisation a Reference at `path` names: its identifier, else its reference, else
    /// its display (squeezed).
    fn party(&self, obj: &'a Map<String, Value>, path: &str) -> Result<String, FhirError> {
        let parts = self.reference_parts(obj, path)?;
        parts
            .identifier
            .or(parts.reference)
            .map(str::to_string)
            .or_else(|| parts.display.map(squeeze))
            .ok_or_else(|| {
                self.err(
                    Problem::Missing,
                    format!("{path} has no identifier, reference or display"),
                )
            })
    }

    fn reference_parts(
        &self,
        obj: &'a Map<String, Value>,
        path: &str,
    ) -> Result<ReferenceParts<'a>, FhirError> {
        let identifier = match self.object(obj, path, "identifier")? {
            Some(identifier) => self.string(identifier, &join(path, "identifier"), "value")?,
            None => None,
        };
        Ok(ReferenceParts {
            reference: self.string(obj, path, "reference")?,
            identifier,
            display: self.string(obj, path, "display")?,
        })
    }

    /// The days a FHIR `date` or `dateTime` (`time_allowed`) may denote: one day for a full date
    /// or a date-time (its date as written, in the offset it states), every day of its month
    /// or year for a partial date.
    fn days(&self, value: &str, path: &str, time_allowed: bool) -> Result<(Day, Day), FhirError> {
        let bad =
            |problem: Problem, why: &str| self.err(problem, format!("{path} {value:?} {why}"));
        let (date, time) = match value.split_once('T') {
            Some((date, time)) => (date, Some(time)),
            None => (value, None),
        };
        if let Some(time) = time {
            if !time_allowed {
                return Err(bad(
                    Problem::Structure,
                    "has a time where FHIR allows a date only",
                ));
            }
            if date.len() != 10 {
                return Err(bad(Problem::Structure, "has a time but not a full date"));
            }
            check_time(time).map_err(|why| bad(Problem::Structure, why))?;
        }
        let parsed = match date.len() {
            10 => date.parse::<Day>().map(|day| (day, day)),
            4 | 7 => {
                DobInterval::parse(date).map(|range| (range.earliest.day(), range.latest.day()))
            }
            _ => {
                return Err(bad(
                    Problem::Structure,
                    "is not YYYY, YYYY-MM or YYYY-MM-DD",
                ))
            }
        };
        parsed.map_err(|e| {
            let year = date.get(..4).and_then(|y| y.parse::<u32>().ok());
            if year.is_some_and(|y| y < 1900) && date.bytes().take(4).all(|b| b.is_ascii_digit()) {
                bad(
                    Problem::Unsupported,
                    "is before 1900, the first year a record's dates hold",
                )
            } else {
                bad(Problem::Structure, &format!("is not a date: {e}"))
            }
        })
    }
}

/// The time of a FHIR `dateTime`: `hh:mm:ss`, an optional fraction, and a zone (`Z` or
/// `±hh:mm`), which FHIR requires with a time.
fn check_time(time: &str) -> Result<(), &'static str> {
    const BAD: &str = "is not a date-time: a time is hh:mm:ss with a zone (Z or ±hh:mm)";
    let (clock, zone) = match time.strip_suffix('Z') {
        Some(clock) => (clock, None),
        None => {
            let at = time.rfind(['+', '-']).ok_or(BAD)?;
            (
                time.get(..at).ok_or(BAD)?,
                Some(time.get(at + 1..).ok_or(BAD)?),
            )
        }
    };
    let clock = match clock.split_once('.') {
        Some((clock, fraction)) => {
            if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
                return Err(BAD);
            }
            clock
        }
        None => clock,
    };
    let fields_ok = |s: &str, limits: &[u32]| {
        let parts: Vec<&str> = s.split(':').collect();
        parts.len() == limits.len()
            && parts.iter().zip(limits).all(|(p, max)| {
                p.len() == 2
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && p.parse::<u32>().is_ok_and(|n| n <= *max)
            })
    };
    if fields_ok(clock, &[23, 59, 60]) && zone.is_none_or(|z| fields_ok(z, &[14, 59])) {
        Ok(())
    } else {
        Err(BAD)
    }
}

/// `Type` and `id` of a relative reference `Type/id` (or `Type/id/_history/v`).
fn relative_type_id(reference: &str) -> Option<(&str, &str)> {
    if reference.contains(':') {
        return None;
    }
    let reference = reference
        .split_once("/_history/")
        .map_or(reference, |(r, _)| r);
    match reference.split('/').collect::<Vec<_>>().as_slice() {
        [ty, id] if !ty.is_empty() && !id.is_empty() => Some((ty, id)),
        _ => None,
    }
}

/// `Type` and `id` at the end of a `fullUrl` (`http://server/fhir/Type/id`).
fn url_type_id(full_url: &str) -> Option<(&str, &str)> {
    let mut parts = full_url.rsplit('/');
    let id = parts.next()?;
    let ty = parts.next()?;
    (!id.is_empty() && !ty.is_empty()).then_some((ty, id))
}

// ---------------------------------------------------------------------------------------------
// Bundles.

/// A bundle entry with a resource.
struct Entry<'a> {
    index: usize,
    full_url: Option<&'a str>,
    resource: &'a Value,
    resource_type: Option<&'a str>,
    id: Option<&'a str>,
}

impl Entry<'_> {
    /// Where in the bundle the entry is, for errors.
    fn at(&self) -> String {
        match self.full_url {
            Some(url) => url.to_string(),
            None => format!("entry[{}]", self.index),
        }
    }
}

/// The entries of `bundle` that hold a resource (a transaction's `DELETE` or `GET` entries hold
/// none).
fn entries<'a>(bundle: &Resource<'a>) -> Result<Vec<Entry<'a>>, FhirError> {
    let mut out = Vec::new();
    for (index, entry) in bundle.array(bundle.json, "", "entry")?.iter().enumerate() {
        let path = format!("entry[{index}]");
        let entry = bundle.as_object(entry, &path)?;
        let full_url = bundle.string(entry, &path, "fullUrl")?;
        let Some(resource) = entry.get("resource") else {
            continue;
        };
        let object = bundle.as_object(resource, &join(&path, "resource"))?;
        out.push(Entry {
            index,
            full_url,
            resource,
            resource_type: object.get("resourceType").and_then(Value::as_str),
            id: object.get("id").and_then(Value::as_str),
        });
    }
    Ok(out)
}

/// The entry `reference` points to: the entry whose `fullUrl` is the reference, else for a
/// relative reference `Type/id` the one entry whose resource has that type and id or whose
/// `fullUrl` ends in `/Type/id`.
fn resolve<'e, 'a>(entries: &'e [Entry<'a>], reference: &str) -> Result<&'e Entry<'a>, String> {
    if let Some(entry) = entries.iter().find(|e| e.full_url == Some(reference)) {
        return Ok(entry);
    }
    if let Some((ty, id)) = relative_type_id(reference) {
        let matches: Vec<&Entry> = entries
            .iter()
            .filter(|e| {
                (e.resource_type == Some(ty) && e.id == Some(id))
                    || e.full_url.and_then(url_type_id) == Some((ty, id))
            })
            .collect();
        match matches.as_slice() {
            [one] => return Ok(one),
            [] => {}
            several => {
                return Err(format!(
                    "{reference:?} matches {} entries of the bundle",
                    several.len()
                ))
            }
        }
    }
    Err(format!("{reference:?} resolves to no entry of the bundle"))
}

fn resource_type_of(value: &Value) -> Option<&str> {
    value.get("resourceType").and_then(Value::as_str)
}

fn not_bundle_or(found: &str, expected: &str) -> FhirError {
    FhirError::new(
        found,
        Problem::Structure,
        format!("resourceType is {found:?}, expected \"Bundle\" or {expected:?}"),
    )
}

// ---------------------------------------------------------------------------------------------
// Immunization.

/// An Immunization mapped but for its dose numbers and the birth date.
struct Draft {
    label: String,
    record: VaccinationRecord,
    /// `protocolApplied`'s dose number, if it states one.
    dose: Option<u32>,
    /// `protocolApplied`'s series doses, if it states them.
    series: Option<u32>,
    /// The product's standard series, if the product is known.
    standard_series: Option<u32>,
}

/// A draft of a bundle's Immunization with its patient: the patient's entry and birth date.
struct Placed {
    patient: usize,
    draft: Draft,
    dob: DobInterval,
}

/// Every day from 1900-01-01 to 2099-12-31: the birth date of a patient who has none.
fn unknown_dob() -> DobInterval {
    let first = Ymd::from_civil(1900, 1, 1);
    let last = Ymd::from_civil(2099, 12, 31);
    match (first, last) {
        (Ok(first), Ok(last)) => DobInterval {
            earliest: first,
            latest: last,
        },
        // Both dates are valid; the type only allows building it through fallible calls.
        _ => unreachable!("1900-01-01 and 2099-12-31 are valid dates"),
    }
}

/// The patient's birth date as an interval: `birthDate` as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`,
/// every day from 1900-01-01 to 2099-12-31 if the patient or the birth date is absent.
fn dob(patient: Option<&Resource>) -> Result<DobInterval, FhirError> {
    let Some(patient) = patient else {
        return Ok(unknown_dob());
    };
    match patient.string(patient.json, "", "birthDate")? {
        None => Ok(unknown_dob()),
        Some(birth_date) => {
            let (first, last) = patient.days(birth_date, "birthDate", false)?;
            DobInterval::new(first.ymd(), last.ymd())
                .map_err(|e| patient.err(Problem::Structure, e.to_string()))
        }
    }
}

/// A positive integer from `int_key` (`…PositiveInt`) or, if numeric, `string_key`
/// (`…String`).
fn positive(
    res: &Resource,
    obj: &Map<String, Value>,
    path: &str,
    int_key: &str,
    string_key: &str,
) -> Result<Option<u32>, FhirError> {
    if let Some(value) = obj.get(int_key) {
        return value
            .as_u64()
            .filter(|n| *n >= 1)
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                res.err(
                    Problem::Structure,
                    format!("{} is {value}, not a positive integer", join(path, int_key)),
                )
            });
    }
    Ok(res
        .string(obj, path, string_key)?
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|n| *n >= 1))
}

/// Dose number and series doses from `protocolApplied`: the entry whose `targetDisease` is
/// COVID-19, else the first.
fn protocol(res: &Resource) -> Result<(Option<u32>, Option<u32>), FhirError> {
    let applied = res.array(res.json, "", "protocolApplied")?;
    let mut chosen = None;
    for (i, item) in applied.iter().enumerate() {
        let path = format!("protocolApplied[{i}]");
        let item = res.as_object(item, &path)?;
        let mut covid = false;
        for (j, target) in res.array(item, &path, "targetDisease")?.iter().enumerate() {
            let at = format!("{path}.targetDisease[{j}]");
            let target = res.as_object(target, &at)?;
            covid |= res
                .codings(target, &at)?
                .contains(&(Some(SNOMED_CT), codes::disease::COVID_19));
        }
        if covid {
            chosen = Some((path, item));
            break;
        }
        if chosen.is_none() {
            chosen = Some((path, item));
        }
    }
    match chosen {
        None => Ok((None, None)),
        Some((path, item)) => Ok((
            positive(
                res,
                item,
                &path,
                "doseNumberPositiveInt",
                "doseNumberString",
            )?,
            positive(
                res,
                item,
                &path,
                "seriesDosesPositiveInt",
                "seriesDosesString",
            )?,
        )),
    }
}

fn system_name(system: Option<&str>) -> &str {
    match system {
        Some(CVX) => "CVX",
        Some(SNOMED_CT) => "SNOMED CT",
        Some(other) => other,
        None => "(no system)",
    }
}

/// The vaccine: the first CVX coding that is a known COVID-19 vaccine, else the first such
/// SNOMED CT coding.
fn vaccine(res: &Resource) -> Result<Vaccine, FhirError> {
    let concept = res
        .object(res.json, "", "vaccineCode")?
        .ok_or_else(|| res.err(Problem::Missing, "no vaccineCode"))?;
    let codings = res.codings(concept, "vaccineCode")?;
    let found = codings
        .iter()
        .filter(|(system, _)| *system == Some(CVX))
        .find_map(|(_, code)| cvx(code))
        .or_else(|| {
            codings
                .iter()
                .filter(|(system, _)| *system == Some(SNOMED_CT))
                .find_map(|(_, code)| snomed(code))
        });
    if let Some(found) = found {
        return Ok(found);
    }
    if codings.is_empty() {
        return Err(res.err(Problem::Missing, "vaccineCode has no coding"));
    }
    let named: Vec<String> = codings
        .iter()
        .map(|(system, code)| format!("{} {code}", system_name(*system)))
        .collect();
    Err(res.err(
        Problem::Unsupported,
        format!(
            "vaccine {} is not a COVID-19 vaccine the vaccination schema can hold (it holds \
             COVID-19 vaccinations, known by their CVX or SNOMED CT code)",
            named.join(", ")
        ),
    ))
}

/// Everything but dose numbers and birth date, in the order a reader would check: resource
/// type, country, status, subpotency, vaccine, date.
fn draft(res: &Resource, country: &str) -> Result<Draft, FhirError> {
    codes::country::country(country).map_err(|e| {
        res.err(
            Problem::Unsupported,
            format!("the country of vaccination: {e}"),
        )
    })?;
    match res.string(res.json, "", "status")? {
        Some("completed") => {}
        Some(status) => {
            return Err(res.err(
                Problem::Status,
                format!("status is {status:?}: only a completed immunization is a vaccination"),
            ))
        }
        None => return Err(res.err(Problem::Missing, "no status")),
    }
    match res.json.get("isSubpotent") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => {
            return Err(res.err(
                Problem::Status,
                "isSubpotent is true: a subpotent dose does not count",
            ))
        }
        Some(other) => {
            return Err(res.err(
                Problem::Structure,
                format!("isSubpotent is {}, not a boolean", kind_of(other)),
            ))
        }
    }
    let reasons = res.array(res.json, "", "subpotentReason")?;
    if !reasons.is_empty() {
        let mut named = Vec::new();
        for (i, reason) in reasons.iter().enumerate() {
            let path = format!("subpotentReason[{i}]");
            let reason = res.as_object(reason, &path)?;
            named.extend(
                res.codings(reason, &path)?
                    .into_iter()
                    .map(|(_, code)| code),
            );
        }
        return Err(res.err(
            Problem::Status,
            format!(
                "subpotentReason gives a reason the dose is subpotent ({}) although isSubpotent \
                 is not true: such a dose does not count",
                named.join(", ")
            ),
        ));
    }
    let vaccine = vaccine(res)?;
    let date = match res.string(res.json, "", "occurrenceDateTime")? {
        Some(value) => {
            let (first, last) = res.days(value, "occurrenceDateTime", true)?;
            if first != last {
                return Err(res.err(
                    Problem::Unsupported,
                    format!("occurrenceDateTime {value:?} is not precise to the day"),
                ));
            }
            first
        }
        None => match res.json.get("occurrenceString") {
            Some(text) => {
                return Err(res.err(
                    Problem::Unsupported,
                    format!("the date is free text (occurrenceString {text}), not a date"),
                ))
            }
            None => return Err(res.err(Problem::Missing, "no occurrenceDateTime")),
        },
    };
    let manufacturer = match vaccine.eu {
        Some(eu) => eu.manufacturer.to_string(),
        None => match res.object(res.json, "", "manufacturer")? {
            Some(m) => {
                let parts = res.reference_parts(m, "manufacturer")?;
                parts
                    .identifier
                    .map(str::to_string)
                    .or_else(|| parts.display.map(squeeze))
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| UNKNOWN_MANUFACTURER.into())
            }
            None => UNKNOWN_MANUFACTURER.into(),
        },
    };
    let (dose, series) = protocol(res)?;
    let record = VaccinationRecord {
        disease: codes::disease::COVID_19.into(),
        vaccine: vaccine.vaccine,
        product: vaccine.product,
        manufacturer,
        dose_number: 1,
        total_doses: 1,
        date,
        country: country.into(),
        dob: unknown_dob(),
    };
    check(&res.label, &record)?;
    Ok(Draft {
        label: res.label.clone(),
        record,
        dose,
        series,
        standard_series: vaccine.eu.map(|eu| eu.series),
    })
}

/// The record is one the schema can hold: every code a code, every date in range.
fn check(label: &str, record: &VaccinationRecord) -> Result<(), FhirError> {
    Record::Vaccination(record.clone())
        .to_slots()
        .map(|_| ())
        .map_err(|e| FhirError::new(label, Problem::Unsupported, e.to_string()))
}

/// The draft completed: `rank` is the dose's place by date among the patient's doses (1 for
/// a lone Immunization).
fn finish(draft: Draft, dob: DobInterval, rank: u32) -> Result<VaccinationRecord, FhirError> {
    let dose_number = draft.dose.unwrap_or(rank);
    let total_doses = draft
        .series
        .or(draft.standard_series)
        .unwrap_or(dose_number)
        .max(dose_number);
    let record = VaccinationRecord {
        dose_number,
        total_doses,
        dob,
        ..draft.record
    };
    check(&draft.label, &record)?;
    Ok(record)
}

/// One Immunization, with its Patient if the caller has it, as a vaccination record.
///
/// | record | from |
/// |---|---|
/// | `disease` | COVID-19 (`840539006`): every known vaccine code is a COVID-19 vaccine |
/// | `vaccine` | `vaccineCode`'s type: mRNA (`1119349007`), `J07BX03`, or a SNOMED CT type |
/// | `product` | `vaccineCode`'s EU product (`EU/…`), else `CVX-<code>` or `SNOMED-<code>` |
/// | `manufacturer` | the EU product's holder, else `manufacturer`, else `unknown` |
/// | `dose_number` | `protocolApplied.doseNumberPositiveInt`, else the rank by date |
/// | `total_doses` | `protocolApplied.seriesDosesPositiveInt`, else the product's series |
/// | `date` | `occurrenceDateTime` |
/// | `country` | the `country` argument |
/// | `dob` | the Patient's `birthDate`, else 1900-01-01 to 2099-12-31 |
///
/// - The vaccine codes known are the [`CVX`] codes of COVID-19 vaccines (CDC's table: 207,
///   208, 210–213, 217–219, 221, 225–230, 300–302, 308–313 and the non-US 500–520) and the
///   [SNOMED CT](SNOMED_CT) COVID-19 vaccine types of the EU DCC value set
///   `vaccine-prophylaxis`; a CVX coding is looked for before a SNOMED CT one. Any other
///   vaccine is refused: the schema's disease would be unknown.
/// - The vaccine type is mRNA for the Pfizer-BioNTech and Moderna CVX codes, `J07BX03`
///   (COVID-19 vaccines) for the other CVX codes, the code itself for a SNOMED CT type.
/// - The CVX codes of Pfizer-BioNTech, Moderna, AstraZeneca, Janssen, Novavax and Valneva
///   vaccines name the EU-authorised product and its marketing-authorisation holder (EMA
///   organisation id). For other codes the manufacturer is `manufacturer`'s identifier value,
///   else its display without whitespace, else [`UNKNOWN_MANUFACTURER`].
/// - Doses come from the `protocolApplied` entry whose `targetDisease` is COVID-19, else the
///   first; a numeric `doseNumberString` or `seriesDosesString` counts too. Without a dose
///   number the dose is 1 here, and its rank by date in [`bundle_vaccinations`]. Without
///   series doses the total is the product's standard series (1 for Jcovden, 2 for the other
///   EU products), else the dose number; it is never below the dose number.
/// - The date is `occurrenceDateTime`'s date, as written (for a date-time, in the offset it
///   states).
/// - An Immunization names no country (its `location` or `performer` would be an address at
///   best): the caller says where it issues.
/// - The birth date is `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, an interval of one day, month or
///   year.
///
/// Refused: a `resourceType` other than Immunization ([`Problem::Structure`]); a `status`
/// other than `completed`, `isSubpotent` true or a `subpotentReason` ([`Problem::Status`]); no
/// `vaccineCode`, no `status` or no `occurrenceDateTime` ([`Problem::Missing`]); a vaccine
/// code that is not a known COVID-19 vaccine, an `occurrenceString`, a date not precise to
/// the day, a `country` that is not an ISO 3166-1 alpha-2 code, or a value that cannot be a
/// code ([`Problem::Unsupported`]); a `patient` whose `Patient/id` reference names another id
/// than the Patient given ([`Problem::Reference`]).
pub fn vaccination(
    immunization: &Value,
    patient: Option<&Value>,
    country: &str,
) -> Result<VaccinationRecord, FhirError> {
    let res = Resource::new(immunization, "Immunization", None)?;
    let draft = draft(&res, country)?;
    let patient = patient
        .map(|p| Resource::new(p, "Patient", None))
        .transpose()?;
    if let Some(patient) = &patient {
        let reference = match res.object(res.json, "", "patient")? {
            Some(p) => res.string(p, "patient", "reference")?,
            None => None,
        };
        let named = reference.and_then(|r| relative_type_id(r).or_else(|| url_type_id(r)));
        if let (Some((ty, id)), Some(given)) = (named, patient.id()) {
            if ty != "Patient" || id != given {
                return Err(res.err(
                    Problem::Reference,
                    format!(
                        "patient.reference {:?} is not the Patient given ({})",
                        reference.unwrap_or_default(),
                        patient.label
                    ),
                ));
            }
        }
    }
    finish(draft, dob(patient.as_ref())?, 1)
}

/// One Immunization of a bundle and what it maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleVaccination {
    /// Its position in the bundle's `entry` array.
    pub entry: usize,
    /// Its entry's `fullUrl`, if it has one.
    pub full_url: Option<String>,
    /// The record, or why it was refused.
    pub record: Result<VaccinationRecord, FhirError>,
}

/// Every Immunization of a Bundle, each mapped as by [`vaccination`] with the Patient its
/// `patient.reference` resolves to among the bundle's entries, in bundle order.
///
/// The reference resolves to the entry whose `fullUrl` it is (`resource:0` in a SMART Health
/// Card, `urn:uuid:…`, an absolute URL), else, for a relative `Patient/id`, to the one entry
/// whose Patient has that id or whose `fullUrl` ends in `/Patient/id`. One that resolves to no
/// entry, to several, or to another resource than a Patient refuses that Immunization
/// ([`Problem::Reference`]).
///
/// A dose whose `protocolApplied` gives no dose number is numbered by its rank by date (then
/// bundle order) among the Immunizations of the same patient and disease that map; those
/// refused do not count.
///
/// Fails as a whole only if the bundle itself is malformed (not a Bundle, `entry` not an array
/// of objects).
pub fn bundle_vaccinations(
    bundle: &Value,
    country: &str,
) -> Result<Vec<BundleVaccination>, FhirError> {
    let b = Resource::new(bundle, "Bundle", None)?;
    let entries = entries(&b)?;
    let mut mapped: Vec<(&Entry, Result<Placed, FhirError>)> = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| e.resource_type == Some("Immunization"))
    {
        let at = entry.at();
        let result = Resource::new(entry.resource, "Immunization", Some(&at)).and_then(|res| {
            let draft = draft(&res, country)?;
            let reference = match res.object(res.json, "", "patient")? {
                Some(p) => res.string(p, "patient", "reference")?,
                None => None,
            }
            .ok_or_else(|| res.err(Problem::Missing, "no patient.reference"))?;
            let found = resolve(&entries, reference)
                .map_err(|why| res.err(Problem::Reference, format!("patient.reference {why}")))?;
            if found.resource_type != Some("Patient") {
                return Err(res.err(
                    Problem::Reference,
                    format!(
                        "patient.reference {reference:?} resolves to a {}, not a Patient",
                        found.resource_type.unwrap_or("resource without a type")
                    ),
                ));
            }
            let patient = Resource::new(found.resource, "Patient", Some(&found.at()))?;
            Ok(Placed {
                patient: found.index,
                draft,
                dob: dob(Some(&patient))?,
            })
        });
        mapped.push((entry, result));
    }
    // Rank among the mapped doses of the same patient and disease, by date then bundle order.
    let keys: Vec<Option<(usize, String, Day, usize)>> = mapped
        .iter()
        .map(|(entry, result)| {
            result.as_ref().ok().map(|placed| {
                (
                    placed.patient,
                    placed.draft.record.disease.clone(),
                    placed.draft.record.date,
                    entry.index,
                )
            })
        })
        .collect();
    let mut out = Vec::with_capacity(mapped.len());
    for ((entry, result), key) in mapped.into_iter().zip(&keys) {
        let record = result.and_then(|placed| {
            let rank = match key {
                Some((patient, disease, date, index)) => {
                    let earlier = keys
                        .iter()
                        .flatten()
                        .filter(|(p, d, t, i)| {
                            p == patient && d == disease && (t, i) < (date, index)
                        })
                        .count();
                    u32::try_from(earlier + 1).unwrap_or(u32::MAX)
                }
                None => 1,
            };
            finish(placed.draft, placed.dob, rank)
        });
        out.push(BundleVaccination {
            entry: entry.index,
            full_url: entry.full_url.map(str::to_string),
            record,
        });
    }
    Ok(out)
}

/// The vaccination records of a Bundle (every Immunization, as by [`bundle_vaccinations`]) or
/// of a lone Immunization (as by [`vaccination`] without a Patient).
///
/// Fails with the first refusal: every Immunization of the bundle must map. A bundle without
/// Immunizations gives no records. [`bundle_vaccinations`] keeps each entry's result instead.
pub fn vaccinations(
    bundle_or_resource: &Value,
    country: &str,
) -> Result<Vec<VaccinationRecord>, FhirError> {
    match resource_type_of(bundle_or_resource) {
        Some("Immunization") => vaccination(bundle_or_resource, None, country).map(|r| vec![r]),
        Some(other) if other != "Bundle" => Err(not_bundle_or(other, "Immunization")),
        _ => bundle_vaccinations(bundle_or_resource, country)?
            .into_iter()
            .map(|entry| entry.record)
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Coverage.

/// A Coverage `class`: its type code and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageClass {
    /// The type's code (`group`, `subplan`, `rxbin`, …).
    pub kind: String,
    /// The class's `value`.
    pub value: String,
}

/// A Coverage mapped, with what the record does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageDetails {
    /// The record.
    pub record: CoverageRecord,
    /// `beneficiary`: its reference, else its identifier's value, else its display.
    pub beneficiary: Option<String>,
    /// The classes beyond the first [`schema::coverage::MAX_CATEGORIES`] that became
    /// categories, in the order they were ranked.
    pub classes_left_out: Vec<CoverageClass>,
}

/// The coverage-class types, broadest first: the order in which classes become categories.
const CLASS_ORDER: [&str; 11] = [
    "group", "subgroup", "plan", "subplan", "class", "subclass", "sequence", "rxbin", "rxpcn",
    "rxid", "rxgroup",
];

/// One Coverage as a coverage record; what did not fit is in [`coverage_details`].
pub fn coverage(coverage: &Value) -> Result<CoverageRecord, FhirError> {
    coverage_details(coverage).map(|details| details.record)
}

/// One Coverage as a coverage record, with its beneficiary and the classes left out.
///
/// | record | from |
/// |---|---|
/// | `payer` | `payor[0]`: identifier value, else reference, else display without whitespace |
/// | `plan` | the value of the one `class` whose type is `plan` |
/// | `status` | `status` |
/// | `period_start` | `period.start`: its day, or the first day of a partial date |
/// | `period_end` | `period.end`: its day, or the last day of a partial date |
/// | `categories` | the values of the other classes, the first four by rank |
/// | `annual_limit` | 0 |
///
/// Classes are ranked by type in the order of FHIR's coverage-class code system, broadest
/// first (group, subgroup, subplan, class, subclass, sequence, rxbin, rxpcn, rxid, rxgroup;
/// other types last), then as listed, so the categories do not depend on the order of the
/// resource's list; those beyond the fourth are in [`CoverageDetails::classes_left_out`]. A
/// date-time gives its date as written.
///
/// A Coverage states no annual limit: `costToBeneficiary` is what the beneficiary pays (a
/// copay, a deductible), not what the payer covers. The limit is 0, so a claim "limit at least
/// N" never holds of a record from FHIR.
///
/// Refused: a `resourceType` other than Coverage ([`Problem::Structure`]); `status`
/// `entered-in-error` ([`Problem::Status`]); no `status`, no `payor`, no `plan` class, no
/// `period.start` or no `period.end` — the schema needs both ends ([`Problem::Missing`]);
/// several `plan` classes, or a value that cannot be a code ([`Problem::Unsupported`]).
pub fn coverage_details(coverage: &Value) -> Result<CoverageDetails, FhirError> {
    coverage_at(coverage, None)
}

fn coverage_at(coverage: &Value, at: Option<&str>) -> Result<CoverageDetails, FhirError> {
    let res = Resource::new(coverage, "Coverage", at)?;
    let status = res
        .string(res.json, "", "status")?
        .ok_or_else(|| res.err(Problem::Missing, "no status"))?;
    if status == "entered-in-error" {
        return Err(res.err(
            Problem::Status,
            "status is \"entered-in-error\": the resource records no coverage",
        ));
    }
    let payor = res
        .array(res.json, "", "payor")?
        .first()
        .ok_or_else(|| res.err(Problem::Missing, "no payor"))?;
    let payer = res.party(res.as_object(payor, "payor[0]")?, "payor[0]")?;
    let beneficiary = match res.object(res.json, "", "beneficiary")? {
        Some(b) => {
            let parts = res.reference_parts(b, "beneficiary")?;
            parts
                .reference
                .or(parts.identifier)
                .or(parts.display)
                .map(str::to_string)
        }
        None => None,
    };
    let mut classes = Vec::new();
    for (i, class) in res.array(res.json, "", "class")?.iter().enumerate() {
        let path = format!("class[{i}]");
        let class = res.as_object(class, &path)?;
        let kind = match res.object(class, &path, "type")? {
            Some(concept) => {
                let codings = res.codings(concept, &join(&path, "type"))?;
                codings
                    .iter()
                    .find(|(system, _)| *system == Some(COVERAGE_CLASS))
                    .or_else(|| codings.first())
                    .map(|(_, code)| *code)
            }
            None => None,
        }
        .ok_or_else(|| res.err(Problem::Missing, format!("{path} has no type code")))?;
        let value = res
            .string(class, &path, "value")?
            .ok_or_else(|| res.err(Problem::Missing, format!("{path} has no value")))?;
        classes.push(CoverageClass {
            kind: kind.into(),
            value: value.into(),
        });
    }
    let (plans, mut others): (Vec<_>, Vec<_>) = classes.into_iter().partition(|c| c.kind == "plan");
    let plan = match plans.as_slice() {
        [plan] => plan.value.clone(),
        [] => return Err(res.err(Problem::Missing, "no class of type plan")),
        several => {
            return Err(res.err(
                Problem::Unsupported,
                format!(
                    "{} classes of type plan, the record holds one",
                    several.len()
                ),
            ))
        }
    };
    others.sort_by_key(|c| {
        CLASS_ORDER
            .iter()
            .position(|k| *k == c.kind)
            .unwrap_or(CLASS_ORDER.len())
    });
    let left_out = others.split_off(others.len().min(schema::coverage::MAX_CATEGORIES));
    let period = res.object(res.json, "", "period")?.ok_or_else(|| {
        res.err(
            Problem::Missing,
            "no period: the record needs its start and end",
        )
    })?;
    let bound = |key: &str| -> Result<(Day, Day), FhirError> {
        let value = res.string(period, "period", key)?.ok_or_else(|| {
            res.err(
                Problem::Missing,
                format!("no period.{key}: the record needs the period's start and end"),
            )
        })?;
        res.days(value, &join("period", key), true)
    };
    let (period_start, _) = bound("start")?;
    let (_, period_end) = bound("end")?;
    let record = CoverageRecord {
        payer,
        plan,
        status: status.into(),
        period_start,
        period_end,
        categories: others.into_iter().map(|c| c.value).collect(),
        annual_limit: 0,
    };
    Record::Coverage(record.clone())
        .to_slots()
        .map_err(|e| res.err(Problem::Unsupported, e.to_string()))?;
    Ok(CoverageDetails {
        record,
        beneficiary,
        classes_left_out: left_out,
    })
}

/// Every Coverage of a Bundle, each as by [`coverage_details`], in bundle order; or a lone
/// Coverage. Fails with the first refusal; a bundle without Coverages gives none.
pub fn coverages(bundle_or_resource: &Value) -> Result<Vec<CoverageDetails>, FhirError> {
    match resource_type_of(bundle_or_resource) {
        Some("Coverage") => return coverage_details(bundle_or_resource).map(|c| vec![c]),
        Some(other) if other != "Bundle" => return Err(not_bundle_or(other, "Coverage")),
        _ => {}
    }
    let b = Resource::new(bundle_or_resource, "Bundle", None)?;
    entries(&b)?
        .iter()
        .filter(|e| e.resource_type == Some("Coverage"))
        .map(|e| coverage_at(e.resource, Some(&e.at())))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Claims.

/// The claim-type code system (`oral`, `institutional`, `professional`, …), whose code is a
/// treatment's category when its item names none.
pub const CLAIM_TYPE: &str = "http://terminology.hl7.org/CodeSystem/claim-type";

/// `value` (a FHIR `decimal` amount) in minor units: at most two decimals, not negative, below
/// 2^32 minor units.
fn minor_units(value: f64) -> Option<u32> {
    let cents = value * 100.0;
    let rounded = cents.round();
    // Two decimals survive the binary form within far less than a thousandth of a cent.
    if !(0.0..4_294_967_296.0).contains(&rounded) || (cents - rounded).abs() > 1e-6 {
        return None;
    }
    // `rounded` is an integer in [0, 2^32): the conversion is exact.
    Some(rounded as u32)
}

/// The first code of the CodeableConcept `key` of `obj`, if it has one.
fn first_code<'a>(
    res: &Resource<'a>,
    obj: &'a Map<String, Value>,
    parent: &str,
    key: &str,
) -> Result<Option<&'a str>, FhirError> {
    Ok(match res.object(obj, parent, key)? {
        Some(concept) => res
            .codings(concept, &join(parent, key))?
            .first()
            .map(|(_, code)| *code),
        None => None,
    })
}

/// The days the date at `date_key` of `obj` (a FHIR `date`, or a `dateTime` if
/// `time_allowed`) may denote, else those from the start to the end of the Period at
/// `period_key`; none when neither is there or the period lacks an end.
fn days_of(
    res: &Resource,
    obj: &Map<String, Value>,
    parent: &str,
    date_key: &str,
    time_allowed: bool,
    period_key: &str,
) -> Result<Option<(Day, Day)>, FhirError> {
    if let Some(date) = res.string(obj, parent, date_key)? {
        return res
            .days(date, &join(parent, date_key), time_allowed)
            .map(Some);
    }
    let Some(period) = res.object(obj, parent, period_key)? else {
        return Ok(None);
    };
    let at = join(parent, period_key);
    match (
        res.string(period, &at, "start")?,
        res.string(period, &at, "end")?,
    ) {
        (Some(start), Some(end)) => {
            let (first, _) = res.days(start, &join(&at, "start"), true)?;
            let (_, last) = res.days(end, &join(&at, "end"), true)?;
            Ok(Some((first, last)))
        }
        _ => Ok(None),
    }
}

/// The one day of `days`, if they are one day.
fn single((first, last): (Day, Day)) -> Option<Day> {
    (first == last).then_some(first)
}

/// The code of a procedure's CodeableConcept: its SNOMED CT coding, else its first.
fn procedure_code<'a>(
    res: &Resource<'a>,
    concept: &'a Map<String, Value>,
    path: &str,
) -> Result<Option<&'a str>, FhirError> {
    let codings = res.codings(concept, path)?;
    Ok(codings
        .iter()
        .find(|(system, _)| *system == Some(SNOMED_CT))
        .or_else(|| codings.first())
        .map(|(_, code)| *code))
}

/// A positive integer, if `value` is one.
fn positive_int(value: &Value) -> Option<u64> {
    value.as_u64().filter(|n| *n >= 1)
}

/// A procedure of a Claim: its code and the one day it was performed, if it states one.
#[derive(Debug, Clone)]
struct Performed {
    code: String,
    day: Option<Day>,
}

/// The `procedure[]` entries of one Claim as its items name them by `procedureSequence`, each
/// followed to its Procedure where it references one: a contained resource (`#id`) or an entry
/// of the bundle the Claim came in.
struct Procedures<'c, 'e, 'a> {
    claim: &'c Resource<'a>,
    entries: Option<&'e [Entry<'a>]>,
    /// The positions in `procedure[]` of each sequence, read when an item first names one.
    by_sequence: Option<BTreeMap<u64, Vec<usize>>>,
    /// The entries of `procedure[]` read so far, by position.
    read: BTreeMap<usize, Performed>,
}

impl<'a> Procedures<'_, '_, 'a> {
    /// The procedure of an item with a `procedureSequence`: the code every procedure it names
    /// has, and their day if they state one and the same; `None` for an item that names none.
    fn of_item(
        &mut self,
        item: &'a Map<String, Value>,
        path: &str,
    ) -> Result<Option<Performed>, FhirError> {
        let res = self.claim;
        let sequences = res.array(item, path, "procedureSequence")?;
        let mut named: Vec<(String, Performed)> = Vec::new();
        let mut seen = BTreeSet::new();
        for (j, sequence) in sequences.iter().enumerate() {
            let at = format!("{path}.procedureSequence[{j}]");
            let sequence = positive_int(sequence).ok_or_else(|| {
                res.err(
                    Problem::Structure,
                    format!("{at} is {sequence}, not a positive integer"),
                )
            })?;
            if !seen.insert(sequence) {
                continue;
            }
            let position = match self.index()?.get(&sequence).map(Vec::as_slice) {
                Some([position]) => *position,
                Some(several) => {
                    let listed: Vec<String> =
                        several.iter().map(|k| format!("procedure[{k}]")).collect();
                    return Err(res.err(
                        Problem::Structure,
                        format!(
                            "{at} is {sequence}, the sequence of {} entries ({})",
                            several.len(),
                            listed.join(", ")
                        ),
                    ));
                }
                None => {
                    return Err(res.err(
                        Problem::Missing,
                        format!("{at} is {sequence}, the sequence of no procedure entry"),
                    ))
                }
            };
            let performed = self.entry(position, &at)?;
            named.push((format!("procedure[{position}]"), performed));
        }
        let Some((first_at, first)) = named.first() else {
            return Ok(None);
        };
        if let Some((other_at, other)) = named.iter().find(|(_, p)| p.code != first.code) {
            return Err(res.err(
                Problem::Unsupported,
                format!(
                    "{path}.procedureSequence names procedures of different codes ({} at \
                     {first_at}, {} at {other_at}): a treatment holds one procedure",
                    first.code, other.code
                ),
            ));
        }
        let mut days = named.iter().filter_map(|(_, p)| p.day);
        let day = days.next().filter(|day| days.all(|d| d == *day));
        Ok(Some(Performed {
            code: first.code.clone(),
            day,
        }))
    }

    /// The positions in `procedure[]` of each sequence.
    fn index(&mut self) -> Result<&BTreeMap<u64, Vec<usize>>, FhirError> {
        let res = self.claim;
        if self.by_sequence.is_none() {
            let mut index: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
            for (k, procedure) in res.array(res.json, "", "procedure")?.iter().enumerate() {
                let at = format!("procedure[{k}]");
                let procedure = res.as_object(procedure, &at)?;
                let sequence = procedure
                    .get("sequence")
                    .ok_or_else(|| res.err(Problem::Missing, format!("{at} has no sequence")))?;
                let sequence = positive_int(sequence).ok_or_else(|| {
                    res.err(
                        Problem::Structure,
                        format!("{at}.sequence is {sequence}, not a positive integer"),
                    )
                })?;
                index.entry(sequence).or_default().push(k);
            }
            self.by_sequence = Some(index);
        }
        Ok(self.by_sequence.get_or_insert_with(BTreeMap::new))
    }

    /// `procedure[position]`, which `named_at` names: its CodeableConcept's code, or the code
    /// of the Procedure it references; its `date`, else the Procedure's performed day.
    fn entry(&mut self, position: usize, named_at: &str) -> Result<Performed, FhirError> {
        if let Some(performed) = self.read.get(&position) {
            return Ok(performed.clone());
        }
        let res = self.claim;
        let at = format!("procedure[{position}]");
        let procedure = res
            .array(res.json, "", "procedure")?
            .get(position)
            .map(|p| res.as_object(p, &at))
            .transpose()?
            .ok_or_else(|| res.err(Problem::Missing, format!("no {at}")))?;
        let date = match res.string(procedure, &at, "date")? {
            Some(date) => single(res.days(date, &join(&at, "date"), true)?),
            None => None,
        };
        let performed =
            if let Some(concept) = res.object(procedure, &at, "procedureCodeableConcept")? {
                let path = join(&at, "procedureCodeableConcept");
                let code = procedure_code(res, concept, &path)?.ok_or_else(|| {
                    res.err(
                        Problem::Missing,
                        format!("{path} has no code ({named_at} names it)"),
                    )
                })?;
                Performed {
                    code: code.into(),
                    day: date,
                }
            } else if let Some(reference) = res.object(procedure, &at, "procedureReference")? {
                let path = join(&at, "procedureReference");
                let found = self.follow(reference, &path, named_at)?;
                Performed {
                    code: found.code,
                    day: date.or(found.day),
                }
            } else {
                return Err(res.err(
                    Problem::Missing,
                    format!(
                        "{at} has no procedureCodeableConcept and no procedureReference \
                     ({named_at} names it)"
                    ),
                ));
            };
        self.read.insert(position, performed.clone());
        Ok(performed)
    }

    /// The Procedure the Reference at `path` resolves to, read: its code (SNOMED CT if it has
    /// one) and its performed day.
    fn follow(
        &self,
        reference: &'a Map<String, Value>,
        path: &str,
        named_at: &str,
    ) -> Result<Performed, FhirError> {
        let res = self.claim;
        let refused = |problem: Problem, why: String| {
            res.err(problem, format!("{path} {why} ({named_at} names it)"))
        };
        let target = res.string(reference, path, "reference")?.ok_or_else(|| {
            refused(
                Problem::Missing,
                "has no reference to a Procedure to follow".into(),
            )
        })?;
        let (value, at) = if let Some(id) = target.strip_prefix('#') {
            let mut matches = Vec::new();
            for (i, contained) in res.array(res.json, "", "contained")?.iter().enumerate() {
                let place = format!("contained[{i}]");
                let object = res.as_object(contained, &place)?;
                if !id.is_empty() && object.get("id").and_then(Value::as_str) == Some(id) {
                    matches.push((contained, place));
                }
            }
            match matches.len() {
                1 => matches.swap_remove(0),
                0 => {
                    return Err(refused(
                        Problem::Reference,
                        format!("{target:?} names no contained resource"),
                    ))
                }
                n => {
                    return Err(refused(
                        Problem::Reference,
                        format!("{target:?} names {n} contained resources"),
                    ))
                }
            }
        } else if let Some(entries) = self.entries {
            let found = resolve(entries, target)
                .map_err(|why| refused(Problem::Reference, format!("reference {why}")))?;
            (found.resource, found.at())
        } else {
            return Err(refused(
                Problem::Reference,
                format!(
                    "{target:?} is not a contained resource (#id), and the claim comes in no \
                     bundle to resolve it in"
                ),
            ));
        };
        match resource_type_of(value) {
            Some("Procedure") => {}
            other => {
                return Err(refused(
                    Problem::Reference,
                    format!(
                        "{target:?} resolves to a {}, not a Procedure",
                        other.unwrap_or("resource without a type")
                    ),
                ))
            }
        }
        let within = |e: FhirError| {
            res.err(
                e.problem,
                format!(
                    "{path} {target:?} is {}: {} ({named_at} names it)",
                    e.resource, e.reason
                ),
            )
        };
        let procedure = Resource::new(value, "Procedure", Some(&at)).map_err(within)?;
        performed(&procedure).map_err(within)
    }
}

/// A Procedure's code (SNOMED CT if it has one) and its performed day, if one: refused if it
/// records no procedure done.
fn performed(procedure: &Resource) -> Result<Performed, FhirError> {
    let json = procedure.json;
    match procedure.string(json, "", "status")? {
        None => return Err(procedure.err(Problem::Missing, "no status")),
        Some(status @ ("entered-in-error" | "not-done")) => {
            return Err(procedure.err(
                Problem::Status,
                format!("status is {status:?}: the resource records no procedure performed"),
            ))
        }
        Some(_) => {}
    }
    let concept = procedure
        .object(json, "", "code")?
        .ok_or_else(|| procedure.err(Problem::Missing, "no code"))?;
    let code = procedure_code(procedure, concept, "code")?
        .ok_or_else(|| procedure.err(Problem::Missing, "code has no coding"))?;
    let day = days_of(
        procedure,
        json,
        "",
        "performedDateTime",
        true,
        "performedPeriod",
    )?
    .and_then(single);
    Ok(Performed {
        code: code.into(),
        day,
    })
}

/// Every item of a FHIR R4 Claim as a treatment, in item order.
///
/// - provider: `provider`'s identifier, reference or display;
/// - category: the item's `category` code, else the Claim's `type` code (`oral`,
///   `institutional`, …);
/// - procedure: for an item with a `procedureSequence`, the code of the `procedure` entries it
///   names (their `procedureCodeableConcept`, or the `code` of the Procedure their
///   `procedureReference` names, SNOMED CT if the concept has a SNOMED CT coding, else its
///   first); else the item's `productOrService` code (SNOMED CT, CPT, a national coding);
/// - day of service: the item's `servicedDate`, or `servicedPeriod` when it starts and ends on
///   one day; else the day of the procedures it names (the entry's `date`, else the
///   Procedure's `performedDateTime` or a one-day `performedPeriod`), within the item's
///   month or period if it states one;
/// - amount: the item's `net`, else `unitPrice` times `quantity` (1 if absent), in minor units
///   (at most two decimals, below 2^32);
/// - treatment id: the Claim's first identifier value (else its id), `-`, the item's
///   `sequence`.
///
/// A `procedureReference` resolves here to a resource of the Claim's `contained` (`#id`);
/// [`bundle_treatments`] also resolves it among the entries of the Claim's bundle.
///
/// Refused: a Claim whose `status` is `entered-in-error` or `cancelled`, or a Procedure it
/// names whose `status` is `entered-in-error` or `not-done` ([`Problem::Status`]); an item
/// without a day, an amount or a code, a `procedureSequence` that is the sequence of no
/// `procedure` entry, an entry without a concept or a reference ([`Problem::Missing`]); a
/// `procedureReference` that does not resolve to one Procedure ([`Problem::Reference`]); an
/// item naming procedures of different codes, or a value that is not a code
/// ([`Problem::Unsupported`]). Each reason names the JSON path.
pub fn treatments(claim: &Value) -> Result<Vec<TreatmentRecord>, FhirError> {
    claim_treatments(claim, None, None)
}

/// The treatments of every Claim of a Bundle, as by [`treatments`], in bundle and item order;
/// or of a lone Claim. A Claim's `procedureReference` resolves to a contained Procedure
/// (`#id`), else to the bundle entry whose `fullUrl` it is or, for `Procedure/id`, whose
/// Procedure has that id or whose `fullUrl` ends in `/Procedure/id`. Fails with the first
/// refusal; a bundle without Claims gives none.
pub fn bundle_treatments(bundle_or_claim: &Value) -> Result<Vec<TreatmentRecord>, FhirError> {
    match resource_type_of(bundle_or_claim) {
        Some("Claim") => return treatments(bundle_or_claim),
        Some(other) if other != "Bundle" => return Err(not_bundle_or(other, "Claim")),
        _ => {}
    }
    let b = Resource::new(bundle_or_claim, "Bundle", None)?;
    let entries = entries(&b)?;
    let mut out = Vec::new();
    for entry in entries.iter().filter(|e| e.resource_type == Some("Claim")) {
        out.extend(claim_treatments(
            entry.resource,
            Some(&entry.at()),
            Some(&entries),
        )?);
    }
    Ok(out)
}

fn claim_treatments<'a>(
    claim: &'a Value,
    at: Option<&str>,
    entries: Option<&[Entry<'a>]>,
) -> Result<Vec<TreatmentRecord>, FhirError> {
    let res = Resource::new(claim, "Claim", at)?;
    if let Some(status) = res.string(res.json, "", "status")? {
        if status == "entered-in-error" || status == "cancelled" {
            return Err(res.err(
                Problem::Status,
                format!("status is {status:?}: the claim records no treatment"),
            ));
        }
    }
    let provider = res
        .object(res.json, "", "provider")?
        .ok_or_else(|| res.err(Problem::Missing, "no provider"))?;
    let provider = res.party(provider, "provider")?;
    let claim_type = first_code(&res, res.json, "", "type")?;
    let claim_id = match res.array(res.json, "", "identifier")?.first() {
        Some(identifier) => res.string(
            res.as_object(identifier, "identifier[0]")?,
            "identifier[0]",
            "value",
        )?,
        None => None,
    }
    .or(res.id())
    .ok_or_else(|| res.err(Problem::Missing, "no identifier and no id"))?;

    let items = res.array(res.json, "", "item")?;
    if items.is_empty() {
        return Err(res.err(Problem::Missing, "no item"));
    }
    let mut procedures = Procedures {
        claim: &res,
        entries,
        by_sequence: None,
        read: BTreeMap::new(),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("item[{i}]");
        let item = res.as_object(item, &path)?;
        let sequence = item
            .get("sequence")
            .and_then(Value::as_u64)
            .ok_or_else(|| res.err(Problem::Missing, format!("{path} has no sequence")))?;
        let category = first_code(&res, item, &path, "category")?
            .or(claim_type)
            .ok_or_else(|| {
                res.err(
                    Problem::Missing,
                    format!("{path} has no category and the claim no type"),
                )
            })?;
        let performed = procedures.of_item(item, &path)?;
        let procedure = match &performed {
            Some(performed) => performed.code.as_str(),
            None => first_code(&res, item, &path, "productOrService")?.ok_or_else(|| {
                res.err(
                    Problem::Missing,
                    format!("{path} has no productOrService code"),
                )
            })?,
        };
        let served = days_of(&res, item, &path, "servicedDate", false, "servicedPeriod")?;
        let date = served
            .and_then(single)
            .or_else(|| {
                let day = performed.as_ref()?.day?;
                served
                    .is_none_or(|(first, last)| first <= day && day <= last)
                    .then_some(day)
            })
            .ok_or_else(|| {
                res.err(
                    Problem::Unsupported,
                    format!("{path} has no single day of service"),
                )
            })?;
        let money = |key: &str| -> Result<Option<f64>, FhirError> {
            Ok(match res.object(item, &path, key)? {
                Some(money) => money.get("value").and_then(Value::as_f64),
                None => None,
            })
        };
        let quantity = match res.object(item, &path, "quantity")? {
            Some(q) => q.get("value").and_then(Value::as_f64).unwrap_or(1.0),
            None => 1.0,
        };
        let value = money("net")?
            .or(money("unitPrice")?.map(|unit| unit * quantity))
            .ok_or_else(|| res.err(Problem::Missing, format!("{path} has no net or unitPrice")))?;
        let amount = minor_units(value).ok_or_else(|| {
            res.err(
                Problem::Unsupported,
                format!(
                    "{path}'s amount {value} is not a non-negative amount with at most two \
                     decimals below 2^32 minor units"
                ),
            )
        })?;
        let record = TreatmentRecord {
            provider: provider.clone(),
            category: category.into(),
            procedure: procedure.into(),
            date,
            amount,
            treatment_id: format!("{claim_id}-{sequence}"),
        };
        Record::Treatment(record.clone())
            .to_slots()
            .map_err(|e| res.err(Problem::Unsupported, format!("{path}: {e}")))?;
        out.push(record);
    }
    Ok(out)
}
