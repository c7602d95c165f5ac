//! Building the client from the global options and making the one call.

use crate::cli::Cli;
use crate::output::Answer;
use crate::request::Request;
use vast_api_ext::{Client, Error, RetryConfig, Setting};

/// The client the global options describe. No network I/O: this reads the
/// key (option, environment, key files) and checks the URL.
pub fn client(cli: &Cli) -> Result<Client, Error> {
    let mut builder =
        Client::builder().user_agent_suffix(concat!("vast-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(key) = &cli.api_key {
        builder = builder.api_key(&key.0);
    }
    if let Some(url) = &cli.url {
        builder = builder.base_url(url);
    }
    if let Some(timeout) = cli.timeout {
        builder = builder.timeout(timeout);
    }
    if let Some(n) = cli.max_attempts {
        builder = builder.retry(RetryConfig::standard().with_max_attempts(n));
    }
    builder.build()
}

/// Makes the call on a single-threaded runtime started here (and only here).
pub fn execute(client: &Client, request: &Request) -> Result<Answer, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Config {
            setting: Setting::HttpClient,
            message: format!("cannot start the I/O runtime: {e}"),
        })?;
    let operation = match request {
        Request::Copy { .. } => "copy",
        Request::CloudCopy(_) => "cloud copy",
        Request::CancelSync(_) => "cancel sync",
    };
    tracing::info!(operation, base_url = client.base_url(), "sending");
    runtime.block_on(async {
        match request {
            Request::Copy { src, dst } => client.copy(src, dst).await.map(Answer::from),
            Request::CloudCopy(c) => client.cloud_copy(c).await.map(Answer::from),
            Request::CancelSync(id) => client.cancel_sync(*id).await.map(Answer::from),
        }
    })
}
