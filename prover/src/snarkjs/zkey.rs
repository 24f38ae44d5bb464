//! Importing a snarkjs Groth16 `.zkey` (the output of `snarkjs groth16 setup`, `zkey contribute`
//! and `zkey beacon`) as our proving artifact, after checking that it belongs to our circuit.
//!
//! ```text
//! section 1   protocol (u32; 1 = Groth16)
//! section 2   n8q (u32), q, n8r (u32), r, variables (u32), public inputs (u32), domain size
//!             (u32), α₁, β₁, β₂, γ₂, δ₁, δ₂
//! section 3   IC: public inputs + 1 points of G1
//! section 4   coefficients (u32), then each: matrix (u32; 0 = A, 1 = B), constraint (u32),
//!             signal (u32), value (n8r bytes)
//! section 5   A: one G1 point per variable
//! section 6   B: one G1 point per variable
//! section 7   B: one G2 point per variable
//! section 8   C: one G1 point per private variable
//! section 9   H: domain size points of G1 (the circom reduction's)
//! section 10  the ceremony: circuit hash (64 bytes), contributions (u32), then each
//!             contribution's public key (δ after, g1_s, g1_sx: G1; g2_spx: G2), transcript
//!             (64 bytes), type (u32; 0 = contribution, 1 = beacon), parameters' length (u32)
//!             and parameters (1: name, 2: iterations exponent, 3: beacon value)
//! ```
//!
//! Points are affine, each coordinate little-endian in Montgomery form (`x·R mod q`), `G2`
//! coordinates as `c0, c1`; the point at infinity is all zeros. Section 4's values are in
//! Montgomery form twice (`v·R² mod r`). Beside the public inputs' rows, `groth16 setup` adds one
//! row to `A` per instance variable (`A[constraints + i] = wire i`), as the reduction requires.
//!
//! The import refuses, each with an error naming the mismatch: another protocol, another curve
//! or field, another number of variables, public inputs or domain size than our circuit's at that
//! depth, any `A` or `B` coefficient other than our matrices', a non-canonical coordinate or
//! coefficient, a point off its curve or outside its prime-order subgroup, and truncated or
//! trailing bytes. `C` is not in a zkey; it is bound through the key's points, which a
//! ceremony's `zkey verify` checks against the `.r1cs`.

use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField, Zero};
use ark_groth16::ProvingKey;
use ark_poly::EvaluationDomain;
use blake2::{Blake2b512, Digest};
use zkhealth_circuits::{CircuitId, Fr};
use zkhealth_verifier::VerifyingKey;

use super::{
    binfile::{BinFile, Reader},
    r1cs::R1cs,
    SnarkjsError, FR_BYTES,
};
use crate::{
    artifact::{Beacon, Ceremony, Contribution, KeyOrigin},
    groth16,
    matrices::ConstraintMatrices,
    reduction::QapReduction,
    ProverError, ProvingArtifact,
};

/// The magic of a `.zkey` file.
pub const MAGIC: &[u8; 4] = b"zkey";
const WHAT: &str = "zkey file";
const FQ_BYTES: usize = 32;

/// Why a zkey is not one of our circuit's, or not usable.
fn mismatch(what: &str, zkey: impl std::fmt::Display, ours: impl std::fmt::Display) -> ProverError {
    SnarkjsError::Format {
        what: WHAT,
        reason: format!(
            "its {what} is {zkey}, our circuit's is {ours}: a zkey for another circuit or depth"
        ),
    }
    .into()
}

/// Reads a canonical little-endian integer below `modulus` of `n` 64-bit limbs.
fn bigint(r: &mut Reader<'_>) -> Result<BigInt<4>, SnarkjsError> {
    let bytes: [u8; 32] = r.array()?;
    let mut limbs = [0u64; 4];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
        let mut a = [0u8; 8];
        a.copy_from_slice(chunk);
        *limb = u64::from_le_bytes(a);
    }
    Ok(BigInt(limbs))
}

/// A base-field coordinate in Montgomery form.
fn fq(r: &mut Reader<'_>) -> Result<Fq, SnarkjsError> {
    let m = bigint(r)?;
    if m >= Fq::MODULUS {
        return Err(SnarkjsError::NonCanonical("zkey point coordinate"));
    }
    Ok(Fq::new_unchecked(m))
}

/// A G1 point (Montgomery affine; all zeros is the point at infinity), on the curve (BN254's G1
/// has no cofactor).
fn g1(r: &mut Reader<'_>, what: &'static str) -> Result<G1Affine, SnarkjsError> {
    let (x, y) = (fq(r)?, fq(r)?);
    if x.is_zero() && y.is_zero() {
        return Ok(G1Affine::zero());
    }
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(SnarkjsError::Format {
            what,
            reason: "a point is not on the curve".into(),
        });
    }
    Ok(p)
}

/// A G2 point, on the twist and in its prime-order subgroup.
fn g2(r: &mut Reader<'_>, what: &'static str) -> Result<G2Affine, SnarkjsError> {
    let x = Fq2::new(fq(r)?, fq(r)?);
    let y = Fq2::new(fq(r)?, fq(r)?);
    if x.is_zero() && y.is_zero() {
        return Ok(G2Affine::zero());
    }
    let p = G2Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(SnarkjsError::Format {
            what,
            reason: "a point is not on the curve".into(),
        });
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(SnarkjsError::Format {
            what,
            reason: "a point is outside the prime-order subgroup".into(),
        });
    }
    Ok(p)
}

/// `n` points of a section, which must hold exactly them.
fn points<P>(
    file: &BinFile<'_>,
    section: u32,
    n: usize,
    len: usize,
    what: &'static str,
    read: fn(&mut Reader<'_>, &'static str) -> Result<P, SnarkjsError>,
) -> Result<Vec<P>, SnarkjsError> {
    let body = file.section(section, WHAT)?;
    if body.len() != n.saturating_mul(len) {
        return Err(SnarkjsError::Format {
            what,
            reason: format!("{} bytes for {n} points of {len} bytes", body.len()),
        });
    }
    let mut r = Reader::new(body, what);
    (0..n).map(|_| read(&mut r, what)).collect()
}

/// `R² mod r`'s inverse: section 4's values are `v·R²`.
fn from_double_montgomery(m: BigInt<4>) -> Result<Fr, SnarkjsError> {
    if m >= Fr::MODULUS {
        return Err(SnarkjsError::NonCanonical("zkey coefficient"));
    }
    // Fr::new_unchecked(m) is the element whose Montgomery form is m, i.e. m·R⁻¹; once more
    // gives m·R⁻².
    let once = Fr::new_unchecked(m);
    Ok(Fr::new_unchecked(once.into_bigint()))
}

/// The `A` and `B` coefficients `groth16 setup` writes for our constraints: every term of `A` and
/// `B` by constraint, then `A[constraints + i] = wire i` for each instance variable.
fn expected_coefficients(r1cs: &R1cs) -> Vec<(u32, u32, u32, Fr)> {
    let mut out = Vec::new();
    for (c, [a, b, _]) in r1cs.constraints.iter().enumerate() {
        for (matrix, lc) in [(0u32, a), (1, b)] {
            out.extend(lc.iter().map(|(w, v)| (matrix, c as u32, *w, *v)));
        }
    }
    let n = r1cs.constraints.len() as u32;
    out.extend((0..=r1cs.num_public).map(|i| (0, n + i, i, Fr::from(1u8))));
    out.sort_by_key(|(m, c, s, _)| (*m, *c, *s));
    out
}

/// Imports a zkey for `circuit` at `depth` whose constraint matrices are `m`: checks it is that
/// circuit's (module docs), and returns the proving artifact (circom reduction) recording the
/// ceremony.
pub fn import(
    bytes: &[u8],
    circuit: CircuitId,
    depth: u32,
    m: &ConstraintMatrices,
) -> Result<ProvingArtifact, ProverError> {
    let file = BinFile::parse(bytes, MAGIC, WHAT)?;
    if file.version != 1 {
        return Err(SnarkjsError::Format {
            what: WHAT,
            reason: format!("version {} (only 1 is read)", file.version),
        }
        .into());
    }
    let mut h = Reader::new(file.section(1, WHAT)?, "zkey header");
    let protocol = h.u32()?;
    h.finish()?;
    if protocol != 1 {
        return Err(SnarkjsError::Format {
            what: WHAT,
            reason: format!("protocol {protocol} is not Groth16 (1)"),
        }
        .into());
    }

    let mut g = Reader::new(file.section(2, WHAT)?, "zkey Groth16 header");
    let n8q = g.u32()? as usize;
    if n8q != FQ_BYTES {
        return Err(SnarkjsError::WrongField(format!(
            "base field elements of {n8q} bytes, not {FQ_BYTES} (another curve)"
        ))
        .into());
    }
    if bigint(&mut g)? != Fq::MODULUS {
        return Err(SnarkjsError::WrongField("the base field is not BN254's".into()).into());
    }
    super::r1cs::check_field(&mut g)?;
    let (n_vars, n_public, domain_size) = (g.u32()?, g.u32()?, g.u32()?);
    let alpha_g1 = g1(&mut g, "zkey α₁")?;
    let beta_g1 = g1(&mut g, "zkey β₁")?;
    let beta_g2 = g2(&mut g, "zkey β₂")?;
    let gamma_g2 = g2(&mut g, "zkey γ₂")?;
    let delta_g1 = g1(&mut g, "zkey δ₁")?;
    let delta_g2 = g2(&mut g, "zkey δ₂")?;
    g.finish()?;

    // The counts first: a zkey of another circuit or depth is refused before our constraints
    // are laid out for the comparison.
    let ours_vars = m.num_instance_variables + m.num_witness_variables;
    let ours_public = m.num_instance_variables.saturating_sub(1);
    if n_public as usize != ours_public {
        return Err(mismatch("number of public inputs", n_public, ours_public));
    }
    if n_vars as usize != ours_vars {
        return Err(mismatch("number of variables", n_vars, ours_vars));
    }
    let domain = groth16::domain(m)?;
    if domain_size as usize != domain.size() {
        return Err(mismatch("domain size", domain_size, domain.size()));
    }

    let r1cs = R1cs::from_matrices(m)?;
    let mut c = Reader::new(file.section(4, WHAT)?, "zkey coefficients");
    let count = c.count(12 + FR_BYTES)?;
    let mut coefficients = Vec::with_capacity(count);
    for _ in 0..count {
        let (matrix, constraint, signal) = (c.u32()?, c.u32()?, c.u32()?);
        let value = from_double_montgomery(bigint(&mut c)?)?;
        coefficients.push((matrix, constraint, signal, value));
    }
    c.finish()?;
    coefficients.sort_by_key(|(m, c, s, _)| (*m, *c, *s));
    let expected = expected_coefficients(&r1cs);
    if coefficients != expected {
        let at = coefficients
            .iter()
            .zip(&expected)
            .position(|(a, b)| a != b)
            .unwrap_or(coefficients.len().min(expected.len()));
        let (matrix, constraint) = coefficients
            .get(at)
            .or(expected.get(at))
            .map(|(m, c, _, _)| (if *m == 0 { "A" } else { "B" }, *c))
            .unwrap_or(("A", 0));
        return Err(SnarkjsError::Format {
            what: WHAT,
            reason: format!(
                "its {matrix} matrix differs from our circuit's at constraint {constraint} ({} \
                 coefficients, ours {}): a zkey for another circuit or depth",
                coefficients.len(),
                expected.len()
            ),
        }
        .into());
    }

    let n_vars = n_vars as usize;
    let private = n_vars - n_public as usize - 1;
    let ic = points(&file, 3, n_public as usize + 1, 64, "zkey IC", g1)?;
    let a_query = points(&file, 5, n_vars, 64, "zkey A", g1)?;
    let b_g1_query = points(&file, 6, n_vars, 64, "zkey B1", g1)?;
    let b_g2_query = points(&file, 7, n_vars, 128, "zkey B2", g2)?;
    let l_query = points(&file, 8, private, 64, "zkey C", g1)?;
    let h_query = points(&file, 9, domain_size as usize, 64, "zkey H", g1)?;
    let origin = KeyOrigin::Ceremony(ceremony(file.section(10, WHAT)?)?);

    let vk = ark_groth16::VerifyingKey::<Bn254> {
        alpha_g1,
        beta_g2,
        gamma_g2,
        delta_g2,
        gamma_abc_g1: ic,
    };
    let pk = ProvingKey {
        vk: vk.clone(),
        beta_g1,
        delta_g1,
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    };
    let vk = VerifyingKey::with_circuit(vk, circuit, depth)?;
    ProvingArtifact::from_parts(pk, vk, m.clone(), QapReduction::Circom, origin)
}

/// A point as snarkjs hashes it: uncompressed, big-endian (`x`, `y`; G2 coordinates `c1`
/// before `c0`).
fn hash_g1(h: &mut Blake2b512, p: &G1Affine) {
    let (x, y) = p.xy().unwrap_or_default();
    for c in [x, y] {
        h.update(be(&c));
    }
}

fn hash_g2(h: &mut Blake2b512, p: &G2Affine) {
    let (x, y) = p.xy().unwrap_or_default();
    for c in [x, y] {
        h.update(be(&c.c1));
        h.update(be(&c.c0));
    }
}

fn be(x: &Fq) -> Vec<u8> {
    use ark_ff::BigInteger;
    x.into_bigint().to_bytes_be()
}

/// Section 10: the circuit hash and each contribution, whose hash is what its participant
/// published: BLAKE2b-512 of its public key (δ after, `g1_s`, `g1_sx`, `g2_spx`, uncompressed)
/// and its transcript, as snarkjs computes and prints it.
fn ceremony(body: &[u8]) -> Result<Ceremony, SnarkjsError> {
    let mut r = Reader::new(body, "zkey contributions");
    let circuit_hash = hex::encode(r.take(64)?);
    let n = r.count(64 * 3 + 128 + 64 + 8)?;
    let mut contributions = Vec::with_capacity(n);
    for _ in 0..n {
        let delta_after = g1(&mut r, "zkey contribution")?;
        let g1_s = g1(&mut r, "zkey contribution")?;
        let g1_sx = g1(&mut r, "zkey contribution")?;
        let g2_spx = g2(&mut r, "zkey contribution")?;
        let transcript = r.take(64)?;
        let kind = r.u32()?;
        let params_len = r.u32()? as usize;
        let mut p = Reader::new(r.take(params_len)?, "zkey contribution parameters");
        let (mut name, mut iterations_exp, mut beacon_hash) = (None, None, None);
        while !p.rest().is_empty() {
            let [id] = p.array::<1>()?;
            match id {
                1 if name.is_none() => {
                    let [len] = p.array::<1>()?;
                    let bytes = p.take(len as usize)?;
                    name = Some(String::from_utf8_lossy(bytes).into_owned());
                }
                2 if iterations_exp.is_none() => {
                    let [exp] = p.array::<1>()?;
                    iterations_exp = Some(u32::from(exp));
                }
                3 if beacon_hash.is_none() => {
                    let [len] = p.array::<1>()?;
                    beacon_hash = Some(hex::encode(p.take(len as usize)?));
                }
                other => return Err(p.error(&format!("unknown or repeated parameter {other}"))),
            }
        }
        let mut hasher = Blake2b512::new();
        hash_g1(&mut hasher, &delta_after);
        hash_g1(&mut hasher, &g1_s);
        hash_g1(&mut hasher, &g1_sx);
        hash_g2(&mut hasher, &g2_spx);
        hasher.update(transcript);
        let beacon = match (kind, beacon_hash, iterations_exp) {
            (0, None, None) => None,
            (1, Some(value), Some(iterations_exp)) => Some(Beacon {
                value,
                iterations_exp,
            }),
            _ => {
                return Err(r.error(&format!(
                    "contribution of type {kind} with wrong parameters"
                )))
            }
        };
        contributions.push(Contribution {
            name,
            hash: hex::encode(hasher.finalize()),
            beacon,
        });
    }
    r.finish()?;
    Ok(Ceremony {
        circuit_hash,
        contributions,
    })
}
