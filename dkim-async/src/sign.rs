//! Signing a stream: several keys, one pass.

use std::fmt;
use std::io;
use std::pin::pin;

use dkim_core::{HeaderStatus, SignSession, Signer, SigningKey};
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
/// [`SigningError::Io`] when reading fails; [`SigningError::Signing`] when
/// the header is malformed, oversized or has no From field, or a key fails
/// to sign.
pub async fn sign_reader<K: SigningKey, R: AsyncRead>(
    signers: Vec<Signer<K>>,
    reader: R,
) -> Result<Vec<String>, SigningError> {
    let mut reader = pin!(reader);
    let mut session = SignSession::new(signers);
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
    Ok(session.finish()?)
}

/// Why a stream could not be signed.
#[non_exhaustive]
#[derive(Debug)]
pub enum SigningError {
    /// Reading the message failed.
    Io(io::Error),
    /// The core signer refused: bad header, no From field, key failure.
    Signing(dkim_core::SigningError),
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "reading the message failed: {e}"),
            Self::Signing(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SigningError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Signing(e) => Some(e),
        }
    }
}

impl From<io::Error> for SigningError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<dkim_core::SigningError> for SigningError {
    fn from(e: dkim_core::SigningError) -> Self {
        Self::Signing(e)
    }
}
