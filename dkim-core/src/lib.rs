//! # dkim-core
//!
//! DomainKeys Identified Mail ([RFC 6376]) with Ed25519 ([RFC 8463]) and the
//! crypto updates of [RFC 8301]: tag-list and key-record parsing, header and
//! body canonicalization, signing and verification.
//!
//! The crate is sans-IO and `no_std` (with `alloc`): it never reads a
//! socket, a file or a clock. The verifier asks for key records through
//! [`Step::NeedKeys`] and the caller answers; the current time comes in
//! through [`Policy::now`]. `dkim-dns` and `dkim-async` supply the I/O.
//!
//! ## Signing and verifying
//!
//! ```
//! use dkim_core::{
//!     Ed25519SigningKey, HeaderStatus, KeyAnswer, Policy, SignSession, Signer, Step, TxtRecord, Verdict, Verifier,
//! };
//!
//! // Sign: required values in the builder, the rest by setters; the
//! // signing time is passed in (the core has no clock).
//! let key = Ed25519SigningKey::from_seed(&[7; 32]);
//! let record = format!("v=DKIM1; k=ed25519; p={}", base64_of(&key.public_key_bytes()));
//! let signer = Signer::builder(key, "example.com", "2026").timestamp(1_700_000_000).build()?;
//! let message = b"From: Joe <joe@example.com>\r\nSubject: hi\r\n\r\nHello!\r\n";
//! let mut session = SignSession::new(vec![signer]);
//! let HeaderStatus::Complete(body) = session.headers(message)? else { unreachable!() };
//! session.body(&message[body..]);
//! let mut signed = session.finish()?.remove(0).into_bytes();
//! signed.extend_from_slice(message);
//!
//! // Verify: feed the header, answer the key lookups, feed the body.
//! let mut v = Verifier::new(Policy::default().now(1_700_000_100));
//! let HeaderStatus::Complete(body) = v.headers(&signed)? else { unreachable!() };
//! while let Step::NeedKeys(requests) = v.step() {
//!     let request = requests[0].clone();
//!     assert_eq!(request.name(), "2026._domainkey.example.com");
//!     v.answer_key(request.id(), KeyAnswer::Records(vec![TxtRecord::from_text(&record)]));
//! }
//! v.body(&signed[body..]);
//! v.finish()?;
//! assert!(matches!(v.step(), Step::Done));
//! assert_eq!(v.results()[0].verdict(), Verdict::Pass);
//! # fn base64_of(b: &[u8]) -> String { use base64ct::Encoding; base64ct::Base64::encode_string(b) }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Features
//!
//! - `std` (default): `std::error::Error` impls, and operating-system
//!   randomness for RSA blinding when signing. Without it the crate is
//!   `#![no_std]` + `alloc`.
//! - `aws-lc-rs` (implies `std`; builds AWS-LC's C code): the `AwsLcRs`
//!   verifying backend, RSA checks at OpenSSL speed, chosen with
//!   [`Policy::backend`], and `AwsLcRsaSigningKey`. The default backend is
//!   [`RustCrypto`], pure Rust.
//!
//! [RFC 6376]: https://www.rfc-editor.org/rfc/rfc6376
//! [RFC 8463]: https://www.rfc-editor.org/rfc/rfc8463
//! [RFC 8301]: https://www.rfc-editor.org/rfc/rfc8301

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod auth_results;
pub mod canon;
pub mod crypto;
pub mod diagnose;
pub mod hash;
pub mod header;
pub mod key_record;
pub mod policy;
pub mod result;
mod run;
pub mod sign;
pub mod signature;
pub mod tag_list;
pub mod verify;

pub use auth_results::{AuthResults, ResInfo};
pub use canon::{Canonicalization, CanonicalizationAlgorithm};
pub use crypto::{
    Algorithm, Ed25519SigningKey, HashAlgorithm, KeyType, PrivateKey, PublicKey, RsaSigningKey, RustCrypto, SignError,
    SigningKey, VerifyingBackend,
};
#[cfg(feature = "aws-lc-rs")]
pub use crypto::{AwsLcRs, AwsLcRsaSigningKey};
pub use key_record::{KeyRecord, KeyRecordError};
pub use policy::{Limits, LineEndings, Policy};
pub use result::{Reason, SignatureResult, Verdict};
pub use sign::{ExternalKey, SignSession, Signer, SignerBuilder, SigningError, UnsignedSignature};
pub use signature::{HeaderNames, HeaderNamesIter, Signature, SignatureError};
pub use verify::{HeaderStatus, KeyAnswer, KeyRequest, KeyRequestId, Step, TxtRecord, Verifier, VerifyError};
