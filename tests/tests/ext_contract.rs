//! The ergonomic `vast-api-ext` client against the in-process mock: for
//! generated valid inputs (locations in both syntaxes, cloud copies with every
//! transfer and flag, cancel sync ids up to `i64::MAX`) each call succeeds,
//! every request it sends passes the mock's own checks
//! (`vast_mock::spec::validate_http`), and the body applied is exactly what
//! the inputs imply.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use vast_api_ext::{
    Client, CloudCopy, ConnectionId, DEFAULT_CLOUD_DST, InstanceId, Location, PacingConfig,
    RetryConfig, Transfer,
};
use vast_mock::{MockServer, Operation, spec};

const API_KEY: &str = "ext-contract-test-key";

/// Cases per operation: enough to mix the syntaxes and flags, few enough to stay fast.
const CASES: u32 = 48;

/// A current-thread runtime, a mock on 127.0.0.1 and an ext client without
/// retries (one request per call) talking to it.
fn setup() -> (tokio::runtime::Runtime, MockServer, Client) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mock = runtime.block_on(MockServer::start()).unwrap();
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(mock.uri())
        .retry(RetryConfig::disabled())
        .pacing(PacingConfig::disabled())
        .build()
        .unwrap();
    (runtime, mock, client)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    })
}

/// The single request the mock recorded passes every check the mock runs and
/// is `op`; returns its body as parsed. Also checks that the key travels only
/// in the `Authorization` header, and that the body was applied as sent.
fn the_request(mock: &MockServer, op: Operation) -> Result<Value, TestCaseError> {
    let requests = mock.requests();
    prop_assert_eq!(requests.len(), 1);
    let request = &requests[0];
    let (routed, body) = spec::validate_http(
        &request.method,
        &request.path,
        request.header("content-type"),
        request.header("authorization"),
        &request.body,
    )
    .map_err(|v| TestCaseError::fail(format!("the mock's checks refuse the request: {v}")))?;
    prop_assert_eq!(routed, op);
    let bearer = format!("Bearer {API_KEY}");
    prop_assert_eq!(request.header("authorization"), Some(bearer.as_str()));
    prop_assert!(request.query.is_none());
    prop_assert!(!String::from_utf8_lossy(&request.body).contains(API_KEY));
    let applied = mock.applied();
    prop_assert_eq!(applied.len(), 1);
    prop_assert_eq!(applied[0].operation, Some(op));
    prop_assert_eq!(&applied[0].body, &body);
    Ok(body)
}

/// One path segment: no `/`, no NUL (the CLI's rule) and no `:` (a location
/// is split on its first `:`, so the ext client refuses one in the path).
fn arb_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._-]{1,10}",
        // Spaces, including a segment of spaces only.
        "[a-z ]{1,6}",
        // Any other character, unicode and control characters included.
        "[^/:\\x00]{1,6}",
        proptest::sample::select(vec!["données", "日本語", "🚀 run", "café au lait", ".."])
            .prop_map(str::to_owned),
    ]
}

/// A path the CLI's rule `^(/)?([^/\0]+(/)?)+$` accepts: an optional leading
/// `/`, one or more segments, an optional trailing `/`.
fn arb_path() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        proptest::collection::vec(arb_segment(), 1..5),
        any::<bool>(),
    )
        .prop_map(|(leading, segments, trailing)| {
            let mut path = String::new();
            if leading {
                path.push('/');
            }
            path.push_str(&segments.join("/"));
            if trailing {
                path.push('/');
            }
            path
        })
}

/// How a location is written.
#[derive(Clone, Copy, Debug)]
enum Syntax {
    /// `Location::new(id, path)`.
    New,
    /// `C.<id>:<path>`, parsed.
    Container,
    /// `<id>:<path>`, parsed.
    Bare,
}

/// A valid location, made in one of the three ways, with the instance and
/// path it must hold.
fn arb_location() -> impl Strategy<Value = (Location, u64, String)> {
    (
        prop_oneof![1..=1_000_000u64, 1..=u64::MAX],
        arb_path(),
        prop_oneof![
            Just(Syntax::New),
            Just(Syntax::Container),
            Just(Syntax::Bare)
        ],
    )
        .prop_map(|(id, path, syntax)| {
            let location = match syntax {
                Syntax::New => Location::new(InstanceId::new(id).unwrap(), path.clone()),
                Syntax::Container => format!("C.{id}:{path}").parse(),
                Syntax::Bare => format!("{id}:{path}").parse(),
            };
            let location =
                location.unwrap_or_else(|e| panic!("{syntax:?} {id} {path:?} must be valid: {e}"));
            (location, id, path)
        })
}

#[test]
fn copy_from_the_ext_client_conforms_and_applies_the_locations() {
    let (runtime, mock, client) = setup();
    let result = runner().run(&(arb_location(), arb_location()), |(src, dst)| {
        let (src, src_id, src_path) = src;
        let (dst, dst_id, dst_path) = dst;
        prop_assert_eq!(src.instance(), InstanceId::new(src_id).unwrap());
        prop_assert_eq!(src.path(), src_path.as_str());
        mock.clear();
        let outcome = runtime
            .block_on(client.copy(&src, &dst))
            .map_err(|e| TestCaseError::fail(format!("copy {src} → {dst} failed: {e}")))?;
        prop_assert_eq!(outcome.attempts, 1);
        let body = the_request(&mock, Operation::Copy)?;
        let expected = json!({
            "src_id": src_id.to_string(),
            "dst_id": dst_id.to_string(),
            "src_path": src_path,
            "dst_path": dst_path,
        });
        prop_assert_eq!(body, expected);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The five typed flags, in the official CLI's order.
const FLAGS: [&str; 5] = [
    "--dry-run",
    "--size-only",
    "--ignore-existing",
    "--update",
    "--delete-excluded",
];

/// The inputs of one cloud copy.
#[derive(Clone, Debug)]
struct CloudInput {
    instance: u64,
    connection: u64,
    transfer: Transfer,
    src: String,
    dst: Option<String>,
    /// `on[i]` turns `FLAGS[i]` on.
    on: [bool; 5],
    extra: Vec<String>,
}

impl CloudInput {
    fn request(&self) -> CloudCopy {
        let mut request = CloudCopy::new(
            InstanceId::new(self.instance).unwrap(),
            ConnectionId(self.connection),
            self.transfer,
        )
        .src(self.src.clone())
        .dry_run(self.on[0])
        .size_only(self.on[1])
        .ignore_existing(self.on[2])
        .update(self.on[3])
        .delete_excluded(self.on[4]);
        if let Some(dst) = &self.dst {
            request = request.dst(dst.clone());
        }
        for flag in &self.extra {
            request = request.extra_flag(flag.clone());
        }
        request
    }

    /// The body the inputs imply: ids as decimal strings, the exact transfer
    /// string, the typed flags in order then the extras (no `flags` field
    /// when there are none), and no `api_key`.
    fn expected_body(&self) -> Value {
        let flags: Vec<&str> = FLAGS
            .iter()
            .zip(self.on)
            .filter(|(_, on)| *on)
            .map(|(flag, _)| *flag)
            .chain(self.extra.iter().map(String::as_str))
            .collect();
        let transfer = match self.transfer {
            Transfer::InstanceToCloud => "Instance To Cloud",
            Transfer::CloudToInstance => "Cloud To Instance",
        };
        let mut body = json!({
            "instance_id": self.instance.to_string(),
            "selected": self.connection.to_string(),
            "transfer": transfer,
            "src": self.src,
            "dst": self.dst.as_deref().unwrap_or(DEFAULT_CLOUD_DST),
        });
        // The generated type leaves out an empty `flags` (an optional array):
        // no flags is sent as no `flags` field, which the API reads as none.
        if !flags.is_empty() {
            body["flags"] = json!(flags);
        }
        body
    }
}

/// A cloud copy path: the path rule, and not blank (the ext client refuses
/// a blank `src`/`dst`).
fn arb_cloud_path() -> impl Strategy<Value = String> {
    arb_path().prop_filter("a blank cloud copy path is refused", |p| {
        !p.trim().is_empty()
    })
}

/// The transfer, built as often from the enum as parsed case-insensitively.
fn arb_transfer() -> impl Strategy<Value = Transfer> {
    prop_oneof![
        Just(Transfer::InstanceToCloud),
        Just(Transfer::CloudToInstance),
        proptest::sample::select(vec![
            "instance to cloud",
            "INSTANCE TO CLOUD",
            "Instance To Cloud",
            " cloud to instance ",
            "Cloud To Instance",
            "cLoUd To InStAnCe",
        ])
        .prop_map(|s| s.parse::<Transfer>().unwrap()),
    ]
}

/// An extra rclone flag: `--name` or `--name=value`.
fn arb_extra_flag() -> impl Strategy<Value = String> {
    "--[a-z][a-z0-9-]{0,15}(=[a-zA-Z0-9._/,]{1,8})?"
}

fn arb_cloud_input() -> impl Strategy<Value = CloudInput> {
    (
        prop_oneof![1..=1_000_000u64, 1..=u64::MAX],
        any::<u64>(),
        arb_transfer(),
        arb_cloud_path(),
        proptest::option::of(arb_cloud_path()),
        any::<[bool; 5]>(),
        proptest::collection::vec(arb_extra_flag(), 0..3),
    )
        .prop_map(
            |(instance, connection, transfer, src, dst, on, extra)| CloudInput {
                instance,
                connection,
                transfer,
                src,
                dst,
                on,
                extra,
            },
        )
}

/// Sends `input` and checks the request and the applied body.
fn check_cloud_copy(
    runtime: &tokio::runtime::Runtime,
    mock: &MockServer,
    client: &Client,
    input: &CloudInput,
) -> Result<(), TestCaseError> {
    mock.clear();
    let request = input.request();
    let outcome = runtime
        .block_on(client.cloud_copy(&request))
        .map_err(|e| TestCaseError::fail(format!("cloud copy {input:?} failed: {e}")))?;
    prop_assert_eq!(outcome.attempts, 1);
    let body = the_request(mock, Operation::CloudCopy)?;
    prop_assert!(body.get("api_key").is_none(), "{body}");
    prop_assert_eq!(body, input.expected_body());
    Ok(())
}

#[test]
fn cloud_copy_from_the_ext_client_conforms_and_applies_the_request() {
    let (runtime, mock, client) = setup();
    let result = runner().run(&arb_cloud_input(), |input| {
        check_cloud_copy(&runtime, &mock, &client, &input)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The proptest above draws flags at random; this sends each of the 32
/// combinations of the five typed flags, in both directions, with and
/// without extra flags after them.
#[test]
fn cloud_copy_sends_every_flag_combination_in_the_official_order() {
    let (runtime, mock, client) = setup();
    let extras = [
        vec![],
        vec!["--transfers=8".to_owned()],
        vec!["--checksum".to_owned(), "--exclude=*.tmp".to_owned()],
    ];
    for transfer in [Transfer::InstanceToCloud, Transfer::CloudToInstance] {
        for mask in 0u8..32 {
            for extra in &extras {
                let input = CloudInput {
                    instance: 6003036,
                    connection: 1004,
                    transfer,
                    src: "/workspace/results".to_owned(),
                    dst: Some("bucket/results".to_owned()),
                    on: std::array::from_fn(|i| mask & (1 << i) != 0),
                    extra: extra.clone(),
                };
                if let Err(e) = check_cloud_copy(&runtime, &mock, &client, &input) {
                    panic!("{transfer:?}, flags {mask:05b}, extras {extra:?}: {e}");
                }
            }
        }
    }
}

#[test]
fn cancel_sync_from_the_ext_client_conforms_and_sends_the_integer_id() {
    let (runtime, mock, client) = setup();
    let ids = prop_oneof![
        1..=1_000_000u64,
        1..=i64::MAX as u64,
        Just(1u64),
        Just(i64::MAX as u64),
    ];
    let result = runner().run(&ids, |id| {
        mock.clear();
        let outcome = runtime
            .block_on(client.cancel_sync(InstanceId::new(id).unwrap()))
            .map_err(|e| TestCaseError::fail(format!("cancel sync {id} failed: {e}")))?;
        prop_assert_eq!(outcome.attempts, 1);
        let body = the_request(&mock, Operation::CancelSync)?;
        prop_assert_eq!(&body, &json!({ "dst_id": id }));
        // An integer on the wire, not a string.
        prop_assert!(body["dst_id"].is_u64(), "{body}");
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
