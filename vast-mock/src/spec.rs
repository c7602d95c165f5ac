//! The embedded OpenAPI spec, read once: routing, request validation and response validation.
//!
//! Everything here is derived from [`vast_api::SPEC`] at first use: the paths
//! and methods, the request schemas, the response schemas and their examples.
//! OpenAPI 3.0 schemas are turned into JSON Schema draft 4 (`nullable: true`
//! becomes a type array, `$ref`s resolve into `components/schemas`) and
//! compiled with `jsonschema`.
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
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;
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

/// Why a response does not conform to the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseViolation {
    /// The operation answered.
    pub operation: Operation,
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
            self.operation.operation_id(),
            self.status,
            self.problem
        )
    }
}

impl std::error::Error for ResponseViolation {}

struct Route {
    path: String,
    methods: Vec<(String, Operation)>,
}

/// The parsed spec with its compiled validators. Get it with [`spec()`].
pub struct Spec {
    document: Value,
    routes: Vec<Route>,
    requests: HashMap<Operation, (jsonschema::Validator, Value)>,
    responses: HashMap<(Operation, u16), (jsonschema::Validator, Value)>,
    examples: HashMap<(Operation, u16), Value>,
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spec")
            .field(
                "paths",
                &self.routes.iter().map(|r| &r.path).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// The embedded spec, parsed and compiled on first use.
///
/// # Panics
/// If the embedded spec cannot be read or disagrees with [`Operation`]: a bug
/// of this crate, caught by its tests, never by a user's input.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| match Spec::parse(vast_api::SPEC) {
        Ok(spec) => spec,
        Err(e) => panic!("the embedded spec (vast_api::SPEC) is unusable: {e}"),
    })
}

/// Checks a request's method, path and JSON body against the spec; returns its
/// operation. Headers are checked by [`check_authorization`] and
/// [`check_content_type`]; [`validate_http`] runs every check.
pub fn validate_request(method: &str, path: &str, body: &Value) -> Result<Operation, Violation> {
    let spec = spec();
    let op = spec.route(method, path)?;
    spec.validate_body(op, body)?;
    Ok(op)
}

/// Runs every check the mock server runs, in its order: route, `Authorization`,
/// `Content-Type`, JSON parsing, the body's schema. Returns the operation and
/// the parsed body.
pub fn validate_http(
    method: &str,
    path: &str,
    content_type: Option<&str>,
    authorization: Option<&str>,
    body: &[u8],
) -> Result<(Operation, Value), Violation> {
    let spec = spec();
    let op = spec.route(method, path)?;
    check_authorization(authorization)?;
    let value = spec.check_body(op, content_type, body)?;
    Ok((op, value))
}

/// Checks a response's JSON body against the spec's schema for that operation
/// and status. A status the spec does not declare for the operation is a violation.
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
    fn parse(text: &str) -> Result<Spec, String> {
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

        let mut routes = Vec::new();
        let mut requests = HashMap::new();
        let mut responses = HashMap::new();
        let mut examples = HashMap::new();
        for (path, item) in paths {
            let item = item
                .as_object()
                .ok_or_else(|| format!("{path}: not an object"))?;
            let mut methods = Vec::new();
            for (method, operation) in item {
                if !is_http_method(method) {
                    continue;
                }
                let id = operation
                    .get("operationId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{method} {path}: no operationId"))?;
                let op = Operation::from_operation_id(id)
                    .ok_or_else(|| format!("operationId {id} is not an Operation"))?;
                let upper = method.to_ascii_uppercase();
                if op.method() != upper || op.path() != path {
                    return Err(format!(
                        "{id} is {upper} {path} in the spec, not {} {}",
                        op.method(),
                        op.path()
                    ));
                }
                methods.push((upper, op));

                let schema = operation
                    .pointer("/requestBody/content/application~1json/schema")
                    .ok_or_else(|| format!("{id}: no application/json request schema"))?;
                requests.insert(
                    op,
                    (
                        compile(schema, &components)?,
                        openapi_to_json_schema(&resolve(schema, &document)),
                    ),
                );

                let answers = operation
                    .get("responses")
                    .and_then(Value::as_object)
                    .ok_or_else(|| format!("{id}: no responses"))?;
                for (status, response) in answers {
                    let status: u16 = status
                        .parse()
                        .map_err(|_| format!("{id}: response {status} is not a status code"))?;
                    let Some(media) = response.pointer("/content/application~1json") else {
                        continue;
                    };
                    let schema = media.get("schema").cloned().unwrap_or(Value::Bool(true));
                    let resolved = resolve(&schema, &document);
                    responses.insert(
                        (op, status),
                        (
                            compile(&schema, &components)?,
                            openapi_to_json_schema(&resolved),
                        ),
                    );
                    if let Some(example) = example_of(media, &resolved, &document) {
                        examples.insert((op, status), example);
                    }
                }
            }
            // A fixed order (`Allow: DELETE, POST`) whatever the JSON map's order.
            methods.sort();
            routes.push(Route {
                path: path.clone(),
                methods,
            });
        }
        for op in Operation::ALL {
            if !requests.contains_key(&op) {
                return Err(format!("{} is not in the spec", op.operation_id()));
            }
        }
        Ok(Spec {
            document,
            routes,
            requests,
            responses,
            examples,
        })
    }

    /// The whole spec document.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// The operation for a method and path, or why there is none.
    pub fn route(&self, method: &str, path: &str) -> Result<Operation, Violation> {
        let Some(route) = self.routes.iter().find(|r| r.path == path) else {
            return Err(Violation::UnknownPath { path: path.into() });
        };
        route
            .methods
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(method))
            .map(|(_, op)| *op)
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
    /// operation's request schema.
    pub fn check_body(
        &self,
        op: Operation,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Value, Violation> {
        check_content_type(content_type)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(Violation::MalformedBody {
                reason: "the body is empty; this operation requires a JSON object".into(),
            });
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| Violation::MalformedBody {
            reason: e.to_string(),
        })?;
        self.validate_body(op, &value)?;
        Ok(value)
    }

    /// Validates a JSON body against the operation's request schema. The
    /// first error found is reported, a missing required field first.
    pub fn validate_body(&self, op: Operation, body: &Value) -> Result<(), Violation> {
        let Some((validator, _)) = self.requests.get(&op) else {
            return Ok(());
        };
        let mut first: Option<Violation> = None;
        for error in validator.iter_errors(body) {
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

    /// Validates a response body against the spec's schema for this operation and status.
    pub fn validate_response(
        &self,
        op: Operation,
        status: u16,
        body: &Value,
    ) -> Result<(), ResponseViolation> {
        let violation = |problem: String| ResponseViolation {
            operation: op,
            status,
            problem,
        };
        let Some((validator, _)) = self.responses.get(&(op, status)) else {
            return Err(violation(format!(
                "the spec declares no JSON response {status}"
            )));
        };
        let problems: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{}: {e}", e.instance_path().as_str()))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(violation(problems.join("; ")))
        }
    }

    /// The request schema of an operation as JSON Schema, its top-level
    /// `$ref` resolved (for generating bodies).
    pub fn request_schema(&self, op: Operation) -> Option<&Value> {
        self.requests.get(&op).map(|(_, schema)| schema)
    }

    /// The statuses the spec declares a JSON response for, ascending.
    pub fn response_statuses(&self, op: Operation) -> Vec<u16> {
        let mut statuses: Vec<u16> = self
            .responses
            .keys()
            .filter(|(o, _)| *o == op)
            .map(|(_, s)| *s)
            .collect();
        statuses.sort_unstable();
        statuses
    }

    /// The spec's example for a response: the media type's `example`, else the
    /// schema's, else one assembled from its properties' examples.
    pub fn example(&self, op: Operation, status: u16) -> Option<&Value> {
        self.examples.get(&(op, status))
    }

    /// The response schema for this operation and status as JSON Schema, its
    /// top-level `$ref` resolved (for generating bodies).
    pub fn response_schema(&self, op: Operation, status: u16) -> Option<&Value> {
        self.responses.get(&(op, status)).map(|(_, schema)| schema)
    }

    /// Whether a synthesized `200` of `op` carries a link to its result: the
    /// spec gives no `200` example (an example is sent as it is) and the
    /// `200` schema has a string property named [`RESULT_LINK_FIELD`].
    pub fn gives_result_link(&self, op: Operation) -> bool {
        if self.example(op, 200).is_some() {
            return false;
        }
        self.response_schema(op, 200)
            .and_then(|schema| schema.pointer(&format!("/properties/{RESULT_LINK_FIELD}")))
            .map(|property| resolve(property, &self.document))
            .is_some_and(|property| property.get("type") == Some(&Value::from("string")))
    }
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

/// Follows a local `$ref` (`#/...`) in `document`; anything else is returned as is.
fn resolve(schema: &Value, document: &Value) -> Value {
    let mut current = schema.clone();
    for _ in 0..16 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(target) = reference
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer))
        else {
            break;
        };
        current = target.clone();
    }
    current
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

fn example_of(media: &Value, resolved_schema: &Value, document: &Value) -> Option<Value> {
    if let Some(example) = media.get("example") {
        return Some(example.clone());
    }
    if let Some(first) = media
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|e| e.values().next())
        .and_then(|e| e.get("value"))
    {
        return Some(first.clone());
    }
    if let Some(example) = resolved_schema.get("example") {
        return Some(example.clone());
    }
    let properties = resolved_schema.get("properties")?.as_object()?;
    let assembled: Map<String, Value> = properties
        .iter()
        .filter_map(|(name, prop)| {
            resolve(prop, document)
                .get("example")
                .map(|e| (name.clone(), e.clone()))
        })
        .collect();
    (!assembled.is_empty()).then_some(Value::Object(assembled))
}
