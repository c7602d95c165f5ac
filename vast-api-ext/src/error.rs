//! `Error`: the one error type of this crate.

use crate::Operation;
use std::time::Duration;

/// The part of the configuration an [`Error::Config`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setting {
    /// The API key: none found, empty, unreadable key file, or unusable in a header.
    ApiKey,
    /// The base URL.
    BaseUrl,
    /// The HTTP client (TLS roots, the caller's `reqwest::ClientBuilder`).
    HttpClient,
}

/// Everything that can go wrong, before or during a call.
///
/// Variants that come from a call carry the [`Operation`] and the number of
/// `attempts` made (1 when nothing was retried), see [`Error::attempts`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was refused before any network I/O.
    #[error("invalid input: {message}")]
    InvalidInput {
        /// What is wrong and what would be right.
        message: String,
    },
    /// The client could not be configured (key, base URL, HTTP client).
    #[error("cannot configure the Vast.ai client: {message}")]
    Config {
        /// Which setting was refused.
        setting: Setting,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The server answered with an error status and said why (400, 404, 5xx…).
    #[error("{operation} failed: the server answered {status}{}: {message}{}", code_suffix(.code), attempts_suffix(*.attempts))]
    Api {
        /// The operation.
        operation: Operation,
        /// The HTTP status.
        status: u16,
        /// The server's `error` code, such as `invalid_args`, `no_such_user`, `no_such_instance`.
        code: Option<String>,
        /// The server's `msg`, or a readable summary of the body.
        message: String,
        /// Attempts made.
        attempts: u32,
    },
    /// `200` with `success: false`: the server refused the request.
    #[error("{operation} was refused by the server: {message}{}", attempts_suffix(*.attempts))]
    Rejected {
        /// The operation.
        operation: Operation,
        /// The server's `msg`.
        message: String,
        /// Attempts made.
        attempts: u32,
    },
    /// `401` or `403`: the key is wrong, revoked, or lacks the permission.
    #[error("{operation} failed: the API key was not accepted ({status}){}; check VAST_API_KEY or the key file", message_suffix(.message))]
    Unauthorized {
        /// The operation.
        operation: Operation,
        /// 401 or 403.
        status: u16,
        /// What the server said, if anything readable.
        message: Option<String>,
        /// Attempts made.
        attempts: u32,
    },
    /// `429`: too many requests. With `attempts: 0` nothing was sent: an
    /// earlier `429` made the client pace this endpoint, and its next slot
    /// (`retry_after` from now) would start after the call's deadline.
    #[error("{}", rate_limited_text(*.operation, *.retry_after, .message, *.attempts))]
    RateLimited {
        /// The server's `Retry-After`, if it sent one; with `attempts: 0`,
        /// how long until the endpoint's next pacing slot.
        retry_after: Option<Duration>,
        /// The operation.
        operation: Operation,
        /// What the server said (often plain text), if anything.
        message: Option<String>,
        /// Attempts made.
        attempts: u32,
    },
    /// An attempt took longer than the per-attempt timeout, or the call's
    /// deadline passed (with `attempts: 0`, while waiting for its turn at the
    /// endpoint, before anything was sent).
    #[error("{operation} timed out{}", timeout_suffix(*.attempts))]
    Timeout {
        /// The operation.
        operation: Operation,
        /// Attempts made.
        attempts: u32,
    },
    /// The request could not be sent (connection refused, DNS, TLS:
    /// `sent: false`) or the answer not received (connection reset, broken
    /// body: `sent: true`, and the request may have been applied).
    #[error("{}{}{}", transport_text(*.operation, *.sent), chain(source.as_ref()), attempts_suffix(*.attempts))]
    Transport {
        /// The operation.
        operation: Operation,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
        /// Whether the request may have reached the server: `false` for a
        /// failure to connect, `true` for one after the request was sent.
        sent: bool,
        /// Attempts made.
        attempts: u32,
    },
    /// The answer's body is not what the API documents (not JSON, truncated,
    /// empty). `status` is `None` when the raw client does not report it (an
    /// undecodable 200, 400 or 404 body).
    #[error("{operation} failed: the server's answer{} could not be read: {}", status_suffix(*.status), describe_body(.body_prefix))]
    Decode {
        /// The operation.
        operation: Operation,
        /// The HTTP status, when known.
        status: Option<u16>,
        /// The first bytes of the body (at most 200), lossy UTF-8.
        body_prefix: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The answer's body was longer than the client reads
    /// ([`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes),
    /// 1 MiB by default): refused on its `Content-Length`, or cut at the
    /// limit, and the connection closed. The API's answers are under 1 KiB,
    /// so this is a proxy, a captive portal or a broken server. A `2xx`
    /// answer may mean the request was applied.
    #[error("{}", too_large_text(*.operation, *.status, *.limit, *.declared, *.attempts))]
    ResponseTooLarge {
        /// The operation.
        operation: Operation,
        /// The HTTP status of the answer.
        status: u16,
        /// The limit, in bytes.
        limit: u64,
        /// The `Content-Length` the server declared, if it declared one over
        /// the limit (then no byte of the body was read).
        declared: Option<u64>,
        /// Attempts made.
        attempts: u32,
    },
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

fn code_suffix(code: &Option<String>) -> String {
    code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
}

fn message_suffix(message: &Option<String>) -> String {
    match message {
        Some(m) if !m.is_empty() => format!(": {m}"),
        _ => String::new(),
    }
}

fn attempts_suffix(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

fn rate_limited_text(
    operation: Operation,
    retry_after: Option<Duration>,
    message: &Option<String>,
    attempts: u32,
) -> String {
    if attempts == 0 {
        return format!(
            "{operation} was not sent: the client is pacing this endpoint after a 429, and its \
             next turn{} is after the call's deadline",
            retry_after
                .map(|d| format!(" (in {} s)", d.as_secs_f64().ceil()))
                .unwrap_or_default()
        );
    }
    format!(
        "{operation} failed: rate limited by the server (429){}{}{}",
        retry_after_suffix(retry_after),
        message_suffix(message),
        attempts_suffix(attempts)
    )
}

fn timeout_suffix(attempts: u32) -> String {
    if attempts == 0 {
        " before it was sent, waiting for its turn at the endpoint".to_owned()
    } else {
        attempts_suffix(attempts)
    }
}

fn transport_text(operation: Operation, sent: bool) -> String {
    if sent {
        format!(
            "{operation} failed after the request was sent (it may have been applied): \
             the connection broke: "
        )
    } else {
        format!("{operation} failed: could not reach the server: ")
    }
}

fn too_large_text(
    operation: Operation,
    status: u16,
    limit: u64,
    declared: Option<u64>,
    attempts: u32,
) -> String {
    let read = match declared {
        Some(n) => format!("it declared {n} bytes and was not read"),
        None => format!("it was cut after {limit} bytes"),
    };
    let applied = if (200..300).contains(&status) {
        "; the request may have been applied"
    } else {
        ""
    };
    format!(
        "{operation} failed: the server's answer ({status}) is longer than the {limit}-byte \
         limit on answers ({read}){applied}{}",
        attempts_suffix(attempts)
    )
}

fn retry_after_suffix(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!("; retry after {} s", d.as_secs_f64().ceil()),
        None => String::new(),
    }
}

fn status_suffix(status: Option<u16>) -> String {
    status.map(|s| format!(" ({s})")).unwrap_or_default()
}

fn describe_body(prefix: &str) -> String {
    if prefix.trim().is_empty() {
        "the body is empty".to_owned()
    } else {
        format!("expected JSON, got `{}`", prefix.trim())
    }
}

impl Error {
    /// A configuration error about `setting`.
    pub(crate) fn config(setting: Setting, message: impl Into<String>) -> Self {
        Self::Config {
            setting,
            message: message.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput {
            message: message.into(),
        }
    }

    /// The HTTP status of the answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::Unauthorized { status, .. } => Some(*status),
            Self::Rejected { .. } => Some(200),
            Self::RateLimited { attempts, .. } => (*attempts > 0).then_some(429),
            Self::Decode { status, .. } => *status,
            Self::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's `error` code (`invalid_args`, `no_such_user`, `no_such_instance`…).
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The operation, for errors that come from a call.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Self::Api { operation, .. }
            | Self::Rejected { operation, .. }
            | Self::Unauthorized { operation, .. }
            | Self::RateLimited { operation, .. }
            | Self::Timeout { operation, .. }
            | Self::Transport { operation, .. }
            | Self::Decode { operation, .. }
            | Self::ResponseTooLarge { operation, .. } => Some(*operation),
            _ => None,
        }
    }

    /// How many attempts the call made before this error (0 for errors
    /// raised before any network I/O).
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Api { attempts, .. }
            | Self::Rejected { attempts, .. }
            | Self::Unauthorized { attempts, .. }
            | Self::RateLimited { attempts, .. }
            | Self::Timeout { attempts, .. }
            | Self::Transport { attempts, .. }
            | Self::Decode { attempts, .. }
            | Self::ResponseTooLarge { attempts, .. } => *attempts,
            _ => 0,
        }
    }

    pub(crate) fn set_attempts(&mut self, n: u32) {
        match self {
            Self::Api { attempts, .. }
            | Self::Rejected { attempts, .. }
            | Self::Unauthorized { attempts, .. }
            | Self::RateLimited { attempts, .. }
            | Self::Timeout { attempts, .. }
            | Self::Transport { attempts, .. }
            | Self::Decode { attempts, .. }
            | Self::ResponseTooLarge { attempts, .. } => *attempts = n,
            _ => {}
        }
    }

    /// Whether the request may have been applied by the server although the
    /// call failed, so that repeating it could apply it twice (a cloud copy
    /// would start a second transfer): a timeout or a broken connection after
    /// the request was sent, a `500`, `502` or `504` (whatever the size of
    /// its body), a `2xx` answer whose body was over the limit, or a `2xx`
    /// answer whose body could not be read. These are the "maybe" rows of the
    /// [retry table](crate::retry), plus the undecodable success. It is
    /// about the call's last attempt; `false` for everything else, including
    /// errors raised before any request was sent.
    ///
    /// ```
    /// use vast_api_ext::{Error, Operation};
    /// let e = Error::Timeout { operation: Operation::CloudCopy, attempts: 1 };
    /// assert!(e.may_have_been_applied());
    /// ```
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            Self::Timeout { attempts, .. } => *attempts > 0,
            Self::Transport { sent, attempts, .. } => *sent && *attempts > 0,
            Self::Api { status, .. } => matches!(status, 500 | 502 | 504),
            Self::ResponseTooLarge { status, .. } => {
                (200..300).contains(status) || matches!(status, 500 | 502 | 504)
            }
            Self::Decode { status, .. } => status.is_none_or(|s| (200..300).contains(&s)),
            _ => false,
        }
    }

    /// Whether the same call may succeed if made again later: a rate limit, a
    /// timeout, a transport failure, or a 408/5xx answer; for an answer over
    /// the body limit, a `2xx`, `408`, `429` or 5xx one. Whether repeating
    /// it is *safe* (a cloud copy may already have started) is what the
    /// client's retry table decides; see [`RetryConfig`](crate::RetryConfig).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Api { status, .. } => *status == 408 || *status >= 500,
            Self::ResponseTooLarge { status, .. } => {
                (200..300).contains(status) || matches!(status, 408 | 429) || *status >= 500
            }
            _ => false,
        }
    }
}
