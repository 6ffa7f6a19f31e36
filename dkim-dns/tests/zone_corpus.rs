//! Every `*.zone` file of the shared test corpus through [`ZoneFile`].
//!
//! The corpus is found through `dkim_testkit::Corpus` (`$DKIM_TESTDATA`,
//! else `../shared/testdata` beside the workspace); when it is absent the
//! test prints a note and passes, unless `DKIM_REQUIRE_TESTDATA=1`.
//!
//! The corpus files use the testdata format (`NAME TXT "s" ...` and
//! `NAME NXDOMAIN|SERVFAIL|TIMEOUT`, `;` and `#` comments). Each line is read
//! here a second time with a small reader of that format, and the zone file
//! must agree with it: the same names, the same strings in each record, and
//! lookups that answer what the line says.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use dkim_dns::{Lookup, NoRecordKind, TempFailCause, ZoneData, ZoneFile};

#[test]
fn every_testdata_zone_file() {
    let Some(corpus) = dkim_testkit::Corpus::open("dkim-dns zone files") else { return };
    let root = corpus.root().to_path_buf();
    let mut files = Vec::new();
    collect_zone_files(&root, &mut files);
    files.sort();
    let mut entries = 0;
    for path in &files {
        entries += check_file(path);
    }
    corpus.report_vectors(entries, &format!("entries in {} zone files", files.len()));
    assert!(files.len() >= 7, "only {} zone files under {}", files.len(), root.display());
}

fn collect_zone_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_zone_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "zone") {
            out.push(path);
        }
    }
}

/// Checks one file; returns how many entries it has.
fn check_file(path: &Path) -> usize {
    let zone = ZoneFile::from_path(path).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<Line> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with([';', '#']))
        .map(|(i, l)| {
            Line::read(l).unwrap_or_else(|| panic!("{}:{}: not in the testdata format", path.display(), i + 1))
        })
        .collect();
    assert_eq!(zone.entries().len(), lines.len(), "{}", path.display());
    for (entry, line) in zone.entries().iter().zip(&lines) {
        let at = format!("{}: {}", path.display(), line.name);
        assert_eq!(entry.name, line.name, "{at}");
        match (&entry.data, &line.kind) {
            (ZoneData::Txt(record), Kind::Txt(strings)) => assert_eq!(record.strings(), strings, "{at}"),
            (ZoneData::NxDomain, Kind::Mark(m)) if m == "NXDOMAIN" => {}
            (ZoneData::ServFail, Kind::Mark(m)) if m == "SERVFAIL" => {}
            (ZoneData::Timeout, Kind::Mark(m)) if m == "TIMEOUT" => {}
            (data, kind) => panic!("{at}: parsed as {data:?}, the line says {kind:?}"),
        }
        match (&entry.data, zone.lookup(&line.name)) {
            (ZoneData::Txt(record), Lookup::Found(answer)) => {
                assert!(answer.records().contains(record), "{at}");
                assert!(record.strings().iter().all(|s| s.len() <= 255), "{at}");
            }
            (ZoneData::NxDomain, Lookup::NoRecord(none)) => assert_eq!(none.kind(), NoRecordKind::NxDomain, "{at}"),
            (ZoneData::ServFail, Lookup::TempFail(fail)) => assert_eq!(fail.cause(), &TempFailCause::ServFail, "{at}"),
            (ZoneData::Timeout, Lookup::TempFail(fail)) => assert_eq!(fail.cause(), &TempFailCause::Timeout, "{at}"),
            (data, answer) => panic!("{at}: {data:?} answered {answer:?}"),
        }
    }
    lines.len()
}

/// One line of the testdata format, read without `dkim-dns`.
#[derive(Debug)]
struct Line {
    /// The owner name in lower case, without the final dot.
    name: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// The quoted strings, escapes decoded.
    Txt(Vec<Vec<u8>>),
    /// `NXDOMAIN`, `SERVFAIL` or `TIMEOUT`, in upper case.
    Mark(String),
}

impl Line {
    fn read(line: &str) -> Option<Self> {
        let mut words = line.split_whitespace();
        let name = words.next()?;
        let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        let word = words.next()?.to_ascii_uppercase();
        if word != "TXT" {
            return (words.next().is_none() && ["NXDOMAIN", "SERVFAIL", "TIMEOUT"].contains(&word.as_str()))
                .then_some(Self { name, kind: Kind::Mark(word) });
        }
        let rest = &line[line.to_ascii_uppercase().find(" TXT ")? + 5..];
        Some(Self { name, kind: Kind::Txt(quoted_strings(rest)?) })
    }
}

/// The `"..."` strings of `text` (nothing else but blanks and a final `;`
/// comment around them), with `\DDD` and `\X` decoded.
fn quoted_strings(text: &str) -> Option<Vec<Vec<u8>>> {
    let mut strings = Vec::new();
    let mut bytes = text.bytes().peekable();
    loop {
        match bytes.next() {
            None | Some(b';') => return Some(strings),
            Some(b' ' | b'\t' | b'\r') => continue,
            Some(b'"') => {}
            Some(_) => return None,
        }
        let mut s = Vec::new();
        loop {
            match bytes.next()? {
                b'"' => break,
                b'\\' => {
                    let first = bytes.next()?;
                    if first.is_ascii_digit() {
                        let (d2, d3) = (bytes.next()?, bytes.next()?);
                        let value = [first, d2, d3]
                            .iter()
                            .try_fold(0u16, |n, d| d.is_ascii_digit().then(|| n * 10 + u16::from(d - b'0')))?;
                        s.push(u8::try_from(value).ok()?);
                    } else {
                        s.push(first);
                    }
                }
                b => s.push(b),
            }
        }
        strings.push(s);
    }
}
