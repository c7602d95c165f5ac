//! `vast-bench`: the SDK's per-call cost next to raw reqwest, and its behaviour under concurrency.
//!
//! Run with `cargo xtask bench` (release build); it prints a Markdown report
//! for BENCHMARKS.md. It measures, it asserts nothing.

mod server;

use reqwest::header::{ACCEPT, HeaderName, HeaderValue};
use std::time::{Duration, Instant};

/// The copy body, as a hand-written client would declare it.
#[derive(serde::Serialize)]
struct CopyBody<'a> {
    src_id: &'a str,
    dst_id: &'a str,
    src_path: &'a str,
    dst_path: &'a str,
}

/// The fields of the answer a hand-written client would read.
#[derive(serde::Deserialize)]
struct Answer {
    success: Option<bool>,
    #[allow(dead_code, reason = "decoded as the SDK does, not read")]
    msg: Option<String>,
}

const KEY: &str = "bench-key";
const WARM_UP: usize = 500;
const ROUNDS: usize = 100;
const PER_ROUND: usize = 100;
const CONCURRENT: usize = 1000;

/// One way of sending the copy request.
enum Caller {
    /// (a) reqwest with the request built by hand: the floor. Same reqwest
    /// client settings as (b) (`vast_api::configure`: the sensitive
    /// `Authorization` default header, user agent, timeouts), the same
    /// headers, a typed body serialized per call and a typed decode, so the
    /// difference to (b) is exactly what the generated code adds.
    Raw { http: reqwest::Client, url: String },
    /// (b) the generated `vast-api` client.
    Generated(vast_api::Client),
    /// (c) `vast-api-ext` with its default retries and pacing, and (d)
    /// with both off (`RetryConfig::disabled()`: no quota;
    /// `PacingConfig::disabled()`: no pacing).
    Ext {
        client: vast_api_ext::Client,
        src: vast_api_ext::Location,
        dst: vast_api_ext::Location,
        name: &'static str,
    },
}

impl Caller {
    fn name(&self) -> &'static str {
        match self {
            Self::Raw { .. } => "(a) raw reqwest",
            Self::Generated(_) => "(b) vast-api (generated)",
            Self::Ext { name, .. } => name,
        }
    }

    async fn copy(&self) {
        match self {
            Self::Raw { http, url } => {
                let body = CopyBody {
                    src_id: "11824",
                    dst_id: "6003036",
                    src_path: "/workspace/data/",
                    dst_path: "/workspace/",
                };
                let response = http
                    .put(url)
                    .header(ACCEPT, HeaderValue::from_static("application/json"))
                    .header(
                        HeaderName::from_static("api-version"),
                        HeaderValue::from_static("1.0.0"),
                    )
                    .json(&body)
                    .send()
                    .await
                    .expect("the bench server answers");
                assert_eq!(response.status(), 200);
                let bytes = response.bytes().await.expect("body");
                let answer: Answer = serde_json::from_slice(&bytes).expect("json");
                assert_eq!(answer.success, Some(true));
            }
            Self::Generated(client) => {
                let body = vast_api::types::CopyRequest::builder()
                    .src_id("11824".to_owned())
                    .dst_id("6003036".to_owned())
                    .src_path("/workspace/data/".to_owned())
                    .dst_path("/workspace/".to_owned());
                let answer = client
                    .copy()
                    .body(body)
                    .send()
                    .await
                    .expect("the bench server answers");
                assert_eq!(answer.success, Some(true));
            }
            Self::Ext {
                client, src, dst, ..
            } => {
                let outcome = client
                    .copy(src, dst)
                    .await
                    .expect("the bench server answers");
                assert_eq!(outcome.attempts, 1);
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn micros(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Resets this process's peak RSS to its current RSS (Linux `clear_refs` 5),
/// so that the next reading is the peak of the phase that follows.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident set size of this process (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn ext_client(
    uri: &str,
    retry: vast_api_ext::RetryConfig,
    pacing: vast_api_ext::PacingConfig,
) -> vast_api_ext::Client {
    vast_api_ext::Client::builder()
        .api_key(KEY)
        .base_url(uri)
        .retry(retry)
        .pacing(pacing)
        .build()
        .expect("client")
}

/// 1,000 concurrent copies through one client: wall time, per-call p99, connections opened.
async fn concurrency(server: &server::Server, label: &str, pacing: vast_api_ext::PacingConfig) {
    let client = ext_client(&server.uri, vast_api_ext::RetryConfig::standard(), pacing);
    let src: vast_api_ext::Location = "C.11824:/workspace/data/".parse().expect("valid");
    let dst: vast_api_ext::Location = "C.6003036:/workspace/".parse().expect("valid");
    let before = server.connections();
    let reset = reset_peak_rss();
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let (client, src, dst) = (client.clone(), src.clone(), dst.clone());
            tokio::spawn(async move {
                let begun = Instant::now();
                client
                    .copy(&src, &dst)
                    .await
                    .expect("the bench server answers");
                begun.elapsed()
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(CONCURRENT);
    for task in tasks {
        latencies.push(task.await.expect("task"));
    }
    let wall = start.elapsed();
    latencies.sort();
    println!(
        "| {label} | {:.0} | {:.1} | {} | {:.1}{} |",
        CONCURRENT as f64 / wall.as_secs_f64(),
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        server.connections() - before,
        peak_rss_kib() as f64 / 1024.0,
        if reset {
            ""
        } else {
            " (process peak: clear_refs unavailable)"
        },
    );
}

fn main() {
    // `vast-bench profile <a|b|c|d> <calls>`: that caller's calls only,
    // after the warm-up, for a profiler (`valgrind --tool=callgrind`: the
    // difference between two call counts is the instructions per call).
    // On one thread, client and server alike, so that the counts repeat
    // from one run to the next (on the multi-threaded runtime, how often a
    // task finds its answer not yet there moves them by about 1%).
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [mode, which, calls] = args.as_slice()
        && mode == "profile"
    {
        let i = usize::from(
            which
                .as_bytes()
                .first()
                .map_or(0, |b| b.saturating_sub(b'a')),
        );
        let calls: usize = calls.parse().expect("a number of calls");
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(profile(i, calls));
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(report());
}

/// The four callers against `server`, each warmed up.
async fn callers(server: &server::Server) -> [Caller; 4] {
    let callers = [
        Caller::Raw {
            http: vast_api::configure(reqwest::Client::builder(), KEY)
                .expect("key")
                .build()
                .expect("client"),
            url: format!("{}/api/v0/commands/copy_direct/", server.uri),
        },
        Caller::Generated(vast_api::Client::with_api_key(&server.uri, KEY).expect("client")),
        Caller::Ext {
            client: ext_client(
                &server.uri,
                vast_api_ext::RetryConfig::standard(),
                vast_api_ext::PacingConfig::standard(),
            ),
            src: "C.11824:/workspace/data/".parse().expect("valid"),
            dst: "C.6003036:/workspace/".parse().expect("valid"),
            name: "(c) vast-api-ext, default retries",
        },
        Caller::Ext {
            client: ext_client(
                &server.uri,
                vast_api_ext::RetryConfig::disabled(),
                vast_api_ext::PacingConfig::disabled(),
            ),
            src: "C.11824:/workspace/data/".parse().expect("valid"),
            dst: "C.6003036:/workspace/".parse().expect("valid"),
            name: "(d) vast-api-ext, retries off (no pacing, no quota)",
        },
    ];
    for caller in &callers {
        for _ in 0..WARM_UP {
            caller.copy().await;
        }
    }
    callers
}

/// `calls` calls of caller `i` after the warm-up, on this thread.
async fn profile(i: usize, calls: usize) {
    let server = server::start().await.expect("bind 127.0.0.1");
    let callers = callers(&server).await;
    let caller = &callers[i.min(callers.len() - 1)];
    for _ in 0..calls {
        caller.copy().await;
    }
}

/// The report for BENCHMARKS.md, on the multi-threaded runtime.
async fn report() {
    let server = server::start().await.expect("bind 127.0.0.1");
    let callers = callers(&server).await;

    // Interleaved rounds: each round runs every caller in turn (rotating the
    // order), so drift on a noisy machine hits all of them alike.
    let mut all: Vec<Vec<Duration>> = vec![Vec::new(); callers.len()];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); callers.len()];
    for round in 0..ROUNDS {
        let mut round_median = vec![0.0; callers.len()];
        for k in 0..callers.len() {
            let i = (round + k) % callers.len();
            let mut samples = Vec::with_capacity(PER_ROUND);
            for _ in 0..PER_ROUND {
                let start = Instant::now();
                callers[i].copy().await;
                samples.push(start.elapsed());
            }
            let mut secs: Vec<f64> = samples.iter().map(Duration::as_secs_f64).collect();
            round_median[i] = median(&mut secs);
            all[i].extend(samples);
        }
        for i in 0..callers.len() {
            ratios[i].push(round_median[i] / round_median[0]);
        }
    }

    println!(
        "### Per-call overhead: copy, {} calls per client after {WARM_UP} warm-up\n",
        ROUNDS * PER_ROUND
    );
    println!(
        "Rounds of {PER_ROUND} sequential calls per client, the clients interleaved in a \
         rotating order; the ratio is the median, over the {ROUNDS} rounds, of each round's \
         median latency divided by (a)'s median in the same round. (d) is (c) without \
         pacing and quota, so (c) - (d) is their cost. The target is (c) at most 1.05 \
         times (a).\n"
    );
    println!("| client | p50 (µs) | p99 (µs) | p50 ratio to (a) |");
    println!("|---|---:|---:|---:|");
    for (i, caller) in callers.iter().enumerate() {
        all[i].sort();
        println!(
            "| {} | {} | {} | {:.3} |",
            caller.name(),
            micros(percentile(&all[i], 0.5)),
            micros(percentile(&all[i], 0.99)),
            median(&mut ratios[i]),
        );
    }
    println!(
        "\n### Concurrency: {CONCURRENT} concurrent copies through one `vast-api-ext` client\n"
    );
    println!(
        "All 1,000 calls are started at once. By default the client keeps one request in \
         flight per endpoint (its pacing: Vast limits each endpoint by a minimum interval), so \
         the calls queue on one connection; the second row raises that limit to 64. reqwest \
         has no cap on connections per host: a request that starts before a finished one has \
         handed its connection back to the pool opens a new one, hence more than 64. \
         Peak RSS is the whole process's (server included) during that phase alone.\n"
    );
    println!(
        "| configuration | calls/s | p99 (ms) | TCP connections opened | peak RSS during the phase (MiB) |"
    );
    println!("|---|---:|---:|---:|---:|");
    let standard = vast_api_ext::PacingConfig::standard();
    concurrency(
        &server,
        "default (`PacingConfig::standard()`)",
        standard.clone(),
    )
    .await;
    let wide = standard.with_max_in_flight_per_endpoint(64);
    concurrency(&server, "`.with_max_in_flight_per_endpoint(64)`", wide).await;
}
