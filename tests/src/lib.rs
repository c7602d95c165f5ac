//! Helpers for the contract tests: proptest strategies that generate JSON
//! values a JSON Schema accepts ([`arb_json`]), and a hostile HTTP server
//! ([`hostile`]).
//!
//! `arb_json` covers what the Vast spec uses (objects with optional and required
//! properties, strings, booleans, integers, numbers, arrays, `enum`, local
//! `$ref`s). A schema using anything else panics rather than generate values
//! that may not conform: the tests validate what is generated anyway.
#![warn(missing_docs)]

pub mod hostile;

use proptest::prelude::*;
use serde_json::{Map, Value};

/// Values that `schema` accepts. `$ref`s (`#/...`) are resolved in `root`.
pub fn arb_json(schema: &Value, root: &Value) -> BoxedStrategy<Value> {
    arb_json_depth(schema, root, 0)
}

fn arb_json_depth(schema: &Value, root: &Value, depth: usize) -> BoxedStrategy<Value> {
    assert!(depth < 16, "schema nests too deep (recursive $ref?)");
    // The workspace's one `$ref` resolver.
    let schema = vast_mock::spec::resolve(schema, root);
    if let Some(reference) = schema.get("$ref") {
        panic!("unresolvable $ref {reference}");
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        return proptest::sample::select(values.clone()).boxed();
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(other) => panic!("unsupported type keyword {other}"),
        None if schema.get("properties").is_some() => "object",
        None => panic!("schema without a type: {schema}"),
    };
    match kind {
        "string" => any::<String>().prop_map(Value::from).boxed(),
        "boolean" => any::<bool>().prop_map(Value::from).boxed(),
        "integer" => any::<i64>().prop_map(Value::from).boxed(),
        "number" => (-1e12f64..1e12).prop_map(Value::from).boxed(),
        "array" => {
            let items = schema.get("items").cloned().unwrap_or(Value::Bool(true));
            proptest::collection::vec(arb_json_depth(&items, root, depth + 1), 0..4)
                .prop_map(Value::Array)
                .boxed()
        }
        "object" => arb_object(schema, root, depth),
        other => panic!("unsupported type {other}"),
    }
}

fn arb_object(schema: &Value, root: &Value, depth: usize) -> BoxedStrategy<Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
        .iter()
        .map(|(name, property)| {
            let name = name.clone();
            let value = arb_json_depth(property, root, depth + 1);
            if required.contains(&name.as_str()) {
                value.prop_map(move |v| Some((name.clone(), v))).boxed()
            } else {
                proptest::option::of(value.prop_map(move |v| (name.clone(), v))).boxed()
            }
        })
        .collect();
    fields
        .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect::<Map<_, _>>()))
        .boxed()
}
