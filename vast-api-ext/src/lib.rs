//! Ergonomic Vast.ai client for copy, cloud copy, cancel sync and cancel copy, and
//! any other operation of the spec through [`Client::call`].
//!
//! Built on the generated [`vast_api`] client: typed ids and [`Location`]s
//! checked before any network I/O, a [`CloudCopy`] builder, one [`Error`]
//! type, and retries that never start a cloud copy twice ([`RetryConfig`]).
//!
//! # Guide
//!
//! ```no_run
//! use vast_api_ext::{Client, CloudCopy, ConnectionId, InstanceId, Location, Transfer};
//!
//! # async fn run() -> Result<(), vast_api_ext::Error> {
//! // Key: VAST_API_KEY, else ~/.config/vastai/vast_api_key, else ~/.vast_api_key.
//! let client = Client::from_env()?;
//!
//! // Copy between two instances.
//! let src: Location = "C.6003036:/workspace/data/".parse()?;
//! let dst: Location = "C.7001234:/workspace/".parse()?;
//! println!("{:?}", client.copy(&src, &dst).await?.message);
//!
//! // Copy from an instance to a cloud connection (S3, Drive…).
//! let upload = CloudCopy::new(InstanceId::new(6003036)?, ConnectionId(1004), Transfer::InstanceToCloud)
//!     .src("/workspace/results")
//!     .dst("my-bucket/results")
//!     .size_only(true);
//! println!("{:?}", client.cloud_copy(&upload).await?.result_url);
//!
//! // Cancel the sync into an instance.
//! client.cancel_sync(InstanceId::new(7001234)?).await?;
//! # Ok(()) }
//! ```
//!
//! Every failure is an [`Error`]: its [`kind`](Error::kind) says what went
//! wrong ([`ErrorKind::InvalidInput`] before the network, with the argument
//! and the rule as facts; then [`ErrorKind::Api`] with the server's `code()`
//! such as `no_such_instance`, [`ErrorKind::Rejected`] for
//! `200 {success:false}`, [`ErrorKind::Unauthorized`],
//! [`ErrorKind::RateLimited`], [`ErrorKind::Timeout`],
//! [`ErrorKind::Transport`], [`ErrorKind::Decode`] and
//! [`ErrorKind::ResponseTooLarge`] for an answer longer than
//! [`ClientBuilder::max_body_bytes`], 1 MiB by default, never read past that
//! limit; [`ErrorKind::NotSent`] when the call ended before its first
//! attempt), and it carries the [`operation`](Error::operation) and the
//! number of [`attempts`](Error::attempts). Its `source()` is the error
//! behind it (reqwest's, serde_json's) when there is one. Which failures are retried, which may
//! have been applied, and who is to blame is one table, in [`policy`].
//!
//! Every outcome keeps the server's answer as received: [`Outcome::raw`]
//! (also on [`CloudCopyOutcome`] and [`Answer`]) is the body's JSON text,
//! fields this crate does not know included, and `raw_json` parses it when
//! asked (`vast --json` prints it).
//!
//! A call can also be a value: a [`Request`] names its [`Operation`] and the
//! exact JSON [`body`](Request::body) it sends (to show it before sending, as
//! `vast --explain` does), and [`Client::send`] makes it.
//!
//! # JSON and other serde formats
//!
//! With the `serde` feature (off by default; no new dependency), the
//! inputs are `Serialize` and `Deserialize`, and the outcomes and [`Error`]
//! are `Serialize`: a [`Location`] is its text (`"C.6003036:/workspace/"`),
//! an [`InstanceId`] or [`ConnectionId`] a number (read from a number or its
//! decimal text), a [`Transfer`] `"instance_to_cloud"` or
//! `"cloud_to_instance"` (read from the official spellings too), a
//! [`CloudCopy`] an object of its fields, a [`Request`] an object tagged by
//! `operation`; deserializing runs the checks the call makes, so a request
//! that reads is one the client sends.
//!
//! ```
//! # #[cfg(feature = "serde")]
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use vast_api_ext::Request;
//! let request: Request = serde_json::from_str(
//!     r#"{"operation": "cloud_copy", "instance": 6003036, "connection": 1004,
//!         "transfer": "Instance To Cloud", "src": "/workspace/results", "size_only": true}"#,
//! )?;
//! assert_eq!(request.body()?["flags"][0], "--size-only");
//! let zero = serde_json::from_str::<Request>(r#"{"operation": "cancel_sync", "dst": 0}"#);
//! assert!(zero.unwrap_err().to_string().contains("the instance id 0 names no instance"));
//! # Ok(()) }
//! # #[cfg(feature = "serde")]
//! # run().unwrap();
//! ```
//!
//! # Without an async runtime
//!
//! With the `blocking` feature (off by default), [`blocking::Client`] offers
//! the same methods, arguments, errors and retries for synchronous programs
//! (build scripts, small tools): it runs the async client on a runtime of its
//! own. Its builder, `blocking::ClientBuilder`, has the same settings;
//! its `build()` makes the blocking client: `blocking::Client::builder()` …
//! `.build()`.
//!
//! # TLS
//!
//! Chosen by feature, named as reqwest names them: `rustls` (the default;
//! rustls with aws-lc-rs), `rustls-ring` (rustls with ring: no `aws-lc-sys`
//! to compile, a much lighter build), `native-tls` (the platform's TLS,
//! OpenSSL on Linux). Each keeps the platform's trust store (`SSL_CERT_FILE`
//! is honoured on Linux), and [`ClientBuilder::add_root_certificate`] adds a
//! private root. When several are on (Cargo unifies features), `native-tls`
//! wins, then `rustls-ring`, then `rustls`: see [`vast_api::tls`], which
//! also says how `rustls-ring` installs its crypto provider.
//!
//! ```toml
//! vast-api-ext = { version = "0.2", default-features = false, features = ["rustls-ring"] }
//! ```
//!
//! The API key is only ever sent in the `Authorization` header: never in a
//! URL or body, never logged, and redacted in every `Debug`/`Display`.
//!
// A link to an item behind a feature the build does not enable leads to the
// section that describes the feature (`cargo doc` warns of none).
#![cfg_attr(
    not(feature = "blocking"),
    doc = "[`blocking::Client`]: #without-an-async-runtime"
)]
#![cfg_attr(
    not(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls")),
    doc = "[`ClientBuilder::add_root_certificate`]: #tls"
)]
#![warn(missing_docs)]

mod batch;
#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod cloud_copy;
mod config;
mod config_problem;
mod error;
mod ids;
mod invalid;
mod location;
mod outcome;
mod pipeline;
mod request;
mod response;
mod secret;

pub use batch::{BatchEvent, BatchOptions};
pub use client::Client;
pub use cloud_copy::{CloudCopy, DEFAULT_CLOUD_DST, Transfer};
pub use config::{ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_DEADLINE};
pub use config_problem::{ConfigProblem, KeySource, Setting, UrlProblem};
pub use error::{Error, ErrorKind, NotSent};
pub use ids::{ConnectionId, InstanceId};
pub use invalid::{Argument, CopySide, InvalidInput, Rule};
pub use location::{Location, MAX_PATH_LEN};
pub use outcome::{CloudCopyOutcome, Outcome, Reply};
/// Time for the client: [`Clock`](clock::Clock), [`TokioClock`](clock::TokioClock)
/// and, with the `test-util` feature, `VirtualClock`.
pub use pipeline::clock;
/// The retry table: [`classify`](policy::classify) and what it says.
pub use pipeline::policy;
pub use pipeline::{PacingConfig, RetryConfig};
pub use request::{Answer, Request};
/// A root certificate for [`ClientBuilder::add_root_certificate`]
/// (reqwest's: `Certificate::from_pem`, `from_der`). Present with a TLS
/// feature.
#[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
pub use reqwest::Certificate;
pub use secret::ApiKey;
/// The generated client this crate wraps, at the version it was built
/// with: its types, and [`dynamic`](vast_api::dynamic) for
/// [`Client::call`] with JSON bodies, with no dependency of your own to
/// keep in step.
pub use vast_api;
/// Which operation a call, an error or a span is about: the one
/// [`vast_api::Operation`], generated from the operation table (`Display`
/// writes its human name, `cloud copy`).
pub use vast_api::Operation;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
#[derive(Debug)]
pub struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    fn send<T: Send>(_: &T) {}

    #[test]
    fn client_and_its_futures_can_cross_threads() {
        send_sync_clone::<Client>();
        send_sync_clone::<Location>();
        send_sync_clone::<CloudCopy>();
        send_sync_clone::<RetryConfig>();
        let client = Client::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let loc = Location::new(1, "/a").unwrap_or_else(|e| panic!("{e}"));
        let one = InstanceId::new(1).unwrap_or_else(|e| panic!("{e}"));
        let request = CloudCopy::new(one, 2u64, Transfer::InstanceToCloud).src("/a");
        send(&client.copy(&loc, &loc));
        send(&client.cloud_copy(&request));
        send(&client.cancel_sync(one));
        fn is_error<E: std::error::Error + Send + Sync + 'static>() {}
        is_error::<Error>();
    }
}
