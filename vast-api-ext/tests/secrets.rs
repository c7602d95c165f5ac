//! The API key is a secret: only in the `Authorization` header, never in a
//! URL, body, log line or `Debug` output, never sent after a redirect, and
//! never sent over plain http to a remote host.
#![allow(clippy::unwrap_used)]

mod common;

use common::{KEY, answering, client, mock};
use vast_api_ext::{ApiKey, Client, CloudCopy, ErrorKind, InstanceId, Location, Transfer};
use vast_mock::Fault;

#[tokio::test]
async fn the_key_travels_only_in_the_authorization_header() {
    let server = mock().await;
    let client = client(&server);
    let src: Location = "C.1:/a".parse().unwrap();
    let dst: Location = "C.2:/b".parse().unwrap();
    client.copy(&src, &dst).await.unwrap();
    let upload =
        CloudCopy::new(InstanceId::new(1).unwrap(), 2u64, Transfer::InstanceToCloud).src("/a");
    client.cloud_copy(&upload).await.unwrap();
    client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for request in requests {
        let url = format!("{}?{}", request.path, request.query.unwrap_or_default());
        assert!(!url.contains(KEY), "key in URL");
        assert!(
            !String::from_utf8_lossy(&request.body).contains(KEY),
            "key in body"
        );
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert!(body.get("api_key").is_none(), "api_key field filled");
        let carrying: Vec<_> = request
            .headers
            .iter()
            .filter(|(_, v)| v.contains(KEY))
            .map(|(name, _)| name.as_str().to_owned())
            .collect();
        assert_eq!(carrying, ["authorization"]);
    }
}

#[test]
fn debug_output_never_shows_the_key() {
    let builder = Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9");
    assert!(!format!("{builder:?}").contains(KEY));
    let client = builder.build().unwrap();
    let shown = format!("{client:?} {:?}", client.generated());
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("127.0.0.1:9"), "the Debug output is useful");
    let key = ApiKey::new(KEY).unwrap();
    assert_eq!(format!("{key:?} {key}"), "ApiKey(***) ***");
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let err = Client::builder()
        .api_key(KEY)
        .base_url("http://console.vast.ai")
        .build()
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::Config(p) if p.setting() == vast_api_ext::Setting::BaseUrl
    ));
    assert!(!err.to_string().contains(KEY));
    assert!(
        err.to_string().contains("allow_insecure_http(true)"),
        "{err}"
    );
    Client::builder()
        .api_key(KEY)
        .base_url("http://console.vast.ai")
        .allow_insecure_http(true)
        .build()
        .unwrap();
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed() {
    let other = mock().await;
    let server = answering(Fault::empty(307).with_header(
        "location",
        format!("{}/api/v0/commands/rclone/", other.uri()),
    ))
    .await;
    let err = client(&server)
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Api { status: 307, .. }),
        "{err:?}"
    );
    assert!(other.requests().is_empty());
}

#[tokio::test]
async fn an_own_reqwest_builder_keeps_its_headers_but_cannot_follow_redirects() {
    let other = mock().await;
    let server = answering(Fault::empty(302).with_header(
        "location",
        format!("{}/api/v0/commands/rclone/", other.uri()),
    ))
    .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-team", "data".parse().unwrap());
    let own = reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::limited(10));
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .http_client_builder(own)
        .retry(vast_api_ext::RetryConfig::disabled())
        .pacing(vast_api_ext::PacingConfig::disabled())
        .build()
        .unwrap();
    let err = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Api { status: 302, .. }),
        "{err:?}"
    );
    assert!(other.requests().is_empty());
    let sent = server.requests();
    assert_eq!(sent[0].header("x-team").unwrap(), "data");
    assert_eq!(
        sent[0].header("authorization").unwrap(),
        format!("Bearer {KEY}").as_str()
    );
}
