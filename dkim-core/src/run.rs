//! Byte-run scanning shared by the tag-list parser and header
//! canonicalization.

use wide::u8x16;

/// The length of the run of bytes at the start of `text` that `keep`
/// accepts; `keep16` is the same test on 16 bytes at once (a mask of the
/// bytes kept). Runs are found 16 bytes per step with vector compares, which,
/// unlike `memchr`, cost no setup for short runs; the rest byte by byte.
#[inline]
pub(crate) fn leading_run(text: &[u8], keep16: impl Fn(u8x16) -> u8x16, keep: impl Fn(u8) -> bool) -> usize {
    let mut n = 0;
    for piece in text.chunks_exact(16) {
        let kept = keep16(u8x16::new(piece.try_into().unwrap_or([0; 16]))).to_bitmask().trailing_ones() as usize;
        n += kept;
        if kept < 16 {
            return n;
        }
    }
    n + text[n..].iter().take_while(|&&b| keep(b)).count()
}
