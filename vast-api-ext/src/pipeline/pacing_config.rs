//! `PacingConfig`: the pacing settings, as plain comparable data.

use std::time::Duration;

/// How a [`Client`](crate::Client) paces each endpoint: how many requests
/// may be in flight to one endpoint, and how far apart they start after a
/// `429`. Plain data (`Clone`, `PartialEq`), built from
/// [`PacingConfig::standard`] or [`PacingConfig::disabled`] and the `with_*`
/// setters, given to [`ClientBuilder::pacing`](crate::ClientBuilder::pacing).
/// Shared by all clones of the client; independent of the retries
/// ([`RetryConfig`](crate::RetryConfig)): turning retries off leaves it as
/// it is.
///
/// | setting | `standard()` | `disabled()` |
/// |---|---|---|
/// | requests in flight per endpoint | 1 | no limit |
/// | spacing after a `429` (with any `Retry-After`, `0` included, or none) | a request starts no earlier than the pacing interval (`min(default interval, max Retry-After)`, 1 s) after the previous one started *and* after the previous one ended; the interval halves after every 10 successes and drops to 0 below 10 ms | none |
///
/// A `Retry-After` is honoured once, as "not before", by the endpoint's next
/// request too (see [`RetryConfig`](crate::RetryConfig)'s table).
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
/// [`with_max_in_flight_per_endpoint`](PacingConfig::with_max_in_flight_per_endpoint);
/// [`disabled`](PacingConfig::disabled) removes both the limit and the spacing.
///
/// ```
/// use std::time::Duration;
/// use vast_api_ext::{Client, PacingConfig, RetryConfig};
/// let wide = PacingConfig::standard().with_max_in_flight_per_endpoint(8);
/// assert_eq!(wide.max_in_flight_per_endpoint(), 8);
/// // Retries off, pacing as it was.
/// let builder = Client::builder().retry(RetryConfig::disabled()).pacing(wide);
/// # let _ = builder;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacingConfig {
    on: bool,
    default_interval: Duration,
    max_in_flight: usize,
}

impl Default for PacingConfig {
    fn default() -> Self {
        Self::standard()
    }
}

impl PacingConfig {
    /// The defaults in the table above.
    pub fn standard() -> Self {
        Self {
            on: true,
            default_interval: Duration::from_secs(1),
            max_in_flight: 1,
        }
    }

    /// No pacing: no limit on requests in flight, no spacing after a `429`.
    pub fn disabled() -> Self {
        Self {
            on: false,
            max_in_flight: usize::MAX,
            ..Self::standard()
        }
    }

    /// The pacing interval an endpoint gets after a `429` (default 1 s),
    /// whatever its `Retry-After` (which is waited for once). Capped at the
    /// max `Retry-After`
    /// ([`RetryConfig::with_max_retry_after`](crate::RetryConfig::with_max_retry_after));
    /// it halves after every 10 successes.
    pub fn with_default_interval(mut self, interval: Duration) -> Self {
        self.default_interval = interval;
        self
    }

    /// How many requests may be in flight to one endpoint (default 1: Vast
    /// enforces a minimum interval per endpoint, so concurrent requests to
    /// one endpoint only earn `429`s; see the [type docs](PacingConfig) for
    /// when to raise it). At least 1.
    pub fn with_max_in_flight_per_endpoint(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// Whether the client paces endpoints at all.
    pub fn is_enabled(&self) -> bool {
        self.on
    }

    /// How many requests may be in flight to one endpoint.
    pub fn max_in_flight_per_endpoint(&self) -> usize {
        self.max_in_flight
    }

    /// The interval an endpoint gets after a `429`, before the cap.
    pub(crate) fn default_interval(&self) -> Duration {
        self.default_interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_paces_one_at_a_time_and_disabled_not_at_all() {
        let standard = PacingConfig::standard();
        assert!(standard.is_enabled());
        assert_eq!(standard.max_in_flight_per_endpoint(), 1);
        assert_eq!(standard.default_interval(), Duration::from_secs(1));
        assert_eq!(PacingConfig::default(), standard);
        assert!(!PacingConfig::disabled().is_enabled());
        // At least one request in flight.
        let zero = standard.with_max_in_flight_per_endpoint(0);
        assert_eq!(zero.max_in_flight_per_endpoint(), 1);
    }
}
