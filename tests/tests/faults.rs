//! The fault-injection suite of `vast-api-ext` against `vast-mock` (issue 5):
//!
//! - [`matrix`]: every operation × every fault → attempts, outcome, applied
//!   operations. [`MATRIX`] mirrors the retry table of `vast_api_ext::policy`.
//! - [`pacing`]: 20 concurrent cloud copies against a 200 ms minimum interval.
//! - The soak (10,000 calls with 5 % seeded faults) is `soak.rs`, its own
//!   test binary, so that it measures its own memory.
//! - [`quota`]: an outage does not turn into a retry storm.
//!
//! Every server is a `vast-mock` on 127.0.0.1 started by the test; no test
//! sleeps to wait, and the only timing asserts are deadline upper bounds.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::task::JoinSet;
use vast_api_ext::clock::{TokioClock, VirtualClock};
use vast_api_ext::policy::{Failure, Retry, classify};
use vast_api_ext::{Client, PacingConfig, RetryConfig};
use vast_mock::{Fault, MockServer, Operation, When};

// ---------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------

/// What the mock does to the first request of the cell's operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Inject {
    /// No server: a port bound without listening (connecting is refused).
    Refused,
    DropBeforeAnswer,
    DropAfterApply,
    SlowHeaders,
    SlowBody,
    /// `429`, `Retry-After: 1`.
    TooManySecs,
    /// `429`, `Retry-After: <HTTP-date 1 s ahead>`.
    TooManyDate,
    /// `429`, plain text, no `Retry-After` (what Vast sends).
    TooManyText,
    Status(u16),
    MalformedJson,
    SuccessFalse,
    /// `401` with the API's JSON body.
    Unauthorized,
    /// An instance the mock does not know (every request).
    NoSuchInstance,
}

/// Expected attempts, outcome and applied operations of one cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    attempts: u32,
    end: End,
    applied: u64,
}

const fn c(attempts: u32, end: End, applied: u64) -> Cell {
    Cell {
        attempts,
        end,
        applied,
    }
}

/// One fault: may the failed request have been applied (the retry table's
/// second column), and its cells: `[idempotent, not idempotent]`, the one
/// fact of an operation the retry table reads (copy (PUT), cancel sync and
/// cancel copy (DELETE) are the first; cloud copy (POST) the second). Every
/// operation of the spec runs every row, with no edit here.
struct Row {
    inject: Inject,
    applied_maybe: &'static str,
    cells: [Cell; 2],
}

const fn row(inject: Inject, applied_maybe: &'static str, cells: [Cell; 2]) -> Row {
    Row {
        inject,
        applied_maybe,
        cells,
    }
}

impl Row {
    fn cell(&self, op: Operation) -> Cell {
        let cell = self.cells[usize::from(!op.is_idempotent())];
        match cell.end {
            // An instance the mock does not know: its `404`, or, for an
            // operation that documents none, its only refusal, `400`.
            Api(404) if !documents(op, 404) => Cell {
                end: Api(400),
                ..cell
            },
            _ => cell,
        }
    }
}

/// Whether the spec documents `status` for `op`.
fn documents(op: Operation, status: u16) -> bool {
    op.facts()
        .response_schemas
        .iter()
        .any(|(s, _)| *s == status)
}

/// The failure the fault makes of the first attempt of `op`, as the retry
/// table names it.
fn failure_of(inject: Inject, op: Operation) -> Failure {
    match inject {
        Inject::Refused => Failure::Connect,
        Inject::DropBeforeAnswer | Inject::DropAfterApply => Failure::Reset,
        Inject::SlowHeaders | Inject::SlowBody => Failure::Timeout,
        Inject::TooManySecs | Inject::TooManyDate | Inject::TooManyText => Failure::Status(429),
        Inject::Status(s) => Failure::Status(s),
        Inject::MalformedJson => Failure::Undecodable(Some(200)),
        Inject::SuccessFalse => Failure::Rejected,
        Inject::Unauthorized => Failure::Status(401),
        // Cloud copy declares no 404: the mock refuses with its 400.
        Inject::NoSuchInstance if !documents(op, 404) => Failure::Status(400),
        Inject::NoSuchInstance => Failure::Status(404),
    }
}

mod support;

use End::{Api, Decode, Ok as Success, Rejected, Timeout, Transport};
use support::{End, KNOWN, MOCK_DELAY, OPS, call, end_of};

/// The matrix: the retry table of `vast_api_ext::retry` (module docs and
/// `classify`), one row per fault, scripted on the first request only so a
/// retry can succeed. Standard retry policy: 3 attempts.
///
/// - "no" (not applied): retried for every operation; the retry succeeds.
/// - "maybe" (timeout or reset after send, 500/502/504): retried for the
///   idempotent operations (PUT, DELETE), never for cloud copy (POST), which
///   ends with the first error.
///   Drop-before-answer is in fact not applied by the mock, but a client
///   cannot tell it from drop-after-apply: both are a reset after send.
/// - "final" (other 4xx, `success:false`, an undecodable body): never retried.
/// - Refused connection: the fault is the missing server, so every attempt
///   fails and the call ends with the third.
/// - 404 `no_such_instance`: the mock knows only other instances. Cloud copy
///   declares no 404: the mock answers its only refusal, `400 {success,
///   msg}`, which is final too.
const MATRIX: &[Row] = &[
    row(
        Inject::Refused,
        "no",
        [c(3, Transport, 0), c(3, Transport, 0)],
    ),
    row(
        Inject::DropBeforeAnswer,
        "maybe",
        [c(2, Success, 1), c(1, Transport, 0)],
    ),
    row(
        Inject::DropAfterApply,
        "maybe",
        [c(2, Success, 2), c(1, Transport, 1)],
    ),
    row(
        Inject::SlowHeaders,
        "maybe",
        [c(2, Success, 2), c(1, Timeout, 1)],
    ),
    row(
        Inject::SlowBody,
        "maybe",
        [c(2, Success, 2), c(1, Timeout, 1)],
    ),
    row(
        Inject::TooManySecs,
        "no",
        [c(2, Success, 1), c(2, Success, 1)],
    ),
    row(
        Inject::TooManyDate,
        "no",
        [c(2, Success, 1), c(2, Success, 1)],
    ),
    row(
        Inject::TooManyText,
        "no",
        [c(2, Success, 1), c(2, Success, 1)],
    ),
    row(
        Inject::Status(500),
        "maybe",
        [c(2, Success, 1), c(1, Api(500), 0)],
    ),
    row(
        Inject::Status(502),
        "maybe",
        [c(2, Success, 1), c(1, Api(502), 0)],
    ),
    row(
        Inject::Status(503),
        "no",
        [c(2, Success, 1), c(2, Success, 1)],
    ),
    row(
        Inject::Status(504),
        "maybe",
        [c(2, Success, 1), c(1, Api(504), 0)],
    ),
    row(
        Inject::MalformedJson,
        "final",
        [c(1, Decode, 1), c(1, Decode, 1)],
    ),
    row(
        Inject::SuccessFalse,
        "final",
        [c(1, Rejected, 0), c(1, Rejected, 0)],
    ),
    row(
        Inject::Unauthorized,
        "final",
        [c(1, End::Unauthorized, 0), c(1, End::Unauthorized, 0)],
    ),
    row(
        Inject::NoSuchInstance,
        "final",
        [c(1, Api(404), 0), c(1, Api(404), 0)],
    ),
];

const UNKNOWN: u64 = 999;
/// The attempt timeout of the slow-headers and slow-body rows: well below
/// the mock's [`MOCK_DELAY`], and long enough that the first request reaches
/// the mock and the retry is answered in time on a loaded machine (the cells
/// run concurrently, so it costs half a second once).
const SLOW_ROW_TIMEOUT: Duration = Duration::from_millis(500);

fn fault_of(inject: Inject) -> Option<Fault> {
    Some(match inject {
        Inject::Refused | Inject::NoSuchInstance => return None,
        Inject::DropBeforeAnswer => Fault::DropBeforeAnswer,
        Inject::DropAfterApply => Fault::DropAfterApply,
        Inject::SlowHeaders => Fault::DelayHeaders(MOCK_DELAY),
        Inject::SlowBody => Fault::DelayMidBody(MOCK_DELAY),
        Inject::TooManySecs => Fault::too_many_requests().with_retry_after_secs(1),
        Inject::TooManyDate => Fault::too_many_requests()
            .with_retry_after_date(SystemTime::now() + Duration::from_secs(1)),
        Inject::TooManyText => Fault::too_many_requests(),
        Inject::Status(s) => Fault::status(s),
        Inject::MalformedJson => Fault::MalformedJson,
        Inject::SuccessFalse => Fault::Rejected,
        Inject::Unauthorized => Fault::json(
            401,
            serde_json::json!({"success": false, "error": "unauthorized", "msg": "bad key"}),
        ),
    })
}

struct Observed {
    attempts: u32,
    end: End,
    applied: u64,
    requests: u64,
    code: Option<String>,
    failure: Option<Failure>,
}

/// One cell, ready to run: its own mock and client.
struct Prepared {
    mock: MockServer,
    client: Client,
    instance: u64,
    /// The refused-connection row's port, held (bound, not listening) for
    /// the cell's life so that no other cell's server can take it.
    _no_server: Option<tokio::net::TcpSocket>,
}

/// A fresh mock and client for one cell. Waits run on a `VirtualClock` (the
/// 1 s `Retry-After`s pass at once), except in the slow-headers and
/// slow-body rows, which run on the real clock so that their attempts time
/// out after [`SLOW_ROW_TIMEOUT`] of real time (on a virtual clock a timer
/// fires only when the test moves time). Elsewhere the attempt timeout is
/// 10 s, so a loaded machine cannot turn a first attempt into a timeout.
async fn prepare(inject: Inject, op: Operation) -> Prepared {
    let mut builder = MockServer::builder();
    if inject == Inject::NoSuchInstance {
        builder = builder.known_instances([KNOWN]);
    }
    if let Some(fault) = fault_of(inject) {
        builder = builder.fault(op, When::Nth(1), fault);
    }
    let mock = builder.start().await.unwrap();
    // A refused connection: a port bound without listening (connecting to
    // it is refused), kept bound so that a server started meanwhile by
    // another cell cannot be given it (a closed port can be).
    let (uri, no_server) = if inject == Inject::Refused {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(([127, 0, 0, 1], 0).into()).unwrap();
        let port = socket.local_addr().unwrap().port();
        (format!("http://127.0.0.1:{port}"), Some(socket))
    } else {
        (mock.uri(), None)
    };
    let retry =
        RetryConfig::standard().with_backoff(Duration::from_millis(1), Duration::from_millis(5));
    let slow = matches!(inject, Inject::SlowHeaders | Inject::SlowBody);
    let (timeout, clock): (_, Arc<dyn vast_api_ext::clock::Clock>) = if slow {
        (SLOW_ROW_TIMEOUT, Arc::new(TokioClock))
    } else {
        (Duration::from_secs(10), Arc::new(VirtualClock::new()))
    };
    let client = support::builder(&uri, retry, timeout, Duration::from_secs(30))
        .clock(clock)
        .build()
        .unwrap();
    let instance = if inject == Inject::NoSuchInstance {
        UNKNOWN
    } else {
        KNOWN
    };
    Prepared {
        mock,
        client,
        instance,
        _no_server: no_server,
    }
}

async fn run_cell(cell: Prepared, op: Operation) -> Observed {
    let result = call(&cell.client, op, cell.instance, 1).await;
    let (attempts, end, code, failure) = match &result {
        Ok(n) => (*n, End::Ok, None, None),
        Err(e) => (
            e.attempts(),
            end_of(e),
            e.code().map(str::to_owned),
            e.failure(),
        ),
    };
    Observed {
        attempts,
        end,
        applied: cell.mock.applied_count(op),
        requests: cell.mock.request_count(op),
        code,
        failure,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix() {
    // Mocks and clients first (building a client loads the root
    // certificates: CPU work that would stall the calls' timers), then
    // every cell at once.
    let mut cells = JoinSet::new();
    let mut prepared = Vec::new();
    for (r, row) in MATRIX.iter().enumerate() {
        for op in OPS {
            prepared.push((r, op, row.cell(op), prepare(row.inject, op).await));
        }
    }
    for (r, op, want, cell) in prepared {
        cells.spawn(async move { (r, op, want, run_cell(cell, op).await) });
    }
    let mut results = Vec::new();
    while let Some(joined) = cells.join_next().await {
        results.push(joined.expect("a cell panicked"));
    }
    results.sort_by_key(|(r, op, ..)| (*r, OPS.iter().position(|o| o == op)));
    let mut wrong = Vec::new();
    for (r, op, want, got) in &results {
        let row = &MATRIX[*r];
        let line = format!(
            "{:<18} {:<5} {:<11} → attempts {} {:?}, applied {} (requests {})",
            format!("{:?}", row.inject),
            row.applied_maybe,
            op.to_string(),
            got.attempts,
            got.end,
            got.applied,
            got.requests,
        );
        println!("{line}");
        let mut problems = Vec::new();
        if (got.attempts, got.end, got.applied) != (want.attempts, want.end, want.applied) {
            problems.push(format!("expected {want:?}"));
        }
        // Every attempt reached the mock (except when there is no server).
        if row.inject != Inject::Refused && got.requests != u64::from(got.attempts) {
            problems.push(format!(
                "{} attempts but {} requests",
                got.attempts, got.requests
            ));
        }
        if !op.is_idempotent() && got.applied > 1 {
            problems.push(format!("{op} (not idempotent) applied twice"));
        }
        // A call that failed reports the failure the fault made.
        if got.end != End::Ok && got.failure != Some(failure_of(row.inject, *op)) {
            problems.push(format!(
                "failure {:?}, expected {:?}",
                got.failure,
                failure_of(row.inject, *op)
            ));
        }
        if row.inject == Inject::NoSuchInstance
            && documents(*op, 404)
            && got.code.as_deref() != Some("no_such_instance")
        {
            problems.push(format!("code {:?}, expected no_such_instance", got.code));
        }
        if !problems.is_empty() {
            wrong.push(format!("{line}: {}", problems.join("; ")));
        }
    }
    assert_eq!(results.len(), MATRIX.len() * OPS.len());
    assert!(
        wrong.is_empty(),
        "cells that differ from MATRIX:\n{}",
        wrong.join("\n")
    );
}

/// The matrix is the retry table (`vast_api_ext::policy::classify`): each
/// cell is retried exactly when `classify` says the fault's failure is
/// retried for that operation, and the second column is the table's class:
/// "no" rows are retried for every operation, "maybe" rows for the
/// idempotent ones only, "final" rows never.
#[test]
fn matrix_mirrors_the_retry_table() {
    for row in MATRIX {
        for op in OPS {
            let verdict = classify(failure_of(row.inject, op));
            let retried = row.cell(op).attempts > 1;
            assert_eq!(
                retried,
                verdict.retries(op, false),
                "{:?} {op}: {verdict:?}",
                row.inject
            );
            let class = match verdict.retry {
                Retry::Safe => "no",
                Retry::IfIdempotent => "maybe",
                _ => "final",
            };
            assert_eq!(row.applied_maybe, class, "{:?} {op}", row.inject);
            assert_eq!(
                retried,
                row.applied_maybe == "no" || (row.applied_maybe == "maybe" && op.is_idempotent()),
                "{:?} {op}",
                row.inject
            );
        }
        assert!(row.cells[1].applied <= 1, "{:?}", row.inject);
    }
}

// ---------------------------------------------------------------------------
// Pacing
// ---------------------------------------------------------------------------

/// 20 concurrent cloud copies through one client against the mock's 200 ms
/// minimum interval on that endpoint.
///
/// Design: the mock answers its rate-limit `429` as Vast does, plain text and
/// no `Retry-After` (`rate_limit_retry_after(false)`; with the header it
/// would say `1`, whole seconds, and a client honouring it would take ~20 s).
/// The client knows the endpoint's documented interval
/// (`with_default_interval(200 ms)`) and runs on the real clock, so its
/// spacing is really the server's 200 ms: after the first `429` every request
/// waits for its slot, and after 10 successes the interval halves, which
/// costs one more `429` and restores it. Naive retrying would earn a `429`
/// per request. Real time: ~20 × 200 ms = ~4 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pacing() {
    let interval = Duration::from_millis(200);
    let mock = MockServer::builder()
        .min_interval(Operation::CloudCopy, interval)
        .rate_limit_retry_after(false)
        .start()
        .await
        .unwrap();
    let retry =
        RetryConfig::standard().with_backoff(Duration::from_millis(1), Duration::from_millis(5));
    let deadline = Duration::from_secs(30);
    let client = support::builder(&mock.uri(), retry, Duration::from_secs(5), deadline)
        .pacing(PacingConfig::standard().with_default_interval(interval))
        .build()
        .unwrap();
    let started = Instant::now();
    let mut calls = JoinSet::new();
    for i in 0..20 {
        let client = client.clone();
        calls.spawn(async move { call(&client, Operation::CloudCopy, KNOWN, i).await });
    }
    let mut ok = 0;
    while let Some(joined) = calls.join_next().await {
        match joined.expect("a call panicked") {
            Ok(_) => ok += 1,
            Err(e) => panic!("a paced cloud copy failed: {e}"),
        }
    }
    let took = started.elapsed();
    let received = mock.request_count(Operation::CloudCopy);
    let applied = mock.applied_count(Operation::CloudCopy);
    let throttled = received - applied; // no faults: every unapplied request was a 429
    println!("pacing: {ok} ok, {received} requests, {throttled} × 429, {took:?}");
    assert_eq!((ok, applied), (20, 20));
    assert!(
        throttled <= 3,
        "{throttled} answers of 429 (at most 3 allowed)"
    );
    assert!(took <= deadline, "took {took:?}");
}

// ---------------------------------------------------------------------------
// Quota
// ---------------------------------------------------------------------------

/// The server answers every request `503` (a failure that was certainly not
/// applied, so even cloud copy retries it). 1,000 concurrent calls with 3
/// attempts each would make 2,000 retries; the standard quota (500 tokens, 5
/// per retry, no success to refund any) allows 100. Pacing is off: with one
/// request in flight per endpoint the calls would only queue, and the quota
/// is what is under test. Waits are tiny real backoffs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota() {
    const CALLS: u64 = 1_000;
    let mock = MockServer::builder()
        .fault(Operation::CloudCopy, When::Always, Fault::status(503))
        .max_recorded(0)
        .start()
        .await
        .unwrap();
    let retry =
        RetryConfig::standard().with_backoff(Duration::from_millis(1), Duration::from_millis(5));
    let client = support::builder(
        &mock.uri(),
        retry,
        Duration::from_secs(10),
        Duration::from_secs(30),
    )
    .pacing(PacingConfig::disabled())
    .build()
    .unwrap();
    let mut calls = JoinSet::new();
    for i in 0..CALLS {
        let client = client.clone();
        calls.spawn(async move { call(&client, Operation::CloudCopy, KNOWN, i).await });
    }
    let mut attempts = 0u64;
    while let Some(joined) = calls.join_next().await {
        let error = joined
            .expect("a call panicked")
            .expect_err("every request fails");
        assert_eq!(end_of(&error), End::Api(503), "{error}");
        attempts += u64::from(error.attempts());
    }
    let received = mock.request_count(Operation::CloudCopy);
    println!(
        "quota: {received} requests for {CALLS} calls; quota left {}",
        client.retry_quota_left()
    );
    assert_eq!(attempts, received);
    assert!(
        received <= CALLS + 100,
        "{received} requests: a retry storm"
    );
    assert!(received >= CALLS);
    assert_eq!(client.retry_quota_left(), 0);
    assert_eq!(mock.applied_count(Operation::CloudCopy), 0);
}
