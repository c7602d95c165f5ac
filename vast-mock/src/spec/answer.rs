//! The answers the mock writes itself: the API's envelope `{success, error, msg}` and the `200` of an applied request, shaped to the schema the operation declares.

use super::Spec;
use super::operation::{OperationKey, OperationSpec};
use super::schema::{required, resolve};
use serde_json::{Map, Value};

/// The response property that links to an operation's result (cloud copy's
/// `result_url`). The mock fills it, where the spec declares it and gives no
/// example, with a link it serves itself; see [`Spec::gives_result_link`].
pub const RESULT_LINK_FIELD: &str = "result_url";

impl Spec {
    /// Whether a synthesized `200` of `op` carries a link to its result: the
    /// spec gives no `200` example (an example is sent as it is) and the
    /// `200` schema has a string property named [`RESULT_LINK_FIELD`].
    pub fn gives_result_link(&self, op: impl OperationKey) -> bool {
        self.operation(op)
            .is_some_and(|op| self.gives_result_link_of(op))
    }

    pub(crate) fn gives_result_link_of(&self, op: &OperationSpec) -> bool {
        if op.example(200).is_some() {
            return false;
        }
        op.response_schema(200)
            .and_then(|schema| schema.pointer(&format!("/properties/{RESULT_LINK_FIELD}")))
            .map(|property| resolve(property, &self.document))
            .is_some_and(|property| property.get("type") == Some(&Value::from("string")))
    }

    /// The `200` body the mock answers an applied request of `op` with
    /// (without a result link); `None` if the spec lacks `op`. It is the
    /// spec's example; where there is none (cloud copy), it is built from
    /// the `200` schema like every answer the mock writes itself:
    /// `{success: true, msg: <the 200's description>}`, shaped to the schema
    /// (a field the schema's properties do not declare is left out, a
    /// required property is added with a value its schema accepts).
    pub fn success_body(&self, op: impl OperationKey) -> Option<Value> {
        self.operation(op).map(|op| self.success(op, None))
    }

    /// The `200` body for an applied request: the example, else
    /// `{success: true, msg: <the 200's description>}` and the result link
    /// (when given), shaped to the `200` schema.
    pub(crate) fn success(&self, op: &OperationSpec, link: Option<String>) -> Value {
        if let Some(example) = op.example(200) {
            return example.clone();
        }
        let msg = op
            .responses
            .get(&200)
            .and_then(|d| d.description.clone())
            .unwrap_or_else(|| format!("The {} request was accepted.", op.name));
        let mut fields = envelope(true, None, msg);
        if let Some(link) = link {
            fields.insert(RESULT_LINK_FIELD.into(), Value::String(link));
        }
        self.answer(Some(op), 200, fields)
    }

    /// A body the mock writes itself (a refusal, or a `200` without an
    /// example): `fields`, the API's envelope (`success`, `error`, `msg`),
    /// shaped to the JSON schema `op` declares for `status`. A field the
    /// schema's properties do not declare is left out (cloud copy's `400`
    /// has no `error`), and a required property `fields` lack is added with
    /// a value its schema accepts (its `default`, its first `enum` value,
    /// else `false`, `0`, `""`, `[]` or an object of its own required
    /// properties). Without such a schema (no operation, an undeclared
    /// status such as `401`), `fields` as they are.
    pub(crate) fn answer(
        &self,
        op: Option<&OperationSpec>,
        status: u16,
        fields: Map<String, Value>,
    ) -> Value {
        let Some(schema) = op.and_then(|op| op.response_schema(status)) else {
            return Value::Object(fields);
        };
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return Value::Object(fields);
        };
        let mut body: Map<String, Value> = fields
            .into_iter()
            .filter(|(name, _)| properties.contains_key(name))
            .collect();
        for name in required(schema) {
            if !body.contains_key(name)
                && let Some(property) = properties.get(name)
            {
                body.insert(name.to_owned(), self.filler(property, 0));
            }
        }
        Value::Object(body)
    }

    /// A value that `schema` (JSON Schema, `$ref`s into the document) accepts.
    pub(super) fn filler(&self, schema: &Value, depth: usize) -> Value {
        let schema = resolve(schema, &self.document);
        if let Some(default) = schema.get("default") {
            return default.clone();
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        let kind = match schema.get("type") {
            Some(Value::String(t)) => Some(t.as_str()),
            Some(Value::Array(types)) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null"),
            _ => schema.get("properties").map(|_| "object"),
        };
        match kind {
            Some("boolean") => Value::Bool(false),
            Some("integer" | "number") => Value::from(0),
            Some("string") => Value::String(String::new()),
            Some("array") => Value::Array(Vec::new()),
            Some("object") if depth < 16 => {
                let properties = schema.get("properties").and_then(Value::as_object);
                let object = required(schema)
                    .filter_map(|name| Some((name.to_owned(), properties?.get(name)?)))
                    .map(|(name, property)| (name, self.filler(property, depth + 1)))
                    .collect();
                Value::Object(object)
            }
            Some("object") => Value::Object(Map::new()),
            _ => Value::Null,
        }
    }
}

/// The API's envelope `{success, error, msg}` (no `error` when `None`).
pub(crate) fn envelope(success: bool, error: Option<&str>, msg: String) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("success".into(), Value::Bool(success));
    if let Some(error) = error {
        fields.insert("error".into(), Value::from(error));
    }
    fields.insert("msg".into(), Value::String(msg));
    fields
}

#[cfg(test)]
mod tests {
    use super::envelope;
    use crate::spec::tests::things;
    use serde_json::json;

    #[test]
    fn the_envelope_has_an_error_only_when_given_one() {
        let refused = envelope(false, Some("invalid_args"), "No.".into());
        assert_eq!(
            serde_json::Value::Object(refused),
            json!({"success": false, "error": "invalid_args", "msg": "No."})
        );
        let accepted = envelope(true, None, "Yes.".into());
        assert_eq!(
            serde_json::Value::Object(accepted),
            json!({"success": true, "msg": "Yes."})
        );
    }

    #[test]
    fn an_answer_is_shaped_to_the_declared_schema() {
        let spec = things();
        let made = spec.operation("makeThing");
        let fields = envelope(false, Some("invalid_args"), "Bad.".into());
        // The 400 declares no `error` (left out) and requires a `code` (its
        // first enum value).
        assert_eq!(
            spec.answer(made, 400, fields.clone()),
            json!({"success": false, "msg": "Bad.", "code": "E_THING"})
        );
        // An undeclared status, or no operation: the fields as they are.
        let whole = json!({"success": false, "error": "invalid_args", "msg": "Bad."});
        assert_eq!(spec.answer(made, 401, fields.clone()), whole);
        assert_eq!(spec.answer(None, 400, fields), whole);
    }

    #[test]
    fn a_synthesized_200_fills_every_required_property_with_a_value_its_schema_accepts() {
        let spec = things();
        let made = spec.operation("makeThing").expect("declared");
        let link = "http://127.0.0.1:9/mock/results/make-thing-1.txt".to_owned();
        let answer = spec.success(made, Some(link.clone()));
        assert_eq!(
            answer,
            json!({
                "success": true,
                "msg": "Thing made.",
                "result_url": link,
                "seq": 0,
                "owner": {"name": "", "active": false},
                "mode": "fast",
                "retries": 3,
                "labels": []
            })
        );
        assert_eq!(spec.validate_response("makeThing", 200, &answer), Ok(()));
        // Without a link; `success_body` is the same answer.
        let body = spec.success_body("makeThing").expect("declared");
        assert!(body.get("result_url").is_none());
        assert_eq!(body["msg"], "Thing made.");
        assert_eq!(spec.success_body("nothing"), None);
    }

    #[test]
    fn an_example_is_answered_as_it_is_and_gives_no_result_link() {
        let spec = things();
        let dropped = spec.operation("dropThing").expect("declared");
        assert_eq!(
            spec.success(dropped, Some("ignored".into())),
            json!({"success": true})
        );
        assert!(!spec.gives_result_link("dropThing"));
        assert!(spec.gives_result_link("makeThing"));
        assert!(!spec.gives_result_link("nothing"));
    }

    #[test]
    fn a_filler_follows_refs_prefers_defaults_and_enums_and_stops_nesting_at_16() {
        let spec = things();
        assert_eq!(
            spec.filler(&json!({"type": ["null", "string"]}), 0),
            json!("")
        );
        assert_eq!(spec.filler(&json!({"type": "number"}), 0), json!(0));
        assert_eq!(
            spec.filler(&json!({"type": "integer", "default": 5, "enum": [1]}), 0),
            json!(5)
        );
        assert_eq!(spec.filler(&json!({"enum": [null, 1]}), 0), json!(null));
        assert_eq!(spec.filler(&json!({}), 0), json!(null));
        let nested = spec.filler(&json!({"$ref": "#/components/schemas/Loop"}), 0);
        assert_eq!(nested.pointer(&"/next".repeat(16)), Some(&json!({})));
    }
}
