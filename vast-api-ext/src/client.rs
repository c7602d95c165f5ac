//! `Client`: any operation of the spec through the generic [`Client::call`],
//! and the typed methods built on the same path: each attempt is one call
//! of the generated client (its answer recorded for the outcome's `raw`),
//! read by `response.rs` and run by the pipeline (`pipeline/`: pacing,
//! timeouts, retries).

use crate::outcome::received;
use crate::pipeline::Pipeline;
use crate::response::{Answered, Verdict, check, serialized_rejection};
use crate::{
    Answer, ClientBuilder, CloudCopy, CloudCopyOutcome, Error, InstanceId, Location, Operation,
    Outcome, Reply, Request,
};
use progenitor_client::{Error as RawError, ResponseValue};
use std::future::Future;

/// A Vast.ai client for copy, cloud copy, cancel sync and cancel copy, and
/// any other operation of the spec through [`call`](Self::call).
///
/// Cheap to clone (an `Arc` inside); clones share the connection pool, the
/// retry quota and the per-endpoint pacing. `Send + Sync`.
///
/// ```no_run
/// # async fn run() -> Result<(), vast_api_ext::Error> {
/// let client = vast_api_ext::Client::from_env()?;
/// let outcome = client.cancel_sync(vast_api_ext::InstanceId::new(6003036)?).await?;
/// println!("{}", outcome.message.unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: std::sync::Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) generated: vast_api::Client,
    pub(crate) base_url: String,
    pub(crate) pipeline: Pipeline,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pipeline = &self.inner.pipeline;
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"***")
            .field("timeout", &pipeline.timeout())
            .field("deadline", &pipeline.deadline())
            .field(
                "max_body_bytes",
                &self.inner.generated.limits().max_body_bytes(),
            )
            .field("retry", pipeline.retry())
            .field("pacing", pipeline.pacing())
            .field("clock", &pipeline.clock())
            .finish()
    }
}

impl Client {
    /// A builder with the defaults documented on [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment and key files only.
    ///
    /// ```no_run
    /// let client = vast_api_ext::Client::from_env()?;
    /// # Ok::<(), vast_api_ext::Error>(())
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// The base URL in use (no trailing `/`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The generated client underneath ([`vast_api::Client`]), for calls
    /// this crate does not wrap.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let body = vast_api::types::CancelSyncRequest::builder().dst_id(6003036);
    /// let answer = client.generated().cancel_sync().body(body).send().await?;
    /// println!("{:?}", answer.into_inner().msg);
    /// # Ok(()) }
    /// ```
    pub fn generated(&self) -> &vast_api::Client {
        &self.inner.generated
    }

    /// The generated client underneath: the old name of
    /// [`generated`](Self::generated), which `raw` now names the answer's
    /// text of ([`Outcome::raw`]).
    #[deprecated(note = "renamed to `Client::generated`")]
    pub fn raw(&self) -> &vast_api::Client {
        self.generated()
    }

    /// Tokens left in the retry quota shared by this client's clones.
    pub fn retry_quota_left(&self) -> u32 {
        self.inner.pipeline.quota_left()
    }

    /// Copies `src` to `dst` between two instances
    /// (`PUT /api/v0/commands/copy_direct/`).
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// let src = "C.6003036:/workspace/data/".parse()?;
    /// let dst = "C.7001234:/workspace/".parse()?;
    /// let outcome = client.copy(&src, &dst).await?;
    /// println!("{}", outcome.message.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn copy(&self, src: &Location, dst: &Location) -> Result<Outcome, Error> {
        let body = crate::request::copy_body(src, dst)?;
        let op = Operation::Copy;
        let ((answer, raw), attempts) = self
            .call_with(
                op,
                |generated| generated.copy().body(body.clone()).send(),
                Answered::rejection,
            )
            .await?;
        Ok(Outcome {
            message: answer.msg,
            attempts,
            raw,
        })
    }

    /// Starts a cloud copy (`POST /api/v0/commands/rclone/`). Failures that
    /// may have started the transfer are not retried unless
    /// [`RetryConfig::with_retry_non_idempotent`](crate::RetryConfig::with_retry_non_idempotent) says so.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// use vast_api_ext::{CloudCopy, ConnectionId, InstanceId, Transfer};
    /// let request = CloudCopy::new(InstanceId::new(6003036)?, ConnectionId(1004), Transfer::InstanceToCloud)
    ///     .src("/workspace/results")
    ///     .dst("my-bucket/results");
    /// let outcome = client.cloud_copy(&request).await?;
    /// println!("{:?}", outcome.result_url);
    /// # Ok(()) }
    /// ```
    pub async fn cloud_copy(&self, request: &CloudCopy) -> Result<CloudCopyOutcome, Error> {
        let body = request.to_body()?;
        let op = Operation::CloudCopy;
        let ((answer, raw), attempts) = self
            .call_with(
                op,
                |generated| generated.cloud_copy().body(body.clone()).send(),
                Answered::rejection,
            )
            .await?;
        Ok(CloudCopyOutcome {
            message: answer.msg,
            result_url: answer.result_url,
            attempts,
            raw,
        })
    }

    /// Cancels the sync whose destination is instance `dst`
    /// (`DELETE /api/v0/commands/rclone/`, sending the integer `dst_id`).
    /// Instance 0 is refused with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before any I/O.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// let outcome = client.cancel_sync(vast_api_ext::InstanceId::new(6003036)?).await?;
    /// println!("{}", outcome.message.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn cancel_sync(&self, dst: InstanceId) -> Result<Outcome, Error> {
        let body = crate::request::cancel_sync_body(dst)?;
        let op = Operation::CancelSync;
        let ((answer, raw), attempts) = self
            .call_with(
                op,
                |generated| generated.cancel_sync().body(body.clone()).send(),
                Answered::rejection,
            )
            .await?;
        Ok(Outcome {
            message: answer.msg,
            attempts,
            raw,
        })
    }

    /// Cancels the copy whose destination is instance `dst`
    /// (`DELETE /api/v0/commands/copy_direct/`, sending `dst_id` as the
    /// string the spec types it as). The documented answer has no `msg`;
    /// [`Outcome::message`] is the server's `msg` if it sends one anyway.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// let outcome = client.cancel_copy(vast_api_ext::InstanceId::new(7001234)?).await?;
    /// println!("cancelled after {} attempt(s)", outcome.attempts);
    /// # Ok(()) }
    /// ```
    pub async fn cancel_copy(&self, dst: InstanceId) -> Result<Outcome, Error> {
        let body = crate::request::cancel_copy_body(dst)?;
        let reply = self
            .call(Operation::CancelCopy, |generated| {
                generated.cancel_copy().body(body.clone()).send()
            })
            .await?;
        Ok(outcome_of(reply))
    }

    /// Makes the call a [`Request`] describes, with the typed method of its
    /// operation (same body, retries and errors); useful when the call is
    /// chosen at run time, or shown first with [`Request::body`].
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// use vast_api_ext::{InstanceId, Request};
    /// let request = Request::CancelSync(InstanceId::new(6003036)?);
    /// eprintln!("{} {} {}", request.operation().method(), request.operation().path(), request.body()?);
    /// let answer = client.send(&request).await?;
    /// println!("{}", answer.message().unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, request: &Request) -> Result<Answer, Error> {
        match request {
            Request::Copy { src, dst } => self.copy(src, dst).await.map(Answer::Copy),
            Request::CloudCopy(c) => self.cloud_copy(c).await.map(Answer::CloudCopy),
            Request::CancelSync(dst) => self.cancel_sync(*dst).await.map(Answer::CancelSync),
            Request::CancelCopy(dst) => self.cancel_copy(*dst).await.map(Answer::CancelCopy),
        }
    }

    /// Any operation of the spec, through the same pipeline as the typed
    /// methods: pacing, the retry decision of
    /// [`classify`](crate::policy::classify) with the operation's
    /// idempotency from the table ([`Operation::is_idempotent`]), the
    /// attempt timeout and the deadline, the body cap, and one [`Error`]
    /// naming `op` and the attempts made. For an operation the typed layer
    /// does not (yet) wrap, or a call built at run time.
    ///
    /// `send` makes one attempt: it receives the generated client and
    /// returns its builder's `send()` future; it is called once per
    /// attempt, so it clones what it sends. `op` must be the operation
    /// `send` calls: it decides the retries and names the call in errors.
    /// A `200` whose body says `"success": false` is
    /// [`ErrorKind::Rejected`](crate::ErrorKind::Rejected); a documented error answer is
    /// [`ErrorKind::Api`](crate::ErrorKind::Api) with its `error` code and `msg`, read from the
    /// answer's JSON as for the typed methods.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// use vast_api_ext::Operation;
    /// let body = vast_api::types::CancelSyncRequest::builder().dst_id(6003036);
    /// let reply = client
    ///     .call(Operation::CancelSync, |generated| generated.cancel_sync().body(body.clone()).send())
    ///     .await?;
    /// println!("{:?} ({} attempt(s))", reply.value.msg, reply.attempts);
    ///
    /// // The same with a JSON body, for an operation named at run time.
    /// let body = serde_json::json!({"dst_id": 6003036});
    /// let op = Operation::from_operation_id("cancelSync").expect("in the spec");
    /// let reply = client
    ///     .call(op, |generated| vast_api::dynamic::send(generated, op, &body))
    ///     .await?;
    /// println!("{}", reply.raw());
    /// # Ok(()) }
    /// ```
    pub async fn call<'c, T, E, F, Fut>(&'c self, op: Operation, send: F) -> Result<Reply<T>, Error>
    where
        F: Fn(&'c vast_api::Client) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, RawError<E>>>,
        T: serde::Serialize,
        E: serde::Serialize + std::fmt::Debug + Send + Sync + 'static,
    {
        let ((value, raw), attempts) = self.call_with(op, send, serialized_rejection::<T>).await?;
        Ok(Reply {
            value,
            attempts,
            raw,
        })
    }

    /// The path of every call, generic or typed: each attempt is one call
    /// of the generated client (`send`, its answer's status and body
    /// observed), its result checked by [`check`] with the answer's
    /// `verdict`, run by the client's
    /// pipeline. The attempt's time limit covers reading the body, in
    /// `send` or in `check`. A success comes with its body as received
    /// ([`received`]): the observation is the successful attempt's own,
    /// since each attempt observes its own call.
    async fn call_with<'c, T, E, F, Fut>(
        &'c self,
        op: Operation,
        send: F,
        verdict: Verdict<T>,
    ) -> Result<((T, Option<Box<str>>), u32), Error>
    where
        F: Fn(&'c vast_api::Client) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, RawError<E>>>,
        E: serde::Serialize + std::fmt::Debug + Send + Sync + 'static,
    {
        let pipeline = &self.inner.pipeline;
        let generated = &self.inner.generated;
        pipeline
            .run(op, || async {
                // Pinned here, so `observe` holds a pointer, not a copy.
                let sent = std::pin::pin!(send(generated));
                let (result, seen) = vast_api::observe(sent).await;
                let answer = check(pipeline.clock(), result, seen.status(), &seen, verdict).await?;
                Ok((answer, received(&seen)))
            })
            .await
    }
}

/// The [`Outcome`] of a typed method whose answer type has no `msg` field
/// of its own: the server's `msg` read from the body as received.
fn outcome_of<T>(reply: Reply<T>) -> Outcome {
    let message = reply.raw.as_deref().and_then(|raw| {
        serde_json::from_str::<serde_json::Value>(raw)
            .ok()?
            .get("msg")?
            .as_str()
            .map(str::to_owned)
    });
    Outcome {
        message,
        attempts: reply.attempts,
        raw: reply.raw,
    }
}
