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
    out.extend(name[..end].iter().map(u8::to_ascii_lowercase));
}

/// Unfolds, compresses whitespace runs to one SP, and trims both ends.
/// CRLF pairs are removed (unfolding); bare CR and LF are data.
pub(crate) fn relaxed_value(value: &[u8], out: &mut Vec<u8>) {
    let mut pending_space = false;
    let mut started = false;
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        if b == b'\r' && value.get(i + 1) == Some(&b'\n') {
            i += 2;
            continue;
        }
        if b == b' ' || b == b'\t' {
            pending_space = started;
        } else {
            if pending_space {
                out.push(b' ');
                pending_space = false;
            }
            out.push(b);
            started = true;
        }
        i += 1;
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
    let mut buf = Vec::with_capacity(1024);
    for field in selected.iter().flatten().filter_map(|&i| block.field(i)) {
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

    #[test]
    fn simple_is_verbatim() {
        let mut out = Vec::new();
        canonicalize_field(Simple, b"B ", b" Y\t\r\n\tZ  \r\n", b"B : Y\t\r\n\tZ  \r\n", &mut out);
        assert_eq!(out, b"B : Y\t\r\n\tZ  \r\n");
    }
}
