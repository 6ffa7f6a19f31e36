#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use dkim_core;
pub use dkim_core::*;

/// Key lookup backends: the [`dns::KeySource`] trait, [`dns::StaticKeys`],
/// [`dns::ZoneFile`] and [`dns::DnsClient`] (re-export of `dkim-dns`).
pub use dkim_dns as dns;

/// Async verification and signing over any key source, a shared TTL-aware
/// key cache, deadlines (re-export of `dkim-async`).
pub use dkim_async as asynchronous;
