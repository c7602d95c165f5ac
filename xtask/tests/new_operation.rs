//! A new operation costs one upstream document and one table entry.
//!
//! The merge and the generators run on a fixture upstream directory (the
//! repository's documents, copied at test time, plus
//! `fixtures/verify-copy.yaml`) with the repository's table plus
//! [`VERIFY_COPY`]: the raw client gains the method, the generated operation
//! table gains the row, the merged spec carries the operation and its
//! `x-vast-instance-fields`, and nothing else changes.
//!
//! [`fixture_spec`] returns the fixture's merged spec as text, and the
//! in-process mock started on it ([`mock`]) routes, validates, answers,
//! records and refuses the new operation: it reads everything it needs from
//! the spec, so it needs no edit either. In a copy of the repository with the
//! document and the entry added, the generic `Client::call` of
//! `vast-api-ext` reaches it through the runtime, with no code outside the
//! test ([`the_generic_call_reaches_the_new_operation_through_the_runtime`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use std::sync::OnceLock;
use xtask::Output;
use xtask::operations::{Entry, OPERATIONS};

/// The new operation's document, checked in beside this test.
const DOCUMENT: &str = "verify-copy.yaml";
const PATH: &str = "/api/v0/commands/copy_direct/verify/";

/// The new operation's table entry: all the hand-written code it needs.
const VERIFY_COPY: Entry = Entry {
    document: DOCUMENT,
    method: "post",
    path: PATH,
    operation_id: "verifyCopy",
    // The request and the 200 get the names derived from the operation
    // (`VerifyCopyRequest`, `VerifyCopyResponse`); its 400 has the shape of
    // copy's and cancel sync's: pinned to the shared schema.
    request: None,
    responses: &[("400", "ApiError")],
    // A POST, but it only reads files: repeating it is harmless.
    idempotent: Some(true),
    instance_fields: &["instance_id"],
};

/// The repository's table plus the fixture's entry.
fn table() -> Vec<Entry> {
    let mut table = OPERATIONS.to_vec();
    table.push(VERIFY_COPY);
    table
}

/// A fresh upstream directory: the repository's documents and the fixture's.
fn upstream() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ours = xtask::root().join(xtask::UPSTREAM_DIR);
    for name in xtask::operations::documents(OPERATIONS) {
        std::fs::copy(ours.join(name), dir.path().join(name)).unwrap();
    }
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::copy(fixture.join(DOCUMENT), dir.path().join(DOCUMENT)).unwrap();
    dir
}

/// The generated files for the fixture (merged once per test binary).
fn generated() -> &'static [Output] {
    static GENERATED: OnceLock<Vec<Output>> = OnceLock::new();
    GENERATED.get_or_init(|| {
        let dir = upstream();
        xtask::generate(dir.path(), &table()).unwrap()
    })
}

fn text_of(path: &str) -> &'static str {
    &generated().iter().find(|o| o.path == path).unwrap().text
}

/// The fixture's merged spec as text (`openapi/vast.json` with the new
/// operation): what a mock that reads only a spec at run time loads.
fn fixture_spec() -> &'static str {
    text_of(xtask::SPEC_PATH)
}

fn parse(source: &str) -> syn::File {
    syn::parse_file(source).unwrap()
}

/// The repository's checked-in version of a generated file.
fn checked_in(path: &str) -> String {
    std::fs::read_to_string(xtask::root().join(path)).unwrap()
}

/// The items of the inherent `impl`s of the type named `ty`.
fn inherent_items<'a>(file: &'a syn::File, ty: &'a str) -> impl Iterator<Item = &'a syn::ImplItem> {
    file.items
        .iter()
        .filter_map(move |item| match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => match &*imp.self_ty {
                syn::Type::Path(p) if p.path.is_ident(ty) => Some(&imp.items),
                _ => None,
            },
            _ => None,
        })
        .flatten()
}

/// The names of the methods of `impl Client` in a generated client.
fn client_methods(file: &syn::File) -> Vec<String> {
    inherent_items(file, "Client")
        .filter_map(|item| match item {
            syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// The generated client's method `name`.
fn client_method<'a>(file: &'a syn::File, name: &str) -> &'a syn::ImplItemFn {
    inherent_items(file, "Client")
        .find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == name => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no method {name}"))
}

/// The method `name` of the generated request builder `ty` (in the
/// client's `builder` module).
fn builder_method<'a>(file: &'a syn::File, ty: &str, name: &str) -> &'a syn::ImplItemFn {
    let builders = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref(),
            _ => None,
        })
        .expect("a builder module");
    builders
        .1
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => match &*imp.self_ty {
                syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == ty) => {
                    Some(&imp.items)
                }
                _ => None,
            },
            _ => None,
        })
        .flatten()
        .find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == name => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no method {ty}::{name}"))
}

/// The names of the structs of the generated `types` module.
fn type_names(file: &syn::File) -> Vec<String> {
    let types = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
            _ => None,
        })
        .expect("a types module");
    types
        .1
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// A constant expression of the generated table as JSON: literals,
/// references, arrays, tuples and paths (as their last segment).
fn value_of(expr: &syn::Expr) -> Value {
    match expr {
        syn::Expr::Lit(lit) => match &lit.lit {
            syn::Lit::Str(s) => s.value().into(),
            syn::Lit::Int(i) => i.base10_parse::<u64>().unwrap().into(),
            syn::Lit::Bool(b) => b.value.into(),
            _ => panic!("unexpected literal"),
        },
        syn::Expr::Reference(r) => value_of(&r.expr),
        syn::Expr::Array(a) => a.elems.iter().map(value_of).collect(),
        syn::Expr::Tuple(t) => t.elems.iter().map(value_of).collect(),
        syn::Expr::Path(p) => p.path.segments.last().unwrap().ident.to_string().into(),
        _ => panic!("unexpected expression in the table"),
    }
}

/// The rows of the generated `FACTS`, each as a JSON object.
fn facts_rows(file: &syn::File) -> Vec<Value> {
    let facts = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Const(c) if c.ident == "FACTS" => Some(&c.expr),
            _ => None,
        })
        .expect("a FACTS const");
    let syn::Expr::Reference(r) = &**facts else {
        panic!("FACTS is a reference to an array")
    };
    let syn::Expr::Array(rows) = &*r.expr else {
        panic!("FACTS is a reference to an array")
    };
    rows.elems
        .iter()
        .map(|row| {
            let syn::Expr::Struct(row) = row else {
                panic!("a row is a Facts literal")
            };
            let fields = row.fields.iter().map(|f| {
                let syn::Member::Named(name) = &f.member else {
                    panic!("named fields")
                };
                (name.to_string(), value_of(&f.expr))
            });
            Value::Object(fields.collect())
        })
        .collect()
}

/// The variants of the generated `Operation` enum.
fn variants(file: &syn::File) -> Vec<String> {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Enum(e) if e.ident == "Operation" => Some(e),
            _ => None,
        })
        .expect("an Operation enum")
        .variants
        .iter()
        .map(|v| v.ident.to_string())
        .collect()
}

/// The value of `Operation::COUNT`.
fn count(file: &syn::File) -> Value {
    inherent_items(file, "Operation")
        .find_map(|item| match item {
            syn::ImplItem::Const(c) if c.ident == "COUNT" => Some(value_of(&c.expr)),
            _ => None,
        })
        .expect("Operation::COUNT")
}

#[test]
fn the_raw_client_gains_the_method() {
    let ours = parse(&checked_in(xtask::GENERATED_PATH));
    let fixture = parse(text_of(xtask::GENERATED_PATH));
    assert!(!client_methods(&ours).contains(&"verify_copy".to_owned()));
    assert_eq!(
        client_methods(&fixture),
        [client_methods(&ours), vec!["verify_copy".to_owned()]].concat()
    );
    // `verify_copy(&self) -> builder::VerifyCopy`, whose body is a
    // `types::VerifyCopyRequest` and whose `send` answers its own type or
    // the shared error.
    let signature = |f: &syn::ImplItemFn| quote::ToTokens::to_token_stream(&f.sig).to_string();
    let method = signature(client_method(&fixture, "verify_copy"));
    assert!(
        method.contains("-> builder :: VerifyCopy < '_ >"),
        "{method}"
    );
    let body = signature(builder_method(&fixture, "VerifyCopy", "body"));
    assert!(
        body.contains("TryInto < types :: VerifyCopyRequest >"),
        "{body}"
    );
    let send = signature(builder_method(&fixture, "VerifyCopy", "send"));
    assert!(
        send.contains(
            "ResponseValue < types :: VerifyCopyResponse > , Error < types :: ApiError >"
        ),
        "{send}"
    );
    let (ours, fixture) = (type_names(&ours), type_names(&fixture));
    let mut added: Vec<_> = fixture.iter().filter(|t| !ours.contains(t)).collect();
    added.sort();
    assert_eq!(added, ["VerifyCopyRequest", "VerifyCopyResponse"]);
}

#[test]
fn the_operation_table_gains_the_row() {
    let ours = parse(&checked_in(xtask::OPERATIONS_PATH));
    let fixture = parse(text_of(xtask::OPERATIONS_PATH));
    assert_eq!(
        variants(&fixture),
        [variants(&ours), vec!["VerifyCopy".to_owned()]].concat()
    );
    let n = OPERATIONS.len();
    assert_eq!(count(&ours), json!(n));
    assert_eq!(count(&fixture), json!(n + 1));
    let (ours, fixture) = (facts_rows(&ours), facts_rows(&fixture));
    assert_eq!(fixture[..n], ours[..], "the other rows are unchanged");
    assert_eq!(
        fixture[n],
        json!({
            "operation": "VerifyCopy",
            "operation_id": "verifyCopy",
            "name": "verify copy",
            "method": "POST",
            "path": PATH,
            "idempotent": true,
            "request_schema": "VerifyCopyRequest",
            "response_schemas": [[200, "VerifyCopyResponse"], [400, "ApiError"]],
            "instance_fields": ["instance_id"],
            "index": n,
        })
    );
    let source = text_of(xtask::OPERATIONS_PATH);
    assert!(source.contains("b\"verifyCopy\" => Some(Operation::VerifyCopy),"));
}

#[test]
fn the_merged_spec_carries_the_operation_and_its_instance_fields() {
    let fixture: Value = serde_json::from_str(fixture_spec()).unwrap();
    let ours: Value = serde_json::from_str(&checked_in(xtask::SPEC_PATH)).unwrap();
    let op = &fixture["paths"][PATH]["post"];
    assert_eq!(op["operationId"], "verifyCopy");
    assert_eq!(op["x-vast-instance-fields"], json!(["instance_id"]));
    let media = |pointer: &str| op.pointer(pointer).unwrap().clone();
    assert_eq!(
        media("/requestBody/content/application~1json/schema"),
        json!({"$ref": "#/components/schemas/VerifyCopyRequest"})
    );
    assert_eq!(
        media("/responses/200/content/application~1json/schema"),
        json!({"$ref": "#/components/schemas/VerifyCopyResponse"})
    );
    // The shared error schema, the example assembled from the document's.
    assert_eq!(
        media("/responses/400/content/application~1json"),
        json!({
            "schema": {"$ref": "#/components/schemas/ApiError"},
            "example": {"success": false, "error": "invalid_args", "msg": "Invalid path."},
        })
    );
    let request = &fixture["components"]["schemas"]["VerifyCopyRequest"];
    assert_eq!(request["properties"]["instance_id"]["type"], "integer");
    assert_eq!(request["required"], json!(["instance_id", "path"]));

    // Nothing else changed: the other operations and schemas are the repository's.
    for (path, item) in ours["paths"].as_object().unwrap() {
        assert_eq!(fixture["paths"][path], *item, "{path}");
    }
    for (name, schema) in ours["components"]["schemas"].as_object().unwrap() {
        assert_eq!(fixture["components"]["schemas"][name], *schema, "{name}");
    }
    for key in ["openapi", "info", "servers", "security"] {
        assert_eq!(fixture[key], ours[key], "{key}");
    }
}

#[test]
fn without_its_table_entry_the_new_document_stops_the_merge() {
    let dir = upstream();
    let err = xtask::generate(dir.path(), OPERATIONS).unwrap_err();
    assert!(
        err.contains("verify-copy.yaml: no entry of the operation table names this document"),
        "{err}"
    );
}

mod mock {
    //! The in-process mock, started on the fixture's merged spec, serves the
    //! new operation: nothing of the mock was edited for it (the
    //! checked-in `Operation` does not even have it).
    use super::*;
    use vast_mock::MockServer;
    use vast_mock::spec::Spec;

    const ID: &str = "verifyCopy";

    /// Sends a verify copy with this body; returns the status and the JSON answer.
    async fn verify_copy(mock: &MockServer, body: &str) -> (u16, Value) {
        let response = reqwest::Client::new()
            .post(format!("{}{PATH}", mock.uri()))
            .header("authorization", "Bearer test")
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        // Every answer is one the fixture's spec declares, in its schema.
        mock.spec()
            .validate_response(ID, status, &answer)
            .unwrap_or_else(|e| panic!("{e}: {answer}"));
        (status, answer)
    }

    #[tokio::test]
    async fn the_mock_routes_and_validates_the_new_operation() {
        let spec = Spec::parse(fixture_spec()).unwrap();
        let mock = MockServer::builder()
            .spec(spec)
            .known_instances([1])
            .start()
            .await
            .unwrap();
        let op = mock.spec().route("POST", PATH).unwrap();
        assert_eq!(op.operation_id(), ID);
        assert_eq!(
            op.operation(),
            None,
            "the checked-in Operation has no VerifyCopy"
        );
        assert_eq!(op.instance_fields(), VERIFY_COPY.instance_fields);
        assert_eq!(
            mock.spec().allowed_methods(PATH),
            [VERIFY_COPY.method.to_uppercase()]
        );

        // A valid request: applied, answered with the document's example.
        let valid = json!({"instance_id": 1, "path": "/workspace/data"});
        let (status, answer) = verify_copy(&mock, &valid.to_string()).await;
        assert_eq!(status, 200);
        assert_eq!(
            answer,
            json!({"success": true, "msg": "Checksum computed.",
                   "checksum": "9b74c9897bac770ffc029102a200c5de"})
        );
        let applied = mock.applied();
        assert_eq!(applied.len(), 1);
        assert_eq!(
            (applied[0].operation, applied[0].operation_id.as_str()),
            (None, ID)
        );
        assert_eq!(applied[0].body, valid);

        // Invalid bodies: its 400, in the shared error shape, naming the field.
        let (status, answer) = verify_copy(&mock, r#"{"instance_id": "1", "path": "/w"}"#).await;
        assert_eq!(status, 400);
        assert_eq!(answer["error"], "invalid_args");
        let msg = answer["msg"].as_str().unwrap();
        assert!(
            msg.contains("instance_id") && msg.contains("integer"),
            "{msg}"
        );
        let (status, answer) = verify_copy(&mock, r#"{"instance_id": 1}"#).await;
        assert_eq!(status, 400);
        assert!(answer["msg"].as_str().unwrap().contains("path"), "{answer}");

        // An unknown instance in its `x-vast-instance-fields`: it declares no
        // 404, so its 400 is the refusal.
        let (status, answer) = verify_copy(&mock, r#"{"instance_id": 2, "path": "/w"}"#).await;
        assert_eq!(status, 400);
        assert_eq!(answer["error"], "no_such_instance");
        assert!(
            answer["msg"].as_str().unwrap().contains("2 (instance_id)"),
            "{answer}"
        );

        // Every request recorded under its operationId; only the valid one applied.
        let requests = mock.requests();
        assert_eq!(requests.len(), 4);
        assert!(
            requests
                .iter()
                .all(|r| r.operation_id.as_deref() == Some(ID))
        );
        assert_eq!((mock.request_count(ID), mock.applied_count(ID)), (4, 1));
    }
}

/// The new operation as a POST the table leaves to its method (not
/// idempotent), added to a copy of the repository as a maintainer would: the
/// document into `openapi/upstream/`, the entry appended to the table, then
/// `cargo xtask generate`. A test of the copy's `vast-api-ext`, written here
/// and nowhere else, calls it through the generic `Client::call` against
/// the copy's mock: the runtime retries a `503` (not applied) and does not
/// repeat the POST after a `502` (it may have been applied).
#[test]
fn the_generic_call_reaches_the_new_operation_through_the_runtime() {
    let copy = support::copy_of_repo();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::copy(
        fixture.join(DOCUMENT),
        copy.path().join(xtask::UPSTREAM_DIR).join(DOCUMENT),
    )
    .unwrap();
    let table = copy.path().join("xtask/src/operations.rs");
    let source = std::fs::read_to_string(&table).unwrap();
    let end = source.find("\n];\n").expect("the table's end");
    let entry = format!(
        r#"
    Entry {{
        document: "{DOCUMENT}",
        method: "post",
        path: "{PATH}",
        operation_id: "verifyCopy",
        request: None,
        responses: &[("400", "ApiError")],
        idempotent: None,
        instance_fields: &["instance_id"],
    }},"#
    );
    let source = format!("{}{entry}{}", &source[..end], &source[end..]);
    std::fs::write(&table, source).unwrap();
    let out = support::cargo(copy.path(), "run", &["-p", "xtask", "--", "generate"]);
    assert!(out.status.success(), "{}", support::text(&out));

    std::fs::write(
        copy.path().join("vast-api-ext/tests/new_operation.rs"),
        r#"
use std::time::Duration;
use vast_api_ext::vast_api::dynamic;
use vast_api_ext::{Client, ErrorKind, Operation, RetryConfig};
use vast_mock::{Fault, MockServer, When};

async fn call_after(fault: Fault) -> (MockServer, Result<u32, vast_api_ext::Error>) {
    let op = Operation::from_operation_id("verifyCopy").expect("generated");
    let mock = MockServer::builder().fault(op, When::Nth(1), fault).start().await.unwrap();
    let client = Client::builder()
        .api_key("new-operation-key")
        .base_url(mock.uri())
        .retry(RetryConfig::standard().with_backoff(Duration::ZERO, Duration::ZERO))
        .build()
        .unwrap();
    let body = vast_mock::spec::spec().valid_request(op, 6003036).expect("in the spec");
    let result = client
        .call(op, |generated| dynamic::send(generated, op, &body))
        .await
        .map(|reply| reply.attempts);
    (mock, result)
}

#[tokio::test]
async fn a_503_is_retried_and_a_502_is_not_for_the_new_post() {
    let op = Operation::from_operation_id("verifyCopy").unwrap();
    assert!(!op.is_idempotent());
    let (mock, result) = call_after(Fault::status(503)).await;
    assert_eq!(result.unwrap(), 2);
    assert_eq!((mock.request_count(op), mock.applied_count(op)), (2, 1));
    let (mock, result) = call_after(Fault::status(502)).await;
    let error = result.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Api { status: 502, .. }), "{error}");
    assert_eq!((error.operation(), error.attempts()), (Some(op), 1));
    assert!(error.may_have_been_applied());
    assert_eq!(mock.request_count(op), 1);
}
"#,
    )
    .unwrap();
    let out = support::cargo(
        copy.path(),
        "test",
        &["-p", "vast-api-ext", "--test", "new_operation"],
    );
    assert!(out.status.success(), "{}", support::text(&out));
    assert!(
        support::text(&out).contains("1 passed"),
        "{}",
        support::text(&out)
    );
}
