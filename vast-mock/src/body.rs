//! The response body type: whole, or in two chunks with a pause between them.

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// A response body: `first`, then (after `pause`, if any) `rest`.
#[derive(Debug)]
pub(crate) struct MockBody {
    first: Option<Bytes>,
    pause: Option<Duration>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    rest: Option<Bytes>,
    remaining: u64,
}

impl MockBody {
    pub(crate) fn full(bytes: impl Into<Bytes>) -> MockBody {
        let bytes = bytes.into();
        MockBody {
            remaining: bytes.len() as u64,
            first: Some(bytes).filter(|b| !b.is_empty()),
            pause: None,
            sleep: None,
            rest: None,
        }
    }

    /// Splits `bytes` in half and pauses `pause` between the halves.
    pub(crate) fn split(bytes: impl Into<Bytes>, pause: Duration) -> MockBody {
        let mut first = bytes.into();
        let remaining = first.len() as u64;
        let rest = first.split_off(first.len() / 2);
        MockBody {
            first: Some(first),
            pause: Some(pause),
            sleep: None,
            rest: Some(rest),
            remaining,
        }
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        if let Some(first) = this.first.take() {
            this.remaining -= first.len() as u64;
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        if let Some(pause) = this.pause.take() {
            this.sleep = Some(Box::pin(tokio::time::sleep(pause)));
        }
        if let Some(sleep) = this.sleep.as_mut() {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.sleep = None;
        }
        match this.rest.take() {
            Some(rest) => {
                this.remaining -= rest.len() as u64;
                Poll::Ready(Some(Ok(Frame::data(rest))))
            }
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0 && self.sleep.is_none() && self.pause.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
