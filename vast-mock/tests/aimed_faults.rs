//! Faults aimed by request: selected by the body or the instance, so that
//! among concurrent requests of one operation the fault hits exactly the
//! one aimed at, whatever the order they arrive in.
#![allow(clippy::unwrap_used)]

mod common;

use common::call_with;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::task::JoinSet;
use vast_mock::{Fault, MockServer, Operation, When};

/// Sends every body as a request of `op` at once, each on its own task, and
/// returns each body's answer status.
async fn send_all(mock: &Arc<MockServer>, op: Operation, bodies: Vec<Value>) -> Vec<(Value, u16)> {
    let mut tasks = JoinSet::new();
    for body in bodies {
        let mock = Arc::clone(mock);
        tasks.spawn(async move {
            let status = call_with(&mock, op, &body.to_string())
                .await
                .unwrap()
                .status;
            (body, status)
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.unwrap());
    }
    answers
}

/// The cancel syncs of instances 1 to 10 (in this order, or reversed),
/// sent at once: each instance's answer status and its request's number.
async fn cancel_ten(mock: &Arc<MockServer>, reversed: bool) -> BTreeMap<u64, (u16, u64)> {
    let mut ids: Vec<u64> = (1..=10).collect();
    if reversed {
        ids.reverse();
    }
    let bodies = ids.iter().map(|id| json!({ "dst_id": id })).collect();
    let answers = send_all(mock, Operation::CancelSync, bodies).await;
    let nth_of = |id: u64| {
        mock.requests()
            .iter()
            .find(|r| r.json() == Some(json!({ "dst_id": id })))
            .map(|r| r.nth)
            .unwrap()
    };
    answers
        .into_iter()
        .map(|(body, status)| {
            let id = body["dst_id"].as_u64().unwrap();
            (id, (status, nth_of(id)))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_body_fault_hits_exactly_the_request_with_that_body_whatever_its_arrival() {
    let mock = Arc::new(MockServer::start().await.unwrap());
    mock.fault(
        Operation::CancelSync,
        When::body("/dst_id", json!(7)),
        Fault::status(503),
    );
    for reversed in [false, true] {
        let answers = cancel_ten(&mock, reversed).await;
        assert_eq!(answers.len(), 10);
        for (id, (status, nth)) in &answers {
            let expected = if *id == 7 { 503 } else { 200 };
            assert_eq!(*status, expected, "instance {id}, request {nth} of 10");
        }
        // Every request but instance 7's was applied.
        let mut applied: Vec<u64> = mock
            .applied()
            .iter()
            .map(|a| a.body["dst_id"].as_u64().unwrap())
            .collect();
        applied.sort_unstable();
        assert_eq!(applied, [1, 2, 3, 4, 5, 6, 8, 9, 10]);
        mock.clear();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_fault_hits_the_requests_naming_it_in_any_instance_field() {
    let mock = Arc::new(MockServer::start().await.unwrap());
    mock.fault(Operation::Copy, When::instance(42), Fault::status(500));
    let copy = |src: &str, dst: &str| json!({"src_id": src, "dst_id": dst, "src_path": "/data/", "dst_path": "/workspace/"});
    let bodies = vec![
        copy("42", "1"),
        copy("2", "3"),
        copy("4", "42"),
        copy("5", "6"),
        copy("420", "7"),
    ];
    let answers: BTreeMap<String, u16> = send_all(&mock, Operation::Copy, bodies)
        .await
        .into_iter()
        .map(|(body, status)| (format!("{}->{}", body["src_id"], body["dst_id"]), status))
        .collect();
    let expected: BTreeMap<String, u16> = [
        ("\"42\"->\"1\"", 500),
        ("\"2\"->\"3\"", 200),
        ("\"4\"->\"42\"", 500),
        ("\"5\"->\"6\"", 200),
        ("\"420\"->\"7\"", 200),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(answers, expected);
    assert_eq!(mock.applied_count(Operation::Copy), 3);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_not_selected_by_a_body_fault() {
    let mock = MockServer::start().await.unwrap();
    mock.fault(
        Operation::CancelSync,
        When::body_matches(|_| true),
        Fault::status(503),
    );
    // Not selected: the mock's own refusal of a body that is not JSON.
    let refused = call_with(&mock, Operation::CancelSync, "{\"dst_id\": ")
        .await
        .unwrap();
    assert_eq!(refused.status, 400, "{}", refused.text);
    let faulted = call_with(&mock, Operation::CancelSync, "{\"dst_id\": 1}")
        .await
        .unwrap();
    assert_eq!(faulted.status, 503);
}

#[tokio::test]
async fn selectors_combine_with_and() {
    let mock = MockServer::start().await.unwrap();
    // Instance 7's requests from the operation's third on.
    mock.fault(
        Operation::CancelSync,
        When::instance(7).and(When::From(3)),
        Fault::Rejected,
    );
    let mut statuses = Vec::new();
    for id in [7, 8, 7, 8, 7] {
        let body = json!({ "dst_id": id }).to_string();
        let answer = call_with(&mock, Operation::CancelSync, &body)
            .await
            .unwrap();
        statuses.push((id, answer.json()["success"].as_bool().unwrap()));
    }
    assert_eq!(
        statuses,
        [(7, true), (8, true), (7, false), (8, true), (7, false)]
    );
}
