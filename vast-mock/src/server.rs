//! The mock server: accept loop, request pipeline, recordings and scripted faults.

use crate::Operation;
use crate::body::MockBody;
use crate::fault::{Fault, FaultBody, When};
use crate::spec::{self, OperationKey, OperationSpec, Spec, Violation, envelope};
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use hyper::header::{ALLOW, CONNECTION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};

/// The default cap on a request body: 1 MiB (every valid request is far
/// smaller). See [`MockServerBuilder::max_body_bytes`].
pub const DEFAULT_MAX_BODY_BYTES: u64 = 1 << 20;

/// The default cap on a request's header section: 64 KiB. See
/// [`MockServerBuilder::max_header_bytes`].
pub const DEFAULT_MAX_HEADER_BYTES: usize = 64 << 10;

/// Where the mock serves the results it links to (mock-only paths: the spec
/// has no path under `/mock/`, which a test checks).
const RESULTS_PREFIX: &str = "/mock/results/";

/// Which instance ids the mock knows. A request naming another id gets the
/// spec's "no such instance" answer and is not applied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Instances {
    /// Every id is known (the default).
    #[default]
    All,
    /// Only these ids. Copy's and cloud copy's string ids are known when they
    /// parse as one of these numbers.
    Only(BTreeSet<u64>),
}

impl Instances {
    /// Only the given ids.
    pub fn only(ids: impl IntoIterator<Item = u64>) -> Instances {
        Instances::Only(ids.into_iter().collect())
    }

    fn knows_str(&self, id: &str) -> bool {
        match self {
            Instances::All => true,
            Instances::Only(ids) => id.trim().parse::<u64>().is_ok_and(|n| ids.contains(&n)),
        }
    }

    fn knows_json(&self, id: &Value) -> bool {
        match self {
            Instances::All => true,
            Instances::Only(ids) => id.as_u64().is_some_and(|n| ids.contains(&n)),
        }
    }
}

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
    /// ([`MockServerBuilder::max_body_bytes`]): the request was answered
    /// `413`, not applied, and the rest of its body was never read.
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
/// instances, was not refused by a fault, and the mock acted on it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Applied {
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

struct Script {
    /// The operation's index in the spec (`OperationSpec::index`).
    operation: usize,
    when: When,
    fault: Fault,
}

/// What the mock remembers; per-operation data is indexed by the
/// operation's position in the served spec (`OperationSpec::index`).
#[derive(Default)]
struct State {
    requests: VecDeque<RecordedRequest>,
    applied: VecDeque<Applied>,
    counts: Vec<u64>,
    applied_counts: Vec<u64>,
    scripts: Vec<Script>,
    instances: Instances,
    min_interval: Vec<Option<Duration>>,
    last_accepted: HashMap<(usize, String), Instant>,
    max_recorded: Option<usize>,
    api_key: Option<String>,
    /// Whether the rate limit's `429` carries `Retry-After` (see
    /// [`MockServerBuilder::rate_limit_retry_after`]).
    no_retry_after: bool,
}

/// The caps on what the mock reads of a request (fixed when it starts).
#[derive(Debug, Clone, Copy)]
struct Limits {
    body: u64,
    header: usize,
}

impl Limits {
    /// hyper's own read buffer (`max_buf_size`), which also bounds the header
    /// section hyper accepts before it answers `431` by itself: twice the
    /// mock's header cap, so that a section a little over the cap reaches
    /// the mock (which answers with a JSON body), and at least hyper's minimum.
    fn hyper_buffer(self) -> usize {
        self.header.saturating_mul(2).max(8192)
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

/// Configures a [`MockServer`] before it starts. Get one from [`MockServer::builder`].
#[derive(Debug)]
pub struct MockServerBuilder {
    addr: SocketAddr,
    limits: Limits,
    /// `None`: the embedded spec.
    spec: Option<Arc<Spec>>,
    /// Faults and intervals by operationId, resolved against the spec by `start`.
    scripts: Vec<(String, When, Fault)>,
    min_intervals: Vec<(String, Duration)>,
    state: State,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("requests", &self.requests.len())
            .field("applied", &self.applied.len())
            .field("instances", &self.instances)
            .field("min_interval", &self.min_interval)
            .finish_non_exhaustive()
    }
}

impl MockServerBuilder {
    /// The address to bind (default `127.0.0.1:0`, a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The instances the mock knows (default: [`Instances::All`]).
    pub fn instances(mut self, instances: Instances) -> Self {
        self.state.instances = instances;
        self
    }

    /// Shorthand for `instances(Instances::only(ids))`.
    pub fn known_instances(self, ids: impl IntoIterator<Item = u64>) -> Self {
        self.instances(Instances::only(ids))
    }

    /// Accepts only this API key (default: any non-empty `Bearer` key). Any
    /// other key gets `401` with a JSON body.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.state.api_key = Some(key.into());
        self
    }

    /// Serves `spec` instead of the embedded one ([`spec::spec()`]): an
    /// OpenAPI document as `cargo xtask generate` writes it, read with
    /// [`Spec::parse`]. Every operation it declares is routed, validated,
    /// answered, recorded and faulted like the embedded ones, with no code
    /// of its own; one without an [`Operation`] variant is named by its
    /// operationId (`mock.fault("verifyCopy", ..)`,
    /// [`Applied::operation_id`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use vast_mock::{MockServer, spec::Spec};
    /// let spec = Spec::parse(vast_api::SPEC)?; // or a spec read at run time
    /// let mock = MockServer::builder().spec(spec).start().await?;
    /// assert_eq!(mock.spec().operations().len(), 3);
    /// # Ok(()) }
    /// ```
    pub fn spec(mut self, spec: impl Into<Arc<Spec>>) -> Self {
        self.spec = Some(spec.into());
        self
    }

    /// Answers `429` (plain text, with `Retry-After`) to a request of `op`
    /// that comes less than `interval` after the last one it accepted from
    /// the same API key, as Vast's per-endpoint rate limit does.
    pub fn min_interval(mut self, op: impl OperationKey, interval: Duration) -> Self {
        self.min_intervals
            .push((op.operation_id().to_owned(), interval));
        self
    }

    /// Whether the `429` of [`min_interval`](Self::min_interval) carries a
    /// `Retry-After` header, in whole seconds rounded up (default: yes).
    /// Vast's own answer has none (`false`): a client then falls back on the
    /// interval it was configured with. With a 200 ms interval, the header
    /// says `1`, which a client honouring it waits in full.
    pub fn rate_limit_retry_after(mut self, on: bool) -> Self {
        self.state.no_retry_after = !on;
        self
    }

    /// Scripts a fault (see [`MockServer::fault`]).
    pub fn fault(mut self, op: impl OperationKey, when: When, fault: Fault) -> Self {
        self.scripts
            .push((op.operation_id().to_owned(), when, fault));
        self
    }

    /// Keeps at most the last `n` recorded requests and applied operations
    /// (default: all). The counters ([`MockServer::request_count`],
    /// [`MockServer::applied_count`]) always count everything. Use it for
    /// long soak runs so memory stays flat.
    pub fn max_recorded(mut self, n: usize) -> Self {
        self.state.max_recorded = Some(n);
        self
    }

    /// The largest request body the mock reads, in bytes (default
    /// [`DEFAULT_MAX_BODY_BYTES`], 1 MiB). A request whose `Content-Length`
    /// is over it is answered at once, its body unread; a chunked body is cut
    /// as soon as it passes it. The answer is `413 {success:false,
    /// error:"payload_too_large", msg}` (`msg` names the limit) with
    /// `Connection: close`, and the connection is closed after it. The
    /// request is recorded with the part of its body that was read (at most
    /// the cap; [`RecordedRequest::body_truncated`]) and counted, never
    /// applied; no scripted fault is played for it.
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.limits.body = bytes;
        self
    }

    /// The largest header section (request line and headers, as
    /// `Name: value` lines) the mock accepts, in bytes (default
    /// [`DEFAULT_MAX_HEADER_BYTES`], 64 KiB). A larger one is answered `431
    /// {success:false, error:"request_header_fields_too_large", msg}` with
    /// `Connection: close`, recorded like a `413`.
    ///
    /// hyper parses the header section before the mock sees it, in a buffer
    /// set to twice this value (at least 8 KiB): a section that does not fit
    /// there, or that has more than 100 header fields, is answered by hyper
    /// itself with a bare `431` (no body), and the connection is closed;
    /// such a request is not recorded.
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.limits.header = bytes;
        self
    }

    /// Binds the address and starts serving on the current tokio runtime.
    /// The server is ready when this returns: the port is bound.
    ///
    /// A fault or minimum interval scripted for an operation the spec does
    /// not have is an error of kind [`io::ErrorKind::InvalidInput`].
    pub async fn start(self) -> io::Result<MockServer> {
        // The embedded spec is parsed and compiled here at the latest, so a
        // broken spec fails here rather than inside a connection task.
        let spec = self.spec.unwrap_or_else(|| Arc::clone(spec::embedded()));
        let mut state = self.state;
        let count = spec.operations().len();
        state.counts = vec![0; count];
        state.applied_counts = vec![0; count];
        state.min_interval = vec![None; count];
        for (id, interval) in self.min_intervals {
            state.min_interval[index_of(&spec, &id)?] = Some(interval);
        }
        for (id, when, fault) in self.scripts {
            let operation = index_of(&spec, &id)?;
            state.scripts.push(Script {
                operation,
                when,
                fault,
            });
        }
        let listener = TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            uri: format!("http://{addr}"),
            limits: self.limits,
            spec,
            state: Mutex::new(state),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(MockServer { addr, shared, task })
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
        MockServerBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            limits: Limits::default(),
            spec: None,
            scripts: Vec::new(),
            min_intervals: Vec::new(),
            state: State::default(),
        }
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

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash): pass it to
    /// `vast_api::Client::with_api_key`.
    pub fn uri(&self) -> String {
        self.shared.uri.clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every recorded request, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.iter().cloned().collect()
    }

    /// Every applied operation, oldest first.
    pub fn applied(&self) -> Vec<Applied> {
        self.shared.state().applied.iter().cloned().collect()
    }

    /// How many requests of `op` arrived (since start or
    /// [`clear`](Self::clear)); 0 for an operation the spec does not have.
    pub fn request_count(&self, op: impl OperationKey) -> u64 {
        let Some(op) = self.shared.spec.operation(op) else {
            return 0;
        };
        self.shared.state().counts[op.index()]
    }

    /// How many requests of `op` were applied (since start or
    /// [`clear`](Self::clear)); 0 for an operation the spec does not have.
    pub fn applied_count(&self, op: impl OperationKey) -> u64 {
        let Some(op) = self.shared.spec.operation(op) else {
            return 0;
        };
        self.shared.state().applied_counts[op.index()]
    }

    /// Forgets the recorded requests, applied operations, per-operation
    /// counters (so [`When::Nth`] counts from 1 again) and the rate limit's
    /// memory. Scripted faults and settings stay; see [`clear_faults`](Self::clear_faults).
    pub fn clear(&self) {
        let mut state = self.shared.state();
        state.requests.clear();
        state.applied.clear();
        state.counts.fill(0);
        state.applied_counts.fill(0);
        state.last_accepted.clear();
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
        let next = state.counts[operation] + 1;
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
        self.shared.state().min_interval[operation] = interval;
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

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&shared)));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "vast-mock: accept failed");
                    // Out of file descriptors and the like: give the system a moment.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let drop_now = Arc::new(Notify::new());
    let signal = Arc::clone(&drop_now);
    let buffer = shared.limits.hyper_buffer();
    let service = hyper::service::service_fn(move |request| {
        handle(request, Arc::clone(&shared), Arc::clone(&signal))
    });
    // `half_close`: a client may shut down its sending side once the
    // request is sent and still read the answer (hyper's default drops such
    // a connection unanswered if the EOF is seen before the answer is ready).
    let connection = hyper::server::conn::http1::Builder::new()
        .max_buf_size(buffer)
        .half_close(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = connection => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "vast-mock: connection ended with an error");
            }
        }
        // Dropping the connection future closes the socket without an answer.
        () = drop_now.notified() => {}
    }
}

/// Closes the connection: wakes `serve_connection`, which drops it; never returns.
async fn drop_connection(signal: &Notify) -> Result<Response<MockBody>, Infallible> {
    signal.notify_one();
    std::future::pending().await
}

async fn handle(
    request: Request<Incoming>,
    shared: Arc<Shared>,
    drop_signal: Arc<Notify>,
) -> Result<Response<MockBody>, Infallible> {
    let (parts, body) = request.into_parts();
    let limits = shared.limits;
    // The caps come first, as a transport's would: nothing else is looked at
    // in a request that breaks one (it is still recorded and counted).
    let (body, over_cap) = if header_section_len(&parts) > limits.header {
        let limit = limits.header;
        (
            Bytes::new(),
            Some(Violation::HeaderSectionTooLarge { limit }),
        )
    } else {
        match read_capped(body, limits.body).await {
            Ok(Capped::Whole(body)) => (body, None),
            Ok(Capped::Cut(prefix)) => {
                let limit = limits.body;
                (prefix, Some(Violation::PayloadTooLarge { limit }))
            }
            Err(_) => return drop_connection(&drop_signal).await,
        }
    };
    let method = parts.method.as_str().to_ascii_uppercase();
    let path = parts.uri.path().to_owned();
    let header = |name: hyper::header::HeaderName| {
        parts
            .headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let content_type = header(CONTENT_TYPE);
    let authorization = header(hyper::header::AUTHORIZATION);
    let spec = &*shared.spec;
    let routed = spec.route(&method, &path);

    // Record, count, and pick the scripted fault, in one critical section.
    let (nth, fault) = {
        let mut state = shared.state();
        let op = routed.as_ref().ok().copied();
        let nth = match op {
            Some(op) => {
                let count = &mut state.counts[op.index()];
                *count += 1;
                *count
            }
            None => 0,
        };
        let fault = op.and_then(|op| {
            state
                .scripts
                .iter()
                .find(|s| s.operation == op.index() && s.when.matches(nth))
                .map(|s| s.fault.clone())
        });
        let recorded = RecordedRequest {
            method: method.clone(),
            path: path.clone(),
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
            body: body.clone(),
            body_truncated: matches!(over_cap, Some(Violation::PayloadTooLarge { .. })),
            received_at: SystemTime::now(),
            operation: op.and_then(OperationSpec::operation),
            operation_id: op.map(|op| op.operation_id().to_owned()),
            nth,
        };
        let max = state.max_recorded;
        push_bounded(&mut state.requests, recorded, max);
        (nth, fault)
    };

    if let Some(violation) = over_cap {
        let mut response = violation_response(spec, routed.ok(), &violation);
        // hyper closes the connection after this answer; it reads no more of the request.
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        return Ok(response);
    }
    if let Some(response) = result_response(&shared, &method, &path) {
        return Ok(response);
    }
    let op = match routed {
        Ok(op) => op,
        Err(violation) => return Ok(violation_response(spec, None, &violation)),
    };

    match &fault {
        Some(Fault::Status {
            status,
            body,
            headers,
        }) => return Ok(status_response(*status, body, headers)),
        Some(Fault::DropBeforeAnswer) => return drop_connection(&drop_signal).await,
        _ => {}
    }

    let key = match spec::check_authorization(authorization.as_deref()) {
        Ok(key) => key.to_owned(),
        Err(violation) => return Ok(violation_response(spec, Some(op), &violation)),
    };
    let expected = shared.state().api_key.clone();
    if expected.is_some_and(|expected| expected != key) {
        let violation = Violation::Unauthorized {
            reason: "the API key is not valid".into(),
        };
        return Ok(violation_response(spec, Some(op), &violation));
    }
    if let Some(response) = rate_limit(&shared, op, key) {
        return Ok(response);
    }
    let value = match spec.check_body(op, content_type.as_deref(), &body) {
        Ok(value) => value,
        Err(violation) => return Ok(violation_response(spec, Some(op), &violation)),
    };
    if let Some(response) = unknown_instance(&shared, op, &value) {
        return Ok(response);
    }
    if matches!(fault, Some(Fault::Rejected)) {
        let msg = format!(
            "The {} request was not accepted; try again later.",
            op.name()
        );
        let body = envelope(false, None, msg);
        return Ok(json_response(200, &spec.answer(Some(op), 200, body)));
    }

    let kept = {
        let mut state = shared.state();
        state.applied_counts[op.index()] += 1;
        let applied = Applied {
            operation: op.operation(),
            operation_id: op.operation_id().to_owned(),
            body: value,
            applied_at: SystemTime::now(),
            nth,
        };
        let max = state.max_recorded;
        push_bounded(&mut state.applied, applied, max);
        max != Some(0)
    };
    // A link is given only to a record the mock keeps, which it then serves.
    let link = (kept && spec.gives_result_link_of(op))
        .then(|| format!("{}{}", shared.uri, result_path(op.operation_id(), nth)));
    let answer = spec.success(op, link);

    match fault {
        Some(Fault::DropAfterApply) => drop_connection(&drop_signal).await,
        Some(Fault::MalformedJson) => Ok(bytes_response(
            200,
            "application/json",
            MockBody::full(first_half(answer.to_string())),
        )),
        Some(Fault::DelayHeaders(delay)) => {
            tokio::time::sleep(delay).await;
            Ok(json_response(200, &answer))
        }
        Some(Fault::DelayMidBody(pause)) => Ok(bytes_response(
            200,
            "application/json",
            MockBody::split(answer.to_string(), pause),
        )),
        _ => Ok(json_response(200, &answer)),
    }
}

/// A request body read up to the cap.
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
async fn read_capped(mut body: Incoming, cap: u64) -> Result<Capped, hyper::Error> {
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
fn header_section_len(parts: &hyper::http::request::Parts) -> usize {
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

/// The mock-only path of the result of the `nth` request of the operation
/// `id`: `/mock/results/<operationId in kebab case>-<nth>.txt` (cloud copy's
/// first: `/mock/results/cloud-copy-1.txt`).
fn result_path(id: &str, nth: u64) -> String {
    format!("{RESULTS_PREFIX}{}-{nth}.txt", kebab(id))
}

/// `cloudCopy` → `cloud-copy`.
fn kebab(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 4);
    for c in id.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Serves a result link ([`result_path`]): `GET` answers `200` with the
/// applied operation's record as JSON (`operation`, `nth`, `applied_at`,
/// `body`), `404` when the mock does not know it (never applied, or no longer
/// recorded). `None` for any other path or method.
fn result_response(shared: &Shared, method: &str, path: &str) -> Option<Response<MockBody>> {
    if method != "GET" || !path.starts_with(RESULTS_PREFIX) {
        return None;
    }
    let record = shared
        .state()
        .applied
        .iter()
        .find(|a| result_path(&a.operation_id, a.nth) == path)
        .map(|a| {
            json!({
                "operation": a.operation_id,
                "nth": a.nth,
                "applied_at": httpdate::fmt_http_date(a.applied_at),
                "body": a.body,
            })
        });
    Some(match record {
        Some(record) => json_response(200, &record),
        None => json_response(
            404,
            &json!({
                "success": false,
                "error": "not_found",
                "msg": format!("No such result: {path} (never applied, or no longer recorded)."),
            }),
        ),
    })
}

/// The first half of `text`'s bytes: cut the bytes, not the `str`, so a
/// non-ASCII character at the middle cannot panic (a cut inside one only makes
/// the body more malformed, which is the point).
fn first_half(text: String) -> Bytes {
    let mut bytes = Bytes::from(text);
    bytes.truncate(bytes.len() / 2);
    bytes
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

/// The 429 Vast sends when an endpoint is called faster than its minimum interval.
fn rate_limit(shared: &Shared, op: &OperationSpec, key: String) -> Option<Response<MockBody>> {
    let mut state = shared.state();
    let interval = state.min_interval[op.index()]?;
    let now = Instant::now();
    let slot = (op.index(), key);
    if let Some(last) = state.last_accepted.get(&slot) {
        let elapsed = now.duration_since(*last);
        if elapsed < interval {
            let wait = interval - elapsed;
            // Retry-After is whole seconds: round up so that honouring it is enough.
            let seconds = wait.as_millis().div_ceil(1000).max(1);
            let text = format!(
                "API requests too frequent, endpoint {} {} threshold is one request per {:.3} s; retry after {seconds} s.",
                op.method(),
                op.path(),
                interval.as_secs_f64()
            );
            let mut response =
                bytes_response(429, "text/plain; charset=utf-8", MockBody::full(text));
            if !state.no_retry_after {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(seconds as u64));
            }
            return Some(response);
        }
    }
    state.last_accepted.insert(slot, now);
    None
}

/// The refusal of a request that names an instance the mock does not know
/// in one of the operation's instance fields (the spec's
/// `x-vast-instance-fields`), or `None`.
fn unknown_instance(
    shared: &Shared,
    op: &OperationSpec,
    body: &Value,
) -> Option<Response<MockBody>> {
    let state = shared.state();
    // The fields in order; string ids (copy, cloud copy) and integer ids
    // (cancel sync) alike; a field that is absent or null names no instance.
    let unknown = op.instance_fields().iter().find_map(|field| {
        let (known, id) = match body.get(field)? {
            Value::String(id) => (state.instances.knows_str(id), id.clone()),
            id @ Value::Number(_) => (state.instances.knows_json(id), id.to_string()),
            _ => return None,
        };
        (!known).then_some((field, id))
    });
    let (field, id) = unknown?;
    let msg = format!("No such instance: {id} ({field}).");
    // Its 404, or its 400 when it declares no 404 (cloud copy), shaped by the spec.
    let status = op.unknown_instance_status();
    let body = envelope(false, Some("no_such_instance"), msg);
    Some(json_response(
        status,
        &shared.spec.answer(Some(op), status, body),
    ))
}

/// The answer to a request that breaks a rule: the envelope with the
/// violation's code and message, shaped to what the operation declares for
/// that status (cloud copy's `400` has no `error`); `Allow` on a `405`.
fn violation_response(
    spec: &Spec,
    op: Option<&OperationSpec>,
    violation: &Violation,
) -> Response<MockBody> {
    let status = violation.status();
    let fields = envelope(false, Some(violation.code()), violation.message());
    let mut response = json_response(status, &spec.answer(op, status, fields));
    if let Violation::MethodNotAllowed { allow, .. } = violation
        && let Ok(value) = HeaderValue::from_str(&allow.join(", "))
    {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

fn status_response(
    status: u16,
    body: &FaultBody,
    headers: &[(String, String)],
) -> Response<MockBody> {
    let mut response = match body {
        FaultBody::Empty => bytes_response(status, "", MockBody::full(Bytes::new())),
        FaultBody::Json(value) => json_response(status, value),
        FaultBody::Text(text) => bytes_response(
            status,
            "text/plain; charset=utf-8",
            MockBody::full(text.clone()),
        ),
    };
    for (name, value) in headers {
        match (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().append(name, value);
            }
            _ => {
                tracing::warn!(%name, "vast-mock: scripted header is not a valid HTTP header; skipped")
            }
        }
    }
    response
}

fn json_response(status: u16, body: &Value) -> Response<MockBody> {
    bytes_response(status, "application/json", MockBody::full(body.to_string()))
}

fn bytes_response(status: u16, content_type: &'static str, body: MockBody) -> Response<MockBody> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or_else(|_| {
        tracing::warn!(status, "vast-mock: invalid scripted status; answering 500");
        StatusCode::INTERNAL_SERVER_ERROR
    });
    if !content_type.is_empty() {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::first_half;

    #[test]
    fn first_half_cuts_bytes_even_inside_a_multibyte_character() {
        // "aé": 3 bytes, the middle (1) is before 'é'; "éa": 3 bytes, the
        // middle (1) is inside 'é', where `&text[..1]` panics.
        assert_eq!(&first_half("aé".to_owned())[..], b"a");
        assert_eq!(&first_half("éa".to_owned())[..], &"é".as_bytes()[..1]);
        // 14 bytes, the middle (7) is inside '日'.
        assert_eq!(
            &first_half("{\"a\":\"日本\"}".to_owned())[..],
            &"{\"a\":\"日".as_bytes()[..7]
        );
        assert!(first_half(String::new()).is_empty());
    }
}
