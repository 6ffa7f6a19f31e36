//! Zone file errors: what is wrong and where.

use std::fmt;
use std::path::{Path, PathBuf};

#[cfg(doc)]
use super::ZoneFile;
use super::{MAX_LABEL, MAX_NAME, MAX_STRING};

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
    pub(super) fn new(pos: Pos, kind: ZoneErrorKind) -> Self {
        Self { line: pos.line, column: pos.column, kind, path: None }
    }

    /// The same error, about the file at `path`.
    pub(super) fn with_path(self, path: &Path) -> Self {
        Self { path: Some(path.to_path_buf()), ..self }
    }

    /// What is wrong, without where.
    pub(super) fn into_kind(self) -> ZoneErrorKind {
        self.kind
    }

    /// The line, counting from 1; 0 when the error is not about a line (the
    /// file could not be read, or the origin given is invalid).
    ///
    /// ```
    /// use dkim_dns::ZoneFile;
    /// let Err(error) = ZoneFile::parse("$ORIGIN example.com.\n\nsel IN TXT \"unterminated\n") else { unreachable!() };
    /// assert_eq!(error.line(), 3);
    /// ```
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column in bytes, counting from 1; 0 with line 0.
    ///
    /// ```
    /// use dkim_dns::ZoneFile;
    /// let Err(error) = ZoneFile::parse("$ORIGIN example.com.\nsel IN TXT ( \"v=DKIM1\"\n") else { unreachable!() };
    /// assert_eq!((error.line(), error.column()), (2, 12)); // the `(` never closed
    /// ```
    pub fn column(&self) -> usize {
        self.column
    }

    /// What is wrong.
    ///
    /// ```
    /// use dkim_dns::{ZoneErrorKind, ZoneFile};
    /// let Err(error) = ZoneFile::parse("sel._domainkey IN TXT \"v=DKIM1; p=\"\n") else { unreachable!() };
    /// assert_eq!(error.kind(), &ZoneErrorKind::NoOrigin); // a relative name, and no $ORIGIN
    /// ```
    pub fn kind(&self) -> &ZoneErrorKind {
        &self.kind
    }

    /// The file, when the zone was read with [`ZoneFile::from_path`].
    ///
    /// ```
    /// use dkim_dns::ZoneFile;
    /// let path = std::env::temp_dir().join(format!("dkim-dns-doc-{}.zone", std::process::id()));
    /// std::fs::write(&path, "$ORIGIN example.com.\nsel IN BOGUS x\n")?;
    /// let Err(error) = ZoneFile::from_path(&path) else { unreachable!() };
    /// assert_eq!(error.path(), Some(path.as_path()));
    /// assert!(error.to_string().starts_with(&format!("zone file {}, line 2", path.display())));
    /// let Err(from_text) = ZoneFile::parse("$ORIGIN example.com.\nsel IN BOGUS x\n") else { unreachable!() };
    /// assert_eq!(from_text.path(), None);
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
///
/// ```
/// use dkim_dns::{ZoneErrorKind, ZoneFile};
/// let kind = |text: &str| ZoneFile::parse(text).err().map(|e| e.kind().clone());
/// assert_eq!(kind("$ORIGIN example.com.\na..b IN TXT x\n"), Some(ZoneErrorKind::EmptyLabel));
/// assert_eq!(kind("$ORIGIN example.com.\nsel IN TXT ) x\n"), Some(ZoneErrorKind::UnbalancedParenthesis));
/// let include = Some(ZoneErrorKind::UnsupportedDirective { directive: "$INCLUDE".into() });
/// assert_eq!(kind("$INCLUDE other.zone\n"), include);
/// assert_eq!(kind("$ORIGIN example.com.\nsel IN TXT x\n"), None);
/// ```
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

/// A place in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pos {
    pub(super) line: usize,
    pub(super) column: usize,
}

impl Pos {
    /// The line and column of byte `offset` of the file.
    pub(super) fn of_offset(bytes: &[u8], offset: usize) -> Self {
        let before = &bytes[..offset.min(bytes.len())];
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        Self { line, column: offset - line_start + 1 }
    }
}
