//! The call pipeline: every call goes through these layers, each a module
//! with one job (named so, not a "runtime", to leave that word to tokio's).
//! From the outside in:
//!
//! - `attempt`: the loop. For each attempt: a pacing slot, the attempt
//!   raced against `min(attempt timeout, deadline left)`, the failure
//!   classified, then (if the policy says retry) quota, wait, again. It
//!   builds each [`Error`](crate::Error) once, with its operation and
//!   attempt count, and records the call's span.
//! - [`policy`](crate::policy) (public): the one table of what a failure
//!   means ([`classify`](crate::policy::classify)). Pure: no I/O, no clock.
//! - `backoff`: the wait before a retry (`Retry-After` or full jitter from
//!   the client's seedable random source).
//! - `quota`: the retry token bucket shared by clones.
//! - `pacing`: per endpoint, requests in flight and the spacing after a `429`.
//! - `deadline`: the call's deadline and `within`, the race of work against
//!   a timer of the clock.
//! - [`clock`](crate::clock) (public): time, sleeps and timers, injected;
//!   every wait and every time limit of a call goes through it.
//! - `retry_config`: [`RetryConfig`], the retry settings as plain data;
//!   `pacing_config`: [`PacingConfig`], the pacing settings.

pub mod clock;
pub mod policy;

mod attempt;
mod backoff;
mod deadline;
mod pacing;
mod pacing_config;
mod quota;
mod retry_config;
#[cfg(any(test, feature = "test-util"))]
mod virtual_clock;

pub(crate) use attempt::AttemptError;
pub(crate) use backoff::Rng;
pub use pacing_config::PacingConfig;
pub use retry_config::RetryConfig;

use std::sync::Arc;
use std::time::Duration;

/// What a client's calls run through, shared by its clones: the settings,
/// the clock and random source, and the state shared across calls (quota,
/// pacing).
#[derive(Debug)]
pub(crate) struct Pipeline {
    retry: RetryConfig,
    pacing_config: PacingConfig,
    clock: Arc<dyn clock::Clock>,
    rng: Rng,
    quota: quota::Quota,
    pacing: pacing::Pacing,
    /// Per-attempt timeout.
    timeout: Duration,
    /// Per-call deadline.
    deadline: Duration,
}

impl Pipeline {
    pub(crate) fn new(
        retry: RetryConfig,
        pacing: PacingConfig,
        clock: Arc<dyn clock::Clock>,
        rng: Rng,
        timeout: Duration,
        deadline: Duration,
    ) -> Self {
        Self {
            quota: quota::Quota::new(retry.quota()),
            pacing: pacing::Pacing::new(&pacing, retry.max_retry_after()),
            pacing_config: pacing,
            retry,
            clock,
            rng,
            timeout,
            deadline,
        }
    }

    pub(crate) fn retry(&self) -> &RetryConfig {
        &self.retry
    }

    pub(crate) fn pacing(&self) -> &PacingConfig {
        &self.pacing_config
    }

    pub(crate) fn clock(&self) -> &dyn clock::Clock {
        &*self.clock
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Tokens left in the retry quota.
    pub(crate) fn quota_left(&self) -> u32 {
        self.quota.left()
    }
}
