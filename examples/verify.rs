//! Verify a signed message, answering key lookups from published records
//! (here a file; an MTA answers them from DNS or its cache).
//!
//! Run: `cargo run --example verify`

use std::error::Error;
use std::fs;

use dkim::{KeyAnswer, Policy, Verdict};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");

fn main() -> Result<(), Box<dyn Error>> {
    let message = fs::read(format!("{DATA}/signed.eml"))?;
    let records = fs::read_to_string(format!("{DATA}/keys.txt"))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let results = dkim::verify::verify(&message, &Policy::default(), now, |request| {
        // keys.txt: one "NAME. RECORD" per line.
        let wanted = format!("{}.", request.name());
        records
            .lines()
            .find_map(|l| l.strip_prefix(wanted.as_str()))
            .map_or(KeyAnswer::NoRecord, |record| KeyAnswer::text(record.trim()))
    })?;
    for r in &results {
        println!("dkim={} d={} s={}", r.verdict(), r.domain().unwrap_or("?"), r.selector().unwrap_or("?"));
    }
    let passed = results.iter().any(|r| r.verdict() == Verdict::Pass);
    std::process::exit(if passed { 0 } else { 1 });
}
