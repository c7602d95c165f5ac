//! The spec the mock serves, read once: routing, request validation, response validation and the answers it builds.
//!
//! A [`Spec`] is parsed from an OpenAPI 3.0 document in JSON, as `cargo
//! xtask generate` writes it: [`spec()`] is the embedded one
//! ([`vast_api::SPEC`]), [`Spec::parse`] reads any other (give it to
//! [`MockServerBuilder::spec`](crate::MockServerBuilder::spec)). Everything
//! the mock knows about an operation comes from it: the path and method, the
//! request schema, the response schemas and their examples (each response's
//! media-type `example`, where the merge puts every example), and the body
//! fields that name an instance (the operation's `x-vast-instance-fields`).
//! OpenAPI 3.0 schemas are turned into JSON Schema draft 4 (`nullable: true`
//! becomes a type array, `$ref`s resolve into `components/schemas`) and
//! compiled with `jsonschema`.
//!
//! Operations are named by their `operationId` ([`OperationKey`]): an
//! [`Operation`] for the embedded spec (every one of its operations has a
//! variant, which [`spec()`] checks), a string for an operation only a
//! loaded spec has (`"verifyCopy"`). [`OperationSpec`] is one operation as
//! the spec declares it.
//!
//! The same checks the mock server runs are public, so any test can assert
//! that a request conforms:
//!
//! ```
//! use vast_mock::{Operation, spec};
//! let body = serde_json::json!({ "dst_id": 6003036 });
//! let op = spec::validate_request("DELETE", "/api/v0/commands/rclone/", &body).unwrap();
//! assert_eq!(op, Operation::CancelSync);
//!
//! let wrong = serde_json::json!({ "dst_id": "6003036" });
//! let err = spec::validate_request("DELETE", "/api/v0/commands/rclone/", &wrong).unwrap_err();
//! assert_eq!(err.status(), 400);
//! assert!(err.message().contains("dst_id"));
//! ```

mod answer;
mod operation;
mod request;
mod schema;
mod validate;
mod violation;

pub use answer::RESULT_LINK_FIELD;
pub(crate) use answer::envelope;
pub use operation::{INSTANCE_FIELDS, OperationKey, OperationSpec};
pub use schema::{openapi_to_json_schema, resolve};
pub use validate::{
    check_authorization, check_content_type, validate_http, validate_request, validate_response,
};
pub use violation::{ResponseViolation, SpecError, Violation};

use serde_json::{Map, Value};
use std::fmt;
use std::sync::{Arc, OnceLock};
use vast_api::Operation;

struct Route {
    path: String,
    /// (upper-case method, index into `Spec::operations`), sorted by method.
    methods: Vec<(String, usize)>,
}

/// A parsed spec with its compiled validators: the embedded one is
/// [`spec()`], any other comes from [`Spec::parse`].
pub struct Spec {
    document: Value,
    operations: Vec<OperationSpec>,
    routes: Vec<Route>,
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spec")
            .field("operations", &self.operations)
            .finish_non_exhaustive()
    }
}

/// The embedded spec, parsed and compiled once, shared by every mock that
/// serves it.
pub(crate) fn embedded() -> &'static Arc<Spec> {
    static SPEC: OnceLock<Arc<Spec>> = OnceLock::new();
    SPEC.get_or_init(|| {
        match Spec::parse(vast_api::SPEC).and_then(|spec| spec.check_typed().map(|()| spec)) {
            Ok(spec) => Arc::new(spec),
            Err(e) => panic!("the embedded spec (vast_api::SPEC) is unusable: {e}"),
        }
    })
}

/// The embedded spec, parsed and compiled on first use.
///
/// # Panics
/// If the embedded spec cannot be read or disagrees with [`Operation`] (an
/// operation without a variant, or a variant without an operation): a bug
/// of this crate, caught by its tests, never by a user's input.
pub fn spec() -> &'static Spec {
    embedded()
}

impl Spec {
    /// Reads an OpenAPI 3.0 document in JSON, as `cargo xtask generate`
    /// writes it (the embedded spec is [`spec()`]), and compiles its
    /// validators.
    ///
    /// Every operation must have a unique `operationId` and an
    /// `application/json` request body; its responses are keyed by status
    /// code; its [`INSTANCE_FIELDS`], if any, must be properties of its
    /// request schema. An operation whose `operationId` is that of an
    /// [`Operation`] must have that operation's method and path (so the
    /// typed name cannot point somewhere else); other operations are served
    /// all the same, named by their operationId.
    pub fn parse(text: &str) -> Result<Spec, SpecError> {
        Spec::parse_inner(text).map_err(SpecError)
    }

    fn parse_inner(text: &str) -> Result<Spec, String> {
        let document: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let components = document
            .pointer("/components/schemas")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        let components = openapi_to_json_schema(&components);
        let paths = document
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("no paths")?;

        let mut operations: Vec<OperationSpec> = Vec::new();
        let mut routes = Vec::new();
        for (path, item) in paths {
            let item = item
                .as_object()
                .ok_or_else(|| format!("{path}: not an object"))?;
            let mut methods = Vec::new();
            for (method, declared) in item {
                if !is_http_method(method) {
                    continue;
                }
                let upper = method.to_ascii_uppercase();
                let index = operations.len();
                let op = operation::read(index, &upper, path, declared, &document, &components)?;
                if operations.iter().any(|o| o.id == op.id) {
                    return Err(format!("operationId {} is given twice", op.id));
                }
                methods.push((upper, index));
                operations.push(op);
            }
            // A fixed order (`Allow: DELETE, POST`) whatever the JSON map's order.
            methods.sort();
            routes.push(Route {
                path: path.clone(),
                methods,
            });
        }
        Ok(Spec {
            document,
            operations,
            routes,
        })
    }

    /// Checks that the spec's operations are exactly the [`Operation`]s: what
    /// the embedded spec must satisfy, so that a spec change the generated
    /// table does not know fails the mock's tests.
    fn check_typed(&self) -> Result<(), SpecError> {
        if let Some(op) = self.operations.iter().find(|o| o.operation.is_none()) {
            return Err(SpecError(format!(
                "operationId {} is not an Operation",
                op.id
            )));
        }
        for op in Operation::ALL {
            if self.operation(op).is_none() {
                return Err(SpecError(format!(
                    "{} is not in the spec",
                    op.operation_id()
                )));
            }
        }
        Ok(())
    }

    /// The whole spec document.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// Every operation; [`OperationSpec::index`] is the position here. (The
    /// order is the JSON map's: by path and method, or the document's when
    /// `serde_json`'s `preserve_order` is on; look operations up by key.)
    pub fn operations(&self) -> &[OperationSpec] {
        &self.operations
    }

    /// The operation with this `operationId`, if the spec has it.
    pub fn operation(&self, op: impl OperationKey) -> Option<&OperationSpec> {
        let id = op.operation_id();
        self.operations.iter().find(|o| o.id == id)
    }

    /// The operation for a method and path, or why there is none.
    pub fn route(&self, method: &str, path: &str) -> Result<&OperationSpec, Violation> {
        let Some(route) = self.routes.iter().find(|r| r.path == path) else {
            return Err(Violation::UnknownPath { path: path.into() });
        };
        route
            .methods
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(method))
            .map(|(_, index)| &self.operations[*index])
            .ok_or_else(|| Violation::MethodNotAllowed {
                method: method.into(),
                path: path.into(),
                allow: route.methods.iter().map(|(m, _)| m.clone()).collect(),
            })
    }

    /// The methods the spec declares for a path (upper case), empty for an unknown path.
    pub fn allowed_methods(&self, path: &str) -> Vec<String> {
        self.routes
            .iter()
            .find(|r| r.path == path)
            .map(|r| r.methods.iter().map(|(m, _)| m.clone()).collect())
            .unwrap_or_default()
    }

    /// The request schema of an operation as JSON Schema, its top-level
    /// `$ref` resolved (for generating bodies).
    pub fn request_schema(&self, op: impl OperationKey) -> Option<&Value> {
        self.operation(op).map(|op| &op.request.1)
    }

    /// The statuses the spec declares a JSON response for, ascending.
    pub fn response_statuses(&self, op: impl OperationKey) -> Vec<u16> {
        self.operation(op)
            .map(|op| op.responses.keys().copied().collect())
            .unwrap_or_default()
    }

    /// The spec's example for a response: its media type's `example` (where
    /// `cargo xtask generate` puts every example of the vendor's documents).
    pub fn example(&self, op: impl OperationKey, status: u16) -> Option<&Value> {
        self.operation(op)?.example(status)
    }

    /// The response schema for this operation and status as JSON Schema, its
    /// top-level `$ref` resolved (for generating bodies).
    pub fn response_schema(&self, op: impl OperationKey, status: u16) -> Option<&Value> {
        self.operation(op)?.response_schema(status)
    }
}

/// Whether a key of a path item is an operation (the rest are `parameters`,
/// `summary` and the like).
fn is_http_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

#[cfg(test)]
pub(super) mod tests {
    use super::{Spec, SpecError, Violation};
    use serde_json::json;
    use vast_api::Operation;

    /// A small spec of two operations on one path, `makeThing` (`POST`, no
    /// example, instance fields, `$ref`s, `nullable`) and `dropThing`
    /// (`DELETE`, an example), in `testdata/things.json`.
    pub(crate) fn things() -> Spec {
        Spec::parse(include_str!("testdata/things.json")).expect("the fixture parses")
    }

    fn refusal(text: &str) -> String {
        match Spec::parse(text) {
            Ok(_) => panic!("parsed: {text}"),
            Err(SpecError(reason)) => reason,
        }
    }

    #[test]
    fn operations_are_routed_by_path_and_method_in_any_case() {
        let spec = things();
        assert_eq!(spec.operations().len(), 2);
        let made = spec.route("post", "/things/").expect("routed");
        assert_eq!((made.operation_id(), made.method()), ("makeThing", "POST"));
        assert_eq!(
            spec.route("DELETE", "/things/").expect("routed").name(),
            "dropThing"
        );
        assert_eq!(spec.allowed_methods("/things/"), ["DELETE", "POST"]);
        assert!(spec.allowed_methods("/nowhere/").is_empty());
        let index = spec.operation("dropThing").expect("declared").index();
        assert_eq!(spec.operations()[index].operation_id(), "dropThing");
    }

    #[test]
    fn an_unknown_path_and_an_undeclared_method_are_violations() {
        let spec = things();
        assert_eq!(
            spec.route("POST", "/things").unwrap_err(),
            Violation::UnknownPath {
                path: "/things".into()
            }
        );
        assert_eq!(
            spec.route("GET", "/things/").unwrap_err(),
            Violation::MethodNotAllowed {
                method: "GET".into(),
                path: "/things/".into(),
                allow: vec!["DELETE".into(), "POST".into()],
            }
        );
    }

    #[test]
    fn a_document_that_is_no_spec_is_refused_with_the_reason() {
        assert!(refusal("{").starts_with("not JSON"));
        assert_eq!(refusal("{}"), "no paths");
        assert_eq!(refusal(r#"{"paths": {"/a/": 1}}"#), "/a/: not an object");
        let twice = json!({"paths": {
            "/a/": {"post": {"operationId": "x", "requestBody": {"content": {"application/json": {"schema": {}}}}, "responses": {}}},
            "/b/": {"post": {"operationId": "x", "requestBody": {"content": {"application/json": {"schema": {}}}}, "responses": {}}}
        }});
        assert_eq!(refusal(&twice.to_string()), "operationId x is given twice");
    }

    #[test]
    fn the_lookups_answer_from_the_declared_operation() {
        let spec = things();
        // `$ref` resolved, `nullable` converted.
        let request = spec.request_schema("makeThing").expect("declared");
        assert_eq!(
            request["properties"]["label"]["type"],
            json!(["string", "null"])
        );
        assert_eq!(spec.response_statuses("dropThing"), [200, 404]);
        assert_eq!(
            spec.example("dropThing", 200),
            Some(&json!({"success": true}))
        );
        assert_eq!(spec.example("makeThing", 200), None);
        let made = spec.response_schema("makeThing", 200).expect("declared");
        assert!(
            made["required"]
                .as_array()
                .is_some_and(|r| r.contains(&json!("seq")))
        );
        assert!(spec.operation("nothing").is_none());
        assert!(spec.response_statuses("nothing").is_empty());
    }

    #[test]
    fn only_the_embedded_spec_has_exactly_the_typed_operations() {
        assert!(super::spec().check_typed().is_ok());
        assert_eq!(super::spec().operations().len(), Operation::ALL.len());
        let refused = things().check_typed().unwrap_err();
        assert!(
            refused.to_string().contains("is not an Operation"),
            "{refused}"
        );
    }
}
