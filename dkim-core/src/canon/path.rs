//! Which implementation of the relaxed body scan runs: chosen at run time
//! from what the processor has, or forced (benchmarks and tests measure and
//! check each path on any machine that has it).

use core::fmt;
use core::sync::atomic::{AtomicU8, Ordering};

/// An implementation of the relaxed body scan.
///
/// ```
/// use dkim_core::canon::ScanPath;
/// // Every processor runs the portable path; the fastest one available is the default.
/// assert!(ScanPath::Portable.is_available());
/// assert!(ScanPath::best().is_available());
/// assert_eq!(ScanPath::parse("avx2"), Some(ScanPath::Avx2));
/// assert_eq!(ScanPath::Avx512.as_str(), "avx512");
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScanPath {
    /// 64-byte compares with AVX-512 (F and BW), x86-64 only.
    Avx512,
    /// 32-byte compares with AVX2, x86-64 only.
    Avx2,
    /// 16-byte compares through `wide`, on every target.
    Portable,
}

/// 0: not forced; else 1 + the index in [`ScanPath::ALL`].
static FORCED: AtomicU8 = AtomicU8::new(0);

impl ScanPath {
    /// Every path, fastest first.
    pub const ALL: [ScanPath; 3] = [ScanPath::Avx512, ScanPath::Avx2, ScanPath::Portable];

    /// Whether this processor can run the path.
    ///
    /// ```
    /// use dkim_core::canon::ScanPath;
    /// let available: Vec<ScanPath> = ScanPath::ALL.into_iter().filter(|p| p.is_available()).collect();
    /// assert_eq!(available.last(), Some(&ScanPath::Portable));
    /// ```
    #[must_use]
    pub fn is_available(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            ScanPath::Avx512 => pulp::x86::V4::try_new().is_some(),
            #[cfg(target_arch = "x86_64")]
            ScanPath::Avx2 => pulp::x86::V3::try_new().is_some(),
            ScanPath::Portable => true,
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The fastest path this processor can run.
    ///
    /// ```
    /// use dkim_core::canon::ScanPath;
    /// let best = ScanPath::best();
    /// assert!(best.is_available());
    /// // Every path listed before it (a faster one) is unavailable here.
    /// assert!(ScanPath::ALL.into_iter().take_while(|&p| p != best).all(|p| !p.is_available()));
    /// ```
    #[must_use]
    pub fn best() -> Self {
        Self::ALL.into_iter().find(|p| p.is_available()).unwrap_or(ScanPath::Portable)
    }

    /// The path new canonicalizers and body hashes use: the forced one (see
    /// [`ScanPath::force`]), else [`ScanPath::best`].
    ///
    /// ```
    /// use dkim_core::canon::ScanPath;
    /// assert!(ScanPath::current().is_available());
    /// ```
    #[must_use]
    pub fn current() -> Self {
        match FORCED.load(Ordering::Relaxed) {
            0 => Self::best(),
            n => Self::ALL.get(usize::from(n - 1)).copied().unwrap_or(ScanPath::Portable),
        }
    }

    /// Makes every canonicalizer and body-hash set created afterwards (in
    /// the whole process) use `path`, or the best one again with `None`.
    /// For benchmarks that measure one path; the output is the same on
    /// every path. Per object,
    /// [`BodyCanonicalizer::with_scan_path`](crate::canon::BodyCanonicalizer::with_scan_path)
    /// and [`BodyHashes::with_scan_path`](crate::hash::BodyHashes::with_scan_path)
    /// choose without touching the others.
    ///
    /// # Errors
    ///
    /// [`ScanPathUnavailable`] when the processor cannot run `path`; nothing
    /// changes.
    ///
    /// ```
    /// use dkim_core::canon::ScanPath;
    /// ScanPath::force(Some(ScanPath::Portable))?;
    /// assert_eq!(ScanPath::current(), ScanPath::Portable);
    /// ScanPath::force(None)?;
    /// assert_eq!(ScanPath::current(), ScanPath::best());
    /// # Ok::<(), dkim_core::canon::ScanPathUnavailable>(())
    /// ```
    pub fn force(path: Option<ScanPath>) -> Result<(), ScanPathUnavailable> {
        let value = match path {
            None => 0,
            Some(p) if !p.is_available() => return Err(ScanPathUnavailable(p)),
            Some(p) => 1 + Self::ALL.iter().position(|&q| q == p).unwrap_or(2) as u8,
        };
        FORCED.store(value, Ordering::Relaxed);
        Ok(())
    }

    /// `path` if this processor can run it, else the best one it can.
    ///
    /// ```
    /// use dkim_core::canon::ScanPath;
    /// assert_eq!(ScanPath::Portable.or_available(), ScanPath::Portable); // runs everywhere
    /// assert!(ScanPath::Avx512.or_available().is_available());
    /// if !ScanPath::Avx2.is_available() {
    ///     assert_eq!(ScanPath::Avx2.or_available(), ScanPath::best());
    /// }
    /// ```
    #[must_use]
    pub fn or_available(self) -> Self {
        if self.is_available() { self } else { Self::best() }
    }

    /// The name: `avx512`, `avx2` or `portable`.
    ///
    /// ```
    /// use dkim_core::canon::ScanPath;
    /// assert_eq!(ScanPath::ALL.map(ScanPath::as_str), ["avx512", "avx2", "portable"]);
    /// assert_eq!(ScanPath::Portable.to_string(), "portable");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ScanPath::Avx512 => "avx512",
            ScanPath::Avx2 => "avx2",
            ScanPath::Portable => "portable",
        }
    }

    /// The path named `name` ([`ScanPath::as_str`], any case).
    ///
    /// ```
    /// use dkim_core::canon::ScanPath;
    /// assert_eq!(ScanPath::parse("PORTABLE"), Some(ScanPath::Portable));
    /// assert_eq!(ScanPath::parse("sse2"), None);
    /// assert!(ScanPath::ALL.into_iter().all(|p| ScanPath::parse(p.as_str()) == Some(p)));
    /// ```
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for ScanPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// [`ScanPath::force`] was asked for a path this processor cannot run.
///
/// ```
/// use dkim_core::canon::{ScanPath, ScanPathUnavailable};
/// let e = ScanPathUnavailable(ScanPath::Avx512);
/// assert_eq!(e.to_string(), "this processor cannot run the avx512 body scan");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanPathUnavailable(pub ScanPath);

impl fmt::Display for ScanPathUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "this processor cannot run the {} body scan", self.0)
    }
}

impl core::error::Error for ScanPathUnavailable {}
