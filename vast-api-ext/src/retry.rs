//! Retries: `RetryConfig`, the safety table, the shared retry quota and
//! per-endpoint pacing, and the injectable `Clock`.
//!
//! # When a failed attempt is retried
//!
//! This is the one classification table; the private function `classify` is
//! its code, and a unit test reads the rows below and checks each against
//! `classify` and the retry decision, so the two cannot drift apart.
//!
//! | failure | may it have been applied? | copy (PUT) | cloud copy (POST) | cancel sync (DELETE) |
//! |---|---|---|---|---|
//! | connection refused, DNS, TLS handshake (connect errors) | no | retry | retry | retry |
//! | `429`, `503`, `408` | no | retry | retry | retry |
//! | timeout or reset after the request was sent | maybe | retry | **no** (unless [`RetryConfig::with_retry_non_idempotent`]) | retry |
//! | `500`, `502`, `504` | maybe | retry | **no** (unless opted in) | retry |
//! | a `2xx` answer over the body limit ([`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes)); a non-2xx one over it is classified by its status, in the rows above and below | maybe | retry | **no** (unless opted in) | retry |
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
        let mut state = self.lock();
        state.0 = state.0.saturating_add(by);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Duration, Vec<Duration>)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        later(self.start, self.elapsed())
    }

    fn system_now(&self) -> SystemTime {
        self.wall.checked_add(self.elapsed()).unwrap_or(self.wall)
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        let mut state = self.lock();
        state.0 = state.0.saturating_add(duration);
        state.1.push(duration);
        Box::pin(std::future::ready(()))
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

/// The longest `Retry-After` ever read (a day): a larger value, in seconds or
/// as an HTTP-date, is read as this. Waits longer than
/// [`RetryConfig::with_max_retry_after`] are refused anyway; the ceiling keeps
/// the arithmetic on instants finite.
pub const RETRY_AFTER_CEILING: Duration = Duration::from_secs(24 * 60 * 60);

/// The retry policy of a [`Client`](crate::Client). Build it from
/// [`RetryConfig::standard`] or [`RetryConfig::disabled`] and the `with_*`
/// setters.
///
/// | setting | `standard()` | `disabled()` |
/// |---|---|---|
/// | max attempts (including the first) | 3 | 1 |
/// | backoff | full jitter: `rand × min(cap, base × 2^(n-1))`, base 1 s, cap 20 s | — |
/// | `Retry-After` (seconds or HTTP-date, read up to [`RETRY_AFTER_CEILING`]) | honoured once, as "not before": the retry, and the endpoint's next request, start no earlier than `min(Retry-After, 60 s)` after the `429`; one longer than 60 s ends the call with [`Error::RateLimited`](crate::Error::RateLimited) | — |
/// | retry quota (shared by all clones) | 500 tokens, 5 per retry, 10 per retry after a timeout; a success refunds the call's tokens (or adds 1) | off |
/// | pacing per endpoint (shared by all clones) | on: 1 request in flight per endpoint; after a `429` (with any `Retry-After`, `0` included, or none), a request starts no earlier than the pacing interval (`min(default pacing interval, max Retry-After)`, 1 s) after the previous one started *and* after the previous one ended; the interval halves after every 10 successes and drops to 0 below 10 ms | off |
/// | retry of cloud copy (POST) after a failure that may have been applied | no | no |
///
/// See the [module docs](crate::retry) for which failures are retried.
///
/// **Why one request in flight per endpoint.** Vast enforces a minimum
/// interval between requests to one endpoint and answers `429` to a request
/// that arrives sooner; it says so only after the fact, and without
/// `Retry-After`. Requests in flight together to one endpoint arrive
/// together, so a burst of concurrent calls would earn a `429` for all but
/// one of them. With one in flight, a burst queues in the client, and after
/// the first `429` the pacing interval spaces the queue. Calls to different
/// endpoints are not held back by each other. To raise the limit (a server
/// without that rule, or a proxy that queues), use
/// [`with_max_in_flight_per_endpoint`](RetryConfig::with_max_in_flight_per_endpoint);
/// [`with_pacing(false)`](RetryConfig::with_pacing) removes both the limit and the spacing.
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

    /// The pacing interval an endpoint gets after a `429` (default 1 s),
    /// whatever its `Retry-After` (which is waited for once). Capped at the
    /// max `Retry-After`; it halves after every 10 successes.
    pub fn with_default_pacing_interval(mut self, interval: Duration) -> Self {
        self.default_pacing_interval = interval;
        self
    }

    /// How many requests may be in flight to one endpoint when pacing is on
    /// (default 1: Vast enforces a minimum interval per endpoint, so
    /// concurrent requests to one endpoint only earn `429`s; see the
    /// [type docs](RetryConfig) for when to raise it). At least 1.
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
    /// Values outside `[0, 1]` are clamped; NaN and infinities count as 0.
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
        let r = (self.rng)();
        let r = if r.is_finite() {
            r.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Duration::try_from_secs_f64(exp.as_secs_f64() * r)
            .unwrap_or(exp)
            .min(exp)
    }

    /// The pacing interval an endpoint gets after a `429`.
    fn pacing_interval(&self) -> Duration {
        self.default_pacing_interval.min(self.max_retry_after)
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
    /// A `2xx` answer whose body was over the limit: the request was
    /// received, and may have been applied.
    TooLarge,
    /// `200 {success:false}` or an undecodable body: the answer is final.
    Final,
}

/// The retry table of the module docs, in code.
pub(crate) fn classify(failure: Failure) -> Safety {
    match failure {
        Failure::Connect => Safety::NotApplied,
        Failure::Status(408 | 429 | 503) => Safety::NotApplied,
        Failure::Timeout | Failure::Transport | Failure::TooLarge => Safety::MaybeApplied,
        Failure::Status(500 | 502 | 504) => Safety::MaybeApplied,
        Failure::Status(_) | Failure::Final => Safety::Final,
    }
}

/// The failure of an answer with `status` whose body was over the limit: a
/// `2xx` is [`Failure::TooLarge`], any other status is classified as that
/// status (a `503` with an endless body is still a `503`).
pub(crate) fn too_large(status: u16) -> Failure {
    if (200..300).contains(&status) {
        Failure::TooLarge
    } else {
        Failure::Status(status)
    }
}

/// State shared by all clones of a client: the retry quota and the pacers.
#[derive(Debug)]
pub(crate) struct Shared {
    quota: Mutex<u32>,
    /// One pacer per operation, at [`Operation::index`].
    pacers: [Pacer; Operation::COUNT],
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
            let earliest = later(self.clock.now(), s.interval);
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
            pacers: std::array::from_fn(|_| pacer()),
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

    /// Waits for a slot to send to `op`'s endpoint; `Err(Some(wait))` if the
    /// slot would start after `deadline` (`wait` from now), `Err(None)` if the
    /// endpoint is closed. The slot must be held during the attempt:
    /// releasing it (also by dropping a cancelled call) lets the next request
    /// start no earlier than one interval after this attempt *ended*.
    pub(crate) async fn pace<'a>(
        &'a self,
        config: &'a RetryConfig,
        op: Operation,
        deadline: Instant,
    ) -> Result<Option<PaceSlot<'a>>, Option<Duration>> {
        if !config.pacing {
            return Ok(None);
        }
        let pacer = &self.pacers[op.index()];
        let permit = pacer.in_flight.acquire().await.map_err(|_| None)?;
        let clock = config.clock();
        let start = {
            let mut s = pacer.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = clock.now();
            let start = s.next_start.map_or(now, |n| n.max(now));
            if start > deadline {
                return Err(Some(start.saturating_duration_since(now)));
            }
            s.next_start = Some(later(start, s.interval));
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

    /// After a `429` on `op`: the next request starts no earlier than
    /// `retry_after` (at most the max `Retry-After`; without one, the pacing
    /// interval) from now, once; from then on requests are spaced by the
    /// pacing interval, which relaxes after successes.
    pub(crate) fn throttled(
        &self,
        config: &RetryConfig,
        op: Operation,
        retry_after: Option<Duration>,
    ) {
        if !config.pacing {
            return;
        }
        let interval = config.pacing_interval();
        let not_before = retry_after.map_or(interval, |after| after.min(config.max_retry_after));
        let mut s = self.pacers[op.index()]
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        s.interval = s.interval.max(interval);
        s.successes = 0;
        let earliest = later(config.clock().now(), not_before);
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
    let after = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs.min(RETRY_AFTER_CEILING.as_secs()))
    } else if let Ok(secs) = value.parse::<f64>() {
        if !(secs.is_finite() && secs >= 0.0) {
            return None;
        }
        Duration::from_secs_f64(secs.min(RETRY_AFTER_CEILING.as_secs_f64()))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(after.min(RETRY_AFTER_CEILING))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of the module docs' table: each cell of a `//! |` line,
    /// without the header and separator rows.
    fn doc_rows() -> Vec<Vec<String>> {
        include_str!("retry.rs")
            .lines()
            .filter_map(|line| line.strip_prefix("//! |"))
            .map(|row| {
                row.trim_end_matches('|')
                    .split('|')
                    .map(|cell| cell.trim().to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|cells| cells[0] != "failure" && !cells[0].starts_with("---"))
            .collect()
    }

    /// The failures a row's first cell names: every status in backticks,
    /// and the classes it names in words. `other` stands for every 4xx/5xx
    /// status no other row names.
    fn named_failures(cell: &str, explicit: &[u16]) -> Vec<Failure> {
        let mut failures = Vec::new();
        for (i, part) in cell.split('`').enumerate() {
            if i % 2 == 1
                && let Ok(code) = part.parse::<u16>()
            {
                failures.push(Failure::Status(code));
            }
        }
        if cell.contains("connect errors") {
            failures.push(Failure::Connect);
        }
        if cell.contains("timeout or reset after the request was sent") {
            failures.extend([Failure::Timeout, Failure::Transport]);
        }
        if cell.contains("undecodable body") || cell.contains("{success:false}") {
            failures.push(Failure::Final);
        }
        if cell.contains("`2xx` answer over the body limit") {
            failures.push(too_large(200));
        }
        if cell.contains("other 4xx") {
            failures.extend(
                (400..500)
                    .filter(|c| !explicit.contains(c))
                    .map(Failure::Status),
            );
        }
        if cell.contains("other 5xx") {
            failures.extend(
                (500..600)
                    .filter(|c| !explicit.contains(c))
                    .map(Failure::Status),
            );
        }
        // The "other" row's examples (`400`…) are also in its ranges.
        let mut unique = Vec::new();
        for failure in failures {
            if !unique.contains(&failure) {
                unique.push(failure);
            }
        }
        unique
    }

    #[test]
    fn the_table_matches_the_docs() {
        let rows = doc_rows();
        assert_eq!(rows.len(), 6, "the table's rows: {rows:?}");
        // Statuses a row names in backticks, except the "other" row's examples.
        let explicit: Vec<u16> = rows
            .iter()
            .filter(|r| !r[0].contains("other"))
            .flat_map(|r| named_failures(&r[0], &[]))
            .filter_map(|f| match f {
                Failure::Status(c) => Some(c),
                _ => None,
            })
            .collect();
        let standard = RetryConfig::standard();
        let opt_in = RetryConfig::standard().with_retry_non_idempotent(true);
        let mut covered = Vec::new();
        for row in &rows {
            assert_eq!(row.len(), 5, "{row:?}");
            let safety = match row[1].as_str() {
                "no" => Safety::NotApplied,
                "maybe" => Safety::MaybeApplied,
                "—" => Safety::Final,
                other => panic!("unknown \"applied?\" cell {other:?} in {row:?}"),
            };
            let failures = named_failures(&row[0], &explicit);
            assert!(!failures.is_empty(), "a row names no failure: {row:?}");
            for failure in failures {
                assert_eq!(classify(failure), safety, "{failure:?} in {row:?}");
                let ops = [Operation::Copy, Operation::CloudCopy, Operation::CancelSync];
                for (op, cell) in ops.into_iter().zip(&row[2..]) {
                    let (retried, opted_in) = if cell == "retry" {
                        (true, true)
                    } else if cell.starts_with("**no**") && cell.contains("unless") {
                        (false, true)
                    } else if cell == "never" {
                        (false, false)
                    } else {
                        panic!("unknown cell {cell:?} in {row:?}")
                    };
                    assert_eq!(standard.may_retry(op, safety), retried, "{op} {row:?}");
                    assert_eq!(
                        opt_in.may_retry(op, safety),
                        opted_in,
                        "{op} opted in {row:?}"
                    );
                }
                covered.push(failure);
            }
        }
        // Every failure is in exactly one row.
        let mut all = vec![
            Failure::Connect,
            Failure::Timeout,
            Failure::Transport,
            Failure::TooLarge,
            Failure::Final,
        ];
        all.extend((400..600).map(Failure::Status));
        for failure in all {
            let n = covered.iter().filter(|f| **f == failure).count();
            assert_eq!(n, 1, "{failure:?} is in {n} rows of the table");
        }
    }

    #[test]
    fn answers_over_the_body_limit_are_classified_as_the_table_says() {
        // The over-the-limit row: every 2xx is the row's own failure; "a
        // non-2xx one over it is classified by its status".
        let row = doc_rows()
            .into_iter()
            .find(|r| r[0].contains("over the body limit"))
            .unwrap();
        assert!(row[0].contains("non-2xx one over it is classified by its status"));
        for status in 200..300 {
            assert_eq!(too_large(status), Failure::TooLarge, "{status}");
        }
        for status in (100..200).chain(300..600) {
            assert_eq!(too_large(status), Failure::Status(status), "{status}");
        }
    }

    #[test]
    fn a_huge_retry_after_is_clamped_in_both_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        for value in [
            "18446744073709551615",
            "99999999999999999999",
            "1e300",
            "86401",
        ] {
            assert_eq!(
                parse_retry_after(value, now),
                Some(RETRY_AFTER_CEILING),
                "{value}"
            );
        }
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now),
            Some(RETRY_AFTER_CEILING)
        );
    }

    #[tokio::test]
    async fn no_instant_arithmetic_overflows() {
        let now = Instant::now();
        assert_eq!(
            later(now, Duration::from_secs(5)),
            now + Duration::from_secs(5)
        );
        assert!(later(now, Duration::MAX) > now);
        let clock = Arc::new(VirtualClock::new());
        let c = RetryConfig::standard()
            .with_clock(clock.clone())
            .with_max_retry_after(Duration::MAX)
            .with_default_pacing_interval(Duration::MAX);
        let s = Shared::new(&c);
        let op = Operation::Copy;
        s.throttled(&c, op, Some(Duration::MAX));
        s.throttled(&c, op, None);
        // The slot is beyond any deadline: refused, not a panic.
        let deadline = later(clock.now(), Duration::from_secs(300));
        let refused = s.pace(&c, op, deadline).await;
        assert!(matches!(refused, Err(Some(wait)) if wait > Duration::from_secs(300)));
        let slot = s.pace(&c, op, later(clock.now(), Duration::MAX)).await;
        assert!(matches!(slot, Ok(Some(_))));
        drop(slot);
        clock.advance(Duration::MAX);
        assert!(clock.now() > now);
    }

    #[test]
    fn backoff_survives_odd_random_values_and_huge_settings() {
        for rng in [|| f64::NAN, || f64::INFINITY, || f64::NEG_INFINITY, || -1.0] {
            let c = RetryConfig::standard().with_rng(rng);
            assert_eq!(c.backoff(3), Duration::ZERO);
        }
        let c = RetryConfig::standard().with_rng(|| 2.0);
        assert_eq!(c.backoff(1), Duration::from_secs(1), "clamped to 1");
        let huge = RetryConfig::standard()
            .with_backoff(Duration::MAX, Duration::MAX)
            .with_rng(|| 1.0);
        assert_eq!(huge.backoff(1), Duration::MAX);
        assert_eq!(huge.backoff(40), Duration::MAX);
        let half = RetryConfig::standard()
            .with_backoff(Duration::MAX, Duration::MAX)
            .with_rng(|| 0.5);
        assert!(half.backoff(2) < Duration::MAX);
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
        let c = RetryConfig::standard()
            .with_clock(clock.clone())
            .with_default_pacing_interval(Duration::from_millis(200));
        let s = Shared::new(&c);
        let op = Operation::CloudCopy;
        let far = clock.now() + Duration::from_secs(60);
        s.throttled(&c, op, None);
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
        // A slot that would start after the deadline is refused, saying when.
        let near = clock.now() + Duration::from_millis(100);
        assert_eq!(
            s.pace(&c, op, near).await.err(),
            Some(Some(Duration::from_millis(200)))
        );
    }

    #[test]
    fn pacing_widens_on_429_and_relaxes_after_successes() {
        let c = RetryConfig::standard().with_default_pacing_interval(Duration::from_millis(200));
        let s = Shared::new(&c);
        s.throttled(&c, Operation::CloudCopy, None);
        assert_eq!(s.interval(Operation::CloudCopy), Duration::from_millis(200));
        assert_eq!(s.interval(Operation::Copy), Duration::ZERO, "per endpoint");
        for _ in 0..RELAX_AFTER - 1 {
            s.succeeded(&c, Operation::CloudCopy);
        }
        assert_eq!(s.interval(Operation::CloudCopy), Duration::from_millis(200));
        s.succeeded(&c, Operation::CloudCopy);
        assert_eq!(s.interval(Operation::CloudCopy), Duration::from_millis(100));
        s.throttled(&c, Operation::CloudCopy, None);
        assert_eq!(s.interval(Operation::CloudCopy), Duration::from_millis(200));
    }

    #[tokio::test]
    async fn retry_after_is_a_one_time_wait_and_the_interval_stays_capped() {
        let clock = Arc::new(VirtualClock::new());
        let c = RetryConfig::standard()
            .with_clock(clock.clone())
            .with_max_retry_after(Duration::from_secs(60));
        let s = Shared::new(&c);
        let op = Operation::CancelSync;
        let far = |clock: &VirtualClock| clock.now() + Duration::from_secs(300);
        // Retry-After: 50 is waited once; the standing interval is 1 s.
        s.throttled(&c, op, Some(Duration::from_secs(50)));
        assert_eq!(s.interval(op), Duration::from_secs(1));
        drop(s.pace(&c, op, far(&clock)).await);
        drop(s.pace(&c, op, far(&clock)).await);
        assert_eq!(
            clock.sleeps(),
            [Duration::from_secs(50), Duration::from_secs(1)]
        );
        // Retry-After: 3600 is cut to the max (60 s), never a standing 3600 s.
        s.throttled(&c, op, Some(Duration::from_secs(3600)));
        assert_eq!(s.interval(op), Duration::from_secs(1));
        drop(s.pace(&c, op, far(&clock)).await);
        assert_eq!(clock.sleeps()[2], Duration::from_secs(60));
        // Retry-After: 0 still engages pacing at the default interval.
        let fresh = Shared::new(&c);
        fresh.throttled(&c, op, Some(Duration::ZERO));
        assert_eq!(fresh.interval(op), Duration::from_secs(1));
        // The interval never exceeds the max Retry-After.
        let capped = RetryConfig::standard()
            .with_max_retry_after(Duration::from_secs(2))
            .with_default_pacing_interval(Duration::from_secs(30));
        let s = Shared::new(&capped);
        s.throttled(&capped, op, None);
        assert_eq!(s.interval(op), Duration::from_secs(2));
    }
}
