//! The wait before a retry: the server's `Retry-After` if it sent one (at
//! most the configured maximum), else full-jitter backoff drawn from the
//! client's random source, which a test can seed.

use super::retry_config::RetryConfig;
use std::sync::Mutex;
use std::time::Duration;

/// The client's random source for jitter: values in `[0, 1)`.
pub(crate) struct Rng(Mutex<Box<dyn FnMut() -> f64 + Send>>);

impl Rng {
    pub(crate) fn new(rng: impl FnMut() -> f64 + Send + 'static) -> Self {
        Self(Mutex::new(Box::new(rng)))
    }

    fn next(&self) -> f64 {
        let mut rng = self.0.lock().unwrap_or_else(|e| e.into_inner());
        rng()
    }
}

impl Default for Rng {
    fn default() -> Self {
        Self::new(fastrand::f64)
    }
}

impl std::fmt::Debug for Rng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rng")
    }
}

/// The wait before retry number `retry` (1 for the first), or `None` when
/// the server asked for a longer wait than the client accepts.
pub(crate) fn before_retry(
    config: &RetryConfig,
    retry: u32,
    retry_after: Option<Duration>,
    rng: &Rng,
) -> Option<Duration> {
    match retry_after {
        Some(after) if after > config.max_retry_after() => None,
        Some(after) => Some(after),
        None => Some(config.backoff(retry, rng.next())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_replaces_the_backoff_up_to_the_maximum() {
        let c = RetryConfig::standard();
        let one = Rng::new(|| 1.0);
        let s = Duration::from_secs;
        assert_eq!(before_retry(&c, 2, None, &one), Some(s(2)));
        assert_eq!(before_retry(&c, 2, Some(s(7)), &one), Some(s(7)));
        assert_eq!(before_retry(&c, 2, Some(s(60)), &one), Some(s(60)));
        assert_eq!(before_retry(&c, 2, Some(s(61)), &one), None);
    }

    #[test]
    fn a_seeded_source_gives_the_same_schedule_twice() {
        let c = RetryConfig::standard();
        let schedule = |seed| {
            let mut r = fastrand::Rng::with_seed(seed);
            let rng = Rng::new(move || r.f64());
            (1..=5)
                .map(|n| before_retry(&c, n, None, &rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(schedule(7), schedule(7));
        assert_ne!(schedule(7), schedule(8));
    }
}
