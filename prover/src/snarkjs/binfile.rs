//! The iden3 binary container shared by `.r1cs`, `.wtns` and `.zkey` files.
//!
//! ```text
//! offset  size  field
//! 0       4     magic (b"r1cs", b"wtns", b"zkey")
//! 4       4     version, u32 little-endian
//! 8       4     number of sections, u32 little-endian
//! then, per section:
//!         4     section type, u32 little-endian
//!         8     section size s, u64 little-endian
//!         s     section body
//! ```
//!
//! [`BinFile::parse`] checks the whole layout (every section inside the input, nothing after the
//! last) before anything reads a section, and a section type that appears twice is refused.

use super::SnarkjsError;

/// A parsed container: its version and its sections, in file order, borrowed from the input.
#[derive(Debug)]
pub(crate) struct BinFile<'a> {
    pub version: u32,
    sections: Vec<(u32, &'a [u8])>,
}

impl<'a> BinFile<'a> {
    /// Parses a container with this magic.
    pub fn parse(
        bytes: &'a [u8],
        magic: &[u8; 4],
        what: &'static str,
    ) -> Result<Self, SnarkjsError> {
        let mut r = Reader::new(bytes, what);
        if r.take(4)? != magic {
            return Err(SnarkjsError::Format {
                what,
                reason: format!("does not start with {:?}", String::from_utf8_lossy(magic)),
            });
        }
        let version = r.u32()?;
        let count = r.u32()?;
        let mut sections: Vec<(u32, &[u8])> = Vec::new();
        for _ in 0..count {
            let kind = r.u32()?;
            let size = r.u64()?;
            let size = usize::try_from(size).map_err(|_| r.error("section size overflows"))?;
            let body = r.take(size)?;
            if sections.iter().any(|(k, _)| *k == kind) {
                return Err(r.error(&format!("section {kind} appears twice")));
            }
            sections.push((kind, body));
        }
        if !r.rest().is_empty() {
            return Err(r.error("bytes after the last section"));
        }
        Ok(BinFile { version, sections })
    }

    /// The body of section `kind`.
    pub fn section(&self, kind: u32, what: &'static str) -> Result<&'a [u8], SnarkjsError> {
        self.sections
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, body)| *body)
            .ok_or_else(|| SnarkjsError::Format {
                what,
                reason: format!("section {kind} is missing"),
            })
    }
}

/// Writes a container: magic, version, then each section with its type and size.
pub(crate) fn write(magic: &[u8; 4], version: u32, sections: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let total: usize = sections.iter().map(|(_, b)| 12 + b.len()).sum();
    let mut out = Vec::with_capacity(12 + total);
    out.extend_from_slice(magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
    for (kind, body) in sections {
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(body);
    }
    out
}

/// A bounds-checked little-endian reader over a byte slice.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader { bytes, what }
    }

    pub fn error(&self, reason: &str) -> SnarkjsError {
        SnarkjsError::Format {
            what: self.what,
            reason: reason.to_string(),
        }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], SnarkjsError> {
        let (head, tail) = self
            .bytes
            .split_at_checked(n)
            .ok_or_else(|| self.error("truncated"))?;
        self.bytes = tail;
        Ok(head)
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], SnarkjsError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn u32(&mut self) -> Result<u32, SnarkjsError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, SnarkjsError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A count that must fit `usize` and leave at least `min_len` bytes per item in the input.
    pub fn count(&mut self, min_len: usize) -> Result<usize, SnarkjsError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_len) > self.bytes.len() {
            return Err(self.error("count larger than the input"));
        }
        Ok(n)
    }

    pub fn rest(&self) -> &'a [u8] {
        self.bytes
    }

    /// Fails unless everything was read.
    pub fn finish(&self) -> Result<(), SnarkjsError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(self.error(&format!("{} unexpected trailing bytes", self.bytes.len())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damaged_layouts() {
        let bytes = write(b"test", 1, &[(1, vec![1, 2, 3]), (2, vec![])]);
        let file = BinFile::parse(&bytes, b"test", "test file").unwrap();
        assert_eq!(file.version, 1);
        assert_eq!(file.section(1, "t").unwrap(), &[1, 2, 3]);
        assert_eq!(file.section(2, "t").unwrap(), &[] as &[u8]);
        assert!(file.section(3, "t").is_err());
        for cut in 0..bytes.len() {
            assert!(
                BinFile::parse(&bytes[..cut], b"test", "t").is_err(),
                "{cut}"
            );
        }
        assert!(BinFile::parse(&bytes, b"tesT", "t").is_err());
        let mut long = bytes.clone();
        long.push(0);
        assert!(BinFile::parse(&long, b"test", "t").is_err());
        let twice = write(b"test", 1, &[(1, vec![]), (1, vec![])]);
        assert!(BinFile::parse(&twice, b"test", "t").is_err());
        // A size that points past the end, and one that overflows.
        let mut huge = write(b"test", 1, &[(1, vec![0; 4])]);
        huge[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(BinFile::parse(&huge, b"test", "t").is_err());
    }
}
