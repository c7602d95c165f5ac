//! What the fault suite (`faults.rs`), the soak (`soak.rs`) and the
//! hostile-answer tests (`hostile.rs`, `arbitrary_answers.rs`) share.
#![allow(dead_code)]

pub mod raw;

use std::time::Duration;
use vast_api_ext::{
    Client, ClientBuilder, CloudCopy, ConnectionId, Error, ErrorKind, InstanceId, Location,
    RetryConfig, Transfer,
};
use vast_mock::Operation;

/// The operations the suite calls: every operation of the table.
pub const OPS: [Operation; Operation::COUNT] = Operation::ALL;
pub const KNOWN: u64 = 6_003_036;

pub const KEY: &str = "fault-suite-key";
/// Per-attempt timeout of the soak's calls…
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(200);
/// …and the mock's delay, well above it. The delayed answers never arrive:
/// the mock's connection tasks are aborted when the `MockServer` is dropped
/// (and the runtime's tasks when the test ends), so they keep nothing alive.
pub const MOCK_DELAY: Duration = Duration::from_secs(2);

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum End {
    Ok,
    Transport,
    Timeout,
    RateLimited,
    Api(u16),
    Decode,
    Rejected,
    Unauthorized,
    Other,
}

pub fn end_of(error: &Error) -> End {
    match error.kind() {
        ErrorKind::Transport { .. } => End::Transport,
        ErrorKind::Timeout => End::Timeout,
        ErrorKind::RateLimited { .. } => End::RateLimited,
        ErrorKind::Api { status, .. } => End::Api(*status),
        ErrorKind::Decode { .. } => End::Decode,
        ErrorKind::Rejected { .. } => End::Rejected,
        ErrorKind::Unauthorized { .. } => End::Unauthorized,
        _ => End::Other,
    }
}

/// Calls `op` once with its typed method, or, for an operation the typed
/// layer does not wrap, with the generic [`Client::call`] and a request
/// the spec makes; `Ok(attempts)` or the error.
pub async fn call(client: &Client, op: Operation, instance: u64, tag: u64) -> Result<u32, Error> {
    match op {
        Operation::Copy => {
            let src = Location::new(instance, format!("/workspace/in/{tag}/"))?;
            let dst = Location::new(KNOWN, format!("/workspace/out/{tag}/"))?;
            client.copy(&src, &dst).await.map(|o| o.attempts)
        }
        Operation::CloudCopy => {
            let request = CloudCopy::new(
                InstanceId::new(instance)?,
                ConnectionId(1004),
                Transfer::InstanceToCloud,
            )
            .src(format!("/workspace/results/{tag}"))
            .dst(format!("bucket/results/{tag}"));
            client.cloud_copy(&request).await.map(|o| o.attempts)
        }
        Operation::CancelSync => client
            .cancel_sync(InstanceId::new(instance)?)
            .await
            .map(|o| o.attempts),
        other => generic_call(client, other, instance).await,
    }
}

/// Calls `op` through [`Client::call`] with the valid request the spec
/// makes for it, naming `instance` ([`vast_mock::spec::Spec::valid_request`]).
pub async fn generic_call(client: &Client, op: Operation, instance: u64) -> Result<u32, Error> {
    let body = valid_request(op, instance);
    client
        .call(op, |generated| {
            vast_api::dynamic::send(generated, op, &body)
        })
        .await
        .map(|reply| reply.attempts)
}

/// The spec's valid request body for `op`, naming `instance`.
pub fn valid_request(op: Operation, instance: u64) -> serde_json::Value {
    vast_mock::spec::spec()
        .valid_request(op, instance)
        .unwrap_or_else(|| panic!("{op} is not in the spec"))
}

pub fn client(uri: &str, retry: RetryConfig, timeout: Duration, deadline: Duration) -> Client {
    builder(uri, retry, timeout, deadline).build().unwrap()
}

/// The builder of [`client`], for a client on another clock.
pub fn builder(
    uri: &str,
    retry: RetryConfig,
    timeout: Duration,
    deadline: Duration,
) -> ClientBuilder {
    Client::builder()
        .api_key(KEY)
        .base_url(uri)
        .timeout(timeout)
        .deadline(deadline)
        .retry(retry)
}
