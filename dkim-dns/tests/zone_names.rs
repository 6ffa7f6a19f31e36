//! Domain names in zone files and in lookups: escapes (RFC 1035 section
//! 5.1), `@`, relative names, and the stored form given back by
//! `ZoneFile::names`. Expected names are written out by hand from the RFC
//! rules, never taken from the parser's output.
//!
//! The first test is a fuzz finding (`zone_file` target, 20 s): a name whose
//! last label ends with an escaped dot (`\.`) was stored as `...\.`, and a
//! lookup of that stored name dropped the escaped dot as if it were the
//! root's, so the name did not find itself.

#![allow(clippy::unwrap_used)]

use dkim_dns::{Lookup, NoRecordKind, ZoneData, ZoneFile};

/// The `zone_file` fuzz input, as the fuzzer reported it (hex).
const FUZZ_ESCAPED_FINAL_DOT: &str = "5c00005c5c007f005c5c265c5c5c58212e005c5c5c5c5c2e2e0d320d524553494e464f0d2e2e000000000000000800000000000000000000000000";

#[test]
fn fuzz_escaped_dot_ending_the_last_label() {
    let input = hex(FUZZ_ESCAPED_FINAL_DOT);
    assert_eq!(input.len(), 59);
    let zone = ZoneFile::parse(std::str::from_utf8(&input).unwrap()).unwrap();
    // Owner `\<NUL><NUL>\\<NUL><DEL><NUL>\\&\\\X!.<NUL>\\\\\..`: two labels,
    // `<NUL><NUL>\<NUL><DEL><NUL>\&\x!` and `<NUL>\\.`, absolute.
    let expected = "\0\0\\\\\0\u{7f}\0\\\\&\\\\x!.\0\\\\\\\\\\.";
    assert_eq!(zone.names().collect::<Vec<_>>(), [expected]);
    assert!(matches!(&zone.entries()[0].data, ZoneData::Other { rtype, .. } if rtype == "RESINFO"));
    // The stored name finds its record (NODATA: a RESINFO record, no TXT),
    // with or without a final dot, in any case.
    for name in [expected.to_owned(), format!("{expected}."), format!("{}.", expected.to_ascii_uppercase())] {
        assert_eq!(kind(&zone, &name), Some(NoRecordKind::NoData), "{name:?}");
    }
    // Without the escaped dot it is another name, which does not exist.
    let shorter = expected.strip_suffix("\\.").unwrap();
    assert_eq!(kind(&zone, shorter), Some(NoRecordKind::NxDomain));
    assert_eq!(kind(&zone, &format!("{shorter}.")), Some(NoRecordKind::NxDomain));
}

#[test]
fn escaped_dot_at_the_end_of_a_label() {
    let zone = parse("$ORIGIN example.\nx\\. TXT relative\nabs\\.. TXT absolute\ny\\.\\. TXT two-dots\n");
    assert_eq!(zone.names().collect::<Vec<_>>(), ["x\\..example", "abs\\.", "y\\.\\..example"]);
    assert_eq!(txt(&zone, "x\\..example"), "relative");
    assert_eq!(txt(&zone, "X\\..EXAMPLE."), "relative");
    assert_eq!(txt(&zone, "x\\046.example"), "relative");
    assert_eq!(txt(&zone, "abs\\."), "absolute");
    assert_eq!(txt(&zone, "abs\\.."), "absolute");
    assert_eq!(txt(&zone, "y\\.\\..example"), "two-dots");
    // Label `x.` under `example` is not label `x` under `example`, nor the
    // three labels `x`, empty, `example`.
    assert_eq!(kind(&zone, "x.example"), Some(NoRecordKind::NxDomain));
    assert_eq!(kind(&zone, "abs"), Some(NoRecordKind::NxDomain));
    assert_eq!(kind(&zone, "abs."), Some(NoRecordKind::NxDomain));
    // `example` is an empty non-terminal above them.
    assert_eq!(kind(&zone, "example"), Some(NoRecordKind::NoData));
}

#[test]
fn decimal_escapes() {
    let zone = parse(
        "$ORIGIN example.\n\
         a\\046b TXT dot\n\
         \\065\\066 TXT letters\n\
         back\\092slash TXT backslash\n\
         nul\\000 TXT nul\n\
         caf\\195\\169 TXT utf8\n",
    );
    // `\046` is a dot inside the label, `\092` a backslash; letters are
    // kept in lower case however they are written.
    assert_eq!(
        zone.names().collect::<Vec<_>>(),
        ["a\\.b.example", "ab.example", "back\\\\slash.example", "nul\0.example", "café.example"]
    );
    assert_eq!(txt(&zone, "a\\.b.example"), "dot");
    assert_eq!(txt(&zone, "a\\046b.example"), "dot");
    assert_eq!(kind(&zone, "a.b.example"), Some(NoRecordKind::NxDomain));
    assert_eq!(txt(&zone, "AB.example"), "letters");
    assert_eq!(txt(&zone, "\\097\\098.example"), "letters");
    assert_eq!(txt(&zone, "back\\\\slash.example"), "backslash");
    assert_eq!(txt(&zone, "back\\092slash.example"), "backslash");
    assert_eq!(txt(&zone, "nul\\000.example"), "nul");
    assert_eq!(txt(&zone, "nul\0.example"), "nul");
    assert_eq!(txt(&zone, "caf\\195\\169.example"), "utf8");
    assert_eq!(txt(&zone, "café.example."), "utf8");
}

#[test]
fn backslash_then_dot() {
    let zone = parse("$ORIGIN example.\nx\\\\. TXT one\ny\\\\\\. TXT two\nz\\\\\\\\. TXT three\n");
    // `x\\.`: label `x\`, absolute. `y\\\.`: label `y\.`, relative.
    // `z\\\\.`: label `z\\`, absolute.
    assert_eq!(zone.names().collect::<Vec<_>>(), ["x\\\\", "y\\\\\\..example", "z\\\\\\\\"]);
    assert_eq!(txt(&zone, "x\\\\"), "one");
    assert_eq!(txt(&zone, "x\\\\."), "one");
    assert_eq!(txt(&zone, "x\\092"), "one");
    assert_eq!(txt(&zone, "y\\\\\\..example"), "two");
    assert_eq!(txt(&zone, "y\\092\\046.example."), "two");
    assert_eq!(txt(&zone, "z\\\\\\\\"), "three");
    assert_eq!(kind(&zone, "x"), Some(NoRecordKind::NxDomain));
    assert_eq!(kind(&zone, "y\\\\.example"), Some(NoRecordKind::NxDomain));
}

#[test]
fn at_sign() {
    let zone = parse(
        "$ORIGIN example.com.\n\
         @ TXT apex\n\
         \\@ TXT at-label\n\
         @. TXT at-absolute\n\
         alias CNAME @\n",
    );
    // `@` alone is the origin; escaped, or with more after it, it is a
    // label like any other.
    assert_eq!(zone.names().collect::<Vec<_>>(), ["example.com", "@.example.com", "@", "alias.example.com"]);
    assert_eq!(txt(&zone, "example.com"), "apex");
    assert_eq!(txt(&zone, "@.example.com"), "at-label");
    assert_eq!(txt(&zone, "\\@.example.com"), "at-label");
    assert_eq!(txt(&zone, "@"), "at-absolute");
    assert_eq!(txt(&zone, "alias.example.com"), "apex");
    assert_eq!(zone.entries()[3].data, ZoneData::Cname("example.com".to_owned()));
    // A lookup name is never relative: `@` there is the label `@`.
    let zone = parse("$ORIGIN example.\n@ TXT apex\n");
    assert_eq!(kind(&zone, "@"), Some(NoRecordKind::NxDomain));
}

#[test]
fn relative_names_under_an_origin_with_an_escaped_dot() {
    let zone = parse("$ORIGIN a\\.b.\nc TXT under\n$ORIGIN d\\.\nsub TXT deeper\n");
    // `$ORIGIN d\.` is relative to `a\.b.` (its only dot is escaped).
    assert_eq!(zone.names().collect::<Vec<_>>(), ["c.a\\.b", "sub.d\\..a\\.b"]);
    assert_eq!(txt(&zone, "c.a\\.b"), "under");
    assert_eq!(txt(&zone, "sub.d\\..a\\.b."), "deeper");
    assert_eq!(kind(&zone, "c.a.b"), Some(NoRecordKind::NxDomain));
    assert_eq!(kind(&zone, "d\\..a\\.b"), Some(NoRecordKind::NoData));
    assert_eq!(kind(&zone, "a\\.b"), Some(NoRecordKind::NoData));
    assert_eq!(kind(&zone, "b"), Some(NoRecordKind::NxDomain));
    // CNAME targets and SOA names keep their escaped dots too.
    let zone =
        parse("$ORIGIN example.\nalias CNAME t\\.x\nt\\.x TXT target\nt.x TXT decoy\n@ SOA ns\\.1 h 1 2 3 4 5\n");
    assert_eq!(txt(&zone, "alias.example"), "target");
    let ZoneData::Soa { mname, .. } = &zone.entries()[3].data else { panic!("{:?}", zone.entries()[3]) };
    assert_eq!(mname, "ns\\.1.example");
}

#[test]
fn lookup_names_that_cannot_be_names() {
    let zone = parse(". 60 SOA ns. host. 1 2 3 4 30\nb. TXT x\n");
    assert_eq!(not_found(&zone, "nothing.b"), (NoRecordKind::NxDomain, Some(30)));
    for bad in ["a..b", ".b", "b..", "x\\", "x\\25", "x\\256", &"l".repeat(64)] {
        assert_eq!(not_found(&zone, bad), (NoRecordKind::NxDomain, None), "{bad:?}");
    }
}

fn parse(text: &str) -> ZoneFile {
    ZoneFile::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

/// The one TXT string at `name`.
fn txt(zone: &ZoneFile, name: &str) -> String {
    match zone.lookup(name) {
        Lookup::Found(answer) => String::from_utf8(answer.records()[0].joined()).unwrap(),
        other => panic!("{name:?}: {other:?}"),
    }
}

fn kind(zone: &ZoneFile, name: &str) -> Option<NoRecordKind> {
    match zone.lookup(name) {
        Lookup::NoRecord(none) => Some(none.kind()),
        _ => None,
    }
}

fn not_found(zone: &ZoneFile, name: &str) -> (NoRecordKind, Option<u32>) {
    match zone.lookup(name) {
        Lookup::NoRecord(none) => (none.kind(), none.negative_ttl()),
        other => panic!("{name:?}: {other:?}"),
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}
