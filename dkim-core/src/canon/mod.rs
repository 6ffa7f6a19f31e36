//! Canonicalization (RFC 6376 section 3.4): `simple` and `relaxed`, for the
//! header and the body separately.

use core::fmt;

pub mod body;
pub mod header;
mod path;

pub use body::BodyCanonicalizer;
pub(crate) use body::{BLOCK_ROOM, Emit, relaxed_blocks, relaxed_span};
pub use path::{ScanPath, ScanPathUnavailable};

/// One canonicalization algorithm.
///
/// ```
/// use dkim_core::{Canonicalization, CanonicalizationAlgorithm};
/// let c = Canonicalization::parse("relaxed/simple").ok_or("not a c= value")?;
/// assert_eq!(c.header, CanonicalizationAlgorithm::Relaxed);
/// assert_eq!(c.body, CanonicalizationAlgorithm::Simple);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CanonicalizationAlgorithm {
    /// `simple`: (almost) no change.
    Simple,
    /// `relaxed`: tolerant of common whitespace and case rewriting.
    Relaxed,
}

impl CanonicalizationAlgorithm {
    /// The `c=` spelling.
    ///
    /// ```
    /// use dkim_core::CanonicalizationAlgorithm;
    /// assert_eq!(CanonicalizationAlgorithm::Simple.as_str(), "simple");
    /// assert_eq!(CanonicalizationAlgorithm::Relaxed.as_str(), "relaxed");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Simple => "simple",
            Self::Relaxed => "relaxed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("simple") {
            Some(Self::Simple)
        } else if s.eq_ignore_ascii_case("relaxed") {
            Some(Self::Relaxed)
        } else {
            None
        }
    }
}

/// The `c=` tag: header and body canonicalization.
///
/// ```
/// use dkim_core::{Canonicalization, CanonicalizationAlgorithm::*};
/// assert_eq!(Canonicalization::parse("relaxed"), Some(Canonicalization::new(Relaxed, Simple)));
/// assert_eq!(Canonicalization::parse("simple/relaxed").unwrap().to_string(), "simple/relaxed");
/// assert_eq!(Canonicalization::parse("relaxed/stressed"), None);
/// assert_eq!(Canonicalization::default(), Canonicalization::new(Simple, Simple));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Canonicalization {
    /// Header canonicalization.
    pub header: CanonicalizationAlgorithm,
    /// Body canonicalization.
    pub body: CanonicalizationAlgorithm,
}

impl Canonicalization {
    /// `relaxed/relaxed`, what the signer uses unless told otherwise.
    pub const RELAXED: Self = Self::new(CanonicalizationAlgorithm::Relaxed, CanonicalizationAlgorithm::Relaxed);
    /// `simple/simple`, the default when `c=` is absent.
    pub const SIMPLE: Self = Self::new(CanonicalizationAlgorithm::Simple, CanonicalizationAlgorithm::Simple);

    /// From the two halves.
    ///
    /// ```
    /// use dkim_core::{Canonicalization, CanonicalizationAlgorithm::*};
    /// let c = Canonicalization::new(Relaxed, Simple);
    /// assert_eq!(c.to_string(), "relaxed/simple");
    /// assert_eq!(Canonicalization::new(Relaxed, Relaxed), Canonicalization::RELAXED);
    /// ```
    pub const fn new(header: CanonicalizationAlgorithm, body: CanonicalizationAlgorithm) -> Self {
        Self { header, body }
    }

    /// Parses a `c=` value: `h` or `h/b`; the body defaults to `simple`.
    /// Anything else (empty, three parts, unknown names) is `None`.
    ///
    /// ```
    /// use dkim_core::{Canonicalization, CanonicalizationAlgorithm::*};
    /// assert_eq!(Canonicalization::parse("Relaxed/Relaxed"), Some(Canonicalization::RELAXED));
    /// assert_eq!(Canonicalization::parse("relaxed"), Some(Canonicalization::new(Relaxed, Simple)));
    /// assert_eq!(Canonicalization::parse("simple/simple/simple"), None);
    /// assert_eq!(Canonicalization::parse(""), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('/');
        let header = CanonicalizationAlgorithm::parse(parts.next()?)?;
        let body = match parts.next() {
            Some(b) => CanonicalizationAlgorithm::parse(b)?,
            None => CanonicalizationAlgorithm::Simple,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Self { header, body })
    }
}

impl Default for Canonicalization {
    fn default() -> Self {
        Self::SIMPLE
    }
}

impl fmt::Display for Canonicalization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.header.as_str(), self.body.as_str())
    }
}
