//! Every relaxed body-scan path (AVX-512, AVX2, portable: those this
//! processor has) against an independent byte-at-a-time reference, on
//! 40 000 generated bodies, whole and in random chunks, through the
//! canonicalizer and through the body hash. A faster path cannot be a
//! wrong one. The paths this processor lacks are named on stderr.

#![allow(clippy::unwrap_used)]

use dkim_core::canon::{BodyCanonicalizer, CanonicalizationAlgorithm, ScanPath};
use dkim_core::hash::{BodyHashKey, BodyHashes};
use dkim_core::{HashAlgorithm, canon};

const CASES: usize = 40_000;

/// RFC 6376 section 3.4.4, one byte at a time: whitespace runs become one
/// SP, whitespace before a line end goes, empty lines at the end go, and a
/// non-empty body ends with CRLF.
fn reference(input: &[u8]) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut rest = input;
    loop {
        match rest.windows(2).position(|w| w == b"\r\n") {
            Some(i) => {
                lines.push(rest[..i].to_vec());
                rest = &rest[i + 2..];
            }
            None => {
                if !rest.is_empty() {
                    lines.push(rest.to_vec());
                }
                break;
            }
        }
    }
    let mut out = Vec::new();
    let canon_lines: Vec<Vec<u8>> = lines
        .iter()
        .map(|line| {
            let mut l = Vec::new();
            let mut in_wsp = false;
            for &b in line {
                if b == b' ' || b == b'\t' {
                    in_wsp = true;
                } else {
                    if in_wsp {
                        l.push(b' ');
                    }
                    in_wsp = false;
                    l.push(b);
                }
            }
            l
        })
        .collect();
    let keep = canon_lines.iter().rposition(|l| !l.is_empty()).map_or(0, |i| i + 1);
    for l in &canon_lines[..keep] {
        out.extend_from_slice(l);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A body shaped to hit the scan's edges: whitespace runs of every length
/// (crossing 32- and 64-byte blocks), tabs, bare CR and LF, CRLF runs,
/// long plain stretches, lines of 1 to 200 bytes.
fn body(rng: &mut Rng) -> Vec<u8> {
    let len = match rng.below(10) {
        0 => rng.below(8),
        1..=6 => rng.below(300),
        _ => 300 + rng.below(3000),
    };
    let mut b = Vec::with_capacity(len + 64);
    while b.len() < len {
        match rng.below(12) {
            0 => b.extend(std::iter::repeat_n(b' ', 1 + rng.below(70))),
            1 => b.push(b'\t'),
            2 => b.extend_from_slice(b"\r\n"),
            3 => b.extend(std::iter::repeat_n(b"\r\n", 1 + rng.below(4)).flatten()),
            4 => b.push([b'\r', b'\n'][rng.below(2)]),
            5 => b.extend_from_slice(b" \t \t"),
            6 => b.extend(std::iter::repeat_n(b'x', 1 + rng.below(150))),
            _ => b.extend((0..1 + rng.below(12)).map(|_| b"abc=.;:-_0123456789"[rng.below(19)])),
        }
    }
    b
}

fn chunks<'a>(rng: &mut Rng, body: &'a [u8]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = (0..rng.below(5)).map(|_| rng.below(body.len() + 1)).collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut prev = 0;
    for c in cuts {
        out.push(&body[prev..c]);
        prev = c;
    }
    out.push(&body[prev..]);
    out
}

fn canonicalize(path: ScanPath, chunks: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut c = BodyCanonicalizer::with_scan_path(CanonicalizationAlgorithm::Relaxed, path);
    assert_eq!(c.scan_path(), path);
    for ch in chunks {
        c.update(ch, &mut |s: &[u8]| out.extend_from_slice(s));
    }
    c.finish(&mut |s: &[u8]| out.extend_from_slice(s));
    out
}

fn hash(path: ScanPath, chunks: &[&[u8]]) -> Vec<u8> {
    let mut set = BodyHashes::with_scan_path(path);
    set.add(BodyHashKey {
        canonicalization: CanonicalizationAlgorithm::Relaxed,
        hash: HashAlgorithm::Sha256,
        length: None,
    });
    for ch in chunks {
        set.update(ch);
    }
    set.finish().remove(0).digest
}

fn paths() -> Vec<ScanPath> {
    let (have, lack): (Vec<ScanPath>, Vec<ScanPath>) = ScanPath::ALL.into_iter().partition(|p| p.is_available());
    for p in &lack {
        eprintln!("this processor cannot run the {p} path: not checked here");
    }
    have
}

#[test]
fn every_path_matches_the_reference_on_40000_bodies() {
    let paths = paths();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..CASES {
        let body = body(&mut rng);
        let want = reference(&body);
        let pieces = chunks(&mut rng, &body);
        for &path in &paths {
            assert_eq!(
                canonicalize(path, &[&body]),
                want,
                "case {case}, {path}, whole: {:?}",
                String::from_utf8_lossy(&body)
            );
            assert_eq!(canonicalize(path, &pieces), want, "case {case}, {path}, chunked {:?}", pieces);
        }
    }
}

#[test]
fn every_path_gives_the_same_body_hash() {
    use sha2::Digest as _;
    let paths = paths();
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for case in 0..2_000 {
        // Longer bodies: the staging buffer and its flushes.
        let mut body = Vec::new();
        for _ in 0..1 + rng.below(40) {
            body.extend_from_slice(&self::body(&mut rng));
        }
        let want = sha2::Sha256::digest(reference(&body)).to_vec();
        let pieces = chunks(&mut rng, &body);
        for &path in &paths {
            assert_eq!(hash(path, &pieces), want, "case {case}, {path}");
        }
    }
}

#[test]
fn forcing_a_path_changes_what_new_objects_use() {
    let _ = canon::ScanPath::force(Some(ScanPath::Portable));
    assert_eq!(BodyCanonicalizer::new(CanonicalizationAlgorithm::Relaxed).scan_path(), ScanPath::Portable);
    canon::ScanPath::force(None).unwrap();
    assert_eq!(BodyCanonicalizer::new(CanonicalizationAlgorithm::Relaxed).scan_path(), ScanPath::best());
    for p in ScanPath::ALL {
        assert_eq!(canon::ScanPath::force(Some(p)).is_ok(), p.is_available(), "{p}");
    }
    canon::ScanPath::force(None).unwrap();
}
