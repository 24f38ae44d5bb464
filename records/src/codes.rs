//! Codes and short strings as field elements, and the named codes of the shipped schemas.
//!
//! [`encode`] and [`decode`] are `zkhealth_circuits::codes`'s, re-exported here.
//!
//! # Encoding
//!
//! A code is a string of 1 to [`MAX_CODE_LEN`] (31) bytes, each printable ASCII without the space
//! (`0x21..=0x7e`, `!` to `~`). Its field element is the bytes read as one big-endian unsigned
//! integer:
//!
//! ```text
//! encode(b[0] b[1] … b[n-1]) = Σ b[i] · 256^(n-1-i),   1 ≤ n ≤ 31,   0x21 ≤ b[i] ≤ 0x7e
//! ```
//!
//! so `"A"` is `0x41`, `"NL"` is `0x4e4c`, and `"840539006"` (COVID-19) is `0x383430353339303036`.
//! Properties:
//!
//! - **below the modulus**: 31 bytes are less than 2^248, and the BN254 scalar field has more than
//!   2^253 elements, so no reduction ever happens;
//! - **never zero**, since every byte is at least `0x21`;
//! - **injective**: no byte is zero, so the length is recovered from the integer and different
//!   strings give different integers (`"A"`, `"AA"` and `"B"` are `0x41`, `0x4141` and `0x42`);
//! - **reversible**: [`decode`] reads the integer back as text, so a disclosed code can be shown.
//!
//! The same integer can be recomputed without this crate: in JavaScript
//! `BigInt('0x' + Buffer.from(code, 'ascii').toString('hex'))`, in Solidity
//! `uint256(bytes32(bytes(code))) >> (8 * (32 - bytes(code).length))`.
//!
//! Strings outside the alphabet (empty, longer than 31 bytes, with a space, a control byte or any
//! non-ASCII character) are rejected with [`zkhealth_circuits::Error::InvalidCode`] rather than
//! normalised, so one string never has two encodings.
//!
//! # Named codes
//!
//! The submodules name the codes the shipped schemas and presentations use: [`disease`],
//! [`vaccine`] (type), [`product`], [`manufacturer`] (EU Digital COVID Certificate value sets),
//! [`country`] (ISO 3166-1 alpha-2) and [`coverage`] (status and service categories). They are
//! plain `&str`, encoded where needed.
//!
//! ```
//! use zkhealth_records::codes;
//!
//! let x = codes::encode(codes::disease::COVID_19)?;
//! assert_eq!(codes::decode(&x).as_deref(), Some("840539006"));
//!
//! let approved = codes::encode_all(&codes::product::EU_AUTHORISED_COVID_19)?;
//! assert_eq!(approved.len(), 8);
//! # Ok::<(), zkhealth_circuits::Error>(())
//! ```

pub use zkhealth_circuits::codes::{decode, encode, encode_all, MAX_CODE_LEN};

/// Diseases and agents targeted (SNOMED CT; EU DCC value set `disease-agent-targeted`).
pub mod disease {
    /// COVID-19 (SNOMED CT 840539006).
    pub const COVID_19: &str = "840539006";
}

/// Types of test (EU DCC value set `test-type`, LOINC).
pub mod test_type {
    /// Nucleic acid amplification with probe detection (PCR and the like), LOINC LP6464-4.
    pub const NAAT: &str = "LP6464-4";
    /// Rapid immunoassay (rapid antigen test), LOINC LP217198-3.
    pub const RAPID_ANTIGEN: &str = "LP217198-3";
}

/// Test results (EU DCC value set `test-result`, SNOMED CT).
pub mod test_result {
    /// Not detected (negative), SNOMED CT 260415000.
    pub const NOT_DETECTED: &str = "260415000";
    /// Detected (positive), SNOMED CT 260373001.
    pub const DETECTED: &str = "260373001";
}

/// Vaccine or prophylaxis types (EU DCC value set `vaccine-prophylaxis`).
pub mod vaccine {
    /// SARS-CoV-2 mRNA vaccine (SNOMED CT 1119349007).
    pub const SARS_COV_2_MRNA: &str = "1119349007";
    /// SARS-CoV-2 antigen vaccine (SNOMED CT 1119305005).
    pub const SARS_COV_2_ANTIGEN: &str = "1119305005";
    /// COVID-19 vaccines (WHO ATC J07BX03), the catch-all type of the value set.
    pub const COVID_19_VACCINES: &str = "J07BX03";
}

/// Vaccine medicinal products by EU marketing authorisation number (Union Register of medicinal
/// products), the codes of the EU DCC value set `vaccine-medicinal-product` for EU-authorised
/// vaccines.
pub mod product {
    /// Comirnaty (BioNTech/Pfizer), EU/1/20/1528.
    pub const COMIRNATY: &str = "EU/1/20/1528";
    /// Spikevax, previously COVID-19 Vaccine Moderna, EU/1/20/1507.
    pub const SPIKEVAX: &str = "EU/1/20/1507";
    /// Vaxzevria (AstraZeneca), EU/1/21/1529.
    pub const VAXZEVRIA: &str = "EU/1/21/1529";
    /// Jcovden, previously COVID-19 Vaccine Janssen, EU/1/20/1525.
    pub const JCOVDEN: &str = "EU/1/20/1525";
    /// Nuvaxovid (Novavax), previously NVX-CoV2373, EU/1/21/1618.
    pub const NUVAXOVID: &str = "EU/1/21/1618";
    /// VidPrevtyn Beta (Sanofi Pasteur), EU/1/21/1580.
    pub const VIDPREVTYN_BETA: &str = "EU/1/21/1580";
    /// COVID-19 Vaccine (inactivated, adjuvanted) Valneva, previously VLA2001, EU/1/21/1624.
    pub const VALNEVA: &str = "EU/1/21/1624";
    /// Bimervax (HIPRA), previously COVID-19 Vaccine HIPRA, EU/1/22/1709.
    pub const BIMERVAX: &str = "EU/1/22/1709";

    /// The COVID-19 vaccines authorised in the EU: the approved set of the standard vaccination
    /// presentation ("product in an approved set").
    pub const EU_AUTHORISED_COVID_19: [&str; 8] = [
        COMIRNATY,
        SPIKEVAX,
        VAXZEVRIA,
        JCOVDEN,
        NUVAXOVID,
        VIDPREVTYN_BETA,
        VALNEVA,
        BIMERVAX,
    ];
}

/// Marketing authorisation holders and manufacturers by EMA SPOR organisation id (EU DCC value
/// set `vaccine-mah-manf`).
pub mod manufacturer {
    /// BioNTech Manufacturing GmbH (Comirnaty).
    pub const BIONTECH: &str = "ORG-100030215";
    /// Moderna Biotech Spain S.L. (Spikevax).
    pub const MODERNA: &str = "ORG-100031184";
    /// AstraZeneca AB (Vaxzevria).
    pub const ASTRAZENECA: &str = "ORG-100001699";
    /// Janssen-Cilag International (Jcovden).
    pub const JANSSEN: &str = "ORG-100001417";
    /// Novavax CZ a.s. (Nuvaxovid).
    pub const NOVAVAX: &str = "ORG-100032020";
    /// Sanofi Pasteur (VidPrevtyn Beta).
    pub const SANOFI_PASTEUR: &str = "ORG-100000788";
    /// Valneva France (COVID-19 Vaccine Valneva).
    pub const VALNEVA: &str = "ORG-100036422";
}

/// Countries by ISO 3166-1 alpha-2 code (EU DCC value set `country-2-codes`): the EU and EEA
/// member states, Switzerland, the United Kingdom and the United States.
pub mod country {
    use zkhealth_circuits::{Error, Fr};

    /// Austria.
    pub const AT: &str = "AT";
    /// Belgium.
    pub const BE: &str = "BE";
    /// Bulgaria.
    pub const BG: &str = "BG";
    /// Croatia.
    pub const HR: &str = "HR";
    /// Cyprus.
    pub const CY: &str = "CY";
    /// Czechia.
    pub const CZ: &str = "CZ";
    /// Denmark.
    pub const DK: &str = "DK";
    /// Estonia.
    pub const EE: &str = "EE";
    /// Finland.
    pub const FI: &str = "FI";
    /// France.
    pub const FR: &str = "FR";
    /// Germany.
    pub const DE: &str = "DE";
    /// Greece (ISO `GR`; EU institutions write `EL`, the DCC uses `GR`).
    pub const GR: &str = "GR";
    /// Hungary.
    pub const HU: &str = "HU";
    /// Ireland.
    pub const IE: &str = "IE";
    /// Italy.
    pub const IT: &str = "IT";
    /// Latvia.
    pub const LV: &str = "LV";
    /// Lithuania.
    pub const LT: &str = "LT";
    /// Luxembourg.
    pub const LU: &str = "LU";
    /// Malta.
    pub const MT: &str = "MT";
    /// Netherlands.
    pub const NL: &str = "NL";
    /// Poland.
    pub const PL: &str = "PL";
    /// Portugal.
    pub const PT: &str = "PT";
    /// Romania.
    pub const RO: &str = "RO";
    /// Slovakia.
    pub const SK: &str = "SK";
    /// Slovenia.
    pub const SI: &str = "SI";
    /// Spain.
    pub const ES: &str = "ES";
    /// Sweden.
    pub const SE: &str = "SE";
    /// Iceland (EEA).
    pub const IS: &str = "IS";
    /// Liechtenstein (EEA).
    pub const LI: &str = "LI";
    /// Norway (EEA).
    pub const NO: &str = "NO";
    /// Switzerland.
    pub const CH: &str = "CH";
    /// United Kingdom.
    pub const GB: &str = "GB";
    /// United States.
    pub const US: &str = "US";

    /// The 30 EU and EEA member states (27 EU plus Iceland, Liechtenstein and Norway).
    pub const EU_EEA: [&str; 30] = [
        AT, BE, BG, HR, CY, CZ, DK, EE, FI, FR, DE, GR, HU, IE, IT, LV, LT, LU, MT, NL, PL, PT, RO,
        SK, SI, ES, SE, IS, LI, NO,
    ];

    /// Encodes an ISO 3166-1 alpha-2 country code; anything but two uppercase ASCII letters is
    /// [`zkhealth_circuits::Error::InvalidCode`]. Whether the code is assigned by ISO is not checked.
    pub fn country(code: &str) -> Result<Fr, Error> {
        let bytes = code.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(Error::InvalidCode(format!(
                "{code:?} is not a country code (two uppercase ASCII letters, ISO 3166-1 alpha-2)"
            )));
        }
        super::encode(code)
    }
}

/// Coverage (insurance) status and service categories, as in FHIR `Coverage.status` and
/// lowercase-with-hyphen category names.
pub mod coverage {
    /// The coverage is in force (FHIR `active`).
    pub const ACTIVE: &str = "active";
    /// The coverage exists but does not pay for now.
    pub const SUSPENDED: &str = "suspended";
    /// The coverage has ended.
    pub const TERMINATED: &str = "terminated";

    /// Inpatient (hospital stay) care.
    pub const INPATIENT: &str = "inpatient";
    /// Outpatient (ambulatory) care.
    pub const OUTPATIENT: &str = "outpatient";
    /// Prescription drugs.
    pub const PHARMACY: &str = "pharmacy";
    /// Dental care.
    pub const DENTAL: &str = "dental";
    /// Vision (eye) care.
    pub const VISION: &str = "vision";
    /// Maternity care.
    pub const MATERNITY: &str = "maternity";
    /// Mental health care.
    pub const MENTAL_HEALTH: &str = "mental-health";
    /// Emergency care.
    pub const EMERGENCY: &str = "emergency";
}

/// The display name of an EU DCC code in its value set (`"Comirnaty"` for `EU/1/20/1528`), or
/// `None` for a code in none of them: such a code is kept verbatim, and shown as unknown. See
/// [`crate::value_sets`].
pub fn display(code: &str) -> Option<&'static str> {
    crate::value_sets::display(code)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use zkhealth_circuits::{Error, Fr};

    use super::*;

    fn all_constants() -> Vec<&'static str> {
        let mut all = vec![
            disease::COVID_19,
            vaccine::SARS_COV_2_MRNA,
            vaccine::SARS_COV_2_ANTIGEN,
            vaccine::COVID_19_VACCINES,
            manufacturer::BIONTECH,
            manufacturer::MODERNA,
            manufacturer::ASTRAZENECA,
            manufacturer::JANSSEN,
            manufacturer::NOVAVAX,
            manufacturer::SANOFI_PASTEUR,
            manufacturer::VALNEVA,
            country::CH,
            country::GB,
            country::US,
            coverage::ACTIVE,
            coverage::SUSPENDED,
            coverage::TERMINATED,
            coverage::INPATIENT,
            coverage::OUTPATIENT,
            coverage::PHARMACY,
            coverage::DENTAL,
            coverage::VISION,
            coverage::MATERNITY,
            coverage::MENTAL_HEALTH,
            coverage::EMERGENCY,
        ];
        all.extend(product::EU_AUTHORISED_COVID_19);
        all.extend(country::EU_EEA);
        all
    }

    #[test]
    fn every_constant_round_trips() -> Result<(), Error> {
        for code in all_constants() {
            assert_eq!(decode(&encode(code)?).as_deref(), Some(code), "{code}");
        }
        Ok(())
    }

    #[test]
    fn every_constant_has_its_own_encoding() -> Result<(), Error> {
        let all = all_constants();
        let encoded: HashSet<Fr> = encode_all(&all)?.into_iter().collect();
        assert_eq!(encoded.len(), all.len());
        Ok(())
    }

    #[test]
    fn eu_authorised_products_are_distinct() {
        let set: HashSet<&str> = product::EU_AUTHORISED_COVID_19.into_iter().collect();
        assert_eq!(set.len(), product::EU_AUTHORISED_COVID_19.len());
    }

    #[test]
    fn eu_eea_countries_are_distinct_and_valid() -> Result<(), Error> {
        let set: HashSet<&str> = country::EU_EEA.into_iter().collect();
        assert_eq!(set.len(), 30);
        for code in country::EU_EEA {
            assert_eq!(country::country(code)?, encode(code)?);
        }
        Ok(())
    }

    #[test]
    fn country_rejects_anything_but_two_uppercase_letters() {
        for code in ["", "N", "nl", "Nl", "NLD", "N1", "N ", "É", "12"] {
            assert!(
                matches!(country::country(code), Err(Error::InvalidCode(_))),
                "{code:?}"
            );
        }
    }
}
