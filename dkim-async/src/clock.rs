//! Wall-clock time for the key cache and for signature expiry.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The current time, in seconds since the Unix epoch.
///
/// Passed in rather than read from the system, so that tests control time
/// ([`ManualClock`]).
///
/// ```
/// use dkim_async::{AsyncVerifier, Clock};
/// use dkim_core::Policy;
/// use dkim_dns::StaticKeys;
///
/// /// A clock frozen at the time a message was archived.
/// struct Archived(u64);
///
/// impl Clock for Archived {
///     fn now(&self) -> u64 {
///         self.0
///     }
/// }
///
/// assert_eq!(Archived(1_700_000_000).now(), 1_700_000_000);
/// let verifier = AsyncVerifier::new(StaticKeys::default(), Policy::default()).clock(Archived(1_700_000_000));
/// # let _ = verifier;
/// ```
pub trait Clock {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now(&self) -> u64;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> u64 {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> u64 {
        (**self).now()
    }
}

/// The operating system's clock ([`SystemTime`]).
///
/// ```
/// use dkim_async::{Clock, SystemClock};
/// assert!(SystemClock.now() > 1_700_000_000);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        // A clock set before 1970 reads as the epoch.
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
    }
}

/// A clock that moves only when told to: for tests, and for replaying mail
/// at a fixed time. Share it by reference or in an [`Arc`].
///
/// ```
/// use dkim_async::{Clock, ManualClock};
/// let clock = ManualClock::new(1_000);
/// clock.advance(30);
/// assert_eq!(clock.now(), 1_030);
/// clock.set(5);
/// assert_eq!(clock.now(), 5);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicU64,
}

impl ManualClock {
    /// A clock showing `unix_seconds`.
    ///
    /// ```
    /// use dkim_async::{Clock, ManualClock};
    /// assert_eq!(ManualClock::new(1_700_000_000).now(), 1_700_000_000);
    /// assert_eq!(ManualClock::default().now(), 0);
    /// ```
    pub fn new(unix_seconds: u64) -> Self {
        Self { now: AtomicU64::new(unix_seconds) }
    }

    /// Sets the time.
    ///
    /// ```
    /// use dkim_async::{Clock, ManualClock};
    /// let clock = ManualClock::new(1_000);
    /// clock.set(500); // may go back
    /// assert_eq!(clock.now(), 500);
    /// ```
    pub fn set(&self, unix_seconds: u64) {
        self.now.store(unix_seconds, Ordering::SeqCst);
    }

    /// Moves the time forward by `seconds`.
    ///
    /// ```
    /// use dkim_async::{Clock, ManualClock};
    /// let clock = ManualClock::new(1_000);
    /// clock.advance(60);
    /// clock.advance(60);
    /// assert_eq!(clock.now(), 1_120);
    /// ```
    pub fn advance(&self, seconds: u64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}
