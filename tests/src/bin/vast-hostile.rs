//! `vast-hostile`: the hostile server of `tests::hostile` as a process, for
//! the "Hostile answers" figures of BENCHMARKS.md.
//!
//! ```sh
//! vast-hostile ROW [--addr 127.0.0.1:0] [--bound BYTES]
//! ```
//!
//! `ROW` is one of `declared-2gib`, `chunked-200`, `chunked-500`, `drip`,
//! `endless-headers`. The first stdout line is the base URL; then, on
//! stderr, one line per connection: bytes written and how it ended. Each
//! connection stops after `--bound` bytes (default 8 GiB). Runs until killed.

use std::time::Duration;
use tests::hostile::{Answer, HostileServer};

fn usage() -> ! {
    eprintln!(
        "usage: vast-hostile declared-2gib|chunked-200|chunked-500|drip|endless-headers \
         [--addr 127.0.0.1:0] [--bound BYTES]"
    );
    std::process::exit(2)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let answer = match args.next().as_deref() {
        Some("declared-2gib") => Answer::two_gib(),
        Some("chunked-200") => Answer::endless(200),
        Some("chunked-500") => Answer::endless(500),
        Some("drip") => Answer::Drip {
            every: Duration::from_millis(500),
            len: 1 << 20,
        },
        Some("endless-headers") => Answer::EndlessHeaders,
        _ => usage(),
    };
    let mut addr = "127.0.0.1:0".to_owned();
    let mut bound: u64 = 8 << 30;
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--addr" => addr = value,
            "--bound" => bound = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let addr = addr.parse().unwrap_or_else(|_| usage());
    let mut server = match HostileServer::start_on(addr, vec![answer], bound).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("vast-hostile: cannot listen on {addr}: {e}");
            std::process::exit(1)
        }
    };
    println!("{}", server.uri());
    loop {
        let served = server.next_served().await;
        eprintln!(
            "connection: {} bytes written, {:?}",
            served.written, served.end
        );
    }
}
