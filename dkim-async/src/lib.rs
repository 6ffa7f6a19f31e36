#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::io;

use futures_io::AsyncRead;
use futures_util::AsyncReadExt as _;

mod cache;
mod clock;
mod error;
mod parsed;
mod sign;
mod timer;
#[cfg(feature = "tokio")]
mod tokio_io;
mod verify;

pub use cache::KeyCache;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::StreamError;
pub use sign::{AsyncSigningKey, sign_reader, sign_reader_with};
#[cfg(feature = "futures-timer")]
pub use timer::FuturesTimer;
pub use timer::{NoTimer, Timer};
#[cfg(feature = "tokio")]
pub use tokio_io::TokioReader;
pub use verify::AsyncVerifier;

/// Reads up to `buf.len()` bytes; 0 at the end of the stream. Interrupted
/// reads are retried.
async fn read_chunk<R: AsyncRead + Unpin>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf).await {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}
