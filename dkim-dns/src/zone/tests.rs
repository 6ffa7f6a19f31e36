//! Unit tests of the zone file: syntax, record types, lookups and errors.

#![allow(clippy::unwrap_used)]

use super::rdata::is_record_type;
use super::*;
use crate::{KeySource, Lookup, NoRecord, NoRecordKind, TempFailCause, TxtAnswer};

fn parse(text: &str) -> ZoneFile {
    ZoneFile::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> (usize, usize, ZoneErrorKind) {
    let e = ZoneFile::parse(text).unwrap_err();
    (e.line(), e.column(), e.kind().clone())
}

fn found(zone: &ZoneFile, name: &str) -> TxtAnswer {
    match zone.lookup(name) {
        Lookup::Found(answer) => answer,
        other => panic!("{name}: {other:?}"),
    }
}

fn not_found(zone: &ZoneFile, name: &str) -> NoRecord {
    match zone.lookup(name) {
        Lookup::NoRecord(none) => none,
        other => panic!("{name}: {other:?}"),
    }
}

fn temp_fail(zone: &ZoneFile, name: &str) -> TempFailCause {
    match zone.lookup(name) {
        Lookup::TempFail(fail) => fail.cause().clone(),
        other => panic!("{name}: {other:?}"),
    }
}

fn strings(answer: &TxtAnswer) -> Vec<Vec<Vec<u8>>> {
    answer.records().iter().map(|r| r.strings().to_vec()).collect()
}

#[test]
fn opendkim_genkey_output() {
    let text = "$ORIGIN example.com.\n\
                sel._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; k=rsa; \"\n\
                \t  \"p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu\" )  ; ----- DKIM key sel for example.com\n";
    let zone = parse(text);
    let answer = found(&zone, "sel._domainkey.example.com");
    assert_eq!(
        strings(&answer),
        [vec![b"v=DKIM1; h=sha256; k=rsa; ".to_vec(), b"p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu".to_vec()]]
    );
    assert_eq!(answer.ttl(), DEFAULT_TTL);
    assert_eq!(answer.dnssec(), dkim_core::Dnssec::Unknown, "a zone file cannot vouch for DNSSEC");
    assert_eq!(zone.entries().len(), 1);
}

#[test]
fn opendkim_genkey_with_origin_argument() {
    let text =
        "sel._domainkey\tIN\tTXT\t( \"v=DKIM1; k=rsa; \"\n\t  \"p=AB\" )  ; ----- DKIM key sel for example.com\n";
    let zone = ZoneFile::parse_with_origin(text, "example.com.").unwrap();
    assert_eq!(found(&zone, "sel._domainkey.example.com.").records()[0].joined(), b"v=DKIM1; k=rsa; p=AB");
    assert_eq!(error(text).2, ZoneErrorKind::NoOrigin);
    let bad = ZoneFile::parse_with_origin(text, "a..b").unwrap_err();
    assert_eq!((bad.line(), bad.column(), bad.kind()), (0, 0, &ZoneErrorKind::EmptyLabel));
}

#[test]
fn origin_ttl_at_relative_and_absolute_names() {
    let zone = parse(
        "$ORIGIN Example.COM.\n\
         $TTL 2h\n\
         @ TXT apex\n\
         rel TXT relative\n\
         abs.example.net. TXT absolute\n\
         $ORIGIN sub\n\
         deeper TXT deeper\n\
         @ 5 TXT sub-apex\n\
         \tTXT continued\n",
    );
    assert_eq!(
        zone.names().collect::<Vec<_>>(),
        ["example.com", "rel.example.com", "abs.example.net", "deeper.sub.example.com", "sub.example.com"]
    );
    assert_eq!(found(&zone, "example.com").ttl(), 7200);
    assert_eq!(found(&zone, "rel.example.com").records()[0].joined(), b"relative");
    assert_eq!(found(&zone, "abs.example.net").records()[0].joined(), b"absolute");
    let sub = found(&zone, "sub.example.com");
    assert_eq!(strings(&sub), [vec![b"sub-apex".to_vec()], vec![b"continued".to_vec()]]);
    assert_eq!(sub.ttl(), 5);
    assert_eq!(zone.entries()[5].ttl, 7200, "$TTL beats the last explicit TTL");
}

#[test]
fn default_ttl_without_dollar_ttl() {
    let zone = parse("a.example. TXT one\nb.example. 60 TXT two\nc.example. TXT three\n");
    let ttls: Vec<u32> = zone.entries().iter().map(|e| e.ttl).collect();
    assert_eq!(ttls, [3600, 60, 60]);
}

#[test]
fn ttl_units() {
    let zone =
        parse("$TTL 1h30m\na.example. TXT x\nb.example. 2D TXT x\nc.example. 1w2d3h4m5s TXT x\nd.example. 0 TXT x\n");
    let ttls: Vec<u32> = zone.entries().iter().map(|e| e.ttl).collect();
    assert_eq!(ttls, [5400, 172_800, 7 * 86_400 + 2 * 86_400 + 3 * 3600 + 4 * 60 + 5, 0]);
    assert_eq!(parse("a. 2147483647 TXT x\n").entries()[0].ttl, MAX_TTL);
    for bad in ["1h30", "1x", "2147483648", "99999999999999999999", "1hh", "3000000000s"] {
        let text = format!("a. {bad} TXT x\n");
        assert_eq!(error(&text), (1, 4, ZoneErrorKind::InvalidTtl { found: bad.to_owned() }), "{bad}");
    }
    for bad in ["h", "-1", "\"1\""] {
        let text = format!("$TTL {bad}\n");
        assert_eq!(error(&text), (1, 6, ZoneErrorKind::InvalidTtl { found: bad.to_owned() }), "{bad}");
    }
}

#[test]
fn ttl_and_class_in_either_order() {
    let zone = parse(
        "a.example. 60 IN TXT one\n\
         b.example. IN 70 TXT two\n\
         c.example. in txt three\n\
         d.example. 80 TXT four\n\
         e.example. CH TXT five\n",
    );
    let ttls: Vec<(&str, u32)> = zone.txt_records().map(|(name, ttl, _)| (name, ttl)).collect();
    assert_eq!(ttls, [("a.example", 60), ("b.example", 70), ("c.example", 70), ("d.example", 80), ("e.example", 80)]);
    assert_eq!(found(&zone, "c.example").records()[0].joined(), b"three");
}

#[test]
fn escapes() {
    let zone = parse(r#"a.example. TXT "say \"hi\"" "back\\slash" "semi\059colon" "\t\a" "\000\255" un\"quoted\;"#);
    let answer = found(&zone, "a.example");
    assert_eq!(
        strings(&answer),
        [vec![
            b"say \"hi\"".to_vec(),
            b"back\\slash".to_vec(),
            b"semi;colon".to_vec(),
            b"ta".to_vec(),
            vec![0, 255],
            b"un\"quoted;".to_vec(),
        ]]
    );
    // A `;` inside quotes is not a comment; outside it is.
    let zone = parse("a.example. TXT \"v=DKIM1; k=rsa\" ; comment \"x\"\n");
    assert_eq!(strings(&found(&zone, "a.example")), [vec![b"v=DKIM1; k=rsa".to_vec()]]);
    // Multi-byte UTF-8 after a backslash stands for itself.
    let zone = parse("a.example. TXT \"\\é\"\n");
    assert_eq!(strings(&found(&zone, "a.example")), [vec!["é".as_bytes().to_vec()]]);
}

#[test]
fn strings_kept_separate_and_records_in_order() {
    let zone = parse("a.example. TXT \"one\" two \"\"\na.example. TXT \"second record\"\n");
    let answer = found(&zone, "a.example");
    assert_eq!(strings(&answer), [vec![b"one".to_vec(), b"two".to_vec(), Vec::new()], vec![b"second record".to_vec()]]);
}

#[test]
fn string_length_limit() {
    let ok = "x".repeat(255);
    let zone = parse(&format!("a.example. TXT \"{ok}\"\n"));
    assert_eq!(found(&zone, "a.example").records()[0].strings()[0].len(), 255);
    let escaped = format!("a.example. TXT \"{}\\120\"\n", "x".repeat(254));
    assert_eq!(found(&parse(&escaped), "a.example").records()[0].strings()[0].len(), 255);
    let long = "x".repeat(256);
    assert_eq!(
        error(&format!("a.example. TXT \"ok\" \"{long}\"\n")),
        (1, 21, ZoneErrorKind::StringTooLong { len: 256 })
    );
    assert_eq!(error(&format!("a.example. TXT {long}\n")), (1, 16, ZoneErrorKind::StringTooLong { len: 256 }));
}

#[test]
fn cname_followed() {
    let zone = parse(
        "$ORIGIN example.com.\n\
         a 300 CNAME b\n\
         b 200 CNAME c.example.net.\n\
         c.example.net. 400 TXT \"v=DKIM1; p=\"\n\
         dangling CNAME nowhere\n\
         nodata CNAME host\n\
         host A 192.0.2.1\n",
    );
    let answer = found(&zone, "A.example.com.");
    assert_eq!(answer.records()[0].joined(), b"v=DKIM1; p=");
    assert_eq!(answer.ttl(), 200);
    assert_eq!(found(&zone, "c.example.net").ttl(), 400);
    assert_eq!(not_found(&zone, "dangling.example.com").kind(), NoRecordKind::NxDomain);
    assert_eq!(not_found(&zone, "nodata.example.com").kind(), NoRecordKind::NoData);
    assert_eq!(zone.entries()[0].data, ZoneData::Cname("b.example.com".to_owned()));
}

#[test]
fn cname_loops_and_long_chains() {
    let zone = parse("$ORIGIN example.\nself CNAME self\nx CNAME y\ny CNAME z\nz CNAME x\n");
    assert_eq!(temp_fail(&zone, "self.example"), TempFailCause::CnameChain);
    assert_eq!(temp_fail(&zone, "x.example"), TempFailCause::CnameChain);

    // c0 -> c1 -> ... -> cN, then a TXT record at cN.
    let chain = |n: usize| {
        let mut text = String::from("$ORIGIN example.\n");
        for i in 0..n {
            text.push_str(&format!("c{i} CNAME c{}\n", i + 1));
        }
        text.push_str(&format!("c{n} TXT end\n"));
        parse(&text)
    };
    assert_eq!(found(&chain(8), "c0.example").records()[0].joined(), b"end");
    assert_eq!(temp_fail(&chain(9), "c0.example"), TempFailCause::CnameChain);
    assert_eq!(found(&chain(9), "c1.example").records()[0].joined(), b"end");
}

#[test]
fn cname_conflicts() {
    assert_eq!(error("$ORIGIN example.\na CNAME b\na TXT x\n"), (3, 1, ZoneErrorKind::CnameAndOtherData));
    assert_eq!(error("$ORIGIN example.\na TXT x\n  CNAME b\n"), (3, 3, ZoneErrorKind::CnameAndOtherData));
    assert_eq!(error("$ORIGIN example.\na CNAME b\na CNAME c\n"), (3, 1, ZoneErrorKind::CnameAndOtherData));
    parse("$ORIGIN example.\na CNAME b\na RRSIG CNAME 8 2 300 20300101000000 20200101000000 1 example. AAAA\n");
}

#[test]
fn nodata_nxdomain_and_empty_non_terminals() {
    let zone = parse(
        "$ORIGIN example.com.\n\
         sel._domainkey.deep TXT \"v=DKIM1; p=\"\n\
         host A 192.0.2.1\n\
         host AAAA 2001:db8::1\n",
    );
    assert_eq!(not_found(&zone, "host.example.com").kind(), NoRecordKind::NoData);
    assert_eq!(not_found(&zone, "_domainkey.deep.example.com").kind(), NoRecordKind::NoData);
    assert_eq!(not_found(&zone, "deep.example.com").kind(), NoRecordKind::NoData);
    assert_eq!(not_found(&zone, "example.com").kind(), NoRecordKind::NoData);
    assert_eq!(not_found(&zone, "other.example.com").kind(), NoRecordKind::NxDomain);
    assert_eq!(not_found(&zone, "x.sel._domainkey.deep.example.com").kind(), NoRecordKind::NxDomain);
    assert_eq!(not_found(&zone, "eep.example.com").kind(), NoRecordKind::NxDomain);
    assert_eq!(not_found(&zone, "other.example.com").negative_ttl(), None);
}

#[test]
fn extension_keywords() {
    let zone = parse(
        "a.example. NXDOMAIN\n\
         b.example. servfail\n\
         c.example. Timeout\n\
         d.example. TXT x\n",
    );
    assert_eq!(not_found(&zone, "a.example").kind(), NoRecordKind::NxDomain);
    assert_eq!(temp_fail(&zone, "b.example"), TempFailCause::ServFail);
    assert_eq!(temp_fail(&zone, "C.Example."), TempFailCause::Timeout);
    let data: Vec<&ZoneData> = zone.entries().iter().map(|e| &e.data).collect();
    assert_eq!(data[..3], [&ZoneData::NxDomain, &ZoneData::ServFail, &ZoneData::Timeout]);
    assert!(zone.entries()[..3].iter().all(|e| e.ttl == 0));
    // Through a CNAME too.
    let zone = parse("$ORIGIN example.\nalias CNAME down\ndown SERVFAIL\n");
    assert_eq!(temp_fail(&zone, "alias.example"), TempFailCause::ServFail);
    // A mark is the only thing at its name; keywords take no TTL or class.
    assert_eq!(error("a.example. TXT x\na.example. NXDOMAIN\n"), (2, 1, ZoneErrorKind::MarkAndOtherData));
    assert_eq!(error("a.example. TIMEOUT\na.example. TXT x\n"), (2, 1, ZoneErrorKind::MarkAndOtherData));
    assert_eq!(error("a.example. IN NXDOMAIN\n"), (1, 15, ZoneErrorKind::UnknownType { found: "NXDOMAIN".to_owned() }));
    // `#` lines are comments (testdata format), but only at column 1.
    assert_eq!(parse("# comment\na.example. TXT x\n").entries().len(), 1);
}

#[test]
fn soa_negative_ttl() {
    let zone = parse(
        "$ORIGIN example.com.\n\
         @ 600 IN SOA ns1 hostmaster.example.com. ( 2024010101 ; serial\n\
               2h 30m 2w 1d )\n\
         sub 100 SOA ns1.sub hostmaster.sub 1 2 3 4 50\n\
         a TXT x\n\
         sub 100 NS ns1.sub\n\
         gone.sub NXDOMAIN\n",
    );
    let Some(ZoneEntry { data: ZoneData::Soa { mname, rname, serial, refresh, retry, expire, minimum }, ttl, .. }) =
        zone.entries().first()
    else {
        panic!("no SOA first");
    };
    assert_eq!((mname.as_str(), rname.as_str()), ("ns1.example.com", "hostmaster.example.com"));
    assert_eq!(
        (*ttl, *serial, *refresh, *retry, *expire, *minimum),
        (600, 2_024_010_101, 7200, 1800, 1_209_600, 86_400)
    );
    assert_eq!(not_found(&zone, "b.example.com").negative_ttl(), Some(600));
    assert_eq!(not_found(&zone, "a.b.c.example.com").negative_ttl(), Some(600));
    assert_eq!(not_found(&zone, "example.com").negative_ttl(), Some(600));
    assert_eq!(not_found(&zone, "x.sub.example.com").negative_ttl(), Some(50));
    assert_eq!(not_found(&zone, "gone.sub.example.com").negative_ttl(), Some(50));
    assert_eq!(not_found(&zone, "example.net").negative_ttl(), None);
    assert_eq!(error("$ORIGIN e.\n@ SOA a b 1 2 3 4 5\n@ SOA a b 1 2 3 4 5\n"), (3, 1, ZoneErrorKind::DuplicateSoa));
}

#[test]
fn case_insensitive_lookup() {
    let zone = parse("Sel._DomainKey.Example.COM. TXT \"Case Kept\"\n");
    assert_eq!(zone.names().collect::<Vec<_>>(), ["sel._domainkey.example.com"]);
    for name in ["sel._domainkey.example.com", "SEL._DOMAINKEY.EXAMPLE.COM.", "sEl._dOmAiNkEy.eXaMpLe.CoM"] {
        assert_eq!(found(&zone, name).records()[0].joined(), b"Case Kept");
    }
}

#[test]
fn key_source_trait() {
    let zone = parse("a.example. TXT x\n");
    let answer = futures::executor::block_on(zone.lookup_txt("A.example."));
    assert_eq!(answer, zone.lookup("a.example"));
    assert!(matches!(answer, Lookup::Found(_)));
}

#[test]
fn crlf_line_ends() {
    let zone = parse("$ORIGIN example.com.\r\n$TTL 60\r\nsel._domainkey IN TXT ( \"a\"\r\n  \"b\" ) ; c\r\n\r\n");
    let answer = found(&zone, "sel._domainkey.example.com");
    assert_eq!(strings(&answer), [vec![b"a".to_vec(), b"b".to_vec()]]);
    assert_eq!(answer.ttl(), 60);
    assert_eq!(error("a.example. TXT \"x\r\n"), (1, 16, ZoneErrorKind::UnterminatedString));
}

#[test]
fn parentheses() {
    // `(` inside a word is an ordinary character; `)` ends a word only
    // inside a group.
    let zone = parse("test._domainkey.legitimate.com(.attacker.com. TXT \"k\"\n");
    assert_eq!(zone.names().collect::<Vec<_>>(), ["test._domainkey.legitimate.com(.attacker.com"]);
    assert!(matches!(zone.lookup("test._domainkey.legitimate.com(.attacker.com"), Lookup::Found(_)));
    assert_eq!(not_found(&zone, "test._domainkey.legitimate.com").kind(), NoRecordKind::NxDomain);
    let zone = parse("a.example. TXT (one\ntwo)\nb.example. TXT x)y\n");
    assert_eq!(strings(&found(&zone, "a.example")), [vec![b"one".to_vec(), b"two".to_vec()]]);
    assert_eq!(strings(&found(&zone, "b.example")), [vec![b"x)y".to_vec()]]);
    // Groups may nest; a comment inside one hides nothing after the line.
    let zone = parse("a.example. ( TXT ( \"x\" ; (\n) \"y\" )\n");
    assert_eq!(strings(&found(&zone, "a.example")), [vec![b"x".to_vec(), b"y".to_vec()]]);
}

#[test]
fn names() {
    let zone = parse("$ORIGIN example.\na\\.b TXT x\nc\\065\\\\ TXT y\nx.\\(y TXT z\n");
    assert_eq!(zone.names().collect::<Vec<_>>(), ["a\\.b.example", "ca\\\\.example", "x.(y.example"]);
    assert!(matches!(zone.lookup("a\\.b.example"), Lookup::Found(_)));
    assert_eq!(not_found(&zone, "a.b.example").kind(), NoRecordKind::NxDomain);
    assert_eq!(not_found(&zone, "b.example").kind(), NoRecordKind::NxDomain);
    let zone = parse(". TXT root\n$ORIGIN .\nrel TXT r\n");
    assert_eq!(zone.names().collect::<Vec<_>>(), ["", "rel"]);
    let zone = parse("caf\\195\\169.example. TXT x\n");
    assert_eq!(zone.names().collect::<Vec<_>>(), ["café.example"]);
    // 63-byte labels and 253-byte names are fine.
    let label = "a".repeat(63);
    parse(&format!("{label}.example. TXT x\n"));
    let name = format!("{}.{}", vec!["b".repeat(63); 3].join("."), "c".repeat(61));
    assert_eq!(name.len(), 253);
    parse(&format!("{name}. TXT x\n"));
}

#[test]
fn other_record_types() {
    let zone = parse(
        "$ORIGIN example.com.\n\
         @ NS ns1\n\
         @ MX 10 Mail.Example.COM.\n\
         www A 192.0.2.1\n\
         www AAAA 2001:DB8:0:0::1\n\
         _sip._tcp SRV 10 60 5060 sip\n\
         @ CAA 0 issue \"ca.example.net\"\n\
         ptr PTR host\n\
         gen TYPE65534 \\# 2 abcd\n\
         @ HINFO \"PC\" \"Linux\"\n",
    );
    let other: Vec<(&str, Vec<&str>)> = zone
        .entries()
        .iter()
        .map(|e| match &e.data {
            ZoneData::Other { rtype, rdata } => (rtype.as_str(), rdata.iter().map(String::as_str).collect()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        other,
        [
            ("NS", vec!["ns1.example.com."]),
            ("MX", vec!["10", "mail.example.com."]),
            ("A", vec!["192.0.2.1"]),
            ("AAAA", vec!["2001:db8::1"]),
            ("SRV", vec!["10", "60", "5060", "sip.example.com."]),
            ("CAA", vec!["0", "issue", "\"ca.example.net\""]),
            ("PTR", vec!["host.example.com."]),
            ("TYPE65534", vec!["\\#", "2", "abcd"]),
            ("HINFO", vec!["\"PC\"", "\"Linux\""]),
        ]
    );
    assert_eq!(not_found(&zone, "www.example.com").kind(), NoRecordKind::NoData);
}

#[test]
fn error_positions() {
    let cases: &[(&str, (usize, usize, ZoneErrorKind))] = &[
        ("a.example. TXT ok\nb.example. TXT \"open\n", (2, 16, ZoneErrorKind::UnterminatedString)),
        ("a.example. TXT ( \"x\"\n\"y\"\n", (1, 16, ZoneErrorKind::UnclosedParenthesis)),
        ("a.example. TXT \"x\" )\n", (1, 20, ZoneErrorKind::UnbalancedParenthesis)),
        ("a.example. TXT \"ab\\256\"\n", (1, 19, ZoneErrorKind::EscapeOutOfRange { value: 256 })),
        ("a.example. TXT \"ab\\25x\"\n", (1, 19, ZoneErrorKind::IncompleteEscape)),
        ("a.example. TXT ab\\\n", (1, 18, ZoneErrorKind::IncompleteEscape)),
        ("\n  a.example. 60 IN FOO x\n", (2, 3, ZoneErrorKind::NoPreviousOwner)),
        ("a.example. 60 IN FOO x\n", (1, 18, ZoneErrorKind::UnknownType { found: "FOO".to_owned() })),
        ("a.example. 60 60 TXT x\n", (1, 15, ZoneErrorKind::UnknownType { found: "60".to_owned() })),
        ("a.example. 60 IN\n", (1, 17, ZoneErrorKind::MissingType)),
        ("a.example.\n", (1, 11, ZoneErrorKind::MissingType)),
        ("a.example. \"TXT\" x\n", (1, 12, ZoneErrorKind::Quoted)),
        ("\"a\" TXT x\n", (1, 1, ZoneErrorKind::Quoted)),
        ("a TXT x\n", (1, 1, ZoneErrorKind::NoOrigin)),
        ("@ TXT x\n", (1, 1, ZoneErrorKind::NoOrigin)),
        ("$ORIGIN example.\n\n  ; x\na..b TXT x\n", (4, 1, ZoneErrorKind::EmptyLabel)),
        ("$INCLUDE other.zone\n", (1, 1, ZoneErrorKind::UnsupportedDirective { directive: "$INCLUDE".to_owned() })),
        ("$generate 1-2 a$ TXT x\n", (1, 1, ZoneErrorKind::UnsupportedDirective { directive: "$generate".to_owned() })),
        ("$FOO x\n", (1, 1, ZoneErrorKind::UnknownDirective { directive: "$FOO".to_owned() })),
        ("$ORIGIN a. b.\n", (1, 12, ZoneErrorKind::DirectiveArguments { directive: "$ORIGIN".to_owned() })),
        ("$TTL\n", (1, 5, ZoneErrorKind::DirectiveArguments { directive: "$TTL".to_owned() })),
        ("$TTL 1y\n", (1, 6, ZoneErrorKind::InvalidTtl { found: "1y".to_owned() })),
        ("a\\255.example. TXT x\n", (1, 1, ZoneErrorKind::NameNotUtf8)),
    ];
    for (text, expected) in cases {
        assert_eq!(&error(text), expected, "{text:?}");
    }
    let long_label = format!("{}.example. TXT x\n", "a".repeat(64));
    assert_eq!(error(&long_label), (1, 1, ZoneErrorKind::LabelTooLong { len: 64 }));
    let long_name = format!("x.{}.{}. TXT x\n", vec!["b".repeat(63); 3].join("."), "c".repeat(61));
    assert_eq!(error(&long_name), (1, 1, ZoneErrorKind::NameTooLong { len: 255 }));
    let relative_long = format!("$ORIGIN {}.\n{} TXT x\n", vec!["b".repeat(63); 3].join("."), "c".repeat(62));
    assert_eq!(error(&relative_long), (2, 1, ZoneErrorKind::NameTooLong { len: 254 }));
}

#[test]
fn rdata_error_positions() {
    let invalid = |rtype: &str, reason| ZoneErrorKind::InvalidRdata { rtype: rtype.to_owned(), reason };
    let soa_fields = "expected mname, rname, serial, refresh, retry, expire and minimum";
    let cases: &[(&str, (usize, usize, ZoneErrorKind))] = &[
        ("a.example. TXT\n", (1, 15, invalid("TXT", "at least one character-string is needed"))),
        ("a.example. CNAME b. c.\n", (1, 21, invalid("CNAME", "expected one name"))),
        ("a.example. A 300.1.1.1\n", (1, 14, invalid("A", "not an IPv4 address"))),
        ("a.example. AAAA 1.2.3.4\n", (1, 17, invalid("AAAA", "not an IPv6 address"))),
        ("a.example. SOA a. b. 1 2 3 4\n", (1, 29, invalid("SOA", soa_fields))),
        ("a.example. SOA a. b. x 2 3 4 5\n", (1, 22, invalid("SOA", "the serial is not a number"))),
        ("a.example. MX 65536 b.\n", (1, 15, invalid("MX", "the preference is not a number from 0 to 65535"))),
    ];
    for (text, expected) in cases {
        assert_eq!(&error(text), expected, "{text:?}");
    }
}

#[test]
fn error_display() {
    let e = ZoneFile::parse("$ORIGIN example.\n\nsel._domainkey TXT \"v=DKIM1\n").unwrap_err();
    assert_eq!(e.to_string(), "zone file line 3, column 20: unterminated quoted string");
    assert_eq!(e.path(), None);
    let e = ZoneFile::parse("a. TXT \"\\300\"\n").unwrap_err();
    assert_eq!(e.to_string(), "zone file line 1, column 9: escape `\\300` is above 255");
    let e: Box<dyn std::error::Error> = Box::new(e);
    assert!(e.source().is_none());
}

#[test]
fn from_path_errors_name_the_file() {
    let dir = std::env::temp_dir();
    let missing = dir.join(format!("dkim-dns-zone-missing-{}.zone", std::process::id()));
    let e = ZoneFile::from_path(&missing).unwrap_err();
    assert_eq!((e.line(), e.column(), e.kind()), (0, 0, &ZoneErrorKind::Io(std::io::ErrorKind::NotFound)));
    assert_eq!(e.path(), Some(missing.as_path()));
    assert!(e.to_string().starts_with(&format!("zone file {}: cannot read the file", missing.display())));

    let bad = dir.join(format!("dkim-dns-zone-bad-{}.zone", std::process::id()));
    std::fs::write(&bad, b"a.example. TXT ok\nb.example. TXT \"\xff\"\nc.example. BAD x\n").unwrap();
    let e = ZoneFile::from_path(&bad).unwrap_err();
    assert_eq!((e.line(), e.column(), e.kind()), (2, 17, &ZoneErrorKind::NotUtf8));
    std::fs::write(&bad, b"a.example. TXT ok\nc.example. BAD x\n").unwrap();
    let e = ZoneFile::from_path(&bad).unwrap_err();
    assert_eq!(e.to_string(), format!("zone file {}, line 2, column 12: `BAD` is not a record type", bad.display()));
    std::fs::remove_file(&bad).unwrap();
}

#[test]
fn record_type_mnemonics() {
    for ok in ["A", "TXT", "NSAP-PTR", "TYPE0", "TYPE65535", "HTTPS"] {
        assert!(is_record_type(ok), "{ok}");
    }
    for bad in ["ANY", "AXFR", "OPT", "TYPE", "TYPE65536", "TYPE+1", "FOO", ""] {
        assert!(!is_record_type(bad), "{bad}");
    }
}
