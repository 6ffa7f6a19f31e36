//! [`TokioReader`]: a tokio reader as a futures-io one (feature `tokio`).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Wraps a tokio [`AsyncRead`](tokio::io::AsyncRead) (a `tokio::fs::File`,
/// a `TcpStream`) so that [`AsyncVerifier::verify_reader`](crate::AsyncVerifier::verify_reader)
/// and [`sign_reader`](crate::sign_reader), which take a futures-io reader,
/// read from it directly.
///
/// ```
/// use dkim_async::{AsyncVerifier, TokioReader};
/// use dkim_core::Policy;
/// use dkim_dns::StaticKeys;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let path = std::env::temp_dir().join("dkim-async-tokio-reader-doctest.eml");
/// tokio::fs::write(&path, b"From: joe@example.com\r\n\r\nHello\r\n").await?;
/// let file = tokio::fs::File::open(&path).await?;
/// let verifier = AsyncVerifier::new(StaticKeys::default(), Policy::default());
/// let results = verifier.verify_reader(TokioReader::new(file)).await?;
/// assert!(results.is_empty()); // unsigned
/// # tokio::fs::remove_file(&path).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct TokioReader<R>(R);

impl<R> TokioReader<R> {
    /// Wraps `reader`.
    ///
    /// ```
    /// use dkim_async::{TokioReader, sign_reader};
    /// use dkim_core::{Ed25519SigningKey, Signer};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let signer = Signer::builder(Ed25519SigningKey::from_seed(&[1; 32]), "example.com", "sel").build()?;
    /// // Any tokio reader: here an in-memory one.
    /// let reader = TokioReader::new(&b"From: joe@example.com\r\n\r\nHello!\r\n"[..]);
    /// let fields = sign_reader(vec![signer], reader).await?;
    /// assert!(fields[0].starts_with("DKIM-Signature: a=ed25519-sha256;"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(reader: R) -> Self {
        Self(reader)
    }

    /// The reader back.
    ///
    /// ```
    /// use dkim_async::TokioReader;
    /// let reader = TokioReader::new(std::io::Cursor::new(b"From: a@example.com\r\n\r\n".to_vec()));
    /// assert_eq!(reader.into_inner().into_inner(), b"From: a@example.com\r\n\r\n");
    /// ```
    #[must_use]
    pub fn into_inner(self) -> R {
        self.0
    }
}

impl<R: tokio::io::AsyncRead + Unpin> futures_io::AsyncRead for TokioReader<R> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut read = tokio::io::ReadBuf::new(buf);
        match Pin::new(&mut self.0).poll_read(cx, &mut read) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(read.filled().len())),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}
