//! The raw `vast-api` client's side of the hostile-answer tests: one call
//! of each operation inside `vast_api::observe`, its result sorted into
//! [`Raw`] whatever the operation's error type.

use super::{KEY, KNOWN};
use std::time::Duration;
use vast_api::types;
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
/// (inside `observe`, so it is recorded too).
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

/// One raw call of `op`, inside `vast_api::observe`.
pub async fn raw_call(client: &vast_api::Client, op: Operation) -> (Raw, vast_api::Observation) {
    vast_api::observe(async {
        match op {
            Operation::Copy => {
                let body = types::CopyRequest::builder()
                    .src_id(KNOWN.to_string())
                    .dst_id(KNOWN.to_string())
                    .src_path("/a".to_owned())
                    .dst_path("/b".to_owned());
                finish(client.copy().body(body).send().await).await
            }
            Operation::CloudCopy => {
                let body = types::CloudCopyRequest::builder()
                    .instance_id(KNOWN.to_string())
                    .selected("1004".to_owned())
                    .transfer("Instance To Cloud".to_owned())
                    .src("/a".to_owned())
                    .dst("b".to_owned());
                finish(client.cloud_copy().body(body).send().await).await
            }
            Operation::CancelSync => {
                let body = types::CancelSyncRequest::builder().dst_id(KNOWN as i64);
                finish(client.cancel_sync().body(body).send().await).await
            }
            other => panic!("the hostile tests do not call {other} yet; add it"),
        }
    })
    .await
}
