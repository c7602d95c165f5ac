//! What the client sends: method, path, headers and the exact JSON body of
//! every operation and option, compared with `json!` literals.
#![allow(clippy::unwrap_used)]

mod common;

use common::{COPY_PATH, KEY, RCLONE_PATH, answering, client, ok_json};
use serde_json::{Value, json};
use vast_api_ext::{CloudCopy, ConnectionId, InstanceId, Location, Transfer};
use vast_mock::{MockServer, RecordedRequest as Request};

async fn server() -> MockServer {
    answering(ok_json(
        json!({"success": true, "msg": "started", "result_url": "https://r.example/1"}),
    ))
    .await
}

/// The one request the server received, after checking it against the spec.
async fn only_request(server: &MockServer) -> Request {
    let mut requests = server.requests();
    assert_eq!(requests.len(), 1, "exactly one request");
    let request = requests.pop().unwrap();
    common::assert_valid_request(&request);
    request
}

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

fn header<'a>(request: &'a Request, name: &str) -> &'a str {
    request
        .header(name)
        .unwrap_or_else(|| panic!("no {name} header"))
}

fn assert_common_headers(request: &Request) {
    assert_eq!(header(request, "authorization"), format!("Bearer {KEY}"));
    assert_eq!(header(request, "content-type"), "application/json");
    assert_eq!(header(request, "accept"), "application/json");
    assert_eq!(header(request, "api-version"), "1.0.0");
    assert_eq!(
        header(request, "user-agent"),
        // The workspace's crates share one version: this test's own.
        format!(
            "vast-api/{v} vast-api-ext/{v} ext-tests/1.0",
            v = env!("CARGO_PKG_VERSION")
        )
    );
}

#[tokio::test]
async fn copy_sends_put_with_string_ids_and_both_paths() {
    let server = server().await;
    let src: Location = "C.6003036:/workspace/data/".parse().unwrap();
    let dst: Location = "7001234:/workspace/".parse().unwrap();
    let outcome = client(&server).copy(&src, &dst).await.unwrap();
    assert_eq!(outcome.message.as_deref(), Some("started"));
    assert_eq!(outcome.attempts, 1);

    let request = only_request(&server).await;
    assert_eq!(request.method, "PUT");
    assert_eq!(request.path, COPY_PATH);
    assert_eq!(request.query, None);
    assert_common_headers(&request);
    assert_eq!(
        body(&request),
        json!({
            "src_id": "6003036",
            "dst_id": "7001234",
            "src_path": "/workspace/data/",
            "dst_path": "/workspace/"
        })
    );
}

#[tokio::test]
async fn cancel_sync_sends_integer_dst_id() {
    let server = server().await;
    let outcome = client(&server)
        .cancel_sync(InstanceId::new(6003036).unwrap())
        .await
        .unwrap();
    assert_eq!(outcome.message.as_deref(), Some("started"));
    let request = only_request(&server).await;
    assert_eq!(request.method, "DELETE");
    assert_eq!(request.path, RCLONE_PATH);
    assert_common_headers(&request);
    assert_eq!(body(&request), json!({"dst_id": 6003036}));
}

fn upload() -> CloudCopy {
    CloudCopy::new(
        InstanceId::new(6003036).unwrap(),
        ConnectionId(1004),
        Transfer::InstanceToCloud,
    )
    .src("/workspace/results")
}

#[tokio::test]
async fn cloud_copy_defaults_dst_to_workspace_and_never_sends_the_key() {
    let server = server().await;
    let outcome = client(&server).cloud_copy(&upload()).await.unwrap();
    assert_eq!(outcome.result_url.as_deref(), Some("https://r.example/1"));
    assert_eq!(outcome.message.as_deref(), Some("started"));
    let request = only_request(&server).await;
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, RCLONE_PATH);
    assert_common_headers(&request);
    assert_eq!(
        body(&request),
        json!({
            "instance_id": "6003036",
            "selected": "1004",
            "transfer": "Instance To Cloud",
            "src": "/workspace/results",
            "dst": "/workspace"
        })
    );
}

#[tokio::test]
async fn cloud_copy_to_instance_sends_the_exact_transfer_string() {
    let server = server().await;
    let request = CloudCopy::new(
        InstanceId::new(7).unwrap(),
        9u64,
        "cloud TO instance".parse().unwrap(),
    )
    .src("bucket/data")
    .dst("/workspace/in");
    client(&server).cloud_copy(&request).await.unwrap();
    assert_eq!(
        body(&only_request(&server).await),
        json!({
            "instance_id": "7",
            "selected": "9",
            "transfer": "Cloud To Instance",
            "src": "bucket/data",
            "dst": "/workspace/in"
        })
    );
}

#[tokio::test]
async fn each_flag_setter_sends_its_rclone_flag() {
    type Setter = fn(CloudCopy, bool) -> CloudCopy;
    let cases: [(Setter, &str); 5] = [
        (CloudCopy::dry_run, "--dry-run"),
        (CloudCopy::size_only, "--size-only"),
        (CloudCopy::ignore_existing, "--ignore-existing"),
        (CloudCopy::update, "--update"),
        (CloudCopy::delete_excluded, "--delete-excluded"),
    ];
    for (set, flag) in cases {
        let server = server().await;
        client(&server)
            .cloud_copy(&set(upload(), true))
            .await
            .unwrap();
        let sent = body(&only_request(&server).await);
        assert_eq!(sent["flags"], json!([flag]), "{flag}");
        // Turning it off again removes it.
        assert!(set(set(upload(), true), false).flags().is_empty());
    }
}

#[tokio::test]
async fn all_flags_come_in_the_cli_order_then_the_extra_flags() {
    let server = server().await;
    let request = upload()
        .extra_flag("--transfers=8")
        .delete_excluded(true)
        .update(true)
        .ignore_existing(true)
        .size_only(true)
        .dry_run(true)
        .extra_flag("--checksum");
    client(&server).cloud_copy(&request).await.unwrap();
    assert_eq!(
        body(&only_request(&server).await),
        json!({
            "instance_id": "6003036",
            "selected": "1004",
            "transfer": "Instance To Cloud",
            "src": "/workspace/results",
            "dst": "/workspace",
            "flags": [
                "--dry-run", "--size-only", "--ignore-existing", "--update",
                "--delete-excluded", "--transfers=8", "--checksum"
            ]
        })
    );
}

#[tokio::test]
async fn instance_zero_is_refused_before_the_network() {
    let server = server().await;
    let want = "invalid input: the instance id 0 names no instance";
    // Instance 0 cannot be made into an `InstanceId`, the argument of
    // cancel sync and cloud copy: refused where it is made, in every way.
    for err in [
        InstanceId::new(0).unwrap_err(),
        InstanceId::try_from(0).unwrap_err(),
        "0".parse::<InstanceId>().unwrap_err(),
    ] {
        assert!(
            matches!(err.kind(), vast_api_ext::ErrorKind::InvalidInput(_)),
            "{err:?}"
        );
        assert_eq!(err.to_string(), want);
    }
    // A client given what the ids allow sends it.
    let request =
        CloudCopy::new(InstanceId::new(1).unwrap(), 2u64, Transfer::InstanceToCloud).src("/a");
    client(&server).cloud_copy(&request).await.unwrap();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn bad_cloud_copy_input_is_refused_before_the_network() {
    let server = server().await;
    let cases = [
        (
            upload().extra_flag("-v"),
            "invalid input: the extra flag `-v` is not a long option: it must look like `--name` or `--name=value`, without spaces",
        ),
        (
            upload().extra_flag("--"),
            "invalid input: the extra flag `--` is not a long option: it must look like `--name` or `--name=value`, without spaces",
        ),
        (
            upload().extra_flag("--exclude=a b"),
            "invalid input: the extra flag `--exclude=a b` is not a long option: it must look like `--name` or `--name=value`, without spaces",
        ),
        (
            CloudCopy::new(InstanceId::new(1).unwrap(), 2u64, Transfer::InstanceToCloud),
            "invalid input: the cloud copy `src` path is empty: set it with CloudCopy::src",
        ),
        (
            upload().dst(" "),
            "invalid input: the cloud copy `dst` path is empty: set it with CloudCopy::dst",
        ),
    ];
    for (request, want) in cases {
        let err = client(&server).cloud_copy(&request).await.unwrap_err();
        assert!(matches!(
            err.kind(),
            vast_api_ext::ErrorKind::InvalidInput(_)
        ));
        assert_eq!(err.to_string(), want);
        assert_eq!(err.attempts(), 0);
    }
    assert!(server.requests().is_empty());
}

#[test]
fn transfer_parses_case_insensitively_and_rejects_others() {
    for (text, want) in [
        ("Instance To Cloud", Transfer::InstanceToCloud),
        ("instance to cloud", Transfer::InstanceToCloud),
        ("CLOUD TO INSTANCE", Transfer::CloudToInstance),
    ] {
        assert_eq!(text.parse::<Transfer>().unwrap(), want);
    }
    // The wire string, as the request body carries it.
    let request = vast_api_ext::Request::CloudCopy(
        CloudCopy::new(InstanceId::new(1).unwrap(), 2u64, Transfer::CloudToInstance).src("b/x"),
    );
    assert_eq!(
        request.body().unwrap()["transfer"],
        json!("Cloud To Instance")
    );
    assert_eq!(
        "sideways".parse::<Transfer>().unwrap_err().to_string(),
        "invalid input: unknown transfer `sideways`: expected \"Instance To Cloud\" or \"Cloud To Instance\""
    );
}

#[test]
fn ids_parse_display_and_convert() {
    let id: InstanceId = "6003036".parse().unwrap();
    assert_eq!(id, InstanceId::try_from(6003036).unwrap());
    assert_eq!(id.to_string(), "6003036");
    assert_eq!(u64::from(id), 6003036);
    let conn: ConnectionId = "1004".parse().unwrap();
    assert_eq!(conn.get(), 1004);
    assert_eq!(
        "-1".parse::<InstanceId>().unwrap_err().to_string(),
        "invalid input: the instance id `-1` is not a number: expected decimal digits such as 6003036"
    );
    assert_eq!(
        "".parse::<ConnectionId>().unwrap_err().to_string(),
        "invalid input: the connection id is empty"
    );
}

#[tokio::test]
async fn the_spec_check_catches_the_official_clis_string_dst_id() {
    let server = server().await;
    // What the Python CLI sends for cancel sync: the id as a string.
    reqwest::Client::new()
        .delete(format!("{}{RCLONE_PATH}", server.uri()))
        .json(&json!({"dst_id": "6003036"}))
        .send()
        .await
        .unwrap();
    let request = server.requests().pop().unwrap();
    let caught = std::panic::catch_unwind(|| common::assert_valid_request(&request));
    assert!(caught.is_err(), "a string dst_id must fail the spec check");
}
