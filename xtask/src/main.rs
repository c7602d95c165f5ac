//! `cargo xtask`: the project's build steps. Run `cargo xtask --help`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Build steps of vast-api-rs.
#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    /// Repository root to work in (default: the one this xtask was built from).
    #[arg(long, global = true)]
    root: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Merge openapi/upstream/*.yaml into openapi/vast.json (and its copy
    /// vast-api/spec/vast.json) following the operation table, regenerate vast-api/src/generated.rs with progenitor
    /// and write the table as vast-api/src/operations.rs.
    Generate {
        /// Regenerate in memory only; print a diff and fail if a checked-in
        /// file is stale.
        #[arg(long)]
        check: bool,
    },
    /// Refresh openapi/upstream/ from the vendor's documents and regenerate:
    /// the table's operations, found by method and path, one document per
    /// table document; prints what changed and the API change report.
    Update {
        /// A directory of documents, one document (per-endpoint or the
        /// vendor's combined one), or an http(s) URL to a document or, ending
        /// in `/`, to a directory of them.
        #[arg(long)]
        from: String,
    },
    /// Build and run the benchmarks in release mode and write BENCHMARKS.md.
    Bench,
    /// Clean release builds of a minimal crate that depends on vast-api-ext,
    /// one per TLS feature set: wall time, the slowest units, tree size,
    /// binary size. Prints the BENCHMARKS.md section.
    BuildTimes {
        /// The checkout to measure (default: the root).
        #[arg(long)]
        repo: Option<std::path::PathBuf>,
        /// Comma-separated feature sets: `default` or a TLS feature.
        #[arg(long, value_delimiter = ',', default_values_t = xtask::build_times::SETS.map(String::from))]
        sets: Vec<String>,
        /// Also build `vast` per set and report its stripped size.
        #[arg(long)]
        vast: bool,
        /// Put the section into BENCHMARKS.md (replacing the previous one).
        #[arg(long)]
        write: bool,
        /// Another checkout (e.g. `git archive main`) whose default build is
        /// measured last, as a "before" row.
        #[arg(long)]
        before: Option<std::path::PathBuf>,
        /// Measure every row this many times, in alternating order, and
        /// show each row's fastest run.
        #[arg(long, default_value_t = 1)]
        rounds: usize,
    },
    /// Compare the merged spec (openapi/vast.json) at a git revision with the
    /// working tree's and report each change per operation, classified for a
    /// client: breaking, compatible or docs only. Exit status 0: no breaking
    /// change; 1: a breaking change; 2: an error.
    ApiDiff {
        /// The git revision to compare with.
        #[arg(long, default_value = "HEAD")]
        base: String,
        /// How to write the report.
        #[arg(long, value_enum, default_value_t)]
        format: xtask::api_diff::Format,
        /// Also write the report, as Markdown, into CHANGELOG.md's
        /// `Unreleased` section (between its `api-diff` markers).
        #[arg(long)]
        changelog: bool,
    },
    /// Render the `vast` man pages (vast.1 and one per subcommand) from the
    /// CLI's clap definition into vast-cli/man/: runs vast-cli's
    /// `tests/man.rs` (which renders them; xtask depends on no crate of the
    /// workspace), writing the pages, or with `--check` comparing them.
    Man {
        /// Render in memory only; print a diff and fail if a checked-in page
        /// is stale.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.unwrap_or_else(xtask::root);
    let result = match cli.command {
        Command::Generate { check: false } => xtask::write(&root).map(|written| {
            for note in &written.notes {
                eprintln!("note: {note}");
            }
            if let Some(report) = &written.report {
                eprintln!("the merged spec changed:");
                print!("{}", report.render(xtask::api_diff::Format::Text));
            }
            let [files @ .., last] = xtask::GENERATED_FILES;
            eprintln!("wrote {} and {last}", files.join(", "));
            true
        }),
        Command::Generate { check: true } => xtask::check(&root).map(|diffs| {
            for diff in &diffs {
                print!("{diff}");
            }
            if diffs.is_empty() {
                eprintln!("generated files are up to date");
            } else {
                eprintln!("generated files are stale: run `cargo xtask generate` and commit");
            }
            diffs.is_empty()
        }),
        Command::Update { from } => {
            let date = httpdate::fmt_http_date(std::time::SystemTime::now());
            xtask::update::update(&root, &from, xtask::operations::OPERATIONS, &date).map(
                |updated| {
                    for note in &updated.notes {
                        eprintln!("note: {note}");
                    }
                    if updated.files.is_empty() {
                        eprintln!("openapi/upstream is up to date with {from}");
                    } else {
                        eprintln!("changed: {}", updated.files.join(", "));
                    }
                    for line in updated.operations.iter().chain(&updated.operation_ids) {
                        eprintln!("operation {line}");
                    }
                    print!("{}", updated.report.render(xtask::api_diff::Format::Text));
                    true
                },
            )
        }
        Command::Bench => xtask::bench::run(&root).map(|()| {
            eprintln!("wrote BENCHMARKS.md");
            true
        }),
        Command::BuildTimes {
            repo,
            sets,
            vast,
            write,
            before,
            rounds,
        } => {
            let options = xtask::build_times::Options {
                repo: repo.unwrap_or_else(|| root.clone()),
                sets,
                vast,
                before,
                rounds,
            };
            xtask::build_times::measure_all(&options).and_then(|section| {
                print!("{section}");
                if write {
                    let path = root.join("BENCHMARKS.md");
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    std::fs::write(&path, xtask::measure::splice(&text, &section))
                        .map_err(|e| format!("BENCHMARKS.md: {e}"))?;
                    eprintln!("wrote BENCHMARKS.md");
                }
                Ok(true)
            })
        }
        Command::ApiDiff {
            base,
            format,
            changelog,
        } => xtask::api_diff::load(&root, &base).and_then(|(old, new)| {
            let report = xtask::api_diff::compare(&old, &new);
            print!("{}", report.render(format));
            if changelog {
                let path = root.join("CHANGELOG.md");
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("reading {}: {e}", path.display()))?;
                let text = xtask::api_diff::into_changelog(&text, &report, &base)?;
                std::fs::write(&path, text)
                    .map_err(|e| format!("writing {}: {e}", path.display()))?;
                eprintln!("wrote the API changes into CHANGELOG.md");
            }
            Ok(!report.is_breaking())
        }),
        Command::Man { check } => man(&root, check),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// `cargo xtask man [--check]`: vast-cli's man-page test, which renders the
/// pages from the CLI's clap definition and writes them (or, with `check`,
/// fails on a stale one, printing the diff). A separate `cargo` process, so
/// that xtask builds even when the CLI does not.
fn man(root: &std::path::Path, check: bool) -> Result<bool, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command
        .current_dir(root)
        .args(["test", "--quiet", "-p", "vast-cli", "--test", "man"]);
    if !check {
        command
            .env("VAST_WRITE_MAN_PAGES", "1")
            .arg("--")
            .arg("--nocapture");
    }
    let status = command
        .status()
        .map_err(|e| format!("running cargo test -p vast-cli --test man: {e}"))?;
    if status.success() {
        eprintln!(
            "man pages {}",
            if check { "are up to date" } else { "written" }
        );
    } else if check {
        eprintln!("man pages are stale: run `cargo xtask man` and commit");
    }
    Ok(status.success())
}
