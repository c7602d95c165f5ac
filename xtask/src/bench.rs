//! `cargo xtask bench`: runs `vast-bench` in release mode and writes BENCHMARKS.md.

use crate::measure;
use std::path::Path;

/// The command line a reader reruns to reproduce BENCHMARKS.md.
pub const COMMAND: &str = "cargo xtask bench";

/// The load averages (1, 5, 15 min), as text.
fn load() -> String {
    measure::load_averages().map_or_else(|| "unknown".into(), |l| l.join(" "))
}

/// Builds and runs the benchmark, then writes BENCHMARKS.md under `root`.
pub fn run(root: &Path) -> Result<(), String> {
    // Built first (`build`, then `run` of the same target), so the load
    // read before the run is not the compiler's.
    let cargo_bench = |verb: &str| {
        let args = [verb, "--quiet", "--release", "--locked", "-p", "vast-bench"];
        measure::run(
            measure::cargo().args(args).current_dir(root),
            &format!("cargo {}", args.join(" ")),
        )
    };
    cargo_bench("build")?;
    let load_before = load();
    let report = cargo_bench("run")?;
    let load_after = load();
    let rustc = measure::rustc_version()?;
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let mut deps = String::new();
    for package in ["vast-api", "vast-api-ext"] {
        deps.push_str(&format!(
            "| {package} | {} |\n",
            measure::crate_count(root, package, None)?
        ));
    }
    // The `vast` tool's figures are whole-process timings taken with hyperfine
    // (`apt-get install hyperfine`), by hand: the commands are in that file.
    let cli: String = std::fs::read_to_string(root.join("vast-cli/BENCH.md"))
        .map_err(|e| format!("vast-cli/BENCH.md: {e}"))?
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(_) => "## The `vast` command-line tool (from vast-cli/BENCH.md, measured with hyperfine)\n".to_owned(),
            None if line.starts_with("## ") => format!("#{line}\n"),
            None => format!("{line}\n"),
        })
        .collect();
    // Where the time goes: instruction counts taken by hand with callgrind
    // (bench/PROFILE.md says how), nested under this section.
    let profile: String = std::fs::read_to_string(root.join("bench/PROFILE.md"))
        .map_err(|e| format!("bench/PROFILE.md: {e}"))?
        .lines()
        .map(|line| {
            if line.starts_with('#') {
                format!("##{line}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    let text = format!(
        "# Benchmarks\n\n## The SDK: `{COMMAND}`\n\n\
         Produced by `{COMMAND}` (release build; one process, one run, against an \
         in-process HTTP/1.1 server on 127.0.0.1 that answers the spec's 200 examples). \
         Not a test: it asserts no timing.\n\n\
         - Machine: {}\n- Load average (1, 5, 15 min) before the run: {load_before}; \
         after: {load_after}\n- Toolchain: {}\n- Date: {date}\n\n{report}\n{profile}\n\
         ### Dependency cost\n\n\
         Distinct crates in the normal (non-dev) dependency tree with the default features \
         (rustls), the crate itself included (`cargo tree -e normal -p <crate>`); per TLS \
         feature set in \"Build cost\" below. `tests/tests/dependencies.rs` checks that none \
         of them is a code generator, and which TLS crates each feature set brings.\n\n\
         | crate | crates in its normal tree |\n|---|---:|\n{deps}\n{cli}",
        measure::machine(),
        rustc,
    );
    // The build-cost figures are `cargo xtask build-times`'s: keep them.
    let previous = std::fs::read_to_string(root.join("BENCHMARKS.md")).unwrap_or_default();
    let text = match measure::section(&previous) {
        Some(section) => measure::splice(&text, section),
        None => text,
    };
    std::fs::write(root.join("BENCHMARKS.md"), text).map_err(|e| format!("BENCHMARKS.md: {e}"))
}
