//! Our milter (dkim-milter, release build of the main workspace) against OpenDKIM (the Debian `opendkim`), in sign
//! mode and in verify mode, each milter a separate process on a loopback TCP port, started by the bench and
//! stopped afterwards.
//!
//! - 1 000 deterministic messages, 2 KiB to 1 MiB (log-uniform sizes), multipart text/HTML/base64 with CRLF, From
//!   the internal domain example.com. Sign mode: both milters sign them with the example RSA-2048 key
//!   (relaxed/relaxed, the same `SignHeaders`, From oversigned). Verify mode: the same messages signed beforehand
//!   by our library (`dkim-core`), both milters verifying them against the same key record without DNS (ours:
//!   `[verify] zone`, the example zone; OpenDKIM: `TestDNSData`, the same record).
//! - Criterion groups `milter_sign` and `milter_verify`: `ours/1conn`, `opendkim/1conn`, ... `64conn` drive the
//!   milter directly with a milter client on `miltr-common` (milter/client.rs: why not `miltr-client`; one
//!   milter connection per message, the connections running side by side), and `ours/postfix`, `opendkim/postfix` send over SMTP to one Postfix on loopback (8 sessions)
//!   with an smtpd per milter, timed until every message is in the Maildir. One iteration is a batch of 100
//!   messages (every tenth of the set sorted by size, a different tenth each time, so batches have the same size
//!   mix); criterion's elements per second are messages per second.
//! - Outside criterion, in the same process: a fixed pass of all 1 000 messages per milter, mode and connection
//!   count for p50/p99 latency (milter connection to the end-of-body reply), the peak RSS (VmHWM) of each milter
//!   process after those passes, and a memory-bound run: 64 connections each sending a 10 MiB message at once
//!   to a freshly started milter. Written to target/criterion/milter-extra.json and printed.
//!
//! Needs root (Postfix), /usr/sbin/postfix and /usr/sbin/opendkim. `python3 floors.py --milter` checks the floors.

#[path = "milter/client.rs"]
mod client;
#[path = "mail/mod.rs"]
mod mail;
#[path = "milter/procs.rs"]
mod procs;

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use dkim_core::{KeyAnswer, Policy, PrivateKey, Signer, Verdict};
use dkim_dns::ZoneFile;

use client::{Outcome, Prepared, dot_stuff, milter_batch, smtp_batch};
use procs::{DOMAIN, Kind, Milter, Mode, Postfix, SELECTOR, SIGNED_HEADERS, TempDir};

const MESSAGES: usize = 1_000;
const MIN_SIZE: f64 = 2.0 * 1024.0;
const MAX_SIZE: f64 = 1024.0 * 1024.0;
/// Messages per criterion iteration, and the number of distinct batches (strata of the size-sorted set).
const BATCH: usize = 100;
const STRATA: usize = MESSAGES / BATCH;
const CONNS: [usize; 3] = [1, 8, 64];
/// SMTP sessions side by side in the runs through Postfix.
const SMTP_CONNS: usize = 8;
/// The memory-bound run: this many connections each sending one message of this size.
const BIG_CONNS: usize = 64;
const BIG_SIZE: usize = 10 * 1024 * 1024;
/// The bound checked for our peak RSS in that run: 64 MiB for the process plus 1 MiB per connection (a milter
/// that streams keeps a frame or two per connection: 64 KiB chunks); a tenth of the 640 MiB in flight.
const BIG_BOUND_KIB: u64 = (64 + BIG_CONNS as u64) * 1024;

/// xorshift64*: deterministic sizes.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn example_key() -> PrivateKey {
    let path = procs::benches_dir().join("../examples/data/rsa2048.pem");
    PrivateKey::from_pem(&std::fs::read_to_string(&path).expect("example key")).expect("example key")
}

/// The key record of the example RSA key (as in examples/data/dns.zone).
pub fn key_record() -> String {
    format!("v=DKIM1; k=rsa; p={}", example_key().public_key_base64())
}

fn zone() -> ZoneFile {
    ZoneFile::parse(&std::fs::read_to_string(procs::benches_dir().join("../examples/data/dns.zone")).expect("zone"))
        .expect("zone parses")
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs()
}

/// Message `n` of `size` bytes in all, unsigned.
fn message(n: usize, size: usize) -> Vec<u8> {
    let header = format!(
        "From: Sender {n} <sender{n}@{DOMAIN}>\r\nTo: Bob <bob@dest.example>\r\n\
         Subject: Quarterly figures, part {n}\r\nDate: Thu, 03 Dec 2026 07:00:00 +0000\r\n\
         Message-ID: <{n}.{size}@{DOMAIN}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"=_boundary_4f2a\"\r\n\r\n"
    );
    let mut m = header.into_bytes();
    let body = size.saturating_sub(m.len()).max(256);
    m.extend_from_slice(&mail::mail_body(body));
    m
}

/// The 1 000 messages (log-uniform sizes from 2 KiB to 1 MiB).
fn messages() -> Vec<Vec<u8>> {
    let mut rng = Rng(0x0d1c_e5ee_d000_1000);
    (0..MESSAGES)
        .map(|n| {
            let size = (MIN_SIZE.ln() + rng.unit() * (MAX_SIZE.ln() - MIN_SIZE.ln())).exp() as usize;
            message(n, size)
        })
        .collect()
}

/// `m` with a DKIM-Signature of our library on top (the same key, headers and canonicalization as the milters).
fn sign(m: &[u8], t: u64) -> Vec<u8> {
    let key = example_key();
    let signer = Signer::builder(&key, DOMAIN, SELECTOR).timestamp(t).headers(SIGNED_HEADERS).build().expect("signer");
    let field = signer.sign(m).expect("sign");
    let mut out = field.trim_end().as_bytes().to_vec();
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(m);
    out
}

/// Passing signatures of `m` by our library against the example zone.
fn passes(m: &[u8], zone: &ZoneFile) -> usize {
    let results =
        dkim_core::verify(m, &Policy::default(), now(), |r| KeyAnswer::from(zone.lookup(r.name()))).expect("verify");
    results.iter().filter(|r| r.verdict() == Verdict::Pass).count()
}

fn signed_ok(o: &Outcome) -> bool {
    o.accepted && o.added.iter().filter(|h| h.starts_with("DKIM-Signature:")).count() == 1
}

fn verified_ok(o: &Outcome) -> bool {
    o.accepted && o.added.iter().any(|h| h.starts_with("Authentication-Results:") && h.contains("dkim=pass"))
}

fn check(mode: Mode) -> fn(&Outcome) -> bool {
    match mode {
        Mode::Sign => signed_ok,
        Mode::Verify => verified_ok,
    }
}

/// The batches: the message indexes sorted by size, every STRATA-th from offset k.
fn strata(msgs: &[Vec<u8>]) -> Vec<Arc<Vec<usize>>> {
    let mut order: Vec<usize> = (0..msgs.len()).collect();
    order.sort_by_key(|&i| (msgs[i].len(), i));
    (0..STRATA).map(|k| Arc::new(order.iter().copied().skip(k).step_by(STRATA).collect())).collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

struct Pass {
    mode: Mode,
    kind: Kind,
    conns: usize,
    per_s: f64,
    p50: Duration,
    p99: Duration,
}

struct Setup {
    rt: tokio::runtime::Runtime,
    dir: TempDir,
    bin: std::path::PathBuf,
    /// Per mode: the prepared messages (sign: unsigned; verify: signed).
    sets: [Arc<Vec<Prepared>>; 2],
    strata: Vec<Arc<Vec<usize>>>,
}

fn mode_index(mode: Mode) -> usize {
    match mode {
        Mode::Sign => 0,
        Mode::Verify => 1,
    }
}

/// Checks the milter's work on the first messages: its signatures pass with our library (sign), or it said pass.
fn check_sample(s: &Setup, m: &Milter, zone: &ZoneFile) {
    let set = &s.sets[mode_index(m.mode)];
    for n in 0..20 {
        let out = s.rt.block_on(client::milter_one(m.addr, &set[n], n)).unwrap_or_else(|e| panic!("{}: {e}", m.id()));
        assert!(check(m.mode)(&out), "{} message {n}: {out:?}\n{}", m.id(), m.log_text());
        if m.mode == Mode::Sign {
            let field = out.added.iter().find(|h| h.starts_with("DKIM-Signature:")).expect("a signature");
            let mut signed = field.replace("\r\n", "\n").replace('\n', "\r\n").into_bytes();
            signed.extend_from_slice(b"\r\n");
            signed.extend_from_slice(&set[n].raw);
            assert_eq!(passes(&signed, zone), 1, "{}: its signature of message {n} does not verify: {field}", m.id());
        }
    }
}

fn extra_pass(s: &Setup, milters: &[Milter]) -> Vec<Pass> {
    let all = Arc::new((0..MESSAGES).collect::<Vec<_>>());
    let mut out = Vec::new();
    for mode in [Mode::Sign, Mode::Verify] {
        for conns in CONNS {
            for m in milters.iter().filter(|m| m.mode == mode) {
                let set = Arc::clone(&s.sets[mode_index(mode)]);
                let (wall, mut lat) = s.rt.block_on(milter_batch(m.addr, set, Arc::clone(&all), conns, check(mode)));
                lat.sort();
                out.push(Pass {
                    mode,
                    kind: m.kind,
                    conns,
                    per_s: MESSAGES as f64 / wall.as_secs_f64(),
                    p50: percentile(&lat, 0.50),
                    p99: percentile(&lat, 0.99),
                });
            }
        }
    }
    out
}

/// 64 connections each sending a 10 MiB message at once to a fresh milter; its peak RSS in KiB.
fn big_run(s: &Setup, kind: Kind, mode: Mode) -> u64 {
    let dir = s.dir.0.join(format!("big-{}-{}", kind.name(), mode.name()));
    let m = Milter::start(kind, mode, &dir, &s.bin);
    let raw = message(0, BIG_SIZE);
    let raw = if mode == Mode::Verify { sign(&raw, now()) } else { raw };
    let set = Arc::new(vec![Prepared::new(raw)]);
    let batch = Arc::new(vec![0; BIG_CONNS]);
    s.rt.block_on(milter_batch(m.addr, set, batch, BIG_CONNS, check(mode)));
    m.peak_rss_kib()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn cpu() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default()
}

fn write_extra(passes: &[Pass], rss: &[(Mode, Kind, u64)], big: &[(Mode, Kind, u64)], bytes: usize) {
    let mut j = String::from("{\n");
    writeln!(j, "  \"cpu\": \"{}\",", cpu().replace('"', "'")).expect("fmt");
    writeln!(j, "  \"cores\": {},", std::thread::available_parallelism().map_or(0, |n| n.get())).expect("fmt");
    writeln!(j, "  \"messages\": {MESSAGES},\n  \"total_bytes\": {bytes},").expect("fmt");
    j.push_str("  \"passes\": [\n");
    for (i, p) in passes.iter().enumerate() {
        writeln!(
            j,
            "    {{\"mode\": \"{}\", \"milter\": \"{}\", \"conns\": {}, \"msgs_per_s\": {:.1}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}}}{}",
            p.mode.name(),
            p.kind.name(),
            p.conns,
            p.per_s,
            ms(p.p50),
            ms(p.p99),
            if i + 1 < passes.len() { "," } else { "" }
        )
        .expect("fmt");
    }
    j.push_str("  ],\n  \"peak_rss_kib\": {");
    for (i, mode) in [Mode::Sign, Mode::Verify].into_iter().enumerate() {
        let get = |k| rss.iter().find(|r| r.0 == mode && r.1 == k).map_or(0, |r| r.2);
        write!(
            j,
            "{}\"{}\": {{\"ours\": {}, \"opendkim\": {}}}",
            if i > 0 { ", " } else { "" },
            mode.name(),
            get(Kind::Ours),
            get(Kind::OpenDkim)
        )
        .expect("fmt");
    }
    j.push_str("},\n");
    write!(
        j,
        "  \"mem_64x10mib\": {{\"conns\": {BIG_CONNS}, \"message_bytes\": {BIG_SIZE}, \"bound_kib\": {BIG_BOUND_KIB}"
    )
    .expect("fmt");
    for (mode, kind, kib) in big {
        write!(j, ", \"{}_{}_kib\": {kib}", kind.name(), mode.name()).expect("fmt");
    }
    j.push_str("}\n}\n");
    let path = procs::benches_dir().join("target/criterion/milter-extra.json");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, j).expect("write milter-extra.json");

    println!("\nFixed pass, {MESSAGES} messages ({:.1} MiB) per row:", bytes as f64 / 1048576.0);
    println!("| mode | conns | milter | msgs/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|");
    for p in passes {
        println!(
            "| {} | {} | {} | {:.1} | {:.2} | {:.2} |",
            p.mode.name(),
            p.conns,
            p.kind.name(),
            p.per_s,
            ms(p.p50),
            ms(p.p99)
        );
    }
    println!("\nPeak RSS (VmHWM) after the passes:");
    for (mode, kind, kib) in rss {
        println!("  {} {}: {:.1} MiB", kind.name(), mode.name(), *kib as f64 / 1024.0);
    }
    println!(
        "\n{BIG_CONNS} connections x 10 MiB at once, fresh process (bound for ours: {} MiB):",
        BIG_BOUND_KIB / 1024
    );
    for (mode, kind, kib) in big {
        println!("  {} {}: {:.1} MiB", kind.name(), mode.name(), *kib as f64 / 1024.0);
    }
    println!("written to {}\n", path.display());
}

fn bench_group(
    c: &mut Criterion,
    s: &Setup,
    mode: Mode,
    milters: &[Milter],
    postfix: &Postfix,
    ports: &[(Mode, Kind, u16)],
) {
    let mut g = c.benchmark_group(format!("milter_{}", mode.name()));
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(BATCH as u64));
    let set = &s.sets[mode_index(mode)];
    for conns in CONNS {
        for m in milters.iter().filter(|m| m.mode == mode) {
            let mut k = 0;
            g.bench_function(BenchmarkId::new(m.kind.name(), format!("{conns}conn")), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let batch = Arc::clone(&s.strata[k % STRATA]);
                        k += 1;
                        total += s.rt.block_on(milter_batch(m.addr, Arc::clone(set), batch, conns, check(mode))).0;
                    }
                    total
                });
            });
        }
    }
    let data: Arc<Vec<Vec<u8>>> = Arc::new(set.iter().map(|p| dot_stuff(&p.raw)).collect());
    for kind in [Kind::Ours, Kind::OpenDkim] {
        let port = ports.iter().find(|p| p.0 == mode && p.1 == kind).expect("port").2;
        let smtp = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut k = 0;
        g.bench_function(BenchmarkId::new(kind.name(), "postfix"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    postfix.clear();
                    let batch = Arc::clone(&s.strata[k % STRATA]);
                    k += 1;
                    let t = std::time::Instant::now();
                    s.rt.block_on(smtp_batch(smtp, Arc::clone(&data), batch, SMTP_CONNS));
                    postfix.wait_delivered(BATCH, Duration::from_secs(120));
                    total += t.elapsed();
                }
                total
            });
        });
    }
    g.finish();
}

/// Sends a few messages through each smtpd of Postfix and checks what was delivered.
fn check_postfix(s: &Setup, postfix: &Postfix, ports: &[(Mode, Kind, u16)]) {
    for &(mode, kind, port) in ports {
        postfix.clear();
        let set = &s.sets[mode_index(mode)];
        let data: Arc<Vec<Vec<u8>>> = Arc::new(set.iter().take(5).map(|p| dot_stuff(&p.raw)).collect());
        let smtp = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        s.rt.block_on(smtp_batch(smtp, data, Arc::new((0..5).collect()), 2));
        postfix.wait_delivered(5, Duration::from_secs(60));
        for f in postfix.delivered() {
            let text = std::fs::read_to_string(&f).expect("delivered");
            let head = &text[..text.find("\n\n").expect("header end")];
            let ok = match mode {
                Mode::Sign => head.matches("DKIM-Signature:").count() == 1,
                Mode::Verify => head.contains("Authentication-Results: bench.test") && head.contains("dkim=pass"),
            };
            assert!(ok, "through Postfix, {} {}: {head}", kind.name(), mode.name());
        }
    }
    postfix.clear();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    assert!(std::path::Path::new("/usr/sbin/postfix").exists(), "the milter bench needs Postfix");
    assert!(std::path::Path::new("/usr/sbin/opendkim").exists(), "the milter bench needs OpenDKIM");
    let bin = procs::build_ours();
    let zone = zone();
    eprintln!("generating {MESSAGES} messages");
    let raw = messages();
    let bytes: usize = raw.iter().map(Vec::len).sum();
    let t = now();
    let signed: Vec<Vec<u8>> = raw.iter().map(|m| sign(m, t)).collect();
    assert!(signed.iter().take(20).all(|m| passes(m, &zone) == 1), "the pre-signed messages verify");
    let strata = strata(&raw);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let s = Setup {
        rt,
        dir: TempDir::new("milter"),
        bin,
        sets: [
            Arc::new(raw.into_iter().map(Prepared::new).collect()),
            Arc::new(signed.into_iter().map(Prepared::new).collect()),
        ],
        strata,
    };

    let mut milters = Vec::new();
    for mode in [Mode::Sign, Mode::Verify] {
        for kind in [Kind::Ours, Kind::OpenDkim] {
            milters.push(Milter::start(kind, mode, &s.dir.0, &s.bin));
        }
    }
    for m in &milters {
        check_sample(&s, m, &zone);
    }
    eprintln!("fixed passes: latency and peak RSS");
    let passes = extra_pass(&s, &milters);
    let rss: Vec<_> = milters.iter().map(|m| (m.mode, m.kind, m.peak_rss_kib())).collect();
    eprintln!("{BIG_CONNS} x 10 MiB");
    let mut big = Vec::new();
    for mode in [Mode::Sign, Mode::Verify] {
        for kind in [Kind::Ours, Kind::OpenDkim] {
            big.push((mode, kind, big_run(&s, kind, mode)));
        }
    }
    write_extra(&passes, &rss, &big, bytes);

    let ports: Vec<(Mode, Kind, u16)> = milters.iter().map(|m| (m.mode, m.kind, procs::free_port())).collect();
    let pairs: Vec<(u16, SocketAddr)> = milters.iter().zip(&ports).map(|(m, p)| (p.2, m.addr)).collect();
    let postfix = Postfix::start(&s.dir.0, &pairs);
    check_postfix(&s, &postfix, &ports);

    for mode in [Mode::Sign, Mode::Verify] {
        bench_group(&mut c, &s, mode, &milters, &postfix, &ports);
    }
    c.final_summary();
    for m in &milters {
        let log = m.log_text();
        if !log.trim().is_empty() {
            eprintln!("{} log (last lines):\n{}", m.id(), log.lines().rev().take(5).collect::<Vec<_>>().join("\n"));
        }
    }
}
