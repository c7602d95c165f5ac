//! `blocking::Client` (feature `blocking`) against `vast-mock`: the three
//! operations and `send`, the server's answer as received, a retried 503,
//! and calls from inside a tokio runtime, which return a typed error
//! instead of panicking. The mock runs on a multi-thread runtime of the
//! test's; the blocking client on its own.
#![allow(clippy::unwrap_used)]

use serde_json::json;
use std::time::Duration;
use vast_api_ext::{
    CloudCopy, ConnectionId, Error, ErrorKind, InstanceId, Location, Operation, Request,
    RetryConfig, Transfer, blocking,
};
use vast_mock::{Fault, MockServer, MockServerBuilder, When};

const KEY: &str = "blocking-test-key-0123456789";

/// A mock served by a runtime the test owns (dropped after the mock).
struct Served {
    mock: MockServer,
    _runtime: tokio::runtime::Runtime,
}

fn serve(builder: MockServerBuilder) -> Served {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mock = runtime.block_on(builder.api_key(KEY).start()).unwrap();
    Served {
        mock,
        _runtime: runtime,
    }
}

/// Retries with no backoff (`rng = 0`), so a retry needs no real wait.
fn client(mock: &MockServer) -> blocking::Client {
    blocking::Client::builder()
        .api_key(KEY)
        .base_url(mock.uri())
        .timeout(Duration::from_secs(10))
        .retry(RetryConfig::standard())
        .rng(|| 0.0)
        .build()
        .unwrap()
}

fn loc(text: &str) -> Location {
    text.parse().unwrap()
}

#[test]
fn the_three_operations_send_what_the_async_client_sends() {
    let served = serve(MockServer::builder());
    let mock = &served.mock;
    let client = client(mock);
    assert_eq!(client.base_url(), mock.uri());

    let copy = client
        .copy(
            &loc("C.6003036:/workspace/data/"),
            &loc("C.7001234:/workspace/"),
        )
        .unwrap();
    assert_eq!(copy.attempts, 1);
    assert!(copy.message.is_some());

    let upload = CloudCopy::new(
        InstanceId::new(6003036).unwrap(),
        ConnectionId(1004),
        Transfer::InstanceToCloud,
    )
    .src("/workspace/results")
    .dst("bucket/results")
    .dry_run(true);
    let started = client.cloud_copy(&upload).unwrap();
    assert!(started.result_url.is_some());

    let cancelled = client
        .cancel_sync(InstanceId::new(6003036).unwrap())
        .unwrap();
    assert_eq!(cancelled.attempts, 1);

    let applied = mock.applied();
    let ops: Vec<Option<Operation>> = applied.iter().map(|a| a.operation).collect();
    assert_eq!(
        ops,
        [
            Some(Operation::Copy),
            Some(Operation::CloudCopy),
            Some(Operation::CancelSync)
        ]
    );
    assert_eq!(
        applied[0].body,
        json!({"src_id": "6003036", "dst_id": "7001234",
               "src_path": "/workspace/data/", "dst_path": "/workspace/"})
    );
    assert_eq!(
        applied[1].body,
        json!({"instance_id": "6003036", "selected": "1004", "transfer": "Instance To Cloud",
               "src": "/workspace/results", "dst": "bucket/results", "flags": ["--dry-run"]})
    );
    assert_eq!(applied[2].body, json!({"dst_id": 6003036}));
    for request in mock.requests() {
        assert_eq!(
            request.header("authorization"),
            Some(&*format!("Bearer {KEY}"))
        );
    }

    // `send` makes the same calls, and the body it reports is the one sent.
    mock.clear();
    let request = Request::CancelSync(InstanceId::new(42).unwrap());
    let answer = client.send(&request).unwrap();
    assert_eq!(answer.message(), cancelled.message.as_deref());
    assert_eq!(mock.requests()[0].json(), Some(request.body().unwrap()));
}

#[test]
fn results_carry_the_servers_answer_as_received() {
    let body = json!({"success": true, "msg": "ok", "extra_field": 42});
    let served = serve(MockServer::builder().fault(
        Operation::CancelSync,
        When::Always,
        Fault::json(200, body.clone()),
    ));
    let client = client(&served.mock);
    let outcome = client.cancel_sync(InstanceId::new(7).unwrap()).unwrap();
    // The mock writes the body with `Value`'s `Display`.
    assert_eq!(outcome.raw(), body.to_string());
    let answer = client
        .send(&Request::CancelSync(InstanceId::new(7).unwrap()))
        .unwrap();
    assert_eq!(answer.raw_json().unwrap(), body);
}

#[test]
fn a_503_is_retried_as_by_the_async_client_and_errors_are_the_same_type() {
    let served =
        serve(MockServer::builder().fault(Operation::CancelSync, When::Nth(1), Fault::status(503)));
    let client = client(&served.mock);
    let outcome = client.cancel_sync(InstanceId::new(7).unwrap()).unwrap();
    assert_eq!(outcome.attempts, 2);
    assert_eq!(served.mock.request_count(Operation::CancelSync), 2);
    assert_eq!(served.mock.applied().len(), 1);

    // A cloud copy that may have been applied is not repeated.
    served
        .mock
        .fault(Operation::CloudCopy, When::Always, Fault::status(502));
    let request = CloudCopy::new(
        InstanceId::new(5).unwrap(),
        1004u64,
        Transfer::InstanceToCloud,
    )
    .src("/w");
    let error = client.cloud_copy(&request).unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Api { status: 502, .. }),
        "{error:?}"
    );
    assert_eq!(error.attempts(), 1);
    assert_eq!(served.mock.request_count(Operation::CloudCopy), 1);

    // Invalid input is refused before any I/O, with the same error.
    let before = served.mock.requests().len();
    let error = client
        .cancel_sync(InstanceId::new(u64::MAX).unwrap())
        .unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::InvalidInput(_)),
        "{error:?}"
    );
    assert_eq!(served.mock.requests().len(), before);
}

fn is_inside_runtime_error(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::InsideRuntime)
        && error.to_string().contains("inside a tokio runtime")
}

/// Every call made on a thread in a runtime's context returns the typed
/// error and sends nothing.
fn every_call_is_refused(client: &blocking::Client, mock: &MockServer) {
    let results = [
        client
            .copy(&loc("C.1:/a"), &loc("C.2:/b"))
            .map(|_| ())
            .unwrap_err(),
        client
            .cloud_copy(
                &CloudCopy::new(InstanceId::new(1).unwrap(), 2u64, Transfer::CloudToInstance)
                    .src("b/x"),
            )
            .map(|_| ())
            .unwrap_err(),
        client
            .cancel_sync(InstanceId::new(3).unwrap())
            .map(|_| ())
            .unwrap_err(),
        client
            .send(&Request::CancelSync(InstanceId::new(3).unwrap()))
            .map(|_| ())
            .unwrap_err(),
    ];
    for error in &results {
        assert!(is_inside_runtime_error(error), "{error:?}");
        assert_eq!(error.attempts(), 0);
        assert!(!error.may_have_been_applied());
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}

#[tokio::test(flavor = "current_thread")]
async fn inside_a_current_thread_runtime_calls_return_an_error_and_nothing_panics() {
    let mock = MockServer::builder().api_key(KEY).start().await.unwrap();
    // Building inside a runtime is fine (the client may be handed to a thread).
    let client = client(&mock);
    every_call_is_refused(&client, &mock);
    // Dropped here, inside the runtime: no panic.
    drop(client);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_a_multi_thread_runtime_and_spawn_blocking_calls_return_an_error() {
    let mock = std::sync::Arc::new(MockServer::builder().api_key(KEY).start().await.unwrap());
    let client = client(&mock);
    every_call_is_refused(&client, &mock);
    let (c, m) = (client.clone(), mock.clone());
    tokio::task::spawn_blocking(move || {
        every_call_is_refused(&c, &m);
        drop(c);
    })
    .await
    .unwrap();
    // Handed to a plain thread, the same client works.
    let outcome = tokio::task::spawn_blocking(move || {
        std::thread::spawn(move || client.cancel_sync(InstanceId::new(3).unwrap())).join()
    })
    .await
    .unwrap()
    .unwrap()
    .unwrap();
    assert_eq!(outcome.attempts, 1);
    assert_eq!(mock.applied().len(), 1);
}

#[test]
fn a_client_built_outside_and_dropped_inside_a_runtime_does_not_panic() {
    let served = serve(MockServer::builder());
    let client = client(&served.mock);
    assert!(client.cancel_sync(InstanceId::new(9).unwrap()).is_ok());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let error = client.cancel_sync(InstanceId::new(9).unwrap()).unwrap_err();
        assert!(is_inside_runtime_error(&error), "{error:?}");
        drop(client);
    });
    assert_eq!(served.mock.applied().len(), 1);
}

#[test]
fn send_all_runs_a_batch_and_refuses_it_inside_a_runtime() {
    let served = serve(MockServer::builder().fault(
        Operation::CancelCopy,
        When::instance(3),
        Fault::Rejected,
    ));
    let client = client(&served.mock);
    let requests: Vec<Request> = (1..=6)
        .map(|i| Request::CancelCopy(InstanceId::new(i).unwrap()))
        .collect();
    let finished = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = finished.clone();
    let results = client.send_all_with(
        requests.clone(),
        vast_api_ext::BatchOptions::new().concurrency(3),
        move |event| {
            if let vast_api_ext::BatchEvent::Finished { .. } = event {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        },
    );
    let ok: Vec<bool> = results.iter().map(Result::is_ok).collect();
    assert_eq!(ok, [true, true, false, true, true, true]);
    assert_eq!(finished.load(std::sync::atomic::Ordering::SeqCst), 6);
    assert_eq!(served.mock.requests().len(), 6);
    // Inside a runtime nothing is sent, and each request says why.
    let inside = tokio::runtime::Runtime::new().unwrap();
    let refused = inside
        .block_on(async { client.send_all(requests.clone(), vast_api_ext::BatchOptions::new()) });
    assert_eq!(refused.len(), 6);
    for result in &refused {
        assert!(matches!(
            result.as_ref().unwrap_err().kind(),
            ErrorKind::InsideRuntime
        ));
    }
    assert_eq!(served.mock.requests().len(), 6);
}
