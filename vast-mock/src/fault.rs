//! Scriptable faults: what the mock does instead of (or on top of) a normal answer.

use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The body of a [`Fault::Status`] answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultBody {
    /// No body.
    Empty,
    /// A JSON body, sent with `Content-Type: application/json`.
    Json(Value),
    /// A text body, sent with `Content-Type: text/plain; charset=utf-8`.
    Text(String),
}

/// What the mock does to one request. Script it with
/// [`MockServer::fault`](crate::MockServer::fault) (or the builder's
/// [`fault`](crate::MockServerBuilder::fault)) for an operation and a [`When`].
///
/// Whether the operation is *applied* (recorded in
/// [`MockServer::applied`](crate::MockServer::applied)):
///
/// | fault | checks run | applied | answer |
/// |---|---|---|---|
/// | `Status` | none | no | the scripted status, body, headers |
/// | `DropBeforeAnswer` | none | no | connection closed, no answer |
/// | `Rejected` | all | no | `200 {success:false, msg}` |
/// | `DropAfterApply` | all | yes | connection closed, no answer |
/// | `MalformedJson` | all | yes | `200` with a truncated JSON body |
/// | `DelayHeaders(d)` | all | yes (before the delay) | the normal answer, `d` late |
/// | `DelayMidBody(d)` | all | yes (before the delay) | half the body, a pause of `d`, the rest |
///
/// "Checks run: all" means an invalid request still gets its 400/401/404 and
/// is not applied; the fault only shapes the answer to a valid one.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status, body and headers (before any check).
    Status {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: FaultBody,
        /// Extra headers, e.g. `Retry-After`.
        headers: Vec<(String, String)>,
    },
    /// Wait this long before sending the (normal) answer's headers.
    DelayHeaders(Duration),
    /// Send the headers and the first half of the (normal) body, wait this long, send the rest.
    DelayMidBody(Duration),
    /// Close the connection without answering and without applying.
    DropBeforeAnswer,
    /// Apply the operation, then close the connection without answering.
    DropAfterApply,
    /// Apply the operation, then answer `200` with a body that is not valid JSON.
    MalformedJson,
    /// Do not apply; answer `200 {"success": false, "msg": ...}` (which the spec allows).
    Rejected,
}

impl Fault {
    /// `status` with a plain-text body: the status's reason phrase.
    pub fn status(status: u16) -> Fault {
        Fault::text(status, reason_phrase(status))
    }

    /// `status` with a JSON body.
    pub fn json(status: u16, body: Value) -> Fault {
        Fault::Status {
            status,
            body: FaultBody::Json(body),
            headers: Vec::new(),
        }
    }

    /// `status` with a plain-text body.
    pub fn text(status: u16, body: impl Into<String>) -> Fault {
        Fault::Status {
            status,
            body: FaultBody::Text(body.into()),
            headers: Vec::new(),
        }
    }

    /// `status` with no body.
    pub fn empty(status: u16) -> Fault {
        Fault::Status {
            status,
            body: FaultBody::Empty,
            headers: Vec::new(),
        }
    }

    /// Vast's rate-limit answer: `429`, a plain-text body, no `Retry-After`.
    pub fn too_many_requests() -> Fault {
        Fault::text(
            429,
            "API requests too frequent, endpoint threshold exceeded; slow down.",
        )
    }

    /// Adds a header (only to a [`Fault::Status`]; other faults are returned unchanged).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Fault {
        if let Fault::Status { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// Adds `Retry-After: <seconds>` (delta-seconds form).
    pub fn with_retry_after_secs(self, seconds: u64) -> Fault {
        self.with_header("retry-after", seconds.to_string())
    }

    /// Adds `Retry-After: <HTTP-date>` (IMF-fixdate form), e.g.
    /// `SystemTime::now() + Duration::from_secs(2)`.
    pub fn with_retry_after_date(self, at: SystemTime) -> Fault {
        self.with_header("retry-after", httpdate::fmt_http_date(at))
    }
}

/// Which requests of an operation a fault applies to. Requests are counted per
/// operation from 1, in arrival order, from the server's start or the last
/// [`MockServer::clear`](crate::MockServer::clear).
#[derive(Clone)]
#[non_exhaustive]
pub enum When {
    /// Only the n-th request (1-based).
    Nth(u64),
    /// The n-th request and every later one.
    From(u64),
    /// Every request.
    Always,
    /// The requests for which the function, given n, returns true.
    Matching(Arc<dyn Fn(u64) -> bool + Send + Sync>),
}

impl When {
    /// A [`When::Matching`] from a closure.
    pub fn matching(f: impl Fn(u64) -> bool + Send + Sync + 'static) -> When {
        When::Matching(Arc::new(f))
    }

    /// Whether the n-th request matches.
    pub fn matches(&self, n: u64) -> bool {
        match self {
            When::Nth(k) => n == *k,
            When::From(k) => n >= *k,
            When::Always => true,
            When::Matching(f) => f(n),
        }
    }
}

impl fmt::Debug for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::Nth(n) => f.debug_tuple("Nth").field(n).finish(),
            When::From(n) => f.debug_tuple("From").field(n).finish(),
            When::Always => f.write_str("Always"),
            When::Matching(_) => f.write_str("Matching(..)"),
        }
    }
}

pub(crate) fn reason_phrase(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown Status")
}
