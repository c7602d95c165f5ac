//! Project automation behind `cargo xtask`: merges the vendor's OpenAPI documents
//! into `openapi/vast.json`, generates `vast-api/src/generated.rs` from it with
//! progenitor, and checks that both checked-in files are up to date.
//!
//! # Generator settings (pinned in [`codegen::settings`])
//!
//! - progenitor is pinned to `=0.15.1` in the workspace manifest: another
//!   version may write different code, and `generate --check` would then fail
//!   until the checked-in code is regenerated on purpose.
//! - `InterfaceStyle::Positional`: each operation is one method taking the body,
//!   `client.copy(&body)`. The ergonomic builders live in `vast-api-ext`; a second
//!   generated builder layer would only be wrapped again.
//! - `TagStyle::Merged`: all three operations share the upstream tag `Instances`;
//!   one `Client` with three methods is the natural shape.
//! - Extra derives `schemars::JsonSchema` (the mock and contract tests compare
//!   the Rust types' schemas with the spec's) and `PartialEq` (tests compare
//!   decoded values).
//! - Inner type `crate::Limits` (hand-written in `vast-api/src/limit.rs`): the
//!   client carries its response-body cap, so that every user of the raw
//!   crate gets it and can change it (`Client::with_max_body_bytes`).
//! - `HooksMode::Expected`: no default `ClientHooks` impl is generated, so the
//!   hand-written `impl ClientHooks<Limits> for Client` (`vast-api/src/observe.rs`,
//!   whose `exec` wraps every response body in the cap) must exist or the
//!   crate does not compile: the cap cannot silently fall back to progenitor's
//!   default hooks. No pre/post hook functions: authentication is a default
//!   header of the `reqwest::Client` (see `vast-api/src/connect.rs`), retries
//!   are in `vast-api-ext`.
//! - Output is formatted with prettyplease, so it is stable without rustfmt or
//!   a nightly toolchain, and opened by [`codegen::HEADER`].

pub mod bench;
pub mod codegen;
pub mod spec;

use std::path::{Path, PathBuf};

/// A checked-in file and the text it should have.
#[derive(Debug)]
pub struct Output {
    /// Path relative to the repository root.
    pub path: &'static str,
    /// The text the generator produces.
    pub text: String,
}

/// The merged spec's path, relative to the repository root.
pub const SPEC_PATH: &str = "openapi/vast.json";
/// The generated client's path, relative to the repository root.
pub const GENERATED_PATH: &str = "vast-api/src/generated.rs";

/// The repository root (the parent of this crate's directory).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the root")
        .to_path_buf()
}

/// Produces both generated files from the upstream documents under `root`.
pub fn render(root: &Path) -> Result<[Output; 2], String> {
    let merged = spec::merge_dir(&root.join("openapi/upstream"))?;
    let spec_text = spec::render(&merged);
    let code = codegen::generate(&spec_text)?;
    Ok([
        Output {
            path: SPEC_PATH,
            text: spec_text,
        },
        Output {
            path: GENERATED_PATH,
            text: code,
        },
    ])
}

/// Writes both generated files under `root`.
pub fn write(root: &Path) -> Result<(), String> {
    for out in render(root)? {
        let path = root.join(out.path);
        std::fs::write(&path, out.text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Regenerates both files in memory and returns a unified diff for each
/// checked-in file that differs (empty when everything is up to date).
pub fn check(root: &Path) -> Result<Vec<String>, String> {
    let mut diffs = Vec::new();
    for out in render(root)? {
        let path = root.join(out.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != out.text {
            let diff = similar::TextDiff::from_lines(&current, &out.text)
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("{} (checked in)", out.path),
                    &format!("{} (generated)", out.path),
                )
                .to_string();
            diffs.push(diff);
        }
    }
    Ok(diffs)
}
