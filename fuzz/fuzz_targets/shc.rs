//! SMART Health Cards: numeric QR text, `.smart-health-card` files, compact JWSs and key sets,
//! and the FHIR bundle of whatever decodes, through the vaccination mapping.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkhealth_records::{fhir, shc};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(jws) = shc::decode_qr(text) {
        let _ = shc::decode_jws(&jws);
    }
    if let Ok(cards) = shc::decode_file(text) {
        for jws in cards {
            if let Ok(card) = shc::decode_jws(&jws) {
                let _ = fhir::bundle_vaccinations(&card.bundle, "US");
                let _ = card.check_validity(0);
            }
        }
    }
    if let Ok(card) = shc::decode_jws(text) {
        let _ = fhir::vaccinations(&card.bundle, "US");
        let _ = card.rid();
    }
    if let Ok(crl) = shc::Crl::parse(text) {
        let _ = crl.rids.len();
    }
    if let Ok(jwks) = shc::Jwks::parse(text) {
        let _ = shc::verify(text, &jwks, i64::MAX);
    }
});
