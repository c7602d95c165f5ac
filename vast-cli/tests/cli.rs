//! The `vast` binary against a local server on 127.0.0.1: the request it
//! sends for each command and form, its output, and its exit status for every
//! kind of answer and fault.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::process::Output;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "test-key-0123456789abcdef";
const COPY: &str = "/api/v0/commands/copy_direct/";
const RCLONE: &str = "/api/v0/commands/rclone/";

/// Runs `vast` with a clean environment: no key in the environment, `HOME`
/// and `XDG_CONFIG_HOME` pointing at an empty directory, so only what the
/// test passes counts.
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

/// `vast --url <server> --api-key KEY --max-attempts 1 <args>`.
async fn vast_at(server: &MockServer, args: &[&str]) -> Output {
    let uri = server.uri();
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

async fn server(verb: &str, at: &str, answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

fn ok_json(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// The one request the server received: method, JSON body, Authorization.
async fn only_request(server: &MockServer) -> (String, Value, String) {
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 1, "expected one request, got {requests:?}");
    let r = &requests[0];
    let body: Value =
        serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("body is not JSON: {e}"));
    let auth = r
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        !r.url.as_str().contains(KEY),
        "the key is in the URL {}",
        r.url
    );
    (r.method.to_string(), body, auth)
}

async fn no_request(server: &MockServer) {
    let requests = server.received_requests().await.unwrap_or_default();
    assert!(requests.is_empty(), "expected no request, got {requests:?}");
}

// ---- each command and form: the request, the output, the status ----

#[tokio::test]
async fn copy_with_locations_sends_string_ids_and_prints_one_line() {
    let s = server("PUT", COPY, ok_json(json!({"success": true, "msg": "Remote to Remote copy initiated - check instance status bar for progress updates (~30 seconds delayed)."}))).await;
    let o = vast_at(
        &s,
        &["copy", "C.6003036:/workspace/data", "7001234:/workspace/"],
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "copy started: C.6003036:/workspace/data -> C.7001234:/workspace/: Remote to Remote copy initiated - check instance status bar for progress updates (~30 seconds delayed).\n"
    );
    assert_eq!(stderr(&o), "");
    let (verb, body, auth) = only_request(&s).await;
    assert_eq!(verb, "PUT");
    assert_eq!(
        body,
        json!({"src_id": "6003036", "dst_id": "7001234", "src_path": "/workspace/data", "dst_path": "/workspace/"})
    );
    assert_eq!(auth, format!("Bearer {KEY}"));
}

#[tokio::test]
async fn copy_with_four_operands_sends_the_same_body() {
    let s = server("PUT", COPY, ok_json(json!({"success": true, "msg": "ok"}))).await;
    let o = vast_at(
        &s,
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
        "copy started: C.6003036:/workspace/data -> C.7001234:/workspace/: ok\n"
    );
    let (_, body, _) = only_request(&s).await;
    assert_eq!(
        body,
        json!({"src_id": "6003036", "dst_id": "7001234", "src_path": "/workspace/data", "dst_path": "/workspace/"})
    );
}

#[tokio::test]
async fn cloud_copy_with_options_sends_strings_and_flags_never_the_key() {
    let s = server("POST", RCLONE, ok_json(json!({"success": true, "msg": "Cloud Copy Started", "result_url": "https://results.example/1"}))).await;
    let o = vast_at(
        &s,
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
    assert_eq!(
        stdout(&o),
        "cloud copy started on instance 6003036 (Instance To Cloud, connection 1004): Cloud Copy Started (result: https://results.example/1)\n"
    );
    assert_eq!(stderr(&o), "");
    let (verb, body, _) = only_request(&s).await;
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
    let s = server(
        "POST",
        RCLONE,
        ok_json(json!({"success": true, "msg": "Cloud Copy Started"})),
    )
    .await;
    let o = vast_at(
        &s,
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
    assert_eq!(
        stdout(&o),
        "cloud copy started on instance 6003036 (Cloud To Instance, connection 1004): Cloud Copy Started\n"
    );
    let (_, mut body, _) = only_request(&s).await;
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
        let s = server(
            "DELETE",
            RCLONE,
            ok_json(json!({"success": true, "msg": "Sync cancelled"})),
        )
        .await;
        let o = vast_at(&s, form).await;
        assert_eq!(code(&o), 0, "{form:?}: {}", stderr(&o));
        assert_eq!(
            stdout(&o),
            "cancel sync requested for instance 6003036: Sync cancelled\n"
        );
        assert_eq!(stderr(&o), "");
        let (verb, body, _) = only_request(&s).await;
        assert_eq!(verb, "DELETE");
        assert_eq!(body, json!({"dst_id": 6003036}));
        assert!(body["dst_id"].is_u64());
    }
}

#[tokio::test]
async fn json_success_prints_the_servers_answer() {
    let answer = json!({"success": true, "msg": "Cloud Copy Started", "result_url": "https://results.example/1"});
    let s = server("POST", RCLONE, ok_json(answer.clone())).await;
    let o = vast_at(
        &s,
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
    assert_eq!(code(&o), 0);
    assert_eq!(json_stdout(&o), answer);
    assert_eq!(stderr(&o), "");
}

// ---- exit statuses from real answers and faults ----

struct Case {
    name: &'static str,
    answer: ResponseTemplate,
    exit: i32,
    kind: &'static str,
    /// Text the human error line must hold (the server's message).
    says: &'static str,
}

fn cases() -> Vec<Case> {
    let text = |status: u16, body: &str| {
        ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), "text/plain")
    };
    vec![
        Case {
            name: "400 invalid_args",
            answer: ResponseTemplate::new(400).set_body_json(json!({"success": false, "error": "invalid_args", "msg": "Invalid src_path."})),
            exit: 1, kind: "api", says: "Invalid src_path.",
        },
        Case {
            name: "200 success:false",
            answer: ok_json(json!({"success": false, "msg": "Instance is not running."})),
            exit: 1, kind: "rejected", says: "Instance is not running.",
        },
        Case {
            name: "401",
            answer: ResponseTemplate::new(401).set_body_json(json!({"success": false, "error": "unauthorized", "msg": "Invalid API key"})),
            exit: 3, kind: "unauthorized", says: "401",
        },
        Case {
            name: "403",
            answer: ResponseTemplate::new(403).set_body_json(json!({"success": false, "msg": "forbidden"})),
            exit: 3, kind: "unauthorized", says: "403",
        },
        Case {
            name: "404 no_such_instance",
            answer: ResponseTemplate::new(404).set_body_json(json!({"success": false, "error": "no_such_instance", "msg": "No such instance 7001234"})),
            exit: 1, kind: "api", says: "No such instance 7001234",
        },
        Case {
            name: "429 plain text",
            answer: text(429, "API requests too frequent endpoint threshold=1.0"),
            exit: 4, kind: "rate_limited", says: "API requests too frequent",
        },
        Case { name: "500", answer: text(500, "Internal Server Error"), exit: 4, kind: "", says: "500" },
        Case { name: "502", answer: text(502, "<html>Bad Gateway</html>"), exit: 4, kind: "", says: "502" },
        Case { name: "503", answer: text(503, "Service Unavailable"), exit: 4, kind: "", says: "503" },
    ]
}

#[tokio::test]
async fn every_answer_maps_to_its_exit_status_for_humans_and_json() {
    for case in cases() {
        for json_mode in [false, true] {
            let s = server("PUT", COPY, case.answer.clone()).await;
            let mut args = vec!["copy", "C.6003036:/workspace/data", "C.7001234:/workspace/"];
            if json_mode {
                args.insert(0, "--json");
            }
            let o = vast_at(&s, &args).await;
            assert_eq!(
                code(&o),
                case.exit,
                "{} json={json_mode}: {} {}",
                case.name,
                stdout(&o),
                stderr(&o)
            );
            assert_eq!(
                s.received_requests().await.unwrap_or_default().len(),
                1,
                "{}",
                case.name
            );
            if json_mode {
                let v = json_stdout(&o);
                let error = &v["error"];
                if !case.kind.is_empty() {
                    assert_eq!(error["kind"], case.kind, "{}: {v}", case.name);
                }
                assert_eq!(error["exit_status"], case.exit, "{}", case.name);
                assert_eq!(error["operation"], "copy", "{}", case.name);
                assert!(
                    error["message"]
                        .as_str()
                        .is_some_and(|m| m.contains(case.says)),
                    "{}: {v}",
                    case.name
                );
                assert_eq!(stderr(&o), "", "{}", case.name);
            } else {
                let err = stderr(&o);
                assert_eq!(stdout(&o), "", "{}", case.name);
                assert!(
                    err.starts_with("vast: ") && err.ends_with('\n'),
                    "{}: {err:?}",
                    case.name
                );
                assert_eq!(err.lines().count(), 1, "{}: {err:?}", case.name);
                assert!(err.contains(case.says), "{}: {err:?}", case.name);
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
    let s = server(
        "POST",
        RCLONE,
        ok_json(json!({"success": false, "msg": "connection 1004 not found"})),
    )
    .await;
    let o = vast_at(
        &s,
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
    assert_eq!(code(&o), 1);
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "vast: cloud copy was refused by the server: connection 1004 not found\n"
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
    let slow = ok_json(json!({"success": true})).set_delay(std::time::Duration::from_secs(30));
    let s = server("DELETE", RCLONE, slow).await;
    let o = vast_at(&s, &["--json", "--timeout", "0.2", "cancel", "sync", "5"]).await;
    assert_eq!(code(&o), 4, "{}", stdout(&o));
    assert_eq!(json_stdout(&o)["error"]["kind"], "timeout");
}

#[tokio::test]
async fn max_attempts_lets_a_429_with_retry_after_0_be_retried() {
    let s = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(COPY))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0")
                .set_body_string("API requests too frequent"),
        )
        .up_to_n_times(1)
        .mount(&s)
        .await;
    Mock::given(method("PUT"))
        .and(path(COPY))
        .respond_with(ok_json(json!({"success": true, "msg": "ok"})))
        .mount(&s)
        .await;
    let uri = s.uri();
    let o = vast(&[
        "--url",
        &uri,
        "--api-key",
        KEY,
        "--max-attempts",
        "2",
        "copy",
        "1:/a",
        "2:/b",
    ])
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(s.received_requests().await.unwrap_or_default().len(), 2);
}

// ---- bad input: exit 2 or 3, and nothing is sent ----

#[tokio::test]
async fn bad_input_exits_2_or_3_and_sends_nothing() {
    let cases: &[(&[&str], i32, &str)] = &[
        (&["copy", "C.1:/a:b", "C.2:/b"], 2, "invalid_input"),
        (&["copy", "local:/a", "C.2:/b"], 2, "invalid_input"),
        (&["copy", "C.1:/a"], 2, "usage"),
        (&["copy", "x1", "2", "/a", "/b"], 2, "invalid_input"),
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
            2,
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
            2,
            "invalid_input",
        ),
        (
            &["cloud", "copy", "1", "/a", "--connection", "2"],
            2,
            "usage",
        ),
        (&["cancel", "sync", "abc"], 2, "invalid_input"),
        (&["cancel", "sync", "--dst_id", "12x"], 2, "invalid_input"),
        (&["--timeout", "soon", "cancel", "sync", "1"], 2, "usage"),
        (
            &["--url", "ftp://127.0.0.1/", "cancel", "sync", "1"],
            2,
            "config",
        ),
    ];
    for (args, exit, kind) in cases {
        for json_mode in [false, true] {
            let s = MockServer::start().await;
            let mut all = args.to_vec();
            if json_mode {
                all.insert(0, "--json");
            }
            let uri = s.uri();
            let mut full = vec!["--api-key", KEY];
            if !all.contains(&"--url") {
                full.extend(["--url", uri.as_str()]);
            }
            full.extend(all);
            let o = vast(&full).await;
            assert_eq!(code(&o), *exit, "{full:?}: {} {}", stdout(&o), stderr(&o));
            if json_mode {
                assert_eq!(json_stdout(&o)["error"]["kind"], *kind, "{full:?}");
            } else {
                assert!(!stderr(&o).is_empty(), "{full:?}");
                assert_eq!(stdout(&o), "", "{full:?}");
            }
            no_request(&s).await;
        }
    }
}

#[tokio::test]
async fn missing_key_exits_3_and_sends_nothing() {
    let s = MockServer::start().await;
    let uri = s.uri();
    let o = vast(&["--url", &uri, "copy", "C.1:/a", "C.2:/b"]).await;
    assert_eq!(code(&o), 3);
    assert_eq!(
        stderr(&o),
        "vast: no API key: pass --api-key, set VAST_API_KEY, or write the key to ~/.config/vastai/vast_api_key\n"
    );
    let o = vast(&["--json", "--url", &uri, "cancel", "sync", "1"]).await;
    assert_eq!(code(&o), 3);
    assert_eq!(json_stdout(&o)["error"]["kind"], "no_api_key");
    no_request(&s).await;
}

// ---- the key never shows ----

#[tokio::test]
async fn verbose_logs_go_to_stderr_and_never_hold_the_key() {
    for answer in [
        ok_json(json!({"success": true, "msg": "ok"})),
        ResponseTemplate::new(401)
            .set_body_json(json!({"success": false, "error": "unauthorized", "msg": "bad key"})),
        ResponseTemplate::new(503).set_body_string("unavailable"),
    ] {
        for v in ["-v", "-vv", "-vvv"] {
            let s = server("PUT", COPY, answer.clone()).await;
            let o = vast_at(&s, &[v, "copy", "C.1:/a", "C.2:/b"]).await;
            let (out, err) = (stdout(&o), stderr(&o));
            assert!(!err.trim().is_empty(), "{v}: -v logs nothing");
            assert!(
                !out.contains(KEY) && !err.contains(KEY),
                "{v}: the key leaked:\n{out}\n{err}"
            );
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
