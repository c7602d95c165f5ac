//! Hand-written: [`observe`], which reports the status and the body bytes
//! of a call's answer.
//!
//! For `vast-api-ext`, whose outcomes keep the answer as received
//! (`Outcome::raw`) and whose errors name the status of an undecodable
//! answer: progenitor's `InvalidResponsePayload` keeps the body but not the
//! status, its `ResponseBodyError` keeps neither, and a decoded answer keeps
//! neither the raw JSON nor unknown fields. Inside [`observe`] the hooks
//! (`hooks.rs`) read each answer's body whole (through the cap) before the
//! generated code sees it, and write what they read here, as they read it;
//! the generated code then reads the same bytes again (`body::replay`).
//! Outside `observe` nothing is recorded, and no body is read early.
//!
//! Hidden from the docs (`#[doc(hidden)]`): a task-local side channel is not
//! part of the raw client's API. It is the one way to tie an answer's bytes
//! to the call that received them without editing the generated code, and
//! the hostile-answer tests read the raw client's answers through it.

use bytes::Bytes;
use reqwest::StatusCode;
use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

tokio::task_local! {
    static SCOPE: RefCell<Observation>;
}

/// What [`observe`] reports: the last answer received inside it.
#[derive(Clone, Default)]
pub struct Observation {
    status: Option<StatusCode>,
    chunks: Vec<Bytes>,
    complete: bool,
    /// Which answer this is ([`Answer`]); 0 before any.
    answer: u64,
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
    /// connection, a timeout), or when no answer was received.
    pub fn is_complete(&self) -> bool {
        self.complete
    }
}

/// Whether the caller is inside [`observe`]: the hooks then read each
/// answer whole and record it.
pub(crate) fn active() -> bool {
    SCOPE.try_with(|_| ()).is_ok()
}

/// An answer the hooks read inside [`observe`]: what they record of it
/// goes to the scope's observation while it is the scope's latest answer
/// (calls made together inside one `observe` do not mix their bodies).
pub(crate) struct Answer(u64);

impl Answer {
    /// A new answer with `status`: it replaces what was recorded of an
    /// earlier one (the observation is of the last answer).
    pub(crate) fn new(status: StatusCode) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let _ = SCOPE.try_with(|s| {
            *s.borrow_mut() = Observation {
                status: Some(status),
                answer: id,
                ..Observation::default()
            }
        });
        Self(id)
    }

    /// Runs `record` on the observation if this answer is still its latest.
    fn record(&self, record: impl FnOnce(&mut Observation)) {
        let _ = SCOPE.try_with(|s| {
            let mut observation = s.borrow_mut();
            if observation.answer == self.0 {
                record(&mut observation);
            }
        });
    }

    /// The next chunk of this answer's body, as received.
    pub(crate) fn chunk(&self, chunk: &Bytes) {
        self.record(|o| o.chunks.push(chunk.clone()));
    }

    /// This answer's body was read to its end.
    pub(crate) fn complete(&self) {
        self.record(|o| o.complete = true);
    }
}

/// Runs `call` (calls of the generated client) and returns its output with
/// an [`Observation`] of the last answer it received: its status and the
/// body bytes read (at most the cap). Inside `observe`, each answer's body
/// is read whole before the generated code returns (the call's time limits
/// apply, as to any read of the body). Outside `observe` nothing is
/// recorded.
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
    let mut scoped = std::pin::pin!(SCOPE.scope(RefCell::default(), call));
    let output = scoped.as_mut().await;
    let observation = scoped
        .take_value()
        .map(RefCell::into_inner)
        .unwrap_or_default();
    (output, observation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_earlier_answer_read_on_does_not_write_into_a_later_ones_record() {
        let ((), seen) = observe(async {
            let first = Answer::new(StatusCode::OK);
            first.chunk(&Bytes::from_static(b"ab"));
            let second = Answer::new(StatusCode::SERVICE_UNAVAILABLE);
            // Read together (two calls joined inside one `observe`): the
            // first's later chunks and its end are not the second's.
            first.chunk(&Bytes::from_static(b"cd"));
            second.chunk(&Bytes::from_static(b"xy"));
            first.complete();
        })
        .await;
        assert_eq!(seen.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!((&seen.body()[..], seen.is_complete()), (&b"xy"[..], false));
        // Outside `observe`, an answer records nothing and fails nothing.
        let outside = Answer::new(StatusCode::OK);
        outside.chunk(&Bytes::from_static(b"zz"));
        outside.complete();
        let ((), nothing) = observe(async {}).await;
        assert_eq!((nothing.status(), nothing.body_len()), (None, 0));
    }
}
