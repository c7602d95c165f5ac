//! The generator builds whatever it generated, and the hand-written crates build against the next version of the vendor's documents.
//!
//! Both run `cargo` on a copy of the repository's tracked files. The copy's
//! intermediate artifacts go to this build's own target directory (cargo's
//! `build.build-dir`), so they reuse what the outer build compiled (cargo
//! hashes a workspace crate without its path, so the copy's crates replace
//! the outer build's in it, and the next outer build compiles them again);
//! its final artifacts (the `xtask` binary) go to a directory inside the
//! copy, so the binaries the outer tests run are not overwritten.
//! `--offline`: the outer build fetched every dependency already.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's tracked files, copied into a fresh directory.
fn copy_of_repo() -> tempfile::TempDir {
    let root = xtask::root();
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(listed.status.success(), "git ls-files failed");
    let dir = tempfile::tempdir().unwrap();
    for rel in listed.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let rel = Path::new(std::str::from_utf8(rel).unwrap());
        let from = root.join(rel);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
    }
    dir
}

/// The target directory this test binary was built in (`<target>/debug/deps/<test>`).
fn outer_target() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// `cargo <command> <args>` in `copy` (`args` may end in `-- <program args>`).
fn cargo(copy: &Path, command: &str, args: &[&str]) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .arg(command)
        .args(["--offline", "--quiet"])
        .arg("--config")
        .arg(format!(
            "build.build-dir={:?}",
            outer_target().display().to_string()
        ))
        .args(args)
        .env("CARGO_TARGET_DIR", copy.join("target"))
        .env_remove("RUSTFLAGS")
        .current_dir(copy)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

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
