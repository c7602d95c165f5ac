//! The generator builds whatever it generated, and the hand-written crates build against the next version of the vendor's documents.
//!
//! Both run `cargo` on a copy of the repository's tracked files
//! ([`support`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{cargo, copy_of_repo, text};

#[test]
fn generate_check_builds_and_runs_when_the_generated_client_does_not_compile() {
    let copy = copy_of_repo();
    let generated = copy.path().join(xtask::GENERATED_PATH);
    std::fs::write(&generated, "this is not Rust {\n").unwrap();
    // xtask depends on nothing it generates: it builds, finds the file
    // stale, and says so with a diff.
    let out = cargo(
        copy.path(),
        "run",
        &["-p", "xtask", "--", "generate", "--check"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("--- vast-api/src/generated.rs (checked in)"),
        "{}",
        text(&out)
    );
    // …and regenerates it, after which the check passes.
    let out = cargo(copy.path(), "run", &["-p", "xtask", "--", "generate"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = cargo(
        copy.path(),
        "run",
        &["-p", "xtask", "--", "generate", "--check"],
    );
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn the_workspace_builds_against_the_next_version_of_the_documents() {
    let copy = copy_of_repo();
    let out = cargo(
        copy.path(),
        "run",
        &[
            "-p",
            "xtask",
            "--",
            "update",
            "--from",
            "xtask/tests/fixtures/next",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("breaking    request body .api_key: property removed"));
    // No table edit: every crate, its tests, examples and benches build.
    let out = cargo(copy.path(), "check", &["--workspace", "--all-targets"]);
    assert!(out.status.success(), "{}", text(&out));
}
