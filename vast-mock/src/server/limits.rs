//! The caps on what the mock reads of a request: the header section's size and the body's, checked before anything else.

use crate::spec::Violation;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Body;
use hyper::http::request::Parts;

/// The default cap on a request body: the workspace's one body cap,
/// [`vast_api::DEFAULT_MAX_BODY_BYTES`] (1 MiB; every valid request is far
/// smaller). See [`MockServerBuilder::max_body_bytes`](crate::MockServerBuilder::max_body_bytes).
pub const DEFAULT_MAX_BODY_BYTES: u64 = vast_api::DEFAULT_MAX_BODY_BYTES;

/// The default cap on a request's header section: 64 KiB. See
/// [`MockServerBuilder::max_header_bytes`](crate::MockServerBuilder::max_header_bytes).
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 << 10;

/// The caps on what the mock reads of a request (fixed when it starts).
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) body: u64,
    pub(super) header: usize,
}

impl Limits {
    /// hyper's own read buffer (`max_buf_size`), which also bounds the header
    /// section hyper accepts before it answers `431` by itself: twice the
    /// mock's header cap, so that a section a little over the cap reaches
    /// the mock (which answers with a JSON body), and at least hyper's minimum.
    pub(super) fn hyper_buffer(self) -> usize {
        self.header.saturating_mul(2).max(8192)
    }

    /// Reads a request's body within the caps. A header section over its cap
    /// is refused with nothing read; a body over its cap is refused with
    /// what was read of it (see [`read_capped`]). The request is still
    /// recorded either way, which is why this is no refusal yet.
    pub(super) async fn read<B>(self, parts: &Parts, body: B) -> Result<Received, B::Error>
    where
        B: Body<Data = Bytes> + Unpin,
    {
        if header_section_len(parts) > self.header {
            return Ok(Received {
                body: Bytes::new(),
                over_cap: Some(Violation::HeaderSectionTooLarge { limit: self.header }),
            });
        }
        Ok(match read_capped(body, self.body).await? {
            Capped::Whole(body) => Received {
                body,
                over_cap: None,
            },
            Capped::Cut(prefix) => Received {
                body: prefix,
                over_cap: Some(Violation::PayloadTooLarge { limit: self.body }),
            },
        })
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            body: DEFAULT_MAX_BODY_BYTES,
            header: DEFAULT_MAX_HEADER_BYTES,
        }
    }
}

/// A request's body as read within the caps.
#[derive(Debug)]
pub(super) struct Received {
    /// The body, or the part of it that was read when it was over its cap.
    pub(super) body: Bytes,
    /// The cap the request broke, if any.
    pub(super) over_cap: Option<Violation>,
}

/// A request body read up to the cap.
#[derive(Debug, PartialEq)]
enum Capped {
    /// All of it (at most the cap).
    Whole(Bytes),
    /// It was over the cap: the first bytes read (at most the cap); the rest was not read.
    Cut(Bytes),
}

/// Reads `body` up to `cap` bytes. A declared length over the cap is refused
/// before anything is read; otherwise reading stops at the first frame that
/// passes the cap (hyper's frames are at most its read buffer), so at most
/// `cap` plus one frame is ever held. (`http_body_util::Limited` would drop
/// the frame that crosses the cap; the request log keeps what was read.)
async fn read_capped<B>(mut body: B, cap: u64) -> Result<Capped, B::Error>
where
    B: Body<Data = Bytes> + Unpin,
{
    if body.size_hint().lower() > cap {
        return Ok(Capped::Cut(Bytes::new()));
    }
    let mut read = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue; // trailers
        };
        let room = usize::try_from(cap)
            .unwrap_or(usize::MAX)
            .saturating_sub(read.len());
        if data.len() > room {
            read.extend_from_slice(&data[..room]);
            return Ok(Capped::Cut(read.freeze()));
        }
        read.extend_from_slice(&data);
    }
    Ok(Capped::Whole(read.freeze()))
}

/// The size of a request's header section as the mock counts it: the request
/// line and one `Name: value` line per header, with their CRLFs (optional
/// whitespace around values is not kept by the parser, so not counted).
fn header_section_len(parts: &Parts) -> usize {
    const CRLF: usize = 2;
    // `METHOD SP target SP HTTP/1.1 CRLF`
    let target = parts.uri.to_string().len();
    let request_line = parts.method.as_str().len() + 1 + target + 1 + "HTTP/1.1".len() + CRLF;
    let fields: usize = parts
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + ": ".len() + value.len() + CRLF)
        .sum();
    request_line + fields + CRLF
}

#[cfg(test)]
mod tests {
    use super::{Capped, Limits, Received, Violation, header_section_len, read_capped};
    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::body::{Body, Frame};
    use hyper::http::request::Parts;
    use std::collections::VecDeque;
    use std::convert::Infallible;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// A body sent in these frames, of undeclared length (as a chunked body).
    struct Chunks(VecDeque<&'static str>);

    impl Body for Chunks {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            Poll::Ready(self.0.pop_front().map(|c| Ok(Frame::data(Bytes::from(c)))))
        }
    }

    fn chunks(frames: &[&'static str]) -> Chunks {
        Chunks(frames.iter().copied().collect())
    }

    fn parts(target: &str, headers: &[(&str, &str)]) -> Parts {
        let mut request = hyper::Request::builder().method("PUT").uri(target);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).expect("a valid request").into_parts().0
    }

    #[test]
    fn the_header_section_counts_the_request_line_and_each_field_with_crlfs() {
        // "PUT /a HTTP/1.1\r\n" (17) + "x: yz\r\n" (7) + "\r\n" (2).
        assert_eq!(header_section_len(&parts("/a", &[("x", "yz")])), 26);
        assert_eq!(header_section_len(&parts("/a", &[])), 19);
    }

    #[test]
    fn hyper_reads_twice_the_header_cap_and_at_least_8_kib() {
        let limits = |header| Limits { body: 1, header };
        assert_eq!(limits(64 << 10).hyper_buffer(), 128 << 10);
        assert_eq!(limits(100).hyper_buffer(), 8192);
        assert_eq!(limits(usize::MAX).hyper_buffer(), usize::MAX);
    }

    #[tokio::test]
    async fn a_body_within_the_cap_is_read_whole() {
        let read = read_capped(chunks(&["ab", "cd"]), 4).await;
        assert_eq!(read, Ok(Capped::Whole(Bytes::from("abcd"))));
    }

    #[tokio::test]
    async fn a_declared_length_over_the_cap_is_refused_unread() {
        let read = read_capped(Full::new(Bytes::from("abcde")), 4).await;
        assert_eq!(read, Ok(Capped::Cut(Bytes::new())));
    }

    #[tokio::test]
    async fn an_undeclared_body_is_cut_at_the_frame_that_passes_the_cap() {
        let read = read_capped(chunks(&["ab", "cdef", "never read"]), 3).await;
        assert_eq!(read, Ok(Capped::Cut(Bytes::from("abc"))));
    }

    #[tokio::test]
    async fn a_header_section_over_its_cap_is_refused_before_the_body() {
        let limits = Limits {
            body: 100,
            header: 25,
        };
        let Ok(Received { body, over_cap }) = limits
            .read(&parts("/a", &[("x", "yz")]), chunks(&["{}"]))
            .await;
        assert!(body.is_empty());
        assert_eq!(
            over_cap,
            Some(Violation::HeaderSectionTooLarge { limit: 25 })
        );
    }

    #[tokio::test]
    async fn a_body_over_its_cap_is_refused_with_what_was_read() {
        let limits = Limits {
            body: 2,
            header: 100,
        };
        let Ok(Received { body, over_cap }) =
            limits.read(&parts("/a", &[]), chunks(&["abc"])).await;
        assert_eq!(body, Bytes::from("ab"));
        assert_eq!(over_cap, Some(Violation::PayloadTooLarge { limit: 2 }));
        let limits = Limits {
            body: 3,
            header: 100,
        };
        let Ok(Received { body, over_cap }) =
            limits.read(&parts("/a", &[]), chunks(&["abc"])).await;
        assert_eq!((body, over_cap), (Bytes::from("abc"), None));
    }
}
