//! The corpus' tables: `*/expected.tsv` (one row per signature to check,
//! format in the corpus `README.md`) and the other tab-separated files
//! (`canon/*.tsv`, `go-msgauth/sign.tsv`).

use std::fmt;
use std::path::{Path, PathBuf};

use dkim_core::SignatureResult;
use dkim_dns::ZoneFile;

/// The corpus folders that hold an `expected.tsv`, in the README's order.
pub const FOLDERS: [&str; 6] = ["rfc8463", "rfc6376", "mail-dkim", "go-msgauth", "dkimpy", "mail-auth"];

/// How many rows the `expected.tsv` files hold together (the README's
/// table). [`rows`] checks it, so that no row is silently lost; a corpus
/// update that adds rows changes it here.
pub const ROWS: usize = 120;

/// The clock for rows whose `now` is `-` ("any current time gives the same
/// verdict").
pub const ANY_NOW: u64 = 1_795_000_000;

/// The columns of `expected.tsv`, as its first (comment) line names them.
const COLUMNS: [&str; 11] =
    ["message", "sig", "d", "s", "expected", "legacy", "upstream", "reason", "dns", "eol", "now"];

/// How a corpus message's lines end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eol {
    /// CRLF: feed the bytes unchanged.
    Crlf,
    /// Bare LF, as upstream keeps the file: replace every LF with CRLF
    /// before verifying. The file holds no CR.
    Lf,
}

/// One row of an `expected.tsv`.
#[derive(Clone, Debug)]
pub struct ExpectedRow {
    /// The corpus folder (`mail-dkim`, ...).
    pub folder: String,
    /// The message file, relative to the folder.
    pub message: String,
    /// Which `DKIM-Signature` field, 1-based from the top; `None` for a row
    /// about the whole message (verdict `none`).
    pub sig: Option<usize>,
    /// `d=` as written, if any.
    pub d: Option<String>,
    /// `s=` as written, if any.
    pub s: Option<String>,
    /// The verdict under RFC 6376 + RFC 8301 + RFC 8463 (the default policy).
    pub expected: String,
    /// The verdict under RFC 6376 alone (the legacy policy).
    pub legacy: String,
    /// The verdict the source project's test asserts, if any.
    pub upstream: Option<String>,
    /// Why, in a few words.
    pub reason: String,
    /// The zone file that answers key lookups, relative to the folder.
    pub dns: String,
    /// The message's line ends.
    pub eol: Eol,
    /// The verifier's clock, when the verdict depends on it.
    pub now: Option<u64>,
    /// The folder's directory.
    dir: PathBuf,
}

impl ExpectedRow {
    /// `folder/message sig N` (or `sig -`), for messages.
    pub fn label(&self) -> String {
        format!("{}/{} sig {}", self.folder, self.message, self.sig_text())
    }

    /// The `sig` column as written.
    pub fn sig_text(&self) -> String {
        self.sig.map_or_else(|| "-".to_owned(), |n| n.to_string())
    }

    /// The message file's bytes, as stored.
    ///
    /// # Panics
    ///
    /// When the file cannot be read, or an `lf` file holds a CR.
    pub fn raw(&self) -> Vec<u8> {
        let path = self.dir.join(&self.message);
        let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(self.eol == Eol::Crlf || !raw.contains(&b'\r'), "{}: an lf file with a CR", self.label());
        raw
    }

    /// The message with CRLF line ends (`eol` applied).
    pub fn crlf(&self) -> Vec<u8> {
        let raw = self.raw();
        match self.eol {
            Eol::Crlf => raw,
            Eol::Lf => {
                let mut out = Vec::with_capacity(raw.len() + raw.len() / 16);
                for b in raw {
                    if b == b'\n' {
                        out.push(b'\r');
                    }
                    out.push(b);
                }
                out
            }
        }
    }

    /// The verifier's clock for this row: `now`, or [`ANY_NOW`].
    pub fn now_or_any(&self) -> u64 {
        self.now.unwrap_or(ANY_NOW)
    }

    /// The zone file's path.
    pub fn zone_path(&self) -> PathBuf {
        self.dir.join(&self.dns)
    }

    /// `folder/dns`: names the zone among all rows' zones.
    pub fn zone_name(&self) -> String {
        format!("{}/{}", self.folder, self.dns)
    }

    /// The zone, read with [`ZoneFile`].
    ///
    /// # Panics
    ///
    /// When it cannot be read or parsed.
    pub fn zone(&self) -> ZoneFile {
        ZoneFile::from_path(self.zone_path()).unwrap_or_else(|e| panic!("{}: {e}", self.zone_name()))
    }

    /// The word to compare with `expected` or `legacy`, from a message's
    /// results: the verdict of signature `sig`; for a `-` row `none` when
    /// there is no result. Anything else is a sentence that matches no
    /// verdict.
    pub fn verdict_in(&self, results: &[SignatureResult]) -> String {
        match self.sig {
            None if results.is_empty() => "none".into(),
            None => format!("{} signature(s)", results.len()),
            Some(n) => results.get(n - 1).map_or_else(
                || format!("no result for signature {n} ({} results)", results.len()),
                |r| r.verdict().as_str().into(),
            ),
        }
    }
}

impl fmt::Display for ExpectedRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Every row of every folder's `expected.tsv` under `root`, in [`FOLDERS`]
/// order.
///
/// # Panics
///
/// When a file is missing or malformed (wrong columns, an unknown `eol`,
/// a `sig` or `now` that is not a number), or the rows are not [`ROWS`].
pub fn rows(root: &Path) -> Vec<ExpectedRow> {
    let mut rows = Vec::new();
    for folder in FOLDERS {
        let dir = root.join(folder);
        let path = dir.join("expected.tsv");
        let text = read(&path);
        let header = text.lines().find(|l| l.starts_with("# message\t"));
        let names: Option<Vec<&str>> = header.map(|h| h.trim_start_matches("# ").split('\t').collect());
        assert_eq!(names.as_deref(), Some(&COLUMNS[..]), "{}: the column line", path.display());
        for cols in split(&text) {
            rows.push(row(folder, &dir, &cols).unwrap_or_else(|e| panic!("{}: {e}: {cols:?}", path.display())));
        }
    }
    assert_eq!(rows.len(), ROWS, "rows in {}/*/expected.tsv (expected::ROWS)", root.display());
    rows
}

fn row(folder: &str, dir: &Path, cols: &[String]) -> Result<ExpectedRow, String> {
    let [message, sig, d, s, expected, legacy, upstream, reason, dns, eol, now] = cols else {
        return Err(format!("{} columns, not {}", cols.len(), COLUMNS.len()));
    };
    let dash = |v: &String| (v != "-").then(|| v.clone());
    let number = |v: &String| v.parse::<u64>().map_err(|e| format!("{v:?}: {e}"));
    let index = |v: &String| match v.parse::<usize>() {
        Ok(0) => Err("sig 0 (the column is 1-based)".to_owned()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{v:?}: {e}")),
    };
    Ok(ExpectedRow {
        folder: folder.to_owned(),
        message: message.clone(),
        sig: dash(sig).map(|n| index(&n)).transpose()?,
        d: dash(d),
        s: dash(s),
        expected: expected.clone(),
        legacy: legacy.clone(),
        upstream: dash(upstream),
        reason: reason.clone(),
        dns: dns.clone(),
        eol: match eol.as_str() {
            "crlf" => Eol::Crlf,
            "lf" => Eol::Lf,
            other => return Err(format!("unknown eol {other:?}")),
        },
        now: dash(now).map(|n| number(&n)).transpose()?,
        dir: dir.to_owned(),
    })
}

/// The rows of a tab-separated corpus file, split into columns. Blank
/// lines and lines starting with `#` (the column line among them) are left
/// out.
///
/// # Panics
///
/// When the file cannot be read.
pub fn tsv(path: &Path) -> Vec<Vec<String>> {
    split(&read(path))
}

fn split(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Undoes the escapes of `canon/*.tsv`: `\r`, `\n`, `\t`, `\\` and `\xHH`.
///
/// ```
/// assert_eq!(dkim_testkit::expected::unescape(r"a\tb\r\n\x00\\"), b"a\tb\r\n\0\\");
/// ```
///
/// # Panics
///
/// On any other escape, or a `\x` without two hex digits.
pub fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let escape = b.get(i + 1).copied();
        match escape {
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex = s.get(i + 2..i + 4).and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(hex.unwrap_or_else(|| panic!("bad \\x escape at {i} in {s:?}")));
                i += 2;
            }
            _ => panic!("unknown escape at {i} in {s:?}"),
        }
        i += 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(line: &str) -> Vec<String> {
        line.split('\t').map(String::from).collect()
    }

    #[test]
    fn a_row_reads_every_column() {
        let r = row(
            "f",
            Path::new("/x/f"),
            &cols("m.eml\t2\texample.com\tsel\tpass\tfail\t-\twhy\tdns.zone\tlf\t1700000000"),
        )
        .unwrap();
        assert_eq!((r.sig, r.d.as_deref(), r.upstream.as_deref()), (Some(2), Some("example.com"), None));
        assert_eq!((r.eol, r.now, r.now_or_any()), (Eol::Lf, Some(1_700_000_000), 1_700_000_000));
        assert_eq!(r.label(), "f/m.eml sig 2");
        assert_eq!(r.zone_path(), Path::new("/x/f/dns.zone"));
        assert_eq!(r.verdict_in(&[]), "no result for signature 2 (0 results)");
        let whole = row("f", Path::new("/x/f"), &cols("m.eml\t-\t-\t-\tnone\tnone\t-\tr\tdns.zone\tcrlf\t-")).unwrap();
        assert_eq!((whole.sig, whole.now_or_any()), (None, ANY_NOW));
        assert_eq!(whole.verdict_in(&[]), "none");
    }

    #[test]
    fn malformed_rows_are_refused() {
        assert!(row("f", Path::new("/"), &cols("m\t1")).is_err());
        assert!(row("f", Path::new("/"), &cols("m\tone\t-\t-\tpass\tpass\t-\tr\tz\tcrlf\t-")).is_err());
        assert!(row("f", Path::new("/"), &cols("m\t1\t-\t-\tpass\tpass\t-\tr\tz\tcr\t-")).is_err());
        assert!(row("f", Path::new("/"), &cols("m\t0\t-\t-\tpass\tpass\t-\tr\tz\tcrlf\t-")).is_err());
    }

    #[test]
    fn comments_and_blank_lines_are_not_rows() {
        assert_eq!(split("# a\tb\n\nx\ty\n  \n#c\n"), [cols("x\ty")]);
    }
}
