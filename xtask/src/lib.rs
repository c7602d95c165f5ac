//! Project automation behind `cargo xtask`: merges the vendor's OpenAPI documents
//! into `openapi/vast.json` following the operation table ([`operations`]),
//! copies it into the crate that embeds it (`vast-api/spec/vast.json`, so the
//! packaged crate carries its spec), generates `vast-api/src/generated.rs` from
//! it with progenitor and `vast-api/src/operations.rs` from the table, and
//! checks that the four checked-in files are up to date.
//!
//! # Generator settings (pinned in [`codegen::settings`])
//!
//! - progenitor is pinned to `=0.15.1` in the workspace manifest: another
//!   version may write different code, and `generate --check` would then fail
//!   until the checked-in code is regenerated on purpose.
//! - `InterfaceStyle::Builder`: each operation is a request builder,
//!   `client.copy().body(body).send()`, and every generated type has a
//!   builder (`types::CopyRequest::builder().src_path(..)`, converted with
//!   `try_into`). Hand-written code builds generated types only through
//!   those builders, never with a struct literal, so a property the vendor
//!   adds to a body does not break its build, and a property that became
//!   required is a conversion error naming the field, not a compile error
//!   far from the spec. (typify generates type builders only with this
//!   style.)
//! - `TagStyle::Merged`: all three operations share the upstream tag `Instances`;
//!   one `Client` with three methods is the natural shape.
//! - Extra derives `schemars::JsonSchema` (the contract tests compare the
//!   Rust types' schemas with the spec's) and `PartialEq` (tests compare
//!   decoded values). The schemars derive is then put behind vast-api's
//!   `schemars` feature ([`codegen::schemars_behind_feature`] rewrites it into
//!   a `cfg_attr` on the syntax tree, which progenitor cannot emit), so a
//!   default downstream build does not compile schemars.
//! - Inner type `crate::Limits` (hand-written in `vast-api/src/limit.rs`): the
//!   client carries its response-body cap, so that every user of the raw
//!   crate gets it and can change it (`Client::with_max_body_bytes`).
//! - `HooksMode::Expected`: no default `ClientHooks` impl is generated, so the
//!   hand-written `impl ClientHooks<Limits> for Client` (`vast-api/src/hooks.rs`,
//!   whose `exec` wraps every response body in the cap) must exist or the
//!   crate does not compile: the cap cannot silently fall back to progenitor's
//!   default hooks. No pre/post hook functions: authentication is a default
//!   header of the `reqwest::Client` (see `vast-api/src/connect.rs`), retries
//!   are in `vast-api-ext`.
//! - Output is formatted with prettyplease, so it is stable without rustfmt or
//!   a nightly toolchain, and opened by [`codegen::HEADER`].
//!
//! # The operation table
//!
//! [`operations::OPERATIONS`] is the one hand-written description of the
//! API's operations (document, method, path, operationId, schema names,
//! idempotency, instance fields). The merge follows it ([`spec`]) and
//! [`codegen::operations`] writes it as `vast-api/src/operations.rs`: the
//! workspace's one `Operation` enum and a const table of its facts, with no
//! dependency, opened by [`codegen::OPERATIONS_HEADER`]. [`generate`] takes
//! the upstream directory and the table as parameters, so a test can run it
//! on a fixture with one more operation.

pub mod api_diff;
pub mod bench;
pub mod build_times;
pub mod codegen;
pub mod measure;
pub mod operations;
pub mod spec;
pub mod update;

use std::path::{Path, PathBuf};

/// A checked-in file and the text it should have.
#[derive(Debug)]
pub struct Output {
    /// Path relative to the repository root.
    pub path: &'static str,
    /// The text the generator produces.
    pub text: String,
}

/// The upstream documents' directory, relative to the repository root.
pub const UPSTREAM_DIR: &str = "openapi/upstream";
/// The merged spec's path, relative to the repository root.
pub const SPEC_PATH: &str = "openapi/vast.json";
/// The copy of the merged spec that `vast_api::SPEC` embeds (inside the
/// crate, so that the packaged crate has it), relative to the repository root.
pub const SPEC_COPY_PATH: &str = "vast-api/spec/vast.json";
/// The generated client's path, relative to the repository root.
pub const GENERATED_PATH: &str = "vast-api/src/generated.rs";
/// The generated operation table's path, relative to the repository root.
pub const OPERATIONS_PATH: &str = "vast-api/src/operations.rs";
/// The generated module of operations and types by name, relative to the
/// repository root.
pub const DYNAMIC_PATH: &str = "vast-api/src/dynamic.rs";
/// Every file `cargo xtask generate` writes, relative to the repository root.
pub const GENERATED_FILES: [&str; 5] = [
    SPEC_PATH,
    SPEC_COPY_PATH,
    GENERATED_PATH,
    OPERATIONS_PATH,
    DYNAMIC_PATH,
];

/// The repository root: the parent of this crate's directory, as cargo
/// gives it when it runs xtask or its tests (`CARGO_MANIFEST_DIR` at run
/// time), else where this xtask was built from. The run-time value comes
/// first: a build shared between two checkouts must not send one
/// checkout's xtask to work on the other.
pub fn root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// Produces the generated files from the upstream documents in `upstream`
/// and an operation table: the merged spec, the client, the operation table
/// as Rust, the dynamic module (in that order, paths as in the repository).
pub fn generate(upstream: &Path, table: &[operations::Entry]) -> Result<Vec<Output>, String> {
    let merged = spec::merge_dir(upstream, table)?;
    outputs(&merged)
}

/// The generated files for a merged spec (see [`generate`]). An error of
/// the code generator is put in the context of the operation (and upstream
/// document) it concerns, when its JSON pointer names one.
pub fn outputs(merged: &spec::Merged) -> Result<Vec<Output>, String> {
    let spec_text = spec::render(&merged.spec);
    let code = codegen::generate(&spec_text).map_err(|e| in_context(merged, e))?;
    let operations = codegen::operations(&merged.operations)?;
    let types: Vec<String> = merged.spec["components"]["schemas"]
        .as_object()
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default();
    let dynamic = codegen::dynamic(&merged.operations, &types)?;
    Ok(vec![
        Output {
            path: SPEC_PATH,
            text: spec_text,
        },
        Output {
            path: GENERATED_PATH,
            text: code,
        },
        Output {
            path: OPERATIONS_PATH,
            text: operations,
        },
        Output {
            path: DYNAMIC_PATH,
            text: dynamic,
        },
    ])
}

/// `error` with the operations it concerns named first: those whose path in
/// the merged spec, or one of whose body schemas, its pointer names; when it
/// names none (a generator panic), those the generator fails on alone.
fn in_context(merged: &spec::Merged, error: String) -> String {
    let concerned: Vec<String> = merged
        .operations
        .iter()
        .filter(|op| {
            let path = spec::pointer(&["paths", op.entry.path, op.entry.method]);
            let schema = |name: &str| {
                let at = spec::pointer(&["components", "schemas", name]);
                error.contains(&format!("{at}/")) || error.contains(&format!("{at} "))
            };
            error.contains(&path)
                || schema(&op.request)
                || op.responses.iter().any(|(_, name)| schema(name))
        })
        .map(spec::Resolved::label)
        .collect();
    let concerned = if concerned.is_empty() {
        alone_failing(merged)
    } else {
        concerned
    };
    if concerned.is_empty() {
        error
    } else {
        format!("{}: {error}", concerned.join("; "))
    }
}

/// The operations the generator fails on when the merged spec holds only
/// that one.
fn alone_failing(merged: &spec::Merged) -> Vec<String> {
    merged
        .operations
        .iter()
        .filter(|op| {
            let mut alone = merged.spec.clone();
            let item = &merged.spec["paths"][op.entry.path][op.entry.method];
            alone["paths"] = serde_json::json!({ op.entry.path: { op.entry.method: item } });
            codegen::generate(&spec::render(&alone)).is_err()
        })
        .map(spec::Resolved::label)
        .collect()
}

/// Produces the generated files of the repository at `root` from its
/// upstream documents and [`operations::OPERATIONS`]: [`generate`]'s three,
/// then the merged spec again at [`SPEC_COPY_PATH`], and the merge's notes.
pub fn render(root: &Path) -> Result<(Vec<Output>, Vec<String>), String> {
    let merged = spec::merge_dir(&root.join(UPSTREAM_DIR), operations::OPERATIONS)?;
    let mut outputs = outputs(&merged)?;
    let copy = Output {
        path: SPEC_COPY_PATH,
        text: outputs[0].text.clone(),
    };
    outputs.push(copy);
    Ok((outputs, merged.notes))
}

/// What [`write()`] did beyond writing: the merge's notes, and the API change
/// report when the merged spec changed.
#[derive(Debug)]
pub struct Written {
    /// The merge's notes (see [`spec::Merged::notes`]).
    pub notes: Vec<String>,
    /// The change from the merged spec on disk before to the one written,
    /// if it changed.
    pub report: Option<api_diff::Report>,
}

/// Writes the generated files under `root`.
pub fn write(root: &Path) -> Result<Written, String> {
    let before = std::fs::read_to_string(root.join(SPEC_PATH)).unwrap_or_default();
    let (outputs, notes) = render(root)?;
    let report = (outputs[0].text != before).then(|| {
        let old = serde_json::from_str(&before).unwrap_or(serde_json::Value::Null);
        let new = serde_json::from_str(&outputs[0].text).unwrap_or(serde_json::Value::Null);
        api_diff::compare(&old, &new)
    });
    for out in outputs {
        let path = root.join(out.path);
        std::fs::write(&path, out.text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(Written { notes, report })
}

/// Regenerates the files in memory and returns a unified diff for each
/// checked-in file that differs (empty when everything is up to date).
pub fn check(root: &Path) -> Result<Vec<String>, String> {
    let mut diffs = Vec::new();
    for out in render(root)?.0 {
        let path = root.join(out.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        diffs.extend(diff(out.path, &current, &out.text));
    }
    Ok(diffs)
}

/// A unified diff from the checked-in text of `path` to the generated one,
/// or `None` when they are equal.
pub fn diff(path: &str, current: &str, generated: &str) -> Option<String> {
    (current != generated).then(|| {
        similar::TextDiff::from_lines(current, generated)
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("{path} (checked in)"),
                &format!("{path} (generated)"),
            )
            .to_string()
    })
}
