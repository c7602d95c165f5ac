//! `Error`: the one error type of this crate. What went wrong is its
//! [`ErrorKind`]; the operation and the number of attempts are stored once,
//! beside it, by the attempt loop.

use crate::policy::{Applied, Failure, Retry, Verdict, classify};
use crate::{InvalidInput, Operation};
use std::path::PathBuf;
use std::time::Duration;

/// The part of the configuration a [`ConfigProblem`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The API key: none found, empty, unreadable key file, or unusable in a header.
    ApiKey,
    /// The base URL.
    BaseUrl,
    /// The HTTP client (TLS roots, the caller's `reqwest::ClientBuilder`),
    /// or the blocking client's runtime.
    HttpClient,
}

/// Where an API key came from, as a [`ConfigProblem`] names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeySource {
    /// [`ClientBuilder::api_key`](crate::ClientBuilder::api_key).
    Builder,
    /// The `VAST_API_KEY` environment variable.
    Environment,
    /// A key file.
    File(PathBuf),
    /// [`ApiKey::new`](crate::ApiKey::new).
    ApiKeyNew,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Builder => f.write_str("ClientBuilder::api_key"),
            Self::Environment => f.write_str("the VAST_API_KEY environment variable"),
            Self::File(path) => write!(f, "the file {}", path.display()),
            Self::ApiKeyNew => f.write_str("the key given to ApiKey::new"),
        }
    }
}

/// What is wrong with a base URL (the URL itself is in [`ConfigProblem::BaseUrl`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UrlProblem {
    /// It does not parse.
    NotAUrl {
        /// The parser's reason.
        reason: String,
    },
    /// It holds `user:password@`.
    Credentials,
    /// It has a query or a fragment.
    QueryOrFragment,
    /// `http://` to a host that is not loopback (the key would travel unencrypted).
    InsecureHttp,
    /// Neither `https://` nor `http://`.
    Scheme,
}

/// Why the client could not be configured.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// No key was given or found (builder, `VAST_API_KEY`, key files).
    NoApiKey,
    /// The key from `source` is empty (after trimming).
    EmptyApiKey {
        /// Where it came from.
        source: KeySource,
    },
    /// The key from `source` holds a control character (the key is not shown).
    ApiKeyControlCharacter {
        /// Where it came from.
        source: KeySource,
    },
    /// A key file exists but cannot be read.
    UnreadableKeyFile {
        /// The file.
        path: PathBuf,
        /// The I/O error's text.
        reason: String,
    },
    /// The key cannot travel in an HTTP header.
    ApiKeyNotAHeader {
        /// Why (the key is not shown).
        reason: String,
    },
    /// The base URL is refused.
    BaseUrl {
        /// The URL as it may be shown: scheme, host, port and path only.
        url: String,
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// The HTTP client could not be built.
    HttpClient {
        /// reqwest's reason.
        reason: String,
    },
    /// The blocking client's runtime could not be started.
    Runtime {
        /// Why.
        reason: String,
    },
}

impl ConfigProblem {
    /// The setting this problem is about.
    pub fn setting(&self) -> Setting {
        match self {
            Self::NoApiKey
            | Self::EmptyApiKey { .. }
            | Self::ApiKeyControlCharacter { .. }
            | Self::UnreadableKeyFile { .. }
            | Self::ApiKeyNotAHeader { .. } => Setting::ApiKey,
            Self::BaseUrl { .. } => Setting::BaseUrl,
            Self::HttpClient { .. } | Self::Runtime { .. } => Setting::HttpClient,
        }
    }
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoApiKey => f.write_str(
                "no API key: pass ClientBuilder::api_key, set VAST_API_KEY, or write the key to \
                 ~/.config/vastai/vast_api_key",
            ),
            Self::EmptyApiKey { source } => write!(f, "the API key from {source} is empty"),
            Self::ApiKeyControlCharacter { source } => write!(
                f,
                "the API key from {source} holds a control character (the key is not shown)"
            ),
            Self::UnreadableKeyFile { path, reason } => write!(
                f,
                "cannot read the API key file {}: {reason}",
                path.display()
            ),
            Self::ApiKeyNotAHeader { reason } => f.write_str(reason),
            Self::BaseUrl { url, problem } => {
                write!(f, "the base URL `{url}` ")?;
                match problem {
                    UrlProblem::NotAUrl { reason } => write!(f, "is not a URL ({reason})"),
                    UrlProblem::Credentials => {
                        f.write_str("holds credentials; the key goes in ClientBuilder::api_key")
                    }
                    UrlProblem::QueryOrFragment => f.write_str("has a query or fragment"),
                    UrlProblem::InsecureHttp => f.write_str(
                        "uses http:// to a host that is not loopback, which would send the key \
                         unencrypted; use https:// or ClientBuilder::allow_insecure_http(true)",
                    ),
                    UrlProblem::Scheme => {
                        f.write_str("must start with https:// (or http:// to localhost)")
                    }
                }
            }
            Self::HttpClient { reason } => write!(f, "cannot build the HTTP client: {reason}"),
            Self::Runtime { reason } => {
                write!(f, "cannot start the blocking client's runtime: {reason}")
            }
        }
    }
}

/// What went wrong: the kind of an [`Error`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input was refused before any network I/O.
    InvalidInput(InvalidInput),
    /// The client could not be configured (key, base URL, HTTP client).
    Config(ConfigProblem),
    /// The blocking client was called on a thread inside a tokio runtime,
    /// where it cannot wait; nothing was sent (use the async client there).
    InsideRuntime,
    /// The server answered with an error status and said why (400, 404, 5xx…).
    Api {
        /// The HTTP status.
        status: u16,
        /// The server's `error` code, such as `invalid_args`, `no_such_user`, `no_such_instance`.
        code: Option<String>,
        /// The server's `msg`, or a readable summary of the body.
        message: String,
    },
    /// `200` with `success: false`: the server refused the request.
    Rejected {
        /// The server's `msg`.
        message: String,
    },
    /// `401` or `403`: the key is wrong, revoked, or lacks the permission.
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// What the server said, if anything readable.
        message: Option<String>,
    },
    /// `429`: too many requests. With no attempt made nothing was sent: an
    /// earlier `429` made the client pace this endpoint, and its next slot
    /// (`retry_after` from now) would start after the call's deadline.
    RateLimited {
        /// The server's `Retry-After`, if it sent one; with no attempt made,
        /// how long until the endpoint's next pacing slot.
        retry_after: Option<Duration>,
        /// What the server said (often plain text), if anything.
        message: Option<String>,
    },
    /// An attempt took longer than the per-attempt timeout, or the call's
    /// deadline passed. With no attempt made nothing was sent: there was no
    /// time left (a zero timeout or deadline), or the deadline came while
    /// waiting for the endpoint's request in flight.
    Timeout,
    /// The request could not be sent (connection refused, DNS, TLS:
    /// `sent: false`) or the answer not received (connection reset, broken
    /// body: `sent: true`, and the request may have been applied).
    Transport {
        /// The underlying error.
        source: Box<dyn std::error::Error + Send + Sync>,
        /// Whether the request may have reached the server: `false` for a
        /// failure to connect, `true` for one after the request was sent.
        sent: bool,
    },
    /// The answer's body is not what the API documents (not JSON, truncated,
    /// empty). `status` is `None` when it is not known.
    Decode {
        /// The HTTP status, when known.
        status: Option<u16>,
        /// The first bytes of the body (at most 200), lossy UTF-8.
        body_prefix: String,
    },
    /// The answer's body was longer than the client reads
    /// ([`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes),
    /// 1 MiB by default): refused on its `Content-Length`, or cut at the
    /// limit, and the connection closed. The API's answers are under 1 KiB,
    /// so this is a proxy, a captive portal or a broken server. A `2xx`
    /// answer may mean the request was applied.
    ResponseTooLarge {
        /// The HTTP status of the answer.
        status: u16,
        /// The limit, in bytes.
        limit: u64,
        /// The `Content-Length` the server declared, if it declared one over
        /// the limit (then no byte of the body was read).
        declared: Option<u64>,
    },
}

/// Everything that can go wrong, before or during a call: an [`ErrorKind`],
/// and for a call its [`Operation`] and the number of attempts made.
///
/// Whether it is worth repeating and whether the request may have been
/// applied come from one table, [`policy`](crate::policy): see
/// [`failure`](Self::failure) and [`verdict`](Self::verdict).
///
/// ```
/// use vast_api_ext::{Error, ErrorKind, Operation};
/// // What a test double can return: a cloud copy that timed out once.
/// let e = Error::for_call(Operation::CloudCopy, 1, ErrorKind::Timeout);
/// assert!(e.may_have_been_applied() && e.is_retryable());
/// assert_eq!(e.to_string(), "cloud copy timed out");
/// ```
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    operation: Option<Operation>,
    attempts: u32,
}

impl Error {
    /// An error that is not about a call (no operation, no attempt).
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            operation: None,
            attempts: 0,
        }
    }

    /// The error of a call of `operation` that made `attempts` attempts.
    pub fn for_call(operation: Operation, attempts: u32, kind: ErrorKind) -> Self {
        Self {
            kind,
            operation: Some(operation),
            attempts,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// What went wrong, by value.
    pub fn into_kind(self) -> ErrorKind {
        self.kind
    }

    /// The operation, for errors that come from a call.
    pub fn operation(&self) -> Option<Operation> {
        self.operation
    }

    /// How many attempts the call made before this error (0 for errors
    /// raised before any network I/O).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The HTTP status of the answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        match &self.kind {
            ErrorKind::Api { status, .. }
            | ErrorKind::Unauthorized { status, .. }
            | ErrorKind::ResponseTooLarge { status, .. } => Some(*status),
            ErrorKind::Rejected { .. } => Some(200),
            ErrorKind::RateLimited { .. } => (self.attempts > 0).then_some(429),
            ErrorKind::Decode { status, .. } => *status,
            _ => None,
        }
    }

    /// The server's `error` code (`invalid_args`, `no_such_user`, `no_such_instance`…).
    pub fn code(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Which failure of the [retry table](crate::policy) ended the call;
    /// `None` for errors raised before any request (input, configuration).
    pub fn failure(&self) -> Option<Failure> {
        use ErrorKind as K;
        Some(match &self.kind {
            K::Api { status, .. } | K::Unauthorized { status, .. } => Failure::Status(*status),
            K::Rejected { .. } => Failure::Rejected,
            K::RateLimited { .. } | K::Timeout if self.attempts == 0 => Failure::NotSent,
            K::RateLimited { .. } => Failure::Status(429),
            K::Timeout => Failure::Timeout,
            K::Transport { sent: false, .. } => Failure::Connect,
            K::Transport { sent: true, .. } => Failure::Reset,
            K::Decode { status, .. } => Failure::Undecodable(*status),
            K::ResponseTooLarge { status, .. } => Failure::TooLarge(*status),
            K::InvalidInput(_) | K::Config(_) | K::InsideRuntime => return None,
        })
    }

    /// What the [retry table](crate::policy) says about this error's failure.
    pub fn verdict(&self) -> Option<Verdict> {
        self.failure().map(classify)
    }

    /// Whether the request may have been applied by the server although the
    /// call failed, so that repeating it could apply it twice (a cloud copy
    /// would start a second transfer): the "maybe" rows of the
    /// [retry table](crate::policy), such as a timeout or a broken connection
    /// after the request was sent, a `500`, `502` or `504`, or a `2xx` whose
    /// body was over the limit or could not be read. About the call's last
    /// attempt; `false` for errors raised before any request was sent.
    ///
    /// ```
    /// use vast_api_ext::{Error, ErrorKind, Operation};
    /// let e = Error::for_call(Operation::CloudCopy, 1, ErrorKind::Timeout);
    /// assert!(e.may_have_been_applied());
    /// ```
    pub fn may_have_been_applied(&self) -> bool {
        self.verdict().is_some_and(|v| v.applied == Applied::Maybe)
    }

    /// Whether the same call may succeed if made again later: the rows of
    /// the [retry table](crate::policy) that are retried for some operation
    /// (a rate limit, a timeout, a transport failure, `408`, `500`, `502`,
    /// `503`, `504`…; not `501`). Whether repeating it is *safe* for this
    /// operation (a cloud copy may already have started) is
    /// [`Verdict::retries`](crate::policy::Verdict::retries).
    pub fn is_retryable(&self) -> bool {
        self.verdict().is_some_and(|v| v.retry != Retry::Never)
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

impl From<InvalidInput> for Error {
    fn from(invalid: InvalidInput) -> Self {
        Self::new(ErrorKind::InvalidInput(invalid))
    }
}

impl From<ConfigProblem> for Error {
    fn from(problem: ConfigProblem) -> Self {
        Self::new(ErrorKind::Config(problem))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Transport { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = Op(self.operation);
        let attempts = self.attempts;
        let after = AttemptsSuffix(attempts);
        match &self.kind {
            ErrorKind::InvalidInput(invalid) => write!(f, "invalid input: {invalid}"),
            ErrorKind::Config(problem) => {
                write!(f, "cannot configure the Vast.ai client: {problem}")
            }
            ErrorKind::InsideRuntime => f.write_str(
                "the blocking client was called from inside a tokio runtime, where it cannot \
                 wait: use the async vast_api_ext::Client there",
            ),
            ErrorKind::Api {
                status,
                code,
                message,
            } => {
                write!(f, "{op} failed: the server answered {status}")?;
                if let Some(code) = code {
                    write!(f, " ({code})")?;
                }
                write!(f, ": {message}{after}")
            }
            ErrorKind::Rejected { message } => {
                write!(f, "{op} was refused by the server: {message}{after}")
            }
            ErrorKind::Unauthorized { status, message } => write!(
                f,
                "{op} failed: the API key was not accepted ({status}){}; check VAST_API_KEY or \
                 the key file",
                MessageSuffix(message)
            ),
            ErrorKind::RateLimited {
                retry_after,
                message,
            } => {
                if attempts == 0 {
                    write!(
                        f,
                        "{op} was not sent: the client is pacing this endpoint after a 429, and \
                         its next turn"
                    )?;
                    if let Some(d) = retry_after {
                        write!(f, " (in {} s)", d.as_secs_f64().ceil())?;
                    }
                    return f.write_str(" is after the call's deadline");
                }
                write!(f, "{op} failed: rate limited by the server (429)")?;
                if let Some(d) = retry_after {
                    write!(f, "; retry after {} s", d.as_secs_f64().ceil())?;
                }
                write!(f, "{}{after}", MessageSuffix(message))
            }
            ErrorKind::Timeout if attempts == 0 => write!(
                f,
                "{op} timed out before it was sent (no time was left for an attempt)"
            ),
            ErrorKind::Timeout => write!(f, "{op} timed out{after}"),
            ErrorKind::Transport { source, sent } => {
                if *sent {
                    write!(
                        f,
                        "{op} failed after the request was sent (it may have been applied): the \
                         connection broke: "
                    )?;
                } else {
                    write!(f, "{op} failed: could not reach the server: ")?;
                }
                write!(f, "{}{after}", chain(source.as_ref()))
            }
            ErrorKind::Decode {
                status,
                body_prefix,
            } => {
                write!(f, "{op} failed: the server's answer")?;
                if let Some(s) = status {
                    write!(f, " ({s})")?;
                }
                f.write_str(" could not be read: ")?;
                if body_prefix.trim().is_empty() {
                    f.write_str("the body is empty")
                } else {
                    write!(f, "expected JSON, got `{}`", body_prefix.trim())
                }
            }
            ErrorKind::ResponseTooLarge {
                status,
                limit,
                declared,
            } => {
                write!(
                    f,
                    "{op} failed: the server's answer ({status}) is longer than the {limit}-byte \
                     limit on answers ("
                )?;
                match declared {
                    Some(n) => write!(f, "it declared {n} bytes and was not read)")?,
                    None => write!(f, "it was cut after {limit} bytes)")?,
                }
                if (200..300).contains(status) {
                    f.write_str("; the request may have been applied")?;
                }
                write!(f, "{after}")
            }
        }
    }
}

/// The operation's name, or "the call" for an error built without one.
struct Op(Option<Operation>);

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(op) => write!(f, "{op}"),
            None => f.write_str("the call"),
        }
    }
}

/// ` (after N attempts)` when more than one was made.
struct AttemptsSuffix(u32);

impl std::fmt::Display for AttemptsSuffix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 > 1 {
            write!(f, " (after {} attempts)", self.0)
        } else {
            Ok(())
        }
    }
}

/// `: <message>` when there is a message.
struct MessageSuffix<'a>(&'a Option<String>);

impl std::fmt::Display for MessageSuffix<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(m) if !m.is_empty() => write!(f, ": {m}"),
            _ => Ok(()),
        }
    }
}

/// An error and its sources, joined by `: `, without repeats.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(e) = next {
        let part = e.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        next = e.source();
    }
    text
}
