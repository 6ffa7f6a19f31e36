//! Algorithms, hashes and keys: the small traits the signer and verifier use,
//! with implementations on RustCrypto's `rsa` (PKCS#1 v1.5) and
//! `ed25519-dalek` (RFC 8463).
//!
//! A signing key sits behind [`SigningKey`], so a remote signer (KMS, HSM) or
//! another crypto backend plugs in without touching canonicalization: the
//! signer hands it the SHA-256 digest of the canonical header block and takes
//! back the signature bytes. The verifier's signature check sits behind
//! [`VerifyingBackend`], chosen per verification with
//! [`Policy::backend`](crate::Policy::backend): [`RustCrypto`] by default, or
//! `AwsLcRs` (AWS-LC through aws-lc-rs) with the `aws-lc-rs` feature.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};
use rsa::pkcs1::EncodeRsaPublicKey as _;
use rsa::pkcs1::der::Decode;
use rsa::traits::PublicKeyParts;
use sha2::Digest as _;

#[cfg(feature = "aws-lc-rs")]
mod aws_lc;
#[cfg(feature = "aws-lc-rs")]
pub use aws_lc::{AwsLcRs, AwsLcRsaSigningKey};

/// Signing algorithm of the `a=` tag.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `rsa-sha1` (RFC 6376; refused for signing and, by default, for
    /// verifying under RFC 8301).
    RsaSha1,
    /// `rsa-sha256` (RFC 6376).
    RsaSha256,
    /// `ed25519-sha256` (RFC 8463).
    Ed25519Sha256,
}

impl Algorithm {
    /// Parses an `a=` value (case-insensitive).
    ///
    /// ```
    /// use dkim_core::Algorithm;
    /// assert_eq!(Algorithm::parse("RSA-SHA256"), Some(Algorithm::RsaSha256));
    /// assert_eq!(Algorithm::parse("rsa-md5"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        [Self::RsaSha1, Self::RsaSha256, Self::Ed25519Sha256].into_iter().find(|a| a.as_str().eq_ignore_ascii_case(s))
    }

    /// The `a=` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RsaSha1 => "rsa-sha1",
            Self::RsaSha256 => "rsa-sha256",
            Self::Ed25519Sha256 => "ed25519-sha256",
        }
    }

    /// The key type this algorithm needs.
    pub fn key_type(self) -> KeyType {
        match self {
            Self::RsaSha1 | Self::RsaSha256 => KeyType::Rsa,
            Self::Ed25519Sha256 => KeyType::Ed25519,
        }
    }

    /// The hash algorithm this algorithm uses.
    pub fn hash(self) -> HashAlgorithm {
        match self {
            Self::RsaSha1 => HashAlgorithm::Sha1,
            Self::RsaSha256 | Self::Ed25519Sha256 => HashAlgorithm::Sha256,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Key type of the key record's `k=` tag.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `k=rsa` (the default).
    Rsa,
    /// `k=ed25519` (RFC 8463).
    Ed25519,
}

impl KeyType {
    /// The `k=` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::Ed25519 => "ed25519",
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Hash algorithm (the part of `a=` after the dash; the key record's `h=`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgorithm {
    /// SHA-1 (historic).
    Sha1,
    /// SHA-256.
    Sha256,
}

impl HashAlgorithm {
    /// The `h=` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
        }
    }

    /// Parses a `h=` item (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Sha1, Self::Sha256].into_iter().find(|h| h.as_str().eq_ignore_ascii_case(s))
    }

    pub(crate) fn hasher(self) -> Hasher {
        match self {
            Self::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            Self::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
        }
    }
}

/// A running hash of one of the supported algorithms.
#[derive(Clone)]
pub(crate) enum Hasher {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl Hasher {
    #[inline]
    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
        }
    }

    pub(crate) fn finalize(self) -> Vec<u8> {
        match self {
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// A public key from a DKIM key record, ready to verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// An RSA public key.
    Rsa(RsaPublicKey),
    /// An Ed25519 public key (the raw 32 bytes of RFC 8463).
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl PublicKey {
    /// The key type.
    pub fn key_type(&self) -> KeyType {
        match self {
            Self::Rsa(_) => KeyType::Rsa,
            Self::Ed25519(_) => KeyType::Ed25519,
        }
    }

    /// Size in bits: the RSA modulus length, or 256 for Ed25519.
    pub fn bits(&self) -> u32 {
        match self {
            Self::Rsa(k) => k.bits,
            Self::Ed25519(_) => 256,
        }
    }

    /// Parses the decoded `p=` bytes of a key record of type `key_type`:
    /// for RSA a SubjectPublicKeyInfo or a bare PKCS#1 `RSAPublicKey`
    /// (both occur in DNS), for Ed25519 exactly 32 raw bytes.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the bytes are not such a key or the RSA modulus is
    /// larger than `max_rsa_bits`.
    pub fn from_record_bytes(key_type: KeyType, der: &[u8], max_rsa_bits: u32) -> Result<Self, KeyError> {
        match key_type {
            KeyType::Rsa => RsaPublicKey::from_der(der, max_rsa_bits).map(Self::Rsa),
            KeyType::Ed25519 => {
                let bytes: &[u8; 32] = der.try_into().map_err(|_| KeyError::Ed25519Length(der.len()))?;
                ed25519_dalek::VerifyingKey::from_bytes(bytes).map(Self::Ed25519).map_err(|_| KeyError::NotAKey)
            }
        }
    }

    /// Checks `signature` over `digest` (the hash of the canonical header
    /// block) with this key and `algorithm`.
    ///
    /// # Errors
    ///
    /// [`VerifyError::KeyTypeMismatch`] when the key does not suit the
    /// algorithm, [`VerifyError::BadSignature`] when the signature does not
    /// verify.
    ///
    /// This is the [`RustCrypto`] backend; [`VerifyingBackend::verify`] runs
    /// another one.
    pub fn verify(&self, algorithm: Algorithm, digest: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
        RustCrypto.verify(self, algorithm, digest, signature)
    }
}

/// The signature check of a verification: a crypto backend.
///
/// The verifier calls it once per signature whose body hash matched, after
/// every policy check (key size, `rsa-sha1`, key record flags) has passed, so
/// a backend decides nothing but the mathematics. Pick one per verification
/// with [`Policy::backend`](crate::Policy::backend); the default is
/// [`RustCrypto`].
///
/// Implement it for another library (an HSM, a hardware accelerator); the key
/// material is in [`PublicKey`] ([`RsaPublicKey::to_pkcs1_der`], or the
/// Ed25519 key's bytes).
///
/// ```
/// use dkim_core::crypto::{Algorithm, PublicKey, RustCrypto, VerifyError, VerifyingBackend};
///
/// /// Hands every check to RustCrypto; a real backend calls its own library.
/// #[derive(Debug)]
/// struct Delegating;
///
/// impl VerifyingBackend for Delegating {
///     fn name(&self) -> &'static str {
///         "delegating"
///     }
///
///     fn verify(&self, key: &PublicKey, a: Algorithm, digest: &[u8], sig: &[u8]) -> Result<(), VerifyError> {
///         RustCrypto.verify(key, a, digest, sig)
///     }
/// }
///
/// let policy = dkim_core::Policy::default().backend(&Delegating);
/// assert_eq!(policy.backend_value().name(), "delegating");
/// ```
pub trait VerifyingBackend: Send + Sync + fmt::Debug {
    /// A short name that identifies the backend (`"rust-crypto"`,
    /// `"aws-lc-rs"`). Two [`Policy`](crate::Policy) values are equal only if
    /// their backends have the same name, so distinct backends need distinct
    /// names.
    fn name(&self) -> &'static str;

    /// Checks `signature` over `digest` (the hash of the canonical header
    /// block, SHA-1 or SHA-256 as `algorithm` says) with `key`.
    ///
    /// # Errors
    ///
    /// [`VerifyError::KeyTypeMismatch`] when the key does not suit the
    /// algorithm, [`VerifyError::BadSignature`] when the signature does not
    /// verify.
    fn verify(&self, key: &PublicKey, algorithm: Algorithm, digest: &[u8], signature: &[u8])
    -> Result<(), VerifyError>;
}

/// The default [`VerifyingBackend`]: RustCrypto's `rsa` (PKCS#1 v1.5) and
/// `ed25519-dalek` (`verify_strict`, RFC 8463). Pure Rust, `no_std`.
///
/// ```
/// use dkim_core::crypto::{Algorithm, PublicKey, RustCrypto, VerifyError, VerifyingBackend};
/// use dkim_core::{Ed25519SigningKey, KeyType, SigningKey};
///
/// let signer = Ed25519SigningKey::from_seed(&[7; 32]);
/// let key = PublicKey::from_record_bytes(KeyType::Ed25519, &signer.public_key_bytes(), 4096)?;
/// let sig = signer.sign_digest(&[1; 32])?;
/// assert_eq!(RustCrypto.verify(&key, Algorithm::Ed25519Sha256, &[1; 32], &sig), Ok(()));
/// assert_eq!(RustCrypto.verify(&key, Algorithm::Ed25519Sha256, &[2; 32], &sig), Err(VerifyError::BadSignature));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RustCrypto;

impl VerifyingBackend for RustCrypto {
    fn name(&self) -> &'static str {
        "rust-crypto"
    }

    fn verify(
        &self,
        key: &PublicKey,
        algorithm: Algorithm,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), VerifyError> {
        match (key, algorithm) {
            (PublicKey::Rsa(k), Algorithm::RsaSha256) => {
                k.key.pkcs1v15_verify_prehash::<sha2::Sha256>(digest, signature).map_err(|_| VerifyError::BadSignature)
            }
            (PublicKey::Rsa(k), Algorithm::RsaSha1) => {
                k.key.pkcs1v15_verify_prehash::<sha1::Sha1>(digest, signature).map_err(|_| VerifyError::BadSignature)
            }
            (PublicKey::Ed25519(k), Algorithm::Ed25519Sha256) => verify_ed25519(k, digest, signature),
            _ => Err(VerifyError::KeyTypeMismatch),
        }
    }
}

/// RFC 8463 with ed25519-dalek's `verify_strict` (no malleable signatures,
/// no small-order keys); every backend uses it.
fn verify_ed25519(key: &ed25519_dalek::VerifyingKey, digest: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
    let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| VerifyError::BadSignature)?;
    key.verify_strict(digest, &sig).map_err(|_| VerifyError::BadSignature)
}

/// An RSA public key and its size.
#[derive(Clone)]
pub struct RsaPublicKey {
    key: rsa::PublicKey,
    bits: u32,
    /// The key as AWS-LC parsed it, made on first use by [`AwsLcRs`].
    #[cfg(feature = "aws-lc-rs")]
    aws_lc: aws_lc::ParsedKeys,
}

impl PartialEq for RsaPublicKey {
    /// Compares the keys (modulus and exponent), never a backend's cache.
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.bits == other.bits
    }
}

impl Eq for RsaPublicKey {}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey").field("key", &self.key).field("bits", &self.bits).finish()
    }
}

const RSA_ENCRYPTION: rsa::pkcs8::ObjectIdentifier = rsa::pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ED25519_OID: rsa::pkcs8::ObjectIdentifier = rsa::pkcs8::ObjectIdentifier::new_unwrap("1.3.101.112");

impl RsaPublicKey {
    /// Parses a DER SubjectPublicKeyInfo or bare PKCS#1 `RSAPublicKey`.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when it is neither, or the modulus exceeds `max_bits`.
    pub fn from_der(der: &[u8], max_bits: u32) -> Result<Self, KeyError> {
        let pkcs1_bytes: &[u8] = match rsa::pkcs8::spki::SubjectPublicKeyInfoRef::from_der(der) {
            Ok(spki) => {
                if spki.algorithm.oid != RSA_ENCRYPTION {
                    return Err(KeyError::NotAKey);
                }
                spki.subject_public_key.as_bytes().ok_or(KeyError::NotAKey)?
            }
            Err(_) => der,
        };
        let pk = rsa::pkcs1::RsaPublicKeyRef::from_der(pkcs1_bytes).map_err(|_| KeyError::NotAKey)?;
        let n_bytes = pk.modulus.as_bytes();
        let e_bytes = pk.public_exponent.as_bytes();
        let n_len = u32::try_from(n_bytes.len()).map_err(|_| KeyError::NotAKey)?;
        if n_len.saturating_mul(8) > max_bits.saturating_add(8) {
            return Err(KeyError::RsaTooLarge { bits: n_len.saturating_mul(8), max: max_bits });
        }
        let n = rsa::BoxedUint::from_be_slice(n_bytes, n_len * 8).map_err(|_| KeyError::NotAKey)?;
        let e_len = u32::try_from(e_bytes.len()).map_err(|_| KeyError::NotAKey)?;
        let e = rsa::BoxedUint::from_be_slice(e_bytes, e_len.max(1) * 8).map_err(|_| KeyError::NotAKey)?;
        let bits = n.bit_width_vartime();
        if bits > max_bits {
            return Err(KeyError::RsaTooLarge { bits, max: max_bits });
        }
        let key = rsa::PublicKey::new_with_size_limits(n, e, 1..=max_bits as usize).map_err(|_| KeyError::NotAKey)?;
        Ok(Self {
            key,
            bits,
            #[cfg(feature = "aws-lc-rs")]
            aws_lc: aws_lc::ParsedKeys::default(),
        })
    }

    /// Modulus length in bits.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The key as a DER PKCS#1 `RSAPublicKey` (modulus and public exponent,
    /// RFC 8017 A.1.1), for handing to another crypto library.
    ///
    /// ```
    /// use dkim_core::crypto::PublicKey;
    /// use dkim_core::{KeyRecord, Limits};
    ///
    /// // The example key of RFC 6376, appendix C.
    /// let record = KeyRecord::parse(
    ///     b"v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFC\
    ///       jxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mc\
    ///       wGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB",
    ///     &Limits::default(),
    /// )?;
    /// let Some(PublicKey::Rsa(key)) = record.public_key() else { unreachable!() };
    /// let der = key.to_pkcs1_der();
    /// assert_eq!(key.bits(), 1024);
    /// assert_eq!(der[..4], [0x30, 0x81, 0x89, 0x02]); // SEQUENCE { INTEGER n, INTEGER e }
    /// assert_eq!(der[der.len() - 5..], [0x02, 0x03, 0x01, 0x00, 0x01]); // e = 65537
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_pkcs1_der(&self) -> Vec<u8> {
        // Encoding two integers this key was decoded from cannot fail.
        self.key.to_pkcs1_der().map(|d| d.into_vec()).unwrap_or_default()
    }
}

/// A key that could not be used.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// An Ed25519 key record must hold exactly 32 bytes (RFC 8463).
    Ed25519Length(usize),
    /// The bytes are not a key of the expected type.
    NotAKey,
    /// The RSA modulus is larger than the configured limit.
    RsaTooLarge {
        /// Modulus length.
        bits: u32,
        /// The limit.
        max: u32,
    },
    /// PEM armour or base64 is broken.
    Pem,
    /// The PEM or DER holds a key of another kind (for example an EC key).
    UnsupportedKeyKind,
    /// RSA signing keys shorter than 1024 bits are refused (RFC 8301).
    RsaTooShort(u32),
    /// The signing backend does not take an RSA key of this size
    /// ([`AwsLcRsaSigningKey`] signs with 2048 to 8192 bits).
    #[cfg(feature = "aws-lc-rs")]
    RsaSizeUnsupported {
        /// Modulus length.
        bits: u32,
        /// The smallest size the backend takes.
        min: u32,
        /// The largest size the backend takes.
        max: u32,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ed25519Length(n) => write!(f, "an Ed25519 key must be 32 raw bytes, this one has {n}"),
            Self::NotAKey => f.write_str("the data is not a valid public key"),
            Self::RsaTooLarge { bits, max } => write!(f, "RSA key of {bits} bits exceeds the limit of {max} bits"),
            Self::Pem => f.write_str("the PEM armour or its base64 content is malformed"),
            Self::UnsupportedKeyKind => f.write_str("the key is neither RSA nor Ed25519"),
            Self::RsaTooShort(bits) => write!(f, "RSA key of {bits} bits is too short to sign (1024 at least)"),
            #[cfg(feature = "aws-lc-rs")]
            Self::RsaSizeUnsupported { bits, min, max } => {
                write!(f, "this signing backend takes RSA keys of {min} to {max} bits, not {bits}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for KeyError {}

/// Why a cryptographic check failed.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The signature does not verify with this key.
    BadSignature,
    /// The key type does not match the algorithm.
    KeyTypeMismatch,
}

/// The private half: signs the digest of the canonical header block.
///
/// Implement this for a remote signer or another crypto backend. `digest` is
/// the SHA-256 hash of the canonical header data; RSA keys return the
/// PKCS#1 v1.5 signature of it, Ed25519 keys the RFC 8463 signature (PureEdDSA
/// over the 32 digest bytes).
pub trait SigningKey {
    /// The algorithm this key signs with.
    fn algorithm(&self) -> Algorithm;

    /// Signs `digest`.
    ///
    /// # Errors
    ///
    /// [`SignError`] when the backend fails.
    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, SignError>;
}

impl<K: SigningKey + ?Sized> SigningKey for Box<K> {
    fn algorithm(&self) -> Algorithm {
        (**self).algorithm()
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        (**self).sign_digest(digest)
    }
}

impl<K: SigningKey + ?Sized> SigningKey for &K {
    fn algorithm(&self) -> Algorithm {
        (**self).algorithm()
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        (**self).sign_digest(digest)
    }
}

impl<K: SigningKey + ?Sized> SigningKey for alloc::sync::Arc<K> {
    fn algorithm(&self) -> Algorithm {
        (**self).algorithm()
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        (**self).sign_digest(digest)
    }
}

/// A signing backend failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignError(pub String);

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "signing failed: {}", self.0)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SignError {}

/// An RSA private key signing with `rsa-sha256`. Zeroized on drop.
///
/// With the `std` feature RSA blinding uses the operating system's random
/// numbers; without it the (constant-time) private operation is unblinded.
#[derive(Clone)]
pub struct RsaSigningKey {
    key: rsa::PrivateKey,
}

impl RsaSigningKey {
    /// From a PKCS#1 `RSAPrivateKey` DER document.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the DER is not an RSA key or it is shorter than 1024 bits.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        let key = rsa::PrivateKey::from_pkcs1_der(der).map_err(|_| KeyError::NotAKey)?;
        Self::from_key(key)
    }

    /// From a PKCS#8 `PrivateKeyInfo` DER document holding an RSA key.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the DER is not an RSA key or it is shorter than 1024 bits.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        use rsa::pkcs8::DecodePrivateKey;
        let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| KeyError::NotAKey)?;
        Self::from_key(key)
    }

    fn from_key(key: rsa::PrivateKey) -> Result<Self, KeyError> {
        let bits = key.n().bit_width_vartime();
        if bits < 1024 {
            return Err(KeyError::RsaTooShort(bits));
        }
        Ok(Self { key })
    }

    /// Modulus length in bits.
    pub fn bits(&self) -> u32 {
        self.key.n().bit_width_vartime()
    }

    /// The public key, as the DER SubjectPublicKeyInfo that goes into `p=`.
    pub fn public_key_der(&self) -> Vec<u8> {
        use rsa::pkcs8::EncodePublicKey;
        self.key.to_public_key().to_public_key_der().map(|d| d.as_bytes().to_vec()).unwrap_or_default()
    }
}

impl fmt::Debug for RsaSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaSigningKey").field("bits", &self.bits()).finish_non_exhaustive()
    }
}

impl SigningKey for RsaSigningKey {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RsaSha256
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        self.key.pkcs1v15_sign_prehash::<sha2::Sha256>(digest).map_err(|e| SignError(alloc::format!("{e}")))
    }
}

/// An Ed25519 private key signing with `ed25519-sha256`. Zeroized on drop.
#[derive(Clone)]
pub struct Ed25519SigningKey {
    key: ed25519_dalek::SigningKey,
}

impl Ed25519SigningKey {
    /// From the 32-byte secret seed (RFC 8032).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self { key: ed25519_dalek::SigningKey::from_bytes(seed) }
    }

    /// From a PKCS#8 `PrivateKeyInfo` DER document (RFC 8410).
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the DER is not an Ed25519 key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = rsa::pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|_| KeyError::NotAKey)?;
        if info.algorithm.oid != ED25519_OID {
            return Err(KeyError::UnsupportedKeyKind);
        }
        // CurvePrivateKey ::= OCTET STRING, inside the privateKey OCTET STRING.
        let inner = <&rsa::pkcs8::der::asn1::OctetStringRef>::from_der(info.private_key.as_bytes())
            .map_err(|_| KeyError::NotAKey)?;
        let seed: &[u8; 32] = inner.as_bytes().try_into().map_err(|_| KeyError::NotAKey)?;
        Ok(Self::from_seed(seed))
    }

    /// The raw 32-byte public key, as it goes base64-encoded into `p=`.
    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }
}

impl fmt::Debug for Ed25519SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519SigningKey").finish_non_exhaustive()
    }
}

impl SigningKey for Ed25519SigningKey {
    fn algorithm(&self) -> Algorithm {
        Algorithm::Ed25519Sha256
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        use ed25519_dalek::Signer as _;
        Ok(self.key.sign(digest).to_bytes().to_vec())
    }
}

/// Either kind of built-in private key, as read from a PEM file.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PrivateKey {
    /// RSA (`rsa-sha256`).
    Rsa(RsaSigningKey),
    /// Ed25519 (`ed25519-sha256`).
    Ed25519(Ed25519SigningKey),
}

impl PrivateKey {
    /// Reads a PEM private key: PKCS#8 (`PRIVATE KEY`, RSA or Ed25519) or
    /// PKCS#1 (`RSA PRIVATE KEY`).
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the PEM is malformed or holds another kind of key.
    ///
    /// ```
    /// use dkim_core::crypto::PrivateKey;
    /// let pem = "-----BEGIN PRIVATE KEY-----\n\
    ///            MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n\
    ///            -----END PRIVATE KEY-----\n";
    /// let key = PrivateKey::from_pem(pem).unwrap();
    /// assert!(matches!(key, PrivateKey::Ed25519(_)));
    /// ```
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (label, der) = decode_pem(pem)?;
        match label.as_str() {
            "RSA PRIVATE KEY" => RsaSigningKey::from_pkcs1_der(&der).map(Self::Rsa),
            "PRIVATE KEY" => match Ed25519SigningKey::from_pkcs8_der(&der) {
                Ok(k) => Ok(Self::Ed25519(k)),
                Err(KeyError::UnsupportedKeyKind) => RsaSigningKey::from_pkcs8_der(&der).map(Self::Rsa),
                Err(e) => Err(e),
            },
            _ => Err(KeyError::UnsupportedKeyKind),
        }
    }

    /// The `p=` value to publish for this key (base64 of the public key).
    pub fn public_key_base64(&self) -> String {
        match self {
            Self::Rsa(k) => Base64::encode_string(&k.public_key_der()),
            Self::Ed25519(k) => Base64::encode_string(&k.public_key_bytes()),
        }
    }
}

impl SigningKey for PrivateKey {
    fn algorithm(&self) -> Algorithm {
        match self {
            Self::Rsa(k) => k.algorithm(),
            Self::Ed25519(k) => k.algorithm(),
        }
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, SignError> {
        match self {
            Self::Rsa(k) => k.sign_digest(digest),
            Self::Ed25519(k) => k.sign_digest(digest),
        }
    }
}

/// Decodes the first PEM block: its label and DER bytes.
fn decode_pem(pem: &str) -> Result<(String, zeroize::Zeroizing<Vec<u8>>), KeyError> {
    let mut lines = pem.lines().map(str::trim).skip_while(|l| !l.starts_with("-----BEGIN "));
    let begin = lines.next().ok_or(KeyError::Pem)?;
    let label = begin.strip_prefix("-----BEGIN ").and_then(|l| l.strip_suffix("-----")).ok_or(KeyError::Pem)?;
    let end = alloc::format!("-----END {label}-----");
    let mut body = zeroize::Zeroizing::new(String::new());
    let mut closed = false;
    for line in lines {
        if line == end {
            closed = true;
            break;
        }
        if line.contains(':') {
            // RFC 1421 headers (encrypted PEM) are not supported.
            return Err(KeyError::Pem);
        }
        body.push_str(line);
    }
    if !closed {
        return Err(KeyError::Pem);
    }
    let der = Base64::decode_vec(&body).map_err(|_| KeyError::Pem)?;
    Ok((label.into(), zeroize::Zeroizing::new(der)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_names_round_trip() {
        for a in [Algorithm::RsaSha1, Algorithm::RsaSha256, Algorithm::Ed25519Sha256] {
            assert_eq!(Algorithm::parse(a.as_str()), Some(a));
        }
        assert_eq!(Algorithm::Ed25519Sha256.key_type(), KeyType::Ed25519);
        assert_eq!(Algorithm::RsaSha1.hash(), HashAlgorithm::Sha1);
    }

    #[test]
    fn ed25519_sign_verify() {
        let k = Ed25519SigningKey::from_seed(&[7; 32]);
        let pk = PublicKey::from_record_bytes(KeyType::Ed25519, &k.public_key_bytes(), 4096).unwrap();
        let digest = [1u8; 32];
        let sig = k.sign_digest(&digest).unwrap();
        assert_eq!(pk.verify(Algorithm::Ed25519Sha256, &digest, &sig), Ok(()));
        assert_eq!(pk.verify(Algorithm::Ed25519Sha256, &[2u8; 32], &sig), Err(VerifyError::BadSignature));
        assert_eq!(pk.verify(Algorithm::RsaSha256, &digest, &sig), Err(VerifyError::KeyTypeMismatch));
    }

    #[test]
    fn ed25519_wrong_length() {
        assert_eq!(PublicKey::from_record_bytes(KeyType::Ed25519, &[0; 44], 4096), Err(KeyError::Ed25519Length(44)));
    }

    #[test]
    fn pem_errors() {
        assert_eq!(PrivateKey::from_pem("nothing").unwrap_err(), KeyError::Pem);
        assert_eq!(
            PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----").unwrap_err(),
            KeyError::Pem
        );
        assert_eq!(
            PrivateKey::from_pem("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----").unwrap_err(),
            KeyError::UnsupportedKeyKind
        );
    }
}
