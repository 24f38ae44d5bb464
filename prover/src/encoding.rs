//! The proving artifact's fast encoding: points and field elements as their in-memory Montgomery
//! limbs, the constraint matrices' coefficients through a table of distinct values.
//!
//! Loading this needs no decompression and no conversion: a coordinate is four little-endian
//! words checked to be below the modulus and taken as they are, and a matrix entry is two words
//! (variable, index into the coefficient table). At depth 32 the file is less than half the
//! size of the arkworks encoding (the Poseidon gadget's coefficients repeat across its hashes).
//!
//! ```text
//! tag          8 bytes  b"ZKPKRAW1"
//! vk file      u64 length + the verifying key file (circuit id, depth, key)
//! small parts  u64 length + the proving key's verifying key, β₁ and δ₁ (arkworks, uncompressed)
//! a, b₁        u64 count + count × 64 bytes (x, y in G1: 4 words each; the identity is all zero)
//! b₂           u64 count + count × 128 bytes (x.c0, x.c1, y.c0, y.c1)
//! h, l         as a
//! matrices     u64 instance variables, witness variables, constraints;
//!              u32 coefficient count + that many × 32 bytes (Fr limbs);
//!              for A, B, C: constraints × u32 row length, then per entry u32 variable, u32 coefficient
//! provenance   as in the arkworks encoding (reduction byte, u32 length + origin JSON)
//! ```
//!
//! Every length and index is checked against the input before anything is allocated or read.
//! Points are not checked to lie on the curve here: the loaders do that where the source is not
//! trusted.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use ark_groth16::{ProvingKey, VerifyingKey as ArkVerifyingKey};
use ark_relations::gr1cs::Matrix;
use ark_serialize::{
    CanonicalDeserialize, CanonicalSerialize, Compress, SerializationError, Validate,
};
use ark_std::{cfg_chunks, cfg_into_iter, cfg_iter};
#[cfg(feature = "parallel")]
use rayon::prelude::*;
use std::collections::HashMap;

use crate::{matrices::ConstraintMatrices, ProverError};

/// The first bytes of a payload in this encoding (an arkworks-encoded payload starts with the
/// verifying key file's length, a small number).
pub(crate) const TAG: [u8; 8] = *b"ZKPKRAW1";

const G1_LEN: usize = 64;
const G2_LEN: usize = 128;
const FIELD_LEN: usize = 32;

fn bad(what: impl std::fmt::Display) -> ProverError {
    ProverError::Serialization(format!("proving artifact: {what}"))
}

fn put_limbs(out: &mut Vec<u8>, limbs: &[u64; 4]) {
    for l in limbs {
        out.extend_from_slice(&l.to_le_bytes());
    }
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u64).to_le_bytes());
}

fn put_g1(out: &mut Vec<u8>, p: &G1Affine) {
    match p.xy() {
        Some((x, y)) => {
            put_limbs(out, &x.0 .0);
            put_limbs(out, &y.0 .0);
        }
        None => out.extend_from_slice(&[0; G1_LEN]),
    }
}

fn put_g2(out: &mut Vec<u8>, p: &G2Affine) {
    match p.xy() {
        Some((x, y)) => {
            for c in [x.c0, x.c1, y.c0, y.c1] {
                put_limbs(out, &c.0 .0);
            }
        }
        None => out.extend_from_slice(&[0; G2_LEN]),
    }
}

/// Appends the proving key and the matrices in this encoding (the caller writes the tag and the
/// verifying key file before them).
pub(crate) fn write(
    out: &mut Vec<u8>,
    pk: &ProvingKey<Bn254>,
    m: &ConstraintMatrices,
) -> Result<(), ProverError> {
    let mut small = Vec::new();
    (&pk.vk, &pk.beta_g1, &pk.delta_g1)
        .serialize_with_mode(&mut small, Compress::No)
        .map_err(|e| ProverError::Serialization(e.to_string()))?;
    put_len(out, small.len());
    out.extend_from_slice(&small);
    for (i, q) in [&pk.a_query, &pk.b_g1_query].into_iter().enumerate() {
        put_len(out, q.len());
        out.reserve(q.len() * G1_LEN);
        q.iter().for_each(|p| put_g1(out, p));
        if i == 1 {
            put_len(out, pk.b_g2_query.len());
            out.reserve(pk.b_g2_query.len() * G2_LEN);
            pk.b_g2_query.iter().for_each(|p| put_g2(out, p));
        }
    }
    for q in [&pk.h_query, &pk.l_query] {
        put_len(out, q.len());
        out.reserve(q.len() * G1_LEN);
        q.iter().for_each(|p| put_g1(out, p));
    }
    write_matrices(out, m)
}

fn write_matrices(out: &mut Vec<u8>, m: &ConstraintMatrices) -> Result<(), ProverError> {
    for n in [
        m.num_instance_variables,
        m.num_witness_variables,
        m.num_constraints,
    ] {
        put_len(out, n);
    }
    let mut table: Vec<Fr> = Vec::new();
    let mut index: HashMap<[u64; 4], u32> = HashMap::new();
    for (coeff, _) in m.abc.iter().flatten().flatten() {
        if let std::collections::hash_map::Entry::Vacant(slot) = index.entry(coeff.0 .0) {
            slot.insert(u32::try_from(table.len()).map_err(|_| bad("too many coefficients"))?);
            table.push(*coeff);
        }
    }
    out.extend_from_slice(&(table.len() as u32).to_le_bytes());
    table.iter().for_each(|c| put_limbs(out, &c.0 .0));
    let u32_of =
        |n: usize, what: &str| u32::try_from(n).map_err(|_| bad(format!("{what} overflows")));
    for matrix in &m.abc {
        if matrix.len() != m.num_constraints {
            return Err(bad(
                "a matrix's row count differs from the constraint count",
            ));
        }
        for row in matrix {
            out.extend_from_slice(&u32_of(row.len(), "row length")?.to_le_bytes());
        }
        for (coeff, var) in matrix.iter().flatten() {
            let i = index.get(&coeff.0 .0).copied().unwrap_or_default();
            out.extend_from_slice(&u32_of(*var, "variable index")?.to_le_bytes());
            out.extend_from_slice(&i.to_le_bytes());
        }
    }
    Ok(())
}

/// A cursor over the payload whose every read is bounds-checked.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], ProverError> {
        let (head, tail) = self
            .0
            .split_at_checked(n)
            .ok_or_else(|| bad(format!("truncated {what}")))?;
        self.0 = tail;
        Ok(head)
    }

    fn u64(&mut self, what: &str) -> Result<u64, ProverError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn u32(&mut self, what: &str) -> Result<u32, ProverError> {
        let b = self.take(4, what)?;
        let mut a = [0u8; 4];
        a.copy_from_slice(b);
        Ok(u32::from_le_bytes(a))
    }

    /// A count of items of `item_len` bytes each, which must fit the remaining input.
    fn count(&mut self, item_len: usize, what: &str) -> Result<usize, ProverError> {
        let n = usize::try_from(self.u64(what)?).map_err(|_| bad(format!("{what} overflows")))?;
        if n > self.0.len() / item_len.max(1) {
            return Err(bad(format!("{what}: more items than bytes")));
        }
        Ok(n)
    }
}

fn limbs(b: &[u8]) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (l, chunk) in out.iter_mut().zip(b.chunks_exact(8)) {
        let mut a = [0u8; 8];
        a.copy_from_slice(chunk);
        *l = u64::from_le_bytes(a);
    }
    out
}

/// A base-field element from its Montgomery limbs, which must be below the modulus.
fn fq(b: &[u8]) -> Option<Fq> {
    let l = BigInt(limbs(b));
    (l < Fq::MODULUS).then(|| Fq::new_unchecked(l))
}

fn fr(b: &[u8]) -> Option<Fr> {
    let l = BigInt(limbs(b));
    (l < Fr::MODULUS).then(|| Fr::new_unchecked(l))
}

fn g1(b: &[u8]) -> Option<G1Affine> {
    if b.iter().all(|x| *x == 0) {
        return Some(G1Affine::identity());
    }
    Some(G1Affine::new_unchecked(
        fq(b.get(..32)?)?,
        fq(b.get(32..64)?)?,
    ))
}

fn g2(b: &[u8]) -> Option<G2Affine> {
    if b.iter().all(|x| *x == 0) {
        return Some(G2Affine::identity());
    }
    let c = |i: usize| fq(b.get(32 * i..32 * (i + 1))?);
    Some(G2Affine::new_unchecked(
        Fq2::new(c(0)?, c(1)?),
        Fq2::new(c(2)?, c(3)?),
    ))
}

fn points<A: Send>(
    r: &mut Reader<'_>,
    len: usize,
    what: &str,
    decode: impl Fn(&[u8]) -> Option<A> + Send + Sync,
) -> Result<Vec<A>, ProverError> {
    let n = r.count(len, what)?;
    let bytes = r.take(n * len, what)?;
    cfg_chunks!(bytes, len)
        .map(|b| {
            decode(b).ok_or_else(|| bad(format!("{what}: a coordinate is not below the modulus")))
        })
        .collect()
}

/// Reads what [`write`] wrote, returning the rest of the payload (the provenance).
pub(crate) fn read(
    payload: &[u8],
    validate: Validate,
) -> Result<(ProvingKey<Bn254>, ConstraintMatrices, &[u8]), ProverError> {
    let mut r = Reader(payload);
    let small_len = r.count(1, "key header")?;
    let mut small = r.take(small_len, "key header")?;
    let (vk, beta_g1, delta_g1) =
        <(ArkVerifyingKey<Bn254>, G1Affine, G1Affine)>::deserialize_with_mode(
            &mut small,
            Compress::No,
            validate,
        )
        .map_err(key_error)?;
    let a_query = points(&mut r, G1_LEN, "a query", g1)?;
    let b_g1_query = points(&mut r, G1_LEN, "b query (G1)", g1)?;
    let b_g2_query = points(&mut r, G2_LEN, "b query (G2)", g2)?;
    let h_query = points(&mut r, G1_LEN, "h query", g1)?;
    let l_query = points(&mut r, G1_LEN, "l query", g1)?;
    let pk = ProvingKey {
        vk,
        beta_g1,
        delta_g1,
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    };
    if validate == Validate::Yes {
        check_points(&pk)?;
    }
    let matrices = read_matrices(&mut r)?;
    Ok((pk, matrices, r.0))
}

/// A proving key arkworks could not decode: invalid points or flags are
/// [`ProverError::InvalidProvingKey`], anything else (truncation, lengths) a serialization error.
pub(crate) fn key_error(e: SerializationError) -> ProverError {
    match e {
        SerializationError::InvalidData | SerializationError::UnexpectedFlags => {
            ProverError::InvalidProvingKey {
                reason: e.to_string(),
            }
        }
        other => ProverError::Serialization(format!("proving key: {other}")),
    }
}

fn invalid(reason: String) -> ProverError {
    ProverError::InvalidProvingKey { reason }
}

/// Every query point on its curve and in its prime-order subgroup.
fn check_points(pk: &ProvingKey<Bn254>) -> Result<(), ProverError> {
    let g1_ok = |p: &G1Affine| p.is_zero() || p.is_on_curve();
    let g2_ok = |p: &G2Affine| {
        p.is_zero() || (p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve())
    };
    // G1 of BN254 has prime order: on the curve is in the subgroup.
    for (name, q) in [
        ("a_query", &pk.a_query),
        ("b_g1_query", &pk.b_g1_query),
        ("h_query", &pk.h_query),
        ("l_query", &pk.l_query),
    ] {
        if !cfg_iter!(q).all(g1_ok) {
            return Err(invalid(format!("a point of {name} is not on G1")));
        }
    }
    if !cfg_iter!(pk.b_g2_query).all(g2_ok) {
        return Err(invalid(
            "a point of b_g2_query is not in G2's prime-order subgroup".into(),
        ));
    }
    Ok(())
}

/// A little-endian u32 from 4 bytes, as an index.
fn word(b: &[u8]) -> usize {
    let mut a = [0u8; 4];
    a.copy_from_slice(b);
    u32::from_le_bytes(a) as usize
}

/// One matrix from its row lengths and its `(variable, coefficient index)` entries.
fn decode_matrix(
    lens: &[u8],
    entries: &[u8],
    nvars: usize,
    table: &[Fr],
) -> Result<Matrix<Fr>, ProverError> {
    let mut entries = entries.chunks_exact(8);
    lens.chunks_exact(4)
        .map(|len| {
            entries
                .by_ref()
                .take(word(len))
                .map(|e| {
                    let (var, i) = e.split_at(4);
                    let var = word(var);
                    if var >= nvars {
                        return Err(bad("variable index out of range"));
                    }
                    let coeff = table
                        .get(word(i))
                        .ok_or_else(|| bad("coefficient index out of range"))?;
                    Ok((*coeff, var))
                })
                .collect()
        })
        .collect()
}

fn read_matrices(r: &mut Reader<'_>) -> Result<ConstraintMatrices, ProverError> {
    let dim = |r: &mut Reader<'_>| {
        usize::try_from(r.u64("matrix dimensions")?).map_err(|_| bad("dimension overflows"))
    };
    let (ni, nw, nc) = (dim(r)?, dim(r)?, dim(r)?);
    let nvars = ni
        .checked_add(nw)
        .ok_or_else(|| bad("dimension overflows"))?;
    let ncoeffs = r.u32("coefficient count")? as usize;
    if ncoeffs > r.0.len() / FIELD_LEN {
        return Err(bad("more coefficients than bytes"));
    }
    let table = r
        .take(ncoeffs * FIELD_LEN, "coefficients")?
        .chunks_exact(FIELD_LEN)
        .map(|b| fr(b).ok_or_else(|| bad("a coefficient is not below the modulus")))
        .collect::<Result<Vec<Fr>, _>>()?;
    if nc > r.0.len() / 4 {
        return Err(bad("more constraints than bytes"));
    }
    // Each matrix's row lengths and entries, then the three decoded in parallel.
    let mut parts = Vec::with_capacity(3);
    for _ in 0..3 {
        let lens = r.take(nc * 4, "row lengths")?;
        let total = lens
            .chunks_exact(4)
            .map(word)
            .try_fold(0usize, |acc, l| {
                (l <= nvars).then_some(()).and(acc.checked_add(l))
            })
            .ok_or_else(|| bad("row longer than the variable count"))?;
        if total > r.0.len() / 8 {
            return Err(bad("more entries than bytes"));
        }
        parts.push((lens, r.take(total * 8, "entries")?));
    }
    let decoded = cfg_into_iter!(parts)
        .map(|(lens, entries)| decode_matrix(lens, entries, nvars, &table))
        .collect::<Result<Vec<_>, _>>()?;
    let abc: [Matrix<Fr>; 3] = decoded.try_into().map_err(|_| bad("three matrices"))?;
    Ok(ConstraintMatrices {
        num_instance_variables: ni,
        num_witness_variables: nw,
        num_constraints: nc,
        abc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_limbs_at_or_above_the_modulus_are_refused() {
        let mut b = [0u8; 32];
        for (chunk, l) in b.chunks_exact_mut(8).zip(Fq::MODULUS.0) {
            chunk.copy_from_slice(&l.to_le_bytes());
        }
        assert!(fq(&b).is_none());
        b[0] -= 1;
        assert!(fq(&b).is_some());
        assert!(fr(&[0xff; 32]).is_none());
    }

    #[test]
    fn the_identity_is_all_zero_both_ways() {
        let mut out = Vec::new();
        put_g1(&mut out, &G1Affine::identity());
        put_g2(&mut out, &G2Affine::identity());
        assert!(out.iter().all(|b| *b == 0));
        assert_eq!(g1(&out[..64]), Some(G1Affine::identity()));
        assert_eq!(g2(&out[64..]), Some(G2Affine::identity()));
    }
}
