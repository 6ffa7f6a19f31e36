//! Header canonicalization (RFC 6376 sections 3.4.1 and 3.4.2) of arbitrary
//! field bytes.
//!
//! The input is split into a header block (up to the first empty line) and
//! its fields with `HeaderBlock::parse`; each field, and the whole input
//! taken as one field (name up to the first colon), is canonicalized both
//! ways. Properties:
//!
//! - `simple` is the field exactly as written;
//! - `relaxed` is `name:value CRLF` with a lower-case name, no tab, no
//!   whitespace run, no whitespace around the value;
//! - `relaxed` does not see folding, tabs or the case of the name: the field
//!   refolded at every space, with an upper-case name, canonicalizes the same;
//! - `relaxed` is idempotent on its own output, unless that output carries a
//!   CRLF made of a bare CR and a bare LF that the input held apart (bare CR
//!   and LF are data, and an unfolding pass removes every CRLF); for a field
//!   without bare CR or LF the output has no CR or LF but the last CRLF.

use dkim_core::CanonicalizationAlgorithm::{Relaxed, Simple};
use dkim_core::canon::header::canonicalize_field;
use dkim_core::header::HeaderBlock;

/// The property check of one input.
pub fn check(data: &[u8]) {
    let block_len = data.windows(4).position(|w| w == b"\r\n\r\n").map_or(data.len(), |p| p + 2);
    if let Ok(block) = HeaderBlock::parse(data[..block_len].to_vec(), 1000) {
        let mut joined = Vec::with_capacity(block_len);
        for field in block.fields() {
            let raw = field.raw();
            assert!(raw.len() > field.value().len(), "value longer than the field");
            let colon = raw.len() - field.value().len() - 1;
            assert_eq!(raw[colon], b':');
            let name = &raw[..colon];
            assert!(name.starts_with(field.name()));
            assert!(name[field.name().len()..].iter().all(|b| matches!(b, b' ' | b'\t')));
            assert_eq!(&data[field.offset()..field.offset() + raw.len()], raw);
            joined.extend_from_slice(raw);
            check_field(name, field.value(), raw);
        }
        assert_eq!(joined, &data[..block_len], "the fields do not cover the header block");
    }
    if let Some(colon) = data.iter().position(|&b| b == b':') {
        check_field(&data[..colon], &data[colon + 1..], data);
    }
}

/// `name` is the name as written (no colon in it), `value` what follows the
/// colon, `raw` the whole field.
fn check_field(name: &[u8], value: &[u8], raw: &[u8]) {
    assert!(!name.contains(&b':'));
    let mut simple = Vec::new();
    canonicalize_field(Simple, name, value, raw, &mut simple);
    assert_eq!(simple, raw);

    let canon = relaxed(name, value);
    assert!(canon.ends_with(b"\r\n"), "{canon:?}");
    let body = &canon[..canon.len() - 2];
    let colon = body.iter().position(|&b| b == b':').expect("relaxed output has a colon");
    let (out_name, out_value) = (&body[..colon], &body[colon + 1..]);
    let trimmed = name.iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(&name[..0], |p| &name[..=p]);
    assert_eq!(out_name, trimmed.to_ascii_lowercase());
    assert!(!out_value.contains(&b'\t'), "tab in {canon:?}");
    assert!(!out_value.windows(2).any(|w| w == b"  "), "whitespace run in {canon:?}");
    assert!(!out_value.starts_with(b" ") && !out_value.ends_with(b" "), "untrimmed value in {canon:?}");

    // Refolded at every space, tabs for spaces, upper-case name with
    // whitespace before the colon.
    let mut folded_name = name.to_ascii_uppercase();
    folded_name.extend_from_slice(b" \t");
    let mut folded_value = Vec::with_capacity(value.len() * 2);
    for &b in value {
        match b {
            b' ' => folded_value.extend_from_slice(b"\r\n\t"),
            b'\t' => folded_value.extend_from_slice(b" \t "),
            _ => folded_value.push(b),
        }
    }
    assert_eq!(relaxed(&folded_name, &folded_value), canon, "refolding changes the relaxed form");

    let bare = |s: &[u8]| {
        s.iter().enumerate().any(|(i, &b)| {
            (b == b'\r' && s.get(i + 1) != Some(&b'\n')) || (b == b'\n' && (i == 0 || s[i - 1] != b'\r'))
        })
    };
    if !bare(value) {
        assert!(!out_value.contains(&b'\r') && !out_value.contains(&b'\n'), "line break kept in {canon:?}");
    }
    if !out_value.windows(2).any(|w| w == b"\r\n") {
        assert_eq!(relaxed(out_name, &canon[colon + 1..]), canon, "relaxed is not idempotent");
    }
}

fn relaxed(name: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    canonicalize_field(Relaxed, name, value, b"", &mut out);
    out
}
