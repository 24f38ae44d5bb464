//! Proofs, binary and hex.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkhealth_verifier::Proof;

fuzz_target!(|data: &[u8]| {
    let _ = Proof::from_bytes(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Proof::from_hex(text);
    }
});
