//! The corpus' `canon/` folder (found by `dkim_testkit::Corpus`; skipped
//! without it): every body and header vector and every `c=` value.
//!
//! Implementation-specific vectors (inputs RFC 6376 leaves undefined) and
//! our choices:
//! - bare LF in the body (`go-msgauth-simple-7`, `-10`): by default a bare LF
//!   is data, as RFC 6376 (CRLF input) implies; go-msgauth's output is what
//!   we produce with `LineEndings::NormalizeLf`. Both are asserted.
//! - a trailing bare CR (`go-msgauth-simple-9`): data, then the final CRLF
//!   is added; this matches the vector.
//! - whitespace before the first field name or inside a field name
//!   (`mail-auth-2-header-*`, `mail-auth-4-header-*`): such a header is
//!   malformed (a continuation line with no field before it, or a name
//!   with a space); we refuse it with a typed `HeaderError` instead of
//!   guessing, so a signature over it cannot verify.

#![allow(clippy::unwrap_used)]

use dkim_core::canon::header::canonicalize_field;
use dkim_core::canon::{BodyCanonicalizer, CanonicalizationAlgorithm};
use dkim_core::header::{HeaderBlock, HeaderError, LfNormalizer};
use dkim_core::{Canonicalization, Limits, Signature, SignatureError};
use dkim_testkit::Corpus;
use dkim_testkit::expected::unescape;

fn alg(name: &str) -> CanonicalizationAlgorithm {
    match name {
        "simple" => CanonicalizationAlgorithm::Simple,
        "relaxed" => CanonicalizationAlgorithm::Relaxed,
        other => panic!("unknown canon {other}"),
    }
}

fn canon_body(alg: CanonicalizationAlgorithm, chunks: &[&[u8]], lf: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut c = BodyCanonicalizer::new(alg);
    let mut norm = LfNormalizer::default();
    let mut buf = Vec::new();
    for ch in chunks {
        let input: &[u8] = if lf {
            norm.normalize(ch, &mut buf);
            &buf
        } else {
            ch
        };
        c.update(input, &mut |s: &[u8]| out.extend_from_slice(s));
    }
    c.finish(&mut |s: &[u8]| out.extend_from_slice(s));
    out
}

fn b64_sha256(data: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    use sha2::{Digest, Sha256};
    Base64::encode_string(&Sha256::digest(data))
}

#[test]
fn body_vectors() {
    let Some(corpus) = Corpus::open("dkim-core canon body") else { return };
    let rows = corpus.tsv("canon/body.tsv");
    assert_eq!(rows.len(), 50, "body.tsv rows");
    let mut specific = 0;
    for row in &rows {
        let [id, canon, input, chunks, output, bh, _source, note] = &row[..] else { panic!("row {row:?}") };
        let input = unescape(input);
        let want = unescape(output);
        let alg = alg(canon);
        let pieces: Vec<&[u8]> = if chunks == "-" {
            vec![&input[..]]
        } else {
            let mut v = Vec::new();
            let mut at = 0;
            for n in chunks.split(',') {
                let n: usize = n.parse().unwrap();
                v.push(&input[at..at + n]);
                at += n;
            }
            assert_eq!(at, input.len(), "{id}: chunk lengths");
            v
        };
        assert_eq!(b64_sha256(&want), *bh, "{id}: the vector's own bh");
        let bare_lf = input.windows(1).enumerate().any(|(i, w)| w == b"\n" && (i == 0 || input[i - 1] != b'\r'));
        if note.starts_with("implementation-specific") && bare_lf {
            specific += 1;
            // Ours by default: LF is data.
            let ours = canon_body(alg, &pieces, false);
            assert_ne!(ours, want, "{id}: default CRLF mode keeps bare LF as data");
            assert!(ours.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'), "{id}: bare LF kept");
            // go-msgauth's behaviour is our explicit option.
            assert_eq!(canon_body(alg, &pieces, true), want, "{id}: with LineEndings::NormalizeLf");
            continue;
        }
        if note.starts_with("implementation-specific") {
            specific += 1;
        }
        assert_eq!(canon_body(alg, &pieces, false), want, "{id}: as chunked upstream");
        assert_eq!(canon_body(alg, &[&input], false), want, "{id}: whole");
        let bytewise: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(canon_body(alg, &bytewise, false), want, "{id}: byte by byte");
        let h = dkim_core::hash::body_hash(alg, dkim_core::HashAlgorithm::Sha256, &input);
        use base64ct::Encoding;
        assert_eq!(base64ct::Base64::encode_string(&h.digest), *bh, "{id}: bh via body_hash");
    }
    corpus.report_vectors(rows.len(), "body vectors");
    assert_eq!(specific, 3, "implementation-specific body rows");
}

#[test]
fn header_vectors() {
    let Some(corpus) = Corpus::open("dkim-core canon header") else { return };
    let rows = corpus.tsv("canon/header.tsv");
    assert_eq!(rows.len(), 22, "header.tsv rows");
    let mut refused = 0;
    for row in &rows {
        let [id, canon, input, output, _source, note] = &row[..] else { panic!("row {row:?}") };
        let input = unescape(input);
        let want = unescape(output);
        let block = match HeaderBlock::parse(input.clone(), 100) {
            Ok(b) => b,
            Err(e) => {
                assert!(note.starts_with("implementation-specific"), "{id}: refused a defined input: {e}");
                assert!(
                    matches!(e, HeaderError::LeadingContinuation | HeaderError::InvalidFieldName { .. }),
                    "{id}: {e:?}"
                );
                refused += 1;
                continue;
            }
        };
        let mut out = Vec::new();
        for f in block.fields() {
            let name_as_written = &f.raw()[..f.raw().len() - f.value().len() - 1];
            canonicalize_field(alg(canon), name_as_written, f.value(), f.raw(), &mut out);
        }
        assert_eq!(out, want, "{id}");
    }
    corpus.report_vectors(rows.len(), "header vectors");
    assert_eq!(refused, 4, "the four malformed implementation-specific header rows are refused");
}

#[test]
fn c_values() {
    let Some(corpus) = Corpus::open("dkim-core canon c=") else { return };
    let rows = corpus.tsv("canon/c-values.tsv");
    assert_eq!(rows.len(), 9);
    for row in &rows {
        let [c, result, ..] = &row[..] else { panic!("row {row:?}") };
        let base = "v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=AAAA; b=AAAA";
        let field = match c.as_str() {
            "-" => base.to_string(),
            "\"\"" => format!("{base}; c="),
            other => format!("{base}; c={other}"),
        };
        let parsed = Signature::parse(field.as_bytes(), &Limits::default());
        if result == "invalid" {
            assert!(matches!(parsed, Err(SignatureError::UnsupportedCanonicalization(_))), "c={c}: {parsed:?}");
        } else {
            let sig = parsed.unwrap_or_else(|e| panic!("c={c}: {e}"));
            assert_eq!(sig.canonicalization().to_string(), *result, "c={c}");
            assert_eq!(Canonicalization::parse(&sig.canonicalization().to_string()), Some(sig.canonicalization()));
        }
    }
    corpus.report_vectors(rows.len(), "c= values");
}
