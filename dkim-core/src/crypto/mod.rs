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

use alloc::vec::Vec;
use core::fmt;

use sha2::Digest as _;

#[cfg(feature = "aws-lc-rs")]
mod aws_lc;
#[cfg(feature = "aws-lc-rs")]
pub use aws_lc::{AwsLcRs, AwsLcRsaSigningKey};

mod public;
mod rsa_verify;
mod signing;
pub use public::{PublicKey, RsaPublicKey};
pub use signing::{Ed25519SigningKey, PrivateKey, RsaSigningKey, SigningKey};

/// Signing algorithm of the `a=` tag.
///
/// ```
/// use dkim_core::{Algorithm, HashAlgorithm, KeyType};
/// let a = Algorithm::parse("ed25519-sha256").ok_or("unknown a=")?;
/// assert_eq!(a, Algorithm::Ed25519Sha256);
/// assert_eq!(a.key_type(), KeyType::Ed25519);
/// assert_eq!(a.hash(), HashAlgorithm::Sha256);
/// assert_eq!(a.to_string(), "ed25519-sha256");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    ///
    /// ```
    /// use dkim_core::Algorithm;
    /// assert_eq!(Algorithm::RsaSha256.as_str(), "rsa-sha256");
    /// assert_eq!(Algorithm::Ed25519Sha256.as_str(), "ed25519-sha256");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RsaSha1 => "rsa-sha1",
            Self::RsaSha256 => "rsa-sha256",
            Self::Ed25519Sha256 => "ed25519-sha256",
        }
    }

    /// The key type this algorithm needs.
    ///
    /// ```
    /// use dkim_core::{Algorithm, KeyType};
    /// assert_eq!(Algorithm::RsaSha1.key_type(), KeyType::Rsa);
    /// assert_eq!(Algorithm::RsaSha256.key_type(), KeyType::Rsa);
    /// assert_eq!(Algorithm::Ed25519Sha256.key_type(), KeyType::Ed25519);
    /// ```
    pub fn key_type(self) -> KeyType {
        match self {
            Self::RsaSha1 | Self::RsaSha256 => KeyType::Rsa,
            Self::Ed25519Sha256 => KeyType::Ed25519,
        }
    }

    /// The hash algorithm this algorithm uses.
    ///
    /// ```
    /// use dkim_core::{Algorithm, HashAlgorithm};
    /// assert_eq!(Algorithm::RsaSha1.hash(), HashAlgorithm::Sha1);
    /// assert_eq!(Algorithm::RsaSha256.hash(), HashAlgorithm::Sha256);
    /// assert_eq!(Algorithm::Ed25519Sha256.hash(), HashAlgorithm::Sha256);
    /// ```
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
///
/// ```
/// use dkim_core::{KeyRecord, KeyType, Limits};
/// let record = KeyRecord::parse(b"v=DKIM1; p=", &Limits::default())?;
/// assert_eq!(record.key_type(), KeyType::Rsa); // no k=: RSA
/// assert_eq!(KeyType::Ed25519.to_string(), "ed25519");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    ///
    /// ```
    /// use dkim_core::KeyType;
    /// assert_eq!(KeyType::Rsa.as_str(), "rsa");
    /// assert_eq!(KeyType::Ed25519.as_str(), "ed25519");
    /// ```
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
///
/// ```
/// use dkim_core::{HashAlgorithm, KeyRecord, Limits};
/// let record = KeyRecord::parse(b"v=DKIM1; h=sha256; p=", &Limits::default())?;
/// assert!(record.allows_hash(HashAlgorithm::Sha256));
/// assert!(!record.allows_hash(HashAlgorithm::Sha1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    ///
    /// ```
    /// use dkim_core::HashAlgorithm;
    /// assert_eq!(HashAlgorithm::Sha1.as_str(), "sha1");
    /// assert_eq!(HashAlgorithm::Sha256.as_str(), "sha256");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
        }
    }

    /// Parses a `h=` item (case-insensitive).
    ///
    /// ```
    /// use dkim_core::HashAlgorithm;
    /// assert_eq!(HashAlgorithm::parse("SHA256"), Some(HashAlgorithm::Sha256));
    /// assert_eq!(HashAlgorithm::parse("sha1"), Some(HashAlgorithm::Sha1));
    /// assert_eq!(HashAlgorithm::parse("md5"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Sha1, Self::Sha256].into_iter().find(|h| h.as_str().eq_ignore_ascii_case(s))
    }

    /// Bytes of a digest.
    pub(crate) fn digest_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
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
/// use dkim_core::crypto::{Algorithm, PublicKey, RustCrypto, CryptoError, VerifyingBackend};
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
///     fn verify(&self, key: &PublicKey, a: Algorithm, digest: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
///         RustCrypto.verify(key, a, digest, sig)
///     }
/// }
///
/// let policy = dkim_core::Policy::default().backend(&Delegating);
/// assert_ne!(policy, dkim_core::Policy::default()); // backends compare by name
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
    /// [`CryptoError::KeyTypeMismatch`] when the key does not suit the
    /// algorithm, [`CryptoError::BadSignature`] when the signature does not
    /// verify.
    fn verify(&self, key: &PublicKey, algorithm: Algorithm, digest: &[u8], signature: &[u8])
    -> Result<(), CryptoError>;
}

/// The default [`VerifyingBackend`]: RustCrypto's `rsa` (PKCS#1 v1.5) and
/// `ed25519-dalek` (`verify_strict`, RFC 8463). Pure Rust, `no_std`.
///
/// ```
/// use dkim_core::crypto::{Algorithm, PublicKey, RustCrypto, CryptoError, VerifyingBackend};
/// use dkim_core::{Ed25519SigningKey, KeyType, SigningKey};
///
/// let signer = Ed25519SigningKey::from_seed(&[7; 32]);
/// let key = PublicKey::from_record_bytes(KeyType::Ed25519, &signer.public_key_bytes(), 4096)?;
/// let sig = signer.sign_digest(&[1; 32])?;
/// assert_eq!(RustCrypto.verify(&key, Algorithm::Ed25519Sha256, &[1; 32], &sig), Ok(()));
/// assert_eq!(RustCrypto.verify(&key, Algorithm::Ed25519Sha256, &[2; 32], &sig), Err(CryptoError::BadSignature));
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
    ) -> Result<(), CryptoError> {
        match (key, algorithm) {
            (PublicKey::Rsa(k), Algorithm::RsaSha256) => {
                rsa_verify::verify(&k.key, rsa_verify::SHA256_PREFIX, digest, signature)
            }
            (PublicKey::Rsa(k), Algorithm::RsaSha1) => {
                rsa_verify::verify(&k.key, rsa_verify::SHA1_PREFIX, digest, signature)
            }
            (PublicKey::Ed25519(k), Algorithm::Ed25519Sha256) => verify_ed25519(k, digest, signature),
            _ => Err(CryptoError::KeyTypeMismatch),
        }
    }
}

/// RFC 8463 with ed25519-dalek's `verify_strict` (no malleable signatures,
/// no small-order keys); every backend uses it.
fn verify_ed25519(key: &ed25519_dalek::VerifyingKey, digest: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
    let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| CryptoError::BadSignature)?;
    key.verify_strict(digest, &sig).map_err(|_| CryptoError::BadSignature)
}

/// A key that could not be used.
///
/// ```
/// use dkim_core::{KeyError, KeyType, PrivateKey, PublicKey};
/// assert_eq!(PublicKey::from_record_bytes(KeyType::Ed25519, &[0; 31], 8192), Err(KeyError::Ed25519Length(31)));
/// assert_eq!(PrivateKey::from_pem("not a key").err(), Some(KeyError::Pem));
/// let encrypted = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
/// assert_eq!(PrivateKey::from_pem(encrypted).err(), Some(KeyError::EncryptedPrivateKey));
/// ```
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
    /// The private key's DER structure is malformed.
    MalformedPrivateKey,
    /// The private key is encrypted (`ENCRYPTED PRIVATE KEY`).
    EncryptedPrivateKey,
    /// An EC (ECDSA) key: DKIM signs with RSA or Ed25519 only.
    EcKey,
    /// The PEM or DER holds a key of another kind (for example an EC key).
    UnsupportedKeyKind,
    /// RSA signing keys shorter than 1024 bits are refused (RFC 8301).
    RsaTooShort(u32),
    /// The operating system's random number generator failed (key
    /// generation).
    NoRandomness,
    /// RSA key generation failed.
    KeyGeneration,
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
            Self::NotAKey => f.write_str("the data is not a valid key of the expected type"),
            Self::RsaTooLarge { bits, max } => write!(f, "RSA key of {bits} bits exceeds the limit of {max} bits"),
            Self::Pem => f.write_str("the PEM armour or its base64 content is malformed"),
            Self::UnsupportedKeyKind => f.write_str("the key is neither RSA nor Ed25519"),
            Self::MalformedPrivateKey => f.write_str("the private key's DER structure is malformed"),
            Self::EncryptedPrivateKey => {
                f.write_str("the private key is encrypted; decrypt it first (openssl pkcs8 -in key.pem -out plain.pem)")
            }
            Self::EcKey => f.write_str("this is an EC (ECDSA) key; DKIM signs with RSA or Ed25519 keys only"),
            Self::RsaTooShort(bits) => write!(f, "RSA key of {bits} bits is too short to sign (1024 at least)"),
            Self::NoRandomness => f.write_str("the operating system's random number generator failed"),
            Self::KeyGeneration => f.write_str("RSA key generation failed"),
            #[cfg(feature = "aws-lc-rs")]
            Self::RsaSizeUnsupported { bits, min, max } => {
                write!(f, "this signing backend takes RSA keys of {min} to {max} bits, not {bits}")
            }
        }
    }
}

impl core::error::Error for KeyError {}

/// Why a cryptographic operation failed: a signature check
/// ([`VerifyingBackend::verify`]) or signing ([`SigningKey::sign_digest`]).
///
/// ```
/// use dkim_core::{Algorithm, CryptoError, Ed25519SigningKey, KeyType, PublicKey, SigningKey};
/// let signer = Ed25519SigningKey::from_seed(&[7; 32]);
/// let key = PublicKey::from_record_bytes(KeyType::Ed25519, &signer.public_key_bytes(), 8192)?;
/// let sig = signer.sign_digest(&[1; 32])?;
/// assert_eq!(key.verify(Algorithm::Ed25519Sha256, &[2; 32], &sig), Err(CryptoError::BadSignature));
/// assert_eq!(key.verify(Algorithm::RsaSha256, &[1; 32], &sig), Err(CryptoError::KeyTypeMismatch));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug)]
pub enum CryptoError {
    /// The signature does not verify with this key.
    BadSignature,
    /// The key type does not match the algorithm.
    KeyTypeMismatch,
    /// The digest to sign has the wrong length for the algorithm.
    DigestLength {
        /// The length the algorithm needs.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// An [`ExternalKey`](crate::ExternalKey) cannot sign in this process:
    /// sign through [`SignSession::finish_unsigned`](crate::SignSession::finish_unsigned).
    ExternalKey,
    /// The backend (a crypto library, an HSM, a remote signer) failed; the
    /// error it gave.
    Backend(alloc::sync::Arc<dyn core::error::Error + Send + Sync>),
}

impl CryptoError {
    /// Wraps a backend's own error.
    ///
    /// ```
    /// use dkim_core::CryptoError;
    /// let e = CryptoError::backend(core::fmt::Error);
    /// assert!(e.to_string().contains("backend"));
    /// ```
    pub fn backend(error: impl core::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(alloc::sync::Arc::new(error))
    }
}

impl PartialEq for CryptoError {
    /// Backend errors are equal only when they are the same error (shared).
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Backend(a), Self::Backend(b)) => alloc::sync::Arc::ptr_eq(a, b),
            (Self::DigestLength { expected: a, actual: b }, Self::DigestLength { expected: c, actual: d }) => {
                a == c && b == d
            }
            _ => core::mem::discriminant(self) == core::mem::discriminant(other),
        }
    }
}

impl Eq for CryptoError {}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadSignature => f.write_str("the signature does not verify with this key"),
            Self::KeyTypeMismatch => f.write_str("the key type does not match the algorithm"),
            Self::DigestLength { expected, actual } => {
                write!(f, "the digest to sign must have {expected} bytes, not {actual}")
            }
            Self::ExternalKey => f.write_str(
                "an ExternalKey signs outside this process: use SignSession::finish_unsigned and sign the digest there",
            ),
            Self::Backend(e) => write!(f, "the crypto backend failed: {e}"),
        }
    }
}

impl core::error::Error for CryptoError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Backend(e) => Some(&**e),
            _ => None,
        }
    }
}
