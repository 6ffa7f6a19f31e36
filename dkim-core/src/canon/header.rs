//! Header field canonicalization (RFC 6376 sections 3.4.1 and 3.4.2).

use alloc::vec::Vec;

use super::CanonicalizationAlgorithm;
use crate::crypto::HashAlgorithm;
use crate::header::HeaderBlock;

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
    out.reserve(value.len());
    // Whitespace seen after something was written: one SP if more follows.
    let mut pending_space = false;
    let mut started = false;
    let mut rest = value;
    loop {
        // Copy the run up to the next SP, HTAB or CR in one piece. (Runs
        // are words, mostly short: a plain loop beats memchr3's setup.)
        let n = rest.iter().position(|&b| matches!(b, b' ' | b'\t' | b'\r')).unwrap_or(rest.len());
        if n > 0 {
            if pending_space {
                out.push(b' ');
                pending_space = false;
            }
            out.extend_from_slice(&rest[..n]);
            started = true;
        }
        rest = match &rest[n..] {
            [] => return,
            [b'\r', b'\n', tail @ ..] => tail,
            [b'\r', tail @ ..] => {
                // A bare CR is data.
                if pending_space {
                    out.push(b' ');
                    pending_space = false;
                }
                out.push(b'\r');
                started = true;
                tail
            }
            [_, tail @ ..] => {
                pending_space = started;
                tail
            }
        };
    }
}

/// The hash of the canonical header data (RFC 6376 section 3.7): the
/// selected fields in `h=` order, then the `DKIM-Signature` field with the
/// `b=` value deleted and without its final CRLF.
///
/// `selected` holds the indices chosen by [`HeaderBlock::select`] (`None`
/// for an absent field, which contributes nothing); `sig_name` is the
/// signature field's name as written and `sig_value` its value with `b=`
/// emptied.
pub(crate) fn header_hash(
    block: &HeaderBlock,
    selected: &[Option<usize>],
    alg: CanonicalizationAlgorithm,
    hash: HashAlgorithm,
    sig_name: &[u8],
    sig_value: &[u8],
) -> Vec<u8> {
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
            buf.extend_from_slice(sig_value.strip_suffix(b"\r\n").unwrap_or(sig_value));
        }
        CanonicalizationAlgorithm::Relaxed => {
            relaxed_name(sig_name, &mut buf);
            buf.push(b':');
            relaxed_value(sig_value, &mut buf);
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
    }

    #[test]
    fn simple_is_verbatim() {
        let mut out = Vec::new();
        canonicalize_field(Simple, b"B ", b" Y\t\r\n\tZ  \r\n", b"B : Y\t\r\n\tZ  \r\n", &mut out);
        assert_eq!(out, b"B : Y\t\r\n\tZ  \r\n");
    }
}
