//! Verify messages asynchronously: key lookups run concurrently, behind a
//! TTL key cache, with deadlines. The key source here is the zone file of
//! `examples/data` (no network); for DNS put `dkim::dns::DnsClient::from_system()?`
//! (or `DnsClient::new([server])`) where the zone file is.
//!
//! Run: `cargo run --example async_verify`

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use dkim::dns::ZoneFile;
use dkim::{AsyncVerifier, FuturesTimer, KeyCache, Policy, SystemClock};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let keys = ZoneFile::from_path(format!("{DATA}/dns.zone"))?;
    let cache = Arc::new(KeyCache::new(keys, SystemClock));
    let verifier = AsyncVerifier::new(cache, Policy::default())
        .timer(FuturesTimer)
        .lookup_timeout(Duration::from_secs(5))
        .overall_timeout(Duration::from_secs(10));
    let message = std::fs::read(format!("{DATA}/signed.eml"))?;
    // Any AsyncRead works (verify_reader); the body streams in bounded memory.
    for r in verifier.verify_bytes(&message).await? {
        println!(
            "dkim={} d={} s={} dnssec={}",
            r.verdict(),
            r.domain().unwrap_or("?"),
            r.selector().unwrap_or("?"),
            r.dnssec()
        );
    }
    Ok(())
}
