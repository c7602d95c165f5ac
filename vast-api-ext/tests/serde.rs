//! The serde forms (feature `serde`): each input round-trips (serialize,
//! deserialize, equal) through the JSON shape the README shows, the
//! official spellings read, and what the call would refuse is refused on
//! deserialize with the library's words; outcomes carry the raw answer, and
//! an error is the command line's JSON error object.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::fmt::Debug;
use vast_api_ext::{
    Answer, CloudCopy, CloudCopyOutcome, ConnectionId, Error, ErrorKind, InstanceId, Location,
    Operation, Outcome, Request, Transfer,
};

/// `value` serializes as `expected`, and `expected` deserializes back to `value`.
fn round_trip<T>(value: &T, expected: Value)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let written = serde_json::to_value(value).unwrap();
    assert_eq!(written, expected, "{value:?}");
    let text = serde_json::to_string(value).unwrap();
    let read: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(&read, value, "{text}");
}

/// What reading `json` as a `T` succeeds with.
fn read<T: DeserializeOwned>(json: Value) -> T {
    serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{json}: {e}"))
}

/// The error reading `json` as a `T` fails with, as text.
fn refused<T: DeserializeOwned + Debug>(json: Value) -> String {
    match serde_json::from_value::<T>(json.clone()) {
        Ok(value) => panic!("{json} should be refused, read {value:?}"),
        Err(e) => e.to_string(),
    }
}

fn id(n: u64) -> InstanceId {
    InstanceId::new(n).unwrap()
}

fn loc(text: &str) -> Location {
    text.parse().unwrap()
}

#[test]
fn a_location_is_its_text_and_reads_back_with_its_checks() {
    round_trip(
        &loc("C.6003036:/workspace/"),
        json!("C.6003036:/workspace/"),
    );
    round_trip(&loc("C.1:/ü/日本語 x"), json!("C.1:/ü/日本語 x"));
    // Read as `FromStr` reads it: the short form too, written back in full.
    assert_eq!(read::<Location>(json!("7:/a")), loc("C.7:/a"));
    for (bad, says) in [
        ("local:/tmp", "`local:` paths cannot be copied"),
        ("C.0:/a", "the instance id 0 names no instance"),
        ("C.1:/a//b", "holds an empty segment"),
        ("nocolon", "has no `:`"),
        ("s3.101:/a", "is not an instance"),
    ] {
        let text = refused::<Location>(json!(bad));
        assert!(text.contains(says), "{bad}: {text}");
    }
    assert!(refused::<Location>(json!(7)).contains("expected a string"));
}

proptest! {
    #[test]
    fn every_location_round_trips(id in 1u64.., path in "/?([a-z0-9 ._-]{1,8}/?){1,4}") {
        let location = Location::new(id, path).unwrap();
        let text = serde_json::to_string(&location).unwrap();
        prop_assert_eq!(serde_json::from_str::<Location>(&text).unwrap(), location);
    }
}

#[test]
fn ids_are_numbers_and_read_from_their_decimal_text_too() {
    round_trip(&id(6003036), json!(6003036));
    round_trip(&id(u64::MAX), json!(u64::MAX));
    round_trip(&ConnectionId(1004), json!(1004));
    round_trip(&ConnectionId(0), json!(0));
    assert_eq!(read::<InstanceId>(json!("6003036")), id(6003036));
    assert_eq!(read::<ConnectionId>(json!("1004")), ConnectionId(1004));
    for zero in [json!(0), json!("0"), json!("000")] {
        let text = refused::<InstanceId>(zero.clone());
        assert!(
            text.contains("the instance id 0 names no instance"),
            "{zero}: {text}"
        );
    }
    for (bad, says) in [
        (json!(-5), "the instance id `-5` is not a number"),
        (json!("6x"), "the instance id `6x` is not a number"),
        (json!(" 7"), "is not a number"),
        (json!(""), "the instance id is empty"),
        (json!("18446744073709551616"), "is too large"),
        (json!(1.5), "expected an instance id"),
        (json!(null), "expected an instance id"),
    ] {
        let text = refused::<InstanceId>(bad.clone());
        assert!(text.contains(says), "{bad}: {text}");
    }
    let text = refused::<ConnectionId>(json!("x2"));
    assert!(
        text.contains("the connection id `x2` is not a number"),
        "{text}"
    );
}

#[test]
fn a_transfer_is_snake_case_and_reads_the_official_spellings() {
    round_trip(&Transfer::InstanceToCloud, json!("instance_to_cloud"));
    round_trip(&Transfer::CloudToInstance, json!("cloud_to_instance"));
    for (text, transfer) in [
        ("Instance To Cloud", Transfer::InstanceToCloud),
        ("instance to cloud", Transfer::InstanceToCloud),
        ("INSTANCE_TO_CLOUD", Transfer::InstanceToCloud),
        ("Cloud To Instance", Transfer::CloudToInstance),
        (" cloud to instance ", Transfer::CloudToInstance),
    ] {
        assert_eq!(read::<Transfer>(json!(text)), transfer, "{text}");
    }
    for bad in ["up", "instance-to-cloud", "instance_to_cloud_", ""] {
        let text = refused::<Transfer>(json!(bad));
        assert!(
            text.starts_with(&format!(
                "invalid value: string {:?}, expected a transfer: \"instance_to_cloud\"",
                bad
            )),
            "{bad}: {text}"
        );
    }
    assert!(refused::<Transfer>(json!(1)).contains("expected a transfer"));
}

/// A cloud copy with every field set away from its default.
fn full_cloud_copy() -> CloudCopy {
    CloudCopy::new(id(6003036), 1004u64, Transfer::CloudToInstance)
        .src("bucket/data")
        .dst("/workspace/data")
        .dry_run(true)
        .size_only(true)
        .ignore_existing(true)
        .update(true)
        .delete_excluded(true)
        .extra_flag("--transfers=8")
        .extra_flag("--checksum")
}

#[test]
fn a_cloud_copy_is_an_object_of_its_fields() {
    round_trip(
        &full_cloud_copy(),
        json!({
            "instance": 6003036, "connection": 1004, "transfer": "cloud_to_instance",
            "src": "bucket/data", "dst": "/workspace/data",
            "dry_run": true, "size_only": true, "ignore_existing": true, "update": true,
            "delete_excluded": true, "extra_flags": ["--transfers=8", "--checksum"],
        }),
    );
    let plain = CloudCopy::new(id(5), 1u64, Transfer::InstanceToCloud).src("/w");
    round_trip(
        &plain,
        json!({
            "instance": 5, "connection": 1, "transfer": "instance_to_cloud",
            "src": "/w", "dst": "/workspace",
            "dry_run": false, "size_only": false, "ignore_existing": false, "update": false,
            "delete_excluded": false, "extra_flags": [],
        }),
    );
}

#[test]
fn a_cloud_copy_reads_with_the_builders_defaults_and_the_official_spellings() {
    let read = read::<CloudCopy>(json!({
        "instance": "5", "connection": "1", "transfer": "Instance To Cloud", "src": "/w",
    }));
    assert_eq!(
        read,
        CloudCopy::new(id(5), 1u64, Transfer::InstanceToCloud).src("/w")
    );
    assert_eq!(
        Request::CloudCopy(read).body().unwrap(),
        json!({"instance_id": "5", "selected": "1", "transfer": "Instance To Cloud",
               "src": "/w", "dst": "/workspace"})
    );
}

#[test]
fn a_cloud_copy_the_builder_would_refuse_is_refused_on_deserialize() {
    let valid = serde_json::to_value(full_cloud_copy()).unwrap();
    let with = |field: &str, value: Value| {
        let mut object = valid.clone();
        object[field] = value;
        object
    };
    let without = |field: &str| {
        let mut object = valid.clone();
        object.as_object_mut().unwrap().remove(field);
        object
    };
    for (json, says) in [
        (
            with("src", json!("  ")),
            "the cloud copy `src` path is empty",
        ),
        (with("dst", json!("")), "the cloud copy `dst` path is empty"),
        (
            with("dst", json!("a\0b")),
            "the cloud copy `dst` path holds a NUL",
        ),
        (
            with("extra_flags", json!(["-v"])),
            "the extra flag `-v` is not a long option",
        ),
        (
            with("extra_flags", json!(["--a b"])),
            "the extra flag `--a b` is not a long option",
        ),
        (
            with("instance", json!(0)),
            "the instance id 0 names no instance",
        ),
        (
            with("transfer", json!("up")),
            "invalid value: string \"up\", expected a transfer",
        ),
        (with("dry_run", json!("yes")), "expected a boolean"),
        (without("src"), "missing field `src`"),
        (without("transfer"), "missing field `transfer`"),
        (with("dry-run", json!(true)), "unknown field `dry-run`"),
    ] {
        let text = refused::<CloudCopy>(json.clone());
        assert!(text.contains(says), "{json}: {text}");
    }
}

/// Each kind of request, its JSON form, and its operation.
fn requests() -> Vec<(Request, Value)> {
    let mut cloud = serde_json::to_value(full_cloud_copy()).unwrap();
    cloud["operation"] = json!("cloud_copy");
    vec![
        (
            Request::Copy {
                src: loc("C.1:/a"),
                dst: loc("C.2:/b/"),
            },
            json!({"operation": "copy", "src": "C.1:/a", "dst": "C.2:/b/"}),
        ),
        (Request::CloudCopy(full_cloud_copy()), cloud),
        (
            Request::CancelSync(id(7)),
            json!({"operation": "cancel_sync", "dst": 7}),
        ),
        (
            Request::CancelCopy(id(7)),
            json!({"operation": "cancel_copy", "dst": 7}),
        ),
    ]
}

#[test]
fn a_request_is_tagged_by_its_operations_name() {
    let mut seen = Vec::new();
    for (request, json) in requests() {
        let operation = request.operation();
        assert_eq!(json["operation"], operation.name().replace(' ', "_"));
        round_trip(&request, json);
        seen.push(operation);
    }
    assert_eq!(seen, Operation::ALL, "every operation has a serde form");
    // The short forms read too.
    assert_eq!(
        read::<Request>(json!({"operation": "copy", "src": "1:/a", "dst": "2:/b/"})),
        requests()[0].0
    );
    assert_eq!(
        read::<Request>(json!({"operation": "cancel_copy", "dst": "7"})),
        Request::CancelCopy(id(7))
    );
}

#[test]
fn a_request_the_call_would_refuse_is_refused_on_deserialize_naming_what_is_wrong() {
    for (json, says) in [
        (
            json!({"operation": "copy", "src": "local:/a", "dst": "C.2:/b"}),
            "invalid input: copy source: `local:` paths cannot be copied",
        ),
        (
            json!({"operation": "copy", "src": "C.1:/a", "dst": "C.2:/b//c"}),
            "invalid input: copy destination: the path `/b//c` holds an empty segment",
        ),
        (
            json!({"operation": "copy", "src": "C.0:/a", "dst": "C.2:/b"}),
            "copy source: the instance id 0 names no instance",
        ),
        (
            json!({"operation": "cancel_sync", "dst": u64::MAX}),
            "is too large for cancel sync",
        ),
        (
            json!({"operation": "cancel_copy", "dst": 0}),
            "the instance id 0 names no instance",
        ),
        (
            json!({"operation": "cloud_copy", "instance": 1, "connection": 2,
                   "transfer": "instance_to_cloud", "src": ""}),
            "the cloud copy `src` path is empty",
        ),
        (
            json!({"operation": "cloud_copy", "instance": 1, "connection": 2,
                   "transfer": "instance_to_cloud", "src": "/a", "dryrun": true}),
            "unknown field `dryrun`",
        ),
        (
            json!({"operation": "copy", "src": "C.1:/a"}),
            "missing field `dst`",
        ),
        (
            json!({"operation": "cancel_sync", "dst": 7, "dst_id": 7}),
            "unknown field `dst_id`",
        ),
        (
            json!({"operation": "sync", "dst": 7}),
            "unknown variant `sync`",
        ),
        (json!({"dst": 7}), "missing field `operation`"),
    ] {
        let text = refused::<Request>(json.clone());
        assert!(text.contains(says), "{json}: {text}");
    }
}

#[test]
fn answers_are_tagged_and_carry_the_servers_answer_as_json() {
    let body = r#"{"success":true,"msg":"started","result_url":"https://r/1","extra_field":42}"#;
    let cloud =
        CloudCopyOutcome::new(Some("started".into()), Some("https://r/1".into()), 2).with_raw(body);
    assert_eq!(
        serde_json::to_value(Answer::CloudCopy(cloud)).unwrap(),
        json!({
            "operation": "cloud_copy", "message": "started", "result_url": "https://r/1",
            "attempts": 2,
            "raw": {"success": true, "msg": "started", "result_url": "https://r/1",
                    "extra_field": 42},
        })
    );
    // Without a body of its own, `raw` is the answer its fields describe.
    let described = Outcome::new(None, 1);
    for (answer, operation) in [
        (Answer::Copy(described.clone()), "copy"),
        (Answer::CancelSync(described.clone()), "cancel_sync"),
        (Answer::CancelCopy(described.clone()), "cancel_copy"),
    ] {
        assert_eq!(
            serde_json::to_value(answer).unwrap(),
            json!({"operation": operation, "message": null, "attempts": 1,
                   "raw": {"success": true}})
        );
    }
    // A body that is not JSON is kept as its text.
    let odd = Outcome::new(Some("ok".into()), 1).with_raw("OK (not JSON)");
    assert_eq!(
        serde_json::to_value(&odd).unwrap(),
        json!({"message": "ok", "attempts": 1, "raw": "OK (not JSON)"})
    );
    let plain = CloudCopyOutcome::new(None, None, 1);
    assert_eq!(
        serde_json::to_value(&plain).unwrap(),
        json!({"message": null, "result_url": null, "attempts": 1, "raw": {"success": true}})
    );
}

#[test]
fn an_error_is_the_command_lines_json_error_object() {
    let api = Error::for_call(
        Operation::Copy,
        3,
        ErrorKind::Api {
            status: 404,
            code: Some("no_such_instance".into()),
            message: "gone".into(),
        },
    );
    assert_eq!(
        serde_json::to_value(&api).unwrap(),
        json!({
            "kind": "api", "status": 404, "code": "no_such_instance",
            "message": "copy failed: the server answered 404 (no_such_instance): gone (after 3 attempts)",
            "operation": "copy", "attempts": 3,
        })
    );
    let invalid = "C.0:/a".parse::<Location>().unwrap_err();
    assert_eq!(
        serde_json::to_value(&invalid).unwrap(),
        json!({
            "kind": "invalid_input", "status": null, "code": null,
            "message": "invalid input: the instance id 0 names no instance",
            "operation": null, "attempts": 0,
        })
    );
    let timeout = Error::for_call(Operation::CloudCopy, 1, ErrorKind::Timeout);
    let written = serde_json::to_value(&timeout).unwrap();
    assert_eq!(
        (&written["kind"], &written["operation"], &written["status"]),
        (&json!("timeout"), &json!("cloud copy"), &Value::Null)
    );
    // The fields are the error's own facts, under the names `vast --json` uses.
    assert_eq!(written["kind"], timeout.kind_name());
    assert_eq!(written["message"], timeout.to_string());
}
