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
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        Command::cargo_bin("vast")
            .unwrap_or_else(|e| panic!("{e}"))
            .env_remove("VAST_API_KEY")
            .env_remove("VAST_URL")
            .env_remove("RUST_LOG")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
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
async fn cancel_sync_of_an_unknown_instance_exits_1_with_the_servers_code() {
    let m = MockServer::builder()
        .api_key(KEY)
        .known_instances([1])
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let o = vast_at(&m, &["--json", "cancel", "sync", "5"]).await;
    assert_eq!(code(&o), 1);
    let v = json_stdout(&o);
    assert_eq!(
        (v["error"]["status"].as_u64(), v["error"]["code"].as_str()),
        (Some(404), Some("no_such_instance")),
        "{v}"
    );
}

#[tokio::test]
async fn connection_refused_exits_4() {
    // A port that was just free: bind, read it, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
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

#[tokio::test]
async fn max_attempts_lets_a_429_with_retry_after_0_be_retried() {
    for (attempts, exit, requests) in [("1", 4, 1), ("2", 0, 2)] {
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
            "--max-attempts",
            attempts,
            "copy",
            "1:/a",
            "2:/b",
        ])
        .await;
        assert_eq!(code(&o), exit, "--max-attempts {attempts}: {}", stderr(&o));
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
        (&["cloud", "copy", "1", "/a", "--connection", "2"], "usage"),
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
        "1  the API refused",
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
