//! A key source read from an RFC 1035 master file ("zone file").
//!
//! The syntax accepted, the lookup rules and the non-standard test extension
//! (`NAME NXDOMAIN|SERVFAIL|TIMEOUT`) are described on [`ZoneFile`].

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use crate::{KeySource, Lookup, NoRecord, NoRecordKind, TempFail, TempFailCause, TxtAnswer, TxtRecord, normalize_name};

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
/// Names are kept in ASCII lower case, absolute, without the final dot. A
/// dot or backslash inside a label is kept escaped (`\.`, `\\`); every other
/// byte is kept as itself, so names must be valid UTF-8 once unescaped.
/// Labels are at most 63 bytes and names at most 253.
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
/// [`lookup`](Self::lookup) (and [`KeySource::lookup_txt`]) compare names
/// without regard to ASCII case, with or without the final dot:
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
#[derive(Clone, Debug, Default)]
pub struct ZoneFile {
    entries: Vec<ZoneEntry>,
    nodes: Vec<Node>,
    index: HashMap<String, usize>,
    /// Names that are a proper suffix of an owner name.
    interior: HashSet<String>,
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
        let origin = domain_name(&token, Some("")).map_err(|e| ZoneError::new(Pos { line: 0, column: 0 }, e.kind))?;
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
        let with_path = |e: ZoneError| ZoneError { path: Some(path.to_path_buf()), ..e };
        let bytes = std::fs::read(path)
            .map_err(|e| with_path(ZoneError::new(Pos { line: 0, column: 0 }, ZoneErrorKind::Io(e.kind()))))?;
        let text = match std::str::from_utf8(&bytes) {
            Ok(text) => text,
            Err(e) => {
                return Err(with_path(ZoneError::new(position_of(&bytes, e.valid_up_to()), ZoneErrorKind::NotUtf8)));
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
        let mut name = normalize_name(name);
        let mut ttl = u32::MAX;
        let mut chain: Vec<String> = Vec::new();
        loop {
            let Some(node) = self.node(&name) else {
                let kind = if self.interior.contains(&name) { NoRecordKind::NoData } else { NoRecordKind::NxDomain };
                return Lookup::NoRecord(NoRecord::new(kind, self.negative_ttl(&name)));
            };
            match node.mark {
                Some(Mark::NxDomain) => {
                    return Lookup::NoRecord(NoRecord::new(NoRecordKind::NxDomain, self.negative_ttl(&name)));
                }
                Some(Mark::ServFail) => return Lookup::TempFail(TempFail::new(TempFailCause::ServFail)),
                Some(Mark::Timeout) => return Lookup::TempFail(TempFail::new(TempFailCause::Timeout)),
                None => {}
            }
            if !node.txt.is_empty() {
                return Lookup::Found(TxtAnswer::new(node.txt.clone(), ttl.min(node.txt_ttl), false));
            }
            let Some((target, cname_ttl)) = &node.cname else {
                return Lookup::NoRecord(NoRecord::new(NoRecordKind::NoData, self.negative_ttl(&name)));
            };
            chain.push(name);
            if chain.len() > MAX_CNAME_STEPS || chain.contains(target) {
                return Lookup::TempFail(TempFail::new(TempFailCause::CnameChain));
            }
            ttl = ttl.min(*cname_ttl);
            name = target.clone();
        }
    }

    /// Every owner name in the file, once, in order of first appearance, in
    /// the stored form (lower case, no final dot).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|node| node.name.as_str())
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

    fn node(&self, name: &str) -> Option<&Node> {
        self.index.get(name).and_then(|&i| self.nodes.get(i))
    }

    /// The negative-caching TTL from the SOA at the nearest enclosing name.
    fn negative_ttl(&self, name: &str) -> Option<u32> {
        let mut current = Some(name);
        while let Some(name) = current {
            if let Some(ttl) = self.node(name).and_then(|node| node.negative_ttl) {
                return Some(ttl);
            }
            current = parent(name);
        }
        None
    }

    /// Adds a record to the file, checking it against the name's other
    /// records.
    fn add(&mut self, pos: Pos, entry: ZoneEntry) -> Result<(), ZoneError> {
        let nodes = &mut self.nodes;
        let i = *self.index.entry(entry.name.clone()).or_insert_with(|| {
            nodes.push(Node { name: entry.name.clone(), ..Node::default() });
            nodes.len() - 1
        });
        // In bounds: the index only holds positions of nodes pushed above.
        let node = &mut self.nodes[i];
        let mark = match entry.data {
            ZoneData::NxDomain => Some(Mark::NxDomain),
            ZoneData::ServFail => Some(Mark::ServFail),
            ZoneData::Timeout => Some(Mark::Timeout),
            _ => None,
        };
        if node.mark.is_some() || (mark.is_some() && node.records > 0) {
            return Err(ZoneError::new(pos, ZoneErrorKind::MarkAndOtherData));
        }
        match &entry.data {
            _ if mark.is_some() => node.mark = mark,
            ZoneData::Cname(target) => {
                if node.cname.is_some() || node.cname_conflict {
                    return Err(ZoneError::new(pos, ZoneErrorKind::CnameAndOtherData));
                }
                node.cname = Some((target.clone(), entry.ttl));
            }
            data => {
                let with_cname = matches!(data, ZoneData::Other { rtype, .. } if rtype == "RRSIG" || rtype == "NSEC");
                if !with_cname {
                    if node.cname.is_some() {
                        return Err(ZoneError::new(pos, ZoneErrorKind::CnameAndOtherData));
                    }
                    node.cname_conflict = true;
                }
                match data {
                    ZoneData::Txt(record) => {
                        node.txt.push(record.clone());
                        node.txt_ttl = if node.txt.len() == 1 { entry.ttl } else { node.txt_ttl.min(entry.ttl) };
                    }
                    ZoneData::Soa { minimum, .. } => {
                        if node.negative_ttl.is_some() {
                            return Err(ZoneError::new(pos, ZoneErrorKind::DuplicateSoa));
                        }
                        node.negative_ttl = Some(entry.ttl.min(*minimum));
                    }
                    _ => {}
                }
            }
        }
        if mark.is_none() {
            node.records += 1;
        }
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
    /// The owner name: lower case, absolute, without the final dot.
    pub name: String,
    /// Time to live, seconds (0 for the test-extension lines).
    pub ttl: u32,
    /// The record data.
    pub data: ZoneData,
}

/// The data of a [`ZoneEntry`].
///
/// Names in [`Cname`](Self::Cname) and [`Soa`](Self::Soa) are in the same
/// form as owner names: lower case, absolute, no final dot.
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

/// A mistake in a master file, with where it is.
///
/// ```
/// use dkim_dns::{ZoneErrorKind, ZoneFile};
///
/// let error = ZoneFile::parse("$ORIGIN example.com.\nsel._domainkey IN FOO bar\n").unwrap_err();
/// assert_eq!((error.line(), error.column()), (2, 19));
/// assert!(matches!(error.kind(), ZoneErrorKind::UnknownType { found } if found == "FOO"));
/// assert_eq!(error.to_string(), "zone file line 2, column 19: `FOO` is not a record type");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneError {
    line: usize,
    column: usize,
    kind: ZoneErrorKind,
    path: Option<PathBuf>,
}

impl ZoneError {
    fn new(pos: Pos, kind: ZoneErrorKind) -> Self {
        Self { line: pos.line, column: pos.column, kind, path: None }
    }

    /// The line, counting from 1; 0 when the error is not about a line (the
    /// file could not be read, or the origin given is invalid).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column in bytes, counting from 1; 0 with line 0.
    pub fn column(&self) -> usize {
        self.column
    }

    /// What is wrong.
    pub fn kind(&self) -> &ZoneErrorKind {
        &self.kind
    }

    /// The file, when the zone was read with [`ZoneFile::from_path`].
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

impl fmt::Display for ZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("zone file")?;
        if let Some(path) = &self.path {
            write!(f, " {}", path.display())?;
            if self.line > 0 {
                f.write_str(",")?;
            }
        }
        if self.line > 0 {
            write!(f, " line {}, column {}", self.line, self.column)?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for ZoneError {}

/// What is wrong in a master file.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneErrorKind {
    /// A CNAME shares its name with another record (RFC 1034 section 3.6.2).
    CnameAndOtherData,
    /// A `$ORIGIN` or `$TTL` line without exactly one argument.
    DirectiveArguments {
        /// The directive, as written.
        directive: String,
    },
    /// A second SOA record at one name.
    DuplicateSoa,
    /// An empty label: two dots in a row, or a name starting with a dot.
    EmptyLabel,
    /// A `\DDD` escape above 255.
    EscapeOutOfRange {
        /// The value written.
        value: u16,
    },
    /// A backslash at the end of a token, or followed by fewer than three
    /// digits.
    IncompleteEscape,
    /// Record data that does not fit its type.
    InvalidRdata {
        /// The record type.
        rtype: String,
        /// What is wrong, in a few words.
        reason: &'static str,
    },
    /// A TTL that is not seconds or BIND units, or is above 2147483647.
    InvalidTtl {
        /// The token, as written.
        found: String,
    },
    /// The file could not be read.
    Io(std::io::ErrorKind),
    /// A label longer than 63 bytes.
    LabelTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A name marked `NXDOMAIN`, `SERVFAIL` or `TIMEOUT` that also has
    /// records or another mark.
    MarkAndOtherData,
    /// A record line without a record type.
    MissingType,
    /// A name longer than 253 bytes.
    NameTooLong {
        /// Its length in bytes (without the final dot).
        len: usize,
    },
    /// A name that is not valid UTF-8 once its escapes are decoded.
    NameNotUtf8,
    /// A line that starts with a blank (no owner) before any record.
    NoPreviousOwner,
    /// A relative name or `@` before any `$ORIGIN`.
    NoOrigin,
    /// The file is not UTF-8 (the position is the first bad byte).
    NotUtf8,
    /// A quoted string where a name, TTL, class or type is expected.
    Quoted,
    /// A character-string longer than 255 bytes.
    StringTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A `)` without a `(` before it.
    UnbalancedParenthesis,
    /// A `(` never closed.
    UnclosedParenthesis,
    /// A `$` word that is not a directive.
    UnknownDirective {
        /// The directive, as written.
        directive: String,
    },
    /// A word where the record type belongs that is not a record type.
    UnknownType {
        /// The word, as written.
        found: String,
    },
    /// `$INCLUDE` or `$GENERATE`.
    UnsupportedDirective {
        /// The directive, as written.
        directive: String,
    },
    /// A quoted string that does not end on its line.
    UnterminatedString,
}

impl fmt::Display for ZoneErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CnameAndOtherData => f.write_str("a CNAME cannot share its name with other records"),
            Self::DirectiveArguments { directive } => write!(f, "`{directive}` takes exactly one argument"),
            Self::DuplicateSoa => f.write_str("a second SOA record at the same name"),
            Self::EmptyLabel => f.write_str("empty label in a domain name"),
            Self::EscapeOutOfRange { value } => write!(f, "escape `\\{value:03}` is above 255"),
            Self::IncompleteEscape => f.write_str("a backslash must be followed by a character or three digits"),
            Self::InvalidRdata { rtype, reason } => write!(f, "invalid {rtype} record: {reason}"),
            Self::InvalidTtl { found } => {
                write!(f, "`{found}` is not a TTL (seconds, or numbers with units w, d, h, m, s; at most 2147483647)")
            }
            Self::Io(kind) => write!(f, "cannot read the file: {kind}"),
            Self::LabelTooLong { len } => write!(f, "label of {len} bytes, the limit is {MAX_LABEL}"),
            Self::MarkAndOtherData => {
                f.write_str("a name marked NXDOMAIN, SERVFAIL or TIMEOUT cannot have records or another mark")
            }
            Self::MissingType => f.write_str("record type missing"),
            Self::NameTooLong { len } => write!(f, "domain name of {len} bytes, the limit is {MAX_NAME}"),
            Self::NameNotUtf8 => f.write_str("domain name is not valid UTF-8"),
            Self::NoPreviousOwner => f.write_str("line starts with a blank but no owner name came before"),
            Self::NoOrigin => f.write_str("relative name or `@` but no $ORIGIN"),
            Self::NotUtf8 => f.write_str("the file is not valid UTF-8"),
            Self::Quoted => f.write_str("a quoted string cannot be a name, TTL, class or type"),
            Self::StringTooLong { len } => write!(f, "character-string of {len} bytes, the limit is {MAX_STRING}"),
            Self::UnbalancedParenthesis => f.write_str("`)` without `(`"),
            Self::UnclosedParenthesis => f.write_str("`(` never closed"),
            Self::UnknownDirective { directive } => write!(f, "unknown directive `{directive}`"),
            Self::UnknownType { found } => write!(f, "`{found}` is not a record type"),
            Self::UnsupportedDirective { directive } => write!(f, "`{directive}` is not supported"),
            Self::UnterminatedString => f.write_str("unterminated quoted string"),
        }
    }
}

/// What the file says about one owner name, for lookups.
#[derive(Clone, Debug, Default)]
struct Node {
    name: String,
    mark: Option<Mark>,
    txt: Vec<TxtRecord>,
    /// The smallest TTL of `txt`.
    txt_ttl: u32,
    /// The target and TTL of the CNAME.
    cname: Option<(String, u32)>,
    /// From the SOA at this name.
    negative_ttl: Option<u32>,
    /// How many records (test-extension lines aside).
    records: usize,
    /// Whether a record that cannot sit beside a CNAME is here.
    cname_conflict: bool,
}

/// A test-extension mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mark {
    NxDomain,
    ServFail,
    Timeout,
}

/// A place in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    line: usize,
    column: usize,
}

/// A word or quoted string. Tokens never span lines.
#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    /// As written; for a quoted string, what is between the quotes.
    raw: &'a str,
    quoted: bool,
    /// Where it starts (the opening quote of a quoted string).
    pos: Pos,
}

impl Token<'_> {
    fn error(&self, kind: ZoneErrorKind) -> ZoneError {
        ZoneError::new(self.pos, kind)
    }

    /// Where the token ends (just after it).
    fn end(&self) -> Pos {
        let quotes = if self.quoted { 2 } else { 0 };
        Pos { line: self.pos.line, column: self.pos.column + self.raw.len() + quotes }
    }

    /// The token as written in the file.
    fn written(&self) -> String {
        if self.quoted { format!("\"{}\"", self.raw) } else { self.raw.to_owned() }
    }

    /// An unquoted token equal to `word` in any ASCII case.
    fn is_word(&self, word: &str) -> bool {
        !self.quoted && self.raw.eq_ignore_ascii_case(word)
    }
}

/// One record's worth of tokens: a line, or several joined by parentheses.
struct Entry<'a> {
    /// Whether the first line starts with a blank (no owner field).
    indented: bool,
    tokens: Vec<Token<'a>>,
}

/// Splits the text into entries of tokens.
struct Lexer<'a> {
    lines: std::str::Split<'a, char>,
    line: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Self { lines: text.split('\n'), line: 0 }
    }

    /// The next entry with at least one token.
    fn next_entry(&mut self) -> Result<Option<Entry<'a>>, ZoneError> {
        let mut open: Vec<Pos> = Vec::new();
        let mut tokens = Vec::new();
        let mut indented = false;
        loop {
            let Some(line) = self.lines.next() else {
                return match open.last() {
                    Some(&pos) => Err(ZoneError::new(pos, ZoneErrorKind::UnclosedParenthesis)),
                    None => Ok(None),
                };
            };
            self.line += 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if open.is_empty() {
                if line.starts_with('#') {
                    continue;
                }
                indented = line.starts_with([' ', '\t']);
            }
            self.scan(line, &mut open, &mut tokens)?;
            if open.is_empty() && !tokens.is_empty() {
                return Ok(Some(Entry { indented, tokens }));
            }
        }
    }

    /// Adds the tokens of one line; `open` holds the unclosed parentheses.
    fn scan(&self, line: &'a str, open: &mut Vec<Pos>, tokens: &mut Vec<Token<'a>>) -> Result<(), ZoneError> {
        let bytes = line.as_bytes();
        let pos = |i: usize| Pos { line: self.line, column: i + 1 };
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b' ' | b'\t' | b'\r' => i += 1,
                b';' => break,
                b'(' => {
                    open.push(pos(i));
                    i += 1;
                }
                b')' => {
                    if open.pop().is_none() {
                        return Err(ZoneError::new(pos(i), ZoneErrorKind::UnbalancedParenthesis));
                    }
                    i += 1;
                }
                b'"' => {
                    let mut end = i + 1;
                    loop {
                        match bytes.get(end) {
                            None => return Err(ZoneError::new(pos(i), ZoneErrorKind::UnterminatedString)),
                            Some(b'\\') => end += 2,
                            Some(b'"') => break,
                            Some(_) => end += 1,
                        }
                    }
                    tokens.push(Token { raw: &line[i + 1..end], quoted: true, pos: pos(i) });
                    i = end + 1;
                }
                _ => {
                    let start = i;
                    while let Some(&b) = bytes.get(i) {
                        match b {
                            b'\\' => i += 2,
                            b' ' | b'\t' | b'\r' | b';' => break,
                            b')' if !open.is_empty() => break,
                            _ => i += 1,
                        }
                    }
                    i = i.min(bytes.len());
                    tokens.push(Token { raw: &line[start..i], quoted: false, pos: pos(start) });
                }
            }
        }
        Ok(())
    }
}

/// Turns entries into records.
struct Parser<'a> {
    lexer: Lexer<'a>,
    zone: ZoneFile,
    origin: Option<String>,
    /// From `$TTL`.
    default_ttl: Option<u32>,
    /// The TTL last written on a record.
    last_ttl: Option<u32>,
    last_owner: Option<String>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, origin: Option<String>) -> Self {
        Self {
            lexer: Lexer::new(text),
            zone: ZoneFile::default(),
            origin,
            default_ttl: None,
            last_ttl: None,
            last_owner: None,
        }
    }

    fn run(mut self) -> Result<ZoneFile, ZoneError> {
        while let Some(entry) = self.lexer.next_entry()? {
            self.entry(&entry)?;
        }
        let mut zone = self.zone;
        for node in &zone.nodes {
            let mut current = parent(&node.name);
            while let Some(name) = current {
                zone.interior.insert(name.to_owned());
                current = parent(name);
            }
        }
        Ok(zone)
    }

    fn entry(&mut self, entry: &Entry<'a>) -> Result<(), ZoneError> {
        let tokens = entry.tokens.as_slice();
        let Some(first) = tokens.first() else { return Ok(()) };
        let (owner, rest) = if entry.indented {
            (self.last_owner.clone().ok_or_else(|| first.error(ZoneErrorKind::NoPreviousOwner))?, tokens)
        } else if !first.quoted && first.raw.starts_with('$') {
            return self.directive(first, &tokens[1..]);
        } else {
            (domain_name(first, self.origin.as_deref())?, &tokens[1..])
        };
        self.last_owner = Some(owner.clone());

        if let [word] = rest {
            let data = if word.is_word("NXDOMAIN") {
                Some(ZoneData::NxDomain)
            } else if word.is_word("SERVFAIL") {
                Some(ZoneData::ServFail)
            } else if word.is_word("TIMEOUT") {
                Some(ZoneData::Timeout)
            } else {
                None
            };
            if let Some(data) = data {
                return self.zone.add(first.pos, ZoneEntry { name: owner, ttl: 0, data });
            }
        }

        let mut ttl = None;
        let mut class = false;
        let mut i = 0;
        while let Some(token) = rest.get(i) {
            if token.quoted {
                return Err(token.error(ZoneErrorKind::Quoted));
            }
            if ttl.is_none() && token.raw.starts_with(|c: char| c.is_ascii_digit()) {
                ttl = Some(parse_ttl(token)?);
            } else if !class && ["IN", "CH", "HS"].iter().any(|c| token.is_word(c)) {
                class = true;
            } else {
                break;
            }
            i += 1;
        }
        let Some(rtype) = rest.get(i) else {
            let last = rest.last().unwrap_or(first);
            return Err(ZoneError::new(last.end(), ZoneErrorKind::MissingType));
        };
        if let Some(ttl) = ttl {
            self.last_ttl = Some(ttl);
        }
        let ttl = ttl.or(self.default_ttl).or(self.last_ttl).unwrap_or(DEFAULT_TTL);
        let data = self.rdata(rtype, &rest[i + 1..])?;
        self.zone.add(first.pos, ZoneEntry { name: owner, ttl, data })
    }

    fn directive(&mut self, directive: &Token<'a>, args: &[Token<'a>]) -> Result<(), ZoneError> {
        let name = directive.raw;
        if name.eq_ignore_ascii_case("$INCLUDE") || name.eq_ignore_ascii_case("$GENERATE") {
            return Err(directive.error(ZoneErrorKind::UnsupportedDirective { directive: name.to_owned() }));
        }
        let is_origin = name.eq_ignore_ascii_case("$ORIGIN");
        if !is_origin && !name.eq_ignore_ascii_case("$TTL") {
            return Err(directive.error(ZoneErrorKind::UnknownDirective { directive: name.to_owned() }));
        }
        let [arg] = args else {
            let at = args.get(1).map_or_else(|| directive.end(), |extra| extra.pos);
            return Err(ZoneError::new(at, ZoneErrorKind::DirectiveArguments { directive: name.to_owned() }));
        };
        if is_origin {
            self.origin = Some(domain_name(arg, self.origin.as_deref())?);
        } else {
            self.default_ttl = Some(parse_ttl(arg)?);
        }
        Ok(())
    }

    fn rdata(&self, rtype: &Token<'a>, args: &[Token<'a>]) -> Result<ZoneData, ZoneError> {
        if rtype.quoted {
            return Err(rtype.error(ZoneErrorKind::Quoted));
        }
        let upper = rtype.raw.to_ascii_uppercase();
        if !is_record_type(&upper) {
            return Err(rtype.error(ZoneErrorKind::UnknownType { found: rtype.raw.to_owned() }));
        }
        let invalid =
            |token: &Token<'_>, reason| token.error(ZoneErrorKind::InvalidRdata { rtype: upper.clone(), reason });
        // The fields must number exactly `N`: else an error at the first
        // extra field, or just after the last one.
        let exactly = |n: usize, reason| match args.get(n) {
            Some(extra) => Err(invalid(extra, reason)),
            None if args.len() < n => {
                let end = args.last().unwrap_or(rtype).end();
                Err(ZoneError::new(end, ZoneErrorKind::InvalidRdata { rtype: upper.clone(), reason }))
            }
            None => Ok(()),
        };
        let origin = self.origin.as_deref();
        let name = |token: &Token<'_>| domain_name(token, origin);
        let data = match upper.as_str() {
            "TXT" => {
                if args.is_empty() {
                    exactly(1, "at least one character-string is needed")?;
                }
                let strings = args.iter().map(character_string).collect::<Result<Vec<_>, _>>()?;
                ZoneData::Txt(TxtRecord::new(strings))
            }
            "CNAME" => {
                exactly(1, "expected one name")?;
                ZoneData::Cname(name(&args[0])?)
            }
            "SOA" => {
                exactly(7, "expected mname, rname, serial, refresh, retry, expire and minimum")?;
                let serial = plain_number(&args[2]).ok_or_else(|| invalid(&args[2], "the serial is not a number"))?;
                ZoneData::Soa {
                    mname: name(&args[0])?,
                    rname: name(&args[1])?,
                    serial,
                    refresh: parse_ttl(&args[3])?,
                    retry: parse_ttl(&args[4])?,
                    expire: parse_ttl(&args[5])?,
                    minimum: parse_ttl(&args[6])?,
                }
            }
            "A" => {
                exactly(1, "expected one IPv4 address")?;
                let address: Ipv4Addr = args[0].raw.parse().map_err(|_| invalid(&args[0], "not an IPv4 address"))?;
                ZoneData::Other { rtype: upper.clone(), rdata: vec![address.to_string()] }
            }
            "AAAA" => {
                exactly(1, "expected one IPv6 address")?;
                let address: Ipv6Addr = args[0].raw.parse().map_err(|_| invalid(&args[0], "not an IPv6 address"))?;
                ZoneData::Other { rtype: upper.clone(), rdata: vec![address.to_string()] }
            }
            "NS" | "PTR" | "DNAME" => {
                exactly(1, "expected one name")?;
                ZoneData::Other { rtype: upper.clone(), rdata: vec![presentation(&name(&args[0])?)] }
            }
            "MX" => {
                exactly(2, "expected a preference and a mail exchanger")?;
                let preference = u16_field(&args[0], &upper, "the preference is not a number from 0 to 65535")?;
                let rdata = vec![preference.to_string(), presentation(&name(&args[1])?)];
                ZoneData::Other { rtype: upper.clone(), rdata }
            }
            "SRV" => {
                exactly(4, "expected priority, weight, port and target")?;
                let mut rdata = Vec::with_capacity(4);
                for token in &args[..3] {
                    rdata.push(u16_field(token, &upper, "not a number from 0 to 65535")?.to_string());
                }
                rdata.push(presentation(&name(&args[3])?));
                ZoneData::Other { rtype: upper.clone(), rdata }
            }
            _ => {
                if args.is_empty() {
                    exactly(1, "record data missing")?;
                }
                ZoneData::Other { rtype: upper.clone(), rdata: args.iter().map(Token::written).collect() }
            }
        };
        Ok(data)
    }
}

/// A number field of 16 bits, as in MX and SRV records.
fn u16_field(token: &Token<'_>, rtype: &str, reason: &'static str) -> Result<u16, ZoneError> {
    plain_number(token)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| token.error(ZoneErrorKind::InvalidRdata { rtype: rtype.to_owned(), reason }))
}

/// Decimal digits only, at most `u32::MAX`.
fn plain_number(token: &Token<'_>) -> Option<u32> {
    let digits = token.raw;
    if token.quoted || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A TTL: seconds, or numbers each followed by a unit (`1h30m`).
fn parse_ttl(token: &Token<'_>) -> Result<u32, ZoneError> {
    let invalid = || token.error(ZoneErrorKind::InvalidTtl { found: token.written() });
    if token.quoted || token.raw.is_empty() {
        return Err(invalid());
    }
    let with_units = !token.raw.bytes().all(|b| b.is_ascii_digit());
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    for b in token.raw.bytes() {
        if b.is_ascii_digit() {
            let n = number.unwrap_or(0) * 10 + u64::from(b - b'0');
            if n > u64::from(MAX_TTL) {
                return Err(invalid());
            }
            number = Some(n);
        } else {
            let unit: u64 = match b.to_ascii_lowercase() {
                b'w' => 7 * 86_400,
                b'd' => 86_400,
                b'h' => 3600,
                b'm' => 60,
                b's' => 1,
                _ => return Err(invalid()),
            };
            total += number.take().ok_or_else(invalid)? * unit;
            if total > u64::from(MAX_TTL) {
                return Err(invalid());
            }
        }
    }
    match number {
        Some(_) if with_units => Err(invalid()),
        Some(n) => Ok(u32::try_from(n).map_err(|_| invalid())?),
        None => u32::try_from(total).map_err(|_| invalid()),
    }
}

/// One TXT character-string, escapes decoded.
fn character_string(token: &Token<'_>) -> Result<Vec<u8>, ZoneError> {
    let bytes: Vec<u8> = unescape(token)?.into_iter().map(|(b, _)| b).collect();
    if bytes.len() > MAX_STRING {
        return Err(token.error(ZoneErrorKind::StringTooLong { len: bytes.len() }));
    }
    Ok(bytes)
}

/// Decodes `\X` and `\DDD`; each byte comes with whether it was escaped.
fn unescape(token: &Token<'_>) -> Result<Vec<(u8, bool)>, ZoneError> {
    let raw = token.raw;
    let bytes = raw.as_bytes();
    let start = token.pos.column + usize::from(token.quoted);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'\\' {
            out.push((b, false));
            i += 1;
            continue;
        }
        let at = Pos { line: token.pos.line, column: start + i };
        let digits = bytes.get(i + 1..i + 4).filter(|d| d.iter().all(u8::is_ascii_digit));
        if let Some(digits) = digits {
            let value = digits.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
            let byte =
                u8::try_from(value).map_err(|_| ZoneError::new(at, ZoneErrorKind::EscapeOutOfRange { value }))?;
            out.push((byte, true));
            i += 4;
            continue;
        }
        // `\` is ASCII, so `i + 1` is a character boundary.
        match raw[i + 1..].chars().next() {
            Some(c) if !c.is_ascii_digit() => {
                let len = c.len_utf8();
                out.extend(bytes[i + 1..i + 1 + len].iter().map(|&b| (b, true)));
                i += 1 + len;
            }
            _ => return Err(ZoneError::new(at, ZoneErrorKind::IncompleteEscape)),
        }
    }
    Ok(out)
}

/// A domain name in stored form: lower case, absolute, no final dot, `.`
/// and `\` inside labels escaped. Relative names are completed with
/// `origin` (itself in stored form; `""` is the root).
fn domain_name(token: &Token<'_>, origin: Option<&str>) -> Result<String, ZoneError> {
    if token.quoted {
        return Err(token.error(ZoneErrorKind::Quoted));
    }
    if token.raw == "@" {
        return origin.map(str::to_owned).ok_or_else(|| token.error(ZoneErrorKind::NoOrigin));
    }
    let mut labels: Vec<Vec<u8>> = vec![Vec::new()];
    for (byte, escaped) in unescape(token)? {
        match labels.last_mut() {
            Some(label) if escaped || byte != b'.' => label.push(byte),
            _ => labels.push(Vec::new()),
        }
    }
    let absolute = labels.len() > 1 && labels.last().is_some_and(Vec::is_empty);
    if absolute {
        labels.pop();
        if labels.len() == 1 && labels.first().is_some_and(Vec::is_empty) {
            labels.clear(); // "." is the root
        }
    }
    let mut name = String::new();
    for label in labels {
        if label.is_empty() {
            return Err(token.error(ZoneErrorKind::EmptyLabel));
        }
        if label.len() > MAX_LABEL {
            return Err(token.error(ZoneErrorKind::LabelTooLong { len: label.len() }));
        }
        let label = String::from_utf8(label).map_err(|_| token.error(ZoneErrorKind::NameNotUtf8))?;
        if !name.is_empty() {
            name.push('.');
        }
        for c in label.chars() {
            if c == '.' || c == '\\' {
                name.push('\\');
            }
            name.push(c.to_ascii_lowercase());
        }
    }
    if !absolute {
        let origin = origin.ok_or_else(|| token.error(ZoneErrorKind::NoOrigin))?;
        if !origin.is_empty() {
            name.push('.');
            name.push_str(origin);
        }
    }
    let len = name_len(&name);
    if len > MAX_NAME {
        return Err(token.error(ZoneErrorKind::NameTooLong { len }));
    }
    Ok(name)
}

/// The length of a stored name once unescaped.
fn name_len(name: &str) -> usize {
    let mut len = 0;
    let mut escaped = false;
    for b in name.bytes() {
        if b == b'\\' && !escaped {
            escaped = true;
        } else {
            escaped = false;
            len += 1;
        }
    }
    len
}

/// The name one label up, `""` being the root; `None` for the root.
fn parent(name: &str) -> Option<&str> {
    if name.is_empty() {
        return None;
    }
    let bytes = name.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            // `.` is ASCII, so `i + 1` is a character boundary.
            b'.' => return Some(&name[i + 1..]),
            _ => i += 1,
        }
    }
    Some("")
}

/// A stored name written for a master file: final dot, and the characters
/// a master file would misread escaped.
fn presentation(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1);
    for c in name.chars() {
        match c {
            ' ' | '"' | '(' | ')' | ';' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() => out.push_str(&format!("\\{:03}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('.');
    out
}

/// The line and column of byte `offset` of the file.
fn position_of(bytes: &[u8], offset: usize) -> Pos {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    Pos { line, column: offset - line_start + 1 }
}

/// Whether `upper` names a record type that may appear in a master file:
/// a mnemonic from the IANA registry (meta types such as `ANY`, `OPT` and
/// `AXFR` excluded) or the RFC 3597 form `TYPEnnn`.
fn is_record_type(upper: &str) -> bool {
    const TYPES: &[&str] = &[
        "A",
        "NS",
        "MD",
        "MF",
        "CNAME",
        "SOA",
        "MB",
        "MG",
        "MR",
        "NULL",
        "WKS",
        "PTR",
        "HINFO",
        "MINFO",
        "MX",
        "TXT",
        "RP",
        "AFSDB",
        "X25",
        "ISDN",
        "RT",
        "NSAP",
        "NSAP-PTR",
        "SIG",
        "KEY",
        "PX",
        "GPOS",
        "AAAA",
        "LOC",
        "NXT",
        "EID",
        "NIMLOC",
        "SRV",
        "ATMA",
        "NAPTR",
        "KX",
        "CERT",
        "A6",
        "DNAME",
        "SINK",
        "APL",
        "DS",
        "SSHFP",
        "IPSECKEY",
        "RRSIG",
        "NSEC",
        "DNSKEY",
        "DHCID",
        "NSEC3",
        "NSEC3PARAM",
        "TLSA",
        "SMIMEA",
        "HIP",
        "NINFO",
        "RKEY",
        "TALINK",
        "CDS",
        "CDNSKEY",
        "OPENPGPKEY",
        "CSYNC",
        "ZONEMD",
        "SVCB",
        "HTTPS",
        "DSYNC",
        "SPF",
        "UINFO",
        "UID",
        "GID",
        "UNSPEC",
        "NID",
        "L32",
        "L64",
        "LP",
        "EUI48",
        "EUI64",
        "URI",
        "CAA",
        "AVC",
        "DOA",
        "AMTRELAY",
        "RESINFO",
        "WALLET",
        "TA",
        "DLV",
    ];
    if TYPES.contains(&upper) {
        return true;
    }
    upper
        .strip_prefix("TYPE")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && n.parse::<u16>().is_ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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

    fn not_found(zone: &ZoneFile, name: &str) -> NotFound {
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
        assert!(!answer.authenticated());
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
        let zone = parse(
            "$TTL 1h30m\na.example. TXT x\nb.example. 2D TXT x\nc.example. 1w2d3h4m5s TXT x\nd.example. 0 TXT x\n",
        );
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
        assert_eq!(
            ttls,
            [("a.example", 60), ("b.example", 70), ("c.example", 70), ("d.example", 80), ("e.example", 80)]
        );
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
        assert_eq!(
            strings(&answer),
            [vec![b"one".to_vec(), b"two".to_vec(), Vec::new()], vec![b"second record".to_vec()]]
        );
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
        assert_eq!(
            error("a.example. IN NXDOMAIN\n"),
            (1, 15, ZoneErrorKind::UnknownType { found: "NXDOMAIN".to_owned() })
        );
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
        let Some(ZoneEntry {
            data: ZoneData::Soa { mname, rname, serial, refresh, retry, expire, minimum }, ttl, ..
        }) = zone.entries().first()
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
        assert_eq!(
            error("$ORIGIN e.\n@ SOA a b 1 2 3 4 5\n@ SOA a b 1 2 3 4 5\n"),
            (3, 1, ZoneErrorKind::DuplicateSoa)
        );
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
        assert_eq!(presentation("a b.c(d"), "a\\ b.c\\(d.");
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
            (
                "a.example. TXT\n",
                (
                    1,
                    15,
                    ZoneErrorKind::InvalidRdata {
                        rtype: "TXT".to_owned(),
                        reason: "at least one character-string is needed",
                    },
                ),
            ),
            (
                "a.example. CNAME b. c.\n",
                (1, 21, ZoneErrorKind::InvalidRdata { rtype: "CNAME".to_owned(), reason: "expected one name" }),
            ),
            (
                "a.example. A 300.1.1.1\n",
                (1, 14, ZoneErrorKind::InvalidRdata { rtype: "A".to_owned(), reason: "not an IPv4 address" }),
            ),
            (
                "a.example. AAAA 1.2.3.4\n",
                (1, 17, ZoneErrorKind::InvalidRdata { rtype: "AAAA".to_owned(), reason: "not an IPv6 address" }),
            ),
            (
                "a.example. SOA a. b. 1 2 3 4\n",
                (
                    1,
                    29,
                    ZoneErrorKind::InvalidRdata {
                        rtype: "SOA".to_owned(),
                        reason: "expected mname, rname, serial, refresh, retry, expire and minimum",
                    },
                ),
            ),
            (
                "a.example. SOA a. b. x 2 3 4 5\n",
                (1, 22, ZoneErrorKind::InvalidRdata { rtype: "SOA".to_owned(), reason: "the serial is not a number" }),
            ),
            (
                "a.example. MX 65536 b.\n",
                (
                    1,
                    15,
                    ZoneErrorKind::InvalidRdata {
                        rtype: "MX".to_owned(),
                        reason: "the preference is not a number from 0 to 65535",
                    },
                ),
            ),
            ("$INCLUDE other.zone\n", (1, 1, ZoneErrorKind::UnsupportedDirective { directive: "$INCLUDE".to_owned() })),
            (
                "$generate 1-2 a$ TXT x\n",
                (1, 1, ZoneErrorKind::UnsupportedDirective { directive: "$generate".to_owned() }),
            ),
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
        assert_eq!(
            e.to_string(),
            format!("zone file {}, line 2, column 12: `BAD` is not a record type", bad.display())
        );
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

    #[test]
    fn every_testdata_zone_file() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/testdata"));
        let folders = std::fs::read_dir(root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
        let mut files = 0;
        for folder in folders {
            let folder = folder.unwrap().path();
            if !folder.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&folder).unwrap() {
                let path = file.unwrap().path();
                if path.extension().is_none_or(|e| e != "zone") {
                    continue;
                }
                files += 1;
                let zone = ZoneFile::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
                let text = std::fs::read_to_string(&path).unwrap();
                let lines = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with(';') && !l.starts_with('#'))
                    .count();
                assert_eq!(zone.entries().len(), lines, "{}", path.display());
                for entry in zone.entries() {
                    let at = format!("{}: {}", path.display(), entry.name);
                    match (&entry.data, zone.lookup(&entry.name)) {
                        (ZoneData::Txt(record), Lookup::Found(answer)) => {
                            assert!(answer.records().contains(record), "{at}");
                            assert!(record.strings().iter().all(|s| s.len() <= MAX_STRING), "{at}");
                        }
                        (ZoneData::NxDomain, Lookup::NoRecord(none)) => {
                            assert_eq!(none.kind(), NoRecordKind::NxDomain, "{at}");
                        }
                        (ZoneData::ServFail, Lookup::TempFail(fail)) => {
                            assert_eq!(fail.cause(), &TempFailCause::ServFail, "{at}");
                        }
                        (ZoneData::Timeout, Lookup::TempFail(fail)) => {
                            assert_eq!(fail.cause(), &TempFailCause::Timeout, "{at}");
                        }
                        (data, answer) => panic!("{at}: {data:?} answered {answer:?}"),
                    }
                }
            }
        }
        assert!(files >= 7, "only {files} zone files under {}", root.display());
    }
}
