//! Hand-written: the generated client's hooks, which put each response body
//! behind the cap (`limit.rs`) and, inside [`observe`](crate::observe()),
//! behind the recorder (`observe.rs`).
//!
//! The generated client is built with progenitor's `HooksMode::Expected`, so
//! this crate must implement `ClientHooks` for [`Client`] (the crate does not
//! compile without it), and the cap cannot fall back to progenitor's default
//! hooks. Its `exec` sends the request with the `reqwest::Client` and hands
//! the response to [`guard`], which adds only the wrappers the response
//! needs: an answer whose declared length is within the cap, received
//! outside `observe` (every call of the raw client), is returned as
//! reqwest made it, at no cost.

use crate::body::map_body;
use crate::limit::{self, LimitedBody};
use crate::observe::{Recorded, Tap};
use crate::{Client, Limits};
use progenitor_client::{ClientHooks, OperationInfo};

impl ClientHooks<Limits> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client.execute(request).await?;
        Ok(guard(response, self.inner.max_body_bytes()))
    }
}

/// `response` with its body behind a cap of `limit` bytes unless its
/// declared length is within it, and recorded if the call is inside
/// [`observe`](crate::observe()); unchanged when it needs neither.
fn guard(response: reqwest::Response, limit: u64) -> reqwest::Response {
    let status = response.status();
    let tap = Tap::open(status);
    let capped = !limit::within(&response, limit);
    match (tap, capped) {
        (None, false) => response,
        (None, true) => map_body(response, |body| LimitedBody::new(body, status, limit)),
        (Some(tap), false) => map_body(response, |body| Recorded::new(body, tap)),
        (Some(tap), true) => map_body(response, |body| {
            Recorded::new(LimitedBody::new(body, status, limit), tap)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BodyTooLarge;
    use crate::body::tests::{Chunks, chunked, response};
    use crate::observe;

    /// A body that declares `declared` bytes and yields `chunks`, whatever
    /// their length: what hyper never hands over, so only a response left
    /// as it was can pass more than it declared.
    struct Lying(Chunks, u64);

    impl http_body::Body for Lying {
        type Data = bytes::Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
            std::pin::Pin::new(&mut self.0).poll_frame(cx)
        }
        fn size_hint(&self) -> http_body::SizeHint {
            http_body::SizeHint::with_exact(self.1)
        }
    }

    fn lying(declared: u64, chunks: &[&'static [u8]]) -> reqwest::Body {
        reqwest::Body::wrap(Lying(Chunks(chunks.iter().copied().collect()), declared))
    }

    #[tokio::test]
    async fn a_declared_length_within_the_cap_is_left_as_it_is() {
        // Declared within the cap: no wrapper, so the body is as reqwest
        // gives it (here more than declared, which hyper never yields).
        let passed = guard(response(lying(2, &[b"1234"])), 3);
        assert_eq!(passed.bytes().await.unwrap(), "1234");
        // Declared over the cap: refused unread.
        let e = guard(response(lying(4, &[b"1234"])), 3)
            .bytes()
            .await
            .unwrap_err();
        assert_eq!(BodyTooLarge::find(&e).unwrap().declared, Some(4));
        // No declared length: cut at the cap.
        let e = guard(response(chunked(&[b"12", b"34"])), 3)
            .bytes()
            .await
            .unwrap_err();
        assert_eq!(BodyTooLarge::find(&e).unwrap().declared, None);
        let fits = guard(response(chunked(&[b"12", b"3"])), 3);
        assert_eq!(fits.bytes().await.unwrap(), "123");
    }

    #[tokio::test]
    async fn inside_observe_the_answer_is_recorded_capped_or_not() {
        let (read, seen) = observe(async {
            let answer = guard(response(reqwest::Body::from("{}")), 3);
            answer.bytes().await.unwrap()
        })
        .await;
        assert_eq!(read, "{}");
        assert_eq!(seen.status().map(|s| s.as_u16()), Some(503));
        assert_eq!((&seen.body()[..], seen.is_complete()), (&b"{}"[..], true));
        // Cut at the cap: the bytes up to the cap are recorded, not complete.
        let (result, seen) = observe(async {
            let answer = guard(response(chunked(&[b"12", b"345"])), 4);
            answer.bytes().await
        })
        .await;
        assert!(BodyTooLarge::find(&result.unwrap_err()).is_some());
        assert_eq!(seen.chunks().len(), 2, "as received, not copied");
        assert_eq!(
            (&seen.body()[..], seen.is_complete()),
            (&b"1234"[..], false)
        );
        // Refused unread: the status, no byte.
        let (_, seen) = observe(async {
            let answer = guard(response(reqwest::Body::from("12345")), 4);
            answer.bytes().await
        })
        .await;
        assert_eq!(
            (seen.status().map(|s| s.as_u16()), seen.body_len()),
            (Some(503), 0)
        );
        // Outside `observe`, nothing is recorded and nothing fails.
        let outside = guard(response(reqwest::Body::from("{}")), 3);
        assert_eq!(outside.bytes().await.unwrap(), "{}");
    }
}
