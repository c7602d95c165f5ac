//! Hand-written: the generated client's hooks, which put each response body
//! behind the cap (`limit.rs`) and, inside [`observe`](crate::observe()),
//! read it whole and record it (`observe.rs`) before the generated code
//! reads it again.
//!
//! The generated client is built with progenitor's `HooksMode::Expected`, so
//! this crate must implement `ClientHooks` for [`Client`] (the crate does not
//! compile without it), and the cap cannot fall back to progenitor's default
//! hooks. Its `exec` sends the request with the `reqwest::Client` and hands
//! the response to [`received`]. An answer whose declared length is within
//! the cap, received outside `observe` (every call of the raw client), is
//! returned as reqwest made it, at no cost.

use crate::body::{map_body, rebuild, replay, take_apart};
use crate::limit::{self, LimitedBody};
use crate::{Client, Limits, observe};
use progenitor_client::{ClientHooks, OperationInfo};

impl ClientHooks<Limits> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client.execute(request).await?;
        Ok(received(response, self.inner.max_body_bytes()).await)
    }
}

/// `response` as the generated code gets it: its body behind a cap of
/// `limit` bytes unless its declared length is within it, and, inside
/// [`observe`](crate::observe()), read whole and recorded first.
async fn received(response: reqwest::Response, limit: u64) -> reqwest::Response {
    if observe::active() {
        read_whole(response, limit).await
    } else {
        guard(response, limit)
    }
}

/// `response` with its body behind a cap of `limit` bytes, unless its
/// declared length is within it: hyper reads no further than a declared
/// length, so the cap then has nothing to guard.
fn guard(response: reqwest::Response, limit: u64) -> reqwest::Response {
    if limit::within(&response, limit) {
        return response;
    }
    let status = response.status();
    map_body(response, |body| {
        reqwest::Body::wrap(LimitedBody::new(body, status, limit))
    })
}

/// Reads the body of `response` (behind the cap if it needs one) to its
/// end or to its error, recording its status and each chunk as it comes,
/// and returns the response around a body that yields the same chunks and
/// the same error, with the same size hint.
async fn read_whole(response: reqwest::Response, limit: u64) -> reqwest::Response {
    let status = response.status();
    let answer = observe::Answer::new(status);
    let capped = !limit::within(&response, limit);
    let (parts, body) = take_apart(response);
    let body = if capped {
        read(LimitedBody::new(body, status, limit), &answer).await
    } else {
        read(body, &answer).await
    };
    rebuild(parts, body)
}

/// Every chunk of `body` until its end or its error, recorded as it comes
/// for `answer`, and a body that replays them with `body`'s size hint.
async fn read<B>(mut body: B, answer: &observe::Answer) -> reqwest::Body
where
    B: http_body::Body<Data = bytes::Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + Sync + Unpin + 'static,
{
    let hint = body.size_hint();
    let mut chunks = Vec::new();
    loop {
        let frame = std::future::poll_fn(|cx| {
            http_body::Body::poll_frame(std::pin::Pin::new(&mut body), cx)
        })
        .await;
        match frame {
            Some(Ok(frame)) => {
                if let Ok(chunk) = frame.into_data()
                    && !chunk.is_empty()
                {
                    answer.chunk(&chunk);
                    chunks.push(chunk);
                }
            }
            Some(Err(error)) => return replay(chunks, Some(error), hint),
            None => {
                answer.complete();
                return replay::<B::Error>(chunks, None, hint);
            }
        }
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
        let passed = received(response(lying(2, &[b"1234"])), 3).await;
        assert_eq!(passed.bytes().await.unwrap(), "1234");
        // Declared over the cap: refused unread.
        let e = received(response(lying(4, &[b"1234"])), 3)
            .await
            .bytes()
            .await
            .unwrap_err();
        assert_eq!(BodyTooLarge::find(&e).unwrap().declared, Some(4));
        // No declared length: cut at the cap.
        let e = received(response(chunked(&[b"12", b"34"])), 3)
            .await
            .bytes()
            .await
            .unwrap_err();
        assert_eq!(BodyTooLarge::find(&e).unwrap().declared, None);
        let fits = received(response(chunked(&[b"12", b"3"])), 3).await;
        assert_eq!(fits.bytes().await.unwrap(), "123");
    }

    #[tokio::test]
    async fn inside_observe_the_answer_is_recorded_capped_or_not() {
        let (read, seen) = observe(async {
            let answer = received(response(reqwest::Body::from("{}")), 3).await;
            answer.bytes().await.unwrap()
        })
        .await;
        assert_eq!(read, "{}");
        assert_eq!(seen.status().map(|s| s.as_u16()), Some(503));
        assert_eq!((&seen.body()[..], seen.is_complete()), (&b"{}"[..], true));
        // Cut at the cap: the bytes up to the cap are recorded, not complete.
        let (result, seen) = observe(async {
            let answer = received(response(chunked(&[b"12", b"345"])), 4).await;
            answer.bytes().await
        })
        .await;
        assert!(BodyTooLarge::find(&result.unwrap_err()).is_some());
        assert_eq!(seen.chunks().len(), 2, "as received, not copied");
        assert_eq!(
            (&seen.body()[..], seen.is_complete()),
            (&b"1234"[..], false)
        );
        // Refused unread: the status, no byte; the response still declares
        // its length, as outside `observe`.
        let (_, seen) = observe(async {
            let answer = received(response(reqwest::Body::from("12345")), 4).await;
            assert_eq!(answer.content_length(), Some(5));
            answer.bytes().await
        })
        .await;
        assert_eq!(
            (seen.status().map(|s| s.as_u16()), seen.body_len()),
            (Some(503), 0)
        );
        // Outside `observe`, nothing is recorded and nothing fails.
        let outside = received(response(reqwest::Body::from("{}")), 3).await;
        assert_eq!(outside.bytes().await.unwrap(), "{}");
    }
}
