//! The soak of issue 5, in its own test binary so that the process's memory
//! is the soak's alone: 10,000 calls through one client with 5 % seeded
//! faults.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use support::{ATTEMPT_TIMEOUT, End, KNOWN, MOCK_DELAY, OPS, call, end_of};
use tokio::task::JoinSet;
use vast_api_ext::{Error, PacingConfig, RetryConfig};
use vast_mock::{Fault, MockServer, Operation, When};

/// splitmix64: a fixed, seeded hash of the request number.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15 ^ 0x5EED);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn soak_faults() -> Vec<Fault> {
    vec![
        Fault::status(503),
        Fault::status(500),
        Fault::status(502),
        Fault::too_many_requests(),
        Fault::too_many_requests().with_retry_after_secs(0),
        Fault::DropBeforeAnswer,
        Fault::DropAfterApply,
        Fault::MalformedJson,
        Fault::Rejected,
        Fault::DelayHeaders(MOCK_DELAY),
        Fault::DelayMidBody(MOCK_DELAY),
        Fault::json(
            404,
            serde_json::json!({"success": false, "error": "no_such_instance", "msg": "gone"}),
        ),
    ]
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// 10,000 calls (a third each of copy, cloud copy, cancel sync) through one
/// client, 50 at a time, with 5 % of requests faulted (seeded: request n of
/// an operation is faulted when `mix(n) % 20 == 0`, the kind picked by
/// another part of `mix(n)`).
///
/// Pacing stays on, with up to 50 requests in flight per endpoint (the
/// concurrency) and a 2 ms interval after a `429` without `Retry-After`, so
/// the pacers' locks and relaxation run under load; the default (one in
/// flight, 1 s after a `429`) would serialize the soak into minutes. The
/// mock keeps at most 1,100 recordings: more than one round of 1,000 calls
/// applies (~1,000; so a round's cloud copies can all be checked, and an
/// eviction would fail the test), and about what one round records, so the
/// recordings are as large after the first round as at the end and the
/// process's memory can be compared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak() {
    const CALLS: u64 = 10_000;
    const ROUND: u64 = 1_000;
    const CONCURRENCY: usize = 50;
    let deadline = Duration::from_secs(1);
    let margin = Duration::from_millis(500);
    let mut builder = MockServer::builder().max_recorded(1_100);
    let kinds = soak_faults();
    let k = kinds.len() as u64;
    for op in OPS {
        for (i, fault) in kinds.iter().enumerate() {
            let i = i as u64;
            builder = builder.fault(
                op,
                When::matching(move |n| {
                    let h = mix(n);
                    h.is_multiple_of(20) && (h >> 32) % k == i
                }),
                fault.clone(),
            );
        }
    }
    let mock = builder.start().await.unwrap();
    let retry =
        RetryConfig::standard().with_backoff(Duration::from_millis(1), Duration::from_millis(5));
    let pacing = PacingConfig::standard()
        .with_max_in_flight_per_endpoint(CONCURRENCY)
        .with_default_interval(Duration::from_millis(2));
    let client = support::builder(&mock.uri(), retry, ATTEMPT_TIMEOUT, deadline)
        .pacing(pacing)
        .build()
        .unwrap();

    let mut ends: HashMap<End, u64> = HashMap::new();
    let mut max_elapsed = Duration::ZERO;
    let mut rss_after_first = 0;
    let (mut cc_ok, mut cc_maybe) = (0u64, 0u64);
    let started = Instant::now();
    for round in 0..CALLS / ROUND {
        let cc_before = mock.request_count(Operation::CloudCopy);
        let cc_applied_before = mock.applied_count(Operation::CloudCopy);
        let (mut round_ok, mut round_maybe) = (0u64, 0u64);
        let mut calls = JoinSet::new();
        for i in round * ROUND..(round + 1) * ROUND {
            if calls.len() >= CONCURRENCY {
                let joined = calls.join_next().await.unwrap();
                tally(
                    joined,
                    &mut ends,
                    &mut max_elapsed,
                    &mut round_ok,
                    &mut round_maybe,
                );
            }
            let client = client.clone();
            calls.spawn(async move {
                let op = OPS[i as usize % OPS.len()];
                let t = Instant::now();
                let result = call(&client, op, KNOWN, i).await;
                (op, result, t.elapsed())
            });
        }
        while let Some(joined) = calls.join_next().await {
            tally(
                joined,
                &mut ends,
                &mut max_elapsed,
                &mut round_ok,
                &mut round_maybe,
            );
        }
        // No cloud copy applied twice: every call has its own `src`, and the
        // round's applied cloud copies (all still recorded) are distinct.
        let applied: Vec<_> = mock
            .applied()
            .into_iter()
            .filter(|a| a.operation == Some(Operation::CloudCopy) && a.nth > cc_before)
            .collect();
        let applied_count = mock.applied_count(Operation::CloudCopy) - cc_applied_before;
        assert_eq!(
            applied.len() as u64,
            applied_count,
            "round {round}: recordings evicted"
        );
        let distinct: HashSet<String> = applied.iter().map(|a| a.body["src"].to_string()).collect();
        assert_eq!(
            distinct.len(),
            applied.len(),
            "round {round}: a cloud copy applied twice"
        );
        // Applied at most once per call: by every success, and by at most
        // the calls that ended in a "may have been applied" error.
        assert!(
            round_ok <= applied_count && applied_count <= round_ok + round_maybe,
            "round {round}: {applied_count} applied, {round_ok} ok, {round_maybe} maybe"
        );
        cc_ok += round_ok;
        cc_maybe += round_maybe;
        if round == 0 {
            rss_after_first = rss_kib();
        }
    }
    let rss_after_all = rss_kib();
    let total: u64 = ends.values().sum();
    println!(
        "soak: {total} calls in {:?}; ends {ends:?}; cloud copy ok {cc_ok}, maybe applied {cc_maybe}; \
         max elapsed {max_elapsed:?} (deadline {deadline:?}); RSS {rss_after_first} KiB after {ROUND}, \
         {rss_after_all} KiB after {CALLS}; quota left {}",
        started.elapsed(),
        client.retry_quota_left()
    );
    assert_eq!(total, CALLS);
    assert_eq!(ends.get(&End::Other), None, "untyped errors");
    assert!(
        max_elapsed <= deadline + margin,
        "a call took {max_elapsed:?}"
    );
    assert!(
        rss_after_all <= rss_after_first + 8 * 1024,
        "RSS grew from {rss_after_first} KiB to {rss_after_all} KiB"
    );
}

type Joined = Result<(Operation, Result<u32, Error>, Duration), tokio::task::JoinError>;

fn tally(
    joined: Joined,
    ends: &mut HashMap<End, u64>,
    max_elapsed: &mut Duration,
    cc_ok: &mut u64,
    cc_maybe: &mut u64,
) {
    let (op, result, elapsed) = joined.expect("a call panicked");
    *max_elapsed = (*max_elapsed).max(elapsed);
    let end = match &result {
        Ok(_) => End::Ok,
        Err(e) => end_of(e),
    };
    *ends.entry(end).or_default() += 1;
    if op == Operation::CloudCopy {
        match end {
            End::Ok => *cc_ok += 1,
            End::Transport | End::Timeout | End::Decode => *cc_maybe += 1,
            _ => {}
        }
    }
}
