//! `vast-bench`: the SDK's per-call cost next to raw reqwest, and its behaviour under concurrency.
//!
//! Run with `cargo xtask bench` (release build); it prints a Markdown report
//! for BENCHMARKS.md. It measures, it asserts nothing.

mod server;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use std::time::{Duration, Instant};

const KEY: &str = "bench-key";
const WARM_UP: usize = 500;
const ROUNDS: usize = 100;
const PER_ROUND: usize = 100;
const CONCURRENT: usize = 1000;

/// One way of sending the copy request.
enum Caller {
    /// (a) reqwest with the request built by hand: the floor.
    Raw { http: reqwest::Client, url: String },
    /// (b) the generated `vast-api` client.
    Generated(vast_api::Client),
    /// (c) `vast-api-ext` with its default retry configuration.
    Ext {
        client: vast_api_ext::Client,
        src: vast_api_ext::Location,
        dst: vast_api_ext::Location,
    },
}

impl Caller {
    fn name(&self) -> &'static str {
        match self {
            Self::Raw { .. } => "(a) raw reqwest",
            Self::Generated(_) => "(b) vast-api (generated)",
            Self::Ext { .. } => "(c) vast-api-ext, default retries",
        }
    }

    async fn copy(&self) {
        match self {
            Self::Raw { http, url } => {
                let body = serde_json::json!({
                    "src_id": "11824", "dst_id": "6003036",
                    "src_path": "/workspace/data/", "dst_path": "/workspace/"
                });
                let mut auth = HeaderValue::from_static("Bearer bench-key");
                auth.set_sensitive(true);
                let response = http
                    .put(url)
                    .header(AUTHORIZATION, auth)
                    .header(CONTENT_TYPE, "application/json")
                    .body(serde_json::to_vec(&body).expect("serializes"))
                    .send()
                    .await
                    .expect("the bench server answers");
                assert_eq!(response.status(), 200);
                let bytes = response.bytes().await.expect("body");
                let answer: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
                assert_eq!(answer["success"], true);
            }
            Self::Generated(client) => {
                let body = vast_api::types::CopyRequest {
                    src_id: Some("11824".into()),
                    dst_id: Some("6003036".into()),
                    src_path: "/workspace/data/".into(),
                    dst_path: "/workspace/".into(),
                };
                let answer = client.copy(&body).await.expect("the bench server answers");
                assert_eq!(answer.success, Some(true));
            }
            Self::Ext { client, src, dst } => {
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

fn ext_client(uri: &str, retry: vast_api_ext::RetryConfig) -> vast_api_ext::Client {
    vast_api_ext::Client::builder()
        .api_key(KEY)
        .base_url(uri)
        .retry(retry)
        .build()
        .expect("client")
}

/// 1,000 concurrent copies through one client: wall time, per-call p99, connections opened.
async fn concurrency(server: &server::Server, label: &str, retry: vast_api_ext::RetryConfig) {
    let client = ext_client(&server.uri, retry);
    let src: vast_api_ext::Location = "C.11824:/workspace/data/".parse().expect("valid");
    let dst: vast_api_ext::Location = "C.6003036:/workspace/".parse().expect("valid");
    let before = server.connections();
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
        "| {label} | {:.0} | {:.1} | {} | {} |",
        CONCURRENT as f64 / wall.as_secs_f64(),
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        server.connections() - before,
        peak_rss_kib() / 1024,
    );
}

#[tokio::main]
async fn main() {
    let server = server::start().await.expect("bind 127.0.0.1");
    let callers = [
        Caller::Raw {
            http: reqwest::Client::new(),
            url: format!("{}/api/v0/commands/copy_direct/", server.uri),
        },
        Caller::Generated(vast_api::Client::with_api_key(&server.uri, KEY).expect("client")),
        Caller::Ext {
            client: ext_client(&server.uri, vast_api_ext::RetryConfig::standard()),
            src: "C.11824:/workspace/data/".parse().expect("valid"),
            dst: "C.6003036:/workspace/".parse().expect("valid"),
        },
    ];
    for caller in &callers {
        for _ in 0..WARM_UP {
            caller.copy().await;
        }
    }

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
        "| client | p50 (µs) | p99 (µs) | p50 ratio to (a), median of {ROUNDS} paired rounds |"
    );
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
        "| configuration | calls/s | p99 (ms) | TCP connections opened | peak RSS of the process (MiB) |"
    );
    println!("|---|---:|---:|---:|---:|");
    let standard = vast_api_ext::RetryConfig::standard();
    concurrency(
        &server,
        "default (`RetryConfig::standard()`)",
        standard.clone(),
    )
    .await;
    let wide = standard.with_max_in_flight_per_endpoint(64);
    concurrency(&server, "`.with_max_in_flight_per_endpoint(64)`", wide).await;
}
