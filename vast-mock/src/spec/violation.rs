//! Why a request, a response or a spec does not conform: [`Violation`] (a request; the status and `msg` the mock answers with), [`ResponseViolation`], [`SpecError`].

use std::fmt;
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

/// Why [`Spec::parse`](super::Spec::parse) refused a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(pub(super) String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unusable spec: {}", self.0)
    }
}

impl std::error::Error for SpecError {}

#[cfg(test)]
mod tests {
    use super::{ResponseViolation, SpecError, Violation};

    fn all() -> Vec<Violation> {
        vec![
            Violation::UnknownPath { path: "/x/".into() },
            Violation::MethodNotAllowed {
                method: "GET".into(),
                path: "/x/".into(),
                allow: vec!["DELETE".into(), "POST".into()],
            },
            Violation::Unauthorized {
                reason: "no key".into(),
            },
            Violation::UnsupportedContentType {
                found: Some("text/plain".into()),
            },
            Violation::UnsupportedContentType { found: None },
            Violation::MalformedBody {
                reason: "EOF".into(),
            },
            Violation::MissingField {
                field: "a.b".into(),
            },
            Violation::InvalidField {
                field: "a".into(),
                problem: "not a number".into(),
            },
            Violation::InvalidField {
                field: String::new(),
                problem: "not an object".into(),
            },
            Violation::PayloadTooLarge { limit: 10 },
            Violation::HeaderSectionTooLarge { limit: 20 },
        ]
    }

    #[test]
    fn each_violation_has_its_status_code_and_message() {
        let violations = all();
        let table: Vec<(u16, &str, Option<&str>, String)> = violations
            .iter()
            .map(|v| (v.status(), v.code(), v.field(), v.message()))
            .collect();
        let expected: Vec<(u16, &str, Option<&str>, &str)> = vec![
            (404, "not_found", None, "No such endpoint: /x/."),
            (
                405,
                "method_not_allowed",
                None,
                "Method GET is not allowed on /x/; allowed: DELETE, POST.",
            ),
            (401, "unauthorized", None, "Unauthorized: no key."),
            (
                400,
                "invalid_args",
                None,
                "Content-Type must be application/json, not text/plain.",
            ),
            (
                400,
                "invalid_args",
                None,
                "Content-Type must be application/json; none was sent.",
            ),
            (
                400,
                "invalid_args",
                None,
                "Request body is not valid JSON: EOF.",
            ),
            (
                400,
                "invalid_args",
                Some("a.b"),
                "Missing required field a.b.",
            ),
            (400, "invalid_args", Some("a"), "Invalid a: not a number."),
            (
                400,
                "invalid_args",
                None,
                "Invalid request body: not an object.",
            ),
            (
                413,
                "payload_too_large",
                None,
                "Request body is larger than the limit of 10 bytes.",
            ),
            (
                431,
                "request_header_fields_too_large",
                None,
                "Request header section (request line and headers) is larger than the limit of 20 bytes.",
            ),
        ];
        assert_eq!(table.len(), expected.len());
        for (got, want) in table.iter().zip(expected) {
            assert_eq!((got.0, got.1, got.2, got.3.as_str()), want);
        }
    }

    #[test]
    fn a_response_violation_and_a_spec_error_say_what_was_wrong() {
        let violation = ResponseViolation {
            operation: None,
            operation_id: "makeThing".into(),
            status: 200,
            problem: "/seq: -1 is less than 0".into(),
        };
        assert_eq!(
            violation.to_string(),
            "makeThing response 200 does not conform: /seq: -1 is less than 0"
        );
        assert_eq!(
            SpecError("no paths".into()).to_string(),
            "unusable spec: no paths"
        );
    }
}
