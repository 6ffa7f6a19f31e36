//! Findings about the key record: where it is published, why it was refused,
//! and what in it should be fixed even when the signature passes.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Code, DiagnoseInput, Diagnosis, Evidence, Severity, lossy, normalize_name, wrong_name_candidates};
use crate::crypto::{HashAlgorithm, KeyType};
use crate::key_record::{KeyRecord, KeyRecordError};
use crate::lookup::TxtRecord;
use crate::policy::Limits;
use crate::result::{Reason, SignatureResult, Verdict};

/// `no-record`, naming other selectors of the domain that have a key,
/// and `key-at-wrong-name` for each near name that has a DKIM record.
pub(super) fn key_not_found(
    input: &DiagnoseInput<'_>,
    r: &SignatureResult,
    key_name: Option<&str>,
    out: &mut Vec<Diagnosis>,
) {
    let i = Some(r.index());
    let name = key_name.unwrap_or("?");
    let selector = r.selector().unwrap_or("?");
    let domain = r.domain().map(normalize_name).unwrap_or_default();
    let mut d = Diagnosis::new(
        Code::NoRecord,
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

/// The error for a key record that was found but is not usable
/// ([`Reason::KeyRecord`]).
pub(super) fn record_error(
    err: &KeyRecordError,
    name: Option<&str>,
    facts: Option<&RecordFacts>,
    i: Option<usize>,
) -> Diagnosis {
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
pub(super) fn record_notes(
    f: &RecordFacts,
    r: Option<&SignatureResult>,
    name: Option<&str>,
    i: Option<usize>,
    out: &mut Vec<Diagnosis>,
) {
    let name = name.unwrap_or("?");
    several_records(f, r, name, i, out);
    let Some(rec) = &f.record else { return };
    record_text_notes(f, rec, name, i, out);
    record_tag_notes(f, rec, r, i, out);
    large_record(f, rec, i, out);
}

/// `record-several`, when the verdict did not already say it.
fn several_records(
    f: &RecordFacts,
    r: Option<&SignatureResult>,
    name: &str,
    i: Option<usize>,
    out: &mut Vec<Diagnosis>,
) {
    if f.count > 1 && !matches!(r.and_then(SignatureResult::reason), Some(Reason::AmbiguousKeyRecords { .. })) {
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
}

/// How the record was written: `p=` with spaces, no `v=`.
fn record_text_notes(f: &RecordFacts, rec: &KeyRecord, name: &str, i: Option<usize>, out: &mut Vec<Diagnosis>) {
    spaces_note(f, name, i, out);
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
}

/// `record-joined-with-spaces`: `p=` with spaces (and no quotes, which is
/// its own finding).
fn spaces_note(f: &RecordFacts, name: &str, i: Option<usize>, out: &mut Vec<Diagnosis>) {
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
}

/// Tags that limit the key (`h=`, `k=`, `s=`), when the verdict did not
/// already say so.
fn record_tag_notes(
    f: &RecordFacts,
    rec: &KeyRecord,
    r: Option<&SignatureResult>,
    i: Option<usize>,
    out: &mut Vec<Diagnosis>,
) {
    let reason = r.and_then(SignatureResult::reason);
    if let Some(h) = rec.hash_algorithms()
        && !rec.allows_hash(HashAlgorithm::Sha256)
        && !matches!(reason, Some(Reason::KeyHashMismatch))
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
    if let Some(r) = r
        && let Some(k) = f.k_value.as_deref()
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
    if !rec.allows_email() && !matches!(reason, Some(Reason::KeyServiceMismatch)) {
        out.push(Diagnosis::new(
            Code::RecordServiceNotEmail,
            Severity::Warning,
            i,
            String::from("The key record's s= does not include email; remove s=."),
        ));
    }
}

/// `key-large-record`: a 4096-bit or larger RSA key.
fn large_record(f: &RecordFacts, rec: &KeyRecord, i: Option<usize>, out: &mut Vec<Diagnosis>) {
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

/// What the TXT records at a key name look like.
pub(super) struct RecordFacts {
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
    pub(super) fn of(records: &[TxtRecord]) -> Self {
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

/// The one test of "a DKIM key record at all"
/// ([`looks_like_key_record`](crate::key_record::looks_like_key_record)).
fn text_looks_like_key(t: &[u8]) -> bool {
    crate::key_record::looks_like_key_record(t)
}

fn looks_like_key(r: &TxtRecord) -> bool {
    text_looks_like_key(&r.joined())
}

/// Lints the TXT records published at a key name `name`, without a
/// signature: what a domain owner checks before signing with the key. The
/// same findings, codes and words as [`diagnose`](super::diagnose) gives for
/// the record behind a signature (the CLI's `check-record` prints them):
/// no record, several records, a record that is not a DKIM key or does not
/// parse, quotes or spaces in `p=`, no `v=`, a revoked, too short, weak or
/// oversized key, testing mode, `h=` without sha256, `s=` without email.
///
/// ```
/// use dkim_core::diagnose::{Code, Severity, lint_record};
/// use dkim_core::TxtRecord;
/// let name = "sel._domainkey.example.com";
/// assert_eq!(lint_record(name, &[])[0].code(), Code::NoRecord);
/// let spaced = TxtRecord::new(vec![b"v=DKIM1; k=ed25519; p=U6MP8zIgvTcSM2v0gbi3pQW4Aow xK0nKWI/w487IWvQ=".to_vec()]);
/// let found = lint_record(name, &[spaced]);
/// assert!(found.iter().any(|d| d.code() == Code::RecordJoinedWithSpaces && d.severity() == Severity::Warning));
/// let testing = TxtRecord::from_text("v=DKIM1; k=ed25519; t=y; p=U6MP8zIgvTcSM2v0gbi3pQW4AowxK0nKWI/w487IWvQ=");
/// assert_eq!(lint_record(name, &[testing])[0].code(), Code::TestingMode);
/// ```
#[must_use]
pub fn lint_record(name: &str, records: &[TxtRecord]) -> Vec<Diagnosis> {
    let mut out = Vec::new();
    if records.is_empty() {
        out.push(
            Diagnosis::new(
                Code::NoRecord,
                Severity::Error,
                None,
                format!(
                    "No TXT record at {name}. Publish the public key as a TXT record at exactly that name \
                     (SELECTOR._domainkey.DOMAIN); a record at the domain or at _domainkey.DOMAIN is at the wrong name."
                ),
            )
            .with(Evidence::NameQueried(name.into())),
        );
        return out;
    }
    let facts = RecordFacts::of(records);
    let Some(rec) = facts.record.clone() else {
        let texts: Vec<Vec<u8>> = records.iter().map(TxtRecord::joined).collect();
        match texts.iter().find(|t| text_looks_like_key(t)) {
            None => out.push(
                Diagnosis::new(
                    Code::RecordSyntax,
                    Severity::Error,
                    None,
                    format!("The TXT record at {name} is not a DKIM key record (no v=DKIM1 and no p=)."),
                )
                .with(Evidence::NameQueried(name.into())),
            ),
            Some(text) => {
                if let Err(e) = KeyRecord::parse(text, &Limits::default()) {
                    out.push(record_error(&e, Some(name), Some(&facts), None));
                }
                spaces_note(&facts, name, None, &mut out);
            }
        }
        several_records(&facts, None, name, None, &mut out);
        return out;
    };
    if rec.is_revoked() {
        out.push(Diagnosis::new(
            Code::KeyRevoked,
            Severity::Error,
            None,
            String::from("The record has an empty p=: the key is revoked, and every signature made with it fails."),
        ));
    }
    if let Some(bits) = rec.public_key().map(|k| k.bits()).filter(|_| rec.key_type() == KeyType::Rsa) {
        if bits < 1024 {
            out.push(
                Diagnosis::new(
                    Code::KeyTooShort,
                    Severity::Error,
                    None,
                    format!("The {bits}-bit RSA key is refused by verifiers (RFC 8301); publish a 2048-bit key."),
                )
                .with(Evidence::KeyBits(bits)),
            );
        } else if bits < 2048 {
            out.push(
                Diagnosis::new(
                    Code::KeyWeak,
                    Severity::Warning,
                    None,
                    format!(
                        "The {bits}-bit RSA key is weak (below 1024 is refused, 2048 is recommended); generate a \
                         2048-bit key and publish it under a new selector."
                    ),
                )
                .with(Evidence::KeyBits(bits)),
            );
        }
    }
    if rec.is_testing() {
        out.push(Diagnosis::new(
            Code::TestingMode,
            Severity::Warning,
            None,
            String::from(
                "The key is in testing mode (t=y): receivers may treat failures as unsigned mail. Remove t=y once \
                 signing works.",
            ),
        ));
    }
    record_notes(&facts, None, Some(name), None, &mut out);
    out
}

#[cfg(test)]
mod lint_tests {
    use super::*;

    const ED: &str = "v=DKIM1; k=ed25519; p=U6MP8zIgvTcSM2v0gbi3pQW4AowxK0nKWI/w487IWvQ=";

    fn codes(records: &[&str]) -> Vec<(Code, Severity)> {
        let records: Vec<TxtRecord> = records.iter().map(|t| TxtRecord::from_text(t)).collect();
        lint_record("s._domainkey.example.com", &records).iter().map(|d| (d.code(), d.severity())).collect()
    }

    #[test]
    fn a_good_record_has_no_finding() {
        assert_eq!(codes(&[ED]), []);
    }

    #[test]
    fn each_problem_has_its_code() {
        assert_eq!(codes(&["google-site-verification=abc"]), [(Code::RecordSyntax, Severity::Error)]);
        assert_eq!(codes(&["v=DKIM1; k=ed25519; p="]), [(Code::KeyRevoked, Severity::Error)]);
        assert_eq!(codes(&[ED, "other=1"]), [(Code::RecordSeveral, Severity::Note)]);
        assert_eq!(codes(&[ED, ED]), [(Code::RecordSeveral, Severity::Warning)]);
        assert_eq!(
            codes(&["k=ed25519; p=U6MP8zIgvTcSM2v0gbi3pQW4AowxK0nKWI/w487IWvQ="]),
            [(Code::RecordNoVersion, Severity::Note)]
        );
        assert_eq!(
            codes(&["v=DKIM1; k=ed25519; s=other; p=U6MP8zIgvTcSM2v0gbi3pQW4AowxK0nKWI/w487IWvQ="]),
            [(Code::RecordServiceNotEmail, Severity::Warning)]
        );
        let quoted = codes(&["v=DKIM1; k=ed25519; p=\"U6MP8zIgvTcSM2v0gbi3pQW4AowxK0nKWI/w487IWvQ=\""]);
        assert_eq!(quoted, [(Code::RecordQuotesInP, Severity::Error)]);
    }
}
