//! The presentation contract (`ZkhPresentation`, shipped compiled, the verifying key in its
//! constructor arguments) over JSON-RPC:
//! deployment, accepted policies, presentations submitted on chain and their nullifiers; and
//! the chain's id and clock, which a holder needs to prove for an on-chain verifier.

use alloy_primitives::Address;
use alloy_provider::Provider;
use alloy_rpc_types_eth::BlockNumberOrTag;
use alloy_sol_types::SolCall;
use zkhealth_circuits::Fr;
use zkhealth_evm::{bindings::ZkhPresentation, presentation_deploy_code};
use zkhealth_verifier::VerifyingKey;

use crate::{
    keys::{fr_to_u256, u256_to_fr},
    Client, Deployed, Mined, RpcError, SignerKey,
};

impl Client {
    /// Deploys a presentation contract for the verifying key `key`, signed by `signer` (who
    /// becomes its owner, the one who accepts policies), checking presentations against the
    /// registry at `registry` with nullifiers scoped to `event` (a code; the contract derives
    /// its scope from the chain, its address and the event): the embedded `ZkhPresentation`
    /// bytecode with the key as constructor arguments (`zkhealth_evm::presentation_deploy_code`),
    /// nothing compiled. Refuses a `registry` address without code; waits for the deployment to
    /// be mined.
    pub fn deploy_presentation(
        &self,
        signer: &SignerKey,
        key: &VerifyingKey,
        registry: Address,
        event: &str,
    ) -> Result<Deployed, RpcError> {
        let code = presentation_deploy_code(key, registry, event)?;
        if !self.has_code(registry)? {
            return Err(RpcError::NoContractCode { address: registry });
        }
        self.deploy(signer, "deploying the presentation contract", code)
            .map_err(RpcError::in_presentation_contract)
    }

    /// Accepts presentations of the policy with `query_hash`, admitting the day after the
    /// block's if `admits_later_day` (see `zkhealth_evm::accepted_policy`; only the contract's
    /// owner may; otherwise the revert names `NotOwner`). Waits for the transaction to be mined.
    pub fn accept_policy(
        &self,
        signer: &SignerKey,
        contract: Address,
        query_hash: &Fr,
        admits_later_day: bool,
    ) -> Result<Mined, RpcError> {
        let call = ZkhPresentation::acceptPolicyCall {
            queryHash: fr_to_u256(query_hash),
            admitsLaterDay: admits_later_day,
        };
        self.send_call(signer, contract, "acceptPolicy", call.abi_encode())
            .map_err(RpcError::in_presentation_contract)
    }

    /// Whether the contract accepts presentations of the policy with `query_hash`.
    pub fn is_policy_accepted(&self, contract: Address, query_hash: &Fr) -> Result<bool, RpcError> {
        self.view(
            contract,
            ZkhPresentation::isPolicyAcceptedCall {
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
            .map_err(RpcError::in_presentation_contract)
    }

    /// Whether `nullifier` was used in a presentation the contract accepted.
    pub fn is_nullifier_used(&self, contract: Address, nullifier: &Fr) -> Result<bool, RpcError> {
        self.view(
            contract,
            ZkhPresentation::isNullifierUsedCall {
                nullifier: fr_to_u256(nullifier),
            },
        )
    }

    /// The challenge a presentation sent by `sender` with `context` must carry, as the contract
    /// computes it (`challengeFor(sender, context)`); equal to
    /// `zkhealth_evm::challenge_for(chain_id, contract, sender, context)`.
    pub fn challenge_for(
        &self,
        contract: Address,
        sender: Address,
        context: [u8; 32],
    ) -> Result<Fr, RpcError> {
        let word = self.view(
            contract,
            ZkhPresentation::challengeForCall {
                sender,
                context: context.into(),
            },
        )?;
        u256_to_fr(word).ok_or_else(|| RpcError::MalformedReturn {
            what: ZkhPresentation::challengeForCall::SIGNATURE.into(),
            reason: format!("{word:#x} is not a BN254 scalar field element"),
        })
    }

    /// The contract's nullifier scope (derived at deployment from the chain, its address and
    /// its `scopeEvent`).
    pub fn presentation_scope(&self, contract: Address) -> Result<Fr, RpcError> {
        let word = self.view(contract, ZkhPresentation::scopeCall {})?;
        u256_to_fr(word).ok_or_else(|| RpcError::MalformedReturn {
            what: ZkhPresentation::scopeCall::SIGNATURE.into(),
            reason: format!("{word:#x} is not a BN254 scalar field element"),
        })
    }

    /// The event the contract's nullifiers are scoped to (its `scopeEvent` word).
    pub fn presentation_scope_event(&self, contract: Address) -> Result<[u8; 32], RpcError> {
        self.view(contract, ZkhPresentation::scopeEventCall {})
            .map(|word| word.0)
    }

    /// The id of the verifying key the contract was deployed with (its `VERIFYING_KEY_ID`, the
    /// SHA-256 digest a verifier pins).
    pub fn verifying_key_id(&self, contract: Address) -> Result<[u8; 32], RpcError> {
        self.view(contract, ZkhPresentation::VERIFYING_KEY_IDCall {})
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
