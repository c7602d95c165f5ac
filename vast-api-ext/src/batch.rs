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
    /// A failed attempt is retried: attempt `attempt` (2, 3, …) comes next.
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

type Hook = Arc<dyn Fn(BatchEvent<'_>) + Send + Sync>;

tokio::task_local! {
    /// The retry event of the request whose call runs in this task.
    static ON_RETRY: Arc<dyn Fn(u32) + Send + Sync>;
}

/// Called by the attempt loop before attempt `attempt` of a retried call.
pub(crate) fn retrying(attempt: u32) {
    let _ = ON_RETRY.try_with(|on_retry| on_retry(attempt));
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

    async fn run_batch(
        &self,
        requests: impl IntoIterator<Item = Request>,
        options: BatchOptions,
        hook: Option<Hook>,
    ) -> Vec<Result<Answer, Error>> {
        let requests: Vec<Request> = requests.into_iter().collect();
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
                    let (index, result) =
                        done.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
                    results[index] = Some(result);
                }
            };
            if stopped.load(Ordering::Acquire) {
                let result = Err(Error::for_call(
                    request.operation(),
                    0,
                    ErrorKind::NotSent(NotSent::BatchStopped),
                ));
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
                let result = match &hook {
                    None => client.send(&request).await,
                    Some(hook) => {
                        hook(BatchEvent::Started { index });
                        let on_retry: Arc<dyn Fn(u32) + Send + Sync> = {
                            let hook = hook.clone();
                            Arc::new(move |attempt| hook(BatchEvent::Retried { index, attempt }))
                        };
                        ON_RETRY.scope(on_retry, client.send(&request)).await
                    }
                };
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
            let (index, result) =
                done.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
            results[index] = Some(result);
        }
        results
            .into_iter()
            .map(|result| result.unwrap_or_else(|| unreachable!("every index is filled")))
            .collect()
    }
}
