//! Claims: one proof over two credentials of one holder, an insurer's coverage credential and a
//! provider's treatment record.
//!
//! Relation, for public `(root_coverage, root_treatment, today, challenge, scope, nullifier,
//! query_hash)` and witness `(secret, coverage opening, treatment opening)`, with `holder_key =
//! H_key(secret)` computed once:
//!
//! - the coverage credential opens under `root_coverage` and the treatment record under
//!   `root_treatment`, both held by `holder_key`, both unexpired on `today`, each satisfying its
//!   own policy (payer, status, plan...; category, amount...);
//! - **cross conditions** ([`check_covered`] natively): the coverage is a
//!   [`coverage::SCHEMA_NAME`] credential and the treatment a [`treatment::SCHEMA_NAME`] one;
//!   `period_start ≤ day of service ≤ period_end`; the treatment's category is non-zero and is
//!   one of the coverage's four category slots; `amount ≤ annual_limit`; every operand of these
//!   comparisons is range-checked below 2³² and so is each difference, so they are integer
//!   comparisons;
//! - `nullifier = H_claim(secret, provider, treatment_id, scope)` ([`claim_nullifier`]): the same
//!   for every claim of one treatment in one insurer's scope, whoever submits it and however
//!   often, and uncomputable without the holder's secret;
//! - `query_hash = H_claim_query(query_hash_coverage, query_hash_treatment)`
//!   ([`claim_query_hash`]): each credential's policy with its disclosed values, combined;
//! - `challenge` is squared into a constraint so that it is bound by the proof.
//!
//! The slot positions the cross conditions read are fixed here ([`coverage`], [`treatment`]);
//! the schemas' full tables are `zkhealth_records::schema`'s, which a test there pins against
//! these.

#[cfg(feature = "r1cs")]
pub mod constraints;

use serde::{Deserialize, Serialize};

use crate::{
    circuit::CircuitId,
    codes,
    credential::{Credential, HolderSecret},
    date::Day,
    field::serde_fr,
    policy::small,
    poseidon::{self, Domain},
    statement::day_input,
    Error, Fr, PublicInputs,
};

/// The coverage credential's slots that a claim reads.
pub mod coverage {
    /// The schema's name (its code is the schema id).
    pub const SCHEMA_NAME: &str = "zkhealth/coverage/v1";
    /// First covered day (day number).
    pub const PERIOD_START: usize = 3;
    /// Last covered day (day number).
    pub const PERIOD_END: usize = 4;
    /// Annual limit, in the currency's minor unit.
    pub const ANNUAL_LIMIT: usize = 5;
    /// First of the covered service-category slots.
    pub const CATEGORIES: usize = 6;
    /// How many category slots there are.
    pub const MAX_CATEGORIES: usize = 4;
}

/// The treatment record's slots that a claim reads.
pub mod treatment {
    /// The schema's name (its code is the schema id).
    pub const SCHEMA_NAME: &str = "zkhealth/treatment/v1";
    /// Provider id.
    pub const PROVIDER: usize = 0;
    /// Service category.
    pub const CATEGORY: usize = 1;
    /// Day of service (day number).
    pub const DATE: usize = 3;
    /// Amount billed, in the currency's minor unit.
    pub const AMOUNT: usize = 4;
    /// The treatment's identifier at its provider.
    pub const TREATMENT_ID: usize = 5;
}

// The category slots end at the last slot of a credential.
const _: () =
    assert!(coverage::CATEGORIES + coverage::MAX_CATEGORIES == crate::credential::NUM_SLOTS);

/// The public inputs of one claim.
///
/// | # | input | meaning |
/// |---|-------|---------|
/// | 0 | `root_coverage` | root of the insurer's registry, where the coverage credential is a leaf |
/// | 1 | `root_treatment` | root of the provider registry, where the treatment record is a leaf |
/// | 2 | `today` | the insurer's date (day number); both credentials must be unexpired on it |
/// | 3 | `challenge` | the insurer's nonce |
/// | 4 | `scope` | the insurer's claim scope |
/// | 5 | `nullifier` | the claim nullifier ([`claim_nullifier`]) |
/// | 6 | `query_hash` | both policies with their disclosed values ([`claim_query_hash`]) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimStatement {
    /// Root of the insurer's registry.
    #[serde(with = "serde_fr")]
    pub root_coverage: Fr,
    /// Root of the provider registry.
    #[serde(with = "serde_fr")]
    pub root_treatment: Fr,
    /// The insurer's date.
    pub today: Day,
    /// The insurer's challenge.
    #[serde(with = "serde_fr")]
    pub challenge: Fr,
    /// The insurer's claim scope.
    #[serde(with = "serde_fr")]
    pub scope: Fr,
    /// The claim nullifier.
    #[serde(with = "serde_fr")]
    pub nullifier: Fr,
    /// Both policies with their disclosed values.
    #[serde(with = "serde_fr")]
    pub query_hash: Fr,
}

impl PublicInputs for ClaimStatement {
    const CIRCUIT: CircuitId = CircuitId::Claim;
    const INPUT_NAMES: &'static [&'static str] = &[
        "root_coverage",
        "root_treatment",
        "today",
        "challenge",
        "scope",
        "nullifier",
        "query_hash",
    ];

    fn to_field_elements(&self) -> Vec<Fr> {
        vec![
            self.root_coverage,
            self.root_treatment,
            self.today.to_field(),
            self.challenge,
            self.scope,
            self.nullifier,
            self.query_hash,
        ]
    }

    /// Refuses a count other than seven and a `today` that is not a day number up to
    /// 9999-12-31.
    fn from_field_elements(inputs: &[Fr]) -> Result<Self, Error> {
        let [root_coverage, root_treatment, today, challenge, scope, nullifier, query_hash] =
            <[Fr; 7]>::try_from(inputs).map_err(|_| Error::InputCount {
                expected: Self::NUM_INPUTS,
                got: inputs.len(),
            })?;
        Ok(ClaimStatement {
            root_coverage,
            root_treatment,
            today: day_input(&today)?,
            challenge,
            scope,
            nullifier,
            query_hash,
        })
    }
}

/// The claim nullifier of `treatment` for the holder of `secret` in `scope`:
/// `Poseidon(claim-nullifier tag, secret, provider, treatment id, scope)`.
///
/// It depends on the treatment (its provider and identifier), the holder and the insurer's
/// scope only: every claim of one treatment to one insurer has it, whatever the challenge, the
/// proof's randomness or the sender. Without the secret nobody computes it, not even from the
/// treatment's identifiers, which may be guessable.
pub fn claim_nullifier(secret: &HolderSecret, treatment: &Credential, scope: &Fr) -> Fr {
    let s = &treatment.slots;
    hash(
        Domain::ClaimNullifier,
        &[
            secret.0,
            s[treatment::PROVIDER],
            s[treatment::TREATMENT_ID],
            *scope,
        ],
    )
}

/// The claim's query hash: `Poseidon(claim-query tag, coverage's, treatment's)`, from the query
/// hash of each credential's policy with its disclosed values
/// ([`crate::policy::Policy::query_hash`]).
pub fn claim_query_hash(coverage: Fr, treatment: Fr) -> Fr {
    hash(Domain::ClaimQuery, &[coverage, treatment])
}

fn hash(domain: Domain, inputs: &[Fr]) -> Fr {
    match poseidon::hash_with_domain(domain, inputs) {
        Ok(h) => h,
        // Two and four inputs after the tag are supported arities.
        Err(_) => unreachable!("Poseidon supports up to 15 inputs after the tag"),
    }
}

/// The cross-credential conditions of a claim, checked natively: what the claim circuit
/// enforces between the two credentials (module docs). Fails naming the first that does not
/// hold, with [`Error::NotCovered`], or [`Error::InvalidCredential`] for a credential of
/// another schema.
pub fn check_covered(cov: &Credential, trt: &Credential) -> Result<(), Error> {
    for (c, name) in [(cov, coverage::SCHEMA_NAME), (trt, treatment::SCHEMA_NAME)] {
        if c.schema.name() != name {
            return Err(Error::InvalidCredential(format!(
                "a claim needs a {name} credential, got a {:?} credential",
                c.schema
            )));
        }
    }
    let number = |c: &Credential, slot: usize, what: &'static str| {
        small(&c.slots[slot]).ok_or(Error::NotCovered {
            condition: what,
            reason: "the slot does not hold a number below 2^32".into(),
        })
    };
    let start = number(cov, coverage::PERIOD_START, "coverage period start")?;
    let end = number(cov, coverage::PERIOD_END, "coverage period end")?;
    let limit = number(cov, coverage::ANNUAL_LIMIT, "annual limit")?;
    let date = number(trt, treatment::DATE, "day of service")?;
    let amount = number(trt, treatment::AMOUNT, "amount")?;
    let day = |d: u32| Day(d).to_string();
    if date < start || date > end {
        return Err(Error::NotCovered {
            condition: "day of service within the coverage period",
            reason: format!(
                "served on {}, covered from {} to {}",
                day(date),
                day(start),
                day(end)
            ),
        });
    }
    let category = trt.slots[treatment::CATEGORY];
    let covered = &cov.slots[coverage::CATEGORIES..];
    if category == Fr::from(0u8) || !covered.contains(&category) {
        let name = |x: &Fr| codes::decode(x).unwrap_or_else(|| "(none)".into());
        return Err(Error::NotCovered {
            condition: "service category among the coverage's",
            reason: format!(
                "category {} is not one of {}",
                name(&category),
                covered
                    .iter()
                    .filter(|c| **c != Fr::from(0u8))
                    .map(name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    if amount > limit {
        return Err(Error::NotCovered {
            condition: "amount at most the annual limit",
            reason: format!("amount {amount} is above the limit {limit}"),
        });
    }
    Ok(())
}
