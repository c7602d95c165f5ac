//! Configuring and starting a [`MockServer`]: [`MockServerBuilder`].

use super::connection::accept_loop;
use super::limits::Limits;
use super::{MockServer, Script, Shared, State, index_of};
use crate::fault::{Fault, When};
use crate::instances::Instances;
use crate::spec::{self, OperationKey, Spec};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

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

impl MockServerBuilder {
    /// The defaults: `127.0.0.1:0`, the embedded spec, every instance, any key.
    pub(super) fn new() -> MockServerBuilder {
        MockServerBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            limits: Limits::default(),
            spec: None,
            scripts: Vec::new(),
            min_intervals: Vec::new(),
            state: State::default(),
        }
    }

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
    /// of its own; one without an [`Operation`](crate::Operation) variant is named by its
    /// operationId (`mock.fault("verifyCopy", ..)`,
    /// [`AppliedOperation::operation_id`](crate::AppliedOperation::operation_id)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use vast_mock::{MockServer, spec::Spec};
    /// let spec = Spec::parse(vast_api::SPEC)?; // or a spec read at run time
    /// let mock = MockServer::builder().spec(spec).start().await?;
    /// assert_eq!(mock.spec().operations().len(), vast_mock::Operation::COUNT);
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
        self.state.rate.no_retry_after = !on;
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
        self.state.records.max = Some(n);
        self
    }

    /// The largest request body the mock reads, in bytes (default
    /// [`DEFAULT_MAX_BODY_BYTES`](crate::DEFAULT_MAX_BODY_BYTES), 1 MiB). A request whose `Content-Length`
    /// is over it is answered at once, its body unread; a chunked body is cut
    /// as soon as it passes it. The answer is `413 {success:false,
    /// error:"payload_too_large", msg}` (`msg` names the limit) with
    /// `Connection: close`, and the connection is closed after it. The
    /// request is recorded with the part of its body that was read (at most
    /// the cap; [`RecordedRequest::body_truncated`](crate::RecordedRequest::body_truncated)) and counted, never
    /// applied; no scripted fault is played for it.
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.limits.body = bytes;
        self
    }

    /// The largest header section (request line and headers, as
    /// `Name: value` lines) the mock accepts, in bytes (default
    /// [`DEFAULT_MAX_HEADER_BYTES`](crate::DEFAULT_MAX_HEADER_BYTES), 64 KiB). A larger one is answered `431
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
        state.size_for(count);
        for (id, interval) in self.min_intervals {
            state.rate.min_interval[index_of(&spec, &id)?] = Some(interval);
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

#[cfg(test)]
mod tests {
    use crate::{Fault, MockServer, Operation, When};
    use std::io::ErrorKind;
    use std::time::Duration;

    #[tokio::test]
    async fn start_refuses_a_fault_or_an_interval_for_an_operation_the_spec_lacks() {
        let fault = MockServer::builder()
            .fault("verifyCopy", When::Always, Fault::Rejected)
            .start()
            .await
            .expect_err("no such operation");
        assert_eq!(fault.kind(), ErrorKind::InvalidInput);
        let interval = MockServer::builder()
            .min_interval("verifyCopy", Duration::from_secs(1))
            .start()
            .await
            .expect_err("no such operation");
        assert!(interval.to_string().contains("verifyCopy"), "{interval}");
    }

    #[tokio::test]
    async fn start_resolves_the_settings_against_the_spec_and_binds_loopback() {
        let mock = MockServer::builder()
            .fault(Operation::CancelSync, When::Nth(1), Fault::Rejected)
            .min_interval(Operation::Copy, Duration::from_secs(1))
            .rate_limit_retry_after(false)
            .max_recorded(3)
            .api_key("k")
            .known_instances([7])
            .max_body_bytes(10)
            .max_header_bytes(20)
            .start()
            .await
            .expect("starts");
        assert!(mock.addr().ip().is_loopback());
        assert_eq!(mock.uri(), format!("http://{}", mock.addr()));
        let shared = &mock.shared;
        assert_eq!((shared.limits.body, shared.limits.header), (10, 20));
        let state = shared.state();
        let copy = mock.index(Operation::Copy);
        assert_eq!(state.rate.min_interval[copy], Some(Duration::from_secs(1)));
        assert!(state.rate.no_retry_after);
        assert_eq!(state.scripts.len(), 1);
        assert_eq!(
            state.scripts[0].operation,
            mock.index(Operation::CancelSync)
        );
        assert_eq!(state.records.max, Some(3));
        assert_eq!(state.records.counts.len(), mock.spec().operations().len());
        assert_eq!(state.api_key.as_deref(), Some("k"));
    }
}
