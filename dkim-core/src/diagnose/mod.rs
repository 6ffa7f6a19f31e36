//! Diagnoses: what went wrong with a message's DKIM, in plain words, with
//! the next step to take and the evidence.
//!
//! [`diagnose`] turns the verifier's [`SignatureResult`]s, the message header
//! and the TXT records the caller looked up into a list of [`Diagnosis`]
//! values. It does no I/O: the caller passes every DNS answer it has (the
//! key names the verifier asked for, plus the names of
//! [`wrong_name_candidates`] when a key was not found).
//!
//! ```
//! use dkim_core::diagnose::{Code, DiagnoseInput, Severity, diagnose};
//!
//! // An unsigned message: nothing to verify.
//! let header = b"From: Joe <joe@example.com>\r\nSubject: hi\r\n";
//! let diagnoses = diagnose(&DiagnoseInput::new(&[]).header(header));
//! assert_eq!(diagnoses[0].code(), Code::NotSigned);
//! assert_eq!(diagnoses[0].severity(), Severity::Error);
//! assert_eq!(diagnoses[0].code().as_str(), "not-signed");
//! ```
//!
//! ## Codes
//!
//! Codes are stable: a code is never renamed or given another meaning.
//! "sig" means the diagnosis concerns one signature ([`Diagnosis::signature`]).
//!
//! | code | severity | scope | meaning |
//! | --- | --- | --- | --- |
//! | `body-changed` | error | sig | the body hash does not match: the body changed in transit |
//! | `body-length-refused` | error | sig | the signature has `l=` and the policy refuses it |
//! | `body-length-without-content-type` | error | sig | the signature has `l=` but does not sign Content-Type |
//! | `body-truncated` | error | sig | `l=` is longer than the body: the body was shortened |
//! | `dmarc-aligned` | note | sig | a passing signature whose `d=` is the From domain (strict alignment) |
//! | `dmarc-no-aligned-pass` | warning | message | no signature both passes and aligns with From |
//! | `dmarc-not-aligned` | warning | sig | a passing signature whose `d=` is not in the From domain's organization (typically an ESP's own domain) |
//! | `dmarc-relaxed-only` | note | sig | a passing signature aligned only in relaxed mode (same organizational domain) |
//! | `expired` | error | sig | `x=` has passed |
//! | `from-unusable` | warning | message | no From field, several, or no single domain in it: DMARC cannot be evaluated |
//! | `future-timestamp` | error | sig | `t=` is in the future |
//! | `header-malformed` | error | message | the header block cannot be parsed |
//! | `header-not-signed` | warning or note | sig | header fields present in the message that the signature does not cover |
//! | `header-unsigned-duplicate` | error or warning | sig | more instances of a single-instance field (From, Subject, ...) than the signature covers (an error when it decided the verdict) |
//! | `key-at-wrong-name` | error | sig | no key at the selector's name, but a DKIM record at a name near it |
//! | `key-large-record` | warning | sig | a 4096-bit (or larger) key: too large for some DNS providers |
//! | `key-mismatch-or-header-changed` | error | sig | the body hash matches but the signature does not verify |
//! | `key-revoked` | error | sig | the key record has an empty `p=` |
//! | `key-strict-subdomain` | error | sig | the key has `t=s` but `i=` is in a subdomain |
//! | `key-too-short` | error | sig | an RSA key below the policy minimum (1024 bits by default) |
//! | `key-weak` | warning | sig | an RSA key of at least 1024 but under 2048 bits |
//! | `no-record` | error | sig | no key record at `s._domainkey.d` |
//! | `not-signed` | error | message | the message has no `DKIM-Signature` field |
//! | `record-hash-no-sha256` | error or warning | sig | the key's `h=` does not list sha256 |
//! | `record-joined-with-spaces` | warning | sig | `p=` contains spaces: TXT strings were joined with spaces |
//! | `record-no-version` | note | sig | the key record has no `v=DKIM1` (accepted) |
//! | `record-not-a-key` | error | sig | `p=` is base64 but not a public key of the stated type |
//! | `record-not-base64` | error | sig | `p=` is not valid base64 |
//! | `record-quotes-in-p` | error | sig | `p=` contains quote characters: the strings were pasted with their quotes |
//! | `record-service-not-email` | error | sig | the key's `s=` does not include email |
//! | `record-several` | error, warning or note | sig | several TXT records at the key name, and which one counts |
//! | `record-syntax` | error | sig | any other key record error (syntax, version, unknown `k=`, no `p=`) |
//! | `record-type-mismatch` | error | sig | the key's `k=` does not match the signature's `a=` |
//! | `required-header-not-signed` | error | sig | the policy requires a header field the signature does not cover |
//! | `rsa-sha1` | error or warning | sig | `a=rsa-sha1`: refused by RFC 8301 (warning when a legacy policy accepted it) |
//! | `signature-syntax` | error | sig | the `DKIM-Signature` field is malformed |
//! | `temp-fail` | error | sig | the DNS lookup of the key failed temporarily (the cause named) |
//! | `testing-mode` | warning | sig | the key has `t=y` |
//! | `too-many-signatures` | error | sig | more signatures than the policy evaluates |
//! | `unsigned-tail` | error or warning | sig | `l=` leaves body bytes unsigned (an error when it decided the verdict) |
//! | `verification-failed` | error | sig | a failure with no more specific diagnosis |
//!
//! Every signature whose verdict is not `pass` gets at least one error; a
//! passing signature never gets one.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::header::HeaderBlock;
use crate::lookup::TxtRecord;
use crate::policy::Limits;
use crate::result::SignatureResult;

mod alignment;
mod coverage;
mod record;
pub use record::lint_record;
mod signature;

use alignment::{alignment, from_domain};
use signature::diagnose_signature;

/// One finding: a stable code, a severity, one sentence saying what is wrong
/// and what to do, and the evidence.
///
/// ```
/// use dkim_core::diagnose::{Code, DiagnoseInput, Severity, diagnose};
/// use dkim_core::{KeyAnswer, Now, Policy, verify};
///
/// let msg = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
///             From: a@example.com\r\n\r\n";
/// let results = verify(msg, &Policy::default(), Now::unix(1_700_000_000), |_| KeyAnswer::NoRecord)?;
/// let diagnoses = diagnose(&DiagnoseInput::new(&results).header(msg));
/// let d = diagnoses.iter().find(|d| d.code() == Code::NoRecord).ok_or("no diagnosis")?;
/// assert_eq!(d.severity(), Severity::Error);
/// assert_eq!(d.signature(), Some(0));
/// assert!(d.to_string().starts_with("error[no-record]: "));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnosis {
    code: Code,
    severity: Severity,
    signature: Option<usize>,
    message: String,
    evidence: Vec<Evidence>,
}

impl Diagnosis {
    /// The stable code.
    ///
    /// ```
    /// use dkim_core::diagnose::{Code, DiagnoseInput, diagnose};
    /// let diagnoses = diagnose(&DiagnoseInput::new(&[]).header(b"From: a@example.com\r\n\r\nHi\r\n"));
    /// assert_eq!(diagnoses[0].code(), Code::NotSigned);
    /// ```
    pub fn code(&self) -> Code {
        self.code
    }

    /// How bad it is.
    ///
    /// ```
    /// use dkim_core::diagnose::{DiagnoseInput, Severity, diagnose};
    /// let diagnoses = diagnose(&DiagnoseInput::new(&[]).header(b"From: a@example.com\r\n\r\nHi\r\n"));
    /// assert_eq!(diagnoses[0].severity(), Severity::Error);
    /// ```
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The signature it is about ([`SignatureResult::index`]), or `None` for
    /// the whole message.
    ///
    /// ```
    /// use dkim_core::diagnose::{Code, DiagnoseInput, diagnose};
    /// # use dkim_core::{KeyAnswer, Now, Policy, verify};
    /// # let msg = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    /// #             From: a@example.com\r\n\r\n";
    /// # let results = verify(msg, &Policy::default(), Now::unix(1_700_000_000), |_| KeyAnswer::NoRecord)?;
    /// // `results`: one signature whose key is not in DNS.
    /// let diagnoses = diagnose(&DiagnoseInput::new(&results).header(msg));
    /// let no_record = diagnoses.iter().find(|d| d.code() == Code::NoRecord).ok_or("no diagnosis")?;
    /// assert_eq!(no_record.signature(), Some(0)); // the first DKIM-Signature
    /// let unsigned = diagnose(&DiagnoseInput::new(&[]));
    /// assert_eq!(unsigned[0].signature(), None); // about the whole message
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn signature(&self) -> Option<usize> {
        self.signature
    }

    /// The plain-words explanation with the next step.
    ///
    /// ```
    /// use dkim_core::diagnose::{DiagnoseInput, diagnose};
    /// let diagnoses = diagnose(&DiagnoseInput::new(&[]));
    /// assert!(!diagnoses[0].message().is_empty());
    /// assert!(diagnoses[0].to_string().ends_with(diagnoses[0].message()));
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What the diagnosis is based on.
    ///
    /// ```
    /// use dkim_core::diagnose::{Code, DiagnoseInput, Evidence, diagnose};
    /// # use dkim_core::{KeyAnswer, Now, Policy, verify};
    /// # let msg = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    /// #             From: a@example.com\r\n\r\n";
    /// # let results = verify(msg, &Policy::default(), Now::unix(1_700_000_000), |_| KeyAnswer::NoRecord)?;
    /// // `results`: one signature whose key is not in DNS.
    /// let diagnoses = diagnose(&DiagnoseInput::new(&results).header(msg));
    /// let no_record = diagnoses.iter().find(|d| d.code() == Code::NoRecord).ok_or("no diagnosis")?;
    /// assert!(no_record.evidence().contains(&Evidence::NameQueried("sel._domainkey.example.com".into())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evidence(&self) -> &[Evidence] {
        &self.evidence
    }

    fn new(code: Code, severity: Severity, signature: Option<usize>, message: String) -> Self {
        Self { code, severity, signature, message, evidence: Vec::new() }
    }

    fn with(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]: {}", self.severity, self.code, self.message)
    }
}

/// How bad a finding is.
///
/// ```
/// use dkim_core::diagnose::{DiagnoseInput, Severity, diagnose};
/// let diagnoses = diagnose(&DiagnoseInput::new(&[]));
/// assert!(diagnoses.iter().any(|d| d.severity() == Severity::Error)); // not signed
/// assert!(Severity::Error < Severity::Warning && Severity::Warning < Severity::Note);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Severity {
    /// The signature does not count (or the message is not signed).
    Error,
    /// It counts, but something should be fixed.
    Warning,
    /// Worth knowing; nothing to fix.
    Note,
}

impl Severity {
    /// `error`, `warning` or `note`.
    ///
    /// ```
    /// use dkim_core::diagnose::Severity;
    /// assert_eq!(Severity::Error.as_str(), "error");
    /// assert_eq!(Severity::Warning.to_string(), "warning");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stable diagnosis codes; see the [module docs](self) for the table.
///
/// ```
/// use dkim_core::diagnose::{Code, DiagnoseInput, diagnose};
/// let codes: Vec<Code> = diagnose(&DiagnoseInput::new(&[])).iter().map(|d| d.code()).collect();
/// assert_eq!(codes, [Code::NotSigned]);
/// assert_eq!(Code::NotSigned.to_string(), "not-signed");
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// `body-changed`
    BodyChanged,
    /// `body-length-refused`
    BodyLengthRefused,
    /// `body-length-without-content-type`
    BodyLengthWithoutContentType,
    /// `body-truncated`
    BodyTruncated,
    /// `dmarc-aligned`
    DmarcAligned,
    /// `dmarc-no-aligned-pass`
    DmarcNoAlignedPass,
    /// `dmarc-not-aligned`
    DmarcNotAligned,
    /// `dmarc-relaxed-only`
    DmarcRelaxedOnly,
    /// `expired`
    Expired,
    /// `from-unusable`
    FromUnusable,
    /// `future-timestamp`
    FutureTimestamp,
    /// `header-malformed`
    HeaderMalformed,
    /// `header-not-signed`
    HeaderNotSigned,
    /// `header-unsigned-duplicate`
    HeaderUnsignedDuplicate,
    /// `key-at-wrong-name`
    KeyAtWrongName,
    /// `key-large-record`
    KeyLargeRecord,
    /// `key-mismatch-or-header-changed`
    KeyMismatchOrHeaderChanged,
    /// `key-revoked`
    KeyRevoked,
    /// `key-strict-subdomain`
    KeyStrictSubdomain,
    /// `key-too-short`
    KeyTooShort,
    /// `key-weak`
    KeyWeak,
    /// `no-record`
    NoRecord,
    /// `not-signed`
    NotSigned,
    /// `record-hash-no-sha256`
    RecordHashNoSha256,
    /// `record-joined-with-spaces`
    RecordJoinedWithSpaces,
    /// `record-no-version`
    RecordNoVersion,
    /// `record-not-a-key`
    RecordNotAKey,
    /// `record-not-base64`
    RecordNotBase64,
    /// `record-quotes-in-p`
    RecordQuotesInP,
    /// `record-service-not-email`
    RecordServiceNotEmail,
    /// `record-several`
    RecordSeveral,
    /// `record-syntax`
    RecordSyntax,
    /// `record-type-mismatch`
    RecordTypeMismatch,
    /// `required-header-not-signed`
    RequiredHeaderNotSigned,
    /// `rsa-sha1`
    RsaSha1,
    /// `signature-syntax`
    SignatureSyntax,
    /// `temp-fail`
    TempFail,
    /// `testing-mode`
    TestingMode,
    /// `too-many-signatures`
    TooManySignatures,
    /// `unsigned-tail`
    UnsignedTail,
    /// `verification-failed`
    VerificationFailed,
}

impl Code {
    /// The stable kebab-case code.
    ///
    /// ```
    /// use dkim_core::diagnose::Code;
    /// assert_eq!(Code::BodyChanged.as_str(), "body-changed");
    /// assert_eq!(Code::KeyMismatchOrHeaderChanged.as_str(), "key-mismatch-or-header-changed");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BodyChanged => "body-changed",
            Self::BodyLengthRefused => "body-length-refused",
            Self::BodyLengthWithoutContentType => "body-length-without-content-type",
            Self::BodyTruncated => "body-truncated",
            Self::DmarcAligned => "dmarc-aligned",
            Self::DmarcNoAlignedPass => "dmarc-no-aligned-pass",
            Self::DmarcNotAligned => "dmarc-not-aligned",
            Self::DmarcRelaxedOnly => "dmarc-relaxed-only",
            Self::Expired => "expired",
            Self::FromUnusable => "from-unusable",
            Self::FutureTimestamp => "future-timestamp",
            Self::HeaderMalformed => "header-malformed",
            Self::HeaderNotSigned => "header-not-signed",
            Self::HeaderUnsignedDuplicate => "header-unsigned-duplicate",
            Self::KeyAtWrongName => "key-at-wrong-name",
            Self::KeyLargeRecord => "key-large-record",
            Self::KeyMismatchOrHeaderChanged => "key-mismatch-or-header-changed",
            Self::KeyRevoked => "key-revoked",
            Self::KeyStrictSubdomain => "key-strict-subdomain",
            Self::KeyTooShort => "key-too-short",
            Self::KeyWeak => "key-weak",
            Self::NoRecord => "no-record",
            Self::NotSigned => "not-signed",
            Self::RecordHashNoSha256 => "record-hash-no-sha256",
            Self::RecordJoinedWithSpaces => "record-joined-with-spaces",
            Self::RecordNoVersion => "record-no-version",
            Self::RecordNotAKey => "record-not-a-key",
            Self::RecordNotBase64 => "record-not-base64",
            Self::RecordQuotesInP => "record-quotes-in-p",
            Self::RecordServiceNotEmail => "record-service-not-email",
            Self::RecordSeveral => "record-several",
            Self::RecordSyntax => "record-syntax",
            Self::RecordTypeMismatch => "record-type-mismatch",
            Self::RequiredHeaderNotSigned => "required-header-not-signed",
            Self::RsaSha1 => "rsa-sha1",
            Self::SignatureSyntax => "signature-syntax",
            Self::TempFail => "temp-fail",
            Self::TestingMode => "testing-mode",
            Self::TooManySignatures => "too-many-signatures",
            Self::UnsignedTail => "unsigned-tail",
            Self::VerificationFailed => "verification-failed",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A piece of evidence behind a diagnosis.
///
/// ```
/// use dkim_core::diagnose::{Code, DiagnoseInput, Evidence, diagnose};
/// # use dkim_core::{KeyAnswer, Now, Policy, verify};
/// # let msg = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
/// #             From: a@example.com\r\n\r\n";
/// # let results = verify(msg, &Policy::default(), Now::unix(1_700_000_000), |_| KeyAnswer::NoRecord)?;
/// // `results`: one signature whose key is not in DNS.
/// for d in diagnose(&DiagnoseInput::new(&results).header(msg)) {
///     for e in d.evidence() {
///         if let Evidence::NameQueried(name) = e {
///             assert_eq!(d.code(), Code::NoRecord);
///             assert_eq!(name, "sel._domainkey.example.com");
///         }
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// A size in bytes.
    Bytes {
        /// What was measured (`"key record"`, `"unsigned body"`).
        what: &'static str,
        /// How many bytes.
        count: u64,
    },
    /// The domain of the From field.
    FromDomain(String),
    /// A header field of the message.
    Header {
        /// Its name as written.
        name: String,
        /// Byte offset of the field in the header block.
        offset: u64,
    },
    /// The size of a key.
    KeyBits(u32),
    /// A DNS name that was queried for the key.
    NameQueried(String),
    /// The verifier's clock.
    Now(u64),
    /// A byte offset in the canonical body (where the unsigned tail starts).
    Offset(u64),
    /// The organizational domain (Public Suffix List) of a domain.
    OrganizationalDomain(String),
    /// A DNS name where a DKIM key record was found instead.
    RecordAt(String),
    /// How many TXT records sit at the key name.
    Records(usize),
    /// A tag of the signature or of the key record.
    Tag {
        /// The tag name.
        name: String,
        /// Its value.
        value: String,
    },
}

/// What [`diagnose`] works from: the results, the header and the DNS answers
/// the caller saw.
///
/// ```
/// use dkim_core::diagnose::{Code, DiagnoseInput, diagnose};
/// use dkim_core::{KeyAnswer, Now, Policy, verify};
///
/// let msg = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
///             From: a@example.com\r\n\r\n";
/// let results = verify(msg, &Policy::default(), Now::unix(1_700_000_000), |_| KeyAnswer::NoRecord)?;
/// let input = DiagnoseInput::new(&results).header(msg).lookup("sel._domainkey.example.com", None);
/// assert!(diagnose(&input).iter().any(|d| d.code() == Code::NoRecord));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct DiagnoseInput<'a> {
    results: &'a [SignatureResult],
    header: Option<Vec<u8>>,
    lookups: Vec<(String, Option<Vec<TxtRecord>>)>,
}

impl<'a> DiagnoseInput<'a> {
    /// The verifier's results (empty for an unsigned message).
    ///
    /// ```
    /// use dkim_core::diagnose::{Code, DiagnoseInput, diagnose};
    /// let unsigned = DiagnoseInput::new(&[]); // no DKIM-Signature: no results
    /// assert_eq!(diagnose(&unsigned)[0].code(), Code::NotSigned);
    /// ```
    pub fn new(results: &'a [SignatureResult]) -> Self {
        Self { results, header: None, lookups: Vec::new() }
    }

    /// The message header (the whole message also works: everything after
    /// the first empty line is ignored; bare LF line ends are accepted).
    /// Without it there is no header coverage or DMARC alignment check.
    ///
    /// ```
    /// use dkim_core::diagnose::{Code, DiagnoseInput, diagnose};
    /// let broken = DiagnoseInput::new(&[]).header(b"no colon on this line\r\n\r\n");
    /// assert_eq!(diagnose(&broken)[0].code(), Code::HeaderMalformed);
    /// ```
    #[must_use]
    pub fn header(mut self, bytes: &[u8]) -> Self {
        self.header = Some(header_block(bytes));
        self
    }

    /// One DNS answer: the TXT records at `name`, or `None` when the name
    /// has no TXT record (NXDOMAIN or no data). Give the answers for the key
    /// names the verifier asked for and, when a key was not found, for the
    /// names of [`wrong_name_candidates`].
    ///
    /// ```
    /// use dkim_core::diagnose::{Code, DiagnoseInput, Evidence, diagnose, wrong_name_candidates};
    /// use dkim_core::{KeyAnswer, Now, Policy, TxtRecord, verify};
    ///
    /// let msg = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///             From: a@example.com\r\n\r\n";
    /// let results = verify(msg, &Policy::default(), Now::unix(1_700_000_000), |_| KeyAnswer::NoRecord)?;
    /// assert!(wrong_name_candidates(&results[0]).contains(&"sel.example.com".to_string()));
    /// // The key was published without `._domainkey`.
    /// let record = TxtRecord::from_text("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    /// let input = DiagnoseInput::new(&results)
    ///     .lookup("sel._domainkey.example.com", None)
    ///     .lookup("sel.example.com", Some(vec![record]));
    /// let diagnoses = diagnose(&input);
    /// let d = diagnoses.iter().find(|d| d.code() == Code::KeyAtWrongName).ok_or("no diagnosis")?;
    /// assert!(d.evidence().contains(&Evidence::RecordAt("sel.example.com".into())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn lookup(mut self, name: &str, records: Option<Vec<TxtRecord>>) -> Self {
        self.lookups.push((normalize_name(name), records));
        self
    }

    /// Several answers at once (see [`DiagnoseInput::lookup`]).
    ///
    /// ```
    /// use dkim_core::diagnose::{Code, DiagnoseInput, diagnose, wrong_name_candidates};
    /// use dkim_core::{KeyAnswer, Now, Policy, TxtRecord, verify};
    ///
    /// let msg = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
    ///             From: a@example.com\r\n\r\n";
    /// let results = verify(msg, &Policy::default(), Now::unix(1_700_000_000), |_| KeyAnswer::NoRecord)?;
    /// // The answers for every candidate name (here: a DKIM record at `sel.example.com` only).
    /// let key = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    /// let answers = wrong_name_candidates(&results[0]).into_iter().map(|name| {
    ///     let records = (name == "sel.example.com").then(|| vec![TxtRecord::from_text(key)]);
    ///     (name, records)
    /// });
    /// let input = DiagnoseInput::new(&results).lookup("sel._domainkey.example.com", None).lookups(answers);
    /// assert!(diagnose(&input).iter().any(|d| d.code() == Code::KeyAtWrongName));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn lookups(mut self, lookups: impl IntoIterator<Item = (String, Option<Vec<TxtRecord>>)>) -> Self {
        self.lookups.extend(lookups.into_iter().map(|(n, r)| (normalize_name(&n), r)));
        self
    }

    fn records_at(&self, name: &str) -> Option<&[TxtRecord]> {
        let name = normalize_name(name);
        self.lookups.iter().find(|(n, _)| *n == name).and_then(|(_, r)| r.as_deref())
    }
}

/// The names where a misplaced key record is commonly published, for a
/// signature whose key was not found: `d` itself, `_domainkey.d`, `s.d`
/// (no `_domainkey`) and `s._domainkey.d.d` (a DNS panel that appended the
/// zone once more). Look them up and pass the answers to
/// [`DiagnoseInput::lookup`].
///
/// Empty when the signature has no readable `d=` or `s=`.
///
/// ```
/// # use dkim_core::{KeyAnswer, Policy, Verifier, Step};
/// use dkim_core::diagnose::wrong_name_candidates;
/// let msg = b"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\nFrom: a@example.com\r\n\r\n";
/// let mut v = Verifier::new(Policy::default(), 1_700_000_000);
/// v.headers(msg)?;
/// v.answer_key_by_name("sel._domainkey.example.com", KeyAnswer::NoRecord);
/// v.finish()?;
/// let names = wrong_name_candidates(&v.results()[0]);
/// assert_eq!(names, ["example.com", "_domainkey.example.com", "sel.example.com", "sel._domainkey.example.com.example.com"]);
/// # Ok::<(), dkim_core::VerifyError>(())
/// ```
pub fn wrong_name_candidates(result: &SignatureResult) -> Vec<String> {
    let (Some(d), Some(s)) = (result.domain(), result.selector()) else { return Vec::new() };
    let (d, s) = (normalize_name(d), normalize_name(s));
    if d.is_empty() || s.is_empty() {
        return Vec::new();
    }
    alloc::vec![d.clone(), format!("_domainkey.{d}"), format!("{s}.{d}"), format!("{s}._domainkey.{d}.{d}")]
}

/// Diagnoses a verified message: message-level findings first (not signed,
/// From), then each signature's in order, then DMARC alignment.
///
/// See the [module docs](self) for an example and the codes.
///
/// ```
/// use dkim_core::diagnose::{Code, DiagnoseInput, Severity, diagnose};
/// use dkim_core::{KeyAnswer, Now, Policy, verify};
///
/// let msg = b"DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n\
///             From: a@example.com\r\n\r\n";
/// let results = verify(msg, &Policy::default(), Now::unix(1_700_000_000), |_| KeyAnswer::NoRecord)?;
/// let diagnoses = diagnose(&DiagnoseInput::new(&results).header(msg));
/// // A signature that does not pass gets at least one error.
/// assert!(diagnoses.iter().any(|d| d.signature() == Some(0) && d.severity() == Severity::Error));
/// assert!(diagnoses.iter().all(|d| d.code() != Code::NotSigned));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diagnose(input: &DiagnoseInput<'_>) -> Vec<Diagnosis> {
    let mut out = Vec::new();
    let block = match &input.header {
        None => None,
        Some(bytes) => match HeaderBlock::parse(bytes.clone(), Limits::default().max_header_fields) {
            Ok(b) => Some(b),
            Err(e) => {
                out.push(Diagnosis::new(
                    Code::HeaderMalformed,
                    Severity::Error,
                    None,
                    format!("The message header cannot be parsed ({e}); fix the program that wrote it."),
                ));
                None
            }
        },
    };
    if input.results.is_empty() {
        out.push(not_signed(block.as_ref()));
    }
    let from = block.as_ref().map(|b| from_domain(b, &mut out));
    for r in input.results {
        diagnose_signature(input, r, block.as_ref(), &mut out);
    }
    if let Some(Some(from)) = from
        && !input.results.is_empty()
    {
        alignment(&from, input.results, &mut out);
    }
    out
}

fn not_signed(block: Option<&HeaderBlock>) -> Diagnosis {
    let mut d = Diagnosis::new(
        Code::NotSigned,
        Severity::Error,
        None,
        "The message is not signed: it has no DKIM-Signature field. Publishing the DNS record does not sign \
         mail; the sending server or email provider has to sign with the private key, and signing often has to \
         be switched on there."
            .into(),
    );
    if let Some(b) = block
        && let Some(f) = b.fields().find(|f| f.is("DomainKey-Signature"))
    {
        d.message.push_str(" The DomainKey-Signature field present is the obsolete DomainKeys (RFC 4870), not DKIM.");
        d = d.with(Evidence::Header { name: lossy(f.name()), offset: f.offset() as u64 });
    }
    d
}

/// Lower-cased, without a final dot.
fn normalize_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The header block of a header or whole message, with CRLF line ends.
fn header_block(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 64);
    let mut line_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if line_start && (b == b'\n' || (b == b'\r' && bytes.get(i + 1) == Some(&b'\n'))) {
            break; // the empty line that ends the header
        }
        if b == b'\n' {
            if out.last() != Some(&b'\r') {
                out.push(b'\r');
            }
            out.push(b'\n');
            line_start = true;
        } else {
            out.push(b);
            line_start = false;
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests;
