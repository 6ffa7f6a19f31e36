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
//! | `header-unsigned-duplicate` | warning | sig | a second From or Subject field that the signature does not cover |
//! | `key-at-wrong-name` | error | sig | no key at the selector's name, but a DKIM record at a name near it |
//! | `key-large-record` | warning | sig | a 4096-bit (or larger) key: too large for some DNS providers |
//! | `key-lookup-failed` | error | sig | the DNS lookup of the key failed temporarily |
//! | `key-mismatch-or-header-changed` | error | sig | the body hash matches but the signature does not verify |
//! | `key-not-found` | error | sig | no key record at `s._domainkey.d` |
//! | `key-revoked` | error | sig | the key record has an empty `p=` |
//! | `key-strict-subdomain` | error | sig | the key has `t=s` but `i=` is in a subdomain |
//! | `key-too-short` | error | sig | an RSA key below the policy minimum (1024 bits by default) |
//! | `key-weak` | warning | sig | an RSA key of at least 1024 but under 2048 bits |
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
//! | `testing-mode` | warning | sig | the key has `t=y` |
//! | `too-many-signatures` | error | sig | more signatures than the policy evaluates |
//! | `unsigned-tail` | warning | sig | `l=` leaves body bytes unsigned |
//! | `verification-failed` | error | sig | a failure with no more specific diagnosis |
//!
//! Every signature whose verdict is not `pass` gets at least one error; a
//! passing signature never gets one.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::crypto::{Algorithm, HashAlgorithm, KeyType};
use crate::header::HeaderBlock;
use crate::key_record::{KeyRecord, KeyRecordError};
use crate::policy::Limits;
use crate::result::{Reason, SignatureResult, Verdict};
use crate::signature::Signature;
use crate::verify::TxtRecord;

/// Header fields added in transit or by the verifier, never expected in `h=`.
const TRACE_FIELDS: &[&str] = &[
    "arc-authentication-results",
    "arc-message-signature",
    "arc-seal",
    "authentication-results",
    "delivered-to",
    "dkim-signature",
    "domainkey-signature",
    "received",
    "received-spf",
    "return-path",
    "x-original-to",
];

/// Header fields whose absence from `h=` lets their content be changed in
/// a way a reader notices.
const VISIBLE_FIELDS: &[&str] = &[
    "cc",
    "content-transfer-encoding",
    "content-type",
    "date",
    "from",
    "in-reply-to",
    "list-unsubscribe",
    "message-id",
    "mime-version",
    "references",
    "reply-to",
    "sender",
    "subject",
    "to",
];

/// One finding: a stable code, a severity, one sentence saying what is wrong
/// and what to do, and the evidence.
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
    pub fn code(&self) -> Code {
        self.code
    }

    /// How bad it is.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// The signature it is about ([`SignatureResult::index`]), or `None` for
    /// the whole message.
    pub fn signature(&self) -> Option<usize> {
        self.signature
    }

    /// The plain-words explanation with the next step.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What the diagnosis is based on.
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// `body-changed`
    BodyChanged,
    /// `body-length-refused`
    BodyLengthRefused,
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
    /// `key-lookup-failed`
    KeyLookupFailed,
    /// `key-mismatch-or-header-changed`
    KeyMismatchOrHeaderChanged,
    /// `key-not-found`
    KeyNotFound,
    /// `key-revoked`
    KeyRevoked,
    /// `key-strict-subdomain`
    KeyStrictSubdomain,
    /// `key-too-short`
    KeyTooShort,
    /// `key-weak`
    KeyWeak,
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
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BodyChanged => "body-changed",
            Self::BodyLengthRefused => "body-length-refused",
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
            Self::KeyLookupFailed => "key-lookup-failed",
            Self::KeyMismatchOrHeaderChanged => "key-mismatch-or-header-changed",
            Self::KeyNotFound => "key-not-found",
            Self::KeyRevoked => "key-revoked",
            Self::KeyStrictSubdomain => "key-strict-subdomain",
            Self::KeyTooShort => "key-too-short",
            Self::KeyWeak => "key-weak",
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
#[derive(Clone, Debug)]
pub struct DiagnoseInput<'a> {
    results: &'a [SignatureResult],
    header: Option<Vec<u8>>,
    lookups: Vec<(String, Option<Vec<TxtRecord>>)>,
}

impl<'a> DiagnoseInput<'a> {
    /// The verifier's results (empty for an unsigned message).
    pub fn new(results: &'a [SignatureResult]) -> Self {
        Self { results, header: None, lookups: Vec::new() }
    }

    /// The message header (the whole message also works: everything after
    /// the first empty line is ignored; bare LF line ends are accepted).
    /// Without it there is no header coverage or DMARC alignment check.
    pub fn header(mut self, bytes: &[u8]) -> Self {
        self.header = Some(header_block(bytes));
        self
    }

    /// One DNS answer: the TXT records at `name`, or `None` when the name
    /// has no TXT record (NXDOMAIN or no data). Give the answers for the key
    /// names the verifier asked for and, when a key was not found, for the
    /// names of [`wrong_name_candidates`].
    pub fn lookup(mut self, name: &str, records: Option<Vec<TxtRecord>>) -> Self {
        self.lookups.push((normalize_name(name), records));
        self
    }

    /// Several answers at once (see [`DiagnoseInput::lookup`]).
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
/// let mut v = Verifier::new(Policy::default());
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

fn diagnose_signature(
    input: &DiagnoseInput<'_>,
    r: &SignatureResult,
    block: Option<&HeaderBlock>,
    out: &mut Vec<Diagnosis>,
) {
    let i = Some(r.index());
    let start = out.len();
    let sig = r.signature();
    let key_name = match (sig, r.domain(), r.selector()) {
        (Some(s), _, _) => Some(s.key_name()),
        (None, Some(d), Some(s)) => Some(normalize_name(&format!("{s}._domainkey.{d}"))),
        _ => None,
    };
    let records = key_name.as_deref().and_then(|n| input.records_at(n));
    let facts = records.map(RecordFacts::of);
    let tag = |name: &str, value: &str| Evidence::Tag { name: name.into(), value: value.into() };

    if let Some(reason) = r.reason() {
        let e = |code, msg: String| Diagnosis::new(code, Severity::Error, i, msg);
        match reason {
            Reason::BodyHashMismatch => {
                let mut d = e(
                    Code::BodyChanged,
                    "The body hash does not match: the body changed in transit (a mailing list footer, a disclaimer, \
                     content or link rewriting, or a line-ending or encoding change); sign after any such step or \
                     have the forwarder re-sign."
                        .into(),
                );
                if let Some(l) = sig.and_then(Signature::body_length) {
                    d.message.push_str(&format!(" The signature covers only the first {l} body bytes (l=)."));
                    d = d.with(tag("l", &l.to_string()));
                }
                out.push(d);
            }
            Reason::SignatureMismatch => {
                let mut d = e(
                    Code::KeyMismatchOrHeaderChanged,
                    "The body hash matches but the signature does not verify: the private key that signed does not \
                     match the key published in DNS (republish the record from the current key), or a signed \
                     header field was changed in transit."
                        .into(),
                );
                if let Some(n) = &key_name {
                    d = d.with(Evidence::NameQueried(n.clone()));
                }
                if let Some(bits) = r.key_bits() {
                    d = d.with(Evidence::KeyBits(bits));
                }
                out.push(d);
            }
            Reason::BodyLengthExceedsBody { length, body } => out.push(
                e(
                    Code::BodyTruncated,
                    format!(
                        "l={length} is longer than the {body}-byte body: the body was shortened or re-encoded in \
                         transit."
                    ),
                )
                .with(tag("l", &length.to_string()))
                .with(Evidence::Bytes { what: "canonical body", count: *body }),
            ),
            Reason::Signature(err) => {
                let mut d = e(
                    Code::SignatureSyntax,
                    format!("The DKIM-Signature field is malformed ({err}); fix the signing software's output."),
                );
                if let Some(t) = err.tag() {
                    d = d.with(tag(t, ""));
                }
                out.push(d);
            }
            Reason::NoKey => key_not_found(input, r, key_name.as_deref(), out),
            Reason::KeyLookupTempFail => {
                let mut d = e(
                    Code::KeyLookupFailed,
                    "The DNS lookup of the key failed temporarily (server failure or timeout); try again later, \
                     and check that the domain's name servers answer."
                        .into(),
                );
                if let Some(n) = &key_name {
                    d = d.with(Evidence::NameQueried(n.clone()));
                }
                out.push(d);
            }
            Reason::KeyRecord(err) => out.push(record_error(err, key_name.as_deref(), facts.as_ref(), i)),
            Reason::AmbiguousKeyRecords { count } => {
                let mut d = e(
                    Code::RecordSeveral,
                    format!(
                        "{count} different DKIM key records sit at the same name and none of them counts; keep \
                         exactly one TXT record there."
                    ),
                )
                .with(Evidence::Records(*count));
                if let Some(n) = &key_name {
                    d = d.with(Evidence::NameQueried(n.clone()));
                }
                out.push(d);
            }
            Reason::KeyRevoked => {
                let mut d = e(
                    Code::KeyRevoked,
                    "The key was revoked (empty p= in the record); sign with a current key and its selector, or \
                     publish the public key again if the revocation was a mistake."
                        .into(),
                );
                if let Some(n) = &key_name {
                    d = d.with(Evidence::NameQueried(n.clone()));
                }
                out.push(d);
            }
            Reason::KeyTooShort { bits, min } => out.push(
                e(
                    Code::KeyTooShort,
                    format!(
                        "The {bits}-bit RSA key is refused (the minimum is {min}); generate a 2048-bit key, publish \
                         it under a new selector and sign with it."
                    ),
                )
                .with(Evidence::KeyBits(*bits)),
            ),
            Reason::KeyTypeMismatch { key, algorithm } => out.push(
                e(
                    Code::RecordTypeMismatch,
                    format!(
                        "The key record is k={key} but the signature is a={algorithm}; publish the key of the type \
                         the signer uses, or fix k=."
                    ),
                )
                .with(tag("k", key.as_str()))
                .with(tag("a", algorithm.as_str())),
            ),
            Reason::KeyHashMismatch => out.push(e(
                Code::RecordHashNoSha256,
                "The key record's h= does not allow the signature's hash; remove h= from the record or make it h=sha256."
                    .into(),
            )),
            Reason::KeyServiceMismatch => out.push(e(
                Code::RecordServiceNotEmail,
                "The key record's s= does not include email; remove s= or make it s=email.".into(),
            )),
            Reason::KeyStrictSubdomain => out.push(e(
                Code::KeyStrictSubdomain,
                "The key has t=s, which forbids an i= in a subdomain of d=; remove t=s or sign with i= in d= itself."
                    .into(),
            )),
            Reason::Expired { expiration, now } => out.push(
                e(
                    Code::Expired,
                    format!(
                        "The signature expired (x={expiration}, now {now}); it was verified too late, or the signer \
                         sets x= too short: lengthen it or check the signer's clock."
                    ),
                )
                .with(tag("x", &expiration.to_string()))
                .with(Evidence::Now(*now)),
            ),
            Reason::TimestampInFuture { timestamp, now } => out.push(
                e(
                    Code::FutureTimestamp,
                    format!("The signature time t={timestamp} is in the future (now {now}); fix the signing server's clock."),
                )
                .with(tag("t", &timestamp.to_string()))
                .with(Evidence::Now(*now)),
            ),
            Reason::Sha1Refused => out.push(
                e(
                    Code::RsaSha1,
                    "The signature uses rsa-sha1, which RFC 8301 forbids; configure the signer for rsa-sha256.".into(),
                )
                .with(tag("a", "rsa-sha1")),
            ),
            Reason::RequiredHeaderNotSigned(h) => out.push(e(
                Code::RequiredHeaderNotSigned,
                format!("The signature does not cover {h}, which this verifier requires; add it to the signer's h= list."),
            )),
            Reason::BodyLengthRefused => out.push(e(
                Code::BodyLengthRefused,
                "The signature has l= (it signs only part of the body), which this verifier refuses; turn off the \
                 body length option in the signer."
                    .into(),
            )),
            Reason::TooManySignatures { limit } => out.push(e(
                Code::TooManySignatures,
                format!("The message has more than {limit} signatures and this one was not checked; remove stale ones."),
            )),
            Reason::Header(err) => out.push(e(
                Code::HeaderMalformed,
                format!("The message header is malformed ({err}); fix the program that wrote it."),
            )),
            // Reasons added later get the generic diagnosis below.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }

    if let Some(f) = &facts {
        record_notes(f, r, key_name.as_deref(), i, out);
    }
    key_notes(r, i, out);
    if let (Some(sig), Some(block)) = (sig, block) {
        header_coverage(sig, r, block, i, out);
    }
    if let Some(l) = sig.and_then(Signature::body_length)
        && let Some(tail) = r.unsigned_body_bytes()
        && tail > 0
    {
        out.push(
            Diagnosis::new(
                Code::UnsignedTail,
                Severity::Warning,
                i,
                format!(
                    "The signature covers only the first {l} bytes of the body (l=); the {tail} bytes from offset {l} \
                     on are unsigned and anyone could have added them. Stop using l= in the signer."
                ),
            )
            .with(Evidence::Offset(l))
            .with(Evidence::Bytes { what: "unsigned body", count: tail }),
        );
    }
    if r.verdict() != Verdict::Pass && !out[start..].iter().any(|d| d.severity == Severity::Error) {
        let why = r.reason().map_or_else(|| r.verdict().to_string(), ToString::to_string);
        out.push(Diagnosis::new(
            Code::VerificationFailed,
            Severity::Error,
            i,
            format!("The signature did not verify ({why})."),
        ));
    }
}

fn key_not_found(input: &DiagnoseInput<'_>, r: &SignatureResult, key_name: Option<&str>, out: &mut Vec<Diagnosis>) {
    let i = Some(r.index());
    let name = key_name.unwrap_or("?");
    let selector = r.selector().unwrap_or("?");
    let domain = r.domain().map(normalize_name).unwrap_or_default();
    let mut d = Diagnosis::new(
        Code::KeyNotFound,
        Severity::Error,
        i,
        format!(
            "No DKIM key record at {name}. Publish the public key as a TXT record at exactly that name, or check \
             the selector: the signer uses s={selector}, and the record may be under another selector (for \
             example an earlier email provider's)."
        ),
    )
    .with(Evidence::NameQueried(name.into()));
    // Other selectors of the same domain that do have a key.
    let suffix = format!("._domainkey.{domain}");
    let others: Vec<&str> = input
        .lookups
        .iter()
        .filter(|(n, recs)| {
            n != name && n.ends_with(&suffix) && recs.as_deref().is_some_and(|r| r.iter().any(looks_like_key))
        })
        .map(|(n, _)| &n[..n.len() - suffix.len()])
        .collect();
    if !others.is_empty() {
        d.message
            .push_str(&format!(" Keys exist for selector(s) {}: the signer may use the wrong one.", others.join(", ")));
    }
    out.push(d);
    for cand in wrong_name_candidates(r) {
        if let Some(recs) = input.records_at(&cand)
            && recs.iter().any(looks_like_key)
        {
            out.push(
                Diagnosis::new(
                    Code::KeyAtWrongName,
                    Severity::Error,
                    i,
                    format!("A DKIM key record is published at {cand}, which is the wrong name: move it to {name}."),
                )
                .with(Evidence::RecordAt(cand.clone()))
                .with(Evidence::NameQueried(name.into())),
            );
        }
    }
}

fn record_error(err: &KeyRecordError, name: Option<&str>, facts: Option<&RecordFacts>, i: Option<usize>) -> Diagnosis {
    let (code, msg) = match err {
        KeyRecordError::InvalidBase64 if facts.is_some_and(|f| f.quotes) => (
            Code::RecordQuotesInP,
            String::from(
                "The key record has quote characters inside p=: the TXT strings were pasted with their quotes into \
                 one string. Enter the value without quotes, or as separate strings if the DNS provider allows it.",
            ),
        ),
        KeyRecordError::InvalidBase64 => (
            Code::RecordNotBase64,
            String::from(
                "The key record's p= is not valid base64: copy the public key again, completely, without line \
                 breaks or extra characters.",
            ),
        ),
        KeyRecordError::Key(e) => (
            Code::RecordNotAKey,
            format!(
                "The key record's p= is base64 but not a usable public key ({e}): publish the public key (not the \
                 private key, not a certificate), completely."
            ),
        ),
        other => (
            Code::RecordSyntax,
            format!("The key record is not usable ({other}); republish it as v=DKIM1; k=...; p=...."),
        ),
    };
    let mut d = Diagnosis::new(code, Severity::Error, i, msg);
    if let Some(n) = name {
        d = d.with(Evidence::NameQueried(n.into()));
    }
    if let Some(p) = facts.and_then(|f| f.p_value.clone()) {
        d = d.with(Evidence::Tag { name: "p".into(), value: p });
    }
    d
}

/// Findings about the records at the key name that do not decide the verdict.
fn record_notes(f: &RecordFacts, r: &SignatureResult, name: Option<&str>, i: Option<usize>, out: &mut Vec<Diagnosis>) {
    let name = name.unwrap_or("?");
    if f.count > 1 && !matches!(r.reason(), Some(Reason::AmbiguousKeyRecords { .. })) {
        let (severity, which) = match f.counting {
            Some(k) if f.dkim_like > 1 => {
                (Severity::Warning, format!("the identical DKIM records count (record {})", k + 1))
            }
            Some(k) => {
                (Severity::Note, format!("only record {} is a DKIM key and it counts; the others are ignored", k + 1))
            }
            None => (Severity::Note, String::from("none of them is a usable DKIM key")),
        };
        out.push(
            Diagnosis::new(
                Code::RecordSeveral,
                severity,
                i,
                format!("{} TXT records sit at {name}: {which}. Keep exactly one DKIM record per selector.", f.count),
            )
            .with(Evidence::Records(f.count))
            .with(Evidence::NameQueried(name.into())),
        );
    }
    let Some(rec) = &f.record else { return };
    if f.spaces && !f.quotes {
        out.push(
            Diagnosis::new(
                Code::RecordJoinedWithSpaces,
                Severity::Warning,
                i,
                String::from(
                    "The key record's p= contains spaces: its TXT strings were joined with spaces. This verifier \
                     ignores them but others may not; publish p= without spaces.",
                ),
            )
            .with(Evidence::NameQueried(name.into())),
        );
    }
    if !rec.has_version() {
        out.push(Diagnosis::new(
            Code::RecordNoVersion,
            Severity::Note,
            i,
            String::from(
                "The key record has no v=DKIM1; that is accepted, but starting the record with v=DKIM1; is usual.",
            ),
        ));
    }
    if let Some(h) = rec.hash_algorithms()
        && !rec.allows_hash(HashAlgorithm::Sha256)
        && !matches!(r.reason(), Some(Reason::KeyHashMismatch))
    {
        out.push(
            Diagnosis::new(
                Code::RecordHashNoSha256,
                Severity::Warning,
                i,
                String::from(
                    "The key record's h= does not list sha256, so the key cannot be used with rsa-sha256; remove h=.",
                ),
            )
            .with(Evidence::Tag { name: "h".into(), value: h.join(":") }),
        );
    }
    if let Some(k) = f.k_value.as_deref()
        && let Some(a) = r.algorithm()
        && !k.eq_ignore_ascii_case(a.key_type().as_str())
        && !matches!(r.reason(), Some(Reason::KeyTypeMismatch { .. }))
        && r.verdict() == Verdict::Pass
    {
        out.push(Diagnosis::new(
            Code::RecordTypeMismatch,
            Severity::Warning,
            i,
            format!("The key record says k={k} but the signature is a={a}."),
        ));
    }
    if !rec.allows_email() && !matches!(r.reason(), Some(Reason::KeyServiceMismatch)) {
        out.push(Diagnosis::new(
            Code::RecordServiceNotEmail,
            Severity::Warning,
            i,
            String::from("The key record's s= does not include email; remove s=."),
        ));
    }
    if let Some(bits) = rec.public_key().map(|k| k.bits())
        && rec.key_type() == KeyType::Rsa
        && bits >= 4096
    {
        out.push(
            Diagnosis::new(
                Code::KeyLargeRecord,
                Severity::Warning,
                i,
                format!(
                    "The {bits}-bit key makes a {}-byte record, too large for some DNS providers (it must be split \
                     into strings of at most 255 bytes) and for UDP answers; 2048 bits is the recommended size.",
                    f.length
                ),
            )
            .with(Evidence::KeyBits(bits))
            .with(Evidence::Bytes { what: "key record", count: f.length as u64 }),
        );
    }
}

/// Findings about the key the verifier used and the algorithm.
fn key_notes(r: &SignatureResult, i: Option<usize>, out: &mut Vec<Diagnosis>) {
    if r.testing() {
        out.push(Diagnosis::new(
            Code::TestingMode,
            Severity::Warning,
            i,
            String::from(
                "The key is in testing mode (t=y): receivers may treat the message as unsigned. Remove t=y from the \
                 record once signing works.",
            ),
        ));
    }
    if let Some(bits) = r.key_bits()
        && r.algorithm().is_some_and(|a| a.key_type() == KeyType::Rsa)
        && (1024..2048).contains(&bits)
    {
        out.push(
            Diagnosis::new(
                Code::KeyWeak,
                Severity::Warning,
                i,
                format!(
                    "The {bits}-bit RSA key is weak (below 1024 is refused, 2048 is recommended); generate a 2048-bit \
                     key and publish it under a new selector."
                ),
            )
            .with(Evidence::KeyBits(bits)),
        );
    }
    if r.algorithm() == Some(Algorithm::RsaSha1) && !matches!(r.reason(), Some(Reason::Sha1Refused)) {
        out.push(
            Diagnosis::new(
                Code::RsaSha1,
                Severity::Warning,
                i,
                String::from(
                    "The signature uses rsa-sha1, which RFC 8301 forbids and most receivers refuse; use rsa-sha256.",
                ),
            )
            .with(Evidence::Tag { name: "a".into(), value: "rsa-sha1".into() }),
        );
    }
}

fn header_coverage(
    sig: &Signature,
    r: &SignatureResult,
    block: &HeaderBlock,
    i: Option<usize>,
    out: &mut Vec<Diagnosis>,
) {
    let selected = block.select(sig.signed_headers(), Some(r.field_index()));
    let mut signed = alloc::vec![false; block.len()];
    for idx in selected.into_iter().flatten() {
        signed[idx] = true;
    }
    // Names present with no instance signed.
    let mut missing: Vec<(String, u64)> = Vec::new();
    for (idx, f) in block.fields().enumerate() {
        let lower = lossy(f.name()).to_ascii_lowercase();
        if TRACE_FIELDS.contains(&lower.as_str()) || lower.starts_with("x-") || lower.starts_with("arc-") {
            continue;
        }
        let any_signed = block.fields().enumerate().any(|(j, g)| signed[j] && g.name().eq_ignore_ascii_case(f.name()));
        if !any_signed && !signed[idx] && !missing.iter().any(|(n, _)| n.eq_ignore_ascii_case(&lower)) {
            missing.push((lossy(f.name()), f.offset() as u64));
        }
    }
    if !missing.is_empty() {
        let visible = missing.iter().any(|(n, _)| VISIBLE_FIELDS.contains(&n.to_ascii_lowercase().as_str()));
        let names: Vec<&str> = missing.iter().map(|(n, _)| n.as_str()).collect();
        let mut d = Diagnosis::new(
            Code::HeaderNotSigned,
            if visible { Severity::Warning } else { Severity::Note },
            i,
            format!(
                "The signature does not cover these header fields: {}; they could have been changed or added after \
                 signing. Add the ones that matter to the signer's h= list.",
                names.join(", ")
            ),
        );
        for (name, offset) in missing {
            d = d.with(Evidence::Header { name, offset });
        }
        out.push(d);
    }
    for name in ["From", "Subject"] {
        let unsigned: Vec<(String, u64)> = block
            .fields()
            .enumerate()
            .filter(|(j, f)| f.is(name) && !signed[*j])
            .map(|(_, f)| (lossy(f.name()), f.offset() as u64))
            .collect();
        let any_signed = block.fields().enumerate().any(|(j, f)| f.is(name) && signed[j]);
        if unsigned.is_empty() || !any_signed {
            continue;
        }
        let mut d = Diagnosis::new(
            Code::HeaderUnsignedDuplicate,
            Severity::Warning,
            i,
            format!(
                "The message has an extra {name} field that the signature does not cover: an attacker could have \
                 added it, and mail clients may show it. Sign {name} once more in h= than it occurs \
                 (oversigning) so that added copies break the signature."
            ),
        );
        for (n, offset) in unsigned {
            d = d.with(Evidence::Header { name: n, offset });
        }
        out.push(d);
    }
}

/// The domain of the single From address, or a `from-unusable` diagnosis.
fn from_domain(block: &HeaderBlock, out: &mut Vec<Diagnosis>) -> Option<String> {
    let froms: Vec<_> = block.fields().filter(|f| f.is("From")).collect();
    let unusable = |msg: &str| Diagnosis::new(Code::FromUnusable, Severity::Warning, None, msg.into());
    match froms.as_slice() {
        [] => {
            out.push(unusable(
                "The message has no From field, so DMARC cannot check alignment; every message needs one.",
            ));
            None
        }
        [f] => match address_domain(f.value()) {
            Some(d) => Some(d),
            None => {
                out.push(
                    unusable("The From field has no single address with a domain, so DMARC cannot check alignment.")
                        .with(Evidence::Header { name: lossy(f.name()), offset: f.offset() as u64 }),
                );
                None
            }
        },
        many => {
            let mut d = unusable(
                "The message has several From fields; DMARC receivers reject such mail or pick one, and an attacker \
                 may have added one.",
            );
            for f in many {
                d = d.with(Evidence::Header { name: lossy(f.name()), offset: f.offset() as u64 });
            }
            out.push(d);
            None
        }
    }
}

fn alignment(from: &str, results: &[SignatureResult], out: &mut Vec<Diagnosis>) {
    let from_org = organizational_domain(from);
    let passing: Vec<&SignatureResult> = results.iter().filter(|r| r.verdict() == Verdict::Pass).collect();
    let mut aligned_one = None;
    for r in &passing {
        let Some(d) = r.signature().map(|s| normalize_name(s.domain())) else { continue };
        let org = organizational_domain(&d);
        let (code, severity, msg) = if d == from {
            aligned_one.get_or_insert(r.index());
            (
                Code::DmarcAligned,
                Severity::Note,
                format!(
                    "This signature passes and d={d} is the From domain: it aligns for DMARC (strict and relaxed)."
                ),
            )
        } else if org == from_org {
            aligned_one.get_or_insert(r.index());
            (
                Code::DmarcRelaxedOnly,
                Severity::Note,
                format!(
                    "This signature passes and d={d} shares the organizational domain {org} with the From domain \
                     {from}: it aligns under relaxed DMARC (adkim=r, the default) but not strict (adkim=s)."
                ),
            )
        } else {
            (
                Code::DmarcNotAligned,
                Severity::Warning,
                format!(
                    "This signature is valid but d={d} is not the From domain {from} nor in its organization, so \
                     DMARC does not count it; this is typical of an email provider signing with its own domain. \
                     Set up DKIM for {from} at the provider (a custom signing domain)."
                ),
            )
        };
        let mut diag = Diagnosis::new(code, severity, Some(r.index()), msg)
            .with(Evidence::Tag { name: "d".into(), value: d.clone() })
            .with(Evidence::FromDomain(from.into()))
            .with(Evidence::OrganizationalDomain(org.clone()));
        if results.len() > 1
            && matches!(code, Code::DmarcAligned | Code::DmarcRelaxedOnly)
            && aligned_one == Some(r.index())
        {
            diag.message.push_str(&format!(
                " Of the message's {} signatures, this one (number {}) is the one DMARC uses.",
                results.len(),
                r.index() + 1
            ));
        }
        out.push(diag);
    }
    if aligned_one.is_none() {
        out.push(
            Diagnosis::new(
                Code::DmarcNoAlignedPass,
                Severity::Warning,
                None,
                format!(
                    "No signature both passes and aligns with the From domain {from}, so DMARC's DKIM check fails \
                     (SPF may still pass it); sign with d={from} or a domain of the same organization."
                ),
            )
            .with(Evidence::FromDomain(from.into()))
            .with(Evidence::OrganizationalDomain(from_org)),
        );
    }
}

/// The registrable domain per the Public Suffix List (the domain itself when
/// it is a public suffix or unknown).
fn organizational_domain(domain: &str) -> String {
    let domain = normalize_name(domain);
    psl::domain_str(&domain).map_or_else(|| domain.clone(), String::from)
}

/// What the TXT records at a key name look like.
struct RecordFacts {
    count: usize,
    dkim_like: usize,
    counting: Option<usize>,
    record: Option<KeyRecord>,
    length: usize,
    p_value: Option<String>,
    k_value: Option<String>,
    spaces: bool,
    quotes: bool,
}

impl RecordFacts {
    fn of(records: &[TxtRecord]) -> Self {
        let limits = Limits::default();
        let texts: Vec<Vec<u8>> = records.iter().map(TxtRecord::joined).collect();
        let parsed: Vec<Option<KeyRecord>> = texts.iter().map(|t| KeyRecord::parse(t, &limits).ok()).collect();
        let dkim_like = texts.iter().filter(|t| text_looks_like_key(t)).count();
        // The record that counts: the one that parses, as the verifier picks it.
        let counting = parsed
            .iter()
            .position(Option::is_some)
            .or_else(|| texts.iter().position(|t| text_looks_like_key(t)))
            .or(if texts.is_empty() { None } else { Some(0) });
        let text = counting.map(|k| texts[k].as_slice()).unwrap_or_default();
        let p_value = tag_value(text, "p").map(|p| lossy(p.trim_ascii()));
        let k_value = tag_value(text, "k").map(|k| lossy(k.trim_ascii()));
        let spaces = p_value.as_deref().is_some_and(|p| p.bytes().any(|b| b.is_ascii_whitespace()));
        let quotes = p_value.as_deref().is_some_and(|p| p.contains('"'));
        Self {
            count: records.len(),
            dkim_like,
            counting,
            record: counting.and_then(|k| parsed[k].clone()),
            length: text.len(),
            p_value,
            k_value,
            spaces,
            quotes,
        }
    }
}

/// The raw value of tag `name` in a tag list, split naively on `;`.
fn tag_value<'t>(text: &'t [u8], name: &str) -> Option<&'t [u8]> {
    text.split(|&b| b == b';').find_map(|part| {
        let eq = part.iter().position(|&b| b == b'=')?;
        part[..eq].trim_ascii().eq_ignore_ascii_case(name.as_bytes()).then(|| &part[eq + 1..])
    })
}

fn text_looks_like_key(t: &[u8]) -> bool {
    t.len() >= 7 && t[..7].eq_ignore_ascii_case(b"v=DKIM1") || KeyRecord::parse(t, &Limits::default()).is_ok()
}

fn looks_like_key(r: &TxtRecord) -> bool {
    text_looks_like_key(&r.joined())
}

/// The domain of the one address in a From value, lower-cased.
fn address_domain(value: &[u8]) -> Option<String> {
    let text = lossy(value);
    // Drop quoted display names and comments, which may contain '@' and ','.
    let mut plain = String::new();
    let (mut quoted, mut comment) = (false, 0u32);
    let mut prev = ' ';
    for c in text.chars() {
        match c {
            '"' if comment == 0 && prev != '\\' => quoted = !quoted,
            '(' if !quoted => comment += 1,
            ')' if !quoted && comment > 0 => comment -= 1,
            _ if quoted || comment > 0 => {}
            _ => plain.push(c),
        }
        prev = c;
    }
    if plain.contains(',') {
        return None;
    }
    let addr = match (plain.rfind('<'), plain.rfind('>')) {
        (Some(a), Some(b)) if a < b => &plain[a + 1..b],
        _ => plain.as_str(),
    };
    let domain = addr.rsplit_once('@')?.1.trim().trim_end_matches('.');
    if domain.is_empty() || domain.contains(|c: char| c.is_whitespace() || c == '@') {
        return None;
    }
    Some(domain.to_ascii_lowercase())
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
mod tests {
    use super::*;

    #[test]
    fn from_addresses() {
        assert_eq!(address_domain(b" Joe <joe@Example.COM>\r\n").as_deref(), Some("example.com"));
        assert_eq!(address_domain(b" joe@example.org").as_deref(), Some("example.org"));
        assert_eq!(address_domain(b" \"a@b, c\" <x@example.net> (x@y)").as_deref(), Some("example.net"));
        assert_eq!(address_domain(b" a@example.com, b@example.org"), None);
        assert_eq!(address_domain(b" undisclosed"), None);
    }

    #[test]
    fn organizational_domains() {
        assert_eq!(organizational_domain("mail.example.co.uk"), "example.co.uk");
        assert_eq!(organizational_domain("a.b.Example.com."), "example.com");
    }

    #[test]
    fn header_block_cuts_and_normalizes() {
        assert_eq!(header_block(b"A: 1\nB: 2\n\nbody"), b"A: 1\r\nB: 2\r\n");
        assert_eq!(header_block(b"A: 1\r\n\r\nbody"), b"A: 1\r\n");
        assert_eq!(header_block(b"A: 1"), b"A: 1\r\n");
    }

    #[test]
    fn codes_are_kebab_case() {
        for c in [Code::NotSigned, Code::KeyMismatchOrHeaderChanged, Code::RecordQuotesInP] {
            assert!(c.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()));
        }
    }
}
