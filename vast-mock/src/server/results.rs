//! Result links: the mock-only paths under `/mock/results/` that lead to an applied operation's record, and serving them.

use super::record::{AppliedOperation, Records};
use super::respond::json_response;
use crate::body::MockBody;
use hyper::Response;
use serde_json::json;

/// Where the mock serves the results it links to (mock-only paths: the spec
/// has no path under `/mock/`, which a test checks).
const RESULTS_PREFIX: &str = "/mock/results/";

/// The link to the result of the `nth` request of the operation `id`, on
/// the mock at `uri`.
pub(super) fn result_link(uri: &str, id: &str, nth: u64) -> String {
    format!("{uri}{}", result_path(id, nth))
}

/// The mock-only path of the result of the `nth` request of the operation
/// `id`: `/mock/results/<operationId in kebab case>-<nth>.txt` (cloud copy's
/// first: `/mock/results/cloud-copy-1.txt`).
fn result_path(id: &str, nth: u64) -> String {
    format!("{RESULTS_PREFIX}{}-{nth}.txt", kebab(id))
}

/// `cloudCopy` → `cloud-copy`.
fn kebab(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 4);
    for c in id.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Serves a result link ([`result_path`]): `GET` answers `200` with the
/// applied operation's record as JSON (`operation`, `nth`, `applied_at`,
/// `body`), `404` when the mock does not know it (never applied, or no longer
/// recorded). `None` for any other path or method.
pub(super) fn serve_result(
    records: &Records,
    method: &str,
    path: &str,
) -> Option<Response<MockBody>> {
    if method != "GET" || !path.starts_with(RESULTS_PREFIX) {
        return None;
    }
    let record = records
        .applied
        .iter()
        .find(|a| result_path(&a.operation_id, a.nth) == path)
        .map(|a: &AppliedOperation| {
            json!({
                "operation": a.operation_id,
                "nth": a.nth,
                "applied_at": httpdate::fmt_http_date(a.applied_at),
                "body": a.body,
            })
        });
    Some(match record {
        Some(record) => json_response(200, &record),
        None => json_response(
            404,
            &json!({
                "success": false,
                "error": "not_found",
                "msg": format!("No such result: {path} (never applied, or no longer recorded)."),
            }),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::{Records, kebab, result_link, serve_result};
    use crate::server::record::AppliedOperation;
    use crate::server::respond::tests::read;
    use serde_json::json;
    use std::time::{Duration, SystemTime};

    #[test]
    fn a_link_names_the_operation_in_kebab_case_and_the_request_number() {
        assert_eq!(kebab("cloudCopy"), "cloud-copy");
        assert_eq!(kebab("CancelSync"), "cancel-sync");
        assert_eq!(kebab("copy"), "copy");
        assert_eq!(
            result_link("http://127.0.0.1:9", "cloudCopy", 2),
            "http://127.0.0.1:9/mock/results/cloud-copy-2.txt"
        );
    }

    #[tokio::test]
    async fn a_known_result_is_served_and_an_unknown_one_is_404() {
        let mut records = Records::default();
        records.applied.push_back(AppliedOperation {
            operation: None,
            operation_id: "cloudCopy".into(),
            body: json!({"src": "/data"}),
            applied_at: SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777),
            nth: 2,
        });
        let found = serve_result(&records, "GET", "/mock/results/cloud-copy-2.txt");
        let (status, _, body) = read(found.expect("a result path")).await;
        assert_eq!(status, 200);
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&body).expect("JSON"),
            json!({"operation": "cloudCopy", "nth": 2,
                   "applied_at": "Sun, 06 Nov 1994 08:49:37 GMT", "body": {"src": "/data"}})
        );
        let missing = serve_result(&records, "GET", "/mock/results/cloud-copy-1.txt");
        assert_eq!(read(missing.expect("a result path")).await.0, 404);
    }

    #[test]
    fn other_paths_and_methods_are_not_results() {
        let records = Records::default();
        assert!(serve_result(&records, "POST", "/mock/results/cloud-copy-1.txt").is_none());
        assert!(serve_result(&records, "GET", "/api/v0/commands/rclone/").is_none());
    }
}
