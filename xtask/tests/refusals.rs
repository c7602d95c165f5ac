//! Every refusal of the merge and the generator names the document, the operation and the JSON pointer, and no input makes them panic.
//!
//! Each case edits the vendor's documents (`fixtures/vendor/`) one way and
//! runs what `cargo xtask generate` runs (the merge, then the generator on
//! the merged spec); the message must name where and what. Then a proptest
//! throws mangled documents (keys removed, values of the wrong type,
//! dangling and cyclic `$ref`s) at it: `Err`, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::{Value, json};
use xtask::operations::{Entry, OPERATIONS};
use xtask::spec::Document;

const COPY: &str = "/api/v0/commands/copy_direct/";
const RCLONE: &str = "/api/v0/commands/rclone/";
/// copy's operation in copy.yaml, as a JSON pointer.
const COPY_OP: &str = "#/paths/~1api~1v0~1commands~1copy_direct~1/put";
const CANCEL_OP: &str = "#/paths/~1api~1v0~1commands~1rclone~1/delete";

/// The vendor's documents of the table's operations.
fn vendor() -> Vec<Document> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vendor");
    let names = xtask::operations::documents(OPERATIONS);
    xtask::spec::read_dir(&dir)
        .unwrap()
        .into_iter()
        .filter(|d| names.contains(&d.name.as_str()))
        .collect()
}

/// What `cargo xtask generate` does with these documents and table.
fn generate(docs: &[Document], table: &[Entry]) -> Result<(), String> {
    let merged = xtask::spec::merge(docs, table)?;
    xtask::outputs(&merged).map(|_| ())
}

fn doc<'a>(docs: &'a mut [Document], name: &str) -> &'a mut Value {
    &mut docs.iter_mut().find(|d| d.name == name).unwrap().value
}

/// The refusal for the vendor's documents after `edit`, which must contain
/// every one of `needles`.
fn refused(edit: impl FnOnce(&mut Vec<Document>), needles: &[&str]) {
    let mut docs = vendor();
    generate(&docs, OPERATIONS).expect("the vendor's documents generate");
    edit(&mut docs);
    let err = generate(&docs, OPERATIONS).unwrap_err();
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
}

fn copy_op(docs: &mut [Document]) -> &mut Value {
    &mut doc(docs, "copy.yaml")["paths"][COPY]["put"]
}

fn cancel_op(docs: &mut [Document]) -> &mut Value {
    &mut doc(docs, "cancel_sync.yaml")["paths"][RCLONE]["delete"]
}

macro_rules! refusal {
    ($($name:ident: $edit:expr => [$($needle:expr),+ $(,)?];)*) => {$(
        #[test]
        fn $name() {
            refused($edit, &[$($needle),+]);
        }
    )*};
}

refusal! {
    a_version_other_than_30_or_31: |d| doc(d, "copy.yaml")["openapi"] = "2.0".into()
        => ["copy.yaml", "#/openapi", "expected an OpenAPI 3.0.x or 3.1.x document"];
    paths_that_are_not_an_object: |d| doc(d, "cloud_copy.yaml")["paths"] = json!([])
        => ["cloud_copy.yaml", "#/paths", "not an object"];
    a_path_item_by_reference: |d| doc(d, "copy.yaml")["paths"][COPY] = json!({"$ref": "#/x"})
        => ["copy.yaml", "#/paths/~1api~1v0~1commands~1copy_direct~1/$ref", "write it out"];
    an_operation_that_is_not_an_object: |d| *copy_op(d) = json!(3)
        => ["copy.yaml", "put /api/v0/commands/copy_direct/", COPY_OP, "not an object"];
    an_operation_defined_in_two_documents: |d| {
        let cancel = cancel_op(d).clone();
        doc(d, "copy.yaml")["paths"][RCLONE] = json!({"delete": cancel});
    } => ["copy.yaml", CANCEL_OP, "delete /api/v0/commands/rclone/ is also defined in cancel_sync.yaml"];
    an_operation_without_an_entry: |d| doc(d, "copy.yaml")["paths"][COPY]["patch"] = json!({})
        => ["copy.yaml", "#/paths/~1api~1v0~1commands~1copy_direct~1/patch", "has no entry in the operation table"];
    an_entry_without_an_operation: |d| {
        doc(d, "cancel_sync.yaml")["paths"] = json!({});
    } => ["delete /api/v0/commands/rclone/ (cancelSync)", "no upstream document has this operation"];
    a_dangling_schema_reference: |d| {
        copy_op(d)["responses"]["400"]["content"]["application/json"]["schema"] =
            json!({"$ref": "#/components/schemas/Nope"});
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/responses/400/content/application~1json/schema"), "points at nothing"];
    a_nested_dangling_schema_reference: |d| {
        copy_op(d)["requestBody"]["content"]["application/json"]["schema"]["properties"]["src_id"] =
            json!({"$ref": "#/components/schemas/Nope"});
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/requestBody/content/application~1json/schema/properties/src_id"), "points at nothing"];
    a_reference_to_another_file: |d| {
        copy_op(d)["requestBody"] = json!({"$ref": "common.yaml#/components/requestBodies/Copy"});
    } => ["copy.yaml", "(copy)", &format!("at {COPY_OP}/requestBody"), "only local references"];
    schemas_in_a_cycle: |d| {
        doc(d, "copy.yaml")["components"] = json!({"schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "array", "items": {"$ref": "#/components/schemas/A"}}}});
        copy_op(d)["responses"]["200"]["content"]["application/json"]["schema"] =
            json!({"$ref": "#/components/schemas/A"});
    } => ["copy.yaml", "(copy)", "#/components/schemas/B/items", "cycle (A → B → A)"];
    references_in_a_cycle: |d| {
        doc(d, "copy.yaml")["components"] = json!({"requestBodies": {
            "A": {"$ref": "#/components/requestBodies/B"},
            "B": {"$ref": "#/components/requestBodies/A"}}});
        copy_op(d)["requestBody"] = json!({"$ref": "#/components/requestBodies/A"});
    } => ["copy.yaml", "(copy)", "#/components/requestBodies/", "more than 16 deep"];
    a_schema_where_a_request_body_belongs: |d| {
        doc(d, "copy.yaml")["components"] = json!({"schemas": {"Body": {"type": "object"}}});
        copy_op(d)["requestBody"] = json!({"$ref": "#/components/schemas/Body"});
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/requestBody"), "is a schema where"];
    a_body_schema_that_refers_to_no_schema: |d| {
        doc(d, "copy.yaml")["components"] = json!({"responses": {"Ok": {"description": "ok"}}});
        copy_op(d)["responses"]["200"]["content"]["application/json"]["schema"] =
            json!({"$ref": "#/components/responses/Ok"});
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/responses/200/content/application~1json/schema"), "is not a schema"];
    a_31_keyword_with_no_30_form: |d| {
        copy_op(d)["requestBody"]["content"]["application/json"]["schema"]["properties"]["src_id"]["const"] =
            json!("1");
    } => ["copy.yaml", "(copy)", "/schema/properties/src_id", "`const` has no OpenAPI 3.0 form"];
    two_types_at_once: |d| {
        cancel_op(d)["requestBody"]["content"]["application/json"]["schema"]["properties"]["dst_id"]["type"] =
            json!(["integer", "string"]);
    } => ["cancel_sync.yaml", "(cancelSync)", "/schema/properties/dst_id", "has no OpenAPI 3.0 form"];
    no_json_request_body: |d| {
        copy_op(d)["requestBody"]["content"] = json!({"text/plain": {"schema": {"type": "string"}}});
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/requestBody"), "no `application/json` request body"];
    a_second_request_media_type: |d| {
        copy_op(d)["requestBody"]["content"]["text/plain"] = json!({"schema": {"type": "string"}});
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/requestBody/content"), "only `application/json`"];
    no_responses: |d| { copy_op(d).as_object_mut().unwrap().remove("responses"); }
        => ["copy.yaml", "(copy)", &format!("{COPY_OP}/responses"), "no `responses` object"];
    a_default_response: |d| {
        let error = copy_op(d)["responses"]["400"].clone();
        copy_op(d)["responses"]["default"] = error;
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/responses/default"), "is not a status code"];
    a_response_without_a_json_body: |d| {
        copy_op(d)["responses"]["204"] = json!({"description": "nothing"});
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/responses/204"), "no `application/json` body"];
    two_error_statuses_with_different_bodies: |d| {
        copy_op(d)["responses"]["503"] = json!({"description": "later", "content": {"application/json":
            {"schema": {"type": "object", "properties": {"retry": {"type": "integer"}}}}}});
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/responses/503"), "Copy503Response", "one error type per operation"];
    a_body_without_a_schema: |d| {
        copy_op(d)["responses"]["200"]["content"]["application/json"] = json!({});
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/responses/200/content/application~1json"), "no `schema`"];
    a_body_with_two_examples: |d| {
        copy_op(d)["responses"]["200"]["content"]["application/json"]["example"] = json!({"success": true});
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/responses/200/content/application~1json"), "two examples"];
    a_body_with_named_examples: |d| {
        copy_op(d)["requestBody"]["content"]["application/json"]["examples"] = json!({"one": {"value": {}}});
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/requestBody/content/application~1json"), "`examples`"];
    one_name_for_two_different_schemas: |d| {
        copy_op(d)["responses"]["400"]["content"]["application/json"]["schema"]["properties"]["id"] =
            json!({"type": "integer"});
        copy_op(d)["responses"]["404"]["content"]["application/json"]["schema"]["properties"]["id"] =
            json!({"type": "integer"});
    } => ["cancel_sync.yaml", "(cancelSync)", &format!("{CANCEL_OP}/responses/400"), "named `ApiError`", "copy.yaml"];
    an_instance_field_the_request_lacks: |d| {
        cancel_op(d)["requestBody"]["content"]["application/json"]["schema"]["properties"] =
            json!({"id": {"type": "integer"}});
        cancel_op(d)["requestBody"]["content"]["application/json"]["schema"]["required"] = json!(["id"]);
    } => ["cancel_sync.yaml", "(cancelSync)", &format!("{CANCEL_OP}/requestBody"), "instance field dst_id is not a property of CancelSyncRequest"];
    the_instance_fields_extension_upstream: |d| {
        copy_op(d)["x-vast-instance-fields"] = json!(["src_id"]);
    } => ["copy.yaml", "(copy)", &format!("{COPY_OP}/x-vast-instance-fields"), "upstream already has"];
    a_document_that_is_not_openapi_30: |d| {
        cancel_op(d)["requestBody"]["content"]["application/json"]["schema"]["required"] = json!(true);
    } => ["cancel_sync.yaml", "(cancelSync)", "#/components/schemas/CancelSyncRequest", "not valid OpenAPI 3.0"];
}

#[test]
fn a_text_that_is_not_yaml_names_its_file() {
    let err = Document::parse("copy.yaml", "openapi: [3.0").unwrap_err();
    assert!(err.contains("copy.yaml: not YAML or JSON"), "{err}");
}

#[test]
fn a_generator_panic_is_an_error_that_names_the_operation() {
    // What the merge never writes but progenitor cannot generate, given to
    // the generator directly: an operation whose path names a parameter it
    // does not declare. The generator's panic comes back as an error, and
    // the operation it fails on alone is named.
    const BROKEN: Entry = Entry {
        document: "copy.yaml",
        method: "put",
        path: "/api/v0/commands/{missing}/",
        operation_id: "broken",
        request: None,
        responses: &[],
        idempotent: None,
        instance_fields: &[],
    };
    let mut merged = xtask::spec::merge(&vendor(), OPERATIONS).unwrap();
    let mut broken = merged.spec["paths"][COPY]["put"].clone();
    broken["operationId"] = "broken".into();
    merged.spec["paths"][BROKEN.path] = json!({ "put": broken });
    let mut resolved = merged.operations[0].clone();
    resolved.entry = BROKEN;
    merged.operations.push(resolved);
    let err = xtask::outputs(&merged).unwrap_err();
    assert!(err.contains("progenitor panicked"), "{err}");
    assert!(
        err.starts_with("copy.yaml, put /api/v0/commands/{missing}/ (broken): "),
        "{err}"
    );
}

/// Every JSON pointer of a value, as tokens.
fn pointers(value: &Value, at: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let mut next = at.clone();
                next.push(key.clone());
                pointers(child, next, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let mut next = at.clone();
                next.push(i.to_string());
                pointers(child, next, out);
            }
        }
        _ => {}
    }
}

/// Ways to mangle a place of a document.
#[derive(Clone, Debug)]
enum Mangle {
    Remove,
    Replace(Value),
    Dangling,
    SelfReference,
}

fn mangle() -> impl Strategy<Value = Mangle> {
    prop_oneof![
        Just(Mangle::Remove),
        Just(Mangle::Replace(Value::Null)),
        Just(Mangle::Replace(json!(7))),
        Just(Mangle::Replace(json!("text"))),
        Just(Mangle::Replace(json!([]))),
        Just(Mangle::Replace(json!({}))),
        Just(Mangle::Replace(json!({"type": ["string", "integer"]}))),
        Just(Mangle::Dangling),
        Just(Mangle::SelfReference),
    ]
}

fn apply(value: &mut Value, at: &[String], how: &Mangle) {
    let replacement = match how {
        Mangle::Remove => None,
        Mangle::Replace(v) => Some(v.clone()),
        Mangle::Dangling => Some(json!({"$ref": "#/components/schemas/Gone"})),
        Mangle::SelfReference => {
            // A component that refers to itself, and a place that refers to it.
            if value.get("components").is_none_or(|c| !c.is_object()) {
                value["components"] = json!({});
            }
            if value["components"]
                .get("schemas")
                .is_none_or(|c| !c.is_object())
            {
                value["components"]["schemas"] = json!({});
            }
            let reference = json!({"$ref": "#/components/schemas/Loop"});
            value["components"]["schemas"]["Loop"] = reference.clone();
            Some(reference)
        }
    };
    let Some((last, parent)) = at.split_last() else {
        return;
    };
    let mut node = value;
    for token in parent {
        node = match node {
            Value::Object(map) => match map.get_mut(token) {
                Some(child) => child,
                None => return,
            },
            Value::Array(items) => match items.get_mut(token.parse::<usize>().unwrap()) {
                Some(child) => child,
                None => return,
            },
            _ => return,
        };
    }
    match (node, replacement) {
        (Value::Object(map), None) => {
            map.remove(last);
        }
        (Value::Object(map), Some(v)) => {
            map.insert(last.clone(), v);
        }
        (Value::Array(items), None) => {
            let i = last.parse::<usize>().unwrap();
            if i < items.len() {
                items.remove(i);
            }
        }
        (Value::Array(items), Some(v)) => {
            if let Some(item) = items.get_mut(last.parse::<usize>().unwrap()) {
                *item = v;
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mangled_documents_are_refused_or_generated_never_a_panic(
        which in 0usize..3,
        place in any::<prop::sample::Index>(),
        how in mangle(),
        second in proptest::option::of((any::<prop::sample::Index>(), mangle())),
    ) {
        let mut docs = vendor();
        let mut edits = vec![(place, how)];
        edits.extend(second);
        for (place, how) in edits {
            let value = &mut docs[which].value;
            let mut all = Vec::new();
            pointers(value, Vec::new(), &mut all);
            let at = place.get(&all).clone();
            apply(value, &at, &how);
        }
        let outcome = std::panic::catch_unwind(|| generate(&docs, OPERATIONS));
        prop_assert!(outcome.is_ok(), "generate panicked");
    }
}
