//! Key containers: verifying keys and proving artifacts (both loading modes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkhealth_prover::ProvingArtifact;
use zkhealth_verifier::VerifyingKey;

fuzz_target!(|data: &[u8]| {
    if let Ok(vk) = VerifyingKey::from_file_bytes(data) {
        assert_eq!(VerifyingKey::from_file_bytes(&vk.to_file_bytes()).ok(), Some(vk));
    }
    let _ = ProvingArtifact::from_file_bytes(data);
    let _ = ProvingArtifact::from_file_bytes_validated(data);
});
