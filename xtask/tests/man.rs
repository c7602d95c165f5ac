//! The checked-in man pages (`vast-cli/man/`) are what `cargo xtask man`
//! renders from the CLI's clap definition, and they cover every command.
#![allow(clippy::unwrap_used)]

#[test]
fn the_checked_in_man_pages_are_up_to_date() {
    let diffs = xtask::man::check(&xtask::root()).unwrap();
    assert!(
        diffs.is_empty(),
        "stale man pages: run `cargo xtask man`\n{}",
        diffs.concat()
    );
}

#[test]
fn there_is_a_page_for_vast_and_each_command_naming_its_options() {
    let pages = xtask::man::render().unwrap();
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
    let man = dir.path().join(xtask::man::MAN_DIR);
    std::fs::create_dir_all(&man).unwrap();
    for (name, body) in &pages {
        std::fs::write(man.join(name), body.replace("connection", "konnection")).unwrap();
    }
    std::fs::write(man.join("vast-gone.1"), "old").unwrap();
    let diffs = xtask::man::check(dir.path()).unwrap();
    assert!(diffs.iter().any(|d| d.contains("vast-cloud-copy.1")));
    assert!(diffs.iter().any(|d| d.contains("vast-gone.1")));
    xtask::man::write(dir.path()).unwrap();
    assert!(xtask::man::check(dir.path()).unwrap().is_empty());
    assert!(!man.join("vast-gone.1").exists());
}
