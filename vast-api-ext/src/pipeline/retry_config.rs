//! `RetryConfig`: the retry settings, as plain comparable data.

use std::time::Duration;

/// The retry settings of a [`Client`](crate::Client): plain data (`Clone`,
/// `PartialEq`), built from [`RetryConfig::standard`] or
/// [`RetryConfig::disabled`] and the `with_*` setters. The clock and the
/// random source that carry them out are the client's
/// ([`ClientBuilder::clock`](crate::ClientBuilder::clock),
/// [`ClientBuilder::rng`](crate::ClientBuilder::rng)); the pacing of each
/// endpoint is set apart ([`PacingConfig`](crate::PacingConfig)), and
/// turning retries off leaves it as it is.
///
/// | setting | `standard()` | `disabled()` |
/// |---|---|---|
/// | max attempts (including the first) | 3 | 1 |
/// | backoff | full jitter: `rand × min(cap, base × 2^(n-1))`, base 1 s, cap 20 s | — |
/// | `Retry-After` (seconds or HTTP-date, read up to [`RETRY_AFTER_CEILING`](crate::policy::RETRY_AFTER_CEILING)) | honoured once, as "not before": the retry, and the endpoint's next request, start no earlier than `min(Retry-After, 60 s)` after the `429`; one longer than 60 s ends the call with [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited) | — |
/// | retry quota (shared by all clones) | 500 tokens, 5 per retry, 10 per retry after a timeout; a success refunds the call's tokens (or adds 1) | off |
/// | retry of cloud copy (POST) after a failure that may have been applied | no | no |
///
/// Which failures are retried is the table of [`policy`](crate::policy).
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
            retry_non_idempotent: false,
        }
    }

    /// One attempt per call, no quota. Pacing is not a retry setting
    /// ([`PacingConfig`](crate::PacingConfig)): this leaves it as it is.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            quota: None,
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
