//! The three ARC field parsers on arbitrary bytes: `ArcSeal::parse` and
//! `ArcMessageSignature::parse` (default and tight limits) and
//! `aar_instance`. The whole input is the field value (after the colon);
//! every parser reads every input.
//!
//! Properties: what parses has an instance from 1 to 50; a seal's key name
//! is `selector._domainkey.domain` in lower case and its domain is lower
//! case; an AMS signs `From` and has no identity of its own (`i=` is the
//! instance, so the identity is `@` and `d=`); `aar_instance`'s rest is a
//! suffix of the input after the `;` that ends `i=N`, and is not blank;
//! tighter limits never accept more nor change what parses; two parsers
//! that both accept a value read the same instance from it (the chain
//! groups fields by instance with `aar_instance` first, see
//! `dkim_core::arc`).

use dkim_core::Limits;
use dkim_core::arc::{ArcMessageSignature, ArcSeal, MAX_INSTANCES, aar_instance};
use dkim_core::tag_list::TagList;

/// The property check of one input.
pub fn check(data: &[u8]) {
    let tight = Limits::default().max_tag_value_bytes(16).max_signed_headers(2);
    let seal = check_seal(data, &tight);
    let ams = check_ams(data, &tight);
    let aar = check_aar(data);
    let instances = [seal, ams, aar];
    let agreed: Vec<u32> = instances.iter().flatten().copied().collect();
    assert!(agreed.windows(2).all(|w| w[0] == w[1]), "parsers read different instances (AS, AMS, AAR): {instances:?}");
}

fn check_seal(data: &[u8], tight: &Limits) -> Option<u32> {
    let tight_result = ArcSeal::parse(data, tight);
    let Ok(seal) = ArcSeal::parse(data, &Limits::default()) else {
        assert!(tight_result.is_err(), "tighter limits accept an ARC-Seal the defaults refuse");
        return None;
    };
    assert!((1..=MAX_INSTANCES).contains(&seal.instance()), "ARC-Seal i={}", seal.instance());
    let tags = TagList::parse(data).expect("an ARC-Seal whose tag list does not parse");
    assert!(tags.get("h").is_none(), "an ARC-Seal with h=");
    assert_eq!(seal.timestamp().is_some(), tags.get("t").is_some());
    assert!(!seal.domain().is_empty() && !seal.selector().is_empty());
    assert_eq!(seal.domain(), seal.domain().to_ascii_lowercase());
    assert_eq!(seal.key_name(), format!("{}._domainkey.{}", seal.selector(), seal.domain()).to_ascii_lowercase());
    if let Ok(tight_seal) = tight_result {
        assert_eq!(tight_seal, seal, "the limits change what an ARC-Seal means");
    }
    Some(seal.instance())
}

fn check_ams(data: &[u8], tight: &Limits) -> Option<u32> {
    let tight_result = ArcMessageSignature::parse(data, tight);
    let Ok(ams) = ArcMessageSignature::parse(data, &Limits::default()) else {
        assert!(tight_result.is_err(), "tighter limits accept an ARC-Message-Signature the defaults refuse");
        return None;
    };
    assert!((1..=MAX_INSTANCES).contains(&ams.instance()), "ARC-Message-Signature i={}", ams.instance());
    assert!(TagList::parse(data).is_ok(), "an ARC-Message-Signature whose tag list does not parse");
    let sig = ams.signature();
    assert!(!sig.domain().is_empty() && !sig.selector().is_empty());
    assert!(!sig.signature().is_empty() && !sig.body_hash().is_empty());
    assert!(sig.signed_headers().iter().any(|h| h.eq_ignore_ascii_case("from")), "From not signed: {sig:?}");
    assert!(
        sig.identity_domain().eq_ignore_ascii_case(sig.domain()),
        "AMS identity {:?} is not d={:?}",
        sig.identity(),
        sig.domain()
    );
    assert_eq!(sig.key_name(), format!("{}._domainkey.{}", sig.selector(), sig.domain()).to_ascii_lowercase());
    if let Ok(tight_ams) = tight_result {
        assert_eq!(tight_ams, ams, "the limits change what an ARC-Message-Signature means");
    }
    Some(ams.instance())
}

fn check_aar(data: &[u8]) -> Option<u32> {
    let (instance, rest) = aar_instance(data).ok()?;
    assert!((1..=MAX_INSTANCES).contains(&instance), "ARC-Authentication-Results i={instance}");
    assert!(data.ends_with(rest), "the rest is not a suffix of the input");
    let head = &data[..data.len() - rest.len()];
    assert_eq!(head.last(), Some(&b';'), "the rest does not start after a ';'");
    assert_eq!(head.iter().filter(|&&b| b == b';').count(), 1, "the rest does not start after the first ';'");
    assert!(rest.iter().any(|b| !b" \t\r\n".contains(b)), "a blank rest: {rest:?}");
    let digits: Vec<u8> = head.iter().copied().filter(u8::is_ascii_digit).collect();
    let number: u32 = std::str::from_utf8(&digits).ok().and_then(|s| s.parse().ok()).expect("i= has digits");
    assert_eq!(number, instance, "i= reads {instance} from {head:?}");
    Some(instance)
}
