//! Vast's per-endpoint rate limit, as the mock plays it: a minimum interval between the requests of one operation and one API key, refused with a plain-text `429`.

use super::respond::bytes_response;
use crate::body::MockBody;
use crate::spec::OperationSpec;
use hyper::Response;
use hyper::header::{HeaderValue, RETRY_AFTER};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The minimum intervals (indexed by the operation's position in the
/// served spec) and when each (operation, API key) was last let through.
#[derive(Debug, Default)]
pub(super) struct RateLimit {
    pub(super) min_interval: Vec<Option<Duration>>,
    last_accepted: HashMap<(usize, String), Instant>,
    /// Whether the `429` goes without `Retry-After` (see
    /// [`MockServerBuilder::rate_limit_retry_after`](crate::MockServerBuilder::rate_limit_retry_after)).
    pub(super) no_retry_after: bool,
}

impl RateLimit {
    /// No interval for any of a spec's `operations` operations.
    pub(super) fn size_for(&mut self, operations: usize) {
        self.min_interval = vec![None; operations];
    }

    /// Forgets when each request was let through.
    pub(super) fn forget(&mut self) {
        self.last_accepted.clear();
    }

    /// Lets a request of the operation at `index` with API key `key`, arrived
    /// at `now`, through (and remembers it), or says how long it comes too
    /// early and what the interval is.
    fn admit(&mut self, index: usize, key: String, now: Instant) -> Result<(), TooSoon> {
        let Some(interval) = self.min_interval[index] else {
            return Ok(());
        };
        let slot = (index, key);
        if let Some(last) = self.last_accepted.get(&slot) {
            let elapsed = now.duration_since(*last);
            if elapsed < interval {
                return Err(TooSoon {
                    wait: interval - elapsed,
                    interval,
                });
            }
        }
        self.last_accepted.insert(slot, now);
        Ok(())
    }

    /// The `429` Vast sends when an endpoint is called faster than its
    /// minimum interval, or `None` when the request of `op` with `key`,
    /// arrived at `now`, may go on.
    pub(super) fn check(
        &mut self,
        op: &OperationSpec,
        key: String,
        now: Instant,
    ) -> Option<Response<MockBody>> {
        let TooSoon { wait, interval } = self.admit(op.index(), key, now).err()?;
        // Retry-After is whole seconds: round up so that honouring it is enough.
        let seconds = wait.as_millis().div_ceil(1000).max(1);
        let text = format!(
            "API requests too frequent, endpoint {} {} threshold is one request per {:.3} s; retry after {seconds} s.",
            op.method(),
            op.path(),
            interval.as_secs_f64()
        );
        let mut response = bytes_response(429, "text/plain; charset=utf-8", MockBody::full(text));
        if !self.no_retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds as u64));
        }
        Some(response)
    }
}

/// A request that came `wait` too early for its operation's `interval`.
#[derive(Debug, PartialEq)]
struct TooSoon {
    wait: Duration,
    interval: Duration,
}

#[cfg(test)]
mod tests {
    use super::{RateLimit, TooSoon};
    use crate::Operation;
    use crate::server::respond::tests::read;
    use crate::spec;
    use std::time::{Duration, Instant};

    fn limited(index: usize, interval: Duration) -> RateLimit {
        let mut rate = RateLimit::default();
        rate.size_for(Operation::COUNT);
        rate.min_interval[index] = Some(interval);
        rate
    }

    #[test]
    fn a_request_within_the_interval_is_too_soon_per_operation_and_key() {
        let ms = Duration::from_millis;
        let start = Instant::now();
        let mut rate = limited(1, ms(200));
        assert_eq!(rate.admit(1, "a".into(), start), Ok(()));
        let early = rate.admit(1, "a".into(), start + ms(50));
        assert_eq!(
            early,
            Err(TooSoon {
                wait: ms(150),
                interval: ms(200)
            })
        );
        // Another key, another operation: their own slots.
        assert_eq!(rate.admit(1, "b".into(), start + ms(50)), Ok(()));
        assert_eq!(rate.admit(0, "a".into(), start + ms(50)), Ok(()));
        assert_eq!(rate.admit(0, "a".into(), start + ms(51)), Ok(()));
        // A refused request does not restart the interval.
        assert_eq!(rate.admit(1, "a".into(), start + ms(200)), Ok(()));
        rate.forget();
        assert_eq!(rate.admit(1, "a".into(), start + ms(201)), Ok(()));
    }

    #[tokio::test]
    async fn the_429_is_plain_text_with_retry_after_rounded_up_unless_switched_off() {
        let op = spec::spec()
            .operation(Operation::CancelSync)
            .expect("cancel sync");
        let start = Instant::now();
        let mut rate = limited(op.index(), Duration::from_millis(1500));
        assert!(rate.check(op, "k".into(), start).is_none());
        let refused = rate.check(op, "k".into(), start + Duration::from_millis(100));
        let (status, headers, body) = read(refused.expect("too soon")).await;
        assert_eq!(status, 429);
        assert_eq!(headers["retry-after"], "2");
        assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("DELETE /api/v0/commands/rclone/"), "{text}");
        assert!(text.contains("one request per 1.500 s"), "{text}");

        rate.no_retry_after = true;
        let refused = rate.check(op, "k".into(), start + Duration::from_millis(100));
        let (_, headers, _) = read(refused.expect("too soon")).await;
        assert!(headers.get("retry-after").is_none());
    }
}
