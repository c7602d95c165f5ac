//! The retry policy: what a failed attempt means, as one table. Pure: no
//! I/O, no clock, no state.
//!
//! # What a failed attempt means
//!
//! This is the one classification table. [`classify`] is its code, and a
//! unit test reads the rows below and checks each against `classify`, so the
//! two cannot drift apart. Everything else is derived from it: whether the
//! client retries ([`Verdict::retries`]), [`Error::is_retryable`](crate::Error::is_retryable),
//! [`Error::may_have_been_applied`](crate::Error::may_have_been_applied), and
//! the `vast` tool's exit status (the last column: 1 refused, 3 auth, 4
//! unavailable).
//!
//! | failure | may it have been applied? | copy (PUT) | cloud copy (POST) | cancel sync (DELETE) | cause |
//! |---|---|---|---|---|---|
//! | not sent: the endpoint's pacing slot or the call's deadline came before the first attempt (or no time was left for one) | no | retry | retry | retry | unavailable |
//! | connection refused, DNS, TLS handshake (connect errors) | no | retry | retry | retry | unavailable |
//! | `429`, `503`, `408` | no | retry | retry | retry | unavailable |
//! | timeout or reset after the request was sent | maybe | retry | **no** (unless [`RetryConfig::with_retry_non_idempotent`](crate::RetryConfig::with_retry_non_idempotent)) | retry | unavailable |
//! | `500`, `502`, `504` | maybe | retry | **no** (unless opted in) | retry | unavailable |
//! | a `2xx` answer over the body limit ([`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes)); a non-2xx one over it is classified by its status, in the other rows, except that its cause is unavailable | maybe | retry | **no** (unless opted in) | retry | unavailable |
//! | an undecodable `2xx` body or one without a status, a `2xx` status the operation does not document | maybe | never | never | never | unavailable |
//! | `401`, `403` | no | never | never | never | auth |
//! | other 4xx (`400`, `404`…), `200 {success:false}`, 1xx and 3xx statuses; an undecodable body of any other status is read as that status, never retried | no | never | never | never | refused |
//! | other 5xx and above (`501`, `505`…) | no | never | never | never | unavailable |
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
        match self.retry {
            Retry::Safe => true,
            Retry::IfIdempotent => op.is_idempotent() || non_idempotent,
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

    /// The rows of the module docs' table (each cell of a `//! |` line),
    /// the header row first, without the separator row.
    fn doc_rows() -> Vec<Vec<String>> {
        include_str!("policy.rs")
            .lines()
            .filter_map(|line| line.strip_prefix("//! |"))
            .map(|row| {
                row.trim_end_matches('|')
                    .split('|')
                    .map(|cell| cell.trim().to_owned())
                    .collect::<Vec<_>>()
            })
            .filter(|cells| !cells[0].starts_with("---"))
            .collect()
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

    /// The failures a row's first cell names: every status in backticks,
    /// and the classes it names in words. `other` stands for every status
    /// of its class that no other row names.
    fn named_failures(cell: &str, explicit: &[u16]) -> Vec<Failure> {
        let mut failures = Vec::new();
        for (i, part) in cell.split('`').enumerate() {
            if i % 2 == 1
                && let Ok(code) = part.parse::<u16>()
            {
                failures.push(Failure::Status(code));
            }
        }
        let mut class = |phrase: &str, found: &mut dyn FnMut(&mut Vec<Failure>)| {
            if cell.contains(phrase) {
                found(&mut failures);
            }
        };
        class("not sent", &mut |f| f.push(Failure::NotSent));
        class("connect errors", &mut |f| f.push(Failure::Connect));
        class("timeout or reset after the request was sent", &mut |f| {
            f.extend([Failure::Timeout, Failure::Reset])
        });
        class("`2xx` answer over the body limit", &mut |f| {
            f.extend((200..300).map(Failure::TooLarge))
        });
        class("undecodable `2xx` body or one without a status", &mut |f| {
            f.push(Failure::Undecodable(None));
            f.extend((200..300).map(|s| Failure::Undecodable(Some(s))));
        });
        class("`2xx` status the operation does not document", &mut |f| {
            f.extend((200..300).map(Failure::Status))
        });
        class("`200 {success:false}`", &mut |f| f.push(Failure::Rejected));
        class("1xx and 3xx", &mut |f| {
            f.extend((100..200).chain(300..400).map(Failure::Status))
        });
        class("other 4xx", &mut |f| {
            f.extend(
                (400..500)
                    .filter(|c| !explicit.contains(c))
                    .map(Failure::Status),
            )
        });
        class("other 5xx and above", &mut |f| {
            f.extend(
                STATUSES
                    .filter(|c| *c >= 500 && !explicit.contains(c))
                    .map(Failure::Status),
            )
        });
        // The "other" rows' examples (`400`…) are also in their ranges.
        let mut unique = Vec::new();
        for failure in failures {
            if !unique.contains(&failure) {
                unique.push(failure);
            }
        }
        unique
    }

    #[test]
    fn the_table_matches_the_docs() {
        let rows = doc_rows();
        let (header, rows) = rows.split_first().unwrap();
        assert_eq!(rows.len(), 10, "the table's rows: {rows:?}");
        // One column per operation, named `<name> (<METHOD>)`, in any order:
        // a new operation needs its column.
        let columns: Vec<(Operation, usize)> = Operation::ALL
            .iter()
            .map(|op| {
                let title = format!("{} ({})", op.name(), op.method());
                let at = header.iter().position(|h| *h == title);
                (*op, at.unwrap_or_else(|| panic!("no column `{title}`")))
            })
            .collect();
        assert_eq!(header.len(), 3 + Operation::COUNT, "{header:?}");
        let cause_column = header.len() - 1;
        // Statuses a row names in backticks, except the "other" rows' examples.
        let explicit: Vec<u16> = rows
            .iter()
            .filter(|r| !r[0].contains("other"))
            .flat_map(|r| named_failures(&r[0], &[]))
            .filter_map(|f| match f {
                Failure::Status(c) => Some(c),
                _ => None,
            })
            .collect();
        let mut covered = Vec::new();
        for row in rows {
            assert_eq!(row.len(), header.len(), "{row:?}");
            let applied = match row[1].as_str() {
                "no" => Applied::No,
                "maybe" => Applied::Maybe,
                other => panic!("unknown \"applied?\" cell {other:?} in {row:?}"),
            };
            let cause = match row[cause_column].as_str() {
                "refused" => Cause::Refused,
                "auth" => Cause::Auth,
                "unavailable" => Cause::Unavailable,
                other => panic!("unknown cause {other:?} in {row:?}"),
            };
            let failures = named_failures(&row[0], &explicit);
            assert!(!failures.is_empty(), "a row names no failure: {row:?}");
            for failure in failures {
                let verdict = classify(failure);
                assert_eq!(verdict.applied, applied, "{failure:?} in {row:?}");
                assert_eq!(verdict.cause, cause, "{failure:?} in {row:?}");
                for (op, column) in &columns {
                    let cell = &row[*column];
                    let (retried, opted_in) = if cell == "retry" {
                        (true, true)
                    } else if cell.starts_with("**no**") && cell.contains("unless") {
                        (false, true)
                    } else if cell == "never" {
                        (false, false)
                    } else {
                        panic!("unknown cell {cell:?} in {row:?}")
                    };
                    assert_eq!(verdict.retries(*op, false), retried, "{op} {row:?}");
                    assert_eq!(verdict.retries(*op, true), opted_in, "{op} {row:?}");
                }
                covered.push(failure);
            }
        }
        // Every failure is in at most one row; the clauses tested below
        // cover the rest (non-2xx bodies over the limit or undecodable).
        for failure in all_failures() {
            let n = covered.iter().filter(|f| **f == failure).count();
            let by_clause = matches!(failure,
                Failure::TooLarge(s) | Failure::Undecodable(Some(s)) if !is_success(s));
            assert_eq!(
                n,
                usize::from(!by_clause),
                "{failure:?} is in {n} rows of the table"
            );
        }
    }

    #[test]
    fn bodies_over_the_limit_or_undecodable_are_read_as_their_status() {
        let rows = doc_rows();
        let over = rows
            .iter()
            .find(|r| r[0].contains("over the body limit"))
            .unwrap();
        assert!(over[0].contains(
            "a non-2xx one over it is classified by its status, in the other rows, except that \
             its cause is unavailable"
        ));
        let undecodable = rows.iter().find(|r| r[0].contains("other 4xx")).unwrap();
        assert!(undecodable[0].contains(
            "an undecodable body of any other status is read as that status, never retried"
        ));
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
