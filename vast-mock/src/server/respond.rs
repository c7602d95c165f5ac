//! Building the mock's HTTP answers: JSON and plain bodies, a refusal for a [`Violation`], a scripted [`Fault::Status`](crate::Fault::Status).

use crate::body::MockBody;
use crate::fault::FaultBody;
use crate::spec::{OperationSpec, Spec, Violation, envelope};
use bytes::Bytes;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;

/// The answer to a request that breaks a rule: the envelope with the
/// violation's code and message, shaped to what the operation declares for
/// that status (cloud copy's `400` has no `error`); `Allow` on a `405`.
pub(super) fn violation_response(
    spec: &Spec,
    op: Option<&OperationSpec>,
    violation: &Violation,
) -> Response<MockBody> {
    let status = violation.status();
    let fields = envelope(false, Some(violation.code()), violation.message());
    let mut response = json_response(status, &spec.answer(op, status, fields));
    if let Violation::MethodNotAllowed { allow, .. } = violation
        && let Ok(value) = HeaderValue::from_str(&allow.join(", "))
    {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

/// The answer of a [`Fault::Status`](crate::Fault::Status): its status, body
/// and headers (a header that is not valid HTTP is skipped, with a warning).
pub(super) fn status_response(
    status: u16,
    body: &FaultBody,
    headers: &[(String, String)],
) -> Response<MockBody> {
    let mut response = match body {
        FaultBody::Empty => bytes_response(status, "", MockBody::full(Bytes::new())),
        FaultBody::Json(value) => json_response(status, value),
        FaultBody::Text(text) => bytes_response(
            status,
            "text/plain; charset=utf-8",
            MockBody::full(text.clone()),
        ),
    };
    for (name, value) in headers {
        match (
            hyper::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().append(name, value);
            }
            _ => {
                tracing::warn!(%name, "vast-mock: scripted header is not a valid HTTP header; skipped")
            }
        }
    }
    response
}

/// `status` with `body` as JSON.
pub(super) fn json_response(status: u16, body: &Value) -> Response<MockBody> {
    bytes_response(status, "application/json", MockBody::full(body.to_string()))
}

/// `status` with `body` and its `Content-Type` (none when empty). A status
/// that is not valid HTTP (a scripted one) becomes `500`, with a warning.
pub(super) fn bytes_response(
    status: u16,
    content_type: &'static str,
    body: MockBody,
) -> Response<MockBody> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or_else(|_| {
        tracing::warn!(status, "vast-mock: invalid scripted status; answering 500");
        StatusCode::INTERNAL_SERVER_ERROR
    });
    if !content_type.is_empty() {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    response
}

/// The first half of `text`'s bytes: cut the bytes, not the `str`, so a
/// non-ASCII character at the middle cannot panic (a cut inside one only makes
/// the body more malformed, which is the point).
pub(super) fn first_half(text: String) -> Bytes {
    let mut bytes = Bytes::from(text);
    bytes.truncate(bytes.len() / 2);
    bytes
}

#[cfg(test)]
pub(super) mod tests {
    use super::{
        FaultBody, MockBody, Response, bytes_response, first_half, status_response,
        violation_response,
    };
    use crate::Operation;
    use crate::spec::{self, Violation};
    use bytes::Bytes;
    use http_body_util::BodyExt;
    use hyper::HeaderMap;
    use serde_json::{Value, json};

    /// A response's status, headers and whole body.
    pub(crate) async fn read(response: Response<MockBody>) -> (u16, HeaderMap, Bytes) {
        let (parts, body) = response.into_parts();
        let Ok(body) = body.collect().await;
        (parts.status.as_u16(), parts.headers, body.to_bytes())
    }

    /// A response's status and body as JSON.
    pub(crate) async fn read_json(response: Response<MockBody>) -> (u16, Value) {
        let (status, _, body) = read(response).await;
        let value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&body)));
        (status, value)
    }

    #[test]
    fn first_half_cuts_bytes_even_inside_a_multibyte_character() {
        // "aé": 3 bytes, the middle (1) is before 'é'; "éa": 3 bytes, the
        // middle (1) is inside 'é', where `&text[..1]` panics.
        assert_eq!(&first_half("aé".to_owned())[..], b"a");
        assert_eq!(&first_half("éa".to_owned())[..], &"é".as_bytes()[..1]);
        // 14 bytes, the middle (7) is inside '日'.
        assert_eq!(
            &first_half("{\"a\":\"日本\"}".to_owned())[..],
            &"{\"a\":\"日".as_bytes()[..7]
        );
        assert!(first_half(String::new()).is_empty());
    }

    #[tokio::test]
    async fn a_refusal_is_shaped_to_the_status_the_operation_declares() {
        let spec = spec::spec();
        let missing = Violation::MissingField {
            field: "src".into(),
        };
        // Cloud copy's 400 declares no `error`.
        let cloud_copy = spec.operation(Operation::CloudCopy);
        let (status, body) = read_json(violation_response(spec, cloud_copy, &missing)).await;
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!({"success": false, "msg": "Missing required field src."})
        );
        // Without an operation, the whole envelope.
        let (_, body) = read_json(violation_response(spec, None, &missing)).await;
        assert_eq!(body["error"], "invalid_args");
    }

    #[tokio::test]
    async fn a_405_names_the_allowed_methods() {
        let violation = Violation::MethodNotAllowed {
            method: "GET".into(),
            path: "/x/".into(),
            allow: vec!["DELETE".into(), "POST".into()],
        };
        let (status, headers, _) = read(violation_response(spec::spec(), None, &violation)).await;
        assert_eq!(status, 405);
        assert_eq!(headers["allow"], "DELETE, POST");
    }

    #[tokio::test]
    async fn a_status_fault_sends_its_body_and_valid_headers_only() {
        let headers = [
            ("retry-after".to_owned(), "2".to_owned()),
            ("bad header".to_owned(), "x".to_owned()),
        ];
        let response = status_response(503, &FaultBody::Text("busy".into()), &headers);
        let (status, headers, body) = read(response).await;
        assert_eq!((status, &body[..]), (503, &b"busy"[..]));
        assert_eq!(headers["retry-after"], "2");
        assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
        assert_eq!(headers.len(), 2);
        let (status, headers, body) = read(status_response(204, &FaultBody::Empty, &[])).await;
        assert_eq!((status, headers.len(), body.len()), (204, 0, 0));
    }

    #[tokio::test]
    async fn an_invalid_status_becomes_500() {
        let response = bytes_response(1000, "", MockBody::full("x"));
        assert_eq!(read(response).await.0, 500);
    }
}
