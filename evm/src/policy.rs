//! Which policies a presentation contract can accept: the contract compares a presentation's
//! query hash with the hashes its owner accepted, so a policy is accepted by one hash.

use zkhealth_circuits::{policy::Policy, Fr};

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
