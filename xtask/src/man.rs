//! `cargo xtask man`: the `vast` man pages, rendered with clap_mangen from the
//! clap definition the binary parses with (`vast_cli::cli::Cli`), one page per
//! command (`vast.1`, `vast-copy.1`, `vast-cloud-copy.1`, …) in [`MAN_DIR`].
//!
//! The pages are checked in, like the generated code: packagers and
//! `man ./vast-cli/man/vast.1` get them without running xtask, a reviewer sees
//! a change of the command line as a diff, and [`check`] (a test, and
//! `cargo xtask man --check` in CI) fails when they are stale.

use clap::CommandFactory;
use std::path::Path;

/// Where the pages live, relative to the repository root.
pub const MAN_DIR: &str = "vast-cli/man";

/// Every page: file name (`vast-cloud-copy.1`) and roff text, the top page
/// first, then each subcommand's in definition order (clap's implicit `help`
/// subcommand has none).
pub fn render() -> Result<Vec<(String, String)>, String> {
    let mut cmd = vast_cli::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    add(&cmd, &mut pages)?;
    Ok(pages)
}

fn add(cmd: &clap::Command, pages: &mut Vec<(String, String)>) -> Result<(), String> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut roff = Vec::new();
    man.render(&mut roff)
        .map_err(|e| format!("rendering {}: {e}", man.get_filename()))?;
    let text =
        String::from_utf8(roff).map_err(|e| format!("{} is not UTF-8: {e}", man.get_filename()))?;
    pages.push((man.get_filename(), text));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        add(sub, pages)?;
    }
    Ok(())
}

/// Writes the pages under `root` and removes pages of commands that no
/// longer exist; returns the files written.
pub fn write(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join(MAN_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let pages = render()?;
    for stale in stale_pages(&dir, &pages)? {
        std::fs::remove_file(dir.join(&stale)).map_err(|e| format!("removing {stale}: {e}"))?;
    }
    let mut written = Vec::new();
    for (name, text) in pages {
        let path = dir.join(&name);
        std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
        written.push(format!("{MAN_DIR}/{name}"));
    }
    Ok(written)
}

/// Renders the pages in memory and returns a unified diff for each page that
/// differs from the checked-in one, is missing, or has no command any more
/// (empty when everything is up to date).
pub fn check(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join(MAN_DIR);
    let pages = render()?;
    let mut diffs = Vec::new();
    for (name, text) in &pages {
        let current = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        diffs.extend(crate::diff(&format!("{MAN_DIR}/{name}"), &current, text));
    }
    for stale in stale_pages(&dir, &pages)? {
        let current = std::fs::read_to_string(dir.join(&stale)).unwrap_or_default();
        diffs.extend(crate::diff(&format!("{MAN_DIR}/{stale}"), &current, ""));
    }
    Ok(diffs)
}

/// `*.1` files in `dir` that no page is rendered for.
fn stale_pages(dir: &Path, pages: &[(String, String)]) -> Result<Vec<String>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut stale = Vec::new();
    for entry in entries {
        let name = entry
            .map_err(|e| format!("reading {}: {e}", dir.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".1") && !pages.iter().any(|(p, _)| *p == name) {
            stale.push(name);
        }
    }
    stale.sort();
    Ok(stale)
}
