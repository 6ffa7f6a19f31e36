//! `ZoneFile::parse` on arbitrary UTF-8 (and `parse_with_origin` with an
//! initial origin). A file that parses answers lookups without panicking,
//! and consistently:
//!
//! - every stored name (`ZoneFile::names`) is in the documented stored form,
//!   read here by a reader of its own: lower case, labels joined by dots, no
//!   empty label, the only escapes `\.` and `\\`, and no final dot unless it
//!   is escaped (part of the last label); no two stored names are the same
//!   name;
//! - a stored name finds the same answer written with a final dot, in upper
//!   case, and with every byte of its labels as a `\DDD` escape (lookups
//!   read presentation format); it is NXDOMAIN only when the file marks it
//!   so or it is a CNAME;
//! - every TXT record of the file is found at its name, with a TTL no larger
//!   than the record's.

use dkim_dns::{Lookup, NoRecordKind, ZoneData, ZoneFile};

/// Names looked up in every file, for their own sake (no property).
const FIXED_NAMES: &[&str] = &[
    "brisbane._domainkey.football.example.com",
    "sel._domainkey.example.com.",
    "example.com",
    ".",
    "",
    "a..b",
    "x\\",
    "x\\.",
    "\\256",
];

/// The property check of one input.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(zone) = ZoneFile::parse_with_origin(text, "Example.COM") {
        check_zone(&zone);
    }
    let Ok(zone) = ZoneFile::parse(text) else { return };
    check_zone(&zone);
}

fn check_zone(zone: &ZoneFile) {
    for name in FIXED_NAMES {
        let _ = zone.lookup(name);
    }
    let mut seen: Vec<Vec<Vec<u8>>> = Vec::new();
    for name in zone.names().take(32) {
        let labels = stored_labels(name);
        assert!(!seen.contains(&labels), "stored name {name:?} twice");
        seen.push(labels.clone());
        let answer = zone.lookup(name);
        for other in [format!("{name}."), format!("{}.", name.to_ascii_uppercase()), decimal_escaped(&labels)] {
            assert_eq!(zone.lookup(&other), answer, "{name:?} and {other:?} answer differently");
        }
        let entries = || zone.entries().iter().filter(|e| e.name == name);
        let may_be_nxdomain = entries().any(|e| matches!(e.data, ZoneData::NxDomain | ZoneData::Cname(_)));
        if let Lookup::NoRecord(none) = &answer {
            assert!(none.kind() != NoRecordKind::NxDomain || may_be_nxdomain, "owner {name:?} answers NXDOMAIN");
        }
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

/// The labels of a name in the stored form, checking that form.
fn stored_labels(name: &str) -> Vec<Vec<u8>> {
    assert_eq!(name, name.to_ascii_lowercase(), "stored name not in lower case");
    if name.is_empty() {
        return Vec::new(); // the root
    }
    let mut labels = vec![Vec::new()];
    let mut bytes = name.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'\\' => match bytes.next() {
                Some(e @ (b'.' | b'\\')) => labels.last_mut().expect("a label").push(e),
                other => panic!("stored name {name:?}: escape of {other:?}"),
            },
            b'.' => labels.push(Vec::new()),
            b => labels.last_mut().expect("a label").push(b),
        }
    }
    assert!(labels.iter().all(|l| !l.is_empty()), "stored name {name:?}: empty label (or an unescaped final dot)");
    labels
}

/// The name in presentation format with every label byte as `\DDD`.
fn decimal_escaped(labels: &[Vec<u8>]) -> String {
    let labels: Vec<String> = labels.iter().map(|l| l.iter().map(|b| format!("\\{b:03}")).collect()).collect();
    labels.join(".")
}
