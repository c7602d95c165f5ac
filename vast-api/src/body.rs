//! Hand-written: how a `reqwest::Response`'s body is replaced, and the
//! body that gives back what was read ([`replay`]).
//!
//! reqwest 0.13 has no way to replace the body of a response, so the
//! response is taken apart (`reqwest::Response` → `http::Response`) and
//! rebuilt around the new body, its URL carried across. That costs two
//! boxes and the URL's copy, which is why the hooks (`hooks.rs`) do it only
//! when an answer needs the cap's wrapper or is read inside `observe`.

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};

/// `response` taken apart: its status, version, headers and extensions
/// (its URL among them, where the rebuild reads it), and its body.
pub(crate) fn take_apart(response: reqwest::Response) -> (http::response::Parts, reqwest::Body) {
    use reqwest::ResponseBuilderExt as _;
    let url = response.url().clone();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    // reqwest keeps the URL beside the `http::Response`, not in it: put it
    // back as the extension the rebuild reads, or `url()` would become a
    // placeholder. Only a builder can add that extension (its type is
    // reqwest's): the response's own extensions (remote address, reason
    // phrase) go through the builder and come back with the URL among them,
    // one map, no merge. Status, version and headers stay in `parts`.
    let mut builder = http::Response::builder();
    if let Some(extensions) = builder.extensions_mut() {
        *extensions = std::mem::take(&mut parts.extensions);
    }
    // Nothing invalid was given to the builder: `body` cannot fail.
    if let Ok(tagged) = builder.url(url).body(()) {
        parts.extensions = tagged.into_parts().0.extensions;
    }
    (parts, body)
}

/// The response of [`take_apart`]'s `parts` around `body`.
pub(crate) fn rebuild(parts: http::response::Parts, body: reqwest::Body) -> reqwest::Response {
    reqwest::Response::from(http::Response::from_parts(parts, body))
}

/// `response` with its body replaced by `wrap(body)`; its status, version,
/// headers, extensions and URL unchanged.
pub(crate) fn map_body(
    response: reqwest::Response,
    wrap: impl FnOnce(reqwest::Body) -> reqwest::Body,
) -> reqwest::Response {
    let (parts, body) = take_apart(response);
    rebuild(parts, wrap(body))
}

/// A body that yields `chunks`, then `error` if the read that gave them
/// ended in one: what a body read early yields when read again. Its size
/// hint is `hint`, the read body's before it was read (so the response's
/// `content_length()` is what it was), until it is read. A whole body of one
/// chunk of the length its hint declared (every answer of this API) is a
/// plain `Bytes` body.
pub(crate) fn replay<E>(chunks: Vec<Bytes>, error: Option<E>, hint: SizeHint) -> reqwest::Body
where
    E: Into<Box<dyn std::error::Error + Send + Sync>> + Send + Sync + Unpin + 'static,
{
    let read: u64 = chunks.iter().map(|c| c.len() as u64).sum();
    if error.is_none() && chunks.len() <= 1 && hint.exact() == Some(read) {
        return reqwest::Body::from(chunks.into_iter().next().unwrap_or_default());
    }
    reqwest::Body::wrap(Replay {
        chunks: chunks.into_iter(),
        error,
        hint: Some(hint),
    })
}

struct Replay<E> {
    chunks: std::vec::IntoIter<Bytes>,
    error: Option<E>,
    /// The read body's size hint, until the first frame is yielded.
    hint: Option<SizeHint>,
}

impl<E> http_body::Body for Replay<E>
where
    E: Unpin,
{
    type Data = Bytes;
    type Error = E;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.hint = None;
        let next = match self.chunks.next() {
            Some(chunk) => Some(Ok(Frame::data(chunk))),
            None => self.error.take().map(Err),
        };
        Poll::Ready(next)
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.len() == 0 && self.error.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        if let Some(hint) = self.hint {
            return hint;
        }
        let left: u64 = self.chunks.as_slice().iter().map(|c| c.len() as u64).sum();
        if self.error.is_none() {
            SizeHint::with_exact(left)
        } else {
            let mut hint = SizeHint::new();
            hint.set_lower(left);
            hint
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use http_body::Frame;
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// A body of the given chunks with no declared length.
    pub(crate) struct Chunks(pub(crate) VecDeque<&'static [u8]>);

    impl http_body::Body for Chunks {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Ready(
                self.0
                    .pop_front()
                    .map(|c| Ok(Frame::data(Bytes::from_static(c)))),
            )
        }
    }

    /// A `503` with a `Retry-After` and a URL, around `body`.
    pub(crate) fn response(body: reqwest::Body) -> reqwest::Response {
        use reqwest::ResponseBuilderExt as _;
        let url = reqwest::Url::parse("http://127.0.0.1:9/api/v0/commands/rclone/").unwrap();
        let answer = http::Response::builder()
            .status(503)
            .header("retry-after", "7")
            .url(url)
            .body(body)
            .unwrap();
        reqwest::Response::from(answer)
    }

    /// A body of `chunks` without a declared length (as a chunked answer).
    pub(crate) fn chunked(chunks: &[&'static [u8]]) -> reqwest::Body {
        reqwest::Body::wrap(Chunks(chunks.iter().copied().collect()))
    }

    #[tokio::test]
    async fn the_response_keeps_its_url_status_headers_and_extensions() {
        #[derive(Clone, Debug, PartialEq)]
        struct Mark(u8);
        let mut original = response(reqwest::Body::from("{}"));
        original.extensions_mut().insert(Mark(7));
        let mapped = map_body(original, |body| body);
        assert_eq!(mapped.extensions().get::<Mark>(), Some(&Mark(7)));
        assert_eq!(
            mapped.url().as_str(),
            "http://127.0.0.1:9/api/v0/commands/rclone/"
        );
        assert_eq!(mapped.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(mapped.headers()["retry-after"], "7");
        assert_eq!(
            mapped.content_length(),
            Some(2),
            "the size hint passes through"
        );
        assert_eq!(&mapped.bytes().await.unwrap()[..], b"{}");
    }

    /// The next frame of `body`, which is ready.
    fn next(body: &mut reqwest::Body) -> Option<Result<Bytes, reqwest::Error>> {
        use http_body::Body as _;
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match Pin::new(body).poll_frame(&mut cx) {
            Poll::Ready(frame) => frame.map(|f| f.map(|f| f.into_data().unwrap_or_default())),
            Poll::Pending => panic!("a replayed body is always ready"),
        }
    }

    /// A body whose first frame is an error.
    struct Broken;

    impl http_body::Body for Broken {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Ready(Some(Err(std::io::Error::other("connection reset"))))
        }
    }

    #[test]
    fn a_replayed_body_yields_what_was_read_then_the_same_error() {
        let error = next(&mut reqwest::Body::wrap(Broken)).unwrap().unwrap_err();
        let chunks = vec![Bytes::from_static(b"12"), Bytes::from_static(b"34")];
        // Cut short of the 10 bytes it declared: the hint is still the
        // declared length until the body is read again.
        let mut body = replay(chunks, Some(error), SizeHint::with_exact(10));
        assert_eq!(http_body::Body::size_hint(&body).exact(), Some(10));
        assert_eq!(next(&mut body).unwrap().unwrap(), "12");
        assert_eq!(http_body::Body::size_hint(&body).exact(), None, "cut short");
        assert_eq!(next(&mut body).unwrap().unwrap(), "34");
        let again = next(&mut body).unwrap().unwrap_err();
        let mut source: Option<&dyn std::error::Error> = Some(&again);
        let mut texts = Vec::new();
        while let Some(e) = source {
            texts.push(e.to_string());
            source = e.source();
        }
        assert!(texts.iter().any(|t| t == "connection reset"), "{texts:?}");
        assert!(next(&mut body).is_none());
        // Read whole, one chunk (or none) of the declared length: a plain
        // body of its length.
        let whole = |chunks: Vec<Bytes>, hint| replay::<std::io::Error>(chunks, None, hint);
        let mut one = whole(vec![Bytes::from_static(b"{}")], SizeHint::with_exact(2));
        assert_eq!(http_body::Body::size_hint(&one).exact(), Some(2));
        assert_eq!(next(&mut one).unwrap().unwrap(), "{}");
        assert!(next(&mut one).is_none());
        let mut empty = whole(Vec::new(), SizeHint::with_exact(0));
        assert_eq!(http_body::Body::size_hint(&empty).exact(), Some(0));
        assert!(next(&mut empty).is_none());
        // Read whole without a declared length (chunked): still none.
        let mut chunked = whole(vec![Bytes::from_static(b"{}")], SizeHint::new());
        assert_eq!(http_body::Body::size_hint(&chunked).exact(), None);
        assert_eq!(next(&mut chunked).unwrap().unwrap(), "{}");
        assert!(next(&mut chunked).is_none());
        // Several chunks: each as read, then the end.
        let chunks = vec![Bytes::from_static(b"1"), Bytes::from_static(b"2")];
        let mut two = whole(chunks, SizeHint::with_exact(2));
        assert_eq!(http_body::Body::size_hint(&two).exact(), Some(2));
        assert_eq!(next(&mut two).unwrap().unwrap(), "1");
        assert_eq!(next(&mut two).unwrap().unwrap(), "2");
        assert!(next(&mut two).is_none());
    }
}
