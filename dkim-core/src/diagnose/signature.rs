//! Findings about one signature: what its verdict's reason means, then
//! what else is worth fixing (the key record, the key, the header fields it
//! covers, an unsigned body tail).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::coverage::header_coverage;
use super::record::{RecordFacts, key_not_found, record_error, record_notes};
use super::{Code, DiagnoseInput, Diagnosis, Evidence, Severity, normalize_name};
use crate::crypto::{Algorithm, KeyType};
use crate::header::HeaderBlock;
use crate::result::{Reason, SignatureResult, Verdict};
use crate::signature::Signature;

/// What the findings about one signature are drawn from.
struct Context<'a> {
    r: &'a SignatureResult,
    sig: Option<&'a Signature>,
    /// `s._domainkey.d`, when `d=` and `s=` could be read.
    key_name: Option<&'a str>,
    /// The TXT records the caller found at the key name.
    facts: Option<&'a RecordFacts>,
    /// [`Diagnosis::signature`] for every finding.
    i: Option<usize>,
}

impl Context<'_> {
    fn error(&self, code: Code, message: String) -> Diagnosis {
        Diagnosis::new(code, Severity::Error, self.i, message)
    }

    /// `d` with the key name as evidence, when there is one.
    fn queried(&self, d: Diagnosis) -> Diagnosis {
        match self.key_name {
            Some(n) => d.with(Evidence::NameQueried(n.into())),
            None => d,
        }
    }
}

/// Every finding about `r`, in order: its reason, the key record, the key,
/// the header coverage, the unsigned tail; and, for a signature that does
/// not pass but got no error from those, a generic one.
pub(super) fn diagnose_signature(
    input: &DiagnoseInput<'_>,
    r: &SignatureResult,
    block: Option<&HeaderBlock>,
    out: &mut Vec<Diagnosis>,
) {
    let i = Some(r.index());
    let start = out.len();
    let sig = r.signature();
    let key_name = key_name(r);
    let records = key_name.as_deref().and_then(|n| input.records_at(n));
    let facts = records.map(RecordFacts::of);
    let cx = Context { r, sig, key_name: key_name.as_deref(), facts: facts.as_ref(), i };

    if let Some(reason) = r.reason() {
        reason_findings(input, &cx, reason, out);
    }
    if let Some(f) = &facts {
        record_notes(f, Some(r), cx.key_name, i, out);
    }
    key_notes(r, i, out);
    if let (Some(sig), Some(block)) = (sig, block) {
        header_coverage(sig, r, block, i, out);
    }
    out.extend(unsigned_tail(&cx));
    if r.verdict() != Verdict::Pass && !out[start..].iter().any(|d| d.severity == Severity::Error) {
        out.push(verification_failed(r, i));
    }
}

/// `s._domainkey.d`, from the parsed signature or, when it did not parse,
/// from the `d=` and `s=` that could be read.
fn key_name(r: &SignatureResult) -> Option<String> {
    match (r.signature(), r.domain(), r.selector()) {
        (Some(s), _, _) => Some(s.key_name()),
        (None, Some(d), Some(s)) => Some(normalize_name(&format!("{s}._domainkey.{d}"))),
        _ => None,
    }
}

/// The error(s) that say what the verdict's reason means.
fn reason_findings(input: &DiagnoseInput<'_>, cx: &Context<'_>, reason: &Reason, out: &mut Vec<Diagnosis>) {
    if let Reason::NoRecord { .. } = reason {
        return key_not_found(input, cx.r, cx.key_name, out);
    }
    // Reasons added later get the generic diagnosis (`verification_failed`).
    let d = content_finding(cx, reason)
        .or_else(|| lookup_finding(cx, reason))
        .or_else(|| key_finding(cx, reason))
        .or_else(|| policy_finding(cx, reason));
    out.extend(d);
}

/// The body, the signature field or the header did not check out.
fn content_finding(cx: &Context<'_>, reason: &Reason) -> Option<Diagnosis> {
    Some(match reason {
        Reason::BodyHashMismatch => {
            let mut d = cx.error(
                Code::BodyChanged,
                "The body hash does not match: the body changed in transit (a mailing list footer, a disclaimer, \
                 content or link rewriting, or a line-ending or encoding change); sign after any such step or \
                 have the forwarder re-sign."
                    .into(),
            );
            if let Some(l) = cx.sig.and_then(Signature::body_length) {
                d.message.push_str(&format!(" The signature covers only the first {l} body bytes (l=)."));
                d = d.with(tag("l", &l.to_string()));
            }
            d
        }
        Reason::SignatureMismatch => {
            let d = cx.queried(
                cx.error(
                    Code::KeyMismatchOrHeaderChanged,
                    "The body hash matches but the signature does not verify: the private key that signed does not \
                 match the key published in DNS (republish the record from the current key), or a signed \
                 header field was changed in transit."
                        .into(),
                ),
            );
            match cx.r.key_bits() {
                Some(bits) => d.with(Evidence::KeyBits(bits)),
                None => d,
            }
        }
        Reason::BodyLengthExceedsBody { length, body } => cx
            .error(
                Code::BodyTruncated,
                format!(
                    "l={length} is longer than the {body}-byte body: the body was shortened or re-encoded in \
                     transit."
                ),
            )
            .with(tag("l", &length.to_string()))
            .with(Evidence::Bytes { what: "canonical body", count: *body }),
        Reason::Signature(err) => {
            let d = cx.error(
                Code::SignatureSyntax,
                format!("The DKIM-Signature field is malformed ({err}); fix the signing software's output."),
            );
            match err.tag() {
                Some(t) => d.with(tag(t, "")),
                None => d,
            }
        }
        _ => return None,
    })
}

/// The key lookup gave no usable record (a missing record is
/// [`key_not_found`]'s).
fn lookup_finding(cx: &Context<'_>, reason: &Reason) -> Option<Diagnosis> {
    Some(match reason {
        Reason::TempFail { cause, .. } => cx.queried(cx.error(
            Code::TempFail,
            format!(
                "The DNS lookup of the key failed temporarily ({cause}); try again later, and check that the \
                 domain's name servers answer."
            ),
        )),
        Reason::KeyRecord(err) => record_error(err, cx.key_name, cx.facts, cx.i),
        Reason::AmbiguousKeyRecords { count } => cx.queried(
            cx.error(
                Code::RecordSeveral,
                format!(
                    "{count} different DKIM key records sit at the same name and none of them counts; keep \
                     exactly one TXT record there."
                ),
            )
            .with(Evidence::Records(*count)),
        ),
        Reason::KeyRevoked => cx.queried(
            cx.error(
                Code::KeyRevoked,
                "The key was revoked (empty p= in the record); sign with a current key and its selector, or \
             publish the public key again if the revocation was a mistake."
                    .into(),
            ),
        ),
        _ => return None,
    })
}

/// The key record was read but does not allow this signature.
fn key_finding(cx: &Context<'_>, reason: &Reason) -> Option<Diagnosis> {
    Some(match reason {
        Reason::KeyTooShort { bits, min } => cx
            .error(
                Code::KeyTooShort,
                format!(
                    "The {bits}-bit RSA key is refused (the minimum is {min}); generate a 2048-bit key, publish \
                     it under a new selector and sign with it."
                ),
            )
            .with(Evidence::KeyBits(*bits)),
        Reason::KeyTypeMismatch { key, algorithm } => cx
            .error(
                Code::RecordTypeMismatch,
                format!(
                    "The key record is k={key} but the signature is a={algorithm}; publish the key of the type \
                     the signer uses, or fix k=."
                ),
            )
            .with(tag("k", key.as_str()))
            .with(tag("a", algorithm.as_str())),
        Reason::KeyHashMismatch => cx.error(
            Code::RecordHashNoSha256,
            "The key record's h= does not allow the signature's hash; remove h= from the record or make it h=sha256."
                .into(),
        ),
        Reason::KeyServiceMismatch => cx.error(
            Code::RecordServiceNotEmail,
            "The key record's s= does not include email; remove s= or make it s=email.".into(),
        ),
        Reason::KeyStrictSubdomain => cx.error(
            Code::KeyStrictSubdomain,
            "The key has t=s, which forbids an i= in a subdomain of d=; remove t=s or sign with i= in d= itself."
                .into(),
        ),
        _ => return None,
    })
}

/// The verifier's policy refused the signature: its times, its algorithm,
/// what it covers, or how many signatures there are.
fn policy_finding(cx: &Context<'_>, reason: &Reason) -> Option<Diagnosis> {
    Some(match reason {
        Reason::Expired { expiration, now } => cx
            .error(
                Code::Expired,
                format!(
                    "The signature expired (x={expiration}, now {now}); it was verified too late, or the signer \
                     sets x= too short: lengthen it or check the signer's clock."
                ),
            )
            .with(tag("x", &expiration.to_string()))
            .with(Evidence::Now(*now)),
        Reason::TimestampInFuture { timestamp, now } => cx
            .error(
                Code::FutureTimestamp,
                format!(
                    "The signature time t={timestamp} is in the future (now {now}); fix the signing server's clock."
                ),
            )
            .with(tag("t", &timestamp.to_string()))
            .with(Evidence::Now(*now)),
        Reason::Sha1Refused => cx
            .error(
                Code::RsaSha1,
                "The signature uses rsa-sha1, which RFC 8301 forbids; configure the signer for rsa-sha256.".into(),
            )
            .with(tag("a", "rsa-sha1")),
        Reason::RequiredHeaderNotSigned(h) => cx.error(
            Code::RequiredHeaderNotSigned,
            format!("The signature does not cover {h}, which this verifier requires; add it to the signer's h= list."),
        ),
        Reason::BodyLengthRefused => cx.error(
            Code::BodyLengthRefused,
            "The signature has l= (it signs only part of the body), which this verifier refuses; turn off the \
             body length option in the signer."
                .into(),
        ),
        Reason::UnsignedBodyContent { bytes } => cx.error(
            Code::UnsignedTail,
            format!(
                "The signature has l= and {bytes} bytes of the body follow the signed part: anyone could have \
                 added them (a list footer, or an attacker's MIME part), so the signature does not vouch for \
                 this message. Sign without l=."
            ),
        ),
        Reason::BodyLengthWithoutContentType => cx.error(
            Code::BodyLengthWithoutContentType,
            "The signature has l= but does not sign Content-Type, so the unsigned rest of the body could be \
             given another MIME structure; sign without l=, or at least sign Content-Type."
                .into(),
        ),
        Reason::UnsignedHeaderInstance { field, present, signed } => cx.error(
            Code::HeaderUnsignedDuplicate,
            format!(
                "The message has {present} {field} fields but the signature signs {signed}: a reader may be shown \
                 the unsigned one, which anyone could have added. Treat the message as unsigned."
            ),
        ),
        Reason::TooManySignatures { limit } => cx.error(
            Code::TooManySignatures,
            format!("The message has more than {limit} signatures and this one was not checked; remove stale ones."),
        ),
        Reason::TooManyKeyLookups { limit } => cx.error(
            Code::TooManySignatures,
            format!(
                "The message needs more than {limit} key lookups (DKIM and ARC together) and this key was not looked \
                 up; signers should not pile up signatures with distinct keys."
            ),
        ),
        _ => return None,
    })
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

/// `unsigned-tail`: `l=` left body bytes unsigned.
fn unsigned_tail(cx: &Context<'_>) -> Option<Diagnosis> {
    let l = cx.sig.and_then(Signature::body_length)?;
    let tail = cx.r.unsigned_body_bytes().filter(|&t| t > 0)?;
    Some(
        Diagnosis::new(
            Code::UnsignedTail,
            Severity::Warning,
            cx.i,
            format!(
                "The signature covers only the first {l} bytes of the body (l=); the {tail} bytes from offset {l} \
                 on are unsigned and anyone could have added them. Stop using l= in the signer."
            ),
        )
        .with(Evidence::Offset(l))
        .with(Evidence::Bytes { what: "unsigned body", count: tail }),
    )
}

/// `verification-failed`: the generic error for a signature that failed
/// with no more specific diagnosis.
fn verification_failed(r: &SignatureResult, i: Option<usize>) -> Diagnosis {
    let why = r.reason().map_or_else(|| r.verdict().to_string(), ToString::to_string);
    Diagnosis::new(Code::VerificationFailed, Severity::Error, i, format!("The signature did not verify ({why})."))
}

/// A signature or key record tag as evidence.
fn tag(name: &str, value: &str) -> Evidence {
    Evidence::Tag { name: name.into(), value: value.into() }
}
