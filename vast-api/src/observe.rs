//! Hand-written hooks: the HTTP status of a call whose body could not be decoded.
//!
//! progenitor's `Error::InvalidResponsePayload` keeps the body but not the
//! status. The generated methods call `ClientHooks::post` with the response
//! before decoding it; this crate's `impl ClientHooks for Client` (which
//! takes precedence over the generated blanket impl for `&Client`) records
//! the status in a task-local slot that [`with_status`] opens around a call.

use crate::{Client, Error};
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::StatusCode;
use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static STATUS: Cell<Option<StatusCode>>;
}

/// Runs `call` (a call of the generated client) and returns its output with
/// the status of the last response it received, if one was received.
///
/// ```no_run
/// # async fn run(client: vast_api::Client) {
/// let body = vast_api::types::CancelSyncRequest { dst_id: 6003036 };
/// let (result, status) = vast_api::with_status(client.cancel_sync(&body)).await;
/// if let Err(vast_api::Error::InvalidResponsePayload(bytes, _)) = result {
///     eprintln!("status {status:?} with an unreadable body of {} bytes", bytes.len());
/// }
/// # }
/// ```
pub async fn with_status<F: Future>(call: F) -> (F::Output, Option<StatusCode>) {
    STATUS
        .scope(Cell::new(None), async {
            let output = call.await;
            (output, STATUS.with(Cell::get))
        })
        .await
}

impl ClientHooks for Client {
    async fn post<E>(
        &self,
        result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        if let Ok(response) = result {
            // Outside `with_status` there is no slot, and nothing to record.
            let _ = STATUS.try_with(|slot| slot.set(Some(response.status())));
        }
        Ok(())
    }
}
