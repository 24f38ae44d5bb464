//! Which policies a presentation contract can accept: the contract compares a presentation's
//! query hash with the hashes its owner accepted, so a policy is accepted by one hash.
//!
//! A claims contract accepts a claim policy the same way, by one query hash per (coverage
//! policy, treatment policy, amount) ([`accepted_claim_policy`]): the treatment policy
//! discloses the amount, which the query hash commits to, so the contract binds the amount it
//! pays by the hash it accepted, without recomputing a Poseidon hash on chain.

use zkhealth_circuits::{
    claim::{claim_query_hash, treatment},
    policy::Policy,
    Fr,
};

use crate::EvmError;

/// How a presentation contract accepts a policy (`acceptPolicy(queryHash, admitsLaterDay)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedPolicy {
    /// The query hash the contract accepts the policy by.
    pub query_hash: Fr,
    /// Whether presentations may carry the day after the block's: only when every condition is
    /// at least as strict on a later day
    /// ([`CompiledPolicy::admits_later_day`](zkhealth_circuits::policy::CompiledPolicy::admits_later_day)).
    pub admits_later_day: bool,
}

/// What a presentation contract accepts `policy` by: its query hash ([`accepted_query_hash`])
/// and whether it admits the day after the block's.
pub fn accepted_policy(policy: &Policy) -> Result<AcceptedPolicy, EvmError> {
    let query_hash = accepted_query_hash(policy)?;
    Ok(AcceptedPolicy {
        query_hash,
        admits_later_day: policy.compile()?.admits_later_day(),
    })
}

/// The query hash a presentation contract accepts `policy` by.
///
/// A policy that discloses slots is refused with [`EvmError::DisclosingPolicy`]: its query hash
/// also covers the holder's disclosed values, so it differs from holder to holder and no single
/// hash accepts it.
pub fn accepted_query_hash(policy: &Policy) -> Result<Fr, EvmError> {
    let disclosed = policy.disclosed_slots();
    if !disclosed.is_empty() {
        let slots = policy.schema.slots();
        return Err(EvmError::DisclosingPolicy {
            slots: disclosed
                .iter()
                .map(|s| slots.get(*s).map_or("?", |slot| slot.name).to_string())
                .collect(),
        });
    }
    Ok(policy.query_hash(&[])?)
}

/// How a claims contract accepts claims of one amount under a coverage policy and a treatment
/// policy (`acceptClaimPolicy(queryHash, amount, admitsLaterDay)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedClaimPolicy {
    /// The claim query hash the contract accepts (`claim_query_hash` of both policies' query
    /// hashes, the treatment's with `amount` disclosed).
    pub query_hash: Fr,
    /// The amount the query hash commits to, which the contract pays (emits) per claim.
    pub amount: u64,
    /// Whether claims may carry the day after the block's: only when both policies admit it.
    pub admits_later_day: bool,
}

/// What a claims contract accepts claims of `amount` by, under `coverage` (a policy over the
/// coverage credential that discloses nothing) and `treatment` (a policy over the treatment
/// record that discloses the amount and nothing else).
///
/// Refused with [`EvmError::ClaimDisclosure`] for any other disclosure: a value disclosed from
/// the coverage, or from the treatment besides its amount, would make the query hash differ from
/// holder to holder or treatment to treatment, and the contract would not know what it binds.
pub fn accepted_claim_policy(
    coverage: &Policy,
    treatment: &Policy,
    amount: u64,
) -> Result<AcceptedClaimPolicy, EvmError> {
    if !coverage.disclosed_slots().is_empty() {
        return Err(EvmError::ClaimDisclosure(
            "the coverage policy must disclose nothing on chain".into(),
        ));
    }
    if treatment.disclosed_slots() != [treatment::AMOUNT] {
        return Err(EvmError::ClaimDisclosure(
            "the treatment policy must disclose the amount and nothing else on chain".into(),
        ));
    }
    let query_hash = claim_query_hash(
        coverage.query_hash(&[])?,
        treatment.query_hash(&[Fr::from(amount)])?,
    );
    Ok(AcceptedClaimPolicy {
        query_hash,
        amount,
        admits_later_day: coverage.compile()?.admits_later_day()
            && treatment.compile()?.admits_later_day(),
    })
}

#[cfg(test)]
mod tests {
    use zkhealth_records::schema::vaccination;

    use super::*;

    #[test]
    fn a_policy_without_disclosure_is_accepted_by_its_query_hash() {
        let policy = Policy::new(vaccination::SCHEMA, "NL-RIVM");
        assert_eq!(
            accepted_query_hash(&policy),
            Ok(policy.query_hash(&[]).unwrap())
        );
    }

    #[test]
    fn a_disclosing_policy_is_refused_naming_its_slots() {
        let mut policy = Policy::new(vaccination::SCHEMA, "NL-RIVM");
        policy.disclose = vec![vaccination::COUNTRY, vaccination::DOSE_NUMBER];
        assert_eq!(
            accepted_query_hash(&policy),
            Err(EvmError::DisclosingPolicy {
                slots: vec!["dose_number".into(), "country".into()],
            })
        );
    }
}
