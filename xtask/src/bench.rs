//! `cargo xtask bench`: runs `vast-bench` in release mode and writes BENCHMARKS.md.

use std::path::Path;
use std::process::Command;

/// The command line a reader reruns to reproduce BENCHMARKS.md.
pub const COMMAND: &str = "cargo xtask bench";

/// Runs `program args` in `root` and returns its stdout, failing on a non-zero exit.
fn output(root: &Path, program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("running {program}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{program} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("{program}: {e}"))
}

/// The load averages (1, 5, 15 min) from `/proc/loadavg`, as text.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

/// The machine, as a reader needs it to compare figures.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{cores} cores, {cpu}, {}", std::env::consts::OS)
}

/// Number of distinct crates in `package`'s normal dependency tree (itself included).
fn crate_count(root: &Path, package: &str) -> Result<usize, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let tree = output(
        root,
        &cargo,
        &[
            "tree", "--locked", "-e", "normal", "--prefix", "none", "--format", "{p}", "-p",
            package,
        ],
    )?;
    Ok(distinct_crates(&tree))
}

/// Number of distinct crate names in the output of `cargo tree --prefix none
/// --format {p}` (a crate reached twice, or in two versions, counts once).
pub fn distinct_crates(tree: &str) -> usize {
    let mut names: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}

/// Builds and runs the benchmark, then writes BENCHMARKS.md under `root`.
pub fn run(root: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Built first (`build`, then `run` of the same target), so the load
    // read before the run is not the compiler's.
    let cargo_bench = |verb: &str| {
        output(
            root,
            &cargo,
            &[verb, "--quiet", "--release", "--locked", "-p", "vast-bench"],
        )
    };
    cargo_bench("build")?;
    let load_before = load();
    let report = cargo_bench("run")?;
    let load_after = load();
    let rustc = output(root, "rustc", &["--version"])?;
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let mut deps = String::new();
    for package in ["vast-api", "vast-api-ext"] {
        deps.push_str(&format!(
            "| {package} | {} |\n",
            crate_count(root, package)?
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
        machine(),
        rustc.trim(),
    );
    // The build-cost figures are `cargo xtask build-times`'s: keep them.
    let previous = std::fs::read_to_string(root.join("BENCHMARKS.md")).unwrap_or_default();
    let text = match crate::build_times::section(&previous) {
        Some(section) => crate::build_times::splice(&text, section),
        None => text,
    };
    std::fs::write(root.join("BENCHMARKS.md"), text).map_err(|e| format!("BENCHMARKS.md: {e}"))
}
