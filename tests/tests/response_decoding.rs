//! Every response the spec allows decodes into the generated types: its
//! examples, bodies generated from its schemas, and the same bodies served by
//! the mock and decoded by the generated client.
#![allow(clippy::unwrap_used)]

use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;
use vast_mock::{Fault, MockServer, Operation, spec};

/// Decodes `body` into the generated type for `op` and `status` (the
/// table's schema name, through `vast_api::dynamic`), and encodes it again
/// (so a field the type drops shows up as a difference).
fn decode(op: Operation, status: u16, body: &Value) -> Result<Value, serde_json::Error> {
    let name = op
        .facts()
        .response_schemas
        .iter()
        .find(|(s, _)| *s == status)
        .map(|(_, name)| *name)
        .unwrap_or_else(|| panic!("{op} {status}: no response schema in the table"));
    vast_api::dynamic::round_trip(name, body)
        .unwrap_or_else(|| panic!("{op} {status}: {name} is not a generated type"))
}

fn cases() -> Vec<(Operation, u16)> {
    Operation::ALL
        .into_iter()
        .flat_map(|op| {
            spec::spec()
                .response_statuses(op)
                .into_iter()
                .map(move |s| (op, s))
        })
        .collect()
}

#[test]
fn spec_examples_conform_and_decode_without_loss() {
    let mut examples = Vec::new();
    for (op, status) in cases() {
        let Some(example) = spec::spec().example(op, status) else {
            continue;
        };
        examples.push((op, status));
        spec::validate_response(op, status, example).unwrap();
        assert_eq!(
            &decode(op, status, example).unwrap(),
            example,
            "{op} {status}"
        );
    }
    // copy 200/400/404 and cancel sync 200/400/404 carry examples; cloud
    // copy has none (an operation added later may have its own).
    for op in [Operation::Copy, Operation::CancelSync] {
        for status in [200, 400, 404] {
            assert!(
                examples.contains(&(op, status)),
                "{op} {status}: no example"
            );
        }
    }
    assert!(!examples.iter().any(|(op, _)| *op == Operation::CloudCopy));
}

#[test]
fn generated_response_bodies_decode_without_loss() {
    for (op, status) in cases() {
        let schema = spec::spec().response_schema(op, status).unwrap();
        let strategy = tests::arb_json(schema, spec::spec().document());
        let mut runner = TestRunner::new(Config {
            cases: 64,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&strategy, |body| {
            // The generator's own output conforms, or this test proves nothing.
            spec::validate_response(op, status, &body)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let decoded =
                decode(op, status, &body).map_err(|e| TestCaseError::fail(e.to_string()))?;
            proptest::prop_assert_eq!(decoded, body);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{op} {status}: {e}");
        }
    }
}

/// Serves `body` with `status` for `op` through the mock and lets the
/// generated client decode it; returns the decoded body, re-encoded.
async fn through_client(
    client: &vast_api::Client,
    mock: &MockServer,
    op: Operation,
    status: u16,
    body: &Value,
) -> Result<Value, String> {
    fn ok<T: serde::Serialize, E: std::fmt::Debug>(
        r: Result<vast_api::ResponseValue<T>, vast_api::Error<E>>,
    ) -> Result<Value, String> {
        r.map(|v| serde_json::to_value(v.into_inner()).unwrap())
            .map_err(|e| format!("{e:?}"))
    }
    fn err<T: std::fmt::Debug, E: serde::Serialize + std::fmt::Debug>(
        r: Result<vast_api::ResponseValue<T>, vast_api::Error<E>>,
    ) -> Result<Value, String> {
        match r {
            Err(vast_api::Error::ErrorResponse(v)) => {
                Ok(serde_json::to_value(v.into_inner()).unwrap())
            }
            other => Err(format!("expected a typed error response, got {other:?}")),
        }
    }
    mock.fault_next(op, Fault::json(status, body.clone()));
    // The operation's generated call, with a valid request of the spec's.
    let request = spec::spec()
        .valid_request(op, 1)
        .ok_or_else(|| format!("{op}: no request in the spec"))?;
    let result = vast_api::dynamic::send(client, op, &request).await;
    if status == 200 {
        ok(result)
    } else {
        err(result)
    }
}

#[test]
fn generated_response_bodies_decode_through_the_client() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mock = runtime.block_on(MockServer::start()).unwrap();
    let client = vast_api::Client::with_api_key(&mock.uri(), "k").unwrap();
    for (op, status) in cases() {
        let schema = spec::spec().response_schema(op, status).unwrap();
        let strategy = tests::arb_json(schema, spec::spec().document());
        let mut runner = TestRunner::new(Config {
            cases: 24,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&strategy, |body| {
            let decoded = runtime
                .block_on(through_client(&client, &mock, op, status, &body))
                .map_err(TestCaseError::fail)?;
            proptest::prop_assert_eq!(decoded, body);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{op} {status}: {e}");
        }
    }
}
