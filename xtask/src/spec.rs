//! Merges the vendor's per-endpoint OpenAPI 3.1 documents into one OpenAPI 3.0.3 spec.
//!
//! Every change made to the vendor's text is listed in [`FIXUPS`] and done by
//! [`merge`]; nothing else is touched. The changes are exactly:
//!
//! 1. an `operationId` for every operation (see [`FIXUPS`] for the names and why);
//! 2. every request and response body schema moved to `components/schemas` under
//!    the name given in [`FIXUPS`] and `$ref`ed from where it stood. When one
//!    name is given to several places (the shared `ApiError`), their schemas must
//!    be equal once property `example`s are removed; the shared schema is stored
//!    without them and each place keeps its example as a media-type `example`
//!    object assembled from its property examples, so no example is lost;
//! 3. `openapi: 3.1.0` becomes `3.0.3`, and a 3.1-only construct becomes its 3.0
//!    form (`type: [T, "null"]` → `type: T, nullable: true`); any other 3.1-only
//!    keyword stops the merge with an error rather than being dropped silently;
//! 4. one `info` for the merged document: the three documents agree on
//!    `title`, `version` and `contact` (the merge fails otherwise) but word
//!    `description` differently; the merged spec takes the `info` of
//!    [`INFO_FROM`] as it is. The descriptions are prose about the whole API,
//!    not about these endpoints, and nothing is generated from them but the
//!    generated client's doc comment.

use serde_json::{Map, Value, json};
use std::path::Path;

/// The upstream documents, in the order they are merged.
pub const UPSTREAM: [&str; 3] = ["copy.yaml", "cloud-copy.yaml", "cancel-sync.yaml"];

/// The upstream document whose `info` the merged spec takes (fix-up 4).
pub const INFO_FROM: &str = "copy.yaml";

/// The fix-ups for one operation.
#[derive(Debug)]
pub struct Fixup {
    /// HTTP method, lower case as in OpenAPI.
    pub method: &'static str,
    /// Path, exactly as upstream (trailing slash included).
    pub path: &'static str,
    /// The `operationId` the operation is given (or must already have).
    pub operation_id: &'static str,
    /// The upstream `operationId`, if it had one.
    pub upstream_operation_id: Option<&'static str>,
    /// Name of the request body schema.
    pub request: &'static str,
    /// Name of each response's body schema, by status code.
    pub responses: &'static [(&'static str, &'static str)],
}

/// The one reviewed list of fix-ups.
///
/// operationIds follow the official CLI's commands (`vastai copy`, `vastai cloud
/// copy`, `vastai cancel sync`), so progenitor's methods read `copy`,
/// `cloud_copy` and `cancel_sync`, the same verbs the ext crate and the `vast`
/// tool use. The one upstream id, `initiateRemoteRsync`, is renamed to `copy`
/// for that consistency: nothing in the API's wire format depends on it.
pub const FIXUPS: [Fixup; 3] = [
    Fixup {
        method: "put",
        path: "/api/v0/commands/copy_direct/",
        operation_id: "copy",
        upstream_operation_id: Some("initiateRemoteRsync"),
        request: "CopyRequest",
        responses: &[
            ("200", "CopyResponse"),
            ("400", "ApiError"),
            ("404", "ApiError"),
        ],
    },
    Fixup {
        method: "post",
        path: "/api/v0/commands/rclone/",
        operation_id: "cloudCopy",
        upstream_operation_id: None,
        request: "CloudCopyRequest",
        // Upstream's 400 for cloud copy has no `error` field: it keeps its own schema.
        responses: &[("200", "CloudCopyResponse"), ("400", "CloudCopyError")],
    },
    Fixup {
        method: "delete",
        path: "/api/v0/commands/rclone/",
        operation_id: "cancelSync",
        upstream_operation_id: None,
        request: "CancelSyncRequest",
        responses: &[
            ("200", "CancelSyncResponse"),
            ("400", "ApiError"),
            ("404", "ApiError"),
        ],
    },
];

/// Reads the upstream documents from `dir` and merges them.
pub fn merge_dir(dir: &Path) -> Result<Value, String> {
    let mut docs = Vec::new();
    for name in UPSTREAM {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let doc: Value =
            serde_yaml::from_str(&text).map_err(|e| format!("parsing {}: {e}", path.display()))?;
        docs.push((name, doc));
    }
    merge(&docs)
}

/// Merges parsed upstream documents (name, document) into one OpenAPI 3.0.3 document.
pub fn merge(docs: &[(&str, Value)]) -> Result<Value, String> {
    let (first_name, first) = docs.first().ok_or("no upstream documents")?;
    let info = &docs
        .iter()
        .find(|(name, _)| *name == INFO_FROM)
        .ok_or(format!("{INFO_FROM} is not among the upstream documents"))?
        .1["info"];
    let mut paths = Map::new();
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
            }
        }
    }

    let mut schemas = Map::new();
    for fixup in &FIXUPS {
        let op = paths
            .get_mut(fixup.path)
            .and_then(|item| item.get_mut(fixup.method))
            .ok_or(format!("no {} {} upstream", fixup.method, fixup.path))?;
        apply(fixup, op, &mut schemas)?;
    }
    for (path, item) in &paths {
        for method in item.as_object().into_iter().flat_map(|m| m.keys()) {
            if !FIXUPS.iter().any(|f| f.path == path && f.method == method) {
                return Err(format!("{method} {path} has no fix-up entry"));
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

/// Names the schemas of one operation and gives it its operationId.
fn apply(fixup: &Fixup, op: &mut Value, schemas: &mut Map<String, Value>) -> Result<(), String> {
    let here = format!("{} {}", fixup.method, fixup.path);
    let upstream_id = op.get("operationId").and_then(Value::as_str);
    if upstream_id != fixup.upstream_operation_id {
        return Err(format!(
            "{here}: upstream operationId is {upstream_id:?}, the fix-up expects {:?}",
            fixup.upstream_operation_id
        ));
    }
    op["operationId"] = fixup.operation_id.into();

    let media = op
        .pointer_mut("/requestBody/content/application~1json")
        .ok_or(format!("{here}: no JSON request body"))?;
    name_schema(media, fixup.request, schemas, &here)?;

    let responses = op["responses"]
        .as_object_mut()
        .ok_or(format!("{here}: no responses"))?;
    if responses.len() != fixup.responses.len() {
        return Err(format!(
            "{here}: upstream has responses {:?}",
            responses.keys()
        ));
    }
    for (status, name) in fixup.responses {
        let media = responses
            .get_mut(*status)
            .and_then(|r| r.pointer_mut("/content/application~1json"))
            .ok_or(format!("{here}: no JSON {status} response"))?;
        name_schema(media, name, schemas, &format!("{here} {status}"))?;
    }
    Ok(())
}

/// Moves `media.schema` to `schemas[name]` and puts a `$ref` in its place.
fn name_schema(
    media: &mut Value,
    name: &str,
    schemas: &mut Map<String, Value>,
    here: &str,
) -> Result<(), String> {
    let shared = FIXUPS
        .iter()
        .flat_map(|f| std::iter::once(f.request).chain(f.responses.iter().map(|r| r.1)))
        .filter(|n| *n == name)
        .count()
        > 1;
    let mut schema = media
        .get_mut("schema")
        .map(Value::take)
        .ok_or(format!("{here}: no schema"))?;
    if shared && let Some(example) = take_property_examples(&mut schema) {
        if media.get("example").is_some() {
            return Err(format!(
                "{here}: has both a media-type and property examples"
            ));
        }
        media["example"] = example;
    }
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

/// Removes the `example` of each property of an object schema and returns them
/// as one example object (in property order), or `None` if there were none.
fn take_property_examples(schema: &mut Value) -> Option<Value> {
    let props = schema.get_mut("properties")?.as_object_mut()?;
    let mut example = Map::new();
    for (key, prop) in props.iter_mut() {
        if let Some(value) = prop.as_object_mut().and_then(|p| p.remove("example")) {
            example.insert(key.clone(), value);
        }
    }
    (!example.is_empty()).then_some(Value::Object(example))
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
