//! OpenAPI 3.0 schemas as JSON Schema: the conversion, the workspace's one `$ref` resolver, and compiling a schema into a validator.

use serde_json::{Map, Value};

/// OpenAPI 3.0 schema → JSON Schema: `nullable: true` becomes a type array
/// with `"null"` (and `null` joins an `enum`); `example` and other
/// annotation-only keywords are dropped.
pub fn openapi_to_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let nullable = map.get("nullable").and_then(Value::as_bool) == Some(true);
            let mut out = Map::new();
            for (key, value) in map {
                match key.as_str() {
                    "nullable" | "example" | "xml" | "externalDocs" | "deprecated"
                    | "discriminator" => {}
                    "readOnly" | "writeOnly" => {}
                    "properties" | "patternProperties" => {
                        let converted = value
                            .as_object()
                            .map(|props| {
                                props
                                    .iter()
                                    .map(|(k, v)| (k.clone(), openapi_to_json_schema(v)))
                                    .collect::<Map<_, _>>()
                            })
                            .map_or_else(|| value.clone(), Value::Object);
                        out.insert(key.clone(), converted);
                    }
                    "enum" | "required" | "default" => {
                        out.insert(key.clone(), value.clone());
                    }
                    _ => {
                        out.insert(key.clone(), openapi_to_json_schema(value));
                    }
                }
            }
            if nullable {
                if let Some(t) = out.get("type").cloned() {
                    let mut types = match t {
                        Value::Array(a) => a,
                        other => vec![other],
                    };
                    if !types.contains(&Value::from("null")) {
                        types.push(Value::from("null"));
                    }
                    out.insert("type".into(), Value::Array(types));
                }
                if let Some(Value::Array(values)) = out.get_mut("enum")
                    && !values.contains(&Value::Null)
                {
                    values.push(Value::Null);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(openapi_to_json_schema).collect()),
        other => other.clone(),
    }
}

/// **The workspace's `$ref` resolver.** Follows a local `$ref` (`#/...`, a
/// JSON pointer into `document`), and the `$ref` it leads to, up to 16
/// deep, and returns the schema reached. A schema that is no `$ref`, or
/// whose reference is not local or leads nowhere, is returned as it is.
///
/// ```
/// let document = serde_json::json!({"components": {"schemas": {
///     "A": {"$ref": "#/components/schemas/B"}, "B": {"type": "integer"}}}});
/// let schema = serde_json::json!({"$ref": "#/components/schemas/A"});
/// let resolved = vast_mock::spec::resolve(&schema, &document);
/// assert_eq!(resolved, &serde_json::json!({"type": "integer"}));
/// ```
pub fn resolve<'a>(schema: &'a Value, document: &'a Value) -> &'a Value {
    let mut current = schema;
    for _ in 0..16 {
        let Some(target) = current
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|reference| reference.strip_prefix('#'))
            .and_then(|pointer| document.pointer(pointer))
        else {
            break;
        };
        current = target;
    }
    current
}

/// Compiles `schema` (OpenAPI 3.0, `$ref`s into `components/schemas`) into
/// a JSON Schema draft 4 validator; `components` are the document's
/// `components/schemas`, already converted.
pub(super) fn compile(schema: &Value, components: &Value) -> Result<jsonschema::Validator, String> {
    let mut root = Map::new();
    root.insert(
        "allOf".into(),
        Value::Array(vec![openapi_to_json_schema(schema)]),
    );
    let mut schemas = Map::new();
    schemas.insert("schemas".into(), components.clone());
    root.insert("components".into(), Value::Object(schemas));
    jsonschema::draft4::new(&Value::Object(root))
        .map_err(|e| format!("schema does not compile: {e}"))
}

/// The names a schema's `required` lists.
pub(super) fn required(schema: &Value) -> impl Iterator<Item = &str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::{compile, openapi_to_json_schema, required, resolve};
    use serde_json::json;

    #[test]
    fn nullable_becomes_a_type_array_with_null_and_null_joins_an_enum() {
        let schema = json!({"type": "string", "nullable": true, "enum": ["a", "b"]});
        assert_eq!(
            openapi_to_json_schema(&schema),
            json!({"type": ["string", "null"], "enum": ["a", "b", null]})
        );
        // Already there: not added twice.
        let schema = json!({"type": ["string", "null"], "nullable": true, "enum": [null]});
        assert_eq!(
            openapi_to_json_schema(&schema),
            json!({"type": ["string", "null"], "enum": [null]})
        );
        // `nullable: false` changes nothing.
        let schema = json!({"type": "integer", "nullable": false});
        assert_eq!(openapi_to_json_schema(&schema), json!({"type": "integer"}));
    }

    #[test]
    fn nested_schemas_are_converted_and_annotations_dropped() {
        let schema = json!({
            "type": "object",
            "example": {"a": 1},
            "deprecated": true,
            "properties": {
                "a": {"type": "integer", "nullable": true, "readOnly": true},
                // A property named like a keyword is a property.
                "example": {"type": "string"}
            },
            "items": [{"type": "string", "nullable": true}],
            "allOf": [{"$ref": "#/components/schemas/A"}],
            "required": ["a"],
            "default": {"nullable": true}
        });
        assert_eq!(
            openapi_to_json_schema(&schema),
            json!({
                "type": "object",
                "properties": {
                    "a": {"type": ["integer", "null"]},
                    "example": {"type": "string"}
                },
                "items": [{"type": ["string", "null"]}],
                "allOf": [{"$ref": "#/components/schemas/A"}],
                "required": ["a"],
                "default": {"nullable": true}
            })
        );
    }

    #[test]
    fn resolve_follows_a_chain_of_local_refs() {
        let document = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "integer"}
        }}});
        let schema = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(resolve(&schema, &document), &json!({"type": "integer"}));
    }

    #[test]
    fn a_ref_that_is_missing_or_not_local_is_returned_as_it_is() {
        let document = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/Missing"}
        }}});
        let missing = json!({"$ref": "#/components/schemas/Missing"});
        assert_eq!(resolve(&missing, &document), &missing);
        // Followed to A, whose own reference leads nowhere: A.
        let to_a = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(
            resolve(&to_a, &document),
            &document["components"]["schemas"]["A"]
        );
        let remote = json!({"$ref": "other.json#/A"});
        assert_eq!(resolve(&remote, &document), &remote);
        let plain = json!({"type": "string"});
        assert_eq!(resolve(&plain, &document), &plain);
    }

    #[test]
    fn a_cycle_of_refs_ends_after_16_steps() {
        let document = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"$ref": "#/components/schemas/A"}
        }}});
        let schema = json!({"$ref": "#/components/schemas/A"});
        // 16 steps from the schema: A, B, ..., ending on B's target A.
        assert_eq!(
            resolve(&schema, &document),
            &document["components"]["schemas"]["B"]
        );
    }

    #[test]
    fn a_compiled_schema_resolves_refs_into_the_components() {
        let components = openapi_to_json_schema(&json!({
            "Id": {"type": "integer", "nullable": true}
        }));
        let schema = json!({
            "type": "object",
            "properties": {"id": {"$ref": "#/components/schemas/Id"}},
            "required": ["id"]
        });
        let validator = compile(&schema, &components).expect("compiles");
        assert!(validator.is_valid(&json!({"id": 7})));
        assert!(validator.is_valid(&json!({"id": null})));
        assert!(!validator.is_valid(&json!({"id": "7"})));
        assert!(!validator.is_valid(&json!({})));
        let broken = compile(&json!({"type": 7}), &components);
        assert!(broken.is_err_and(|e| e.starts_with("schema does not compile")));
    }

    #[test]
    fn required_lists_the_names_and_nothing_without_them() {
        let schema = json!({"required": ["a", "b"]});
        let names: Vec<&str> = required(&schema).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(required(&json!({"type": "object"})).count(), 0);
    }
}
