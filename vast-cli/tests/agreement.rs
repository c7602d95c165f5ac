//! One retry decision (issue 11): for every operation, every status code
//! 100–599 (with the API's JSON error body, with a body that is not JSON,
//! and with a declared length over the body cap), `200 {success:false}`,
//! and the transport failures (connection refused, timeout after the
//! request was sent, connection closed after it was sent), the error the
//! client produces end to end against a server on 127.0.0.1 agrees with
//! `vast_api_ext::policy::classify`:
//!
//! - it names the failure this test expects of what the server did;
//! - `is_retryable()` and `may_have_been_applied()` are the verdict's;
//! - the client retried exactly when the verdict says it retries that
//!   operation (at most 2 attempts, no backoff), and the server read one
//!   request per attempt;
//! - `vast`'s exit status is the verdict's cause (1 refused, 3 auth, 4
//!   unavailable), through the same function the binary uses.
//!
//! Waits and time limits run on a `VirtualClock`: the timeout row moves
//! virtual time to the attempt's timer once the server has the request.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;
use tests::hostile::{Answer, HostileServer};
use vast_api_ext::clock::VirtualClock;
use vast_api_ext::policy::{Applied, Cause, Failure, Retry, classify};
use vast_api_ext::{
    Client, CloudCopy, ConnectionId, Error, InstanceId, Location, Operation, RetryConfig, Transfer,
};
use vast_cli::output::{EXIT_AUTH, EXIT_REFUSED, EXIT_UNAVAILABLE, exit_code};

const KEY: &str = "agreement-test-key";
const MAX_ATTEMPTS: u32 = 2;
/// What one connection may be sent; every answer here is under 1 KiB.
const BOUND: u64 = 1 << 20;

/// What the server does with each request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    /// `status` with the API's JSON error body (`success:false`).
    Json(u16),
    /// `status` with an HTML page.
    NotJson(u16),
    /// `status` declaring a 2 GiB body (over the 1 MiB cap), then closing.
    OverCap(u16),
    /// No server on the port.
    Refused,
    /// The request is read and never answered.
    Silent,
    /// The request is read, then the connection is closed.
    Closed,
}

fn raw(status: u16, extra: &str, body: &str) -> Answer {
    Answer::Raw(
        format!(
            "HTTP/1.1 {status} Agreement\r\nContent-Type: application/json\r\n{extra}\
             Connection: close\r\n\r\n{body}"
        )
        .into_bytes(),
    )
}

fn with_length(status: u16, body: &str) -> Answer {
    raw(status, &format!("Content-Length: {}\r\n", body.len()), body)
}

fn answer(scenario: Scenario) -> Answer {
    match scenario {
        Scenario::Json(status) => with_length(
            status,
            r#"{"success":false,"error":"agreement","msg":"refused here"}"#,
        ),
        Scenario::NotJson(status) => with_length(
            status,
            "<html><head><title>Agreement</title></head><body>not JSON</body></html>",
        ),
        Scenario::OverCap(status) => raw(status, "Content-Length: 2147483648\r\n", ""),
        Scenario::Silent => Answer::Silent,
        Scenario::Closed | Scenario::Refused => Answer::Raw(Vec::new()),
    }
}

/// The failure this test expects the client to report: its own reading of
/// the server's behaviour, not the client's code.
fn expected(scenario: Scenario, op: Operation) -> Failure {
    let documented = |status| {
        op.facts()
            .response_schemas
            .iter()
            .any(|(code, _)| *code == status)
    };
    match scenario {
        Scenario::Refused => Failure::Connect,
        Scenario::Silent => Failure::Timeout,
        Scenario::Closed => Failure::Reset,
        // `101 Switching Protocols` ends the exchange (the client asked for
        // no upgrade): an answer with that status.
        Scenario::Json(101) | Scenario::NotJson(101) | Scenario::OverCap(101) => {
            Failure::Status(101)
        }
        // Any other 1xx is informational: the client waits for the final
        // answer, what follows is not HTTP, and the connection closes.
        Scenario::Json(s) | Scenario::NotJson(s) | Scenario::OverCap(s) if s < 200 => {
            Failure::Reset
        }
        // A 200 with `success:false` is the API refusing the request.
        Scenario::Json(200) => Failure::Rejected,
        Scenario::Json(s) => Failure::Status(s),
        // A body is decoded only for the statuses the operation documents.
        Scenario::NotJson(s) if documented(s) => Failure::Undecodable(Some(s)),
        Scenario::NotJson(s) => Failure::Status(s),
        // 204 and 304 have no body: the length is not a body's.
        Scenario::OverCap(s @ (204 | 304)) => Failure::Status(s),
        Scenario::OverCap(s) => Failure::TooLarge(s),
    }
}

/// One call of `op` (ids and paths the client accepts).
async fn call(client: &Client, op: Operation) -> Result<u32, Error> {
    match op {
        Operation::Copy => {
            let src = Location::new(1u64, "/a")?;
            let dst = Location::new(2u64, "/b")?;
            client.copy(&src, &dst).await.map(|o| o.attempts)
        }
        Operation::CloudCopy => {
            let request = CloudCopy::new(
                InstanceId::new(1).unwrap(),
                ConnectionId(2),
                Transfer::InstanceToCloud,
            )
            .src("/a");
            client.cloud_copy(&request).await.map(|o| o.attempts)
        }
        Operation::CancelSync => client
            .cancel_sync(InstanceId::new(1).unwrap())
            .await
            .map(|o| o.attempts),
        // An operation the typed layer does not wrap: the generic call,
        // with the spec's valid request.
        other => {
            let body = vast_mock::spec::spec()
                .valid_request(other, 1)
                .unwrap_or_else(|| panic!("{other} is not in the spec"));
            client
                .call(other, |generated| {
                    vast_api_ext::vast_api::dynamic::send(generated, other, &body)
                })
                .await
                .map(|reply| reply.attempts)
        }
    }
}

/// At most 2 attempts, no backoff, no quota (thousands of calls share the
/// client), on a virtual clock.
fn client(uri: &str, clock: &Arc<VirtualClock>) -> Client {
    let retry = RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_backoff(Duration::ZERO, Duration::ZERO)
        .without_quota();
    Client::builder()
        .api_key(KEY)
        .base_url(uri)
        .retry(retry)
        .clock(clock.clone())
        .build()
        .unwrap()
}

/// Runs one call against `server`, moving virtual time to the attempt's
/// timer whenever the server holds a request it will not answer.
async fn run(
    client: &Client,
    clock: &VirtualClock,
    server: &mut HostileServer,
    op: Operation,
    silent: bool,
) -> (Result<u32, Error>, usize) {
    let task = call(client, op);
    tokio::pin!(task);
    let mut read = 0;
    let result = loop {
        tokio::select! {
            biased;
            done = &mut task => break done,
            () = server.next_request(), if silent => {
                read += 1;
                clock.advance_to_next_timer().await;
            }
        }
    };
    (result, read + server.requests_read())
}

fn exit_of(cause: Cause) -> u8 {
    match cause {
        Cause::Refused => EXIT_REFUSED,
        Cause::Auth => EXIT_AUTH,
        _ => EXIT_UNAVAILABLE,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_its_error_and_the_exit_status_agree_with_classify() {
    let mut scenarios = vec![Scenario::Refused, Scenario::Silent, Scenario::Closed];
    for status in 100..=599 {
        scenarios.extend([
            Scenario::Json(status),
            Scenario::NotJson(status),
            Scenario::OverCap(status),
        ]);
    }
    // A port bound without listening, held to the end: connecting is
    // refused, and no server started meanwhile can be given it.
    let no_server = tokio::net::TcpSocket::new_v4().unwrap();
    no_server.bind(([127, 0, 0, 1], 0).into()).unwrap();
    let refused_uri = format!("http://{}", no_server.local_addr().unwrap());
    let mut wrong = Vec::new();
    let mut checked = 0;
    for op in Operation::ALL {
        let mut server = HostileServer::start(vec![Answer::Silent], BOUND)
            .await
            .unwrap();
        let clock = Arc::new(VirtualClock::new());
        let served = client(&server.uri(), &clock);
        let refused = client(&refused_uri, &clock);
        for &scenario in &scenarios {
            server.answer(vec![answer(scenario)]);
            let target = if scenario == Scenario::Refused {
                &refused
            } else {
                &served
            };
            let silent = scenario == Scenario::Silent;
            let (result, read) = run(target, &clock, &mut server, op, silent).await;
            let error = match result {
                Ok(attempts) => {
                    wrong.push(format!("{op} {scenario:?}: succeeded after {attempts}"));
                    continue;
                }
                Err(e) => e,
            };
            let mut problems = Vec::new();
            let want = expected(scenario, op);
            let Some(failure) = error.failure() else {
                wrong.push(format!("{op} {scenario:?}: no failure in {error:?}"));
                continue;
            };
            if failure != want {
                problems.push(format!("failure {failure:?}, expected {want:?}"));
            }
            let verdict = classify(failure);
            if error.is_retryable() != (verdict.retry != Retry::Never) {
                problems.push(format!("is_retryable {}", error.is_retryable()));
            }
            if error.may_have_been_applied() != (verdict.applied == Applied::Maybe) {
                problems.push(format!(
                    "may_have_been_applied {}",
                    error.may_have_been_applied()
                ));
            }
            let attempts = if verdict.retries(op, false) {
                MAX_ATTEMPTS
            } else {
                1
            };
            if error.attempts() != attempts {
                problems.push(format!(
                    "{} attempts, expected {attempts}",
                    error.attempts()
                ));
            }
            let requests = if scenario == Scenario::Refused {
                0
            } else {
                attempts as usize
            };
            if read != requests {
                problems.push(format!(
                    "the server read {read} requests, expected {requests}"
                ));
            }
            if exit_code(&error) != exit_of(verdict.cause) {
                problems.push(format!(
                    "exit status {}, the cause {:?} says {}",
                    exit_code(&error),
                    verdict.cause,
                    exit_of(verdict.cause)
                ));
            }
            if !problems.is_empty() {
                wrong.push(format!(
                    "{op} {scenario:?}: {} ({error})",
                    problems.join("; ")
                ));
            }
            checked += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases disagree with classify:\n{}",
        wrong.len(),
        checked + wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(checked, Operation::COUNT * (3 + 3 * 500));
}
