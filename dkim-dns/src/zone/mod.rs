//! A key source read from an RFC 1035 master file ("zone file").
//!
//! The syntax accepted, the lookup rules and the non-standard test extension
//! (`NAME NXDOMAIN|SERVFAIL|TIMEOUT`) are described on [`ZoneFile`].
//!
//! One file per job: `lexer` cuts the text into tokens, `parser` turns them
//! into records (with `rdata` for each type's fields and `name` for domain
//! names), `store` keeps the records by name and answers lookups, and
//! `error` says what went wrong where.

use std::future::Future;
use std::path::Path;

#[cfg(doc)]
use crate::TempFailCause;
use crate::{KeySource, Lookup, TxtRecord};

mod error;
mod lexer;
mod name;
mod parser;
mod rdata;
mod store;
#[cfg(test)]
mod tests;

use error::Pos;
pub use error::{ZoneError, ZoneErrorKind};
use lexer::Token;
use name::Name;
use parser::Parser;
use store::Store;

/// TTL of a record that has none, when neither `$TTL` nor an earlier record
/// gave one.
const DEFAULT_TTL: u32 = 3600;

/// Largest TTL accepted (RFC 2181 section 8: 2^31 - 1).
const MAX_TTL: u32 = 0x7fff_ffff;

/// How many CNAMEs a lookup follows before giving up.
const MAX_CNAME_STEPS: usize = 8;

/// Longest character-string, label and name, in bytes.
const MAX_STRING: usize = 255;
const MAX_LABEL: usize = 63;
const MAX_NAME: usize = 253;

/// TXT records read from an RFC 1035 master file, as people write them for
/// DKIM (for example the output of `opendkim-genkey`).
///
/// ```
/// use dkim_dns::{KeySource, Lookup, ZoneFile};
///
/// let zone = ZoneFile::parse(
///     r#"
/// $ORIGIN example.com.
/// $TTL 1h
/// sel._domainkey  IN  TXT  ( "v=DKIM1; h=sha256; k=ed25519; "
///     "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" )  ; ----- DKIM key sel for example.com
/// "#,
/// )?;
/// let answer = futures::executor::block_on(zone.lookup_txt("SEL._domainkey.example.com."));
/// let Lookup::Found(answer) = answer else { panic!("expected a record") };
/// assert_eq!(answer.ttl(), 3600);
/// let record = &answer.records()[0];
/// assert_eq!(record.strings().len(), 2);
/// assert_eq!(record.joined(), b"v=DKIM1; h=sha256; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
/// assert!(matches!(zone.lookup("other._domainkey.example.com"), Lookup::NoRecord(_)));
/// # Ok::<(), dkim_dns::ZoneError>(())
/// ```
///
/// # Syntax
///
/// One record per line: `[owner] [ttl] [class] type rdata`, where the TTL
/// and the class may also come in the other order and both may be left out.
///
/// - **Owner.** An absolute name ends with a dot; any other name is relative
///   to the current `$ORIGIN` (an error when there is none). `@` is the
///   origin itself. A line that starts with a space or tab has no owner field
///   and reuses the previous record's owner.
/// - **Comments.** `;` outside a quoted string starts a comment that runs to
///   the end of the line.
/// - **Directives.** `$ORIGIN name` and `$TTL ttl`, at the start of a line.
///   `$INCLUDE` and `$GENERATE` are rejected as not supported.
/// - **TTLs.** Seconds (`3600`) or BIND units `w`, `d`, `h`, `m`, `s` in any
///   letter case, each number followed by its unit (`1h30m`, `2d`, `1W`); at
///   most 2147483647 (RFC 2181). A record without a TTL gets the `$TTL`
///   value if one was set, else the TTL last written on a record, else 3600.
/// - **Classes.** `IN`, and also `CH` and `HS`.
/// - **Parentheses.** `(` and `)` group several lines into one record, as
///   `opendkim-genkey` writes long TXT records. A parenthesis is grouping
///   only at the start of a token, or, for `)`, where it ends an unquoted
///   token while a group is open. Anywhere else it is an ordinary character,
///   so `test._domainkey.legitimate.com(.attacker.com.` is one name.
/// - **Quoted strings.** `"..."` may hold spaces and `;`. A quoted string
///   ends at its closing quote and must close on the line it opens on.
/// - **Escapes**, quoted or not: `\DDD` is the byte with decimal value DDD
///   (at most 255), `\X` is the character X itself (so `\"`, `\\`, `\;`,
///   and in names `\.` for a dot inside a label).
/// - **Line ends.** LF or CRLF.
///
/// Record types:
///
/// - `TXT`: one or more character-strings, quoted or not, each at most 255
///   bytes. They stay separate in the [`TxtRecord`].
/// - `CNAME`: one name. Lookups follow CNAMEs inside the file. A CNAME
///   cannot share its name with other records (except `RRSIG` and `NSEC`).
/// - `SOA`: the seven fields; the names may be relative. Its TTL and
///   `minimum` give the negative-caching TTL.
/// - `A`, `AAAA`, `MX`, `NS`, `PTR`, `DNAME`, `SRV` are checked (addresses,
///   numbers, names) and kept; every other record type mnemonic (and the
///   RFC 3597 `TYPEnnn` form) is accepted and its fields kept as written. A
///   word that is not a record type is an error.
///
/// Labels are at most 63 bytes and names at most 253; each label must be
/// valid UTF-8 once unescaped. Names are given back (by [`names`](Self::names),
/// in [`ZoneEntry::name`] and in [`ZoneData`]) in the *stored form*: ASCII
/// lower case, absolute, labels joined by dots, no final dot (the root is
/// `""`); a dot or backslash inside a label is escaped (`\.`, `\\`), every
/// other byte is itself. So a stored name ends with a dot only when its last
/// label does (`x\.` is the one-label name `x.`), and every stored name,
/// given to [`lookup`](Self::lookup), finds itself.
///
/// # Test extension
///
/// Not part of RFC 1035: the `../shared/testdata` key files use two extra
/// forms, accepted here so that tests can load them directly.
///
/// - A line `NAME NXDOMAIN`, `NAME SERVFAIL` or `NAME TIMEOUT` (keyword in
///   any letter case, no TTL or class) makes lookups of NAME answer "no such
///   name", a SERVFAIL temporary failure or a timeout temporary failure. Such
///   a name cannot also have records.
/// - A line whose first character is `#` is a comment.
///
/// # Lookups
///
/// [`lookup`](Self::lookup) (and [`KeySource::lookup_txt`]) read the name
/// asked for in presentation format, as in a master file: labels separated
/// by dots, the final dot optional, and in a label `\.` (or `\046`) for a
/// dot, `\\` for a backslash, `\DDD` for any byte; every other character is
/// itself, so a plain dotted name such as `sel._domainkey.example.com`
/// means what it says. Names are compared label by label, without regard to
/// ASCII case: `A\.b.example` finds the owner `a\.b.example.` (labels `a.b`
/// and `example`), never `a.b.example.`. A name that cannot be one (a bad
/// escape, an empty label, a label over 63 bytes or a name over 253) is
/// NXDOMAIN, with no negative TTL. Then:
///
/// - a name marked `SERVFAIL` or `TIMEOUT` is a temporary failure, one
///   marked `NXDOMAIN` is "no such name";
/// - a name with TXT records answers all of them, in file order, with the
///   smallest TTL;
/// - a CNAME is followed inside the file, for at most 8 CNAMEs; a loop or a
///   longer chain is a temporary failure
///   ([`TempFailCause::CnameChain`]); the answer's TTL is the smallest
///   along the chain;
/// - a name with other records only, or with none but with names below it
///   (an "empty non-terminal", RFC 8020), is NODATA; any other name is
///   NXDOMAIN. Their negative TTL is the smaller of the TTL and the
///   `minimum` of the SOA record at the nearest enclosing name, if any.
///
/// One parsed zone serves any number of verifiers: [`KeySource`](crate::KeySource)
/// is implemented for `&ZoneFile` and `Arc<ZoneFile>`, so share it instead of
/// parsing it again.
///
/// ```
/// use std::sync::Arc;
/// use dkim_dns::{KeySource, Lookup, ZoneFile};
/// let zone = Arc::new(ZoneFile::parse("s._domainkey.example.com. TXT \"v=DKIM1; p=\"\n")?);
/// let (a, b) = (Arc::clone(&zone), Arc::clone(&zone)); // e.g. two AsyncVerifiers
/// assert!(matches!(futures::executor::block_on(a.lookup_txt("s._domainkey.example.com")), Lookup::Found(_)));
/// assert!(matches!(futures::executor::block_on(b.lookup_txt("s._domainkey.example.com")), Lookup::Found(_)));
/// # Ok::<(), dkim_dns::ZoneError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ZoneFile {
    entries: Vec<ZoneEntry>,
    store: Store,
}

impl ZoneFile {
    /// Parses a master file that sets its own `$ORIGIN` (or uses absolute
    /// names only).
    ///
    /// ```
    /// use dkim_dns::ZoneFile;
    ///
    /// let zone = ZoneFile::parse("a._domainkey.example.com. 300 IN TXT \"v=DKIM1; p=\"\n")?;
    /// assert_eq!(zone.names().collect::<Vec<_>>(), ["a._domainkey.example.com"]);
    ///
    /// let error = ZoneFile::parse("a._domainkey.example.com. TXT \"v=DKIM1;\n").unwrap_err();
    /// assert_eq!((error.line(), error.column()), (1, 31));
    /// assert_eq!(error.to_string(), "zone file line 1, column 31: unterminated quoted string");
    /// # Ok::<(), dkim_dns::ZoneError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ZoneError`] naming the line and column of the first mistake,
    /// including a relative name before any `$ORIGIN`.
    pub fn parse(text: &str) -> Result<Self, ZoneError> {
        Parser::new(text, None).run()
    }

    /// Parses a master file whose relative names are relative to `origin`
    /// until a `$ORIGIN` line says otherwise. `origin` is absolute whether
    /// or not it ends with a dot.
    ///
    /// ```
    /// use dkim_dns::ZoneFile;
    ///
    /// let zone = ZoneFile::parse_with_origin("sel._domainkey TXT \"v=DKIM1; p=\"\n", "Example.COM")?;
    /// assert_eq!(zone.names().collect::<Vec<_>>(), ["sel._domainkey.example.com"]);
    /// # Ok::<(), dkim_dns::ZoneError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ZoneError`] naming the line and column of the first mistake; an
    /// invalid `origin` gives an error at line 0.
    pub fn parse_with_origin(text: &str, origin: &str) -> Result<Self, ZoneError> {
        let token = Token { raw: origin, quoted: false, pos: Pos { line: 0, column: 0 } };
        let origin = Name::from_token(&token, Some(&Name::ROOT))
            .map_err(|e| ZoneError::new(Pos { line: 0, column: 0 }, e.into_kind()))?;
        Parser::new(text, Some(origin)).run()
    }

    /// Reads and parses the master file at `path` (with no initial origin,
    /// as [`parse`](Self::parse)).
    ///
    /// ```
    /// use dkim_dns::{Lookup, ZoneFile};
    ///
    /// let path = std::env::temp_dir().join(format!("dkim-dns-doc-{}.zone", std::process::id()));
    /// std::fs::write(&path, "$ORIGIN example.org.\nsel._domainkey TXT \"v=DKIM1; p=\"\n").unwrap();
    /// let zone = ZoneFile::from_path(&path);
    /// std::fs::remove_file(&path).unwrap();
    /// assert!(matches!(zone?.lookup("sel._domainkey.example.org"), Lookup::Found(_)));
    ///
    /// let error = ZoneFile::from_path("/nonexistent/keys.zone").unwrap_err();
    /// assert_eq!(error.line(), 0);
    /// assert!(error.to_string().contains("/nonexistent/keys.zone"));
    /// # Ok::<(), dkim_dns::ZoneError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`ZoneError`] that carries the path: at line 0 if the file cannot
    /// be read, at the first bad byte if it is not UTF-8, else at the first
    /// mistake in it.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ZoneError> {
        let path = path.as_ref();
        let with_path = |e: ZoneError| e.with_path(path);
        let bytes = std::fs::read(path)
            .map_err(|e| with_path(ZoneError::new(Pos { line: 0, column: 0 }, ZoneErrorKind::Io(e.kind()))))?;
        let text = match std::str::from_utf8(&bytes) {
            Ok(text) => text,
            Err(e) => {
                return Err(with_path(ZoneError::new(Pos::of_offset(&bytes, e.valid_up_to()), ZoneErrorKind::NotUtf8)));
            }
        };
        Self::parse(text).map_err(with_path)
    }

    /// Answers a TXT lookup for `name` at once (the same answer as
    /// [`KeySource::lookup_txt`]); the rules are under "Lookups" above.
    ///
    /// ```
    /// use dkim_dns::{Lookup, NoRecordKind, TempFailCause, ZoneFile};
    ///
    /// let zone = ZoneFile::parse(
    ///     "$ORIGIN example.com.\n\
    ///      @ 600 IN SOA ns hostmaster 1 7200 3600 1209600 300\n\
    ///      a._domainkey CNAME b._domainkey\n\
    ///      b._domainkey TXT \"v=DKIM1; p=\"\n\
    ///      down._domainkey SERVFAIL\n",
    /// )?;
    /// assert!(matches!(zone.lookup("a._domainkey.example.com"), Lookup::Found(_)));
    /// let Lookup::NoRecord(none) = zone.lookup("c._domainkey.example.com") else { panic!() };
    /// assert_eq!((none.kind(), none.negative_ttl()), (NoRecordKind::NxDomain, Some(300)));
    /// let Lookup::TempFail(fail) = zone.lookup("down._domainkey.example.com") else { panic!() };
    /// assert_eq!(fail.cause(), &TempFailCause::ServFail);
    /// # Ok::<(), dkim_dns::ZoneError>(())
    /// ```
    pub fn lookup(&self, name: &str) -> Lookup {
        self.store.lookup(name)
    }

    /// Every owner name in the file, once, in order of first appearance, in
    /// the stored form (lower case, no final dot, `\.` for a dot inside a
    /// label; see "Syntax" above).
    ///
    /// ```
    /// use dkim_dns::{Lookup, ZoneFile};
    ///
    /// let zone = ZoneFile::parse("$ORIGIN Example.\nA\\.b TXT one\na.b TXT two\nend\\. TXT three\n")?;
    /// let names: Vec<&str> = zone.names().collect();
    /// assert_eq!(names, ["a\\.b.example", "a.b.example", "end\\..example"]);
    /// for name in names {
    ///     assert!(matches!(zone.lookup(name), Lookup::Found(_)), "{name}");
    /// }
    /// # Ok::<(), dkim_dns::ZoneError>(())
    /// ```
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.store.names()
    }

    /// Every TXT record as (owner name, TTL in seconds, record), in file
    /// order: what a test needs to serve the same keys from a DNS server.
    ///
    /// ```
    /// use dkim_dns::ZoneFile;
    ///
    /// let zone = ZoneFile::parse("a.example. 60 TXT \"one\" \"two\"\nb.example. TXT x\n")?;
    /// let records: Vec<_> = zone.txt_records().map(|(name, ttl, r)| (name, ttl, r.strings().len())).collect();
    /// assert_eq!(records, [("a.example", 60, 2), ("b.example", 60, 1)]);
    /// # Ok::<(), dkim_dns::ZoneError>(())
    /// ```
    pub fn txt_records(&self) -> impl Iterator<Item = (&str, u32, &TxtRecord)> {
        self.entries.iter().filter_map(|entry| match &entry.data {
            ZoneData::Txt(record) => Some((entry.name.as_str(), entry.ttl, record)),
            _ => None,
        })
    }

    /// Every record and test-extension line of the file, in file order.
    ///
    /// ```
    /// use dkim_dns::{ZoneData, ZoneFile};
    ///
    /// let zone = ZoneFile::parse("$ORIGIN example.\n@ 1d NS ns1\n@ MX 10 mail\nx NXDOMAIN\n")?;
    /// let data: Vec<_> = zone.entries().iter().map(|e| &e.data).collect();
    /// assert!(matches!(data[0], ZoneData::Other { rtype, rdata } if rtype == "NS" && rdata == &["ns1.example."]));
    /// assert!(matches!(data[1], ZoneData::Other { rtype, rdata } if rtype == "MX" && rdata == &["10", "mail.example."]));
    /// assert_eq!(data[2], &ZoneData::NxDomain);
    /// # Ok::<(), dkim_dns::ZoneError>(())
    /// ```
    pub fn entries(&self) -> &[ZoneEntry] {
        &self.entries
    }

    /// Adds a record at `owner` (the name of `entry`) to the file, checking
    /// it against the name's other records; `cname` is the target of a
    /// CNAME record.
    fn add(&mut self, pos: Pos, owner: &Name, entry: ZoneEntry, cname: Option<Name>) -> Result<(), ZoneError> {
        self.store.add(pos, owner, &entry, cname)?;
        self.entries.push(entry);
        Ok(())
    }
}

impl KeySource for ZoneFile {
    fn lookup_txt(&self, name: &str) -> impl Future<Output = Lookup> + Send {
        std::future::ready(self.lookup(name))
    }
}

/// One record (or test-extension line) of a [`ZoneFile`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneEntry {
    /// The owner name in the stored form (see [`ZoneFile`]): lower case,
    /// absolute, without the final dot, `\.` for a dot inside a label.
    pub name: String,
    /// Time to live, seconds (0 for the test-extension lines).
    pub ttl: u32,
    /// The record data.
    pub data: ZoneData,
}

/// The data of a [`ZoneEntry`].
///
/// Names in [`Cname`](Self::Cname) and [`Soa`](Self::Soa) are in the same
/// stored form as owner names: lower case, absolute, no final dot, `\.` for
/// a dot inside a label.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneData {
    /// A TXT record, its character-strings kept apart.
    Txt(TxtRecord),
    /// A CNAME record: the canonical name.
    Cname(String),
    /// An SOA record.
    Soa {
        /// The primary name server.
        mname: String,
        /// The mailbox of the person responsible, as a name.
        rname: String,
        /// The zone's serial number.
        serial: u32,
        /// Seconds between refreshes by secondaries.
        refresh: u32,
        /// Seconds before a failed refresh is retried.
        retry: u32,
        /// Seconds after which secondaries stop answering without a refresh.
        expire: u32,
        /// The negative-caching TTL bound (RFC 2308).
        minimum: u32,
    },
    /// Any other record type, kept in master-file form so that it can be
    /// written out again.
    Other {
        /// The type mnemonic in upper case (`NS`, `MX`, `TYPE65534`, ...).
        rtype: String,
        /// The fields as written (quoted strings with their quotes), except
        /// that A and AAAA addresses are written in their usual form and the
        /// names of NS, PTR, DNAME, MX and SRV records are made absolute,
        /// lower case, with the final dot.
        rdata: Vec<String>,
    },
    /// Test extension: `NAME NXDOMAIN`, the name does not exist.
    NxDomain,
    /// Test extension: `NAME SERVFAIL`, lookups fail with SERVFAIL.
    ServFail,
    /// Test extension: `NAME TIMEOUT`, lookups time out.
    Timeout,
}
