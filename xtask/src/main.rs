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
    /// Build and run the benchmarks in release mode and write BENCHMARKS.md.
    Bench,
    /// Render the `vast` man pages (vast.1 and one per subcommand) from the
    /// CLI's clap definition into vast-cli/man/.
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
        Command::Generate { check: false } => xtask::write(&root).map(|()| {
            eprintln!(
                "wrote {}, {}, {} and {}",
                xtask::SPEC_PATH,
                xtask::SPEC_COPY_PATH,
                xtask::GENERATED_PATH,
                xtask::OPERATIONS_PATH
            );
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
        Command::Bench => xtask::bench::run(&root).map(|()| {
            eprintln!("wrote BENCHMARKS.md");
            true
        }),
        Command::Man { check: false } => xtask::man::write(&root).map(|written| {
            eprintln!("wrote {}", written.join(", "));
            true
        }),
        Command::Man { check: true } => xtask::man::check(&root).map(|diffs| {
            for diff in &diffs {
                print!("{diff}");
            }
            if diffs.is_empty() {
                eprintln!("man pages are up to date");
            } else {
                eprintln!("man pages are stale: run `cargo xtask man` and commit");
            }
            diffs.is_empty()
        }),
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
