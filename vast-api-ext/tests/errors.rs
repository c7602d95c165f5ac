//! Every error variant, produced by a real answer from a local server, checked
//! by variant and by its `Display` text.
#![allow(clippy::unwrap_used)]

mod common;

use common::{answering, client, ok_json};
use serde_json::json;
use std::time::Duration;
use vast_api_ext::{
    Client, CloudCopy, Error, ErrorKind, InstanceId, Location, NotSent, Operation, PacingConfig,
    RetryConfig, Transfer,
};
use vast_mock::Fault;

async fn copy_error(answer: Fault) -> Error {
    let server = answering(answer).await;
    let src: Location = "C.1:/a".parse().unwrap();
    let dst: Location = "C.2:/b".parse().unwrap();
    let err = client(&server).copy(&src, &dst).await.unwrap_err();
    assert_eq!(server.requests().len(), 1);
    err
}

fn json_status(status: u16, body: serde_json::Value) -> Fault {
    Fault::json(status, body)
}

#[tokio::test]
async fn a_400_is_an_api_error_with_the_servers_code_and_message() {
    let err = copy_error(json_status(
        400,
        json!({"success": false, "error": "invalid_args", "msg": "src_path is required"}),
    ))
    .await;
    assert!(matches!(
        err.kind(),
        ErrorKind::Api { status: 400, code: Some(c), message }
            if c == "invalid_args" && message == "src_path is required"
    ));
    assert_eq!(
        (err.operation(), err.attempts()),
        (Some(Operation::Copy), 1)
    );
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("invalid_args"));
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "copy failed: the server answered 400 (invalid_args): src_path is required"
    );
}

#[tokio::test]
async fn a_404_keeps_each_code() {
    for (code, msg) in [
        ("no_such_user", "No such user"),
        ("no_such_instance", "Instance 2 not found"),
    ] {
        let err = copy_error(json_status(
            404,
            json!({"success": false, "error": code, "msg": msg}),
        ))
        .await;
        assert!(matches!(err.kind(), ErrorKind::Api { status: 404, .. }));
        assert_eq!(err.code(), Some(code));
        assert_eq!(
            err.to_string(),
            format!("copy failed: the server answered 404 ({code}): {msg}")
        );
    }
}

#[tokio::test]
async fn cancel_sync_404_names_the_operation() {
    let server = answering(json_status(
        404,
        json!({"success": false, "error": "no_such_instance", "msg": "no instance 9"}),
    ))
    .await;
    let err = client(&server)
        .cancel_sync(InstanceId::new(9).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.operation(), Some(Operation::CancelSync));
    assert_eq!(
        err.to_string(),
        "cancel sync failed: the server answered 404 (no_such_instance): no instance 9"
    );
}

#[tokio::test]
async fn cloud_copy_400_has_no_code() {
    let server = answering(json_status(
        400,
        json!({"success": false, "msg": "invalid transfer"}),
    ))
    .await;
    let request =
        CloudCopy::new(InstanceId::new(1).unwrap(), 2u64, Transfer::CloudToInstance).src("b/x");
    let err = client(&server).cloud_copy(&request).await.unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::Api {
            status: 400,
            code: None,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "cloud copy failed: the server answered 400: invalid transfer"
    );
}

#[tokio::test]
async fn a_401_is_unauthorized() {
    let err = copy_error(json_status(
        401,
        json!({"success": false, "error": "auth_error", "msg": "Invalid API key"}),
    ))
    .await;
    assert!(matches!(
        err.kind(),
        ErrorKind::Unauthorized { status: 401, .. }
    ));
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        err.to_string(),
        "copy failed: the API key was not accepted (401): Invalid API key; check VAST_API_KEY or the key file"
    );
}

#[tokio::test]
async fn a_403_with_no_body_is_unauthorized() {
    let err = copy_error(Fault::empty(403)).await;
    assert!(matches!(
        err.kind(),
        ErrorKind::Unauthorized { status: 403, .. }
    ));
    assert_eq!(
        err.to_string(),
        "copy failed: the API key was not accepted (403): Forbidden; check VAST_API_KEY or the key file"
    );
}

#[tokio::test]
async fn a_plain_text_429_is_rate_limited_with_retry_after() {
    let err = copy_error(
        Fault::text(429, "API requests too frequent, endpoint threshold=1.0")
            .with_header("retry-after", "2"),
    )
    .await;
    assert!(matches!(
        err.kind(),
        ErrorKind::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(2)
    ));
    assert_eq!(err.status(), Some(429));
    assert!(err.is_retryable());
    assert_eq!(
        err.to_string(),
        "copy failed: rate limited by the server (429); retry after 2 s: API requests too frequent, endpoint threshold=1.0"
    );
}

#[tokio::test]
async fn an_html_502_reads_as_a_sentence() {
    let err = copy_error(Fault::text(502, include_str!("fixtures/bad_gateway.html"))).await;
    assert!(matches!(
        err.kind(),
        ErrorKind::Api {
            status: 502,
            code: None,
            ..
        }
    ));
    assert!(err.is_retryable());
    assert_eq!(
        err.to_string(),
        "copy failed: the server answered 502: 502 Bad Gateway (an HTML error page)"
    );
}

#[tokio::test]
async fn success_false_is_rejected() {
    let err = copy_error(ok_json(
        json!({"success": false, "msg": "instance 2 is not running"}),
    ))
    .await;
    assert!(matches!(err.kind(), ErrorKind::Rejected { .. }));
    assert_eq!(err.status(), Some(200));
    assert_eq!(
        err.to_string(),
        "copy was refused by the server: instance 2 is not running"
    );
}

#[tokio::test]
async fn cloud_copy_success_false_is_rejected_not_started() {
    let server = answering(ok_json(
        json!({"success": false, "msg": "no such connection"}),
    ))
    .await;
    let request =
        CloudCopy::new(InstanceId::new(1).unwrap(), 2u64, Transfer::InstanceToCloud).src("/a");
    let err = client(&server).cloud_copy(&request).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cloud copy was refused by the server: no such connection"
    );
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_with_the_body_prefix() {
    let err = copy_error(Fault::text(200, r#"{"success": tr"#)).await;
    assert!(
        matches!(err.kind(), ErrorKind::Decode { body_prefix, status: Some(200), .. } if body_prefix == r#"{"success": tr"#)
    );
    assert_eq!(err.status(), Some(200));
    // The decoder's own error is the source.
    let source = std::error::Error::source(&err).unwrap();
    assert!(source.is::<serde_json::Error>(), "{source:?}");
    assert_eq!(
        err.to_string(),
        r#"copy failed: the server's answer (200) could not be read: expected JSON, got `{"success": tr`"#
    );
}

#[tokio::test]
async fn an_empty_body_is_a_decode_error() {
    let err = copy_error(Fault::empty(200)).await;
    assert!(matches!(
        err.kind(),
        ErrorKind::Decode {
            status: Some(200),
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "copy failed: the server's answer (200) could not be read: the body is empty"
    );
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    // The mock's own answer, 30 s late.
    let server = answering(Fault::DelayHeaders(Duration::from_secs(30))).await;
    let client = Client::builder()
        .api_key(common::KEY)
        .base_url(server.uri())
        .timeout(Duration::from_millis(100))
        .retry(RetryConfig::disabled())
        .pacing(PacingConfig::disabled())
        .build()
        .unwrap();
    let err = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Timeout));
    assert_eq!(err.attempts(), 1);
    assert!(err.is_retryable());
    assert_eq!(err.to_string(), "cancel sync timed out");
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    // A port bound without listening: connecting is refused, and no server
    // another test starts meanwhile can be given it (a closed port can be).
    let no_server = tokio::net::TcpSocket::new_v4().unwrap();
    no_server.bind(([127, 0, 0, 1], 0).into()).unwrap();
    let port = no_server.local_addr().unwrap().port();
    let client = Client::builder()
        .api_key(common::KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(RetryConfig::disabled())
        .pacing(PacingConfig::disabled())
        .build()
        .unwrap();
    let err = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Transport { sent: false, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(!err.may_have_been_applied(), "nothing reached the server");
    assert!(
        err.to_string()
            .starts_with("cancel sync failed: could not reach the server: "),
        "{err}"
    );
    assert!(
        err.to_string().to_lowercase().contains("refused"),
        "the cause is shown: {err}"
    );
    assert!(!err.to_string().contains(common::KEY));
}

#[tokio::test]
async fn a_connection_closed_after_the_request_was_sent_may_have_been_applied() {
    // A server that reads the request, then closes without answering.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::Read;
        let (mut socket, _) = listener.accept().unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        let mut seen = Vec::new();
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).unwrap();
            assert!(n > 0, "the client closed first");
            seen.extend_from_slice(&buf[..n]);
        }
    });
    let client = Client::builder()
        .api_key(common::KEY)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(RetryConfig::disabled())
        .pacing(PacingConfig::disabled())
        .build()
        .unwrap();
    let err = client
        .cloud_copy(
            &CloudCopy::new(InstanceId::new(1).unwrap(), 2u64, Transfer::InstanceToCloud).src("/a"),
        )
        .await
        .unwrap_err();
    server.join().unwrap();
    assert!(
        matches!(err.kind(), ErrorKind::Transport { sent: true, .. }),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 1);
    assert!(err.may_have_been_applied());
    let text = err.to_string();
    assert!(
        text.starts_with(
            "cloud copy failed after the request was sent (it may have been applied): "
        ),
        "{text}"
    );
    assert!(!text.contains("could not reach the server"), "{text}");
    assert!(!text.contains(common::KEY));
}

#[test]
fn may_have_been_applied_follows_the_retry_table() {
    let op = Operation::CloudCopy;
    let call = |kind| Error::for_call(op, 1, kind);
    let api = |status| {
        call(ErrorKind::Api {
            status,
            code: None,
            message: String::new(),
        })
    };
    let decode = |status| {
        call(ErrorKind::Decode {
            status,
            body_prefix: String::new(),
            source: serde_json::from_str::<serde_json::Value>("").unwrap_err(),
        })
    };
    // An answer over the body limit: a 2xx may have been applied; any other
    // status reads as that status.
    let too_large = |status| {
        call(ErrorKind::ResponseTooLarge {
            status,
            limit: 1 << 20,
            declared: None,
        })
    };
    let maybe = [
        call(ErrorKind::Timeout),
        api(500),
        api(502),
        api(504),
        decode(Some(200)),
        decode(None),
        too_large(200),
        too_large(204),
        too_large(500),
        too_large(502),
        too_large(504),
    ];
    for e in maybe {
        assert!(e.may_have_been_applied(), "{e:?}");
    }
    let not = [
        Error::for_call(op, 0, ErrorKind::NotSent(NotSent::NoTimeLeft)),
        Error::for_call(
            op,
            0,
            ErrorKind::NotSent(NotSent::Paced {
                next_turn: Duration::from_secs(1),
            }),
        ),
        api(400),
        api(503),
        api(501),
        decode(Some(404)),
        too_large(404),
        too_large(429),
        too_large(503),
        call(ErrorKind::RateLimited {
            retry_after: None,
            message: None,
        }),
        call(ErrorKind::Rejected {
            message: String::new(),
        }),
        call(ErrorKind::Unauthorized {
            status: 401,
            message: None,
        }),
    ];
    for e in not {
        assert!(!e.may_have_been_applied(), "{e:?}");
    }
    // Retryable: what a later attempt may change (the status's own reading;
    // a 2xx because the next answer may be readable).
    for status in [200, 408, 429, 500, 503] {
        assert!(too_large(status).is_retryable(), "{status}");
    }
    for status in [400, 401, 404] {
        assert!(!too_large(status).is_retryable(), "{status}");
    }
    assert_eq!(too_large(503).status(), Some(503));
    // One table decides: a 501 is final (never retried), so not retryable.
    assert!(!api(501).is_retryable() && api(500).is_retryable());
}

#[tokio::test]
async fn an_html_404_reads_as_a_sentence_too() {
    let err = copy_error(Fault::text(
        404,
        "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>",
    ))
    .await;
    assert!(
        matches!(err.kind(), ErrorKind::Decode { body_prefix, status: Some(404), .. } if body_prefix == "404 Not Found (an HTML error page)"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "copy failed: the server's answer (404) could not be read: expected JSON, got `404 Not Found (an HTML error page)`"
    );
}

#[tokio::test]
async fn a_long_body_is_cut_on_a_character_boundary() {
    // 199 ASCII bytes, then 2-byte characters: byte 200 is inside one.
    let body = format!("{}{}", "x".repeat(199), "é".repeat(50));
    let err = copy_error(Fault::text(200, body)).await;
    let ErrorKind::Decode { body_prefix, .. } = err.kind() else {
        panic!("{err:?}")
    };
    assert!(!body_prefix.contains('\u{FFFD}'), "{body_prefix}");
    assert_eq!(body_prefix, &format!("{}…", "x".repeat(199)));
}
