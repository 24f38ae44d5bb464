//! Nullifier files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkhealth_verifier::MemoryNullifiers;

fuzz_target!(|data: &[u8]| {
    if let Ok(used) = serde_json::from_slice::<MemoryNullifiers>(data) {
        let text = serde_json::to_string(&used).expect("nullifiers serialize");
        let back: MemoryNullifiers = serde_json::from_str(&text).expect("and read back");
        assert_eq!(back.len(), used.len());
    }
});
