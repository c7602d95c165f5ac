//! The merged spec against the vendor's documents, and the generated types against the spec.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::collections::BTreeSet;
use vast_api::{Operation, types};

/// The vendor extension the merge adds to each operation (from the table).
const INSTANCE_FIELDS: &str = "x-vast-instance-fields";
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn merged() -> Value {
    serde_json::from_str(vast_api::SPEC).unwrap()
}

/// Every vendor document in `openapi/upstream/`, by file name.
fn upstream() -> Vec<(String, Value)> {
    let dir = format!("{}/../openapi/upstream", env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_yaml::from_str(&text).unwrap())
        })
        .collect();
    docs.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!docs.is_empty(), "no document in {dir}");
    docs
}

/// Every (path, method, operation) of a document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                ops.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    ops
}

/// Follows a `$ref` into `components/schemas` (the workspace's one
/// resolver), failing the test on a reference that leads nowhere.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    let resolved = vast_mock::spec::resolve(schema, spec);
    assert!(resolved.get("$ref").is_none(), "{resolved} not found");
    resolved
}

/// A schema with its examples removed (examples are compared on their own).
fn without_examples(schema: &Value) -> Value {
    let mut media = json!({ "schema": schema });
    xtask::spec::take_example(&mut media).unwrap();
    media["schema"].take()
}

/// The example a vendor's body (a media type, schema inline) shows, as the
/// workspace's one example assembler finds it.
fn upstream_example(media: &Value) -> Option<Value> {
    xtask::spec::example_of(media).unwrap()
}

/// The example a merged body shows: the merge writes every example as the
/// media type's `example`.
fn example_of(media: &Value) -> Option<Value> {
    media.get("example").cloned()
}

#[test]
fn merged_spec_is_openapi_3_0_with_its_own_server_and_bearer_security() {
    // The vendor's documents are 3.0 or 3.1, with servers, security and
    // schemes of their own or none; the merged spec declares one of each:
    // the API takes `Authorization: Bearer <key>` on every operation.
    let spec = merged();
    assert_eq!(spec["openapi"], "3.0.3");
    for (name, doc) in upstream() {
        let version = doc["openapi"].as_str().unwrap();
        assert!(
            version.starts_with("3.0.") || version.starts_with("3.1."),
            "{name}: {version}"
        );
    }
    assert_eq!(
        spec["servers"],
        json!([{"url": "https://console.vast.ai", "description": "Production server"}])
    );
    assert_eq!(spec["security"], json!([{"BearerAuth": []}]));
    assert_eq!(
        spec["components"]["securitySchemes"],
        json!({"BearerAuth": {"type": "http", "scheme": "bearer",
               "description": "API key must be provided in the Authorization header"}})
    );
}

#[test]
fn merged_info_is_the_merges_own_and_its_version_is_the_documents() {
    // The version is what the generated client sends as `api-version`.
    let spec = merged();
    assert_eq!(spec["info"], xtask::spec::info());
    for (name, doc) in upstream() {
        assert_eq!(doc["info"]["version"], spec["info"]["version"], "{name}");
    }
}

#[test]
fn merged_spec_has_exactly_the_upstream_operations() {
    let spec = merged();
    let mut upstream_ops = BTreeSet::new();
    for (name, doc) in upstream() {
        for (path, method, _) in operations(&doc) {
            assert!(upstream_ops.insert((path, method)), "{name}: duplicate");
        }
    }
    let merged_ops: BTreeSet<_> = operations(&spec)
        .into_iter()
        .map(|(path, method, _)| (path, method))
        .collect();
    assert_eq!(merged_ops, upstream_ops);
    assert_eq!(merged_ops.len(), Operation::COUNT);
}

#[test]
fn every_operation_keeps_its_text_fields_security_and_request_schema() {
    let spec = merged();
    for (name, doc) in upstream() {
        for (path, method, up) in operations(&doc) {
            let here = format!("{name}: {method} {path}");
            let ours = &spec["paths"][&path][&method];
            // The merge adds exactly two keys (the operationId, where upstream
            // has none, and the table's instance fields) and drops the
            // operation's own `security` (the spec's one scheme applies);
            // every other key is upstream's, vendor extensions included.
            let keys = |op: &Value| {
                op.as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect::<BTreeSet<_>>()
            };
            let mut expected = keys(&up);
            expected.extend(["operationId".to_owned(), INSTANCE_FIELDS.to_owned()]);
            expected.remove("security");
            assert_eq!(keys(ours), expected, "{here}: keys");
            assert!(ours.get("security").is_none(), "{here}: security");
            assert_eq!(ours.get("tags"), up.get("tags"), "{here}: tags");
            for key in ["summary", "description"] {
                // The same text; a YAML `|` block's final newline is not kept.
                assert_eq!(
                    ours.get(key).and_then(Value::as_str),
                    up.get(key).and_then(Value::as_str).map(str::trim_end),
                    "{here}: {key}"
                );
            }
            for (key, value) in up.as_object().unwrap() {
                if key.starts_with("x-") {
                    assert_eq!(&ours[key], value, "{here}: {key}");
                }
            }
            assert!(ours["operationId"].is_string(), "{here}: operationId");
            assert_eq!(
                ours["requestBody"]["required"],
                up["requestBody"]["required"]
            );
            let media = "/requestBody/content/application~1json";
            let ours_media = ours.pointer(media).unwrap();
            let up_media = up.pointer(media).unwrap();
            let ours_schema = resolve(&spec, &ours_media["schema"]);
            // Same fields, same types, same required list, same descriptions and examples.
            assert_eq!(
                ours_schema,
                &without_examples(&up_media["schema"]),
                "{here}: request schema"
            );
            assert_eq!(
                example_of(ours_media),
                upstream_example(up_media),
                "{here}: request example"
            );
        }
    }
}

#[test]
fn every_operation_carries_the_instance_fields_of_the_table() {
    let spec = merged();
    let mut seen = BTreeSet::new();
    for (path, method, ours) in operations(&spec) {
        let id = ours["operationId"].as_str().unwrap();
        let op = Operation::from_operation_id(id)
            .unwrap_or_else(|| panic!("{id} is not in the operation table"));
        assert_eq!(
            (op.method(), op.path()),
            (method.to_uppercase().as_str(), path.as_str())
        );
        let fields = op.facts().instance_fields;
        assert!(
            !fields.is_empty(),
            "{id}: every operation names an instance"
        );
        assert_eq!(ours[INSTANCE_FIELDS], json!(fields), "{id}");
        // Each is a field of the upstream request body.
        let request = resolve(
            &spec,
            &ours["requestBody"]["content"]["application/json"]["schema"],
        );
        for field in fields {
            assert!(request["properties"].get(field).is_some(), "{id}: {field}");
        }
        seen.insert(op);
    }
    assert_eq!(seen, Operation::ALL.into_iter().collect());
}

#[test]
fn every_response_keeps_its_status_fields_types_and_examples() {
    let spec = merged();
    for (name, doc) in upstream() {
        for (path, method, up) in operations(&doc) {
            let here = format!("{name}: {method} {path}");
            let ours = &spec["paths"][&path][&method]["responses"];
            let up = &up["responses"];
            let codes = |r: &Value| r.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
            assert_eq!(codes(ours), codes(up), "{here}: status codes");
            for code in codes(up) {
                let here = format!("{here} {code}");
                assert_eq!(
                    ours[&code]["description"], up[&code]["description"],
                    "{here}"
                );
                let ours_media = &ours[&code]["content"]["application/json"];
                let up_media = &up[&code]["content"]["application/json"];
                let ours_schema = resolve(&spec, &ours_media["schema"]);
                // The merged schema keeps no example: its media type does.
                assert_eq!(
                    ours_schema,
                    &without_examples(&up_media["schema"]),
                    "{here}: schema"
                );
                assert_eq!(
                    example_of(ours_media),
                    upstream_example(up_media),
                    "{here}: example"
                );
            }
        }
    }
}

#[test]
fn the_shared_error_schema_keeps_the_error_code_field() {
    let spec = merged();
    let api_error = &spec["components"]["schemas"]["ApiError"];
    assert_eq!(api_error["properties"]["error"]["type"], "string");
    for (path, method) in [
        ("/api/v0/commands/copy_direct/", "put"),
        ("/api/v0/commands/rclone/", "delete"),
    ] {
        for code in ["400", "404"] {
            let schema = &spec["paths"][path][method]["responses"][code]["content"]["application/json"]
                ["schema"];
            assert_eq!(schema["$ref"], "#/components/schemas/ApiError");
        }
    }
}

/// Decodes `example` into the generated type named `schema` and encodes it back.
fn round_trip(schema: &str, example: &Value) -> Value {
    // Every generated type by name (`vast_api::dynamic`, generated with
    // the client): a schema added to the spec is covered with no edit here.
    match vast_api::dynamic::round_trip(schema, example) {
        Some(result) => result.unwrap_or_else(|e| panic!("{example} does not decode: {e}")),
        None => panic!("no generated type is known for schema {schema}"),
    }
}

#[test]
fn every_example_in_the_spec_decodes_into_the_generated_types_without_loss() {
    let spec = merged();
    let mut checked = 0;
    for (_, _, op) in operations(&spec) {
        let bodies = std::iter::once(&op["requestBody"])
            .chain(op["responses"].as_object().unwrap().values());
        for body in bodies {
            let media = &body["content"]["application/json"];
            let name = media["schema"]["$ref"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap();
            if let Some(example) = example_of(media) {
                assert_eq!(round_trip(name, &example), example, "{name}");
                checked += 1;
            }
        }
    }
    // copy 200/400/404 and cancel sync 200/400/404 have examples upstream
    // (and cancel copy's, added later, its own).
    assert!(checked >= 6, "{checked} examples");
}

/// The non-null JSON type of a schemars property schema.
fn schemars_type(prop: &Value) -> Value {
    match &prop["type"] {
        Value::Array(types) => {
            let non_null: Vec<_> = types.iter().filter(|t| *t != "null").collect();
            assert_eq!(non_null.len(), 1, "{prop}");
            non_null[0].clone()
        }
        other => other.clone(),
    }
}

#[test]
fn generated_types_have_the_fields_types_and_required_lists_of_the_spec() {
    let spec = merged();
    // Every generated type by name with its schemars schema
    // (`vast_api::dynamic`): a type added to the spec needs no edit here.
    let rust: Vec<(&str, Value)> = vast_api::dynamic::TYPES
        .iter()
        .map(|name| {
            let schema = vast_api::dynamic::schema(name).expect("a generated type");
            (*name, serde_json::to_value(schema).unwrap())
        })
        .collect();
    let names: BTreeSet<_> = spec["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(names, rust.iter().map(|(n, _)| n.to_string()).collect());
    for (name, ours) in rust {
        let theirs = &spec["components"]["schemas"][name];
        let props = |s: &Value| -> BTreeSet<String> {
            s["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(props(&ours), props(theirs), "{name}: fields");
        for (field, prop) in theirs["properties"].as_object().unwrap() {
            let rust_prop = &ours["properties"][field];
            assert_eq!(schemars_type(rust_prop), prop["type"], "{name}.{field}");
            if let Some(items) = prop.get("items") {
                assert_eq!(
                    schemars_type(&rust_prop["items"]),
                    items["type"],
                    "{name}.{field}"
                );
            }
        }
        let required = |s: &Value| -> BTreeSet<String> {
            s.get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default()
        };
        assert_eq!(required(&ours), required(theirs), "{name}: required");
    }
}

mod served {
    //! The generated client against `vast-mock` on 127.0.0.1, with answers
    //! scripted as faults.
    use super::*;
    use vast_mock::{Fault, MockServer, When};

    /// A mock that accepts only `test-key`, answering `op` with `fault`.
    async fn answering(op: Operation, fault: Fault) -> MockServer {
        MockServer::builder()
            .api_key("test-key")
            .fault(op, When::Always, fault)
            .start()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_400_comes_back_as_an_error_value_with_its_error_code() {
        let server = answering(
            Operation::Copy,
            Fault::json(
                400,
                json!({"success": false, "error": "invalid_args", "msg": "Invalid src_path."}),
            ),
        )
        .await;
        let client = vast_api::Client::with_api_key(&server.uri(), "test-key").unwrap();
        let body = types::CopyRequest::builder()
            .src_id("1".to_owned())
            .dst_id("2".to_owned())
            .src_path("/a".to_owned())
            .dst_path("/b".to_owned());
        let err = client.copy().body(body).send().await.unwrap_err();
        let vast_api::Error::ErrorResponse(answer) = err else {
            panic!("expected an ErrorResponse, got {err:?}");
        };
        assert_eq!(answer.status(), 400);
        assert_eq!(answer.error.as_deref(), Some("invalid_args"));
        assert_eq!(answer.msg.as_deref(), Some("Invalid src_path."));
        assert_eq!(answer.success, Some(false));
        // Once, with the key in the Authorization header (the mock refuses
        // any other key with a 401 before the fault).
        let requests = server.requests();
        assert_eq!(requests.len(), 1);
        assert_eq!(requests[0].method, "PUT");
        assert_eq!(requests[0].header("authorization"), Some("Bearer test-key"));
    }

    #[tokio::test]
    async fn cancel_sync_sends_an_integer_dst_id_and_reads_a_404_code() {
        let server = answering(
            Operation::CancelSync,
            Fault::json(
                404,
                json!({"success": false, "error": "no_such_instance", "msg": "No such instance."}),
            ),
        )
        .await;
        let client = vast_api::Client::with_api_key(&server.uri(), "test-key").unwrap();
        let err = client
            .cancel_sync()
            .body(types::CancelSyncRequest::builder().dst_id(6003036))
            .send()
            .await
            .unwrap_err();
        let vast_api::Error::ErrorResponse(answer) = err else {
            panic!("expected an ErrorResponse, got {err:?}");
        };
        assert_eq!(answer.error.as_deref(), Some("no_such_instance"));
        let sent = &server.requests()[0];
        assert_eq!(sent.json().unwrap(), json!({"dst_id": 6003036}));
        assert_eq!(sent.header("user-agent"), Some(vast_api::USER_AGENT));
    }

    #[tokio::test]
    async fn observe_reports_the_status_and_body_of_an_undecodable_answer() {
        let server = answering(
            Operation::CancelSync,
            Fault::text(200, "{\"success\": tr").with_header("content-type", "application/json"),
        )
        .await;
        let client = vast_api::Client::with_api_key(&server.uri(), "test-key").unwrap();
        let cancel = || {
            client
                .cancel_sync()
                .body(types::CancelSyncRequest::builder().dst_id(1))
                .send()
        };
        let (result, seen) = vast_api::observe(cancel()).await;
        assert!(matches!(
            result,
            Err(vast_api::Error::InvalidResponsePayload(..))
        ));
        assert_eq!(seen.status().map(|s| s.as_u16()), Some(200));
        assert_eq!(&seen.body()[..], b"{\"success\": tr");
        assert!(seen.is_complete());
        // Outside `observe` the hook has nowhere to write, and does nothing.
        assert!(cancel().await.is_err());
    }
}
