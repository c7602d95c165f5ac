//! The server's answer as received on every outcome (`Outcome::raw`,
//! `CloudCopyOutcome::raw`, `Answer::raw`): the exact body of the successful
//! attempt, unknown fields, spacing and number spelling included, whether it
//! came in one piece or several, after a retry, or with bytes that are not
//! UTF-8.
#![allow(clippy::unwrap_used)]

mod common;

use common::{answering, builder, client, failing_then_ok};
use serde_json::json;
use std::time::Duration;
use vast_api_ext::{
    Answer, Client, CloudCopy, InstanceId, Location, Operation, Request, RetryConfig, Transfer,
};
use vast_mock::{Fault, MockServer, When};

/// A success body no serializer would write: odd spacing, a field the
/// spec does not declare, a number spelled `1.50`, a final newline.
const BODY: &str = "{ \"success\" : true, \"msg\":\"ok\",  \"extra_field\": 42, \"n\": 1.50, \"result_url\": \"https://r/1\" }\n";

/// One request of each operation.
fn requests() -> Vec<Request> {
    let loc = |text: &str| text.parse::<Location>().unwrap();
    vec![
        Request::Copy {
            src: loc("C.1:/a"),
            dst: loc("C.2:/b"),
        },
        Request::CloudCopy(
            CloudCopy::new(
                InstanceId::new(5).unwrap(),
                1004u64,
                Transfer::InstanceToCloud,
            )
            .src("/w"),
        ),
        Request::CancelSync(InstanceId::new(7).unwrap()),
    ]
}

/// The outcome of `request` by its typed method, as an `Answer`.
async fn typed(client: &Client, request: &Request) -> Answer {
    match request {
        Request::Copy { src, dst } => Answer::Copy(client.copy(src, dst).await.unwrap()),
        Request::CloudCopy(c) => Answer::CloudCopy(client.cloud_copy(c).await.unwrap()),
        Request::CancelSync(id) => Answer::CancelSync(client.cancel_sync(*id).await.unwrap()),
        other => panic!("add it: {other:?}"),
    }
}

#[tokio::test]
async fn every_outcome_holds_the_body_exactly_as_received() {
    let server = answering(Fault::text(200, BODY)).await;
    let client = client(&server);
    for request in requests() {
        for answer in [
            typed(&client, &request).await,
            client.send(&request).await.unwrap(),
        ] {
            assert_eq!(answer.raw(), BODY, "{request:?}");
            // The typed fields are read from the same body.
            assert_eq!(answer.message(), Some("ok"));
            let value = answer.raw_json().unwrap();
            assert_eq!(value["extra_field"], 42, "{request:?}");
            assert_eq!(value["n"], 1.5);
            // Borrowed from the outcome, not made on each call.
            assert!(matches!(answer.raw(), std::borrow::Cow::Borrowed(_)));
        }
    }
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn the_body_is_the_successful_attempts_own() {
    let server = failing_then_ok(
        Fault::text(503, r#"{"success":false,"msg":"busy","first":true}"#),
        1,
    )
    .await;
    let second = r#"{"success":true,"msg":"ok","second":true}"#;
    server.fault(
        Operation::CancelSync,
        When::From(2),
        Fault::text(200, second),
    );
    // No backoff (`rng = 0`): the retry needs no wait.
    let client = builder(&server)
        .retry(RetryConfig::standard())
        .rng(|| 0.0)
        .build()
        .unwrap();
    let outcome = client
        .cancel_sync(InstanceId::new(7).unwrap())
        .await
        .unwrap();
    assert_eq!(outcome.attempts, 2);
    assert_eq!(outcome.raw(), second);
}

#[tokio::test]
async fn a_body_received_in_pieces_is_kept_whole() {
    // The mock sends half the body, pauses, then the rest.
    let mock = MockServer::builder()
        .api_key(common::KEY)
        .fault(
            Operation::CancelSync,
            When::Always,
            Fault::DelayMidBody(Duration::from_millis(20)),
        )
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .api_key(common::KEY)
        .base_url(mock.uri())
        .build()
        .unwrap();
    let outcome = client
        .cancel_sync(InstanceId::new(7).unwrap())
        .await
        .unwrap();
    let expected = vast_mock::spec::spec()
        .success_body(Operation::CancelSync)
        .unwrap();
    // The mock writes its JSON values with `Value`'s `Display`.
    assert_eq!(outcome.raw(), expected.to_string());
    assert_eq!(outcome.raw_json().unwrap(), expected);
}

#[tokio::test]
async fn a_body_that_is_not_utf8_reads_lossily() {
    // wiremock, not vast-mock: a scripted body of vast-mock is text, and
    // this answer's bytes are not UTF-8.
    use wiremock::{Mock, ResponseTemplate, matchers::any};
    let server = wiremock::MockServer::start().await;
    let bytes: &[u8] = b"{\"success\":true,\"msg\":\"ok\",\"x\":\"\xff\"}";
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(bytes, "application/json"))
        .mount(&server)
        .await;
    let outcome = Client::builder()
        .api_key(common::KEY)
        .base_url(server.uri())
        .build()
        .unwrap()
        .cancel_sync(InstanceId::new(7).unwrap())
        .await
        .unwrap();
    assert_eq!(outcome.message.as_deref(), Some("ok"));
    assert_eq!(
        outcome.raw(),
        "{\"success\":true,\"msg\":\"ok\",\"x\":\"\u{FFFD}\"}"
    );
    assert_eq!(outcome.raw_json().unwrap()["x"], "\u{FFFD}");
}

#[test]
fn a_double_without_a_body_describes_its_fields() {
    let outcome = vast_api_ext::Outcome::new(Some("cancelled".into()), 1);
    assert_eq!(outcome.raw(), r#"{"msg":"cancelled","success":true}"#);
    assert_eq!(
        vast_api_ext::Outcome::new(None, 1).raw(),
        r#"{"success":true}"#
    );
    let cloud = vast_api_ext::CloudCopyOutcome::new(Some("m".into()), Some("u".into()), 1);
    assert_eq!(
        cloud.raw_json().unwrap(),
        json!({"success": true, "msg": "m", "result_url": "u"})
    );
    // With a body of its own, that body, as given.
    let answer = Answer::CloudCopy(cloud.with_raw(BODY));
    assert_eq!(answer.raw(), BODY);
    assert_eq!(answer.result_url(), Some("u"));
}
