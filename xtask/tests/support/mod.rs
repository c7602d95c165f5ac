//! Running `cargo` on a copy of the repository (`workspace_copy.rs`,
//! `new_operation.rs`).
//!
//! The copy is the repository's tracked files. Its intermediate artifacts go
//! to this build's own target directory (cargo's `build.build-dir`), so they
//! reuse what the outer build compiled (cargo hashes a workspace crate
//! without its path, so the copy's crates replace the outer build's in it,
//! and the next outer build compiles them again); its final artifacts go to
//! a directory inside the copy, so the binaries the outer tests run are not
//! overwritten. `--offline`: the outer build fetched every dependency already.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's tracked files, copied into a fresh directory.
pub fn copy_of_repo() -> tempfile::TempDir {
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
pub fn cargo(copy: &Path, command: &str, args: &[&str]) -> Output {
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

/// What a command printed, stdout then stderr.
pub fn text(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
