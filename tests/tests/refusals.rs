//! Requests the mock must refuse, from `tests/fixtures/refusals.json`: the
//! right status, the spec's body shape, and a message naming the problem.
//! None of them is applied.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use vast_mock::MockServer;

const FIXTURES: &str = include_str!("../fixtures/refusals.json");

fn fixture(name: &str) -> Value {
    let all: Value = serde_json::from_str(FIXTURES).unwrap();
    all.get(name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
        .clone()
}

/// Sends the fixture's request to a fresh mock and checks the answer against it.
async fn refused_as_described(name: &str) {
    let case = fixture(name);
    let mock = MockServer::start().await.unwrap();
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(case["method"].as_str().unwrap().as_bytes()).unwrap();
    let mut request = client
        .request(
            method,
            format!("{}{}", mock.uri(), case["path"].as_str().unwrap()),
        )
        .body(case["body"].as_str().unwrap().to_owned());
    for (header, value) in case["headers"].as_object().unwrap() {
        request = request.header(header.as_str(), value.as_str().unwrap());
    }
    let response = request.send().await.unwrap();

    assert_eq!(
        u64::from(response.status().as_u16()),
        case["status"].as_u64().unwrap(),
        "{name}"
    );
    let allow = response
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        allow.as_deref(),
        case.get("allow").and_then(Value::as_str),
        "{name}: Allow"
    );
    let body: Value = response.json().await.unwrap();
    for (field, expected) in case["json"].as_object().unwrap() {
        assert_eq!(&body[field], expected, "{name}: {field} in {body}");
    }
    for field in case
        .get("absent")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        assert!(
            body.get(field.as_str().unwrap()).is_none(),
            "{name}: {field} in {body}"
        );
    }
    let msg = body["msg"].as_str().unwrap();
    for part in case["msg_contains"].as_array().unwrap() {
        assert!(
            msg.contains(part.as_str().unwrap()),
            "{name}: {msg:?} lacks {part}"
        );
    }
    assert!(mock.applied().is_empty(), "{name}: refused yet applied");
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn wrong_field_type_is_400_naming_the_field() {
    refused_as_described("wrong_field_type").await;
}

#[tokio::test]
async fn wrong_field_type_in_cloud_copy_is_its_own_400_shape() {
    refused_as_described("wrong_field_type_cloud_copy").await;
}

#[tokio::test]
async fn missing_required_field_is_400_naming_the_field() {
    refused_as_described("missing_required_field").await;
}

#[tokio::test]
async fn missing_authorization_is_401_with_a_json_body() {
    refused_as_described("missing_authorization").await;
}

#[tokio::test]
async fn empty_bearer_key_is_401() {
    refused_as_described("empty_bearer_key").await;
}

#[tokio::test]
async fn wrong_content_type_is_400() {
    refused_as_described("wrong_content_type").await;
}

#[tokio::test]
async fn body_that_is_not_json_is_400() {
    refused_as_described("body_not_json").await;
}

#[tokio::test]
async fn undeclared_method_is_405_with_allow() {
    refused_as_described("undeclared_method").await;
}

#[tokio::test]
async fn unknown_path_is_404() {
    refused_as_described("unknown_path").await;
}

#[test]
fn every_fixture_has_a_test() {
    let source = include_str!("refusals.rs");
    let all: Value = serde_json::from_str(FIXTURES).unwrap();
    for name in all.as_object().unwrap().keys() {
        assert!(
            source.contains(&format!("refused_as_described(\"{name}\")")),
            "fixture {name} is never run"
        );
    }
}
