//! `vast batch` against `vast-mock`: JSON Lines in and out, bad lines
//! refused before anything is sent, the exit status the worst result's,
//! stop-at-first-failure versus `--keep-going`, no progress bar without a
//! terminal, and what `--explain` printed sent again.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::process::Output;
use vast_mock::{Fault, MockServer, Operation, When};

const KEY: &str = "batch-cli-key-0123456789";

async fn mock() -> MockServer {
    MockServer::builder()
        .api_key(KEY)
        .start()
        .await
        .unwrap_or_else(|e| panic!("starting vast-mock: {e}"))
}

/// `vast --url <mock> --api-key KEY <args>` with `input` on stdin, in a clean
/// environment.
async fn vast(mock: &MockServer, args: &[&str], input: String) -> Output {
    let mut all: Vec<String> = vec!["--url".into(), mock.uri(), "--api-key".into(), KEY.into()];
    all.extend(args.iter().map(|s| (*s).to_owned()));
    tokio::task::spawn_blocking(move || {
        let home = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        Command::cargo_bin("vast")
            .unwrap_or_else(|e| panic!("{e}"))
            .env_remove("VAST_API_KEY")
            .env_remove("VAST_URL")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .args(&all)
            .write_stdin(input)
            .output()
            .unwrap_or_else(|e| panic!("running vast: {e}"))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

fn lines_of(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Eight requests: two of each operation.
fn jobs() -> String {
    let mut lines = Vec::new();
    for i in 1..=2 {
        lines.push(json!({"operation": "copy", "src": format!("C.{i}:/in/"), "dst": "C.9:/out/"}));
        lines.push(json!({"operation": "cloud_copy", "instance": 10 + i, "connection": 1004,
                          "transfer": "instance_to_cloud", "src": format!("/job/{i}"), "dst": "bucket/b"}));
        lines.push(json!({"operation": "cancel_sync", "dst": 20 + i}));
        lines.push(json!({"operation": "cancel_copy", "dst": 30 + i}));
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[tokio::test]
async fn every_line_is_sent_and_every_result_is_a_json_line() {
    let m = mock().await;
    let o = vast(&m, &["batch", "--concurrency", "3"], jobs()).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // No terminal: no progress bar, nothing on stderr.
    assert_eq!(stderr(&o), "");
    let mut lines = lines_of(&o);
    assert_eq!(lines.len(), 8);
    lines.sort_by_key(|l| l["index"].as_u64());
    let operations = ["copy", "cloud copy", "cancel sync", "cancel copy"];
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["index"], i, "{line}");
        assert_eq!(line["operation"], operations[i % 4], "{line}");
        assert_eq!(line["attempts"], 1, "{line}");
        assert!(
            line.get("outcome").is_some() && line.get("error").is_none(),
            "{line}"
        );
    }
    assert_eq!(m.applied().len(), 8);
    assert_eq!(m.applied_count(Operation::CancelCopy), 2);
}

#[tokio::test]
async fn a_bad_line_is_refused_by_number_and_nothing_is_sent() {
    let m = mock().await;
    let input = format!(
        "{}\n{}\nnot json\n\n{}\n",
        json!({"operation": "cancel_sync", "dst": 7}),
        json!({"operation": "cancel_sync", "dst": 0}),
        json!({"operation": "launch_rockets"}),
    );
    let o = vast(&m, &["batch", "-"], input).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "");
    let err = stderr(&o);
    for number in ["line 2:", "line 3: not JSON", "line 5:"] {
        assert!(err.contains(number), "{number}: {err}");
    }
    assert!(!err.contains("line 1:"), "{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    assert!(m.requests().is_empty(), "{:?}", m.requests());
}

#[tokio::test]
async fn the_batch_stops_at_its_first_failure_unless_told_to_keep_going() {
    let input: String = (1..=6)
        .map(|i| format!("{}\n", json!({"operation": "cancel_sync", "dst": i})))
        .collect();
    // With 4 requests in the client at once, 3 of them wait for the
    // endpoint's turn behind the first: after the failure, none is sent.
    for (keep_going, concurrency) in [(false, "1"), (false, "4"), (true, "4")] {
        let m = mock().await;
        m.fault(Operation::CancelSync, When::instance(3), Fault::Rejected);
        let mut args = vec!["batch", "--concurrency", concurrency];
        if keep_going {
            args.push("--keep-going");
        }
        let o = vast(&m, &args, input.clone()).await;
        // A refusal is exit status 1, the worst here.
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let lines = lines_of(&o);
        assert_eq!(lines.len(), 6);
        let mut failed: Vec<_> = lines
            .iter()
            .filter(|l| l.get("error").is_some())
            .map(|l| {
                let e = &l["error"];
                (
                    l["index"].as_u64().unwrap_or(99),
                    e["kind"].clone(),
                    e["exit_status"].clone(),
                )
            })
            .collect();
        failed.sort_by_key(|f| f.0);
        if keep_going {
            assert_eq!(failed, [(2, json!("rejected"), json!(1))]);
            assert_eq!(m.requests().len(), 6);
        } else {
            let mut want = vec![(2, json!("rejected"), json!(1))];
            want.extend((3..6).map(|i| (i, json!("batch_stopped"), Value::Null)));
            assert_eq!(failed, want, "{args:?}");
            assert_eq!(m.requests().len(), 3, "{args:?}: nothing after the failure");
        }
    }
}

#[tokio::test]
async fn explain_is_refused_with_a_batch() {
    let m = mock().await;
    let input = format!("{}\n", json!({"operation": "cancel_sync", "dst": 7}));
    let o = vast(&m, &["--explain", "batch"], input).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--explain"), "{}", stderr(&o));
    assert!(m.requests().is_empty());
}

#[tokio::test]
async fn what_explain_printed_is_accepted_as_a_line() {
    let m = mock().await;
    // `--explain` prints the request on stderr and sends it.
    let o = vast(&m, &["--explain", "cancel", "copy", "7"], String::new()).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // All of it, as printed: the request's line is read, the others skipped.
    let explained = stderr(&o);
    assert_eq!(explained.lines().count(), 3, "{explained}");
    let o = vast(&m, &["batch"], explained).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = lines_of(&o);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["operation"], "cancel copy");
    assert_eq!(m.applied_count(Operation::CancelCopy), 2);
    let sent = m.requests();
    assert_eq!(sent[0].json(), sent[1].json());
}

/// Under a pseudo-terminal (util-linux's `script`, from Debian's essential
/// `bsdutils`), stderr is a terminal: the progress bar is drawn there, and
/// `--quiet` turns it off. Without one (every other test here), no bar.
#[tokio::test]
async fn on_a_terminal_the_progress_bar_is_drawn_unless_quiet() {
    // A machine with no pseudo-terminals (or no `script`) cannot run this;
    // the decision itself is unit-tested in src/batch.rs
    // (`the_bar_is_drawn_only_on_a_terminal_and_not_when_quiet`).
    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let has_pty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/ptmx")
        .is_ok();
    if !(has_script && has_pty) {
        eprintln!("no pseudo-terminal here (script: {has_script}, /dev/ptmx: {has_pty})");
        return;
    }
    let m = mock().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("jobs.jsonl");
    std::fs::write(&file, jobs()).unwrap_or_else(|e| panic!("{e}"));
    let vast = std::path::Path::new(env!("CARGO_BIN_EXE_vast"));
    for quiet in [false, true] {
        let command = format!(
            "{} --url {} --api-key {KEY} batch {}{}",
            vast.display(),
            m.uri(),
            if quiet { "--quiet " } else { "" },
            file.display()
        );
        let o = tokio::task::spawn_blocking(move || {
            std::process::Command::new("script")
                .args(["-q", "-e", "-c", &command, "/dev/null"])
                .output()
                .unwrap_or_else(|e| panic!("running script: {e}"))
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let screen = String::from_utf8_lossy(&o.stdout);
        assert_eq!(screen.matches("\"outcome\"").count(), 8, "{screen}");
        assert_eq!(
            screen.contains("8/8 requests"),
            !quiet,
            "quiet {quiet}: {screen}"
        );
    }
}
