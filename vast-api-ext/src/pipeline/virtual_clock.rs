//! `VirtualClock` (feature `test-util`): virtual time, so retry schedules,
//! attempt timeouts and deadlines can be tested exactly and without waiting.

use super::clock::{Clock, Sleep, later};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, SystemTime};

/// A clock for tests (feature `test-util`).
///
/// - A [`sleep`](Clock::sleep) (backoff, `Retry-After`, pacing) returns at
///   once, moves virtual time forward by its length and is recorded
///   ([`sleeps`](Self::sleeps)).
/// - A [`timer`](Clock::timer) (an attempt's timeout, the call's deadline
///   while waiting for the endpoint) fires only when virtual time reaches
///   it, through later sleeps or [`advance`](Self::advance). A test awaits
///   [`next_timer`](Self::next_timer) to know that a call is waiting on one,
///   then advances to it: a call against a server that never answers runs
///   its 300 s deadline in virtual time, in milliseconds of real time.
///
/// Virtual time is the sum of the sleeps and advances: concurrent sleepers
/// add up rather than overlap, so prefer it for sequential calls. Set it
/// with [`ClientBuilder::clock`](crate::ClientBuilder::clock); keep an `Arc`
/// to read it.
///
/// ```
/// use std::{sync::Arc, time::Duration};
/// use vast_api_ext::{Client, clock::VirtualClock};
///
/// let clock = Arc::new(VirtualClock::new());
/// let client = Client::builder()
///     .api_key("test-key")
///     .base_url("http://127.0.0.1:9")
///     .clock(clock.clone())
///     .rng(|| 1.0) // no jitter: every backoff is its full length
///     .build()?;
/// # let _ = client;
/// assert!(clock.sleeps().is_empty());
/// clock.advance(Duration::from_secs(2));
/// assert_eq!(clock.elapsed(), Duration::from_secs(2));
/// # Ok::<(), vast_api_ext::Error>(())
/// ```
#[derive(Debug)]
pub struct VirtualClock {
    start: Instant,
    wall: SystemTime,
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    /// Notified whenever a timer is set.
    timer_set: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct State {
    elapsed: Duration,
    sleeps: Vec<Duration>,
    /// Timers not yet fired or dropped, by id: when they are due (in
    /// virtual time since the start) and who waits for them.
    timers: BTreeMap<u64, Timer>,
    next_id: u64,
}

#[derive(Debug)]
struct Timer {
    due: Duration,
    waker: Option<Waker>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves virtual time forward and wakes the timers now due.
    fn advance(&self, by: Duration) {
        let wakers: Vec<Waker> = {
            let mut state = self.lock();
            state.elapsed = state.elapsed.saturating_add(by);
            let now = state.elapsed;
            state
                .timers
                .values_mut()
                .filter(|t| t.due <= now)
                .filter_map(|t| t.waker.take())
                .collect()
        };
        for waker in wakers {
            waker.wake();
        }
    }
}

impl Default for VirtualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl VirtualClock {
    /// A virtual clock starting now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            wall: SystemTime::now(),
            shared: Arc::default(),
        }
    }

    /// Every sleep asked for so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.shared.lock().sleeps.clone()
    }

    /// Virtual time elapsed: the sum of the sleeps and the advances.
    pub fn elapsed(&self) -> Duration {
        self.shared.lock().elapsed
    }

    /// Moves virtual time forward; the timers it reaches fire.
    pub fn advance(&self, by: Duration) {
        self.shared.advance(by);
    }

    /// Timers set and not yet fired or dropped.
    pub fn pending_timers(&self) -> usize {
        self.shared.lock().timers.len()
    }

    /// Waits until a timer is pending (a call is racing one), and returns
    /// how far virtual time must move for the earliest to fire (zero if it
    /// is due already).
    pub async fn next_timer(&self) -> Duration {
        loop {
            let notified = self.shared.timer_set.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before looking, so a timer set in between is not missed.
            notified.as_mut().enable();
            {
                let state = self.shared.lock();
                if let Some(due) = state.timers.values().map(|t| t.due).min() {
                    return due.saturating_sub(state.elapsed);
                }
            }
            notified.await;
        }
    }

    /// Waits for a pending timer and advances virtual time to it; returns
    /// how far time moved.
    pub async fn advance_to_next_timer(&self) -> Duration {
        let by = self.next_timer().await;
        self.advance(by);
        by
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        later(self.start, self.elapsed())
    }

    fn system_now(&self) -> SystemTime {
        self.wall.checked_add(self.elapsed()).unwrap_or(self.wall)
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        self.shared.lock().sleeps.push(duration);
        self.shared.advance(duration);
        Sleep::ready()
    }

    fn timer(&self, duration: Duration) -> Sleep {
        let id = {
            let mut state = self.shared.lock();
            let id = state.next_id;
            state.next_id += 1;
            let due = state.elapsed.saturating_add(duration);
            state.timers.insert(id, Timer { due, waker: None });
            id
        };
        self.shared.timer_set.notify_waiters();
        Sleep::new(VirtualTimer {
            shared: self.shared.clone(),
            id,
        })
    }
}

/// A pending timer of a [`VirtualClock`]; dropping it removes it.
struct VirtualTimer {
    shared: Arc<Shared>,
    id: u64,
}

impl Future for VirtualTimer {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.shared.lock();
        let now = state.elapsed;
        match state.timers.get_mut(&self.id) {
            Some(timer) if timer.due > now => {
                timer.waker = Some(cx.waker().clone());
                Poll::Pending
            }
            _ => {
                state.timers.remove(&self.id);
                Poll::Ready(())
            }
        }
    }
}

impl Drop for VirtualTimer {
    fn drop(&mut self) {
        self.shared.lock().timers.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sleeps_move_time_and_timers_wait_for_it() {
        let clock = VirtualClock::new();
        clock.sleep(Duration::from_secs(3)).await;
        assert_eq!(clock.elapsed(), Duration::from_secs(3));
        let mut timer = clock.timer(Duration::from_secs(10));
        assert_eq!(clock.pending_timers(), 1);
        assert_eq!(clock.next_timer().await, Duration::from_secs(10));
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(Pin::new(&mut timer).poll(&mut cx).is_pending());
        clock.advance(Duration::from_secs(9));
        assert!(Pin::new(&mut timer).poll(&mut cx).is_pending());
        // A sleep moves time too: the timer is reached.
        clock.sleep(Duration::from_secs(1)).await;
        assert!(Pin::new(&mut timer).poll(&mut cx).is_ready());
        assert_eq!(clock.pending_timers(), 0);
        assert_eq!(
            clock.sleeps(),
            [Duration::from_secs(3), Duration::from_secs(1)]
        );
        // A dropped timer is no longer pending.
        drop(clock.timer(Duration::from_secs(1)));
        assert_eq!(clock.pending_timers(), 0);
        // Huge advances saturate instead of panicking.
        clock.advance(Duration::MAX);
        assert!(clock.now() > clock.start);
    }

    #[tokio::test]
    async fn next_timer_waits_for_a_timer_to_be_set() {
        let clock = Arc::new(VirtualClock::new());
        let setter = clock.clone();
        let task = tokio::spawn(async move {
            setter.timer(Duration::from_secs(5)).await;
            setter.elapsed()
        });
        assert_eq!(clock.advance_to_next_timer().await, Duration::from_secs(5));
        assert_eq!(task.await.unwrap(), Duration::from_secs(5));
    }
}
