//! Building the client from the global options, showing the request
//! (`--explain`) and making the one call.

use vast_api_ext::Answer;
use vast_api_ext::Request;
use vast_api_ext::blocking::Client;
use vast_api_ext::{Error, RetryConfig};
use vast_cli::cli::Cli;

/// The client the global options describe. No network I/O: this reads the
/// key (option, environment, key files), checks the URL and starts the
/// client's current-thread runtime. `--max-attempts` and its alias `--retry`
/// are one option: N attempts in all.
pub fn client(cli: &Cli) -> Result<Client, Error> {
    builder(cli).build()
}

/// The builder of [`client`], for a command that adds settings of its own.
pub fn builder(cli: &Cli) -> vast_api_ext::blocking::ClientBuilder {
    let mut builder =
        Client::builder().user_agent_suffix(concat!("vast-cli/", env!("CARGO_PKG_VERSION")));
    if let Some(key) = &cli.api_key {
        builder = builder.api_key(key.0.as_str());
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
    builder
}

/// What `--explain` prints on stderr before the request is sent: the method
/// and URL, the JSON body the library sends ([`Request::body`]: the same
/// fields and values, the keys perhaps in another order), and the request
/// in the library's serde form, which `vast batch` takes as a line (it
/// skips the other two). The key is in none of them (it travels only in
/// the `Authorization` header, which is not shown), and the base URL never
/// holds credentials (the library refuses such a URL).
pub fn explain(client: &Client, request: &Request) -> Result<String, Error> {
    let operation = request.operation();
    let body = request.body()?;
    // A request that has a body (checked above) always has its serde form.
    let form = serde_json::to_string(request).unwrap_or_default();
    Ok(format!(
        "vast: explain: {} {}{}\nvast: explain: body: {body}\n{EXPLAIN_REQUEST}{form}",
        operation.method(),
        client.base_url(),
        operation.path()
    ))
}

/// The start of `--explain`'s line that holds the request's serde form.
pub const EXPLAIN_REQUEST: &str = "vast: explain: request: ";

/// Makes the call, waiting for its answer on the client's runtime.
pub fn execute(client: &Client, request: &Request) -> Result<Answer, Error> {
    tracing::info!(
        operation = request.operation().name(),
        base_url = client.base_url(),
        "sending"
    );
    client.send(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vast_api_ext::{CloudCopy, InstanceId, Transfer};

    fn client() -> Client {
        Client::builder()
            .api_key("explain-test-key-0123456789")
            .base_url("http://127.0.0.1:9/base")
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn explain_shows_method_url_and_body_and_never_the_key() {
        let text = explain(&client(), &Request::CancelSync(InstanceId::new(7).unwrap()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            text,
            "vast: explain: DELETE http://127.0.0.1:9/base/api/v0/commands/rclone/\n\
             vast: explain: body: {\"dst_id\":7}\n\
             vast: explain: request: {\"operation\":\"cancel_sync\",\"dst\":7}"
        );
        let cloud = Request::CloudCopy(
            CloudCopy::new(
                InstanceId::new(5).unwrap(),
                1004u64,
                Transfer::InstanceToCloud,
            )
            .src("/w"),
        );
        let text = explain(&client(), &cloud).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            text.starts_with(
                "vast: explain: POST http://127.0.0.1:9/base/api/v0/commands/rclone/\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\"transfer\":\"Instance To Cloud\""),
            "{text}"
        );
        assert!(
            !text.contains("explain-test-key") && !text.contains("api_key"),
            "{text}"
        );
    }

    #[test]
    fn explain_of_a_request_the_library_would_refuse_is_that_error() {
        let beyond_i64 = InstanceId::new(u64::MAX).unwrap();
        let error = explain(&client(), &Request::CancelSync(beyond_i64))
            .err()
            .unwrap_or_else(|| panic!("an id beyond i64 was explained"));
        assert!(
            matches!(error.kind(), vast_api_ext::ErrorKind::InvalidInput(_)),
            "{error:?}"
        );
    }
}
