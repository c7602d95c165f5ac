//! The `vast` man pages: rendered with clap_mangen from the clap definition
//! the binary parses with (`vast_cli::cli::Cli`), one page per command
//! (`vast.1`, `vast-copy.1`, `vast-cloud-copy.1`, …) in `man/`, and checked
//! against the checked-in ones.
//!
//! The pages are checked in, like the generated code: packagers and
//! `man ./vast-cli/man/vast.1` get them without building anything, a
//! reviewer sees a change of the command line as a diff, and
//! [`the_checked_in_man_pages_are_up_to_date`] fails when they are stale.
//! With `VAST_WRITE_MAN_PAGES=1` it writes them instead: that is what
//! `cargo xtask man` runs (`cargo xtask man --check` runs the check). The
//! rendering lives here, beside the CLI, and not in xtask: xtask depends on
//! no crate whose code it generates or that uses it.

#![allow(clippy::unwrap_used)]

use clap::CommandFactory;
use std::path::Path;

/// Where the pages live, relative to a checkout of this crate.
const MAN_DIR: &str = "man";

/// The environment variable that makes the check write the pages.
const WRITE: &str = "VAST_WRITE_MAN_PAGES";

/// Every page: file name (`vast-cloud-copy.1`) and roff text, the top page
/// first, then each subcommand's in definition order (clap's implicit `help`
/// subcommand has none).
fn render() -> Result<Vec<(String, String)>, String> {
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
fn write(root: &Path) -> Result<Vec<String>, String> {
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
fn check(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join(MAN_DIR);
    let pages = render()?;
    let mut diffs = Vec::new();
    for (name, text) in &pages {
        let current = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        diffs.extend(diff(&format!("{MAN_DIR}/{name}"), &current, text));
    }
    for stale in stale_pages(&dir, &pages)? {
        let current = std::fs::read_to_string(dir.join(&stale)).unwrap_or_default();
        diffs.extend(diff(&format!("{MAN_DIR}/{stale}"), &current, ""));
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

/// A unified diff from the checked-in text of `path` to the rendered one,
/// or `None` when they are equal.
fn diff(path: &str, current: &str, rendered: &str) -> Option<String> {
    (current != rendered).then(|| {
        similar::TextDiff::from_lines(current, rendered)
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("{path} (checked in)"),
                &format!("{path} (rendered)"),
            )
            .to_string()
    })
}

/// This crate's directory.
fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_checked_in_man_pages_are_up_to_date() {
    if std::env::var_os(WRITE).is_some() {
        for page in write(root()).unwrap() {
            eprintln!("wrote vast-cli/{page}");
        }
        return;
    }
    let diffs = check(root()).unwrap();
    assert!(
        diffs.is_empty(),
        "stale man pages: run `cargo xtask man`\n{}",
        diffs.concat()
    );
}

#[test]
fn there_is_a_page_for_vast_and_each_command_naming_its_options() {
    let pages = render().unwrap();
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    for page in [
        "vast.1",
        "vast-copy.1",
        "vast-cloud-copy.1",
        "vast-cancel-sync.1",
        "vast-completions.1",
    ] {
        assert!(names.contains(&page), "no {page} in {names:?}");
    }
    let text = |name: &str| &pages.iter().find(|(n, _)| n == name).unwrap().1;
    // The top page: global options (roff escapes `-` as `\-`) and the exit statuses.
    for needle in [
        r"\-\-api\-key",
        r"\-\-retry",
        r"\-\-raw",
        r"\-\-explain",
        "Exit status",
    ] {
        assert!(text("vast.1").contains(needle), "vast.1 lacks {needle}");
    }
    assert!(text("vast-cloud-copy.1").contains("Instance To Cloud"));
    // A renamed option would leave a stale page, which the check reports.
    let dir = tempfile::tempdir().unwrap();
    let man = dir.path().join(MAN_DIR);
    std::fs::create_dir_all(&man).unwrap();
    for (name, body) in &pages {
        std::fs::write(man.join(name), body.replace("connection", "konnection")).unwrap();
    }
    std::fs::write(man.join("vast-gone.1"), "old").unwrap();
    let diffs = check(dir.path()).unwrap();
    assert!(diffs.iter().any(|d| d.contains("vast-cloud-copy.1")));
    assert!(diffs.iter().any(|d| d.contains("vast-gone.1")));
    write(dir.path()).unwrap();
    assert!(check(dir.path()).unwrap().is_empty());
    assert!(!man.join("vast-gone.1").exists());
}
