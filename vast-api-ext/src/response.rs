//! From one generated call's result to a value or an [`AttemptError`]: the
//! mapping of the generated client's results and answers to [`ErrorKind`]s,
//! and readable summaries of error bodies (the API's JSON, an HTML page's
//! `<title>`, the first bytes).

use crate::clock::Clock;
use crate::pipeline::AttemptError;
use crate::policy::parse_retry_after;
use crate::{Argument, ErrorKind, InvalidInput, Rule};
use progenitor_client::{Error as RawError, ResponseValue};
use vast_api::types;

/// How many body bytes an error keeps.
const BODY_PREFIX: usize = 200;

/// What a 200 answer says of itself: `Some(message)` when it reports a
/// refusal (`"success": false`), with its `msg` or a stand-in; from the
/// decoded answer, and the body as received for what its type dropped.
pub(crate) type Verdict<T> = fn(&T, &vast_api::Observation) -> Option<String>;

/// The `success` and `msg` fields every 200 answer of a typed method has.
pub(crate) trait Answered {
    fn verdict(&self) -> (Option<bool>, Option<&str>);

    /// The [`Verdict`] of a typed answer: its two fields, no conversion.
    fn rejection(&self, _seen: &vast_api::Observation) -> Option<String> {
        match self.verdict() {
            (Some(false), msg) => Some(msg.unwrap_or(NO_REASON).to_owned()),
            _ => None,
        }
    }
}

macro_rules! answered {
    ($($answer:ty),*) => {$(
        impl Answered for $answer {
            fn verdict(&self) -> (Option<bool>, Option<&str>) {
                (self.success, self.msg.as_deref())
            }
        }
    )*};
}
answered!(
    types::CopyResponse,
    types::CloudCopyResponse,
    types::CancelSyncResponse
);

const NO_REASON: &str = "no reason given";

/// The [`Verdict`] of any answer, read through its JSON form: the same
/// `success` and `msg` fields, for a type this crate does not name (the
/// generic [`Client::call`](crate::Client::call)). A `msg` the answer's type
/// does not declare (cancel copy's documents none) is read from the body as
/// received.
pub(crate) fn serialized_rejection<T: serde::Serialize>(
    answer: &T,
    seen: &vast_api::Observation,
) -> Option<String> {
    let value = serde_json::to_value(answer).ok()?;
    if value.get("success") != Some(&serde_json::Value::Bool(false)) {
        return None;
    }
    let message = |value: &serde_json::Value| {
        value
            .get("msg")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    message(&value)
        .or_else(|| {
            let body: Vec<u8> = seen.chunks().concat();
            message(&serde_json::from_slice(&body).ok()?)
        })
        .or_else(|| Some(NO_REASON.to_owned()))
}

/// A documented error answer of any type (the API's `ApiError`, cloud
/// copy's `CloudCopyError`, one a new operation brings), read through its
/// JSON form: its `error` code and `msg`.
pub(crate) fn documented_error<E: serde::Serialize>(status: u16, body: E) -> ErrorKind {
    let value = serde_json::to_value(body).unwrap_or_default();
    let text = |field: &str| value.get(field).and_then(serde_json::Value::as_str);
    ErrorKind::Api {
        status,
        code: text("error").map(str::to_owned),
        message: text("msg").unwrap_or(NO_REASON).to_owned(),
    }
}

/// Turns one generated call's result into a value or a [`AttemptError`] attempt.
pub(crate) async fn check<T, E>(
    clock: &dyn Clock,
    result: Result<ResponseValue<T>, RawError<E>>,
    status: Option<reqwest::StatusCode>,
    seen: &vast_api::Observation,
    verdict: Verdict<T>,
) -> Result<T, AttemptError>
where
    E: serde::Serialize + std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(answer) => {
            let answer = answer.into_inner();
            match verdict(&answer, seen) {
                Some(message) => Err(ErrorKind::Rejected { message }.into()),
                None => Ok(answer),
            }
        }
        Err(RawError::ErrorResponse(answer)) => {
            let status = answer.status().as_u16();
            Err(documented_error(status, answer.into_inner()).into())
        }
        Err(RawError::CommunicationError(e)) => Err(transport(e).into()),
        Err(RawError::ResponseBodyError(e)) => Err(match vast_api::BodyTooLarge::find(&e) {
            // A documented status (200, 400, 404) over the limit: no
            // `Retry-After` to read on these.
            Some(big) => over_limit(big).into(),
            None => transport(e).into(),
        }),
        Err(RawError::InvalidResponsePayload(bytes, source)) => Err(ErrorKind::Decode {
            status: status.map(|s| s.as_u16()),
            body_prefix: html_summary(status, &bytes).unwrap_or_else(|| prefix(&bytes)),
            source,
        }
        .into()),
        Err(RawError::UnexpectedResponse(response)) => Err(unexpected(clock, response).await),
        Err(RawError::InvalidRequest(message)) => Err(ErrorKind::InvalidInput(InvalidInput::of(
            Argument::Request,
            Rule::Unbuildable,
            message,
        ))
        .into()),
        // Not known to have failed before sending: counted as sent, the
        // cautious reading.
        Err(other) => Err(ErrorKind::Transport {
            source: Box::new(other),
            sent: true,
        }
        .into()),
    }
}

/// A transport failure: before the request was sent (connect), a timeout,
/// or after it was sent.
fn transport(e: reqwest::Error) -> ErrorKind {
    if e.is_connect() {
        ErrorKind::Transport {
            source: Box::new(e),
            sent: false,
        }
    } else if e.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Transport {
            source: Box::new(e),
            sent: true,
        }
    }
}

/// An answer whose body was over the limit (the policy classifies it by
/// its status).
fn over_limit(big: &vast_api::BodyTooLarge) -> ErrorKind {
    ErrorKind::ResponseTooLarge {
        status: big.status.as_u16(),
        limit: big.limit,
        declared: big.declared,
    }
}

/// An answer with a status the operation does not document (401, 403, 429, 5xx…).
async fn unexpected(clock: &dyn Clock, response: reqwest::Response) -> AttemptError {
    let status = response.status();
    let code = status.as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, clock.system_now()));
    // Read through the limit like every body, and within the attempt's time.
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) => {
            if let Some(big) = vast_api::BodyTooLarge::find(&e) {
                return AttemptError {
                    kind: over_limit(big),
                    retry_after,
                };
            }
            if e.is_timeout() {
                return ErrorKind::Timeout.into();
            }
            // A body broken after the status: the status still says what
            // happened; the message falls back to the status's reason.
            Default::default()
        }
    };
    let (server_code, message) = summarize(status, &body);
    let kind = match code {
        401 | 403 => ErrorKind::Unauthorized {
            status: code,
            message: Some(message).filter(|m| !m.is_empty()),
        },
        429 => ErrorKind::RateLimited {
            retry_after,
            message: Some(message).filter(|m| !m.is_empty()),
        },
        _ => ErrorKind::Api {
            status: code,
            code: server_code,
            message,
        },
    };
    AttemptError { kind, retry_after }
}

/// A readable summary of an error body: the JSON `msg` (and `error` code) if
/// it is the API's JSON, the `<title>` of an HTML page, or the first bytes of text.
fn summarize(status: reqwest::StatusCode, body: &[u8]) -> (Option<String>, String) {
    if let Ok(api) = serde_json::from_slice::<types::ApiError>(body)
        && (api.msg.is_some() || api.error.is_some())
    {
        return (api.error, api.msg.unwrap_or_default());
    }
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let reason = status.canonical_reason().unwrap_or("");
    if trimmed.is_empty() {
        return (None, reason.to_owned());
    }
    if let Some(summary) = html_summary(Some(status), trimmed.as_bytes()) {
        return (None, summary);
    }
    (None, prefix(trimmed.as_bytes()))
}

/// `<title> (an HTML error page)` if `body` is an HTML page (the status's
/// reason when it has no title); `None` for anything else.
fn html_summary(status: Option<reqwest::StatusCode>, body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    if !(lower.starts_with("<!doctype html") || lower.starts_with("<html")) {
        return None;
    }
    // ASCII lowercasing keeps byte offsets, so `lower`'s offsets index `trimmed`.
    let title = lower
        .find("<title>")
        .and_then(|start| {
            let rest = &trimmed[start + 7..];
            rest.to_ascii_lowercase()
                .find("</title>")
                .map(|end| rest[..end].trim().to_owned())
        })
        .filter(|t| !t.is_empty())
        .map(|t| prefix(t.as_bytes()));
    let reason = status
        .and_then(|s| s.canonical_reason())
        .unwrap_or("an error");
    Some(format!(
        "{} (an HTML error page)",
        title.unwrap_or_else(|| reason.to_owned())
    ))
}

/// The first [`BODY_PREFIX`] bytes, cut on a UTF-8 character boundary, lossy
/// UTF-8, on one line.
fn prefix(body: &[u8]) -> String {
    let mut end = body.len().min(BODY_PREFIX);
    // Back off over continuation bytes (`10xxxxxx`) so no character is split.
    while end > 0 && end < body.len() && body[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    let cut = &body[..end];
    let text = String::from_utf8_lossy(cut).replace(['\n', '\r'], " ");
    if body.len() > BODY_PREFIX {
        format!("{text}…")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_read_well() {
        let s = reqwest::StatusCode::BAD_GATEWAY;
        let html = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        assert_eq!(
            summarize(s, html),
            (None, "502 Bad Gateway (an HTML error page)".to_owned())
        );
        assert_eq!(summarize(s, b""), (None, "Bad Gateway".to_owned()));
        assert_eq!(
            summarize(s, br#"{"success":false,"error":"boom","msg":"down"}"#),
            (Some("boom".to_owned()), "down".to_owned())
        );
        let long = vec![b'x'; 500];
        assert_eq!(summarize(s, &long).1.chars().count(), BODY_PREFIX + 1);
    }

    #[test]
    fn prefixes_cut_on_character_boundaries() {
        for width in ["é", "€", "𝄞"] {
            let body = width.repeat(BODY_PREFIX);
            let cut = prefix(body.as_bytes());
            assert!(!cut.contains('\u{FFFD}'), "{cut}");
            assert!(cut.ends_with('…'));
            assert!(cut.len() <= BODY_PREFIX + '…'.len_utf8());
        }
        assert_eq!(prefix("é".as_bytes()), "é");
    }

    /// One generated call's result, read as the client reads it.
    async fn read<T: Answered>(
        result: Result<ResponseValue<T>, RawError<types::ApiError>>,
        status: Option<u16>,
    ) -> Result<T, ErrorKind> {
        let status = status.map(|s| reqwest::StatusCode::from_u16(s).unwrap());
        let clock = crate::clock::TokioClock;
        let seen = vast_api::Observation::default();
        check(&clock, result, status, &seen, T::rejection)
            .await
            .map_err(|e| e.kind)
    }

    #[test]
    fn the_generic_reading_of_answers_and_errors_is_the_typed_one() {
        for success in [None, Some(true), Some(false)] {
            for msg in [None, Some("why")] {
                let mut built = types::CopyResponse::builder();
                if let Some(success) = success {
                    built = built.success(success);
                }
                if let Some(msg) = msg {
                    built = built.msg(msg.to_owned());
                }
                let answer = types::CopyResponse::try_from(built).unwrap();
                let seen = vast_api::Observation::default();
                assert_eq!(
                    serialized_rejection(&answer, &seen),
                    answer.rejection(&seen),
                    "{success:?} {msg:?}"
                );
            }
        }
        let nothing = vast_api::Observation::default();
        let rejected = serde_json::json!({"success": false});
        assert_eq!(
            serialized_rejection(&rejected, &nothing).as_deref(),
            Some(NO_REASON)
        );
        assert_eq!(
            serialized_rejection(&serde_json::json!([1]), &nothing),
            None
        );

        let body = |error: Option<&str>, msg: Option<&str>| {
            let mut built = types::ApiError::builder();
            if let Some(error) = error {
                built = built.error(error.to_owned());
            }
            if let Some(msg) = msg {
                built = built.msg(msg.to_owned());
            }
            types::ApiError::try_from(built).unwrap()
        };
        let api = |status, code: Option<&str>, message: &str| {
            format!(
                "{:?}",
                ErrorKind::Api {
                    status,
                    code: code.map(str::to_owned),
                    message: message.to_owned(),
                }
            )
        };
        let cases = [
            (None, None, api(404, None, NO_REASON)),
            (
                Some("no_such_instance"),
                Some("gone"),
                api(404, Some("no_such_instance"), "gone"),
            ),
        ];
        for (error, msg, want) in cases {
            assert_eq!(
                format!("{:?}", documented_error(404, body(error, msg))),
                want
            );
        }
        // Cloud copy's 400 has no `error` field.
        let cloud =
            types::CloudCopyError::try_from(types::CloudCopyError::builder().msg("bad".to_owned()))
                .unwrap();
        assert_eq!(
            format!("{:?}", documented_error(400, cloud)),
            api(400, None, "bad")
        );
    }

    fn answer<T>(inner: T, status: u16) -> ResponseValue<T> {
        let status = reqwest::StatusCode::from_u16(status).unwrap();
        ResponseValue::new(inner, status, Default::default())
    }

    #[tokio::test]
    async fn each_result_of_the_generated_client_has_its_kind() {
        let copied = |success: bool| {
            let built = types::CopyResponse::builder()
                .success(success)
                .msg("why".to_owned());
            answer(types::CopyResponse::try_from(built).unwrap(), 200)
        };
        assert!(read(Ok(copied(true)), Some(200)).await.is_ok());
        let refused = read(Ok(copied(false)), Some(200)).await.unwrap_err();
        assert!(matches!(refused, ErrorKind::Rejected { message } if message == "why"));
        let body = types::ApiError::builder()
            .error("no_such_instance".to_owned())
            .msg("gone".to_owned());
        let documented = RawError::ErrorResponse(answer(body.try_into().unwrap(), 404));
        let api = read::<types::CopyResponse>(Err(documented), Some(404))
            .await
            .unwrap_err();
        assert!(matches!(
            api,
            ErrorKind::Api { status: 404, code: Some(c), message } if c == "no_such_instance" && message == "gone"
        ));
        let cut = r#"{"success": tr"#;
        let not_json = serde_json::from_str::<serde_json::Value>(cut).unwrap_err();
        let payload = RawError::InvalidResponsePayload(cut.into(), not_json);
        let decode = read::<types::CopyResponse>(Err(payload), Some(200))
            .await
            .unwrap_err();
        assert!(matches!(
            decode,
            ErrorKind::Decode { status: Some(200), body_prefix, .. } if body_prefix == cut
        ));
        let unbuildable = RawError::InvalidRequest("dst_id: missing".to_owned());
        let input = read::<types::CopyResponse>(Err(unbuildable), None)
            .await
            .unwrap_err();
        assert!(matches!(input, ErrorKind::InvalidInput(i) if i.rule() == Rule::Unbuildable));
    }
}
