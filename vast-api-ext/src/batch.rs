//! Batches: many [`Request`]s through one client's pipeline, a bounded
//! number at a time, each result at its request's index
//! ([`Client::send_all`]), with events as they happen
//! ([`Client::send_all_with`]).
//!
//! Every request goes through [`Client::send`], so pacing, the retry quota
//! and the deadline are the client's, shared with everything else the
//! client (and its clones) sends. The retry event comes from the attempt
//! loop through a task-local hook set around each request's call.

use crate::{Answer, Client, Error, ErrorKind, NotSent, Request};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// How a batch runs: how many of its requests may be in the client at once,
/// and whether it stops at the first failure.
///
/// ```
/// let options = vast_api_ext::BatchOptions::new().concurrency(4).keep_going(false);
/// assert_eq!((options.get_concurrency(), options.is_keep_going()), (4, false));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchOptions {
    concurrency: usize,
    keep_going: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl BatchOptions {
    /// The defaults: 8 requests at once, every request sent whatever the
    /// others' results.
    ///
    /// Requests to one endpoint are still sent as the client's pacing
    /// allows ([`PacingConfig`](crate::PacingConfig): one in flight per
    /// endpoint by default, because Vast enforces a minimum interval
    /// between requests to an endpoint); the batch's concurrency lets
    /// requests to different endpoints, and waits, overlap.
    pub fn new() -> Self {
        Self {
            concurrency: 8,
            keep_going: true,
        }
    }

    /// How many requests may be in the client at once (at least 1; 0 is
    /// read as 1).
    #[must_use]
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// `true` (the default): every request is sent. `false`: after the
    /// first failure no request is started (those in flight finish); the
    /// ones not started end with
    /// [`NotSent::BatchStopped`](crate::NotSent::BatchStopped).
    #[must_use]
    pub fn keep_going(mut self, keep_going: bool) -> Self {
        self.keep_going = keep_going;
        self
    }

    /// The concurrency set.
    pub fn get_concurrency(&self) -> usize {
        self.concurrency
    }

    /// Whether the batch sends every request whatever the others' results.
    pub fn is_keep_going(&self) -> bool {
        self.keep_going
    }
}

/// What happens to one request of a batch, as it happens, for a progress
/// display ([`Client::send_all_with`]). `index` is the request's position
/// in the batch.
#[derive(Debug)]
#[non_exhaustive]
pub enum BatchEvent<'a> {
    /// The request's call started.
    Started {
        /// The request's position.
        index: usize,
    },
    /// A failed attempt is to be retried: attempt `attempt` (2, 3, …)
    /// comes after the backoff, unless the call's deadline ends it first.
    Retried {
        /// The request's position.
        index: usize,
        /// The attempt about to be made.
        attempt: u32,
    },
    /// The request's call ended (or, in a batch that stopped, it was not
    /// started).
    Finished {
        /// The request's position.
        index: usize,
        /// Its result, as [`Client::send_all`] returns it.
        result: &'a Result<Answer, Error>,
    },
}

/// The event callback of [`Client::send_all_with`].
pub(crate) type Hook = Arc<dyn Fn(BatchEvent<'_>) + Send + Sync>;

/// What the attempt loop of a batch's request needs from its batch.
struct Member {
    /// The request's position, for its retry event.
    index: usize,
    hook: Option<Hook>,
    /// Set when a request of a batch that stops at its first failure
    /// failed; `None` when the batch keeps going.
    stop: Option<Arc<AtomicBool>>,
}

tokio::task_local! {
    /// The batch of the request whose call runs in this task, if any.
    static MEMBER: Member;
}

/// Called by the attempt loop when a retry of its call is scheduled:
/// attempt `attempt` comes next, unless the deadline ends the call first.
pub(crate) fn retrying(attempt: u32) {
    let _ = MEMBER.try_with(|m| {
        if let Some(hook) = &m.hook {
            hook(BatchEvent::Retried {
                index: m.index,
                attempt,
            });
        }
    });
}

/// Whether this task's call belongs to a batch that has stopped: checked by
/// the attempt loop once the call has its turn at the endpoint, before its
/// first attempt, so a request queued behind the one that failed is not sent.
pub(crate) fn stopped() -> bool {
    MEMBER
        .try_with(|m| m.stop.as_ref().is_some_and(|s| s.load(Ordering::Acquire)))
        .unwrap_or(false)
}

/// Called by the attempt loop when its call fails, while it still holds its
/// turn at the endpoint: the batch stops before the next request's turn.
pub(crate) fn failed() {
    let _ = MEMBER.try_with(|m| {
        if let Some(stop) = &m.stop {
            stop.store(true, Ordering::Release);
        }
    });
}

impl Client {
    /// Sends every request of `requests` through this client, at most
    /// [`BatchOptions::concurrency`] at once, and returns each result at
    /// its request's index (the input order, whatever order they ended in).
    ///
    /// A `Vec` rather than a stream: a batch's caller reads every result,
    /// and by index; [`send_all_with`](Self::send_all_with) gives each one
    /// as it ends.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// use vast_api_ext::{BatchOptions, InstanceId, Request};
    /// let requests = (1..=20).map(|id| Ok(Request::CancelSync(InstanceId::new(id)?)));
    /// let requests = requests.collect::<Result<Vec<_>, vast_api_ext::Error>>()?;
    /// for (index, result) in client.send_all(requests, BatchOptions::new()).await.iter().enumerate() {
    ///     match result {
    ///         Ok(answer) => println!("{index}: {}", answer.message().unwrap_or("ok")),
    ///         Err(error) => println!("{index}: {error}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send_all(
        &self,
        requests: impl IntoIterator<Item = Request>,
        options: BatchOptions,
    ) -> Vec<Result<Answer, Error>> {
        self.run_batch(requests, options, None).await
    }

    /// [`send_all`](Self::send_all), calling `on_event` as each request
    /// starts, is retried and ends ([`BatchEvent`]), from the tasks that
    /// run them (so possibly from several threads at once).
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client, requests: Vec<vast_api_ext::Request>) {
    /// use vast_api_ext::{BatchEvent, BatchOptions};
    /// let results = client
    ///     .send_all_with(requests, BatchOptions::new(), |event| {
    ///         if let BatchEvent::Finished { index, result } = event {
    ///             eprintln!("{index}: {}", if result.is_ok() { "ok" } else { "failed" });
    ///         }
    ///     })
    ///     .await;
    /// # let _ = results;
    /// # }
    /// ```
    pub async fn send_all_with(
        &self,
        requests: impl IntoIterator<Item = Request>,
        options: BatchOptions,
        on_event: impl Fn(BatchEvent<'_>) + Send + Sync + 'static,
    ) -> Vec<Result<Answer, Error>> {
        self.run_batch(requests, options, Some(Arc::new(on_event)))
            .await
    }

    pub(crate) async fn run_batch(
        &self,
        requests: impl IntoIterator<Item = Request>,
        options: BatchOptions,
        hook: Option<Hook>,
    ) -> Vec<Result<Answer, Error>> {
        let requests: Vec<Request> = requests.into_iter().collect();
        let operations: Vec<_> = requests.iter().map(Request::operation).collect();
        let mut results: Vec<Option<Result<Answer, Error>>> = std::iter::repeat_with(|| None)
            .take(requests.len())
            .collect();
        let slots = Arc::new(tokio::sync::Semaphore::new(options.concurrency));
        let stopped = Arc::new(AtomicBool::new(false));
        let mut running = tokio::task::JoinSet::new();
        for (index, request) in requests.into_iter().enumerate() {
            // At most `concurrency` tasks exist: a permit before the spawn.
            let permit = loop {
                // The semaphore is never closed.
                if let Ok(permit) = slots.clone().try_acquire_owned() {
                    break permit;
                }
                if let Some(done) = running.join_next().await {
                    record(&mut results, done);
                }
            };
            if stopped.load(Ordering::Acquire) {
                let result = Err(not_sent(request.operation()));
                if let Some(hook) = &hook {
                    hook(BatchEvent::Finished {
                        index,
                        result: &result,
                    });
                }
                results[index] = Some(result);
                continue;
            }
            let (client, hook, stopped) = (self.clone(), hook.clone(), stopped.clone());
            running.spawn(async move {
                let _permit = permit;
                if let Some(hook) = &hook {
                    hook(BatchEvent::Started { index });
                }
                let member = Member {
                    index,
                    hook: hook.clone(),
                    stop: (!options.keep_going).then(|| stopped.clone()),
                };
                let result = MEMBER.scope(member, client.send(&request)).await;
                if result.is_err() && !options.keep_going {
                    stopped.store(true, Ordering::Release);
                }
                if let Some(hook) = &hook {
                    hook(BatchEvent::Finished {
                        index,
                        result: &result,
                    });
                }
                (index, result)
            });
        }
        while let Some(done) = running.join_next().await {
            record(&mut results, done);
        }
        // A result is missing only if the runtime cancelled its task (it is
        // shutting down): that request is not known to have been sent.
        results
            .into_iter()
            .zip(operations)
            .map(|(result, op)| result.unwrap_or_else(|| Err(not_sent(op))))
            .collect()
    }
}

/// The error of a request a stopped batch did not send.
fn not_sent(op: crate::Operation) -> Error {
    Error::for_call(op, 0, ErrorKind::NotSent(NotSent::BatchStopped))
}

type Done = Result<(usize, Result<Answer, Error>), tokio::task::JoinError>;

/// A finished task's result at its index; a task's panic goes on.
fn record(results: &mut [Option<Result<Answer, Error>>], done: Done) {
    match done {
        Ok((index, result)) => results[index] = Some(result),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => {}
    }
}
