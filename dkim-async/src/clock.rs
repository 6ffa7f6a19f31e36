//! Wall-clock time for the key cache and for signature expiry.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The current time, in seconds since the Unix epoch.
///
/// Passed in rather than read from the system, so that tests control time
/// ([`ManualClock`]).
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
    pub fn new(unix_seconds: u64) -> Self {
        Self { now: AtomicU64::new(unix_seconds) }
    }

    /// Sets the time.
    pub fn set(&self, unix_seconds: u64) {
        self.now.store(unix_seconds, Ordering::SeqCst);
    }

    /// Moves the time forward by `seconds`.
    pub fn advance(&self, seconds: u64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}
