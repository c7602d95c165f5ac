//! The mock server: its public handle ([`MockServer`]) and what its parts share.
//!
//! The parts, one job each: [`builder`] configures and starts it,
//! [`connection`] accepts connections and hands each request to
//! [`pipeline`], the request's way through the mock as named stages, which
//! uses [`limits`] (the read caps), [`record`] (what the mock remembers),
//! [`rate_limit`], [`results`] (the result links) and [`respond`] (building
//! answers).

mod builder;
mod connection;
mod limits;
mod pipeline;
mod rate_limit;
mod record;
mod respond;
mod results;

pub use builder::MockServerBuilder;
pub use limits::{DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES};
#[allow(deprecated)]
pub use record::Applied;
pub use record::{AppliedOperation, RecordedRequest};

use crate::fault::{Candidate, Fault, When};
use crate::instances::Instances;
use crate::spec::{OperationKey, OperationSpec, Spec};
use limits::Limits;
use rate_limit::RateLimit;
use record::Records;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::task::JoinHandle;

/// A scripted fault: `fault` for the requests of the operation at index
/// `operation` (its position in the served spec) that `when` selects.
struct Script {
    operation: usize,
    when: When,
    fault: Fault,
}

/// What the mock remembers and what can change while it runs.
#[derive(Default)]
struct State {
    records: Records,
    scripts: Vec<Script>,
    instances: Instances,
    rate: RateLimit,
    api_key: Option<String>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the API key.
        f.debug_struct("State")
            .field("requests", &self.records.requests.len())
            .field("applied", &self.records.applied.len())
            .field("instances", &self.instances)
            .field("min_interval", &self.rate.min_interval)
            .finish_non_exhaustive()
    }
}

impl State {
    /// Sizes the per-operation data for a spec of `operations` operations.
    fn size_for(&mut self, operations: usize) {
        self.records.size_for(operations);
        self.rate.size_for(operations);
    }

    /// The first scripted fault that selects `request` of the operation at `index`.
    fn fault_for(&self, index: usize, request: &Candidate<'_>) -> Option<Fault> {
        self.scripts
            .iter()
            .find(|s| s.operation == index && s.when.selects(request))
            .map(|s| s.fault.clone())
    }
}

/// What the server's tasks and its handle share.
struct Shared {
    uri: String,
    limits: Limits,
    spec: Arc<Spec>,
    state: Mutex<State>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held cannot leave State half-updated in a
        // way that matters to a mock, so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The running mock. Serves until dropped.
///
/// See the [crate docs](crate) for an example.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection.
        self.task.abort();
    }
}

impl MockServer {
    /// Starts a mock with the defaults on `127.0.0.1:0`.
    pub async fn start() -> io::Result<MockServer> {
        MockServer::builder().start().await
    }

    /// A builder for a mock with non-default settings.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::new()
    }

    /// The spec it serves (the embedded one unless
    /// [`MockServerBuilder::spec`] gave another).
    pub fn spec(&self) -> &Spec {
        &self.shared.spec
    }

    /// The index of `op` in the served spec.
    ///
    /// # Panics
    /// If the spec has no such operation: a fault or an interval for it
    /// could never apply, and a test relying on it would pass for nothing.
    fn index(&self, op: impl OperationKey) -> usize {
        match index_of(&self.shared.spec, op.operation_id()) {
            Ok(index) => index,
            Err(e) => panic!("{e}"),
        }
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash): give it to
    /// the client under test as its base URL, as in
    /// `vast_api_ext::Client::builder().base_url(mock.uri())`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mock = vast_mock::MockServer::start().await?;
    /// let client = vast_api_ext::Client::builder()
    ///     .api_key("test-key")
    ///     .base_url(mock.uri())
    ///     .build()?;
    /// client.cancel_sync("42".parse()?).await?;
    /// assert_eq!(mock.applied()[0].body, serde_json::json!({"dst_id": 42}));
    /// # Ok(()) }
    /// ```
    pub fn uri(&self) -> String {
        self.shared.uri.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every recorded request, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .state()
            .records
            .requests
            .iter()
            .cloned()
            .collect()
    }

    /// Every applied operation, oldest first.
    pub fn applied(&self) -> Vec<AppliedOperation> {
        self.shared
            .state()
            .records
            .applied
            .iter()
            .cloned()
            .collect()
    }

    /// How many requests of `op` arrived (since start or
    /// [`clear`](Self::clear)); 0 for an operation the spec does not have.
    pub fn request_count(&self, op: impl OperationKey) -> u64 {
        let Some(op) = self.shared.spec.operation(op) else {
            return 0;
        };
        self.shared.state().records.counts[op.index()]
    }

    /// How many requests of `op` were applied (since start or
    /// [`clear`](Self::clear)); 0 for an operation the spec does not have.
    pub fn applied_count(&self, op: impl OperationKey) -> u64 {
        let Some(op) = self.shared.spec.operation(op) else {
            return 0;
        };
        self.shared.state().records.applied_counts[op.index()]
    }

    /// Forgets the recorded requests, applied operations, per-operation
    /// counters (so [`When::Nth`] counts from 1 again) and the rate limit's
    /// memory. Scripted faults and settings stay; see [`clear_faults`](Self::clear_faults).
    pub fn clear(&self) {
        let mut state = self.shared.state();
        state.records.clear();
        state.rate.forget();
    }

    /// Removes every scripted fault.
    pub fn clear_faults(&self) {
        self.shared.state().scripts.clear();
    }

    /// Scripts `fault` for the requests of `op` that `when` selects. When
    /// several scripts select a request, the first scripted wins.
    ///
    /// # Panics
    /// If the served spec has no operation `op` (a string operationId can
    /// be misspelt).
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use vast_mock::{Fault, MockServer, Operation, When};
    /// let mock = MockServer::start().await?;
    /// // First cloud copy: 429 with Retry-After: 2 and a plain-text body.
    /// mock.fault(Operation::CloudCopy, When::Nth(1), Fault::too_many_requests().with_retry_after_secs(2));
    /// // Second copy: applied, then the connection drops.
    /// mock.fault(Operation::Copy, When::Nth(2), Fault::DropAfterApply);
    /// // Every cancel sync: the answer's headers come 5 s late.
    /// mock.fault(Operation::CancelSync, When::Always, Fault::DelayHeaders(Duration::from_secs(5)));
    /// // The copy to or from instance 7, whenever it comes: a 503.
    /// mock.fault(Operation::Copy, When::instance(7), Fault::status(503));
    /// # Ok(()) }
    /// ```
    pub fn fault(&self, op: impl OperationKey, when: When, fault: Fault) {
        let operation = self.index(op);
        self.shared.state().scripts.push(Script {
            operation,
            when,
            fault,
        });
    }

    /// Scripts `fault` for the next request of `op` only.
    ///
    /// # Panics
    /// As [`fault`](Self::fault).
    pub fn fault_next(&self, op: impl OperationKey, fault: Fault) {
        let operation = self.index(op);
        let mut state = self.shared.state();
        let next = state.records.counts[operation] + 1;
        state.scripts.push(Script {
            operation,
            when: When::Nth(next),
            fault,
        });
    }

    /// Replaces the known instances.
    pub fn set_instances(&self, instances: Instances) {
        self.shared.state().instances = instances;
    }

    /// Sets (or, with `None`, removes) `op`'s minimum interval (see
    /// [`MockServerBuilder::min_interval`]).
    ///
    /// # Panics
    /// As [`fault`](Self::fault).
    pub fn set_min_interval(&self, op: impl OperationKey, interval: Option<Duration>) {
        let operation = self.index(op);
        self.shared.state().rate.min_interval[operation] = interval;
    }
}

/// The index of the operation `id` in `spec`, or an error naming it.
fn index_of(spec: &Spec, id: &str) -> io::Result<usize> {
    spec.operation(id).map(OperationSpec::index).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("vast-mock: the spec has no operation {id}"),
        )
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::{Candidate, Fault, Limits, Script, Shared, State, When, index_of};
    use crate::Operation;
    use crate::instances::Instances;
    use crate::spec;
    use std::sync::{Arc, Mutex};

    /// The server's shared parts on the embedded spec, set up by `configure`.
    pub(super) fn shared(configure: impl FnOnce(&mut State)) -> Shared {
        let spec = Arc::clone(spec::embedded());
        let mut state = State::default();
        state.size_for(spec.operations().len());
        configure(&mut state);
        Shared {
            uri: "http://127.0.0.1:9".into(),
            limits: Limits::default(),
            spec,
            state: Mutex::new(state),
        }
    }

    /// Scripts `fault` for the requests of `op` that `when` selects.
    pub(super) fn script(state: &mut State, op: Operation, when: When, fault: Fault) {
        let operation = index_of(spec::spec(), op.operation_id()).expect("in the spec");
        state.scripts.push(Script {
            operation,
            when,
            fault,
        });
    }

    #[test]
    fn the_first_script_that_selects_a_request_of_its_operation_wins() {
        let shared = shared(|state| {
            script(state, Operation::Copy, When::Always, Fault::Rejected);
            script(
                state,
                Operation::CancelSync,
                When::Nth(2),
                Fault::status(502),
            );
            script(
                state,
                Operation::CancelSync,
                When::body("/dst_id", 7),
                Fault::status(503),
            );
            script(
                state,
                Operation::CancelSync,
                When::Always,
                Fault::DropAfterApply,
            );
        });
        let state = shared.state();
        let index = index_of(&shared.spec, "cancelSync").expect("in the spec");
        let fields = vec!["dst_id".to_owned()];
        let fault = |nth, body: &str| {
            state.fault_for(index, &Candidate::new(nth, body.as_bytes(), &fields))
        };
        assert_eq!(fault(1, r#"{"dst_id": 7}"#), Some(Fault::status(503)));
        assert_eq!(fault(2, r#"{"dst_id": 7}"#), Some(Fault::status(502)));
        assert_eq!(fault(3, r#"{"dst_id": 8}"#), Some(Fault::DropAfterApply));
        let copy = index_of(&shared.spec, "copy").expect("in the spec");
        let request = Candidate::new(1, b"{}", &fields);
        assert_eq!(state.fault_for(copy, &request), Some(Fault::Rejected));
    }

    #[test]
    fn an_operation_the_spec_lacks_is_an_invalid_input_naming_it() {
        let error = index_of(spec::spec(), "verifyCopy").expect_err("not in the spec");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert_eq!(
            error.to_string(),
            "vast-mock: the spec has no operation verifyCopy"
        );
    }

    #[test]
    fn the_state_is_debugged_without_the_api_key() {
        let shared = shared(|state| {
            state.api_key = Some("secret-key-123".into());
            state.instances = Instances::only([7]);
        });
        let printed = format!("{:?}", *shared.state());
        assert!(!printed.contains("secret-key-123"), "{printed}");
        assert!(printed.contains("Only({7})"), "{printed}");
    }
}
