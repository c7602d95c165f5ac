//! `cargo xtask generate --check` fails, with a diff, when the spec or the code drifts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

/// A copy of the inputs and outputs of `generate` in a fresh directory.
fn copy_of_repo() -> tempfile::TempDir {
    let root = xtask::root();
    let dir = tempfile::tempdir().unwrap();
    for rel in ["openapi/upstream", "vast-api/src", "vast-api/spec"] {
        std::fs::create_dir_all(dir.path().join(rel)).unwrap();
    }
    for name in xtask::operations::documents(xtask::operations::OPERATIONS) {
        let rel = format!("{}/{name}", xtask::UPSTREAM_DIR);
        std::fs::copy(root.join(&rel), dir.path().join(&rel)).unwrap();
    }
    for rel in xtask::GENERATED_FILES {
        std::fs::copy(root.join(rel), dir.path().join(rel)).unwrap();
    }
    dir
}

fn check(root: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--check", "--root"])
        .arg(root)
        .output()
        .unwrap()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn checked_in_files_are_up_to_date() {
    let out = check(&xtask::root());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_changed_field_type_upstream_fails_the_check_with_a_diff() {
    let dir = copy_of_repo();
    assert!(check(dir.path()).status.success(), "the copy starts clean");
    // cancel sync's dst_id: integer -> string.
    edit(
        &dir.path().join("openapi/upstream/cancel_sync.yaml"),
        "dst_id:\n                  type: integer",
        "dst_id:\n                  type: string",
    );
    let out = check(dir.path());
    let diff = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{diff}");
    assert!(
        diff.contains("--- openapi/vast.json (checked in)"),
        "{diff}"
    );
    assert!(
        diff.contains("-            \"type\": \"integer\","),
        "{diff}"
    );
    assert!(
        diff.contains("+            \"type\": \"string\","),
        "{diff}"
    );
    assert!(
        diff.contains("--- vast-api/spec/vast.json (checked in)"),
        "the copy vast_api::SPEC embeds follows: {diff}"
    );
    assert!(
        diff.contains("--- vast-api/src/generated.rs (checked in)"),
        "{diff}"
    );
    assert!(diff.contains("pub dst_id: ::std::string::String"), "{diff}");
}

#[test]
fn an_edited_spec_copy_in_the_crate_fails_the_check_with_a_diff() {
    let dir = copy_of_repo();
    edit(
        &dir.path().join(xtask::SPEC_COPY_PATH),
        "\"operationId\": \"cancelSync\"",
        "\"operationId\": \"cancelSyncEdited\"",
    );
    let out = check(dir.path());
    let diff = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{diff}");
    assert!(
        diff.contains("--- vast-api/spec/vast.json (checked in)"),
        "{diff}"
    );
    assert!(diff.contains("cancelSyncEdited"), "{diff}");
    assert!(
        !diff.contains("--- openapi/vast.json") && !diff.contains("generated.rs"),
        "only the copy drifted: {diff}"
    );
}

#[test]
fn an_edited_line_of_generated_code_fails_the_check_with_a_diff() {
    let dir = copy_of_repo();
    edit(
        &dir.path().join(xtask::GENERATED_PATH),
        "pub dst_id: i64,",
        "pub dst_id: u64,",
    );
    let out = check(dir.path());
    let diff = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{diff}");
    assert!(diff.contains("-        pub dst_id: u64,"), "{diff}");
    assert!(diff.contains("+        pub dst_id: i64,"), "{diff}");
    assert!(
        !diff.contains("openapi/vast.json"),
        "only the code drifted: {diff}"
    );
}

#[test]
fn an_edited_line_of_the_operation_table_fails_the_check_with_a_diff() {
    let dir = copy_of_repo();
    edit(
        &dir.path().join(xtask::OPERATIONS_PATH),
        "name: \"cloud copy\",",
        "name: \"cloudCopy\",",
    );
    let out = check(dir.path());
    let diff = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{diff}");
    assert!(
        diff.contains("--- vast-api/src/operations.rs (checked in)"),
        "{diff}"
    );
    assert!(diff.contains("-        name: \"cloudCopy\","), "{diff}");
    assert!(diff.contains("+        name: \"cloud copy\","), "{diff}");
    assert!(
        !diff.contains("openapi/vast.json") && !diff.contains("generated.rs"),
        "only the table drifted: {diff}"
    );
}

#[test]
fn a_missing_operation_table_fails_the_check_with_a_diff() {
    let dir = copy_of_repo();
    std::fs::remove_file(dir.path().join(xtask::OPERATIONS_PATH)).unwrap();
    let out = check(dir.path());
    let diff = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{diff}");
    assert!(diff.contains("+impl Operation {"), "{diff}");
}

#[test]
fn an_upstream_document_without_a_table_entry_stops_the_merge() {
    let dir = copy_of_repo();
    let upstream = dir.path().join(xtask::UPSTREAM_DIR);
    std::fs::copy(upstream.join("copy.yaml"), upstream.join("copy-again.yaml")).unwrap();
    let out = check(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("copy-again.yaml: no entry of the operation table names this document"),
        "{stderr}"
    );
}

#[test]
fn an_upstream_operation_without_a_fixup_stops_the_merge() {
    let dir = copy_of_repo();
    edit(
        &dir.path().join("openapi/upstream/copy.yaml"),
        "    put:\n",
        "    patch:\n",
    );
    let out = check(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "copy.yaml, at #/paths/~1api~1v0~1commands~1copy_direct~1/patch: \
             patch /api/v0/commands/copy_direct/ has no entry in the operation table"
        ),
        "{stderr}"
    );
}
