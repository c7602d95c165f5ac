//! `Error`: the one error type of this crate. What went wrong is its
//! [`ErrorKind`]; the operation and the number of attempts are stored once,
//! beside it, by the attempt loop.

use crate::policy::{Applied, Failure, Retry, Verdict, classify};
use crate::{ConfigProblem, InvalidInput, Operation};
#[cfg(test)]
use std::sync::Arc;
use std::time::Duration;

/// What went wrong: the kind of an [`Error`]. Each kind means one thing;
/// its `Display` is the error's text with "the call" for the operation
/// (an [`Error`] names its operation and attempts).
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input was refused before any network I/O.
    InvalidInput(InvalidInput),
    /// The client could not be configured (key, base URL, HTTP client).
    Config(ConfigProblem),
    /// The blocking client was called on a thread inside a tokio runtime,
    /// where it cannot wait; nothing was sent (use the async client there).
    #[cfg(feature = "blocking")]
    InsideRuntime,
    /// Nothing was sent: the call ended before its first attempt, for the
    /// reason given. (After a failed attempt, a call that cannot make the
    /// next one ends with that attempt's error instead.)
    NotSent(NotSent),
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
    /// The server answered `429`: too many requests.
    RateLimited {
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
        /// What the server said (often plain text), if anything.
        message: Option<String>,
    },
    /// An attempt ran out of time after its request may have been sent: its
    /// time limit (the per-attempt timeout, or what was left of the call's
    /// deadline) passed before the answer was read.
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
        /// Why the body could not be decoded.
        source: serde_json::Error,
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

/// Why a call sent nothing ([`ErrorKind::NotSent`]). Nothing can have been
/// applied, and the call may be made again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotSent {
    /// No time was left for an attempt: a zero timeout or deadline, or the
    /// call's deadline came at its turn (one that waited for requests in
    /// flight is [`Queued`](Self::Queued)).
    NoTimeLeft,
    /// The client is pacing this endpoint after a `429`, and the endpoint's
    /// next turn, `next_turn` from now, is after the call's deadline.
    Paced {
        /// How long until the endpoint's next turn.
        next_turn: Duration,
    },
    /// The call waited its whole deadline for its turn at the endpoint,
    /// behind requests in flight ([`PacingConfig`](crate::PacingConfig)'s
    /// limit per endpoint) or waiting before it.
    Queued {
        /// How long it waited.
        waited: Duration,
        /// Requests in flight to the endpoint, or waiting, when it started
        /// to wait.
        ahead: usize,
    },
    /// A batch ([`Client::send_all`](crate::Client::send_all)) that stops at
    /// its first failure stopped before this request's turn.
    BatchStopped,
}

impl ErrorKind {
    /// A short snake_case name for this kind of failure, stable across
    /// releases, for scripts and logs: the `kind` of the error's serde form
    /// and of `vast --json`'s error object. Some kinds share a name where a
    /// script acts on them alike:
    ///
    /// | name | kind |
    /// |---|---|
    /// | `invalid_input` | [`InvalidInput`](Self::InvalidInput) |
    /// | `no_api_key` | [`Config`](Self::Config) about the API key ([`Setting::ApiKey`](crate::Setting::ApiKey): none found, empty, unreadable, unusable) |
    /// | `config` | any other [`Config`](Self::Config) (the base URL, the HTTP client, the runtime) |
    /// | `inside_runtime` | `InsideRuntime` (feature `blocking`) |
    /// | `api` | [`Api`](Self::Api) |
    /// | `rejected` | [`Rejected`](Self::Rejected) |
    /// | `unauthorized` | [`Unauthorized`](Self::Unauthorized) |
    /// | `rate_limited` | [`RateLimited`](Self::RateLimited), and [`NotSent`](Self::NotSent) with [`NotSent::Paced`] |
    /// | `timeout` | [`Timeout`](Self::Timeout), and [`NotSent`](Self::NotSent) with [`NotSent::NoTimeLeft`] or [`NotSent::Queued`] (the deadline came first) |
    /// | `batch_stopped` | [`NotSent`](Self::NotSent) with [`NotSent::BatchStopped`] |
    /// | `transport` | [`Transport`](Self::Transport) |
    /// | `decode` | [`Decode`](Self::Decode) |
    /// | `response_too_large` | [`ResponseTooLarge`](Self::ResponseTooLarge) |
    ///
    /// A call that sent nothing ([`NotSent`](Self::NotSent)) made 0
    /// attempts ([`Error::attempts`]): that tells it apart from a timeout or
    /// a rate limit that followed an attempt.
    ///
    /// ```
    /// use vast_api_ext::{Error, ErrorKind, Operation};
    /// let e = Error::for_call(Operation::Copy, 1, ErrorKind::Rejected { message: "no".into() });
    /// assert_eq!((e.kind_name(), e.kind().kind_name()), ("rejected", "rejected"));
    /// ```
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::InvalidInput(_) => "invalid_input",
            Self::Config(problem) if problem.setting() == crate::Setting::ApiKey => "no_api_key",
            Self::Config(_) => "config",
            #[cfg(feature = "blocking")]
            Self::InsideRuntime => "inside_runtime",
            Self::NotSent(NotSent::Paced { .. }) | Self::RateLimited { .. } => "rate_limited",
            Self::NotSent(NotSent::NoTimeLeft | NotSent::Queued { .. }) | Self::Timeout => {
                "timeout"
            }
            Self::NotSent(NotSent::BatchStopped) => "batch_stopped",
            Self::Api { .. } => "api",
            Self::Rejected { .. } => "rejected",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Transport { .. } => "transport",
            Self::Decode { .. } => "decode",
            Self::ResponseTooLarge { .. } => "response_too_large",
        }
    }

    /// The error behind this kind, if one is kept: [`Error`]'s
    /// [`source`](std::error::Error::source).
    fn cause(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport { source, .. } => Some(source.as_ref()),
            Self::Decode { source, .. } => Some(source),
            Self::Config(problem) => problem.cause(),
            _ => None,
        }
    }
}

impl std::fmt::Display for ErrorKind {
    /// The text of an [`Error`] of this kind not tied to a call ("the call").
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        describe(f, None, 0, self)
    }
}

impl From<std::convert::Infallible> for Error {
    /// Never called: lets a conversion that cannot fail stand where one
    /// that can is accepted ([`Location::new`](crate::Location::new) given
    /// an [`InstanceId`](crate::InstanceId)).
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// Everything that can go wrong, before or during a call: an [`ErrorKind`],
/// and for a call its [`Operation`] and the number of attempts made.
///
/// Whether it is worth repeating and whether the request may have been
/// applied come from one table, [`policy`](crate::policy): see
/// [`failure`](Self::failure) and [`verdict`](Self::verdict). Its
/// [`source`](std::error::Error::source) is the error behind it, when there
/// is one (reqwest's, serde_json's, an I/O error).
///
/// ```
/// use vast_api_ext::{Error, ErrorKind, Operation};
/// // What a test double can return: a cloud copy that timed out once.
/// let e = Error::for_call(Operation::CloudCopy, 1, ErrorKind::Timeout);
/// assert!(e.may_have_been_applied() && e.is_retryable());
/// assert_eq!(e.to_string(), "cloud copy timed out");
/// ```
///
/// With the `serde` feature, an error serializes as the object `vast
/// --json` prints under `"error"`: its [`kind_name`](Self::kind_name), the
/// [`status`](Self::status) and server [`code`](Self::code) (or `null`),
/// its text as `message`, the [`operation`](Self::operation)'s name (or
/// `null`) and the [`attempts`](Self::attempts). The key is in none of them.
///
/// ```json
/// {"kind": "api", "status": 404, "code": "no_such_instance",
///  "message": "copy failed: the server answered 404 (no_such_instance): gone",
///  "operation": "copy", "attempts": 1}
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

    /// The stable snake_case name of its kind
    /// ([`ErrorKind::kind_name`]: `invalid_input`, `api`, `timeout`…).
    pub fn kind_name(&self) -> &'static str {
        self.kind.kind_name()
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
    /// raised before any network I/O, [`ErrorKind::NotSent`] included).
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
            ErrorKind::RateLimited { .. } => Some(429),
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
            K::NotSent(_) => Failure::NotSent,
            K::RateLimited { .. } => Failure::Status(429),
            K::Timeout => Failure::Timeout,
            K::Transport { sent: false, .. } => Failure::Connect,
            K::Transport { sent: true, .. } => Failure::Reset,
            K::Decode { status, .. } => Failure::Undecodable(*status),
            K::ResponseTooLarge { status, .. } => Failure::TooLarge(*status),
            K::InvalidInput(_) | K::Config(_) => return None,
            #[cfg(feature = "blocking")]
            K::InsideRuntime => return None,
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
        self.kind.cause()
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        describe(f, self.operation, self.attempts, &self.kind)
    }
}

/// The text of an error of `kind` from a call of `operation` ("the call"
/// when `None`) after `attempts` attempts: what went wrong, and what to do.
fn describe(
    f: &mut std::fmt::Formatter<'_>,
    operation: Option<Operation>,
    attempts: u32,
    kind: &ErrorKind,
) -> std::fmt::Result {
    let op = Op(operation);
    let after = AttemptsSuffix(attempts);
    match kind {
        ErrorKind::InvalidInput(invalid) => write!(f, "invalid input: {invalid}"),
        ErrorKind::Config(problem) => {
            write!(f, "cannot configure the Vast.ai client: {problem}")
        }
        #[cfg(feature = "blocking")]
        ErrorKind::InsideRuntime => f.write_str(
            "the blocking client was called from inside a tokio runtime, where it cannot \
             wait: use the async vast_api_ext::Client there",
        ),
        ErrorKind::NotSent(NotSent::NoTimeLeft) => write!(
            f,
            "{op} timed out before it was sent (no time was left for an attempt)"
        ),
        ErrorKind::NotSent(NotSent::Paced { next_turn }) => write!(
            f,
            "{op} was not sent: the client is pacing this endpoint after a 429, and its next \
             turn (in {} s) is after the call's deadline",
            next_turn.as_secs_f64().ceil()
        ),
        ErrorKind::NotSent(NotSent::Queued { waited, ahead }) => {
            let (method, path) = operation.map_or(("", "its endpoint"), |o| (o.method(), o.path()));
            write!(
                f,
                "{op} was not sent: it waited {} ms for its turn behind {ahead} request{} on \
                 {method} {path}, and its deadline came (allow more requests in flight with \
                 PacingConfig::with_max_in_flight_per_endpoint, or a longer deadline)",
                waited.as_millis(),
                if *ahead == 1 { "" } else { "s" },
            )
        }
        ErrorKind::NotSent(NotSent::BatchStopped) => write!(
            f,
            "{op} was not sent: the batch stopped at an earlier request's failure"
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
            write!(f, "{op} failed: rate limited by the server (429)")?;
            if let Some(d) = retry_after {
                write!(f, "; retry after {} s", d.as_secs_f64().ceil())?;
            }
            write!(f, "{}{after}", MessageSuffix(message))
        }
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
            ..
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

/// The serde form of an error: the object `vast --json` prints under
/// `"error"` (the command line adds its `exit_status`).
#[cfg(feature = "serde")]
mod serde_form {
    use super::Error;
    use serde::ser::{Serialize, SerializeStruct, Serializer};

    impl Serialize for Error {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut fields = serializer.serialize_struct("Error", 6)?;
            fields.serialize_field("kind", self.kind_name())?;
            fields.serialize_field("status", &self.status())?;
            fields.serialize_field("code", &self.code())?;
            fields.serialize_field("message", &self.to_string())?;
            fields.serialize_field("operation", &self.operation.map(|op| op.name()))?;
            fields.serialize_field("attempts", &self.attempts)?;
            fields.end()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn not_sent_is_a_kind_of_its_own_that_nothing_was_applied_by() {
        let paced = NotSent::Paced {
            next_turn: Duration::from_millis(1500),
        };
        for (why, text) in [
            (
                NotSent::NoTimeLeft,
                "copy timed out before it was sent (no time was left for an attempt)",
            ),
            (
                paced,
                "copy was not sent: the client is pacing this endpoint after a 429, and its \
                 next turn (in 2 s) is after the call's deadline",
            ),
        ] {
            let e = Error::for_call(Operation::Copy, 0, ErrorKind::NotSent(why));
            assert_eq!(e.failure(), Some(Failure::NotSent));
            assert_eq!(e.status(), None, "no answer");
            assert!(!e.may_have_been_applied() && e.is_retryable());
            assert_eq!(e.to_string(), text);
        }
        // A timeout and a 429 are answers' kinds, whatever the attempts.
        let timeout = Error::for_call(Operation::Copy, 0, ErrorKind::Timeout);
        assert_eq!(timeout.failure(), Some(Failure::Timeout));
        let limited = ErrorKind::RateLimited {
            retry_after: None,
            message: None,
        };
        assert_eq!(Error::new(limited).status(), Some(429));
    }

    #[test]
    fn each_kind_has_its_stable_snake_case_name() {
        let io = || Box::new(std::io::Error::other("refused"));
        let not_json = || serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let invalid = InvalidInput::new(crate::Argument::Instance, crate::Rule::Zero, None);
        let bad_url = ConfigProblem::BaseUrl {
            url: "ftp://x".into(),
            problem: crate::UrlProblem::Scheme,
        };
        let cases = vec![
            (ErrorKind::InvalidInput(invalid), "invalid_input"),
            (ErrorKind::Config(ConfigProblem::NoApiKey), "no_api_key"),
            (ErrorKind::Config(bad_url), "config"),
            (ErrorKind::NotSent(NotSent::NoTimeLeft), "timeout"),
            (
                ErrorKind::NotSent(NotSent::Queued {
                    waited: Duration::from_secs(1),
                    ahead: 3,
                }),
                "timeout",
            ),
            (ErrorKind::NotSent(NotSent::BatchStopped), "batch_stopped"),
            (
                ErrorKind::NotSent(NotSent::Paced {
                    next_turn: Duration::from_secs(1),
                }),
                "rate_limited",
            ),
            (
                ErrorKind::Api {
                    status: 404,
                    code: None,
                    message: String::new(),
                },
                "api",
            ),
            (
                ErrorKind::Rejected {
                    message: String::new(),
                },
                "rejected",
            ),
            (
                ErrorKind::Unauthorized {
                    status: 401,
                    message: None,
                },
                "unauthorized",
            ),
            (
                ErrorKind::RateLimited {
                    retry_after: None,
                    message: None,
                },
                "rate_limited",
            ),
            (ErrorKind::Timeout, "timeout"),
            (
                ErrorKind::Transport {
                    source: io(),
                    sent: true,
                },
                "transport",
            ),
            (
                ErrorKind::Decode {
                    status: None,
                    body_prefix: String::new(),
                    source: not_json(),
                },
                "decode",
            ),
            (
                ErrorKind::ResponseTooLarge {
                    status: 200,
                    limit: 1,
                    declared: None,
                },
                "response_too_large",
            ),
        ];
        #[cfg(feature = "blocking")]
        let cases = cases
            .into_iter()
            .chain([(ErrorKind::InsideRuntime, "inside_runtime")]);
        for (kind, name) in cases {
            assert_eq!(kind.kind_name(), name, "{kind:?}");
            assert_eq!(Error::new(kind).kind_name(), name);
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }

    #[test]
    fn an_error_kind_reads_as_the_error_of_the_call() {
        let kind = ErrorKind::Rejected {
            message: "no".into(),
        };
        assert_eq!(kind.to_string(), "the call was refused by the server: no");
        let error = Error::for_call(Operation::CancelSync, 2, kind);
        assert_eq!(
            error.to_string(),
            "cancel sync was refused by the server: no (after 2 attempts)"
        );
    }

    #[test]
    fn the_source_is_the_error_behind_the_kind() {
        let not_json = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let decode = Error::new(ErrorKind::Decode {
            status: Some(200),
            body_prefix: "{".into(),
            source: not_json,
        });
        assert!(decode.source().unwrap().is::<serde_json::Error>());
        let io = std::io::Error::other("refused");
        let transport = Error::new(ErrorKind::Transport {
            source: Box::new(io),
            sent: false,
        });
        assert!(transport.source().unwrap().is::<std::io::Error>());
        let unreadable = Error::from(ConfigProblem::UnreadableKeyFile {
            path: "/k".into(),
            source: Arc::new(std::io::Error::other("denied")),
        });
        assert!(unreadable.source().unwrap().is::<std::io::Error>());
        assert!(
            unreadable.to_string().ends_with("/k: denied"),
            "{unreadable}"
        );
        assert!(Error::from(ConfigProblem::NoApiKey).source().is_none());
        let invalid = InvalidInput::new(crate::Argument::Instance, crate::Rule::Zero, None);
        assert!(Error::from(invalid).source().is_none());
    }
}
