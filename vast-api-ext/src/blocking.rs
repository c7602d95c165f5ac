//! `blocking::Client`: the same client for programs without an async runtime
//! (feature `blocking`, off by default).
//!
//! It wraps the async [`crate::Client`] and runs each call to completion on
//! a current-thread tokio runtime that it owns (shared by its clones), so
//! everything but the waiting is the async client's: the builder's settings
//! ([`ClientBuilder`] is the async one's, whose `build` makes this client),
//! the three methods and their argument types, [`Error`], the retry table,
//! deadlines, pacing and the retry quota.
//!
//! ```no_run
//! use vast_api_ext::{InstanceId, Location, blocking};
//!
//! # fn run() -> Result<(), vast_api_ext::Error> {
//! let client = blocking::Client::builder().build()?; // key from the environment
//! let src: Location = "C.6003036:/workspace/data/".parse()?;
//! let dst: Location = "C.7001234:/workspace/".parse()?;
//! println!("{:?}", client.copy(&src, &dst)?.message);
//! client.cancel_sync(InstanceId::new(7001234)?)?;
//! # Ok(()) }
//! ```
//!
//! # Inside an async runtime
//!
//! A tokio runtime cannot wait for another one on its own threads. When a
//! call is made on a thread that is in a tokio runtime's context (async code,
//! and also `spawn_blocking` closures, which run in that context), it sends
//! nothing and returns an error of kind [`ErrorKind::InsideRuntime`],
//! whose message says to use the async [`crate::Client`] there. It never
//! panics, and dropping the client there does not panic either (its runtime
//! is then shut down without waiting).
//!
//! Between calls nothing drives the runtime, so an idle pooled connection
//! that the server closed is noticed at the next call, which then opens a
//! new one.

use crate::{
    Answer, BatchEvent, BatchOptions, CloudCopy, CloudCopyOutcome, ConfigProblem, Error, ErrorKind,
    InstanceId, Location, Operation, Outcome, Reply, Request,
};
use progenitor_client::{Error as RawError, ResponseValue};
use std::future::Future;
use std::sync::Arc;

/// A blocking Vast.ai client for copy, cloud copy, cancel sync and cancel copy: the async
/// [`crate::Client`] run on a runtime of its own. Cheap to clone (clones
/// share the runtime, connections, retry quota and pacing); `Send + Sync`.
///
/// Made with [`Client::builder`] (the async client's builder, every setting
/// the same, whose [`build`](ClientBuilder::build) makes this client) or
/// [`Client::from_env`].
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<OwnedRuntime>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("blocking::Client")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

/// The runtime, shut down without waiting when dropped inside another
/// runtime's context (a plain drop there would panic).
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                runtime.shutdown_background();
            } else {
                drop(runtime);
            }
        }
    }
}

/// The builder of a [`blocking::Client`](Client): the async client's
/// ([`crate::ClientBuilder`]), every setting and default the same, whose
/// [`build`](crate::ClientBuilder::<Client>::build) makes the blocking client
/// (reqwest's shape: `reqwest::blocking::ClientBuilder`).
///
/// ```no_run
/// let client: vast_api_ext::blocking::Client = vast_api_ext::blocking::Client::builder()
///     .api_key("…")
///     .build()?;
/// # Ok::<(), vast_api_ext::Error>(())
/// ```
pub type ClientBuilder = crate::ClientBuilder<Client>;

impl crate::ClientBuilder<Client> {
    /// Builds the [`blocking::Client`](Client): the same settings and checks
    /// as the async client's [`build`](crate::ClientBuilder::build), plus the
    /// current-thread runtime the calls run on. Can be called anywhere, a
    /// runtime's context included; only the calls refuse to run there.
    pub fn build(self) -> Result<Client, Error> {
        let inner = self.build_client()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ConfigProblem::Runtime {
                source: Arc::new(e),
            })?;
        Ok(Client {
            inner,
            runtime: Arc::new(OwnedRuntime(Some(runtime))),
        })
    }
}

impl<C> crate::ClientBuilder<C> {
    /// Builds a [`blocking::Client`](Client) from either builder (feature
    /// `blocking`): what [`blocking::ClientBuilder::build`](crate::ClientBuilder::<Client>::build)
    /// does, also for a builder made with [`crate::Client::builder`].
    pub fn build_blocking(self) -> Result<Client, Error> {
        self.into_builder_of::<Client>().build()
    }
}

impl Client {
    /// A builder with the defaults documented on [`crate::ClientBuilder`];
    /// [`build`](crate::ClientBuilder::<Client>::build) makes the blocking
    /// client.
    ///
    /// ```no_run
    /// let client = vast_api_ext::blocking::Client::builder()
    ///     .api_key("…")
    ///     .build()?;
    /// # Ok::<(), vast_api_ext::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::with_defaults()
    }

    /// A client configured from the environment and key files only.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// The base URL in use (no trailing `/`).
    pub fn base_url(&self) -> &str {
        self.inner.base_url()
    }

    /// Tokens left in the retry quota shared by this client's clones.
    pub fn retry_quota_left(&self) -> u32 {
        self.inner.retry_quota_left()
    }

    /// [`crate::Client::copy`], waiting for its outcome.
    ///
    /// ```no_run
    /// # fn run(client: vast_api_ext::blocking::Client) -> Result<(), vast_api_ext::Error> {
    /// let src = "C.6003036:/workspace/data/".parse()?;
    /// let dst = "C.7001234:/workspace/".parse()?;
    /// println!("{}", client.copy(&src, &dst)?.message.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub fn copy(&self, src: &Location, dst: &Location) -> Result<Outcome, Error> {
        self.wait(self.inner.copy(src, dst))
    }

    /// [`crate::Client::cloud_copy`], waiting for its outcome. Failures that
    /// may have started the transfer are not retried, as with the async client.
    ///
    /// ```no_run
    /// # fn run(client: vast_api_ext::blocking::Client) -> Result<(), vast_api_ext::Error> {
    /// use vast_api_ext::{CloudCopy, ConnectionId, InstanceId, Transfer};
    /// let request = CloudCopy::new(InstanceId::new(6003036)?, ConnectionId(1004), Transfer::InstanceToCloud)
    ///     .src("/workspace/results")
    ///     .dst("my-bucket/results");
    /// println!("{:?}", client.cloud_copy(&request)?.result_url);
    /// # Ok(()) }
    /// ```
    pub fn cloud_copy(&self, request: &CloudCopy) -> Result<CloudCopyOutcome, Error> {
        self.wait(self.inner.cloud_copy(request))
    }

    /// [`crate::Client::cancel_sync`], waiting for its outcome.
    ///
    /// ```no_run
    /// # fn run(client: vast_api_ext::blocking::Client) -> Result<(), vast_api_ext::Error> {
    /// client.cancel_sync(vast_api_ext::InstanceId::new(6003036)?)?;
    /// # Ok(()) }
    /// ```
    pub fn cancel_sync(&self, dst: InstanceId) -> Result<Outcome, Error> {
        self.wait(self.inner.cancel_sync(dst))
    }

    /// [`crate::Client::cancel_copy`], waiting for its outcome.
    ///
    /// ```no_run
    /// # fn run(client: vast_api_ext::blocking::Client) -> Result<(), vast_api_ext::Error> {
    /// client.cancel_copy(vast_api_ext::InstanceId::new(7001234)?)?;
    /// # Ok(()) }
    /// ```
    pub fn cancel_copy(&self, dst: InstanceId) -> Result<Outcome, Error> {
        self.wait(self.inner.cancel_copy(dst))
    }

    /// [`crate::Client::send_all`], waiting for every result (in the
    /// requests' order).
    ///
    /// ```no_run
    /// # fn run(client: vast_api_ext::blocking::Client, requests: Vec<vast_api_ext::Request>) {
    /// let results = client.send_all(requests, vast_api_ext::BatchOptions::new().concurrency(4));
    /// println!("{} failed", results.iter().filter(|r| r.is_err()).count());
    /// # }
    /// ```
    pub fn send_all(
        &self,
        requests: impl IntoIterator<Item = Request>,
        options: BatchOptions,
    ) -> Vec<Result<Answer, Error>> {
        self.wait_all(requests, options, None)
    }

    /// [`crate::Client::send_all_with`], waiting for every result; `on_event`
    /// is called on this thread's runtime as requests start, are retried and
    /// end.
    pub fn send_all_with(
        &self,
        requests: impl IntoIterator<Item = Request>,
        options: BatchOptions,
        on_event: impl Fn(BatchEvent<'_>) + Send + Sync + 'static,
    ) -> Vec<Result<Answer, Error>> {
        self.wait_all(requests, options, Some(Arc::new(on_event)))
    }

    /// [`crate::Client::send`], waiting for its answer.
    pub fn send(&self, request: &Request) -> Result<Answer, Error> {
        self.wait(self.inner.send(request))
    }

    /// [`crate::Client::call`], waiting for its reply: any operation of the
    /// spec through the same pipeline.
    ///
    /// ```no_run
    /// # fn run(client: vast_api_ext::blocking::Client) -> Result<(), vast_api_ext::Error> {
    /// use vast_api_ext::Operation;
    /// let body = vast_api::types::CancelSyncRequest::builder().dst_id(6003036);
    /// let reply = client.call(Operation::CancelSync, |generated| {
    ///     generated.cancel_sync().body(body.clone()).send()
    /// })?;
    /// println!("{:?}", reply.value.msg);
    /// # Ok(()) }
    /// ```
    pub fn call<'c, T, E, F, Fut>(&'c self, op: Operation, send: F) -> Result<Reply<T>, Error>
    where
        F: Fn(&'c vast_api::Client) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, RawError<E>>>,
        T: serde::Serialize,
        E: serde::Serialize + std::fmt::Debug + Send + Sync + 'static,
    {
        self.wait(self.inner.call(op, send))
    }

    /// Runs `call` to completion on the owned runtime, unless this thread is
    /// in a runtime's context, where waiting would panic.
    fn wait<T>(&self, call: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        match (self.cannot_wait(), &self.runtime.0) {
            (None, Some(runtime)) => runtime.block_on(call),
            (why, _) => Err(why_not(why).into()),
        }
    }

    /// Why this thread cannot wait for a call, if it cannot: inside a
    /// runtime's context, or (only after `Drop` took it) with no runtime.
    fn cannot_wait(&self) -> Option<ErrorKind> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Some(ErrorKind::InsideRuntime);
        }
        match &self.runtime.0 {
            Some(_) => None,
            None => Some(why_not(None)),
        }
    }

    /// A batch run to completion on the owned runtime; when this thread
    /// cannot wait ([`cannot_wait`](Self::cannot_wait)), nothing is sent and
    /// every request's result is the reason.
    fn wait_all(
        &self,
        requests: impl IntoIterator<Item = Request>,
        options: BatchOptions,
        hook: Option<crate::batch::Hook>,
    ) -> Vec<Result<Answer, Error>> {
        let requests: Vec<Request> = requests.into_iter().collect();
        match (self.cannot_wait(), &self.runtime.0) {
            (None, Some(runtime)) => {
                runtime.block_on(self.inner.run_batch(requests, options, hook))
            }
            _ => requests
                .iter()
                .map(|request| {
                    let why = why_not(self.cannot_wait());
                    Err(Error::for_call(request.operation(), 0, why))
                })
                .collect(),
        }
    }
}

/// The reason a call cannot be waited for: `why`, else the runtime is gone.
fn why_not(why: Option<ErrorKind>) -> ErrorKind {
    why.unwrap_or_else(|| {
        ErrorKind::Config(ConfigProblem::Runtime {
            source: Arc::new(std::io::Error::other("it is gone")),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blocking_client_can_cross_threads() {
        fn send_sync_clone<T: Send + Sync + Clone + 'static>() {}
        send_sync_clone::<Client>();
    }
}
