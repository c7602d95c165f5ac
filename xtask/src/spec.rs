//! Merges the vendor's per-endpoint OpenAPI 3.1 documents into one OpenAPI 3.0.3 spec.
//!
//! Every change made to the vendor's text follows from the operation table
//! ([`crate::operations::OPERATIONS`], or the table given to [`merge_dir`]) and
//! is done by [`merge`]; nothing else is touched. The changes are exactly:
//!
//! 1. an `operationId` for every operation (see the table for the names and why);
//! 2. every request and response body schema moved to `components/schemas` under
//!    the name given in the table and `$ref`ed from where it stood, and every
//!    body's example made its media type's `example` ([`take_example`]: the
//!    schema's own `example`, or one object assembled from its property
//!    examples, moved out of the schema). So the merged spec has one place
//!    for an example, every reader of it (the mock, the tests) reads that
//!    `example` and nothing assembles examples but the merge, and one name
//!    can be given to several places (the shared `ApiError`) whose schemas
//!    differ only in their examples: their schemas must then be equal;
//! 3. `openapi: 3.1.0` becomes `3.0.3`, and a 3.1-only construct becomes its 3.0
//!    form (`type: [T, "null"]` → `type: T, nullable: true`); any other 3.1-only
//!    keyword stops the merge with an error rather than being dropped silently;
//! 4. one `info` for the merged document: the documents agree on
//!    `title`, `version` and `contact` (the merge fails otherwise) but word
//!    `description` differently; the merged spec takes the `info` of
//!    [`INFO_FROM`] as it is. The descriptions are prose about the whole API,
//!    not about these endpoints, and nothing is generated from them but the
//!    generated client's doc comment;
//! 5. each operation gains the vendor extension [`INSTANCE_FIELDS`]
//!    (`x-vast-instance-fields: [..]`): the table's list of request body
//!    fields that name an instance (each must be a property of the request
//!    schema), so that a mock that reads only the spec knows which field to
//!    answer `no_such_instance` about. OpenAPI 3.0 allows `x-` keys on an
//!    operation; generators and validators ignore them.
//!
//! The merge fails rather than guess: a table that [`operations::validate`]
//! refuses, a file in the upstream directory that no entry names, an upstream
//! operation without an entry, an entry whose operation is missing or sits in
//! another document than the entry says, an upstream `operationId` other than
//! the entry's, a response list that differs from the entry's, two schemas
//! given one name that differ, an instance field the request schema lacks, a
//! body with two examples (a media-type `example` and schema examples) or
//! with media-type `examples`.

use crate::operations::{self, Entry};
use serde_json::{Map, Value, json};
use std::path::Path;

/// The upstream document whose `info` the merged spec takes (fix-up 4).
pub const INFO_FROM: &str = "copy.yaml";

/// The extension each merged operation carries: the table's instance fields
/// (fix-up 5), so that a tool that reads only the spec knows them.
pub const INSTANCE_FIELDS: &str = "x-vast-instance-fields";

/// Reads the upstream documents that `table` names from `dir` and merges
/// them. A document in `dir` (`.yaml`, `.yml`, `.json`) that no entry names
/// is an error: an operation must not be left out silently.
pub fn merge_dir(dir: &Path, table: &[Entry]) -> Result<Value, String> {
    operations::validate(table)?;
    let names = operations::documents(table);
    let listing = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for file in listing {
        let file = file.map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let name = file.file_name().to_string_lossy().into_owned();
        let is_document = [".yaml", ".yml", ".json"]
            .iter()
            .any(|ext| name.ends_with(ext));
        if is_document && !names.contains(&name.as_str()) {
            return Err(format!(
                "{}: no entry of the operation table names this document",
                file.path().display()
            ));
        }
    }
    let mut docs = Vec::new();
    for name in names {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let doc: Value =
            serde_yaml::from_str(&text).map_err(|e| format!("parsing {}: {e}", path.display()))?;
        docs.push((name, doc));
    }
    merge(&docs, table)
}

/// Merges parsed upstream documents (name, document) into one OpenAPI 3.0.3
/// document, following `table`.
pub fn merge(docs: &[(&str, Value)], table: &[Entry]) -> Result<Value, String> {
    operations::validate(table)?;
    let (first_name, first) = docs.first().ok_or("no upstream documents")?;
    let info = &docs
        .iter()
        .find(|(name, _)| *name == INFO_FROM)
        .ok_or(format!("{INFO_FROM} is not among the upstream documents"))?
        .1["info"];
    let mut paths = Map::new();
    // Which document each (path, method) came from.
    let mut origin: Vec<(String, String, &str)> = Vec::new();
    for (name, doc) in docs {
        if doc["openapi"] != "3.1.0" {
            return Err(format!(
                "{name}: expected openapi 3.1.0, found {}",
                doc["openapi"]
            ));
        }
        for key in ["servers", "security"] {
            if doc[key] != first[key] {
                return Err(format!("{name}: `{key}` differs from {first_name}'s"));
            }
        }
        for key in ["title", "version", "contact"] {
            if doc["info"][key] != first["info"][key] {
                return Err(format!("{name}: `info.{key}` differs from {first_name}'s"));
            }
        }
        if doc["components"]["securitySchemes"] != first["components"]["securitySchemes"] {
            return Err(format!(
                "{name}: securitySchemes differ from {first_name}'s"
            ));
        }
        let doc_paths = doc["paths"]
            .as_object()
            .ok_or(format!("{name}: no paths"))?;
        for (path, item) in doc_paths {
            let item = item
                .as_object()
                .ok_or(format!("{name}: {path} is not an object"))?;
            let merged = paths
                .entry(path.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            for (method, op) in item {
                if merged.get(method).is_some() {
                    return Err(format!("{name}: {method} {path} is defined twice"));
                }
                merged[method] = op.clone();
                origin.push((path.clone(), method.clone(), name));
            }
        }
    }

    let mut schemas = Map::new();
    for entry in table {
        let op = paths
            .get_mut(entry.path)
            .and_then(|item| item.get_mut(entry.method))
            .ok_or(format!("no {} {} upstream", entry.method, entry.path))?;
        let found_in = origin
            .iter()
            .find(|(path, method, _)| path == entry.path && method == entry.method)
            .map(|(_, _, name)| *name);
        if found_in != Some(entry.document) {
            return Err(format!(
                "{} {} is in {}, the operation table says {}",
                entry.method,
                entry.path,
                found_in.unwrap_or("no document"),
                entry.document
            ));
        }
        apply(entry, op, &mut schemas)?;
    }
    for (path, item) in &paths {
        for method in item.as_object().into_iter().flat_map(|m| m.keys()) {
            if !table.iter().any(|e| e.path == path && e.method == method) {
                return Err(format!(
                    "{method} {path} has no entry in the operation table"
                ));
            }
        }
    }

    let mut components = Map::new();
    components.insert("schemas".into(), Value::Object(schemas));
    components.insert(
        "securitySchemes".into(),
        first["components"]["securitySchemes"].clone(),
    );
    let mut out = json!({
        "openapi": "3.0.3",
        "info": info,
        "servers": first["servers"],
        "security": first["security"],
        "paths": paths,
        "components": components,
    });
    to_openapi_30(&mut out, "#")?;
    Ok(out)
}

/// Names the schemas of one operation, gives it its operationId and its
/// instance fields.
fn apply(entry: &Entry, op: &mut Value, schemas: &mut Map<String, Value>) -> Result<(), String> {
    let here = format!("{} {}", entry.method, entry.path);
    let upstream_id = op.get("operationId").and_then(Value::as_str);
    if upstream_id != entry.upstream_operation_id {
        return Err(format!(
            "{here}: upstream operationId is {upstream_id:?}, the operation table expects {:?}",
            entry.upstream_operation_id
        ));
    }
    op["operationId"] = entry.operation_id.into();

    let media = op
        .pointer_mut("/requestBody/content/application~1json")
        .ok_or(format!("{here}: no JSON request body"))?;
    name_schema(media, entry.request, schemas, &here)?;

    let properties = schemas
        .get(entry.request)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);
    for field in entry.instance_fields {
        if !properties.is_some_and(|p| p.contains_key(*field)) {
            return Err(format!(
                "{here}: instance field {field} is not a property of {}",
                entry.request
            ));
        }
    }
    if op.get(INSTANCE_FIELDS).is_some() {
        return Err(format!("{here}: upstream already has {INSTANCE_FIELDS}"));
    }
    op[INSTANCE_FIELDS] = json!(entry.instance_fields);

    let responses = op["responses"]
        .as_object_mut()
        .ok_or(format!("{here}: no responses"))?;
    if responses.len() != entry.responses.len() {
        return Err(format!(
            "{here}: upstream has responses {:?}",
            responses.keys()
        ));
    }
    for (status, name) in entry.responses {
        let media = responses
            .get_mut(*status)
            .and_then(|r| r.pointer_mut("/content/application~1json"))
            .ok_or(format!("{here}: no JSON {status} response"))?;
        name_schema(media, name, schemas, &format!("{here} {status}"))?;
    }
    Ok(())
}

/// Moves the body's example to `media.example` ([`take_example`]), then
/// `media.schema` to `schemas[name]`, and puts a `$ref` in its place.
fn name_schema(
    media: &mut Value,
    name: &str,
    schemas: &mut Map<String, Value>,
    here: &str,
) -> Result<(), String> {
    if let Some(example) = take_example(media).map_err(|e| format!("{here}: {e}"))? {
        media["example"] = example;
    }
    let schema = media
        .get_mut("schema")
        .map(Value::take)
        .ok_or(format!("{here}: no schema"))?;
    match schemas.get(name) {
        Some(existing) if *existing != schema => {
            return Err(format!("{here}: schema differs from the other `{name}`"));
        }
        Some(_) => {}
        None => {
            schemas.insert(name.into(), schema);
        }
    }
    media["schema"] = json!({ "$ref": format!("#/components/schemas/{name}") });
    Ok(())
}

/// **The workspace's example assembler.** The example of a body (an
/// OpenAPI media type object, its schema inline): the media type's
/// `example`, else the schema's own `example`, else one object assembled
/// from the examples of the schema's properties (in property order); `None`
/// when there is none. The schema's examples are removed (the merge moves
/// them to the media type), the media type's is left where it is.
///
/// Two sources at once (a media-type `example` and schema examples, or a
/// schema `example` and property examples) are refused rather than one
/// chosen, and so are media-type `examples` (OpenAPI 3.0 allows only one of
/// `example` and `examples`; every reader of the merged spec reads `example`).
pub fn take_example(media: &mut Value) -> Result<Option<Value>, String> {
    if media.get("examples").is_some() {
        return Err("media-type `examples` are not supported; give one `example`".into());
    }
    let own = media.get("example").cloned();
    let Some(schema) = media.get_mut("schema").and_then(Value::as_object_mut) else {
        return Ok(own);
    };
    let whole = schema.remove("example");
    let mut assembled = Map::new();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (key, property) in properties.iter_mut() {
            if let Some(value) = property.as_object_mut().and_then(|p| p.remove("example")) {
                assembled.insert(key.clone(), value);
            }
        }
    }
    let assembled = (!assembled.is_empty()).then_some(Value::Object(assembled));
    match (own, whole, assembled) {
        (own, None, None) => Ok(own),
        (None, Some(whole), None) => Ok(Some(whole)),
        (None, None, Some(assembled)) => Ok(Some(assembled)),
        _ => Err("has two examples (media type, schema or properties); keep one".into()),
    }
}

/// The example of a body, as [`take_example`] finds it, without changing
/// the body: what the merge writes as its media type's `example`.
pub fn example_of(media: &Value) -> Result<Option<Value>, String> {
    take_example(&mut media.clone())
}

/// Keywords that exist in OpenAPI 3.1 / JSON Schema 2020-12 but not in 3.0.
const ONLY_31: [&str; 10] = [
    "const",
    "examples",
    "prefixItems",
    "$defs",
    "$schema",
    "contentMediaType",
    "contentEncoding",
    "unevaluatedProperties",
    "dependentSchemas",
    "webhooks",
];

/// Rewrites 3.1-only constructs into their 3.0 form, in place.
fn to_openapi_30(value: &mut Value, at: &str) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get("type") {
                let non_null: Vec<_> = types.iter().filter(|t| *t != "null").cloned().collect();
                let [single] = non_null.as_slice() else {
                    return Err(format!("{at}: type {types:?} has no OpenAPI 3.0 form"));
                };
                let nullable = non_null.len() < types.len();
                let single = single.clone();
                map.insert("type".into(), single);
                if nullable {
                    map.insert("nullable".into(), true.into());
                }
            }
            for key in ONLY_31 {
                // `examples` is a 3.0 keyword on media types and parameters, not on schemas.
                let in_media = key == "examples" && map.contains_key("schema");
                if map.contains_key(key) && !in_media {
                    return Err(format!("{at}: `{key}` has no OpenAPI 3.0 form"));
                }
            }
            for (key, child) in map.iter_mut() {
                match (key.as_str(), child) {
                    // Example payloads are data, not schema keywords.
                    ("example", _) => {}
                    // The keys of `properties` are field names (a field may be
                    // called `const`); their values are schemas.
                    ("properties", Value::Object(fields)) => {
                        for (field, schema) in fields.iter_mut() {
                            to_openapi_30(schema, &format!("{at}/properties/{field}"))?;
                        }
                    }
                    (_, child) => to_openapi_30(child, &format!("{at}/{key}"))?,
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                to_openapi_30(child, &format!("{at}/{i}"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The merged spec as checked-in text: pretty JSON with a final newline.
pub fn render(spec: &Value) -> String {
    let mut text = serde_json::to_string_pretty(spec).expect("a JSON value always serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::OPERATIONS;

    /// The repository's upstream documents, parsed.
    fn upstream() -> Vec<(&'static str, Value)> {
        let dir = crate::root().join(crate::UPSTREAM_DIR);
        operations::documents(OPERATIONS)
            .into_iter()
            .map(|name| {
                let text = std::fs::read_to_string(dir.join(name)).unwrap();
                (name, serde_yaml::from_str(&text).unwrap())
            })
            .collect()
    }

    /// The repository's table with entry `i` changed by `f`.
    fn table_with(i: usize, f: impl FnOnce(&mut Entry)) -> Vec<Entry> {
        let mut table = OPERATIONS.to_vec();
        f(&mut table[i]);
        table
    }

    fn merge_error(table: &[Entry]) -> String {
        merge(&upstream(), table).unwrap_err()
    }

    #[test]
    fn each_operation_carries_its_instance_fields() {
        let spec = merge(&upstream(), OPERATIONS).unwrap();
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
    }

    #[test]
    fn an_operation_in_another_document_than_its_entry_says_stops_the_merge() {
        let err = merge_error(&table_with(1, |e| e.document = "cancel-sync.yaml"));
        assert!(
            err.contains("post /api/v0/commands/rclone/ is in cloud-copy.yaml, the operation table says cancel-sync.yaml"),
            "{err}"
        );
    }

    #[test]
    fn an_upstream_operation_without_an_entry_stops_the_merge() {
        let err = merge_error(&OPERATIONS[..2]);
        assert!(
            err.contains("delete /api/v0/commands/rclone/ has no entry in the operation table"),
            "{err}"
        );
    }

    #[test]
    fn a_wrong_upstream_operation_id_or_response_list_stops_the_merge() {
        let err = merge_error(&table_with(0, |e| e.upstream_operation_id = None));
        assert!(
            err.contains("upstream operationId is Some(\"initiateRemoteRsync\")"),
            "{err}"
        );
        let err = merge_error(&table_with(2, |e| {
            e.responses = &[("200", "CancelSyncResponse")]
        }));
        assert!(err.contains("upstream has responses"), "{err}");
    }

    #[test]
    fn an_invalid_table_stops_the_merge() {
        let err = merge_error(&table_with(0, |e| e.operation_id = "Copy"));
        assert!(err.contains("lowerCamelCase"), "{err}");
    }

    #[test]
    fn every_body_example_becomes_its_media_type_example() {
        let spec = merge(&upstream(), OPERATIONS).unwrap();
        let copy_200 = &spec["paths"]["/api/v0/commands/copy_direct/"]["put"]["responses"]["200"]["content"]
            ["application/json"];
        assert_eq!(copy_200["example"]["success"], true);
        assert!(copy_200["example"]["msg"].is_string());
        // No schema keeps an example: the media type holds it.
        let text = render(&spec["components"]["schemas"]);
        assert!(!text.contains("\"example\""), "{text}");
    }

    #[test]
    fn an_example_is_the_media_types_or_the_schemas_or_assembled_from_properties() {
        let property = |example| json!({"type": "string", "example": example});
        let mut media = json!({"schema": {"type": "object", "properties": {
            "b": property("x"), "a": {"type": "integer"}, "c": property("y")}}});
        assert_eq!(
            take_example(&mut media),
            Ok(Some(json!({"b": "x", "c": "y"})))
        );
        assert_eq!(
            media["schema"]["properties"]["b"],
            json!({"type": "string"})
        );
        let keys: Vec<_> = take_example(&mut json!({"schema": {"properties": {
            "z": property("1"), "a": property("2")}}}))
        .unwrap()
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
        assert_eq!(keys, ["z", "a"], "property order");

        let mut whole = json!({"schema": {"type": "object", "example": {"a": 1}}});
        assert_eq!(take_example(&mut whole), Ok(Some(json!({"a": 1}))));
        assert_eq!(whole["schema"], json!({"type": "object"}));
        let own = json!({"schema": {"type": "object"}, "example": {"a": 2}});
        assert_eq!(example_of(&own), Ok(Some(json!({"a": 2}))));
        assert_eq!(example_of(&json!({"schema": {"type": "object"}})), Ok(None));
        assert_eq!(example_of(&json!({})), Ok(None));
    }

    #[test]
    fn two_examples_or_media_type_examples_are_refused() {
        let two = json!({"schema": {"properties": {"a": {"example": 1}}}, "example": {"a": 2}});
        assert!(example_of(&two).unwrap_err().contains("two examples"));
        let two = json!({"schema": {"example": {}, "properties": {"a": {"example": 1}}}});
        assert!(example_of(&two).unwrap_err().contains("two examples"));
        let many = json!({"schema": {}, "examples": {"one": {"value": {}}}});
        assert!(example_of(&many).unwrap_err().contains("`examples`"));
    }

    #[test]
    fn type_arrays_become_nullable() {
        let mut v = json!({"type": ["string", "null"]});
        to_openapi_30(&mut v, "#").unwrap();
        assert_eq!(v, json!({"type": "string", "nullable": true}));
    }

    #[test]
    fn two_non_null_types_are_refused() {
        let mut v = json!({"properties": {"a": {"type": ["string", "integer"]}}});
        let err = to_openapi_30(&mut v, "#").unwrap_err();
        assert!(err.contains("#/properties/a"), "{err}");
    }

    #[test]
    fn a_field_named_like_a_31_keyword_is_a_field() {
        let mut v = json!({"properties": {"const": {"type": ["integer", "null"]}}});
        to_openapi_30(&mut v, "#").unwrap();
        assert_eq!(
            v["properties"]["const"],
            json!({"type": "integer", "nullable": true})
        );
    }

    #[test]
    fn const_is_refused_not_dropped() {
        let mut v = json!({"schema": {"const": 3}});
        assert!(to_openapi_30(&mut v, "#").unwrap_err().contains("`const`"));
    }
}
