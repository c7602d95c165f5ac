//! What the mock remembers of the requests it received and the operations it applied: the records, bounded, and the per-operation counters.

use crate::Operation;
use crate::spec::OperationSpec;
use bytes::Bytes;
use hyper::http::request::Parts;
use serde_json::Value;
use std::collections::VecDeque;
use std::time::SystemTime;

/// One request as the mock received it (recorded before any check).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method, upper case.
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// The headers, names lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The raw body; when [`body_truncated`](Self::body_truncated), only its
    /// first bytes (at most the cap).
    pub body: Bytes,
    /// The body was over the cap
    /// ([`MockServerBuilder::max_body_bytes`](crate::MockServerBuilder::max_body_bytes)):
    /// the request was answered `413`, not applied, and the rest of its body
    /// was never read.
    pub body_truncated: bool,
    /// When the request's body had been read.
    pub received_at: SystemTime,
    /// The operation its method and path name, if any and if it has an
    /// [`Operation`] variant (every operation of the embedded spec has one).
    pub operation: Option<Operation>,
    /// The `operationId` of the operation its method and path name, if any
    /// (also for an operation of a loaded spec that has no variant).
    pub operation_id: Option<String>,
    /// Its number among the requests of that operation (1-based), 0 if none.
    pub nth: u64,
}

impl RecordedRequest {
    /// The record of a request: its head, the body read (`truncated` when
    /// it was over the cap), the operation it was routed to and its number
    /// among that operation's requests.
    pub(super) fn new(
        parts: &Parts,
        body: Bytes,
        truncated: bool,
        op: Option<&OperationSpec>,
        nth: u64,
    ) -> RecordedRequest {
        RecordedRequest {
            method: parts.method.as_str().to_ascii_uppercase(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
            body_truncated: truncated,
            received_at: SystemTime::now(),
            operation: op.and_then(OperationSpec::operation),
            operation_id: op.map(|op| op.operation_id().to_owned()),
            nth,
        }
    }

    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// One operation the mock applied: the request was valid, named known
/// instances, was not refused by a fault, and the mock acted on it. (A
/// record, unlike a [`RecordedRequest`], of what the mock *did*.)
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AppliedOperation {
    /// The operation, if it has an [`Operation`] variant (every operation
    /// of the embedded spec has one).
    pub operation: Option<Operation>,
    /// The operation's `operationId`.
    pub operation_id: String,
    /// The request body.
    pub body: Value,
    /// When it was applied.
    pub applied_at: SystemTime,
    /// Its number among the requests of that operation (1-based).
    pub nth: u64,
}

/// The former name of [`AppliedOperation`].
#[deprecated(
    since = "0.2.0",
    note = "renamed AppliedOperation (vast_api_ext::policy::Applied is another thing)"
)]
pub type Applied = AppliedOperation;

/// The records and counters; per-operation counters are indexed by the
/// operation's position in the served spec (`OperationSpec::index`).
#[derive(Debug, Default)]
pub(super) struct Records {
    pub(super) requests: VecDeque<RecordedRequest>,
    pub(super) applied: VecDeque<AppliedOperation>,
    pub(super) counts: Vec<u64>,
    pub(super) applied_counts: Vec<u64>,
    /// How many records of each kind are kept (`None`: all).
    pub(super) max: Option<usize>,
}

impl Records {
    /// Counters for a spec of `operations` operations, all at zero.
    pub(super) fn size_for(&mut self, operations: usize) {
        self.counts = vec![0; operations];
        self.applied_counts = vec![0; operations];
    }

    /// Counts a request of the operation at `index`; returns its number (1-based).
    pub(super) fn count(&mut self, index: usize) -> u64 {
        let count = &mut self.counts[index];
        *count += 1;
        *count
    }

    /// Keeps a request's record, within the bound.
    pub(super) fn request(&mut self, request: RecordedRequest) {
        push_bounded(&mut self.requests, request, self.max);
    }

    /// Counts an applied operation and keeps its record, within the bound;
    /// returns whether records are kept at all (so that a link to this one
    /// leads somewhere).
    pub(super) fn applied(&mut self, index: usize, applied: AppliedOperation) -> bool {
        self.applied_counts[index] += 1;
        push_bounded(&mut self.applied, applied, self.max);
        self.max != Some(0)
    }

    /// Forgets every record and sets every counter to zero.
    pub(super) fn clear(&mut self) {
        self.requests.clear();
        self.applied.clear();
        self.counts.fill(0);
        self.applied_counts.fill(0);
    }
}

fn push_bounded<T>(queue: &mut VecDeque<T>, item: T, max: Option<usize>) {
    if max == Some(0) {
        return;
    }
    queue.push_back(item);
    if let Some(max) = max {
        while queue.len() > max {
            queue.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{AppliedOperation, RecordedRequest, Records};
    use crate::spec;
    use bytes::Bytes;
    use serde_json::json;
    use std::time::SystemTime;
    use vast_api::Operation;

    fn applied(nth: u64) -> AppliedOperation {
        AppliedOperation {
            operation: Some(Operation::CancelSync),
            operation_id: "cancelSync".into(),
            body: json!({"dst_id": nth}),
            applied_at: SystemTime::now(),
            nth,
        }
    }

    #[test]
    fn a_request_is_recorded_with_its_head_body_and_operation() {
        let (parts, ()) = hyper::Request::builder()
            .method("delete")
            .uri("/api/v0/commands/rclone/?x=1")
            .header("Authorization", "Bearer k")
            .body(())
            .expect("a valid request")
            .into_parts();
        let op = spec::spec().operation(Operation::CancelSync);
        let recorded = RecordedRequest::new(&parts, Bytes::from("{\"dst_id\":7}"), false, op, 3);
        assert_eq!(recorded.method, "DELETE");
        assert_eq!(recorded.path, "/api/v0/commands/rclone/");
        assert_eq!(recorded.query.as_deref(), Some("x=1"));
        assert_eq!(recorded.header("authorization"), Some("Bearer k"));
        assert_eq!(recorded.json(), Some(json!({"dst_id": 7})));
        assert_eq!(recorded.operation, Some(Operation::CancelSync));
        assert_eq!(recorded.operation_id.as_deref(), Some("cancelSync"));
        assert_eq!((recorded.nth, recorded.body_truncated), (3, false));
    }

    #[test]
    fn counters_count_everything_and_records_keep_the_latest() {
        let mut records = Records {
            max: Some(2),
            ..Records::default()
        };
        records.size_for(2);
        assert_eq!(
            (records.count(1), records.count(1), records.count(0)),
            (1, 2, 1)
        );
        for nth in 1..=3 {
            assert!(records.applied(1, applied(nth)));
        }
        assert_eq!(records.applied_counts, [0, 3]);
        let kept: Vec<u64> = records.applied.iter().map(|a| a.nth).collect();
        assert_eq!(kept, [2, 3]);
        records.clear();
        assert_eq!(
            (records.counts.as_slice(), records.applied.len()),
            (&[0, 0][..], 0)
        );
        assert_eq!(records.count(1), 1);
    }

    #[test]
    fn a_mock_that_keeps_no_records_still_counts() {
        let mut records = Records {
            max: Some(0),
            ..Records::default()
        };
        records.size_for(1);
        assert!(!records.applied(0, applied(1)));
        assert!(records.applied.is_empty());
        assert_eq!(records.applied_counts, [1]);
    }
}
