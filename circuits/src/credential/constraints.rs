//! The credential gadgets: [`CredentialVar`] and [`HolderSecretVar`], the R1CS twins of
//! [`Credential`] and [`HolderSecret`].

use std::borrow::Borrow;

use ark_r1cs_std::{fields::fp::FpVar, prelude::*};
use ark_relations::gr1cs::{Namespace, SynthesisError};

use super::{Credential, HolderSecret, NUM_SLOTS};
use crate::{
    poseidon::{constraints::hash_with_domain, Domain},
    Fr,
};

/// A credential in the circuit.
#[derive(Clone)]
pub struct CredentialVar {
    /// Schema id.
    pub schema: FpVar<Fr>,
    /// Issuer id.
    pub issuer: FpVar<Fr>,
    /// Holder key.
    pub holder_key: FpVar<Fr>,
    /// Expiry day number.
    pub expiry: FpVar<Fr>,
    /// Salt.
    pub salt: FpVar<Fr>,
    /// Attribute slots.
    pub slots: Vec<FpVar<Fr>>,
}

impl AllocVar<Credential, Fr> for CredentialVar {
    fn new_variable<T: Borrow<Credential>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        let cs = cs.into().cs();
        let value = f().map(|c| c.borrow().clone());
        let field = |get: &dyn Fn(&Credential) -> Fr| {
            FpVar::new_variable(
                cs.clone(),
                || {
                    value
                        .as_ref()
                        .map(get)
                        .map_err(|_| SynthesisError::AssignmentMissing)
                },
                mode,
            )
        };
        Ok(CredentialVar {
            schema: field(&|c| c.schema.id())?,
            issuer: field(&|c| c.issuer)?,
            holder_key: field(&|c| c.holder_key)?,
            expiry: field(&|c| c.expiry.to_field())?,
            salt: field(&|c| c.salt)?,
            slots: (0..NUM_SLOTS)
                .map(|i| field(&move |c: &Credential| c.slots[i]))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl CredentialVar {
    /// The commitment; matches [`Credential::commit`]. Cost: one Poseidon of 16 inputs (606).
    pub fn commit(&self) -> Result<FpVar<Fr>, SynthesisError> {
        let mut inputs = vec![
            self.schema.clone(),
            self.issuer.clone(),
            self.holder_key.clone(),
            self.expiry.clone(),
            self.salt.clone(),
        ];
        inputs.extend_from_slice(&self.slots);
        hash_with_domain(Domain::Commitment, &inputs)
    }
}

/// The holder's secret in the circuit.
#[derive(Clone)]
pub struct HolderSecretVar(pub FpVar<Fr>);

impl AllocVar<HolderSecret, Fr> for HolderSecretVar {
    fn new_variable<T: Borrow<HolderSecret>>(
        cs: impl Into<Namespace<Fr>>,
        f: impl FnOnce() -> Result<T, SynthesisError>,
        mode: AllocationMode,
    ) -> Result<Self, SynthesisError> {
        FpVar::new_variable(cs, || f().map(|s| s.borrow().0), mode).map(HolderSecretVar)
    }
}

impl HolderSecretVar {
    /// `Poseidon(holder-key tag, secret)`; matches [`HolderSecret::holder_key`].
    pub fn holder_key(&self) -> Result<FpVar<Fr>, SynthesisError> {
        hash_with_domain(Domain::HolderKey, std::slice::from_ref(&self.0))
    }

    /// `Poseidon(nullifier tag, secret, scope)`; matches [`HolderSecret::nullifier`].
    pub fn nullifier(&self, scope: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        hash_with_domain(Domain::Nullifier, &[self.0.clone(), scope.clone()])
    }
}

#[cfg(test)]
mod tests {
    use ark_relations::gr1cs::ConstraintSystem;
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

    use super::*;
    use crate::credential::{tests::sample_record, Credential};

    #[test]
    fn gadgets_match_native_under_every_mode() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let secret = HolderSecret::random(&mut rng);
        let cred = Credential::new(
            &sample_record(),
            "NL-RIVM",
            secret.holder_key(),
            "2027-01-01".parse().unwrap(),
            &mut rng,
        )
        .unwrap();
        let scope = Fr::from(77u8);
        for mode in [
            AllocationMode::Constant,
            AllocationMode::Input,
            AllocationMode::Witness,
        ] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let c = CredentialVar::new_variable(cs.clone(), || Ok(cred.clone()), mode).unwrap();
            let s = HolderSecretVar::new_variable(cs.clone(), || Ok(secret.clone()), mode).unwrap();
            let sc = FpVar::new_variable(cs.clone(), || Ok(scope), mode).unwrap();
            assert_eq!(c.commit().unwrap().value().unwrap(), cred.commit());
            assert_eq!(
                s.holder_key().unwrap().value().unwrap(),
                secret.holder_key()
            );
            assert_eq!(
                s.nullifier(&sc).unwrap().value().unwrap(),
                secret.nullifier(&scope)
            );
            assert!(cs.is_satisfied().unwrap());
        }
    }

    #[test]
    fn gadget_domain_tags_separate_holder_key_and_nullifier() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let s =
            HolderSecretVar::new_witness(cs.clone(), || Ok(HolderSecret(Fr::from(9u8)))).unwrap();
        let key = s.holder_key().unwrap().value().unwrap();
        let commit_tagged = hash_with_domain(Domain::Commitment, std::slice::from_ref(&s.0))
            .unwrap()
            .value()
            .unwrap();
        assert_ne!(key, commit_tagged);
    }
}
