//! The EU DCC test suite's QR images (`2DCODE`, base64 PNG): each one read back with rqrr
//! equals the case's `PREFIX` text, except where the suite expects the picture not to decode and
//! the three whose image holds another certificate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use serde_json::Value;

fn cases() -> Vec<(String, Value)> {
    common::dgc_cases()
}

/// The text of the QR code in a PNG, or why there is none.
fn read_qr(png_bytes: &[u8]) -> Result<String, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let luma = |x: usize, y: usize| -> u8 {
        let i = (y * info.line_size) + x * channels;
        match channels {
            1 | 2 => buf[i],
            _ => {
                ((u16::from(buf[i]) * 3 + u16::from(buf[i + 1]) * 6 + u16::from(buf[i + 2])) / 10)
                    as u8
            }
        }
    };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, luma);
    let grids = img.detect_grids();
    let grid = grids.first().ok_or("no QR code found")?;
    grid.decode()
        .map(|(_, text)| text)
        .map_err(|e| e.to_string())
}

/// Cases whose image holds another certificate than their `PREFIX` (the texts part after the
/// first 64 to 67 characters, `HC1:` and the start of the compressed header): the image is
/// still read, and decodes as a certificate.
const IMAGE_OF_ANOTHER_CERTIFICATE: [&str; 3] = [
    "ES/2DCode/raw/501.json",
    "ES/2DCode/raw/502.json",
    "ES/2DCode/raw/503.json",
];

#[test]
fn every_suite_qr_image_reads_back_as_its_prefix_text() {
    let (mut read, mut expected_unreadable, mut failures) = (0, 0, Vec::new());
    for (name, case) in cases() {
        let Some(image) = case["2DCODE"].as_str() else {
            continue;
        };
        let expect_ok = case["EXPECTEDRESULTS"]["EXPECTEDPICTUREDECODE"] != Value::Bool(false);
        let bytes = base64::engine::general_purpose::STANDARD.decode(image.trim());
        let text = bytes.map_err(|e| e.to_string()).and_then(|b| read_qr(&b));
        match (text, expect_ok) {
            (Ok(text), true) if Some(text.as_str()) == case["PREFIX"].as_str() => read += 1,
            (Ok(text), true) if IMAGE_OF_ANOTHER_CERTIFICATE.contains(&name.as_str()) => {
                zkhealth_records::dcc::decode(&text).unwrap();
                read += 1;
            }
            (Ok(text), true) => {
                let prefix = case["PREFIX"].as_str().unwrap_or("");
                let same = text
                    .bytes()
                    .zip(prefix.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                failures.push(format!(
                    "{name}: read {} characters, the PREFIX has {}; they agree on the first {same}",
                    text.len(),
                    prefix.len()
                ))
            }
            (Err(e), true) => failures.push(format!("{name}: {e}")),
            (_, false) => expected_unreadable += 1,
        }
    }
    println!(
        "read {read}, expected unreadable {expected_unreadable}, failed {}",
        failures.len()
    );
    for f in &failures {
        println!("{f}");
    }
    assert_eq!((read, expected_unreadable), (448, 1));
    assert!(failures.is_empty(), "{failures:#?}");
}
