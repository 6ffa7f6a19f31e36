#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod arc;
pub mod auth_results;
pub mod canon;
pub mod crypto;
pub mod diagnose;
pub mod hash;
pub mod header;
pub mod key_record;
pub mod lookup;
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
    Algorithm, CryptoError, Ed25519SigningKey, HashAlgorithm, KeyError, KeyType, PrivateKey, PublicKey, RsaSigningKey,
    RustCrypto, SigningKey, VerifyingBackend,
};
#[cfg(feature = "aws-lc-rs")]
pub use crypto::{AwsLcRs, AwsLcRsaSigningKey};
pub use header::HeaderError;
pub use key_record::{DnsRecord, KeyRecord, KeyRecordError};
pub use lookup::{Dnssec, KeyAnswer, KeyRequest, KeyRequestId, TempFailCause, TxtRecord};
pub use policy::{Limits, LineEndings, Now, Policy, SINGLE_INSTANCE_FIELDS};
pub use result::{Reason, SignatureResult, Verdict};
pub use sign::{ExternalKey, SignError, SignSession, Signer, SignerBuilder, UnsignedSignature, sign_message};
pub use signature::{HeaderNames, HeaderNamesIter, Signature, SignatureError};
pub use verify::{HeaderStatus, Step, Verifier, VerifyError, verify, verify_with_arc};
