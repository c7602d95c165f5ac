//! Hand-written: how a wrapper is put around a `reqwest::Response`'s body.
//!
//! reqwest 0.13 has no way to replace the body of a response, so the
//! response is taken apart (`reqwest::Response` → `http::Response`) and
//! rebuilt around the wrapped body, its URL carried across. That costs two
//! boxes and the URL's copy, which is why the hooks (`hooks.rs`) call it
//! only when a wrapper is needed.

use bytes::Bytes;

/// `response` with its body replaced by `wrap(body)`; its status, version,
/// headers, extensions and URL unchanged.
pub(crate) fn map_body<B>(
    response: reqwest::Response,
    wrap: impl FnOnce(reqwest::Body) -> B,
) -> reqwest::Response
where
    B: http_body::Body<Data = Bytes> + Send + Sync + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use reqwest::ResponseBuilderExt as _;
    let url = response.url().clone();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    // reqwest keeps the URL beside the `http::Response`, not in it: put it
    // back as the extension the conversion below reads, or `url()` would
    // become a placeholder. Only a builder can add that extension (its type
    // is reqwest's): the response's own extensions (remote address, reason
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
    let body = reqwest::Body::wrap(wrap(body));
    reqwest::Response::from(http::Response::from_parts(parts, body))
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
}
