//! Time for the client: the injectable [`Clock`] that every wait *and* every
//! timeout of a call goes through, the real [`TokioClock`], and (feature
//! `test-util`) the [`VirtualClock`] for tests.
//!
//! A call asks its clock for two things: a [`sleep`](Clock::sleep), a wait
//! the client decided to make (backoff, `Retry-After`, a pacing interval),
//! and a [`timer`](Clock::timer), which races something that may never
//! finish (an attempt, the wait for the endpoint's turn) so that the attempt
//! timeout and the call's deadline hold. On the real clock both are tokio's
//! `sleep`; on the virtual clock a sleep moves virtual time forward at once,
//! while a timer fires only when virtual time reaches it.
//!
// Without `test-util`, the link leads to `ClientBuilder::clock`, whose docs
// name the feature (`cargo doc` warns of no broken link).
#![cfg_attr(
    not(any(test, feature = "test-util")),
    doc = "[`VirtualClock`]: crate::ClientBuilder::clock"
)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

#[cfg(any(test, feature = "test-util"))]
pub use super::virtual_clock::VirtualClock;

/// Time, waits and timers, injectable so tests are deterministic and fast.
///
/// The default is [`TokioClock`]; set another with
/// [`ClientBuilder::clock`](crate::ClientBuilder::clock).
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// The current instant (monotonic).
    fn now(&self) -> Instant;
    /// The wall-clock time, used to read an HTTP-date `Retry-After`.
    fn system_now(&self) -> SystemTime {
        SystemTime::now()
    }
    /// A wait the client decided to make (backoff, `Retry-After`, pacing):
    /// completes after `duration`.
    fn sleep(&self, duration: Duration) -> Sleep;
    /// A timer raced against work that may not finish (an attempt, the wait
    /// for the endpoint's turn): completes once `duration` has passed on
    /// this clock. The work that finishes first wins; the loser is dropped.
    fn timer(&self, duration: Duration) -> Sleep;
}

/// The future a [`Clock`] returns for a sleep or a timer.
#[must_use = "a sleep does nothing unless awaited"]
pub struct Sleep(Pin<Box<dyn Future<Output = ()> + Send + 'static>>);

impl Sleep {
    /// Wraps a future that completes when the time is up.
    pub fn new(done: impl Future<Output = ()> + Send + 'static) -> Self {
        Self(Box::pin(done))
    }

    /// A sleep that is already over (no allocation).
    pub fn ready() -> Self {
        Self::new(std::future::ready(()))
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep").finish_non_exhaustive()
    }
}

/// The real clock: `Instant::now`, and tokio's `sleep` for both sleeps and
/// timers (the runtime needs its time driver, which `#[tokio::main]` and
/// the blocking client enable).
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Sleep::new(tokio::time::sleep(duration))
    }

    fn timer(&self, duration: Duration) -> Sleep {
        Sleep::new(tokio::time::sleep(duration))
    }
}

/// `at + by`, or the latest instant that can be represented when that
/// overflows: adding a duration to an `Instant` must never panic, whatever a
/// server or a setting says.
pub(crate) fn later(at: Instant, by: Duration) -> Instant {
    let mut by = by;
    loop {
        if let Some(t) = at.checked_add(by) {
            return t;
        }
        by /= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_instant_arithmetic_overflows() {
        let now = Instant::now();
        assert_eq!(
            later(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        assert!(later(now, Duration::MAX) > now);
    }
}
