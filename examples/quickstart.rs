//! Sign the sample message with two keys in one pass, verify it offline
//! against the published records in `examples/data/keys.txt`, then show what
//! a mailing-list footer does to the signatures.
//!
//! Run: `cargo run --example quickstart`

use std::error::Error;
use std::fs;
use std::path::Path;

use dkim::{HeaderStatus, KeyAnswer, Policy, PrivateKey, SignSession, Signer, Step, TxtRecord, Verifier};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");
/// Fixed signing time, so that the output is the same on every run.
const SIGNED_AT: u64 = 1_795_424_400;

fn main() -> Result<(), Box<dyn Error>> {
    let data = Path::new(DATA);
    let message = fs::read(data.join("message.eml"))?;
    let records = fs::read_to_string(data.join("keys.txt"))?;

    // Two signers, one pass over the body.
    let ed = PrivateKey::from_pem(&fs::read_to_string(data.join("ed25519.pem"))?)?;
    let rsa = PrivateKey::from_pem(&fs::read_to_string(data.join("rsa2048.pem"))?)?;
    let signers = vec![
        Signer::builder(ed, "example.com", "2026").timestamp(SIGNED_AT).build()?,
        Signer::builder(rsa, "example.com", "2026rsa").timestamp(SIGNED_AT).expire_after(30 * 86_400).build()?,
    ];
    let mut session = SignSession::new(signers);
    let HeaderStatus::Complete(body_start) = session.headers(&message)? else {
        return Err("the sample message has no end of header".into());
    };
    session.body(&message[body_start..]);
    let mut signed = Vec::new();
    for field in session.finish()? {
        signed.extend_from_slice(field.as_bytes());
    }
    signed.extend_from_slice(&message);

    println!("== signed message (header) ==");
    let header_end = signed.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(signed.len());
    println!("{}", String::from_utf8_lossy(&signed[..header_end]).replace('\r', ""));

    println!("\n== verified as sent ==");
    report(&signed, &records)?;

    let mut forwarded = signed.clone();
    forwarded.extend_from_slice(b"--\r\nsent via the example-list mailing list\r\n");
    println!("\n== after a mailing list appended a footer ==");
    report(&forwarded, &records)?;
    Ok(())
}

/// Verifies `message`, answering key lookups from `records`
/// (`name<TAB or space>TXT value` per line).
fn report(message: &[u8], records: &str) -> Result<(), Box<dyn Error>> {
    let mut v = Verifier::new(Policy::default().now(SIGNED_AT + 3600));
    let HeaderStatus::Complete(body_start) = v.headers(message)? else {
        return Err("no end of header".into());
    };
    v.body(&message[body_start..]);
    v.finish()?;
    while let Step::NeedKeys(requests) = v.step() {
        let requests = requests.to_vec();
        for r in requests {
            let found: Vec<TxtRecord> = records
                .lines()
                .filter_map(|l| l.split_once(char::is_whitespace))
                .filter(|(name, _)| name.trim_end_matches('.').eq_ignore_ascii_case(r.name()))
                .map(|(_, value)| TxtRecord::from_text(value.trim()))
                .collect();
            let answer = if found.is_empty() { KeyAnswer::NoRecord } else { KeyAnswer::Records(found) };
            v.answer_key(r.id(), answer);
        }
    }
    let results = v.into_results();
    if results.is_empty() {
        println!("dkim=none (the message is not signed)");
    }
    for r in results {
        let alg = r.algorithm().map_or("?", |a| a.as_str());
        print!("dkim={} d={} s={} a={alg}", r.verdict(), r.domain().unwrap_or("-"), r.selector().unwrap_or("-"));
        if let Some(bits) = r.key_bits() {
            print!(" key={bits}bit");
        }
        match r.reason() {
            Some(reason) => println!(" ({reason})"),
            None => println!(),
        }
    }
    Ok(())
}
