//! A batch as a downstream crate runs one: 32 mixed requests through
//! `Client::send_all_with` against vast-mock, with faults aimed at single
//! requests by their body, so that whatever order the concurrent requests
//! arrive in, each request's result is known; and a batch that stops at its
//! first failure.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use vast_api_ext::{
    Answer, BatchEvent, BatchOptions, Client, CloudCopy, ConnectionId, Error, ErrorKind,
    InstanceId, NotSent, Operation, PacingConfig, Request, RetryConfig, Transfer,
};
use vast_mock::{Fault, MockServer, When};

const KEY: &str = "batch-test-key";

/// Request `i` of the batch: copy, cloud copy, cancel sync and cancel copy
/// in turn, each naming instances of its own.
fn request(i: u64) -> Request {
    let id = |base: u64| InstanceId::new(base + i).unwrap();
    match i % 4 {
        0 => Request::Copy {
            src: format!("C.{}:/in/{i}/", 1000 + i).parse().unwrap(),
            dst: format!("C.{}:/out/", 2000 + i).parse().unwrap(),
        },
        1 => Request::CloudCopy(
            CloudCopy::new(id(3000), ConnectionId(1004), Transfer::InstanceToCloud)
                .src(format!("/job/{i}"))
                .dst(format!("bucket/job/{i}")),
        ),
        2 => Request::CancelSync(id(4000)),
        _ => Request::CancelCopy(id(5000)),
    }
}

/// A fault for the first request whose body has `value` at `pointer` only.
fn once(pointer: &'static str, value: Value) -> When {
    let fired = AtomicBool::new(false);
    When::body_matches(move |body| {
        body.pointer(pointer) == Some(&value) && !fired.swap(true, Ordering::SeqCst)
    })
}

fn client(mock: &MockServer, in_flight: usize) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(mock.uri())
        .retry(RetryConfig::standard().with_backoff(Duration::ZERO, Duration::ZERO))
        .pacing(PacingConfig::standard().with_max_in_flight_per_endpoint(in_flight))
        .build()
        .unwrap()
}

/// How a request ended, for comparing with what was aimed at it.
#[derive(Debug, PartialEq, Eq)]
enum End {
    Ok(Operation, u32),
    Api(u16, Option<String>, u32),
    Rejected(u32),
    Stopped,
}

fn end_of(result: &Result<Answer, Error>, op: Operation) -> End {
    match result {
        Ok(answer) => End::Ok(op, answer.attempts()),
        Err(error) => match error.kind() {
            ErrorKind::Api { status, code, .. } => {
                End::Api(*status, code.clone(), error.attempts())
            }
            ErrorKind::Rejected { .. } => End::Rejected(error.attempts()),
            ErrorKind::NotSent(NotSent::BatchStopped) => End::Stopped,
            other => panic!("{op}: unexpected {other:?}"),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_mixed_requests_each_get_the_result_aimed_at_them() {
    let mock = MockServer::builder().api_key(KEY).start().await.unwrap();
    // Cloud copy 5: a 503 once (not applied: retried). Cloud copy 9: a 502
    // (may have been applied: a POST is not repeated).
    mock.fault(
        Operation::CloudCopy,
        once("/src", json!("/job/5")),
        Fault::status(503),
    );
    mock.fault(
        Operation::CloudCopy,
        When::body("/src", "/job/9"),
        Fault::status(502),
    );
    // Copy 12: refused by the API.
    mock.fault(
        Operation::Copy,
        When::body("/src_path", "/in/12/"),
        Fault::json(
            400,
            json!({"success": false, "error": "invalid_args", "msg": "bad path"}),
        ),
    );
    // Cancel sync 14 (dst 4014): `success: false`. Cancel copy 19 (dst
    // "5019"): a 503 once. Cancel copy 31: an instance the API does not know.
    mock.fault(Operation::CancelSync, When::instance(4014), Fault::Rejected);
    mock.fault(
        Operation::CancelCopy,
        once("/dst_id", json!("5019")),
        Fault::status(503),
    );
    mock.fault(
        Operation::CancelCopy,
        When::body("/dst_id", "5031"),
        Fault::json(
            404,
            json!({"success": false, "error": "no_such_instance", "msg": "No such instance."}),
        ),
    );
    let requests: Vec<Request> = (0..32).map(request).collect();
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let results = client(&mock, 4)
        .send_all_with(
            requests.clone(),
            BatchOptions::new().concurrency(8),
            move |event| {
                let line = match event {
                    BatchEvent::Started { index } => (index, "started", 0),
                    BatchEvent::Retried { index, attempt } => (index, "retried", attempt),
                    BatchEvent::Finished { index, .. } => (index, "finished", 0),
                    _ => unreachable!("no other event yet"),
                };
                seen.lock().unwrap().push(line);
            },
        )
        .await;

    assert_eq!(results.len(), 32);
    let mut aimed: BTreeMap<usize, End> = BTreeMap::new();
    aimed.insert(5, End::Ok(Operation::CloudCopy, 2));
    aimed.insert(9, End::Api(502, None, 1));
    aimed.insert(12, End::Api(400, Some("invalid_args".into()), 1));
    aimed.insert(14, End::Rejected(1));
    aimed.insert(19, End::Ok(Operation::CancelCopy, 2));
    aimed.insert(31, End::Api(404, Some("no_such_instance".into()), 1));
    for (index, (request, result)) in requests.iter().zip(&results).enumerate() {
        let op = request.operation();
        let want = aimed.remove(&index).unwrap_or(End::Ok(op, 1));
        assert_eq!(end_of(result, op), want, "request {index} ({op})");
    }
    // Applied: everything that ended well (the 502 and the 404 were not
    // applied by the mock; the refusal and the rejection neither).
    assert_eq!(mock.applied().len(), 28);

    let events = events.lock().unwrap();
    let count = |kind: &str| events.iter().filter(|(_, k, _)| *k == kind).count();
    assert_eq!((count("started"), count("finished")), (32, 32));
    let mut retried: Vec<_> = events
        .iter()
        .filter(|(_, kind, _)| *kind == "retried")
        .map(|(index, _, attempt)| (*index, *attempt))
        .collect();
    retried.sort_unstable();
    assert_eq!(retried, [(5, 2), (19, 2)]);
    // Each request's events in order: started, (retried), finished.
    for index in 0..32 {
        let own: Vec<_> = events
            .iter()
            .filter(|(i, ..)| *i == index)
            .map(|(_, k, _)| *k)
            .collect();
        assert_eq!(own.first(), Some(&"started"), "{index}: {own:?}");
        assert_eq!(own.last(), Some(&"finished"), "{index}: {own:?}");
    }
}

#[tokio::test]
async fn a_batch_that_stops_at_its_first_failure_sends_nothing_after_it() {
    let mock = MockServer::builder().api_key(KEY).start().await.unwrap();
    mock.fault(Operation::CancelSync, When::instance(4003), Fault::Rejected);
    let requests: Vec<Request> = (0..10)
        .map(|i| Request::CancelSync(InstanceId::new(4000 + i).unwrap()))
        .collect();
    // Four requests in the client at once: three wait for the endpoint's
    // one turn behind the one in flight, and none of them is sent after the
    // failure.
    let results = client(&mock, 1)
        .send_all(
            requests,
            BatchOptions::new().concurrency(4).keep_going(false),
        )
        .await;
    let ends: Vec<End> = results
        .iter()
        .map(|r| end_of(r, Operation::CancelSync))
        .collect();
    let mut want: Vec<End> = (0..3).map(|_| End::Ok(Operation::CancelSync, 1)).collect();
    want.push(End::Rejected(1));
    want.extend((4..10).map(|_| End::Stopped));
    assert_eq!(ends, want);
    assert_eq!(
        mock.requests().len(),
        4,
        "nothing after the failure was sent"
    );
    let stopped = results[9].as_ref().unwrap_err();
    assert_eq!(
        (stopped.attempts(), stopped.may_have_been_applied()),
        (0, false)
    );
    assert_eq!(
        stopped.to_string(),
        "cancel sync was not sent: the batch stopped at an earlier request's failure"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_than_the_concurrency_are_in_the_client_at_once() {
    let mock = MockServer::builder().api_key(KEY).start().await.unwrap();
    // Every answer a little late, so that calls overlap.
    for op in Operation::ALL {
        mock.fault(
            op,
            When::Always,
            Fault::DelayHeaders(Duration::from_millis(20)),
        );
    }
    let in_client = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (now, peak) = (in_client.clone(), most.clone());
    let results = client(&mock, 8)
        .send_all_with(
            (0..24).map(request),
            BatchOptions::new().concurrency(3),
            move |event| match event {
                BatchEvent::Started { .. } => {
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                }
                BatchEvent::Finished { .. } => {
                    now.fetch_sub(1, Ordering::SeqCst);
                }
                _ => {}
            },
        )
        .await;
    assert!(results.iter().all(Result::is_ok));
    let most = most.load(Ordering::SeqCst);
    assert!(
        (1..=3).contains(&most),
        "{most} requests in the client at once"
    );
    assert_eq!(mock.applied().len(), 24);
}
