//! Root histories and issuer roots files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkhealth_verifier::{IssuerRoots, LocalRoots};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(roots) = IssuerRoots::<LocalRoots>::from_json(text) {
        let back = IssuerRoots::<LocalRoots>::from_json(&roots.to_json());
        assert!(back.is_ok(), "an issuer roots file written back reads back");
    }
    let _ = LocalRoots::from_json(text);
});
