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

/// A valid request body for each operation: written out for the three
/// the tests were written with, and the spec's own for any other
/// ([`vast_mock::spec::Spec::valid_request`]), so an operation added to the
/// spec is covered with no edit here.
pub fn valid_body(op: Operation) -> String {
    String::from(match op {
        Operation::Copy => {
            r#"{"src_id":"11824","dst_id":"6003036","src_path":"/data/","dst_path":"/workspace/"}"#
        }
        Operation::CloudCopy => {
            r#"{"instance_id":"11824","src":"/data","dst":"/backup","selected":"1004","transfer":"Instance To Cloud","flags":["--dry-run"]}"#
        }
        Operation::CancelSync => r#"{"dst_id":6003036}"#,
        other => {
            return vast_mock::spec::spec()
                .valid_request(other, 6_003_036)
                .expect("every operation of the spec has a request body")
                .to_string();
        }
    })
}

/// Sends a valid, authorized request for `op`.
pub async fn call(mock: &MockServer, op: Operation) -> Result<Answer, reqwest::Error> {
    call_with(mock, op, &valid_body(op)).await
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

/// The head of a raw request for `op` (authorized, JSON), with `extra`
/// header lines, ended by the blank line.
pub fn raw_head(op: Operation, extra: &[String]) -> String {
    let mut head = format!(
        "{} {} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer test\r\ncontent-type: application/json\r\n",
        op.method(),
        op.path()
    );
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// A whole raw request for `op`: [`raw_head`] with `extra` and the body's
/// `content-length`, then `body`.
pub fn raw_request(op: Operation, extra: &[String], body: &str) -> String {
    let mut extra = extra.to_vec();
    extra.push(format!("content-length: {}", body.len()));
    raw_head(op, &extra) + body
}

/// Sends `request` as it is on a new connection, closes the sending side and
/// reads until the server closes (end of stream or reset), then parses the
/// answer. Closing the sending side makes the test unable to hang: a server
/// that wants more than was sent sees the end of the request at once.
pub async fn exchange(addr: std::net::SocketAddr, request: &[u8]) -> Answer {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    stream.shutdown().await.unwrap();
    parse_answer(&read_until_closed(&mut stream, 1 << 20).await)
}

/// Reads until the peer closes (end of stream or reset) or `max` bytes came.
pub async fn read_until_closed(
    stream: &mut (impl tokio::io::AsyncRead + Unpin),
    max: usize,
) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut read = Vec::new();
    let mut buf = [0u8; 8192];
    while read.len() < max {
        match stream.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => read.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the answer: {e}"),
        }
    }
    read
}

/// Parses one raw HTTP/1.1 answer: status line, headers, and the body (its
/// `Content-Length`, else everything after the head).
pub fn parse_answer(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete answer: {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {status_line:?}"));
    let mut headers = reqwest::header::HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        headers.append(
            reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
            reqwest::header::HeaderValue::from_str(value.trim()).unwrap(),
        );
    }
    let length = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .unwrap_or(body.len());
    Answer {
        status,
        headers,
        text: body.get(..length).unwrap_or(body).to_owned(),
    }
}

/// An operation the generated [`Operation`] does not have, for the tests of
/// a spec loaded at run time: `POST /api/v0/commands/ping/`, operationId
/// `pingInstance`.
pub const PING: &str = "pingInstance";
pub const PING_PATH: &str = "/api/v0/commands/ping/";

/// The embedded spec plus [`PING`], as text: its instance field is
/// `instance_id`; its `200` has no example and requires a `seq` that the
/// envelope lacks; its `400` declares no `error` but requires a `code`; it
/// declares no `404`.
pub fn spec_with_ping() -> String {
    let mut spec: Value = serde_json::from_str(vast_api::SPEC).unwrap();
    spec["paths"][PING_PATH] = serde_json::json!({"post": {
        "summary": "ping instance",
        "operationId": PING,
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object",
            "properties": {"instance_id": {"type": "integer"}, "note": {"type": "string"}},
            "required": ["instance_id"]
        }}}},
        "responses": {
            "200": {"description": "Pinged.", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/PingResponse"
            }}}},
            "400": {"description": "Bad ping.", "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {
                    "success": {"type": "boolean"},
                    "msg": {"type": "string"},
                    "code": {"type": "string", "enum": ["E_PING"]}
                },
                "required": ["code"]
            }}}}
        },
        "x-vast-instance-fields": ["instance_id"]
    }});
    spec["components"]["schemas"]["PingResponse"] = serde_json::json!({
        "type": "object",
        "properties": {
            "success": {"type": "boolean"},
            "msg": {"type": "string"},
            "seq": {"type": "integer", "minimum": 0}
        },
        "required": ["success", "seq"]
    });
    serde_json::to_string(&spec).unwrap()
}
