//! # dkim
//!
//! The paved path to DomainKeys Identified Mail in Rust: re-exports
//! [`dkim_core`] (parse, canonicalize, sign, verify; sans-IO and `no_std`).
//!
//! ```
//! use dkim::core::{Policy, Verifier};
//! let verifier = Verifier::new(Policy::default());
//! # let _ = verifier;
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use dkim_core as core;
pub use dkim_core::*;
