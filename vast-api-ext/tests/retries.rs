//! The retry engine on a virtual clock against local servers: which failures
//! are retried for which operation, backoff and `Retry-After` waits, the
//! shared quota, pacing across clones, deadlines and cancellation.
#![allow(clippy::unwrap_used)]

mod common;

use common::{client_on, failing_then_ok, mock, on_clock, virtual_retry};
use serde_json::json;
use std::time::Duration;
use vast_api_ext::{
    Client, CloudCopy, ErrorKind, InstanceId, Location, NotSent, PacingConfig, RetryConfig,
    Transfer,
};
use vast_mock::{Fault, MockServer, Operation, When};

const SECOND: Duration = Duration::from_secs(1);

async fn requests(server: &MockServer) -> usize {
    server.requests().len()
}

/// Returns once `server` has received `n` requests (yielding to the call's
/// task in between: virtual time must not move before the request is out).
async fn received(server: &MockServer, n: usize) {
    while requests(server).await < n {
        tokio::task::yield_now().await;
    }
}

fn locations() -> (Location, Location) {
    ("C.1:/a".parse().unwrap(), "C.2:/b".parse().unwrap())
}

fn upload() -> CloudCopy {
    CloudCopy::new(InstanceId::new(1).unwrap(), 2u64, Transfer::InstanceToCloud).src("/a")
}

#[tokio::test]
async fn a_429_then_200_takes_two_attempts_and_waits_retry_after() {
    let server = failing_then_ok(
        Fault::text(429, "API requests too frequent").with_header("retry-after", "3"),
        1,
    )
    .await;
    let (retry, clock) = virtual_retry();
    let outcome = client_on(&server, retry, &clock)
        .cloud_copy(&upload())
        .await
        .unwrap();
    assert_eq!(outcome.attempts, 2);
    assert_eq!(requests(&server).await, 2);
    assert_eq!(clock.sleeps(), [3 * SECOND]);
}

#[tokio::test]
async fn a_429_with_an_http_date_waits_until_then() {
    let (retry, clock) = virtual_retry();
    let at = httpdate::fmt_http_date(clock_wall(&clock) + 5 * SECOND);
    let server =
        failing_then_ok(Fault::empty(429).with_header("retry-after", at.as_str()), 1).await;
    let outcome = client_on(&server, retry, &clock)
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap();
    assert_eq!(outcome.attempts, 2);
    let waited = clock.sleeps()[0];
    assert!(waited > 4 * SECOND && waited <= 5 * SECOND, "{waited:?}");
}

fn clock_wall(clock: &vast_api_ext::clock::VirtualClock) -> std::time::SystemTime {
    use vast_api_ext::clock::Clock;
    clock.system_now()
}

#[tokio::test]
async fn a_retry_after_longer_than_the_maximum_ends_the_call() {
    let server = failing_then_ok(Fault::empty(429).with_header("retry-after", "120"), 1).await;
    let (retry, clock) = virtual_retry();
    let err = client_on(&server, retry, &clock)
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::RateLimited { retry_after: Some(d), .. } if *d == 120 * SECOND
    ));
    assert_eq!(err.attempts(), 1);
    assert_eq!(requests(&server).await, 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn cloud_copy_is_never_retried_after_a_502() {
    let server = failing_then_ok(Fault::empty(502), 5).await;
    let (retry, clock) = virtual_retry();
    let err = client_on(&server, retry, &clock)
        .cloud_copy(&upload())
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Api { status: 502, .. }));
    assert_eq!(err.attempts(), 1);
    assert_eq!(requests(&server).await, 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn cloud_copy_is_retried_after_a_503_which_was_not_applied() {
    let server = failing_then_ok(Fault::empty(503), 1).await;
    let (retry, clock) = virtual_retry();
    let outcome = client_on(&server, retry, &clock)
        .cloud_copy(&upload())
        .await
        .unwrap();
    assert_eq!(outcome.attempts, 2);
}

#[tokio::test]
async fn cloud_copy_502_is_retried_only_with_the_explicit_opt_in() {
    let server = failing_then_ok(Fault::empty(502), 1).await;
    let (retry, clock) = virtual_retry();
    let outcome = client_on(&server, retry.with_retry_non_idempotent(true), &clock)
        .cloud_copy(&upload())
        .await
        .unwrap();
    assert_eq!(outcome.attempts, 2);
}

#[tokio::test]
async fn copy_put_is_retried_after_502_with_full_backoff() {
    let server = failing_then_ok(Fault::empty(502), 2).await;
    let (retry, clock) = virtual_retry();
    let (src, dst) = locations();
    let outcome = client_on(&server, retry, &clock)
        .copy(&src, &dst)
        .await
        .unwrap();
    assert_eq!(outcome.attempts, 3);
    assert_eq!(requests(&server).await, 3);
    assert_eq!(clock.sleeps(), [SECOND, 2 * SECOND]);
}

#[tokio::test]
async fn cancel_sync_gives_up_after_max_attempts() {
    let server = failing_then_ok(Fault::empty(500), 10).await;
    let (retry, clock) = virtual_retry();
    let err = client_on(&server, retry, &clock)
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Api { status: 500, .. }));
    assert_eq!(err.attempts(), 3);
    assert!(err.to_string().ends_with("(after 3 attempts)"), "{err}");
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for status in [400, 401, 403, 404, 409] {
        let server = failing_then_ok(
            Fault::json(
                status,
                json!({"success": false, "error": "invalid_args", "msg": "no"}),
            ),
            5,
        )
        .await;
        let (retry, clock) = virtual_retry();
        let err = client_on(&server, retry, &clock)
            .cancel_sync(InstanceId::new(1).unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.attempts(), 1, "{status}");
        assert_eq!(requests(&server).await, 1, "{status}");
    }
}

#[tokio::test]
async fn success_false_and_bad_json_are_not_retried() {
    for answer in [
        Fault::json(200, json!({"success": false, "msg": "no"})),
        Fault::text(200, "{"),
    ] {
        let server = failing_then_ok(answer, 5).await;
        let (retry, clock) = virtual_retry();
        let (src, dst) = locations();
        let err = client_on(&server, retry, &clock)
            .copy(&src, &dst)
            .await
            .unwrap_err();
        assert_eq!(err.attempts(), 1);
        assert_eq!(requests(&server).await, 1);
    }
}

#[tokio::test]
async fn an_exhausted_quota_stops_retries_for_every_clone() {
    let server = failing_then_ok(Fault::empty(503), 100).await;
    let (retry, clock) = virtual_retry();
    // Room for exactly one retry.
    let client = client_on(&server, retry.with_quota(5, 5, 10), &clock);
    let clone = client.clone();
    let first = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert_eq!(first.attempts(), 2);
    assert_eq!(client.retry_quota_left(), 0);
    let second = clone
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert_eq!(second.attempts(), 1);
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn a_success_refunds_the_retry_tokens() {
    let server = failing_then_ok(Fault::empty(503), 1).await;
    let (retry, clock) = virtual_retry();
    let client = client_on(&server, retry, &clock);
    assert_eq!(client.retry_quota_left(), 500);
    client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap();
    assert_eq!(client.retry_quota_left(), 500);
}

#[tokio::test]
async fn a_wait_that_would_cross_the_deadline_is_not_started() {
    let server = failing_then_ok(Fault::empty(502), 10).await;
    let (retry, clock) = virtual_retry();
    let client = on_clock(Client::builder(), &clock)
        .api_key(common::KEY)
        .base_url(server.uri())
        .deadline(Duration::from_millis(2500))
        .retry(retry)
        .build()
        .unwrap();
    let (src, dst) = locations();
    let err = client.copy(&src, &dst).await.unwrap_err();
    // Waits 1 s, then a 2 s wait would end after 2.5 s: stop after 2 attempts.
    assert_eq!(err.attempts(), 2);
    assert_eq!(clock.sleeps(), [SECOND]);
    assert!(clock.elapsed() <= Duration::from_millis(2500));
}

#[tokio::test]
async fn timeouts_are_retried_for_put_but_not_post() {
    // The mock's own answers, 30 s late: the first copy's, every cloud copy's.
    let slow = Fault::DelayHeaders(Duration::from_secs(30));
    let server = mock().await;
    server.fault(Operation::Copy, When::Nth(1), slow.clone());
    server.fault(Operation::CloudCopy, When::Always, slow);
    let (retry, clock) = virtual_retry();
    let client = on_clock(Client::builder(), &clock)
        .api_key(common::KEY)
        .base_url(server.uri())
        .timeout(Duration::from_millis(100))
        .retry(retry)
        .build()
        .unwrap();
    // The attempt timeout is the virtual clock's: each call runs in a task,
    // and once the server has the request the test moves virtual time to
    // the attempt's timer.
    let (src, dst) = locations();
    let copy = tokio::spawn({
        let client = client.clone();
        async move { client.copy(&src, &dst).await }
    });
    received(&server, 1).await;
    assert_eq!(
        clock.advance_to_next_timer().await,
        Duration::from_millis(100)
    );
    let outcome = copy.await.unwrap().unwrap();
    assert_eq!(outcome.attempts, 2);
    assert_eq!(clock.sleeps(), [SECOND], "the backoff before the retry");
    assert_eq!(client.retry_quota_left(), 500, "refunded after success");
    let cloud = tokio::spawn({
        let client = client.clone();
        async move { client.cloud_copy(&upload()).await }
    });
    received(&server, 3).await;
    assert_eq!(
        clock.advance_to_next_timer().await,
        Duration::from_millis(100)
    );
    let err = cloud.await.unwrap().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Timeout));
    assert_eq!(err.attempts(), 1);
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn turning_retries_off_leaves_the_pacing_alone() {
    for (pacing, paced) in [
        (PacingConfig::standard(), true),
        (PacingConfig::disabled(), false),
    ] {
        let server = failing_then_ok(Fault::empty(429), 1).await;
        let (_, clock) = virtual_retry();
        let client = on_clock(common::builder(&server), &clock)
            .retry(RetryConfig::disabled())
            .pacing(pacing)
            .build()
            .unwrap();
        let err = client
            .cancel_sync(InstanceId::new(1).unwrap())
            .await
            .unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::RateLimited { .. }));
        assert_eq!(err.attempts(), 1, "no retry");
        // The 429 engaged the endpoint's pacing unless it is off: the next
        // call waits for its turn (1 s, the standard interval).
        assert_eq!(
            client
                .cancel_sync(InstanceId::new(1).unwrap())
                .await
                .unwrap()
                .attempts,
            1
        );
        let waited = clock.sleeps() == [SECOND];
        assert_eq!(waited, paced, "{:?}", clock.sleeps());
    }
}

#[tokio::test]
async fn after_a_429_clones_space_requests_to_that_endpoint_only() {
    let server = mock().await;
    server.fault(
        Operation::CloudCopy,
        When::Nth(1),
        Fault::empty(429).with_header("retry-after", "2"),
    );
    let (retry, clock) = virtual_retry();
    let client = client_on(&server, retry.with_max_attempts(1), &clock);
    let err = client.cloud_copy(&upload()).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::RateLimited { .. }));
    // Another endpoint is not held back.
    client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap();
    assert!(clock.sleeps().is_empty());
    // A clone waits out the Retry-After before the next cloud copy, then
    // keeps spacing by the pacing interval (1 s).
    let clone = client.clone();
    clone.cloud_copy(&upload()).await.unwrap();
    clone.cloud_copy(&upload()).await.unwrap();
    assert_eq!(clock.sleeps(), [2 * SECOND, SECOND]);
    assert_eq!(requests(&server).await, 4);
}

#[tokio::test]
async fn a_pacing_slot_after_the_deadline_is_not_waited_for() {
    let server = failing_then_ok(Fault::empty(429).with_header("retry-after", "2"), 1).await;
    let (retry, clock) = virtual_retry();
    let client = on_clock(Client::builder(), &clock)
        .api_key(common::KEY)
        .base_url(server.uri())
        .deadline(SECOND)
        .retry(retry.with_max_attempts(1))
        .build()
        .unwrap();
    let first = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(first.kind(), ErrorKind::RateLimited { .. }));
    // The next slot is 2 s away, past the 1 s deadline: no request, no wait,
    // and the error says so rather than "timed out".
    let err = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::NotSent(NotSent::Paced { next_turn }) if *next_turn == 2 * SECOND
        ),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 0);
    assert_eq!(
        err.to_string(),
        "cancel sync was not sent: the client is pacing this endpoint after a 429, and its next \
         turn (in 2 s) is after the call's deadline"
    );
    assert_eq!(err.status(), None, "no answer");
    assert!(!err.may_have_been_applied());
    assert!(err.is_retryable());
    assert_eq!(requests(&server).await, 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_huge_retry_after_neither_panics_nor_blocks_later_calls() {
    let server = failing_then_ok(
        Fault::empty(429).with_header("retry-after", "18446744073709551615"),
        1,
    )
    .await;
    let (retry, clock) = virtual_retry();
    let client = client_on(&server, retry, &clock);
    let err = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RateLimited { retry_after: Some(d), .. } if *d == vast_api_ext::policy::RETRY_AFTER_CEILING),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 1);
    // The endpoint waits the max Retry-After (60 s) once, then works.
    let outcome = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap();
    assert_eq!(outcome.attempts, 1);
    client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap();
    assert_eq!(clock.sleeps(), [60 * SECOND, SECOND]);
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn a_retry_after_is_waited_once_not_before_every_later_call() {
    let server = failing_then_ok(Fault::empty(429).with_header("retry-after", "50"), 1).await;
    let (retry, clock) = virtual_retry();
    let client = client_on(&server, retry, &clock);
    assert_eq!(
        client
            .cancel_sync(InstanceId::new(1).unwrap())
            .await
            .unwrap()
            .attempts,
        2
    );
    for _ in 0..6 {
        client
            .cancel_sync(InstanceId::new(1).unwrap())
            .await
            .unwrap();
    }
    // 50 s once, then the pacing interval (1 s) before each later call.
    let mut want = vec![50 * SECOND];
    want.extend([SECOND; 6]);
    assert_eq!(clock.sleeps(), want);
}

#[tokio::test]
async fn a_retry_after_above_the_maximum_does_not_block_the_endpoint() {
    let server = failing_then_ok(Fault::empty(429).with_header("retry-after", "3600"), 1).await;
    let (retry, clock) = virtual_retry();
    let client = client_on(&server, retry, &clock);
    let err = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::RateLimited { .. }),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 1);
    // Not a standing 3600 s interval (which is past the 300 s deadline and
    // would refuse every call): one wait of the max Retry-After.
    let outcome = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap();
    assert_eq!(outcome.attempts, 1);
    assert_eq!(clock.sleeps(), [60 * SECOND]);
}

#[tokio::test]
async fn a_retry_after_of_zero_still_paces_the_endpoint() {
    let server = failing_then_ok(Fault::empty(429).with_header("retry-after", "0"), 1).await;
    let (retry, clock) = virtual_retry();
    let client = client_on(&server, retry, &clock);
    assert_eq!(
        client
            .cancel_sync(InstanceId::new(1).unwrap())
            .await
            .unwrap()
            .attempts,
        2
    );
    client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap();
    // The retry goes at once; the next call waits the pacing interval.
    assert_eq!(clock.sleeps(), [SECOND]);
}

#[tokio::test]
async fn a_nan_random_source_and_a_huge_backoff_do_not_panic() {
    let server = failing_then_ok(Fault::empty(503), 1).await;
    let (retry, clock) = virtual_retry();
    let client = common::builder(&server)
        .clock(clock.clone())
        .rng(|| f64::NAN)
        .retry(retry.clone())
        .build()
        .unwrap();
    assert_eq!(
        client
            .cancel_sync(InstanceId::new(1).unwrap())
            .await
            .unwrap()
            .attempts,
        2
    );
    assert!(clock.sleeps().is_empty(), "NaN jitter is a zero wait");
    let server = failing_then_ok(Fault::empty(503), 1).await;
    let client = client_on(
        &server,
        retry.with_backoff(Duration::MAX, Duration::MAX),
        &clock,
    );
    // The wait would cross the deadline: the call ends with the 503.
    let err = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Api { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 1);
}

#[tokio::test]
async fn a_dropped_call_releases_its_endpoint() {
    let server = mock().await;
    let (retry, clock) = virtual_retry();
    let client = client_on(&server, retry, &clock);
    {
        let call = client.cancel_sync(InstanceId::new(1).unwrap());
        tokio::pin!(call);
        // Poll the call once (it takes the endpoint's only slot), then drop it.
        tokio::select! {
            biased;
            _ = &mut call => panic!("the call cannot finish in one poll"),
            () = std::future::ready(()) => {}
        }
    }
    // With one request in flight per endpoint, this would never start if the
    // dropped call had kept its slot; the timeout only turns a hang into a failure.
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        client.cancel_sync(InstanceId::new(2).unwrap()),
    )
    .await
    .expect("the dropped call kept the endpoint's slot")
    .unwrap();
    assert_eq!(outcome.attempts, 1);
}

#[tokio::test]
async fn disabled_makes_one_attempt() {
    let server = failing_then_ok(Fault::empty(503), 5).await;
    let client = common::client(&server);
    let err = client
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Api { status: 503, .. }));
    assert_eq!(err.attempts(), 1);
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn a_call_whose_deadline_comes_in_the_queue_says_how_long_and_behind_how_many() {
    // The first cancel sync hangs at the mock and holds the endpoint's one
    // slot; the second waits behind it until its deadline.
    let server = mock().await;
    server.fault(
        Operation::CancelSync,
        When::Nth(1),
        vast_mock::Fault::DelayHeaders(Duration::from_secs(30)),
    );
    let (retry, clock) = virtual_retry();
    let client = on_clock(common::builder(&server), &clock)
        .deadline(SECOND)
        .retry(retry.with_max_attempts(1))
        .build()
        .unwrap();
    let first = {
        let client = client.clone();
        tokio::spawn(async move { client.cancel_sync(InstanceId::new(1).unwrap()).await })
    };
    received(&server, 1).await;
    let second = {
        let client = client.clone();
        tokio::spawn(async move { client.cancel_sync(InstanceId::new(2).unwrap()).await })
    };
    // Both calls' timers are set (the first's attempt, the second's wait).
    while clock.pending_timers() < 2 {
        tokio::task::yield_now().await;
    }
    clock.advance(SECOND);
    let err = second.await.unwrap().unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::NotSent(NotSent::Queued { waited, ahead: 1 }) if *waited == SECOND
        ),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 0);
    assert!(!err.may_have_been_applied());
    assert!(
        err.to_string().starts_with(
            "cancel sync was not sent: it waited 1000 ms for its turn behind 1 request on \
             DELETE /api/v0/commands/rclone/, and its deadline came"
        ),
        "{err}"
    );
    assert!(first.await.unwrap().is_err());
    assert_eq!(requests(&server).await, 1, "the second was never sent");
}
