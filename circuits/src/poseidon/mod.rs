//! Poseidon with circomlib's parameters over the BN254 scalar field.
//!
//! `x^5` S-box, 8 full rounds, circomlib's partial rounds for each width, state
//! `[0, inputs...]`, output `state[0]`: the hash that circomlibjs, poseidon-lite,
//! poseidon-solidity and the Semaphore/iden3 tools compute. The round constants and MDS matrix
//! come from arkworks' `find_poseidon_ark_and_mds(254, t - 1, 8, RP, 0)`, which yields circomlib's.
//!
//! Every use inside zkhealth is domain-separated: [`hash_with_domain`] puts a [`Domain`] tag in
//! front of the inputs. Merkle nodes are the one exception ([`hash_node`]), so that registry roots
//! match zk-kit's `IMT`.

#[cfg(feature = "r1cs")]
pub mod constraints;

use std::sync::OnceLock;

use ark_crypto_primitives::sponge::poseidon::find_poseidon_ark_and_mds;

use crate::{field::Fr, Error};

/// Largest number of inputs circomlib's Poseidon takes (width 17).
pub const MAX_INPUTS: usize = 16;

/// Number of full rounds, for every width.
pub const FULL_ROUNDS: usize = 8;

/// circomlib's number of partial rounds for widths 2 to 17 (1 to 16 inputs).
pub const PARTIAL_ROUNDS: [usize; MAX_INPUTS] = [
    56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68,
];

/// Round constants and MDS matrix for one width.
#[derive(Debug)]
pub struct PoseidonParams {
    /// State width `t` (inputs + 1).
    pub width: usize,
    /// Partial rounds for this width.
    pub partial_rounds: usize,
    /// Round constants, one row of `width` per round.
    pub ark: Vec<Vec<Fr>>,
    /// The `width x width` MDS matrix.
    pub mds: Vec<Vec<Fr>>,
}

impl PoseidonParams {
    /// Total rounds (full + partial).
    pub fn rounds(&self) -> usize {
        FULL_ROUNDS + self.partial_rounds
    }

    /// Whether round `r` is a full round (the first and last four are).
    pub fn is_full_round(&self, r: usize) -> bool {
        r < FULL_ROUNDS / 2 || r >= FULL_ROUNDS / 2 + self.partial_rounds
    }
}

/// The parameters for `n_inputs` inputs (1 to 16), computed once and cached.
pub fn params(n_inputs: usize) -> Result<&'static PoseidonParams, Error> {
    static CACHE: [OnceLock<PoseidonParams>; MAX_INPUTS] = [const { OnceLock::new() }; MAX_INPUTS];
    let slot = n_inputs
        .checked_sub(1)
        .and_then(|i| CACHE.get(i))
        .ok_or(Error::PoseidonArity(n_inputs))?;
    let partial_rounds = PARTIAL_ROUNDS[n_inputs - 1];
    Ok(slot.get_or_init(|| {
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            254,
            n_inputs,
            FULL_ROUNDS as u64,
            partial_rounds as u64,
            0,
        );
        PoseidonParams {
            width: n_inputs + 1,
            partial_rounds,
            ark,
            mds,
        }
    }))
}

fn sbox(x: Fr) -> Fr {
    let x2 = x * x;
    x2 * x2 * x
}

/// Poseidon over 1 to 16 inputs, exactly as circomlib computes it.
pub fn hash(inputs: &[Fr]) -> Result<Fr, Error> {
    let p = params(inputs.len())?;
    let t = p.width;
    // Fixed-size buffers on the stack: no allocation per round.
    let mut state = [Fr::from(0u8); MAX_INPUTS + 1];
    let mut next = [Fr::from(0u8); MAX_INPUTS + 1];
    state[1..t].copy_from_slice(inputs);
    for r in 0..p.rounds() {
        for (s, c) in state[..t].iter_mut().zip(&p.ark[r]) {
            *s += c;
        }
        if p.is_full_round(r) {
            state[..t].iter_mut().for_each(|s| *s = sbox(*s));
        } else {
            state[0] = sbox(state[0]);
        }
        for (n, row) in next[..t].iter_mut().zip(&p.mds) {
            *n = row.iter().zip(&state[..t]).map(|(m, s)| *m * s).sum();
        }
        std::mem::swap(&mut state, &mut next);
    }
    Ok(state[0])
}

/// Poseidon of four elements: a registry's Merkle node (no domain tag, to match zk-kit's `IMT`
/// with arity 4).
pub fn hash_node(children: &[Fr; 4]) -> Fr {
    match hash(children) {
        Ok(h) => h,
        // Four inputs is always a supported arity.
        Err(_) => unreachable!("Poseidon supports four inputs"),
    }
}

/// What a hash is used for. Each use gets its own tag, hashed in front of the inputs, so that a
/// value computed for one purpose can never be passed off as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// A credential's commitment (the registry leaf).
    Commitment,
    /// A holder's public key, `H(secret)`.
    HolderKey,
    /// A scoped nullifier, `H(secret, scope)`.
    Nullifier,
    /// A policy's query hash (conditions and disclosed values).
    Query,
    /// A long string encoded as a field element.
    Code,
    /// A nullifier scope derived from a verifier id and an event.
    Scope,
    /// A claim's nullifier, `H(secret, provider, treatment id, scope)`.
    ClaimNullifier,
    /// A claim's query hash, combining the query hashes of its two credentials.
    ClaimQuery,
}

impl Domain {
    /// The tag: the ASCII of `zkhealth/<use>/v1`, read as a big-endian integer.
    pub fn tag(self) -> Fr {
        let name: &str = match self {
            Domain::Commitment => "zkhealth/commitment/v1",
            Domain::HolderKey => "zkhealth/holder-key/v1",
            Domain::Nullifier => "zkhealth/nullifier/v1",
            Domain::Query => "zkhealth/query/v1",
            Domain::Code => "zkhealth/code/v1",
            Domain::Scope => "zkhealth/scope/v1",
            Domain::ClaimNullifier => "zkhealth/claim-nullifier/v1",
            Domain::ClaimQuery => "zkhealth/claim-query/v1",
        };
        <Fr as ark_ff::PrimeField>::from_be_bytes_mod_order(name.as_bytes())
    }

    /// All domains, for tests that check they differ.
    pub const ALL: [Domain; 8] = [
        Domain::Commitment,
        Domain::HolderKey,
        Domain::Nullifier,
        Domain::Query,
        Domain::Code,
        Domain::Scope,
        Domain::ClaimNullifier,
        Domain::ClaimQuery,
    ];
}

/// `Poseidon(domain.tag(), inputs...)`; takes 0 to 15 inputs.
pub fn hash_with_domain(domain: Domain, inputs: &[Fr]) -> Result<Fr, Error> {
    let mut all = Vec::with_capacity(inputs.len() + 1);
    all.push(domain.tag());
    all.extend_from_slice(inputs);
    hash(&all)
}

/// Hashes any number of elements under a domain: a chain of width-17 Poseidons, each absorbing
/// up to 15 new elements after the running value (the first after the tag), so that
/// `h_0 = tag` and `h_{i+1} = Poseidon(h_i, chunk_i)`. The chunking is fixed by the length, so
/// callers with a fixed length (the query hash) get a fixed circuit shape.
pub fn hash_long(domain: Domain, inputs: &[Fr]) -> Result<Fr, Error> {
    let mut acc = domain.tag();
    if inputs.is_empty() {
        return hash(&[acc]);
    }
    for chunk in inputs.chunks(MAX_INPUTS - 1) {
        let mut all = Vec::with_capacity(chunk.len() + 1);
        all.push(acc);
        all.extend_from_slice(chunk);
        acc = hash(&all)?;
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unsupported_arity() {
        assert_eq!(hash(&[]), Err(Error::PoseidonArity(0)));
        assert_eq!(hash(&[Fr::from(1u8); 17]), Err(Error::PoseidonArity(17)));
        assert!(hash_with_domain(Domain::Query, &[Fr::from(1u8); 16]).is_err());
    }

    #[test]
    fn domains_have_distinct_tags_and_outputs() {
        let x = [Fr::from(7u8)];
        for (i, a) in Domain::ALL.iter().enumerate() {
            for b in &Domain::ALL[i + 1..] {
                assert_ne!(a.tag(), b.tag());
                assert_ne!(
                    hash_with_domain(*a, &x).unwrap(),
                    hash_with_domain(*b, &x).unwrap()
                );
            }
        }
    }

    #[test]
    fn hash_long_chains_by_chunks_of_fifteen() {
        let xs: Vec<Fr> = (0..31u64).map(Fr::from).collect();
        let h1 = hash(&[&[Domain::Query.tag()][..], &xs[..15]].concat()).unwrap();
        let h2 = hash(&[&[h1][..], &xs[15..30]].concat()).unwrap();
        let h3 = hash(&[h2, xs[30]]).unwrap();
        assert_eq!(hash_long(Domain::Query, &xs).unwrap(), h3);
    }
}
