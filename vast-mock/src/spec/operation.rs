//! One operation as the spec declares it ([`OperationSpec`]), how it is named ([`OperationKey`]), and how it is read from the document.

use super::schema::{compile, openapi_to_json_schema, resolve};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use vast_api::Operation;

/// The operation extension that lists the request body fields naming an
/// instance (written by `cargo xtask generate` from the operation table):
/// the mock refuses an id it does not know in one of them.
pub const INSTANCE_FIELDS: &str = "x-vast-instance-fields";

/// Names an operation of a [`Spec`](super::Spec) by its `operationId`: an [`Operation`]
/// (the embedded spec's operations, typed), a `&str` or `String` (any
/// spec's, such as `"verifyCopy"`), or an [`OperationSpec`].
pub trait OperationKey {
    /// The operation's `operationId`.
    fn operation_id(&self) -> &str;
}

impl OperationKey for Operation {
    fn operation_id(&self) -> &str {
        Operation::operation_id(*self)
    }
}

impl OperationKey for str {
    fn operation_id(&self) -> &str {
        self
    }
}

impl OperationKey for String {
    fn operation_id(&self) -> &str {
        self
    }
}

impl OperationKey for OperationSpec {
    fn operation_id(&self) -> &str {
        &self.id
    }
}

impl<K: OperationKey + ?Sized> OperationKey for &K {
    fn operation_id(&self) -> &str {
        (**self).operation_id()
    }
}

/// One declared response of an operation.
pub(super) struct Declared {
    pub(super) validator: jsonschema::Validator,
    /// The schema as JSON Schema, its top-level `$ref` resolved.
    pub(super) schema: Value,
    /// The media type's `example`.
    pub(super) example: Option<Value>,
    /// The response's `description`.
    pub(super) description: Option<String>,
}

/// One operation of a [`Spec`](super::Spec): what the mock serves at its method and path.
/// Get it from [`Spec::route`](super::Spec::route), [`Spec::operation`](super::Spec::operation) or [`Spec::operations`](super::Spec::operations).
pub struct OperationSpec {
    pub(super) index: usize,
    pub(super) id: String,
    pub(super) operation: Option<Operation>,
    pub(super) name: String,
    pub(super) method: String,
    pub(super) path: String,
    pub(super) instance_fields: Vec<String>,
    pub(super) request: (jsonschema::Validator, Value),
    pub(super) responses: BTreeMap<u16, Declared>,
}

impl fmt::Debug for OperationSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperationSpec")
            .field("operation_id", &self.id)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("statuses", &self.responses.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl OperationSpec {
    /// Its `operationId`, such as `cloudCopy`.
    pub fn operation_id(&self) -> &str {
        &self.id
    }

    /// Its [`Operation`] variant: `Some` for every operation of the
    /// embedded spec, `None` for an operation the generated table does not
    /// have (one only a loaded spec declares).
    pub fn operation(&self) -> Option<Operation> {
        self.operation
    }

    /// Its human name, used in the mock's messages: [`Operation::name`]
    /// (`cloud copy`), else the spec's `summary`, else the operationId.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The HTTP method, upper case.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path, trailing slash included.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The request body fields that name an instance (its
    /// [`INSTANCE_FIELDS`], in order; empty when it has none).
    pub fn instance_fields(&self) -> &[String] {
        &self.instance_fields
    }

    /// Its position in [`Spec::operations`](super::Spec::operations).
    pub fn index(&self) -> usize {
        self.index
    }

    /// The status the mock refuses an unknown instance with: `404` if the
    /// operation declares it, else its `400` if it declares that (cloud
    /// copy: the only refusal its spec allows), else `404`.
    pub(crate) fn unknown_instance_status(&self) -> u16 {
        if !self.responses.contains_key(&404) && self.responses.contains_key(&400) {
            400
        } else {
            404
        }
    }

    /// The media type's `example` of the response `status`, if declared.
    pub(super) fn example(&self, status: u16) -> Option<&Value> {
        self.responses.get(&status)?.example.as_ref()
    }

    /// The schema of the response `status` as JSON Schema, if declared.
    pub(super) fn response_schema(&self, status: u16) -> Option<&Value> {
        self.responses.get(&status).map(|d| &d.schema)
    }
}

/// Reads one operation of the document: the one declared at `method` (upper
/// case) and `path`, the `index`-th of the spec. `components` are the
/// document's `components/schemas`, already converted to JSON Schema.
pub(super) fn read(
    index: usize,
    method: &str,
    path: &str,
    declared: &Value,
    document: &Value,
    components: &Value,
) -> Result<OperationSpec, String> {
    let id = declared
        .get("operationId")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{method} {path}: no operationId"))?;
    let typed = Operation::from_operation_id(id);
    if let Some(op) = typed
        && (op.method() != method || op.path() != path)
    {
        return Err(format!(
            "{id} is {method} {path} in the spec, not {} {}",
            op.method(),
            op.path()
        ));
    }
    let name = match typed {
        Some(op) => op.name().to_owned(),
        None => declared
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_owned(),
    };

    let schema = declared
        .pointer("/requestBody/content/application~1json/schema")
        .ok_or_else(|| format!("{id}: no application/json request schema"))?;
    let request_schema = openapi_to_json_schema(resolve(schema, document));
    let request = (compile(schema, components)?, request_schema);

    let instance_fields = match declared.get(INSTANCE_FIELDS) {
        None => Vec::new(),
        Some(fields) => fields
            .as_array()
            .and_then(|f| f.iter().map(|v| v.as_str().map(str::to_owned)).collect())
            .ok_or_else(|| format!("{id}: {INSTANCE_FIELDS} is not a list of field names"))?,
    };
    for field in &instance_fields {
        if request.1.pointer(&format!("/properties/{field}")).is_none() {
            return Err(format!(
                "{id}: instance field {field} is not a property of the request"
            ));
        }
    }

    let answers = declared
        .get("responses")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{id}: no responses"))?;
    let mut responses = BTreeMap::new();
    for (status, response) in answers {
        let status: u16 = status
            .parse()
            .map_err(|_| format!("{id}: response {status} is not a status code"))?;
        let Some(media) = response.pointer("/content/application~1json") else {
            continue;
        };
        let schema = media.get("schema").cloned().unwrap_or(Value::Bool(true));
        responses.insert(
            status,
            Declared {
                validator: compile(&schema, components)?,
                schema: openapi_to_json_schema(resolve(&schema, document)),
                example: media.get("example").cloned(),
                description: response
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            },
        );
    }
    Ok(OperationSpec {
        index,
        id: id.to_owned(),
        operation: typed,
        name,
        method: method.to_owned(),
        path: path.to_owned(),
        instance_fields,
        request,
        responses,
    })
}

#[cfg(test)]
mod tests {
    use super::{OperationKey, read};
    use crate::spec::tests::things;
    use serde_json::{Value, json};
    use vast_api::Operation;

    /// Reads `declared` as the operation at `POST /a/` of an empty document.
    fn read_alone(declared: Value) -> Result<super::OperationSpec, String> {
        read(0, "POST", "/a/", &declared, &json!({}), &json!({}))
    }

    /// An operation with a request of one property `id` and no response.
    fn declared(extra: Value) -> Value {
        let mut declared = json!({
            "operationId": "a",
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"id": {"type": "integer"}}
            }}}},
            "responses": {}
        });
        if let (Some(declared), Value::Object(extra)) = (declared.as_object_mut(), extra) {
            declared.extend(extra);
        }
        declared
    }

    fn refusal(declared: Value) -> String {
        read_alone(declared).expect_err("refused")
    }

    #[test]
    fn an_operation_is_read_with_its_name_fields_and_json_responses() {
        let spec = things();
        let made = spec.operation("makeThing").expect("declared");
        assert_eq!(made.name(), "make thing"); // its summary
        assert_eq!(made.operation(), None);
        assert_eq!(made.instance_fields(), ["owner_id", "backup_id"]);
        let dropped = spec.operation("dropThing").expect("declared");
        assert_eq!(dropped.name(), "dropThing"); // no summary: its operationId
        // Its 204 has no JSON body: not a declared JSON response.
        assert_eq!(
            dropped.responses.keys().copied().collect::<Vec<_>>(),
            [200, 404]
        );
        assert_eq!(dropped.example(200), Some(&json!({"success": true})));
        assert_eq!(dropped.example(404), None);
        assert_eq!(
            dropped.responses[&404].description.as_deref(),
            Some("No such owner.")
        );
    }

    #[test]
    fn an_operation_of_the_table_is_named_as_the_table_names_it() {
        let op = crate::spec::spec()
            .operation(Operation::CloudCopy)
            .expect("embedded");
        assert_eq!(
            (op.operation(), op.name()),
            (Some(Operation::CloudCopy), "cloud copy")
        );
    }

    #[test]
    fn an_unknown_instance_is_refused_with_404_unless_only_400_is_declared() {
        let spec = things();
        let status = |id: &str| {
            spec.operation(id)
                .expect("declared")
                .unknown_instance_status()
        };
        assert_eq!(status("makeThing"), 400);
        assert_eq!(status("dropThing"), 404);
        let neither = read_alone(declared(json!({}))).expect("read");
        assert_eq!(neither.unknown_instance_status(), 404);
    }

    #[test]
    fn an_operation_the_mock_cannot_serve_is_refused_with_the_reason() {
        assert_eq!(
            refusal(json!({"responses": {}})),
            "POST /a/: no operationId"
        );
        assert_eq!(
            refusal(json!({"operationId": "a", "responses": {}})),
            "a: no application/json request schema"
        );
        assert_eq!(
            refusal(declared(json!({"x-vast-instance-fields": "id"}))),
            "a: x-vast-instance-fields is not a list of field names"
        );
        assert_eq!(
            refusal(declared(json!({"x-vast-instance-fields": ["other"]}))),
            "a: instance field other is not a property of the request"
        );
        assert_eq!(
            refusal(declared(json!({"responses": {"default": {}}}))),
            "a: response default is not a status code"
        );
        let mut no_responses = declared(json!({}));
        no_responses.as_object_mut().map(|d| d.remove("responses"));
        assert_eq!(refusal(no_responses), "a: no responses");
        // A typed operationId somewhere else than the table says.
        assert_eq!(
            refusal(declared(json!({"operationId": "cancelSync"}))),
            "cancelSync is POST /a/ in the spec, not DELETE /api/v0/commands/rclone/"
        );
    }

    #[test]
    fn an_operation_is_named_by_any_operation_key() {
        let spec = things();
        let made = spec.operation("makeThing").expect("declared");
        assert_eq!(made.operation_id(), "makeThing");
        assert_eq!(OperationKey::operation_id(made), "makeThing");
        assert_eq!(OperationKey::operation_id(&String::from("x")), "x");
        assert_eq!(
            OperationKey::operation_id(&Operation::CancelSync),
            "cancelSync"
        );
        // Through references, as `impl OperationKey` arguments are passed.
        let name = String::from("dropThing");
        assert_eq!(OperationKey::operation_id(&&name), "dropThing");
    }
}
