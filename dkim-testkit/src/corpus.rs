//! Where the third-party corpus is, and what a corpus test says.
//!
//! The corpus (signed messages, key records and verdicts collected from RFCs
//! and other DKIM implementations; its `README.md` describes it) is not part
//! of the repository. It is looked for in one place:
//!
//! - `$DKIM_TESTDATA`, when that variable is set and not empty; otherwise
//! - `../shared/testdata`, relative to the workspace root (the directory
//!   that holds the repository's top-level `Cargo.toml`).
//!
//! When it is not there, a corpus test prints a skip line and passes, so
//! that a plain `git clone` + `cargo test --workspace` works. With
//! `DKIM_REQUIRE_TESTDATA=1` (CI sets it) the same test fails instead,
//! naming the directory it looked in.
//!
//! Both lines go straight to standard error, past the test harness' output
//! capture, so they show in every `cargo test` run:
//!
//! ```text
//! corpus: dkim-core conformance: 1480 verifications (1 backend) over 120 rows
//! corpus: SKIPPED dkim-core conformance: no corpus at /nonexistent ($DKIM_TESTDATA)
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::expected::{self, ExpectedRow};

/// The variable that names the corpus directory.
pub const TESTDATA_VAR: &str = "DKIM_TESTDATA";

/// The variable that, set to `1`, turns a missing corpus into a failure.
pub const REQUIRE_VAR: &str = "DKIM_REQUIRE_TESTDATA";

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("dkim-testkit sits in the workspace root")
}

/// `<workspace root>/../shared/testdata`, without the `..`.
fn default_dir() -> PathBuf {
    let root = workspace_root();
    root.parent().unwrap_or(root).join("shared/testdata")
}

/// Where the corpus is looked for, and why there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The directory.
    pub dir: PathBuf,
    /// Whether it came from `$DKIM_TESTDATA` (else it is the default beside
    /// the workspace).
    pub from_env: bool,
}

impl Location {
    /// The corpus directory this process uses: `$DKIM_TESTDATA` if set and
    /// not empty, else `<workspace root>/../shared/testdata`.
    ///
    /// ```
    /// let here = dkim_testkit::corpus::Location::current();
    /// assert!(here.dir.ends_with("shared/testdata") || here.from_env);
    /// ```
    pub fn current() -> Self {
        match std::env::var_os(TESTDATA_VAR) {
            Some(dir) if !dir.is_empty() => Self { dir: PathBuf::from(dir), from_env: true },
            _ => Self { dir: default_dir(), from_env: false },
        }
    }

    /// The directory and how it was chosen, for messages.
    pub fn describe(&self) -> String {
        let why = if self.from_env {
            format!("${TESTDATA_VAR}")
        } else {
            format!("../shared/testdata beside the workspace; set ${TESTDATA_VAR} to look elsewhere")
        };
        format!("{} ({why})", self.dir.display())
    }
}

/// The corpus directory if it is there (no message, no failure): for code
/// that only wants to know.
///
/// ```
/// if let Some(dir) = dkim_testkit::corpus::testdata() {
///     assert!(dir.is_dir());
/// }
/// ```
pub fn testdata() -> Option<PathBuf> {
    let dir = Location::current().dir;
    dir.is_dir().then_some(dir)
}

/// Whether `DKIM_REQUIRE_TESTDATA=1` is set.
pub fn required() -> bool {
    std::env::var_os(REQUIRE_VAR).is_some_and(|v| v == "1")
}

/// The corpus, opened by one test. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct Corpus {
    root: PathBuf,
    test: &'static str,
}

impl Corpus {
    /// Opens the corpus for the test named `test` (a short label, used in
    /// the lines printed).
    ///
    /// Returns `None` when the corpus is absent, after printing
    /// `corpus: SKIPPED <test>: no corpus at <dir>`; the test should then
    /// return (and so pass).
    ///
    /// # Panics
    ///
    /// When the corpus is absent and `DKIM_REQUIRE_TESTDATA=1` is set: the
    /// message names the directory looked in.
    pub fn open(test: &'static str) -> Option<Self> {
        let location = Location::current();
        if location.dir.is_dir() {
            return Some(Self { root: location.dir, test });
        }
        assert!(
            !required(),
            "{REQUIRE_VAR}=1, but the third-party corpus is not at {} (needed by {test})",
            location.describe()
        );
        say(&format!("corpus: SKIPPED {test}: no corpus at {}", location.describe()));
        None
    }

    /// The corpus directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A path inside the corpus.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.root.join(rel)
    }

    /// The bytes of a corpus file.
    ///
    /// # Panics
    ///
    /// When it cannot be read (the message names it).
    pub fn read(&self, rel: impl AsRef<Path>) -> Vec<u8> {
        let path = self.path(rel);
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// A corpus file as UTF-8 text.
    ///
    /// # Panics
    ///
    /// When it cannot be read or is not UTF-8.
    pub fn read_to_string(&self, rel: impl AsRef<Path>) -> String {
        let path = self.path(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// The rows of a tab-separated corpus file (see [`expected::tsv`]).
    pub fn tsv(&self, rel: impl AsRef<Path>) -> Vec<Vec<String>> {
        expected::tsv(&self.path(rel))
    }

    /// Every row of every `expected.tsv` (see [`expected::rows`]).
    pub fn expected_rows(&self) -> Vec<ExpectedRow> {
        expected::rows(&self.root)
    }

    /// Prints what the test ran: `corpus: <test>: <count> <unit> over
    /// <rows> rows`. Call it once, at the end, before the final asserts
    /// (so the line shows even when they fail).
    pub fn report(&self, count: usize, unit: &str, rows: usize) {
        say(&format!("corpus: {}: {count} {unit} over {rows} rows", self.test));
    }

    /// Prints what the test ran, for a table whose every row is one
    /// check: `corpus: <test>: <count> <unit>`.
    pub fn report_vectors(&self, count: usize, unit: &str) {
        say(&format!("corpus: {}: {count} {unit}", self.test));
    }
}

/// One line on standard error, written directly (not through `eprintln!`,
/// which the test harness captures).
fn say(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(format!("{line}\n").as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_location_is_beside_the_workspace() {
        let root = workspace_root();
        assert!(root.join("Cargo.toml").is_file() && root.join("dkim-testkit").is_dir());
        let dir = default_dir();
        assert_eq!(dir.parent().and_then(Path::parent), root.parent(), "{}", dir.display());
        assert!(dir.ends_with("shared/testdata"));
        let location = Location { dir, from_env: false };
        assert!(location.describe().contains("beside the workspace"));
    }
}
