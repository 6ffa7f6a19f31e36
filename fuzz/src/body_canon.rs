//! Body canonicalization (RFC 6376 sections 3.4.3 and 3.4.4), `simple` and
//! `relaxed`, and body hashing.
//!
//! Input: a 4-byte chunk-length pattern (see `dkim_fuzz::Chunks`), then the
//! body. Properties:
//!
//! - the body fed whole and fed in chunks canonicalizes to the same bytes;
//! - `hash::body_hash` of the whole body, and a `BodyHashes` set fed the
//!   chunks (both algorithms, SHA-1 and SHA-256, and an `l=` taken from the
//!   pattern, all in one set), give the SHA digests of those bytes, and the
//!   right lengths;
//! - the output has the shape the RFC defines: it ends with a CRLF (or is
//!   empty, for `relaxed`), has no trailing empty line, and for `relaxed` no
//!   tab, no whitespace run and no whitespace before a CRLF;
//! - canonicalizing the output again changes nothing.

use crate::{Chunks, split_pattern};
use dkim_core::CanonicalizationAlgorithm::{self, Relaxed, Simple};
use dkim_core::HashAlgorithm::{Sha1, Sha256};
use dkim_core::canon::BodyCanonicalizer;
use dkim_core::hash::{BodyHashKey, BodyHashes, body_hash};
use sha2::Digest;

/// The property check of one input.
pub fn check(data: &[u8]) {
    let (pattern, body) = split_pattern(data);
    let length =
        u64::from(u16::from_le_bytes([pattern.first().copied().unwrap_or(0), pattern.get(1).copied().unwrap_or(0)]));

    let mut set = BodyHashes::new();
    let mut ids = Vec::new();
    for alg in [Simple, Relaxed] {
        let full = set.add(BodyHashKey { canonicalization: alg, hash: Sha256, length: None });
        let sha1 = set.add(BodyHashKey { canonicalization: alg, hash: Sha1, length: None });
        let limited = set.add(BodyHashKey { canonicalization: alg, hash: Sha256, length: Some(length) });
        ids.push((alg, full, sha1, limited));
    }
    for chunk in Chunks::new(pattern, body) {
        set.update(chunk);
    }
    let hashes = set.finish();

    for (alg, full, sha1, limited) in ids {
        let whole = canonicalize(alg, [body]);
        let chunked = canonicalize(alg, Chunks::new(pattern, body));
        assert_eq!(whole, chunked, "{alg:?}: chunking changes the canonical body");
        check_shape(alg, &whole);
        assert_eq!(canonicalize(alg, [&whole[..]]), whole, "{alg:?} is not idempotent");

        let reference = body_hash(alg, Sha256, body);
        assert_eq!(reference.digest, sha2::Sha256::digest(&whole).to_vec(), "{alg:?}: body_hash digest");
        assert_eq!(reference.canonical_length, whole.len() as u64);
        assert_eq!(reference.hashed_length, whole.len() as u64);

        assert_eq!(hashes[full.index()], reference, "{alg:?}: chunked BodyHashes differs from body_hash");
        let h1 = &hashes[sha1.index()];
        assert_eq!(h1.digest, sha1::Sha1::digest(&whole).to_vec(), "{alg:?}: SHA-1 digest");
        assert_eq!(h1.canonical_length, whole.len() as u64);
        let hl = &hashes[limited.index()];
        let cut = whole.len().min(usize::try_from(length).unwrap_or(usize::MAX));
        assert_eq!(hl.digest, sha2::Sha256::digest(&whole[..cut]).to_vec(), "{alg:?}: l={length} digest");
        assert_eq!(hl.hashed_length, cut as u64);
        assert_eq!(hl.canonical_length, whole.len() as u64);
    }
}

fn canonicalize<'a>(alg: CanonicalizationAlgorithm, chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut sink = |s: &[u8]| out.extend_from_slice(s);
    let mut c = BodyCanonicalizer::new(alg);
    for chunk in chunks {
        c.update(chunk, &mut sink);
    }
    c.finish(&mut sink);
    out
}

fn check_shape(alg: CanonicalizationAlgorithm, out: &[u8]) {
    match alg {
        Simple => {
            assert!(out.ends_with(b"\r\n"), "simple body without final CRLF: {out:?}");
            assert!(!out.ends_with(b"\r\n\r\n"), "trailing empty line: {out:?}");
        }
        _ => {
            assert!(out.is_empty() || out.ends_with(b"\r\n"), "relaxed body without final CRLF: {out:?}");
            assert!(out != b"\r\n" && !out.ends_with(b"\r\n\r\n"), "trailing empty line: {out:?}");
            assert!(!out.contains(&b'\t'), "tab kept: {out:?}");
            assert!(!out.windows(2).any(|w| w == b"  "), "whitespace run: {out:?}");
            assert!(!out.windows(3).any(|w| w == b" \r\n"), "whitespace at a line end: {out:?}");
        }
    }
}
