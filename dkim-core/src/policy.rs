//! What the verifier accepts ([`Policy`]) and how much input it takes
//! ([`Limits`]). Both are `Default` plus setters.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::crypto::{RustCrypto, VerifyingBackend};

/// How line ends in the input are treated.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineEndings {
    /// Lines end with CRLF, as on the wire (RFC 5322). A bare LF or CR is
    /// data. This is the default and what DKIM is defined on.
    #[default]
    Crlf,
    /// Every LF not preceded by CR is turned into CRLF before anything else
    /// happens, for messages stored with Unix line ends (Maildir files,
    /// `sendmail -t` input). Costs one copy of the body.
    NormalizeLf,
}

/// The verifier's clock: the current Unix time, a required input of
/// [`Verifier::new`](crate::Verifier::new) (the core has no clock of its
/// own), so that `x=` and a future `t=` are always checked.
///
/// ```
/// use dkim_core::Now;
/// let now = Now::unix(1_700_000_000);
/// assert_eq!(now.unix_seconds(), Some(1_700_000_000));
/// assert_eq!(Now::from(5).unix_seconds(), Some(5));
/// // Archives, forensics: no clock, so no expiry check at all.
/// assert_eq!(Now::danger_no_clock().unix_seconds(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Now(Option<u64>);

impl Now {
    /// The time as Unix seconds.
    #[must_use]
    pub const fn unix(seconds: u64) -> Self {
        Self(Some(seconds))
    }

    /// No clock: `x=` and future `t=` are not checked at all, so expired
    /// signatures pass. Only for callers that truly have no time to give
    /// (reading archives); never for deciding about new mail.
    #[must_use]
    pub const fn danger_no_clock() -> Self {
        Self(None)
    }

    /// The time, or `None` for [`Now::danger_no_clock`].
    #[must_use]
    pub const fn unix_seconds(self) -> Option<u64> {
        self.0
    }
}

impl From<u64> for Now {
    fn from(seconds: u64) -> Self {
        Self::unix(seconds)
    }
}

/// The header fields RFC 5322 (section 3.6) and RFC 2045 allow at most once
/// in a message, whose extra instances [`Policy`] checks by default.
pub const SINGLE_INSTANCE_FIELDS: &[&str] = &[
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
];

/// Verification policy. The default is RFC 6376 with RFC 8301 (`rsa-sha1`
/// refused, RSA keys under 1024 bits refused), plus the checks against
/// known attacks on what a signature leaves unsigned: content after `l=`
/// and extra instances of single-instance header fields get `policy`.
///
/// ```
/// use dkim_core::{Limits, Policy};
/// let strict = Policy::default()
///     .min_rsa_bits(2048)
///     .require_signed_header("subject")
///     .limits(Limits::default().max_header_fields(200));
/// let legacy = Policy::legacy(); // archives only
/// assert_ne!(strict, legacy);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub(crate) clock_skew: u64,
    pub(crate) min_rsa_bits: u32,
    pub(crate) allow_sha1: bool,
    pub(crate) accept_body_length: bool,
    pub(crate) allow_unsigned_body: bool,
    pub(crate) required_headers: Vec<String>,
    /// `None`: [`SINGLE_INSTANCE_FIELDS`] (no allocation per clone).
    pub(crate) single_instance: Option<Vec<String>>,
    pub(crate) max_signatures: usize,
    pub(crate) reject_future_timestamps: bool,
    pub(crate) line_endings: LineEndings,
    pub(crate) backend: Backend,
    pub(crate) limits: Limits,
}

/// The crypto backend of a [`Policy`], compared by
/// [`VerifyingBackend::name`] so that `Policy` stays `PartialEq + Eq`.
#[derive(Clone, Copy)]
pub(crate) struct Backend(pub(crate) &'static dyn VerifyingBackend);

impl PartialEq for Backend {
    fn eq(&self, other: &Self) -> bool {
        self.0.name() == other.0.name()
    }
}

impl Eq for Backend {}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            clock_skew: 300,
            min_rsa_bits: 1024,
            allow_sha1: false,
            accept_body_length: true,
            allow_unsigned_body: false,
            required_headers: Vec::new(),
            single_instance: None,
            max_signatures: 16,
            reject_future_timestamps: true,
            line_endings: LineEndings::Crlf,
            backend: Backend(&RustCrypto),
            limits: Limits::default(),
        }
    }
}

impl Policy {
    /// RFC 6376 alone, as verifiers judged before RFC 8301 and the attacks
    /// on unsigned content: `rsa-sha1` and RSA keys of any size accepted,
    /// content after `l=` and extra header instances not checked. For
    /// reading archives, never for deciding about new mail.
    ///
    /// ```
    /// use dkim_core::Policy;
    /// assert_ne!(Policy::legacy(), Policy::default());
    /// ```
    #[must_use]
    pub fn legacy() -> Self {
        Self::default()
            .danger_allow_sha1(true)
            .danger_min_rsa_bits(0)
            .danger_allow_unsigned_body(true)
            .single_instance_fields::<[&str; 0]>([])
    }

    /// Tolerated clock difference for `x=` and future `t=`, in seconds
    /// (default 300).
    #[must_use]
    pub fn clock_skew(mut self, seconds: u64) -> Self {
        self.clock_skew = seconds;
        self
    }

    /// Minimum RSA key size; values below 1024 are raised to 1024 (use
    /// [`Policy::danger_min_rsa_bits`] to go lower).
    #[must_use]
    pub fn min_rsa_bits(mut self, bits: u32) -> Self {
        self.min_rsa_bits = bits.max(1024);
        self
    }

    /// Minimum RSA key size without the RFC 8301 floor of 1024 bits.
    #[must_use]
    pub fn danger_min_rsa_bits(mut self, bits: u32) -> Self {
        self.min_rsa_bits = bits;
        self
    }

    /// Accept `rsa-sha1` signatures (refused by RFC 8301).
    #[must_use]
    pub fn danger_allow_sha1(mut self, allow: bool) -> Self {
        self.allow_sha1 = allow;
        self
    }

    /// Accept signatures with `l=` at all (default true). When false they get
    /// the verdict `policy` ([`Reason::BodyLengthRefused`](crate::Reason::BodyLengthRefused)).
    #[must_use]
    pub fn accept_body_length(mut self, accept: bool) -> Self {
        self.accept_body_length = accept;
        self
    }

    /// Let a signature with `l=` pass when the body goes on past the signed
    /// length (default false: such a signature gets `policy` with
    /// [`Reason::UnsignedBodyContent`](crate::Reason::UnsignedBodyContent),
    /// since anyone may have appended that content, a differently typed MIME
    /// part for instance). A body of exactly `l=` bytes passes either way,
    /// and either way a signature with `l=` must sign Content-Type.
    #[must_use]
    pub fn danger_allow_unsigned_body(mut self, allow: bool) -> Self {
        self.allow_unsigned_body = allow;
        self
    }

    /// The header fields a message may carry only once (default
    /// [`SINGLE_INSTANCE_FIELDS`]; case-insensitive). When a signature signs
    /// such a field and the message has more instances of it than `h=`
    /// lists, the verdict is `policy`
    /// ([`Reason::UnsignedHeaderInstance`](crate::Reason::UnsignedHeaderInstance)):
    /// the reader may be shown the unsigned one. An empty list turns the
    /// check off.
    ///
    /// ```
    /// use dkim_core::{Policy, SINGLE_INSTANCE_FIELDS};
    /// let more = Policy::default().single_instance_fields(SINGLE_INSTANCE_FIELDS.iter().chain(&["List-Id"]));
    /// let off = Policy::default().single_instance_fields::<[&str; 0]>([]);
    /// # let _ = (more, off);
    /// ```
    #[must_use]
    pub fn single_instance_fields<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.single_instance = Some(names.into_iter().map(|n| String::from(n.as_ref())).collect());
        self
    }

    /// A header field that every accepted signature must cover (besides
    /// From, which RFC 6376 always requires). Case-insensitive.
    #[must_use]
    pub fn require_signed_header(mut self, name: &str) -> Self {
        self.required_headers.push(name.into());
        self
    }

    /// How many `DKIM-Signature` fields are evaluated (default 16, topmost
    /// first); the rest get the verdict `policy`.
    #[must_use]
    pub fn max_signatures(mut self, n: usize) -> Self {
        self.max_signatures = n;
        self
    }

    /// Refuse signatures whose `t=` lies in the future beyond the clock
    /// skew (default true; RFC 6376 allows either).
    #[must_use]
    pub fn reject_future_timestamps(mut self, reject: bool) -> Self {
        self.reject_future_timestamps = reject;
        self
    }

    /// How line ends in the input are treated (default CRLF).
    #[must_use]
    pub fn line_endings(mut self, le: LineEndings) -> Self {
        self.line_endings = le;
        self
    }

    /// Resource limits (default [`Limits::default`]).
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The crypto backend that checks signatures (default
    /// [`RustCrypto`]). The built-in backends give the same verdicts and
    /// differ in speed; key sizes, `rsa-sha1` and every other policy check
    /// stay here, whichever backend runs.
    ///
    /// ```
    /// use dkim_core::{Policy, RustCrypto};
    ///
    /// let policy = Policy::default().backend(&RustCrypto);
    /// assert_eq!(policy, Policy::default());
    /// ```
    ///
    /// With the `aws-lc-rs` feature, RSA on AWS-LC:
    ///
    /// ```
    /// # #[cfg(feature = "aws-lc-rs")]
    /// # {
    /// use dkim_core::{AwsLcRs, Now, Policy, Verifier};
    ///
    /// let policy = Policy::default().backend(&AwsLcRs);
    /// let verifier = Verifier::new(policy, Now::unix(1_700_000_000));
    /// # let _ = verifier;
    /// # }
    /// ```
    #[must_use]
    pub fn backend(mut self, backend: &'static dyn VerifyingBackend) -> Self {
        self.backend = Backend(backend);
        self
    }

    /// The resource limits in force (set with [`Policy::limits`]), for a
    /// caller that parses key records for the verifier
    /// ([`KeyAnswer::Parsed`](crate::KeyAnswer::Parsed) needs the same
    /// limits).
    ///
    /// ```
    /// use dkim_core::{Limits, Policy};
    /// let p = Policy::default().limits(Limits::default().max_rsa_bits(4096));
    /// assert_eq!(p.resource_limits().max_rsa_bits, 4096);
    /// ```
    #[must_use]
    pub fn resource_limits(&self) -> &Limits {
        &self.limits
    }

    /// The single-instance field names in force.
    pub(crate) fn single_instance_names(&self) -> impl Iterator<Item = &str> {
        let custom = self.single_instance.iter().flatten().map(String::as_str);
        let default = self.single_instance.is_none().then_some(SINGLE_INSTANCE_FIELDS).into_iter().flatten().copied();
        custom.chain(default)
    }
}

/// Resource limits. Exceeding one gives a typed error or verdict, never a
/// panic and never unbounded work.
///
/// | limit | default |
/// |---|---|
/// | header block bytes | 1 MiB |
/// | header fields | 1 000 |
/// | tag value bytes | 16 KiB |
/// | `h=` entries | 256 |
/// | key record bytes | 16 KiB |
/// | RSA key bits | 8 192 |
///
/// ```
/// use dkim_core::Limits;
/// let l = Limits::default().max_header_fields(200);
/// assert_eq!(l.max_header_fields, 200);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest header block accepted, in bytes.
    pub max_header_bytes: usize,
    /// Most header fields accepted.
    pub max_header_fields: usize,
    /// Longest tag value in a signature or key record, in bytes.
    pub max_tag_value_bytes: usize,
    /// Most names in `h=`.
    pub max_signed_headers: usize,
    /// Longest key record (concatenated TXT strings), in bytes.
    pub max_key_record_bytes: usize,
    /// Largest RSA modulus accepted, in bits (bounds verification cost).
    pub max_rsa_bits: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_header_bytes: 1 << 20,
            max_header_fields: 1000,
            max_tag_value_bytes: 16 * 1024,
            max_signed_headers: 256,
            max_key_record_bytes: 16 * 1024,
            max_rsa_bits: 8192,
        }
    }
}

impl Limits {
    /// Sets [`Limits::max_header_bytes`].
    #[must_use]
    pub fn max_header_bytes(mut self, n: usize) -> Self {
        self.max_header_bytes = n;
        self
    }

    /// Sets [`Limits::max_header_fields`].
    #[must_use]
    pub fn max_header_fields(mut self, n: usize) -> Self {
        self.max_header_fields = n;
        self
    }

    /// Sets [`Limits::max_tag_value_bytes`].
    #[must_use]
    pub fn max_tag_value_bytes(mut self, n: usize) -> Self {
        self.max_tag_value_bytes = n;
        self
    }

    /// Sets [`Limits::max_signed_headers`].
    #[must_use]
    pub fn max_signed_headers(mut self, n: usize) -> Self {
        self.max_signed_headers = n;
        self
    }

    /// Sets [`Limits::max_key_record_bytes`].
    #[must_use]
    pub fn max_key_record_bytes(mut self, n: usize) -> Self {
        self.max_key_record_bytes = n;
        self
    }

    /// Sets [`Limits::max_rsa_bits`].
    #[must_use]
    pub fn max_rsa_bits(mut self, n: u32) -> Self {
        self.max_rsa_bits = n;
        self
    }
}
