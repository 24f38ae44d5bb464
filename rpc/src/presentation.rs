//! The presentation contract (`ZkhPresentation`, compiled per verifying key) over JSON-RPC:
//! deployment, accepted policies, presentations submitted on chain and their nullifiers; and
//! the chain's id and clock, which a holder needs to prove for an on-chain verifier.

use alloy_primitives::Address;
use alloy_provider::Provider;
use alloy_rpc_types_eth::BlockNumberOrTag;
use alloy_sol_types::{sol, SolCall, SolValue};
use zkhealth_circuits::Fr;
use zkhealth_evm::calldata::IZkhPresentation;

use crate::{
    keys::{fr_to_u256, u256_to_fr},
    Client, Deployed, Mined, RpcError, SignerKey,
};

sol! {
    /// The generated verifier's key pin (contracts/templates/Groth16Verifier.sol.tmpl), which
    /// the presentation contract inherits.
    interface IZkhVerifierKey {
        function VERIFYING_KEY_ID() external view returns (bytes32);
    }
}

impl Client {
    /// Deploys a presentation contract, signed by `signer` (who becomes its owner, the one who
    /// accepts policies): `creation_bytecode` is the `ZkhPresentation` compiled with the
    /// verifier of one verifying key (`zkhealth_evm::build::compile_for_key`); the constructor
    /// arguments `(registry, scope)` are appended here. Refuses a `registry` address without
    /// code; waits for the deployment to be mined.
    pub fn deploy_presentation(
        &self,
        signer: &SignerKey,
        creation_bytecode: &[u8],
        registry: Address,
        scope: &Fr,
    ) -> Result<Deployed, RpcError> {
        if !self.has_code(registry)? {
            return Err(RpcError::NoContractCode { address: registry });
        }
        let mut code = creation_bytecode.to_vec();
        code.extend((registry, fr_to_u256(scope)).abi_encode_params());
        self.deploy(signer, "deploying the presentation contract", code)
    }

    /// Accepts presentations of the policy with `query_hash` (only the contract's owner may;
    /// otherwise the revert names `NotOwner`). Waits for the transaction to be mined.
    pub fn accept_policy(
        &self,
        signer: &SignerKey,
        contract: Address,
        query_hash: &Fr,
    ) -> Result<Mined, RpcError> {
        let call = IZkhPresentation::acceptPolicyCall {
            queryHash: fr_to_u256(query_hash),
        };
        self.send_call(signer, contract, "acceptPolicy", call.abi_encode())
    }

    /// Whether the contract accepts presentations of the policy with `query_hash`.
    pub fn is_policy_accepted(&self, contract: Address, query_hash: &Fr) -> Result<bool, RpcError> {
        self.view(
            contract,
            IZkhPresentation::isPolicyAcceptedCall {
                queryHash: fr_to_u256(query_hash),
            },
        )
    }

    /// Sends `calldata` (`verifyPresentation`, from `zkhealth_evm::verify_presentation_calldata`)
    /// to the presentation contract, signed by `signer`, whose address the presentation's
    /// challenge must be bound to. Waits for the receipt. A refused presentation is
    /// [`RpcError::Reverted`] with the contract's custom error named (`WrongChallenge`,
    /// `NullifierAlreadyUsed`, `InvalidProof`, ...); it is usually caught when the node
    /// estimates the gas, before anything is sent.
    pub fn submit_presentation(
        &self,
        signer: &SignerKey,
        contract: Address,
        calldata: &[u8],
    ) -> Result<Mined, RpcError> {
        self.send_call(signer, contract, "verifyPresentation", calldata.to_vec())
    }

    /// Whether `nullifier` was used in a presentation the contract accepted.
    pub fn is_nullifier_used(&self, contract: Address, nullifier: &Fr) -> Result<bool, RpcError> {
        self.view(
            contract,
            IZkhPresentation::isNullifierUsedCall {
                nullifier: fr_to_u256(nullifier),
            },
        )
    }

    /// The challenge a presentation sent by `sender` must carry, as the contract computes it
    /// (`challengeFor(sender)`); equal to `zkhealth_evm::challenge_for(chain_id, contract,
    /// sender)`.
    pub fn challenge_for(&self, contract: Address, sender: Address) -> Result<Fr, RpcError> {
        let word = self.view(contract, IZkhPresentation::challengeForCall { sender })?;
        u256_to_fr(word).ok_or_else(|| RpcError::MalformedReturn {
            what: IZkhPresentation::challengeForCall::SIGNATURE.into(),
            reason: format!("{word:#x} is not a BN254 scalar field element"),
        })
    }

    /// The nullifier scope the contract was deployed with.
    pub fn presentation_scope(&self, contract: Address) -> Result<Fr, RpcError> {
        let word = self.view(contract, IZkhPresentation::scopeCall {})?;
        u256_to_fr(word).ok_or_else(|| RpcError::MalformedReturn {
            what: IZkhPresentation::scopeCall::SIGNATURE.into(),
            reason: format!("{word:#x} is not a BN254 scalar field element"),
        })
    }

    /// The id of the verifying key the contract was compiled for (its `VERIFYING_KEY_ID`, the
    /// SHA-256 digest a verifier pins).
    pub fn verifying_key_id(&self, contract: Address) -> Result<[u8; 32], RpcError> {
        self.view(contract, IZkhVerifierKey::VERIFYING_KEY_IDCall {})
            .map(|id| id.0)
    }

    /// The chain's id (`eth_chainId`).
    pub fn chain_id(&self) -> Result<u64, RpcError> {
        self.block_on(async {
            self.request("eth_chainId", async { self.reader.get_chain_id().await })
                .await
        })?
    }

    /// The timestamp of the latest block (unix seconds): the chain's clock, from which the
    /// presentation contract derives its date.
    pub fn latest_block_time(&self) -> Result<u64, RpcError> {
        let what = "eth_getBlockByNumber(latest)";
        let block = self.block_on(async {
            self.request(what, async {
                self.reader
                    .get_block_by_number(BlockNumberOrTag::Latest)
                    .await
            })
            .await
        })??;
        block
            .map(|b| b.header.timestamp)
            .ok_or_else(|| RpcError::MalformedReturn {
                what: what.into(),
                reason: "the node has no latest block".into(),
            })
    }
}
