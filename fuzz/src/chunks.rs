//! How an input chooses where a stream is cut into chunks.
//!
//! Targets that compare whole against chunked processing start their input
//! with a [`PATTERN_LEN`]-byte chunk-length pattern; the rest is the payload
//! (a message, a body). `seed.sh` writes seeds in that layout.

/// Length of the chunk-length pattern at the start of an input.
pub const PATTERN_LEN: usize = 4;

/// Splits `data` into its chunk-length pattern and the payload. A short
/// input is all pattern and no payload.
pub fn split_pattern(data: &[u8]) -> (&[u8], &[u8]) {
    data.split_at(data.len().min(PATTERN_LEN))
}

/// The payload cut into chunks whose lengths follow `pattern` cyclically.
///
/// A pattern byte `b < 128` is a chunk of `b` bytes (0 is an empty chunk);
/// `b >= 128` is a chunk of `(b - 127) * 64` bytes (64 B to 8 KiB), so that
/// large chunks are reachable too. A pattern of zeros only (or an empty one)
/// means one byte at a time. The last chunk is whatever is left; no empty
/// chunk follows the end of the payload.
///
/// ```
/// let chunks: Vec<&[u8]> = dkim_fuzz::Chunks::new(&[2, 0, 1], b"abcdef").collect();
/// assert_eq!(chunks, [&b"ab"[..], b"", b"c", b"de", b"", b"f"]);
/// ```
#[derive(Clone, Debug)]
pub struct Chunks<'a> {
    pattern: &'a [u8],
    rest: &'a [u8],
    next: usize,
}

impl<'a> Chunks<'a> {
    /// Chunks of `payload` following `pattern`.
    pub fn new(pattern: &'a [u8], payload: &'a [u8]) -> Self {
        let pattern = if pattern.iter().all(|&b| b == 0) { &[1][..] } else { pattern };
        Self { pattern, rest: payload, next: 0 }
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let b = self.pattern[self.next % self.pattern.len()];
        self.next += 1;
        let len = if b < 128 { usize::from(b) } else { usize::from(b - 127) * 64 };
        let (chunk, rest) = self.rest.split_at(len.min(self.rest.len()));
        self.rest = rest;
        Some(chunk)
    }
}

/// FNV-1a, to derive a stable per-name choice from a name and a salt.
pub fn fnv1a(salt: u8, bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5 ^ u32::from(salt);
    for &b in bytes {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}
