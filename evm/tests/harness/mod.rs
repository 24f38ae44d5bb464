//! Test harness: an in-process EVM (revm) with deploy/call helpers and a gas probe.
//!
//! Shared by the unit tests (`#[path]`-included from `src/lib.rs` under `cfg(test)`) and the
//! integration tests (`mod harness`); it is not part of the public API.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use alloy_primitives::{Address, Bytes, Log, U256};
use alloy_sol_types::{SolCall, SolError, SolValue};
use revm::{
    context::{
        result::{ExecutionResult, Output},
        TxEnv,
    },
    database::{CacheDB, EmptyDB},
    handler::MainnetContext,
    interpreter::{
        interpreter_types::Jumps, CallInputs, CallOutcome, CreateInputs, CreateOutcome, Interpreter,
    },
    Context, InspectCommitEvm, InspectEvm, Inspector, MainBuilder, MainContext,
};
use zkhealth_evm::Artifact;

/// The chain id of the test chain.
pub const CHAIN_ID: u64 = 31_337;

/// Gas limit of every transaction.
pub const GAS_LIMIT: u64 = 10_000_000;

type Ctx = MainnetContext<CacheDB<EmptyDB>>;

/// One call made by the top-level contract (depth 1 → 2), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubCall {
    /// The called address (a precompile or a contract).
    pub target: Address,
    /// Gas the callee used (its frame only).
    pub frame_gas: u64,
}

/// Records every step of the top-level frame (opcode, gas remaining before it) and the calls it
/// makes, so that the gas of each opcode (a call included, with its access cost and the
/// callee's gas) is the difference between consecutive steps.
#[derive(Debug, Default)]
pub struct GasProbe {
    depth: usize,
    /// Gas available to the top frame.
    top_gas_limit: u64,
    /// Gas used by the top frame.
    top_gas_used: u64,
    steps: Vec<(u8, u64)>,
    calls: Vec<SubCall>,
}

impl Inspector<Ctx> for GasProbe {
    fn step(&mut self, interp: &mut Interpreter, _ctx: &mut Ctx) {
        if self.depth == 1 {
            self.steps
                .push((interp.bytecode.opcode(), interp.gas.remaining()));
        }
    }

    fn call(&mut self, _ctx: &mut Ctx, inputs: &mut CallInputs) -> Option<CallOutcome> {
        self.depth += 1;
        if self.depth == 1 {
            self.top_gas_limit = inputs.gas_limit;
        }
        None
    }

    fn create(&mut self, _ctx: &mut Ctx, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        self.depth += 1;
        if self.depth == 1 {
            self.top_gas_limit = inputs.gas_limit();
        }
        None
    }

    fn create_end(&mut self, _ctx: &mut Ctx, inputs: &CreateInputs, outcome: &mut CreateOutcome) {
        if self.depth == 1 {
            self.top_gas_used = inputs.gas_limit() - outcome.gas().remaining();
        }
        self.depth -= 1;
    }

    fn call_end(&mut self, _ctx: &mut Ctx, inputs: &CallInputs, outcome: &mut CallOutcome) {
        let used = inputs.gas_limit - outcome.result.gas.remaining();
        if self.depth == 2 {
            self.calls.push(SubCall {
                target: inputs.bytecode_address,
                frame_gas: used,
            });
        }
        if self.depth == 1 {
            self.top_gas_used = used;
        }
        self.depth -= 1;
    }
}

/// One opcode executed by the top frame and the gas it cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The opcode.
    pub opcode: u8,
    /// Its gas (for a call: access cost, memory expansion and the gas the callee used).
    pub gas: u64,
}

/// Opcodes the gas breakdown names.
pub mod op {
    /// SLOAD.
    pub const SLOAD: u8 = 0x54;
    /// SSTORE.
    pub const SSTORE: u8 = 0x55;
    /// KECCAK256.
    pub const KECCAK256: u8 = 0x20;
    /// LOG4.
    pub const LOG4: u8 = 0xa4;
    /// LOG0.
    pub const LOG0: u8 = 0xa0;
    /// CALL.
    pub const CALL: u8 = 0xf1;
    /// STATICCALL.
    pub const STATICCALL: u8 = 0xfa;
}

/// What a transaction did.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Success, with its return data and logs.
    Success {
        /// Return data.
        output: Bytes,
        /// Logs emitted.
        logs: Vec<Log>,
    },
    /// Reverted, with the revert data.
    Revert(Bytes),
    /// Halted (out of gas, invalid opcode...).
    Halt(String),
}

impl Outcome {
    /// The return data of a success; panics otherwise.
    pub fn output(&self) -> &Bytes {
        match self {
            Outcome::Success { output, .. } => output,
            other => panic!("expected success, got {other:?}"),
        }
    }

    /// The logs of a success; panics otherwise.
    pub fn logs(&self) -> &[Log] {
        match self {
            Outcome::Success { logs, .. } => logs,
            other => panic!("expected success, got {other:?}"),
        }
    }

    /// Whether the revert data is the error `E` and equals `expected`.
    pub fn reverted_with<E: SolError + PartialEq + std::fmt::Debug>(&self, expected: &E) -> bool {
        match self {
            Outcome::Revert(data) => match E::abi_decode(data) {
                Ok(e) => &e == expected,
                Err(_) => false,
            },
            _ => false,
        }
    }

    /// The revert data; panics on anything else.
    pub fn revert_data(&self) -> &Bytes {
        match self {
            Outcome::Revert(data) => data,
            other => panic!("expected a revert, got {other:?}"),
        }
    }
}

/// A transaction's outcome and gas.
#[derive(Debug, Clone)]
pub struct Receipt {
    /// What happened.
    pub outcome: Outcome,
    /// Total gas of the transaction (intrinsic, calldata and execution, after refunds).
    pub tx_gas: u64,
    /// Gas charged before execution: 21,000 plus calldata (and access lists, none here).
    pub intrinsic_gas: u64,
    /// Gas used by the top-level call frame (execution without the intrinsic part).
    pub execution_gas: u64,
    /// The opcodes the top frame executed, with their gas.
    pub steps: Vec<Step>,
    /// The calls the top frame made, in order (one per CALL-family step).
    pub calls: Vec<SubCall>,
}

impl Receipt {
    /// The steps that are calls, with the call each made.
    pub fn call_steps(&self) -> Vec<(usize, &SubCall, u64)> {
        self.steps
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.opcode, 0xf1 | 0xf2 | 0xf4 | 0xfa))
            .zip(&self.calls)
            .map(|((i, s), c)| (i, c, s.gas))
            .collect()
    }
}

/// An in-process chain.
pub struct Chain {
    evm: revm::handler::MainnetEvm<Ctx, GasProbe>,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    /// A fresh chain (Osaka rules), block time 1.
    pub fn new() -> Self {
        let ctx = Context::mainnet()
            .with_db(CacheDB::new(EmptyDB::default()))
            .modify_cfg_chained(|cfg| {
                cfg.chain_id = CHAIN_ID;
                cfg.disable_nonce_check = true;
            });
        Chain {
            evm: ctx.build_mainnet_with_inspector(GasProbe::default()),
        }
    }

    /// A fresh chain whose only precompiles are Homestead's: no BN254 addition, multiplication
    /// or pairing at 0x06, 0x07, 0x08 (calls there reach an empty account and succeed with no
    /// return data), as on a chain that lacks them.
    pub fn without_bn254_precompiles() -> Self {
        let mut chain = Self::new();
        chain.evm.precompiles.precompiles = revm::precompile::Precompiles::homestead();
        chain
    }

    /// Sets the block timestamp (unix seconds).
    pub fn set_time(&mut self, unix_secs: u64) {
        self.evm.ctx.block.timestamp = U256::from(unix_secs);
    }

    /// The block timestamp.
    pub fn time(&self) -> u64 {
        self.evm.ctx.block.timestamp.to::<u64>()
    }

    fn tx(from: Address, to: Option<Address>, data: Vec<u8>) -> TxEnv {
        let builder = TxEnv::builder()
            .caller(from)
            .gas_limit(GAS_LIMIT)
            .gas_price(0)
            .chain_id(Some(CHAIN_ID))
            .data(Bytes::from(data));
        match to {
            Some(to) => builder.call(to),
            None => builder.create(),
        }
        .build()
        .unwrap()
    }

    fn receipt(&mut self, result: ExecutionResult) -> (Receipt, Option<Address>) {
        let probe = std::mem::take(&mut self.evm.inspector);
        let end = probe.top_gas_limit - probe.top_gas_used;
        let steps = probe
            .steps
            .iter()
            .enumerate()
            .map(|(i, &(opcode, before))| {
                let after = probe.steps.get(i + 1).map_or(end, |s| s.1);
                Step {
                    opcode,
                    gas: before - after,
                }
            })
            .collect();
        let tx_gas = result.tx_gas_used();
        let (outcome, created) = match result {
            ExecutionResult::Success { output, logs, .. } => match output {
                Output::Call(out) => (Outcome::Success { output: out, logs }, None),
                Output::Create(out, address) => (Outcome::Success { output: out, logs }, address),
            },
            ExecutionResult::Revert { output, .. } => (Outcome::Revert(output), None),
            ExecutionResult::Halt { reason, .. } => (Outcome::Halt(format!("{reason:?}")), None),
        };
        (
            Receipt {
                outcome,
                tx_gas,
                intrinsic_gas: GAS_LIMIT - probe.top_gas_limit,
                execution_gas: probe.top_gas_used,
                steps,
                calls: probe.calls,
            },
            created,
        )
    }

    /// Sends a contract creation with `code` (creation code and constructor arguments); the
    /// created address on success.
    pub fn try_deploy(&mut self, from: Address, code: Vec<u8>) -> (Receipt, Option<Address>) {
        let result = self
            .evm
            .inspect_tx_commit(Self::tx(from, None, code))
            .unwrap();
        self.receipt(result)
    }

    /// Deploys `bytecode ‖ constructor_args` from `from`; panics if the creation fails.
    pub fn deploy(&mut self, from: Address, bytecode: &[u8], constructor_args: &[u8]) -> Address {
        let mut code = bytecode.to_vec();
        code.extend_from_slice(constructor_args);
        let result = self
            .evm
            .inspect_tx_commit(Self::tx(from, None, code))
            .unwrap();
        let (receipt, created) = self.receipt(result);
        match (&receipt.outcome, created) {
            (Outcome::Success { .. }, Some(address)) => address,
            _ => panic!("deployment failed: {:?}", receipt.outcome),
        }
    }

    /// Sends a transaction and commits its effects.
    pub fn send(&mut self, from: Address, to: Address, data: Vec<u8>) -> Receipt {
        let result = self
            .evm
            .inspect_tx_commit(Self::tx(from, Some(to), data))
            .unwrap();
        self.receipt(result).0
    }

    /// Sends an encoded call.
    pub fn send_call<C: SolCall>(&mut self, from: Address, to: Address, call: &C) -> Receipt {
        self.send(from, to, call.abi_encode())
    }

    /// Runs a call without committing anything (an `eth_call`).
    pub fn view(&mut self, from: Address, to: Address, data: Vec<u8>) -> Receipt {
        let result = self.evm.inspect_tx(Self::tx(from, Some(to), data)).unwrap();
        self.receipt(result.result).0
    }

    /// Runs a view call and decodes its return value; panics on failure.
    pub fn read<C: SolCall>(&mut self, to: Address, call: &C) -> C::Return {
        let r = self.view(Address::ZERO, to, call.abi_encode());
        C::abi_decode_returns(r.outcome.output()).unwrap()
    }
}

/// An address from a small number, for test accounts.
pub fn account(n: u8) -> Address {
    let mut bytes = [0u8; 20];
    bytes[0] = 0xaa;
    bytes[19] = n;
    Address::from(bytes)
}

/// ABI-encoded constructor arguments (a tuple of them).
pub fn constructor_args<T: SolValue>(args: T) -> Vec<u8>
where
    for<'a> <T::SolType as alloy_sol_types::SolType>::Token<'a>: alloy_sol_types::abi::TokenSeq<'a>,
{
    args.abi_encode_params()
}

/// The contracts' directory (sources, templates, the pinned npm tools).
pub fn contracts_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts")
}

/// Runs a command; panics with its standard error unless it succeeds.
pub fn run(command: &mut std::process::Command) {
    let output = command.output().expect("the command runs");
    assert!(
        output.status.success(),
        "{command:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Installs the pinned npm tools in contracts/ if they are missing.
pub fn ensure_solc() {
    if !contracts_dir().join("node_modules/solc").is_dir() {
        run(std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(contracts_dir()));
    }
}

/// Compiles `sources` with the pinned solc (`contracts/compile.mjs`, imports resolved in their
/// directories and in contracts/src) and returns the artifacts of `contracts`, in order.
pub fn compile(sources: &[&std::path::Path], contracts: &[&'static str]) -> Vec<Artifact> {
    ensure_solc();
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new("node");
    command
        .arg(contracts_dir().join("compile.mjs"))
        .arg("--out-dir")
        .arg(dir.path());
    for source in sources {
        command.arg("--source").arg(source);
    }
    for contract in contracts {
        command.arg("--contract").arg(contract);
    }
    run(&mut command);
    contracts
        .iter()
        .map(|name| {
            let json = std::fs::read_to_string(dir.path().join(format!("{name}.json"))).unwrap();
            Artifact::from_json(name, &json).unwrap()
        })
        .collect()
}

/// The committed registry artifact.
pub fn registry_artifact() -> Artifact {
    zkhealth_evm::registry::artifact().unwrap()
}

/// A tiny circuit with `N` public inputs: for each input `x`, a witness `w = x·x`, so every
/// input is bound by the proof. Gives the tests real Groth16 keys and proofs for any number of
/// inputs without the presentation circuit's setup.
#[derive(Clone)]
pub struct Squares<const N: usize>(pub Option<[zkhealth_circuits::Fr; N]>);

impl<const N: usize> ark_relations::gr1cs::ConstraintSynthesizer<zkhealth_circuits::Fr>
    for Squares<N>
{
    fn generate_constraints(
        self,
        cs: ark_relations::gr1cs::ConstraintSystemRef<zkhealth_circuits::Fr>,
    ) -> Result<(), ark_relations::gr1cs::SynthesisError> {
        use ark_relations::{gr1cs::SynthesisError, lc};
        for i in 0..N {
            let value = self.0.map(|v| v[i]);
            let x = cs.new_input_variable(|| value.ok_or(SynthesisError::AssignmentMissing))?;
            let w = cs.new_witness_variable(|| {
                value
                    .map(|v| v * v)
                    .ok_or(SynthesisError::AssignmentMissing)
            })?;
            cs.enforce_r1cs_constraint(|| lc!(x), || lc!(x), || lc!(w))?;
        }
        Ok(())
    }
}
