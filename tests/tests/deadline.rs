//! The call's deadline in virtual time (issue 11): against a server on
//! 127.0.0.1 that reads each request and never answers, a client with the
//! default limits (120 s per attempt, 300 s per call) and the standard
//! retries runs on a `VirtualClock`. Every time limit is the clock's, so the
//! test moves virtual time to each attempt's timer once the server has the
//! request, and the whole 300 s run takes milliseconds: no real sleep, no
//! timing assert. What is asserted is the error, the attempts, the timers
//! the call set, its waits and the virtual time it took.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;
use support::{KEY, KNOWN, OPS, call};
use tests::hostile::{Answer, HostileServer};
use vast_api_ext::clock::VirtualClock;
use vast_api_ext::{
    Client, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_DEADLINE, ErrorKind, NotSent, Operation,
};

/// What a silent connection may still read from the client.
const BOUND: u64 = 1 << 20;
/// Turns a hang into a failure.
const HANG: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_server_that_never_answers_ends_the_call_at_its_deadline_in_virtual_time() {
    assert_eq!(
        (DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_DEADLINE),
        (Duration::from_secs(120), Duration::from_secs(300))
    );
    let s = Duration::from_secs;
    let mut server = HostileServer::start(vec![Answer::Silent], BOUND)
        .await
        .unwrap();
    for op in OPS {
        let clock = Arc::new(VirtualClock::new());
        // The defaults: standard retries, 120 s per attempt, 300 s per
        // call; no jitter, so the backoffs are 1 s and 2 s.
        let client = Client::builder()
            .api_key(KEY)
            .base_url(server.uri())
            .clock(clock.clone())
            .rng(|| 1.0)
            .build()
            .unwrap();
        let mut task = tokio::spawn(async move { call(&client, op, KNOWN, 1).await });
        // Each time the server has a request, the attempt is waiting on its
        // timer: move virtual time to it.
        let mut timers = Vec::new();
        let run = async {
            loop {
                tokio::select! {
                    biased;
                    done = &mut task => break done.unwrap(),
                    () = server.next_request() => timers.push(clock.advance_to_next_timer().await),
                }
            }
        };
        // Real time only bounds a hang (a limit not on the clock would wait
        // 120 real seconds): it is no timing assert.
        let result = tokio::time::timeout(HANG, run)
            .await
            .expect("the call waited in real time");
        let error = result.unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::Timeout),
            "{op}: {error:?}"
        );
        assert!(
            error.may_have_been_applied() && error.is_retryable(),
            "{op}"
        );
        if op.is_idempotent() {
            // 120 s, a 1 s backoff, 120 s, a 2 s backoff, and the last
            // attempt gets what is left of the deadline: 57 s.
            assert_eq!(error.attempts(), 3, "{op}");
            assert_eq!(timers, [s(120), s(120), s(57)], "{op}");
            assert_eq!(clock.sleeps(), [s(1), s(2)], "{op}");
            assert_eq!(clock.elapsed(), DEFAULT_DEADLINE, "{op}");
            assert_eq!(
                error.to_string(),
                format!("{op} timed out (after 3 attempts)")
            );
        } else {
            // A cloud copy that timed out may have started: not repeated.
            assert_eq!(op, Operation::CloudCopy);
            assert_eq!(error.attempts(), 1);
            assert_eq!(timers, [s(120)]);
            assert!(clock.sleeps().is_empty());
            assert_eq!(clock.elapsed(), DEFAULT_ATTEMPT_TIMEOUT);
        }
        assert_eq!(clock.pending_timers(), 0, "{op}: a timer outlived its call");
    }
}

#[tokio::test]
async fn no_time_left_sends_nothing_and_says_so() {
    let mock = vast_mock::MockServer::start().await.unwrap();
    for (timeout, deadline) in [
        (Duration::ZERO, DEFAULT_DEADLINE),
        (DEFAULT_ATTEMPT_TIMEOUT, Duration::ZERO),
    ] {
        let client = support::client(
            &mock.uri(),
            vast_api_ext::RetryConfig::standard(),
            timeout,
            deadline,
        );
        for op in OPS {
            let error = call(&client, op, KNOWN, 1).await.unwrap_err();
            let what = format!("{op}, timeout {timeout:?}, deadline {deadline:?}");
            assert!(
                matches!(error.kind(), ErrorKind::NotSent(NotSent::NoTimeLeft)),
                "{what}: {error:?}"
            );
            // Not even one attempt: nothing can have been applied.
            assert_eq!(error.attempts(), 0, "{what}");
            assert!(!error.may_have_been_applied(), "{what}");
            assert_eq!(
                error.to_string(),
                format!("{op} timed out before it was sent (no time was left for an attempt)")
            );
        }
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}
