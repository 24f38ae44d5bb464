//! QR codes as images: a presentation's QR text rendered as PNG, SVG or in the terminal
//! (qrcode), and a QR code read back from a rendered or photographed PNG or JPEG (rqrr).

use std::path::Path;

use image::{GrayImage, ImageFormat, Luma};
use qrcode::{render::svg, render::unicode, EcLevel, QrCode};

use crate::{
    error::CliError,
    files::{self, shown},
};

/// Largest image file read (a phone photograph is a few MiB).
const MAX_IMAGE_BYTES: u64 = 32 << 20;

/// Largest image accepted, in pixels on a side (decoding a bigger one would take long).
const MAX_SIDE: u32 = 8_192;

/// Pixels per QR module in the PNG.
const MODULE_PIXELS: u32 = 6;

fn code(text: &str) -> Result<QrCode, CliError> {
    // Level M: a presentation (about 700 characters of base45) still fits, and a print or a
    // screen photographed at an angle keeps 15% of its codewords to spare.
    QrCode::with_error_correction_level(text, EcLevel::M).map_err(|e| CliError::Argument {
        what: "QR code",
        value: format!("{} characters", text.len()),
        reason: e.to_string(),
    })
}

/// `text` as a PNG: black modules on white, with the quiet zone.
pub fn png(text: &str) -> Result<Vec<u8>, CliError> {
    let image: GrayImage = code(text)?
        .render::<Luma<u8>>()
        .module_dimensions(MODULE_PIXELS, MODULE_PIXELS)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|e| CliError::Argument {
            what: "QR code",
            value: "PNG".into(),
            reason: e.to_string(),
        })?;
    Ok(out.into_inner())
}

/// `text` as an SVG document.
pub fn svg(text: &str) -> Result<String, CliError> {
    Ok(code(text)?
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .build())
}

/// `text` drawn with Unicode half blocks, two modules a character cell (for a terminal).
pub fn terminal(text: &str) -> Result<String, CliError> {
    Ok(code(text)?
        .render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .build())
}

/// The text of the QR code in an image's bytes (PNG or JPEG).
pub fn read_bytes(bytes: &[u8]) -> Result<String, String> {
    let format = image::guess_format(bytes).map_err(|e| e.to_string())?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg) {
        return Err(format!("a {format:?} image; PNG or JPEG expected"));
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| e.to_string())?.into_luma8();
    read_gray(&image)
}

/// The text of the QR code in a grey image ([`zkhealth_verifier::qr::read_grey`]: as it is, then
/// thresholded by Otsu's method).
pub fn read_gray(image: &GrayImage) -> Result<String, String> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    zkhealth_verifier::qr::read_grey(width, height, image.as_raw()).map_err(|e| e.to_string())
}

/// The text of the QR code in the image file at `path`.
pub fn read_file(path: &Path) -> Result<String, CliError> {
    let bytes = files::read_bytes_capped(path, MAX_IMAGE_BYTES)?;
    read_bytes(&bytes).map_err(|reason| CliError::Argument {
        what: "QR image",
        value: shown(path),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::imageops;

    /// A presentation-sized text: `ZKH1:` and 700 base45 characters.
    fn long_text() -> String {
        let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        let body: String = (0..700)
            .map(|i| alphabet.as_bytes()[(i * 7 + 3) % alphabet.len()] as char)
            .collect();
        format!("ZKH1:{body}")
    }

    fn rendered(text: &str) -> GrayImage {
        let bytes = png(text).unwrap();
        image::load_from_memory(&bytes).unwrap().into_luma8()
    }

    /// Rotates by `degrees` about the centre (bilinear, as a camera's resampling; white
    /// outside).
    fn rotate(image: &GrayImage, degrees: f64) -> GrayImage {
        let (w, h) = image.dimensions();
        let side = ((w.max(h) as f64) * 1.5) as u32;
        let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
        let (sin, cos) = degrees.to_radians().sin_cos();
        let at = |x: i64, y: i64| -> f64 {
            if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                f64::from(image.get_pixel(x as u32, y as u32).0[0])
            } else {
                255.0
            }
        };
        GrayImage::from_fn(side, side, |x, y| {
            let (dx, dy) = (x as f64 - side as f64 / 2.0, y as f64 - side as f64 / 2.0);
            let (sx, sy) = (cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy);
            let (x0, y0) = (sx.floor(), sy.floor());
            let (fx, fy) = (sx - x0, sy - y0);
            let (x0, y0) = (x0 as i64, y0 as i64);
            let v = at(x0, y0) * (1.0 - fx) * (1.0 - fy)
                + at(x0 + 1, y0) * fx * (1.0 - fy)
                + at(x0, y0 + 1) * (1.0 - fx) * fy
                + at(x0 + 1, y0 + 1) * fx * fy;
            Luma([v.round() as u8])
        })
    }

    /// Adds deterministic noise of amplitude `amount` to every pixel.
    fn noisy(image: &GrayImage, amount: i32) -> GrayImage {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        GrayImage::from_fn(image.width(), image.height(), |x, y| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = (state % (2 * amount as u64 + 1)) as i32 - amount;
            let v = image.get_pixel(x, y).0[0] as i32 + n;
            Luma([v.clamp(0, 255) as u8])
        })
    }

    #[test]
    fn a_rendered_presentation_reads_back_scaled_rotated_and_noisy() {
        let text = long_text();
        let image = rendered(&text);
        assert_eq!(read_gray(&image).unwrap(), text);
        let (w, h) = image.dimensions();
        for scale in [0.5, 0.8, 1.7] {
            let scaled = imageops::resize(
                &image,
                (w as f64 * scale) as u32,
                (h as f64 * scale) as u32,
                imageops::FilterType::Triangle,
            );
            assert_eq!(read_gray(&scaled).unwrap(), text, "scale {scale}");
        }
        assert_eq!(read_gray(&imageops::rotate90(&image)).unwrap(), text);
        for degrees in [3.0, 7.0, 33.0, 45.0] {
            assert_eq!(
                read_gray(&rotate(&image, degrees)).unwrap(),
                text,
                "{degrees}°"
            );
        }
        assert_eq!(read_gray(&noisy(&image, 100)).unwrap(), text);
        // Rotated, shrunk and noisy at once.
        let photo = noisy(
            &imageops::resize(
                &rotate(&image, 12.0),
                760,
                760,
                imageops::FilterType::Triangle,
            ),
            40,
        );
        assert_eq!(read_gray(&photo).unwrap(), text);
        // As a JPEG, the way a camera saves it.
        let mut jpeg = std::io::Cursor::new(Vec::new());
        noisy(&image, 30)
            .write_to(&mut jpeg, ImageFormat::Jpeg)
            .unwrap();
        assert_eq!(read_bytes(jpeg.get_ref()).unwrap(), text);
    }

    #[test]
    fn svg_and_terminal_renderings_hold_the_same_code() {
        let text = long_text();
        let svg = svg(&text).unwrap();
        assert!(
            svg.starts_with("<?xml") && svg.contains("<svg"),
            "{}",
            &svg[..40]
        );
        let drawn = terminal(&text).unwrap();
        let size = code(&text).unwrap().width();
        // Two modules a row of characters, with a 4-module quiet zone around.
        assert_eq!(drawn.lines().count(), (size + 8).div_ceil(2));
    }

    #[test]
    fn what_is_not_a_qr_image_is_an_error_never_a_panic() {
        assert!(read_bytes(b"").is_err());
        assert!(read_bytes(b"not an image").is_err());
        let png_bytes = png("ZKH1:ABC").unwrap();
        assert!(read_bytes(&png_bytes[..png_bytes.len() / 2]).is_err());
        let blank = GrayImage::from_pixel(200, 200, Luma([255]));
        assert_eq!(
            read_gray(&blank).unwrap_err(),
            "no QR code found in the image"
        );
        // GIF and other formats are refused by name.
        assert!(read_bytes(b"GIF89a....").unwrap_err().contains("Gif"));
    }

    #[test]
    fn the_eu_test_suites_qr_images_read_as_their_text() {
        use base64::Engine;
        let dir =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/dgc");
        let mut read = 0;
        for case in [
            "AT/2DCode/raw/1.json",
            "DE/2DCode/raw/1.json",
            "IS/2DCode/raw/1.json",
            "CZ/2DCode/raw/1.json",
        ] {
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join(case)).unwrap()).unwrap();
            let image = base64::engine::general_purpose::STANDARD
                .decode(json["2DCODE"].as_str().unwrap())
                .unwrap();
            assert_eq!(
                read_bytes(&image).unwrap(),
                json["PREFIX"].as_str().unwrap(),
                "{case}"
            );
            read += 1;
        }
        assert_eq!(read, 4);
    }
}
