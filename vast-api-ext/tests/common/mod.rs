//! Shared helpers for the integration tests: clients pointed at a local
//! `vast-mock` server, and the faults it answers with.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;
use vast_api_ext::clock::VirtualClock;
use vast_api_ext::{Client, ClientBuilder, PacingConfig, RetryConfig};
use vast_mock::{Fault, MockServer, Operation, RecordedRequest, When};

/// The key every test client uses; tests assert where it appears.
pub const KEY: &str = "tEsT-kEy-5ecret-0123456789";

pub const COPY_PATH: &str = "/api/v0/commands/copy_direct/";
pub const RCLONE_PATH: &str = "/api/v0/commands/rclone/";

/// A mock with the defaults: every operation answered with the spec's
/// example, any key accepted.
pub async fn mock() -> MockServer {
    MockServer::start().await.unwrap()
}

/// A mock that answers every request of every operation with `fault`.
pub async fn answering(fault: Fault) -> MockServer {
    let mock = mock().await;
    for op in Operation::ALL {
        mock.fault(op, When::Always, fault.clone());
    }
    mock
}

/// A mock that answers the first `times` requests of each operation with
/// `fault`, then as the spec's example (`200 {success:true}`).
pub async fn failing_then_ok(fault: Fault, times: u64) -> MockServer {
    let mock = mock().await;
    for op in Operation::ALL {
        mock.fault(op, When::matching(move |n| n <= times), fault.clone());
    }
    mock
}

/// A `200` with this JSON body (not checked against the spec).
pub fn ok_json(body: serde_json::Value) -> Fault {
    Fault::json(200, body)
}

/// A client for `server` with retries and pacing off.
pub fn client(server: &MockServer) -> Client {
    builder(server)
        .retry(RetryConfig::disabled())
        .pacing(PacingConfig::disabled())
        .build()
        .unwrap()
}

/// A client for `server` with the given retry policy.
pub fn client_with(server: &MockServer, retry: RetryConfig) -> Client {
    builder(server).retry(retry).build().unwrap()
}

/// The test clients' builder for `server` (10 s attempt timeout).
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .user_agent_suffix("ext-tests/1.0")
        .timeout(Duration::from_secs(10))
}

/// The standard policy, and a virtual clock for [`on_clock`].
pub fn virtual_retry() -> (RetryConfig, Arc<VirtualClock>) {
    (RetryConfig::standard(), Arc::new(VirtualClock::new()))
}

/// `builder` on `clock` with no jitter (`rng = 1.0`), so waits are the full
/// backoff and nothing really sleeps.
pub fn on_clock(builder: ClientBuilder, clock: &Arc<VirtualClock>) -> ClientBuilder {
    builder.clock(clock.clone()).rng(|| 1.0)
}

/// A client for `server` with `retry` on `clock` (see [`on_clock`]).
pub fn client_on(server: &MockServer, retry: RetryConfig, clock: &Arc<VirtualClock>) -> Client {
    on_clock(builder(server), clock)
        .retry(retry)
        .build()
        .unwrap()
}

/// Checks a received request against the merged spec with the mock's
/// validator (`vast_mock::spec`: route, `Content-Type`, `Authorization`,
/// and the body against the operation's JSON Schema). Needed where the
/// mock answered with a scripted fault, which it sends before its checks.
pub fn assert_valid_request(request: &RecordedRequest) {
    if let Err(violation) = vast_mock::spec::validate_http(
        &request.method,
        &request.path,
        request.header("content-type"),
        request.header("authorization"),
        &request.body,
    ) {
        panic!(
            "request does not conform to the spec: {}",
            violation.message()
        );
    }
}
