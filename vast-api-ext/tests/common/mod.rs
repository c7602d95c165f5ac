//! Shared helpers for the integration tests: clients pointed at a local wiremock server.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;
use vast_api_ext::{Client, RetryConfig, VirtualClock};
use wiremock::MockServer;

/// The key every test client uses; tests assert where it appears.
pub const KEY: &str = "tEsT-kEy-5ecret-0123456789";

pub const COPY_PATH: &str = "/api/v0/commands/copy_direct/";
pub const RCLONE_PATH: &str = "/api/v0/commands/rclone/";

/// A client for `server` with retries off.
pub fn client(server: &MockServer) -> Client {
    client_with(server, RetryConfig::disabled())
}

/// A client for `server` with the given retry policy.
pub fn client_with(server: &MockServer, retry: RetryConfig) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .user_agent_suffix("ext-tests/1.0")
        .timeout(Duration::from_secs(10))
        .retry(retry)
        .build()
        .unwrap()
}

/// The standard policy on a virtual clock with no jitter (`rng = 1.0`), so
/// waits are the full backoff and nothing really sleeps.
pub fn virtual_retry() -> (RetryConfig, Arc<VirtualClock>) {
    let clock = Arc::new(VirtualClock::new());
    let retry = RetryConfig::standard()
        .with_clock(clock.clone())
        .with_rng(|| 1.0);
    (retry, clock)
}

/// A JSON success answer.
pub fn ok_json(body: serde_json::Value) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_json(body)
}

/// Checks a received request against the merged spec (`vast_api::SPEC`): the
/// path and method exist, and the JSON body has every required property, no
/// undeclared one, and the declared types. The bodies here are flat objects,
/// so this small checker covers the schema keywords they use.
pub fn assert_valid_request(request: &wiremock::Request) {
    let spec: serde_json::Value = serde_json::from_str(vast_api::SPEC).unwrap();
    let method = request.method.as_str().to_ascii_lowercase();
    let operation = &spec["paths"][request.url.path()][method.as_str()];
    assert!(
        operation.is_object(),
        "{method} {} is not in the spec",
        request.url.path()
    );
    let schema_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap();
    let name = schema_ref.trim_start_matches("#/components/schemas/");
    let schema = &spec["components"]["schemas"][name];
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    let body = body.as_object().expect("the body is a JSON object");
    for required in schema["required"].as_array().into_iter().flatten() {
        let required = required.as_str().unwrap();
        assert!(body.contains_key(required), "{name}: `{required}` missing");
    }
    for (key, value) in body {
        let declared = &schema["properties"][key];
        assert!(declared.is_object(), "{name}: `{key}` is not declared");
        let ok = match declared["type"].as_str().unwrap() {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "boolean" => value.is_boolean(),
            "array" => value.as_array().is_some_and(|items| {
                items
                    .iter()
                    .all(|i| declared["items"]["type"] != "string" || i.is_string())
            }),
            other => panic!("{name}: type {other} not handled by this checker"),
        };
        assert!(ok, "{name}: `{key}` = {value} has the wrong type");
    }
}
