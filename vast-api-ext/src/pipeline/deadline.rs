//! The call's deadline and the race that enforces every time limit of a
//! call on the client's [`Clock`]: an attempt against its timeout, the wait
//! for the endpoint's turn against the deadline. No tokio timer is used
//! directly, so a virtual clock governs the limits as it governs the waits.

use super::clock::{Clock, Sleep, later};
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

/// When a call must be over: attempts and waits included.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline(Instant);

impl Deadline {
    /// `after` from now on `clock`.
    pub(crate) fn after(clock: &dyn Clock, after: Duration) -> Self {
        Self(later(clock.now(), after))
    }

    /// The instant itself.
    pub(crate) fn at(&self) -> Instant {
        self.0
    }

    /// Time left (zero once passed).
    pub(crate) fn remaining(&self, clock: &dyn Clock) -> Duration {
        self.0.saturating_duration_since(clock.now())
    }

    /// Whether a wait of `wait` from now would end at or after the deadline.
    pub(crate) fn crossed_by(&self, clock: &dyn Clock, wait: Duration) -> bool {
        later(clock.now(), wait) >= self.0
    }
}

/// Runs `work` for at most `limit()` on `clock`: its output, or `None` when
/// the clock's timer fired first. The timer is set (and `limit` asked) only
/// if `work` does not finish on its first poll (a free pacing slot costs no
/// timer and no clock reading), and `work` is polled first, so work that is
/// ready wins a tie. `work` is pinned by
/// the caller, where it was made: an attempt's future is kilobytes, and
/// every move of it is a copy.
pub(crate) async fn within<F: Future>(
    clock: &dyn Clock,
    limit: impl FnOnce() -> Duration,
    mut work: Pin<&mut F>,
) -> Option<F::Output> {
    let mut limit = Some(limit);
    let mut timer: Option<Sleep> = None;
    poll_fn(|cx| {
        if let Poll::Ready(out) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        let timer = timer.get_or_insert_with(|| {
            let limit = limit.take().map_or(Duration::ZERO, |limit| limit());
            clock.timer(limit)
        });
        match Pin::new(timer).poll(cx) {
            Poll::Ready(()) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::VirtualClock;
    use std::pin::pin;
    use std::sync::Arc;

    #[tokio::test]
    async fn ready_work_needs_no_timer_and_slow_work_loses_to_it() {
        let clock = Arc::new(VirtualClock::new());
        let s = Duration::from_secs;
        assert_eq!(within(&*clock, || s(1), pin!(async { 5 })).await, Some(5));
        assert_eq!(clock.pending_timers(), 0);
        let racer = clock.clone();
        let slow = tokio::spawn(async move {
            within(&*racer, || s(120), pin!(std::future::pending::<()>())).await
        });
        assert_eq!(clock.advance_to_next_timer().await, s(120));
        assert_eq!(slow.await.unwrap(), None);
        let deadline = Deadline::after(&*clock, s(300));
        assert_eq!(deadline.remaining(&*clock), s(300));
        assert!(!deadline.crossed_by(&*clock, s(299)));
        assert!(deadline.crossed_by(&*clock, s(300)));
        clock.advance(s(400));
        assert_eq!(deadline.remaining(&*clock), Duration::ZERO);
    }
}
