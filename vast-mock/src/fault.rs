//! Scriptable faults: what the mock does instead of (or on top of) a normal answer.

use crate::instances::id_of;
use serde_json::Value;
use std::cell::OnceCell;
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

/// Which requests of an operation a fault applies to.
///
/// By number: requests are counted per operation from 1, in arrival order,
/// from the server's start or the last
/// [`MockServer::clear`](crate::MockServer::clear) ([`When::Nth`],
/// [`When::From`], [`When::matching`]). By content, whatever the order in
/// which concurrent requests arrive: the JSON body ([`When::body`],
/// [`When::body_matches`]) or the instance it names ([`When::instance`]).
/// Selectors combine with [`When::and`].
///
/// ```
/// use serde_json::json;
/// use vast_mock::When;
/// // The cancel sync of instance 7 only, however many others run beside it.
/// let seventh = When::body("/dst_id", json!(7));
/// // Any copy from or to instance 7 ("7" in a string field counts).
/// let touching_7 = When::instance(7);
/// // A cloud copy with a dry run, from its second request on.
/// let dry = When::body_matches(|body| body["flags"].as_array().is_some_and(|f| f.contains(&json!("--dry-run"))))
///     .and(When::From(2));
/// # let _ = (seventh, touching_7, dry);
/// ```
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
    /// The requests whose body is JSON with `value` at `pointer` (see [`When::body`]).
    Body {
        /// A JSON pointer (RFC 6901) into the body, such as `/dst_id`.
        pointer: String,
        /// The value it must hold, compared as JSON (`7` is neither `"7"` nor `7.0`).
        value: Value,
    },
    /// The requests whose body is JSON and for which the function, given
    /// it, returns true (see [`When::body_matches`]).
    BodyMatches(Arc<dyn Fn(&Value) -> bool + Send + Sync>),
    /// The requests that name this instance id in one of the operation's
    /// instance fields (see [`When::instance`]).
    Instance(u64),
    /// The requests both select (see [`When::and`]).
    And(Box<When>, Box<When>),
}

impl When {
    /// A [`When::Matching`] from a closure.
    pub fn matching(f: impl Fn(u64) -> bool + Send + Sync + 'static) -> When {
        When::Matching(Arc::new(f))
    }

    /// The requests whose body is JSON and holds `value` at the JSON pointer
    /// `pointer` (RFC 6901: `/dst_id`, `/flags/0`; `""` is the whole body),
    /// compared as JSON values. A body that is not JSON, or has nothing at
    /// `pointer`, is not selected.
    ///
    /// # Panics
    /// If `pointer` is neither empty nor starts with `/` (`"dst_id"`): it
    /// could never select a request, and a test relying on it would pass
    /// for nothing.
    pub fn body(pointer: impl Into<String>, value: impl Into<Value>) -> When {
        let pointer = pointer.into();
        assert!(
            pointer.is_empty() || pointer.starts_with('/'),
            "vast-mock: When::body({pointer:?}, ..): a JSON pointer starts with '/', as in \"/dst_id\""
        );
        When::Body {
            pointer,
            value: value.into(),
        }
    }

    /// The requests whose body is JSON and for which `f`, given the parsed
    /// body, returns true. A body that is not JSON is not selected (`f` is
    /// not called).
    pub fn body_matches(f: impl Fn(&Value) -> bool + Send + Sync + 'static) -> When {
        When::BodyMatches(Arc::new(f))
    }

    /// The requests that name instance `id` in one of the operation's
    /// instance fields (the spec's `x-vast-instance-fields`: copy's
    /// `src_id` and `dst_id`, cloud copy's `instance_id`, cancel sync's
    /// `dst_id`), as a number or as a string (`"7"`). An operation without
    /// instance fields has no request it selects.
    pub fn instance(id: u64) -> When {
        When::Instance(id)
    }

    /// The requests that both `self` and `other` select:
    /// `When::instance(7).and(When::From(2))`.
    pub fn and(self, other: When) -> When {
        When::And(Box::new(self), Box::new(other))
    }

    /// Whether the n-th request matches, by its number alone. A selector
    /// that looks at the request ([`When::Body`], [`When::BodyMatches`],
    /// [`When::Instance`]) needs it, and never matches here; the mock asks
    /// with the whole request.
    pub fn matches(&self, n: u64) -> bool {
        match self {
            When::Nth(k) => n == *k,
            When::From(k) => n >= *k,
            When::Always => true,
            When::Matching(f) => f(n),
            When::Body { .. } | When::BodyMatches(_) | When::Instance(_) => false,
            When::And(a, b) => a.matches(n) && b.matches(n),
        }
    }

    /// Whether it selects `request`.
    pub(crate) fn selects(&self, request: &Candidate<'_>) -> bool {
        match self {
            When::Body { pointer, value } => request
                .json()
                .is_some_and(|body| body.pointer(pointer) == Some(value)),
            When::BodyMatches(f) => request.json().is_some_and(|body| f(body)),
            When::Instance(id) => request.json().is_some_and(|body| {
                request
                    .instance_fields
                    .iter()
                    .any(|field| body.get(field).and_then(id_of) == Some(*id))
            }),
            When::And(a, b) => a.selects(request) && b.selects(request),
            by_number => by_number.matches(request.nth),
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
            When::Body { pointer, value } => f
                .debug_struct("Body")
                .field("pointer", pointer)
                .field("value", value)
                .finish(),
            When::BodyMatches(_) => f.write_str("BodyMatches(..)"),
            When::Instance(id) => f.debug_tuple("Instance").field(id).finish(),
            When::And(a, b) => f.debug_tuple("And").field(a).field(b).finish(),
        }
    }
}

/// A request of an operation, as a [`When`] sees it: its number, its body
/// (parsed as JSON on first use, at most once) and the operation's instance
/// fields.
#[derive(Debug)]
pub(crate) struct Candidate<'a> {
    nth: u64,
    body: &'a [u8],
    parsed: OnceCell<Option<Value>>,
    instance_fields: &'a [String],
}

impl<'a> Candidate<'a> {
    /// The `nth` request of an operation with these instance fields, with this body.
    pub(crate) fn new(nth: u64, body: &'a [u8], instance_fields: &'a [String]) -> Candidate<'a> {
        Candidate {
            nth,
            body,
            parsed: OnceCell::new(),
            instance_fields,
        }
    }

    /// The body as JSON, if it is JSON.
    fn json(&self) -> Option<&Value> {
        self.parsed
            .get_or_init(|| serde_json::from_slice(self.body).ok())
            .as_ref()
    }
}

pub(crate) fn reason_phrase(status: u16) -> &'static str {
    hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown Status")
}

#[cfg(test)]
mod tests {
    use super::{Candidate, Fault, FaultBody, When};
    use serde_json::json;
    use std::time::{Duration, SystemTime};

    fn fields() -> Vec<String> {
        vec!["src_id".into(), "dst_id".into()]
    }

    /// Whether `when` selects the `nth` request with `body`, of an operation
    /// whose instance fields are `src_id` and `dst_id`.
    fn selects(when: &When, nth: u64, body: &str) -> bool {
        let fields = fields();
        when.selects(&Candidate::new(nth, body.as_bytes(), &fields))
    }

    #[test]
    fn by_number_a_request_is_selected_whatever_its_body() {
        assert!(selects(&When::Nth(2), 2, "not JSON"));
        assert!(!selects(&When::Nth(2), 3, "{}"));
        assert!(selects(&When::From(2), 3, "{}"));
        assert!(!selects(&When::From(2), 1, "{}"));
        assert!(selects(&When::Always, 1, ""));
        let odd = When::matching(|n| n % 2 == 1);
        assert!(selects(&odd, 3, "{}") && !selects(&odd, 4, "{}"));
        assert!(odd.matches(5));
    }

    #[test]
    fn by_body_a_pointer_must_hold_the_value_as_json() {
        let seventh = When::body("/dst_id", json!(7));
        assert!(selects(&seventh, 1, r#"{"dst_id": 7}"#));
        assert!(!selects(&seventh, 1, r#"{"dst_id": "7"}"#));
        assert!(!selects(&seventh, 1, r#"{"dst_id": 7.0}"#));
        assert!(!selects(&seventh, 1, r#"{"src_id": 7}"#));
        assert!(!selects(&seventh, 1, r#"{"dst_id": 7"#), "not JSON");
        let nested = When::body("/flags/0", "--dry-run");
        assert!(selects(&nested, 1, r#"{"flags": ["--dry-run"]}"#));
        let whole = When::body("", json!({"a": 1}));
        assert!(selects(&whole, 1, r#"{"a": 1}"#));
        // Never by number alone.
        assert!(!seventh.matches(1));
    }

    #[test]
    #[should_panic(expected = "a JSON pointer starts with '/'")]
    fn a_body_pointer_without_its_slash_is_refused() {
        let _ = When::body("dst_id", 7);
    }

    #[test]
    fn by_predicate_the_body_must_parse_first() {
        let called = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = std::sync::Arc::clone(&called);
        let big = When::body_matches(move |body| {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            body["dst_id"].as_u64().is_some_and(|id| id > 5)
        });
        assert!(selects(&big, 1, r#"{"dst_id": 6}"#));
        assert!(!selects(&big, 1, r#"{"dst_id": 5}"#));
        assert!(!selects(&big, 1, "{"));
        assert_eq!(called.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert!(!big.matches(1));
    }

    #[test]
    fn by_instance_any_instance_field_as_a_number_or_a_string() {
        let seven = When::instance(7);
        assert!(selects(&seven, 1, r#"{"dst_id": 7}"#));
        assert!(selects(&seven, 1, r#"{"src_id": "7", "dst_id": "8"}"#));
        assert!(selects(&seven, 1, r#"{"src_id": "8", "dst_id": " 7"}"#));
        assert!(!selects(&seven, 1, r#"{"dst_id": 8}"#));
        // Not an instance field of this operation.
        assert!(!selects(&seven, 1, r#"{"instance_id": 7}"#));
        assert!(!selects(&seven, 1, "7"));
        // An operation without instance fields: never.
        let none: Vec<String> = Vec::new();
        assert!(!seven.selects(&Candidate::new(1, br#"{"dst_id": 7}"#, &none)));
    }

    #[test]
    fn and_selects_what_both_select() {
        let later_seventh = When::body("/dst_id", 7).and(When::From(2));
        assert!(!selects(&later_seventh, 1, r#"{"dst_id": 7}"#));
        assert!(selects(&later_seventh, 2, r#"{"dst_id": 7}"#));
        assert!(!selects(&later_seventh, 2, r#"{"dst_id": 8}"#));
        assert!(When::Nth(1).and(When::Always).matches(1));
        assert!(!When::Nth(1).and(When::instance(1)).matches(1));
    }

    #[test]
    fn a_when_is_debugged_without_its_closures() {
        let when = When::body("/dst_id", 7)
            .and(When::body_matches(|_| true))
            .and(When::instance(3).and(When::matching(|_| true)));
        assert_eq!(
            format!("{when:?}"),
            "And(And(Body { pointer: \"/dst_id\", value: Number(7) }, BodyMatches(..)), And(Instance(3), Matching(..)))"
        );
    }

    #[test]
    fn fault_constructors_build_the_status_answer() {
        assert_eq!(
            Fault::status(503),
            Fault::Status {
                status: 503,
                body: FaultBody::Text("Service Unavailable".into()),
                headers: Vec::new()
            }
        );
        assert_eq!(Fault::status(599), Fault::text(599, "Unknown Status"));
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let Fault::Status { headers, .. } = Fault::empty(429)
            .with_retry_after_secs(2)
            .with_retry_after_date(at)
        else {
            panic!("not a status fault");
        };
        assert_eq!(
            headers,
            [
                ("retry-after".to_owned(), "2".to_owned()),
                (
                    "retry-after".to_owned(),
                    "Sun, 06 Nov 1994 08:49:37 GMT".to_owned()
                )
            ]
        );
        // Only a status fault carries headers.
        assert_eq!(Fault::Rejected.with_header("x", "y"), Fault::Rejected);
        assert_eq!(
            Fault::json(400, json!({"a": 1})),
            Fault::Status {
                status: 400,
                body: FaultBody::Json(json!({"a": 1})),
                headers: Vec::new()
            }
        );
    }
}
