//! Reading a presentation's QR code from pixels (feature `qr`): a grey image, as a camera frame
//! or a decoded image file gives it, read with rqrr as it is and, for a blurred or unevenly lit
//! one, again after thresholding it at the level that best separates its dark and light pixels
//! (Otsu's method). The CLI reads image files through this, the npm package camera frames.

/// Why no text was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The pixel buffer does not hold `width × height` pixels, or the image is empty or larger
    /// than [`MAX_SIDE`] on a side.
    #[error("a {width}×{height} image of {len} pixels ({MAX_SIDE} at most on a side)")]
    BadImage {
        /// The width given.
        width: usize,
        /// The height given.
        height: usize,
        /// The pixels given.
        len: usize,
    },
    /// No QR code was found.
    #[error("no QR code found in the image")]
    NotFound,
    /// A QR code was found that does not decode.
    #[error("a QR code that does not decode: {0}")]
    Undecodable(String),
}

/// Largest image read, in pixels on a side (decoding a bigger one would take long).
pub const MAX_SIDE: usize = 8_192;

/// The text of the QR code in a `width × height` grey image (one byte a pixel, row by row).
pub fn read_grey(width: usize, height: usize, pixels: &[u8]) -> Result<String, QrError> {
    let fits = (1..=MAX_SIDE).contains(&width)
        && (1..=MAX_SIDE).contains(&height)
        && width.checked_mul(height) == Some(pixels.len());
    if !fits {
        return Err(QrError::BadImage {
            width,
            height,
            len: pixels.len(),
        });
    }
    let at = |x: usize, y: usize| pixels.get(y * width + x).copied().unwrap_or(255);
    let first = decode(width, height, at);
    if first.is_ok() {
        return first;
    }
    let level = otsu_level(pixels);
    decode(width, height, |x, y| if at(x, y) > level { 255 } else { 0 }).or(first)
}

/// The text of the QR code in a `width × height` RGBA image (four bytes a pixel, as a canvas's
/// `ImageData` holds it), read as grey by luma.
pub fn read_rgba(width: usize, height: usize, rgba: &[u8]) -> Result<String, QrError> {
    if !rgba.len().is_multiple_of(4) {
        return Err(QrError::BadImage {
            width,
            height,
            len: rgba.len() / 4,
        });
    }
    let grey: Vec<u8> = rgba
        .chunks_exact(4)
        .map(|p| {
            let (r, g, b) = (u32::from(p[0]), u32::from(p[1]), u32::from(p[2]));
            // ITU-R BT.601 luma, in integers.
            ((299 * r + 587 * g + 114 * b) / 1000) as u8
        })
        .collect();
    read_grey(width, height, &grey)
}

fn decode(
    width: usize,
    height: usize,
    at: impl FnMut(usize, usize) -> u8,
) -> Result<String, QrError> {
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, at);
    let mut last = QrError::NotFound;
    for grid in prepared.detect_grids() {
        match grid.decode() {
            Ok((_, text)) => return Ok(text),
            Err(e) => last = QrError::Undecodable(e.to_string()),
        }
    }
    Err(last)
}

/// The grey level that maximises the between-class variance of the histogram.
fn otsu_level(pixels: &[u8]) -> u8 {
    let mut histogram = [0u64; 256];
    for p in pixels {
        histogram[usize::from(*p)] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let sum: f64 = histogram
        .iter()
        .enumerate()
        .map(|(level, n)| level as f64 * *n as f64)
        .sum();
    let (mut below, mut below_sum, mut best, mut level) = (0u64, 0f64, 0f64, 127u8);
    for (t, n) in histogram.iter().enumerate() {
        below += n;
        below_sum += t as f64 * *n as f64;
        let above = total - below;
        if below == 0 || above == 0 {
            continue;
        }
        let (mean_below, mean_above) = (below_sum / below as f64, (sum - below_sum) / above as f64);
        let between = below as f64 * above as f64 * (mean_below - mean_above).powi(2);
        if between > best {
            best = between;
            level = t as u8;
        }
    }
    level
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bad_buffers_are_refused_not_read() {
        assert!(matches!(
            read_grey(0, 0, &[]),
            Err(QrError::BadImage { .. })
        ));
        assert!(matches!(
            read_grey(2, 2, &[0; 3]),
            Err(QrError::BadImage { .. })
        ));
        assert!(matches!(
            read_grey(MAX_SIDE + 1, 1, &vec![0; MAX_SIDE + 1]),
            Err(QrError::BadImage { .. })
        ));
        assert!(matches!(
            read_rgba(1, 1, &[0; 5]),
            Err(QrError::BadImage { .. })
        ));
        assert_eq!(read_grey(8, 8, &[255; 64]), Err(QrError::NotFound));
        assert_eq!(read_rgba(4, 4, &[200; 64]), Err(QrError::NotFound));
    }
}
