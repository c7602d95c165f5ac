//! A spec-driven mock of the Vast.ai data-movement API, for tests: what
//! stripe-mock is to Stripe's SDKs.
//!
//! [`MockServer`] serves every operation of the spec (copy, cloud copy, cancel sync, cancel copy) on `127.0.0.1`,
//! checks every request against the spec it embeds ([`vast_api::SPEC`]; see
//! [`spec`]), answers valid ones with the spec's 200 example, records every
//! request and every applied operation, and plays scripted [`Fault`]s.
//! The `vast-mock` binary serves the same mock for tools in any language.
//!
//! Nothing in it is written for one operation: routes, validation, answers,
//! refusals and the instance fields all come from the spec, so it serves
//! any spec `cargo xtask generate` writes just as well
//! ([`MockServerBuilder::spec`], the binary's `--spec`), including an
//! operation the generated [`Operation`] does not know yet, which is then
//! named by its operationId ([`OperationKey`]).
//!
//! It never reads a request without bound: a body over
//! [`MockServerBuilder::max_body_bytes`] (default 1 MiB) is answered `413`
//! and a header section over [`MockServerBuilder::max_header_bytes`]
//! (default 64 KiB) `431`, in the spec's error shape, and the connection is
//! closed. Every link it hands out is one it serves: cloud copy's
//! `result_url` leads to the applied operation's record, under `/mock/`.
//!
//! Use it from a downstream crate's tests, with the library alone (the
//! `bin` feature, on by default, is the `vast-mock` binary's: its arguments
//! and signal handling):
//!
//! ```toml
//! [dev-dependencies]
//! vast-mock = { version = "0.1", default-features = false }
//! ```
//!
//! Point a client at [`MockServer::uri`], script faults, and assert on what
//! the mock received and applied:
//!
//! ```
//! use vast_api_ext::Client;
//! use vast_mock::{Fault, MockServer, Operation, When};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mock = MockServer::start().await?; // bound on 127.0.0.1, ready now
//! mock.fault(Operation::CancelSync, When::Nth(1), Fault::status(503));
//! let client = Client::builder().api_key("test-key").base_url(mock.uri()).build()?;
//! let outcome = client.cancel_sync("42".parse()?).await?; // the 503 is retried
//! assert_eq!(outcome.attempts, 2);
//! assert_eq!(mock.requests().len(), 2); // both arrived...
//! assert_eq!(mock.applied().len(), 1); // ...one was applied
//! # Ok(()) }
//! ```
//!
//! A fault can also be aimed at one request among concurrent ones, by its
//! body or the instance it names ([`When::body`], [`When::instance`]).
#![warn(missing_docs)]

mod body;
mod fault;
mod instances;
mod server;
pub mod spec;

/// The repository README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

pub use fault::{Fault, FaultBody, When};
pub use instances::Instances;
#[allow(deprecated)]
pub use server::Applied;
pub use server::{
    AppliedOperation, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADER_BYTES, MockServer,
    MockServerBuilder, RecordedRequest,
};
pub use spec::{OperationKey, Violation};
/// Which operation a request, a fault or a recording is about: the one
/// [`vast_api::Operation`], generated from the operation table, the same
/// type `vast-api-ext` re-exports, and the key of every operation of the
/// embedded spec. The mock names an operation in its messages by
/// [`Operation::operation_id`] (`cloudCopy`); `Display` is the human name
/// (`cloud copy`).
pub use vast_api::Operation;
