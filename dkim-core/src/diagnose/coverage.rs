//! Which header fields a signature covers: `header-not-signed` and
//! `header-unsigned-duplicate`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Code, Diagnosis, Evidence, Severity, lossy};
use crate::header::HeaderBlock;
use crate::result::SignatureResult;
use crate::signature::Signature;

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

/// The header coverage findings for `sig`.
pub(super) fn header_coverage(
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
    fields_not_signed(block, &signed, i, out);
    unsigned_duplicates(block, &signed, i, out);
}

/// `header-not-signed`: the names present with no instance signed (trace
/// fields aside). `signed[k]` says whether field `k` is signed.
fn fields_not_signed(block: &HeaderBlock, signed: &[bool], i: Option<usize>, out: &mut Vec<Diagnosis>) {
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
}

/// `header-unsigned-duplicate`: an unsigned From or Subject beside a signed
/// one.
fn unsigned_duplicates(block: &HeaderBlock, signed: &[bool], i: Option<usize>, out: &mut Vec<Diagnosis>) {
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
