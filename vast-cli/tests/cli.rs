//! The `vast` binary against `vast-mock` (in process, on 127.0.0.1): the
//! request the mock received for each command and form, the output, and the
//! exit status for every kind of answer and fault. The mock checks every
//! request against the spec, so a body of the wrong shape fails with a 400.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::process::Output;
use std::time::Duration;
use vast_mock::{Fault, MockServer, Operation, When};

const KEY: &str = "test-key-0123456789abcdef";
const COPY_MSG: &str = "Remote to Remote copy initiated - check instance status bar for progress updates (~30 seconds delayed).";
/// The mock's cloud copy answer (the spec gives no example): the 200's description.
const CLOUD_MSG: &str = "Cloud copy operation initiated successfully.";
const CANCEL_MSG: &str =
    "Remote copy canceled - check instance status bar for progress updates (~30 seconds delayed).";

/// Runs `vast` with a clean environment: no key or URL in the environment,
/// `HOME` and `XDG_CONFIG_HOME` pointing at an empty directory, so only what
/// the test passes counts.
async fn vast(args: &[&str]) -> Output {
    vast_env(&[], args).await
}

/// [`vast`] with these environment variables set (after the clean-up).
async fn vast_env(env: &[(&str, &str)], args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        Command::cargo_bin("vast")
            .unwrap_or_else(|e| panic!("{e}"))
            .env_remove("VAST_API_KEY")
            .env_remove("VAST_URL")
            .env_remove("RUST_LOG")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .envs(env)
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("running vast: {e}"))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

/// `vast --url <mock> --api-key KEY --max-attempts 1 <args>`.
async fn vast_at(mock: &MockServer, args: &[&str]) -> Output {
    let uri = mock.uri();
    let mut all = vec![
        "--url",
        uri.as_str(),
        "--api-key",
        KEY,
        "--max-attempts",
        "1",
    ];
    all.extend_from_slice(args);
    vast(&all).await
}

/// A mock that accepts only `KEY`, with every instance known.
async fn mock() -> MockServer {
    MockServer::builder()
        .api_key(KEY)
        .start()
        .await
        .unwrap_or_else(|e| panic!("starting vast-mock: {e}"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn json_stdout(o: &Output) -> Value {
    serde_json::from_str(stdout(o).trim())
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", stdout(o)))
}

/// The one request the mock received and applied: method, JSON body,
/// Authorization header. The key is never in the URL.
fn only_applied(mock: &MockServer, op: Operation) -> (String, Value, String) {
    let requests = mock.requests();
    assert_eq!(requests.len(), 1, "expected one request, got {requests:?}");
    let r = &requests[0];
    assert_eq!(r.operation, Some(op));
    assert!(r.query.is_none(), "a query string was sent: {:?}", r.query);
    assert!(!r.path.contains(KEY));
    let applied = mock.applied();
    assert_eq!(applied.len(), 1, "the mock did not apply it: {applied:?}");
    let body = r
        .json()
        .unwrap_or_else(|| panic!("body is not JSON: {r:?}"));
    assert_eq!(applied[0].body, body);
    let auth = r.header("authorization").unwrap_or("").to_owned();
    (r.method.clone(), body, auth)
}

fn no_request(mock: &MockServer) {
    let requests = mock.requests();
    assert!(requests.is_empty(), "expected no request, got {requests:?}");
}

// ---- each command and form: the request, the output, the status ----

#[tokio::test]
async fn copy_with_locations_sends_string_ids_and_prints_one_line() {
    let m = mock().await;
    let o = vast_at(
        &m,
        &["copy", "C.6003036:/workspace/data", "7001234:/workspace/"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!("copy started: C.6003036:/workspace/data -> C.7001234:/workspace/: {COPY_MSG}\n")
    );
    assert_eq!(stderr(&o), "");
    let (verb, body, auth) = only_applied(&m, Operation::Copy);
    assert_eq!(verb, "PUT");
    assert_eq!(
        body,
        json!({"src_id": "6003036", "dst_id": "7001234", "src_path": "/workspace/data", "dst_path": "/workspace/"})
    );
    assert_eq!(auth, format!("Bearer {KEY}"));
}

#[tokio::test]
async fn copy_with_four_operands_sends_the_same_body() {
    let m = mock().await;
    let o = vast_at(
        &m,
        &[
            "copy",
            "6003036",
            "C.7001234",
            "/workspace/data",
            "/workspace/",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!("copy started: C.6003036:/workspace/data -> C.7001234:/workspace/: {COPY_MSG}\n")
    );
    let (_, body, _) = only_applied(&m, Operation::Copy);
    assert_eq!(
        body,
        json!({"src_id": "6003036", "dst_id": "7001234", "src_path": "/workspace/data", "dst_path": "/workspace/"})
    );
}

#[tokio::test]
async fn cloud_copy_with_options_sends_strings_and_flags_never_the_key() {
    let m = mock().await;
    let o = vast_at(
        &m,
        &[
            "cloud",
            "copy",
            "--instance",
            "6003036",
            "--connection",
            "1004",
            "--transfer",
            "Instance To Cloud",
            "--src",
            "/workspace/results",
            "--dst",
            "bucket/results",
            "--dry-run",
            "--size-only",
            "--ignore-existing",
            "--update",
            "--delete-excluded",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let line = stdout(&o);
    let expected = format!(
        "cloud copy started on instance 6003036 (Instance To Cloud, connection 1004): {CLOUD_MSG} (result: {}/mock/results/cloud-copy-1.txt)\n",
        m.uri()
    );
    assert_eq!(line, expected);
    assert_eq!(stderr(&o), "");
    let (verb, body, _) = only_applied(&m, Operation::CloudCopy);
    assert_eq!(verb, "POST");
    assert_eq!(
        body,
        json!({
            "instance_id": "6003036", "selected": "1004", "transfer": "Instance To Cloud",
            "src": "/workspace/results", "dst": "bucket/results",
            "flags": ["--dry-run", "--size-only", "--ignore-existing", "--update", "--delete-excluded"]
        })
    );
}

#[tokio::test]
async fn cloud_copy_positional_form_is_case_insensitive_and_dst_defaults_to_workspace() {
    let m = mock().await;
    let o = vast_at(
        &m,
        &[
            "cloud",
            "copy",
            "6003036",
            "bucket/data",
            "--connection",
            "1004",
            "--transfer",
            "cLoUd To InStAnCe",
        ],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with(&format!(
            "cloud copy started on instance 6003036 (Cloud To Instance, connection 1004): {CLOUD_MSG}"
        )),
        "{}",
        stdout(&o)
    );
    let (_, mut body, _) = only_applied(&m, Operation::CloudCopy);
    // No flag: `flags` is absent (or empty).
    let flags = body.as_object_mut().and_then(|b| b.remove("flags"));
    assert!(flags.is_none() || flags == Some(json!([])), "{flags:?}");
    assert_eq!(
        body,
        json!({
            "instance_id": "6003036", "selected": "1004", "transfer": "Cloud To Instance",
            "src": "bucket/data", "dst": "/workspace"
        })
    );
}

#[tokio::test]
async fn cancel_sync_sends_an_integer_dst_id_in_both_forms() {
    for form in [
        &["cancel", "sync", "6003036"][..],
        &["cancel", "sync", "--dst_id", "6003036"][..],
    ] {
        let m = mock().await;
        let o = vast_at(&m, form).await;
        assert_eq!(code(&o), 0, "{form:?}: {}", stderr(&o));
        assert_eq!(
            stdout(&o),
            format!("cancel sync requested for instance 6003036: {CANCEL_MSG}\n")
        );
        assert_eq!(stderr(&o), "");
        let (verb, body, _) = only_applied(&m, Operation::CancelSync);
        assert_eq!(verb, "DELETE");
        assert_eq!(body, json!({"dst_id": 6003036}));
        assert!(body["dst_id"].is_u64(), "dst_id is not an integer: {body}");
    }
}

#[tokio::test]
async fn json_success_prints_the_servers_answer_for_each_command() {
    let m = mock().await;
    let copy = vast_at(&m, &["--json", "copy", "C.1:/a", "C.2:/b"]).await;
    assert_eq!(code(&copy), 0);
    assert_eq!(
        json_stdout(&copy),
        json!({"success": true, "msg": COPY_MSG})
    );
    let cloud = vast_at(
        &m,
        &[
            "--json",
            "cloud",
            "copy",
            "1",
            "/a",
            "--connection",
            "2",
            "--transfer",
            "instance to cloud",
        ],
    )
    .await;
    assert_eq!(code(&cloud), 0);
    assert_eq!(
        json_stdout(&cloud),
        json!({"success": true, "msg": CLOUD_MSG, "result_url": format!("{}/mock/results/cloud-copy-1.txt", m.uri())})
    );
    let cancel = vast_at(&m, &["--json", "cancel", "sync", "--dst_id", "2"]).await;
    assert_eq!(code(&cancel), 0);
    assert_eq!(
        json_stdout(&cancel),
        json!({"success": true, "msg": CANCEL_MSG})
    );
    for o in [&copy, &cloud, &cancel] {
        assert_eq!(stderr(o), "");
    }
    assert_eq!(m.applied().len(), 3);
}

/// Issue 13's acceptance line: with `--json` or `--raw`, a success prints
/// the server's answer as received, fields `vast` does not know included,
/// for every command.
#[tokio::test]
async fn json_and_raw_print_the_servers_answer_with_its_unknown_fields() {
    let body = json!({"success": true, "msg": "ok", "extra_field": 42});
    // The bytes the mock sends for it.
    let sent = body.to_string();
    let commands: [(Operation, &[&str]); 4] = [
        (Operation::Copy, &["copy", "C.1:/a", "C.2:/b"]),
        (
            Operation::CloudCopy,
            &[
                "cloud",
                "copy",
                "--instance",
                "5",
                "--connection",
                "1004",
                "--src",
                "/w",
            ],
        ),
        (Operation::CancelSync, &["cancel", "sync", "7"]),
        (Operation::CancelCopy, &["cancel", "copy", "7"]),
    ];
    for (op, command) in commands {
        for switch in ["--json", "--raw"] {
            let m = MockServer::builder()
                .api_key(KEY)
                .fault(op, When::Always, Fault::json(200, body.clone()))
                .start()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let mut args = vec![switch];
            args.extend_from_slice(command);
            let o = vast_at(&m, &args).await;
            let out = stdout(&o);
            assert_eq!(code(&o), 0, "{args:?}: {out} {}", stderr(&o));
            assert!(out.contains(r#""extra_field":42"#), "{args:?}: {out}");
            assert_eq!(out, format!("{sent}\n"), "{args:?}: not the body as sent");
            assert_eq!(json_stdout(&o), body, "{args:?}");
            assert_eq!(stderr(&o), "", "{args:?}");
            assert!(!out.contains(KEY), "{args:?}: the key leaked: {out}");
            let requests = m.requests();
            assert_eq!(requests.len(), 1, "{args:?}");
            assert_eq!(requests[0].operation, Some(op), "{args:?}");
        }
    }
}

/// A success body over several lines (pretty-printed, chunked) is printed
/// on one line, with only the whitespace between its tokens taken out: key
/// order, number spelling, strings and unknown fields as the server wrote
/// them.
#[tokio::test]
async fn json_prints_a_multi_line_answer_on_one_line_and_otherwise_as_received() {
    use tests::hostile::{Answer, HostileServer};
    let body = "{\n  \"success\": true,\n  \"msg\": \"started  now\",\n  \"result_url\": \"https://r/1\",\n  \"extra\": {\"n\": 1.50, \"big\": 123456789012345678901234567890}\n}\n";
    let (first, second) = body.split_at(body.len() / 2);
    let mut raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for part in [first, second] {
        raw.extend_from_slice(format!("{:x}\r\n{part}\r\n", part.len()).as_bytes());
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let server = HostileServer::start(vec![Answer::Raw(raw)], 1 << 20)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let uri = server.uri();
    let o = vast(&[
        "--raw",
        "--url",
        &uri,
        "--api-key",
        KEY,
        "cloud",
        "copy",
        "5",
        "/w",
        "--connection",
        "1004",
    ])
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "{\"success\":true,\"msg\":\"started  now\",\"result_url\":\"https://r/1\",\"extra\":{\"n\":1.50,\"big\":123456789012345678901234567890}}\n"
    );
    assert_eq!(stderr(&o), "");
}

// ---- exit statuses from real answers and faults ----

/// How the mock is made to fail.
enum Setup {
    Fault(Fault),
    /// The instances the mock knows (the request names others).
    KnownInstances(&'static [u64]),
    /// The key `vast` sends instead of the mock's.
    WrongKey,
}

struct Case {
    name: &'static str,
    setup: Setup,
    exit: i32,
    kind: &'static str,
    /// Text the error must hold (the server's message or the status).
    says: &'static str,
    /// Whether the mock applied the request.
    applied: bool,
}

fn cases() -> Vec<Case> {
    let fault = |f: Fault| Setup::Fault(f);
    vec![
        Case {
            name: "400 invalid_args",
            setup: fault(Fault::json(
                400,
                json!({"success": false, "error": "invalid_args", "msg": "Invalid src_path."}),
            )),
            exit: 1,
            kind: "api",
            says: "Invalid src_path.",
            applied: false,
        },
        Case {
            name: "200 success:false",
            setup: fault(Fault::Rejected),
            exit: 1,
            kind: "rejected",
            says: "refused by the server",
            applied: false,
        },
        Case {
            name: "401 (the mock refuses the key)",
            setup: Setup::WrongKey,
            exit: 3,
            kind: "unauthorized",
            says: "401",
            applied: false,
        },
        Case {
            name: "403",
            setup: fault(Fault::json(
                403,
                json!({"success": false, "error": "forbidden", "msg": "not allowed"}),
            )),
            exit: 3,
            kind: "unauthorized",
            says: "403",
            applied: false,
        },
        Case {
            name: "404 no_such_instance (unknown instance)",
            setup: Setup::KnownInstances(&[1, 2]),
            exit: 1,
            kind: "api",
            says: "no_such_instance",
            applied: false,
        },
        Case {
            name: "429 plain text",
            setup: fault(Fault::too_many_requests()),
            exit: 4,
            kind: "rate_limited",
            says: "API requests too frequent",
            applied: false,
        },
        Case {
            name: "500",
            setup: fault(Fault::text(500, "Internal Server Error")),
            exit: 4,
            kind: "",
            says: "500",
            applied: false,
        },
        Case {
            name: "502",
            setup: fault(Fault::text(502, "<html>Bad Gateway</html>")),
            exit: 4,
            kind: "",
            says: "502",
            applied: false,
        },
        Case {
            name: "503",
            setup: fault(Fault::status(503)),
            exit: 4,
            kind: "",
            says: "503",
            applied: false,
        },
        Case {
            name: "connection closed before the answer",
            setup: fault(Fault::DropBeforeAnswer),
            exit: 4,
            kind: "transport",
            says: "failed after the request was sent (it may have been applied)",
            applied: false,
        },
        Case {
            name: "connection closed after the copy was applied",
            setup: fault(Fault::DropAfterApply),
            exit: 4,
            kind: "transport",
            says: "failed after the request was sent (it may have been applied)",
            applied: true,
        },
        Case {
            name: "truncated JSON",
            setup: fault(Fault::MalformedJson),
            exit: 4,
            kind: "decode",
            says: "could not be read",
            applied: true,
        },
    ]
}

async fn failing_mock(setup: &Setup) -> MockServer {
    let builder = MockServer::builder().api_key(KEY);
    let builder = match setup {
        Setup::Fault(f) => builder.fault(Operation::Copy, When::Always, f.clone()),
        Setup::KnownInstances(ids) => builder.known_instances(ids.iter().copied()),
        Setup::WrongKey => builder,
    };
    builder.start().await.unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn every_answer_and_fault_maps_to_its_exit_status_for_humans_and_json() {
    for case in cases() {
        for json_mode in [false, true] {
            let m = failing_mock(&case.setup).await;
            let uri = m.uri();
            let key = if matches!(case.setup, Setup::WrongKey) {
                "not-the-key"
            } else {
                KEY
            };
            let mut args = vec![
                "--url",
                uri.as_str(),
                "--api-key",
                key,
                "--max-attempts",
                "1",
            ];
            if json_mode {
                args.push("--json");
            }
            args.extend(["copy", "C.6003036:/workspace/data", "C.7001234:/workspace/"]);
            let o = vast(&args).await;
            let name = format!("{} (json={json_mode})", case.name);
            assert_eq!(code(&o), case.exit, "{name}: {} {}", stdout(&o), stderr(&o));
            assert_eq!(m.requests().len(), 1, "{name}");
            assert_eq!(m.applied().len(), usize::from(case.applied), "{name}");
            if json_mode {
                let v = json_stdout(&o);
                let error = &v["error"];
                if !case.kind.is_empty() {
                    assert_eq!(error["kind"], case.kind, "{name}: {v}");
                }
                assert_eq!(error["exit_status"], case.exit, "{name}");
                assert_eq!(error["operation"], "copy", "{name}");
                assert!(
                    error["message"]
                        .as_str()
                        .is_some_and(|t| t.contains(case.says)),
                    "{name}: {v}"
                );
                assert_eq!(stderr(&o), "", "{name}");
            } else {
                let err = stderr(&o);
                assert_eq!(stdout(&o), "", "{name}");
                assert!(
                    err.starts_with("vast: ") && err.ends_with('\n'),
                    "{name}: {err:?}"
                );
                assert_eq!(err.lines().count(), 1, "{name}: {err:?}");
                assert!(err.contains(case.says), "{name}: {err:?}");
                assert!(
                    !err.contains("Error {") && !err.contains("::") && !err.contains("panicked"),
                    "{err}"
                );
            }
        }
    }
}

#[tokio::test]
async fn cloud_copy_refused_with_success_false_exits_1_not_started() {
    let m = MockServer::builder()
        .api_key(KEY)
        .fault(Operation::CloudCopy, When::Always, Fault::Rejected)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let o = vast_at(
        &m,
        &[
            "cloud",
            "copy",
            "1",
            "/a",
            "--connection",
            "1004",
            "--transfer",
            "Instance To Cloud",
        ],
    )
    .await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).starts_with("vast: cloud copy was refused by the server: "),
        "{}",
        stderr(&o)
    );
    assert!(m.applied().is_empty());
}

#[tokio::test]
async fn cancel_copy_sends_a_string_dst_id_in_every_form() {
    for form in [
        &["cancel", "copy", "6003036"][..],
        &["cancel", "copy", "--dst_id", "6003036"][..],
        &["cancel", "copy", "C.6003036:/workspace/"][..],
    ] {
        let m = mock().await;
        let o = vast_at(&m, form).await;
        assert_eq!(code(&o), 0, "{form:?}: {}", stderr(&o));
        // The documented answer has no `msg`: the line says what was asked.
        assert_eq!(stdout(&o), "cancel copy requested for instance 6003036\n");
        assert_eq!(stderr(&o), "");
        // The mock's route for DELETE /api/v0/commands/copy_direct/.
        let (verb, body, _) = only_applied(&m, Operation::CancelCopy);
        assert_eq!(verb, "DELETE");
        assert_eq!(body, json!({"dst_id": "6003036"}));
    }
}

#[tokio::test]
async fn cancel_copy_explain_shows_the_call_and_instance_0_is_refused() {
    let m = mock().await;
    let o = vast_at(&m, &["--explain", "cancel", "copy", "1"]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("DELETE")
            && err.contains("/api/v0/commands/copy_direct/")
            && err.contains(r#""dst_id":"1""#),
        "{err}"
    );
    let o = vast_at(&m, &["cancel", "copy", "0"]).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[tokio::test]
async fn cancel_of_an_unknown_instance_exits_1_with_the_servers_code() {
    let m = MockServer::builder()
        .api_key(KEY)
        .known_instances([1])
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for what in ["sync", "copy"] {
        let o = vast_at(&m, &["--json", "cancel", what, "5"]).await;
        assert_eq!(code(&o), 1, "cancel {what}");
        let v = json_stdout(&o);
        assert_eq!(
            (v["error"]["status"].as_u64(), v["error"]["code"].as_str()),
            (Some(404), Some("no_such_instance")),
            "cancel {what}: {v}"
        );
    }
}

#[tokio::test]
async fn connection_refused_exits_4() {
    // A port bound without listening: connecting is refused, and no mock
    // another test starts meanwhile can be given it (a released port can).
    let no_server = tokio::net::TcpSocket::new_v4().unwrap_or_else(|e| panic!("{e}"));
    no_server
        .bind(([127, 0, 0, 1], 0).into())
        .unwrap_or_else(|e| panic!("{e}"));
    let port = no_server
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!("http://127.0.0.1:{port}");
    for json_mode in [false, true] {
        let mut args = vec![
            "--url",
            url.as_str(),
            "--api-key",
            KEY,
            "--max-attempts",
            "1",
            "cancel",
            "sync",
            "5",
        ];
        if json_mode {
            args.insert(0, "--json");
        }
        let o = vast(&args).await;
        assert_eq!(code(&o), 4, "{}", stderr(&o));
        if json_mode {
            assert_eq!(json_stdout(&o)["error"]["kind"], "transport");
        } else {
            assert!(
                stderr(&o).starts_with("vast: cancel sync failed: could not reach the server"),
                "{}",
                stderr(&o)
            );
        }
    }
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_exits_4() {
    let m = MockServer::builder()
        .api_key(KEY)
        .fault(
            Operation::CancelSync,
            When::Always,
            Fault::DelayHeaders(Duration::from_secs(30)),
        )
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let o = vast_at(&m, &["--json", "--timeout", "0.2", "cancel", "sync", "5"]).await;
    assert_eq!(code(&o), 4, "{}", stdout(&o));
    assert_eq!(json_stdout(&o)["error"]["kind"], "timeout");
}

/// The hostile answers of issue 10 (`tests::hostile`): `vast copy` exits 4
/// with the error's own kind, and its connection was closed before the
/// server's bound (16 MiB; see `tests/tests/hostile.rs` for the slack).
#[tokio::test]
async fn hostile_answers_exit_4_and_the_connection_is_closed() {
    use tests::hostile::{Answer, End, HostileServer};
    let drip = Answer::Drip {
        every: Duration::from_millis(10),
        len: 400,
    };
    // Only the drip row may time out (its 400 bytes take 4 s).
    for (answer, kind, timeout) in [
        (Answer::two_gib(), "response_too_large", "30"),
        (Answer::endless(200), "response_too_large", "30"),
        (Answer::endless(500), "response_too_large", "30"),
        (drip, "timeout", "0.5"),
        (Answer::EndlessHeaders, "transport", "30"),
    ] {
        let mut server = HostileServer::start(vec![answer.clone()], 16 << 20)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let uri = server.uri();
        let o = vast(&[
            "--json",
            "--url",
            &uri,
            "--api-key",
            KEY,
            "--max-attempts",
            "1",
            "--timeout",
            timeout,
            "copy",
            "1:/a",
            "2:/b",
        ])
        .await;
        assert_eq!(code(&o), 4, "{answer:?}: {}", stdout(&o));
        let error = &json_stdout(&o)["error"];
        assert_eq!(error["kind"], kind, "{answer:?}: {error}");
        if kind == "response_too_large" {
            assert!(
                error["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("1048576-byte limit")),
                "{error}"
            );
        }
        let served = server.next_served().await;
        assert_eq!(served.end, End::ClientClosed, "{answer:?}: {served:?}");
    }
}

#[tokio::test]
async fn max_attempts_lets_a_429_with_retry_after_0_be_retried() {
    // `--retry N`, the official spelling, means the same: N attempts in all.
    for (option, attempts, exit, requests) in [
        ("--max-attempts", "1", 4, 1),
        ("--max-attempts", "2", 0, 2),
        ("--retry", "1", 4, 1),
        ("--retry", "2", 0, 2),
    ] {
        let m = MockServer::builder()
            .api_key(KEY)
            .fault(
                Operation::Copy,
                When::Nth(1),
                Fault::too_many_requests().with_retry_after_secs(0),
            )
            .start()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let uri = m.uri();
        let o = vast(&[
            "--url",
            &uri,
            "--api-key",
            KEY,
            option,
            attempts,
            "copy",
            "1:/a",
            "2:/b",
        ])
        .await;
        assert_eq!(code(&o), exit, "{option} {attempts}: {}", stderr(&o));
        assert_eq!(m.requests().len(), requests);
    }
}

// ---- bad input: exit 2 or 3, and nothing is sent ----

#[tokio::test]
async fn bad_input_exits_2_and_sends_nothing() {
    let cases: &[(&[&str], &str)] = &[
        (&["copy", "C.1:/a:b", "C.2:/b"], "invalid_input"),
        (&["copy", "local:/a", "C.2:/b"], "invalid_input"),
        (&["copy", "C.1:/a"], "usage"),
        (&["copy", "x1", "2", "/a", "/b"], "invalid_input"),
        (
            &[
                "cloud",
                "copy",
                "1",
                "/a",
                "--connection",
                "2",
                "--transfer",
                "sideways",
            ],
            "invalid_input",
        ),
        (
            &[
                "cloud",
                "copy",
                "1",
                "/a",
                "--connection",
                "two",
                "--transfer",
                "Instance To Cloud",
            ],
            "invalid_input",
        ),
        // --transfer defaults to "Instance To Cloud"; --connection is required.
        (&["cloud", "copy", "1", "/a"], "usage"),
        (&["cancel", "sync", "abc"], "invalid_input"),
        (&["cloud"], "usage"),
        (&["cancel"], "usage"),
        (&["cancel", "sync", "--dst_id", "12x"], "invalid_input"),
        (&["--timeout", "soon", "cancel", "sync", "1"], "usage"),
        (
            &["--url", "ftp://127.0.0.1/", "cancel", "sync", "1"],
            "config",
        ),
    ];
    for (args, kind) in cases {
        for json_mode in [false, true] {
            let m = mock().await;
            let uri = m.uri();
            let mut full = vec!["--api-key", KEY];
            if !args.contains(&"--url") {
                full.extend(["--url", uri.as_str()]);
            }
            if json_mode {
                full.push("--json");
            }
            full.extend(args.iter().copied());
            let o = vast(&full).await;
            assert_eq!(code(&o), 2, "{full:?}: {} {}", stdout(&o), stderr(&o));
            if json_mode {
                assert_eq!(json_stdout(&o)["error"]["kind"], *kind, "{full:?}");
            } else {
                assert!(!stderr(&o).is_empty(), "{full:?}");
                assert_eq!(stdout(&o), "", "{full:?}");
            }
            no_request(&m);
        }
    }
}

#[tokio::test]
async fn missing_key_exits_3_and_sends_nothing() {
    let m = mock().await;
    let uri = m.uri();
    let o = vast(&["--url", &uri, "copy", "C.1:/a", "C.2:/b"]).await;
    assert_eq!(code(&o), 3);
    assert_eq!(
        stderr(&o),
        "vast: no API key: pass --api-key, set VAST_API_KEY, or write the key to ~/.config/vastai/vast_api_key\n"
    );
    let o = vast(&["--json", "--url", &uri, "cancel", "sync", "1"]).await;
    assert_eq!(code(&o), 3);
    assert_eq!(json_stdout(&o)["error"]["kind"], "no_api_key");
    no_request(&m);
}

// ---- the key never shows ----

#[tokio::test]
async fn verbose_logs_go_to_stderr_and_never_hold_the_key() {
    for fault in [
        None,
        Some(Fault::status(503)),
        Some(Fault::json(
            401,
            json!({"success": false, "msg": "bad key"}),
        )),
    ] {
        for v in ["-v", "-vv", "-vvv"] {
            let mut builder = MockServer::builder().api_key(KEY);
            if let Some(f) = &fault {
                builder = builder.fault(Operation::Copy, When::Always, f.clone());
            }
            let m = builder.start().await.unwrap_or_else(|e| panic!("{e}"));
            let o = vast_at(&m, &[v, "copy", "C.1:/a", "C.2:/b"]).await;
            let (out, err) = (stdout(&o), stderr(&o));
            assert!(err.contains("sending"), "{v}: -v logs nothing: {err}");
            assert!(
                !out.contains(KEY) && !err.contains(KEY),
                "{v}: the key leaked:\n{out}\n{err}"
            );
            assert_eq!(m.requests().len(), 1);
        }
    }
}

// ---- help and version need no server ----

#[tokio::test]
async fn help_documents_the_exit_statuses_and_version_prints_the_version() {
    let o = vast(&["--help"]).await;
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    for line in [
        "0  success",
        "1  the request was refused",
        "2  bad usage",
        "3  authentication",
        "4  network failure",
    ] {
        assert!(help.contains(line), "missing `{line}` in\n{help}");
    }
    let o = vast(&["--version"]).await;
    assert_eq!(
        (code(&o), stdout(&o)),
        (0, format!("vast {}\n", env!("CARGO_PKG_VERSION")))
    );
}

// ---- drop-in for the official CLI (issue 13) ----

/// What `vast` does with an official invocation.
enum Expect {
    /// Exit 0 after sending this operation with this JSON body.
    Sent(Operation, Value),
    /// Refused before any request, exit 2: outside these endpoints, on
    /// purpose (the README's migration table says why).
    Refused,
    /// An official switch `vast` does not take: clap's usage error, exit 2,
    /// before any request.
    Unknown(&'static str),
}

/// The official invocations of `copy`, `cloud copy`, `cancel sync` and `cancel copy`: the
/// seeds' usage lines (placeholders filled in), the official CLI's help
/// examples, and issue 13's; `vastai` replaced by `vast`, nothing else.
fn official() -> Vec<(&'static str, Expect)> {
    use Expect::{Refused, Sent, Unknown};
    let copy = |src: &str, dst: &str, src_path: &str, dst_path: &str| {
        Sent(
            Operation::Copy,
            json!({"src_id": src, "dst_id": dst, "src_path": src_path, "dst_path": dst_path}),
        )
    };
    let cloud = |instance: &str, connection: &str, transfer: &str, src: &str, dst: &str| {
        Sent(
            Operation::CloudCopy,
            json!({"instance_id": instance, "selected": connection, "transfer": transfer,
                   "src": src, "dst": dst}),
        )
    };
    let cancel = |dst: u64| Sent(Operation::CancelSync, json!({"dst_id": dst}));
    let cancel_copy = |dst: &str| Sent(Operation::CancelCopy, json!({"dst_id": dst}));
    vec![
        // Seeds (docs' "CLI Usage" lines).
        (
            "vast copy 6003036 7001234 /workspace/data /workspace/",
            copy("6003036", "7001234", "/workspace/data", "/workspace/"),
        ),
        (
            "vast cloud copy 6003036 /workspace/results bucket/results --connection 1004",
            cloud(
                "6003036",
                "1004",
                "Instance To Cloud",
                "/workspace/results",
                "bucket/results",
            ),
        ),
        ("vast cancel sync --dst_id 6003036", cancel(6003036)),
        // cancel copy's document: `vastai cancel copy --dst_id <destination_id>`;
        // the official CLI's usage: `vastai cancel copy DST`.
        ("vast cancel copy --dst_id 7001234", cancel_copy("7001234")),
        ("vast cancel copy 7001234", cancel_copy("7001234")),
        // `vastai copy --help` examples: instance to instance runs; local,
        // cloud and volume locations are outside the copy endpoint.
        (
            "vast copy 6003036:/workspace/ 6003038:/workspace/",
            copy("6003036", "6003038", "/workspace/", "/workspace/"),
        ),
        ("vast copy C.11824:/data/test local:data/test", Refused),
        ("vast copy local:data/test C.11824:/data/test", Refused),
        (
            "vast copy drive:/folder/file.txt C.6003036:/workspace/",
            Refused,
        ),
        ("vast copy s3.101:/data/ C.6003036:/workspace/", Refused),
        (
            "vast copy hf.101:/my-bucket/data/ C.6003036:/workspace/",
            Refused,
        ),
        ("vast copy V.1234:/file C.5678:/workspace/", Refused),
        ("vast copy V.1234:/file s3.101:/workspace/", Refused),
        // `vastai cloud copy --help` examples.
        (
            r#"vast cloud copy --src /folder --dst /workspace --instance 6003036 --connection 1001 --transfer "Instance To Cloud""#,
            cloud(
                "6003036",
                "1001",
                "Instance To Cloud",
                "/folder",
                "/workspace",
            ),
        ),
        (
            r#"vast cloud copy --src my-bucket/data --dst /workspace --instance 6003036 --connection 1004 --transfer "Cloud To Instance""#,
            cloud(
                "6003036",
                "1004",
                "Cloud To Instance",
                "my-bucket/data",
                "/workspace",
            ),
        ),
        // `vastai cancel sync --help` example.
        ("vast cancel sync 12371", cancel(12371)),
        // Issue 13: the default transfer, and the official global switches
        // (which the official CLI takes before or after the command).
        (
            "vast cloud copy --src /folder --instance 6003036 --connection 1001",
            cloud(
                "6003036",
                "1001",
                "Instance To Cloud",
                "/folder",
                "/workspace",
            ),
        ),
        (
            "vast cloud copy --instance 5 --connection 1004 --src /w",
            cloud("5", "1004", "Instance To Cloud", "/w", "/workspace"),
        ),
        ("vast --retry 2 cancel sync 7", cancel(7)),
        ("vast --explain cancel sync 7", cancel(7)),
        ("vast cancel sync 12371 --raw", cancel(12371)),
        (
            "vast --raw copy 6003036:/workspace/ 6003038:/workspace/",
            copy("6003036", "6003038", "/workspace/", "/workspace/"),
        ),
        // What the migration table says `vast` refuses: scheduling (other
        // endpoints) and official switches these endpoints do not need.
        (
            "vast cloud copy --src /folder --instance 6003036 --connection 1001 --schedule DAILY",
            Unknown("--schedule"),
        ),
        ("vast --curl cancel sync 7", Unknown("--curl")),
        ("vast --full cancel sync 7", Unknown("--full")),
        ("vast --no-color cancel sync 7", Unknown("--no-color")),
        (
            "vast copy -i KEY 6003036:/workspace/ 6003038:/workspace/",
            Unknown("-i"),
        ),
    ]
}

/// Splits a command line the way a shell would for these lines: on spaces,
/// with double quotes grouping words.
fn words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '"' => (quoted, any) = (!quoted, true),
            ' ' if !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            c => (word, any) = (word + &c.to_string(), true),
        }
    }
    if any {
        words.push(word);
    }
    words
}

#[test]
fn official_lines_split_as_a_shell_would() {
    assert_eq!(
        words(r#"vast cloud copy --transfer "Cloud To Instance" --src /a"#),
        [
            "vast",
            "cloud",
            "copy",
            "--transfer",
            "Cloud To Instance",
            "--src",
            "/a"
        ]
    );
}

#[tokio::test]
async fn every_official_invocation_runs_unchanged_or_is_refused_before_any_request() {
    let mut sent = 0;
    for (line, expect) in official() {
        let m = mock().await;
        let uri = m.uri();
        let words = words(line);
        assert_eq!(words[0], "vast", "{line}");
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        // Key and URL come from the environment, as the official CLI reads them.
        let o = vast_env(&[("VAST_API_KEY", KEY), ("VAST_URL", &uri)], &args).await;
        let raw = args.contains(&"--raw");
        match expect {
            Expect::Sent(op, expected) => {
                assert_eq!(code(&o), 0, "{line}: {} {}", stdout(&o), stderr(&o));
                let (method, mut body, auth) = only_applied(&m, op);
                assert_eq!(method, op.method(), "{line}");
                // A cloud copy without flags sends no `flags` (or an empty list).
                let flags = body.as_object_mut().and_then(|b| b.remove("flags"));
                assert!(
                    flags.is_none() || flags == Some(json!([])),
                    "{line}: {flags:?}"
                );
                assert_eq!(body, expected, "{line}");
                assert_eq!(auth, format!("Bearer {KEY}"));
                if raw {
                    assert_eq!(json_stdout(&o)["success"], true, "{line}");
                } else {
                    assert_eq!(stdout(&o).lines().count(), 1, "{line}: {}", stdout(&o));
                }
                if !args.contains(&"--explain") {
                    assert_eq!(stderr(&o), "", "{line}");
                }
                sent += 1;
            }
            Expect::Refused => {
                assert_eq!(code(&o), 2, "{line}: {} {}", stdout(&o), stderr(&o));
                assert!(stderr(&o).starts_with("vast: "), "{line}: {}", stderr(&o));
                assert_eq!(stdout(&o), "", "{line}");
                no_request(&m);
            }
            Expect::Unknown(switch) => {
                assert_eq!(code(&o), 2, "{line}: {} {}", stdout(&o), stderr(&o));
                let named = format!("unexpected argument '{switch}'");
                assert!(stderr(&o).contains(&named), "{line}: {}", stderr(&o));
                assert_eq!(stdout(&o), "", "{line}");
                no_request(&m);
            }
        }
    }
    assert_eq!(sent, 15);
}

#[tokio::test]
async fn explain_prints_method_url_and_the_body_sent_on_stderr_never_the_key() {
    let cases: [&[&str]; 3] = [
        &["--explain", "cancel", "sync", "7"],
        &["--explain", "copy", "C.1:/a", "2:/b/"],
        &[
            "cloud",
            "copy",
            "--instance",
            "5",
            "--connection",
            "1004",
            "--src",
            "/w",
            "--explain",
            "--size-only",
        ],
    ];
    for args in cases {
        for json_mode in [false, true] {
            let m = mock().await;
            let mut all = args.to_vec();
            if json_mode {
                all.push("--json");
            }
            let o = vast_at(&m, &all).await;
            assert_eq!(code(&o), 0, "{all:?}: {}", stderr(&o));
            let op = m.requests()[0]
                .operation
                .unwrap_or_else(|| panic!("{all:?}: unknown operation"));
            let (_, body, _) = only_applied(&m, op);
            let err = stderr(&o);
            let lines: Vec<&str> = err.lines().collect();
            assert_eq!(
                lines.first().copied(),
                Some(format!("vast: explain: {} {}{}", op.method(), m.uri(), op.path()).as_str()),
                "{err}"
            );
            let shown = lines
                .get(1)
                .and_then(|l| l.strip_prefix("vast: explain: body: "))
                .unwrap_or_else(|| panic!("no body line: {err}"));
            let shown: Value = serde_json::from_str(shown).unwrap_or_else(|e| panic!("{e}: {err}"));
            assert_eq!(shown, body, "{all:?}: the body shown is not the body sent");
            // The third line: the request in the library's serde form (what
            // `vast batch` takes), naming the operation.
            let form = lines
                .get(2)
                .and_then(|l| l.strip_prefix("vast: explain: request: "))
                .unwrap_or_else(|| panic!("no request line: {err}"));
            let form: Value = serde_json::from_str(form).unwrap_or_else(|e| panic!("{e}: {err}"));
            assert_eq!(form["operation"], op.name().replace(' ', "_"), "{err}");
            assert_eq!(lines.len(), 3, "{err}");
            let out = stdout(&o);
            if json_mode {
                assert_eq!(json_stdout(&o)["success"], true);
            } else {
                assert_eq!(out.lines().count(), 1, "{out}");
            }
            for text in [&out, &err] {
                assert!(!text.contains(KEY), "the key leaked: {text}");
                let lower = text.to_ascii_lowercase();
                assert!(
                    !lower.contains("authorization") && !lower.contains("bearer"),
                    "{text}"
                );
            }
        }
    }
    // The acceptance line: the path and the body's dst_id.
    let m = mock().await;
    let o = vast_at(&m, &["--explain", "cancel", "sync", "7"]).await;
    let err = stderr(&o);
    assert!(
        err.contains("/api/v0/commands/rclone/") && err.contains(r#""dst_id":7"#),
        "{err}"
    );
}

#[tokio::test]
async fn explain_shows_nothing_when_the_input_is_refused() {
    let m = mock().await;
    let o = vast_at(&m, &["--explain", "cancel", "sync", "0"]).await;
    assert_eq!(code(&o), 2);
    assert!(!stderr(&o).contains("explain"), "{}", stderr(&o));
    no_request(&m);
}

#[tokio::test]
async fn retry_and_max_attempts_together_are_a_usage_error() {
    let m = mock().await;
    for json_mode in [false, true] {
        let mut args = vec!["--retry", "2", "--max-attempts", "2", "cancel", "sync", "7"];
        if json_mode {
            args.push("--raw");
        }
        let o = vast_env(&[("VAST_API_KEY", KEY), ("VAST_URL", &m.uri())], &args).await;
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        if json_mode {
            assert_eq!(json_stdout(&o)["error"]["kind"], "usage");
        }
    }
    no_request(&m);
}

#[tokio::test]
async fn help_shows_the_official_defaults_and_switches() {
    let o = vast(&["cloud", "copy", "--help"]).await;
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains(r#"[default: "Instance To Cloud"]"#),
        "{}",
        stdout(&o)
    );
    let o = vast(&["--help"]).await;
    let help = stdout(&o);
    for needle in ["--raw", "--retry", "--explain", "completions"] {
        assert!(help.contains(needle), "no {needle} in\n{help}");
    }
}

#[tokio::test]
async fn each_completion_script_names_every_command_and_the_official_switches() {
    // How each shell's script names a command path (`cloud copy`).
    type Form = fn(&[&str]) -> String;
    let forms: [(&str, Form); 5] = [
        ("bash", |path| {
            format!("vast__subcmd__{})", path.join("__subcmd__"))
        }),
        ("zsh", |path| {
            format!("_vast__subcmd__{}_commands", path.join("__subcmd__"))
        }),
        ("fish", |path| match path {
            [one] => format!("__fish_vast_using_subcommand {one}\""),
            [first, second] => format!(
                "__fish_vast_using_subcommand {first}; and __fish_seen_subcommand_from {second}\""
            ),
            _ => unreachable!(),
        }),
        ("powershell", |path| format!("'vast;{}'", path.join(";"))),
        ("elvish", |path| format!("&'vast;{}'=", path.join(";"))),
    ];
    let commands: [&[&str]; 6] = [
        &["copy"],
        &["cloud", "copy"],
        &["cancel", "sync"],
        &["cancel", "copy"],
        &["batch"],
        &["completions"],
    ];
    for (shell, form) in forms {
        let o = vast(&["completions", shell]).await;
        assert_eq!(code(&o), 0, "{shell}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{shell}");
        let script = stdout(&o);
        for path in commands {
            let needle = form(path);
            assert!(
                script.contains(&needle),
                "{shell}: no `{needle}` for {path:?}"
            );
        }
        for option in [
            "explain",
            "retry",
            "raw",
            "max-attempts",
            "transfer",
            "dst_id",
            "keep-going",
        ] {
            assert!(script.contains(option), "{shell}: no {option}");
        }
    }
    let o = vast(&["completions", "tcsh"]).await;
    assert_eq!(code(&o), 2);
}
