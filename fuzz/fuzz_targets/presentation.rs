//! Presentations in their three forms: binary, JSON and QR text. What decodes must encode back
//! to a form that decodes to the same presentation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkhealth_verifier::Presentation;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Presentation::from_bytes(data) {
        let bytes = p.to_bytes().expect("a decoded presentation encodes");
        assert_eq!(Presentation::from_bytes(&bytes).ok(), Some(p));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(p) = Presentation::from_json(text) {
            assert_eq!(Presentation::from_json(&p.to_json()).ok(), Some(p));
        }
        if let Ok(p) = Presentation::from_qr_text(text) {
            let qr = p.to_qr_text().expect("a decoded presentation encodes");
            assert_eq!(Presentation::from_qr_text(&qr).ok(), Some(p));
        }
    }
});
