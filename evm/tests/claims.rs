//! The claims contract (`ZkhClaims`) in an EVM (revm): a claim over a coverage credential (the
//! insurer's registry) and a treatment record (the provider registry) is accepted once, with the
//! disclosed amount in its event; the same treatment claimed again is refused; each public input,
//! the amount, the roots (swapped, or unknown to either registry), the sender, the day and the
//! policy are checked; the gas of the proof and both root checks is pinned.
//!
//! One seeded setup of the claim circuit at registry depth 2 per test binary; each test deploys
//! the shipped contracts on a fresh chain in the same order (same deployer, same nonces), so a
//! claim proven once for the claims contract's address serves every test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

use std::sync::OnceLock;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolEvent;
use harness::{account, constructor_args, op, registry_artifact, Chain, Receipt};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth_circuits::{
    circuit::ClaimCircuit,
    credential::{Credential, HolderSecret},
    date::Day,
    merkle::MerkleTree,
    policy::{Condition, Operand, Operator, Policy},
    Fr, Scope,
};
use zkhealth_evm::{
    accepted_claim_policy,
    bindings::{ZkhClaims as C, ZkhRegistry as R},
    calldata::submit_claim_call,
    challenge_for, claims_deploy_code, event_word, presentation_deploy_code, user_context,
    words::{claim_input_words, fr_word, proof_words},
    AcceptedClaimPolicy, EvmError, NO_CONTEXT,
};
use zkhealth_prover::{setup_circuit, ClaimRequest, Held, Prover};
use zkhealth_records::{
    claims::Claims,
    schema::treatment,
    testing::{coverage_record, treatment_record},
    Record,
};
use zkhealth_verifier::{verify, ClaimPresentation, VerifyingKey};

const DEPTH: u32 = 2;
const INSURER: &str = "NL-ZILVERENKRUIS";
const PROVIDERS: &str = "NL-ZORGREGISTER";
/// Freshness window of both registry contracts (seconds).
const WINDOW: u64 = 3_600;
/// The event the claims contract's nullifiers are scoped to.
const EVENT: &str = "2026-claims";
/// The amount of the fixture's treatment (minor units), disclosed by its claim.
const AMOUNT: u64 = 12_500;

/// A presentation's proof and root check (`PROOF_AND_ROOT_GAS` in tests/evm.rs, README "Gas").
const PRESENTATION_PROOF_AND_ROOT_GAS: u64 = 219_943;
/// The target for a claim's proof and both root checks: 1.15 times a presentation's.
const CLAIM_GAS_TARGET: u64 = PRESENTATION_PROOF_AND_ROOT_GAS * 115 / 100;
/// The measured gas of a claim's proof and both root checks (README, "Gas"): deterministic, so
/// any change to the contract's hot path shows here.
const CLAIM_PROOF_AND_ROOTS_GAS: u64 = 234_641;

fn owner() -> Address {
    account(1)
}
fn insurer() -> Address {
    account(2)
}
fn holder() -> Address {
    account(3)
}
fn stranger() -> Address {
    account(4)
}
fn provider() -> Address {
    account(5)
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn today() -> Day {
    "2026-11-21".parse().unwrap()
}

/// Noon UTC of a day, in unix seconds.
fn noon(day: Day) -> u64 {
    (u64::from(day.0) - 25_567) * 86_400 + 43_200
}

/// The insurer's policies on chain: an active coverage of its own (nothing disclosed); a
/// treatment of at most 1,000.00, disclosing its amount only.
fn policies() -> (Policy, Policy) {
    let coverage = Claims::coverage(INSURER)
        .payer_is(INSURER)
        .status_active()
        .build()
        .unwrap();
    let mut trt = Policy::new(treatment::SCHEMA, PROVIDERS);
    trt.conditions = vec![Condition::new(
        treatment::AMOUNT,
        Operator::Le,
        vec![Operand::Number(100_000)],
    )];
    trt.disclose = vec![treatment::AMOUNT];
    (coverage, trt)
}

fn accepted(amount: u64) -> AcceptedClaimPolicy {
    let (coverage, trt) = policies();
    accepted_claim_policy(&coverage, &trt, amount).unwrap()
}

/// The shared setup: the claim circuit's keys, the insurer's and the provider registry's trees
/// with the holder's coverage and treatment, and the holder's claim made for the claims
/// contract.
struct Fixture {
    prover: Prover,
    vk: VerifyingKey,
    secret: HolderSecret,
    insurer_tree: MerkleTree,
    provider_tree: MerkleTree,
    coverage: (Credential, u64),
    treatment: (Credential, u64),
    /// Where the deployment puts the contracts (checked by every deployment).
    insurer_registry: Address,
    provider_registry: Address,
    claims: Address,
    /// The holder's claim, sent by the holder without context.
    claim: Option<ClaimPresentation>,
}

impl Fixture {
    fn claim(&self) -> &ClaimPresentation {
        self.claim.as_ref().unwrap()
    }

    fn scope(&self) -> Scope {
        Scope::of_contract(harness::CHAIN_ID, self.claims.into_array(), EVENT).unwrap()
    }

    /// A claim of the fixture's treatment for `sender` with `context`, on `day`, with the proof's
    /// randomness from `seed`.
    fn prove(&self, sender: Address, context: [u8; 32], day: Day, seed: u64) -> ClaimPresentation {
        let (cov_policy, trt_policy) = policies();
        let cov_path = self.insurer_tree.path(self.coverage.1).unwrap();
        let trt_path = self.provider_tree.path(self.treatment.1).unwrap();
        let challenge = challenge_for(
            harness::CHAIN_ID,
            self.claims.into_array(),
            sender.into_array(),
            context,
        );
        self.prover
            .prove_claim_with_rng(
                &ClaimRequest {
                    secret: &self.secret,
                    coverage: Held {
                        credential: &self.coverage.0,
                        path: &cov_path,
                        policy: &cov_policy,
                    },
                    treatment: Held {
                        credential: &self.treatment.0,
                        path: &trt_path,
                        policy: &trt_policy,
                    },
                    today: day,
                    challenge,
                    scope: self.scope(),
                },
                &mut rng(seed),
            )
            .unwrap()
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (artifact, vk) = setup_circuit::<ClaimCircuit, _>(DEPTH, &mut rng(1)).unwrap();
        let prover = Prover::new(artifact);
        let mut r = rng(2);
        let secret = HolderSecret::random(&mut r);
        let expiry: Day = "2027-06-30".parse().unwrap();
        let coverage = Credential::new(
            &Record::Coverage(coverage_record()),
            INSURER,
            secret.holder_key(),
            expiry,
            &mut r,
        )
        .unwrap();
        let treatment = Credential::new(
            &Record::Treatment(treatment_record("AMC-2026-000417")),
            PROVIDERS,
            secret.holder_key(),
            expiry,
            &mut r,
        )
        .unwrap();
        // Someone else's leaves first in each registry.
        let mut insurer_tree = MerkleTree::new(DEPTH).unwrap();
        insurer_tree.append(Fr::from(5u8)).unwrap();
        let cov_index = insurer_tree.append(coverage.commit()).unwrap();
        let mut provider_tree = MerkleTree::new(DEPTH).unwrap();
        provider_tree.append(Fr::from(6u8)).unwrap();
        let trt_index = provider_tree.append(treatment.commit()).unwrap();

        // Deploy once to learn the addresses every deployment gives, then prove for them.
        let d = Deployment::with(&vk, insurer_tree.root(), provider_tree.root());
        let mut f = Fixture {
            prover,
            vk: vk.clone(),
            secret,
            insurer_tree,
            provider_tree,
            coverage: (coverage, cov_index),
            treatment: (treatment, trt_index),
            insurer_registry: d.insurer_registry,
            provider_registry: d.provider_registry,
            claims: d.claims,
            claim: None,
        };
        let claim = f.prove(holder(), NO_CONTEXT, today(), 3);
        assert_eq!(claim.statement.query_hash, accepted(AMOUNT).query_hash);
        assert_eq!(claim.disclosed_treatment, [Fr::from(AMOUNT)]);
        assert_eq!(verify(&vk, &claim.statement, &claim.proof), Ok(()));
        f.claim = Some(claim);
        f
    })
}

/// A fresh chain with both registries and the claims contract deployed, the claim policy for
/// the fixture's amount accepted, each registry's root published at noon the day before, and the
/// block time at noon today.
struct Deployment {
    chain: Chain,
    insurer_registry: Address,
    provider_registry: Address,
    claims: Address,
}

impl Deployment {
    fn with(vk: &VerifyingKey, insurer_root: Fr, provider_root: Fr) -> Self {
        let mut chain = Chain::new();
        chain.set_time(noon(today()) - 86_400);
        let registry = |chain: &mut Chain, issuer: Address| {
            chain.deploy(
                owner(),
                &registry_artifact().bytecode,
                &constructor_args((issuer, WINDOW)),
            )
        };
        let insurer_registry = registry(&mut chain, insurer());
        let provider_registry = registry(&mut chain, provider());
        let claims = chain.deploy(
            owner(),
            &claims_deploy_code(vk, insurer_registry, provider_registry, EVENT).unwrap(),
            &[],
        );
        let mut d = Deployment {
            chain,
            insurer_registry,
            provider_registry,
            claims,
        };
        d.accept(&accepted(AMOUNT));
        d.publish(insurer(), insurer_registry, insurer_root);
        d.publish(provider(), provider_registry, provider_root);
        d.chain.set_time(noon(today()));
        d
    }

    fn new() -> Self {
        let f = fixture();
        let d = Self::with(&f.vk, f.insurer_tree.root(), f.provider_tree.root());
        assert_eq!(d.insurer_registry, f.insurer_registry);
        assert_eq!(d.provider_registry, f.provider_registry);
        assert_eq!(d.claims, f.claims);
        d
    }

    fn accept(&mut self, policy: &AcceptedClaimPolicy) {
        self.chain
            .send_call(
                owner(),
                self.claims,
                &C::acceptClaimPolicyCall {
                    queryHash: fr_word(&policy.query_hash),
                    amount: policy.amount,
                    admitsLaterDay: policy.admits_later_day,
                },
            )
            .outcome
            .output();
    }

    fn publish(&mut self, issuer: Address, registry: Address, root: Fr) {
        self.chain
            .send_call(
                issuer,
                registry,
                &R::publishRootCall {
                    root: fr_word(&root),
                },
            )
            .outcome
            .output();
    }

    fn submit(&mut self, sender: Address, call: &C::submitClaimCall) -> Receipt {
        self.chain.send_call(sender, self.claims, call)
    }

    fn nullifier_used(&mut self, nullifier: Fr) -> bool {
        self.chain.read(
            self.claims,
            &C::isNullifierUsedCall {
                nullifier: fr_word(&nullifier),
            },
        )
    }
}

fn honest_call() -> C::submitClaimCall {
    submit_claim_call(fixture().claim(), NO_CONTEXT).unwrap()
}

fn assert_reverts<E: alloy_sol_types::SolError + PartialEq + std::fmt::Debug>(
    r: &Receipt,
    expected: E,
) {
    assert!(
        r.outcome.reverted_with(&expected),
        "expected {expected:?}, got {:?}",
        r.outcome
    );
}

#[test]
fn a_claim_is_accepted_with_its_amount_and_its_gas_is_pinned() {
    let f = fixture();
    let mut d = Deployment::new();
    let nullifier = f.claim().statement.nullifier;
    assert!(!d.nullifier_used(nullifier));

    let call = honest_call();
    assert_eq!(call.amount, U256::from(AMOUNT));
    let r = d.submit(holder(), &call);
    let logs = r.outcome.logs();
    assert_eq!(logs.len(), 1);
    let event = C::ClaimAccepted::decode_log(&logs[0]).unwrap();
    assert_eq!(event.address, d.claims);
    assert_eq!(event.nullifier, fr_word(&nullifier));
    assert_eq!(event.sender, holder());
    assert_eq!(event.queryHash, fr_word(&accepted(AMOUNT).query_hash));
    assert_eq!(event.amount, U256::from(AMOUNT));
    assert_eq!(event.context.0, NO_CONTEXT);
    assert!(d.nullifier_used(nullifier));

    // Gas. The calls of the top frame, in order: the two registries, then five (ECMUL, ECADD)
    // pairs, then the pairing.
    let ecadd = Address::with_last_byte(6);
    let ecmul = Address::with_last_byte(7);
    let pairing = Address::with_last_byte(8);
    let calls = r.call_steps();
    let targets: Vec<Address> = calls.iter().map(|(_, c, _)| c.target).collect();
    let mut expected_targets = vec![d.insurer_registry, d.provider_registry];
    for _ in 0..5 {
        expected_targets.extend([ecmul, ecadd]);
    }
    expected_targets.push(pairing);
    assert_eq!(targets, expected_targets);
    assert_eq!(r.tx_gas, r.intrinsic_gas + r.execution_gas);
    let gas_of = |target: Address| -> u64 {
        calls
            .iter()
            .filter(|(_, c, _)| c.target == target)
            .map(|(_, _, gas)| gas)
            .sum()
    };
    let opcode_gas = |ops: &[u8]| -> u64 {
        r.steps
            .iter()
            .filter(|s| ops.contains(&s.opcode))
            .map(|s| s.gas)
            .sum()
    };
    // The proof and root checks: every step from the first registry call to the pairing's
    // result, and the policy point (the first two SLOADs), as for a presentation.
    let (first, _, _) = calls[0];
    let (last, _, _) = calls[calls.len() - 1];
    let span: u64 = r.steps[first..=last].iter().map(|s| s.gas).sum();
    let sloads: Vec<u64> = r
        .steps
        .iter()
        .filter(|s| s.opcode == op::SLOAD)
        .map(|s| s.gas)
        .collect();
    // Then the amount's slot, then the nullifier's (checked, and read again to write the flag).
    assert!(sloads.len() >= 4, "{sloads:?}");
    let policy_point_gas = sloads[0] + sloads[1];
    let other_loads_gas: u64 = sloads[2..].iter().sum();
    let sstore_gas = opcode_gas(&[op::SSTORE]);
    let keccak_gas = opcode_gas(&[op::KECCAK256]);
    let log_gas = opcode_gas(&(op::LOG0..=op::LOG4).collect::<Vec<_>>());
    let outside = r.execution_gas
        - span
        - policy_point_gas
        - other_loads_gas
        - sstore_gas
        - keccak_gas
        - log_gas;
    let (insurer_gas, provider_gas) = (gas_of(d.insurer_registry), gas_of(d.provider_registry));
    let (ecmul_gas, ecadd_gas, pairing_gas) = (gas_of(ecmul), gas_of(ecadd), gas_of(pairing));
    let proof_and_roots = span + policy_point_gas;
    let line = |label: &str, gas: u64| println!("  {label:<58} {gas:>7}");
    println!("submitClaim gas (revm, Osaka rules):");
    line("transaction total", r.tx_gas);
    line("intrinsic (21,000 + calldata)", r.intrinsic_gas);
    line("execution", r.execution_gas);
    line("proof + two root checks", proof_and_roots);
    line("  policy point loads (2 SLOAD)", policy_point_gas);
    line("  first registry call to pairing result", span);
    line(
        "    insurer registry isAcceptedRoot (STATICCALL)",
        insurer_gas,
    );
    line(
        "    provider registry isAcceptedRoot (STATICCALL)",
        provider_gas,
    );
    line("    ECMUL x5", ecmul_gas);
    line("    ECADD x5", ecadd_gas);
    line("    pairing, 4 pairs", pairing_gas);
    line(
        "    glue (memory, stack, jumps)",
        span - insurer_gas - provider_gas - ecmul_gas - ecadd_gas - pairing_gas,
    );
    line(
        &format!("amount and nullifier checks (SLOAD x{})", sloads.len() - 2),
        other_loads_gas,
    );
    line("nullifier record (SSTORE)", sstore_gas);
    line("challenge (KECCAK256)", keccak_gas);
    line("event (LOG)", log_gas);
    line(
        "rest (dispatch, decoding, range checks, date, comparisons)",
        outside,
    );
    println!(
        "  ratio to a presentation's proof + root check ({PRESENTATION_PROOF_AND_ROOT_GAS}): {:.3}",
        proof_and_roots as f64 / PRESENTATION_PROOF_AND_ROOT_GAS as f64
    );
    assert!(
        proof_and_roots <= CLAIM_GAS_TARGET,
        "proof + root checks cost {proof_and_roots} gas, over the {CLAIM_GAS_TARGET} target"
    );
    assert_eq!(
        proof_and_roots, CLAIM_PROOF_AND_ROOTS_GAS,
        "the claim's proof + root checks' gas changed: update CLAIM_PROOF_AND_ROOTS_GAS and the \
         README"
    );

    // The same proof through the bare verifier function.
    let ok: bool = d.chain.read(
        d.claims,
        &C::verifyProofCall {
            proof: proof_words(&f.claim().proof),
            input: claim_input_words(&f.claim().statement),
        },
    );
    assert!(ok);
}

#[test]
fn the_same_treatment_is_claimed_once() {
    let f = fixture();
    let mut d = Deployment::new();
    d.submit(holder(), &honest_call()).outcome.output();
    let nullifier = f.claim().statement.nullifier;
    // Replayed.
    assert_reverts(
        &d.submit(holder(), &honest_call()),
        C::NullifierAlreadyUsed {
            nullifier: fr_word(&nullifier),
        },
    );
    // Claimed again with another challenge (another context) and other randomness: a valid
    // proof, the same nullifier.
    let context = user_context(stranger().into_array());
    let again = f.prove(holder(), context, today(), 4);
    assert_ne!(again.proof, f.claim().proof);
    assert_ne!(again.statement.challenge, f.claim().statement.challenge);
    assert_eq!(again.statement.nullifier, nullifier);
    let call = submit_claim_call(&again, context).unwrap();
    assert_reverts(
        &d.submit(holder(), &call),
        C::NullifierAlreadyUsed {
            nullifier: fr_word(&nullifier),
        },
    );
    // On a fresh deployment the second claim is valid in its own right.
    let mut fresh = Deployment::new();
    fresh.submit(holder(), &call).outcome.output();
}

#[test]
fn each_tampered_public_input_and_the_amount_are_refused() {
    let f = fixture();
    let one = U256::from(1u8);
    let honest = honest_call();
    let s = f.claim().statement;
    let mut d = Deployment::new();

    // root_coverage: unknown to the insurer's registry → refused; accepted there but another →
    // the equation fails.
    let mut call = honest.clone();
    call.input[0] += one;
    assert_reverts(
        &d.submit(holder(), &call),
        C::CoverageRootNotAccepted {
            root: call.input[0],
        },
    );
    let other = Fr::from(0xabcdu64);
    d.publish(insurer(), d.insurer_registry, other);
    call.input[0] = fr_word(&other);
    assert_reverts(&d.submit(holder(), &call), C::InvalidProof {});
    // root_treatment: the same against the provider registry.
    let mut call = honest.clone();
    call.input[1] += one;
    assert_reverts(
        &d.submit(holder(), &call),
        C::TreatmentRootNotAccepted {
            root: call.input[1],
        },
    );
    d.publish(provider(), d.provider_registry, other);
    call.input[1] = fr_word(&other);
    assert_reverts(&d.submit(holder(), &call), C::InvalidProof {});
    // today: the next day, the policy accepted here as admitting it → the equation fails.
    d.accept(&AcceptedClaimPolicy {
        admits_later_day: true,
        ..accepted(AMOUNT)
    });
    let mut call = honest.clone();
    call.input[2] = U256::from(s.today.checked_add(1).unwrap().0);
    assert_reverts(&d.submit(holder(), &call), C::InvalidProof {});
    d.accept(&accepted(AMOUNT));
    // challenge: the caller binding.
    let mut call = honest.clone();
    call.input[3] += one;
    assert_reverts(
        &d.submit(holder(), &call),
        C::WrongChallenge {
            presented: call.input[3],
            expected: honest.input[3],
        },
    );
    // scope: the contract's own.
    let mut call = honest.clone();
    call.input[4] += one;
    assert_reverts(
        &d.submit(holder(), &call),
        C::WrongScope {
            presented: call.input[4],
            expected: honest.input[4],
        },
    );
    // nullifier: a fresh one passes the contract's checks; the equation fails.
    let mut call = honest.clone();
    call.input[5] += one;
    assert_reverts(&d.submit(holder(), &call), C::InvalidProof {});
    // query hash: not accepted → refused; accepted (another amount's) → the equation fails.
    let mut call = honest.clone();
    call.input[6] += one;
    assert_reverts(
        &d.submit(holder(), &call),
        C::PolicyNotAccepted {
            queryHash: call.input[6],
        },
    );
    // The amount: not the one accepted with the query hash → refused.
    let mut call = honest.clone();
    call.amount = U256::from(AMOUNT + 1);
    assert_reverts(
        &d.submit(holder(), &call),
        C::AmountNotAccepted {
            queryHash: honest.input[6],
            presented: call.amount,
            accepted: U256::from(AMOUNT),
        },
    );
    // A larger amount the insurer accepts (its own query hash), claimed with this proof: the
    // proof is for the treatment's amount, the equation fails.
    let larger = accepted(AMOUNT * 2);
    assert_ne!(larger.query_hash, s.query_hash);
    d.accept(&larger);
    let mut call = honest.clone();
    call.input[6] = fr_word(&larger.query_hash);
    call.amount = U256::from(larger.amount);
    assert_reverts(&d.submit(holder(), &call), C::InvalidProof {});

    // Nothing was recorded; the honest claim still passes.
    assert!(!d.nullifier_used(s.nullifier));
    d.submit(holder(), &honest).outcome.output();
}

#[test]
fn each_root_is_checked_against_its_own_registry() {
    let f = fixture();
    let s = f.claim().statement;
    let mut d = Deployment::new();
    // Swapped: the treatment root is not the insurer's.
    let mut call = honest_call();
    call.input.swap(0, 1);
    assert_reverts(
        &d.submit(holder(), &call),
        C::CoverageRootNotAccepted {
            root: fr_word(&s.root_treatment),
        },
    );
    // Each registry publishing the other's root too: the roots pass, the equation fails.
    d.publish(insurer(), d.insurer_registry, s.root_treatment);
    assert_reverts(
        &d.submit(holder(), &call),
        C::TreatmentRootNotAccepted {
            root: fr_word(&s.root_coverage),
        },
    );
    d.publish(provider(), d.provider_registry, s.root_coverage);
    assert_reverts(&d.submit(holder(), &call), C::InvalidProof {});

    // A provider registry that never published the treatment's root.
    let mut chain = Deployment::with(&f.vk, f.insurer_tree.root(), Fr::from(77u8));
    assert_reverts(
        &chain.submit(holder(), &honest_call()),
        C::TreatmentRootNotAccepted {
            root: fr_word(&s.root_treatment),
        },
    );
    // An insurer's registry that never published the coverage's root.
    let mut chain = Deployment::with(&f.vk, Fr::from(78u8), f.provider_tree.root());
    assert_reverts(
        &chain.submit(holder(), &honest_call()),
        C::CoverageRootNotAccepted {
            root: fr_word(&s.root_coverage),
        },
    );
}

#[test]
fn another_sender_the_wrong_day_and_an_unaccepted_policy_are_refused() {
    let f = fixture();
    let mut d = Deployment::new();
    let call = honest_call();
    // Another sender: the challenge is bound to the holder.
    let expected: U256 = d.chain.read(
        d.claims,
        &C::challengeForCall {
            sender: stranger(),
            context: NO_CONTEXT.into(),
        },
    );
    assert_eq!(
        expected,
        fr_word(&challenge_for(
            harness::CHAIN_ID,
            d.claims.into_array(),
            stranger().into_array(),
            NO_CONTEXT
        ))
    );
    assert_reverts(
        &d.submit(stranger(), &call),
        C::WrongChallenge {
            presented: call.input[3],
            expected,
        },
    );
    // The policies admit a later day (no upper bound by the day): a claim may carry the day
    // after the block's. Accepted here as not admitting it, the day before the block's is
    // refused too; the day after the block's never is accepted.
    assert!(accepted(AMOUNT).admits_later_day);
    d.accept(&AcceptedClaimPolicy {
        admits_later_day: false,
        ..accepted(AMOUNT)
    });
    let block_day = |t: u64| U256::from(t / 86_400 + 25_567);
    for day in [
        today().checked_add(1).unwrap(),
        today().checked_sub(1).unwrap(),
    ] {
        d.chain.set_time(noon(day));
        assert_reverts(
            &d.submit(holder(), &call),
            C::DayNotToday {
                presented: U256::from(today().0),
                blockDay: block_day(noon(day)),
            },
        );
    }
    d.accept(&accepted(AMOUNT));
    d.chain.set_time(noon(today().checked_add(1).unwrap()));
    assert_reverts(
        &d.submit(holder(), &call),
        C::DayNotToday {
            presented: U256::from(today().0),
            blockDay: block_day(noon(today().checked_add(1).unwrap())),
        },
    );
    d.chain.set_time(noon(today()));
    // The policy revoked by the owner (a stranger may not).
    let revoke = C::revokeClaimPolicyCall {
        queryHash: call.input[6],
    };
    assert_reverts(
        &d.chain.send_call(stranger(), d.claims, &revoke),
        C::NotOwner {},
    );
    d.chain
        .send_call(owner(), d.claims, &revoke)
        .outcome
        .output();
    let read: C::acceptedClaimPolicyReturn = d.chain.read(
        d.claims,
        &C::acceptedClaimPolicyCall {
            queryHash: call.input[6],
        },
    );
    assert!(!read.accepted);
    assert_reverts(
        &d.submit(holder(), &call),
        C::PolicyNotAccepted {
            queryHash: call.input[6],
        },
    );
    // Accepted again: the claim passes.
    d.accept(&accepted(AMOUNT));
    let read: C::acceptedClaimPolicyReturn = d.chain.read(
        d.claims,
        &C::acceptedClaimPolicyCall {
            queryHash: call.input[6],
        },
    );
    assert!(read.accepted);
    assert_eq!(read.amount, AMOUNT);
    d.submit(holder(), &call).outcome.output();
    assert!(d.nullifier_used(f.claim().statement.nullifier));
}

#[test]
fn the_contract_holds_its_key_registries_and_scope() {
    let f = fixture();
    let mut d = Deployment::new();
    assert_eq!(
        d.chain.read(d.claims, &C::VERIFYING_KEY_IDCall {}).0,
        f.vk.id().0
    );
    assert_eq!(
        d.chain.read(d.claims, &C::scopeCall {}),
        fr_word(&f.scope().value())
    );
    assert_eq!(
        d.chain.read(d.claims, &C::scopeEventCall {}).0,
        event_word(EVENT).unwrap()
    );
    assert_eq!(
        d.chain.read(d.claims, &C::insurerRegistryCall {}),
        d.insurer_registry
    );
    assert_eq!(
        d.chain.read(d.claims, &C::providerRegistryCall {}),
        d.provider_registry
    );
    // No registry.
    let code = claims_deploy_code(&f.vk, d.insurer_registry, Address::ZERO, EVENT).unwrap();
    let (r, created) = d.chain.try_deploy(owner(), code);
    assert_eq!(created, None);
    assert_reverts(&r, C::ZeroAddress {});
    // A claim key is not a presentation key, nor the other way round: the number of input
    // points differs.
    assert!(matches!(
        presentation_deploy_code(&f.vk, d.insurer_registry, EVENT),
        Err(EvmError::KeyInputPoints {
            expected: 7,
            got: 8
        })
    ));
    // Only the owner accepts policies.
    let a = accepted(AMOUNT);
    assert_reverts(
        &d.chain.send_call(
            stranger(),
            d.claims,
            &C::acceptClaimPolicyCall {
                queryHash: fr_word(&a.query_hash),
                amount: a.amount,
                admitsLaterDay: false,
            },
        ),
        C::NotOwner {},
    );
}

#[test]
fn claim_policies_disclose_the_amount_only() {
    let (coverage, trt) = policies();
    let a = accepted_claim_policy(&coverage, &trt, AMOUNT).unwrap();
    assert_eq!(a.amount, AMOUNT);
    assert_ne!(a.query_hash, accepted(AMOUNT + 1).query_hash);
    let mut disclosing = coverage.clone();
    disclosing.disclose = vec![zkhealth_records::schema::coverage::PLAN];
    assert!(matches!(
        accepted_claim_policy(&disclosing, &trt, AMOUNT),
        Err(EvmError::ClaimDisclosure(_))
    ));
    let mut more = trt.clone();
    more.disclose = vec![treatment::CATEGORY, treatment::AMOUNT];
    assert!(matches!(
        accepted_claim_policy(&coverage, &more, AMOUNT),
        Err(EvmError::ClaimDisclosure(_))
    ));
    let mut none = trt;
    none.disclose = vec![];
    assert!(matches!(
        accepted_claim_policy(&coverage, &none, AMOUNT),
        Err(EvmError::ClaimDisclosure(_))
    ));
    // A claim that discloses more than the amount has no calldata.
    let mut claim = fixture().claim().clone();
    claim.disclosed_treatment.push(Fr::from(1u8));
    assert!(matches!(
        submit_claim_call(&claim, NO_CONTEXT),
        Err(EvmError::ClaimDisclosure(_))
    ));
}
