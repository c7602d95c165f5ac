//! `cargo xtask api-diff`: each fixture edits a copy of the merged spec and
//! checks the classification, and, through the binary on a temporary git
//! repository, the exit status and the formats.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use xtask::api_diff::{self, Class, Format, Kind, Report};

const COPY: (&str, &str) = ("/api/v0/commands/copy_direct/", "put");
const CANCEL_SYNC: (&str, &str) = ("/api/v0/commands/rclone/", "delete");

/// The repository's merged spec, parsed.
fn spec() -> Value {
    let text = std::fs::read_to_string(xtask::root().join(xtask::SPEC_PATH)).unwrap();
    api_diff::parse(&text, xtask::SPEC_PATH).unwrap()
}

fn schema<'a>(spec: &'a mut Value, name: &str) -> &'a mut Value {
    let schema = &mut spec["components"]["schemas"][name];
    assert!(schema.is_object(), "the spec has a schema {name}");
    schema
}

fn operation<'a>(spec: &'a mut Value, (path, method): (&str, &str)) -> &'a mut Value {
    let op = &mut spec["paths"][path][method];
    assert!(op.is_object(), "the spec has {method} {path}");
    op
}

/// The report of `edit` applied to a copy of the spec.
fn report(edit: impl FnOnce(&mut Value)) -> Report {
    let old = spec();
    let mut new = old.clone();
    edit(&mut new);
    api_diff::compare(&old, &new)
}

/// Each change as (operation id, scope, field, kind, class).
fn rows(report: &Report) -> Vec<(&str, &str, &str, Kind, Class)> {
    report
        .changes
        .iter()
        .map(|c| {
            (
                c.operation_id.as_str(),
                c.scope.as_str(),
                c.field.as_str(),
                c.kind,
                c.class,
            )
        })
        .collect()
}

#[test]
fn no_change_is_an_empty_report() {
    let report = report(|_| {});
    assert!(report.is_empty());
    assert!(!report.is_breaking());
    assert_eq!(report.render(Format::Text), "No API changes.\n");
}

#[test]
fn an_optional_response_property_added_is_compatible() {
    let report = report(|s| {
        schema(s, "CopyResponse")["properties"]["dst_port"] = json!({"type": "integer"});
    });
    assert_eq!(
        rows(&report),
        [(
            "copy",
            "response 200",
            ".dst_port",
            Kind::PropertyAdded,
            Class::Compatible
        )]
    );
    assert!(!report.is_breaking());
}

#[test]
fn a_request_property_made_required_is_breaking() {
    let report = report(|s| {
        schema(s, "CopyRequest")["required"] = json!(["src_id", "src_path", "dst_path"]);
    });
    assert_eq!(
        rows(&report),
        [(
            "copy",
            "request body",
            ".src_id",
            Kind::PropertyBecameRequired,
            Class::Breaking
        )]
    );
    assert!(report.is_breaking());
}

#[test]
fn a_request_property_no_longer_required_is_compatible() {
    let report = report(|s| schema(s, "CopyRequest")["required"] = json!(["dst_path"]));
    assert_eq!(
        rows(&report),
        [(
            "copy",
            "request body",
            ".src_path",
            Kind::PropertyBecameOptional,
            Class::Compatible
        )]
    );
}

#[test]
fn a_response_property_removed_is_breaking_under_every_operation_using_it() {
    let report = report(|s| {
        let props = schema(s, "ApiError")["properties"].as_object_mut().unwrap();
        props.shift_remove("msg").unwrap();
    });
    // ApiError is copy's, cancel copy's and cancel sync's 400 and 404 answer
    // (the report lists operations by path, then method).
    let expected: Vec<_> = [
        ("copy", "response 400"),
        ("copy", "response 404"),
        ("cancelCopy", "response 400"),
        ("cancelCopy", "response 404"),
        ("cancelSync", "response 400"),
        ("cancelSync", "response 404"),
    ]
    .into_iter()
    .map(|(op, scope)| (op, scope, ".msg", Kind::PropertyRemoved, Class::Breaking))
    .collect();
    assert_eq!(rows(&report), expected);
    assert_eq!(
        report.changes[0].pointer,
        "/components/schemas/ApiError/properties/msg"
    );
}

#[test]
fn a_status_added_is_compatible() {
    let report = report(|s| {
        operation(s, CANCEL_SYNC)["responses"]["503"] = json!({"description": "Unavailable."});
    });
    assert_eq!(
        rows(&report),
        [(
            "cancelSync",
            "response 503",
            "",
            Kind::StatusAdded,
            Class::Compatible
        )]
    );
}

#[test]
fn a_success_status_removed_is_breaking() {
    let report = report(|s| {
        let responses = operation(s, COPY)["responses"].as_object_mut().unwrap();
        responses.shift_remove("200").unwrap();
    });
    assert_eq!(
        rows(&report),
        [(
            "copy",
            "response 200",
            "",
            Kind::StatusRemoved,
            Class::Breaking
        )]
    );
}

#[test]
fn an_operation_removed_is_breaking() {
    let report = report(|s| {
        let item = s["paths"][CANCEL_SYNC.0].as_object_mut().unwrap();
        item.shift_remove(CANCEL_SYNC.1).unwrap();
    });
    assert_eq!(
        rows(&report),
        [(
            "cancelSync",
            "operation",
            "",
            Kind::OperationRemoved,
            Class::Breaking
        )]
    );
    assert_eq!(report.changes[0].method, "DELETE");
}

#[test]
fn a_description_only_edit_is_docs_only() {
    let report = report(|s| {
        schema(s, "CopyRequest")["properties"]["src_path"]["description"] = json!("Where from.");
        operation(s, COPY)["summary"] = json!("copy between instances");
    });
    assert_eq!(
        rows(&report),
        [
            ("copy", "operation", "", Kind::DocsChanged, Class::Docs),
            (
                "copy",
                "request body",
                ".src_path",
                Kind::DocsChanged,
                Class::Docs
            ),
        ]
    );
    assert!(!report.is_breaking());
}

#[test]
fn a_response_example_edit_is_docs_only() {
    let report = report(|s| {
        operation(s, COPY)["responses"]["200"]["content"]["application/json"]["example"]["msg"] =
            json!("Started.");
    });
    assert_eq!(
        rows(&report),
        [("copy", "response 200", "", Kind::DocsChanged, Class::Docs)]
    );
    assert_eq!(report.changes[0].keyword.as_deref(), Some("example"));
}

#[test]
fn a_request_property_type_change_is_breaking() {
    let report = report(|s| {
        schema(s, "CancelSyncRequest")["properties"]["dst_id"]["type"] = json!("string");
    });
    assert_eq!(
        rows(&report),
        [(
            "cancelSync",
            "request body",
            ".dst_id",
            Kind::TypeChanged,
            Class::Breaking
        )]
    );
    let change = &report.changes[0];
    assert_eq!(
        (change.old.clone(), change.new.clone()),
        (Some(json!("integer")), Some(json!("string")))
    );
}

#[test]
fn a_format_added_to_a_request_property_is_breaking_and_to_a_response_one_compatible() {
    let report = report(|s| {
        schema(s, "CancelSyncRequest")["properties"]["dst_id"]["format"] = json!("int32");
        schema(s, "CloudCopyResponse")["properties"]["result_url"]["format"] = json!("uri");
    });
    assert_eq!(
        rows(&report),
        [
            (
                "cloudCopy",
                "response 200",
                ".result_url",
                Kind::FormatChanged,
                Class::Compatible
            ),
            (
                "cancelSync",
                "request body",
                ".dst_id",
                Kind::FormatChanged,
                Class::Breaking
            ),
        ]
    );
}

#[test]
fn a_response_property_that_became_nullable_is_breaking() {
    let report = report(|s| {
        schema(s, "CopyResponse")["properties"]["msg"]["nullable"] = json!(true);
    });
    assert_eq!(
        rows(&report),
        [(
            "copy",
            "response 200",
            ".msg",
            Kind::BecameNullable,
            Class::Breaking
        )]
    );
}

#[test]
fn enum_values_added_to_a_request_are_compatible_and_removed_are_breaking() {
    let with = |values: Value| {
        move |s: &mut Value| {
            schema(s, "CloudCopyRequest")["properties"]["transfer"]["enum"] = values;
        }
    };
    let introduced = report(with(json!(["Instance To Cloud"])));
    assert_eq!(
        rows(&introduced),
        [(
            "cloudCopy",
            "request body",
            ".transfer",
            Kind::EnumIntroduced,
            Class::Breaking
        )]
    );
    // From one value to two, and from two to one, on a base that has the enum.
    let mut one = spec();
    with(json!(["Instance To Cloud"]))(&mut one);
    let mut two = one.clone();
    with(json!(["Instance To Cloud", "Cloud To Instance"]))(&mut two);
    let added = api_diff::compare(&one, &two);
    assert_eq!(
        rows(&added),
        [(
            "cloudCopy",
            "request body",
            ".transfer",
            Kind::EnumValueAdded,
            Class::Compatible
        )]
    );
    assert_eq!(added.changes[0].new, Some(json!("Cloud To Instance")));
    let removed = api_diff::compare(&two, &one);
    assert_eq!(
        rows(&removed),
        [(
            "cloudCopy",
            "request body",
            ".transfer",
            Kind::EnumValueRemoved,
            Class::Breaking
        )]
    );
}

#[test]
fn a_property_inside_array_items_is_followed() {
    let report = report(|s| {
        schema(s, "CloudCopyRequest")["properties"]["flags"]["items"]["format"] = json!("byte");
    });
    assert_eq!(
        rows(&report),
        [(
            "cloudCopy",
            "request body",
            ".flags[]",
            Kind::FormatChanged,
            Class::Breaking
        )]
    );
}

/// A git repository in a temporary directory whose committed merged spec
/// is `spec`.
struct Repo(tempfile::TempDir);

impl Repo {
    fn new(spec: &Value) -> Repo {
        let repo = Repo(tempfile::tempdir().unwrap());
        repo.git(&["init", "-q"]);
        std::fs::create_dir_all(repo.path().join("openapi")).unwrap();
        repo.commit(spec, "base");
        repo
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=api-diff test",
                "-c",
                "user.email=api-diff@test.invalid",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Writes `spec` to the working tree.
    fn write(&self, spec: &Value) {
        let text = serde_json::to_string_pretty(spec).unwrap() + "\n";
        std::fs::write(self.path().join(xtask::SPEC_PATH), text).unwrap();
    }

    fn commit(&self, spec: &Value, message: &str) {
        self.write(spec);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// Runs `cargo xtask api-diff --root <repo> args…`: exit code, stdout.
    fn api_diff(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("api-diff")
            .arg("--root")
            .arg(self.path())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().expect("exited"),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn made_required(spec: &Value) -> Value {
    let mut new = spec.clone();
    schema(&mut new, "CopyRequest")["required"] = json!(["src_id", "src_path", "dst_path"]);
    new
}

#[test]
fn the_command_exits_0_without_changes() {
    let repo = Repo::new(&spec());
    let (code, stdout, _) = repo.api_diff(&[]);
    assert_eq!((code, stdout.as_str()), (0, "No API changes.\n"));
}

#[test]
fn the_command_exits_1_on_a_request_property_made_required_and_says_where() {
    let base = spec();
    let repo = Repo::new(&base);
    repo.write(&made_required(&base));
    let (code, stdout, _) = repo.api_diff(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "1 API change: 1 breaking, 0 compatible, 0 docs only\n\n\
         copy (PUT /api/v0/commands/copy_direct/)\n\
         \x20 breaking    request body .src_id: became required\n"
    );
}

#[test]
fn the_command_exits_0_on_compatible_changes_and_writes_markdown() {
    let base = spec();
    let repo = Repo::new(&base);
    let mut new = base.clone();
    schema(&mut new, "CopyResponse")["properties"]["dst_port"] = json!({"type": "integer"});
    schema(&mut new, "CopyRequest")["description"] = json!("A copy.");
    repo.write(&new);
    let (code, stdout, _) = repo.api_diff(&["--format", "markdown"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "### Compatible\n\n\
         - `copy` (`PUT /api/v0/commands/copy_direct/`) response 200 `.dst_port`: optional property added (integer)\n\n\
         ### Docs\n\n\
         - `copy` (`PUT /api/v0/commands/copy_direct/`) request body: description changed\n"
    );
}

#[test]
fn the_command_compares_with_the_base_revision_and_writes_json() {
    let base = spec();
    let repo = Repo::new(&base);
    // HEAD gets the change too: only `--base HEAD~1` sees it.
    repo.commit(&made_required(&base), "required");
    let (code, stdout, _) = repo.api_diff(&["--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["changes"],
        json!([])
    );
    let (code, stdout, _) = repo.api_diff(&["--base", "HEAD~1", "--format", "json"]);
    assert_eq!(code, 1);
    let out: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(out["breaking"], true);
    assert_eq!(
        out["changes"],
        json!([{
            "operation_id": "copy",
            "method": "PUT",
            "path": "/api/v0/commands/copy_direct/",
            "scope": "request body",
            "field": ".src_id",
            "pointer": "/components/schemas/CopyRequest/properties/src_id",
            "kind": "property_became_required",
            "keyword": null,
            "class": "breaking",
            "old": null,
            "new": null,
            "message": "became required"
        }])
    );
}

#[test]
fn the_command_exits_2_on_a_bad_revision_or_an_unreadable_spec() {
    let repo = Repo::new(&spec());
    let (code, stdout, stderr) = repo.api_diff(&["--base", "no-such-rev"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(stderr.contains("no-such-rev"), "{stderr}");
    std::fs::write(repo.path().join(xtask::SPEC_PATH), "{ not json").unwrap();
    let (code, _, stderr) = repo.api_diff(&[]);
    assert_eq!(code, 2);
    assert!(stderr.contains(xtask::SPEC_PATH), "{stderr}");
    std::fs::write(repo.path().join(xtask::SPEC_PATH), "{\"paths\": {}}").unwrap();
    let (code, _, stderr) = repo.api_diff(&[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not an OpenAPI 3.0 document"), "{stderr}");
}
