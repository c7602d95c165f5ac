//! The `vast-mock` binary: serves the mock until SIGTERM or SIGINT.
//!
//! Prints the base URL it bound (`http://127.0.0.1:PORT`) as its first line
//! of stdout, so a script can start it on port 0 and read where it is.

use clap::Parser;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use vast_mock::MockServer;
use vast_mock::spec::Spec;

/// A spec-driven mock of the Vast.ai data-movement API (every operation of its spec: copy, cloud copy, cancel sync, cancel copy).
#[derive(Debug, Parser)]
#[command(name = "vast-mock", version)]
struct Args {
    /// Address to bind; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Only these instance ids are known (comma-separated); default: every id.
    #[arg(long, value_delimiter = ',')]
    instances: Option<Vec<u64>>,
    /// Accept only this API key (any other gets 401); default: any non-empty key.
    #[arg(long, env = "VAST_MOCK_API_KEY")]
    api_key: Option<String>,
    /// Answer 429 when one endpoint is called more often than once per this
    /// many milliseconds (per API key), as Vast does. Default: no limit.
    #[arg(long)]
    min_interval_ms: Option<u64>,
    /// Send the answer to every valid request this many milliseconds late (a
    /// server that takes its time, for benchmarks of concurrent clients;
    /// refusals still go at once). Default: at once.
    #[arg(long, value_name = "MS")]
    delay_ms: Option<u64>,
    /// Answer 413 to a request whose body is larger than this many bytes,
    /// without reading the rest, and close the connection.
    #[arg(long, default_value_t = vast_mock::DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: u64,
    /// Answer 431 to a request whose header section (request line and
    /// headers) is larger than this many bytes, and close the connection.
    #[arg(long, default_value_t = vast_mock::DEFAULT_MAX_HEADER_BYTES)]
    max_header_bytes: usize,
    /// Serve this OpenAPI document (JSON, as `cargo xtask generate` writes
    /// openapi/vast.json) instead of the embedded one.
    #[arg(long, value_name = "FILE")]
    spec: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    // The handlers are installed before the server starts and the line is
    // printed: a SIGTERM sent as soon as the line is read must find them in
    // place (else the default action kills the process instead of exit 0).
    let shutdown = Shutdown::install()?;
    // The binary never reads its recordings: keep none, so memory stays flat
    // (and, with no record to serve, cloud copy's answer carries no result link).
    let mut builder = MockServer::builder()
        .addr(args.addr)
        .max_recorded(0)
        .max_body_bytes(args.max_body_bytes)
        .max_header_bytes(args.max_header_bytes);
    if let Some(ids) = args.instances {
        builder = builder.known_instances(ids);
    }
    if let Some(key) = args.api_key {
        builder = builder.api_key(key);
    }
    let loaded = match &args.spec {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            Some(Arc::new(
                Spec::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?,
            ))
        }
        None => None,
    };
    let served = loaded.as_deref().unwrap_or_else(|| vast_mock::spec::spec());
    if let Some(ms) = args.min_interval_ms {
        for op in served.operations() {
            builder = builder.min_interval(op, Duration::from_millis(ms));
        }
    }
    if let Some(ms) = args.delay_ms {
        for op in served.operations() {
            builder = builder.fault(
                op,
                vast_mock::When::Always,
                vast_mock::Fault::DelayHeaders(Duration::from_millis(ms)),
            );
        }
    }
    if let Some(spec) = loaded {
        builder = builder.spec(spec);
    }
    let server = builder.start().await?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", server.uri())?;
        stdout.flush()?;
    }
    shutdown.wait().await;
    drop(server);
    Ok(())
}

/// SIGTERM and SIGINT (Ctrl-C), listened to from the moment it is installed:
/// a signal that arrives before [`Shutdown::wait`] is polled is kept, not lost.
#[derive(Debug)]
struct Shutdown {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Shutdown {
    fn install() -> std::io::Result<Shutdown> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Shutdown {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Shutdown {})
        }
    }

    async fn wait(self) {
        #[cfg(unix)]
        {
            let Shutdown { mut term, mut int } = self;
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            // Ctrl-C registers when first polled; there is no SIGTERM here.
            let Shutdown {} = self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
