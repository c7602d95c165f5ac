//! Both clients over real TLS, whatever TLS feature they were built with:
//! a local HTTPS front (`tests::tls`, rustls with ring on the server side)
//! with a certificate from a CA the test makes, in front of the in-process
//! `vast-mock`. CI runs this file once per feature set: `rustls` in
//! `cargo test --workspace`, `rustls-ring` with
//! `--no-default-features --features rustls-ring`, `native-tls` in
//! `cargo test --workspace --all-features` (where it wins).
//!
//! - trusted through the builder (`ClientBuilder::add_root_certificate`; the
//!   raw client's `http_client_builder` + `configure`), the three
//!   operations reach the mock and are applied;
//! - a certificate from another CA is a connect error
//!   (`ErrorKind::Transport { sent: false }`, `CommunicationError`), the handshake failed and the mock
//!   received nothing;
//! - a redirect to another host over TLS is not followed: the other host
//!   gets no connection, so no key.
#![cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
#![allow(clippy::unwrap_used)]

mod support;

use support::raw::{Raw, raw_call};
use support::{KEY, KNOWN, OPS, call};
use tests::tls::{Behind, TestCa, TlsFront, answer};
use vast_api::tls::Backend;
use vast_api_ext::{Certificate, Client, ErrorKind, PacingConfig, RetryConfig};
use vast_mock::MockServer;

/// The stack these tests run on: the first of this crate's TLS features in
/// vast-api's order (`native-tls`, `rustls-ring`, `rustls`), as
/// `vast_api::tls::BACKEND` must say.
fn expected_backend() -> Backend {
    if cfg!(feature = "native-tls") {
        Backend::NativeTls
    } else if cfg!(feature = "rustls-ring") {
        Backend::RustlsRing
    } else {
        Backend::Rustls
    }
}

fn ext_client(base_url: &str, ca: &TestCa) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(base_url)
        .retry(RetryConfig::disabled())
        .pacing(PacingConfig::disabled())
        .add_root_certificate(Certificate::from_pem(ca.pem().as_bytes()).unwrap())
        .build()
        .unwrap()
}

fn raw_client(base_url: &str, ca: &TestCa) -> vast_api::Client {
    let ca = Certificate::from_pem(ca.pem().as_bytes()).unwrap();
    let builder = vast_api::http_client_builder().add_root_certificate(ca);
    let http = vast_api::configure(builder, KEY).unwrap().build().unwrap();
    vast_api::Client::new_with_client(base_url, http, vast_api::Limits::default())
}

/// The mock behind a TLS front whose certificate `signer` issued.
async fn mock_behind_tls(signer: &TestCa) -> (MockServer, TlsFront) {
    let mock = MockServer::start().await.unwrap();
    let front = TlsFront::start(signer, Behind::Forward(mock.addr()))
        .await
        .unwrap();
    (mock, front)
}

#[tokio::test]
async fn the_backend_is_the_one_the_features_choose() {
    assert_eq!(vast_api::tls::BACKEND, expected_backend());
    eprintln!("TLS backend under test: {}", vast_api::tls::BACKEND);
}

#[tokio::test]
async fn both_clients_reach_the_https_mock_with_the_test_ca_added_through_the_builder() {
    let ca = TestCa::new("vast-api-rs test CA");
    let (mock, front) = mock_behind_tls(&ca).await;
    let ext = ext_client(&front.url(), &ca);
    for op in OPS {
        let attempts = call(&ext, op, KNOWN, 1)
            .await
            .unwrap_or_else(|e| panic!("{op:?} over {}: {e}", vast_api::tls::BACKEND));
        assert_eq!(attempts, 1, "{op:?}");
    }
    // The name in the URL is checked against the certificate's names too.
    let by_name = ext_client(&front.url_as("localhost"), &ca);
    call(&by_name, OPS[0], KNOWN, 2).await.unwrap();
    let raw = raw_client(&front.url(), &ca);
    for op in OPS {
        let (end, seen) = raw_call(&raw, op).await;
        assert!(matches!(end, Raw::Ok), "raw {op:?}: {end:?}");
        assert_eq!(seen.status().map(|s| s.as_u16()), Some(200), "raw {op:?}");
    }
    // Each operation by both clients, and one more call by name.
    assert_eq!(
        mock.applied().len(),
        2 * OPS.len() + 1,
        "{:?}",
        mock.applied()
    );
    for request in mock.requests() {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {KEY}").as_str())
        );
    }
    assert!(
        front.handshakes() >= 2,
        "the two ext clients and the raw one"
    );
    assert_eq!(front.failed_handshakes(), 0);
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_is_a_connect_error_and_nothing_is_sent() {
    let trusted = TestCa::new("the CA the client trusts");
    let rogue = TestCa::new("a CA the client does not trust");
    let (mock, front) = mock_behind_tls(&rogue).await;
    let ext = ext_client(&front.url(), &trusted);
    let raw = raw_client(&front.url(), &trusted);
    let mut connections = 0;
    for op in OPS {
        let error = call(&ext, op, KNOWN, 1).await.unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::Transport { sent: false, .. }),
            "{op:?}: {error:?}"
        );
        assert_eq!(error.attempts(), 1, "{op:?}");
        assert!(!error.may_have_been_applied(), "{op:?}");
        let (end, _) = raw_call(&raw, op).await;
        assert!(matches!(end, Raw::Communication), "raw {op:?}: {end:?}");
        connections += 2;
        front.handshakes_ended(connections).await;
    }
    assert_eq!(front.handshakes(), 0);
    assert_eq!(front.failed_handshakes(), connections);
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}

#[tokio::test]
async fn a_redirect_to_another_host_over_tls_is_not_followed() {
    let ca = TestCa::new("vast-api-rs test CA");
    let elsewhere = TlsFront::start(
        &ca,
        Behind::Answer(answer("200 OK", &[], r#"{"success":true,"msg":"ok"}"#)),
    )
    .await
    .unwrap();
    let mut redirects = Vec::new();
    for op in OPS {
        let target = format!("{}{}", elsewhere.url_as("localhost"), op.path());
        let front = TlsFront::start(
            &ca,
            Behind::Answer(answer(
                "307 Temporary Redirect",
                &[("location", &target)],
                "{}",
            )),
        )
        .await
        .unwrap();
        let ext = ext_client(&front.url(), &ca);
        let error = call(&ext, op, KNOWN, 1).await.unwrap_err();
        assert_eq!(error.status(), Some(307), "{op:?}: {error:?}");
        let (end, seen) = raw_call(&raw_client(&front.url(), &ca), op).await;
        assert!(!matches!(end, Raw::Ok), "raw {op:?}: {end:?}");
        assert_eq!(seen.status().map(|s| s.as_u16()), Some(307), "raw {op:?}");
        // The first host got both requests, with the key (it is the base URL)…
        let heads = front.request_heads();
        assert_eq!(heads.len(), 2, "{heads:?}");
        assert!(heads.iter().all(|h| h.contains(KEY)), "{heads:?}");
        redirects.push(front);
    }
    // …and the other host not even a connection.
    assert_eq!(elsewhere.connections(), 0);
    assert!(elsewhere.request_heads().is_empty());
}
