//! `Signature::parse` on arbitrary bytes with the default limits (and with
//! tight ones). What parses must satisfy the invariants the verifier relies
//! on.

use dkim_core::tag_list::TagList;
use dkim_core::{Limits, Signature};

/// The property check of one input.
pub fn check(data: &[u8]) {
    let tight = Limits::default().max_tag_value_bytes(16).max_signed_headers(2);
    let tight_result = Signature::parse(data, &tight);
    let Ok(sig) = Signature::parse(data, &Limits::default()) else {
        assert!(tight_result.is_err(), "tighter limits accept what the defaults refuse");
        return;
    };
    assert!(TagList::parse(data).is_ok(), "a signature whose tag list does not parse");
    assert!(!sig.domain().is_empty() && !sig.selector().is_empty());
    assert!(!sig.signature().is_empty() && !sig.body_hash().is_empty());
    assert!(sig.signed_headers().iter().any(|h| h.eq_ignore_ascii_case("from")), "From not signed: {sig:?}");
    assert!(sig.signed_headers().len() <= Limits::default().max_signed_headers);
    let id_domain = sig.identity_domain().to_ascii_lowercase();
    let domain = sig.domain().to_ascii_lowercase();
    assert!(
        id_domain == domain || id_domain.ends_with(&format!(".{domain}")),
        "identity {:?} outside d={:?}",
        sig.identity(),
        sig.domain()
    );
    if let (Some(t), Some(x)) = (sig.timestamp(), sig.expiration()) {
        assert!(t <= x, "t={t} after x={x}");
    }
    let name = sig.key_name();
    assert_eq!(name, name.to_ascii_lowercase());
    assert_eq!(name, format!("{}._domainkey.{}", sig.selector(), sig.domain()).to_ascii_lowercase());
    if let Ok(tight_sig) = tight_result {
        assert_eq!(tight_sig, sig, "the limits change what a signature means");
    }
}
