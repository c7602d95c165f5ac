//! `Request` and `Client::send` against `vast-mock`: for each operation the
//! body `Request::body` reports is exactly the body the mock received, and
//! `send` answers as the typed method does.
#![allow(clippy::unwrap_used)]

use serde_json::json;
use vast_api_ext::{Answer, Client, CloudCopy, InstanceId, Operation, Request, Transfer};
use vast_mock::MockServer;

const KEY: &str = "send-test-key-0123456789";

/// One request of each operation (cloud copy with and without flags).
fn requests() -> Vec<Request> {
    vec![
        Request::Copy {
            src: "C.6003036:/workspace/data/".parse().unwrap(),
            dst: "7001234:/workspace/".parse().unwrap(),
        },
        Request::CloudCopy(
            CloudCopy::new(
                InstanceId::new(6003036).unwrap(),
                1004u64,
                Transfer::InstanceToCloud,
            )
            .src("/workspace/results")
            .dst("bucket/results")
            .size_only(true)
            .extra_flag("--transfers=8"),
        ),
        Request::CloudCopy(
            CloudCopy::new(
                InstanceId::new(5).unwrap(),
                1001u64,
                Transfer::CloudToInstance,
            )
            .src("bucket/data"),
        ),
        Request::CancelSync(InstanceId::new(6003036).unwrap()),
    ]
}

/// A mock that knows every instance, and a client of it.
async fn mock_and_client() -> (MockServer, Client) {
    let mock = MockServer::builder().api_key(KEY).start().await.unwrap();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(mock.uri())
        .build()
        .unwrap();
    (mock, client)
}

#[tokio::test]
async fn the_reported_body_is_the_body_the_mock_receives() {
    let (mock, client) = mock_and_client().await;
    for request in requests() {
        mock.clear();
        let answer = client.send(&request).await.unwrap();
        let received = mock.requests();
        assert_eq!(received.len(), 1, "{request:?}");
        assert_eq!(received[0].operation, Some(request.operation()));
        assert_eq!(received[0].method, request.operation().method());
        assert_eq!(received[0].path, request.operation().path());
        assert_eq!(
            received[0].json().unwrap(),
            request.body().unwrap(),
            "{request:?}"
        );
        assert_eq!(mock.applied().len(), 1);
        assert_eq!(answer.attempts(), 1);
        match (&request, &answer) {
            (Request::Copy { .. }, Answer::Copy(o))
            | (Request::CancelSync(_), Answer::CancelSync(o)) => {
                assert_eq!(answer.message(), o.message.as_deref());
                assert!(answer.message().is_some());
                assert_eq!(answer.result_url(), None);
            }
            (Request::CloudCopy(_), Answer::CloudCopy(o)) => {
                assert_eq!(answer.result_url(), o.result_url.as_deref());
                assert!(answer.result_url().is_some());
            }
            other => panic!("answer of the wrong kind: {other:?}"),
        }
    }
}

#[tokio::test]
async fn send_refuses_what_the_typed_method_refuses_before_any_io() {
    let (mock, client) = mock_and_client().await;
    // An id cancel sync cannot send (its `dst_id` is an `i64`).
    let bad = Request::CancelSync(InstanceId::new(u64::MAX).unwrap());
    assert!(bad.body().is_err());
    let error = client.send(&bad).await.unwrap_err();
    assert!(matches!(
        error.kind(),
        vast_api_ext::ErrorKind::InvalidInput(_)
    ));
    assert!(mock.requests().is_empty());
    assert_eq!(
        Request::CancelSync(InstanceId::new(7).unwrap())
            .body()
            .unwrap(),
        json!({"dst_id": 7})
    );
    assert_eq!(
        Request::CancelSync(InstanceId::new(7).unwrap()).operation(),
        Operation::CancelSync
    );
}
