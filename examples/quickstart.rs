//! Sign the sample message with an Ed25519 and an RSA key in one pass,
//! verify it against the published records in `examples/data/keys.txt`,
//! then show what a mailing-list footer does to the signatures.
//!
//! Run: `cargo run --example quickstart`

use std::error::Error;
use std::fs;
use std::path::Path;

use dkim::{KeyAnswer, Now, Policy, PrivateKey, Signer, TxtRecord, sign_message};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");
/// Fixed times, so that the output is the same on every run.
const SIGNED_AT: u64 = 1_795_424_400;
const RECEIVED_AT: u64 = SIGNED_AT + 3600;

fn main() -> Result<(), Box<dyn Error>> {
    let data = Path::new(DATA);
    let message = fs::read(data.join("message.eml"))?;
    let records = fs::read_to_string(data.join("keys.txt"))?;

    // Two signers, one pass over the message: one DKIM-Signature field each.
    let ed25519 = PrivateKey::from_pem(&fs::read_to_string(data.join("ed25519.pem"))?)?;
    let rsa = PrivateKey::from_pem(&fs::read_to_string(data.join("rsa2048.pem"))?)?;
    let signers = [
        Signer::builder(ed25519, "example.com", "2026").timestamp(SIGNED_AT).build()?,
        Signer::builder(rsa, "example.com", "2026rsa").timestamp(SIGNED_AT).expire_after(30 * 86_400).build()?,
    ];
    let fields = sign_message(&signers, &message)?;
    let signed = [fields.concat().into_bytes(), message].concat();

    println!("== the fields to prepend ==");
    for field in &fields {
        print!("{}", field.replace('\r', ""));
    }

    println!("\n== verified as sent ==");
    report(&signed, &records)?;

    let mut forwarded = signed;
    forwarded.extend_from_slice(b"--\r\nsent via the example-list mailing list\r\n");
    println!("\n== after a mailing list appended a footer ==");
    report(&forwarded, &records)?;
    Ok(())
}

/// Verifies `message` at `RECEIVED_AT`, answering key lookups from `records`.
fn report(message: &[u8], records: &str) -> Result<(), Box<dyn Error>> {
    let results = dkim::verify::verify(message, &Policy::default(), Now::unix(RECEIVED_AT), |request| {
        lookup(records, request.name())
    })?;
    if results.is_empty() {
        println!("dkim=none (the message is not signed)");
    }
    for r in results {
        let alg = r.algorithm().map_or("?", |a| a.as_str());
        print!("dkim={} d={} s={} a={alg}", r.verdict(), r.domain().unwrap_or("-"), r.selector().unwrap_or("-"));
        match r.reason() {
            Some(reason) => println!(" ({reason})"),
            None => println!(),
        }
    }
    Ok(())
}

/// The TXT records at `name` in `records` (`name value` per line): what a
/// DNS lookup would answer.
fn lookup(records: &str, name: &str) -> KeyAnswer {
    let found: Vec<TxtRecord> = records
        .lines()
        .filter_map(|line| line.split_once(char::is_whitespace))
        .filter(|(owner, _)| owner.trim_end_matches('.').eq_ignore_ascii_case(name))
        .map(|(_, value)| TxtRecord::from_text(value.trim()))
        .collect();
    if found.is_empty() { KeyAnswer::NoRecord } else { KeyAnswer::records(found) }
}
