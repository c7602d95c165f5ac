//! Pacing per endpoint, shared by all clones of a client: how many requests
//! may be in flight to one endpoint, and after a `429` how far apart they
//! start. Waits go through the client's [`Clock`]; the wait for a free slot
//! is raced against the call's deadline.

use super::clock::{Clock, later};
use super::deadline::{Deadline, within};
use super::pacing_config::PacingConfig;
use crate::Operation;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Successes after which the pacing interval halves.
const RELAX_AFTER: u32 = 10;
/// Below this, the pacing interval drops to zero.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// One pacer per operation, at [`Operation::index`].
#[derive(Debug)]
pub(crate) struct Pacing {
    on: bool,
    /// The standing interval after a `429`.
    interval: Duration,
    /// The longest one-time wait a `Retry-After` can impose.
    max_retry_after: Duration,
    /// Requests in flight allowed per endpoint.
    permits: usize,
    pacers: [Pacer; Operation::COUNT],
}

#[derive(Debug)]
struct Pacer {
    /// Whether a `429` engaged the spacing (a non-zero interval). Until it
    /// does, a request's turn is only the in-flight limit: the state's lock
    /// and the clock are not touched.
    engaged: AtomicBool,
    state: Mutex<PaceState>,
    in_flight: tokio::sync::Semaphore,
    /// Calls waiting for a request in flight to end (for the message of one
    /// whose deadline came while it waited).
    waiting: AtomicUsize,
}

#[derive(Debug)]
struct PaceState {
    interval: Duration,
    next_start: Option<Instant>,
    successes: u32,
}

impl Pacer {
    fn lock(&self) -> MutexGuard<'_, PaceState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A call counted among an endpoint's waiting calls, until dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why no slot was given: nothing is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NoSlot {
    /// The endpoint's next slot starts after the deadline, this far from now.
    AfterDeadline(Duration),
    /// The deadline came before the turn did (before spacing was ever
    /// engaged, with no request in flight to wait for).
    DeadlinePassed,
    /// The deadline came while the call waited `waited` for a request in
    /// flight to end, with `ahead` requests in flight or waiting before it.
    Queued { waited: Duration, ahead: usize },
}

/// A request's turn at its endpoint, held while the attempt runs.
///
/// The server measures its minimum interval between the *arrivals* of
/// requests, which the client does not see; it sees when it sent a request
/// and when the answer came back. Spacing sends (start to start) lets a
/// request that left late and arrived late be followed by one that left on
/// time and arrives less than the interval after it: a `429`. So releasing a
/// slot also moves the next start to at least one interval after this
/// attempt ended; with one request in flight, the next request then arrives
/// more than the interval after the server accepted this one, which it did
/// before it answered.
pub(crate) struct PaceSlot<'a> {
    pacer: &'a Pacer,
    clock: &'a dyn Clock,
    _permit: tokio::sync::SemaphorePermit<'a>,
}

impl std::fmt::Debug for PaceSlot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaceSlot").finish_non_exhaustive()
    }
}

impl Drop for PaceSlot<'_> {
    fn drop(&mut self) {
        if !self.pacer.engaged.load(Ordering::Acquire) {
            return;
        }
        // Runs before `_permit` is released, so the next holder sees it.
        let mut s = self.pacer.lock();
        if !s.interval.is_zero() {
            let earliest = later(self.clock.now(), s.interval);
            s.next_start = Some(s.next_start.map_or(earliest, |n| n.max(earliest)));
        }
    }
}

impl Pacing {
    /// Pacers for `config`; a `Retry-After` is waited for up to
    /// `max_retry_after` (the retry settings'), which also caps the interval.
    pub(crate) fn new(config: &PacingConfig, max_retry_after: Duration) -> Self {
        let permits = config
            .max_in_flight_per_endpoint()
            .min(tokio::sync::Semaphore::MAX_PERMITS);
        let pacer = || Pacer {
            engaged: AtomicBool::new(false),
            state: Mutex::new(PaceState {
                interval: Duration::ZERO,
                next_start: None,
                successes: 0,
            }),
            in_flight: tokio::sync::Semaphore::new(permits),
            waiting: AtomicUsize::new(0),
        };
        Self {
            on: config.is_enabled(),
            interval: config.default_interval().min(max_retry_after),
            max_retry_after,
            permits,
            pacers: std::array::from_fn(|_| pacer()),
        }
    }

    /// Waits for a slot to send to `op`'s endpoint (`None` when pacing is
    /// off). The slot must be held during the attempt: releasing it (also by
    /// dropping a cancelled call) lets the next request start no earlier
    /// than one interval after this attempt *ended*.
    pub(crate) async fn slot<'a>(
        &'a self,
        clock: &'a dyn Clock,
        op: Operation,
        deadline: Deadline,
    ) -> Result<Option<PaceSlot<'a>>, NoSlot> {
        if !self.on {
            return Ok(None);
        }
        let pacer = &self.pacers[op.index()];
        let permit = match pacer.in_flight.try_acquire() {
            // A free slot: no wait, no clock.
            Ok(permit) => permit,
            Err(_) => self.queue(clock, pacer, deadline).await?,
        };
        let now = clock.now();
        if now >= deadline.at() {
            return Err(NoSlot::DeadlinePassed);
        }
        if !pacer.engaged.load(Ordering::Acquire) {
            // No spacing: the turn is now.
            return Ok(Some(PaceSlot {
                pacer,
                clock,
                _permit: permit,
            }));
        }
        let start = {
            let mut s = pacer.lock();
            let start = s.next_start.map_or(now, |n| n.max(now));
            if start > deadline.at() {
                return Err(NoSlot::AfterDeadline(start.saturating_duration_since(now)));
            }
            if !s.interval.is_zero() {
                s.next_start = Some(later(start, s.interval));
            }
            start
        };
        if start > now {
            clock.sleep(start - now).await;
        }
        Ok(Some(PaceSlot {
            pacer,
            clock,
            _permit: permit,
        }))
    }

    /// Waits for a request in flight to `pacer`'s endpoint to end, within
    /// the deadline; if the deadline comes first, how long the call waited
    /// and behind how many requests.
    async fn queue<'a>(
        &self,
        clock: &dyn Clock,
        pacer: &'a Pacer,
        deadline: Deadline,
    ) -> Result<tokio::sync::SemaphorePermit<'a>, NoSlot> {
        let in_flight = self.permits - pacer.in_flight.available_permits().min(self.permits);
        let ahead = in_flight + pacer.waiting.fetch_add(1, Ordering::Relaxed);
        // Counted out when the wait ends, or when the call is dropped in it.
        let _waiting = Waiting(&pacer.waiting);
        let started = clock.now();
        let acquire = std::pin::pin!(pacer.in_flight.acquire());
        let acquired = within(clock, || deadline.remaining(clock), acquire).await;
        let queued = || NoSlot::Queued {
            waited: clock.now().saturating_duration_since(started),
            ahead,
        };
        match acquired {
            // The wait may have used the time up.
            Some(Ok(_)) if clock.now() >= deadline.at() => Err(queued()),
            Some(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; the deadline passed.
            Some(Err(_)) | None => Err(queued()),
        }
    }

    /// After a `429` on `op`: the next request starts no earlier than
    /// `retry_after` (at most the max `Retry-After`; without one, the pacing
    /// interval) from now, once; from then on requests are spaced by the
    /// pacing interval, which relaxes after successes.
    pub(crate) fn throttled(
        &self,
        clock: &dyn Clock,
        op: Operation,
        retry_after: Option<Duration>,
    ) {
        if !self.on {
            return;
        }
        let not_before = retry_after.map_or(self.interval, |after| after.min(self.max_retry_after));
        let pacer = &self.pacers[op.index()];
        let mut s = pacer.lock();
        s.interval = s.interval.max(self.interval);
        s.successes = 0;
        pacer.engaged.store(true, Ordering::Release);
        let earliest = later(clock.now(), not_before);
        s.next_start = Some(s.next_start.map_or(earliest, |n| n.max(earliest)));
    }

    /// After a success on `op`: relax the interval every [`RELAX_AFTER`] successes.
    pub(crate) fn succeeded(&self, op: Operation) {
        if !self.on {
            return;
        }
        let pacer = &self.pacers[op.index()];
        if !pacer.engaged.load(Ordering::Acquire) {
            return;
        }
        let mut s = pacer.lock();
        if s.interval.is_zero() {
            return;
        }
        s.successes += 1;
        if s.successes >= RELAX_AFTER {
            s.successes = 0;
            s.interval /= 2;
            if s.interval < MIN_INTERVAL {
                // Relaxed: every turn so far has started at or after the
                // last `not before`, so nothing is pending.
                s.interval = Duration::ZERO;
                s.next_start = None;
                pacer.engaged.store(false, Ordering::Release);
            }
        }
    }

    #[cfg(test)]
    fn interval(&self, op: Operation) -> Duration {
        self.pacers[op.index()].lock().interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::VirtualClock;
    use std::sync::Arc;

    /// The standard retries' longest `Retry-After`.
    const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

    fn far(clock: &VirtualClock) -> Deadline {
        Deadline::after(clock, Duration::from_secs(300))
    }

    #[tokio::test]
    async fn no_instant_arithmetic_overflows() {
        let clock = Arc::new(VirtualClock::new());
        let c = PacingConfig::standard().with_default_interval(Duration::MAX);
        let p = Pacing::new(&c, Duration::MAX);
        let op = Operation::Copy;
        p.throttled(&*clock, op, Some(Duration::MAX));
        p.throttled(&*clock, op, None);
        // The slot is beyond any deadline: refused, not a panic.
        let refused = p.slot(&*clock, op, far(&clock)).await;
        assert!(
            matches!(refused, Err(NoSlot::AfterDeadline(wait)) if wait > Duration::from_secs(300))
        );
        let slot = p
            .slot(&*clock, op, Deadline::after(&*clock, Duration::MAX))
            .await;
        assert!(matches!(slot, Ok(Some(_))));
        drop(slot);
        clock.advance(Duration::MAX);
    }

    #[tokio::test]
    async fn pacing_spaces_from_the_end_of_the_previous_attempt() {
        let clock = Arc::new(VirtualClock::new());
        let c = PacingConfig::standard().with_default_interval(Duration::from_millis(200));
        let p = Pacing::new(&c, MAX_RETRY_AFTER);
        let op = Operation::CloudCopy;
        let far = far(&clock);
        p.throttled(&*clock, op, None);
        let slot = p.slot(&*clock, op, far).await;
        assert_eq!(clock.sleeps(), [Duration::from_millis(200)]);
        // The attempt takes 50 ms: the next request waits 200 ms from its
        // end (not 150 ms, which would space the sends only).
        clock.advance(Duration::from_millis(50));
        drop(slot);
        let slot = p.slot(&*clock, op, far).await;
        assert!(matches!(slot, Ok(Some(_))));
        assert_eq!(clock.sleeps()[1], Duration::from_millis(200));
        drop(slot);
        // A slot that would start after the deadline is refused, saying when.
        let near = Deadline::after(&*clock, Duration::from_millis(100));
        assert_eq!(
            p.slot(&*clock, op, near).await.err(),
            Some(NoSlot::AfterDeadline(Duration::from_millis(200)))
        );
    }

    #[tokio::test]
    async fn the_wait_for_a_request_in_flight_ends_at_the_deadline() {
        let clock = Arc::new(VirtualClock::new());
        let p = Arc::new(Pacing::new(&PacingConfig::standard(), MAX_RETRY_AFTER));
        let op = Operation::Copy;
        let held = p.slot(&*clock, op, far(&clock)).await;
        assert!(matches!(held, Ok(Some(_))));
        let (waiter, waiting_clock) = (p.clone(), clock.clone());
        let deadline = Deadline::after(&*clock, Duration::from_secs(5));
        let queued = tokio::spawn(async move {
            waiter
                .slot(&*waiting_clock, op, deadline)
                .await
                .map(|s| s.is_some())
        });
        // The queued call races its deadline on the clock: 5 s of virtual time.
        assert_eq!(clock.advance_to_next_timer().await, Duration::from_secs(5));
        // …and says how long it waited, behind the one request in flight.
        assert_eq!(
            queued.await.unwrap(),
            Err(NoSlot::Queued {
                waited: Duration::from_secs(5),
                ahead: 1
            })
        );
        drop(held);
    }

    #[tokio::test]
    async fn a_call_dropped_while_it_waits_is_no_longer_counted_ahead() {
        let clock = Arc::new(VirtualClock::new());
        let p = Arc::new(Pacing::new(&PacingConfig::standard(), MAX_RETRY_AFTER));
        let op = Operation::Copy;
        let held = p.slot(&*clock, op, far(&clock)).await;
        assert!(matches!(held, Ok(Some(_))));
        let (waiter, waiting_clock) = (p.clone(), clock.clone());
        let deadline = far(&clock);
        let queued =
            tokio::spawn(async move { waiter.slot(&*waiting_clock, op, deadline).await.is_ok() });
        let waiting = || p.pacers[op.index()].waiting.load(Ordering::Relaxed);
        while waiting() == 0 {
            tokio::task::yield_now().await;
        }
        queued.abort();
        assert!(queued.await.is_err_and(|e| e.is_cancelled()));
        assert_eq!(waiting(), 0);
        drop(held);
    }

    #[tokio::test]
    async fn no_slot_is_given_at_the_deadline_itself() {
        let clock = Arc::new(VirtualClock::new());
        let p = Pacing::new(&PacingConfig::standard(), MAX_RETRY_AFTER);
        let now = Deadline::after(&*clock, Duration::ZERO);
        // Not engaged: the deadline has come, not a rate limit. (A turn
        // that comes exactly at the deadline, when engaged, is given: the
        // attempt loop sends nothing without time left.)
        assert_eq!(
            p.slot(&*clock, Operation::Copy, now).await.err(),
            Some(NoSlot::DeadlinePassed)
        );
        // Engaged: the same (not a rate limit with no wait).
        p.throttled(&*clock, Operation::Copy, None);
        assert_eq!(
            p.slot(&*clock, Operation::Copy, now).await.err(),
            Some(NoSlot::DeadlinePassed)
        );
    }

    #[test]
    fn pacing_widens_on_429_and_relaxes_after_successes() {
        let clock = VirtualClock::new();
        let c = PacingConfig::standard().with_default_interval(Duration::from_millis(200));
        let p = Pacing::new(&c, MAX_RETRY_AFTER);
        p.throttled(&clock, Operation::CloudCopy, None);
        assert_eq!(p.interval(Operation::CloudCopy), Duration::from_millis(200));
        assert_eq!(p.interval(Operation::Copy), Duration::ZERO, "per endpoint");
        for _ in 0..RELAX_AFTER - 1 {
            p.succeeded(Operation::CloudCopy);
        }
        assert_eq!(p.interval(Operation::CloudCopy), Duration::from_millis(200));
        p.succeeded(Operation::CloudCopy);
        assert_eq!(p.interval(Operation::CloudCopy), Duration::from_millis(100));
        p.throttled(&clock, Operation::CloudCopy, None);
        assert_eq!(p.interval(Operation::CloudCopy), Duration::from_millis(200));
    }

    #[tokio::test]
    async fn a_fully_relaxed_endpoint_paces_nothing_until_the_next_429() {
        let clock = Arc::new(VirtualClock::new());
        let c = PacingConfig::standard().with_default_interval(Duration::from_millis(20));
        let p = Pacing::new(&c, MAX_RETRY_AFTER);
        let op = Operation::Copy;
        p.throttled(&*clock, op, Some(Duration::ZERO));
        // 20 ms, then 10 ms after 10 successes, then below 10 ms: zero.
        for _ in 0..2 * RELAX_AFTER {
            drop(p.slot(&*clock, op, far(&clock)).await);
            p.succeeded(op);
        }
        assert_eq!(p.interval(op), Duration::ZERO);
        let waited = clock.sleeps().len();
        for _ in 0..3 {
            drop(p.slot(&*clock, op, far(&clock)).await);
        }
        assert_eq!(clock.sleeps().len(), waited, "no spacing once relaxed");
        p.throttled(&*clock, op, None);
        drop(p.slot(&*clock, op, far(&clock)).await);
        drop(p.slot(&*clock, op, far(&clock)).await);
        assert_eq!(clock.sleeps()[waited..], [Duration::from_millis(20); 2]);
    }

    #[tokio::test]
    async fn retry_after_is_a_one_time_wait_and_the_interval_stays_capped() {
        let clock = Arc::new(VirtualClock::new());
        let c = PacingConfig::standard();
        let p = Pacing::new(&c, Duration::from_secs(60));
        let op = Operation::CancelSync;
        // Retry-After: 50 is waited once; the standing interval is 1 s.
        p.throttled(&*clock, op, Some(Duration::from_secs(50)));
        assert_eq!(p.interval(op), Duration::from_secs(1));
        drop(p.slot(&*clock, op, far(&clock)).await);
        drop(p.slot(&*clock, op, far(&clock)).await);
        assert_eq!(
            clock.sleeps(),
            [Duration::from_secs(50), Duration::from_secs(1)]
        );
        // Retry-After: 3600 is cut to the max (60 s), never a standing 3600 s.
        p.throttled(&*clock, op, Some(Duration::from_secs(3600)));
        assert_eq!(p.interval(op), Duration::from_secs(1));
        drop(p.slot(&*clock, op, far(&clock)).await);
        assert_eq!(clock.sleeps()[2], Duration::from_secs(60));
        // Retry-After: 0 still engages pacing at the default interval.
        let fresh = Pacing::new(&c, Duration::from_secs(60));
        fresh.throttled(&*clock, op, Some(Duration::ZERO));
        assert_eq!(fresh.interval(op), Duration::from_secs(1));
        // The interval never exceeds the max Retry-After.
        let capped = PacingConfig::standard().with_default_interval(Duration::from_secs(30));
        let p = Pacing::new(&capped, Duration::from_secs(2));
        p.throttled(&*clock, op, None);
        assert_eq!(p.interval(op), Duration::from_secs(2));
    }
}
