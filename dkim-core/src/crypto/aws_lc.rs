//! The `aws-lc-rs` feature: [`AwsLcRs`], a [`VerifyingBackend`] on AWS-LC
//! (C and assembly, through aws-lc-rs), and [`AwsLcRsaSigningKey`].
//!
//! AWS-LC does the RSA mathematics; Ed25519 stays on ed25519-dalek's
//! `verify_strict` in every backend, so RFC 8463's strictness never depends
//! on the choice.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::ops::RangeInclusive;
use std::sync::OnceLock;

use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
    RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, RSA_PKCS1_SHA256, RsaKeyPair, RsaParameters,
};
use rsa::pkcs1::der::Decode;

use super::{
    Algorithm, CryptoError, KeyError, PublicKey, RsaPublicKey, RustCrypto, SigningKey, VerifyingBackend,
    public::RSA_ENCRYPTION, verify_ed25519,
};

/// RSA sizes AWS-LC verifies (its `RSA_PKCS1_1024_8192_*` parameters).
const VERIFY_BITS: RangeInclusive<u32> = 1024..=8192;

/// RSA sizes AWS-LC signs with.
const SIGN_BITS: RangeInclusive<u32> = 2048..=8192;

/// A [`VerifyingBackend`] on AWS-LC: RSA PKCS#1 v1.5 (`rsa-sha256`,
/// `rsa-sha1`) at OpenSSL speed. Needs the `aws-lc-rs` feature.
///
/// - Keys AWS-LC does not verify with (under 1024 or over 8192 bits; only a
///   [`Policy::danger_min_rsa_bits`](crate::Policy::danger_min_rsa_bits)
///   below 1024 or a [`Limits::max_rsa_bits`](crate::Limits::max_rsa_bits)
///   above 8192 lets them through) are checked by [`RustCrypto`], so a
///   verdict never depends on the backend. Key-size policy stays in
///   [`Policy`](crate::Policy).
/// - The key is parsed into AWS-LC on its first check and kept inside the
///   [`PublicKey`] (one parse per key and hash, shared by its clones made
///   after that), which saves about a tenth of an RSA-2048 check when one key
///   checks several signatures.
/// - Ed25519 uses ed25519-dalek's `verify_strict`, as [`RustCrypto`] does.
///
/// ```
/// use dkim_core::{AwsLcRs, KeyAnswer, Now, Policy, PrivateKey, Signer, Verdict, verify};
///
/// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
/// let key = PrivateKey::from_pem(&pem)?;
/// let record = key.dns_record();
/// let message = b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n";
/// let field = Signer::builder(key, "example.com", "2026rsa").timestamp(1_700_000_000).build()?.sign(message)?;
/// let signed = [field.as_bytes(), message].concat();
///
/// let policy = Policy::default().backend(&AwsLcRs);
/// let results = verify(&signed, &policy, Now::unix(1_700_000_100), |_| KeyAnswer::text(record.text()))?;
/// assert_eq!(results[0].verdict(), Verdict::Pass);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AwsLcRs;

impl VerifyingBackend for AwsLcRs {
    fn name(&self) -> &'static str {
        "aws-lc-rs"
    }

    fn verify(
        &self,
        key: &PublicKey,
        algorithm: Algorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        match (key, algorithm) {
            (PublicKey::Rsa(k), Algorithm::RsaSha1 | Algorithm::RsaSha256) => {
                let Some((parsed, hash)) = k.aws_lc.parsed(k, algorithm) else {
                    return RustCrypto.verify(key, algorithm, digest, signature);
                };
                let digest = Digest::import_less_safe(digest, hash).map_err(|_| CryptoError::BadSignature)?;
                parsed.verify_digest_sig(&digest, signature).map_err(|_| CryptoError::BadSignature)
            }
            (PublicKey::Ed25519(k), Algorithm::Ed25519Sha256) => verify_ed25519(k, digest, signature),
            _ => Err(CryptoError::KeyTypeMismatch),
        }
    }
}

/// An [`RsaPublicKey`] as AWS-LC parsed it, one per hash (AWS-LC binds a
/// parsed key to its verification parameters); `None` when AWS-LC does not
/// take the key.
///
/// The cells are shared by every clone of the key: a verification works on
/// a copy of the key its record holds (a record a key cache keeps for many
/// messages), and the key parsed for the first signature must serve the
/// next ones. Cells of their own per clone had AWS-LC parse the key again
/// for every signature of every message.
#[derive(Clone, Default)]
pub(super) struct ParsedKeys {
    sha1: Arc<OnceLock<Option<ParsedPublicKey>>>,
    sha256: Arc<OnceLock<Option<ParsedPublicKey>>>,
}

impl ParsedKeys {
    /// The parsed key and digest algorithm for `algorithm` (an RSA one),
    /// parsing `key` on first use.
    fn parsed(
        &self,
        key: &RsaPublicKey,
        algorithm: Algorithm,
    ) -> Option<(&ParsedPublicKey, &'static digest::Algorithm)> {
        let (cell, params, hash): (_, &'static RsaParameters, _) = match algorithm {
            Algorithm::RsaSha1 => {
                (&self.sha1, &RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY, &digest::SHA1_FOR_LEGACY_USE_ONLY)
            }
            _ => (&self.sha256, &RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, &digest::SHA256),
        };
        let parsed = cell.get_or_init(|| {
            if !VERIFY_BITS.contains(&key.bits()) {
                return None;
            }
            ParsedPublicKey::new(params, key.to_pkcs1_der()).ok()
        });
        parsed.as_ref().map(|p| (p, hash))
    }
}

/// An RSA private key held by AWS-LC, signing with `rsa-sha256`. Needs the
/// `aws-lc-rs` feature.
///
/// AWS-LC signs with keys of 2048 to 8192 bits only; for a 1024-bit key
/// (which RFC 8301 still allows) use [`RsaSigningKey`](super::RsaSigningKey).
/// Its signatures are byte-for-byte those of `RsaSigningKey` (PKCS#1 v1.5 is
/// deterministic).
///
/// ```
/// use base64ct::Encoding as _;
/// use dkim_core::{AwsLcRsaSigningKey, SigningKey};
///
/// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
/// # let der = base64ct::Base64::decode_vec(&pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>())?;
/// // `der`: a PKCS#8 `PrivateKeyInfo` (a `-----BEGIN PRIVATE KEY-----` PEM, decoded).
/// let key = AwsLcRsaSigningKey::from_pkcs8_der(&der)?;
/// assert_eq!(key.bits(), 2048);
/// assert_eq!(key.sign_digest(&[0; 32])?.len(), 256);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AwsLcRsaSigningKey {
    key: RsaKeyPair,
    bits: u32,
}

impl AwsLcRsaSigningKey {
    /// From a PKCS#1 `RSAPrivateKey` DER document.
    ///
    /// # Errors
    ///
    /// [`KeyError::NotAKey`] when the DER is not an RSA key (or AWS-LC finds
    /// it inconsistent), [`KeyError::RsaTooShort`] under 1024 bits,
    /// [`KeyError::RsaSizeUnsupported`] for 1024 to 2047 bits or more than
    /// 8192.
    ///
    /// ```
    /// use dkim_core::AwsLcRsaSigningKey;
    /// # use base64ct::{Base64, Encoding as _};
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// # let pkcs8 = Base64::decode_vec(&pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>())?;
    /// // A PKCS#1 `RSAPrivateKey` (a `-----BEGIN RSA PRIVATE KEY-----` PEM, decoded);
    /// // here the one inside a PKCS#8 document, which starts at byte 26 for this key.
    /// let der = &pkcs8[26..];
    /// let key = AwsLcRsaSigningKey::from_pkcs1_der(der)?;
    /// assert_eq!(key.bits(), 2048);
    /// assert!(AwsLcRsaSigningKey::from_pkcs1_der(&pkcs8).is_err()); // PKCS#8 is not PKCS#1
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        let bits = check_sign_bits(der)?;
        let key = RsaKeyPair::from_der(der).map_err(|_| KeyError::NotAKey)?;
        Ok(Self { key, bits })
    }

    /// From a PKCS#8 `PrivateKeyInfo` DER document holding an RSA key.
    ///
    /// # Errors
    ///
    /// As [`AwsLcRsaSigningKey::from_pkcs1_der`], and
    /// [`KeyError::UnsupportedKeyKind`] for a key that is not RSA.
    ///
    /// ```
    /// use base64ct::{Base64, Encoding as _};
    /// use dkim_core::{AwsLcRsaSigningKey, KeyError};
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// # let der = Base64::decode_vec(&pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>())?;
    /// let key = AwsLcRsaSigningKey::from_pkcs8_der(&der)?;
    /// assert_eq!(key.bits(), 2048);
    /// // A PKCS#8 Ed25519 key is not for this backend.
    /// let ed25519 = Base64::decode_vec("MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g")?;
    /// assert_eq!(AwsLcRsaSigningKey::from_pkcs8_der(&ed25519).err(), Some(KeyError::UnsupportedKeyKind));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = rsa::pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|_| KeyError::NotAKey)?;
        if info.algorithm.oid != RSA_ENCRYPTION {
            return Err(KeyError::UnsupportedKeyKind);
        }
        let bits = check_sign_bits(info.private_key.as_bytes())?;
        let key = RsaKeyPair::from_pkcs8(der).map_err(|_| KeyError::NotAKey)?;
        Ok(Self { key, bits })
    }

    /// From a PEM document: PKCS#8 (`PRIVATE KEY`) or PKCS#1
    /// (`RSA PRIVATE KEY`), as [`PrivateKey::from_pem`](super::PrivateKey::from_pem)
    /// reads them.
    ///
    /// ```
    /// use dkim_core::AwsLcRsaSigningKey;
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem");
    /// let key = AwsLcRsaSigningKey::from_pem(&std::fs::read_to_string(path)?)?;
    /// assert_eq!(key.bits(), 2048);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`KeyError::Pem`] for a malformed or encrypted PEM,
    /// [`KeyError::UnsupportedKeyKind`] for another label or a key that is
    /// not RSA, and the errors of the DER constructors.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = super::signing::decode_pem(pem)?;
        match label.as_str() {
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&der),
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            _ => Err(KeyError::UnsupportedKeyKind),
        }
    }

    /// Modulus length in bits.
    ///
    /// ```
    /// use dkim_core::AwsLcRsaSigningKey;
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem");
    /// let key = AwsLcRsaSigningKey::from_pem(&std::fs::read_to_string(path)?)?;
    /// assert_eq!(key.bits(), 2048);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The public key, as the DER SubjectPublicKeyInfo that goes into `p=`.
    ///
    /// ```
    /// use dkim_core::{AwsLcRsaSigningKey, KeyType, PrivateKey, PublicKey};
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem");
    /// # let pem = std::fs::read_to_string(path)?;
    /// let key = AwsLcRsaSigningKey::from_pem(&pem)?;
    /// let spki = key.public_key_der();
    /// assert_eq!(PublicKey::from_record_bytes(KeyType::Rsa, &spki, 8192)?.bits(), 2048);
    /// // The same bytes as the pure-Rust key gives.
    /// let Ok(PrivateKey::Rsa(rust)) = PrivateKey::from_pem(&pem) else { unreachable!() };
    /// assert_eq!(spki, rust.public_key_der());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn public_key_der(&self) -> Vec<u8> {
        // Marshalling the public half of a key AWS-LC has loaded does not fail.
        self.key.public_key().as_der().map(|d| d.as_ref().to_vec()).unwrap_or_default()
    }
}

/// The modulus size of a PKCS#1 `RSAPrivateKey`, if AWS-LC signs with it.
fn check_sign_bits(pkcs1: &[u8]) -> Result<u32, KeyError> {
    let key = rsa::pkcs1::RsaPrivateKeyRef::from_der(pkcs1).map_err(|_| KeyError::NotAKey)?;
    let n = key.modulus.as_bytes();
    let first = n.first().copied().unwrap_or(0);
    let bits = u32::try_from(n.len())
        .ok()
        .and_then(|len| len.checked_mul(8))
        .and_then(|b| b.checked_sub(first.leading_zeros()))
        .ok_or(KeyError::NotAKey)?;
    if bits < 1024 {
        return Err(KeyError::RsaTooShort(bits));
    }
    if !SIGN_BITS.contains(&bits) {
        return Err(KeyError::RsaSizeUnsupported { bits, min: *SIGN_BITS.start(), max: *SIGN_BITS.end() });
    }
    Ok(bits)
}

impl fmt::Debug for AwsLcRsaSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsLcRsaSigningKey").field("bits", &self.bits).finish_non_exhaustive()
    }
}

impl SigningKey for AwsLcRsaSigningKey {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RsaSha256
    }

    fn bits(&self) -> Option<u32> {
        u32::try_from(self.key.public_modulus_len() * 8).ok()
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let digest = Digest::import_less_safe(digest, &digest::SHA256)
            .map_err(|_| CryptoError::DigestLength { expected: 32, actual: digest.len() })?;
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key.sign_digest(&RSA_PKCS1_SHA256, &digest, &mut signature).map_err(CryptoError::backend)?;
        Ok(signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_record::KeyRecord;
    use crate::policy::Limits;

    /// The example RSA-2048 key's public half, as a record holds it.
    fn record_key() -> RsaPublicKey {
        let pem = include_str!("../../../examples/data/rsa2048.pem");
        let key = crate::PrivateKey::from_pem(pem).expect("example key");
        let record = KeyRecord::parse(key.dns_record().text().as_bytes(), &Limits::default()).expect("record");
        match record.public_key() {
            Some(PublicKey::Rsa(k)) => k.clone(),
            other => panic!("not an RSA key: {other:?}"),
        }
    }

    #[test]
    fn a_key_parsed_through_a_clone_is_parsed_for_every_clone() {
        let held = record_key();
        let copy = held.clone(); // what a verification takes
        assert!(held.aws_lc.sha256.get().is_none());
        assert!(copy.aws_lc.parsed(&copy, Algorithm::RsaSha256).is_some());
        // The key the record holds, and a copy taken later, have it parsed.
        assert!(held.aws_lc.sha256.get().is_some_and(Option::is_some));
        assert!(held.clone().aws_lc.sha256.get().is_some());
        // Each hash has its own parameters.
        assert!(held.aws_lc.sha1.get().is_none());
    }
}
