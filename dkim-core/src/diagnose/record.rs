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
    r: &SignatureResult,
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
fn several_records(f: &RecordFacts, r: &SignatureResult, name: &str, i: Option<usize>, out: &mut Vec<Diagnosis>) {
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
}

/// How the record was written: `p=` with spaces, no `v=`.
fn record_text_notes(f: &RecordFacts, rec: &KeyRecord, name: &str, i: Option<usize>, out: &mut Vec<Diagnosis>) {
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
}

/// Tags that limit the key (`h=`, `k=`, `s=`), when the verdict did not
/// already say so.
fn record_tag_notes(f: &RecordFacts, rec: &KeyRecord, r: &SignatureResult, i: Option<usize>, out: &mut Vec<Diagnosis>) {
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

fn text_looks_like_key(t: &[u8]) -> bool {
    t.len() >= 7 && t[..7].eq_ignore_ascii_case(b"v=DKIM1") || KeyRecord::parse(t, &Limits::default()).is_ok()
}

fn looks_like_key(r: &TxtRecord) -> bool {
    text_looks_like_key(&r.joined())
}
