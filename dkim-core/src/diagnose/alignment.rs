//! DMARC alignment (RFC 7489 section 3.1.1): the From domain, and whether
//! each passing signature's `d=` is that domain (strict) or shares its
//! organizational domain, the registrable domain per the Public Suffix List
//! (relaxed).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Code, Diagnosis, Evidence, Severity, lossy, normalize_name};
use crate::header::HeaderBlock;
use crate::result::{SignatureResult, Verdict};

/// The domain of the single From address, or a `from-unusable` diagnosis.
pub(super) fn from_domain(block: &HeaderBlock, out: &mut Vec<Diagnosis>) -> Option<String> {
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

/// The alignment findings: one per passing signature, and
/// `dmarc-no-aligned-pass` when none aligns.
pub(super) fn alignment(from: &str, results: &[SignatureResult], out: &mut Vec<Diagnosis>) {
    let from_org = organizational_domain(from);
    let mut aligned_one = None;
    for r in results.iter().filter(|r| r.verdict() == Verdict::Pass) {
        let Some(d) = r.signature().map(|s| normalize_name(s.domain())) else { continue };
        let mut diag = signature_alignment(from, &from_org, &d, r.index());
        if matches!(diag.code, Code::DmarcAligned | Code::DmarcRelaxedOnly)
            && *aligned_one.get_or_insert(r.index()) == r.index()
            && results.len() > 1
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

/// How the passing signature `index`, with `d=` `d`, aligns with `from`
/// (whose organizational domain is `from_org`).
fn signature_alignment(from: &str, from_org: &str, d: &str, index: usize) -> Diagnosis {
    let org = organizational_domain(d);
    let (code, severity, msg) = if d == from {
        (
            Code::DmarcAligned,
            Severity::Note,
            format!("This signature passes and d={d} is the From domain: it aligns for DMARC (strict and relaxed)."),
        )
    } else if org == from_org {
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
    Diagnosis::new(code, severity, Some(index), msg)
        .with(Evidence::Tag { name: "d".into(), value: d.into() })
        .with(Evidence::FromDomain(from.into()))
        .with(Evidence::OrganizationalDomain(org))
}

/// The registrable domain per the Public Suffix List (the domain itself when
/// it is a public suffix or unknown).
pub(super) fn organizational_domain(domain: &str) -> String {
    let domain = normalize_name(domain);
    psl::domain_str(&domain).map_or_else(|| domain.clone(), String::from)
}

/// The domain of the one address in a From value, lower-cased.
pub(super) fn address_domain(value: &[u8]) -> Option<String> {
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
