//! `Client`: the three operations, each one call of the generated client per
//! attempt, wrapped in the retry loop, the deadline and a tracing span.

use crate::retry::{Failure, RetryConfig, Shared, classify, later, parse_retry_after, too_large};
use crate::{Answer, ClientBuilder, CloudCopy, Error, InstanceId, Location, Operation, Request};
use progenitor_client::{Error as RawError, ResponseValue};
use std::future::Future;
use std::time::Duration;
use tracing::Instrument;
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
/// let outcome = client.cancel_sync(6003036.into()).await?;
/// println!("{}", outcome.message.unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: std::sync::Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) raw: vast_api::Client,
    pub(crate) base_url: String,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Duration,
    pub(crate) retry: RetryConfig,
    pub(crate) shared: Shared,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"***")
            .field("timeout", &self.inner.timeout)
            .field("deadline", &self.inner.deadline)
            .field("max_body_bytes", &self.inner.raw.limits().max_body_bytes())
            .field("retry", &self.inner.retry)
            .finish()
    }
}

/// The answer to a successful copy or cancel sync.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// The server's `msg`, if any.
    pub message: Option<String>,
    /// Attempts the call made (1 when nothing was retried).
    pub attempts: u32,
}

/// The answer to a successful cloud copy.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloudCopyOutcome {
    /// The server's `msg`, if any.
    pub message: Option<String>,
    /// Where the transfer's result can be read, if the server gave it.
    pub result_url: Option<String>,
    /// Attempts the call made (1 when nothing was retried).
    pub attempts: u32,
}

/// One failed attempt: the error to return and what it says for retrying.
struct AttemptError {
    error: Error,
    failure: Failure,
    retry_after: Option<Duration>,
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

    /// The generated client underneath, for calls this crate does not wrap.
    pub fn raw(&self) -> &vast_api::Client {
        &self.inner.raw
    }

    /// Tokens left in the retry quota shared by this client's clones.
    pub fn retry_quota_left(&self) -> u32 {
        self.inner.shared.quota_left()
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
        let (answer, attempts) = self
            .call(op, || self.inner.raw.copy(&body), api_error)
            .await?;
        Ok(Outcome {
            message: answer.msg,
            attempts,
        })
    }

    /// Starts a cloud copy (`POST /api/v0/commands/rclone/`). Failures that
    /// may have started the transfer are not retried unless
    /// [`RetryConfig::with_retry_non_idempotent`] says so.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// use vast_api_ext::{CloudCopy, ConnectionId, InstanceId, Transfer};
    /// let request = CloudCopy::new(InstanceId(6003036), ConnectionId(1004), Transfer::InstanceToCloud)
    ///     .src("/workspace/results")
    ///     .dst("my-bucket/results");
    /// let outcome = client.cloud_copy(&request).await?;
    /// println!("{:?}", outcome.result_url);
    /// # Ok(()) }
    /// ```
    pub async fn cloud_copy(&self, request: &CloudCopy) -> Result<CloudCopyOutcome, Error> {
        let body = request.to_body()?;
        let op = Operation::CloudCopy;
        let (answer, attempts) = self
            .call(op, || self.inner.raw.cloud_copy(&body), cloud_copy_error)
            .await?;
        Ok(CloudCopyOutcome {
            message: answer.msg,
            result_url: answer.result_url,
            attempts,
        })
    }

    /// Cancels the sync whose destination is instance `dst`
    /// (`DELETE /api/v0/commands/rclone/`, sending the integer `dst_id`).
    /// Instance 0 is refused with [`Error::InvalidInput`] before any I/O.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// let outcome = client.cancel_sync(vast_api_ext::InstanceId(6003036)).await?;
    /// println!("{}", outcome.message.unwrap_or_default());
    /// # Ok(()) }
    /// ```
    pub async fn cancel_sync(&self, dst: InstanceId) -> Result<Outcome, Error> {
        let body = crate::request::cancel_sync_body(dst)?;
        let op = Operation::CancelSync;
        let (answer, attempts) = self
            .call(op, || self.inner.raw.cancel_sync(&body), api_error)
            .await?;
        Ok(Outcome {
            message: answer.msg,
            attempts,
        })
    }

    /// Makes the call a [`Request`] describes, with the typed method of its
    /// operation (same body, retries and errors); useful when the call is
    /// chosen at run time, or shown first with [`Request::body`].
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// use vast_api_ext::{InstanceId, Request};
    /// let request = Request::CancelSync(InstanceId(6003036));
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

    fn now(&self) -> std::time::SystemTime {
        self.inner.retry.clock().system_now()
    }

    /// One operation: every attempt is one call of the generated client
    /// (`send`, its answer's status observed), its result checked by
    /// [`check`], inside the retry loop. The attempt's timeout covers
    /// reading the body, in `send` or in `check`.
    async fn call<T, E, Fut>(
        &self,
        op: Operation,
        send: impl Fn() -> Fut,
        documented: fn(Operation, u16, E) -> Error,
    ) -> Result<(T, u32), Error>
    where
        T: Verdict,
        E: std::fmt::Debug,
        Fut: Future<Output = Result<ResponseValue<T>, RawError<E>>>,
    {
        self.run(op, || async {
            let (result, seen) = vast_api::observe(send()).await;
            check(op, self.now(), result, seen.status(), documented).await
        })
        .await
    }

    /// The retry loop: pacing, per-attempt timeout, deadline, quota, backoff.
    async fn run<T, F, Fut>(&self, op: Operation, attempt: F) -> Result<(T, u32), Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        let span = tracing::info_span!(
            "vast_api_ext",
            operation = op.name(),
            method = op.method(),
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let result = self.run_inner(op, attempt).instrument(span.clone()).await;
        // Recorded once, when final: a field recorded per attempt would be
        // printed once per attempt by `tracing_subscriber::fmt`.
        match &result {
            Ok((_, attempts)) => {
                span.record("attempts", attempts);
                span.record("status", 200);
                span.in_scope(|| tracing::debug!("call succeeded"));
            }
            Err(error) => {
                span.record("attempts", error.attempts());
                if let Some(status) = error.status() {
                    span.record("status", status);
                }
                span.in_scope(|| tracing::debug!("call failed: {error}"));
            }
        }
        result
    }

    async fn run_inner<T, F, Fut>(&self, op: Operation, attempt: F) -> Result<(T, u32), Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, AttemptError>>,
    {
        let inner = &*self.inner;
        let config = &inner.retry;
        let clock = config.clock();
        let deadline = later(clock.now(), inner.deadline);
        let mut taken = 0u32;
        let mut n = 0u32;
        let mut last: Option<Error> = None;
        loop {
            // Wait for this endpoint's pacing slot, within the deadline.
            let remaining = deadline.saturating_duration_since(clock.now());
            let permit = match tokio::time::timeout(
                remaining,
                inner.shared.pace(config, op, deadline),
            )
            .await
            {
                Ok(Ok(permit)) => permit,
                // The slot would start after the deadline: nothing is sent.
                Ok(Err(Some(wait))) => {
                    return Err(last.unwrap_or(Error::RateLimited {
                        retry_after: Some(wait),
                        operation: op,
                        message: None,
                        attempts: n,
                    }));
                }
                // The deadline passed while waiting for the endpoint.
                _ => {
                    return Err(last.unwrap_or(Error::Timeout {
                        operation: op,
                        attempts: n,
                    }));
                }
            };
            n += 1;
            let remaining = deadline.saturating_duration_since(clock.now());
            let limit = remaining.min(inner.timeout);
            let attempt_span =
                tracing::debug_span!("attempt", attempt = n, status = tracing::field::Empty);
            let result = match tokio::time::timeout(limit, attempt())
                .instrument(attempt_span.clone())
                .await
            {
                Ok(result) => result,
                Err(_) => Err(AttemptError {
                    error: Error::Timeout {
                        operation: op,
                        attempts: n,
                    },
                    failure: Failure::Timeout,
                    retry_after: None,
                }),
            };
            drop(permit);
            let failed = match result {
                Ok(value) => {
                    attempt_span.record("status", 200);
                    inner.shared.succeeded(config, op);
                    inner.shared.refund(config, taken);
                    return Ok((value, n));
                }
                Err(failed) => failed,
            };
            let mut error = failed.error;
            error.set_attempts(n);
            if let Some(status) = error.status() {
                attempt_span.record("status", status);
            }
            if failed.failure == Failure::Status(429) {
                inner.shared.throttled(config, op, failed.retry_after);
            }
            let safety = classify(failed.failure);
            if n >= config.max_attempts() || !config.may_retry(op, safety) {
                tracing::debug!(?safety, "not retried");
                return Err(error);
            }
            let wait = match failed.retry_after {
                Some(after) if after > config.max_retry_after() => {
                    tracing::debug!(?after, "Retry-After is longer than allowed; giving up");
                    return Err(error);
                }
                Some(after) => after,
                None => config.backoff(n),
            };
            if later(clock.now(), wait) >= deadline {
                tracing::debug!(?wait, "the wait would cross the deadline; giving up");
                return Err(error);
            }
            let Some(cost) = inner
                .shared
                .acquire_retry(config, failed.failure == Failure::Timeout)
            else {
                tracing::debug!("retry quota exhausted; giving up");
                return Err(error);
            };
            taken += cost;
            tracing::debug!(attempt = n, ?wait, "retrying after: {error}");
            if !wait.is_zero() {
                clock.sleep(wait).await;
            }
            last = Some(error);
        }
    }
}

/// The `success` and `msg` fields every 200 answer has.
trait Verdict {
    fn verdict(&self) -> (Option<bool>, Option<&str>);
}

macro_rules! verdict {
    ($($answer:ty),*) => {$(
        impl Verdict for $answer {
            fn verdict(&self) -> (Option<bool>, Option<&str>) {
                (self.success, self.msg.as_deref())
            }
        }
    )*};
}
verdict!(
    types::CopyResponse,
    types::CloudCopyResponse,
    types::CancelSyncResponse
);

/// Turns one generated call's result into a value or an [`AttemptError`].
async fn check<T, E>(
    op: Operation,
    now: std::time::SystemTime,
    result: Result<ResponseValue<T>, RawError<E>>,
    status: Option<reqwest::StatusCode>,
    documented: fn(Operation, u16, E) -> Error,
) -> Result<T, AttemptError>
where
    T: Verdict,
    E: std::fmt::Debug,
{
    let fail = |error, failure| AttemptError {
        error,
        failure,
        retry_after: None,
    };
    match result {
        Ok(answer) => {
            let answer = answer.into_inner();
            match answer.verdict() {
                (Some(false), msg) => Err(fail(
                    Error::Rejected {
                        operation: op,
                        message: msg.unwrap_or("no reason given").to_owned(),
                        attempts: 1,
                    },
                    Failure::Final,
                )),
                _ => Ok(answer),
            }
        }
        Err(RawError::ErrorResponse(answer)) => {
            let status = answer.status().as_u16();
            let error = documented(op, status, answer.into_inner());
            Err(fail(error, Failure::Status(status)))
        }
        Err(RawError::CommunicationError(e)) => Err(transport(op, e)),
        Err(RawError::ResponseBodyError(e)) => Err(match vast_api::BodyTooLarge::find(&e) {
            // A documented status (200, 400, 404) over the limit: no
            // `Retry-After` to read on these.
            Some(big) => over_limit(op, big, None),
            None => transport(op, e),
        }),
        Err(RawError::InvalidResponsePayload(bytes, _)) => Err(fail(
            Error::Decode {
                operation: op,
                status: status.map(|s| s.as_u16()),
                body_prefix: html_summary(status, &bytes).unwrap_or_else(|| prefix(&bytes)),
                attempts: 1,
            },
            Failure::Final,
        )),
        Err(RawError::UnexpectedResponse(response)) => Err(unexpected(op, now, response).await),
        Err(RawError::InvalidRequest(message)) => {
            Err(fail(Error::InvalidInput { message }, Failure::Final))
        }
        // Not known to have failed before sending: counted as sent, the
        // cautious reading.
        Err(other) => Err(fail(
            Error::Transport {
                operation: op,
                source: other.to_string().into(),
                sent: true,
                attempts: 1,
            },
            Failure::Final,
        )),
    }
}

fn transport(op: Operation, e: reqwest::Error) -> AttemptError {
    let (error, failure) = if e.is_connect() {
        (
            Error::Transport {
                operation: op,
                source: Box::new(e),
                sent: false,
                attempts: 1,
            },
            Failure::Connect,
        )
    } else if e.is_timeout() {
        (
            Error::Timeout {
                operation: op,
                attempts: 1,
            },
            Failure::Timeout,
        )
    } else {
        (
            Error::Transport {
                operation: op,
                source: Box::new(e),
                sent: true,
                attempts: 1,
            },
            Failure::Transport,
        )
    };
    AttemptError {
        error,
        failure,
        retry_after: None,
    }
}

/// An answer whose body was over the limit, classified by its status (see
/// [`too_large`]); `retry_after` is the answer's, when it was read.
fn over_limit(
    op: Operation,
    big: &vast_api::BodyTooLarge,
    retry_after: Option<Duration>,
) -> AttemptError {
    let status = big.status.as_u16();
    AttemptError {
        error: Error::ResponseTooLarge {
            operation: op,
            status,
            limit: big.limit,
            declared: big.declared,
            attempts: 1,
        },
        failure: too_large(status),
        retry_after,
    }
}

fn api_error(op: Operation, status: u16, body: types::ApiError) -> Error {
    Error::Api {
        operation: op,
        status,
        code: body.error,
        message: body.msg.unwrap_or_else(|| "no reason given".to_owned()),
        attempts: 1,
    }
}

fn cloud_copy_error(op: Operation, status: u16, body: types::CloudCopyError) -> Error {
    Error::Api {
        operation: op,
        status,
        code: None,
        message: body.msg.unwrap_or_else(|| "no reason given".to_owned()),
        attempts: 1,
    }
}

/// An answer with a status the operation does not document (401, 403, 429, 5xx…).
async fn unexpected(
    op: Operation,
    now: std::time::SystemTime,
    response: reqwest::Response,
) -> AttemptError {
    let status = response.status();
    let code = status.as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, now));
    // Read through the limit like every body, and within the attempt's timeout.
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) => {
            if let Some(big) = vast_api::BodyTooLarge::find(&e) {
                return over_limit(op, big, retry_after);
            }
            if e.is_timeout() {
                return AttemptError {
                    error: Error::Timeout {
                        operation: op,
                        attempts: 1,
                    },
                    failure: Failure::Timeout,
                    retry_after: None,
                };
            }
            // A body broken after the status: the status still says what
            // happened; the message falls back to the status's reason.
            Default::default()
        }
    };
    let (server_code, message) = summarize(status, &body);
    let error = match code {
        401 | 403 => Error::Unauthorized {
            operation: op,
            status: code,
            message: Some(message).filter(|m| !m.is_empty()),
            attempts: 1,
        },
        429 => Error::RateLimited {
            retry_after,
            operation: op,
            message: Some(message).filter(|m| !m.is_empty()),
            attempts: 1,
        },
        _ => Error::Api {
            operation: op,
            status: code,
            code: server_code,
            message,
            attempts: 1,
        },
    };
    AttemptError {
        error,
        failure: Failure::Status(code),
        retry_after,
    }
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
