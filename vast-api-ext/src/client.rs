//! `Client`: the three operations, each one call of the generated client per
//! attempt, run by the pipeline (`pipeline/`: pacing, timeouts, retries), and
//! the mapping of the generated client's results to [`ErrorKind`]s.

use crate::clock::Clock;
use crate::pipeline::{AttemptError, Pipeline};
use crate::policy::parse_retry_after;
use crate::{
    Answer, Argument, ClientBuilder, CloudCopy, Error, ErrorKind, InstanceId, InvalidInput,
    Location, Operation, Request, Rule,
};
use progenitor_client::{Error as RawError, ResponseValue};
use std::borrow::Cow;
use std::future::Future;
use vast_api::types;

/// How many body bytes an error keeps.
const BODY_PREFIX: usize = 200;

/// A Vast.ai client for copy, cloud copy and cancel sync.
///
/// Cheap to clone (an `Arc` inside); clones share the connection pool, the
/// retry quota and the per-endpoint pacing. `Send + Sync`.
///
/// ```no_run
/// # async fn run() -> Result<(), vast_api_ext::Error> {
/// let client = vast_api_ext::Client::from_env()?;
/// let outcome = client.cancel_sync(vast_api_ext::InstanceId::new(6003036)?).await?;
/// println!("{}", outcome.message.unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: std::sync::Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) generated: vast_api::Client,
    pub(crate) base_url: String,
    pub(crate) pipeline: Pipeline,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pipeline = &self.inner.pipeline;
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"***")
            .field("timeout", &pipeline.timeout())
            .field("deadline", &pipeline.deadline())
            .field(
                "max_body_bytes",
                &self.inner.generated.limits().max_body_bytes(),
            )
            .field("retry", pipeline.retry())
            .field("pacing", pipeline.pacing())
            .field("clock", &pipeline.clock())
            .finish()
    }
}

/// The answer to a successful copy or cancel sync: the fields this crate
/// reads, and the server's answer as it was received ([`raw`](Self::raw)),
/// unknown fields included.
///
/// ```
/// // What a test double of your own can return.
/// let outcome = vast_api_ext::Outcome::new(Some("Remote to Remote copy initiated".into()), 1);
/// assert_eq!(outcome.attempts, 1);
/// // Without a body of its own, `raw` is the answer its fields describe.
/// assert_eq!(outcome.raw(), r#"{"msg":"Remote to Remote copy initiated","success":true}"#);
///
/// // A double can answer with a body of its own, as a server would.
/// let outcome = vast_api_ext::Outcome::new(Some("ok".into()), 1)
///     .with_raw(r#"{"success":true,"msg":"ok","extra_field":42}"#);
/// assert_eq!(outcome.raw_json()?["extra_field"], 42);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// The server's `msg`, if any.
    pub message: Option<String>,
    /// Attempts the call made (1 when nothing was retried).
    pub attempts: u32,
    /// The answer's body as received; `None` for one made by `new`.
    raw: Option<Box<str>>,
}

impl Outcome {
    /// An outcome with the server's `message` after `attempts` attempts, and
    /// no body of its own: [`raw`](Self::raw) is then the JSON object its
    /// fields describe (see [`with_raw`](Self::with_raw)).
    pub fn new(message: Option<String>, attempts: u32) -> Self {
        Self {
            message,
            attempts,
            raw: None,
        }
    }

    /// This outcome with `body` as the server's answer (for a test double:
    /// the text is returned by [`raw`](Self::raw) as given, not checked).
    #[must_use]
    pub fn with_raw(mut self, body: impl Into<String>) -> Self {
        self.raw = Some(body.into().into_boxed_str());
        self
    }

    /// The server's answer, as the JSON text it sent: the body exactly as
    /// received, fields this crate does not know included (a byte sequence
    /// that is not UTF-8, which JSON forbids, reads as U+FFFD). Borrowed: no
    /// copy, no parsing. For an outcome made by [`new`](Self::new) without
    /// [`with_raw`](Self::with_raw), the JSON object its fields describe
    /// (`{"msg":…,"success":true}`), made on each call.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// let outcome = client.cancel_sync(vast_api_ext::InstanceId::new(6003036)?).await?;
    /// println!("{}", outcome.raw()); // e.g. {"success": true, "msg": "…"}
    /// # Ok(()) }
    /// ```
    pub fn raw(&self) -> Cow<'_, str> {
        raw_or(&self.raw, || described(&[("msg", self.message.as_deref())]))
    }

    /// [`raw`](Self::raw) parsed into a [`serde_json::Value`], on each call
    /// (the client never parses it twice on its own). It can fail where the
    /// typed fields did not: a number beyond `f64`, nesting deeper than
    /// `serde_json`'s limit in a field this crate ignores.
    pub fn raw_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.raw())
    }
}

/// The answer to a successful cloud copy: the fields this crate reads, and
/// the server's answer as it was received ([`raw`](Self::raw)).
///
/// ```
/// let outcome = vast_api_ext::CloudCopyOutcome::new(None, Some("https://r/1".into()), 2);
/// assert_eq!(outcome.result_url.as_deref(), Some("https://r/1"));
/// assert_eq!(outcome.raw(), r#"{"result_url":"https://r/1","success":true}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloudCopyOutcome {
    /// The server's `msg`, if any.
    pub message: Option<String>,
    /// Where the transfer's result can be read, if the server gave it.
    pub result_url: Option<String>,
    /// Attempts the call made (1 when nothing was retried).
    pub attempts: u32,
    /// The answer's body as received; `None` for one made by `new`.
    raw: Option<Box<str>>,
}

impl CloudCopyOutcome {
    /// An outcome with the server's `message` and `result_url` after
    /// `attempts` attempts, and no body of its own: [`raw`](Self::raw) is
    /// then the JSON object its fields describe.
    pub fn new(message: Option<String>, result_url: Option<String>, attempts: u32) -> Self {
        Self {
            message,
            result_url,
            attempts,
            raw: None,
        }
    }

    /// This outcome with `body` as the server's answer (for a test double:
    /// returned by [`raw`](Self::raw) as given, not checked).
    #[must_use]
    pub fn with_raw(mut self, body: impl Into<String>) -> Self {
        self.raw = Some(body.into().into_boxed_str());
        self
    }

    /// The server's answer as the JSON text it sent, as for
    /// [`Outcome::raw`]; for an outcome made by [`new`](Self::new) without
    /// [`with_raw`](Self::with_raw), the JSON object its fields describe
    /// (`{"msg":…,"result_url":…,"success":true}`).
    pub fn raw(&self) -> Cow<'_, str> {
        raw_or(&self.raw, || {
            described(&[
                ("msg", self.message.as_deref()),
                ("result_url", self.result_url.as_deref()),
            ])
        })
    }

    /// [`raw`](Self::raw) parsed into a [`serde_json::Value`], on each
    /// call; see [`Outcome::raw_json`].
    pub fn raw_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.raw())
    }
}

/// The body kept, or the JSON of the answer `described` (for outcomes made
/// without one).
fn raw_or(raw: &Option<Box<str>>, described: impl FnOnce() -> String) -> Cow<'_, str> {
    match raw {
        Some(body) => Cow::Borrowed(body),
        None => Cow::Owned(described()),
    }
}

/// The JSON object a successful answer with these string fields would be:
/// `success: true` and each field that is present, keys in alphabetical
/// order (as `serde_json` writes a map). Built from the fields alone, not
/// from a generated type, so it does not change when the spec does.
fn described(fields: &[(&str, Option<&str>)]) -> String {
    let mut object = serde_json::Map::new();
    for (name, value) in fields {
        if let Some(value) = value {
            object.insert((*name).to_owned(), (*value).into());
        }
    }
    object.insert("success".to_owned(), true.into());
    serde_json::Value::Object(object).to_string()
}

impl Client {
    /// A builder with the defaults documented on [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment and key files only.
    ///
    /// ```no_run
    /// let client = vast_api_ext::Client::from_env()?;
    /// # Ok::<(), vast_api_ext::Error>(())
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// The base URL in use (no trailing `/`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The generated client underneath ([`vast_api::Client`]), for calls
    /// this crate does not wrap.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let body = vast_api::types::CancelSyncRequest::builder().dst_id(6003036);
    /// let answer = client.generated().cancel_sync().body(body).send().await?;
    /// println!("{:?}", answer.into_inner().msg);
    /// # Ok(()) }
    /// ```
    pub fn generated(&self) -> &vast_api::Client {
        &self.inner.generated
    }

    /// The generated client underneath: the old name of
    /// [`generated`](Self::generated), which `raw` now names the answer's
    /// text of ([`Outcome::raw`]).
    #[deprecated(note = "renamed to `Client::generated`")]
    pub fn raw(&self) -> &vast_api::Client {
        self.generated()
    }

    /// Tokens left in the retry quota shared by this client's clones.
    pub fn retry_quota_left(&self) -> u32 {
        self.inner.pipeline.quota_left()
    }

    /// Copies `src` to `dst` between two instances
    /// (`PUT /api/v0/commands/copy_direct/`).
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// let src = "C.6003036:/workspace/data/".parse()?;
    /// let dst = "C.7001234:/workspace/".parse()?;
    /// let outcome = client.copy(&src, &dst).await?;
    /// println!("{}", outcome.message.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn copy(&self, src: &Location, dst: &Location) -> Result<Outcome, Error> {
        let body = crate::request::copy_body(src, dst)?;
        let op = Operation::Copy;
        let ((answer, raw), attempts) = self
            .call(
                op,
                || self.inner.generated.copy().body(body.clone()).send(),
                api_error,
            )
            .await?;
        Ok(Outcome {
            message: answer.msg,
            attempts,
            raw,
        })
    }

    /// Starts a cloud copy (`POST /api/v0/commands/rclone/`). Failures that
    /// may have started the transfer are not retried unless
    /// [`RetryConfig::with_retry_non_idempotent`](crate::RetryConfig::with_retry_non_idempotent) says so.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// use vast_api_ext::{CloudCopy, ConnectionId, InstanceId, Transfer};
    /// let request = CloudCopy::new(InstanceId::new(6003036)?, ConnectionId(1004), Transfer::InstanceToCloud)
    ///     .src("/workspace/results")
    ///     .dst("my-bucket/results");
    /// let outcome = client.cloud_copy(&request).await?;
    /// println!("{:?}", outcome.result_url);
    /// # Ok(()) }
    /// ```
    pub async fn cloud_copy(&self, request: &CloudCopy) -> Result<CloudCopyOutcome, Error> {
        let body = request.to_body()?;
        let op = Operation::CloudCopy;
        let ((answer, raw), attempts) = self
            .call(
                op,
                || self.inner.generated.cloud_copy().body(body.clone()).send(),
                cloud_copy_error,
            )
            .await?;
        Ok(CloudCopyOutcome {
            message: answer.msg,
            result_url: answer.result_url,
            attempts,
            raw,
        })
    }

    /// Cancels the sync whose destination is instance `dst`
    /// (`DELETE /api/v0/commands/rclone/`, sending the integer `dst_id`).
    /// Instance 0 is refused with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) before any I/O.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// let outcome = client.cancel_sync(vast_api_ext::InstanceId::new(6003036)?).await?;
    /// println!("{}", outcome.message.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn cancel_sync(&self, dst: InstanceId) -> Result<Outcome, Error> {
        let body = crate::request::cancel_sync_body(dst)?;
        let op = Operation::CancelSync;
        let ((answer, raw), attempts) = self
            .call(
                op,
                || self.inner.generated.cancel_sync().body(body.clone()).send(),
                api_error,
            )
            .await?;
        Ok(Outcome {
            message: answer.msg,
            attempts,
            raw,
        })
    }

    /// Makes the call a [`Request`] describes, with the typed method of its
    /// operation (same body, retries and errors); useful when the call is
    /// chosen at run time, or shown first with [`Request::body`].
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// use vast_api_ext::{InstanceId, Request};
    /// let request = Request::CancelSync(InstanceId::new(6003036)?);
    /// eprintln!("{} {} {}", request.operation().method(), request.operation().path(), request.body()?);
    /// let answer = client.send(&request).await?;
    /// println!("{}", answer.message().unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, request: &Request) -> Result<Answer, Error> {
        match request {
            Request::Copy { src, dst } => self.copy(src, dst).await.map(Answer::Copy),
            Request::CloudCopy(c) => self.cloud_copy(c).await.map(Answer::CloudCopy),
            Request::CancelSync(dst) => self.cancel_sync(*dst).await.map(Answer::CancelSync),
        }
    }

    /// One operation: every attempt is one call of the generated client
    /// (`send`, its answer's status and body observed), its result checked
    /// by [`check`], run by the client's pipeline. The attempt's time limit
    /// covers reading the body, in `send` or in `check`. A success comes
    /// with its body as received ([`received`]): the observation is the
    /// successful attempt's own, since each attempt observes its own call.
    async fn call<T, E, Fut>(
        &self,
        op: Operation,
        send: impl Fn() -> Fut,
        documented: fn(u16, E) -> ErrorKind,
    ) -> Result<((T, Option<Box<str>>), u32), Error>
    where
        T: Answered,
        E: std::fmt::Debug + Send + Sync + 'static,
        Fut: Future<Output = Result<ResponseValue<T>, RawError<E>>>,
    {
        let pipeline = &self.inner.pipeline;
        pipeline
            .run(op, || async {
                // Pinned here, so `observe` holds a pointer, not a copy.
                let sent = std::pin::pin!(send());
                let (result, seen) = vast_api::observe(sent).await;
                let answer = check(pipeline.clock(), result, seen.status(), documented).await?;
                Ok((answer, received(&seen)))
            })
            .await
    }
}

/// A decoded answer's body as text, for the outcome's `raw`: the bytes
/// recorded as the generated client read them, copied once into a string of their exact size
/// (keeping the `Bytes` instead would hold on to the connection's read
/// buffer, which they are slices of, for as long as the outcome lives). A
/// body that is not UTF-8 is read lossily (a second copy, for a body JSON
/// forbids). `None` if the observation does not hold the whole body of a
/// `2xx` answer, which cannot happen for an answer the generated client
/// decoded (it reads the body to its end inside `observe`); the outcome
/// then describes its fields instead.
fn received(seen: &vast_api::Observation) -> Option<Box<str>> {
    let success = seen.status().is_some_and(|s| s.is_success());
    if !(success && seen.is_complete()) {
        tracing::debug!(?seen, "the answer's body was not observed whole");
        return None;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(seen.body_len()).unwrap_or(0));
    for chunk in seen.chunks() {
        bytes.extend_from_slice(chunk);
    }
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Some(text.into_boxed_str())
}

/// The `success` and `msg` fields every 200 answer has.
trait Answered {
    fn verdict(&self) -> (Option<bool>, Option<&str>);
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

/// Turns one generated call's result into a value or a [`AttemptError`] attempt.
async fn check<T, E>(
    clock: &dyn Clock,
    result: Result<ResponseValue<T>, RawError<E>>,
    status: Option<reqwest::StatusCode>,
    documented: fn(u16, E) -> ErrorKind,
) -> Result<T, AttemptError>
where
    T: Answered,
    E: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(answer) => {
            let answer = answer.into_inner();
            match answer.verdict() {
                (Some(false), msg) => Err(ErrorKind::Rejected {
                    message: msg.unwrap_or("no reason given").to_owned(),
                }
                .into()),
                _ => Ok(answer),
            }
        }
        Err(RawError::ErrorResponse(answer)) => {
            let status = answer.status().as_u16();
            Err(documented(status, answer.into_inner()).into())
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

fn api_error(status: u16, body: types::ApiError) -> ErrorKind {
    ErrorKind::Api {
        status,
        code: body.error,
        message: body.msg.unwrap_or_else(|| "no reason given".to_owned()),
    }
}

fn cloud_copy_error(status: u16, body: types::CloudCopyError) -> ErrorKind {
    ErrorKind::Api {
        status,
        code: None,
        message: body.msg.unwrap_or_else(|| "no reason given".to_owned()),
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
}
