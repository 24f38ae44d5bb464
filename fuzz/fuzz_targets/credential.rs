//! Credential files and records: decoded, resolved, committed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkhealth_circuits::credential::CredentialSpec;
use zkhealth_records::{schema, Record};

fuzz_target!(|data: &[u8]| {
    if let Ok(spec) = serde_json::from_slice::<CredentialSpec>(data) {
        if let Ok(credential) = schema::resolve_credential(spec) {
            let _ = credential.commit();
        }
    }
    let _ = serde_json::from_slice::<Record>(data);
});
