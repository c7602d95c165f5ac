//! The `vast` binary over real TLS with the platform's trust store: a local
//! HTTPS front (`tests::tls`) with a certificate from a CA the test makes,
//! in front of the in-process `vast-mock`, and `SSL_CERT_FILE` naming that
//! CA, as a user behind a company proxy would. CI runs this file once per
//! TLS feature set (`rustls` in `cargo test --workspace`, `rustls-ring` with
//! `--no-default-features --features rustls-ring`, `native-tls` in
//! `--all-features`); the binary under test is the one built with those
//! features.
#![cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};
use tests::tls::{Behind, TestCa, TlsFront};
use vast_mock::MockServer;

const KEY: &str = "tls-test-key-0123456789";

/// The three commands, each one request.
const COMMANDS: [&[&str]; 3] = [
    &[
        "copy",
        "C.6003036:/workspace/data/",
        "C.7001234:/workspace/",
    ],
    &[
        "cloud",
        "copy",
        "--instance",
        "6003036",
        "--connection",
        "1004",
        "--src",
        "/workspace/results",
        "--dst",
        "bucket/results",
    ],
    &["cancel", "sync", "--dst_id", "7001234"],
];

/// Runs this build's `vast` against `url` with `SSL_CERT_FILE=cert_file`
/// and nothing else from the environment that could change the outcome.
async fn vast(url: &str, cert_file: &std::path::Path, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_vast"));
    command
        .env_remove("VAST_API_KEY")
        .env_remove("VAST_URL")
        .env_remove("RUST_LOG")
        .env_remove("SSL_CERT_DIR")
        .env("SSL_CERT_FILE", cert_file)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .args(["--url", url, "--api-key", KEY, "--max-attempts", "1"])
        .args(args);
    tokio::task::spawn_blocking(move || {
        let out = command.output().unwrap();
        drop(home);
        out
    })
    .await
    .unwrap()
}

/// The mock (accepting only `KEY`) behind a TLS front that `signer` certified.
async fn mock_behind_tls(signer: &TestCa) -> (MockServer, TlsFront) {
    let mock = MockServer::builder().api_key(KEY).start().await.unwrap();
    let front = TlsFront::start(signer, Behind::Forward(mock.addr()))
        .await
        .unwrap();
    (mock, front)
}

/// `ca`'s certificate in a PEM file.
fn cert_file(ca: &TestCa) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), ca.pem()).unwrap();
    file
}

#[tokio::test]
async fn ssl_cert_file_naming_a_private_ca_lets_vast_reach_an_https_server_it_signed() {
    let ca = TestCa::new("private CA");
    let (mock, front) = mock_behind_tls(&ca).await;
    let file = cert_file(&ca);
    for args in COMMANDS {
        let out = vast(&front.url(), file.path(), args).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(mock.applied().len(), 3, "{:?}", mock.requests());
    assert_eq!(front.handshakes(), 3);
}

#[tokio::test]
async fn a_certificate_the_trust_store_does_not_know_exits_4_and_sends_nothing() {
    let trusted = TestCa::new("the CA in SSL_CERT_FILE");
    let rogue = TestCa::new("another CA");
    let (mock, front) = mock_behind_tls(&rogue).await;
    let file = cert_file(&trusted);
    for args in COMMANDS {
        let out = vast(&front.url(), file.path(), args).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {stderr}");
        assert!(stderr.starts_with("vast: "), "{stderr}");
        assert!(!stderr.contains(KEY), "{stderr}");
    }
    front.handshakes_ended(3).await;
    assert_eq!((front.handshakes(), front.failed_handshakes()), (0, 3));
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}
