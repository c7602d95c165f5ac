//! The pipeline's stages, each decision shown through `handle` on the embedded spec (no socket: the request and the reply are values).

use super::{Reply, Shared, handle};
use crate::fault::{Fault, When};
use crate::instances::Instances;
use crate::server::limits::Limits;
use crate::server::respond::tests::{read, read_json};
use crate::server::tests::{script, shared};
use crate::spec;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame};
use hyper::{Request, Response};
use serde_json::{Value, json};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use vast_api::Operation;

const CANCEL: &str = "/api/v0/commands/rclone/";

/// An authorized JSON request.
fn request(method: &str, path: &str, body: &str) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", "Bearer key")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_owned())))
        .expect("a valid request")
}

fn cancel(dst_id: Value) -> Request<Full<Bytes>> {
    request("DELETE", CANCEL, &json!({ "dst_id": dst_id }).to_string())
}

fn answer(reply: Reply) -> Response<crate::body::MockBody> {
    match reply {
        Reply::Answer(response) => response,
        Reply::Close => panic!("the connection was closed unanswered"),
    }
}

async fn status_and_json(shared: &Shared, request: Request<Full<Bytes>>) -> (u16, Value) {
    read_json(answer(handle(request, shared).await)).await
}

fn applied(shared: &Shared) -> usize {
    shared.state().records.applied.len()
}

#[tokio::test]
async fn a_valid_request_is_applied_and_answered_with_the_example() {
    let shared = shared(|_| {});
    let (status, body) = status_and_json(&shared, cancel(json!(7))).await;
    assert_eq!(status, 200);
    assert_eq!(
        Some(&body),
        spec::spec().example(Operation::CancelSync, 200)
    );
    let state = shared.state();
    assert_eq!(state.records.applied[0].body, json!({"dst_id": 7}));
    assert_eq!(state.records.requests[0].nth, 1);
}

#[tokio::test]
async fn a_body_that_fails_to_read_closes_the_connection() {
    struct Failing;
    impl Body for Failing {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            Poll::Ready(Some(Err(std::io::Error::other("reset"))))
        }
    }
    let request = Request::builder()
        .method("DELETE")
        .uri(CANCEL)
        .body(Failing)
        .expect("a valid request");
    let shared = shared(|_| {});
    assert!(matches!(handle(request, &shared).await, Reply::Close));
    assert!(shared.state().records.requests.is_empty());
}

#[tokio::test]
async fn record_numbers_the_requests_of_each_operation_and_records_every_request() {
    let shared = shared(|_| {});
    for _ in 0..2 {
        status_and_json(&shared, cancel(json!(7))).await;
    }
    status_and_json(&shared, request("GET", "/nowhere", "")).await;
    let state = shared.state();
    let numbers: Vec<u64> = state.records.requests.iter().map(|r| r.nth).collect();
    assert_eq!(numbers, [1, 2, 0]);
    assert_eq!(state.records.requests[2].operation_id, None);
}

#[tokio::test]
async fn refuse_over_cap_answers_413_with_connection_close_and_plays_no_fault() {
    let shared = Shared {
        limits: Limits {
            body: 4,
            header: 1 << 10,
        },
        ..shared(|state| {
            script(
                state,
                Operation::CancelSync,
                When::Always,
                Fault::status(503),
            )
        })
    };
    let response = answer(handle(cancel(json!(7)), &shared).await);
    let (status, headers, _) = read(response).await;
    assert_eq!(
        (status, headers["connection"].to_str().ok()),
        (413, Some("close"))
    );
    let state = shared.state();
    assert!(state.records.requests[0].body_truncated);
    // Its declared length is over the cap: nothing of it was read.
    assert!(state.records.requests[0].body.is_empty());
}

#[tokio::test]
async fn serve_result_answers_before_routing() {
    let shared = shared(|_| {});
    let (status, body) = status_and_json(
        &shared,
        request("GET", "/mock/results/cloud-copy-1.txt", ""),
    )
    .await;
    assert_eq!((status, &body["error"]), (404, &json!("not_found")));
}

#[tokio::test]
async fn route_refuses_an_unknown_path_and_an_undeclared_method() {
    let shared = shared(|_| {});
    assert_eq!(
        status_and_json(&shared, request("GET", "/nowhere", ""))
            .await
            .0,
        404
    );
    let (status, _) = status_and_json(&shared, request("GET", CANCEL, "")).await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn a_status_fault_comes_before_the_checks_and_a_drop_closes() {
    let shared = shared(|state| {
        script(
            state,
            Operation::CancelSync,
            When::Nth(1),
            Fault::status(503),
        );
        script(
            state,
            Operation::CancelSync,
            When::Nth(2),
            Fault::DropBeforeAnswer,
        );
    });
    // Not even valid JSON: the fault answers first.
    let (status, _, _) = read(answer(
        handle(request("DELETE", CANCEL, "{"), &shared).await,
    ))
    .await;
    assert_eq!(status, 503);
    assert!(matches!(
        handle(cancel(json!(7)), &shared).await,
        Reply::Close
    ));
    assert_eq!(applied(&shared), 0);
}

#[tokio::test]
async fn authorize_refuses_no_key_and_a_key_other_than_the_configured_one() {
    let shared = shared(|state| state.api_key = Some("key".into()));
    let mut anonymous = cancel(json!(7));
    anonymous.headers_mut().remove("authorization");
    let (status, body) = status_and_json(&shared, anonymous).await;
    assert_eq!((status, &body["error"]), (401, &json!("unauthorized")));
    let mut other = cancel(json!(7));
    other
        .headers_mut()
        .insert("authorization", "Bearer other".parse().expect("a header"));
    assert_eq!(status_and_json(&shared, other).await.0, 401);
    assert_eq!(status_and_json(&shared, cancel(json!(7))).await.0, 200);
}

#[tokio::test]
async fn rate_limit_refuses_the_second_request_within_the_interval() {
    let shared = shared(|state| {
        let index = spec::spec()
            .operation(Operation::CancelSync)
            .expect("op")
            .index();
        state.rate.min_interval[index] = Some(Duration::from_secs(3600));
    });
    assert_eq!(status_and_json(&shared, cancel(json!(7))).await.0, 200);
    let (status, _, _) = read(answer(handle(cancel(json!(7)), &shared).await)).await;
    assert_eq!(status, 429);
    assert_eq!(applied(&shared), 1);
}

#[tokio::test]
async fn check_body_refuses_what_the_schema_does_not_allow() {
    let shared = shared(|_| {});
    let (status, body) = status_and_json(&shared, cancel(json!("7"))).await;
    assert_eq!(status, 400);
    assert!(
        body["msg"].as_str().is_some_and(|m| m.contains("dst_id")),
        "{body}"
    );
    let (status, _) = status_and_json(&shared, request("DELETE", CANCEL, "")).await;
    assert_eq!(status, 400);
    assert_eq!(applied(&shared), 0);
}

#[tokio::test]
async fn check_instances_refuses_an_unknown_id_with_the_status_the_operation_declares() {
    let shared = shared(|state| state.instances = Instances::only([7]));
    let (status, body) = status_and_json(&shared, cancel(json!(8))).await;
    assert_eq!(status, 404);
    assert_eq!(body["msg"], "No such instance: 8 (dst_id).");
    // Cloud copy declares no 404: its 400, without `error`.
    let copy = r#"{"instance_id":"9","src":"/a","dst":"/b","selected":"1","transfer":"Instance To Cloud"}"#;
    let (status, body) = status_and_json(&shared, request("POST", CANCEL, copy)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"success": false, "msg": "No such instance: 9 (instance_id)."})
    );
    assert_eq!(status_and_json(&shared, cancel(json!(7))).await.0, 200);
}

#[tokio::test]
async fn a_rejected_fault_answers_success_false_after_the_checks_without_applying() {
    let shared =
        shared(|state| script(state, Operation::CancelSync, When::Always, Fault::Rejected));
    assert_eq!(status_and_json(&shared, cancel(json!("7"))).await.0, 400);
    let (status, body) = status_and_json(&shared, cancel(json!(7))).await;
    assert_eq!((status, &body["success"]), (200, &json!(false)));
    assert_eq!(applied(&shared), 0);
}

#[tokio::test]
async fn apply_links_the_record_where_the_spec_calls_for_a_result_link() {
    let shared = shared(|_| {});
    let copy = r#"{"instance_id":"9","src":"/a","dst":"/b","selected":"1","transfer":"Instance To Cloud"}"#;
    let (status, body) = status_and_json(&shared, request("POST", CANCEL, copy)).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["result_url"],
        "http://127.0.0.1:9/mock/results/cloud-copy-1.txt"
    );
    assert_eq!(applied(&shared), 1);
}

#[tokio::test]
async fn the_faults_after_applying_shape_the_answer() {
    let shared = shared(|state| {
        script(
            state,
            Operation::CancelSync,
            When::Nth(1),
            Fault::DropAfterApply,
        );
        script(
            state,
            Operation::CancelSync,
            When::Nth(2),
            Fault::MalformedJson,
        );
        script(
            state,
            Operation::CancelSync,
            When::Nth(3),
            Fault::DelayMidBody(Duration::ZERO),
        );
    });
    assert!(matches!(
        handle(cancel(json!(7)), &shared).await,
        Reply::Close
    ));
    let (_, _, malformed) = read(answer(handle(cancel(json!(7)), &shared).await)).await;
    assert!(serde_json::from_slice::<Value>(&malformed).is_err());
    let (status, _, whole) = read(answer(handle(cancel(json!(7)), &shared).await)).await;
    assert_eq!(status, 200);
    assert_eq!(&malformed[..], &whole[..malformed.len()]);
    assert_eq!(applied(&shared), 3);
}
