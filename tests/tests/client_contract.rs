//! The generated `vast-api` client against the in-process mock: every request
//! it sends for generated inputs conforms to the spec, is applied as sent, and
//! every answer decodes.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;
use vast_api::types;
use vast_mock::{MockServer, Operation, spec};

const API_KEY: &str = "contract-test-key";

/// Calls `op` with a body deserialized from `body` (through
/// `vast_api::dynamic`, the operation's generated call); returns the request
/// body as the client's type serializes it and the decoded 200 answer,
/// re-encoded.
async fn call(
    client: &vast_api::Client,
    op: Operation,
    body: &Value,
) -> Result<(Value, Value), String> {
    let request = vast_api::dynamic::round_trip(op.facts().request_schema, body)
        .ok_or_else(|| format!("{op}: its request type is not generated"))?
        .map_err(|e| format!("generated body does not fit the type: {e}"))?;
    let answer = vast_api::dynamic::send(client, op, body)
        .await
        .map_err(|e| e.to_string())?;
    Ok((request, answer.into_inner()))
}

fn client_requests_conform(op: Operation) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mock = runtime.block_on(MockServer::start()).unwrap();
    let client = vast_api::Client::with_api_key(&mock.uri(), API_KEY).unwrap();
    let spec = spec::spec();
    let strategy = tests::arb_json(spec.request_schema(op).unwrap(), spec.document());
    let config = Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&strategy, |body| {
        mock.clear();
        let (sent, answer) = runtime
            .block_on(call(&client, op, &body))
            .map_err(TestCaseError::fail)?;

        let requests = mock.requests();
        prop_assert_eq!(requests.len(), 1);
        let request = &requests[0];
        let checked = spec::validate_http(
            &request.method,
            &request.path,
            request.header("content-type"),
            request.header("authorization"),
            &request.body,
        );
        let (routed, on_the_wire) =
            checked.map_err(|v| TestCaseError::fail(format!("mock refused: {v}")))?;
        prop_assert_eq!(routed, op);
        prop_assert_eq!(&on_the_wire, &sent);
        // The key travels only in the Authorization header.
        let expected = format!("Bearer {API_KEY}");
        prop_assert_eq!(request.header("authorization"), Some(expected.as_str()));
        prop_assert!(request.query.is_none());
        prop_assert!(!String::from_utf8_lossy(&request.body).contains(API_KEY));

        let applied = mock.applied();
        prop_assert_eq!(applied.len(), 1);
        prop_assert_eq!(&applied[0].body, &sent);
        spec::validate_response(op, 200, &answer)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(answer.get("success"), Some(&Value::Bool(true)));
        Ok(())
    });
    if let Err(e) = result {
        panic!("{op}: {e}");
    }
}

#[test]
fn copy_requests_from_the_client_conform_and_are_applied_as_sent() {
    client_requests_conform(Operation::Copy);
}

#[test]
fn cloud_copy_requests_from_the_client_conform_and_are_applied_as_sent() {
    client_requests_conform(Operation::CloudCopy);
}

#[test]
fn cancel_sync_requests_from_the_client_conform_and_are_applied_as_sent() {
    client_requests_conform(Operation::CancelSync);
}

#[tokio::test]
async fn cancel_sync_sends_integer_dst_id() {
    let mock = MockServer::start().await.unwrap();
    let client = vast_api::Client::with_api_key(&mock.uri(), API_KEY).unwrap();
    client
        .cancel_sync()
        .body(types::CancelSyncRequest::builder().dst_id(6003036))
        .send()
        .await
        .unwrap();
    assert_eq!(
        mock.requests()[0].json().unwrap(),
        serde_json::json!({"dst_id": 6003036})
    );
}

#[tokio::test]
async fn unknown_instance_decodes_as_the_spec_404() {
    let mock = MockServer::builder()
        .known_instances([1])
        .start()
        .await
        .unwrap();
    let client = vast_api::Client::with_api_key(&mock.uri(), API_KEY).unwrap();
    let error = client
        .cancel_sync()
        .body(types::CancelSyncRequest::builder().dst_id(2))
        .send()
        .await
        .unwrap_err();
    let vast_api::Error::ErrorResponse(answer) = error else {
        panic!("expected the spec's 404, got {error:?}");
    };
    assert_eq!(answer.status().as_u16(), 404);
    assert_eq!(
        answer.into_inner().error.as_deref(),
        Some("no_such_instance")
    );
    assert!(mock.applied().is_empty());
}
