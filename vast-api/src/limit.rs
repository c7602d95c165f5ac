//! Hand-written: the cap on response bodies ([`Limits`], the generated
//! client's inner type) and the body wrapper that enforces it.
//!
//! Every answer of these endpoints is well under 1 KiB, but a proxy, a
//! captive portal or a hostile server behind the base URL can send a body
//! without end. [`Client`]'s `exec` hook (`observe.rs`) wraps every response
//! body in a [`LimitedBody`]: a declared `Content-Length` over the cap is
//! refused on the first poll, before any of the body is read; an unsized
//! (chunked or close-delimited) body is cut as soon as it passes the cap.
//! Either way the body yields a [`BodyTooLarge`] error, drops the connection's
//! body at once (hyper then closes the connection instead of reusing it), and
//! the generated method returns `Error::ResponseBodyError` with that error in
//! its source chain ([`BodyTooLarge::find`]). The wrapper sits outside
//! reqwest's own body, so reqwest's total timeout still covers the read.

use crate::Client;
use crate::observe::Tap;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use reqwest::StatusCode;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The default cap on a response body: 1 MiB. The API's answers are under
/// 1 KiB; anything near the cap is not an answer of this API.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 1024 * 1024;

/// The generated [`Client`]'s hand-written settings (progenitor's "inner
/// type"): the cap on response bodies.
///
/// ```
/// let limits = vast_api::Limits::default().with_max_body_bytes(64 * 1024);
/// assert_eq!(limits.max_body_bytes(), 64 * 1024);
/// let http = reqwest::Client::new();
/// let client = vast_api::Client::new_with_client("https://console.vast.ai", http, limits);
/// assert_eq!(client.limits().max_body_bytes(), 64 * 1024);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    max_body_bytes: u64,
}

impl Default for Limits {
    /// [`DEFAULT_MAX_BODY_BYTES`].
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl Limits {
    /// The largest response body, in bytes, that a call reads (success and
    /// error answers alike). `0` refuses every non-empty body; `u64::MAX`
    /// turns the cap off.
    #[must_use]
    pub const fn with_max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The cap on a response body, in bytes.
    pub const fn max_body_bytes(&self) -> u64 {
        self.max_body_bytes
    }
}

impl Client {
    /// This client with another cap on response bodies (default
    /// [`DEFAULT_MAX_BODY_BYTES`]).
    ///
    /// ```no_run
    /// let client = vast_api::Client::with_api_key("https://console.vast.ai", "my-key")?
    ///     .with_max_body_bytes(64 * 1024);
    /// # Ok::<(), vast_api::BuildError>(())
    /// ```
    #[must_use]
    pub fn with_max_body_bytes(mut self, limit: u64) -> Self {
        self.inner = self.inner.with_max_body_bytes(limit);
        self
    }

    /// The client's limits.
    pub fn limits(&self) -> &Limits {
        &self.inner
    }
}

/// A response body over the cap. It is the source (through reqwest's own
/// error) of the `reqwest::Error` that reading the body returns, and so of
/// `Error::ResponseBodyError`; [`BodyTooLarge::find`] digs it out, and the
/// alternate form of the error's `Display` (`{:#}`) prints it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BodyTooLarge {
    /// The answer's status.
    pub status: StatusCode,
    /// The cap, in bytes.
    pub limit: u64,
    /// The length the server declared (`Content-Length`) when it was over
    /// the cap: then nothing of the body was read. `None` for a body without
    /// a declared length, cut after `limit` bytes.
    pub declared: Option<u64>,
}

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} answer's body is over the {}-byte limit",
            self.status, self.limit
        )?;
        match self.declared {
            Some(n) => write!(f, " (Content-Length: {n}; not read)"),
            None => write!(f, " (cut after {} bytes)", self.limit),
        }
    }
}

impl std::error::Error for BodyTooLarge {}

impl BodyTooLarge {
    /// Finds a `BodyTooLarge` in `error` or its sources: a `vast_api::Error`
    /// (`ResponseBodyError`), the `reqwest::Error` of reading an
    /// `UnexpectedResponse`'s body, or anything wrapping them.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api::Client) {
    /// let body = vast_api::types::CancelSyncRequest::builder().dst_id(6003036);
    /// if let Err(e) = client.cancel_sync().body(body).send().await {
    ///     if let Some(big) = vast_api::BodyTooLarge::find(&e) {
    ///         eprintln!("a {} answer over {} bytes", big.status, big.limit);
    ///     }
    /// }
    /// # }
    /// ```
    pub fn find<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Self> {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(found) = e.downcast_ref::<Self>() {
                return Some(found);
            }
            next = e.source();
        }
        None
    }
}

/// Puts `response`'s body behind the cap; `tap` records what is read (see
/// [`observe`](crate::observe())).
pub(crate) fn cap(response: reqwest::Response, limit: u64, tap: Option<Tap>) -> reqwest::Response {
    use reqwest::ResponseBuilderExt as _;
    let url = response.url().clone();
    let status = response.status();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    // reqwest keeps the URL beside the `http::Response`, not in it: put it
    // back as the extension the conversion below reads, or `url()` would
    // become a placeholder. Status, version, headers and the other
    // extensions (remote address, reason phrase) travel in `parts`.
    if let Ok(tagged) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(tagged.into_parts().0.extensions);
    }
    let body = LimitedBody {
        inner: Some(body),
        status,
        limit,
        read: 0,
        tap,
    };
    reqwest::Response::from(http::Response::from_parts(parts, reqwest::Body::wrap(body)))
}

/// A response body that yields at most `limit` bytes, then a [`BodyTooLarge`].
struct LimitedBody {
    /// `None` once finished or refused: the connection's body is dropped as
    /// soon as the cap is passed, not when the caller drops the response.
    inner: Option<reqwest::Body>,
    status: StatusCode,
    limit: u64,
    read: u64,
    tap: Option<Tap>,
}

impl LimitedBody {
    fn refuse(&mut self, declared: Option<u64>) -> Box<dyn std::error::Error + Send + Sync> {
        self.inner = None;
        Box::new(BodyTooLarge {
            status: self.status,
            limit: self.limit,
            declared,
        })
    }
}

impl http_body::Body for LimitedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        // A declared length over the cap: refused before reading anything
        // (hyper's size hint is the `Content-Length`).
        if this.read == 0 && inner.size_hint().lower() > this.limit {
            let declared = inner.size_hint().lower();
            return Poll::Ready(Some(Err(this.refuse(Some(declared)))));
        }
        let frame = match std::task::ready!(Pin::new(inner).poll_frame(cx)) {
            None => {
                this.inner = None;
                if let Some(tap) = &this.tap {
                    tap.finish();
                }
                return Poll::Ready(None);
            }
            Some(Err(e)) => {
                this.inner = None;
                return Poll::Ready(Some(Err(Box::new(e))));
            }
            Some(Ok(frame)) => frame,
        };
        if let Some(data) = frame.data_ref() {
            let len = data.len() as u64;
            let room = this.limit - this.read;
            if len > room {
                if let Some(tap) = &this.tap {
                    // `room < len <= usize::MAX`, so the cast is exact.
                    tap.record(data.slice(..room as usize));
                }
                return Poll::Ready(Some(Err(this.refuse(None))));
            }
            this.read += len;
            if let Some(tap) = &this.tap {
                tap.record(data.clone());
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        let Some(inner) = &self.inner else {
            return SizeHint::with_exact(0);
        };
        let hint = inner.size_hint();
        let room = self.limit - self.read;
        // Within the cap, or a declared length that the first poll refuses:
        // the inner hint is the truth (`content_length()` stays the
        // declared one). Otherwise at most `room` more bytes are yielded.
        if hint.upper().is_some_and(|upper| upper <= room) || hint.lower() > room {
            return hint;
        }
        let mut capped = SizeHint::new();
        capped.set_upper(room);
        capped.set_lower(hint.lower());
        capped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A body of the given chunks with no declared length.
    struct Chunks(VecDeque<&'static [u8]>);

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

    fn response(body: reqwest::Body) -> reqwest::Response {
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

    fn chunked(chunks: &[&'static [u8]]) -> reqwest::Body {
        reqwest::Body::wrap(Chunks(chunks.iter().copied().collect()))
    }

    #[tokio::test]
    async fn the_response_keeps_its_url_status_and_headers() {
        let capped = cap(response(reqwest::Body::from("{}")), 10, None);
        assert_eq!(
            capped.url().as_str(),
            "http://127.0.0.1:9/api/v0/commands/rclone/"
        );
        assert_eq!(capped.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(capped.headers()["retry-after"], "7");
        assert_eq!(
            capped.content_length(),
            Some(2),
            "the size hint passes through"
        );
        assert_eq!(&capped.bytes().await.unwrap()[..], b"{}");
    }

    #[tokio::test]
    async fn a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_refused() {
        let sized = |text: &'static str| response(reqwest::Body::from(text));
        assert_eq!(cap(sized("12345"), 5, None).bytes().await.unwrap(), "12345");
        let over = cap(sized("123456"), 5, None);
        assert_eq!(over.content_length(), Some(6), "the declared length");
        let e = over.bytes().await.unwrap_err();
        let big = BodyTooLarge::find(&e).unwrap();
        assert_eq!(
            (big.status.as_u16(), big.limit, big.declared),
            (503, 5, Some(6))
        );
        let no_length = || chunked(&[b"12", b"34", b"5"]);
        assert_eq!(
            cap(response(no_length()), 5, None).bytes().await.unwrap(),
            "12345"
        );
        let e = cap(response(no_length()), 4, None)
            .bytes()
            .await
            .unwrap_err();
        let big = BodyTooLarge::find(&e).unwrap();
        assert_eq!((big.limit, big.declared), (4, None));
        assert_eq!(
            big.to_string(),
            "the 503 Service Unavailable answer's body is over the 4-byte limit (cut after 4 bytes)"
        );
        // A limit of 0 refuses any body, and passes an empty one.
        assert!(cap(response(no_length()), 0, None).bytes().await.is_err());
        let empty = cap(response(reqwest::Body::from("")), 0, None);
        assert!(empty.bytes().await.unwrap().is_empty());
    }

    #[test]
    fn the_size_hint_is_the_declared_length_or_at_most_the_room_left() {
        let body = |chunks| LimitedBody {
            inner: Some(chunks),
            status: StatusCode::OK,
            limit: 5,
            read: 2,
            tap: None,
        };
        use http_body::Body as _;
        let hint = body(reqwest::Body::from("abc")).size_hint();
        assert_eq!(hint.exact(), Some(3), "within the room: passed through");
        let hint = body(reqwest::Body::from("abcd")).size_hint();
        assert_eq!(hint.exact(), Some(4), "over the room: the declared length");
        let hint = body(chunked(&[b"a"])).size_hint();
        assert_eq!((hint.lower(), hint.upper()), (0, Some(3)));
    }

    #[test]
    fn find_walks_the_source_chain() {
        #[derive(Debug)]
        struct Wrapper(BodyTooLarge);
        impl std::fmt::Display for Wrapper {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("wrapped")
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let inner = BodyTooLarge {
            status: StatusCode::OK,
            limit: 1,
            declared: Some(2),
        };
        assert_eq!(BodyTooLarge::find(&Wrapper(inner.clone())), Some(&inner));
        assert_eq!(
            inner.to_string(),
            "the 200 OK answer's body is over the 1-byte limit (Content-Length: 2; not read)"
        );
        let other = std::io::Error::other("x");
        assert_eq!(BodyTooLarge::find(&other), None);
    }
}
