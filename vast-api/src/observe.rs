//! Hand-written hooks: every response body behind the cap, and [`observe`],
//! which reports the status and the body bytes of a call's answer.
//!
//! The generated client is built with progenitor's `HooksMode::Expected`, so
//! this crate must implement `ClientHooks` for [`Client`] (the crate does not
//! compile without it). Its `exec` sends the request with the `reqwest::Client`
//! and puts the response's body behind the client's cap (`limit.rs`). When
//! the call runs inside [`observe`], the same wrapper records the status and
//! the body bytes it passes on: progenitor's `InvalidResponsePayload` keeps
//! the body but not the status, its `ResponseBodyError` keeps neither, and a
//! decoded answer keeps neither the raw JSON nor unknown fields.

use crate::{Client, Limits};
use bytes::Bytes;
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::StatusCode;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, Weak};

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
    /// most the client's cap ([`Limits::max_body_bytes`]).
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
    fn open(status: StatusCode) -> Option<Self> {
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

    pub(crate) fn record(&self, chunk: Bytes) {
        if !chunk.is_empty() {
            self.with(|o| o.chunks.push(chunk));
        }
    }

    pub(crate) fn finish(&self) {
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

impl ClientHooks<Limits> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client.execute(request).await?;
        let tap = Tap::open(response.status());
        Ok(crate::limit::cap(
            response,
            self.inner.max_body_bytes(),
            tap,
        ))
    }
}
