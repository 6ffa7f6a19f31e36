//! RFC 8463 Appendix A, kept in the repository (`dkim-testkit/data/rfc8463/`,
//! provenance in `data/README.md`): the RFC 6376 example message signed with
//! `ed25519-sha256` (selector `brisbane`) and `rsa-sha256` (selector
//! `test`, 1024 bits) under `football.example.com`, the two secret keys and
//! the two key records. Published test keys: never use them for real mail.
//!
//! ```
//! use dkim_core::{Now, Policy, Verdict};
//! use dkim_testkit::rfc8463;
//!
//! let results = dkim_testkit::verify(rfc8463::MESSAGE, &rfc8463::zone(), Policy::default(), Now::unix(rfc8463::SIGNED_AT), 0)?;
//! assert_eq!(results.iter().map(|r| r.verdict()).collect::<Vec<_>>(), [Verdict::Pass, Verdict::Pass]);
//! # Ok::<(), String>(())
//! ```

use dkim_core::{Ed25519SigningKey, PrivateKey};
use dkim_dns::ZoneFile;

/// A.3: the signed message, CRLF line ends; signature 1 is Ed25519, 2 RSA.
pub const MESSAGE: &[u8] = include_bytes!("../data/rfc8463/message.eml");

/// The A.3 message without its `DKIM-Signature` fields: the signing input.
pub const UNSIGNED: &[u8] = include_bytes!("../data/rfc8463/unsigned.eml");

/// A.2: both key records, in the corpus zone format.
pub const ZONE: &str = include_str!("../data/rfc8463/dns.zone");

/// A.1: the Ed25519 secret key, its 32-byte seed in base64 (RFC 8032
/// section 7.1, TEST 1).
pub const ED25519_SEED_BASE64: &str = include_str!("../data/rfc8463/ed25519.seed.b64");

/// The Ed25519 public key in base64: the `p=` of the `brisbane` record.
pub const ED25519_PUBLIC_BASE64: &str = include_str!("../data/rfc8463/ed25519.pub.b64");

/// A.1: the RSA secret key, PKCS#1 PEM.
pub const RSA_PEM: &str = include_str!("../data/rfc8463/rsa.pem");

/// The signatures' `d=`.
pub const DOMAIN: &str = "football.example.com";

/// The Ed25519 signature's `s=`.
pub const ED25519_SELECTOR: &str = "brisbane";

/// The RSA signature's `s=`.
pub const RSA_SELECTOR: &str = "test";

/// Both signatures' `t=`.
pub const SIGNED_AT: u64 = 1_528_637_909;

/// The key records, as a zone.
pub fn zone() -> ZoneFile {
    crate::zone(ZONE)
}

/// The Ed25519 key, from its seed.
///
/// ```
/// let key = dkim_testkit::rfc8463::ed25519_key();
/// assert_eq!(key.public_key_base64(), dkim_testkit::rfc8463::ED25519_PUBLIC_BASE64.trim());
/// ```
///
/// # Panics
///
/// Never with the file kept here (a 32-byte seed in base64).
pub fn ed25519_key() -> PrivateKey {
    use base64ct::Encoding as _;
    let seed = base64ct::Base64::decode_vec(ED25519_SEED_BASE64.trim()).expect("the seed is base64");
    let seed: [u8; 32] = seed.try_into().expect("the seed is 32 bytes");
    PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&seed))
}

/// The RSA key.
///
/// # Panics
///
/// Never with the file kept here (a PKCS#1 PEM key).
pub fn rsa_key() -> PrivateKey {
    PrivateKey::from_pem(RSA_PEM).expect("the RFC 8463 RSA key reads")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_the_published_records() {
        let zone = zone();
        let record = |selector: &str| {
            let name = format!("{selector}._domainkey.{DOMAIN}");
            let (_, _, txt) = zone.txt_records().find(|(n, _, _)| *n == name).expect("record");
            String::from_utf8(txt.joined()).expect("ascii")
        };
        let ed = ed25519_key();
        assert_eq!(ed.public_key_base64(), ED25519_PUBLIC_BASE64.trim());
        assert_eq!(record(ED25519_SELECTOR), format!("v=DKIM1; k=ed25519; p={}", ed.public_key_base64()));
        assert_eq!(record(RSA_SELECTOR), format!("v=DKIM1; k=rsa; p={}", rsa_key().public_key_base64()));
        assert!(MESSAGE.ends_with(UNSIGNED), "the signature fields come first");
    }
}
