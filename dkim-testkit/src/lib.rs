//! # dkim-testkit
//!
//! Test support shared by the workspace's test suites, kept in one place.
//! Not published: the crates take it as a dev-dependency, for their
//! integration tests only (a crate's own `#[cfg(test)]` unit tests would see
//! a second copy of that crate through this one).
//!
//! - [`corpus`]: where the third-party conformance corpus is
//!   (`$DKIM_TESTDATA`, else `../shared/testdata` beside the repository),
//!   what a test does without it (skip, or fail under
//!   `DKIM_REQUIRE_TESTDATA=1`) and the line it prints when it ran.
//! - [`expected`]: the corpus' `expected.tsv` tables and its other
//!   tab-separated files.
//! - [`keys`]: key records for tests, as [`dkim_dns::ZoneFile`]s (which read
//!   the corpus' `.zone` format), and the sans-IO verifier driven over one.
//! - [`rfc8463`]: the RFC 8463 Appendix A keys, records and messages, kept in
//!   the repository so that tests need no corpus for them.
//! - [`stream`]: a message made up while it is read, for the streaming and
//!   memory tests.
//! - [`auth_results`]: a small RFC 8601 parser that reads back the
//!   `Authentication-Results` fields the library writes.
//!
//! A corpus test starts with [`Corpus::open`] and ends with
//! [`Corpus::report`] (not run here: it is not a corpus test itself):
//!
//! ```no_run
//! use dkim_testkit::Corpus;
//!
//! # fn main() {
//! let Some(corpus) = Corpus::open("example") else { return };
//! let rows = corpus.expected_rows();
//! // ... verify every row ...
//! corpus.report(rows.len(), "rows read", rows.len());
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod auth_results;
pub mod corpus;
pub mod expected;
pub mod keys;
pub mod rfc8463;
pub mod stream;

pub use corpus::Corpus;
pub use dkim_dns::ZoneFile;
pub use expected::{Eol, ExpectedRow};
pub use keys::{txt_line, verify, zone};
pub use stream::Generated;
