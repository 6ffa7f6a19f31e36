//! Signing a stream: several keys, one pass.

use std::pin::pin;

use std::future::Future;

use dkim_core::{Algorithm, CryptoError, ExternalKey, HeaderStatus, SignSession, Signer, SigningKey};

use crate::StreamError;
use futures_io::AsyncRead;

use crate::read_chunk;
use crate::verify::DEFAULT_CHUNK_SIZE;

/// Signs the message read from `reader` with every signer in one pass over
/// it, in bounded memory (the header block, then the body through one
/// 16 KiB buffer). Returns one complete `DKIM-Signature` field per signer
/// (name, folded value, final CRLF), in the signers' order, to be put in
/// front of the message as they come.
///
/// To sign with keys of different types, box them:
/// `Signer<Box<dyn SigningKey + Send + Sync>>`.
///
/// ```
/// use dkim_async::sign_reader;
/// use dkim_core::{Ed25519SigningKey, Signer};
///
/// let signers = vec![
///     Signer::builder(Ed25519SigningKey::from_seed(&[1; 32]), "example.com", "one").build()?,
///     Signer::builder(Ed25519SigningKey::from_seed(&[2; 32]), "example.org", "two").build()?,
/// ];
/// let message = &b"From: joe@example.com\r\nSubject: hi\r\n\r\nHello!\r\n"[..];
/// let fields = futures::executor::block_on(sign_reader(signers, message))?;
/// assert_eq!(fields.len(), 2);
/// assert!(fields[1].starts_with("DKIM-Signature: a=ed25519-sha256;") && fields[1].contains("d=example.org;"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`StreamError::Io`] when reading fails; [`StreamError::Sign`] when
/// the header is malformed, oversized or has no From field, or a key fails
/// to sign.
pub async fn sign_reader<K: SigningKey, R: AsyncRead>(
    signers: Vec<Signer<K>>,
    reader: R,
) -> Result<Vec<String>, StreamError> {
    Ok(read_into(SignSession::new(signers), reader).await?.finish()?)
}

/// A signing key that may sign asynchronously: a remote KMS, an HSM behind
/// a queue, a signing service. `digest` is the SHA-256 digest of the
/// canonical header block, signed as [`SigningKey::sign_digest`] describes
/// (PKCS#1 v1.5 for RSA, PureEdDSA over the digest for Ed25519).
///
/// Every [`SigningKey`] is also an `AsyncSigningKey` that answers at once.
///
/// ```
/// use dkim_async::{AsyncSigningKey, sign_reader_with};
/// use dkim_core::{Algorithm, CryptoError, Ed25519SigningKey, ExternalKey, Signer};
///
/// /// A signing service that has failed.
/// struct Down;
///
/// impl AsyncSigningKey for Down {
///     fn algorithm(&self) -> Algorithm {
///         Algorithm::Ed25519Sha256
///     }
///
///     async fn sign_digest(&self, _digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
///         Err(CryptoError::backend(std::io::Error::other("KMS unreachable")))
///     }
/// }
///
/// // Any `SigningKey` is an `AsyncSigningKey` too.
/// let local = Ed25519SigningKey::from_seed(&[3; 32]);
/// assert_eq!(AsyncSigningKey::algorithm(&local), Algorithm::Ed25519Sha256);
///
/// let signer = Signer::builder(ExternalKey::new(Algorithm::Ed25519Sha256), "example.com", "kms").build()?;
/// let message = &b"From: joe@example.com\r\n\r\nHello!\r\n"[..];
/// let result = futures::executor::block_on(sign_reader_with(vec![signer], &[Down], message));
/// assert!(result.is_err_and(|e| e.to_string().contains("KMS unreachable")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait AsyncSigningKey {
    /// The algorithm this key signs with.
    fn algorithm(&self) -> Algorithm;

    /// Signs `digest`.
    fn sign_digest(&self, digest: &[u8]) -> impl Future<Output = Result<Vec<u8>, CryptoError>> + Send;
}

impl<K: SigningKey + Sync> AsyncSigningKey for K {
    fn algorithm(&self) -> Algorithm {
        SigningKey::algorithm(self)
    }

    fn sign_digest(&self, digest: &[u8]) -> impl Future<Output = Result<Vec<u8>, CryptoError>> + Send {
        std::future::ready(SigningKey::sign_digest(self, digest))
    }
}

/// Like [`sign_reader`], with keys that sign asynchronously: one pass over
/// the stream, then every key signs its digest, all at once. Build each
/// signer with [`ExternalKey`] for the algorithm of the key in the same
/// position of `keys`.
///
/// ```
/// use dkim_async::{AsyncSigningKey, sign_reader_with};
/// use dkim_core::{Algorithm, Ed25519SigningKey, ExternalKey, CryptoError, Signer, SigningKey};
///
/// /// Stands in for a KMS client.
/// struct Kms(Ed25519SigningKey);
/// impl AsyncSigningKey for Kms {
///     fn algorithm(&self) -> Algorithm { Algorithm::Ed25519Sha256 }
///     async fn sign_digest(&self, digest: &[u8]) -> Result<Vec<u8>, CryptoError> {
///         SigningKey::sign_digest(&self.0, digest) // a network call in real life
///     }
/// }
///
/// let key = Kms(Ed25519SigningKey::from_seed(&[3; 32]));
/// let signer = Signer::builder(ExternalKey::new(key.algorithm()), "example.com", "kms").build()?;
/// let message = &b"From: joe@example.com\r\n\r\nHello!\r\n"[..];
/// let fields = futures::executor::block_on(sign_reader_with(vec![signer], &[key], message))?;
/// assert!(fields[0].starts_with("DKIM-Signature: a=ed25519-sha256;"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`sign_reader`]; also when `keys` and `signers` differ in number or
/// algorithm.
pub async fn sign_reader_with<A: AsyncSigningKey + Sync, R: AsyncRead>(
    signers: Vec<Signer<ExternalKey>>,
    keys: &[A],
    reader: R,
) -> Result<Vec<String>, StreamError> {
    if signers.len() != keys.len() {
        return Err(StreamError::KeyCount { signers: signers.len(), keys: keys.len() });
    }
    let unsigned = read_into(SignSession::new(signers), reader).await?.finish_unsigned()?;
    for (u, key) in unsigned.iter().zip(keys) {
        if u.algorithm() != key.algorithm() {
            return Err(StreamError::KeyAlgorithm { signer: u.algorithm(), key: key.algorithm() });
        }
    }
    let signatures =
        futures_util::future::join_all(unsigned.iter().zip(keys).map(|(u, key)| key.sign_digest(u.digest()))).await;
    let mut fields = Vec::with_capacity(unsigned.len());
    for (u, sig) in unsigned.into_iter().zip(signatures) {
        let sig = sig.map_err(|e| StreamError::Sign(dkim_core::SignError::Key(e)))?;
        fields.push(u.into_field(&sig));
    }
    Ok(fields)
}

/// Feeds the whole stream to `session`: the header block, then the body in
/// bounded reads.
async fn read_into<K: SigningKey, R: AsyncRead>(
    mut session: SignSession<K>,
    reader: R,
) -> Result<SignSession<K>, StreamError> {
    let mut reader = pin!(reader);
    let mut buf = vec![0; DEFAULT_CHUNK_SIZE];
    let mut in_body = false;
    loop {
        let n = read_chunk(&mut reader, &mut buf).await?;
        if n == 0 {
            break;
        }
        if in_body {
            session.body(&buf[..n]);
        } else if let HeaderStatus::Complete(start) = session.headers(&buf[..n])? {
            session.body(&buf[start..n]);
            in_body = true;
        }
    }
    Ok(session)
}
