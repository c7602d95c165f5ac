//! The raw `vast-api` client's side of the hostile-answer tests: one call
//! of each operation (through `vast_api::dynamic`, with the spec's valid
//! request) inside `vast_api::observe`, its result sorted into [`Raw`].

use super::{KEY, KNOWN};
use std::time::Duration;
use vast_mock::Operation;

/// A raw client with the default limits, `timeout`, and no idle
/// connections kept (each call gets a connection of its own).
pub fn raw_client(uri: &str, timeout: Duration) -> vast_api::Client {
    let http = vast_api::configure(reqwest::Client::builder(), KEY)
        .unwrap()
        .timeout(timeout)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    vast_api::Client::new_with_client(uri, http, vast_api::Limits::default())
}

/// How a raw call ended, whatever the operation's error type.
#[derive(Debug)]
pub enum Raw {
    Ok,
    TooLarge(vast_api::BodyTooLarge),
    Timeout,
    Communication,
    Other(#[allow(dead_code)] String),
}

/// Sorts a raw call's result; an undocumented answer's body is read here
/// (inside `observe`, whose hooks have read and recorded it already).
async fn finish<T, E: std::fmt::Debug + 'static>(result: Result<T, vast_api::Error<E>>) -> Raw {
    let error = match result {
        Ok(_) => return Raw::Ok,
        Err(e) => e,
    };
    // The helper finds the cap's error through `vast_api::Error` itself…
    if let Some(big) = vast_api::BodyTooLarge::find(&error) {
        // …and its alternate text names it.
        let text = format!("{error:#}");
        assert!(text.contains(&big.to_string()), "{text}");
        return Raw::TooLarge(big.clone());
    }
    let e = match error {
        vast_api::Error::UnexpectedResponse(response) => match response.bytes().await {
            Ok(body) => return Raw::Other(format!("{} bytes read", body.len())),
            Err(e) => e,
        },
        vast_api::Error::ResponseBodyError(e) => e,
        vast_api::Error::CommunicationError(_) => return Raw::Communication,
        other => return Raw::Other(format!("{other:?}")),
    };
    // …and through the `reqwest::Error` of reading a body.
    match vast_api::BodyTooLarge::find(&e) {
        Some(big) => Raw::TooLarge(big.clone()),
        None if e.is_timeout() => Raw::Timeout,
        None => Raw::Other(format!("{e:?}")),
    }
}

/// One raw call of `op` with the spec's valid request, inside
/// `vast_api::observe`.
pub async fn raw_call(client: &vast_api::Client, op: Operation) -> (Raw, vast_api::Observation) {
    let body = super::valid_request(op, KNOWN);
    vast_api::observe(async { finish(vast_api::dynamic::send(client, op, &body).await).await })
        .await
}
