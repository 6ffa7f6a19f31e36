//! Private keys: the signing side.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};
use rsa::pkcs1::der::Decode;
use rsa::traits::PublicKeyParts;

use super::public::{ED25519_OID, RSA_ENCRYPTION};
use super::{Algorithm, CryptoError, KeyError, KeyType};
use crate::key_record::DnsRecord;

/// id-ecPublicKey (RFC 5480): an ECDSA key, which DKIM does not use.
const EC_PUBLIC_KEY: rsa::pkcs8::ObjectIdentifier = rsa::pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

/// The private half: signs the digest of the canonical header block.
///
/// Implement this for a remote signer or another crypto backend. `digest` is
/// the SHA-256 hash of the canonical header data; RSA keys return the
/// PKCS#1 v1.5 signature of it, Ed25519 keys the RFC 8463 signature (PureEdDSA
/// over the 32 digest bytes).
///
/// ```
/// use dkim_core::{Algorithm, CryptoError, Ed25519SigningKey, Signer, SigningKey};
///
/// /// Stands in for a remote signer: a real one sends the digest to its service.
/// struct Remote(Ed25519SigningKey);
///
/// impl SigningKey for Remote {
///     fn algorithm(&self) -> Algorithm {
///         Algorithm::Ed25519Sha256
///     }
///
///     fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
///         if digest.len() != 32 {
///             return Err(CryptoError::DigestLength { expected: 32, actual: digest.len() });
///         }
///         self.0.sign_digest(digest)
///     }
/// }
///
/// let signer = Signer::builder(Remote(Ed25519SigningKey::from_seed(&[5; 32])), "example.com", "kms").build()?;
/// let field = signer.sign(b"From: a@example.com\r\n\r\nHi\r\n")?;
/// assert!(field.starts_with("DKIM-Signature: a=ed25519-sha256;"));
/// assert_eq!(signer.key_bits(), None); // `bits` not implemented: unknown
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SigningKey {
    /// The algorithm this key signs with.
    fn algorithm(&self) -> Algorithm;

    /// The key's size in bits, when known (the RSA modulus length; 256 for
    /// Ed25519). The signer refuses RSA keys under 1024 bits and flags those
    /// under 2048 ([`Signer::is_weak_key`](crate::Signer::is_weak_key)).
    fn bits(&self) -> Option<u32> {
        None
    }

    /// Signs `digest`.
    ///
    /// # Errors
    ///
    /// [`CryptoError`] when the backend fails.
    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

impl<K: SigningKey + ?Sized> SigningKey for Box<K> {
    fn algorithm(&self) -> Algorithm {
        (**self).algorithm()
    }

    fn bits(&self) -> Option<u32> {
        (**self).bits()
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        (**self).sign_digest(digest)
    }
}

impl<K: SigningKey + ?Sized> SigningKey for &K {
    fn algorithm(&self) -> Algorithm {
        (**self).algorithm()
    }

    fn bits(&self) -> Option<u32> {
        (**self).bits()
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        (**self).sign_digest(digest)
    }
}

impl<K: SigningKey + ?Sized> SigningKey for alloc::sync::Arc<K> {
    fn algorithm(&self) -> Algorithm {
        (**self).algorithm()
    }

    fn bits(&self) -> Option<u32> {
        (**self).bits()
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        (**self).sign_digest(digest)
    }
}

/// An RSA private key signing with `rsa-sha256`. Zeroized on drop.
///
/// With the `std` feature RSA blinding uses the operating system's random
/// numbers; without it the (constant-time) private operation is unblinded.
///
/// ```
/// use base64ct::{Base64, Encoding as _};
/// use dkim_core::{Algorithm, RsaSigningKey, SigningKey};
/// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
/// # let der = Base64::decode_vec(&pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>())?;
/// // `der`: a PKCS#8 `PrivateKeyInfo` (a `-----BEGIN PRIVATE KEY-----` PEM, decoded).
/// let key = RsaSigningKey::from_pkcs8_der(&der)?;
/// assert_eq!(key.algorithm(), Algorithm::RsaSha256);
/// assert_eq!(key.sign_digest(&[0; 32])?.len(), 256);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RsaSigningKey {
    pub(super) key: rsa::PrivateKey,
}

impl RsaSigningKey {
    /// From a PKCS#1 `RSAPrivateKey` DER document.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the DER is not an RSA key or it is shorter than 1024 bits.
    ///
    /// ```
    /// use base64ct::{Base64, Encoding as _};
    /// use dkim_core::RsaSigningKey;
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// # let pkcs8 = Base64::decode_vec(&pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>())?;
    /// // A PKCS#1 `RSAPrivateKey` (a `-----BEGIN RSA PRIVATE KEY-----` PEM, decoded);
    /// // here the one inside a PKCS#8 document, which starts at byte 26 for this key.
    /// let der = &pkcs8[26..];
    /// assert_eq!(RsaSigningKey::from_pkcs1_der(der)?.bits(), 2048);
    /// assert!(RsaSigningKey::from_pkcs1_der(&pkcs8).is_err()); // PKCS#8 is not PKCS#1
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        let key = rsa::PrivateKey::from_pkcs1_der(der).map_err(|_| KeyError::MalformedPrivateKey)?;
        Self::from_key(key)
    }

    /// From a PKCS#8 `PrivateKeyInfo` DER document holding an RSA key.
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the DER is not an RSA key or it is shorter than 1024 bits.
    ///
    /// ```
    /// use base64ct::{Base64, Encoding as _};
    /// use dkim_core::RsaSigningKey;
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// # let der = Base64::decode_vec(&pem.lines().filter(|l| !l.starts_with("-----")).collect::<String>())?;
    /// assert_eq!(RsaSigningKey::from_pkcs8_der(&der)?.bits(), 2048);
    /// // A PKCS#8 Ed25519 key is not an RSA key.
    /// let ed25519 = Base64::decode_vec("MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g")?;
    /// assert!(RsaSigningKey::from_pkcs8_der(&ed25519).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        use rsa::pkcs8::DecodePrivateKey;
        let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| KeyError::MalformedPrivateKey)?;
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
    ///
    /// ```
    /// use dkim_core::PrivateKey;
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// let Ok(PrivateKey::Rsa(key)) = PrivateKey::from_pem(&pem) else { unreachable!() };
    /// assert_eq!(key.bits(), 2048);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bits(&self) -> u32 {
        self.key.n().bit_width_vartime()
    }

    /// The public key, as the DER SubjectPublicKeyInfo that goes into `p=`.
    ///
    /// ```
    /// use dkim_core::{Algorithm, KeyType, PrivateKey, PublicKey, SigningKey};
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// let Ok(PrivateKey::Rsa(key)) = PrivateKey::from_pem(&pem) else { unreachable!() };
    /// let public = PublicKey::from_record_bytes(KeyType::Rsa, &key.public_key_der(), 8192)?;
    /// let sig = key.sign_digest(&[1; 32])?;
    /// assert_eq!(public.verify(Algorithm::RsaSha256, &[1; 32], &sig), Ok(()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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

    fn bits(&self) -> Option<u32> {
        Some(RsaSigningKey::bits(self))
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.key.pkcs1v15_sign_prehash::<sha2::Sha256>(digest).map_err(CryptoError::backend)
    }
}

/// An Ed25519 private key signing with `ed25519-sha256`. Zeroized on drop.
///
/// ```
/// use dkim_core::{Algorithm, Ed25519SigningKey, KeyType, PublicKey, SigningKey};
/// let key = Ed25519SigningKey::from_seed(&[7; 32]);
/// assert_eq!(key.algorithm(), Algorithm::Ed25519Sha256);
/// let sig = key.sign_digest(&[1; 32])?;
/// assert_eq!(sig.len(), 64);
/// let public = PublicKey::from_record_bytes(KeyType::Ed25519, &key.public_key_bytes(), 8192)?;
/// assert_eq!(public.verify(Algorithm::Ed25519Sha256, &[1; 32], &sig), Ok(()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Ed25519SigningKey {
    key: ed25519_dalek::SigningKey,
}

impl Ed25519SigningKey {
    /// From the 32-byte secret seed (RFC 8032).
    ///
    /// ```
    /// use base64ct::{Base64, Encoding as _};
    /// use dkim_core::Ed25519SigningKey;
    /// // The secret key of RFC 8032 section 7.1, test 1 (the example key of RFC 8463).
    /// let seed = Base64::decode_vec("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")?;
    /// let key = Ed25519SigningKey::from_seed(seed.as_slice().try_into()?);
    /// assert_eq!(Base64::encode_string(&key.public_key_bytes()), "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self { key: ed25519_dalek::SigningKey::from_bytes(seed) }
    }

    /// From a PKCS#8 `PrivateKeyInfo` DER document (RFC 8410).
    ///
    /// # Errors
    ///
    /// [`KeyError`] when the DER is not an Ed25519 key.
    ///
    /// ```
    /// use base64ct::{Base64, Encoding as _};
    /// use dkim_core::{Ed25519SigningKey, KeyError};
    /// // A `-----BEGIN PRIVATE KEY-----` PEM, decoded: the RFC 8032 test 1 key.
    /// let der = Base64::decode_vec("MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g")?;
    /// let key = Ed25519SigningKey::from_pkcs8_der(&der)?;
    /// assert_eq!(Base64::encode_string(&key.public_key_bytes()), "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    /// assert_eq!(Ed25519SigningKey::from_pkcs8_der(b"junk").err(), Some(KeyError::MalformedPrivateKey));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = rsa::pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|_| KeyError::MalformedPrivateKey)?;
        if info.algorithm.oid != ED25519_OID {
            return Err(KeyError::UnsupportedKeyKind);
        }
        // CurvePrivateKey ::= OCTET STRING, inside the privateKey OCTET STRING.
        let inner = <&rsa::pkcs8::der::asn1::OctetStringRef>::from_der(info.private_key.as_bytes())
            .map_err(|_| KeyError::MalformedPrivateKey)?;
        let seed: &[u8; 32] = inner.as_bytes().try_into().map_err(|_| KeyError::MalformedPrivateKey)?;
        Ok(Self::from_seed(seed))
    }

    /// The raw 32-byte public key, as it goes base64-encoded into `p=`.
    ///
    /// ```
    /// use base64ct::{Base64, Encoding as _};
    /// use dkim_core::{Ed25519SigningKey, PrivateKey};
    /// let key = Ed25519SigningKey::from_seed(&[7; 32]);
    /// let raw = key.public_key_bytes();
    /// assert_eq!(PrivateKey::Ed25519(key).public_key_base64(), Base64::encode_string(&raw));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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

    fn bits(&self) -> Option<u32> {
        Some(256)
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        use ed25519_dalek::Signer as _;
        Ok(self.key.sign(digest).to_bytes().to_vec())
    }
}

/// Either kind of built-in private key, as read from a PEM file.
///
/// ```
/// use dkim_core::{KeyType, PrivateKey, Signer};
/// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
/// let key = PrivateKey::from_pem(&pem)?; // a `-----BEGIN PRIVATE KEY-----` file
/// assert!(matches!(key, PrivateKey::Rsa(_)));
/// assert_eq!(key.key_type(), KeyType::Rsa);
/// let signer = Signer::builder(key, "example.com", "2026rsa").build()?;
/// assert_eq!(signer.key_bits(), Some(2048));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
            "PRIVATE KEY" => {
                let info = rsa::pkcs8::PrivateKeyInfoRef::from_der(&der).map_err(|_| KeyError::MalformedPrivateKey)?;
                match info.algorithm.oid {
                    ED25519_OID => Ed25519SigningKey::from_pkcs8_der(&der).map(Self::Ed25519),
                    RSA_ENCRYPTION => RsaSigningKey::from_pkcs8_der(&der).map(Self::Rsa),
                    EC_PUBLIC_KEY => Err(KeyError::EcKey),
                    _ => Err(KeyError::UnsupportedKeyKind),
                }
            }
            "ENCRYPTED PRIVATE KEY" => Err(KeyError::EncryptedPrivateKey),
            "EC PRIVATE KEY" => Err(KeyError::EcKey),
            _ => Err(KeyError::UnsupportedKeyKind),
        }
    }

    /// The key type (`k=` of its record).
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, KeyType, PrivateKey};
    /// assert_eq!(PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32])).key_type(), KeyType::Ed25519);
    /// ```
    #[must_use]
    pub fn key_type(&self) -> KeyType {
        match self {
            Self::Rsa(_) => KeyType::Rsa,
            Self::Ed25519(_) => KeyType::Ed25519,
        }
    }

    /// The key record to publish for this key: its text, its 255-byte
    /// strings and a zone-file line ([`DnsRecord`]).
    ///
    /// ```
    /// use dkim_core::PrivateKey;
    /// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data");
    /// let key = PrivateKey::from_pem(&std::fs::read_to_string(format!("{dir}/ed25519.pem"))?)?;
    /// let record = key.dns_record();
    /// assert_eq!(record.text(), std::fs::read_to_string(format!("{dir}/key.txt"))?.trim_end()); // as published
    /// assert_eq!(record.name("2026", "example.com"), "2026._domainkey.example.com");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn dns_record(&self) -> DnsRecord {
        DnsRecord::new(self.key_type(), &self.public_key_base64())
    }

    /// The `p=` value to publish for this key (base64 of the public key).
    ///
    /// ```
    /// use dkim_core::PrivateKey;
    /// let pem = "-----BEGIN PRIVATE KEY-----\n\
    ///            MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n\
    ///            -----END PRIVATE KEY-----\n";
    /// let key = PrivateKey::from_pem(pem)?;
    /// assert_eq!(key.public_key_base64(), "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn public_key_base64(&self) -> String {
        match self {
            Self::Rsa(k) => Base64::encode_string(&k.public_key_der()),
            Self::Ed25519(k) => Base64::encode_string(&k.public_key_bytes()),
        }
    }
}

/// Key generation and export.
impl PrivateKey {
    /// A new RSA key of `bits` bits from the operating system's random
    /// numbers (`std` feature). 2048 bits is the norm; DKIM verifiers take
    /// 1024 to 8192 (RFC 8301; [`Limits::max_rsa_bits`](crate::Limits)),
    /// and keys under 2048 bits are weak ([`Signer::is_weak_key`](crate::Signer::is_weak_key)).
    /// Generating a 2048-bit key takes from a fraction of a second to a few
    /// seconds.
    ///
    /// # Errors
    ///
    /// [`KeyError::RsaTooShort`] under 1024 bits, [`KeyError::RsaTooLarge`]
    /// over the default limit of 8192, [`KeyError::NoRandomness`] or
    /// [`KeyError::KeyGeneration`] when generation fails.
    ///
    /// ```
    /// use dkim_core::{KeyError, PrivateKey, SigningKey};
    /// let key = PrivateKey::generate_rsa(1024)?; // 2048 in real use; 1024 keeps the example quick
    /// assert_eq!(key.bits(), Some(1024));
    /// assert_eq!(PrivateKey::generate_rsa(512).err(), Some(KeyError::RsaTooShort(512)));
    /// # Ok::<(), KeyError>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn generate_rsa(bits: u32) -> Result<Self, KeyError> {
        let max = crate::Limits::default().max_rsa_bits;
        if bits < 1024 {
            return Err(KeyError::RsaTooShort(bits));
        }
        if bits > max {
            return Err(KeyError::RsaTooLarge { bits, max });
        }
        let key = rsa::PrivateKey::new(&mut getrandom::SysRng, bits as usize).map_err(|e| match e {
            rsa::Error::Rng => KeyError::NoRandomness,
            _ => KeyError::KeyGeneration,
        })?;
        RsaSigningKey::from_key(key).map(Self::Rsa)
    }

    /// A new Ed25519 key from the operating system's random numbers (`std`
    /// feature).
    ///
    /// # Errors
    ///
    /// [`KeyError::NoRandomness`] when the random number generator fails.
    ///
    /// ```
    /// use dkim_core::{Algorithm, PrivateKey, SigningKey};
    /// let key = PrivateKey::generate_ed25519()?;
    /// assert_eq!(key.algorithm(), Algorithm::Ed25519Sha256);
    /// assert_ne!(key.public_key_base64(), PrivateKey::generate_ed25519()?.public_key_base64());
    /// # Ok::<(), dkim_core::KeyError>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn generate_ed25519() -> Result<Self, KeyError> {
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|_| KeyError::NoRandomness)?;
        Ok(Self::Ed25519(Ed25519SigningKey::from_seed(&seed)))
    }

    /// The key as a PKCS#8 `PrivateKeyInfo` DER document (RFC 5208; RFC
    /// 8410 for Ed25519), zeroized on drop.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, PrivateKey, RsaSigningKey};
    /// # let pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/data/rsa2048.pem"))?;
    /// let key = PrivateKey::from_pem(&pem)?;
    /// let der = key.to_pkcs8_der();
    /// assert_eq!(RsaSigningKey::from_pkcs8_der(&der)?.bits(), 2048);
    /// let ed = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// assert_eq!(Ed25519SigningKey::from_pkcs8_der(&ed.to_pkcs8_der())?.public_key_bytes(),
    ///            Ed25519SigningKey::from_seed(&[7; 32]).public_key_bytes());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_pkcs8_der(&self) -> zeroize::Zeroizing<Vec<u8>> {
        match self {
            Self::Rsa(k) => {
                use rsa::pkcs8::EncodePrivateKey;
                // Encoding a key that was decoded or generated cannot fail
                // but for memory; an empty document then.
                let doc = k.key.to_pkcs8_der().map(|d| d.as_bytes().to_vec()).unwrap_or_default();
                zeroize::Zeroizing::new(doc)
            }
            Self::Ed25519(k) => {
                // SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }
                let mut der = zeroize::Zeroizing::new(Vec::with_capacity(48));
                der.extend_from_slice(&[
                    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
                ]);
                der.extend_from_slice(k.key.as_bytes());
                der
            }
        }
    }

    /// The key as a PKCS#8 PEM file (`-----BEGIN PRIVATE KEY-----`, 64
    /// characters a line, LF line ends), as [`PrivateKey::from_pem`],
    /// OpenDKIM, OpenSSL and dkimpy read it; zeroized on drop.
    ///
    /// ```
    /// use dkim_core::{Ed25519SigningKey, PrivateKey};
    /// let key = PrivateKey::Ed25519(Ed25519SigningKey::from_seed(&[7; 32]));
    /// let pem = key.to_pkcs8_pem();
    /// assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    /// assert_eq!(PrivateKey::from_pem(&pem)?.public_key_base64(), key.public_key_base64());
    /// # Ok::<(), dkim_core::KeyError>(())
    /// ```
    #[must_use]
    pub fn to_pkcs8_pem(&self) -> zeroize::Zeroizing<String> {
        let der = self.to_pkcs8_der();
        let b64 = zeroize::Zeroizing::new(Base64::encode_string(&der));
        let mut out = zeroize::Zeroizing::new(String::with_capacity(b64.len() + b64.len() / 64 + 64));
        out.push_str("-----BEGIN PRIVATE KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            // Base64 is ASCII.
            out.push_str(core::str::from_utf8(line).unwrap_or_default());
            out.push('\n');
        }
        out.push_str("-----END PRIVATE KEY-----\n");
        out
    }
}

impl SigningKey for PrivateKey {
    fn algorithm(&self) -> Algorithm {
        match self {
            Self::Rsa(k) => k.algorithm(),
            Self::Ed25519(k) => k.algorithm(),
        }
    }

    fn bits(&self) -> Option<u32> {
        match self {
            Self::Rsa(k) => SigningKey::bits(k),
            Self::Ed25519(k) => SigningKey::bits(k),
        }
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self {
            Self::Rsa(k) => k.sign_digest(digest),
            Self::Ed25519(k) => k.sign_digest(digest),
        }
    }
}

/// Decodes the first PEM block: its label and DER bytes.
pub(super) fn decode_pem(pem: &str) -> Result<(String, zeroize::Zeroizing<Vec<u8>>), KeyError> {
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
    use crate::crypto::{HashAlgorithm, KeyType, PublicKey};

    /// Generated keys sign, their published record verifies the signature,
    /// and the PKCS#8 PEM reads back as the same key.
    #[cfg(feature = "std")]
    #[test]
    fn generated_keys_sign_and_round_trip() {
        use crate::key_record::KeyRecord;
        for key in [PrivateKey::generate_rsa(2048).unwrap(), PrivateKey::generate_ed25519().unwrap()] {
            let digest = [0x5a; 32];
            let sig = key.sign_digest(&digest).unwrap();
            let record = KeyRecord::parse(key.dns_record().text().as_bytes(), &crate::Limits::default()).unwrap();
            let public = record.public_key().expect("the record has a key");
            assert_eq!(public.verify(key.algorithm(), &digest, &sig), Ok(()));
            let pem = key.to_pkcs8_pem();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n") && pem.ends_with("-----END PRIVATE KEY-----\n"));
            assert!(pem.lines().all(|l| l.len() <= 64));
            let back = PrivateKey::from_pem(&pem).unwrap();
            assert_eq!(back.public_key_base64(), key.public_key_base64());
            assert_eq!(back.sign_digest(&digest).unwrap().len(), sig.len());
        }
        assert_eq!(PrivateKey::generate_rsa(2048).unwrap().bits(), Some(2048));
        assert_eq!(PrivateKey::generate_rsa(1023).err(), Some(KeyError::RsaTooShort(1023)));
        assert_eq!(PrivateKey::generate_rsa(8200).err(), Some(KeyError::RsaTooLarge { bits: 8200, max: 8192 }));
        let (a, b) = (PrivateKey::generate_ed25519().unwrap(), PrivateKey::generate_ed25519().unwrap());
        assert_ne!(a.public_key_base64(), b.public_key_base64(), "two keys from the random source differ");
    }

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
        assert_eq!(pk.verify(Algorithm::Ed25519Sha256, &[2u8; 32], &sig), Err(CryptoError::BadSignature));
        assert_eq!(pk.verify(Algorithm::RsaSha256, &digest, &sig), Err(CryptoError::KeyTypeMismatch));
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
            KeyError::EcKey
        );
        assert_eq!(
            PrivateKey::from_pem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----")
                .unwrap_err(),
            KeyError::EncryptedPrivateKey
        );
        // A P-256 key in PKCS#8 (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256).
        let ec = "-----BEGIN PRIVATE KEY-----\n\
                  MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWm1vKwV8Eg5NeV1F\n\
                  vTrdylUtOHzAIaibuIGrMoD5hlyhRANCAATxpe5Hm8B4EGlMMMnDF3j+PLj7L1YD\n\
                  Pg+Eij8fqF5p4Vg9um1Tqy/7Fxo1G7yAUnYjujbrtmPnFq8TTUg6L2CF\n\
                  -----END PRIVATE KEY-----\n";
        assert_eq!(PrivateKey::from_pem(ec).unwrap_err(), KeyError::EcKey);
    }
}
