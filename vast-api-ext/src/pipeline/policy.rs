//! The retry policy: what a failed attempt means, as one table. Pure: no
//! I/O, no clock, no state.
//!
//! # What a failed attempt means
//!
//! This is the one classification table. [`TABLE`] holds its rows as data
//! (the text below is [`TABLE`] rendered, which a unit test checks), and
//! [`classify`] is its code: a unit test checks every failure against its
//! row, so the two cannot drift apart. Everything else is derived from it: whether the
//! client retries ([`Verdict::retries`]), [`Error::is_retryable`](crate::Error::is_retryable),
//! [`Error::may_have_been_applied`](crate::Error::may_have_been_applied), and
//! the `vast` tool's exit status (the last column: 1 refused, 3 auth, 4
//! unavailable).
//!
//! | failure | may it have been applied? | idempotent (PUT, DELETE) | not idempotent (POST) | cause |
//! |---|---|---|---|---|
//! | not sent: the endpoint's pacing slot or the call's deadline came before the first attempt (or no time was left for one) | no | retry | retry | unavailable |
//! | connection refused, DNS, TLS handshake (connect errors) | no | retry | retry | unavailable |
//! | `429`, `503`, `408` | no | retry | retry | unavailable |
//! | timeout or reset after the request was sent | maybe | retry | **no** (unless [`RetryConfig::with_retry_non_idempotent`](crate::RetryConfig::with_retry_non_idempotent)) | unavailable |
//! | `500`, `502`, `504` | maybe | retry | **no** (unless opted in) | unavailable |
//! | a `2xx` answer over the body limit ([`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes)); a non-2xx one over it is classified by its status, in the other rows, except that its cause is unavailable | maybe | retry | **no** (unless opted in) | unavailable |
//! | an undecodable `2xx` body or one without a status, a `2xx` status the operation does not document | maybe | never | never | unavailable |
//! | `401`, `403` | no | never | never | auth |
//! | other 4xx (`400`, `404`…), `200 {success:false}`, 1xx and 3xx statuses; an undecodable body of any other status is read as that status, never retried | no | never | never | refused |
//! | other 5xx and above (`501`, `505`…) | no | never | never | unavailable |
//!
//! A `Retry-After` on a retried answer replaces the backoff (at most
//! [`RetryConfig::with_max_retry_after`](crate::RetryConfig::with_max_retry_after));
//! [`RETRY_AFTER_CEILING`] bounds what is read.

use crate::Operation;
use std::time::{Duration, SystemTime};

/// A failed attempt, as [`classify`] sees it. An [`Error`](crate::Error)
/// from a call says which one ended it ([`Error::failure`](crate::Error::failure)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Failure {
    /// Nothing was sent: the endpoint's pacing slot, or the call's deadline
    /// (while waiting for the slot, or with no time left at all), came first.
    NotSent,
    /// The connection could not be made (refused, DNS, TLS handshake).
    Connect,
    /// No answer within the attempt's time, after the request may have been sent.
    Timeout,
    /// The connection broke after the request was sent (reset, broken
    /// body, an answer that is not HTTP).
    Reset,
    /// An answer with this status that is not a documented success.
    Status(u16),
    /// An answer with this status whose body was over the limit.
    TooLarge(u16),
    /// `200 {success:false}`: the server refused the request.
    Rejected,
    /// An answer whose body could not be decoded, with its status when known.
    Undecodable(Option<u16>),
}

/// Whether a failed request may have been applied by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Applied {
    /// Certainly not applied.
    No,
    /// Maybe applied: repeating it may apply it twice.
    Maybe,
}

/// Whether a failed attempt is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Retry {
    /// For every operation.
    Safe,
    /// For idempotent operations (PUT, DELETE), and for the others only with
    /// [`RetryConfig::with_retry_non_idempotent`](crate::RetryConfig::with_retry_non_idempotent).
    IfIdempotent,
    /// Never: another attempt would get the same answer.
    Never,
}

/// What a failure says about who is to blame, for an exit status or a
/// message: the request, the key, or the service (or the way to it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// The API refused the request (a 4xx other than auth, `success:false`).
    Refused,
    /// The key was not accepted (`401`, `403`).
    Auth,
    /// The service, or the way to it, failed: network, timeout, 5xx, `429`,
    /// an answer that could not be read.
    Unavailable,
}

/// What [`classify`] says about a [`Failure`]: one row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Verdict {
    /// May the request have been applied?
    pub applied: Applied,
    /// Is it retried?
    pub retry: Retry,
    /// Who is to blame.
    pub cause: Cause,
}

impl Verdict {
    const fn new(applied: Applied, retry: Retry, cause: Cause) -> Self {
        Self {
            applied,
            retry,
            cause,
        }
    }

    /// Whether `op` is retried after this failure; `non_idempotent` is
    /// [`RetryConfig::with_retry_non_idempotent`](crate::RetryConfig::with_retry_non_idempotent).
    ///
    /// ```
    /// use vast_api_ext::Operation;
    /// use vast_api_ext::policy::{Failure, classify};
    /// let reset = classify(Failure::Reset);
    /// assert!(reset.retries(Operation::Copy, false));
    /// assert!(!reset.retries(Operation::CloudCopy, false));
    /// assert!(reset.retries(Operation::CloudCopy, true));
    /// ```
    pub const fn retries(&self, op: Operation, non_idempotent: bool) -> bool {
        self.retries_as(op.is_idempotent() || non_idempotent)
    }

    /// Whether an operation is retried after this failure, when repeating
    /// it is safe (`idempotent`) or not: all [`retries`](Self::retries)
    /// reads of the operation, and the docs table's two columns.
    const fn retries_as(&self, idempotent: bool) -> bool {
        match self.retry {
            Retry::Safe => true,
            Retry::IfIdempotent => idempotent,
            Retry::Never => false,
        }
    }
}

/// The table of the module docs, in code.
///
/// ```
/// use vast_api_ext::policy::{Applied, Cause, Failure, Retry, classify};
/// let v = classify(Failure::Status(502));
/// assert_eq!((v.applied, v.retry, v.cause), (Applied::Maybe, Retry::IfIdempotent, Cause::Unavailable));
/// assert_eq!(classify(Failure::Status(501)).retry, Retry::Never);
/// ```
pub const fn classify(failure: Failure) -> Verdict {
    use Applied::{Maybe, No};
    use Cause::{Refused, Unavailable};
    use Retry::{IfIdempotent, Never, Safe};
    match failure {
        Failure::NotSent | Failure::Connect => Verdict::new(No, Safe, Unavailable),
        Failure::Timeout | Failure::Reset => Verdict::new(Maybe, IfIdempotent, Unavailable),
        Failure::Rejected => Verdict::new(No, Never, Refused),
        Failure::Undecodable(None) => Verdict::new(Maybe, Never, Unavailable),
        Failure::Undecodable(Some(status)) => {
            if is_success(status) {
                Verdict::new(Maybe, Never, Unavailable)
            } else {
                Verdict::new(No, Never, status_verdict(status).cause)
            }
        }
        Failure::TooLarge(status) => {
            if is_success(status) {
                Verdict::new(Maybe, IfIdempotent, Unavailable)
            } else {
                let v = status_verdict(status);
                Verdict::new(v.applied, v.retry, Unavailable)
            }
        }
        Failure::Status(status) => status_verdict(status),
    }
}

const fn is_success(status: u16) -> bool {
    status >= 200 && status < 300
}

/// The rows of the table that a bare status falls in.
const fn status_verdict(status: u16) -> Verdict {
    use Applied::{Maybe, No};
    use Cause::{Auth, Refused, Unavailable};
    use Retry::{IfIdempotent, Never, Safe};
    match status {
        408 | 429 | 503 => Verdict::new(No, Safe, Unavailable),
        500 | 502 | 504 => Verdict::new(Maybe, IfIdempotent, Unavailable),
        200..=299 => Verdict::new(Maybe, Never, Unavailable),
        401 | 403 => Verdict::new(No, Never, Auth),
        500.. => Verdict::new(No, Never, Unavailable),
        _ => Verdict::new(No, Never, Refused),
    }
}

/// One row of the retry table ([`TABLE`]): the failures it covers and what
/// [`classify`] says about each of them.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Row {
    failures: &'static str,
    covers: fn(Failure) -> bool,
    verdict: Verdict,
}

impl Row {
    /// The failures of the row, in the words of the table's first column.
    pub const fn failures(&self) -> &'static str {
        self.failures
    }

    /// Whether `failure` is in this row. A `2xx` answer's body over the
    /// limit or undecodable is in a row; a non-2xx one is in none: it is
    /// read as its status (the first column says how).
    pub fn covers(&self, failure: Failure) -> bool {
        (self.covers)(failure)
    }

    /// What [`classify`] says about every failure of the row.
    pub const fn verdict(&self) -> Verdict {
        self.verdict
    }
}

/// The retry table of the [module docs](self), row by row: the data the
/// docs' table is rendered from.
///
/// ```
/// use vast_api_ext::policy::{Failure, TABLE, classify};
/// let row = TABLE.iter().find(|row| row.covers(Failure::Status(502))).unwrap();
/// assert_eq!(row.verdict(), classify(Failure::Status(502)));
/// assert_eq!(row.failures(), "`500`, `502`, `504`");
/// ```
pub const TABLE: &[Row] = {
    use Applied::{Maybe, No};
    use Cause::{Auth, Refused, Unavailable};
    use Retry::{IfIdempotent, Never, Safe};
    const fn row(failures: &'static str, covers: fn(Failure) -> bool, verdict: Verdict) -> Row {
        Row {
            failures,
            covers,
            verdict,
        }
    }
    &[
        row(
            "not sent: the endpoint's pacing slot or the call's deadline came before the first \
             attempt (or no time was left for one)",
            |f| f == Failure::NotSent,
            Verdict::new(No, Safe, Unavailable),
        ),
        row(
            "connection refused, DNS, TLS handshake (connect errors)",
            |f| f == Failure::Connect,
            Verdict::new(No, Safe, Unavailable),
        ),
        row(
            "`429`, `503`, `408`",
            |f| matches!(f, Failure::Status(429 | 503 | 408)),
            Verdict::new(No, Safe, Unavailable),
        ),
        row(
            "timeout or reset after the request was sent",
            |f| matches!(f, Failure::Timeout | Failure::Reset),
            Verdict::new(Maybe, IfIdempotent, Unavailable),
        ),
        row(
            "`500`, `502`, `504`",
            |f| matches!(f, Failure::Status(500 | 502 | 504)),
            Verdict::new(Maybe, IfIdempotent, Unavailable),
        ),
        row(
            "a `2xx` answer over the body limit \
             ([`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes)); a non-2xx \
             one over it is classified by its status, in the other rows, except that its cause \
             is unavailable",
            |f| matches!(f, Failure::TooLarge(s) if is_success(s)),
            Verdict::new(Maybe, IfIdempotent, Unavailable),
        ),
        row(
            "an undecodable `2xx` body or one without a status, a `2xx` status the operation does \
             not document",
            |f| match f {
                Failure::Undecodable(None) => true,
                Failure::Undecodable(Some(s)) | Failure::Status(s) => is_success(s),
                _ => false,
            },
            Verdict::new(Maybe, Never, Unavailable),
        ),
        row(
            "`401`, `403`",
            |f| matches!(f, Failure::Status(401 | 403)),
            Verdict::new(No, Never, Auth),
        ),
        row(
            "other 4xx (`400`, `404`…), `200 {success:false}`, 1xx and 3xx statuses; an \
             undecodable body of any other status is read as that status, never retried",
            |f| match f {
                Failure::Rejected => true,
                Failure::Status(s) => {
                    matches!(s, 100..=199 | 300..=399)
                        || (matches!(s, 400..=499) && !matches!(s, 401 | 403 | 408 | 429))
                }
                _ => false,
            },
            Verdict::new(No, Never, Refused),
        ),
        row(
            "other 5xx and above (`501`, `505`…)",
            |f| matches!(f, Failure::Status(s) if s >= 500 && !matches!(s, 500 | 502 | 503 | 504)),
            Verdict::new(No, Never, Unavailable),
        ),
    ]
};

/// [`TABLE`] as the module docs' Markdown table: one column per operation,
/// its cell "retry", "never", or "**no**" unless opted in.
#[cfg(test)]
fn render_table() -> String {
    // One column per kind of operation, not per operation: the table reads
    // only whether an operation is idempotent (the operation table's
    // `idempotent`, RFC 9110's reading of its method unless it says
    // otherwise), so an operation added to the spec needs no edit here.
    let mut lines = vec![String::from(
        "| failure | may it have been applied? | idempotent (PUT, DELETE) | not idempotent (POST) | cause |",
    )];
    lines.push(format!("|{}", "---|".repeat(5)));
    let mut opt_in_named = false;
    for row in TABLE {
        let v = row.verdict;
        let applied = match v.applied {
            Applied::No => "no",
            Applied::Maybe => "maybe",
        };
        let mut line = format!("| {} | {applied}", row.failures);
        for idempotent in [true, false] {
            let cell = match v.retry {
                Retry::Never => "never",
                _ if v.retries_as(idempotent) => "retry",
                _ if opt_in_named => "**no** (unless opted in)",
                _ => {
                    opt_in_named = true;
                    "**no** (unless [`RetryConfig::with_retry_non_idempotent`](crate::RetryConfig::with_retry_non_idempotent))"
                }
            };
            line.push_str(" | ");
            line.push_str(cell);
        }
        let cause = match v.cause {
            Cause::Refused => "refused",
            Cause::Auth => "auth",
            Cause::Unavailable => "unavailable",
        };
        line.push_str(&format!(" | {cause} |"));
        lines.push(line);
    }
    lines.join("\n")
}

/// The longest `Retry-After` ever read (a day): a larger value, in seconds or
/// as an HTTP-date, is read as this. Waits longer than
/// [`RetryConfig::with_max_retry_after`](crate::RetryConfig::with_max_retry_after)
/// are refused anyway; the ceiling keeps the arithmetic on instants finite.
pub const RETRY_AFTER_CEILING: Duration = Duration::from_secs(24 * 60 * 60);

/// Reads a `Retry-After` value: delta-seconds or an HTTP-date (relative to
/// `now`), at most [`RETRY_AFTER_CEILING`].
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let after = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs.min(RETRY_AFTER_CEILING.as_secs()))
    } else if let Ok(secs) = value.parse::<f64>() {
        if !(secs.is_finite() && secs >= 0.0) {
            return None;
        }
        Duration::from_secs_f64(secs.min(RETRY_AFTER_CEILING.as_secs_f64()))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(after.min(RETRY_AFTER_CEILING))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module docs' table: its `//! |` lines, without the `//! `.
    fn doc_table() -> String {
        include_str!("policy.rs")
            .lines()
            .filter_map(|line| line.strip_prefix("//! "))
            .filter(|line| line.starts_with('|'))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every status `classify` can be given: hyper reads three digits.
    const STATUSES: std::ops::Range<u16> = 100..1000;

    /// Every failure, each status of each kind included.
    fn all_failures() -> Vec<Failure> {
        let mut all = vec![
            Failure::NotSent,
            Failure::Connect,
            Failure::Timeout,
            Failure::Reset,
            Failure::Rejected,
            Failure::Undecodable(None),
        ];
        all.extend(STATUSES.map(Failure::Status));
        all.extend(STATUSES.map(Failure::TooLarge));
        all.extend(STATUSES.map(|s| Failure::Undecodable(Some(s))));
        all
    }

    #[test]
    fn the_docs_table_is_the_table_rendered() {
        let rendered = render_table();
        assert_eq!(
            doc_table(),
            rendered,
            "the module docs' table is not TABLE; paste this:\n{}",
            rendered
                .lines()
                .map(|l| format!("//! {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert_eq!(TABLE.len(), 10, "the table's rows");
    }

    #[test]
    fn every_failure_is_in_one_row_and_classify_says_what_the_row_says() {
        for failure in all_failures() {
            let rows: Vec<&Row> = TABLE.iter().filter(|row| row.covers(failure)).collect();
            // A non-2xx body over the limit or undecodable is read as its
            // status (the next test), in no row of its own.
            let by_clause = matches!(failure,
                Failure::TooLarge(s) | Failure::Undecodable(Some(s)) if !is_success(s));
            if by_clause {
                assert!(rows.is_empty(), "{failure:?} is in {rows:?}");
                continue;
            }
            let [row] = rows.as_slice() else {
                panic!(
                    "{failure:?} is in {} rows of the table: {rows:?}",
                    rows.len()
                );
            };
            assert_eq!(classify(failure), row.verdict(), "{failure:?} in {row:?}");
        }
    }

    #[test]
    fn bodies_over_the_limit_or_undecodable_are_read_as_their_status() {
        for status in STATUSES.filter(|s| !is_success(*s)) {
            let plain = classify(Failure::Status(status));
            let big = classify(Failure::TooLarge(status));
            assert_eq!(
                (big.applied, big.retry, big.cause),
                (plain.applied, plain.retry, Cause::Unavailable),
                "{status}"
            );
            let bad = classify(Failure::Undecodable(Some(status)));
            assert_eq!(
                (bad.applied, bad.retry, bad.cause),
                (Applied::No, Retry::Never, plain.cause),
                "{status}"
            );
        }
    }

    #[test]
    fn nothing_that_may_have_been_applied_is_safe_to_repeat() {
        for failure in all_failures() {
            let v = classify(failure);
            assert!(
                !(v.applied == Applied::Maybe && v.retry == Retry::Safe),
                "{failure:?}: {v:?}"
            );
            // Cloud copy (POST) is never repeated after such a failure.
            if v.applied == Applied::Maybe {
                assert!(!v.retries(Operation::CloudCopy, false), "{failure:?}");
            }
        }
    }

    #[test]
    fn a_huge_retry_after_is_clamped_in_both_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        for value in [
            "18446744073709551615",
            "99999999999999999999",
            "1e300",
            "86401",
        ] {
            assert_eq!(
                parse_retry_after(value, now),
                Some(RETRY_AFTER_CEILING),
                "{value}"
            );
        }
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now),
            Some(RETRY_AFTER_CEILING)
        );
    }

    #[test]
    fn retry_after_reads_both_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }
}
