//! What `cargo xtask bench` and `cargo xtask build-times` share: running
//! cargo and other programs, the machine and its load, crate counts, and the
//! build-cost section of BENCHMARKS.md (which `bench` keeps when it rewrites
//! the file). Imports neither command's module.

use std::path::Path;
use std::process::Command;

/// The heading of `cargo xtask build-times`'s section in BENCHMARKS.md.
pub const BUILD_COST_HEADING: &str = "## Build cost: `cargo xtask build-times`";

/// A `Command` for the cargo that runs this xtask (`$CARGO`, else `cargo`).
pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs `command` and returns its stdout, failing on a non-zero exit; `what`
/// names the command in the error.
pub fn run(command: &mut Command, what: &str) -> Result<String, String> {
    let out = command
        .output()
        .map_err(|e| format!("running {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("{what}: {e}"))
}

/// `rustc --version`, trimmed.
pub fn rustc_version() -> Result<String, String> {
    run(Command::new("rustc").arg("--version"), "rustc --version").map(|v| v.trim().to_owned())
}

/// The load averages (1, 5, 15 min) from `/proc/loadavg`, `None` where
/// there is no such file.
pub fn load_averages() -> Option<Vec<String>> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).map(str::to_owned).collect())
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

/// Number of distinct crates in `package`'s normal dependency tree in
/// `repo` (itself included), with its default features or, with `tls`, that
/// feature alone (default features off).
pub fn crate_count(repo: &Path, package: &str, tls: Option<&str>) -> Result<usize, String> {
    let mut command = cargo();
    command
        .args(["tree", "--locked", "-e", "normal", "--prefix", "none"])
        .args(["--format", "{p}", "-p", package])
        .current_dir(repo);
    if let Some(feature) = tls {
        command.args(["--no-default-features", "--features", feature]);
    }
    let set = tls.unwrap_or("default");
    let tree = run(&mut command, &format!("cargo tree -p {package} ({set})"))?;
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

/// `text` with the section under [`BUILD_COST_HEADING`] replaced by
/// `section` (or `section` appended when there is none). A section ends at
/// the next `## ` heading.
pub fn splice(text: &str, section: &str) -> String {
    let section = section.trim_end();
    match text.find(BUILD_COST_HEADING) {
        Some(start) => {
            let end = section_end(text, start);
            format!("{}{section}\n\n{}", &text[..start], &text[end..])
                .trim_end()
                .to_owned()
                + "\n"
        }
        None => format!("{}\n\n{section}\n", text.trim_end()),
    }
}

/// The section under [`BUILD_COST_HEADING`] in `text`, if any (to keep it
/// when the rest of the file is rewritten).
pub fn section(text: &str) -> Option<&str> {
    let start = text.find(BUILD_COST_HEADING)?;
    Some(text[start..section_end(text, start)].trim_end())
}

/// Where the section whose heading starts at `start` ends: after the newline
/// before the next `## ` heading, or at the end of `text`.
fn section_end(text: &str, start: usize) -> usize {
    let body = start + BUILD_COST_HEADING.len();
    text[body..]
        .find("\n## ")
        .map_or(text.len(), |i| body + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_is_replaced_in_place_or_appended_and_can_be_read_back() {
        const HEADING: &str = BUILD_COST_HEADING;
        let new = format!("{HEADING}\n\nnew figures\n");
        let with = format!("# B\n\n## A\n\na\n\n{HEADING}\n\nold\n\n## C\n\nc\n");
        let spliced = splice(&with, &new);
        assert_eq!(
            spliced,
            format!("# B\n\n## A\n\na\n\n{HEADING}\n\nnew figures\n\n## C\n\nc\n")
        );
        assert_eq!(section(&spliced), Some(new.trim_end()));
        let at_end = splice("# B\n\n## A\n\na\n", &new);
        assert_eq!(
            at_end,
            format!("# B\n\n## A\n\na\n\n{HEADING}\n\nnew figures\n")
        );
        assert_eq!(splice(&at_end, &new), at_end);
        assert_eq!(section("# B\n"), None);
    }

    #[test]
    fn crates_reached_twice_or_in_two_versions_count_once() {
        let tree = "vast-api v0.1.0 (/r/vast-api)\nreqwest v0.13.4\nhttp v1.3.1\nhttp v0.2.12\nreqwest v0.13.4\n";
        assert_eq!(distinct_crates(tree), 3);
        assert_eq!(distinct_crates(""), 0);
    }
}
