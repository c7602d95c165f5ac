//! The generic `Client::call` against `vast-mock`: any operation of the spec
//! runs through the same pipeline as the typed methods (retries decided by
//! the table's idempotency, errors naming the operation, the raw answer),
//! with typed bodies or JSON bodies through `vast_api::dynamic`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{client, client_on, failing_then_ok, virtual_retry};
use serde_json::json;
use vast_api_ext::vast_api::{dynamic, types};
use vast_api_ext::{ErrorKind, Operation};
use vast_mock::{Fault, MockServer, When};

/// The spec's valid request for `op`, naming instance 1.
fn body(op: Operation) -> serde_json::Value {
    vast_mock::spec::spec().valid_request(op, 1).unwrap()
}

#[tokio::test]
async fn a_typed_call_answers_with_the_decoded_value_and_the_body_as_received() {
    let server = common::answering(Fault::text(
        200,
        r#"{"success": true, "msg": "canceled", "extra": 1}"#,
    ))
    .await;
    let client = client(&server);
    let request = types::CancelSyncRequest::builder().dst_id(6003036);
    let reply = client
        .call(Operation::CancelSync, |generated| {
            generated.cancel_sync().body(request.clone()).send()
        })
        .await
        .unwrap();
    assert_eq!(reply.value.msg.as_deref(), Some("canceled"));
    assert_eq!(reply.attempts, 1);
    assert_eq!(
        reply.raw(),
        r#"{"success": true, "msg": "canceled", "extra": 1}"#
    );
    let sent: serde_json::Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert_eq!(sent, json!({"dst_id": 6003036}));
}

#[tokio::test]
async fn every_operation_is_retried_after_a_503_which_was_not_applied() {
    for op in Operation::ALL {
        let server = failing_then_ok(Fault::empty(503), 1).await;
        let (retry, clock) = virtual_retry();
        let client = client_on(&server, retry, &clock);
        let request = body(op);
        let reply = client
            .call(op, |generated| dynamic::send(generated, op, &request))
            .await
            .unwrap_or_else(|e| panic!("{op}: {e}"));
        assert_eq!(reply.attempts, 2, "{op}");
        assert_eq!(server.requests().len(), 2, "{op}");
    }
}

#[tokio::test]
async fn a_502_is_retried_only_for_an_idempotent_operation() {
    for op in Operation::ALL {
        let server = failing_then_ok(Fault::empty(502), 1).await;
        let (retry, clock) = virtual_retry();
        let client = client_on(&server, retry, &clock);
        let request = body(op);
        let result = client
            .call(op, |generated| dynamic::send(generated, op, &request))
            .await;
        if op.is_idempotent() {
            assert_eq!(result.unwrap().attempts, 2, "{op}");
        } else {
            // It may have been applied: sent once, and the error says so.
            let error = result.unwrap_err();
            assert!(
                matches!(error.kind(), ErrorKind::Api { status: 502, .. }),
                "{op}: {error}"
            );
            assert_eq!(error.operation(), Some(op));
            assert_eq!(error.attempts(), 1, "{op}");
            assert_eq!(server.requests().len(), 1, "{op}");
        }
    }
}

#[tokio::test]
async fn documented_errors_and_refusals_read_as_for_the_typed_methods() {
    let server = MockServer::start().await.unwrap();
    let client = client(&server);
    for op in Operation::ALL {
        server.fault(
            op,
            When::Always,
            Fault::json(200, json!({"success": false, "msg": "not now"})),
        );
        let request = body(op);
        let error = client
            .call(op, |generated| dynamic::send(generated, op, &request))
            .await
            .unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::Rejected { message } if message == "not now"),
            "{op}: {error}"
        );
        assert_eq!(error.operation(), Some(op));
    }
    // The mock's own 404 for an instance it does not know, through a typed
    // body: the API's error code and message.
    let server = MockServer::builder()
        .known_instances([7])
        .start()
        .await
        .unwrap();
    let client = common::client(&server);
    let request = types::CancelSyncRequest::builder().dst_id(99);
    let error = client
        .call(Operation::CancelSync, |generated| {
            generated.cancel_sync().body(request.clone()).send()
        })
        .await
        .unwrap_err();
    match error.kind() {
        ErrorKind::Api {
            status: 404,
            code,
            message,
        } => {
            assert_eq!(code.as_deref(), Some("no_such_instance"));
            assert!(!message.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_calls_through_the_same_pipeline() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(failing_then_ok(Fault::empty(503), 1));
    let client = vast_api_ext::blocking::Client::builder()
        .api_key(common::KEY)
        .base_url(server.uri())
        .retry(
            vast_api_ext::RetryConfig::standard()
                .with_backoff(std::time::Duration::ZERO, std::time::Duration::ZERO),
        )
        .build()
        .unwrap();
    let request = body(Operation::Copy);
    let reply = client
        .call(Operation::Copy, |generated| {
            dynamic::send(generated, Operation::Copy, &request)
        })
        .unwrap();
    assert_eq!(reply.attempts, 2);
    drop(runtime);
}
