//! The caps on what the mock reads of a request: the body (413) and the header section (431).
#![allow(clippy::unwrap_used)]

mod common;

use common::{Answer, exchange, raw_head, raw_request, read_until_closed};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use vast_mock::{MockServer, Operation};

/// The answer is the spec's error shape, `{success:false, error, msg}` and
/// nothing else, with `error` = `code` and `msg` naming `limit` in bytes;
/// `Connection: close` announces that the connection ends with it.
fn assert_refusal(answer: &Answer, status: u16, code: &str, limit: u64) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("connection"), Some("close"));
    let json = answer.json();
    let fields = json.as_object().unwrap();
    assert_eq!(fields.len(), 3, "{json}");
    assert_eq!(json["success"], false);
    assert_eq!(json["error"], code);
    let msg = json["msg"].as_str().unwrap();
    assert!(msg.contains(&format!("{limit} bytes")), "{msg}");
}

/// The request claims 1 GiB and sends 9 bytes, then closes its sending side:
/// a mock that read the body would see it end early and drop the connection
/// without an answer. It answers 413 from the `Content-Length` alone, also
/// when the client waits for `100 Continue` (which it never gets).
#[tokio::test]
async fn declared_length_over_the_cap_is_413_without_reading_the_body() {
    let mock = MockServer::start().await.unwrap();
    let limit = vast_mock::DEFAULT_MAX_BODY_BYTES;
    for expect in [None, Some("expect: 100-continue")] {
        let mut extra = vec![format!("content-length: {}", 1u64 << 30)];
        extra.extend(expect.map(str::to_owned));
        let request = raw_head(Operation::Copy, &extra) + r#"{"src_id""#;
        let answer = exchange(mock.addr(), request.as_bytes()).await;
        assert_refusal(&answer, 413, "payload_too_large", limit);
    }
    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    for recorded in &requests {
        assert!(recorded.body_truncated);
        assert!(recorded.body.len() <= 9, "{:?}", recorded.body);
        assert_eq!(recorded.operation, Some(Operation::Copy));
    }
    assert_eq!(mock.request_count(Operation::Copy), 2);
    assert!(mock.applied().is_empty());
}

/// A chunked body (no declared length) is read until it passes the cap, then
/// answered 413 and the connection closed while the client is still sending:
/// the client, which would send 64 MiB (more than the kernel's buffers hold),
/// gets an error, and the mock recorded exactly the cap.
#[tokio::test]
async fn chunked_body_over_the_cap_is_cut_with_413_and_the_connection_closed() {
    const CAP: u64 = 64 * 1024;
    const TOTAL: usize = 64 << 20;
    let mock = MockServer::builder()
        .max_body_bytes(CAP)
        .start()
        .await
        .unwrap();
    let stream = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = raw_head(
        Operation::CloudCopy,
        &["transfer-encoding: chunked".to_owned()],
    );
    let send = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let chunk: Vec<u8> = [&b"2000\r\n"[..], &[b' '; 0x2000], b"\r\n"].concat();
        let mut sent = 0;
        while sent < TOTAL {
            writer.write_all(&chunk).await?;
            sent += 0x2000;
        }
        writer.write_all(b"0\r\n\r\n").await?;
        writer.shutdown().await
    });
    let read = async { read_until_closed(&mut reader, 1 << 20).await };
    // A hang guard, not a timing assertion: a mock that neither read nor
    // closed would leave both sides waiting.
    let (raw, sent) = tokio::time::timeout(Duration::from_secs(60), async {
        let raw = read.await;
        (raw, send.await.unwrap())
    })
    .await
    .expect("the mock neither answered nor closed the connection");

    let answer = common::parse_answer(&raw);
    assert_refusal(&answer, 413, "payload_too_large", CAP);
    assert!(
        sent.is_err(),
        "the client sent its whole 64 MiB body: the connection stayed open"
    );
    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].body_truncated);
    assert_eq!(requests[0].body.len() as u64, CAP);
    assert!(mock.applied().is_empty());
}

/// A body at the cap is read whole and applied: the cap is not off by one.
#[tokio::test]
async fn body_at_the_cap_is_accepted() {
    let body = r#"{"dst_id":6003036}"#;
    let mock = MockServer::builder()
        .max_body_bytes(body.len() as u64)
        .start()
        .await
        .unwrap();
    let request = raw_request(Operation::CancelSync, &[], body);
    let answer = exchange(mock.addr(), request.as_bytes()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(mock.applied().len(), 1);
    assert!(!mock.requests()[0].body_truncated);

    let longer = format!("{body} ");
    let request = raw_request(Operation::CancelSync, &[], &longer);
    let answer = exchange(mock.addr(), request.as_bytes()).await;
    assert_refusal(&answer, 413, "payload_too_large", body.len() as u64);
    assert_eq!(mock.applied().len(), 1);
}

/// The header cap of the 431 tests; hyper's buffer is twice it.
const HEADER_CAP: usize = 8 * 1024;

async fn mock_with_header_cap() -> MockServer {
    MockServer::builder()
        .max_header_bytes(HEADER_CAP)
        .start()
        .await
        .unwrap()
}

/// A header section over the mock's cap (but within hyper's buffer, twice
/// the cap) gets the JSON 431; one under the cap is served.
#[tokio::test]
async fn header_section_over_the_cap_is_431_json() {
    let mock = mock_with_header_cap().await;
    let request = |filler: usize| {
        let filler = format!("x-filler: {}", "a".repeat(filler));
        raw_request(Operation::CancelSync, &[filler], r#"{"dst_id":6003036}"#)
    };
    let under = exchange(mock.addr(), request(HEADER_CAP / 2).as_bytes()).await;
    assert_eq!(under.status, 200, "{}", under.text);

    let over = exchange(mock.addr(), request(HEADER_CAP + 100).as_bytes()).await;
    assert_refusal(
        &over,
        431,
        "request_header_fields_too_large",
        HEADER_CAP as u64,
    );
    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].header("x-filler").unwrap().len() > HEADER_CAP);
    assert_eq!(mock.applied().len(), 1);
}

/// A header section that does not fit hyper's buffer (twice the mock's cap),
/// or that has more than 100 fields, never reaches the mock: hyper answers a
/// bare 431 itself (no body) and closes.
#[tokio::test]
async fn header_section_beyond_hypers_buffer_gets_hypers_own_431() {
    let mock = mock_with_header_cap().await;
    // Exactly hyper's buffer of an unfinished header section: hyper reads
    // all of it, finds no end, and refuses.
    let mut request = raw_head(Operation::CancelSync, &[]);
    request.truncate(request.len() - 2);
    request.push_str("x-filler: ");
    let filler = 2 * HEADER_CAP - request.len();
    request.push_str(&"a".repeat(filler));
    let answer = exchange(mock.addr(), request.as_bytes()).await;
    assert_eq!(answer.status, 431);
    assert!(answer.text.is_empty(), "{}", answer.text);

    // The same for more than hyper's 100 header fields, however small.
    let fields: Vec<String> = (0..101).map(|i| format!("x-{i}: 1")).collect();
    let answer = exchange(
        mock.addr(),
        raw_head(Operation::CancelSync, &fields).as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 431);
    assert!(answer.text.is_empty(), "{}", answer.text);
    assert!(mock.requests().is_empty());
}

/// Each refusal is recorded with what was read, and its answer is JSON the
/// caller can read whatever the operation (cloud copy's 400 shape has no
/// `error`, its 413 does).
#[tokio::test]
async fn refusals_are_recorded_for_every_operation() {
    let mock = MockServer::builder()
        .max_body_bytes(16)
        .start()
        .await
        .unwrap();
    for op in Operation::ALL {
        let body = common::valid_body(op);
        let request = raw_request(op, &[], &body);
        let answer = exchange(mock.addr(), request.as_bytes()).await;
        assert_refusal(&answer, 413, "payload_too_large", 16);
        let recorded = mock.requests().pop().unwrap();
        assert_eq!(recorded.operation, Some(op));
        assert!(recorded.body_truncated);
        assert!(body.as_bytes().starts_with(&recorded.body));
    }
    assert!(mock.applied().is_empty());
}
