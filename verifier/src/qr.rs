//! Reading a presentation's QR code from pixels (feature `qr`): a grey image, as a camera frame
//! or a decoded image file gives it, read with rqrr as it is and, for a blurred or unevenly lit
//! one, again after thresholding it at the level that best separates its dark and light pixels
//! (Otsu's method). The CLI reads image files through this, the npm package camera frames.
//!
//! rqrr 0.10.1 panics on some images (an assertion in its perspective mapping, an `expect` in
//! its grid fitting, reached from three or more finder-like squares in awkward places): the
//! panic is caught here and the image read as holding no QR code, in a build that unwinds. In
//! a `panic = "abort"` build (the npm package's wasm) it cannot be caught; the package's panic
//! hook turns it into an error and restarts the module (see `wasm/src/lib.rs`).

/// Why no text was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The pixel buffer does not hold `width × height` pixels, or the image is larger than
    /// [`MAX_SIDE`] on a side.
    #[error("a {width}×{height} image of {len} pixels ({MAX_SIDE} at most on a side)")]
    BadImage {
        /// The width given.
        width: usize,
        /// The height given.
        height: usize,
        /// The pixels given.
        len: usize,
    },
    /// No QR code was found (also in an empty image, and when the decoder fails on the image).
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
    if (width == 0 || height == 0) && pixels.is_empty() && width.max(height) <= MAX_SIDE {
        return Err(QrError::NotFound);
    }
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

/// One pass of rqrr over the image; a panic in it is caught and read as no QR code found.
fn decode(
    width: usize,
    height: usize,
    at: impl FnMut(usize, usize) -> u8,
) -> Result<String, QrError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, at);
        let mut last = QrError::NotFound;
        for grid in prepared.detect_grids() {
            match grid.decode() {
                Ok((_, text)) => return Ok(text),
                Err(e) => last = QrError::Undecodable(e.to_string()),
            }
        }
        Err(last)
    }))
    .unwrap_or(Err(QrError::NotFound))
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
            read_grey(0, 1, &[0]),
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
        // An empty image holds no code.
        assert_eq!(read_grey(0, 0, &[]), Err(QrError::NotFound));
        assert_eq!(read_rgba(0, 7, &[]), Err(QrError::NotFound));
    }

    /// Draws a finder-like square at `(x, y)` (its centre module's corner), `module` pixels a
    /// module: 7×7 modules, dark but for the ring two modules from the centre; clipped at the
    /// image's edges.
    fn square(grey: &mut [u8], width: usize, (x, y, module): (i64, i64, i64)) {
        for (i, p) in grey.iter_mut().enumerate() {
            let (px, py) = ((i % width) as i64, (i / width) as i64);
            let (u, v) = ((px - x).div_euclid(module), (py - y).div_euclid(module));
            let ring = u.abs().max(v.abs());
            if ring <= 3 {
                *p = if ring == 2 { 255 } else { 0 };
            }
        }
    }

    /// Five finder-like squares on white, 81×51: rqrr 0.10.1 fails an assertion
    /// (`x >= i32::MIN as f64`, geometry.rs) in `detect_grids`. The npm package's tests draw
    /// the same image (wasm/tests/node.test.mjs, web/tests/browser.test.mjs).
    fn crafted() -> (usize, usize, Vec<u8>) {
        let (width, height) = (81, 51);
        let mut grey = vec![255; width * height];
        for s in [
            (28, 35, 1),
            (28, 5, 5),
            (31, 36, 1),
            (4, 24, 4),
            (59, 43, 5),
        ] {
            square(&mut grey, width, s);
        }
        (width, height, grey)
    }

    #[test]
    fn an_image_that_makes_rqrr_panic_is_read_as_holding_no_code() {
        let (width, height, grey) = crafted();
        let raw = std::panic::catch_unwind(|| {
            let mut prepared =
                rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
                    grey[y * width + x]
                });
            prepared.detect_grids().len()
        });
        assert!(
            raw.is_err(),
            "rqrr no longer panics on this image: the catch in `decode` may be reviewed"
        );
        assert_eq!(read_grey(width, height, &grey), Err(QrError::NotFound));
        let rgba: Vec<u8> = grey.iter().flat_map(|&g| [g, g, g, 255]).collect();
        assert_eq!(read_rgba(width, height, &rgba), Err(QrError::NotFound));
    }

    /// Random draws for [`garbage`].
    struct Dice(rand_chacha::ChaCha8Rng);

    impl Dice {
        /// Below `n`.
        fn below(&mut self, n: u32) -> u32 {
            rand_chacha::rand_core::RngCore::next_u32(&mut self.0) % n
        }

        /// In `[-r, r]`.
        fn jitter(&mut self, r: f64) -> f64 {
            (f64::from(self.below(2001)) / 1000.0 - 1.0) * r
        }

        /// In `[0, r]`.
        fn up_to(&mut self, r: f64) -> f64 {
            f64::from(self.below(1001)) / 1000.0 * r
        }
    }

    /// A finder-like square centred at `(cx, cy)`, `m` pixels a module, turned by `angle`.
    fn finder(grey: &mut [u8], width: usize, (cx, cy): (f64, f64), m: f64, angle: f64) {
        let (sin, cos) = angle.sin_cos();
        for (i, p) in grey.iter_mut().enumerate() {
            let (dx, dy) = ((i % width) as f64 - cx, (i / width) as f64 - cy);
            let (u, v) = ((dx * cos + dy * sin) / m, (-dx * sin + dy * cos) / m);
            let ring = u.abs().max(v.abs());
            if ring < 3.5 {
                *p = if (1.5..2.5).contains(&ring) { 255 } else { 0 };
            }
        }
    }

    /// One garbage image from `seed`, of six kinds: grey noise, black-and-white noise of some
    /// density, stripes or a checkerboard, finder-like squares anywhere (rotated, scaled,
    /// overlapping, some pixels flipped), three of them about a right angle (skewed, unevenly
    /// scaled), and a QR-like grid of random modules with its three finder patterns and timing
    /// lines, rotated, skewed and in perspective, on a light, dark or grey background.
    fn garbage(seed: u64) -> (usize, usize, Vec<u8>) {
        use rand_chacha::rand_core::SeedableRng;
        let mut dice = Dice(rand_chacha::ChaCha8Rng::seed_from_u64(seed));
        let kind = seed % 6;
        let (width, height) = if kind == 5 {
            (60 + dice.below(200) as usize, 60 + dice.below(200) as usize)
        } else {
            (1 + dice.below(160) as usize, 1 + dice.below(160) as usize)
        };
        let (w, h) = (width as f64, height as f64);
        let mut grey = vec![255u8; width * height];
        match kind {
            0 => grey.iter_mut().for_each(|p| *p = dice.below(256) as u8),
            1 => {
                let density = dice.below(256);
                for p in grey.iter_mut() {
                    *p = if dice.below(256) < density { 0 } else { 255 };
                }
            }
            2 => {
                let period = 1 + dice.below(12) as usize;
                let pattern = dice.below(4);
                for (i, p) in grey.iter_mut().enumerate() {
                    let (x, y) = ((i % width) / period, (i / width) / period);
                    let t = [x, y, x + y, x ^ y][pattern as usize];
                    *p = if t % 2 == 0 { 0 } else { 255 };
                }
            }
            3 => {
                for _ in 0..2 + dice.below(4) {
                    let centre = (dice.up_to(w), dice.up_to(h));
                    let (m, angle) = (0.5 + dice.up_to(6.0), dice.jitter(3.2));
                    finder(&mut grey, width, centre, m, angle);
                }
                if dice.below(2) == 0 {
                    for p in grey.iter_mut() {
                        if dice.below(10) == 0 {
                            *p = !*p;
                        }
                    }
                }
            }
            4 => {
                let m = 0.6 + dice.up_to(5.0);
                let (a, len) = (dice.jitter(3.2), 10.0 * m + dice.up_to(300.0));
                let (ax, ay) = (
                    w / 2.0 + dice.jitter(w / 3.0),
                    h / 2.0 + dice.jitter(h / 3.0),
                );
                let skew = if dice.below(2) == 0 { 0.2 } else { 1.2 };
                let b = a + std::f64::consts::FRAC_PI_2 + dice.jitter(skew);
                let len2 = len * (1.0 + dice.jitter(skew));
                finder(&mut grey, width, (ax, ay), m, a);
                for (l, d) in [(len, a), (len2, b)] {
                    let (mi, ai) = (m * (1.0 + dice.jitter(skew)), a + dice.jitter(skew));
                    finder(
                        &mut grey,
                        width,
                        (ax + l * d.cos(), ay + l * d.sin()),
                        mi,
                        ai,
                    );
                }
            }
            _ => {
                let n = 21 + 4 * dice.below(10) as usize;
                let mut modules: Vec<bool> = (0..n * n).map(|_| dice.below(2) == 0).collect();
                // The finder patterns in three corners, each with its white separator.
                for (ox, oy) in [(0, 0), (n - 8, 0), (0, n - 8)] {
                    for i in 0..64 {
                        modules[(oy + i / 8) * n + ox + i % 8] = false;
                    }
                }
                for (ox, oy) in [(0, 0), (n - 7, 0), (0, n - 7)] {
                    for i in 0..49 {
                        let (x, y) = ((i % 7) as i64 - 3, (i / 7) as i64 - 3);
                        modules[(oy + i / 7) * n + ox + i % 7] = x.abs().max(y.abs()) != 2;
                    }
                }
                for t in 8..n - 8 {
                    modules[6 * n + t] = t % 2 == 0;
                    modules[t * n + 6] = t % 2 == 0;
                }
                let background = match dice.below(3) {
                    0 => 255,
                    1 => 16 + dice.below(40) as u8,
                    _ => dice.below(256) as u8,
                };
                grey.iter_mut().for_each(|p| *p = background);
                let quiet = f64::from(dice.below(5));
                let m = 1.0 + dice.up_to(4.0);
                let (sin, cos) = dice.jitter(3.2).sin_cos();
                let (skew, perspective) = (dice.jitter(0.2), dice.jitter(0.01));
                let (cx, cy) = (w * (0.5 + dice.jitter(0.3)), h * (0.5 + dice.jitter(0.3)));
                let (half, side) = (n as f64 / 2.0, n as f64);
                for (i, p) in grey.iter_mut().enumerate() {
                    let (dx, dy) = (((i % width) as f64 - cx) / m, ((i / width) as f64 - cy) / m);
                    let (u, v) = (dx * cos + dy * sin, -dx * sin + dy * cos);
                    let u = u + skew * v;
                    let den = 1.0 + perspective * (u + v);
                    let (u, v) = (u / den + half, v / den + half);
                    let zone = -quiet..side + quiet;
                    if zone.contains(&u) && zone.contains(&v) {
                        let code = (0.0..side).contains(&u) && (0.0..side).contains(&v);
                        let dark = code && modules[v as usize * n + u as usize];
                        *p = if dark { 0 } else { 255 };
                    }
                }
            }
        }
        (width, height, grey)
    }

    /// Garbage images through the reader: none panics, none reads as a code. 1,200 images
    /// (about a second; `ZKH_QR_GARBAGE` sets another count for a longer sweep) and the one of
    /// the first 100,000 on which rqrr 0.10.1 panics (seed 50147, a QR-like grid turned by a
    /// few degrees: "rotated perspective can't fail", grid.rs).
    #[test]
    fn garbage_images_are_refused_without_a_panic() {
        let count = std::env::var("ZKH_QR_GARBAGE")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(1_200u64);
        for seed in (0..count).chain([50_147]) {
            let (width, height, grey) = garbage(seed);
            let read = std::panic::catch_unwind(|| read_grey(width, height, &grey));
            match read {
                Ok(Err(QrError::NotFound | QrError::Undecodable(_))) => {}
                other => panic!("garbage image {seed} ({width}×{height}): {other:?}"),
            }
        }
    }
}
