//! Public keys from key records.

use core::fmt;

use rsa::pkcs1::EncodeRsaPublicKey as _;
use rsa::pkcs1::der::Decode;

#[cfg(feature = "aws-lc-rs")]
use super::aws_lc;
use super::{Algorithm, CryptoError, KeyError, KeyType, RustCrypto, VerifyingBackend};
use alloc::vec::Vec;

/// A public key from a DKIM key record, ready to verify.
///
/// ```
/// use dkim_core::{KeyRecord, KeyType, Limits, PublicKey};
/// let text = b"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
/// let record = KeyRecord::parse(text, &Limits::default())?;
/// let key: &PublicKey = record.public_key().ok_or("revoked")?;
/// assert!(matches!(key, PublicKey::Ed25519(_)));
/// assert_eq!(key.key_type(), KeyType::Ed25519);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicKey {
    /// An RSA public key.
    Rsa(RsaPublicKey),
    /// An Ed25519 public key (the raw 32 bytes of RFC 8463). The type is
    /// ed25519-dalek's own, on purpose: a backend or a caller that checks
    /// signatures itself gets the decompressed point without a second parse
    /// (`to_bytes()` gives the raw key for any other library).
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl PublicKey {
    /// The key type.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, KeyType, PublicKey};
    /// let raw = Ed25519SigningKey::from_seed(&[7; 32]).public_key_bytes();
    /// assert_eq!(PublicKey::from_record_bytes(KeyType::Ed25519, &raw, 8192)?.key_type(), KeyType::Ed25519);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_type(&self) -> KeyType {
        match self {
            Self::Rsa(_) => KeyType::Rsa,
            Self::Ed25519(_) => KeyType::Ed25519,
        }
    }

    /// Size in bits: the RSA modulus length, or 256 for Ed25519.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, KeyType, PrivateKey, PublicKey};
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// let Ok(PrivateKey::Rsa(rsa)) = PrivateKey::from_pem(&pem) else { unreachable!() };
    /// assert_eq!(PublicKey::from_record_bytes(KeyType::Rsa, &rsa.public_key_der(), 8192)?.bits(), 2048);
    /// let raw = Ed25519SigningKey::from_seed(&[7; 32]).public_key_bytes();
    /// assert_eq!(PublicKey::from_record_bytes(KeyType::Ed25519, &raw, 8192)?.bits(), 256);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    ///
    /// ```
    /// use dkim_core::{KeyError, KeyType, PrivateKey, PublicKey};
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// let Ok(PrivateKey::Rsa(rsa)) = PrivateKey::from_pem(&pem) else { unreachable!() };
    /// let spki = rsa.public_key_der(); // what the base64 of p= decodes to
    /// assert_eq!(PublicKey::from_record_bytes(KeyType::Rsa, &spki, 8192)?.bits(), 2048);
    /// let too_large = PublicKey::from_record_bytes(KeyType::Rsa, &spki, 1024);
    /// assert!(matches!(too_large, Err(KeyError::RsaTooLarge { max: 1024, .. })));
    /// let not_ed25519 = PublicKey::from_record_bytes(KeyType::Ed25519, &spki, 8192);
    /// assert_eq!(not_ed25519, Err(KeyError::Ed25519Length(spki.len())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// [`CryptoError::KeyTypeMismatch`] when the key does not suit the
    /// algorithm, [`CryptoError::BadSignature`] when the signature does not
    /// verify.
    ///
    /// This is the [`RustCrypto`] backend; [`VerifyingBackend::verify`] runs
    /// another one.
    ///
    /// ```
    /// use dkim_core::{Algorithm, CryptoError, Ed25519SigningKey, KeyType, PublicKey, SigningKey};
    /// let signer = Ed25519SigningKey::from_seed(&[7; 32]);
    /// let key = PublicKey::from_record_bytes(KeyType::Ed25519, &signer.public_key_bytes(), 8192)?;
    /// let digest = [1; 32]; // the SHA-256 of the canonical header block
    /// let sig = signer.sign_digest(&digest)?;
    /// assert_eq!(key.verify(Algorithm::Ed25519Sha256, &digest, &sig), Ok(()));
    /// assert_eq!(key.verify(Algorithm::Ed25519Sha256, &[2; 32], &sig), Err(CryptoError::BadSignature));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify(&self, algorithm: Algorithm, digest: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        RustCrypto.verify(self, algorithm, digest, signature)
    }
}

/// An RSA public key and its size.
///
/// ```
/// use dkim_core::{KeyType, PrivateKey, PublicKey};
/// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
/// let Ok(PrivateKey::Rsa(rsa)) = PrivateKey::from_pem(&pem) else { unreachable!() };
/// let Ok(PublicKey::Rsa(key)) = PublicKey::from_record_bytes(KeyType::Rsa, &rsa.public_key_der(), 8192) else {
///     unreachable!()
/// };
/// assert_eq!(key.bits(), 2048);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RsaPublicKey {
    pub(super) key: rsa::PublicKey,
    pub(super) bits: u32,
    /// The key as AWS-LC parsed it, made on first use by [`AwsLcRs`].
    #[cfg(feature = "aws-lc-rs")]
    pub(super) aws_lc: aws_lc::ParsedKeys,
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

pub(super) const RSA_ENCRYPTION: rsa::pkcs8::ObjectIdentifier =
    rsa::pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub(super) const ED25519_OID: rsa::pkcs8::ObjectIdentifier = rsa::pkcs8::ObjectIdentifier::new_unwrap("1.3.101.112");

impl RsaPublicKey {
    /// Parses a DER SubjectPublicKeyInfo or bare PKCS#1 `RSAPublicKey`.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when it is neither, or the modulus exceeds `max_bits`.
    ///
    /// ```
    /// use dkim_core::crypto::RsaPublicKey;
    /// use dkim_core::{KeyError, PrivateKey};
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// let Ok(PrivateKey::Rsa(rsa)) = PrivateKey::from_pem(&pem) else { unreachable!() };
    /// let key = RsaPublicKey::from_der(&rsa.public_key_der(), 8192)?; // SubjectPublicKeyInfo
    /// assert_eq!(key.bits(), 2048);
    /// assert_eq!(RsaPublicKey::from_der(&key.to_pkcs1_der(), 8192)?, key); // bare PKCS#1 works too
    /// assert_eq!(RsaPublicKey::from_der(b"junk", 8192), Err(KeyError::NotAKey));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    ///
    /// ```
    /// use dkim_core::crypto::RsaPublicKey;
    /// use dkim_core::PrivateKey;
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// let Ok(PrivateKey::Rsa(rsa)) = PrivateKey::from_pem(&pem) else { unreachable!() };
    /// assert_eq!(RsaPublicKey::from_der(&rsa.public_key_der(), 8192)?.bits(), 2048);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
