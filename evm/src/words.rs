//! arkworks values as EVM words (`uint256`, big-endian in calldata).
//!
//! G1 points are `(x, y)`; G2 points are `(x.c1, x.c0, y.c1, y.c0)`, the order of the pairing
//! precompile (0x08); the point at infinity is all zeros, as the precompiles read it. A proof is
//! the eight words `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`.

use alloy_primitives::U256;
use ark_bn254::{Fq, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use zkhealth_circuits::{claim::ClaimStatement, statement::PublicInputs, Fr, Statement};
use zkhealth_verifier::Proof;

/// Number of words of a proof.
pub const PROOF_WORDS: usize = 8;

/// A base-field element as a word.
pub fn fq_word(x: &Fq) -> U256 {
    U256::from_limbs(x.into_bigint().0)
}

/// A scalar-field element as a word.
pub fn fr_word(x: &Fr) -> U256 {
    U256::from_limbs(x.into_bigint().0)
}

/// A G1 point as `[x, y]`.
pub fn g1_words(p: &G1Affine) -> [U256; 2] {
    match p.xy() {
        Some((x, y)) => [fq_word(&x), fq_word(&y)],
        None => [U256::ZERO; 2],
    }
}

/// A G2 point as `[x.c1, x.c0, y.c1, y.c0]`.
pub fn g2_words(p: &G2Affine) -> [U256; 4] {
    match p.xy() {
        Some((x, y)) => [
            fq_word(&x.c1),
            fq_word(&x.c0),
            fq_word(&y.c1),
            fq_word(&y.c0),
        ],
        None => [U256::ZERO; 4],
    }
}

/// A proof as `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`.
pub fn proof_words(proof: &Proof) -> [U256; PROOF_WORDS] {
    let [ax, ay] = g1_words(&proof.0.a);
    let [bx1, bx0, by1, by0] = g2_words(&proof.0.b);
    let [cx, cy] = g1_words(&proof.0.c);
    [ax, ay, bx1, bx0, by1, by0, cx, cy]
}

/// The public inputs of a statement, in circuit order (`Statement::to_field_elements`).
pub fn input_words(statement: &Statement) -> [U256; Statement::NUM_INPUTS] {
    statement.to_field_elements().map(|x| fr_word(&x))
}

/// The public inputs of a claim, in circuit order (`ClaimStatement::to_field_elements`).
pub fn claim_input_words(statement: &ClaimStatement) -> [U256; ClaimStatement::NUM_INPUTS] {
    let inputs = statement.to_field_elements();
    std::array::from_fn(|i| inputs.get(i).map_or(U256::ZERO, fr_word))
}

/// `0x` + 64 lowercase hex digits.
pub fn word_hex(w: &U256) -> String {
    format!("0x{}", hex::encode(w.to_be_bytes::<32>()))
}

#[cfg(test)]
mod tests {
    use ark_ec::{AffineRepr, CurveGroup};
    use ark_ff::Field;

    use super::*;

    #[test]
    fn words_are_big_endian_canonical_integers() {
        let x = Fr::from(0x0102_0304u64);
        let w = fr_word(&x);
        assert_eq!(w, U256::from(0x0102_0304u64));
        assert_eq!(
            word_hex(&fr_word(&-Fr::ONE)),
            "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000"
        );
        let q = fq_word(&-Fq::ONE);
        assert_eq!(
            word_hex(&q),
            "0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd46"
        );
    }

    #[test]
    fn g2_words_put_the_imaginary_part_first() {
        let g = (G2Affine::generator() * Fr::from(5u8)).into_affine();
        let (x, y) = g.xy().unwrap();
        let w = g2_words(&g);
        assert_eq!(
            w,
            [
                fq_word(&x.c1),
                fq_word(&x.c0),
                fq_word(&y.c1),
                fq_word(&y.c0)
            ]
        );
        assert_ne!(w[0], w[1]);
        assert_eq!(g2_words(&G2Affine::zero()), [U256::ZERO; 4]);
        assert_eq!(g1_words(&G1Affine::zero()), [U256::ZERO; 2]);
        let (gx, gy) = G1Affine::generator().xy().unwrap();
        assert_eq!(gx, Fq::ONE);
        assert_eq!(
            g1_words(&G1Affine::generator()),
            [U256::from(1u8), fq_word(&gy)]
        );
    }
}
