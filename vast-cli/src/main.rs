//! `vast`: the command-line tool for Vast.ai copy, cloud copy, cancel sync and cancel copy.
//!
//! `main` only wires the steps: parse (clap) → check the input and build the
//! request (`request`) → build the client, show the request if asked
//! (`--explain`) and make the call (`run`) → map the outcome or error to
//! output and an exit status (`output`). `vast completions` only prints.

mod batch;
mod request;
mod run;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use vast_cli::cli;
/// The command line's definition and its output live in the library (for
/// `cargo xtask man` and the tests).
use vast_cli::output::{self, Rendered};

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    if let cli::Command::Completions(args) = &cli.command {
        return completions(args.shell);
    }
    init_tracing(cli.verbose);
    if let cli::Command::Batch(args) = &cli.command {
        return emit(&batch::run(&cli, args));
    }
    let rendered = match request::build(&cli.command) {
        Err(e) => output::input_failure(&e, cli.json),
        Ok(request) => match run::client(&cli).and_then(|client| {
            if cli.explain {
                let text = run::explain(&client, &request)?;
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
            run::execute(&client, &request)
        }) {
            Ok(answer) => output::success(&request, &answer, cli.json),
            Err(e) => output::failure(&e, cli.json),
        },
    };
    emit(&rendered)
}

/// `vast completions SHELL`: the script for `vast` as clap defines it.
fn completions(shell: clap_complete::Shell) -> ExitCode {
    use clap::CommandFactory;
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cli::Cli::command(), "vast", &mut out);
    match out.flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(output::EXIT_UNAVAILABLE),
    }
}

/// clap's own handling (help and version exit 0, usage errors exit 2), except
/// that a usage error under `--json` is a JSON error object on stdout. A
/// missing subcommand (`vast cloud`) is a usage error too: clap shows help
/// for it, but exits 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let is_display = matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion);
    let json = std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json" || a == "--raw");
    if is_display || !json {
        e.exit()
    }
    let text = if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        "error: a subcommand is missing; `--help` lists them".to_owned()
    } else {
        e.render().to_string()
    };
    emit(&output::usage_failure(&text))
}

fn emit(rendered: &Rendered) -> ExitCode {
    if !rendered.stdout.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", rendered.stdout);
        let _ = out.flush();
    }
    if !rendered.stderr.is_empty() {
        let _ = writeln!(std::io::stderr().lock(), "{}", rendered.stderr);
    }
    ExitCode::from(rendered.code)
}

/// `-v` logs the call and its attempts and retries to stderr, `-vv` also
/// the spans' timings, `-vvv` also the HTTP connection events. The key is
/// never in any of them: the project's crates record operation, method,
/// attempt and status only, and the `Authorization` header is marked
/// sensitive (a test checks all three levels).
fn init_tracing(verbose: u8) {
    use tracing_subscriber::fmt::format::FmtSpan;
    let (level, http, spans) = match verbose {
        0 => return,
        1 => ("debug", "", FmtSpan::NONE),
        2 => ("trace", "", FmtSpan::CLOSE),
        _ => ("trace", ",reqwest=debug,hyper_util=debug", FmtSpan::CLOSE),
    };
    let filter = tracing_subscriber::EnvFilter::new(format!(
        "vast={level},vast_api_ext={level},vast_api={level}{http}"
    ));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(spans)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
