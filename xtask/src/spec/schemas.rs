//! The merged spec's `components/schemas`: which name each body schema gets, and the components a schema refers to, carried along.

use super::document::{Document, escape};
use super::openapi30::to_openapi_30;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The schemas of the merged spec, as they are named and added.
#[derive(Debug, Default)]
pub struct Schemas {
    /// `components/schemas` of the merged spec, in the order added.
    pub map: Map<String, Value>,
    /// Where each name's schema was first found (`copy.yaml, at #/…`).
    origins: BTreeMap<String, String>,
    /// The name a document's component is carried under, by (document,
    /// component name), when the operation table pinned one.
    pinned: BTreeMap<(String, String), String>,
}

/// The prefix of a reference into the merged spec's schemas.
pub const SCHEMAS: &str = "#/components/schemas/";

impl Schemas {
    /// Gives a document's component a name (a name the table pins for a
    /// body that refers to it). The first pin wins: a component pinned under
    /// two names is carried under both, and refers to under the first.
    pub fn pin(&mut self, document: &Document, component: &str, name: &str) {
        self.pinned
            .entry((document.name.clone(), component.to_owned()))
            .or_insert_with(|| name.to_owned());
    }

    /// The name a document's component is carried under: its pin, else its own name.
    pub fn name_of(&self, document: &Document, component: &str) -> String {
        self.pinned
            .get(&(document.name.clone(), component.to_owned()))
            .cloned()
            .unwrap_or_else(|| component.to_owned())
    }

    /// Adds a schema under `name` (in its OpenAPI 3.0 form). A name given
    /// twice must name equal schemas: two documents' `Error`s that differ
    /// are refused, naming both places, rather than merged silently.
    pub fn add(&mut self, name: &str, mut schema: Value, origin: String) -> Result<(), String> {
        to_openapi_30(&mut schema, &origin)?;
        match self.map.get(name) {
            Some(existing) if *existing != schema => Err(format!(
                "{origin}: its schema is named `{name}`, like the one at {}, and they differ; \
                 pin one of them to another name in the operation table \
                 (xtask/src/operations.rs)",
                self.origins[name]
            )),
            Some(_) => Ok(()),
            None => {
                self.map.insert(name.to_owned(), schema);
                self.origins.insert(name.to_owned(), origin);
                Ok(())
            }
        }
    }

    /// Rewrites every schema `$ref` inside `schema` to its merged name and
    /// carries the component it points at, and what that refers to in turn.
    /// `context` names the document and operation (`copy.yaml, put … (copy)`)
    /// and `at` is the JSON pointer of `schema` in the document, for
    /// messages. `stack` holds the components being carried, so a cycle is
    /// refused (the API's bodies are not recursive, and a generator may not
    /// terminate on one).
    pub fn carry_refs(
        &mut self,
        document: &Document,
        schema: &mut Value,
        context: &str,
        at: &str,
        stack: &mut Vec<String>,
    ) -> Result<(), String> {
        match schema {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str).map(str::to_owned)
                {
                    let target = document
                        .component(&reference)
                        .map_err(|e| format!("{context}, at {at}: {e}"))?;
                    if target.kind != "schemas" {
                        return Err(format!(
                            "{context}, at {at}: a schema refers to {reference}, which is not a schema"
                        ));
                    }
                    if stack.contains(&target.name) {
                        stack.push(target.name.clone());
                        return Err(format!(
                            "{context}, at {at}: the schemas refer to each other in a cycle ({}); \
                             recursive bodies are not supported",
                            stack.join(" → ")
                        ));
                    }
                    let name = self.name_of(document, &target.name);
                    let here = format!("#/components/schemas/{}", escape(&target.name));
                    let mut carried = target.value.clone();
                    stack.push(target.name.clone());
                    self.carry_refs(document, &mut carried, context, &here, stack)?;
                    stack.pop();
                    self.add(&name, carried, format!("{context}, at {here}"))?;
                    map.insert("$ref".into(), format!("{SCHEMAS}{name}").into());
                    return Ok(());
                }
                for (key, child) in map.iter_mut() {
                    match (key.as_str(), child) {
                        // Data, not schemas.
                        ("example" | "examples" | "default" | "enum", _) => {}
                        // The keys of `properties` are field names.
                        ("properties", Value::Object(fields)) => {
                            for (field, property) in fields.iter_mut() {
                                let here = format!("{at}/properties/{}", escape(field));
                                self.carry_refs(document, property, context, &here, stack)?;
                            }
                        }
                        (_, child) => {
                            let here = format!("{at}/{}", escape(key));
                            self.carry_refs(document, child, context, &here, stack)?;
                        }
                    }
                }
                Ok(())
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.carry_refs(document, item, context, &format!("{at}/{i}"), stack)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(components: Value) -> Document {
        Document {
            name: "d.yaml".into(),
            value: json!({ "components": { "schemas": components } }),
        }
    }

    #[test]
    fn a_nested_reference_is_carried_under_its_name_and_rewritten() {
        let d = doc(json!({
            "Detail": {"type": "object", "properties": {"code": {"type": "string"}}}
        }));
        let mut schemas = Schemas::default();
        let mut body = json!({"properties": {"detail": {"$ref": "#/components/schemas/Detail"}}});
        schemas
            .carry_refs(&d, &mut body, "d.yaml", "#/x", &mut Vec::new())
            .unwrap();
        assert_eq!(
            body["properties"]["detail"]["$ref"],
            "#/components/schemas/Detail"
        );
        assert_eq!(
            schemas.map["Detail"]["properties"]["code"]["type"],
            "string"
        );
    }

    #[test]
    fn a_pinned_component_is_carried_under_its_pin() {
        let d = doc(json!({"Error": {"type": "object"}}));
        let mut schemas = Schemas::default();
        schemas.pin(&d, "Error", "ApiError");
        schemas.pin(&d, "Error", "Other");
        assert_eq!(schemas.name_of(&d, "Error"), "ApiError");
        let mut body = json!({"items": {"$ref": "#/components/schemas/Error"}});
        schemas
            .carry_refs(&d, &mut body, "d.yaml", "#/x", &mut Vec::new())
            .unwrap();
        assert_eq!(body["items"]["$ref"], "#/components/schemas/ApiError");
        assert!(schemas.map.contains_key("ApiError"));
    }

    #[test]
    fn a_cycle_and_a_dangling_reference_are_refused_with_their_pointer() {
        let d = doc(json!({
            "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"items": {"$ref": "#/components/schemas/A"}}
        }));
        let mut body = json!({"$ref": "#/components/schemas/A"});
        let err = Schemas::default()
            .carry_refs(&d, &mut body, "d.yaml", "#/top", &mut Vec::new())
            .unwrap_err();
        assert!(err.contains("A → B → A"), "{err}");
        assert!(
            err.contains("d.yaml, at #/components/schemas/B/items"),
            "{err}"
        );

        let mut body = json!({"properties": {"x": {"$ref": "#/components/schemas/Nope"}}});
        let err = Schemas::default()
            .carry_refs(&d, &mut body, "d.yaml", "#/top", &mut Vec::new())
            .unwrap_err();
        assert!(err.contains("d.yaml, at #/top/properties/x"), "{err}");
        assert!(err.contains("points at nothing"), "{err}");
    }

    #[test]
    fn one_name_for_two_different_schemas_is_refused_naming_both() {
        let mut schemas = Schemas::default();
        schemas
            .add("Error", json!({"type": "object"}), "a.yaml, at #/1".into())
            .unwrap();
        schemas
            .add("Error", json!({"type": "object"}), "b.yaml, at #/2".into())
            .unwrap();
        let err = schemas
            .add("Error", json!({"type": "string"}), "c.yaml, at #/3".into())
            .unwrap_err();
        assert!(
            err.contains("c.yaml, at #/3") && err.contains("a.yaml, at #/1"),
            "{err}"
        );
    }

    #[test]
    fn the_31_and_30_forms_of_one_schema_are_one_schema() {
        let mut schemas = Schemas::default();
        schemas
            .add("S", json!({"type": ["string", "null"]}), "a".into())
            .unwrap();
        schemas
            .add("S", json!({"nullable": true, "type": "string"}), "b".into())
            .unwrap();
        assert_eq!(
            schemas.map["S"],
            json!({"type": "string", "nullable": true})
        );
    }
}
