//! A day of mail, at MTA scale: 2 000 messages whose sizes follow a log-normal distribution (median 8 KiB, a tail
//! to 4 MiB), each with 1 to 3 signatures (each RSA-2048 or Ed25519, half and half) from 200 signing domains, keys
//! preloaded (no DNS). One iteration verifies the whole corpus on one thread, so criterion's elements per second are
//! messages per second per core.
//!
//! Group `corpus`: `ours` (dkim-core, RustCrypto backend), `ours_aws_lc` (dkim-core with `Policy::backend(&AwsLcRs)`)
//! and `mail_auth` (stalwartlabs/mail-auth 0.15, RustCrypto, its cache prefilled with the parsed keys). Every
//! message is checked to pass with each before timing. The corpus is generated at start (deterministic), not stored.

mod baseline;
mod mail;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dkim_core::{
    AwsLcRs, Dnssec, HeaderStatus, KeyAnswer, KeyRecord, Limits, Policy, PrivateKey, RustCrypto, SignSession, Signer,
    Step, Verdict, Verifier, VerifyingBackend,
};
use mail::mail_body;

const MESSAGES: usize = 2_000;
const DOMAINS: usize = 200;
const MEDIAN: f64 = 8.0 * 1024.0;
/// Log-normal sigma: about one message in 10 000 reaches the 4 MiB cap.
const SIGMA: f64 = 1.6;
const MAX_SIZE: usize = 4 * 1024 * 1024;
const MIN_SIZE: usize = 512;
const NOW: u64 = 1_800_000_000;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A standard normal sample (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(f64::MIN_POSITIVE);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

fn key(file: &str) -> PrivateKey {
    let path = format!("{}/../examples/data/{file}", env!("CARGO_MANIFEST_DIR"));
    PrivateKey::from_pem(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn domain(i: usize) -> String {
    format!("d{i:03}.example")
}

/// The key records of every domain: selector `rsa` and `ed` (the example keys, one record per domain and kind).
fn records(rsa: &PrivateKey, ed: &PrivateKey) -> Vec<(String, String)> {
    (0..DOMAINS)
        .flat_map(|i| {
            [("rsa", "rsa", rsa), ("ed", "ed25519", ed)].map(|(selector, k, key)| {
                (
                    format!("{selector}._domainkey.{}", domain(i)),
                    format!("v=DKIM1; k={k}; p={}", key.public_key_base64()),
                )
            })
        })
        .collect()
}

/// The corpus: signed messages, and the size distribution it came out with.
fn corpus(rsa: &PrivateKey, ed: &PrivateKey) -> Vec<Vec<u8>> {
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    (0..MESSAGES)
        .map(|n| {
            let size = ((MEDIAN.ln() + SIGMA * rng.normal()).exp() as usize).clamp(MIN_SIZE, MAX_SIZE);
            let from = domain(rng.below(DOMAINS));
            let header = format!(
                "Received: from mail.{from} (mail.{from} [192.0.2.{}])\r\n\tby mx.example.net with ESMTPS id {n:08X}\r\n\tfor <bob@example.net>; Sat, 14 Nov 2026 10:00:02 +0000\r\n\
                 From: Sender {n} <sender{n}@{from}>\r\nTo: Bob <bob@example.net>\r\nSubject: Message {n} of the day\r\n\
                 Date: Sat, 14 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{n}.{size}@{from}>\r\nMIME-Version: 1.0\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\r\n",
                n % 250
            );
            let mut message = header.into_bytes();
            message.extend_from_slice(&mail_body(size));
            let signers: Vec<Signer<&PrivateKey>> = (0..1 + rng.below(3))
                .map(|k| {
                    // The author's domain first, then third parties (a list, an ESP).
                    let d = if k == 0 { from.clone() } else { domain(rng.below(DOMAINS)) };
                    let (key, selector) = if rng.below(2) == 0 { (rsa, "rsa") } else { (ed, "ed") };
                    Signer::builder(key, &d, selector).timestamp(NOW - 60).build().expect("signer")
                })
                .collect();
            let mut session = SignSession::new(signers);
            let HeaderStatus::Complete(at) = session.headers(&message).expect("header") else { panic!("header") };
            session.body(&message[at..]);
            let mut signed = session.finish().expect("sign").concat().into_bytes();
            signed.extend_from_slice(&message);
            signed
        })
        .collect()
}

/// Verifies one message with parsed keys from `keys` (sorted by name); the number of passing signatures.
fn verify(message: &[u8], keys: &[(String, Arc<KeyRecord>)], backend: &'static dyn VerifyingBackend) -> usize {
    let mut v = Verifier::new(Policy::default().backend(backend), NOW);
    let HeaderStatus::Complete(n) = v.headers(message).expect("header") else { panic!("header incomplete") };
    if let Step::NeedKeys(requests) = v.step() {
        for r in requests {
            let answer = match keys.binary_search_by(|(name, _)| name.as_str().cmp(r.name())) {
                Ok(i) => KeyAnswer::Parsed { record: Arc::clone(&keys[i].1), dnssec: Dnssec::Unknown },
                Err(_) => KeyAnswer::NoRecord,
            };
            v.answer_key(r.id(), answer);
        }
    }
    v.body(&message[n..]);
    v.finish().expect("finish");
    v.into_results().iter().filter(|r| r.verdict() == Verdict::Pass).count()
}

fn bench_corpus(c: &mut Criterion) {
    let (rsa, ed) = (key("rsa2048.pem"), key("ed25519.pem"));
    let started = std::time::Instant::now();
    let messages = corpus(&rsa, &ed);
    let records = records(&rsa, &ed);
    let mut parsed: Vec<(String, Arc<KeyRecord>)> = records
        .iter()
        .map(|(name, text)| {
            (name.clone(), Arc::new(KeyRecord::parse(text.as_bytes(), &Limits::default()).expect("record")))
        })
        .collect();
    parsed.sort_by(|a, b| a.0.cmp(&b.0));
    let baseline = baseline::Baseline::new(&records);

    let mut sizes: Vec<usize> = messages.iter().map(Vec::len).collect();
    sizes.sort_unstable();
    let signatures: usize = messages.iter().map(|m| verify(m, &parsed, &RustCrypto)).sum();
    eprintln!(
        "corpus: {MESSAGES} messages, {signatures} signatures, {:.1} MiB, sizes p50 {} KiB, p90 {} KiB, p99 {} KiB, max {} KiB (built in {:.1} s)",
        sizes.iter().sum::<usize>() as f64 / (1 << 20) as f64,
        sizes[MESSAGES / 2] / 1024,
        sizes[MESSAGES * 9 / 10] / 1024,
        sizes[MESSAGES * 99 / 100] / 1024,
        sizes[MESSAGES - 1] / 1024,
        started.elapsed().as_secs_f64()
    );
    for (i, m) in messages.iter().enumerate() {
        let want = m.windows(16).filter(|w| w == b"DKIM-Signature: ").count();
        assert_eq!(verify(m, &parsed, &RustCrypto), want, "message {i}: ours");
        assert_eq!(verify(m, &parsed, &AwsLcRs), want, "message {i}: ours with aws-lc-rs");
        assert!(baseline.verify(m), "message {i}: mail-auth");
    }

    let mut group = c.benchmark_group("corpus");
    group.sample_size(10);
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function(BenchmarkId::new("ours", "2000msgs"), |b| {
        b.iter(|| messages.iter().map(|m| verify(black_box(m), &parsed, &RustCrypto)).sum::<usize>())
    });
    group.bench_function(BenchmarkId::new("ours_aws_lc", "2000msgs"), |b| {
        b.iter(|| messages.iter().map(|m| verify(black_box(m), &parsed, &AwsLcRs)).sum::<usize>())
    });
    group.bench_function(BenchmarkId::new("mail_auth", "2000msgs"), |b| {
        b.iter(|| messages.iter().filter(|m| baseline.verify(black_box(m))).count())
    });
    group.finish();
}

criterion_group!(benches, bench_corpus);
criterion_main!(benches);
