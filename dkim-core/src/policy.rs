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

/// Verification policy. The default is RFC 6376 with RFC 8301: `rsa-sha1`
/// refused, RSA keys under 1024 bits refused.
///
/// ```
/// use dkim_core::Policy;
/// let strict = Policy::default().now(1_700_000_000).min_rsa_bits(2048).require_signed_header("subject");
/// assert_eq!(strict.min_rsa_bits_value(), 2048);
/// let legacy = Policy::legacy();
/// assert!(legacy.sha1_allowed());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub(crate) now: Option<u64>,
    pub(crate) clock_skew: u64,
    pub(crate) min_rsa_bits: u32,
    pub(crate) allow_sha1: bool,
    pub(crate) accept_body_length: bool,
    pub(crate) required_headers: Vec<String>,
    pub(crate) max_signatures: usize,
    pub(crate) reject_future_timestamps: bool,
    pub(crate) line_endings: LineEndings,
    pub(crate) backend: Backend,
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
            now: None,
            clock_skew: 300,
            min_rsa_bits: 1024,
            allow_sha1: false,
            accept_body_length: true,
            required_headers: Vec::new(),
            max_signatures: 16,
            reject_future_timestamps: true,
            line_endings: LineEndings::Crlf,
            backend: Backend(&RustCrypto),
        }
    }
}

impl Policy {
    /// RFC 6376 alone: `rsa-sha1` and RSA keys of any size accepted. For
    /// reading archives, never for deciding about new mail.
    pub fn legacy() -> Self {
        Self::default().danger_allow_sha1(true).danger_min_rsa_bits(0)
    }

    /// The current Unix time. Without it `x=` and `t=` are not checked
    /// against a clock (the core has no clock of its own).
    pub fn now(mut self, unix_seconds: u64) -> Self {
        self.now = Some(unix_seconds);
        self
    }

    /// Tolerated clock difference for `x=` and future `t=`, in seconds
    /// (default 300).
    pub fn clock_skew(mut self, seconds: u64) -> Self {
        self.clock_skew = seconds;
        self
    }

    /// Minimum RSA key size; values below 1024 are raised to 1024 (use
    /// [`Policy::danger_min_rsa_bits`] to go lower).
    pub fn min_rsa_bits(mut self, bits: u32) -> Self {
        self.min_rsa_bits = bits.max(1024);
        self
    }

    /// Minimum RSA key size without the RFC 8301 floor of 1024 bits.
    pub fn danger_min_rsa_bits(mut self, bits: u32) -> Self {
        self.min_rsa_bits = bits;
        self
    }

    /// Accept `rsa-sha1` signatures (refused by RFC 8301).
    pub fn danger_allow_sha1(mut self, allow: bool) -> Self {
        self.allow_sha1 = allow;
        self
    }

    /// Accept signatures with `l=` (default true). When false they get the
    /// verdict `policy`. Either way the result reports how many body bytes
    /// `l=` left unsigned.
    pub fn accept_body_length(mut self, accept: bool) -> Self {
        self.accept_body_length = accept;
        self
    }

    /// A header field that every accepted signature must cover (besides
    /// From, which RFC 6376 always requires). Case-insensitive.
    pub fn require_signed_header(mut self, name: &str) -> Self {
        self.required_headers.push(name.into());
        self
    }

    /// How many `DKIM-Signature` fields are evaluated (default 16, topmost
    /// first); the rest get the verdict `policy`.
    pub fn max_signatures(mut self, n: usize) -> Self {
        self.max_signatures = n;
        self
    }

    /// Refuse signatures whose `t=` lies in the future beyond the clock
    /// skew (default true; RFC 6376 allows either).
    pub fn reject_future_timestamps(mut self, reject: bool) -> Self {
        self.reject_future_timestamps = reject;
        self
    }

    /// How line ends in the input are treated (default CRLF).
    pub fn line_endings(mut self, le: LineEndings) -> Self {
        self.line_endings = le;
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
    /// use dkim_core::{AwsLcRs, Policy, Verifier};
    ///
    /// let policy = Policy::default().now(1_700_000_000).backend(&AwsLcRs);
    /// assert_eq!(policy.backend_value().name(), "aws-lc-rs");
    /// let verifier = Verifier::new(policy);
    /// # let _ = verifier;
    /// # }
    /// ```
    pub fn backend(mut self, backend: &'static dyn VerifyingBackend) -> Self {
        self.backend = Backend(backend);
        self
    }

    /// The configured crypto backend.
    pub fn backend_value(&self) -> &'static dyn VerifyingBackend {
        self.backend.0
    }

    /// The configured minimum RSA size.
    pub fn min_rsa_bits_value(&self) -> u32 {
        self.min_rsa_bits
    }

    /// Whether `rsa-sha1` is accepted.
    pub fn sha1_allowed(&self) -> bool {
        self.allow_sha1
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
    pub fn max_header_bytes(mut self, n: usize) -> Self {
        self.max_header_bytes = n;
        self
    }

    /// Sets [`Limits::max_header_fields`].
    pub fn max_header_fields(mut self, n: usize) -> Self {
        self.max_header_fields = n;
        self
    }

    /// Sets [`Limits::max_tag_value_bytes`].
    pub fn max_tag_value_bytes(mut self, n: usize) -> Self {
        self.max_tag_value_bytes = n;
        self
    }

    /// Sets [`Limits::max_signed_headers`].
    pub fn max_signed_headers(mut self, n: usize) -> Self {
        self.max_signed_headers = n;
        self
    }

    /// Sets [`Limits::max_key_record_bytes`].
    pub fn max_key_record_bytes(mut self, n: usize) -> Self {
        self.max_key_record_bytes = n;
        self
    }

    /// Sets [`Limits::max_rsa_bits`].
    pub fn max_rsa_bits(mut self, n: u32) -> Self {
        self.max_rsa_bits = n;
        self
    }
}
