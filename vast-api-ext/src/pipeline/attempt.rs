//! The attempt loop: pacing slot → attempt within its time → classify →
//! quota → wait → again, until success, a final failure, the last attempt
//! or the deadline. Each error is built here, once, with its operation and
//! attempt count.

use super::Pipeline;
use super::backoff::before_retry;
use super::deadline::{Deadline, within};
use super::pacing::NoSlot;
use super::policy::{Failure, classify};
use crate::{Error, ErrorKind, NotSent, Operation};
use std::future::Future;
use std::time::Duration;
use tracing::Instrument;

/// The error of one attempt: what went wrong, and the answer's
/// `Retry-After` when it had one. The attempt loop makes it an [`Error`],
/// with the call's operation and attempt count.
#[derive(Debug)]
pub(crate) struct AttemptError {
    pub(crate) kind: ErrorKind,
    pub(crate) retry_after: Option<Duration>,
}

impl From<ErrorKind> for AttemptError {
    fn from(kind: ErrorKind) -> Self {
        Self {
            kind,
            retry_after: None,
        }
    }
}

impl Pipeline {
    /// Runs `attempt` until it succeeds or the policy, the quota, the
    /// attempts allowed or the deadline say stop; the value and the number
    /// of attempts made. The call's span gets its final `attempts` and
    /// `status` once.
    pub(crate) async fn run<T, F, Fut>(&self, op: Operation, attempt: F) -> Result<(T, u32), Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        let span = tracing::info_span!(
            "vast_api_ext",
            operation = op.name(),
            method = op.method(),
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        // Pinned where it is made: the call's future is kilobytes, and
        // wrapping it by value would copy it.
        let attempts = std::pin::pin!(self.attempts(op, attempt));
        let result = attempts.instrument(span.clone()).await;
        // Recorded once, when final: a field recorded per attempt would be
        // printed once per attempt by `tracing_subscriber::fmt`.
        match &result {
            Ok((_, attempts)) => {
                span.record("attempts", attempts);
                span.record("status", 200);
                span.in_scope(|| tracing::debug!("call succeeded"));
            }
            Err(error) => {
                span.record("attempts", error.attempts());
                if let Some(status) = error.status() {
                    span.record("status", status);
                }
                span.in_scope(|| tracing::debug!("call failed: {error}"));
            }
        }
        result
    }

    async fn attempts<T, F, Fut>(&self, op: Operation, mut attempt: F) -> Result<(T, u32), Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        // No time for any attempt (a zero timeout or deadline): nothing is
        // sent and no turn at the endpoint is taken. (Known without reading
        // the clock; time running out later is caught below.)
        if self.timeout.is_zero() || self.deadline.is_zero() {
            return Err(Error::for_call(op, 0, not_sent(NotSent::NoTimeLeft)));
        }
        let clock = self.clock();
        let deadline = Deadline::after(clock, self.deadline);
        let mut taken = 0u32;
        let mut n = 0u32;
        let mut last: Option<Error> = None;
        loop {
            // This endpoint's pacing slot, within the deadline.
            let slot = match self.pacing.slot(clock, op, deadline).await {
                Ok(slot) => slot,
                // Nothing is sent; after a failed attempt, that failure is the answer.
                Err(no_slot) => {
                    return Err(last.unwrap_or_else(|| {
                        let why = match no_slot {
                            NoSlot::AfterDeadline(next_turn) => NotSent::Paced { next_turn },
                            NoSlot::DeadlinePassed => NotSent::NoTimeLeft,
                            NoSlot::Queued { waited, ahead } => NotSent::Queued { waited, ahead },
                        };
                        Error::for_call(op, n, not_sent(why))
                    }));
                }
            };
            // A batch that stopped while this call waited for its turn:
            // nothing is sent.
            if n == 0 && crate::batch::stopped() {
                return Err(Error::for_call(op, 0, not_sent(NotSent::BatchStopped)));
            }
            let limit = deadline.remaining(clock).min(self.timeout);
            if limit.is_zero() {
                // The turn came at the deadline: nothing is sent (an attempt
                // with a zero limit would be dropped unsent yet read as a
                // timeout that may have been applied).
                return Err(
                    last.unwrap_or_else(|| Error::for_call(op, n, not_sent(NotSent::NoTimeLeft)))
                );
            }
            n += 1;
            let attempt_span =
                tracing::debug_span!("attempt", attempt = n, status = tracing::field::Empty);
            let work = std::pin::pin!(attempt());
            let result = within(clock, || limit, work)
                .instrument(attempt_span.clone())
                .await
                .unwrap_or_else(|| Err(ErrorKind::Timeout.into()));
            let failed = match result {
                Ok(value) => {
                    drop(slot);
                    attempt_span.record("status", 200);
                    self.pacing.succeeded(op);
                    self.quota.refund(taken);
                    return Ok((value, n));
                }
                Err(failed) => failed,
            };
            let error = Error::for_call(op, n, failed.kind);
            let failure = error.failure();
            let retried = failure
                .map(classify)
                .is_some_and(|v| v.retries(op, self.retry.retry_non_idempotent()));
            let last_attempt = n >= self.retry.max_attempts() || !retried;
            // A batch that stops at a failure stops before the next
            // request's turn: told while this call still holds its turn.
            // (A call that gives up below, after its turn, is reported by
            // the batch itself when it returns.)
            if last_attempt {
                crate::batch::failed();
            }
            drop(slot);
            if let Some(status) = error.status() {
                attempt_span.record("status", status);
            }
            // A 429 slows the endpoint down, whatever the size of its body.
            if matches!(failure, Some(Failure::Status(429) | Failure::TooLarge(429))) {
                self.pacing.throttled(clock, op, failed.retry_after);
            }
            if last_attempt {
                tracing::debug!(?failure, "not retried");
                return Err(error);
            }
            let Some(wait) = before_retry(&self.retry, n, failed.retry_after, &self.rng) else {
                tracing::debug!(?failed.retry_after, "Retry-After is longer than allowed; giving up");
                return Err(error);
            };
            if deadline.crossed_by(clock, wait) {
                tracing::debug!(?wait, "the wait would cross the deadline; giving up");
                return Err(error);
            }
            let Some(cost) = self.quota.acquire(failure == Some(Failure::Timeout)) else {
                tracing::debug!("retry quota exhausted; giving up");
                return Err(error);
            };
            taken += cost;
            tracing::debug!(attempt = n, ?wait, "retrying after: {error}");
            crate::batch::retrying(n + 1);
            if !wait.is_zero() {
                clock.sleep(wait).await;
            }
            last = Some(error);
        }
    }
}

/// A call that ends before its first attempt.
fn not_sent(why: NotSent) -> ErrorKind {
    ErrorKind::NotSent(why)
}
