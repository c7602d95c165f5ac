//! Hand-written: [`observe`], which reports the status and the body bytes
//! of a call's answer, and [`Recorded`], the body wrapper that records them.
//!
//! For `vast-api-ext`, whose outcomes keep the answer as received
//! (`Outcome::raw`) and whose errors name the status of an undecodable
//! answer: progenitor's `InvalidResponsePayload` keeps the body but not the
//! status, its `ResponseBodyError` keeps neither, and a decoded answer keeps
//! neither the raw JSON nor unknown fields. The hooks (`hooks.rs`) open a
//! [`Tap`] for each answer received inside [`observe`], and put its body
//! behind a [`Recorded`]. Outside `observe` nothing is recorded, and no
//! wrapper is added.
//!
//! Hidden from the docs (`#[doc(hidden)]`): a task-local side channel is not
//! part of the raw client's API. It is the one way to tie an answer's bytes
//! to the call that received them without editing the generated code, and
//! the hostile-answer tests read the raw client's answers through it.

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use reqwest::StatusCode;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Poll};

tokio::task_local! {
    static SCOPE: Arc<Mutex<Slot>>;
}

/// What [`observe`] reports: the last answer received inside it.
#[derive(Clone, Default)]
pub struct Observation {
    status: Option<StatusCode>,
    chunks: Vec<Bytes>,
    complete: bool,
}

impl std::fmt::Debug for Observation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The length, not the bytes: a body may be up to the cap.
        f.debug_struct("Observation")
            .field("status", &self.status)
            .field("body_len", &self.body_len())
            .field("complete", &self.complete)
            .finish()
    }
}

impl Observation {
    /// The status of the last answer, if one was received (`None` when the
    /// call failed before an answer, or made no request).
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The body bytes read inside [`observe`], as received (no copies): at
    /// most the client's cap ([`Limits::max_body_bytes`](crate::Limits::max_body_bytes)).
    pub fn chunks(&self) -> &[Bytes] {
        &self.chunks
    }

    /// The body bytes read, in one piece (a copy only when the body came in
    /// more than one chunk).
    pub fn body(&self) -> Bytes {
        match self.chunks.as_slice() {
            [] => Bytes::new(),
            [one] => one.clone(),
            many => many.concat().into(),
        }
    }

    /// How many body bytes were read.
    pub fn body_len(&self) -> u64 {
        self.chunks.iter().map(|c| c.len() as u64).sum()
    }

    /// Whether the body was read to its end, so [`body`](Self::body) is the
    /// whole body. `false` when it was cut (over the cap, a broken
    /// connection, a timeout) or not read inside [`observe`].
    pub fn is_complete(&self) -> bool {
        self.complete
    }
}

/// The slot [`observe`] opens: the observation, and which response of the
/// scope it is about (a later response replaces an earlier one).
#[derive(Default)]
struct Slot {
    response: u64,
    observation: Observation,
}

/// Where a response's body records what it reads: the scope's slot, while
/// the scope lasts, and only while this response is the slot's latest.
pub(crate) struct Tap {
    slot: Weak<Mutex<Slot>>,
    response: u64,
}

impl Tap {
    /// A tap for a new response with `status`, if the caller is inside
    /// [`observe`]; the slot now describes this response.
    pub(crate) fn open(status: StatusCode) -> Option<Self> {
        SCOPE
            .try_with(|slot| {
                let mut s = slot.lock().unwrap_or_else(PoisonError::into_inner);
                s.response += 1;
                s.observation = Observation {
                    status: Some(status),
                    ..Observation::default()
                };
                Tap {
                    slot: Arc::downgrade(slot),
                    response: s.response,
                }
            })
            .ok()
    }

    fn with(&self, f: impl FnOnce(&mut Observation)) {
        if let Some(slot) = self.slot.upgrade() {
            let mut s = slot.lock().unwrap_or_else(PoisonError::into_inner);
            if s.response == self.response {
                f(&mut s.observation);
            }
        }
    }

    fn record(&self, chunk: Bytes) {
        if !chunk.is_empty() {
            self.with(|o| o.chunks.push(chunk));
        }
    }

    fn finish(&self) {
        self.with(|o| o.complete = true);
    }
}

/// Runs `call` (calls of the generated client) and returns its output with
/// an [`Observation`] of the last answer it received: its status and the
/// body bytes read before `call` returned (at most the cap). A body read
/// after `observe` has returned (an `UnexpectedResponse` read by the
/// caller) is not recorded. Outside `observe` nothing is recorded.
///
/// ```no_run
/// # async fn run(client: vast_api::Client) {
/// let body = vast_api::types::CancelSyncRequest::builder().dst_id(6003036);
/// let (result, seen) = vast_api::observe(client.cancel_sync().body(body).send()).await;
/// if let Err(vast_api::Error::InvalidResponsePayload(..)) = result {
///     eprintln!("status {:?} with an unreadable body of {} bytes", seen.status(), seen.body_len());
/// }
/// # }
/// ```
pub async fn observe<F: Future>(call: F) -> (F::Output, Observation) {
    let slot = Arc::new(Mutex::new(Slot::default()));
    let output = SCOPE.scope(slot.clone(), call).await;
    let observation = std::mem::take(
        &mut slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .observation,
    );
    (output, observation)
}

/// A response body that records what it yields through its [`Tap`]: each
/// chunk as received (no copies), and whether it reached its end.
pub(crate) struct Recorded<B> {
    inner: B,
    tap: Tap,
}

impl<B> Recorded<B> {
    /// `inner`, recorded through `tap`.
    pub(crate) fn new(inner: B, tap: Tap) -> Self {
        Self { inner, tap }
    }
}

impl<B> http_body::Body for Recorded<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let frame = std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx));
        match &frame {
            None => this.tap.finish(),
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    this.tap.record(data.clone());
                }
            }
            Some(Err(_)) => {}
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
