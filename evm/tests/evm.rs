//! The zkhealth contracts in an EVM (revm): registry, generic verifier, presentation contract.
//!
//! One seeded setup at registry depth 4 per test binary; each test deploys the shipped contracts
//! (the presentation contract with the key as constructor arguments, no compiler) on a fresh
//! chain. Deployments are deterministic (same deployer, same
//! nonces), so a presentation proven once for the presentation contract's address serves every
//! test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

use std::sync::OnceLock;

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, SolConstructor, SolEvent};
use ark_ff::PrimeField;
use harness::{account, constructor_args, op, registry_artifact, Chain, Outcome, Receipt};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use zkhealth_circuits::{
    credential::{Credential, HolderSecret},
    date::Day,
    merkle::MerkleTree,
    policy::Policy,
    Fr, Statement,
};
use zkhealth_evm::{
    bindings::{ZkhPresentation as P, ZkhRegistry as R},
    calldata::{verify_presentation_call, verify_presentation_calldata},
    challenge_for, presentation_deploy_code,
    words::{fr_word, input_words, proof_words},
    CalldataJson, KeyWords,
};
use zkhealth_prover::{setup, ProveRequest, Prover};
use zkhealth_records::{claims, testing};
use zkhealth_registry::RootHistory;
use zkhealth_verifier::{verify, Presentation, VerifyingKey};

const DEPTH: u32 = 4;
const ISSUER: &str = "NL-RIVM";
/// Freshness window of the registry contract (seconds).
const WINDOW: u64 = 3_600;
/// The gas target of DESIGN.md for the proof and root check of a presentation.
const GAS_TARGET: u64 = 230_000;

fn owner() -> Address {
    account(1)
}
fn issuer() -> Address {
    account(2)
}
fn holder() -> Address {
    account(3)
}
fn stranger() -> Address {
    account(4)
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

fn scope() -> Fr {
    Fr::from(0x5c09_e000_u64)
}

fn r_modulus() -> U256 {
    U256::from_limbs(Fr::MODULUS.0)
}

fn q_modulus() -> U256 {
    U256::from_limbs(ark_bn254::Fq::MODULUS.0)
}

/// The shared setup: keys, a registry with the holder's credential, a policy, and one
/// presentation made for the presentation contract and the holder.
struct Fixture {
    prover: Prover,
    tree: MerkleTree,
    secret: HolderSecret,
    credential: Credential,
    index: u64,
    policy: Policy,
    query_hash: Fr,
    vk: VerifyingKey,
    /// Where the deployment puts the contracts (checked by every deployment).
    registry: Address,
    presentation_contract: Address,
    /// The holder's presentation (set once the addresses are known).
    presentation: Option<Presentation>,
}

impl Fixture {
    /// The holder's presentation for today.
    fn presentation(&self) -> &Presentation {
        self.presentation.as_ref().unwrap()
    }

    /// A presentation for the fixture's contract, `sender`, `day` and `scope`.
    fn present(&self, sender: Address, day: Day, scope: Fr, seed: u64) -> Presentation {
        let path = self.tree.path(self.index).unwrap();
        let challenge = challenge_for(
            harness::CHAIN_ID,
            self.presentation_contract.into_array(),
            sender.into_array(),
        );
        self.prover
            .prove_with_rng(
                &ProveRequest {
                    secret: &self.secret,
                    credential: &self.credential,
                    path: &path,
                    policy: &self.policy,
                    today: day,
                    challenge,
                    scope,
                },
                &mut rng(seed),
            )
            .unwrap()
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (artifact, vk) = setup(DEPTH, &mut rng(1)).unwrap();
        let prover = Prover::new(artifact);

        let mut r = rng(2);
        let secret = HolderSecret::random(&mut r);
        let record = testing::vaccination("1990-04-12", today().checked_sub(60).unwrap());
        let credential = Credential::new(
            &record,
            ISSUER,
            secret.holder_key(),
            "2027-06-01".parse().unwrap(),
            &mut r,
        )
        .unwrap();
        let mut tree = MerkleTree::new(DEPTH).unwrap();
        tree.append(Fr::from(12_345u64)).unwrap();
        let index = tree.append(credential.commit()).unwrap();
        let policy = claims::standard_vaccination(ISSUER).unwrap();
        let query_hash = policy.query_hash(&[]).unwrap();

        // Deploy once to learn the addresses every deployment gives, then prove for them.
        let d = Deployment::with(&vk, query_hash, tree.root());
        let mut fixture = Fixture {
            prover,
            tree,
            secret,
            credential,
            index,
            policy,
            query_hash,
            vk: vk.clone(),
            registry: d.registry,
            presentation_contract: d.presentation,
            presentation: None,
        };
        let presentation = fixture.present(holder(), today(), scope(), 3);
        assert_eq!(presentation.statement.query_hash, query_hash);
        assert_eq!(
            verify(&vk, &presentation.statement, &presentation.proof),
            Ok(())
        );
        fixture.presentation = Some(presentation);
        fixture
    })
}

/// A fresh chain with the registry and the presentation contract deployed, the fixture's policy
/// accepted, its root published at noon the day before, and the block time at noon today.
struct Deployment {
    chain: Chain,
    registry: Address,
    presentation: Address,
}

impl Deployment {
    fn with(vk: &VerifyingKey, query_hash: Fr, root: Fr) -> Self {
        let mut chain = Chain::new();
        chain.set_time(noon(today()) - 86_400);
        let registry = chain.deploy(
            owner(),
            &registry_artifact().bytecode,
            &constructor_args((issuer(), WINDOW)),
        );
        let presentation = chain.deploy(
            owner(),
            &presentation_deploy_code(vk, registry, &scope()).unwrap(),
            &[],
        );
        let mut d = Deployment {
            chain,
            registry,
            presentation,
        };
        d.accept_policy(query_hash);
        d.publish(root);
        d.chain.set_time(noon(today()));
        d
    }

    fn new() -> Self {
        let f = fixture();
        let d = Self::with(&f.vk, f.query_hash, f.tree.root());
        assert_eq!(d.registry, f.registry);
        assert_eq!(d.presentation, f.presentation_contract);
        d
    }

    fn accept_policy(&mut self, query_hash: Fr) {
        let r = self.chain.send_call(
            owner(),
            self.presentation,
            &P::acceptPolicyCall {
                queryHash: fr_word(&query_hash),
            },
        );
        r.outcome.output();
    }

    fn publish(&mut self, root: Fr) -> Receipt {
        let r = self.chain.send_call(
            issuer(),
            self.registry,
            &R::publishRootCall {
                root: fr_word(&root),
            },
        );
        r.outcome.output();
        r
    }

    /// Sends `verifyPresentation(proof, input)` from `sender`.
    fn submit(&mut self, sender: Address, call: &P::verifyPresentationCall) -> Receipt {
        self.chain.send_call(sender, self.presentation, call)
    }

    fn nullifier_used(&mut self, nullifier: Fr) -> bool {
        self.chain.read(
            self.presentation,
            &P::isNullifierUsedCall {
                nullifier: fr_word(&nullifier),
            },
        )
    }
}

fn honest_call() -> P::verifyPresentationCall {
    verify_presentation_call(fixture().presentation())
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
fn valid_presentation_is_accepted_and_records_its_nullifier() {
    let f = fixture();
    let mut d = Deployment::new();
    let nullifier = f.presentation().statement.nullifier;
    assert!(!d.nullifier_used(nullifier));

    let calldata = verify_presentation_calldata(f.presentation());
    assert_eq!(calldata.len(), 4 + 15 * 32);
    let r = d.chain.send(holder(), d.presentation, calldata.clone());
    let logs = r.outcome.logs();
    assert_eq!(logs.len(), 1);
    let event = P::PresentationVerified::decode_log(&logs[0]).unwrap();
    assert_eq!(event.address, d.presentation);
    assert_eq!(event.nullifier, fr_word(&nullifier));
    assert_eq!(event.sender, holder());
    assert_eq!(event.queryHash, fr_word(&f.query_hash));
    assert_eq!(event.root, fr_word(&f.tree.root()));
    assert!(d.nullifier_used(nullifier));

    // Gas. The calls of the top frame, in order: the registry, then five (ECMUL, ECADD) pairs,
    // then the pairing.
    let ecadd = Address::with_last_byte(6);
    let ecmul = Address::with_last_byte(7);
    let pairing = Address::with_last_byte(8);
    let calls = r.call_steps();
    let targets: Vec<Address> = calls.iter().map(|(_, c, _)| c.target).collect();
    let mut expected_targets = vec![d.registry];
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
    let opcode_gas = |ops: &[u8]| -> (usize, u64) {
        let steps: Vec<_> = r.steps.iter().filter(|s| ops.contains(&s.opcode)).collect();
        (steps.len(), steps.iter().map(|s| s.gas).sum())
    };
    // The proof and root check: every step from the registry call to the pairing's result.
    let (first, _, _) = calls[0];
    let (last, _, _) = calls[calls.len() - 1];
    let span: u64 = r.steps[first..=last].iter().map(|s| s.gas).sum();
    let (registry_gas, ecmul_gas, ecadd_gas, pairing_gas) = (
        gas_of(d.registry),
        gas_of(ecmul),
        gas_of(ecadd),
        gas_of(pairing),
    );
    // The policy point (the constant part of the input combination) is the first two SLOADs.
    let sloads: Vec<u64> = r
        .steps
        .iter()
        .filter(|s| s.opcode == op::SLOAD)
        .map(|s| s.gas)
        .collect();
    // Then the nullifier's slot: checked, and read again to write the flag.
    assert!(sloads.len() >= 3, "{sloads:?}");
    let policy_point_gas = sloads[0] + sloads[1];
    let nullifier_load_gas: u64 = sloads[2..].iter().sum();
    let (_, sstore_gas) = opcode_gas(&[op::SSTORE]);
    let (_, keccak_gas) = opcode_gas(&[op::KECCAK256]);
    let (_, log_gas) = opcode_gas(&(op::LOG0..=op::LOG4).collect::<Vec<_>>());
    let outside = r.execution_gas
        - span
        - policy_point_gas
        - nullifier_load_gas
        - sstore_gas
        - keccak_gas
        - log_gas;
    let proof_and_root = span + policy_point_gas;
    println!("verifyPresentation gas (revm, Osaka rules):");
    println!(
        "  transaction total                          {:>7}",
        r.tx_gas
    );
    println!(
        "  intrinsic (21,000 + calldata)              {:>7}",
        r.intrinsic_gas
    );
    println!(
        "  execution                                  {:>7}",
        r.execution_gas
    );
    println!(
        "  proof + root check                         {:>7}",
        proof_and_root
    );
    println!(
        "    policy point loads (2 SLOAD)             {:>7}",
        policy_point_gas
    );
    println!("    registry call to pairing result          {:>7}", span);
    println!(
        "      registry isAcceptedRoot (STATICCALL)   {:>7}",
        registry_gas
    );
    println!(
        "      ECMUL x5                               {:>7}",
        ecmul_gas
    );
    println!(
        "      ECADD x5                               {:>7}",
        ecadd_gas
    );
    println!(
        "      pairing, 4 pairs                       {:>7}",
        pairing_gas
    );
    println!(
        "      glue (memory, stack, jumps)            {:>7}",
        span - registry_gas - ecmul_gas - ecadd_gas - pairing_gas
    );
    println!(
        "  nullifier check (SLOAD x{})                 {:>7}",
        sloads.len() - 2,
        nullifier_load_gas
    );
    println!(
        "  nullifier record (SSTORE)                  {:>7}",
        sstore_gas
    );
    println!(
        "  challenge (KECCAK256)                      {:>7}",
        keccak_gas
    );
    println!(
        "  event (LOG)                                {:>7}",
        log_gas
    );
    println!(
        "  rest (dispatch, decoding, range checks, date, comparisons) {:>7}",
        outside
    );
    assert!(
        proof_and_root <= GAS_TARGET,
        "proof + root check costs {proof_and_root} gas, over the {GAS_TARGET} target"
    );

    // The same proof through the bare verifier function agrees with the Rust verifier.
    let ok: bool = d.chain.read(
        d.presentation,
        &P::verifyProofCall {
            proof: proof_words(&f.presentation().proof),
            input: input_words(&f.presentation().statement),
        },
    );
    assert!(ok);
}

#[test]
fn presentation_contract_holds_the_key_and_refuses_bad_constructor_arguments() {
    let f = fixture();
    let mut d = Deployment::new();
    let id = d.chain.read(d.presentation, &P::VERIFYING_KEY_IDCall {});
    assert_eq!(id.0, f.vk.id().0);
    assert_eq!(
        d.chain.read(d.presentation, &P::scopeCall {}),
        fr_word(&scope())
    );
    assert_eq!(
        d.chain.read(d.presentation, &P::registryCall {}),
        d.registry
    );

    // No registry.
    let code = presentation_deploy_code(&f.vk, Address::ZERO, &scope()).unwrap();
    let (r, created) = d.chain.try_deploy(owner(), code);
    assert_eq!(created, None);
    assert_reverts(&r, P::ZeroAddress {});
    // A scope that is not a field element.
    let mut constructor = KeyWords::new(&f.vk)
        .unwrap()
        .presentation_constructor(d.registry, &scope());
    constructor.scope_ = r_modulus();
    let code = [P::BYTECODE.as_ref(), &constructor.abi_encode()].concat();
    let (r, created) = d.chain.try_deploy(owner(), code);
    assert_eq!(created, None);
    assert_reverts(&r, P::ScopeOutOfField { scope: r_modulus() });
}

#[test]
fn tampered_proof_is_rejected() {
    let mut d = Deployment::new();
    // A negated (still a valid point): the equation fails.
    let mut call = honest_call();
    call.proof[1] = q_modulus() - call.proof[1];
    assert_reverts(&d.submit(holder(), &call), P::InvalidProof {});
    // C replaced by A.
    let mut call = honest_call();
    call.proof[6] = call.proof[0];
    call.proof[7] = call.proof[1];
    assert_reverts(&d.submit(holder(), &call), P::InvalidProof {});
    // B with its coordinates' halves swapped: no longer on the twist.
    let mut call = honest_call();
    call.proof.swap(2, 3);
    assert_reverts(&d.submit(holder(), &call), P::InvalidProofPoint {});
    assert!(!d.nullifier_used(fixture().presentation().statement.nullifier));
    // The honest call still goes through afterwards.
    d.submit(holder(), &honest_call()).outcome.output();
}

#[test]
fn each_tampered_public_input_is_rejected() {
    let f = fixture();
    let one = U256::from(1u8);
    let honest = honest_call();
    let s = f.presentation().statement;

    // root: unknown → the registry refuses; a root the registry accepts → the equation fails.
    let mut d = Deployment::new();
    let mut call = honest.clone();
    call.input[0] += one;
    assert_reverts(
        &d.submit(holder(), &call),
        P::RootNotAccepted {
            root: call.input[0],
        },
    );
    let other_root = Fr::from(0xabcdu64);
    d.publish(other_root);
    call.input[0] = fr_word(&other_root);
    assert_reverts(&d.submit(holder(), &call), P::InvalidProof {});

    // day (with its own YYYYMMDD, so the date checks pass): the equation fails.
    for next in [
        s.today.checked_add(1).unwrap(),
        s.today.checked_sub(1).unwrap(),
    ] {
        let mut call = honest.clone();
        call.input[1] = U256::from(next.0);
        call.input[2] = U256::from(next.ymd().get());
        assert_reverts(&d.submit(holder(), &call), P::InvalidProof {});
    }
    // ymd alone: the contract's date check.
    let mut call = honest.clone();
    call.input[2] += one;
    assert_reverts(
        &d.submit(holder(), &call),
        P::DateMismatch {
            presented: call.input[2],
            expected: honest.input[2],
        },
    );
    // challenge: the contract's caller binding.
    let mut call = honest.clone();
    call.input[3] += one;
    assert_reverts(
        &d.submit(holder(), &call),
        P::WrongChallenge {
            presented: call.input[3],
            expected: honest.input[3],
        },
    );
    // scope: the contract's own scope.
    let mut call = honest.clone();
    call.input[4] += one;
    assert_reverts(
        &d.submit(holder(), &call),
        P::WrongScope {
            presented: call.input[4],
            expected: honest.input[4],
        },
    );
    // nullifier: a fresh one passes the contract's checks; the equation fails.
    let mut call = honest.clone();
    call.input[5] += one;
    assert_reverts(&d.submit(holder(), &call), P::InvalidProof {});
    // query hash: not accepted → refused; accepted (another policy) → the equation fails.
    let mut call = honest.clone();
    call.input[6] += one;
    assert_reverts(
        &d.submit(holder(), &call),
        P::PolicyNotAccepted {
            queryHash: call.input[6],
        },
    );
    d.accept_policy(s.query_hash + Fr::from(1u8));
    assert_reverts(&d.submit(holder(), &call), P::InvalidProof {});

    // Nothing was recorded; the honest presentation still passes (the root is replaced but
    // within its window).
    assert!(!d.nullifier_used(s.nullifier));
    d.submit(holder(), &honest).outcome.output();
}

#[test]
fn unknown_root_is_rejected() {
    let f = fixture();
    // A registry that never published the fixture's root.
    let mut chain = Chain::new();
    chain.set_time(noon(today()));
    let registry = chain.deploy(
        owner(),
        &registry_artifact().bytecode,
        &constructor_args((issuer(), WINDOW)),
    );
    let presentation = chain.deploy(
        owner(),
        &presentation_deploy_code(&f.vk, registry, &scope()).unwrap(),
        &[],
    );
    assert_eq!(presentation, f.presentation_contract);
    chain
        .send_call(
            owner(),
            presentation,
            &P::acceptPolicyCall {
                queryHash: fr_word(&f.query_hash),
            },
        )
        .outcome
        .output();
    chain
        .send_call(
            issuer(),
            registry,
            &R::publishRootCall {
                root: U256::from(777u64),
            },
        )
        .outcome
        .output();
    let r = chain.send_call(holder(), presentation, &honest_call());
    assert_reverts(
        &r,
        P::RootNotAccepted {
            root: fr_word(&f.tree.root()),
        },
    );
}

#[test]
fn replaced_root_is_accepted_within_its_window_and_rejected_after() {
    let f = fixture();
    let replaced_at = noon(today());
    for (now, accepted) in [
        (replaced_at, true),
        (replaced_at + WINDOW - 1, true),
        (replaced_at + WINDOW, false),
        (replaced_at + 5 * WINDOW, false),
    ] {
        let mut d = Deployment::new();
        d.publish(Fr::from(4242u64)); // at noon: the fixture's root is replaced now
        d.chain.set_time(now);
        let r = d.submit(holder(), &honest_call());
        if accepted {
            r.outcome.output();
        } else {
            assert_reverts(
                &r,
                P::RootNotAccepted {
                    root: fr_word(&f.tree.root()),
                },
            );
        }
    }
}

#[test]
fn reused_nullifier_is_rejected() {
    let f = fixture();
    let mut d = Deployment::new();
    d.submit(holder(), &honest_call()).outcome.output();
    let r = d.submit(holder(), &honest_call());
    assert_reverts(
        &r,
        P::NullifierAlreadyUsed {
            nullifier: fr_word(&f.presentation().statement.nullifier),
        },
    );
}

#[test]
fn another_sender_is_rejected() {
    let f = fixture();
    let mut d = Deployment::new();
    // The holder's calldata sent by someone else: the challenge is bound to the holder.
    let r = d.submit(stranger(), &honest_call());
    let expected: U256 = d
        .chain
        .read(d.presentation, &P::challengeForCall { sender: stranger() });
    assert_reverts(
        &r,
        P::WrongChallenge {
            presented: fr_word(&f.presentation().statement.challenge),
            expected,
        },
    );
    // Even with the stranger's own challenge put in, the holder's proof does not verify.
    let mut call = honest_call();
    call.input[3] = expected;
    assert_reverts(&d.submit(stranger(), &call), P::InvalidProof {});
    // A presentation made for the stranger passes.
    let theirs = f.present(stranger(), today(), scope(), 4);
    d.submit(stranger(), &verify_presentation_call(&theirs))
        .outcome
        .output();
}

#[test]
fn challenge_matches_the_rust_derivation() {
    let f = fixture();
    let mut d = Deployment::new();
    for sender in [
        holder(),
        stranger(),
        Address::ZERO,
        Address::repeat_byte(0xff),
    ] {
        let on_chain: U256 = d
            .chain
            .read(d.presentation, &P::challengeForCall { sender });
        let native = challenge_for(
            harness::CHAIN_ID,
            d.presentation.into_array(),
            sender.into_array(),
        );
        assert_eq!(on_chain, fr_word(&native));
    }
    assert_eq!(
        f.presentation().statement.challenge,
        challenge_for(
            harness::CHAIN_ID,
            d.presentation.into_array(),
            holder().into_array()
        )
    );
}

#[test]
fn policy_the_contract_does_not_accept_is_rejected() {
    let f = fixture();
    let mut d = Deployment::new();
    let qh = fr_word(&f.query_hash);
    // Only the owner manages policies.
    let r = d.chain.send_call(
        stranger(),
        d.presentation,
        &P::revokePolicyCall { queryHash: qh },
    );
    assert_reverts(&r, P::NotOwner {});
    let r = d.chain.send_call(
        stranger(),
        d.presentation,
        &P::acceptPolicyCall {
            queryHash: qh + U256::from(1u8),
        },
    );
    assert_reverts(&r, P::NotOwner {});
    // Revoked: refused, with an event.
    let r = d.chain.send_call(
        owner(),
        d.presentation,
        &P::revokePolicyCall { queryHash: qh },
    );
    let event = P::PolicyRevoked::decode_log(&r.outcome.logs()[0]).unwrap();
    assert_eq!(event.queryHash, qh);
    assert!(!d
        .chain
        .read(d.presentation, &P::isPolicyAcceptedCall { queryHash: qh }));
    assert_reverts(
        &d.submit(holder(), &honest_call()),
        P::PolicyNotAccepted { queryHash: qh },
    );
    // Accepted again: passes.
    let r = d.chain.send_call(
        owner(),
        d.presentation,
        &P::acceptPolicyCall { queryHash: qh },
    );
    let event = P::PolicyAccepted::decode_log(&r.outcome.logs()[0]).unwrap();
    assert_eq!(event.queryHash, qh);
    d.submit(holder(), &honest_call()).outcome.output();
}

#[test]
fn date_is_checked_against_block_time_with_one_day_tolerance() {
    let f = fixture();
    let s = f.presentation().statement;
    // The proof's day is today. Block time the next day or the day before: accepted.
    for (now, ok) in [
        (noon(today()) + 86_400, true),
        (noon(today()) - 86_400, true),
        (noon(today()) + 2 * 86_400, false),
        (noon(today()) - 2 * 86_400, false),
    ] {
        let mut d = Deployment::new();
        d.chain.set_time(now);
        let r = d.submit(holder(), &honest_call());
        if ok {
            r.outcome.output();
        } else {
            let block_day = now / 86_400 + 25_567;
            assert_reverts(
                &r,
                P::DayNotToday {
                    presented: U256::from(s.today.0),
                    blockDay: U256::from(block_day),
                },
            );
        }
    }
}

#[test]
fn ymd_of_day_matches_the_rust_calendar() {
    let mut d = Deployment::new();
    let mut days: Vec<Day> = vec![
        Day(0),
        Day::from_civil(1900, 2, 28).unwrap(),
        Day::from_civil(1900, 3, 1).unwrap(),
        Day::from_civil(1970, 1, 1).unwrap(),
        Day::from_civil(2000, 2, 29).unwrap(),
        Day::from_civil(2000, 3, 1).unwrap(),
        Day::from_civil(2024, 2, 29).unwrap(),
        Day::from_civil(2100, 2, 28).unwrap(),
        Day::from_civil(2100, 3, 1).unwrap(),
        Day::from_civil(9999, 12, 31).unwrap(),
    ];
    // Every day of 2026–2028 (a leap year included).
    let start = Day::from_civil(2026, 1, 1).unwrap();
    days.extend((0..3 * 366).map(|i| start.checked_add(i).unwrap()));
    for day in days {
        let on_chain: U256 = d.chain.read(
            d.presentation,
            &P::ymdOfDayCall {
                day: U256::from(day.0),
            },
        );
        assert_eq!(on_chain, U256::from(day.ymd().get()), "day {}", day.0);
    }
}

#[test]
fn malformed_calldata_reverts_with_its_reason() {
    let mut d = Deployment::new();
    let calldata = honest_call().abi_encode();
    // One word short: Solidity's ABI decoder refuses it before the function runs (empty revert).
    let r = d.chain.send(
        holder(),
        d.presentation,
        calldata[..calldata.len() - 32].to_vec(),
    );
    assert!(r.outcome.revert_data().is_empty(), "{:?}", r.outcome);
    let r = d
        .chain
        .send(holder(), d.presentation, calldata[..3].to_vec());
    assert!(matches!(r.outcome, Outcome::Revert(_)), "{:?}", r.outcome);
    // Trailing bytes.
    let mut long = calldata.clone();
    long.extend_from_slice(&[0u8; 32]);
    assert_reverts(
        &d.chain.send(holder(), d.presentation, long),
        P::MalformedCalldata {
            length: U256::from(calldata.len() + 32),
            expected: U256::from(calldata.len()),
        },
    );
    // A public input not below r, a proof coordinate not below q.
    for i in 0..Statement::NUM_INPUTS {
        let mut call = honest_call();
        call.input[i] = r_modulus() + call.input[i];
        assert_reverts(
            &d.submit(holder(), &call),
            P::PublicInputOutOfField {
                index: U256::from(i),
                value: call.input[i],
            },
        );
    }
    for i in 0..8 {
        let mut call = honest_call();
        call.proof[i] = q_modulus();
        assert_reverts(
            &d.submit(holder(), &call),
            P::ProofCoordinateOutOfField {
                index: U256::from(i),
                value: q_modulus(),
            },
        );
    }
    // A proof point off the curve.
    let mut call = honest_call();
    call.proof[0] = U256::from(1u8);
    call.proof[1] = U256::from(3u8);
    assert_reverts(&d.submit(holder(), &call), P::InvalidProofPoint {});
    // Unknown selector.
    let r = d
        .chain
        .send(holder(), d.presentation, vec![0xde, 0xad, 0xbe, 0xef]);
    assert!(matches!(r.outcome, Outcome::Revert(_)));
}

#[test]
fn calldata_json_lists_the_same_words() {
    let f = fixture();
    let json = CalldataJson::new(f.presentation());
    assert_eq!(json.function, "verifyPresentation(uint256[8],uint256[7])");
    assert_eq!(
        json.selector,
        format!("0x{}", hex::encode(P::verifyPresentationCall::SELECTOR))
    );
    let calldata = verify_presentation_calldata(f.presentation());
    assert_eq!(json.calldata, format!("0x{}", hex::encode(&calldata)));
    for (i, w) in json.proof.iter().chain(json.input.iter()).enumerate() {
        let word = &calldata[4 + 32 * i..4 + 32 * (i + 1)];
        assert_eq!(w, &format!("0x{}", hex::encode(word)));
    }
    let text = serde_json::to_string(&json).unwrap();
    let back: CalldataJson = serde_json::from_str(&text).unwrap();
    assert_eq!(back, json);
}

// ---------------------------------------------------------------------------------------------
// Registry
// ---------------------------------------------------------------------------------------------

fn deploy_registry(chain: &mut Chain) -> Address {
    chain.deploy(
        owner(),
        &registry_artifact().bytecode,
        &constructor_args((issuer(), WINDOW)),
    )
}

#[test]
fn registry_access_control_and_issuer_rotation() {
    let mut chain = Chain::new();
    chain.set_time(1_800_000_000);
    let reg = deploy_registry(&mut chain);
    assert_eq!(chain.read(reg, &R::ownerCall {}), owner());
    assert_eq!(chain.read(reg, &R::issuerCall {}), issuer());
    assert_eq!(chain.read(reg, &R::freshnessWindowCall {}), WINDOW);
    assert_eq!(chain.read(reg, &R::currentRootCall {}), U256::ZERO);

    let publish = |root: u64| R::publishRootCall {
        root: U256::from(root),
    };
    // Only the issuer publishes.
    assert_reverts(&chain.send_call(owner(), reg, &publish(1)), R::NotIssuer {});
    assert_reverts(
        &chain.send_call(stranger(), reg, &publish(1)),
        R::NotIssuer {},
    );
    let r = chain.send_call(issuer(), reg, &publish(1));
    let e = R::RootPublished::decode_log(&r.outcome.logs()[0]).unwrap();
    assert_eq!(
        (e.root, e.previousRoot, e.publishedAt),
        (U256::from(1u8), U256::ZERO, 1_800_000_000)
    );
    // Out of field, zero, repeated.
    let r = chain.send_call(issuer(), reg, &R::publishRootCall { root: r_modulus() });
    assert_reverts(&r, R::RootOutOfField { root: r_modulus() });
    assert_reverts(&chain.send_call(issuer(), reg, &publish(0)), R::ZeroRoot {});
    chain.set_time(1_800_000_100);
    let r = chain.send_call(issuer(), reg, &publish(2));
    let e = R::RootPublished::decode_log(&r.outcome.logs()[0]).unwrap();
    assert_eq!((e.root, e.previousRoot), (U256::from(2u8), U256::from(1u8)));
    assert_reverts(
        &chain.send_call(issuer(), reg, &publish(1)),
        R::RootAlreadyPublished {
            root: U256::from(1u8),
        },
    );
    assert_reverts(
        &chain.send_call(issuer(), reg, &publish(2)),
        R::RootAlreadyPublished {
            root: U256::from(2u8),
        },
    );
    let info = chain.read(
        reg,
        &R::rootInfoCall {
            root: U256::from(1u8),
        },
    );
    assert_eq!(
        (info.publishedAt, info.replacedAt),
        (1_800_000_000, 1_800_000_100)
    );
    let info = chain.read(
        reg,
        &R::rootInfoCall {
            root: U256::from(2u8),
        },
    );
    assert_eq!((info.publishedAt, info.replacedAt), (1_800_000_100, 0));
    let info = chain.read(
        reg,
        &R::rootInfoCall {
            root: U256::from(3u8),
        },
    );
    assert_eq!((info.publishedAt, info.replacedAt), (0, 0));

    // Only the owner rotates the issuer; the zero address is refused.
    let new_issuer = account(9);
    assert_reverts(
        &chain.send_call(
            issuer(),
            reg,
            &R::setIssuerCall {
                newIssuer: new_issuer,
            },
        ),
        R::NotOwner {},
    );
    assert_reverts(
        &chain.send_call(
            owner(),
            reg,
            &R::setIssuerCall {
                newIssuer: Address::ZERO,
            },
        ),
        R::ZeroAddress {},
    );
    let r = chain.send_call(
        owner(),
        reg,
        &R::setIssuerCall {
            newIssuer: new_issuer,
        },
    );
    let e = R::IssuerChanged::decode_log(&r.outcome.logs()[0]).unwrap();
    assert_eq!((e.previousIssuer, e.newIssuer), (issuer(), new_issuer));
    assert_eq!(chain.read(reg, &R::issuerCall {}), new_issuer);
    assert_reverts(
        &chain.send_call(issuer(), reg, &publish(3)),
        R::NotIssuer {},
    );
    chain
        .send_call(new_issuer, reg, &publish(3))
        .outcome
        .output();
    assert_eq!(chain.read(reg, &R::currentRootCall {}), U256::from(3u8));

    // Ownership moves only by the owner, never to zero.
    let new_owner = account(10);
    assert_reverts(
        &chain.send_call(
            stranger(),
            reg,
            &R::transferOwnershipCall {
                newOwner: new_owner,
            },
        ),
        R::NotOwner {},
    );
    assert_reverts(
        &chain.send_call(
            owner(),
            reg,
            &R::transferOwnershipCall {
                newOwner: Address::ZERO,
            },
        ),
        R::ZeroAddress {},
    );
    let r = chain.send_call(
        owner(),
        reg,
        &R::transferOwnershipCall {
            newOwner: new_owner,
        },
    );
    let e = R::OwnershipTransferred::decode_log(&r.outcome.logs()[0]).unwrap();
    assert_eq!((e.previousOwner, e.newOwner), (owner(), new_owner));
    assert_reverts(
        &chain.send_call(
            owner(),
            reg,
            &R::setIssuerCall {
                newIssuer: issuer(),
            },
        ),
        R::NotOwner {},
    );
    chain
        .send_call(
            new_owner,
            reg,
            &R::setIssuerCall {
                newIssuer: issuer(),
            },
        )
        .outcome
        .output();
}

#[test]
fn registry_acceptance_matches_the_rust_root_history() {
    let mut chain = Chain::new();
    let t0 = 1_800_000_000u64;
    chain.set_time(t0);
    let reg = deploy_registry(&mut chain);
    let mut history = RootHistory::new(WINDOW);
    // Publications at irregular intervals, some shorter and some longer than the window.
    let gaps = [0u64, 10, WINDOW, 1, 2 * WINDOW + 7, WINDOW - 1, 0];
    let mut t = t0;
    let mut roots = Vec::new();
    for (i, gap) in gaps.iter().enumerate() {
        t += gap;
        chain.set_time(t);
        let root = Fr::from(100 + i as u64);
        chain
            .send_call(
                issuer(),
                reg,
                &R::publishRootCall {
                    root: fr_word(&root),
                },
            )
            .outcome
            .output();
        history.publish(root, t).unwrap();
        roots.push(root);
    }
    roots.push(Fr::from(99u8)); // never published
    let mut times = vec![0u64, t0 - 1, u64::MAX];
    for e in history.entries() {
        for dt in [0i64, -1, 1] {
            times.push(e.published_at.saturating_add_signed(dt));
            if let Some(r) = e.replaced_at {
                for w in [0u64, WINDOW - 1, WINDOW, WINDOW + 1] {
                    times.push((r + w).saturating_add_signed(dt));
                }
            }
        }
    }
    let mut checked = 0;
    for root in &roots {
        for &time in &times {
            let on_chain: bool = chain.read(
                reg,
                &R::isAcceptedRootAtCall {
                    root: fr_word(root),
                    time,
                },
            );
            assert_eq!(
                on_chain,
                history.is_accepted(root, time),
                "root {root}, time {time}"
            );
            checked += 1;
        }
        // isAcceptedRoot uses the block time.
        let now: bool = chain.read(
            reg,
            &R::isAcceptedRootCall {
                root: fr_word(root),
            },
        );
        assert_eq!(now, history.is_accepted(root, chain.time()));
    }
    assert!(checked > 500);
}
