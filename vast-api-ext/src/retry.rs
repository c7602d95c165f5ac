//! Retries: `RetryConfig`, the safety table, the shared retry quota and
//! per-endpoint pacing, and the injectable `Clock`.
//!
//! # When a failed attempt is retried
//!
//! This is the one classification table; the private function `classify` is
//! its code, and a unit test checks the two agree.
//!
//! | failure | may it have been applied? | copy (PUT) | cloud copy (POST) | cancel sync (DELETE) |
//! |---|---|---|---|---|
//! | connection refused, DNS, TLS handshake (connect errors) | no | retry | retry | retry |
//! | `429`, `503`, `408` | no | retry | retry | retry |
//! | timeout or reset after the request was sent | maybe | retry | **no** (unless [`RetryConfig::with_retry_non_idempotent`]) | retry |
//! | `500`, `502`, `504` | maybe | retry | **no** (unless opted in) | retry |
//! | other 4xx (`400`, `401`, `403`, `404`…), other 5xx, `200 {success:false}`, undecodable body | — | never | never | never |

use crate::Operation;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Time and sleeping, injectable so tests are deterministic and fast.
///
/// The default ([`TokioClock`]) uses `Instant::now`, `SystemTime::now` and
/// `tokio::time::sleep`. A test clock can advance virtual time in `sleep` and
/// return at once.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// The current instant (monotonic).
    fn now(&self) -> Instant;
    /// The wall-clock time, used to read an HTTP-date `Retry-After`.
    fn system_now(&self) -> SystemTime {
        SystemTime::now()
    }
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// The real clock: `Instant::now` and `tokio::time::sleep`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock for tests: `sleep` returns at once and advances virtual time, and
/// every wait is recorded, so retry schedules can be asserted exactly without
/// sleeping. Virtual time is the sum of all waits: concurrent sleepers add up
/// rather than overlap, so prefer it for sequential calls.
///
/// ```
/// use std::{sync::Arc, time::Duration};
/// use vast_api_ext::{RetryConfig, retry::VirtualClock};
/// let clock = Arc::new(VirtualClock::new());
/// let retry = RetryConfig::standard().with_clock(clock.clone()).with_rng(|| 1.0);
/// # let _ = retry;
/// assert!(clock.sleeps().is_empty());
/// ```
#[derive(Debug)]
pub struct VirtualClock {
    start: Instant,
    wall: SystemTime,
    state: Mutex<(Duration, Vec<Duration>)>,
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
            state: Mutex::new((Duration::ZERO, Vec::new())),
        }
    }

    /// Every wait asked for so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().1.clone()
    }

    /// Virtual time elapsed (the sum of the waits, plus [`advance`](Self::advance)).
    pub fn elapsed(&self) -> Duration {
        self.lock().0
    }

    /// Moves virtual time forward.
    pub fn advance(&self, by: Duration) {
        self.lock().0 += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Duration, Vec<Duration>)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    fn system_now(&self) -> SystemTime {
        self.wall + self.elapsed()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let mut state = self.lock();
        state.0 += duration;
        state.1.push(duration);
        Box::pin(std::future::ready(()))
    }
}

/// The retry policy of a [`Client`](crate::Client). Build it from
/// [`RetryConfig::standard`] or [`RetryConfig::disabled`] and the `with_*`
/// setters.
///
/// | setting | `standard()` | `disabled()` |
/// |---|---|---|
/// | max attempts (including the first) | 3 | 1 |
/// | backoff | full jitter: `rand × min(cap, base × 2^(n-1))`, base 1 s, cap 20 s | — |
/// | `Retry-After` (seconds or HTTP-date) | honoured; one longer than 60 s ends the call with [`Error::RateLimited`](crate::Error::RateLimited) | — |
/// | retry quota (shared by all clones) | 500 tokens, 5 per retry, 10 per retry after a timeout; a success refunds the call's tokens (or adds 1) | off |
/// | pacing per endpoint (shared by all clones) | on: 1 request in flight per endpoint; after a `429`, a request starts no earlier than its `Retry-After` (else 1 s) after the previous one started *and* after the previous one ended; the interval halves after every 10 successes | off |
/// | retry of cloud copy (POST) after a failure that may have been applied | no | no |
///
/// See the [module docs](crate::retry) for which failures are retried.
///
/// ```
/// use std::time::Duration;
/// use vast_api_ext::RetryConfig;
/// let fast = RetryConfig::standard()
///     .with_max_attempts(5)
///     .with_backoff(Duration::from_millis(10), Duration::from_millis(100));
/// assert_eq!(fast.max_attempts(), 5);
/// ```
#[derive(Clone, Debug)]
pub struct RetryConfig {
    max_attempts: u32,
    base: Duration,
    cap: Duration,
    max_retry_after: Duration,
    quota: Option<QuotaConfig>,
    pacing: bool,
    default_pacing_interval: Duration,
    max_in_flight: usize,
    retry_non_idempotent: bool,
    clock: Arc<dyn Clock>,
    rng: fn() -> f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct QuotaConfig {
    capacity: u32,
    retry_cost: u32,
    timeout_cost: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryConfig {
    /// The defaults in the table above.
    pub fn standard() -> Self {
        Self {
            max_attempts: 3,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            quota: Some(QuotaConfig {
                capacity: 500,
                retry_cost: 5,
                timeout_cost: 10,
            }),
            pacing: true,
            default_pacing_interval: Duration::from_secs(1),
            max_in_flight: 1,
            retry_non_idempotent: false,
            clock: Arc::new(TokioClock),
            rng: fastrand::f64,
        }
    }

    /// One attempt per call, no quota, no pacing.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            quota: None,
            pacing: false,
            max_in_flight: usize::MAX,
            ..Self::standard()
        }
    }

    /// Max attempts per call, including the first (at least 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Backoff base and cap: the wait before retry `n` is a uniformly random
    /// fraction of `min(cap, base × 2^(n-1))`.
    pub fn with_backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.base = base;
        self.cap = cap;
        self
    }

    /// The longest `Retry-After` the client waits for; a longer one ends the
    /// call with [`Error::RateLimited`](crate::Error::RateLimited).
    pub fn with_max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The retry quota: `capacity` tokens, `retry_cost` per retry,
    /// `timeout_cost` per retry after a timeout.
    pub fn with_quota(mut self, capacity: u32, retry_cost: u32, timeout_cost: u32) -> Self {
        self.quota = Some(QuotaConfig {
            capacity,
            retry_cost,
            timeout_cost,
        });
        self
    }

    /// No retry quota: every retryable failure is retried up to max attempts.
    pub fn without_quota(mut self) -> Self {
        self.quota = None;
        self
    }

    /// Turns adaptive pacing per endpoint on or off.
    pub fn with_pacing(mut self, on: bool) -> Self {
        self.pacing = on;
        self
    }

    /// The interval used after a `429` without `Retry-After` (default 1 s).
    pub fn with_default_pacing_interval(mut self, interval: Duration) -> Self {
        self.default_pacing_interval = interval;
        self
    }

    /// How many requests may be in flight to one endpoint when pacing is on
    /// (default 1: Vast enforces a minimum interval per endpoint, so
    /// concurrent requests to one endpoint only earn `429`s).
    pub fn with_max_in_flight_per_endpoint(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// Also retry cloud copy (POST) after failures that may have been
    /// applied (timeout after send, 500, 502, 504). This can start the same
    /// transfer twice; off by default.
    pub fn with_retry_non_idempotent(mut self, on: bool) -> Self {
        self.retry_non_idempotent = on;
        self
    }

    /// The clock used for waits and deadlines (default [`TokioClock`]).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The random source for jitter: a function returning a value in
    /// `[0, 1)` (default `fastrand::f64`). `|| 1.0` gives the full backoff.
    pub fn with_rng(mut self, rng: fn() -> f64) -> Self {
        self.rng = rng;
        self
    }

    /// Max attempts per call, including the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub(crate) fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The full-jitter wait before retry number `retry` (1 for the first retry).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base
            .checked_mul(1u32 << retry.saturating_sub(1).min(30))
            .unwrap_or(self.cap)
            .min(self.cap);
        let r = (self.rng)().clamp(0.0, 1.0);
        exp.mul_f64(r)
    }

    /// Whether a failure of class `safety` on `op` may be retried.
    pub(crate) fn may_retry(&self, op: Operation, safety: Safety) -> bool {
        match safety {
            Safety::NotApplied => true,
            Safety::MaybeApplied => op.is_idempotent() || self.retry_non_idempotent,
            Safety::Final => false,
        }
    }
}

/// What a failed attempt says about whether the request was applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Safety {
    /// Certainly not applied: safe to retry for every operation.
    NotApplied,
    /// Maybe applied: retried only for idempotent operations.
    MaybeApplied,
    /// Not worth retrying.
    Final,
}

/// A failed attempt, as seen by [`classify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection could not be made (refused, DNS, TLS handshake).
    Connect,
    /// A timeout before the answer arrived, after the request may have been sent.
    Timeout,
    /// Any other transport failure after connecting (reset, broken body).
    Transport,
    /// An answer with this status (not 2xx).
    Status(u16),
    /// `200 {success:false}` or an undecodable body: the answer is final.
    Final,
}

/// The retry table of the module docs, in code.
pub(crate) fn classify(failure: Failure) -> Safety {
    match failure {
        Failure::Connect => Safety::NotApplied,
        Failure::Status(408 | 429 | 503) => Safety::NotApplied,
        Failure::Timeout | Failure::Transport => Safety::MaybeApplied,
        Failure::Status(500 | 502 | 504) => Safety::MaybeApplied,
        Failure::Status(_) | Failure::Final => Safety::Final,
    }
}

/// State shared by all clones of a client: the retry quota and the pacers.
#[derive(Debug)]
pub(crate) struct Shared {
    quota: Mutex<u32>,
    pacers: [Pacer; 3],
}

#[derive(Debug)]
struct Pacer {
    state: Mutex<PaceState>,
    in_flight: tokio::sync::Semaphore,
}

#[derive(Debug)]
struct PaceState {
    interval: Duration,
    next_start: Option<Instant>,
    successes: u32,
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
        // Runs before `_permit` is released, so the next holder sees it.
        let mut s = self.pacer.state.lock().unwrap_or_else(|e| e.into_inner());
        if !s.interval.is_zero() {
            let earliest = self.clock.now() + s.interval;
            s.next_start = Some(s.next_start.map_or(earliest, |n| n.max(earliest)));
        }
    }
}

/// Successes after which the pacing interval halves.
const RELAX_AFTER: u32 = 10;
/// Below this, the pacing interval drops to zero.
const MIN_INTERVAL: Duration = Duration::from_millis(10);

impl Shared {
    pub(crate) fn new(config: &RetryConfig) -> Self {
        let permits = config
            .max_in_flight
            .min(tokio::sync::Semaphore::MAX_PERMITS);
        let pacer = || Pacer {
            state: Mutex::new(PaceState {
                interval: Duration::ZERO,
                next_start: None,
                successes: 0,
            }),
            in_flight: tokio::sync::Semaphore::new(permits),
        };
        Self {
            quota: Mutex::new(config.quota.map_or(0, |q| q.capacity)),
            pacers: [pacer(), pacer(), pacer()],
        }
    }

    /// Takes the tokens for a retry; `None` when the quota is exhausted.
    pub(crate) fn acquire_retry(&self, config: &RetryConfig, timeout: bool) -> Option<u32> {
        let Some(q) = config.quota else {
            return Some(0);
        };
        let cost = if timeout {
            q.timeout_cost
        } else {
            q.retry_cost
        };
        let mut tokens = self.quota.lock().unwrap_or_else(|e| e.into_inner());
        if *tokens < cost {
            return None;
        }
        *tokens -= cost;
        Some(cost)
    }

    /// After a successful call: refunds what it took, or adds one token.
    pub(crate) fn refund(&self, config: &RetryConfig, taken: u32) {
        let Some(q) = config.quota else { return };
        let mut tokens = self.quota.lock().unwrap_or_else(|e| e.into_inner());
        *tokens = (*tokens + taken.max(1)).min(q.capacity);
    }

    /// Tokens left in the retry quota.
    pub(crate) fn quota_left(&self) -> u32 {
        *self.quota.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a slot to send to `op`'s endpoint; `Err` if the slot would
    /// start after `deadline`. The slot must be held during the attempt:
    /// releasing it (also by dropping a cancelled call) lets the next request
    /// start no earlier than one interval after this attempt *ended*.
    pub(crate) async fn pace<'a>(
        &'a self,
        config: &'a RetryConfig,
        op: Operation,
        deadline: Instant,
    ) -> Result<Option<PaceSlot<'a>>, ()> {
        if !config.pacing {
            return Ok(None);
        }
        let pacer = &self.pacers[op.index()];
        let permit = pacer.in_flight.acquire().await.map_err(|_| ())?;
        let clock = config.clock();
        let start = {
            let mut s = pacer.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = clock.now();
            let start = s.next_start.map_or(now, |n| n.max(now));
            if start > deadline {
                return Err(());
            }
            s.next_start = Some(start + s.interval);
            start
        };
        let now = clock.now();
        if start > now {
            clock.sleep(start - now).await;
        }
        Ok(Some(PaceSlot {
            pacer,
            clock: clock.as_ref(),
            _permit: permit,
        }))
    }

    /// After a `429` on `op`: space requests by `interval` from now on.
    pub(crate) fn throttled(
        &self,
        config: &RetryConfig,
        op: Operation,
        interval: Option<Duration>,
    ) {
        if !config.pacing {
            return;
        }
        let interval = interval.unwrap_or(config.default_pacing_interval);
        let mut s = self.pacers[op.index()]
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        s.interval = s.interval.max(interval);
        s.successes = 0;
        let earliest = config.clock().now() + interval;
        s.next_start = Some(s.next_start.map_or(earliest, |n| n.max(earliest)));
    }

    /// After a success on `op`: relax the interval every [`RELAX_AFTER`] successes.
    pub(crate) fn succeeded(&self, config: &RetryConfig, op: Operation) {
        if !config.pacing {
            return;
        }
        let mut s = self.pacers[op.index()]
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if s.interval.is_zero() {
            return;
        }
        s.successes += 1;
        if s.successes >= RELAX_AFTER {
            s.successes = 0;
            s.interval /= 2;
            if s.interval < MIN_INTERVAL {
                s.interval = Duration::ZERO;
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn interval(&self, op: Operation) -> Duration {
        self.pacers[op.index()]
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .interval
    }
}

/// Reads a `Retry-After` value: delta-seconds or an HTTP-date.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_matches_the_docs() {
        use Failure::{Connect, Status, Timeout, Transport};
        use Safety::{MaybeApplied, NotApplied};
        let rows = [
            (Connect, NotApplied),
            (Status(429), NotApplied),
            (Status(503), NotApplied),
            (Status(408), NotApplied),
            (Timeout, MaybeApplied),
            (Transport, MaybeApplied),
            (Status(500), MaybeApplied),
            (Status(502), MaybeApplied),
            (Status(504), MaybeApplied),
            (Status(400), Safety::Final),
            (Status(401), Safety::Final),
            (Status(403), Safety::Final),
            (Status(404), Safety::Final),
            (Status(501), Safety::Final),
            (Failure::Final, Safety::Final),
        ];
        for (failure, safety) in rows {
            assert_eq!(classify(failure), safety, "{failure:?}");
        }
        let c = RetryConfig::standard();
        assert!(c.may_retry(Operation::CloudCopy, NotApplied));
        assert!(!c.may_retry(Operation::CloudCopy, MaybeApplied));
        assert!(c.may_retry(Operation::Copy, MaybeApplied));
        assert!(c.may_retry(Operation::CancelSync, MaybeApplied));
        let opt_in = RetryConfig::standard().with_retry_non_idempotent(true);
        assert!(opt_in.may_retry(Operation::CloudCopy, MaybeApplied));
        assert!(!opt_in.may_retry(Operation::Copy, Safety::Final));
    }

    #[test]
    fn backoff_is_full_jitter_capped() {
        let c = RetryConfig::standard().with_rng(|| 1.0);
        assert_eq!(c.backoff(1), Duration::from_secs(1));
        assert_eq!(c.backoff(2), Duration::from_secs(2));
        assert_eq!(c.backoff(5), Duration::from_secs(16));
        assert_eq!(c.backoff(6), Duration::from_secs(20));
        assert_eq!(c.backoff(100), Duration::from_secs(20));
        let half = RetryConfig::standard().with_rng(|| 0.5);
        assert_eq!(half.backoff(2), Duration::from_secs(1));
        let zero = RetryConfig::standard().with_rng(|| 0.0);
        assert_eq!(zero.backoff(3), Duration::ZERO);
    }

    #[test]
    fn retry_after_reads_both_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn quota_charges_retries_and_refunds_successes() {
        let c = RetryConfig::standard().with_quota(12, 5, 10);
        let s = Shared::new(&c);
        assert_eq!(s.acquire_retry(&c, false), Some(5));
        assert_eq!(s.quota_left(), 7);
        assert_eq!(s.acquire_retry(&c, true), None);
        assert_eq!(s.acquire_retry(&c, false), Some(5));
        assert_eq!(s.acquire_retry(&c, false), None);
        s.refund(&c, 5);
        assert_eq!(s.quota_left(), 7);
        s.refund(&c, 0);
        assert_eq!(s.quota_left(), 8);
        s.refund(&c, 10);
        assert_eq!(s.quota_left(), 12, "never above capacity");
    }

    #[tokio::test]
    async fn pacing_spaces_from_the_end_of_the_previous_attempt() {
        let clock = Arc::new(VirtualClock::new());
        let c = RetryConfig::standard().with_clock(clock.clone());
        let s = Shared::new(&c);
        let op = Operation::CloudCopy;
        let far = clock.now() + Duration::from_secs(60);
        s.throttled(&c, op, Some(Duration::from_millis(200)));
        let slot = s.pace(&c, op, far).await;
        assert_eq!(clock.sleeps(), [Duration::from_millis(200)]);
        // The attempt takes 50 ms: the next request waits 200 ms from its
        // end (not 150 ms, which would space the sends only).
        clock.advance(Duration::from_millis(50));
        drop(slot);
        let slot = s.pace(&c, op, far).await;
        assert!(matches!(slot, Ok(Some(_))));
        assert_eq!(clock.sleeps()[1], Duration::from_millis(200));
        drop(slot);
        // A slot that would start after the deadline is refused.
        let near = clock.now() + Duration::from_millis(100);
        assert!(s.pace(&c, op, near).await.is_err());
    }

    #[test]
    fn pacing_widens_on_429_and_relaxes_after_successes() {
        let c = RetryConfig::standard();
        let s = Shared::new(&c);
        s.throttled(&c, Operation::CloudCopy, Some(Duration::from_millis(200)));
        assert_eq!(s.interval(Operation::CloudCopy), Duration::from_millis(200));
        assert_eq!(s.interval(Operation::Copy), Duration::ZERO, "per endpoint");
        for _ in 0..RELAX_AFTER - 1 {
            s.succeeded(&c, Operation::CloudCopy);
        }
        assert_eq!(s.interval(Operation::CloudCopy), Duration::from_millis(200));
        s.succeeded(&c, Operation::CloudCopy);
        assert_eq!(s.interval(Operation::CloudCopy), Duration::from_millis(100));
        s.throttled(&c, Operation::CloudCopy, None);
        assert_eq!(s.interval(Operation::CloudCopy), Duration::from_secs(1));
    }
}
