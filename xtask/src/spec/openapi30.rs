//! OpenAPI 3.1 (JSON Schema 2020-12) constructs rewritten into their 3.0 form, or refused by name.

use super::document::escape;
use serde_json::Value;

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

/// Rewrites 3.1-only constructs into their 3.0 form, in place; `at` is
/// where `value` is, for messages (`copy.yaml, at #/…`).
pub fn to_openapi_30(value: &mut Value, at: &str) -> Result<(), String> {
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
                            to_openapi_30(schema, &format!("{at}/properties/{}", escape(field)))?;
                        }
                    }
                    (_, child) => to_openapi_30(child, &format!("{at}/{}", escape(key)))?,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
