#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

// Every type has one path: the core's items at the root, the async layer's
// beside them, the key sources under `dns`.
#[doc(inline)]
pub use dkim_core::*;

#[cfg(feature = "tokio")]
#[doc(inline)]
pub use dkim_async::TokioReader;
#[cfg(feature = "async")]
#[doc(inline)]
pub use dkim_async::{
    AsyncSigningKey, AsyncVerifier, Clock, FuturesTimer, KeyCache, ManualClock, NoTimer, StreamError, SystemClock,
    Timer, sign_reader, sign_reader_with,
};

#[cfg(feature = "tokio")]
mod system;
#[cfg(feature = "tokio")]
pub use system::verify;

/// Key lookup backends: the [`KeySource`](dns::KeySource) trait and
/// [`StaticKeys`](dns::StaticKeys), [`ZoneFile`](dns::ZoneFile) and (feature
/// `tokio`) [`DnsClient`](dns::DnsClient).
#[cfg(feature = "async")]
pub mod dns {
    #[cfg(feature = "tokio")]
    #[doc(inline)]
    pub use dkim_dns::{ConfigError, DEFAULT_EDNS_PAYLOAD, DnsClient};
    #[doc(inline)]
    pub use dkim_dns::{
        KeySource, Lookup, NoRecord, NoRecordKind, StaticKeys, TempFail, TxtAnswer, ZoneData, ZoneEntry, ZoneError,
        ZoneErrorKind, ZoneFile,
    };
}
