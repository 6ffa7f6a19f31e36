//! What the verifier accepts ([`Policy`]) and how much input it takes
//! ([`Limits`]). Both are `Default` plus setters.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::crypto::{RustCrypto, VerifyingBackend};

/// How line ends in the input are treated.
///
/// ```
/// use dkim_core::{Ed25519SigningKey, HeaderError, KeyAnswer, LineEndings, Policy, Signer, Verdict, VerifyError};
/// use dkim_core::verify;
/// let key = Ed25519SigningKey::from_seed(&[7; 32]);
/// let record = dkim_core::PrivateKey::Ed25519(key.clone()).dns_record();
/// let unix = b"From: joe@example.com\nSubject: hi\n\nHello!\n"; // a Maildir file
/// let signer = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000);
/// let signer = signer.line_endings(LineEndings::NormalizeLf).build()?;
/// let signed = [signer.sign(unix)?.as_bytes(), unix].concat();
///
/// let lookup = |_: &dkim_core::KeyRequest| KeyAnswer::text(record.text());
/// let crlf = verify(&signed, &Policy::default(), 1_700_000_000, lookup);
/// assert_eq!(crlf, Err(VerifyError::Header(HeaderError::BareLineFeeds)));
/// let lf = verify(&signed, &Policy::default().line_endings(LineEndings::NormalizeLf), 1_700_000_000, lookup)?;
/// assert_eq!(lf[0].verdict(), Verdict::Pass);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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

impl LineEndings {
    /// The line ends of a message as its first line shows them:
    /// [`NormalizeLf`](Self::NormalizeLf) when that line ends in a bare LF
    /// (a file with Unix line ends), [`Crlf`](Self::Crlf) when it ends in
    /// CRLF, `None` when `start` holds no LF yet. `start` is the beginning
    /// of the message; the rest is not read.
    ///
    /// ```
    /// use dkim_core::LineEndings;
    /// assert_eq!(LineEndings::detect(b"From: a\nTo: b\n"), Some(LineEndings::NormalizeLf));
    /// assert_eq!(LineEndings::detect(b"From: a\r\nTo: b\n"), Some(LineEndings::Crlf));
    /// assert_eq!(LineEndings::detect(b"\n"), Some(LineEndings::NormalizeLf));
    /// assert_eq!(LineEndings::detect(b"From: a"), None);
    /// ```
    #[must_use]
    pub fn detect(start: &[u8]) -> Option<Self> {
        let i = memchr::memchr(b'\n', start)?;
        Some(if i > 0 && start[i - 1] == b'\r' { Self::Crlf } else { Self::NormalizeLf })
    }
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
    ///
    /// ```
    /// use dkim_core::Now;
    /// assert_eq!(Now::unix(1_700_000_000).unix_seconds(), Some(1_700_000_000));
    /// assert_eq!(Now::unix(5), Now::from(5));
    /// ```
    #[must_use]
    pub const fn unix(seconds: u64) -> Self {
        Self(Some(seconds))
    }

    /// No clock: `x=` and future `t=` are not checked at all, so expired
    /// signatures pass. Only for callers that truly have no time to give
    /// (reading archives); never for deciding about new mail.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, KeyAnswer, Now, Policy, Reason, Signer, Verdict, verify};
    /// let key = Ed25519SigningKey::from_seed(&[7; 32]);
    /// let record = dkim_core::PrivateKey::Ed25519(key.clone()).dns_record();
    /// let message = b"From: joe@example.com\r\n\r\nHello!\r\n";
    /// let signer = Signer::builder(key, "example.com", "sel").timestamp(1_000).expiration(2_000).build()?;
    /// let signed = [signer.sign(message)?.as_bytes(), message].concat();
    ///
    /// let lookup = |_: &dkim_core::KeyRequest| KeyAnswer::text(record.text());
    /// let today = verify(&signed, &Policy::default(), Now::unix(1_700_000_000), lookup)?;
    /// assert!(matches!(today[0].reason(), Some(Reason::Expired { .. })));
    /// let archive = verify(&signed, &Policy::default(), Now::danger_no_clock(), lookup)?;
    /// assert_eq!(archive[0].verdict(), Verdict::Pass); // x= not checked at all
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn danger_no_clock() -> Self {
        Self(None)
    }

    /// The time, or `None` for [`Now::danger_no_clock`].
    ///
    /// ```
    /// use dkim_core::Now;
    /// assert_eq!(Now::unix(42).unix_seconds(), Some(42));
    /// assert_eq!(Now::danger_no_clock().unix_seconds(), None);
    /// ```
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
    pub(crate) max_key_lookups: usize,
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
            max_key_lookups: 20,
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
    ///
    /// ```
    /// use dkim_core::{Policy, Verdict, verify};
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
    /// let lookup = |_: &dkim_core::KeyRequest| KeyAnswer::text(record.text());
    /// // The verifier's clock is 10 minutes behind the signer's.
    /// let behind = 1_700_000_000 - 600;
    /// assert_ne!(verify(&signed, &Policy::default(), behind, lookup)?[0].verdict(), Verdict::Pass);
    /// assert_eq!(verify(&signed, &Policy::default().clock_skew(900), behind, lookup)?[0].verdict(), Verdict::Pass);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn clock_skew(mut self, seconds: u64) -> Self {
        self.clock_skew = seconds;
        self
    }

    /// Minimum RSA key size; values below 1024 are raised to 1024 (use
    /// [`Policy::danger_min_rsa_bits`] to go lower).
    ///
    /// ```
    /// use dkim_core::Policy;
    /// assert_ne!(Policy::default().min_rsa_bits(2048), Policy::default());
    /// assert_eq!(Policy::default().min_rsa_bits(512), Policy::default()); // raised to the 1024 of RFC 8301
    /// ```
    #[must_use]
    pub fn min_rsa_bits(mut self, bits: u32) -> Self {
        self.min_rsa_bits = bits.max(1024);
        self
    }

    /// Minimum RSA key size without the RFC 8301 floor of 1024 bits.
    ///
    /// ```
    /// use dkim_core::Policy;
    /// assert_ne!(Policy::default().danger_min_rsa_bits(512), Policy::default().min_rsa_bits(512));
    /// assert_eq!(Policy::default().danger_min_rsa_bits(1024), Policy::default());
    /// ```
    #[must_use]
    pub fn danger_min_rsa_bits(mut self, bits: u32) -> Self {
        self.min_rsa_bits = bits;
        self
    }

    /// Accept `rsa-sha1` signatures (refused by RFC 8301).
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Policy, Reason, verify};
    /// let message = b"DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let refused = verify(message, &Policy::default(), 1_700_000_000, |_| KeyAnswer::NoRecord)?;
    /// assert_eq!(refused[0].reason(), Some(&Reason::Sha1Refused));
    /// let policy = Policy::default().danger_allow_sha1(true);
    /// let legacy = verify(message, &policy, 1_700_000_000, |_| KeyAnswer::NoRecord)?;
    /// assert_ne!(legacy[0].reason(), Some(&Reason::Sha1Refused)); // evaluated (and here: no key)
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    #[must_use]
    pub fn danger_allow_sha1(mut self, allow: bool) -> Self {
        self.allow_sha1 = allow;
        self
    }

    /// Accept signatures with `l=` at all (default true). When false they get
    /// the verdict `policy` ([`Reason::BodyLengthRefused`](crate::Reason::BodyLengthRefused)).
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Policy, Reason, Verdict, verify};
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from:content-type; l=0;\r\n\
    ///                 \tbh=AAAA; b=AAAA\r\nFrom: a@example.com\r\nContent-Type: text/plain\r\n\r\n";
    /// let policy = Policy::default().accept_body_length(false);
    /// let results = verify(message, &policy, 1_700_000_000, |_| KeyAnswer::NoRecord)?;
    /// assert_eq!(results[0].verdict(), Verdict::Policy);
    /// assert_eq!(results[0].reason(), Some(&Reason::BodyLengthRefused));
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
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
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, KeyAnswer, Policy, Reason, Signer, Verdict, verify};
    /// let key = Ed25519SigningKey::from_seed(&[7; 32]);
    /// let record = dkim_core::PrivateKey::Ed25519(key.clone()).dns_record();
    /// let message = b"From: joe@example.com\r\nContent-Type: text/plain\r\n\r\nHello!\r\n";
    /// let signer = Signer::builder(key, "example.com", "sel").body_length(true).timestamp(1_700_000_000).build()?;
    /// // A footer added below the signed length, as a mailing list does.
    /// let signed = [signer.sign(message)?.as_bytes(), message, b"-- \r\nList footer\r\n"].concat();
    ///
    /// let lookup = |_: &dkim_core::KeyRequest| KeyAnswer::text(record.text());
    /// let default = verify(&signed, &Policy::default(), 1_700_000_000, lookup)?;
    /// assert_eq!(default[0].verdict(), Verdict::Policy);
    /// assert!(matches!(default[0].reason(), Some(Reason::UnsignedBodyContent { .. })));
    /// let lax = verify(&signed, &Policy::default().danger_allow_unsigned_body(true), 1_700_000_000, lookup)?;
    /// assert_eq!(lax[0].verdict(), Verdict::Pass);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    ///
    /// ```
    /// use dkim_core::{Policy, Reason, Verdict, verify};
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
    /// let lookup = |_: &dkim_core::KeyRequest| KeyAnswer::text(record.text());
    /// let policy = Policy::default().require_signed_header("List-Id"); // `signed` has no List-Id to sign
    /// let results = verify(&signed, &policy, 1_700_000_100, lookup)?;
    /// assert_eq!(results[0].verdict(), Verdict::Policy);
    /// assert_eq!(results[0].reason(), Some(&Reason::RequiredHeaderNotSigned("List-Id".into())));
    /// let subject = Policy::default().require_signed_header("subject");
    /// assert_eq!(verify(&signed, &subject, 1_700_000_100, lookup)?[0].verdict(), Verdict::Pass);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn require_signed_header(mut self, name: &str) -> Self {
        self.required_headers.push(name.into());
        self
    }

    /// How many `DKIM-Signature` fields are evaluated (default 16, topmost
    /// first); the rest get the verdict `policy`.
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Policy, Reason, Verdict, verify};
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=one; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=two; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let results = verify(message, &Policy::default().max_signatures(1), 1_700_000_000, |_| KeyAnswer::NoRecord)?;
    /// assert_eq!(results[0].reason(), Some(&Reason::NoRecord { name: "one._domainkey.example.com".into() }));
    /// assert_eq!(results[1].verdict(), Verdict::Policy);
    /// assert_eq!(results[1].reason(), Some(&Reason::TooManySignatures { limit: 1 }));
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    #[must_use]
    pub fn max_signatures(mut self, n: usize) -> Self {
        self.max_signatures = n;
        self
    }

    /// How many distinct keys one message may make the verifier look up,
    /// DKIM signatures and ARC sets together (default 20; one request per
    /// name serves both). A DKIM signature whose key would exceed it gets
    /// `permerror`, an ARC chain `fail`, both with
    /// [`Reason::TooManyKeyLookups`](crate::Reason::TooManyKeyLookups):
    /// never unbounded work for a hostile message.
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, Policy, Reason, Verdict, verify};
    /// let message = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=one; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=two; h=from; bh=AAAA; b=AAAA\r\n\
    ///                 From: a@example.com\r\n\r\n";
    /// let mut asked = 0;
    /// let results = verify(message, &Policy::default().max_key_lookups(1), 1_700_000_000, |_| {
    ///     asked += 1;
    ///     KeyAnswer::NoRecord
    /// })?;
    /// assert_eq!(asked, 1);
    /// assert_eq!(results[1].verdict(), Verdict::PermError);
    /// assert_eq!(results[1].reason(), Some(&Reason::TooManyKeyLookups { limit: 1 }));
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    #[must_use]
    pub fn max_key_lookups(mut self, n: usize) -> Self {
        self.max_key_lookups = n;
        self
    }

    /// Refuse signatures whose `t=` lies in the future beyond the clock
    /// skew (default true; RFC 6376 allows either).
    ///
    /// ```
    /// use dkim_core::{Policy, Reason, Verdict, verify};
    /// # use dkim_core::{Ed25519SigningKey, KeyAnswer, PrivateKey, Signer};
    /// # let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// # let record = key.dns_record();
    /// # let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
    /// # let field = Signer::builder(key, "example.com", "sel").timestamp(1_700_000_000).build()?.sign(message)?;
    /// # let signed = [field.as_bytes(), message].concat();
    /// // `signed`: a message signed at 1_700_000_000 by `example.com`, whose key record is `record`.
    /// let lookup = |_: &dkim_core::KeyRequest| KeyAnswer::text(record.text());
    /// let an_hour_early = 1_700_000_000 - 3600;
    /// let strict = verify(&signed, &Policy::default(), an_hour_early, lookup)?;
    /// assert!(matches!(strict[0].reason(), Some(Reason::TimestampInFuture { .. })));
    /// let tolerant = verify(&signed, &Policy::default().reject_future_timestamps(false), an_hour_early, lookup)?;
    /// assert_eq!(tolerant[0].verdict(), Verdict::Pass);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn reject_future_timestamps(mut self, reject: bool) -> Self {
        self.reject_future_timestamps = reject;
        self
    }

    /// How line ends in the input are treated (default CRLF).
    ///
    /// ```
    /// use dkim_core::{KeyAnswer, LineEndings, Policy, verify};
    /// let unix = b"From: a@example.com\nSubject: hi\n\nHello\n";
    /// assert!(verify(unix, &Policy::default(), 1_700_000_000, |_| KeyAnswer::NoRecord).is_err());
    /// let policy = Policy::default().line_endings(LineEndings::NormalizeLf);
    /// assert!(verify(unix, &policy, 1_700_000_000, |_| KeyAnswer::NoRecord)?.is_empty()); // a message, unsigned
    /// # Ok::<(), dkim_core::VerifyError>(())
    /// ```
    #[must_use]
    pub fn line_endings(mut self, le: LineEndings) -> Self {
        self.line_endings = le;
        self
    }

    /// Resource limits (default [`Limits::default`]).
    ///
    /// ```
    /// use dkim_core::{HeaderError, KeyAnswer, Limits, Policy, VerifyError, verify};
    /// let policy = Policy::default().limits(Limits::default().max_header_fields(2));
    /// let message = b"From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\n";
    /// let result = verify(message, &policy, 1_700_000_000, |_| KeyAnswer::NoRecord);
    /// assert_eq!(result, Err(VerifyError::Header(HeaderError::TooManyFields { limit: 2 })));
    /// assert_eq!(policy.resource_limits().max_header_fields, 2);
    /// ```
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
    ///
    /// ```
    /// use dkim_core::{HeaderError, KeyAnswer, Limits, Policy, VerifyError, verify};
    /// let policy = Policy::default().limits(Limits::default().max_header_bytes(16));
    /// let result = verify(b"Subject: a long subject\r\n\r\n", &policy, 1_700_000_000, |_| KeyAnswer::NoRecord);
    /// assert_eq!(result, Err(VerifyError::Header(HeaderError::TooLarge { limit: 16 })));
    /// ```
    #[must_use]
    pub fn max_header_bytes(mut self, n: usize) -> Self {
        self.max_header_bytes = n;
        self
    }

    /// Sets [`Limits::max_header_fields`].
    ///
    /// ```
    /// use dkim_core::header::HeaderBlock;
    /// use dkim_core::{HeaderError, Limits};
    /// let limits = Limits::default().max_header_fields(1);
    /// assert_eq!(limits.max_header_fields, 1);
    /// let result = HeaderBlock::parse(b"A: 1\r\nB: 2\r\n".to_vec(), limits.max_header_fields);
    /// assert_eq!(result, Err(HeaderError::TooManyFields { limit: 1 }));
    /// ```
    #[must_use]
    pub fn max_header_fields(mut self, n: usize) -> Self {
        self.max_header_fields = n;
        self
    }

    /// Sets [`Limits::max_tag_value_bytes`].
    ///
    /// ```
    /// use dkim_core::tag_list::TagListErrorKind;
    /// use dkim_core::{Limits, Signature, SignatureError};
    /// let limits = Limits::default().max_tag_value_bytes(8);
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA";
    /// let Err(SignatureError::TagList(e)) = Signature::parse(value, &limits) else { unreachable!() };
    /// assert_eq!((e.kind(), e.tag()), (TagListErrorKind::ValueTooLong, Some("a")));
    /// ```
    #[must_use]
    pub fn max_tag_value_bytes(mut self, n: usize) -> Self {
        self.max_tag_value_bytes = n;
        self
    }

    /// Sets [`Limits::max_signed_headers`].
    ///
    /// ```
    /// use dkim_core::{Limits, Signature, SignatureError};
    /// let limits = Limits::default().max_signed_headers(2);
    /// let value = b"v=1; a=ed25519-sha256; d=example.com; s=sel; h=from:to:subject; bh=AAAA; b=AAAA";
    /// assert_eq!(Signature::parse(value, &limits), Err(SignatureError::TooManySignedHeaders { limit: 2 }));
    /// ```
    #[must_use]
    pub fn max_signed_headers(mut self, n: usize) -> Self {
        self.max_signed_headers = n;
        self
    }

    /// Sets [`Limits::max_key_record_bytes`].
    ///
    /// ```
    /// use dkim_core::{KeyRecord, KeyRecordError, Limits};
    /// let limits = Limits::default().max_key_record_bytes(10);
    /// assert_eq!(KeyRecord::parse(b"v=DKIM1; k=rsa; p=", &limits), Err(KeyRecordError::TooLarge { limit: 10 }));
    /// ```
    #[must_use]
    pub fn max_key_record_bytes(mut self, n: usize) -> Self {
        self.max_key_record_bytes = n;
        self
    }

    /// Sets [`Limits::max_rsa_bits`].
    ///
    /// ```
    /// use dkim_core::{KeyError, KeyRecord, KeyRecordError, Limits, PrivateKey};
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// let record = PrivateKey::from_pem(&pem)?.dns_record(); // a 2048-bit key
    /// let result = KeyRecord::parse(record.text().as_bytes(), &Limits::default().max_rsa_bits(1024));
    /// assert!(matches!(result, Err(KeyRecordError::Key(KeyError::RsaTooLarge { max: 1024, .. }))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_rsa_bits(mut self, n: u32) -> Self {
        self.max_rsa_bits = n;
        self
    }
}
