//! Timers for deadlines, without a runtime of our own.
//!
//! Deadlines need exactly one thing from a runtime: a future that completes
//! after a while. [`Timer`] asks for that and nothing else, so the crate runs
//! under tokio, smol, async-std or `futures::executor::block_on` alike, and
//! tests can substitute a fake timer.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Sleeps for a while: what deadlines need from a runtime.
///
/// Implement it on the runtime's own timer, or use `FuturesTimer`
/// (feature `futures-timer`, on by default), which needs no runtime.
///
/// ```
/// use std::time::Duration;
/// use dkim_async::Timer;
///
/// /// Deadlines on tokio's timer.
/// struct TokioTimer;
///
/// impl Timer for TokioTimer {
///     fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
///         tokio::time::sleep(duration)
///     }
/// }
///
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
/// runtime.block_on(async { TokioTimer.sleep(Duration::from_millis(1)).await });
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait Timer {
    /// A future that completes once `duration` has passed.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;
}

impl<T: Timer + Sync + ?Sized> Timer for &T {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        (**self).sleep(duration)
    }
}

impl<T: Timer + Send + Sync + ?Sized> Timer for Arc<T> {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        (**self).sleep(duration)
    }
}

/// A timer that never fires: deadlines are not enforced.
///
/// The timer of a new [`AsyncVerifier`](crate::AsyncVerifier) until
/// [`timer`](crate::AsyncVerifier::timer) sets a real one. Lookups
/// then end only when the key source gives up (`DnsClient` has timeouts of
/// its own).
///
/// ```
/// use std::time::Duration;
/// use futures_util::FutureExt;
/// use dkim_async::{NoTimer, Timer};
///
/// assert!(NoTimer.sleep(Duration::ZERO).now_or_never().is_none());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoTimer;

impl Timer for NoTimer {
    fn sleep(&self, _duration: Duration) -> impl Future<Output = ()> + Send {
        std::future::pending()
    }
}

/// Deadlines on the `futures-timer` crate: one helper thread for all timers,
/// no runtime needed (feature `futures-timer`, on by default).
///
/// ```
/// use std::time::Duration;
/// use dkim_async::{FuturesTimer, Timer};
///
/// futures::executor::block_on(FuturesTimer.sleep(Duration::from_millis(1)));
/// ```
#[cfg(feature = "futures-timer")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FuturesTimer;

#[cfg(feature = "futures-timer")]
impl Timer for FuturesTimer {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        futures_timer::Delay::new(duration)
    }
}
