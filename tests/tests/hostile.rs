//! Hostile answers (issue 10): bodies that never end or lie about their
//! length, a body that drips, a header section without end, each from a
//! server of our own on 127.0.0.1 (`tests::hostile`), against `vast-api-ext`
//! and the raw `vast-api` client, for the three operations.
//!
//! Each test checks the typed error and that the client stopped reading:
//! the server counts the bytes the kernel accepted before the client closed
//! the connection, and stops by itself after [`BOUND`] bytes, so a client
//! that reads on fails the test (`End::Bound`) instead of eating memory.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;
use support::raw::{Raw, raw_call, raw_client};
use support::{KEY, KNOWN, OPS, call};
use tests::hostile::{Answer, End, HostileServer, Served};
use vast_api_ext::clock::VirtualClock;
use vast_api_ext::{Client, Error, ErrorKind, PacingConfig, RetryConfig};
use vast_mock::Operation;

/// The cap (1 MiB, the default).
const CAP: u64 = vast_api::DEFAULT_MAX_BODY_BYTES;

/// What a connection may write before the server gives up on the client.
///
/// A client that stops reading at the cap and closes has taken, at most: the
/// cap; hyper's read buffer (≤ 400 KiB, all of it in the endless-header row);
/// what its kernel had received into the socket's receive buffer; and this
/// server's small send buffer ([`tests::hostile::SEND_BUFFER`], 32 KiB once
/// the kernel doubles it). The receive buffer is the one that can be large:
/// `net.ipv4.tcp_rmem` lets it grow to 32 MiB on the build machine, but it
/// starts at 128 KiB and autotuning grows it with what the application read
/// per round trip, and the client reads at most the 1 MiB cap. Measured:
/// at most 1.3 MB (the cap plus 0.3 MB) per connection, with eight copies of
/// this suite and two CPU hogs on the 2-core machine. 16 MiB leaves more
/// than ten times that slack, so a loaded machine cannot fail a correct
/// client; a client that reads on writes the whole bound (`End::Bound`) and
/// fails, having buffered 16 MiB, not the machine's memory.
const BOUND: u64 = 16 << 20;

/// An attempt timeout far above any of these calls' work, so only the drip
/// row (which sets its own) can time out.
const PATIENT: Duration = Duration::from_secs(30);

/// The connection's account: the client closed it before the bound.
async fn closed_early(server: &mut HostileServer, what: &str) -> Served {
    let served = server.next_served().await;
    assert_eq!(
        served.end,
        End::ClientClosed,
        "{what}: the client read on ({served:?})"
    );
    assert!(served.written < BOUND, "{what}: {served:?}");
    eprintln!("{what}: {} bytes written", served.written);
    served
}

/// Every operation, through `vast-api-ext` and the raw client, against
/// `answer`; `ext` and `raw` check the typed results.
async fn each_client(
    answer: Answer,
    timeout: Duration,
    ext: impl Fn(Operation, &Error),
    raw: impl Fn(Operation, &Raw, &vast_api::Observation),
) -> Vec<Served> {
    let mut server = HostileServer::start(vec![answer], BOUND).await.unwrap();
    let client = unpaced(&server.uri(), timeout, PATIENT);
    let raw_client = raw_client(&server.uri(), timeout);
    let mut served = Vec::new();
    for op in OPS {
        let error = call(&client, op, KNOWN, 1).await.unwrap_err();
        ext(op, &error);
        assert_eq!(error.attempts(), 1, "{op:?}: {error:?}");
        served.push(closed_early(&mut server, &format!("ext {op:?}")).await);
        let (end, seen) = raw_call(&raw_client, op).await;
        raw(op, &end, &seen);
        served.push(closed_early(&mut server, &format!("raw {op:?}")).await);
    }
    served
}

/// A client with retries and pacing off (one attempt; nothing waits).
fn unpaced(uri: &str, timeout: Duration, deadline: Duration) -> Client {
    support::builder(uri, RetryConfig::disabled(), timeout, deadline)
        .pacing(PacingConfig::disabled())
        .build()
        .unwrap()
}

fn too_large(error: &Error) -> (u16, u64, Option<u64>) {
    match error.kind() {
        ErrorKind::ResponseTooLarge {
            status,
            limit,
            declared,
        } => (*status, *limit, *declared),
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn a_2_gib_content_length_is_refused_before_reading() {
    let served = each_client(
        Answer::two_gib(),
        PATIENT,
        |op, e| {
            assert_eq!(too_large(e), (200, CAP, Some(2 << 30)), "{op:?}");
            assert!(e.may_have_been_applied(), "{op:?}");
            let text = e.to_string();
            assert!(
                text.contains("1048576-byte limit") && text.contains("(200)"),
                "{text}"
            );
        },
        |op, end, seen| {
            let Raw::TooLarge(big) = end else {
                panic!("{op:?}: {end:?}")
            };
            assert_eq!((big.status.as_u16(), big.limit), (200, CAP));
            assert_eq!(big.declared, Some(2 << 30));
            // Not one byte of the body was read.
            assert_eq!(seen.status().map(|s| s.as_u16()), Some(200));
            assert_eq!((seen.body_len(), seen.is_complete()), (0, false));
        },
    )
    .await;
    // Each operation, by the extended and by the raw client.
    assert_eq!(served.len(), 2 * vast_mock::Operation::COUNT);
}

#[tokio::test]
async fn an_endless_chunked_200_is_cut_at_the_cap() {
    each_client(
        Answer::endless(200),
        PATIENT,
        |op, e| {
            assert_eq!(too_large(e), (200, CAP, None), "{op:?}");
            assert!(e.may_have_been_applied() && e.is_retryable(), "{op:?}");
        },
        |op, end, seen| {
            let Raw::TooLarge(big) = end else {
                panic!("{op:?}: {end:?}")
            };
            assert_eq!(
                (big.status.as_u16(), big.limit, big.declared),
                (200, CAP, None)
            );
            // Read up to the cap exactly, and no further.
            assert_eq!((seen.body_len(), seen.is_complete()), (CAP, false));
            assert!(seen.chunks().len() > 1, "kept as received, not copied");
        },
    )
    .await;
}

#[tokio::test]
async fn an_endless_chunked_500_is_cut_at_the_cap() {
    each_client(
        Answer::endless(500),
        PATIENT,
        |op, e| {
            assert_eq!(too_large(e), (500, CAP, None), "{op:?}");
            assert_eq!(e.status(), Some(500));
            // Classified as its status: a 500 may have been applied.
            assert!(e.may_have_been_applied() && e.is_retryable(), "{op:?}");
        },
        |op, end, seen| {
            let Raw::TooLarge(big) = end else {
                panic!("{op:?}: {end:?}")
            };
            assert_eq!((big.status.as_u16(), big.declared), (500, None));
            assert_eq!(seen.status().map(|s| s.as_u16()), Some(500));
            assert_eq!(seen.body_len(), CAP);
        },
    )
    .await;
}

/// The drip row's server: a byte every 10 ms, 400 of them (4 s: far past
/// the 500 ms timeouts below; if the client waited them all out, the body
/// would end and the call would fail to decode, not time out).
fn drip() -> Answer {
    Answer::Drip {
        every: Duration::from_millis(10),
        len: 400,
    }
}

#[tokio::test]
async fn a_dripping_body_ends_at_the_attempt_timeout() {
    each_client(
        drip(),
        Duration::from_millis(500),
        |op, e| assert!(matches!(e.kind(), ErrorKind::Timeout), "{op:?}: {e:?}"),
        |op, end, seen| {
            assert!(matches!(end, Raw::Timeout), "{op:?}: {end:?}");
            assert!(!seen.is_complete());
        },
    )
    .await;
}

#[tokio::test]
async fn a_dripping_body_ends_at_the_call_deadline() {
    let mut server = HostileServer::start(vec![drip()], BOUND).await.unwrap();
    // The attempt timeout is patient; the call's deadline is not.
    let client = unpaced(&server.uri(), PATIENT, Duration::from_millis(500));
    for op in OPS {
        let error = call(&client, op, KNOWN, 1).await.unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::Timeout),
            "{op:?}: {error:?}"
        );
        assert_eq!(error.attempts(), 1, "{op:?}");
        closed_early(&mut server, &format!("{op:?}")).await;
    }
}

#[tokio::test]
async fn an_endless_header_section_is_refused() {
    each_client(
        Answer::EndlessHeaders,
        PATIENT,
        |op, e| {
            assert!(
                matches!(e.kind(), ErrorKind::Transport { sent: true, .. }),
                "{op:?}: {e:?}"
            )
        },
        |op, end, seen| {
            assert!(matches!(end, Raw::Communication), "{op:?}: {end:?}");
            assert_eq!(seen.status(), None, "no answer was received");
        },
    )
    .await;
}

/// A client with the standard retries on a virtual clock (its attempts are
/// answered at once: no timer needs to fire).
fn retrying(uri: &str, clock: &Arc<VirtualClock>, opt_in: bool) -> Client {
    let retry = RetryConfig::standard().with_retry_non_idempotent(opt_in);
    support::builder(uri, retry, PATIENT, Duration::from_secs(300))
        .clock(clock.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_503_or_429_over_the_cap_is_retried_as_a_503_or_429_and_a_429_paces() {
    for (status, retry_after) in [(503, "0"), (429, "7")] {
        for op in OPS {
            let first = Answer::EndlessChunked {
                status,
                retry_after: Some(retry_after.into()),
            };
            let answers = vec![first, Answer::ok(), Answer::ok()];
            let mut server = HostileServer::start(answers, BOUND).await.unwrap();
            let clock = Arc::new(VirtualClock::new());
            let client = retrying(&server.uri(), &clock, false);
            let attempts = call(&client, op, KNOWN, 1).await;
            assert_eq!(attempts.unwrap(), 2, "{status} {op:?}");
            closed_early(&mut server, &format!("{status} {op:?}")).await;
            assert_eq!(server.next_served().await.end, End::Done);
            if status == 429 {
                // Its `Retry-After` was read from the headers.
                assert!(
                    clock.sleeps().contains(&Duration::from_secs(7)),
                    "{:?}",
                    clock.sleeps()
                );
            }
            // A 429 paces the endpoint, whatever the size of its body: the
            // next call waits for its turn. A 503 does not.
            let waits_before = clock.sleeps().len();
            assert_eq!(call(&client, op, KNOWN, 1).await.unwrap(), 1);
            assert_eq!(server.next_served().await.end, End::Done);
            let paced = clock.sleeps().len() > waits_before;
            assert_eq!(
                paced,
                status == 429,
                "{status} {op:?}: {:?}",
                clock.sleeps()
            );
        }
    }
}

#[tokio::test]
async fn a_200_over_the_cap_is_never_repeated_for_cloud_copy() {
    for op in OPS {
        for opt_in in [false, true] {
            let mut server = HostileServer::start(vec![Answer::endless(200), Answer::ok()], BOUND)
                .await
                .unwrap();
            let clock = Arc::new(VirtualClock::new());
            let client = retrying(&server.uri(), &clock, opt_in);
            let result = call(&client, op, KNOWN, 1).await;
            closed_early(&mut server, &format!("{op:?}")).await;
            if op == Operation::CloudCopy && !opt_in {
                let error = result.unwrap_err();
                assert_eq!(too_large(&error).0, 200);
                assert_eq!(error.attempts(), 1);
                assert!(error.may_have_been_applied());
                assert!(
                    error.to_string().contains("may have been applied"),
                    "{error}"
                );
            } else {
                assert_eq!(result.unwrap(), 2, "{op:?} opted in: {opt_in}");
                assert_eq!(server.next_served().await.end, End::Done);
            }
        }
    }
}

#[tokio::test]
async fn the_cap_is_the_exact_limit_for_ext_and_raw_clients() {
    let len = tests::hostile::OK_BODY.len() as u64;
    for answer in [Answer::ok(), Answer::ok_chunked()] {
        let declared = (answer == Answer::ok()).then_some(len);
        let mut server = HostileServer::start(vec![answer.clone()], BOUND)
            .await
            .unwrap();
        for (limit, fits) in [(len, true), (len - 1, false)] {
            let client = Client::builder()
                .api_key(KEY)
                .base_url(server.uri())
                .retry(RetryConfig::disabled())
                .pacing(PacingConfig::disabled())
                .max_body_bytes(limit)
                .build()
                .unwrap();
            let raw = raw_client(&server.uri(), PATIENT).with_max_body_bytes(limit);
            assert_eq!(raw.limits().max_body_bytes(), limit);
            for op in OPS {
                let ext = call(&client, op, KNOWN, 1).await;
                let (raw_end, seen) = raw_call(&raw, op).await;
                if fits {
                    assert_eq!(ext.unwrap(), 1, "{answer:?} {op:?}");
                    assert!(matches!(raw_end, Raw::Ok), "{raw_end:?}");
                    assert_eq!(&seen.body()[..], tests::hostile::OK_BODY);
                    assert!(seen.is_complete());
                } else {
                    let error = ext.unwrap_err();
                    assert_eq!(too_large(&error), (200, limit, declared), "{answer:?}");
                    let Raw::TooLarge(big) = raw_end else {
                        panic!("{raw_end:?}")
                    };
                    assert_eq!((big.limit, big.declared), (limit, declared));
                    // The chunked body is cut at the limit: what was read is
                    // its first `limit` bytes.
                    let read = if declared.is_some() { 0 } else { limit };
                    assert_eq!(seen.body_len(), read);
                    assert_eq!(&seen.body()[..], &tests::hostile::OK_BODY[..read as usize]);
                }
                for _ in 0..2 {
                    let _ = server.next_served().await;
                }
            }
        }
    }
}
