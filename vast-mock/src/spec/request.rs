//! A valid request of an operation, from the spec alone: what a test that covers every operation sends.

use super::Spec;
use super::operation::OperationKey;
use super::schema::resolve;
use serde_json::{Map, Value};

impl Spec {
    /// A request body `op` accepts whose instance fields (the operation's
    /// `x-vast-instance-fields`) all name `instance`: the spec's example of
    /// the request body when it has one, else a body built from the request
    /// schema like the answers the mock writes itself (every required
    /// property with a value its schema accepts); then each instance field
    /// set to `instance`, as a string or a number as its schema types it.
    /// `None` if the spec lacks `op`.
    ///
    /// ```
    /// use vast_mock::{Operation, spec};
    /// let body = spec::spec().valid_request(Operation::CancelSync, 7).unwrap();
    /// assert_eq!(body, serde_json::json!({"dst_id": 7}));
    /// spec::spec().validate_body(Operation::CancelSync, &body).unwrap();
    /// ```
    pub fn valid_request(&self, op: impl OperationKey, instance: u64) -> Option<Value> {
        let op = self.operation(op)?;
        let schema = resolve(&op.request.1, &self.document);
        let example = self
            .document
            .get("paths")
            .and_then(|paths| paths.get(&op.path))
            .and_then(|item| item.get(op.method.to_ascii_lowercase()))
            .and_then(|operation| {
                operation.pointer("/requestBody/content/application~1json/example")
            });
        let mut body = match example.or(schema.get("example")) {
            Some(Value::Object(example)) => example.clone(),
            _ => match self.filler(schema, 0) {
                Value::Object(filled) => filled,
                _ => Map::new(),
            },
        };
        let properties = schema.get("properties").and_then(Value::as_object);
        for field in &op.instance_fields {
            let property = properties
                .and_then(|p| p.get(field))
                .map(|p| resolve(p, &self.document));
            let is_string = property.is_some_and(|p| match p.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
                _ => false,
            });
            let value = if is_string {
                Value::String(instance.to_string())
            } else {
                Value::from(instance)
            };
            body.insert(field.clone(), value);
        }
        Some(Value::Object(body))
    }
}

#[cfg(test)]
mod tests {
    use crate::Operation;
    use crate::spec::spec;
    use serde_json::json;

    #[test]
    fn every_operation_of_the_embedded_spec_has_a_valid_request_naming_the_instance() {
        let spec = spec();
        for op in Operation::ALL {
            let body = spec.valid_request(op, 42).unwrap();
            spec.validate_body(op, &body).unwrap();
            for field in op.facts().instance_fields {
                let value = &body[*field];
                assert!(
                    value == &json!(42) || value == &json!("42"),
                    "{op}: {field} = {value}"
                );
            }
        }
        assert_eq!(
            spec.valid_request(Operation::Copy, 7).unwrap(),
            json!({"src_path": "", "dst_path": "", "src_id": "7", "dst_id": "7"})
        );
        assert_eq!(spec.valid_request("noSuchOperation", 7), None);
    }
}
