//! Calldata of `ZkhPresentation.verifyPresentation` from a presentation, ABI-encoded and as JSON,
//! and of `ZkhClaims.submitClaim` from a claim.
//!
//! `verifyPresentation(uint256[8] proof, uint256[6] input, bytes32 context)`: the proof words
//! `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]` (G2 as `(c1, c0)`), the public inputs
//! in circuit order `[root, day, challenge, scope, nullifier, queryHash]`, and the context the
//! challenge binds besides the sender ([`crate::challenge_for`]): zero for a holder sending its
//! own presentation.

use alloy_sol_types::SolCall;
use serde::{Deserialize, Serialize};
use zkhealth_circuits::Statement;
use zkhealth_verifier::{ClaimPresentation, Presentation};

use crate::{
    bindings::{ZkhClaims, ZkhPresentation},
    words::{claim_input_words, fr_word, input_words, proof_words, word_hex, PROOF_WORDS},
    EvmError,
};

/// The `verifyPresentation` call of a presentation made for `context`.
pub fn verify_presentation_call(
    presentation: &Presentation,
    context: [u8; 32],
) -> ZkhPresentation::verifyPresentationCall {
    ZkhPresentation::verifyPresentationCall {
        proof: proof_words(&presentation.proof),
        input: input_words(&presentation.statement),
        context: context.into(),
    }
}

/// The ABI-encoded calldata of `verifyPresentation` for a presentation made for `context`
/// (4 + 15·32 bytes).
pub fn verify_presentation_calldata(presentation: &Presentation, context: [u8; 32]) -> Vec<u8> {
    verify_presentation_call(presentation, context).abi_encode()
}

/// The `submitClaim` call of a claim made for `context`
/// (`submitClaim(uint256[8] proof, uint256[7] input, uint256 amount, bytes32 context)`), the
/// amount being the one value the claim discloses from the treatment record.
///
/// Refused with [`EvmError::ClaimDisclosure`] unless the claim discloses nothing from the
/// coverage and one value from the treatment (the claims contract's policies disclose the
/// amount only: [`crate::accepted_claim_policy`]).
pub fn submit_claim_call(
    claim: &ClaimPresentation,
    context: [u8; 32],
) -> Result<ZkhClaims::submitClaimCall, EvmError> {
    let amount = match (
        &claim.disclosed_coverage[..],
        &claim.disclosed_treatment[..],
    ) {
        ([], [amount]) => fr_word(amount),
        (coverage, treatment) => {
            return Err(EvmError::ClaimDisclosure(format!(
                "a claim on chain discloses the treatment's amount only; this one discloses {} \
                 value(s) from the coverage and {} from the treatment",
                coverage.len(),
                treatment.len()
            )))
        }
    };
    Ok(ZkhClaims::submitClaimCall {
        proof: proof_words(&claim.proof),
        input: claim_input_words(&claim.statement),
        amount,
        context: context.into(),
    })
}

/// The ABI-encoded calldata of `submitClaim` for a claim made for `context`
/// (4 + 17·32 bytes); see [`submit_claim_call`].
pub fn submit_claim_calldata(
    claim: &ClaimPresentation,
    context: [u8; 32],
) -> Result<Vec<u8>, EvmError> {
    Ok(submit_claim_call(claim, context)?.abi_encode())
}

/// The calldata of a presentation in a form for people: every word as `0x` + 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalldataJson {
    /// The function's signature.
    pub function: String,
    /// Its 4-byte selector, `0x` + 8 hex digits.
    pub selector: String,
    /// `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`.
    pub proof: [String; PROOF_WORDS],
    /// `[root, day, challenge, scope, nullifier, queryHash]`.
    pub input: [String; Statement::NUM_INPUTS],
    /// The context, `0x` + 64 hex digits.
    pub context: String,
    /// The whole ABI-encoded calldata, `0x` + hex.
    pub calldata: String,
}

impl CalldataJson {
    /// The calldata of `presentation` made for `context`, word by word.
    pub fn new(presentation: &Presentation, context: [u8; 32]) -> Self {
        let call = verify_presentation_call(presentation, context);
        Self {
            function: ZkhPresentation::verifyPresentationCall::SIGNATURE.to_string(),
            selector: format!(
                "0x{}",
                hex::encode(ZkhPresentation::verifyPresentationCall::SELECTOR)
            ),
            proof: call.proof.map(|w| word_hex(&w)),
            input: call.input.map(|w| word_hex(&w)),
            context: format!("0x{}", hex::encode(context)),
            calldata: format!("0x{}", hex::encode(call.abi_encode())),
        }
    }
}
