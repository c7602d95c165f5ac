//! The retry quota: a token bucket shared by all clones of a client, so an
//! outage does not turn into a retry storm. Lock-free; a success at full
//! capacity touches nothing but one atomic load.

use super::retry_config::QuotaConfig;
use std::sync::atomic::{AtomicU32, Ordering};

/// The tokens left, and what a retry costs (`None`: no quota).
#[derive(Debug)]
pub(crate) struct Quota {
    config: Option<QuotaConfig>,
    tokens: AtomicU32,
}

impl Quota {
    pub(crate) fn new(config: Option<QuotaConfig>) -> Self {
        Self {
            config,
            tokens: AtomicU32::new(config.map_or(0, |q| q.capacity)),
        }
    }

    /// Takes the tokens for a retry (more after a timeout); `None` when the
    /// quota is exhausted. Without a quota a retry costs nothing.
    pub(crate) fn acquire(&self, after_timeout: bool) -> Option<u32> {
        let Some(q) = self.config else {
            return Some(0);
        };
        let cost = if after_timeout {
            q.timeout_cost
        } else {
            q.retry_cost
        };
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .ok()
            .map(|_| cost)
    }

    /// After a successful call: refunds what it took, or adds one token,
    /// never above capacity.
    pub(crate) fn refund(&self, taken: u32) {
        let Some(q) = self.config else { return };
        let add = taken.max(1);
        // The common case, a full bucket: nothing to write.
        if self.tokens.load(Ordering::Acquire) >= q.capacity {
            return;
        }
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_add(add).min(q.capacity))
            });
    }

    /// Tokens left.
    pub(crate) fn left(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_charges_retries_and_refunds_successes() {
        let q = Quota::new(Some(QuotaConfig {
            capacity: 12,
            retry_cost: 5,
            timeout_cost: 10,
        }));
        assert_eq!(q.acquire(false), Some(5));
        assert_eq!(q.left(), 7);
        assert_eq!(q.acquire(true), None);
        assert_eq!(q.acquire(false), Some(5));
        assert_eq!(q.acquire(false), None);
        q.refund(5);
        assert_eq!(q.left(), 7);
        q.refund(0);
        assert_eq!(q.left(), 8);
        q.refund(10);
        assert_eq!(q.left(), 12, "never above capacity");
        let off = Quota::new(None);
        assert_eq!(off.acquire(true), Some(0));
        off.refund(3);
        assert_eq!(off.left(), 0);
    }
}
