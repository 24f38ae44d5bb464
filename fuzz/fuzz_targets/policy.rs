//! Policy files: decoded, resolved against the shipped schemas, compiled and hashed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkhealth_circuits::policy::PolicySpec;
use zkhealth_records::schema;

fuzz_target!(|data: &[u8]| {
    let Ok(spec) = serde_json::from_slice::<PolicySpec>(data) else {
        return;
    };
    let Ok(policy) = schema::resolve_policy(spec) else {
        return;
    };
    if policy.compile().is_ok() {
        let _ = policy.query_hash(&[]);
    }
    let _ = serde_json::to_string(&policy);
});
