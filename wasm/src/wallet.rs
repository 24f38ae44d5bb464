//! The wallet's prover: a proving artifact pinned by its id, and proofs of requests made from the
//! holder's files.

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use zkhealth_circuits::{
    circuit::PresentationCircuit,
    credential::{CredentialSpec, HolderSecret},
    date::Day,
    merkle::MerklePath,
    Scope,
};
use zkhealth_prover::{ArtifactId, ProveRequest, Prover, ProvingArtifact};
use zkhealth_records::schema;
use zkhealth_verifier::Presentation;

use zkhealth_prover::ProverError;

use crate::{error, parse_fr, unix_seconds, Code};

/// A credential file as `zkhealth issue` writes it: the credential, its record, its leaf.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialFile {
    credential: CredentialSpec,
    #[allow(dead_code)]
    record: serde_json::Value,
    #[allow(dead_code)]
    leaf_index: u64,
}

/// Reports a stage to the page's progress callback: its name and the fraction of the work done
/// once it starts. A callback that throws does not stop the proof.
fn report(progress: &js_sys::Function, stage: &str, done: f64) {
    let _ = progress.call2(
        &JsValue::NULL,
        &JsValue::from_str(stage),
        &JsValue::from_f64(done),
    );
}

/// A holder's prover, holding one proving artifact.
#[wasm_bindgen]
pub struct Wallet {
    prover: Prover,
}

#[wasm_bindgen]
impl Wallet {
    /// Loads the proving artifact file `artifact`, refused unless its id (SHA-256 of the file)
    /// is `artifact_id`, which the key's publisher states.
    #[wasm_bindgen(constructor)]
    pub fn new(artifact: &[u8], artifact_id: &str) -> Result<Wallet, JsValue> {
        let pin = ArtifactId::from_hex(artifact_id.trim())
            .map_err(|e| error(Code::InvalidArtifactId, "artifact id", e))?;
        let artifact = ProvingArtifact::from_file_bytes_pinned(artifact, &pin).map_err(|e| {
            let code = match e {
                ProverError::ArtifactIdMismatch { .. } => Code::ArtifactIdMismatch,
                _ => Code::InvalidArtifact,
            };
            error(code, "proving artifact", e)
        })?;
        Ok(Wallet {
            prover: Prover::new(artifact),
        })
    }

    /// The artifact's registry depth.
    pub fn depth(&self) -> u32 {
        self.prover.artifact().depth()
    }

    /// Proves the checkpoint's request from the holder's files (the credential `zkhealth issue`
    /// wrote, the holder secret, the Merkle path, the checkpoint's policy), its challenge (hex)
    /// and identity (verifier id and event: the nullifier scope), on the UTC day of
    /// `now_unix_secs`. Returns the presentation's `ZKH1:` QR text.
    ///
    /// `progress(stage, fraction)` is called as each stage starts: `checking`, `proving`,
    /// `verifying` (the proof against the artifact's key) and `done`.
    #[allow(clippy::too_many_arguments)]
    pub fn prove(
        &self,
        credential_json: &str,
        secret_json: &str,
        path_json: &str,
        policy_json: &str,
        challenge: &str,
        verifier_id: &str,
        event: &str,
        now_unix_secs: f64,
        progress: &js_sys::Function,
    ) -> Result<String, JsValue> {
        report(progress, "checking", 0.0);
        let file: CredentialFile = serde_json::from_str(credential_json)
            .map_err(|e| error(Code::InvalidCredential, "credential", e))?;
        let credential = schema::resolve_credential(file.credential)
            .map_err(|e| error(Code::InvalidCredential, "credential", e))?;
        let secret: HolderSecret = serde_json::from_str(secret_json)
            .map_err(|e| error(Code::InvalidSecret, "holder secret", e))?;
        let path: MerklePath = serde_json::from_str(path_json)
            .map_err(|e| error(Code::InvalidPath, "Merkle path", e))?;
        let policy = schema::policy_from_json(policy_json)
            .map_err(|e| error(Code::InvalidPolicy, "policy", e))?;
        let challenge = parse_fr(Code::InvalidChallenge, "challenge", challenge)?;
        let scope =
            Scope::named(verifier_id, event).map_err(|e| error(Code::InvalidScope, "scope", e))?;
        let today = Day::from_unix_seconds(unix_seconds(now_unix_secs)?)
            .map_err(|e| error(Code::InvalidTime, "time", e))?;
        let request = ProveRequest {
            secret: &secret,
            credential: &credential,
            path: &path,
            policy: &policy,
            today,
            challenge,
            scope,
        };
        // The steps of `Prover::prove`, with a report between them.
        let (statement, witness) = self
            .prover
            .prepare(&request)
            .map_err(|e| error(Code::RequestRefused, "request", e))?;
        report(progress, "proving", 0.05);
        let artifact = self.prover.artifact();
        let circuit = PresentationCircuit::new(artifact.depth(), statement, witness);
        let proof = self
            .prover
            .prove_circuit(circuit, &mut rand_core::OsRng)
            .map_err(|e| error(Code::ProofFailed, "proof", e))?;
        report(progress, "verifying", 0.95);
        self.prover
            .check_proof(&statement, &proof)
            .map_err(|e| error(Code::ProofFailed, "proof", e))?;
        let presentation = Presentation {
            circuit: artifact.circuit(),
            depth: artifact.depth(),
            key_id: artifact.verifying_key().id(),
            statement,
            disclosed: policy.disclosed_values(&credential),
            proof,
        };
        let qr = presentation
            .to_qr_text()
            .map_err(|e| error(Code::Internal, "presentation", e))?;
        report(progress, "done", 1.0);
        Ok(qr)
    }
}
