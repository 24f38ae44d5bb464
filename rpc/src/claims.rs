//! The claims contract (`ZkhClaims`, shipped compiled, the claim circuit's verifying key in its
//! constructor arguments) over JSON-RPC: deployment against the insurer's and the provider
//! registry, accepted claim policies (each with the amount it commits to), claims submitted on
//! chain and their nullifiers.

use alloy_primitives::Address;
use alloy_sol_types::SolCall;
use zkhealth_circuits::Fr;
use zkhealth_evm::{bindings::ZkhClaims, claims_deploy_code, AcceptedClaimPolicy};
use zkhealth_verifier::VerifyingKey;

use crate::{keys::fr_to_u256, Client, Deployed, Mined, RpcError, SignerKey};

impl Client {
    /// Deploys a claims contract for the claim key `key`, signed by `signer` (who becomes its
    /// owner, the one who accepts claim policies), checking coverage roots against the insurer's
    /// registry at `insurer_registry` and treatment roots against the provider registry at
    /// `provider_registry`, with claim nullifiers scoped to `event` (a code): the embedded
    /// `ZkhClaims` bytecode with the key as constructor arguments
    /// (`zkhealth_evm::claims_deploy_code`). Refuses a registry address without code; waits for
    /// the deployment to be mined.
    pub fn deploy_claims(
        &self,
        signer: &SignerKey,
        key: &VerifyingKey,
        insurer_registry: Address,
        provider_registry: Address,
        event: &str,
    ) -> Result<Deployed, RpcError> {
        let code = claims_deploy_code(key, insurer_registry, provider_registry, event)?;
        for registry in [insurer_registry, provider_registry] {
            if !self.has_code(registry)? {
                return Err(RpcError::NoContractCode { address: registry });
            }
        }
        self.deploy(signer, "deploying the claims contract", code)
            .map_err(RpcError::in_claims_contract)
    }

    /// Accepts claims of `policy` (its query hash, the amount it commits to and whether it
    /// admits the day after the block's: `zkhealth_evm::accepted_claim_policy`); only the
    /// contract's owner may. Waits for the transaction to be mined.
    pub fn accept_claim_policy(
        &self,
        signer: &SignerKey,
        contract: Address,
        policy: &AcceptedClaimPolicy,
    ) -> Result<Mined, RpcError> {
        let call = ZkhClaims::acceptClaimPolicyCall {
            queryHash: fr_to_u256(&policy.query_hash),
            amount: policy.amount,
            admitsLaterDay: policy.admits_later_day,
        };
        self.send_call(signer, contract, "acceptClaimPolicy", call.abi_encode())
            .map_err(RpcError::in_claims_contract)
    }

    /// Sends `calldata` (`submitClaim`, from `zkhealth_evm::submit_claim_calldata`) to the
    /// claims contract, signed by `signer`, whose address the claim's challenge must be bound
    /// to. Waits for the receipt. A refused claim is [`RpcError::Reverted`] with the contract's
    /// custom error named (`NullifierAlreadyUsed` for a treatment claimed before,
    /// `AmountNotAccepted`, `CoverageRootNotAccepted`, `InvalidProof`, ...).
    pub fn submit_claim(
        &self,
        signer: &SignerKey,
        contract: Address,
        calldata: &[u8],
    ) -> Result<Mined, RpcError> {
        self.send_call(signer, contract, "submitClaim", calldata.to_vec())
            .map_err(RpcError::in_claims_contract)
    }

    /// Whether `nullifier` was used in a claim the contract accepted (its treatment was
    /// claimed).
    pub fn is_claim_nullifier_used(
        &self,
        contract: Address,
        nullifier: &Fr,
    ) -> Result<bool, RpcError> {
        self.view(
            contract,
            ZkhClaims::isNullifierUsedCall {
                nullifier: fr_to_u256(nullifier),
            },
        )
    }
}
