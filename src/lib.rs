#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use dkim_core;
pub use dkim_core::*;

/// Key lookup backends: the [`dns::KeySource`] trait, [`dns::StaticKeys`],
/// [`dns::ZoneFile`] and [`dns::DnsClient`] (re-export of `dkim-dns`).
pub use dkim_dns as dns;
