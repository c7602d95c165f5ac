//! Request validation and the conformance of every answer the mock sends.
#![allow(clippy::unwrap_used)]

mod common;

use common::{call_with, exchange, raw_request, send};
use vast_mock::spec::{self, Violation};
use vast_mock::{Fault, MockServer, Operation};

#[test]
fn operations_match_the_spec() {
    for op in Operation::ALL {
        let routed = spec::spec().route(op.method(), op.path()).unwrap();
        assert_eq!(routed.operation(), Some(op));
        assert_eq!(routed.operation_id(), op.operation_id());
        assert_eq!((routed.method(), routed.path()), (op.method(), op.path()));
        assert_eq!(routed.instance_fields(), op.facts().instance_fields);
        let item = &spec::spec().document()["paths"][op.path()][op.method().to_lowercase()];
        assert_eq!(item["operationId"], op.operation_id());
    }
}

#[test]
fn openapi_nullable_becomes_a_type_array() {
    let schema = serde_json::json!({"type": "object", "properties": {
        "a": {"type": "string", "nullable": true, "example": "x"},
        "b": {"type": "string", "enum": ["x"], "nullable": true}
    }});
    let converted = spec::openapi_to_json_schema(&schema);
    assert_eq!(
        converted["properties"]["a"],
        serde_json::json!({"type": ["string", "null"]})
    );
    assert_eq!(
        converted["properties"]["b"]["enum"],
        serde_json::json!(["x", null])
    );
}

#[test]
fn validator_names_the_field_and_the_problem() {
    let path = Operation::Copy.path();
    let missing = spec::validate_request("PUT", path, &serde_json::json!({"src_path": "/a"}));
    assert_eq!(
        missing,
        Err(Violation::MissingField {
            field: "dst_path".into()
        })
    );
    let wrong = spec::validate_request(
        "PUT",
        path,
        &serde_json::json!({"src_path": "/a", "dst_path": "/b", "src_id": 5}),
    )
    .unwrap_err();
    assert_eq!(wrong.field(), Some("src_id"));
    assert!(
        wrong.message().contains("src_id") && wrong.message().contains("string"),
        "{wrong}"
    );
    let nested = spec::validate_request(
        "POST",
        Operation::CloudCopy.path(),
        &serde_json::json!({"flags": ["--ok", 3]}),
    )
    .unwrap_err();
    assert_eq!(nested.field(), Some("flags.1"));
    let root = spec::validate_request(
        "DELETE",
        Operation::CancelSync.path(),
        &serde_json::json!([]),
    )
    .unwrap_err();
    assert_eq!(root.status(), 400);
}

#[test]
fn validate_http_checks_headers_in_order() {
    let path = Operation::CancelSync.path();
    let body = br#"{"dst_id": 1}"#;
    let ok = spec::validate_http(
        "DELETE",
        path,
        Some("application/json; charset=utf-8"),
        Some("Bearer k"),
        body,
    );
    assert_eq!(ok.unwrap().0, Operation::CancelSync);
    let no_auth = spec::validate_http("DELETE", path, Some("application/json"), None, body);
    assert_eq!(no_auth.unwrap_err().status(), 401);
    let empty_key = spec::validate_http(
        "DELETE",
        path,
        Some("application/json"),
        Some("Bearer "),
        body,
    );
    assert_eq!(empty_key.unwrap_err().status(), 401);
    let basic = spec::validate_http(
        "DELETE",
        path,
        Some("application/json"),
        Some("Basic a2V5"),
        body,
    );
    assert_eq!(basic.unwrap_err().status(), 401);
    let text = spec::validate_http("DELETE", path, Some("text/plain"), Some("Bearer k"), body);
    assert!(matches!(
        text,
        Err(Violation::UnsupportedContentType { .. })
    ));
    let garbage = spec::validate_http(
        "DELETE",
        path,
        Some("application/json"),
        Some("Bearer k"),
        b"{",
    );
    assert!(matches!(garbage, Err(Violation::MalformedBody { .. })));
}

#[tokio::test]
async fn undeclared_method_is_405_with_allow() {
    let mock = MockServer::start().await.unwrap();
    let answer = send(&mock, "GET", Operation::CloudCopy.path(), &[], None)
        .await
        .unwrap();
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("DELETE, POST"));
    assert_eq!(allowed(Operation::CloudCopy.path()), "DELETE, POST");
    assert!(answer.json()["msg"].as_str().unwrap().contains("GET"));
    let answer = send(&mock, "POST", Operation::Copy.path(), &[], None)
        .await
        .unwrap();
    // copy's path: PUT, and any other operation the spec declares on it
    // (cancel copy's DELETE).
    assert_eq!(
        answer.header("allow"),
        Some(allowed(Operation::Copy.path()).as_str())
    );
    assert!(allowed(Operation::Copy.path()).contains("PUT"));
}

/// The methods the operation table declares on `path`, as `Allow` lists them.
fn allowed(path: &str) -> String {
    let mut methods: Vec<_> = Operation::ALL
        .iter()
        .filter(|op| op.path() == path)
        .map(|op| op.method())
        .collect();
    methods.sort_unstable();
    methods.join(", ")
}

#[tokio::test]
async fn unknown_path_is_404_json() {
    let mock = MockServer::start().await.unwrap();
    // The trailing slash is part of the path.
    let answer = send(&mock, "PUT", "/api/v0/commands/copy_direct", &[], None)
        .await
        .unwrap();
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["success"], false);
    assert!(
        answer.json()["msg"]
            .as_str()
            .unwrap()
            .contains("/api/v0/commands/copy_direct")
    );
}

/// Every combination the mock answers without a `Status` fault: what it
/// sends is either declared by the spec for that operation and status (and
/// then matches the schema), or one of the statuses the spec cannot declare,
/// in the shared error shape `{success:false, error, msg}`: 401 for auth, and
/// 413 and 431 for the mock's caps on the body and the header section (the
/// spec states no size limit, so it cannot declare their answers). The
/// others it cannot declare are tested on their own: 404 for an unknown path
/// and 405 (above), 429 for the rate limit (`tests/faults.rs`).
#[tokio::test]
async fn every_answer_conforms_to_the_spec() {
    const BODY_CAP: usize = 256;
    const HEADER_CAP: usize = 4096;
    let mock = MockServer::builder()
        .known_instances([1])
        .max_body_bytes(BODY_CAP as u64)
        .max_header_bytes(HEADER_CAP)
        .start()
        .await
        .unwrap();
    let bodies: &[(Operation, &str)] = &[
        (Operation::Copy, r#"{"src_path":"/a","dst_path":"/b"}"#),
        (
            Operation::Copy,
            r#"{"src_id":"1","dst_id":"1","src_path":"/a","dst_path":"/b"}"#,
        ),
        (
            Operation::Copy,
            r#"{"src_id":"2","src_path":"/a","dst_path":"/b"}"#,
        ),
        (Operation::Copy, r#"{"src_path":"/a"}"#),
        (Operation::Copy, r#"{"src_path":1,"dst_path":"/b"}"#),
        (Operation::CloudCopy, r#"{}"#),
        (Operation::CloudCopy, r#"{"instance_id":"1","flags":[]}"#),
        (Operation::CloudCopy, r#"{"instance_id":"2"}"#),
        (Operation::CloudCopy, r#"{"flags":"--dry-run"}"#),
        (Operation::CancelSync, r#"{"dst_id":1}"#),
        (Operation::CancelSync, r#"{"dst_id":2}"#),
        (Operation::CancelSync, r#"{"dst_id":"1"}"#),
        (Operation::CancelSync, r#"{}"#),
    ];
    let mut answers = Vec::new();
    for (op, body) in bodies {
        answers.push((*op, call_with(&mock, *op, body).await.unwrap()));
        answers.push((*op, call_with(&mock, *op, "not json").await.unwrap()));
        answers.push((*op, call_with(&mock, *op, "").await.unwrap()));
        let text = send(
            &mock,
            op.method(),
            op.path(),
            &[("authorization", "Bearer k")],
            Some(body),
        );
        answers.push((*op, text.await.unwrap()));
        let no_auth = send(
            &mock,
            op.method(),
            op.path(),
            &[("content-type", "application/json")],
            Some(body),
        );
        answers.push((*op, no_auth.await.unwrap()));
        mock.fault_next(*op, Fault::Rejected);
        answers.push((*op, call_with(&mock, *op, body).await.unwrap()));
        let padded = format!("{body:<width$}", width = BODY_CAP + 1);
        let too_long = raw_request(*op, &[], &padded);
        answers.push((*op, exchange(mock.addr(), too_long.as_bytes()).await));
        let filler = format!("x-filler: {}", "a".repeat(HEADER_CAP));
        let too_many_headers = raw_request(*op, &[filler], body);
        answers.push((
            *op,
            exchange(mock.addr(), too_many_headers.as_bytes()).await,
        ));
    }
    let mut statuses = std::collections::BTreeSet::new();
    for (op, answer) in &answers {
        statuses.insert(answer.status);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        let json = answer.json();
        let undeclared = match answer.status {
            401 => Some("unauthorized"),
            413 => Some("payload_too_large"),
            431 => Some("request_header_fields_too_large"),
            _ => None,
        };
        if let Some(code) = undeclared {
            assert_eq!(json["success"], false);
            assert_eq!(json["error"], code);
            assert!(json["msg"].is_string(), "{json}");
            continue;
        }
        if let Err(e) = spec::validate_response(*op, answer.status, &json) {
            panic!("{e}: {json}");
        }
    }
    // The scenarios above really reached every declared status.
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        [200, 400, 401, 404, 413, 431]
    );
}

#[test]
fn response_validation_refuses_wrong_shapes() {
    let bad = serde_json::json!({"success": "yes"});
    assert!(spec::validate_response(Operation::Copy, 200, &bad).is_err());
    assert!(spec::validate_response(Operation::CloudCopy, 404, &serde_json::json!({})).is_err());
    assert!(
        spec::validate_response(
            Operation::CloudCopy,
            200,
            &serde_json::json!({"result_url": "u"})
        )
        .is_ok()
    );
}

/// The mock's own paths (the result links it serves) live under `/mock/`,
/// which no path of the spec uses, so they can never shadow an operation.
#[test]
fn the_spec_has_no_path_under_mock() {
    let paths = spec::spec().document()["paths"].as_object().unwrap();
    assert!(!paths.is_empty());
    for path in paths.keys() {
        assert!(!path.starts_with("/mock/"), "{path}");
    }
}

/// Cloud copy's 200 has a string `result_url` and no example: the mock
/// links it. Copy's and cancel sync's 200s declare no `result_url`.
#[test]
fn result_links_are_given_where_the_spec_declares_them_without_example() {
    let spec = spec::spec();
    assert!(spec.gives_result_link(Operation::CloudCopy));
    assert!(!spec.gives_result_link(Operation::Copy));
    assert!(!spec.gives_result_link(Operation::CancelSync));
}
