//! snarkjs's JSON files for Groth16 over BN254 (`bn128` in snarkjs): `verification_key.json`
//! (as `snarkjs zkey export verificationkey` writes it), `proof.json` and `public.json` (as
//! `snarkjs groth16 prove` writes them), so that `snarkjs groth16 verify` checks our proofs.
//!
//! Numbers are decimal strings; points are projective with `z = 1` (`[x, y, "1"]`); a G2
//! coordinate is `[c0, c1]`, so a G2 point is `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`;
//! `vk_alphabeta_12` is `e(α, β)` in `Fq12` as `[[c0.c0, c0.c1, c0.c2], [c1.c0, c1.c1, c1.c2]]`
//! with each `Fq2` as `[c0, c1]`.

use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr};
use ark_ff::PrimeField;
use serde_json::{json, Value};
use zkhealth_circuits::Fr;
use zkhealth_verifier::{Proof, VerifyingKey};

fn dec<F: PrimeField>(x: &F) -> String {
    x.into_bigint().to_string()
}

fn fq2(x: &Fq2) -> Value {
    json!([dec(&x.c0), dec(&x.c1)])
}

fn g1(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([dec::<Fq>(&x), dec::<Fq>(&y), "1"]),
        None => json!(["0", "1", "0"]),
    }
}

fn g2(p: &G2Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq2(&x), fq2(&y), ["1", "0"]]),
        None => json!([["0", "0"], ["1", "0"], ["0", "0"]]),
    }
}

/// `verification_key.json`.
pub fn verification_key(vk: &VerifyingKey) -> Value {
    let k = vk.inner();
    let ab = Bn254::pairing(k.alpha_g1, k.beta_g2).0;
    let fq6 = |x: &ark_bn254::Fq6| json!([fq2(&x.c0), fq2(&x.c1), fq2(&x.c2)]);
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": k.gamma_abc_g1.len().saturating_sub(1),
        "vk_alpha_1": g1(&k.alpha_g1),
        "vk_beta_2": g2(&k.beta_g2),
        "vk_gamma_2": g2(&k.gamma_g2),
        "vk_delta_2": g2(&k.delta_g2),
        "vk_alphabeta_12": [fq6(&ab.c0), fq6(&ab.c1)],
        "IC": k.gamma_abc_g1.iter().map(g1).collect::<Vec<_>>(),
    })
}

/// `proof.json`.
pub fn proof(proof: &Proof) -> Value {
    let p = &proof.0;
    json!({
        "pi_a": g1(&p.a),
        "pi_b": g2(&p.b),
        "pi_c": g1(&p.c),
        "protocol": "groth16",
        "curve": "bn128",
    })
}

/// `public.json`: the public inputs, in the statement's order.
pub fn public(inputs: &[Fr]) -> Value {
    Value::Array(inputs.iter().map(|x| Value::String(dec(x))).collect())
}

#[cfg(test)]
mod tests {
    use ark_ec::CurveGroup;

    use super::*;

    #[test]
    fn points_are_decimal_projective_with_z_one() {
        let g = G1Affine::generator();
        assert_eq!(g1(&g), json!(["1", "2", "1"]));
        assert_eq!(g1(&G1Affine::zero()), json!(["0", "1", "0"]));
        let two = (G2Affine::generator() + G2Affine::generator()).into_affine();
        let v = g2(&two);
        assert_eq!(v[2], json!(["1", "0"]));
        let (x, _) = two.xy().unwrap();
        assert_eq!(v[0][1], Value::String(dec(&x.c1)));
        assert_eq!(public(&[Fr::from(7u8)]), json!(["7"]));
    }
}
