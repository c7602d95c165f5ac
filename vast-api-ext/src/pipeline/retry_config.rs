//! `RetryConfig`: the retry settings, as plain comparable data.

use std::time::Duration;

/// The retry settings of a [`Client`](crate::Client): plain data (`Clone`,
/// `PartialEq`), built from [`RetryConfig::standard`] or
/// [`RetryConfig::disabled`] and the `with_*` setters. The clock and the
/// random source that carry them out are the client's
/// ([`ClientBuilder::clock`](crate::ClientBuilder::clock),
/// [`ClientBuilder::rng`](crate::ClientBuilder::rng)).
///
/// | setting | `standard()` | `disabled()` |
/// |---|---|---|
/// | max attempts (including the first) | 3 | 1 |
/// | backoff | full jitter: `rand × min(cap, base × 2^(n-1))`, base 1 s, cap 20 s | — |
/// | `Retry-After` (seconds or HTTP-date, read up to [`RETRY_AFTER_CEILING`](crate::policy::RETRY_AFTER_CEILING)) | honoured once, as "not before": the retry, and the endpoint's next request, start no earlier than `min(Retry-After, 60 s)` after the `429`; one longer than 60 s ends the call with [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited) | — |
/// | retry quota (shared by all clones) | 500 tokens, 5 per retry, 10 per retry after a timeout; a success refunds the call's tokens (or adds 1) | off |
/// | pacing per endpoint (shared by all clones) | on: 1 request in flight per endpoint; after a `429` (with any `Retry-After`, `0` included, or none), a request starts no earlier than the pacing interval (`min(default pacing interval, max Retry-After)`, 1 s) after the previous one started *and* after the previous one ended; the interval halves after every 10 successes and drops to 0 below 10 ms | off |
/// | retry of cloud copy (POST) after a failure that may have been applied | no | no |
///
/// Which failures are retried is the table of [`policy`](crate::policy).
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
/// assert_ne!(fast, RetryConfig::standard());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
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
}

/// The retry quota's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QuotaConfig {
    pub(crate) capacity: u32,
    pub(crate) retry_cost: u32,
    pub(crate) timeout_cost: u32,
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
    /// call with [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited).
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

    /// Max attempts per call, including the first.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    pub(crate) fn retry_non_idempotent(&self) -> bool {
        self.retry_non_idempotent
    }

    pub(crate) fn quota(&self) -> Option<QuotaConfig> {
        self.quota
    }

    pub(crate) fn pacing(&self) -> bool {
        self.pacing
    }

    pub(crate) fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    /// The pacing interval an endpoint gets after a `429`.
    pub(crate) fn pacing_interval(&self) -> Duration {
        self.default_pacing_interval.min(self.max_retry_after)
    }

    /// The full-jitter wait before retry number `retry` (1 for the first
    /// retry), given a random value in `[0, 1]`: values outside are clamped,
    /// NaN and infinities count as 0.
    pub(crate) fn backoff(&self, retry: u32, random: f64) -> Duration {
        let exp = self
            .base
            .checked_mul(1u32 << retry.saturating_sub(1).min(30))
            .unwrap_or(self.cap)
            .min(self.cap);
        let r = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Duration::try_from_secs_f64(exp.as_secs_f64() * r)
            .unwrap_or(exp)
            .min(exp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_survives_odd_random_values_and_huge_settings() {
        let c = RetryConfig::standard();
        for r in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
            assert_eq!(c.backoff(3, r), Duration::ZERO);
        }
        assert_eq!(c.backoff(1, 2.0), Duration::from_secs(1), "clamped to 1");
        let huge = RetryConfig::standard().with_backoff(Duration::MAX, Duration::MAX);
        assert_eq!(huge.backoff(1, 1.0), Duration::MAX);
        assert_eq!(huge.backoff(40, 1.0), Duration::MAX);
        assert!(huge.backoff(2, 0.5) < Duration::MAX);
    }

    #[test]
    fn backoff_is_full_jitter_capped() {
        let c = RetryConfig::standard();
        assert_eq!(c.backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(c.backoff(2, 1.0), Duration::from_secs(2));
        assert_eq!(c.backoff(5, 1.0), Duration::from_secs(16));
        assert_eq!(c.backoff(6, 1.0), Duration::from_secs(20));
        assert_eq!(c.backoff(100, 1.0), Duration::from_secs(20));
        assert_eq!(c.backoff(2, 0.5), Duration::from_secs(1));
        assert_eq!(c.backoff(3, 0.0), Duration::ZERO);
    }
}
