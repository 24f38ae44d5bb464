//! QR codes for the pages: drawn as SVG (qrcode), read from RGBA pixels (rqrr, through
//! [`zkhealth_verifier::qr`]).

use qrcode::{render::svg, EcLevel, QrCode};
use wasm_bindgen::prelude::*;
use zkhealth_verifier::qr::QrError;

use crate::{error, Code};

/// `text` as a QR code in an SVG document, error-correction level M (as the CLI draws it), at
/// least `min_pixels` on a side. Throws `qr_too_long` when the text does not fit in one.
#[wasm_bindgen(js_name = qrSvg)]
pub fn qr_svg(text: &str, min_pixels: u32) -> Result<String, JsValue> {
    let code = QrCode::with_error_correction_level(text, EcLevel::M)
        .map_err(|e| error(Code::QrTooLong, "QR code", e))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(min_pixels, min_pixels)
        .build())
}

/// The text of the QR code in a `width × height` RGBA image (a canvas's `ImageData.data`).
/// Throws `qr_not_found` when there is none (an empty image too), `qr_undecodable` when one is
/// found that does not decode, and `qr_bad_image` when the buffer is not `width × height × 4`
/// bytes or a side is longer than 8,192 pixels.
#[wasm_bindgen(js_name = readQr)]
pub fn read_qr(rgba: &[u8], width: u32, height: u32) -> Result<String, JsValue> {
    zkhealth_verifier::qr::read_rgba(width as usize, height as usize, rgba).map_err(|e| {
        let code = match e {
            QrError::BadImage { .. } => Code::QrBadImage,
            QrError::NotFound => Code::QrNotFound,
            QrError::Undecodable(_) => Code::QrUndecodable,
        };
        error(code, "QR image", e)
    })
}
