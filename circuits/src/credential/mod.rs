//! Credentials: the schema type, the holder's secret, commitments and nullifiers.
//!
//! The relation needs only the type of a schema ([`Schema`]: a name whose code is the schema id,
//! and a table of [`Slot`]s giving each slot's position, name and kind). The tables of the
//! shipped schemas (vaccination, identity, coverage), with their slot positions, and the records
//! a credential is made from are in `zkhealth_records` (`zkhealth_records::schema`); here a
//! record is anything with [`Attributes`].
//!
//! A credential is `(schema, issuer, holder_key, expiry, salt, slots[10])`; its commitment, the
//! registry leaf, is `Poseidon(commitment tag, schema, issuer, holder_key, expiry, salt, slots...)`
//! (16 inputs), hiding thanks to the random salt. `holder_key = Poseidon(holder-key tag, secret)`
//! binds the credential to a secret only the holder knows.

#[cfg(feature = "r1cs")]
pub mod constraints;

use std::fmt;

use ark_std::UniformRand;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::{
    codes,
    date::Day,
    field::{fr_to_hex, serde_fr},
    poseidon::{self, Domain},
    Error, Fr,
};

/// Number of attribute slots in every credential (fixed, so one circuit serves every schema).
pub const NUM_SLOTS: usize = 10;

/// How a slot's value is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    /// A code (see [`crate::codes`]); `0` when absent.
    Code,
    /// A whole number below 2^32.
    Number,
    /// A day number (days since 1900-01-01).
    Day,
    /// A `YYYYMMDD` date.
    Ymd,
    /// Not used by this schema (always `0`).
    Unused,
}

/// One row of a schema's table: a slot's position, name and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Slot {
    /// Position in the credential's slots (`0..NUM_SLOTS`).
    pub position: usize,
    /// The field's name (what a policy discloses by, e.g. `"country"`).
    pub name: &'static str,
    /// How the value is read.
    pub kind: SlotKind,
}

/// A credential schema: its name, whose code is the schema id committed in every credential,
/// and its table of [`NUM_SLOTS`] slots.
///
/// The relation needs only this type; the tables of the shipped schemas are in
/// `zkhealth_records::schema`. Two schemas are equal when their names are.
///
/// ```
/// use zkhealth_circuits::credential::{Schema, Slot, SlotKind::{self, *}};
///
/// const fn slot(position: usize, name: &'static str, kind: SlotKind) -> Slot {
///     Slot { position, name, kind }
/// }
/// const BADGE: Schema = Schema::new(
///     "example/badge/v1",
///     "badge",
///     &[
///         slot(0, "holder_country", Code),
///         slot(1, "level", Number),
///         slot(2, "since", Day),
///         slot(3, "unused3", Unused),
///         slot(4, "unused4", Unused),
///         slot(5, "unused5", Unused),
///         slot(6, "unused6", Unused),
///         slot(7, "unused7", Unused),
///         slot(8, "unused8", Unused),
///         slot(9, "unused9", Unused),
///     ],
/// );
/// assert_eq!(BADGE.slot("level")?, 1);
/// assert!(BADGE.slot("unused3").is_err());
/// assert_eq!(format!("{BADGE:?}"), "badge");
/// # Ok::<(), zkhealth_circuits::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Schema {
    name: &'static str,
    short_name: &'static str,
    slots: &'static [Slot; NUM_SLOTS],
}

impl Schema {
    /// A schema named `name` (a code, e.g. `"zkhealth/vaccination/v1"`; its field encoding is
    /// the schema id), called `short_name` in files and messages (e.g. `"vaccination"`), with
    /// the table `slots`.
    ///
    /// # Panics
    ///
    /// If `name` is not a valid code ([`codes::encode`]), `short_name` is empty, a slot's
    /// position differs from its index in the table, or two slots share a name. Called in a
    /// `const`, as the tables are, each of these is a compile error.
    pub const fn new(
        name: &'static str,
        short_name: &'static str,
        slots: &'static [Slot; NUM_SLOTS],
    ) -> Self {
        assert!(
            is_code(name.as_bytes()),
            "a schema's name must be a code: 1 to 31 printable ASCII bytes, no spaces"
        );
        assert!(
            !short_name.is_empty(),
            "a schema's short name must not be empty"
        );
        let mut i = 0;
        while i < NUM_SLOTS {
            assert!(
                slots[i].position == i,
                "slot positions must be 0, 1, 2, ... in table order"
            );
            assert!(!slots[i].name.is_empty(), "every slot needs a name");
            let mut j = 0;
            while j < i {
                assert!(
                    !bytes_eq(slots[i].name.as_bytes(), slots[j].name.as_bytes()),
                    "slot names must be unique within a schema"
                );
                j += 1;
            }
            i += 1;
        }
        Schema {
            name,
            short_name,
            slots,
        }
    }

    /// The schema's id as a field element: the code of its [name](Self::name).
    pub fn id(self) -> Fr {
        match codes::encode(self.name) {
            Ok(id) => id,
            Err(_) => unreachable!("`Schema::new` accepts only names that are codes"),
        }
    }

    /// The schema's name, e.g. `"zkhealth/vaccination/v1"`.
    pub const fn name(self) -> &'static str {
        self.name
    }

    /// The name used in files and messages, e.g. `"vaccination"`.
    pub const fn short_name(self) -> &'static str {
        self.short_name
    }

    /// The slot table, in position order.
    pub const fn slots(self) -> &'static [Slot; NUM_SLOTS] {
        self.slots
    }

    /// The position of the slot named `name`; unused slots are not found.
    pub fn slot(self, name: &str) -> Result<usize, Error> {
        self.slots
            .iter()
            .find(|s| s.name == name && s.kind != SlotKind::Unused)
            .map(|s| s.position)
            .ok_or_else(|| Error::InvalidPolicy(format!("schema {self:?} has no field {name:?}")))
    }

    /// The kind of the slot at `position`; `None` past the last slot.
    pub fn kind(self, position: usize) -> Option<SlotKind> {
        self.slots.get(position).map(|s| s.kind)
    }
}

/// Whether `bytes` is a code: 1 to [`codes::MAX_CODE_LEN`] bytes in `0x21..=0x7e`.
const fn is_code(bytes: &[u8]) -> bool {
    if bytes.is_empty() || bytes.len() > codes::MAX_CODE_LEN {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] < 0x21 || bytes[i] > 0x7e {
            return false;
        }
        i += 1;
    }
    true
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl PartialEq for Schema {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Schema {}

impl std::hash::Hash for Schema {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name)
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name)
    }
}

/// Serialized as its short name (`"vaccination"`). Reading one back needs the catalog of
/// tables, which the relation does not hold: files name the schema by a string
/// ([`CredentialSpec`], [`crate::policy::PolicySpec`]) that a catalog resolves.
impl Serialize for Schema {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.short_name)
    }
}

/// Looks `short_name` up with `find`; [`Error::UnknownSchema`] if it finds nothing.
pub(crate) fn find_schema(
    short_name: &str,
    find: impl Fn(&str) -> Option<Schema>,
) -> Result<Schema, Error> {
    find(short_name).ok_or_else(|| Error::UnknownSchema(short_name.into()))
}

/// What a credential is made of: a record of one schema, as slot values. The records of the
/// shipped schemas (`zkhealth_records::Record`) implement it.
pub trait Attributes {
    /// The record's schema.
    fn schema(&self) -> Schema;
    /// The record's slot values; fails on invalid codes or inconsistent fields.
    fn to_slots(&self) -> Result<[Fr; NUM_SLOTS], Error>;
}

/// The holder's secret: a random field element that never leaves the holder's device.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct HolderSecret(#[serde(with = "serde_fr")] pub Fr);

impl fmt::Debug for HolderSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HolderSecret(..)")
    }
}

impl HolderSecret {
    /// A fresh secret from a cryptographic RNG.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        HolderSecret(Fr::rand(rng))
    }

    /// The public key the issuer puts in credentials: `Poseidon(holder-key tag, secret)`.
    pub fn holder_key(&self) -> Fr {
        hash_fixed(Domain::HolderKey, &[self.0])
    }

    /// The nullifier for a scope: `Poseidon(nullifier tag, secret, scope)`.
    pub fn nullifier(&self, scope: &Fr) -> Fr {
        hash_fixed(Domain::Nullifier, &[self.0, *scope])
    }
}

fn hash_fixed(domain: Domain, inputs: &[Fr]) -> Fr {
    match poseidon::hash_with_domain(domain, inputs) {
        Ok(h) => h,
        Err(_) => unreachable!("fixed arities within Poseidon's range"),
    }
}

/// A credential: what the issuer commits to.
///
/// Serialized with its schema's short name; read one back as a [`CredentialSpec`] and resolve
/// its schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credential {
    /// Schema.
    pub schema: Schema,
    /// Issuer id (a code).
    #[serde(with = "serde_fr")]
    pub issuer: Fr,
    /// The holder's public key.
    #[serde(with = "serde_fr")]
    pub holder_key: Fr,
    /// Last day on which the credential is valid.
    pub expiry: Day,
    /// Random salt that makes the commitment hiding.
    #[serde(with = "serde_fr")]
    pub salt: Fr,
    /// Attribute slots.
    #[serde(with = "crate::field::serde_fr_array")]
    pub slots: [Fr; NUM_SLOTS],
}

/// A [`Credential`] as read from a file, its schema named by its short name:
/// [`CredentialSpec::resolve`] looks the name up in a catalog of schemas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialSpec {
    /// The schema's short name (e.g. `"vaccination"`).
    pub schema: String,
    /// Issuer id (a code).
    #[serde(with = "serde_fr")]
    pub issuer: Fr,
    /// The holder's public key.
    #[serde(with = "serde_fr")]
    pub holder_key: Fr,
    /// Last day on which the credential is valid.
    pub expiry: Day,
    /// Random salt that makes the commitment hiding.
    #[serde(with = "serde_fr")]
    pub salt: Fr,
    /// Attribute slots.
    #[serde(with = "crate::field::serde_fr_array")]
    pub slots: [Fr; NUM_SLOTS],
}

impl CredentialSpec {
    /// The credential, with the schema that `find` gives for the short name;
    /// [`Error::UnknownSchema`] if it gives none.
    pub fn resolve(self, find: impl Fn(&str) -> Option<Schema>) -> Result<Credential, Error> {
        Ok(Credential {
            schema: find_schema(&self.schema, find)?,
            issuer: self.issuer,
            holder_key: self.holder_key,
            expiry: self.expiry,
            salt: self.salt,
            slots: self.slots,
        })
    }
}

impl From<Credential> for CredentialSpec {
    fn from(c: Credential) -> Self {
        CredentialSpec {
            schema: c.schema.short_name().into(),
            issuer: c.issuer,
            holder_key: c.holder_key,
            expiry: c.expiry,
            salt: c.salt,
            slots: c.slots,
        }
    }
}

impl Credential {
    /// A credential for `record`, issued by `issuer` to the holder of `holder_key`, with a fresh salt.
    pub fn new<A: Attributes + ?Sized, R: RngCore + CryptoRng>(
        record: &A,
        issuer: &str,
        holder_key: Fr,
        expiry: Day,
        rng: &mut R,
    ) -> Result<Self, Error> {
        Ok(Credential {
            schema: record.schema(),
            issuer: codes::encode(issuer)?,
            holder_key,
            expiry: expiry.validate()?,
            salt: Fr::rand(rng),
            slots: record.to_slots()?,
        })
    }

    /// The commitment (registry leaf).
    pub fn commit(&self) -> Fr {
        let mut inputs = vec![
            self.schema.id(),
            self.issuer,
            self.holder_key,
            self.expiry.to_field(),
            self.salt,
        ];
        inputs.extend_from_slice(&self.slots);
        hash_fixed(Domain::Commitment, &inputs)
    }

    /// A short description for logs (never the slots or salt).
    pub fn summary(&self) -> String {
        format!(
            "{:?} credential from {}, expires {}, commitment {}",
            self.schema,
            codes::decode(&self.issuer).unwrap_or_else(|| fr_to_hex(&self.issuer)),
            self.expiry,
            fr_to_hex(&self.commit())
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    use super::*;
    use crate::date::DobInterval;

    const fn slot(position: usize, name: &'static str, kind: SlotKind) -> Slot {
        Slot {
            position,
            name,
            kind,
        }
    }

    /// Slot positions of the test vaccination table (those of `zkhealth_records`' table).
    pub(crate) mod vaccination {
        pub(crate) const DISEASE: usize = 0;
        pub(crate) const VACCINE: usize = 1;
        pub(crate) const PRODUCT: usize = 2;
        pub(crate) const MANUFACTURER: usize = 3;
        pub(crate) const DOSE_NUMBER: usize = 4;
        pub(crate) const TOTAL_DOSES: usize = 5;
        pub(crate) const DATE: usize = 6;
        pub(crate) const COUNTRY: usize = 7;
        pub(crate) const DOB_EARLIEST: usize = 8;
        pub(crate) const DOB_LATEST: usize = 9;
    }

    /// A copy of `zkhealth_records`' vaccination table, for the relation's own tests.
    pub(crate) const VACCINATION: Schema = {
        use vaccination::*;
        use SlotKind::*;
        Schema::new(
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
        )
    };

    /// A copy of `zkhealth_records`' identity table.
    pub(crate) const IDENTITY: Schema = {
        use SlotKind::*;
        Schema::new(
            "zkhealth/identity/v1",
            "identity",
            &[
                slot(0, "nationality", Code),
                slot(1, "unused1", Unused),
                slot(2, "unused2", Unused),
                slot(3, "unused3", Unused),
                slot(4, "unused4", Unused),
                slot(5, "unused5", Unused),
                slot(6, "unused6", Unused),
                slot(7, "unused7", Unused),
                slot(8, "dob_earliest", Ymd),
                slot(9, "dob_latest", Ymd),
            ],
        )
    };

    /// The test catalog.
    pub(crate) fn find(short_name: &str) -> Option<Schema> {
        [VACCINATION, IDENTITY]
            .into_iter()
            .find(|s| s.short_name() == short_name)
    }

    /// A vaccination record's slots (the values of `zkhealth_records`' sample record).
    pub(crate) struct SampleRecord;

    impl Attributes for SampleRecord {
        fn schema(&self) -> Schema {
            VACCINATION
        }

        fn to_slots(&self) -> Result<[Fr; NUM_SLOTS], Error> {
            use vaccination::*;
            let mut s = [Fr::from(0u8); NUM_SLOTS];
            s[DISEASE] = codes::encode("840539006")?;
            s[VACCINE] = codes::encode("J07BX03")?;
            s[PRODUCT] = codes::encode("EU/1/20/1528")?;
            s[MANUFACTURER] = codes::encode("ORG-100030215")?;
            s[DOSE_NUMBER] = Fr::from(2u8);
            s[TOTAL_DOSES] = Fr::from(2u8);
            s[DATE] = "2026-05-01".parse::<Day>()?.to_field();
            s[COUNTRY] = codes::encode("NL")?;
            s[DOB_EARLIEST] = DobInterval::parse("1990-04-12")?.earliest.to_field();
            s[DOB_LATEST] = DobInterval::parse("1990-04-12")?.latest.to_field();
            Ok(s)
        }
    }

    pub(crate) fn sample_record() -> SampleRecord {
        SampleRecord
    }

    #[test]
    fn commitment_depends_on_every_field() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let secret = HolderSecret::random(&mut rng);
        let c = Credential::new(
            &sample_record(),
            "NL-RIVM",
            secret.holder_key(),
            "2027-05-01".parse().unwrap(),
            &mut rng,
        )
        .unwrap();
        let base = c.commit();
        let mut variants = vec![];
        let mut v = c.clone();
        v.schema = IDENTITY;
        variants.push(v);
        let mut v = c.clone();
        v.issuer += Fr::from(1u8);
        variants.push(v);
        let mut v = c.clone();
        v.holder_key += Fr::from(1u8);
        variants.push(v);
        let mut v = c.clone();
        v.expiry = Day(v.expiry.0 + 1);
        variants.push(v);
        let mut v = c.clone();
        v.salt += Fr::from(1u8);
        variants.push(v);
        for i in 0..NUM_SLOTS {
            let mut v = c.clone();
            v.slots[i] += Fr::from(1u8);
            variants.push(v);
        }
        for v in variants {
            assert_ne!(v.commit(), base);
        }
    }

    #[test]
    fn holder_key_and_nullifier_are_domain_separated() {
        let s = HolderSecret(Fr::from(11u8));
        assert_ne!(s.holder_key(), poseidon::hash(&[Fr::from(11u8)]).unwrap());
        assert_ne!(s.nullifier(&Fr::from(1u8)), s.nullifier(&Fr::from(2u8)));
        assert_eq!(s.nullifier(&Fr::from(1u8)), s.nullifier(&Fr::from(1u8)));
        assert_eq!(format!("{s:?}"), "HolderSecret(..)");
    }

    /// A table whose slot `i` is `names[i]`, with slot 3 at `position3` (leaked: tests only).
    fn table(names: [&'static str; NUM_SLOTS], position3: usize) -> &'static [Slot; NUM_SLOTS] {
        let mut slots = [slot(0, "", SlotKind::Code); NUM_SLOTS];
        for (i, name) in names.into_iter().enumerate() {
            slots[i] = slot(if i == 3 { position3 } else { i }, name, SlotKind::Code);
        }
        Box::leak(Box::new(slots))
    }

    const NAMES: [&str; NUM_SLOTS] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

    #[test]
    fn schema_new_accepts_a_well_numbered_table() {
        let s = Schema::new("example/t/v1", "t", table(NAMES, 3));
        assert_eq!(s.slot("d").unwrap(), 3);
        assert_eq!(s.id(), codes::encode("example/t/v1").unwrap());
    }

    #[test]
    #[should_panic(expected = "slot positions must be 0, 1, 2, ... in table order")]
    fn schema_new_refuses_a_misnumbered_table() {
        Schema::new("example/t/v1", "t", table(NAMES, 4));
    }

    #[test]
    #[should_panic(expected = "slot names must be unique within a schema")]
    fn schema_new_refuses_a_repeated_slot_name() {
        let mut names = NAMES;
        names[7] = "b";
        Schema::new("example/t/v1", "t", table(names, 3));
    }

    #[test]
    #[should_panic(expected = "a schema's name must be a code")]
    fn schema_new_refuses_a_name_that_is_not_a_code() {
        Schema::new("example t v1", "t", table(NAMES, 3));
    }

    #[test]
    #[should_panic(expected = "a schema's short name must not be empty")]
    fn schema_new_refuses_an_empty_short_name() {
        Schema::new("example/t/v1", "", table(NAMES, 3));
    }

    #[test]
    fn slot_finds_used_slots_by_name_and_never_unused_ones() {
        assert_eq!(VACCINATION.slot("country").unwrap(), vaccination::COUNTRY);
        assert_eq!(IDENTITY.slot("dob_latest").unwrap(), 9);
        let err = IDENTITY.slot("unused1").unwrap_err();
        assert_eq!(
            err,
            Error::InvalidPolicy("schema identity has no field \"unused1\"".into())
        );
        assert!(VACCINATION.slot("nationality").is_err());
        assert_eq!(IDENTITY.kind(0), Some(SlotKind::Code));
        assert_eq!(IDENTITY.kind(1), Some(SlotKind::Unused));
        assert_eq!(IDENTITY.kind(NUM_SLOTS), None);
    }

    #[test]
    fn schemas_are_equal_by_name_and_show_their_short_name() {
        assert_eq!(VACCINATION, VACCINATION);
        assert_ne!(VACCINATION, IDENTITY);
        let renamed = Schema::new("zkhealth/vaccination/v1", "other", VACCINATION.slots());
        assert_eq!(renamed, VACCINATION);
        assert_eq!(format!("{VACCINATION:?}"), "vaccination");
        assert_eq!(VACCINATION.to_string(), "vaccination");
        assert_eq!(VACCINATION.name(), "zkhealth/vaccination/v1");
        assert_eq!(
            serde_json::to_string(&VACCINATION).unwrap(),
            "\"vaccination\""
        );
    }

    #[test]
    fn a_credential_round_trips_through_its_spec() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let c = Credential::new(
            &sample_record(),
            "NL-RIVM",
            HolderSecret::random(&mut rng).holder_key(),
            "2027-05-01".parse().unwrap(),
            &mut rng,
        )
        .unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.starts_with("{\"schema\":\"vaccination\","), "{json}");
        let spec: CredentialSpec = serde_json::from_str(&json).unwrap();
        assert_eq!(spec, CredentialSpec::from(c.clone()));
        assert_eq!(spec.clone().resolve(find).unwrap(), c);
        assert_eq!(
            spec.resolve(|_| None).unwrap_err(),
            Error::UnknownSchema("vaccination".into())
        );
        let extra = json.replacen('{', "{\"extra\":1,", 1);
        assert!(serde_json::from_str::<CredentialSpec>(&extra).is_err());
    }
}
