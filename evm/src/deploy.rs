//! A verifying key as constructor arguments of the generic verifier, and the creation code of
//! the verifier, of the presentation contract and of the claims contract for one key: no
//! compiler involved.
//!
//! The contracts check `e(A, B) · e(−α, β) · e(L, −γ) · e(C, −δ) = 1` with
//! `L = IC₀ + Σ xᵢ·ICᵢ`, so −α, −γ and −δ are computed here and the contracts negate nothing at
//! run time. Their number of public inputs is fixed by their circuit's statement
//! ([`NUM_INPUTS`] for the presentation contracts, [`CLAIM_NUM_INPUTS`] for the claims
//! contract); a key with another number of input points is refused
//! ([`EvmError::KeyInputPoints`]).

use alloy_primitives::{Address, FixedBytes, U256};
use alloy_sol_types::{SolConstructor, SolType};
use ark_ec::AffineRepr;
use serde::{Deserialize, Serialize};
use zkhealth_circuits::{
    claim::ClaimStatement, codes, field::fr_to_bytes_be, statement::PublicInputs, Statement,
};
use zkhealth_verifier::VerifyingKey;

use crate::{
    artifact::Contract,
    bindings::{Groth16Verifier, ZkhClaims, ZkhPresentation},
    words::{g1_words, g2_words, word_hex},
    EvmError,
};

/// The number of public inputs the presentation contracts take: the statement's.
pub const NUM_INPUTS: usize = Statement::NUM_INPUTS;

/// The number of input points of a presentation key (`IC_0..IC_n`): one per public input and
/// the constant term.
pub const IC_POINTS: usize = NUM_INPUTS + 1;

/// The number of public inputs the claims contract takes: the claim statement's.
pub const CLAIM_NUM_INPUTS: usize = ClaimStatement::NUM_INPUTS;

/// The number of input points of a claim key.
pub const CLAIM_IC_POINTS: usize = CLAIM_NUM_INPUTS + 1;

/// A verifying key as the verifier's constructor takes it: EVM words, the constant points
/// negated, G2 points as `(x.c1, x.c0, y.c1, y.c0)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyWords {
    /// The key's id (SHA-256 of its canonical encoding), kept as `VERIFYING_KEY_ID`.
    pub key_id: [u8; 32],
    /// −α.
    pub neg_alpha: [U256; 2],
    /// β.
    pub beta: [U256; 4],
    /// −γ.
    pub neg_gamma: [U256; 4],
    /// −δ.
    pub neg_delta: [U256; 4],
    /// `IC_0.x, IC_0.y, IC_1.x, ...`: two words per input point, one point per public input of
    /// the key's circuit and the constant term.
    pub ic: Vec<U256>,
}

impl KeyWords {
    /// The words of `key`, a key of any circuit; each contract's constructor call then refuses
    /// a key of another number of input points than its circuit's ([`IC_POINTS`],
    /// [`CLAIM_IC_POINTS`]).
    pub fn new(key: &VerifyingKey) -> Result<Self, EvmError> {
        let vk = key.inner();
        let ic = vk.gamma_abc_g1.iter().flat_map(g1_words).collect();
        Ok(Self {
            key_id: key.id().0,
            neg_alpha: g1_words(&(-vk.alpha_g1.into_group()).into()),
            beta: g2_words(&vk.beta_g2),
            neg_gamma: g2_words(&(-vk.gamma_g2.into_group()).into()),
            neg_delta: g2_words(&(-vk.delta_g2.into_group()).into()),
            ic,
        })
    }

    /// The input points' words as the constructor of a contract for `S` takes them (`W` words:
    /// two per input point); [`EvmError::KeyInputPoints`] for a key of another number of
    /// points.
    pub fn ic_words<S: PublicInputs, const W: usize>(&self) -> Result<[U256; W], EvmError> {
        let expected = S::NUM_INPUTS + 1;
        let got = self.ic.len() / 2;
        if got != expected || 2 * expected != W {
            return Err(EvmError::KeyInputPoints { expected, got });
        }
        <[U256; W]>::try_from(self.ic.as_slice())
            .map_err(|_| EvmError::KeyInputPoints { expected, got })
    }

    /// The bare verifier's constructor call (a presentation key).
    pub fn verifier_constructor(&self) -> Result<Groth16Verifier::constructorCall, EvmError> {
        Ok(Groth16Verifier::constructorCall {
            keyId: FixedBytes(self.key_id),
            negAlpha: self.neg_alpha,
            beta: self.beta,
            negGamma: self.neg_gamma,
            negDelta: self.neg_delta,
            ic: self.ic_words::<Statement, { 2 * IC_POINTS }>()?,
        })
    }

    /// The presentation contract's constructor call, for the registry at `registry` and
    /// nullifiers scoped to `event` (a code): the contract derives its scope from the chain, its
    /// own address and the event ([`zkhealth_circuits::Scope::of_contract`]).
    pub fn presentation_constructor(
        &self,
        registry: Address,
        event: &str,
    ) -> Result<ZkhPresentation::constructorCall, EvmError> {
        Ok(ZkhPresentation::constructorCall {
            registry_: registry,
            event_: FixedBytes(event_word(event)?),
            keyId: FixedBytes(self.key_id),
            negAlpha: self.neg_alpha,
            beta: self.beta,
            negGamma: self.neg_gamma,
            negDelta: self.neg_delta,
            ic: self.ic_words::<Statement, { 2 * IC_POINTS }>()?,
        })
    }

    /// The claims contract's constructor call (a claim key), for coverage credentials in the
    /// insurer's registry at `insurer_registry`, treatment records in the provider registry at
    /// `provider_registry`, and claim nullifiers scoped to `event` (a code; the contract derives
    /// its scope as the presentation contract does).
    pub fn claims_constructor(
        &self,
        insurer_registry: Address,
        provider_registry: Address,
        event: &str,
    ) -> Result<ZkhClaims::constructorCall, EvmError> {
        Ok(ZkhClaims::constructorCall {
            insurerRegistry_: insurer_registry,
            providerRegistry_: provider_registry,
            event_: FixedBytes(event_word(event)?),
            keyId: FixedBytes(self.key_id),
            negAlpha: self.neg_alpha,
            beta: self.beta,
            negGamma: self.neg_gamma,
            negDelta: self.neg_delta,
            ic: self.ic_words::<ClaimStatement, { 2 * CLAIM_IC_POINTS }>()?,
        })
    }
}

/// The 32-byte word a presentation contract's `scopeEvent` holds for the event `event` (a code).
pub fn event_word(event: &str) -> Result<[u8; 32], EvmError> {
    let code = codes::encode(event).map_err(EvmError::ScopeEvent)?;
    Ok(fr_to_bytes_be(&code))
}

/// The creation code of the bare verifier (`Groth16Verifier`, `verifyProof`) for `key`: the
/// embedded bytecode followed by the ABI-encoded key.
pub fn verifier_deploy_code(key: &VerifyingKey) -> Result<Vec<u8>, EvmError> {
    let args = KeyWords::new(key)?.verifier_constructor()?.abi_encode();
    Ok([Groth16Verifier::BYTECODE.as_ref(), &args].concat())
}

/// The creation code of the presentation contract (`ZkhPresentation`) for `key`, the registry at
/// `registry` and nullifiers scoped to `event` (a code): the embedded bytecode followed by the
/// ABI-encoded constructor arguments. The deployer becomes the owner, who accepts policies. The
/// contract's scope is [`zkhealth_circuits::Scope::of_contract`] of the chain, the address it is
/// created at and the event.
pub fn presentation_deploy_code(
    key: &VerifyingKey,
    registry: Address,
    event: &str,
) -> Result<Vec<u8>, EvmError> {
    let args = KeyWords::new(key)?
        .presentation_constructor(registry, event)?
        .abi_encode();
    Ok([ZkhPresentation::BYTECODE.as_ref(), &args].concat())
}

/// The creation code of the claims contract (`ZkhClaims`) for the claim key `key`, the
/// insurer's registry at `insurer_registry` (coverage roots), the provider registry at
/// `provider_registry` (treatment roots) and claim nullifiers scoped to `event` (a code). The
/// deployer becomes the owner, who accepts claim policies
/// ([`accepted_claim_policy`](crate::accepted_claim_policy)).
pub fn claims_deploy_code(
    key: &VerifyingKey,
    insurer_registry: Address,
    provider_registry: Address,
    event: &str,
) -> Result<Vec<u8>, EvmError> {
    let args = KeyWords::new(key)?
        .claims_constructor(insurer_registry, provider_registry, event)?
        .abi_encode();
    Ok([ZkhClaims::BYTECODE.as_ref(), &args].concat())
}

/// The verifier's constructor parameters, as a Solidity tuple type.
type VerifierParameters = <Groth16Verifier::constructorCall as SolConstructor>::Parameters<'static>;

/// What deploying the bare verifier for one key takes, for people and other tools: the
/// contract, its compiler, the key's words and the creation code (`zkhealth export-solidity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierDeployment {
    /// `Groth16Verifier`.
    pub contract: String,
    /// The solc version that compiled it.
    pub solc: String,
    /// The constructor's signature.
    pub constructor: String,
    /// The key's id, `0x` + 64 hex digits.
    pub key_id: String,
    /// The key's registry depth.
    pub depth: u32,
    /// −α, `[x, y]`.
    pub neg_alpha: [String; 2],
    /// β, `[x.c1, x.c0, y.c1, y.c0]`.
    pub beta: [String; 4],
    /// −γ, `[x.c1, x.c0, y.c1, y.c0]`.
    pub neg_gamma: [String; 4],
    /// −δ, `[x.c1, x.c0, y.c1, y.c0]`.
    pub neg_delta: [String; 4],
    /// `[IC_0.x, IC_0.y, IC_1.x, ...]`.
    pub ic: Vec<String>,
    /// The ABI-encoded constructor arguments, `0x` + hex.
    pub constructor_args: String,
    /// The creation code (bytecode followed by the constructor arguments), `0x` + hex.
    pub creation_code: String,
    /// The contract's ABI.
    pub abi: serde_json::Value,
}

impl VerifierDeployment {
    /// The deployment of the bare verifier for `key`.
    pub fn new(key: &VerifyingKey) -> Result<Self, EvmError> {
        let words = KeyWords::new(key)?;
        let artifact = Contract::Verifier.artifact()?;
        let args = words.verifier_constructor()?.abi_encode();
        let hex_all = |w: &[U256]| w.iter().map(word_hex).collect::<Vec<_>>();
        let [a0, a1] = words.neg_alpha.map(|w| word_hex(&w));
        Ok(Self {
            contract: Contract::Verifier.name().into(),
            solc: artifact.solc,
            constructor: format!("constructor{}", VerifierParameters::SOL_NAME),
            key_id: key.id().to_hex(),
            depth: key.depth(),
            neg_alpha: [a0, a1],
            beta: words.beta.map(|w| word_hex(&w)),
            neg_gamma: words.neg_gamma.map(|w| word_hex(&w)),
            neg_delta: words.neg_delta.map(|w| word_hex(&w)),
            ic: hex_all(&words.ic),
            constructor_args: format!("0x{}", hex::encode(&args)),
            creation_code: format!(
                "0x{}",
                hex::encode([&artifact.bytecode[..], &args].concat())
            ),
            abi: artifact.abi,
        })
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;
    use alloy_sol_types::{SolCall, SolValue};
    use ark_bn254::Bn254;
    use ark_groth16::{Groth16, ProvingKey};
    use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
    use zkhealth_circuits::{date::Day, Fr, Statement};
    use zkhealth_verifier::{verify, Proof, VerifyError, VerifyingKey};

    use super::*;
    use crate::{
        bindings::Groth16Verifier::{
            verifyProofCall, InvalidProofPoint, ProofCoordinateOutOfField, PublicInputOutOfField,
            VERIFYING_KEY_IDCall,
        },
        harness::{account, Chain, Outcome, Squares},
        words::{input_words, proof_words},
    };

    fn keys() -> (ProvingKey<Bn254>, VerifyingKey) {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(
            Squares::<{ Statement::NUM_INPUTS }>(None),
            &mut rng,
        )
        .unwrap();
        let vk = VerifyingKey::new(pk.vk.clone(), 10).unwrap();
        (pk, vk)
    }

    fn prove(pk: &ProvingKey<Bn254>, s: &Statement, seed: u64) -> Proof {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let circuit = Squares::<{ Statement::NUM_INPUTS }>(Some(s.to_field_elements()));
        Proof(Groth16::<Bn254>::create_random_proof_with_reduction(circuit, pk, &mut rng).unwrap())
    }

    fn deploy_verifier(chain: &mut Chain, vk: &VerifyingKey) -> Address {
        chain.deploy(account(1), &verifier_deploy_code(vk).unwrap(), &[])
    }

    #[test]
    fn key_words_negate_alpha_gamma_delta_and_list_every_input_point() {
        let (_, vk) = keys();
        let words = KeyWords::new(&vk).unwrap();
        let inner = vk.inner();
        assert_eq!(words.key_id, vk.id().0);
        assert_eq!(words.beta, g2_words(&inner.beta_g2));
        // −P has the same x and the negated y: y + (−y) = q.
        let q = U256::from_limbs(<ark_bn254::Fq as ark_ff::PrimeField>::MODULUS.0);
        let [ax, ay] = g1_words(&inner.alpha_g1);
        assert_eq!(words.neg_alpha[0], ax);
        assert_eq!(words.neg_alpha[1] + ay, q);
        for (neg, p) in [
            (words.neg_gamma, &inner.gamma_g2),
            (words.neg_delta, &inner.delta_g2),
        ] {
            let w = g2_words(p);
            assert_eq!(neg[..2], w[..2]);
            assert_ne!(neg[2..], w[2..]);
        }
        for (i, p) in inner.gamma_abc_g1.iter().enumerate() {
            assert_eq!(words.ic[2 * i..2 * i + 2], g1_words(p), "IC_{i}");
        }
        // The constructor arguments are the words in the constructor's order.
        let args = words.verifier_constructor().unwrap().abi_encode();
        let expected = (
            FixedBytes(words.key_id),
            words.neg_alpha,
            words.beta,
            words.neg_gamma,
            words.neg_delta,
            <[U256; 2 * IC_POINTS]>::try_from(words.ic.clone()).unwrap(),
        )
            .abi_encode_params();
        assert_eq!(args, expected);
        assert_eq!(args.len(), 32 * (1 + 2 + 4 + 4 + 4 + 2 * IC_POINTS));
    }

    #[test]
    fn verifier_deployment_lists_the_creation_code() {
        let (_, vk) = keys();
        let d = VerifierDeployment::new(&vk).unwrap();
        assert_eq!(d.contract, "Groth16Verifier");
        assert_eq!(
            d.constructor,
            "constructor(bytes32,uint256[2],uint256[4],uint256[4],uint256[4],uint256[14])"
        );
        assert_eq!(d.key_id, vk.id().to_hex());
        assert_eq!(d.ic.len(), 2 * IC_POINTS);
        assert_eq!(
            d.creation_code,
            format!("0x{}", hex::encode(verifier_deploy_code(&vk).unwrap()))
        );
        assert!(d.creation_code.ends_with(&d.constructor_args[2..]));
        let text = serde_json::to_string(&d).unwrap();
        assert_eq!(
            serde_json::from_str::<VerifierDeployment>(&text).unwrap(),
            d
        );
    }

    #[test]
    fn solidity_verifier_agrees_with_the_rust_verifier() {
        let (pk, vk) = keys();
        let mut chain = Chain::new();
        let verifier = deploy_verifier(&mut chain, &vk);
        let id = chain.read(verifier, &VERIFYING_KEY_IDCall {});
        assert_eq!(id.0, vk.id().0);

        let statement = Statement {
            root: Fr::from(0x1234_5678u64),
            today: Day::from_civil(2026, 11, 21).unwrap(),
            challenge: -Fr::from(3u8),
            scope: Fr::from(55u8),
            nullifier: Fr::from(66u8),
            query_hash: Fr::from(77u8),
        };
        let proof = prove(&pk, &statement, 5);
        let call = |s: &Statement, p: &Proof| verifyProofCall {
            proof: proof_words(p),
            input: input_words(s),
        };
        let mut chain_verify =
            |s: &Statement, p: &Proof| -> bool { chain.read(verifier, &call(s, p)) };

        assert_eq!(verify(&vk, &statement, &proof), Ok(()));
        assert!(chain_verify(&statement, &proof));

        // Each input changed: both verifiers refuse.
        for i in 0..Statement::NUM_INPUTS {
            let mut changed = statement;
            match i {
                0 => changed.root += Fr::from(1u8),
                1 => changed.today = changed.today.checked_add(1).unwrap(),
                2 => changed.challenge += Fr::from(1u8),
                3 => changed.scope += Fr::from(1u8),
                4 => changed.nullifier += Fr::from(1u8),
                _ => changed.query_hash += Fr::from(1u8),
            }
            assert_eq!(
                verify(&vk, &changed, &proof),
                Err(VerifyError::InvalidProof),
                "input {i}"
            );
            assert!(!chain_verify(&changed, &proof), "input {i}");
        }

        // Another statement, its own proof: both accept; the first proof for it: both refuse.
        let other = Statement {
            root: Fr::from(9u8),
            ..statement
        };
        let other_proof = prove(&pk, &other, 6);
        assert_eq!(verify(&vk, &other, &other_proof), Ok(()));
        assert!(chain_verify(&other, &other_proof));
        assert!(!chain_verify(&other, &proof));
    }

    #[test]
    fn verifier_of_another_key_refuses_the_proof() {
        let (pk, vk) = keys();
        let mut rng = ChaCha20Rng::seed_from_u64(13);
        let other_pk = Groth16::<Bn254>::generate_random_parameters_with_reduction(
            Squares::<{ Statement::NUM_INPUTS }>(None),
            &mut rng,
        )
        .unwrap();
        let other_vk = VerifyingKey::new(other_pk.vk, 10).unwrap();
        let mut chain = Chain::new();
        let ours = deploy_verifier(&mut chain, &vk);
        let theirs = deploy_verifier(&mut chain, &other_vk);
        let statement = Statement {
            root: Fr::from(1u8),
            today: Day::from_civil(2026, 1, 1).unwrap(),
            challenge: Fr::from(2u8),
            scope: Fr::from(3u8),
            nullifier: Fr::from(4u8),
            query_hash: Fr::from(5u8),
        };
        let call = verifyProofCall {
            proof: proof_words(&prove(&pk, &statement, 8)),
            input: input_words(&statement),
        };
        assert!(chain.read(ours, &call));
        assert!(!chain.read(theirs, &call));
    }

    #[test]
    fn solidity_verifier_rejects_malformed_words() {
        let (pk, vk) = keys();
        let mut chain = Chain::new();
        let verifier = deploy_verifier(&mut chain, &vk);
        let statement = Statement {
            root: Fr::from(1u8),
            today: Day::from_civil(2026, 1, 1).unwrap(),
            challenge: Fr::from(2u8),
            scope: Fr::from(3u8),
            nullifier: Fr::from(4u8),
            query_hash: Fr::from(5u8),
        };
        let proof = prove(&pk, &statement, 7);
        let good = verifyProofCall {
            proof: proof_words(&proof),
            input: input_words(&statement),
        };
        let r = U256::from_limbs(<Fr as ark_ff::PrimeField>::MODULUS.0);
        let q = U256::from_limbs(<ark_bn254::Fq as ark_ff::PrimeField>::MODULUS.0);

        let mut call = good.clone();
        call.input[3] = r;
        let out = chain.view(account(2), verifier, call.abi_encode());
        assert!(out.outcome.reverted_with(&PublicInputOutOfField {
            index: U256::from(3u8),
            value: r,
        }));

        let mut call = good.clone();
        call.proof[5] = q;
        let out = chain.view(account(2), verifier, call.abi_encode());
        assert!(out.outcome.reverted_with(&ProofCoordinateOutOfField {
            index: U256::from(5u8),
            value: q,
        }));

        // A point off the curve: A = (1, 3).
        let mut call = good;
        call.proof[0] = U256::from(1u8);
        call.proof[1] = U256::from(3u8);
        let out = chain.view(account(2), verifier, call.abi_encode());
        assert!(
            out.outcome.reverted_with(&InvalidProofPoint {}),
            "{:?}",
            out.outcome
        );
        assert!(!matches!(out.outcome, Outcome::Success { .. }));
    }
}
