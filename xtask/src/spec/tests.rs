//! The merge on the repository's upstream documents, and on small edits of them.

use super::*;
use crate::operations::OPERATIONS;

/// The repository's upstream documents, parsed.
fn upstream() -> Vec<Document> {
    read_dir(&crate::root().join(crate::UPSTREAM_DIR)).unwrap()
}

/// The repository's upstream documents with `edit` applied to the one named `name`.
fn upstream_with(name: &str, edit: impl FnOnce(&mut Value)) -> Vec<Document> {
    let mut docs = upstream();
    let doc = docs.iter_mut().find(|d| d.name == name).unwrap();
    edit(&mut doc.value);
    docs
}

/// The repository's table with entry `i` changed by `f`.
fn table_with(i: usize, f: impl FnOnce(&mut Entry)) -> Vec<Entry> {
    let mut table = OPERATIONS.to_vec();
    f(&mut table[i]);
    table
}

fn merged() -> Merged {
    merge(&upstream(), OPERATIONS).unwrap()
}

fn merge_error(table: &[Entry]) -> String {
    merge(&upstream(), table).unwrap_err()
}

const COPY: &str = "/api/v0/commands/copy_direct/";
const RCLONE: &str = "/api/v0/commands/rclone/";

#[test]
fn each_operation_carries_its_instance_fields() {
    let spec = merged().spec;
    for entry in OPERATIONS {
        assert_eq!(
            spec["paths"][entry.path][entry.method][INSTANCE_FIELDS],
            json!(entry.instance_fields)
        );
    }
}

#[test]
fn an_instance_field_the_request_lacks_stops_the_merge() {
    let err = merge_error(&table_with(2, |e| e.instance_fields = &["instance_id"]));
    assert!(
        err.contains("instance field instance_id is not a property of CancelSyncRequest"),
        "{err}"
    );
    assert!(
        err.contains("cancel_sync.yaml, delete /api/v0/commands/rclone/ (cancelSync)"),
        "{err}"
    );
    assert!(
        err.contains("#/paths/~1api~1v0~1commands~1rclone~1/delete/requestBody"),
        "{err}"
    );
}

#[test]
fn an_operation_in_another_document_than_its_entry_says_stops_the_merge() {
    let err = merge_error(&table_with(1, |e| e.document = "cancel_sync.yaml"));
    assert!(
        err.contains(
            "post /api/v0/commands/rclone/ is in cloud_copy.yaml, the operation table says cancel_sync.yaml"
        ),
        "{err}"
    );
}

#[test]
fn an_upstream_operation_without_an_entry_stops_the_merge() {
    // Every entry but cancel sync's.
    let table: Vec<Entry> = OPERATIONS
        .iter()
        .filter(|e| e.operation_id != "cancelSync")
        .copied()
        .collect();
    let err = merge_error(&table);
    assert!(
        err.contains("delete /api/v0/commands/rclone/ has no entry in the operation table"),
        "{err}"
    );
    assert!(
        err.contains("cancel_sync.yaml, at #/paths/~1api~1v0~1commands~1rclone~1/delete"),
        "{err}"
    );
}

#[test]
fn the_upstream_operation_id_is_not_the_identity_method_and_path_are() {
    // Upstream names copy `initiateRemoteRsync`, and the others nothing: the
    // merged spec has the table's ids, and each operation says what
    // upstream called it.
    let merged = merged();
    let ids: Vec<_> = merged
        .operations
        .iter()
        .map(|r| (r.entry.operation_id, r.upstream_operation_id.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [
            ("copy", Some("initiateRemoteRsync")),
            ("cloudCopy", None),
            ("cancelSync", None),
            ("cancelCopy", Some("cancelRemoteRsync"))
        ]
    );
    assert_eq!(merged.spec["paths"][COPY]["put"]["operationId"], "copy");
    // Another upstream id, or none, changes nothing in the merged spec.
    let docs = upstream_with("copy.yaml", |d| {
        d["paths"][COPY]["put"]["operationId"] = "somethingElse".into();
    });
    assert_eq!(merge(&docs, OPERATIONS).unwrap().spec, merged.spec);
    let docs = upstream_with("copy.yaml", |d| {
        d["paths"][COPY]["put"]
            .as_object_mut()
            .unwrap()
            .remove("operationId");
    });
    assert_eq!(merge(&docs, OPERATIONS).unwrap().spec, merged.spec);
}

#[test]
fn a_path_matches_with_or_without_its_trailing_slash_and_the_tables_is_written() {
    let docs = upstream_with("cloud_copy.yaml", |d| {
        let paths = d["paths"].as_object_mut().unwrap();
        let item = paths.remove(RCLONE).unwrap();
        paths.insert("/api/v0/commands/rclone".into(), item);
    });
    let merged_stripped = merge(&docs, OPERATIONS).unwrap();
    assert_eq!(merged_stripped.spec, merged().spec);
    assert_eq!(
        merged_stripped.operations[1].upstream_path,
        "/api/v0/commands/rclone"
    );
}

#[test]
fn responses_follow_the_spec_not_the_table() {
    // A status the table does not pin gets a derived name; a pinned status
    // the document dropped is a note.
    let docs = upstream_with("cancel_sync.yaml", |d| {
        let responses = d["paths"][RCLONE]["delete"]["responses"]
            .as_object_mut()
            .unwrap();
        responses.remove("404");
        let mut unavailable = responses["400"].clone();
        unavailable["description"] = "Try again later.".into();
        unavailable["content"]["application/json"]["schema"]["properties"]["retry"] =
            json!({"type": "integer"});
        responses.insert("503".into(), unavailable);
    });
    let err = merge(&docs, OPERATIONS).unwrap_err();
    // Its body differs from the 400's, and progenitor allows one error type.
    assert!(err.contains("CancelSync503Response"), "{err}");
    assert!(
        err.contains("the error answer 400's is `ApiError`"),
        "{err}"
    );
    assert!(
        err.contains("cancel_sync.yaml, delete /api/v0/commands/rclone/ (cancelSync), at #/paths/~1api~1v0~1commands~1rclone~1/delete/responses/503"),
        "{err}"
    );

    // The same 503 sharing the 400's schema through a component is one type.
    let docs = upstream_with("cancel_sync.yaml", |d| {
        let op = &mut d["paths"][RCLONE]["delete"];
        let error = op["responses"]["400"]["content"]["application/json"]["schema"].take();
        d["components"] = json!({"schemas": {"Error": error}});
        let op = &mut d["paths"][RCLONE]["delete"];
        let reference = json!({"$ref": "#/components/schemas/Error"});
        op["responses"]["400"]["content"]["application/json"]["schema"] = reference.clone();
        let responses = op["responses"].as_object_mut().unwrap();
        responses.remove("404");
        responses.insert(
            "503".into(),
            json!({"description": "Try again later.",
                   "content": {"application/json": {"schema": reference}}}),
        );
    });
    let merged = merge(&docs, OPERATIONS).unwrap();
    assert_eq!(
        merged.operations[2].responses,
        [
            (200, "CancelSyncResponse".to_owned()),
            (400, "ApiError".to_owned()),
            (503, "ApiError".to_owned())
        ]
    );
    assert!(
        merged
            .notes
            .iter()
            .any(|n| n.contains("status 404, which the document no longer declares")),
        "{:?}",
        merged.notes
    );
    assert!(
        !merged.spec["components"]["schemas"]
            .as_object()
            .unwrap()
            .contains_key("Error")
    );
}

#[test]
fn unpinned_bodies_are_named_after_their_component_or_their_operation() {
    let table = table_with(2, |e| {
        e.request = None;
        e.responses = &[];
    });
    let docs = upstream_with("cancel_sync.yaml", |d| {
        let op = &mut d["paths"][RCLONE]["delete"];
        let error = op["responses"]["404"]["content"]["application/json"]["schema"].take();
        d["components"] = json!({"schemas": {"Error": error}});
        let op = &mut d["paths"][RCLONE]["delete"];
        for status in ["400", "404"] {
            op["responses"][status]["content"]["application/json"]["schema"] =
                json!({"$ref": "#/components/schemas/Error"});
        }
    });
    let merged = merge(&docs, &table).unwrap();
    let cancel = &merged.operations[2];
    assert_eq!(cancel.request, "CancelSyncRequest");
    assert_eq!(
        cancel.responses,
        [
            (200, "CancelSyncResponse".to_owned()),
            (400, "Error".to_owned()),
            (404, "Error".to_owned())
        ]
    );
    assert_eq!(
        derived_name(&OPERATIONS[1], Some(503)),
        "CloudCopy503Response"
    );
}

#[test]
fn two_documents_components_of_one_name_that_differ_are_refused() {
    let with_error = |d: &mut Value, op: &str, method: &str, error: Value| {
        d["components"] = json!({"schemas": {"Error": error}});
        for status in ["400", "404"] {
            d["paths"][op][method]["responses"][status]["content"]["application/json"]["schema"] =
                json!({"$ref": "#/components/schemas/Error"});
        }
    };
    // Neither pins its error bodies: both are carried under `Error`.
    let mut table = OPERATIONS.to_vec();
    table[0].responses = &[("200", "CopyResponse")];
    table[2].responses = &[("200", "CancelSyncResponse")];
    let mut docs = upstream();
    for doc in &mut docs {
        match doc.name.as_str() {
            "copy.yaml" => with_error(&mut doc.value, COPY, "put", json!({"type": "object"})),
            "cancel_sync.yaml" => with_error(
                &mut doc.value,
                RCLONE,
                "delete",
                json!({"type": "object", "properties": {"code": {"type": "string"}}}),
            ),
            _ => {}
        }
    }
    let err = merge(&docs, &table).unwrap_err();
    assert!(err.contains("named `Error`"), "{err}");
    assert!(
        err.contains("copy.yaml") && err.contains("cancel_sync.yaml"),
        "{err}"
    );
}

#[test]
fn the_merged_spec_declares_its_own_info_server_and_bearer_scheme() {
    let merged = merged();
    let spec = &merged.spec;
    assert_eq!(spec["openapi"], "3.0.3");
    assert_eq!(spec["info"], info());
    assert_eq!(spec["servers"][0]["url"], SERVER_URL);
    assert_eq!(spec["security"], json!([{BEARER: []}]));
    assert_eq!(
        spec["components"]["securitySchemes"][BEARER]["scheme"],
        "bearer"
    );
    for entry in OPERATIONS {
        let op = &spec["paths"][entry.path][entry.method];
        assert!(op.get("security").is_none(), "{}", entry.operation_id);
    }
    // Cloud copy's document asks for an X-API-Key scheme: noted, not fatal.
    assert!(
        merged.notes.iter().any(|n| n.contains("cloud_copy.yaml")
            && n.contains("apiKeyAuth")
            && n.contains("#/paths/~1api~1v0~1commands~1rclone~1/post/security")),
        "{:?}",
        merged.notes
    );
    assert!(!merged.notes.iter().any(|n| n.contains("copy.yaml, put")));
}

#[test]
fn vendor_extensions_stay_on_their_operation() {
    let spec = merged().spec;
    assert_eq!(spec["paths"][COPY]["put"]["x-rateLimit"], 3.5);
}

#[test]
fn an_invalid_table_stops_the_merge() {
    let err = merge_error(&table_with(0, |e| e.operation_id = "Copy"));
    assert!(err.contains("lowerCamelCase"), "{err}");
}

#[test]
fn every_body_example_becomes_its_media_type_example() {
    let spec = merged().spec;
    let copy_200 = &spec["paths"][COPY]["put"]["responses"]["200"]["content"]["application/json"];
    assert_eq!(copy_200["example"]["success"], true);
    assert!(copy_200["example"]["msg"].is_string());
    // No schema keeps an example: the media type holds it.
    let text = render(&spec["components"]["schemas"]);
    assert!(!text.contains("\"example\""), "{text}");
}

#[test]
fn references_to_other_components_are_replaced_by_what_they_point_at() {
    let docs = upstream_with("cancel_sync.yaml", |d| {
        let op = &mut d["paths"][RCLONE]["delete"];
        let body = op["requestBody"].take();
        let not_found = op["responses"]["404"].take();
        op["requestBody"] = json!({"$ref": "#/components/requestBodies/Cancel"});
        op["responses"]["404"] = json!({"$ref": "#/components/responses/NotFound"});
        d["components"] = json!({
            "requestBodies": {"Cancel": body},
            "responses": {"NotFound": not_found}
        });
    });
    assert_eq!(merge(&docs, OPERATIONS).unwrap().spec, merged().spec);
}
