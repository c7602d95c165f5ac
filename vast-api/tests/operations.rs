//! The generated operation table agrees with the merged spec it was made with.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use vast_api::Operation;
use vast_api::operations::FACTS;

fn spec() -> Value {
    serde_json::from_str(vast_api::SPEC).unwrap()
}

/// Every (method, path, operationId) of the spec.
fn spec_operations(spec: &Value) -> Vec<(String, String, String)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_owned();
            ops.push((method.to_ascii_uppercase(), path.clone(), id));
        }
    }
    ops.sort();
    ops
}

#[test]
fn the_table_has_exactly_the_operations_of_the_spec() {
    let mut table: Vec<_> = Operation::ALL
        .iter()
        .map(|op| {
            (
                op.method().to_owned(),
                op.path().to_owned(),
                op.operation_id().to_owned(),
            )
        })
        .collect();
    table.sort();
    assert_eq!(table, spec_operations(&spec()));
    assert_eq!(Operation::COUNT, Operation::ALL.len());
    assert_eq!(Operation::COUNT, FACTS.len());
}

#[test]
fn every_fact_matches_the_spec() {
    let spec = spec();
    let schema_name = |media: &Value| {
        media["schema"]["$ref"]
            .as_str()
            .unwrap()
            .strip_prefix("#/components/schemas/")
            .unwrap()
            .to_owned()
    };
    for op in Operation::ALL {
        let facts = op.facts();
        let ours = &spec["paths"][facts.path][facts.method.to_ascii_lowercase()];
        assert_eq!(ours["operationId"], facts.operation_id, "{op:?}");
        assert_eq!(
            schema_name(&ours["requestBody"]["content"]["application/json"]),
            facts.request_schema,
            "{op:?}"
        );
        let responses: Vec<(u16, String)> = ours["responses"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(status, r)| {
                (
                    status.parse().unwrap(),
                    schema_name(&r["content"]["application/json"]),
                )
            })
            .collect();
        let table: Vec<(u16, String)> = facts
            .response_schemas
            .iter()
            .map(|(s, n)| (*s, (*n).to_owned()))
            .collect();
        assert_eq!(responses, table, "{op:?}");
        assert_eq!(
            ours["x-vast-instance-fields"],
            serde_json::json!(facts.instance_fields),
            "{op:?}"
        );
    }
}

#[test]
fn accessors_index_names_and_display_agree() {
    for (i, op) in Operation::ALL.into_iter().enumerate() {
        assert_eq!(op.index(), i);
        assert_eq!(FACTS[i].operation, op);
        assert_eq!(FACTS[i].index, i);
        assert_eq!(Operation::from_operation_id(op.operation_id()), Some(op));
        assert_eq!(op.to_string(), op.name());
    }
    assert_eq!(Operation::from_operation_id("cloud copy"), None);
    assert_eq!(Operation::from_operation_id(""), None);
    assert_eq!(Operation::Copy.name(), "copy");
    assert_eq!(Operation::CloudCopy.name(), "cloud copy");
    assert_eq!(Operation::CloudCopy.to_string(), "cloud copy");
    assert_eq!(Operation::CancelSync.name(), "cancel sync");
    assert_eq!(Operation::CloudCopy.operation_id(), "cloudCopy");
}

#[test]
fn idempotency_follows_rfc_9110_for_the_three_operations() {
    // None of them overrides its method in the table.
    assert_eq!(Operation::Copy.method(), "PUT");
    assert!(Operation::Copy.is_idempotent());
    assert_eq!(Operation::CancelSync.method(), "DELETE");
    assert!(Operation::CancelSync.is_idempotent());
    assert_eq!(Operation::CloudCopy.method(), "POST");
    assert!(!Operation::CloudCopy.is_idempotent());
}

/// The facts are usable in const contexts.
const CLOUD_COPY: Option<Operation> = Operation::from_operation_id("cloudCopy");
const PACERS: [u8; Operation::COUNT] = [0; Operation::COUNT];

#[test]
fn the_accessors_are_const() {
    assert_eq!(CLOUD_COPY, Some(Operation::CloudCopy));
    assert_eq!(PACERS.len(), Operation::ALL.len());
}
