//! Scripted faults, recordings, known instances and the rate limit, through raw HTTP.
#![allow(clippy::unwrap_used)]

mod common;

use common::{call, call_with, send};
use std::time::{Duration, SystemTime};
use vast_mock::{Fault, MockServer, Operation, When};

#[tokio::test]
async fn valid_requests_are_applied_and_answered_with_the_spec_example() {
    let mock = MockServer::start().await.unwrap();
    let answer = call(&mock, Operation::Copy).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let expected = vast_mock::spec::spec()
        .example(Operation::Copy, 200)
        .unwrap();
    assert_eq!(&answer.json(), expected);
    let applied = mock.applied();
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].operation, Some(Operation::Copy));
    assert_eq!(applied[0].operation_id, "copy");
    assert_eq!(applied[0].body["dst_path"], "/workspace/");
    assert_eq!(applied[0].nth, 1);
}

#[tokio::test]
async fn cloud_copy_answer_is_synthesized_with_a_result_url() {
    let mock = MockServer::start().await.unwrap();
    let answer = call(&mock, Operation::CloudCopy).await.unwrap().json();
    assert_eq!(answer["success"], true);
    // Cloud copy's 200 has no example: the body is built from its schema,
    // `msg` being the 200's description.
    assert_eq!(
        answer["msg"],
        "Cloud copy operation initiated successfully."
    );
    assert!(
        answer["result_url"]
            .as_str()
            .unwrap()
            .starts_with(&mock.uri())
    );
}

/// The link a cloud copy hands out is served by the mock: the applied
/// operation's record as JSON (no key needed, as for Vast's result links); a
/// result it does not know is a JSON 404.
#[tokio::test]
async fn the_result_link_of_a_cloud_copy_is_served() {
    let mock = MockServer::start().await.unwrap();
    call(&mock, Operation::CloudCopy).await.unwrap();
    let answer = call(&mock, Operation::CloudCopy).await.unwrap().json();
    let link = answer["result_url"].as_str().unwrap();
    let record = reqwest::get(link).await.unwrap();
    assert_eq!(record.status(), 200);
    assert_eq!(
        record.headers()["content-type"],
        "application/json",
        "{link}"
    );
    let record: serde_json::Value = record.json().await.unwrap();
    let applied = &mock.applied()[1];
    assert_eq!(record["operation"], "cloudCopy");
    assert_eq!(record["nth"], 2);
    assert_eq!(record["body"], applied.body);
    assert_eq!(
        record["applied_at"],
        httpdate::fmt_http_date(applied.applied_at)
    );

    let unknown = link.replace("-2.txt", "-3.txt");
    let missing = reqwest::get(&unknown).await.unwrap();
    assert_eq!(missing.status(), 404);
    let missing: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(missing["success"], false);
    assert_eq!(missing["error"], "not_found");
}

/// A mock that keeps no records has nothing to serve, so it gives no link
/// (the spec makes `result_url` optional).
#[tokio::test]
async fn a_mock_that_keeps_no_records_gives_no_result_link() {
    let mock = MockServer::builder().max_recorded(0).start().await.unwrap();
    let answer = call(&mock, Operation::CloudCopy).await.unwrap().json();
    assert_eq!(answer["success"], true);
    assert!(answer.get("result_url").is_none(), "{answer}");
    assert_eq!(mock.applied_count(Operation::CloudCopy), 1);
}

#[tokio::test]
async fn requests_are_recorded_with_method_path_headers_and_body() {
    let mock = MockServer::start().await.unwrap();
    call(&mock, Operation::CancelSync).await.unwrap();
    send(&mock, "GET", "/nowhere?x=1", &[], None).await.unwrap();
    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(first.method, "DELETE");
    assert_eq!(first.path, "/api/v0/commands/rclone/");
    assert_eq!(first.header("Authorization"), Some("Bearer test"));
    assert_eq!(first.json().unwrap()["dst_id"], 6003036);
    assert_eq!(first.operation, Some(Operation::CancelSync));
    assert_eq!(first.operation_id.as_deref(), Some("cancelSync"));
    assert!(first.received_at <= SystemTime::now());
    assert_eq!(requests[1].operation, None);
    assert_eq!(requests[1].operation_id, None);
    assert_eq!(requests[1].query.as_deref(), Some("x=1"));
    assert_eq!(mock.request_count(Operation::CancelSync), 1);

    mock.clear();
    assert!(mock.requests().is_empty());
    assert!(mock.applied().is_empty());
    assert_eq!(mock.request_count(Operation::CancelSync), 0);
}

#[tokio::test]
async fn status_fault_hits_only_the_nth_request_and_carries_retry_after_seconds() {
    let mock = MockServer::start().await.unwrap();
    mock.fault(
        Operation::Copy,
        When::Nth(2),
        Fault::too_many_requests().with_retry_after_secs(7),
    );
    assert_eq!(call(&mock, Operation::Copy).await.unwrap().status, 200);
    let limited = call(&mock, Operation::Copy).await.unwrap();
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("7"));
    assert!(
        limited
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(limited.text.contains("API requests too frequent"));
    // Other operations are counted separately.
    assert_eq!(
        call(&mock, Operation::CancelSync).await.unwrap().status,
        200
    );
    assert_eq!(
        call(&mock, Operation::CancelSync).await.unwrap().status,
        200
    );
    assert_eq!(call(&mock, Operation::Copy).await.unwrap().status, 200);
    assert_eq!(mock.applied_count(Operation::Copy), 2);
}

#[tokio::test]
async fn status_fault_with_http_date_and_json_body() {
    let mock = MockServer::start().await.unwrap();
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let body = serde_json::json!({"success": false, "error": "busy", "msg": "later"});
    mock.fault_next(
        Operation::CancelSync,
        Fault::json(503, body.clone()).with_retry_after_date(at),
    );
    let answer = call(&mock, Operation::CancelSync).await.unwrap();
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json(), body);
    let date = answer.header("retry-after").unwrap();
    assert_eq!(httpdate::parse_http_date(date).unwrap(), at);
    assert_eq!(mock.applied_count(Operation::CancelSync), 0);
}

#[tokio::test]
async fn when_from_and_matching_select_requests() {
    let mock = MockServer::start().await.unwrap();
    mock.fault(Operation::Copy, When::From(3), Fault::status(500));
    mock.fault(
        Operation::CancelSync,
        When::matching(|n| n % 2 == 0),
        Fault::status(502),
    );
    let mut copy = Vec::new();
    let mut cancel = Vec::new();
    for _ in 0..4 {
        copy.push(call(&mock, Operation::Copy).await.unwrap().status);
        cancel.push(call(&mock, Operation::CancelSync).await.unwrap().status);
    }
    assert_eq!(copy, [200, 200, 500, 500]);
    assert_eq!(cancel, [200, 502, 200, 502]);
    mock.clear_faults();
    assert_eq!(call(&mock, Operation::Copy).await.unwrap().status, 200);
}

#[tokio::test]
async fn drop_before_answer_closes_without_applying() {
    let mock = MockServer::start().await.unwrap();
    mock.fault_next(Operation::CloudCopy, Fault::DropBeforeAnswer);
    let error = call(&mock, Operation::CloudCopy).await.unwrap_err();
    assert!(!error.is_timeout(), "{error}");
    assert_eq!(mock.request_count(Operation::CloudCopy), 1);
    assert_eq!(mock.applied_count(Operation::CloudCopy), 0);
    // The next connection is served normally.
    assert_eq!(call(&mock, Operation::CloudCopy).await.unwrap().status, 200);
}

#[tokio::test]
async fn drop_after_apply_closes_after_applying() {
    let mock = MockServer::start().await.unwrap();
    mock.fault_next(Operation::CloudCopy, Fault::DropAfterApply);
    call(&mock, Operation::CloudCopy).await.unwrap_err();
    assert_eq!(mock.applied_count(Operation::CloudCopy), 1);
    assert_eq!(mock.applied()[0].operation, Some(Operation::CloudCopy));
}

#[tokio::test]
async fn malformed_json_is_applied_and_does_not_parse() {
    let mock = MockServer::start().await.unwrap();
    mock.fault_next(Operation::Copy, Fault::MalformedJson);
    let answer = call(&mock, Operation::Copy).await.unwrap();
    assert_eq!(answer.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&answer.text).is_err());
    assert_eq!(mock.applied_count(Operation::Copy), 1);
}

#[tokio::test]
async fn rejected_answers_success_false_without_applying() {
    let mock = MockServer::start().await.unwrap();
    mock.fault_next(Operation::CloudCopy, Fault::Rejected);
    let answer = call(&mock, Operation::CloudCopy).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["success"], false);
    assert!(answer.json()["msg"].is_string());
    assert_eq!(mock.applied_count(Operation::CloudCopy), 0);
}

#[tokio::test]
async fn delay_headers_times_out_a_short_client_but_applies() {
    let mock = MockServer::start().await.unwrap();
    mock.fault_next(
        Operation::Copy,
        Fault::DelayHeaders(Duration::from_secs(30)),
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = client
        .put(format!("{}{}", mock.uri(), Operation::Copy.path()))
        .header("authorization", "Bearer k")
        .header("content-type", "application/json")
        .body(common::valid_body(Operation::Copy))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert_eq!(mock.applied_count(Operation::Copy), 1);
}

#[tokio::test]
async fn delay_mid_body_sends_headers_then_stalls_the_body() {
    let mock = MockServer::start().await.unwrap();
    mock.fault_next(
        Operation::CancelSync,
        Fault::DelayMidBody(Duration::from_secs(30)),
    );
    let client = reqwest::Client::builder()
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut response = client
        .delete(format!("{}{}", mock.uri(), Operation::CancelSync.path()))
        .header("authorization", "Bearer k")
        .header("content-type", "application/json")
        .body(common::valid_body(Operation::CancelSync))
        .send()
        .await
        .unwrap();
    // Headers arrived, then the first part of the body, then the body stalls.
    assert_eq!(response.status().as_u16(), 200);
    let first = response.chunk().await.unwrap().unwrap();
    assert!(!first.is_empty());
    let expected = vast_mock::spec::spec()
        .example(Operation::CancelSync, 200)
        .unwrap()
        .to_string();
    assert!(
        first.len() < expected.len() && expected.as_bytes().starts_with(&first),
        "{first:?} is not a strict prefix of {expected:?}"
    );
    let error = response.chunk().await.unwrap_err();
    assert!(
        error.is_timeout() || error.is_body() || error.is_decode(),
        "{error}"
    );
    assert_eq!(mock.applied_count(Operation::CancelSync), 1);
}

#[tokio::test]
async fn delay_mid_body_with_a_short_pause_delivers_the_whole_body() {
    let mock = MockServer::start().await.unwrap();
    mock.fault_next(
        Operation::CancelSync,
        Fault::DelayMidBody(Duration::from_millis(1)),
    );
    let answer = call(&mock, Operation::CancelSync).await.unwrap();
    let expected = vast_mock::spec::spec()
        .example(Operation::CancelSync, 200)
        .unwrap();
    assert_eq!(&answer.json(), expected);
}

#[tokio::test]
async fn unknown_instances_get_the_spec_404_and_are_not_applied() {
    let mock = MockServer::builder()
        .known_instances([11824, 6003036])
        .start()
        .await
        .unwrap();
    assert_eq!(call(&mock, Operation::Copy).await.unwrap().status, 200);
    let answer = call_with(&mock, Operation::CancelSync, r#"{"dst_id": 5}"#)
        .await
        .unwrap();
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["error"], "no_such_instance");
    assert!(answer.json()["msg"].as_str().unwrap().contains('5'));
    let copy = r#"{"src_id":"11824","dst_id":"77","src_path":"/a","dst_path":"/b"}"#;
    let answer = call_with(&mock, Operation::Copy, copy).await.unwrap();
    assert_eq!(answer.status, 404);
    assert!(answer.json()["msg"].as_str().unwrap().contains("dst_id"));
    // Cloud copy declares no 404: its 400 `{success, msg}` it is.
    let answer = call_with(&mock, Operation::CloudCopy, r#"{"instance_id":"9"}"#)
        .await
        .unwrap();
    assert_eq!(answer.status, 400);
    assert!(answer.json().get("error").is_none());
    assert_eq!(mock.applied().len(), 1);
}

#[tokio::test]
async fn min_interval_answers_plain_text_429_with_retry_after() {
    let mock = MockServer::builder()
        .min_interval(Operation::CloudCopy, Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    assert_eq!(call(&mock, Operation::CloudCopy).await.unwrap().status, 200);
    let limited = call(&mock, Operation::CloudCopy).await.unwrap();
    assert_eq!(limited.status, 429);
    assert!(
        limited
            .text
            .starts_with("API requests too frequent, endpoint POST /api/v0/commands/rclone/")
    );
    let seconds: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((3000..=3600).contains(&seconds), "{seconds}");
    // Other endpoints and other keys are not limited.
    assert_eq!(
        call(&mock, Operation::CancelSync).await.unwrap().status,
        200
    );
    let other_key = send(
        &mock,
        "POST",
        Operation::CloudCopy.path(),
        &[
            ("authorization", "Bearer other"),
            ("content-type", "application/json"),
        ],
        Some("{}"),
    )
    .await
    .unwrap();
    assert_eq!(other_key.status, 200);
    assert_eq!(mock.applied_count(Operation::CloudCopy), 2);
    mock.set_min_interval(Operation::CloudCopy, None);
    assert_eq!(call(&mock, Operation::CloudCopy).await.unwrap().status, 200);
}

#[tokio::test]
async fn min_interval_429_can_omit_retry_after_as_vast_does() {
    let mock = MockServer::builder()
        .min_interval(Operation::CloudCopy, Duration::from_secs(3600))
        .rate_limit_retry_after(false)
        .start()
        .await
        .unwrap();
    assert_eq!(call(&mock, Operation::CloudCopy).await.unwrap().status, 200);
    let limited = call(&mock, Operation::CloudCopy).await.unwrap();
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), None);
    assert_eq!(mock.applied_count(Operation::CloudCopy), 1);
}

#[tokio::test]
async fn configured_api_key_refuses_other_keys() {
    let mock = MockServer::builder()
        .api_key("right")
        .start()
        .await
        .unwrap();
    let wrong = call(&mock, Operation::CancelSync).await.unwrap();
    assert_eq!(wrong.status, 401);
    assert!(wrong.json()["msg"].as_str().unwrap().contains("not valid"));
    let right = send(
        &mock,
        "DELETE",
        Operation::CancelSync.path(),
        &[
            ("authorization", "Bearer right"),
            ("content-type", "application/json"),
        ],
        Some(r#"{"dst_id":1}"#),
    )
    .await
    .unwrap();
    assert_eq!(right.status, 200);
}

#[tokio::test]
async fn max_recorded_keeps_the_latest_but_counts_all() {
    let mock = MockServer::builder().max_recorded(2).start().await.unwrap();
    for _ in 0..5 {
        call(&mock, Operation::CancelSync).await.unwrap();
    }
    let requests = mock.requests();
    assert_eq!(requests.iter().map(|r| r.nth).collect::<Vec<_>>(), [4, 5]);
    assert_eq!(mock.applied().len(), 2);
    assert_eq!(mock.applied_count(Operation::CancelSync), 5);
}
