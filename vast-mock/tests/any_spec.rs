//! The mock on a spec given at run time: an operation the generated
//! `Operation` does not have is routed, validated, answered from its
//! schemas, recorded and faulted with no code of its own.
#![allow(clippy::unwrap_used)]

mod common;

use common::{PING, PING_PATH, send, spec_with_ping};
use serde_json::json;
use std::io::ErrorKind;
use vast_mock::spec::Spec;
use vast_mock::{Fault, MockServer, Operation, When};

async fn mock_with_ping() -> MockServer {
    let spec = Spec::parse(&spec_with_ping()).unwrap();
    MockServer::builder()
        .spec(spec)
        .known_instances([1])
        .start()
        .await
        .unwrap()
}

async fn ping(mock: &MockServer, body: &str) -> common::Answer {
    let headers = [
        ("authorization", "Bearer test"),
        ("content-type", "application/json"),
    ];
    send(mock, "POST", PING_PATH, &headers, Some(body))
        .await
        .unwrap()
}

#[tokio::test]
async fn an_operation_without_a_variant_is_served_recorded_and_applied() {
    let mock = mock_with_ping().await;
    let op = mock.spec().operation(PING).unwrap();
    assert_eq!(op.operation(), None);
    assert_eq!(
        (op.method(), op.path(), op.name()),
        ("POST", PING_PATH, "ping instance")
    );
    assert_eq!(op.instance_fields(), ["instance_id"]);

    let answer = ping(&mock, r#"{"instance_id": 1}"#).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // No example: the envelope, shaped to the schema (the required `seq`
    // filled), `msg` the 200's description.
    assert_eq!(
        answer.json(),
        json!({"success": true, "msg": "Pinged.", "seq": 0})
    );
    mock.spec()
        .validate_response(PING, 200, &answer.json())
        .unwrap();

    let recorded = &mock.requests()[0];
    assert_eq!(recorded.operation, None);
    assert_eq!(recorded.operation_id.as_deref(), Some(PING));
    let applied = &mock.applied()[0];
    assert_eq!(
        (applied.operation, applied.operation_id.as_str()),
        (None, PING)
    );
    assert_eq!(applied.body, json!({"instance_id": 1}));
    assert_eq!((mock.request_count(PING), mock.applied_count(PING)), (1, 1));
    // The embedded operations are still there, still typed.
    assert_eq!(mock.request_count(Operation::Copy), 0);
    assert_eq!(
        common::call(&mock, Operation::CancelSync)
            .await
            .unwrap()
            .status,
        404,
        "cancel sync names instance 6003036, which this mock does not know"
    );
}

#[tokio::test]
async fn refusals_take_the_shape_the_operation_declares() {
    let mock = mock_with_ping().await;
    // Its 400 declares no `error` and requires `code`.
    let invalid = ping(&mock, r#"{"instance_id": "1"}"#).await;
    assert_eq!(invalid.status, 400);
    let body = invalid.json();
    assert_eq!(body["code"], "E_PING");
    assert_eq!(body["success"], false);
    assert!(body.get("error").is_none(), "{body}");
    assert!(
        body["msg"].as_str().unwrap().contains("instance_id"),
        "{body}"
    );
    mock.spec().validate_response(PING, 400, &body).unwrap();

    // An unknown instance: no 404 declared, so its 400.
    let unknown = ping(&mock, r#"{"instance_id": 2}"#).await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.json()["msg"]
            .as_str()
            .unwrap()
            .contains("No such instance: 2 (instance_id)")
    );
    mock.spec()
        .validate_response(PING, 400, &unknown.json())
        .unwrap();

    // No declared schema for 401: the full envelope.
    let anonymous = send(&mock, "POST", PING_PATH, &[], Some("{}"))
        .await
        .unwrap();
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["error"], "unauthorized");
    assert!(mock.applied().is_empty());
}

#[tokio::test]
async fn faults_and_counts_name_it_by_its_operation_id() {
    let mock = mock_with_ping().await;
    mock.fault(PING, When::Nth(1), Fault::status(503));
    assert_eq!(ping(&mock, r#"{"instance_id": 1}"#).await.status, 503);
    mock.fault_next(PING, Fault::Rejected);
    let rejected = ping(&mock, r#"{"instance_id": 1}"#).await;
    assert_eq!(rejected.status, 200);
    assert_eq!(rejected.json()["success"], false);
    assert!(
        rejected.json()["msg"]
            .as_str()
            .unwrap()
            .contains("ping instance")
    );
    assert_eq!(ping(&mock, r#"{"instance_id": 1}"#).await.status, 200);
    assert_eq!((mock.request_count(PING), mock.applied_count(PING)), (3, 1));
    mock.clear();
    assert_eq!(mock.request_count(PING), 0);
}

#[tokio::test]
async fn a_fault_for_an_operation_the_spec_lacks_is_refused() {
    let err = MockServer::builder()
        .fault("pingInstance", When::Always, Fault::status(500))
        .start()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(
        err.to_string().contains("no operation pingInstance"),
        "{err}"
    );
    assert_eq!(MockServer::start().await.unwrap().request_count(PING), 0);
}

#[tokio::test]
#[should_panic(expected = "the spec has no operation pingInstance")]
async fn a_misspelt_operation_id_panics_rather_than_script_nothing() {
    let mock = MockServer::start().await.unwrap();
    mock.fault(PING, When::Always, Fault::status(500));
}

#[test]
fn a_spec_the_mock_cannot_serve_is_refused_with_the_reason() {
    let refused = |edit: fn(&mut serde_json::Value), needle: &str| {
        let mut spec: serde_json::Value = serde_json::from_str(&spec_with_ping()).unwrap();
        edit(&mut spec);
        let err = Spec::parse(&spec.to_string()).unwrap_err().to_string();
        assert!(err.contains(needle), "{err}");
    };
    refused(
        |s| s["paths"]["/api/v0/commands/ping2/"] = s["paths"][PING_PATH].clone(),
        "operationId pingInstance is given twice",
    );
    refused(
        |s| {
            let copy = s["paths"]["/api/v0/commands/copy_direct/"]["put"].take();
            s["paths"]["/api/v0/commands/copy_direct/"] = json!({"post": copy});
        },
        "copy is POST /api/v0/commands/copy_direct/ in the spec, not PUT",
    );
    refused(
        |s| s["paths"][PING_PATH]["post"]["x-vast-instance-fields"] = json!(["dst_id"]),
        "instance field dst_id is not a property of the request",
    );
    refused(
        |s| s["paths"][PING_PATH]["post"]["operationId"] = json!(null),
        "no operationId",
    );
    assert!(
        Spec::parse("{")
            .unwrap_err()
            .to_string()
            .contains("not JSON")
    );
}
