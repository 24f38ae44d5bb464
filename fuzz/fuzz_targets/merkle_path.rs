//! Merkle path files, validated for a depth taken from the input's first byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkhealth_circuits::{merkle::MerklePath, Fr};

fuzz_target!(|data: &[u8]| {
    let Some((depth, json)) = data.split_first() else {
        return;
    };
    if let Ok(path) = serde_json::from_slice::<MerklePath>(json) {
        if path.validate(u32::from(*depth)).is_ok() {
            let _ = path.root(&Fr::from(1u8));
        }
    }
});
