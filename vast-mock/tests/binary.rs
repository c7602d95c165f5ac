//! The `vast-mock` binary: first stdout line is the address, it serves, SIGTERM ends it with code 0.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

#[test]
fn binary_prints_its_address_serves_and_exits_cleanly_on_sigterm() {
    let (mut child, first) = spawn(&["--addr", "127.0.0.1:0", "--api-key", "k"]);
    let uri = first.trim_end().to_owned();
    assert!(uri.starts_with("http://127.0.0.1:"), "{uri:?}");

    // The port is bound before the line is printed: no waiting needed.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = runtime.block_on(async {
        let client = vast_api::Client::with_api_key(&uri, "k").unwrap();
        client
            .cancel_sync()
            .body(vast_api::types::CancelSyncRequest::builder().dst_id(1))
            .send()
            .await
    });
    assert_eq!(answer.unwrap().into_inner().success, Some(true));

    sigterm(&child);
    let exit = wait_bounded(&mut child);
    assert_eq!(exit.code(), Some(0), "{exit:?}");
}

/// A SIGTERM sent as soon as the first line is read ends the binary with
/// code 0: its handlers are installed before the line is printed. Before the
/// fix most runs died by the signal (no exit code) or, once in a while, hung.
#[test]
fn sigterm_right_after_the_first_line_always_exits_cleanly() {
    for run in 0..20 {
        let (mut child, first) = spawn(&["--addr", "127.0.0.1:0"]);
        assert!(
            first.starts_with("http://127.0.0.1:"),
            "run {run}: {first:?}"
        );
        sigterm(&child);
        let exit = wait_bounded(&mut child);
        assert_eq!(exit.code(), Some(0), "run {run}: {exit:?}");
    }
}

/// `--max-body-bytes` sets the body cap: a body over it is answered 413
/// with a message naming it, one at it is served.
#[test]
fn max_body_bytes_flag_sets_the_cap() {
    let (mut child, first) = spawn(&["--addr", "127.0.0.1:0", "--max-body-bytes", "18"]);
    let addr: std::net::SocketAddr = first
        .trim_end()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let exchange = |body: &str| {
        let request = common::raw_request(vast_mock::Operation::CancelSync, &[], body);
        runtime.block_on(common::exchange(addr, request.as_bytes()))
    };
    let at_cap = exchange(r#"{"dst_id":6003036}"#);
    assert_eq!(at_cap.status, 200, "{}", at_cap.text);
    let over = exchange(r#"{"dst_id": 6003036}"#);
    assert_eq!(over.status, 413, "{}", over.text);
    assert_eq!(over.json()["error"], "payload_too_large");
    assert!(
        over.json()["msg"].as_str().unwrap().contains("18 bytes"),
        "{}",
        over.text
    );

    sigterm(&child);
    let exit = wait_bounded(&mut child);
    assert_eq!(exit.code(), Some(0), "{exit:?}");
}

/// `--spec FILE` serves that spec: an operation only it declares is routed
/// and answered (and a spec the mock cannot serve stops the binary).
#[test]
fn binary_serves_the_spec_given_with_spec() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spec.json");
    std::fs::write(&file, common::spec_with_ping()).unwrap();
    let (mut child, first) = spawn(&["--addr", "127.0.0.1:0", "--spec", file.to_str().unwrap()]);
    let uri = first.trim_end().to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{uri}{}", common::PING_PATH))
            .header("authorization", "Bearer k")
            .header("content-type", "application/json")
            .body(r#"{"instance_id": 7}"#)
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    });
    assert_eq!(answer["seq"], 0, "{answer}");
    sigterm(&child);
    assert_eq!(wait_bounded(&mut child).code(), Some(0));

    std::fs::write(&file, "{}").unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_vast-mock"))
        .args(["--addr", "127.0.0.1:0", "--spec", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(refused.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("unusable spec: no paths"), "{stderr}");
}

/// A started binary, killed when dropped: a test that fails before its
/// SIGTERM leaves no server behind (one would keep `cargo test`'s output
/// pipe open, and whatever reads it waiting).
struct Running(Child);

impl std::ops::Deref for Running {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts the binary with `args` and returns it with its first stdout line.
fn spawn(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vast-mock"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    (Running(child), first)
}

/// Sends SIGTERM at once, with one syscall: spawning `kill` would take long
/// enough to hide a binary that installs its handlers after the first line.
fn sigterm(child: &Child) {
    let pid = rustix::process::Pid::from_raw(child.id().try_into().unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
}

/// Waits for `child`, failing the test (and killing the child) if it has not
/// exited after about 10 s: a hang guard, not a timing assertion.
fn wait_bounded(child: &mut Child) -> std::process::ExitStatus {
    for _ in 0..1000 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("vast-mock still running 10 s after SIGTERM");
}
