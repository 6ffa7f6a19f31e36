//! [`StreamError`]: why a message stream could not be verified or signed.

use std::fmt;
use std::io;

use dkim_core::Algorithm;

/// Why a message read from a stream could not be verified or signed at
/// all. (A signature that does not verify is a result, not an error.)
///
/// ```
/// use dkim_async::StreamError;
/// let e = StreamError::from(std::io::Error::other("disk on fire"));
/// assert_eq!(e.to_string(), "reading the message failed: disk on fire");
/// ```
#[non_exhaustive]
#[derive(Debug)]
pub enum StreamError {
    /// Reading the message failed.
    Io(io::Error),
    /// The message cannot be verified: its header is malformed or exceeds
    /// a limit, or it is not a message (report `permerror`).
    Verify(dkim_core::VerifyError),
    /// The message cannot be signed: malformed header, no From field, or a
    /// key failed to sign.
    Sign(dkim_core::SignError),
    /// [`sign_reader_with`](crate::sign_reader_with) got a different number
    /// of keys than signers.
    KeyCount {
        /// Signers given.
        signers: usize,
        /// Keys given.
        keys: usize,
    },
    /// A key of [`sign_reader_with`](crate::sign_reader_with) signs with
    /// another algorithm than its signer was built for.
    KeyAlgorithm {
        /// The signer's algorithm.
        signer: Algorithm,
        /// The key's.
        key: Algorithm,
    },
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io(e) => write!(f, "reading the message failed: {e}"),
            Self::Verify(e) => write!(f, "{e}"),
            Self::Sign(e) => write!(f, "{e}"),
            Self::KeyCount { signers, keys } => write!(f, "{signers} signers but {keys} keys"),
            Self::KeyAlgorithm { signer, key } => write!(f, "the signer is built for {signer} but its key signs {key}"),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Verify(e) => Some(e),
            Self::Sign(e) => Some(e),
            Self::KeyCount { .. } | Self::KeyAlgorithm { .. } => None,
        }
    }
}

impl From<io::Error> for StreamError {
    fn from(e: io::Error) -> Self {
        Self::Io(e)
    }
}

impl From<dkim_core::VerifyError> for StreamError {
    fn from(e: dkim_core::VerifyError) -> Self {
        Self::Verify(e)
    }
}

impl From<dkim_core::SignError> for StreamError {
    fn from(e: dkim_core::SignError) -> Self {
        Self::Sign(e)
    }
}
