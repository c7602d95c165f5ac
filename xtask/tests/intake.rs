//! Every form the vendor publishes its documents in regenerates the same client.
//!
//! `fixtures/vendor/` holds the vendor's per-endpoint documents (OpenAPI
//! 3.0.0, as `vast-ai/docs` keeps them; see its `SOURCE.md`), `fixtures/seeds/`
//! the same endpoints as the docs site renders them (3.1.0, with servers,
//! security and contact), and the test builds the vendor's combined document
//! (every endpoint in one file, trailing slashes stripped) from the former.
//! Through `cargo xtask update`, each gives the checked-in client, table
//! and spec. `fixtures/next/` is a next release written for the test: it
//! regenerates with no table edit and the mock serves it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use xtask::operations::OPERATIONS;

fn fixtures(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
}

/// A directory laid out like the repository for `update`: an upstream
/// directory holding `upstream`'s documents, and the generated files.
fn repo_with(upstream: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        xtask::UPSTREAM_DIR,
        "vast-api/src",
        "vast-api/spec",
        "openapi",
    ] {
        std::fs::create_dir_all(dir.path().join(rel)).unwrap();
    }
    for name in xtask::operations::documents(OPERATIONS) {
        std::fs::copy(
            fixtures(upstream).join(name),
            dir.path().join(xtask::UPSTREAM_DIR).join(name),
        )
        .unwrap();
    }
    // The generated files as checked in (what `update` reports changes from).
    for rel in xtask::GENERATED_FILES {
        std::fs::copy(xtask::root().join(rel), dir.path().join(rel)).unwrap();
    }
    dir
}

fn update(root: &Path, from: &str) -> Result<xtask::update::Updated, String> {
    xtask::update::update(root, from, OPERATIONS, "today")
}

fn checked_in(rel: &str) -> String {
    std::fs::read_to_string(xtask::root().join(rel)).unwrap()
}

fn written(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

/// The generated client, table and dynamic module under `root` are the
/// checked-in ones, byte for byte.
fn assert_same_client(root: &Path) {
    for rel in [
        xtask::GENERATED_PATH,
        xtask::OPERATIONS_PATH,
        xtask::DYNAMIC_PATH,
    ] {
        assert!(written(root, rel) == checked_in(rel), "{rel} differs");
    }
}

/// The generated client, table and spec under `root` are the checked-in ones.
fn assert_regenerates_the_checked_in_files(root: &Path) {
    for rel in [
        xtask::GENERATED_PATH,
        xtask::OPERATIONS_PATH,
        xtask::SPEC_PATH,
        xtask::SPEC_COPY_PATH,
    ] {
        assert!(written(root, rel) == checked_in(rel), "{rel} differs");
    }
}

#[test]
fn the_vendors_per_endpoint_documents_give_the_checked_in_client() {
    // From the 3.1 documents of the docs site to the vendor's 3.0 files.
    let repo = repo_with("seeds");
    let updated = update(repo.path(), fixtures("vendor").to_str().unwrap()).unwrap();
    assert_regenerates_the_checked_in_files(repo.path());
    // Each upstream document is the vendor's file, verbatim (cancel_copy.yaml
    // included, now that the table names it).
    for name in xtask::operations::documents(OPERATIONS) {
        let ours = written(repo.path(), &format!("{}/{name}", xtask::UPSTREAM_DIR));
        let vendor = std::fs::read_to_string(fixtures("vendor").join(name)).unwrap();
        assert_eq!(ours, vendor, "{name}");
    }
    assert!(
        repo.path()
            .join(xtask::UPSTREAM_DIR)
            .join("cancel_copy.yaml")
            .exists()
    );
    let source = written(repo.path(), "openapi/upstream/SOURCE.md");
    assert!(source.contains("on today"), "{source}");
    assert!(
        source.contains("| copy.yaml | PUT /api/v0/commands/copy_direct/ (copy) |"),
        "{source}"
    );
    assert!(
        updated
            .files
            .contains(&"openapi/upstream/cloud_copy.yaml".to_owned()),
        "{:?}",
        updated.files
    );
    // The seeds' vendor operationId is the vendor files' too: no change.
    assert!(
        updated.operation_ids.is_empty(),
        "{:?}",
        updated.operation_ids
    );
}

#[test]
fn the_docs_sites_31_documents_give_the_same_client_and_schemas() {
    let repo = repo_with("vendor");
    update(repo.path(), fixtures("seeds").to_str().unwrap()).unwrap();
    // The client and the table are the same items, byte for byte.
    assert_same_client(repo.path());
    // The merged spec has the same operations, request and response schemas
    // and examples; only what the 3.1 rendering adds or words differently
    // differs: no `x-rateLimit` on copy, another API-wide description.
    let ours: Value = serde_json::from_str(&checked_in(xtask::SPEC_PATH)).unwrap();
    let seeds: Value = serde_json::from_str(&written(repo.path(), xtask::SPEC_PATH)).unwrap();
    assert_eq!(ours["components"], seeds["components"]);
    for entry in OPERATIONS {
        let (a, b) = (
            &ours["paths"][entry.path][entry.method],
            &seeds["paths"][entry.path][entry.method],
        );
        for key in [
            "requestBody",
            "responses",
            "operationId",
            "x-vast-instance-fields",
        ] {
            assert_eq!(a[key], b[key], "{} {key}", entry.operation_id);
        }
    }
    assert_eq!(
        ours["paths"]["/api/v0/commands/copy_direct/"]["put"]["x-rateLimit"],
        3.5
    );
    assert!(
        seeds["paths"]["/api/v0/commands/copy_direct/"]["put"]
            .get("x-rateLimit")
            .is_none()
    );
}

/// The vendor's combined document, as its build script makes it from the
/// per-endpoint files: every endpoint (here the four of `fixtures/vendor/`
/// plus unrelated ones), trailing slashes stripped, one 3.1.0 document.
fn combined() -> String {
    let mut paths = serde_json::Map::new();
    for file in [
        "copy.yaml",
        "cloud_copy.yaml",
        "cancel_sync.yaml",
        "cancel_copy.yaml",
    ] {
        let text = std::fs::read_to_string(fixtures("vendor").join(file)).unwrap();
        let doc: Value = serde_yaml::from_str(&text).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            let stripped = path.trim_end_matches('/').to_owned();
            let merged = paths.entry(stripped).or_insert_with(|| json!({}));
            for (method, op) in item.as_object().unwrap() {
                let mut op = op.clone();
                op["security"] = json!([{"BearerAuth": []}]);
                merged[method] = op;
            }
        }
    }
    paths.insert(
        "/api/v0/instances".into(),
        json!({"get": {"summary": "show instances", "operationId": "showInstances",
                       "responses": {"200": {"description": "ok", "content": {"application/json":
                           {"schema": {"$ref": "#/components/schemas/Instances"}}}}}}}),
    );
    paths.insert(
        "/api/v0/asks/{id}".into(),
        json!({"put": {"summary": "create instance",
                       "parameters": [{"name": "id", "in": "path", "required": true,
                                       "schema": {"type": "integer"}}],
                       "responses": {"200": {"description": "ok"}}}}),
    );
    let doc = json!({
        "openapi": "3.1.0",
        "info": {"title": "Vast.ai API", "version": "1.0.0"},
        "servers": [{"url": "https://console.vast.ai"}],
        "security": [{"BearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"BearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Instances": {"type": "object"}}
        }
    });
    serde_yaml::to_string(&doc).unwrap()
}

#[test]
fn the_vendors_combined_document_gives_the_same_client() {
    let repo = repo_with("seeds");
    let file = repo.path().join("openapi.yaml");
    std::fs::write(&file, combined()).unwrap();
    update(repo.path(), file.to_str().unwrap()).unwrap();
    assert_same_client(repo.path());
    // Each upstream document holds its one operation, under the stripped path.
    let copy: Value =
        serde_yaml::from_str(&written(repo.path(), "openapi/upstream/copy.yaml")).unwrap();
    let paths: Vec<_> = copy["paths"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(paths, ["/api/v0/commands/copy_direct"]);
    let source = written(repo.path(), "openapi/upstream/SOURCE.md");
    assert!(
        source.contains("`/api/v0/commands/copy_direct`"),
        "{source}"
    );
}

/// A bounded HTTP server on 127.0.0.1: answers `requests` GETs from
/// `files` (by the request path's last segment; 404 otherwise), then stops.
fn serve(files: Vec<(String, String)>, requests: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap() == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/");
            let name = path.rsplit('/').next().unwrap_or("");
            let (status, body) = match files.iter().find(|(n, _)| n == name) {
                Some((_, body)) => ("200 OK", body.as_str()),
                None => ("404 Not Found", "not here"),
            };
            write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    (base, handle)
}

#[test]
fn update_reads_a_directory_and_a_document_over_http() {
    let vendor: Vec<(String, String)> = xtask::operations::documents(OPERATIONS)
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(fixtures("vendor").join(n)).unwrap();
            (n.to_owned(), text)
        })
        .collect();
    // A directory URL: each document of the table by its name.
    let (base, server) = serve(vendor.clone(), vendor.len());
    let repo = repo_with("seeds");
    update(repo.path(), &format!("{base}/api-reference/openapi/yaml/")).unwrap();
    server.join().unwrap();
    assert_regenerates_the_checked_in_files(repo.path());

    // One combined document by its URL.
    let (base, server) = serve(vec![("openapi.yaml".into(), combined())], 1);
    let repo = repo_with("seeds");
    update(repo.path(), &format!("{base}/api-reference/openapi.yaml")).unwrap();
    server.join().unwrap();
    assert_same_client(repo.path());

    // A document the server does not have (the third, cancel sync's): named,
    // and nothing is written.
    let (base, server) = serve(vendor[..2].to_vec(), 3);
    let repo = repo_with("seeds");
    let err = update(repo.path(), &format!("{base}/yaml/")).unwrap_err();
    server.join().unwrap();
    assert!(
        err.contains("/yaml/cancel_sync.yaml") && err.contains("404"),
        "{err}"
    );
    assert_eq!(
        written(repo.path(), "openapi/upstream/copy.yaml"),
        std::fs::read_to_string(fixtures("seeds").join("copy.yaml")).unwrap()
    );
}

/// The next-version fixture, updated into a repository copy (no table edit).
fn next_version() -> (tempfile::TempDir, xtask::update::Updated) {
    let repo = repo_with("vendor");
    let updated = update(repo.path(), fixtures("next").to_str().unwrap()).unwrap();
    (repo, updated)
}

#[test]
fn the_next_version_regenerates_with_no_table_edit_and_reports_what_changed() {
    let (repo, updated) = next_version();
    let spec: Value = serde_json::from_str(&written(repo.path(), xtask::SPEC_PATH)).unwrap();
    let copy = &spec["paths"]["/api/v0/commands/copy_direct/"]["put"];
    let statuses: Vec<_> = copy["responses"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(statuses, ["200", "400", "503"]);
    // The shared `Error` is carried under the name the table pins for copy's 400.
    assert_eq!(
        copy["responses"]["503"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ApiError"
    );
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    assert!(!schemas.contains_key("Error"));
    assert!(
        schemas["CloudCopyRequest"]["properties"]
            .get("api_key")
            .is_none()
    );
    assert_eq!(schemas["CopyRequest"]["required"], json!(["dst_path"]));
    assert_eq!(
        schemas["CloudCopyResponse"]["properties"]["result_url"]["nullable"],
        true
    );
    // The upstream ids went away: reported, and the table's stay.
    assert_eq!(copy["operationId"], "copy");
    assert_eq!(
        updated.operation_ids,
        ["copy: upstream operationId initiateRemoteRsync → (none)"]
    );
    assert!(
        updated
            .notes
            .iter()
            .any(|n| n.contains("status 404, which the document no longer declares")),
        "{:?}",
        updated.notes
    );
    // The API change report says what breaks a caller.
    let report = updated.report.render(xtask::api_diff::Format::Text);
    assert!(updated.report.is_breaking(), "{report}");
    for line in [
        "breaking    request body .api_key: property removed",
        "compatible  request body .src_path: became optional",
        "compatible  response 503: status added",
        "compatible  response 404: status removed",
    ] {
        assert!(report.contains(line), "{line}\n{report}");
    }
    // The generated client lost `api_key` and answers 503 with the shared error.
    let code = written(repo.path(), xtask::GENERATED_PATH);
    assert!(!code.contains("api_key"));
    assert!(code.contains("503u16 =>"));
}

mod mock {
    //! The mock serves the next version from its merged spec alone.
    use super::*;
    use vast_mock::{Fault, MockServer, When, spec::Spec};

    async fn put(mock: &MockServer, body: &Value) -> (u16, Value) {
        let response = reqwest::Client::new()
            .put(format!("{}/api/v0/commands/copy_direct/", mock.uri()))
            .bearer_auth("key")
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    #[tokio::test]
    async fn the_mock_serves_the_next_version() {
        let (repo, _) = next_version();
        let spec = Spec::parse(&written(repo.path(), xtask::SPEC_PATH)).unwrap();
        let mock = MockServer::builder()
            .spec(spec)
            .known_instances([1, 2])
            .start()
            .await
            .unwrap();
        // A valid request without `src_path` (no longer required): 200.
        let valid = json!({"src_id": "1", "dst_id": "2", "dst_path": "/w/"});
        let (status, answer) = put(&mock, &valid).await;
        assert_eq!(
            (status, &answer["success"]),
            (200, &json!(true)),
            "{answer}"
        );
        // The new 503 is declared with the shared error's shape, and the
        // mock plays it when scripted; 404 is declared no more.
        assert_eq!(mock.spec().response_statuses("copy"), [200, 400, 503]);
        let unavailable = json!({"success": false, "error": "unavailable", "msg": "later"});
        mock.spec()
            .validate_response("copy", 503, &unavailable)
            .unwrap();
        mock.fault("copy", When::Nth(2), Fault::json(503, unavailable.clone()));
        let (status, answer) = put(&mock, &valid).await;
        assert_eq!((status, answer), (503, unavailable));
        // An unknown instance: the dropped 404 is no longer produced; the
        // operation's 400 says so.
        let unknown = json!({"src_id": "9", "dst_id": "2", "dst_path": "/w/"});
        let (status, answer) = put(&mock, &unknown).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["error"], "no_such_instance");
    }
}
