//! Header field canonicalization (RFC 6376 sections 3.4.1 and 3.4.2).

use alloc::vec::Vec;
use core::ops::Range;

use wide::u8x16;

use super::CanonicalizationAlgorithm;
use crate::crypto::HashAlgorithm;
use crate::header::HeaderBlock;
use crate::run::leading_run;

/// Appends the canonical form of one header field to `out`.
///
/// `name` is the field name as written (before the colon, trailing
/// whitespace allowed), `raw` the whole field as on the wire including the
/// final CRLF (for `simple`), and `value` everything after the colon up to
/// and including the final CRLF.
///
/// ```
/// use dkim_core::canon::{header::canonicalize_field, CanonicalizationAlgorithm::*};
/// let raw = b"Subject \t:\t Kimi \t \r\n No\r\n";
/// let mut out = Vec::new();
/// canonicalize_field(Relaxed, b"Subject \t", &raw[10..], raw, &mut out);
/// assert_eq!(out, b"subject:Kimi No\r\n");
/// ```
pub fn canonicalize_field(alg: CanonicalizationAlgorithm, name: &[u8], value: &[u8], raw: &[u8], out: &mut Vec<u8>) {
    match alg {
        CanonicalizationAlgorithm::Simple => out.extend_from_slice(raw),
        CanonicalizationAlgorithm::Relaxed => {
            relaxed_name(name, out);
            out.push(b':');
            relaxed_value(value, out);
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Lower-cased name with surrounding whitespace removed.
pub(crate) fn relaxed_name(name: &[u8], out: &mut Vec<u8>) {
    let end = name.iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(0, |p| p + 1);
    let start = out.len();
    out.extend_from_slice(&name[..end]);
    out[start..].make_ascii_lowercase();
}

/// Unfolds, compresses whitespace runs to one SP, and trims both ends.
/// CRLF pairs are removed (unfolding); bare CR and LF are data.
pub(crate) fn relaxed_value(value: &[u8], out: &mut Vec<u8>) {
    RelaxedValue::default().feed(value, out);
}

/// [`relaxed_value`] of a value handed over in parts that no CRLF straddles.
#[derive(Default)]
struct RelaxedValue {
    /// Whitespace seen after something was written: one SP if more follows.
    pending_space: bool,
    /// Something was written.
    started: bool,
}

impl RelaxedValue {
    fn feed(&mut self, part: &[u8], out: &mut Vec<u8>) {
        out.reserve(part.len());
        // Most values are words with single spaces between them, after one
        // leading space and before the field's CRLF: such a value is copied
        // whole.
        let lead = part.iter().position(|&b| !matches!(b, b' ' | b'\t')).unwrap_or(part.len());
        let body = part[lead..].strip_suffix(b"\r\n").unwrap_or(&part[lead..]);
        if !self.started && !body.is_empty() && body.last() != Some(&b' ') && plain(body) {
            out.extend_from_slice(body);
            self.started = true;
            return;
        }
        let mut rest = part;
        loop {
            // Copy the run up to the next SP, HTAB or CR in one piece.
            let n = run_to_space_or_cr(rest);
            if n > 0 {
                self.write(&rest[..n], out);
            }
            rest = match &rest[n..] {
                [] => return,
                [b'\r', b'\n', tail @ ..] => tail,
                // A bare CR is data.
                [b'\r', tail @ ..] => {
                    self.write(b"\r", out);
                    tail
                }
                [_, tail @ ..] => {
                    self.pending_space = self.started;
                    tail
                }
            };
        }
    }

    #[inline]
    fn write(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        if self.pending_space {
            out.push(b' ');
            self.pending_space = false;
        }
        out.extend_from_slice(bytes);
        self.started = true;
    }
}

/// The length of the run before the first SP, HTAB or CR of `text` (all of
/// it when there is none).
fn run_to_space_or_cr(text: &[u8]) -> usize {
    let (space, tab, cr) = (u8x16::splat(b' '), u8x16::splat(b'\t'), u8x16::splat(b'\r'));
    let other16 = |v: u8x16| !(v.simd_eq(space) | v.simd_eq(tab) | v.simd_eq(cr));
    leading_run(text, other16, |b| !matches!(b, b' ' | b'\t' | b'\r'))
}

/// Whether `text` has neither HTAB nor CR nor two SP in a row: relaxed
/// canonicalization leaves such text (not starting or ending with SP) as it
/// is. Branch-free within 32-byte pieces, so that it runs at a few bytes per
/// cycle, and a folded value stops at its first line end.
fn plain(text: &[u8]) -> bool {
    let mut prev_space = false;
    text.chunks(32).all(|piece| {
        let mut bad = false;
        for &b in piece {
            let space = b == b' ';
            bad |= (b == b'\t') | (b == b'\r') | (space & prev_space);
            prev_space = space;
        }
        !bad
    })
}

/// The hash of the canonical header data (RFC 6376 section 3.7): the
/// selected fields in `h=` order, then the `DKIM-Signature` field with the
/// `b=` value deleted and without its final CRLF.
///
/// `selected` holds the indices chosen by [`HeaderBlock::select`] (`None`
/// for an absent field, which contributes nothing); `sig_name` is the
/// signature field's name as written and `sig_value` its value, whose bytes
/// in `drop` (the `b=` value, or an empty range) are left out.
pub(crate) fn header_hash(
    block: &HeaderBlock,
    selected: &[Option<usize>],
    alg: CanonicalizationAlgorithm,
    hash: HashAlgorithm,
    sig_name: &[u8],
    sig_value: &[u8],
    drop: Range<usize>,
) -> Vec<u8> {
    let (before, after) = (&sig_value[..drop.start], &sig_value[drop.end..]);
    // Canonical fields are never longer than the raw ones: one allocation.
    let fields = || selected.iter().flatten().filter_map(|&i| block.field(i));
    let mut buf =
        Vec::with_capacity(fields().map(|f| f.raw().len()).sum::<usize>() + sig_name.len() + 1 + sig_value.len());
    for field in fields() {
        canonicalize_field(alg, field.name_as_written(), field.value(), field.raw(), &mut buf);
    }
    match alg {
        CanonicalizationAlgorithm::Simple => {
            buf.extend_from_slice(sig_name);
            buf.push(b':');
            // The value ends with its field's CRLF, which is not hashed; the
            // dropped span lies before it.
            buf.extend_from_slice(before);
            buf.extend_from_slice(after.strip_suffix(b"\r\n").unwrap_or(after));
        }
        CanonicalizationAlgorithm::Relaxed => {
            relaxed_name(sig_name, &mut buf);
            buf.push(b':');
            // No CRLF straddles the cut: `b=`'s value starts after "=" and
            // folding whitespace, and ends before ";" or the final CRLF.
            let mut value = RelaxedValue::default();
            value.feed(before, &mut buf);
            value.feed(after, &mut buf);
        }
    }
    let mut h = hash.hasher();
    h.update(&buf);
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use CanonicalizationAlgorithm::*;

    #[test]
    fn relaxed_rules() {
        let mut out = Vec::new();
        canonicalize_field(Relaxed, b"B ", b" Y\t\r\n\tZ  \r\n", b"B : Y\t\r\n\tZ  \r\n", &mut out);
        assert_eq!(out, b"b:Y Z\r\n");
        out.clear();
        canonicalize_field(Relaxed, b"A", b"", b"A:\r\n", &mut out);
        assert_eq!(out, b"a:\r\n");
    }

    /// RFC 6376 section 3.4.2 step by step: unfold (delete every CRLF),
    /// turn each run of SP and HTAB into one SP, trim SP at both ends.
    fn relaxed_value_oracle(value: &[u8]) -> Vec<u8> {
        let mut unfolded = Vec::new();
        let mut i = 0;
        while i < value.len() {
            if value[i..].starts_with(b"\r\n") {
                i += 2;
            } else {
                unfolded.push(value[i]);
                i += 1;
            }
        }
        let mut collapsed: Vec<u8> = Vec::new();
        for &b in &unfolded {
            let b = if b == b'\t' { b' ' } else { b };
            if !(b == b' ' && collapsed.last() == Some(&b' ')) {
                collapsed.push(b);
            }
        }
        let start = collapsed.iter().position(|&b| b != b' ').unwrap_or(collapsed.len());
        let end = collapsed.iter().rposition(|&b| b != b' ').map_or(start, |p| p + 1);
        collapsed[start..end].to_vec()
    }

    /// Whitespace, folds and bare CR or LF between the words of a value.
    const SEPARATORS: [&[u8]; 7] = [b" ", b"\t", b"\r\n ", b"  ", b"\r", b"\n", b""];

    proptest::proptest! {
        #[test]
        fn relaxed_value_matches_oracle(
            value in proptest::collection::vec(proptest::sample::select(&b" \t\r\nab:"[..]), 0..80),
            prefix in proptest::collection::vec(proptest::sample::select(&b"xy"[..]), 0..3),
        ) {
            let mut out = prefix.clone();
            relaxed_value(&value, &mut out);
            let mut want = prefix;
            want.extend_from_slice(&relaxed_value_oracle(&value));
            proptest::prop_assert_eq!(out, want);
        }

        /// Long words too, so that the 16-byte scan steps are taken.
        #[test]
        fn relaxed_value_matches_oracle_on_long_words(
            parts in proptest::collection::vec(
                (
                    proptest::collection::vec(proptest::sample::select(&b"ab:=;"[..]), 0..40),
                    proptest::sample::select(&SEPARATORS[..]),
                ),
                0..8,
            ),
        ) {
            let value: Vec<u8> = parts.iter().flat_map(|(w, sep)| w.iter().chain(sep.iter()).copied()).collect();
            let mut out = Vec::new();
            relaxed_value(&value, &mut out);
            proptest::prop_assert_eq!(out, relaxed_value_oracle(&value));
        }
    }

    #[test]
    fn dropped_span_hashes_like_an_emptied_copy() {
        let block = HeaderBlock::parse(b"From: a@example.com\r\n".to_vec(), 10).unwrap();
        let value: &[u8] = b" v=1; b= AB\r\n CD ;\r\n\tc=2 \r\n";
        let start = value.windows(2).position(|w| w == b"AB").unwrap();
        let end = start + value[start..].iter().position(|&b| b == b';').unwrap();
        let mut emptied = value.to_vec();
        emptied.drain(start..end);
        for alg in [Simple, Relaxed] {
            let hash = |v: &[u8], drop| {
                header_hash(&block, &[Some(0)], alg, HashAlgorithm::Sha256, b"DKIM-Signature", v, drop)
            };
            assert_eq!(hash(value, start..end), hash(&emptied, 0..0), "{alg:?}");
            assert_ne!(hash(value, start..end), hash(value, 0..0), "{alg:?}");
        }
    }

    #[test]
    fn simple_is_verbatim() {
        let mut out = Vec::new();
        canonicalize_field(Simple, b"B ", b" Y\t\r\n\tZ  \r\n", b"B : Y\t\r\n\tZ  \r\n", &mut out);
        assert_eq!(out, b"B : Y\t\r\n\tZ  \r\n");
    }
}
