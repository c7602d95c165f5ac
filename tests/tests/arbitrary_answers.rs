//! Arbitrary answers never panic (issue 10): proptest writes a status line,
//! headers and a body of its choosing (any status number, lying or garbage
//! `Content-Length`, broken chunked framing, garbage `Retry-After`, invalid
//! UTF-8, truncated JSON, huge numbers, deep nesting) from a raw TCP server
//! on 127.0.0.1 (`tests::hostile`), and each of the three operations of
//! `vast-api-ext` and of the raw client must come back with a typed
//! `Result`. A panic anywhere in the process (hyper's connection tasks
//! included) is counted by a panic hook and fails the case.
#![allow(clippy::unwrap_used)]

mod support;

use proptest::prelude::*;
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::raw::{Raw, raw_call, raw_client};
use support::{KEY, KNOWN, OPS, call};
use tests::hostile::{Answer, HostileServer};
use vast_api_ext::{Client, ErrorKind, PacingConfig, RetryConfig};

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts every panic of the process, then reports it as usual.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            report(info);
        }));
    });
}

/// How the body is framed.
#[derive(Clone, Debug)]
enum Framing {
    /// `Content-Length` equal to the body's length plus `delta` (a lie when
    /// `delta != 0`; never below zero).
    Length(i64),
    /// `Content-Length` with this text (garbage, huge, negative, two values).
    LengthText(String),
    /// `Transfer-Encoding: chunked`, the body in chunks of this size, with
    /// or without the final `0` chunk.
    Chunked { size: usize, last: bool },
    /// `Transfer-Encoding: chunked` and the body as is (broken framing).
    ChunkedRaw,
    /// No length: the body ends when the connection closes.
    Close,
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => prop::sample::select(vec![
            100, 101, 200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 408, 413, 429, 500,
            502, 503, 504,
        ]),
        1 => any::<u16>(),
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"soon".to_vec()),
        Just(b"-1".to_vec()),
        Just(b"1e999".to_vec()),
        Just(b"NaN".to_vec()),
        Just(b"18446744073709551616".to_vec()),
        Just(b"Fri, 31 Dec 9999 23:59:59 GMT".to_vec()),
        Just(b"Thu, 01 Jan 1970 00:00:00 GMT".to_vec()),
        Just(b"0.5".to_vec()),
        Just(b"7".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ]
}

/// Header lines: a name and a value of any bytes.
type Headers = Vec<(String, Vec<u8>)>;

fn headers() -> impl Strategy<Value = Headers> {
    let name = prop_oneof![
        Just("Retry-After".to_owned()),
        Just("Content-Type".to_owned()),
        Just("Connection".to_owned()),
        Just("Content-Encoding".to_owned()),
        Just("Location".to_owned()),
        "[A-Za-z-]{1,12}",
    ];
    prop::collection::vec((name, header_value()), 0..4)
}

/// A JSON-ish text: the API's answers, broken ones, and pathological ones.
fn json_body() -> impl Strategy<Value = Vec<u8>> {
    let answer = (
        prop::option::of(any::<bool>()),
        prop::option::of(".{0,20}"),
        prop::option::of("[a-z_]{0,12}"),
    )
        .prop_map(|(success, msg, error)| {
            let mut object = serde_json::Map::new();
            if let Some(s) = success {
                object.insert("success".into(), s.into());
            }
            if let Some(m) = msg {
                object.insert("msg".into(), m.into());
            }
            if let Some(e) = error {
                object.insert("error".into(), e.into());
            }
            serde_json::Value::Object(object).to_string().into_bytes()
        });
    prop_oneof![
        answer.clone(),
        // Truncated JSON.
        (answer, any::<prop::sample::Index>()).prop_map(|(text, at)| {
            let cut = at.index(text.len().max(1));
            text[..cut].to_vec()
        }),
        // Huge numbers where a bool or string is expected.
        Just(br#"{"success":1e999999,"msg":123456789012345678901234567890}"#.to_vec()),
        Just(br#"{"success":true,"msg":"ok","result_url":-0.0e-99999}"#.to_vec()),
        // Deep nesting, past serde_json's recursion limit.
        (1usize..5000).prop_map(|depth| {
            let mut text = "[".repeat(depth).into_bytes();
            text.extend("]".repeat(depth).into_bytes());
            text
        }),
        (1usize..3000).prop_map(|depth| {
            let mut text = r#"{"msg":"#.repeat(depth).into_bytes();
            text.extend(b"1");
            text.extend("}".repeat(depth).into_bytes());
            text
        }),
        // Invalid UTF-8 inside and outside strings.
        Just(b"{\"success\":true,\"msg\":\"\xff\xfe\xc0\"}".to_vec()),
        Just(b"\xef\xbb\xbf{\"success\":true}".to_vec()),
        Just(b"<html><title>\xff</title></html>".to_vec()),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => json_body(),
        1 => prop::collection::vec(any::<u8>(), 0..2048),
    ]
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![
        3 => Just(Framing::Length(0)),
        1 => (-100i64..100).prop_map(Framing::Length),
        1 => prop_oneof![
            Just("abc".to_owned()),
            Just("-5".to_owned()),
            Just("99999999999999999999999".to_owned()),
            Just("2147483648".to_owned()),
            Just("5, 6".to_owned()),
            Just(" ".to_owned()),
        ]
        .prop_map(Framing::LengthText),
        1 => (1usize..64, any::<bool>()).prop_map(|(size, last)| Framing::Chunked { size, last }),
        1 => Just(Framing::ChunkedRaw),
        1 => Just(Framing::Close),
    ]
}

/// The bytes of one answer.
fn answer_bytes(
    status: u16,
    headers: &[(String, Vec<u8>)],
    body: &[u8],
    framing: &Framing,
) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} Arbitrary\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    let framed = match framing {
        Framing::Length(delta) => {
            let len = (body.len() as i64 + delta).max(0);
            out.extend_from_slice(format!("Content-Length: {len}\r\n").as_bytes());
            body.to_vec()
        }
        Framing::LengthText(text) => {
            out.extend_from_slice(format!("Content-Length: {text}\r\n").as_bytes());
            body.to_vec()
        }
        Framing::Chunked { size, last } => {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
            let mut framed = Vec::new();
            for chunk in body.chunks(*size) {
                framed.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                framed.extend_from_slice(chunk);
                framed.extend_from_slice(b"\r\n");
            }
            if *last {
                framed.extend_from_slice(b"0\r\n\r\n");
            }
            framed
        }
        Framing::ChunkedRaw => {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n");
            body.to_vec()
        }
        Framing::Close => body.to_vec(),
    };
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&framed);
    out
}

/// Every call gets its own connection, closed by the server after the
/// answer, so nothing waits: a generous timeout only bounds a hang.
const TIMEOUT: Duration = Duration::from_secs(10);

/// One runtime, one server and one pair of clients for every case.
struct Rig {
    rt: tokio::runtime::Runtime,
    server: HostileServer,
    ext: Client,
    raw: vast_api::Client,
}

impl Rig {
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = rt
            .block_on(HostileServer::start(vec![Answer::ok()], 1 << 20))
            .unwrap();
        let ext = Client::builder()
            .api_key(KEY)
            .base_url(server.uri())
            .timeout(TIMEOUT)
            .retry(RetryConfig::disabled())
            .pacing(PacingConfig::disabled())
            .http_client_builder(reqwest::Client::builder().pool_max_idle_per_host(0))
            .build()
            .unwrap();
        let raw = raw_client(&server.uri(), TIMEOUT);
        Self {
            rt,
            server,
            ext,
            raw,
        }
    }

    /// The three operations of both clients against `answer`: each comes
    /// back as a typed `Result`, and nothing panics.
    fn check(&self, status: u16, answer: Vec<u8>) -> Result<(), TestCaseError> {
        self.server.answer(vec![Answer::Raw(answer)]);
        self.rt.block_on(async {
            for op in OPS {
                match call(&self.ext, op, KNOWN, 1).await {
                    // Only a 200 is a success.
                    Ok(attempts) => prop_assert_eq!((status, attempts), (200, 1)),
                    Err(e) => {
                        // Every accessor and both texts work on it.
                        let _ = (e.status(), e.code(), e.operation(), e.is_retryable());
                        let _ = (e.may_have_been_applied(), format!("{e} {e:?}"));
                        prop_assert_eq!(e.attempts(), 1);
                        // Bodies here are under 2 KiB: only a declared
                        // length can be over the 1 MiB cap.
                        if let ErrorKind::ResponseTooLarge { declared, .. } = e.kind() {
                            prop_assert!(declared.is_some(), "{e:?}");
                        }
                    }
                }
                let (end, seen) = raw_call(&self.raw, op).await;
                if matches!(end, Raw::Ok) {
                    prop_assert_eq!(status, 200);
                }
                prop_assert!(seen.body_len() <= vast_api::DEFAULT_MAX_BODY_BYTES);
            }
            prop_assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a panic (see the output)");
            Ok(())
        })
    }
}

#[test]
fn every_answer_comes_back_as_a_typed_result() {
    count_panics();
    let rig = Rig::new();
    // The issue's list, each at least once whatever the random cases draw.
    let fixed: Vec<(u16, Headers, Vec<u8>, Framing)> = vec![
        (
            200,
            vec![],
            b"{\"success\":true,\"msg\":\"\xff\"}".to_vec(),
            Framing::Length(0),
        ),
        (
            200,
            vec![],
            br#"{"success":true,"msg":"o"#.to_vec(),
            Framing::Length(0),
        ),
        (
            200,
            vec![],
            br#"{"success":1e999999}"#.to_vec(),
            Framing::Chunked {
                size: 3,
                last: true,
            },
        ),
        (
            200,
            vec![],
            "[".repeat(100_000).into_bytes(),
            Framing::Close,
        ),
        (
            200,
            vec![],
            br#"{"success":true}"#.to_vec(),
            Framing::Length(40),
        ),
        (
            200,
            vec![],
            br#"{"success":true}"#.to_vec(),
            Framing::Length(-5),
        ),
        (
            200,
            vec![],
            br#"{"success":true}"#.to_vec(),
            Framing::LengthText("2147483648".into()),
        ),
        (
            200,
            vec![],
            br#"{"success":true}"#.to_vec(),
            Framing::Chunked {
                size: 4,
                last: false,
            },
        ),
        (
            200,
            vec![],
            b"zz\r\nnot chunks".to_vec(),
            Framing::ChunkedRaw,
        ),
        (
            429,
            vec![("Retry-After".into(), b"\xff\xfe".to_vec())],
            vec![],
            Framing::Length(0),
        ),
        (
            429,
            vec![("Retry-After".into(), b"1e999".to_vec())],
            b"slow down".to_vec(),
            Framing::Length(0),
        ),
        (
            503,
            vec![(
                "Retry-After".into(),
                b"Fri, 31 Dec 9999 23:59:59 GMT".to_vec(),
            )],
            vec![],
            Framing::Close,
        ),
        (0, vec![], vec![], Framing::Length(0)),
        (1000, vec![], vec![], Framing::Length(0)),
        (101, vec![], vec![], Framing::Close),
        (204, vec![], b"{}".to_vec(), Framing::Length(0)),
    ];
    for (status, headers, body, framing) in &fixed {
        let answer = answer_bytes(*status, headers, body, framing);
        if let Err(e) = rig.check(*status, answer) {
            panic!("{status} {headers:?} {framing:?}: {e}");
        }
    }
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 128,
        ..ProptestConfig::default()
    });
    let cases = (status(), headers(), body(), framing());
    let result = runner.run(&cases, |(status, headers, body, framing)| {
        rig.check(status, answer_bytes(status, &headers, &body, &framing))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
