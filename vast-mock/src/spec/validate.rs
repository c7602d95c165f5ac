//! Conformance checks: a request's headers and body, a response's body, against the spec (the checks the server runs, public for any test).

use super::operation::{OperationKey, OperationSpec};
use super::violation::{ResponseViolation, Violation};
use super::{Spec, spec};
use serde_json::Value;
use vast_api::Operation;

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
}

impl OperationSpec {
    /// Validates a JSON body against the request schema: the first error
    /// found, a missing required field before any other.
    pub(super) fn validate_body(&self, body: &Value) -> Result<(), Violation> {
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

    /// Checks `Content-Type`, parses the body (not empty) and validates it.
    pub(super) fn check_body(
        &self,
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
        self.validate_body(&value)?;
        Ok(value)
    }

    /// Validates a response body against the schema declared for `status`
    /// (every problem found, joined); an undeclared status is a violation.
    pub(super) fn validate_response(
        &self,
        status: u16,
        body: &Value,
    ) -> Result<(), ResponseViolation> {
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

#[cfg(test)]
mod tests {
    use super::{
        check_authorization, check_content_type, dotted, validate_http, validate_request,
        validate_response,
    };
    use crate::spec::Violation;
    use crate::spec::tests::things;
    use serde_json::json;
    use vast_api::Operation;

    const CANCEL: &str = "/api/v0/commands/rclone/";

    fn unauthorized(value: Option<&str>) -> String {
        match check_authorization(value) {
            Err(Violation::Unauthorized { reason }) => reason,
            other => panic!("{value:?}: {other:?}"),
        }
    }

    #[test]
    fn authorization_is_a_bearer_key_in_any_case() {
        assert_eq!(check_authorization(Some("Bearer k")), Ok("k"));
        assert_eq!(check_authorization(Some(" bearer   k ")), Ok("k"));
        assert!(unauthorized(None).starts_with("missing Authorization header"));
        assert!(unauthorized(Some("Basic k")).contains("Bearer scheme"));
        assert!(unauthorized(Some("Bearer")).contains("empty API key"));
        assert!(unauthorized(Some("Bearer   ")).contains("empty API key"));
    }

    #[test]
    fn the_content_type_is_json_with_any_parameters() {
        assert_eq!(check_content_type(Some("application/json")), Ok(()));
        assert_eq!(
            check_content_type(Some("Application/JSON; charset=utf-8")),
            Ok(())
        );
        assert_eq!(
            check_content_type(Some("text/plain")),
            Err(Violation::UnsupportedContentType {
                found: Some("text/plain".into())
            })
        );
        assert_eq!(
            check_content_type(None),
            Err(Violation::UnsupportedContentType { found: None })
        );
    }

    #[test]
    fn a_missing_field_is_reported_before_an_invalid_one_and_nested_fields_dotted() {
        let spec = things();
        let wrong_and_missing = json!({"owner_id": 0});
        assert_eq!(
            spec.validate_body("makeThing", &wrong_and_missing),
            Err(Violation::MissingField {
                field: "size".into()
            })
        );
        let nested = json!({"owner_id": 1, "size": {}});
        assert_eq!(
            spec.validate_body("makeThing", &nested),
            Err(Violation::MissingField {
                field: "size.bytes".into()
            })
        );
        let invalid = json!({"owner_id": 1, "size": {"bytes": 1}, "tags": ["a", 2]});
        match spec.validate_body("makeThing", &invalid) {
            Err(Violation::InvalidField { field, .. }) => assert_eq!(field, "tags.1"),
            other => panic!("{other:?}"),
        }
        let nullable = json!({"owner_id": 1, "size": {"bytes": 1}, "label": null});
        assert_eq!(spec.validate_body("makeThing", &nullable), Ok(()));
        // An operation the spec lacks has no schema to break.
        assert_eq!(spec.validate_body("nothing", &json!(1)), Ok(()));
    }

    #[test]
    fn a_body_is_checked_for_its_type_emptiness_json_and_schema() {
        let spec = things();
        let json = Some("application/json");
        let body = br#"{"owner_id": 1, "size": {"bytes": 1}}"#;
        assert_eq!(
            spec.check_body("makeThing", json, body),
            Ok(json!({"owner_id": 1, "size": {"bytes": 1}}))
        );
        assert!(matches!(
            spec.check_body("makeThing", None, body),
            Err(Violation::UnsupportedContentType { .. })
        ));
        match spec.check_body("makeThing", json, b" \n") {
            Err(Violation::MalformedBody { reason }) => assert!(reason.contains("empty")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            spec.check_body("makeThing", json, b"{"),
            Err(Violation::MalformedBody { .. })
        ));
        // An operation the spec lacks: parsed, not validated.
        assert_eq!(spec.check_body("nothing", json, b"7"), Ok(json!(7)));
    }

    #[test]
    fn a_response_is_checked_against_its_status_schema() {
        let spec = things();
        assert_eq!(
            spec.validate_response("dropThing", 200, &json!({"success": true})),
            Ok(())
        );
        let wrong = spec
            .validate_response("dropThing", 200, &json!({"success": "yes"}))
            .unwrap_err();
        assert_eq!(
            (wrong.operation_id.as_str(), wrong.status),
            ("dropThing", 200)
        );
        assert!(wrong.problem.starts_with("/success: "), "{}", wrong.problem);
        let undeclared = spec
            .validate_response("dropThing", 500, &json!({}))
            .unwrap_err();
        assert_eq!(undeclared.problem, "the spec declares no JSON response 500");
        let unknown = spec
            .validate_response("cancelSync", 200, &json!({}))
            .unwrap_err();
        assert_eq!(unknown.operation, Some(Operation::CancelSync));
        assert_eq!(unknown.problem, "the spec has no such operation");
    }

    #[test]
    fn the_embedded_spec_checks_run_in_the_servers_order() {
        let body = json!({"dst_id": 7});
        assert_eq!(
            validate_request("DELETE", CANCEL, &body),
            Ok(Operation::CancelSync)
        );
        // The route before the key, the key before the body.
        let unrouted = validate_http("GET", CANCEL, None, None, b"");
        assert!(matches!(unrouted, Err(Violation::MethodNotAllowed { .. })));
        let anonymous = validate_http("DELETE", CANCEL, None, None, b"");
        assert!(matches!(anonymous, Err(Violation::Unauthorized { .. })));
        let checked = validate_http(
            "DELETE",
            CANCEL,
            Some("application/json"),
            Some("Bearer k"),
            br#"{"dst_id": 7}"#,
        );
        assert_eq!(checked, Ok((Operation::CancelSync, body)));
        assert!(validate_response(Operation::CancelSync, 599, &json!({})).is_err());
    }

    #[test]
    fn a_pointer_is_dotted_and_unescaped() {
        assert_eq!(dotted("/flags/0"), "flags.0");
        assert_eq!(dotted("/a~1b/c~0d"), "a/b.c~d");
        assert_eq!(dotted(""), "");
    }
}
