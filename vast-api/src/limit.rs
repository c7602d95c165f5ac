//! Hand-written: the cap on response bodies ([`Limits`], the generated
//! client's inner type) and the body wrapper that enforces it.
//!
//! Every answer of these endpoints is well under 1 KiB, but a proxy, a
//! captive portal or a hostile server behind the base URL can send a body
//! without end. [`Client`]'s `exec` hook (`hooks.rs`) puts every response
//! body that could pass the cap behind a [`LimitedBody`]: a declared
//! `Content-Length` over the cap is refused on the first poll, before any of
//! the body is read; an unsized (chunked or close-delimited) body is cut as
//! soon as it passes the cap. Either way the body yields a [`BodyTooLarge`]
//! error, drops the connection's body at once (hyper then closes the
//! connection instead of reusing it), and the generated method returns
//! `Error::ResponseBodyError` with that error in its source chain
//! ([`BodyTooLarge::find`]). A body whose declared length is within the cap
//! needs no wrapper ([`within`]): hyper reads no further than a declared
//! length. The wrapper sits outside reqwest's own body, so reqwest's total
//! timeout still covers the read.

use crate::{Client, DEFAULT_MAX_BODY_BYTES};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use reqwest::StatusCode;
use std::pin::Pin;
use std::task::{Context, Poll};

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

/// Whether `response` needs no cap: its body has a declared length
/// (`Content-Length`, and no chunked framing) of at most `limit` bytes.
/// hyper reads no further than a declared length, so such a body cannot
/// pass the cap, whatever the server sends after it.
pub(crate) fn within(response: &reqwest::Response, limit: u64) -> bool {
    response
        .content_length()
        .is_some_and(|declared| declared <= limit)
}

/// A response body that yields at most `limit` bytes, then a [`BodyTooLarge`].
pub(crate) struct LimitedBody<B> {
    /// `None` once finished, refused or cut: the connection's body is
    /// dropped as soon as the cap is passed, not when the caller drops the
    /// response.
    inner: Option<B>,
    status: StatusCode,
    limit: u64,
    read: u64,
    /// The body was cut: its first `limit` bytes were yielded, and the next
    /// poll yields the error.
    cut: bool,
}

impl<B> LimitedBody<B> {
    /// `inner`, the body of an answer with `status`, behind a cap of `limit` bytes.
    pub(crate) fn new(inner: B, status: StatusCode, limit: u64) -> Self {
        Self {
            inner: Some(inner),
            status,
            limit,
            read: 0,
            cut: false,
        }
    }

    fn refuse(&mut self, declared: Option<u64>) -> Box<dyn std::error::Error + Send + Sync> {
        self.inner = None;
        self.cut = false;
        Box::new(BodyTooLarge {
            status: self.status,
            limit: self.limit,
            declared,
        })
    }
}

impl<B> http_body::Body for LimitedBody<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if this.cut {
            return Poll::Ready(Some(Err(this.refuse(None))));
        }
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
                return Poll::Ready(None);
            }
            Some(Err(e)) => {
                this.inner = None;
                return Poll::Ready(Some(Err(e.into())));
            }
            Some(Ok(frame)) => frame,
        };
        if let Some(data) = frame.data_ref() {
            let len = data.len() as u64;
            let room = this.limit - this.read;
            if len > room {
                if room == 0 {
                    return Poll::Ready(Some(Err(this.refuse(None))));
                }
                // Cut: the bytes up to the cap now (a wrapper outside sees
                // exactly `limit` bytes), the error at the next poll.
                this.inner = None;
                this.cut = true;
                this.read = this.limit;
                // `room < len <= usize::MAX`, so the cast is exact.
                return Poll::Ready(Some(Ok(Frame::data(data.slice(..room as usize)))));
            }
            this.read += len;
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        !self.cut && self.inner.as_ref().is_none_or(|b| b.is_end_stream())
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
    use crate::body::map_body;
    use crate::body::tests::{chunked, response};

    /// `response` behind a cap of `limit`, whatever its declared length.
    fn cap(response: reqwest::Response, limit: u64) -> reqwest::Response {
        let status = response.status();
        map_body(response, |body| {
            reqwest::Body::wrap(LimitedBody::new(body, status, limit))
        })
    }

    #[tokio::test]
    async fn a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_refused() {
        let sized = |text: &'static str| response(reqwest::Body::from(text));
        assert_eq!(cap(sized("12345"), 5).bytes().await.unwrap(), "12345");
        let over = cap(sized("123456"), 5);
        assert_eq!(over.content_length(), Some(6), "the declared length");
        let e = over.bytes().await.unwrap_err();
        let big = BodyTooLarge::find(&e).unwrap();
        assert_eq!(
            (big.status.as_u16(), big.limit, big.declared),
            (503, 5, Some(6))
        );
        let no_length = || chunked(&[b"12", b"34", b"5"]);
        assert_eq!(
            cap(response(no_length()), 5).bytes().await.unwrap(),
            "12345"
        );
        let e = cap(response(no_length()), 4).bytes().await.unwrap_err();
        let big = BodyTooLarge::find(&e).unwrap();
        assert_eq!((big.limit, big.declared), (4, None));
        assert_eq!(
            big.to_string(),
            "the 503 Service Unavailable answer's body is over the 4-byte limit (cut after 4 bytes)"
        );
        // A limit of 0 refuses any body, and passes an empty one.
        assert!(cap(response(no_length()), 0).bytes().await.is_err());
        let empty = cap(response(reqwest::Body::from("")), 0);
        assert!(empty.bytes().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_cut_body_yields_exactly_the_limit_then_the_error() {
        let mut cut = cap(response(chunked(&[b"12", b"345", b"6"])), 4);
        assert_eq!(cut.chunk().await.unwrap().unwrap(), "12");
        assert_eq!(cut.chunk().await.unwrap().unwrap(), "34", "cut at the cap");
        let e = cut.chunk().await.unwrap_err();
        assert_eq!(BodyTooLarge::find(&e).unwrap().declared, None);
        // At the cap exactly, the next byte is the error itself.
        let mut full = cap(response(chunked(&[b"1234", b"5"])), 4);
        assert_eq!(full.chunk().await.unwrap().unwrap(), "1234");
        assert!(full.chunk().await.is_err());
    }

    #[test]
    fn the_size_hint_is_the_declared_length_or_at_most_the_room_left() {
        let body = |chunks| LimitedBody {
            inner: Some(chunks),
            status: StatusCode::OK,
            limit: 5,
            read: 2,
            cut: false,
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
    fn only_a_declared_length_within_the_cap_needs_no_cap() {
        let sized = |text: &'static str| response(reqwest::Body::from(text));
        assert!(within(&sized("12345"), 5));
        assert!(within(&sized(""), 0));
        assert!(!within(&sized("123456"), 5), "declared over the cap");
        assert!(
            !within(&response(chunked(&[b"1"])), 5),
            "no declared length"
        );
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
