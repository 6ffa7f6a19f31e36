//! Body hash throughput: dkim-core's canonicalize-and-hash against plain SHA-256 over the same bytes.
//!
//! Group `body_hash` hashes a whole body in one call; group `body_hash_chunked` feeds the same body in 4 KiB
//! chunks, as a streaming verifier would. In both groups `raw_sha256` is the ceiling: the canonicalizer can only
//! add work on top of the hash.
//!
//! Those groups hash the same body again and again, and a processor's branch history learns up to a megabyte or two
//! of it. Group `body_hash_unseen` hashes 16 different bodies of about 1 MiB in turn (16 MiB of text per iteration),
//! as a server sees mail: text the processor has not seen.
//!
//! `DKIM_SCAN_PATH=avx512|avx2|portable` forces the relaxed scan's path (`dkim_core::canon::ScanPath::force`), so
//! each path is measured on any machine that has it; `floors.py --paths` runs the groups once per path.

mod mail;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use dkim_core::HashAlgorithm;
use dkim_core::canon::{BodyCanonicalizer, CanonicalizationAlgorithm, ScanPath};
use dkim_core::hash::{BodyHash, BodyHashKey, BodyHashes, body_hash};
use mail::{TRAILER, mail_body};
use sha2::{Digest, Sha256};

/// Body sizes: label and exact byte length.
const SIZES: [(&str, usize); 3] = [("1KiB", 1024), ("64KiB", 64 * 1024), ("1MiB", 1024 * 1024)];

/// Chunk size of the streaming group.
const CHUNK: usize = 4096;

const ALGORITHMS: [(&str, CanonicalizationAlgorithm); 2] =
    [("simple", CanonicalizationAlgorithm::Simple), ("relaxed", CanonicalizationAlgorithm::Relaxed)];

// ---------------------------------------------------------------------------------------------------------------
// Sanity checks, run once before timing
// ---------------------------------------------------------------------------------------------------------------

/// RFC 6376 section 3.4.4 transcribed line by line (bodies here have only CRLF line ends).
fn relaxed_oracle(body: &[u8]) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for line in body.strip_suffix(b"\r\n").unwrap_or(body).split(|&c| c == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut o = Vec::with_capacity(line.len());
        let mut wsp = false;
        for &c in line {
            if c == b' ' || c == b'\t' {
                wsp = true;
            } else {
                if wsp {
                    o.push(b' ');
                }
                wsp = false;
                o.push(c);
            }
        }
        lines.push(o);
    }
    while lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    lines.iter().flat_map(|l| l.iter().chain(b"\r\n")).copied().collect()
}

fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

fn raw_sha256_chunked(body: &[u8]) -> sha2::digest::Output<Sha256> {
    let mut h = Sha256::new();
    for chunk in body.chunks(CHUNK) {
        h.update(chunk);
    }
    h.finalize()
}

fn body_hash_chunked(alg: CanonicalizationAlgorithm, body: &[u8]) -> BodyHash {
    let mut set = BodyHashes::new();
    let id = set.add(BodyHashKey { canonicalization: alg, hash: HashAlgorithm::Sha256, length: None });
    for chunk in body.chunks(CHUNK) {
        set.update(chunk);
    }
    set.finish().swap_remove(id.index())
}

fn check(label: &str, body: &[u8]) {
    let count = |pat: &[u8]| body.windows(pat.len()).filter(|w| *w == pat).count();
    assert!(body.ends_with(b"\r\n\r\n\r\n\r\n") && !body.ends_with(b"\r\n\r\n\r\n\r\n\r\n"), "{label}: trailer");
    assert!(body.windows(2).all(|w| (w[0] == b'\r') == (w[1] == b'\n')), "{label}: only CRLF line ends");
    if body.len() > 4096 {
        // The relaxed-specific paths are exercised.
        assert!(count(b"\t") > 0 && count(b"  ") > 0 && count(b" \r\n") > 0, "{label}: whitespace mix");
    }

    let raw = sha256(body);
    assert_eq!(raw, raw_sha256_chunked(body).to_vec(), "{label}: raw chunked");

    // simple only drops the three trailing empty lines.
    let simple = body_hash(CanonicalizationAlgorithm::Simple, HashAlgorithm::Sha256, body);
    assert_eq!(simple.canonical_length, (body.len() - TRAILER.len()) as u64, "{label}: simple length");
    assert_eq!(simple.digest, sha256(&body[..body.len() - TRAILER.len()]), "{label}: simple digest");
    assert_ne!(simple.digest, raw, "{label}: simple differs from raw by the trailing lines");
    assert_eq!(simple, body_hash_chunked(CanonicalizationAlgorithm::Simple, body), "{label}: simple chunked");

    // relaxed matches the line-by-line oracle, whole and in chunks, through both APIs.
    let want = relaxed_oracle(body);
    let relaxed = body_hash(CanonicalizationAlgorithm::Relaxed, HashAlgorithm::Sha256, body);
    assert_eq!(relaxed.canonical_length, want.len() as u64, "{label}: relaxed length");
    assert_eq!(relaxed.digest, sha256(&want), "{label}: relaxed digest");
    assert_eq!(relaxed, body_hash_chunked(CanonicalizationAlgorithm::Relaxed, body), "{label}: relaxed chunked");
    let mut streamed = Vec::with_capacity(body.len());
    let mut canon = BodyCanonicalizer::new(CanonicalizationAlgorithm::Relaxed);
    for chunk in body.chunks(CHUNK) {
        canon.update(chunk, &mut |s: &[u8]| streamed.extend_from_slice(s));
    }
    canon.finish(&mut |s: &[u8]| streamed.extend_from_slice(s));
    assert!(streamed == want, "{label}: relaxed canonicalizer output");
    if body.len() > 4096 {
        assert!(want.len() < simple.canonical_length as usize, "{label}: relaxed compresses whitespace");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------------------------

fn bodies() -> Vec<(&'static str, Vec<u8>)> {
    SIZES
        .iter()
        .map(|&(label, size)| {
            let body = mail_body(size);
            assert_eq!(body.len(), size, "{label}: size");
            check(label, &body);
            (label, body)
        })
        .collect()
}

fn bench_body_hash(c: &mut Criterion) {
    let bodies = bodies();

    let mut group = c.benchmark_group("body_hash");
    for (label, body) in &bodies {
        let body = body.as_slice();
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("raw_sha256", label), body, |b, body| {
            b.iter(|| Sha256::digest(black_box(body)))
        });
        for (name, alg) in ALGORITHMS {
            group.bench_with_input(BenchmarkId::new(name, label), body, |b, body| {
                b.iter(|| body_hash(alg, HashAlgorithm::Sha256, black_box(body)))
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("body_hash_chunked");
    for (label, body) in &bodies {
        let body = body.as_slice();
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(BenchmarkId::new("raw_sha256", label), body, |b, body| {
            b.iter(|| raw_sha256_chunked(black_box(body)))
        });
        for (name, alg) in ALGORITHMS {
            group.bench_with_input(BenchmarkId::new(name, label), body, |b, body| {
                b.iter(|| body_hash_chunked(alg, black_box(body)))
            });
        }
    }
    group.finish();

    // 16 distinct bodies (the generator's seed depends on the size), 16 MiB in all.
    let unseen: Vec<Vec<u8>> = (0..16)
        .map(|k| {
            let body = mail_body(1024 * 1024 + 64 * k);
            check("unseen", &body);
            body
        })
        .collect();
    let total: usize = unseen.iter().map(Vec::len).sum();
    let mut group = c.benchmark_group("body_hash_unseen");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function(BenchmarkId::new("raw_sha256", "16x1MiB"), |b| {
        b.iter(|| unseen.iter().map(|body| Sha256::digest(black_box(body))[0]).fold(0u8, u8::wrapping_add))
    });
    for (name, alg) in ALGORITHMS {
        group.bench_function(BenchmarkId::new(name, "16x1MiB"), |b| {
            b.iter(|| {
                unseen
                    .iter()
                    .map(|body| body_hash(alg, HashAlgorithm::Sha256, black_box(body)).digest[0])
                    .fold(0u8, u8::wrapping_add)
            })
        });
    }
    group.finish();
}

/// Forces the path `DKIM_SCAN_PATH` names, if any; exits with status 3 when this processor cannot run it.
fn force_scan_path() {
    let Ok(name) = std::env::var("DKIM_SCAN_PATH") else {
        eprintln!("body scan path: {} (the best this processor has)", ScanPath::current());
        return;
    };
    let Some(path) = ScanPath::parse(&name) else {
        eprintln!("DKIM_SCAN_PATH={name}: expected avx512, avx2 or portable");
        std::process::exit(2);
    };
    if let Err(e) = ScanPath::force(Some(path)) {
        eprintln!("DKIM_SCAN_PATH={name}: {e}");
        std::process::exit(3);
    }
    eprintln!("body scan path: {path} (forced)");
}

criterion_group!(benches, bench_body_hash);

fn main() {
    force_scan_path();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
