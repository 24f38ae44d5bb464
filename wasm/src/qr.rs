//! QR codes for the pages: drawn as SVG (qrcode), read from RGBA pixels (rqrr, through
//! [`zkhealth_verifier::qr`]).

use qrcode::{render::svg, EcLevel, QrCode};
use wasm_bindgen::prelude::*;

use crate::error;

/// `text` as a QR code in an SVG document, error-correction level M (as the CLI draws it), at
/// least `min_pixels` on a side.
#[wasm_bindgen(js_name = qrSvg)]
pub fn qr_svg(text: &str, min_pixels: u32) -> Result<String, JsError> {
    let code =
        QrCode::with_error_correction_level(text, EcLevel::M).map_err(|e| error("QR code", e))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(min_pixels, min_pixels)
        .build())
}

/// The text of the QR code in a `width × height` RGBA image (a canvas's `ImageData.data`).
/// Throws when there is none or it does not decode.
#[wasm_bindgen(js_name = readQr)]
pub fn read_qr(rgba: &[u8], width: u32, height: u32) -> Result<String, JsError> {
    zkhealth_verifier::qr::read_rgba(width as usize, height as usize, rgba)
        .map_err(|e| error("QR image", e))
}
