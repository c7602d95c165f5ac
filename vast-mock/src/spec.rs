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

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};
use vast_api::Operation;

/// Why a request does not conform to the spec. [`Violation::status`] is the
/// status the mock answers with, [`Violation::message`] the `msg` it sends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// No path of the spec matches (404).
    UnknownPath {
        /// The request's path.
        path: String,
    },
    /// The path exists but does not declare this method (405, with `Allow`).
    MethodNotAllowed {
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
        /// The methods the spec declares for the path, upper case.
        allow: Vec<String>,
    },
    /// No `Authorization: Bearer <non-empty key>` header (401).
    Unauthorized {
        /// What was wrong with the header.
        reason: String,
    },
    /// The `Content-Type` is not `application/json` (400).
    UnsupportedContentType {
        /// The `Content-Type` sent, if any.
        found: Option<String>,
    },
    /// The body is empty or not JSON (400).
    MalformedBody {
        /// The parser's complaint.
        reason: String,
    },
    /// A required field is absent (400).
    MissingField {
        /// The field's name, dotted for nested fields.
        field: String,
    },
    /// A field (or the body itself, when `field` is empty) breaks its schema (400).
    InvalidField {
        /// The field's name, dotted for nested fields; empty for the body itself.
        field: String,
        /// What was wrong, in the validator's words.
        problem: String,
    },
    /// The body is larger than the server's limit (413). Not a property of
    /// the spec, which declares no size: the mock's own cap
    /// ([`MockServerBuilder::max_body_bytes`](crate::MockServerBuilder::max_body_bytes)).
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The header section (request line and headers) is larger than the
    /// server's limit (431); see
    /// [`MockServerBuilder::max_header_bytes`](crate::MockServerBuilder::max_header_bytes).
    HeaderSectionTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl Violation {
    /// The HTTP status the mock answers this violation with.
    pub fn status(&self) -> u16 {
        match self {
            Violation::UnknownPath { .. } => 404,
            Violation::MethodNotAllowed { .. } => 405,
            Violation::Unauthorized { .. } => 401,
            Violation::UnsupportedContentType { .. }
            | Violation::MalformedBody { .. }
            | Violation::MissingField { .. }
            | Violation::InvalidField { .. } => 400,
            Violation::PayloadTooLarge { .. } => 413,
            Violation::HeaderSectionTooLarge { .. } => 431,
        }
    }

    /// The `error` code the mock sends for it (for operations whose schema has one).
    pub fn code(&self) -> &'static str {
        match self {
            Violation::UnknownPath { .. } => "not_found",
            Violation::MethodNotAllowed { .. } => "method_not_allowed",
            Violation::Unauthorized { .. } => "unauthorized",
            Violation::PayloadTooLarge { .. } => "payload_too_large",
            Violation::HeaderSectionTooLarge { .. } => "request_header_fields_too_large",
            _ => "invalid_args",
        }
    }

    /// The offending field, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Violation::MissingField { field } => Some(field),
            Violation::InvalidField { field, .. } if !field.is_empty() => Some(field),
            _ => None,
        }
    }

    /// A sentence naming the problem (the `msg` the mock sends).
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::UnknownPath { path } => write!(f, "No such endpoint: {path}."),
            Violation::MethodNotAllowed {
                method,
                path,
                allow,
            } => write!(
                f,
                "Method {method} is not allowed on {path}; allowed: {}.",
                allow.join(", ")
            ),
            Violation::Unauthorized { reason } => write!(f, "Unauthorized: {reason}."),
            Violation::UnsupportedContentType { found: Some(ct) } => {
                write!(f, "Content-Type must be application/json, not {ct}.")
            }
            Violation::UnsupportedContentType { found: None } => {
                f.write_str("Content-Type must be application/json; none was sent.")
            }
            Violation::MalformedBody { reason } => {
                write!(f, "Request body is not valid JSON: {reason}.")
            }
            Violation::MissingField { field } => write!(f, "Missing required field {field}."),
            Violation::InvalidField { field, problem } if field.is_empty() => {
                write!(f, "Invalid request body: {problem}.")
            }
            Violation::InvalidField { field, problem } => write!(f, "Invalid {field}: {problem}."),
            Violation::PayloadTooLarge { limit } => {
                write!(f, "Request body is larger than the limit of {limit} bytes.")
            }
            Violation::HeaderSectionTooLarge { limit } => write!(
                f,
                "Request header section (request line and headers) is larger than the limit of {limit} bytes."
            ),
        }
    }
}

impl std::error::Error for Violation {}

/// The response property that links to an operation's result (cloud copy's
/// `result_url`). The mock fills it, where the spec declares it and gives no
/// example, with a link it serves itself; see [`Spec::gives_result_link`].
pub const RESULT_LINK_FIELD: &str = "result_url";

/// The operation extension that lists the request body fields naming an
/// instance (written by `cargo xtask generate` from the operation table):
/// the mock refuses an id it does not know in one of them.
pub const INSTANCE_FIELDS: &str = "x-vast-instance-fields";

/// Names an operation of a [`Spec`] by its `operationId`: an [`Operation`]
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

/// Why a response does not conform to the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseViolation {
    /// The operation answered, if it has an [`Operation`] variant.
    pub operation: Option<Operation>,
    /// The operation's `operationId`.
    pub operation_id: String,
    /// The response's status.
    pub status: u16,
    /// What was wrong.
    pub problem: String,
}

impl fmt::Display for ResponseViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} response {} does not conform: {}",
            self.operation_id, self.status, self.problem
        )
    }
}

impl std::error::Error for ResponseViolation {}

/// Why [`Spec::parse`] refused a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unusable spec: {}", self.0)
    }
}

impl std::error::Error for SpecError {}

/// One declared response of an operation.
struct Declared {
    validator: jsonschema::Validator,
    /// The schema as JSON Schema, its top-level `$ref` resolved.
    schema: Value,
    /// The media type's `example`.
    example: Option<Value>,
    /// The response's `description`.
    description: Option<String>,
}

/// One operation of a [`Spec`]: what the mock serves at its method and path.
/// Get it from [`Spec::route`], [`Spec::operation`] or [`Spec::operations`].
pub struct OperationSpec {
    index: usize,
    id: String,
    operation: Option<Operation>,
    name: String,
    method: String,
    path: String,
    instance_fields: Vec<String>,
    request: (jsonschema::Validator, Value),
    responses: BTreeMap<u16, Declared>,
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

    /// Its position in [`Spec::operations`].
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

    fn validate_body(&self, body: &Value) -> Result<(), Violation> {
        let mut first: Option<Violation> = None;
        for error in self.request.0.iter_errors(body) {
            let field = dotted(error.instance_path().as_str());
            let violation = match error.kind() {
                jsonschema::error::ValidationErrorKind::Required { property } => {
                    let name = property
                        .as_str()
                        .map_or_else(|| property.to_string(), str::to_owned);
                    let field = if field.is_empty() {
                        name
                    } else {
                        format!("{field}.{name}")
                    };
                    Violation::MissingField { field }
                }
                _ => Violation::InvalidField {
                    field,
                    problem: error.to_string(),
                },
            };
            let better = matches!(violation, Violation::MissingField { .. })
                && !matches!(first, Some(Violation::MissingField { .. }));
            if first.is_none() || better {
                first = Some(violation);
            }
        }
        first.map_or(Ok(()), Err)
    }

    fn check_body(&self, content_type: Option<&str>, body: &[u8]) -> Result<Value, Violation> {
        check_content_type(content_type)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(Violation::MalformedBody {
                reason: "the body is empty; this operation requires a JSON object".into(),
            });
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| Violation::MalformedBody {
            reason: e.to_string(),
        })?;
        self.validate_body(&value)?;
        Ok(value)
    }

    fn validate_response(&self, status: u16, body: &Value) -> Result<(), ResponseViolation> {
        let violation = |problem: String| ResponseViolation {
            operation: self.operation,
            operation_id: self.id.clone(),
            status,
            problem,
        };
        let Some(declared) = self.responses.get(&status) else {
            return Err(violation(format!(
                "the spec declares no JSON response {status}"
            )));
        };
        let problems: Vec<String> = declared
            .validator
            .iter_errors(body)
            .map(|e| format!("{}: {e}", e.instance_path().as_str()))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(violation(problems.join("; ")))
        }
    }

    fn example(&self, status: u16) -> Option<&Value> {
        self.responses.get(&status)?.example.as_ref()
    }

    fn response_schema(&self, status: u16) -> Option<&Value> {
        self.responses.get(&status).map(|d| &d.schema)
    }
}

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

/// The [`Operation`] of an operation of the embedded spec, which has one
/// for every operation ([`Spec::check_typed`], run by [`spec()`]).
fn typed(op: &OperationSpec) -> Operation {
    match op.operation {
        Some(operation) => operation,
        None => unreachable!("spec() refuses an operation without an Operation variant"),
    }
}

/// Checks a request's method, path and JSON body against the embedded spec;
/// returns its operation. Headers are checked by [`check_authorization`] and
/// [`check_content_type`]; [`validate_http`] runs every check.
pub fn validate_request(method: &str, path: &str, body: &Value) -> Result<Operation, Violation> {
    let op = spec().route(method, path)?;
    op.validate_body(body)?;
    Ok(typed(op))
}

/// Runs every check the mock server runs, in its order, against the
/// embedded spec: route, `Authorization`, `Content-Type`, JSON parsing, the
/// body's schema. Returns the operation and the parsed body.
pub fn validate_http(
    method: &str,
    path: &str,
    content_type: Option<&str>,
    authorization: Option<&str>,
    body: &[u8],
) -> Result<(Operation, Value), Violation> {
    let op = spec().route(method, path)?;
    check_authorization(authorization)?;
    let value = op.check_body(content_type, body)?;
    Ok((typed(op), value))
}

/// Checks a response's JSON body against the embedded spec's schema for
/// that operation and status. A status the spec does not declare for the
/// operation is a violation.
pub fn validate_response(
    op: Operation,
    status: u16,
    body: &Value,
) -> Result<(), ResponseViolation> {
    spec().validate_response(op, status, body)
}

/// Checks an `Authorization` header value: `Bearer <non-empty key>` (the
/// scheme is case-insensitive). Returns the key.
pub fn check_authorization(value: Option<&str>) -> Result<&str, Violation> {
    let Some(value) = value else {
        return Err(Violation::Unauthorized {
            reason: "missing Authorization header; send Authorization: Bearer <api key>".into(),
        });
    };
    let value = value.trim();
    let (scheme, key) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Violation::Unauthorized {
            reason: "the Authorization header must use the Bearer scheme".into(),
        });
    }
    let key = key.trim();
    if key.is_empty() {
        return Err(Violation::Unauthorized {
            reason: "the Authorization header holds an empty API key".into(),
        });
    }
    Ok(key)
}

/// Checks a `Content-Type` header value: `application/json`, parameters allowed.
pub fn check_content_type(value: Option<&str>) -> Result<(), Violation> {
    let media = value.map(|v| v.split(';').next().unwrap_or("").trim());
    match media {
        Some(m) if m.eq_ignore_ascii_case("application/json") => Ok(()),
        _ => Err(Violation::UnsupportedContentType {
            found: value.map(str::to_owned),
        }),
    }
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
                let op = operation(index, &upper, path, declared, &document, &components)?;
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

    /// Checks `Content-Type`, parses the body and validates it against the
    /// operation's request schema (an operation the spec lacks has none to
    /// break).
    pub fn check_body(
        &self,
        op: impl OperationKey,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Value, Violation> {
        match self.operation(op) {
            Some(op) => op.check_body(content_type, body),
            None => {
                check_content_type(content_type)?;
                serde_json::from_slice(body).map_err(|e| Violation::MalformedBody {
                    reason: e.to_string(),
                })
            }
        }
    }

    /// Validates a JSON body against the operation's request schema. The
    /// first error found is reported, a missing required field first.
    pub fn validate_body(&self, op: impl OperationKey, body: &Value) -> Result<(), Violation> {
        self.operation(op)
            .map_or(Ok(()), |op| op.validate_body(body))
    }

    /// Validates a response body against the spec's schema for this operation and status.
    pub fn validate_response(
        &self,
        op: impl OperationKey,
        status: u16,
        body: &Value,
    ) -> Result<(), ResponseViolation> {
        let id = op.operation_id();
        match self.operation(id) {
            Some(op) => op.validate_response(status, body),
            None => Err(ResponseViolation {
                operation: Operation::from_operation_id(id),
                operation_id: id.to_owned(),
                status,
                problem: "the spec has no such operation".into(),
            }),
        }
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
        let mut fields = Map::new();
        fields.insert("success".into(), Value::Bool(true));
        fields.insert("msg".into(), Value::String(msg));
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
    fn filler(&self, schema: &Value, depth: usize) -> Value {
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

/// Reads one operation of the document.
fn operation(
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

/// The names a schema's `required` lists.
fn required(schema: &Value) -> impl Iterator<Item = &str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn is_http_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

/// `/flags/0` → `flags.0`.
fn dotted(pointer: &str) -> String {
    pointer
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

fn compile(schema: &Value, components: &Value) -> Result<jsonschema::Validator, String> {
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
