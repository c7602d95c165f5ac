//! Helpers shared by the mock's own tests: a raw HTTP client that sends exactly what it is told.
#![allow(dead_code)] // each test file uses its own subset

use serde_json::Value;
use vast_mock::{MockServer, Operation};

/// One answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends a request with the given method, path, headers and body.
pub async fn send(
    mock: &MockServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<Answer, reqwest::Error> {
    let client = reqwest::Client::builder().build()?;
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.request(method, format!("{}{path}", mock.uri()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_owned());
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await?;
    Ok(Answer {
        status,
        headers,
        text,
    })
}

/// A valid request body for each operation.
pub fn valid_body(op: Operation) -> &'static str {
    match op {
        Operation::Copy => {
            r#"{"src_id":"11824","dst_id":"6003036","src_path":"/data/","dst_path":"/workspace/"}"#
        }
        Operation::CloudCopy => {
            r#"{"instance_id":"11824","src":"/data","dst":"/backup","selected":"1004","transfer":"Instance To Cloud","flags":["--dry-run"]}"#
        }
        Operation::CancelSync => r#"{"dst_id":6003036}"#,
        other => panic!("no valid body for {other} yet; add one"),
    }
}

/// Sends a valid, authorized request for `op`.
pub async fn call(mock: &MockServer, op: Operation) -> Result<Answer, reqwest::Error> {
    call_with(mock, op, valid_body(op)).await
}

/// Sends an authorized JSON request for `op` with this body.
pub async fn call_with(
    mock: &MockServer,
    op: Operation,
    body: &str,
) -> Result<Answer, reqwest::Error> {
    send(
        mock,
        op.method(),
        op.path(),
        &[
            ("authorization", "Bearer test"),
            ("content-type", "application/json"),
        ],
        Some(body),
    )
    .await
}
