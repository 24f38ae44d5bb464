//! EU Digital COVID Certificates: the QR text through every layer, raw COSE bytes, trust-list
//! files and document-signer certificates, and payloads through the schema and the mappings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkhealth_records::dcc::{self, DocumentSigner, Payload, TrustList};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(certificate) = dcc::decode(text) {
            if let Ok(payload) = certificate.payload() {
                let _ = payload.record();
            }
            let _ = certificate.check_validity(0);
            let _ = certificate.check_signature(&TrustList::new());
        }
        if let Ok(list) = TrustList::parse(text) {
            let _ = dcc::verify(text, &list, i64::MAX);
        }
        if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
            if let Ok(payload) = Payload::from_json(&json) {
                let _ = payload.record();
                let _ = payload.dob_interval();
            }
        }
    }
    if let Ok(certificate) = dcc::decode_cose(data) {
        let _ = certificate.payload();
    }
    let _ = DocumentSigner::from_der(data);
});
