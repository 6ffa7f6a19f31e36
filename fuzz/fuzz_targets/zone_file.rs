//! `ZoneFile::parse` on arbitrary UTF-8 (and with an initial origin). A file
//! that parses answers lookups without panicking, and consistently: every
//! TXT record in it is found at its name, and lookups ignore ASCII case and
//! the final dot.

#![no_main]

use dkim_dns::{Lookup, ZoneFile};
use libfuzzer_sys::fuzz_target;

const FIXED_NAMES: &[&str] =
    &["brisbane._domainkey.football.example.com", "sel._domainkey.example.com.", "example.com", ".", "", "a..b"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(zone) = ZoneFile::parse_with_origin(text, "Example.COM") {
        check(&zone);
    }
    let Ok(zone) = ZoneFile::parse(text) else { return };
    check(&zone);
});

fn check(zone: &ZoneFile) {
    for name in FIXED_NAMES {
        let _ = zone.lookup(name);
    }
    for name in zone.names().take(32) {
        assert_eq!(name, name.to_ascii_lowercase(), "stored name not in lower case");
        assert!(!name.ends_with('.') || name == ".", "stored name {name:?} with a final dot");
        let answer = zone.lookup(name);
        assert_eq!(
            zone.lookup(&format!("{}.", name.to_ascii_uppercase())),
            answer,
            "lookup of {name:?} depends on case or dot"
        );
    }
    for (name, ttl, record) in zone.txt_records().take(32) {
        match zone.lookup(name) {
            Lookup::Found(found) => {
                assert!(found.records().contains(record), "{name:?}: record {record:?} missing from {found:?}");
                assert!(found.ttl() <= ttl, "{name:?}: answer TTL {} above the record's {ttl}", found.ttl());
            }
            other => panic!("{name:?} has a TXT record but answers {other:?}"),
        }
    }
    let _ = zone.entries().len();
}
