//! The `vast-mock` binary: first stdout line is the address, it serves, SIGTERM ends it with code 0.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn binary_prints_its_address_serves_and_exits_cleanly_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vast-mock"))
        .args(["--addr", "127.0.0.1:0", "--api-key", "k"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
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
            .cancel_sync(&vast_api::types::CancelSyncRequest { dst_id: 1 })
            .await
    });
    assert_eq!(answer.unwrap().into_inner().success, Some(true));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "{exit:?}");
}
