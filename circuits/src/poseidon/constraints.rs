//! The Poseidon gadget: the R1CS twin of [`super::hash`].
//!
//! Cost: 3 constraints per S-box on a non-constant element (`x^2`, `x^4`, `x^5`), so
//! `3 * (8 * t + RP)` for width `t`, less 3 for every state element still constant in the first
//! round (the capacity element, and a constant domain tag). Poseidon(2) costs 240, a Merkle
//! node's Poseidon(4) 297.

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::SynthesisError;

use super::{params, Domain, MAX_INPUTS};
use crate::field::Fr;

fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

/// Poseidon over 1 to 16 inputs in the circuit; matches [`super::hash`].
pub fn hash(inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let p = params(inputs.len()).map_err(|_| SynthesisError::Unsatisfiable)?;
    let mut state = Vec::with_capacity(p.width);
    state.push(FpVar::constant(Fr::from(0u8)));
    state.extend_from_slice(inputs);
    for r in 0..p.rounds() {
        for (s, c) in state.iter_mut().zip(&p.ark[r]) {
            *s += *c;
        }
        if p.is_full_round(r) {
            for s in state.iter_mut() {
                *s = sbox(s)?;
            }
        } else {
            state[0] = sbox(&state[0])?;
        }
        state = p
            .mds
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&state)
                    .map(|(m, s)| s * *m)
                    .fold(FpVar::zero(), |acc, x| acc + x)
            })
            .collect();
    }
    Ok(state.swap_remove(0))
}

/// A Merkle node: Poseidon of four elements without a domain tag; matches
/// [`super::hash_node`].
pub fn hash_node(children: &[FpVar<Fr>; 4]) -> Result<FpVar<Fr>, SynthesisError> {
    hash(children)
}

/// `Poseidon(domain.tag(), inputs...)` in the circuit; matches [`super::hash_with_domain`].
pub fn hash_with_domain(domain: Domain, inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut all = Vec::with_capacity(inputs.len() + 1);
    all.push(FpVar::constant(domain.tag()));
    all.extend_from_slice(inputs);
    hash(&all)
}

/// The chained hash of any number of elements; matches [`super::hash_long`].
pub fn hash_long(domain: Domain, inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let mut acc = FpVar::constant(domain.tag());
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
    use ark_relations::gr1cs::ConstraintSystem;
    use ark_std::UniformRand;
    use proptest::prelude::*;
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    use super::*;
    use crate::poseidon;

    fn alloc(
        cs: &ark_relations::gr1cs::ConstraintSystemRef<Fr>,
        xs: &[Fr],
        mode: AllocationMode,
    ) -> Vec<FpVar<Fr>> {
        xs.iter()
            .map(|x| FpVar::new_variable(cs.clone(), || Ok(*x), mode).unwrap())
            .collect()
    }

    #[test]
    fn gadget_matches_native_for_every_arity_and_mode() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for n in 1..=MAX_INPUTS {
            let xs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let expected = poseidon::hash(&xs).unwrap();
            for mode in [
                AllocationMode::Constant,
                AllocationMode::Input,
                AllocationMode::Witness,
            ] {
                let cs = ConstraintSystem::<Fr>::new_ref();
                let vars = alloc(&cs, &xs, mode);
                let h = hash(&vars).unwrap();
                assert_eq!(h.value().unwrap(), expected, "arity {n}, {mode:?}");
                assert!(cs.is_satisfied().unwrap());
                if mode == AllocationMode::Constant {
                    assert_eq!(cs.num_constraints(), 0);
                }
            }
        }
    }

    #[test]
    fn poseidon2_costs_240_constraints_and_a_merkle_node_297() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let v = alloc(
            &cs,
            &[Fr::from(1u8), Fr::from(2u8)],
            AllocationMode::Witness,
        );
        let _ = hash(&v).unwrap();
        assert_eq!(cs.num_constraints(), 240);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let xs = [1u8, 2, 3, 4].map(Fr::from);
        let v = alloc(&cs, &xs, AllocationMode::Witness);
        let node = hash_node(&[v[0].clone(), v[1].clone(), v[2].clone(), v[3].clone()]).unwrap();
        assert_eq!(cs.num_constraints(), 297);
        assert_eq!(node.value().unwrap(), super::super::hash_node(&xs));
    }

    #[test]
    fn gadget_domain_tags_change_the_output() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = alloc(&cs, &[Fr::from(5u8)], AllocationMode::Witness);
        let a = hash_with_domain(Domain::Nullifier, &x)
            .unwrap()
            .value()
            .unwrap();
        let b = hash_with_domain(Domain::HolderKey, &x)
            .unwrap()
            .value()
            .unwrap();
        assert_ne!(a, b);
        assert_eq!(
            a,
            poseidon::hash_with_domain(Domain::Nullifier, &[Fr::from(5u8)]).unwrap()
        );
    }

    #[test]
    fn gadget_rejects_unsupported_arity() {
        assert!(hash(&[]).is_err());
        assert!(hash(&vec![FpVar::constant(Fr::from(1u8)); 17]).is_err());
    }

    #[test]
    fn wrong_output_is_unsatisfiable() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = alloc(
            &cs,
            &[Fr::from(3u8), Fr::from(4u8)],
            AllocationMode::Witness,
        );
        let h = hash(&x).unwrap();
        let claimed = FpVar::new_input(cs.clone(), || Ok(Fr::from(99u8))).unwrap();
        h.enforce_equal(&claimed).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gadget_matches_native_on_random_inputs(seed in any::<u64>(), n in 1usize..=MAX_INPUTS) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let xs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars = alloc(&cs, &xs, AllocationMode::Witness);
            prop_assert_eq!(hash(&vars).unwrap().value().unwrap(), poseidon::hash(&xs).unwrap());
            prop_assert!(cs.is_satisfied().unwrap());
        }

        #[test]
        fn hash_long_gadget_matches_native(seed in any::<u64>(), n in 0usize..40) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let xs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars = alloc(&cs, &xs, AllocationMode::Witness);
            prop_assert_eq!(
                hash_long(Domain::Query, &vars).unwrap().value().unwrap(),
                poseidon::hash_long(Domain::Query, &xs).unwrap()
            );
        }
    }
}
