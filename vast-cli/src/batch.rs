//! `vast batch [FILE|-]`: requests read as JSON Lines (the library's serde
//! form of `Request`, which `--explain` prints too), every line checked
//! before anything is sent, run through `send_all_with`, and one JSON line
//! per result on stdout as each ends; a progress bar on stderr when it is a
//! terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use vast_api_ext::{
    Answer, BatchEvent, BatchOptions, Error, ErrorKind, NotSent, PacingConfig, Request,
};
use vast_cli::cli::{BatchArgs, Cli};
use vast_cli::output::{self, EXIT_OK, EXIT_USAGE, Rendered};

/// `--explain`'s lines: the one with the request's serde form is read
/// (its prefix dropped), the others (method and URL, body) skipped, so
/// that what `--explain` printed can be sent again.
const EXPLAIN: &str = "vast: explain: ";

/// Runs the batch; the exit status is the worst of the results' (the same
/// table as the single commands), or 2 when a line is refused.
pub fn run(cli: &Cli, args: &BatchArgs) -> Rendered {
    if cli.explain {
        return Rendered {
            stdout: String::new(),
            stderr: "vast: batch: --explain shows one command's request; a batch's lines are \
                     requests already (see `vast batch --help`)"
                .to_owned(),
            code: EXIT_USAGE,
        };
    }
    let requests = match read(&args.file) {
        Ok(requests) => requests,
        Err(refusals) => {
            return Rendered {
                stdout: String::new(),
                stderr: refusals.join("\n"),
                code: EXIT_USAGE,
            };
        }
    };
    let mut builder = crate::run::builder(cli);
    if let Some(n) = args.in_flight {
        builder =
            builder.pacing(PacingConfig::standard().with_max_in_flight_per_endpoint(n.into()));
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(e) => return output::failure(&e, true),
    };
    let total = requests.len();
    let progress = Progress::new(
        show_progress(std::io::stderr().is_terminal(), args.quiet),
        total,
    );
    let operations: Vec<&'static str> = requests.iter().map(|r| r.operation().name()).collect();
    let printer = Mutex::new(std::io::stdout());
    let options = BatchOptions::new()
        .concurrency(usize::from(args.concurrency))
        .keep_going(args.keep_going);
    let bar = progress.clone();
    let results = client.send_all_with(requests, options, move |event| match event {
        BatchEvent::Started { .. } => {}
        BatchEvent::Retried { .. } => bar.retried(),
        BatchEvent::Finished { index, result } => {
            let line = result_line(index, operations[index], result);
            bar.suspended(|| {
                let mut out = printer.lock().unwrap_or_else(|e| e.into_inner());
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            });
            bar.finished(result.is_ok());
        }
        _ => {}
    });
    progress.done();
    Rendered {
        stdout: String::new(),
        stderr: String::new(),
        code: worst(&results),
    }
}

/// Whether to draw the progress bar: on a terminal, unless `--quiet`.
pub fn show_progress(stderr_is_terminal: bool, quiet: bool) -> bool {
    stderr_is_terminal && !quiet
}

/// Every line of `file` (`-`: standard input) as a request, checked; or
/// every refused line, by number, and why (nothing is sent then). Blank
/// lines are skipped.
fn read(file: &str) -> Result<Vec<Request>, Vec<String>> {
    let input: Box<dyn BufRead> = if file == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        match std::fs::File::open(file) {
            Ok(f) => Box::new(std::io::BufReader::new(f)),
            Err(e) => return Err(vec![format!("vast: batch: cannot read {file}: {e}")]),
        }
    };
    let mut requests = Vec::new();
    let mut refusals = Vec::new();
    for (n, line) in input.lines().enumerate() {
        let number = n + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                refusals.push(format!("vast: batch: line {number}: cannot be read: {e}"));
                break;
            }
        };
        let text = line.trim();
        let text = match text.strip_prefix(crate::run::EXPLAIN_REQUEST) {
            Some(form) => form,
            None if text.is_empty() || text.starts_with(EXPLAIN) => continue,
            None => text,
        };
        match parse(text) {
            Ok(request) => requests.push(request),
            Err(why) => refusals.push(format!("vast: batch: line {number}: {why}")),
        }
    }
    if requests.is_empty() && refusals.is_empty() {
        refusals.push("vast: batch: no request to send (every line is blank)".to_owned());
    }
    if refusals.is_empty() {
        Ok(requests)
    } else {
        refusals.push(format!(
            "vast: batch: {} line(s) refused; nothing was sent",
            refusals.len()
        ));
        Err(refusals)
    }
}

/// One line: a request in the library's serde form; the request's own
/// checks run before anything is sent.
pub fn parse(text: &str) -> Result<Request, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let request: Request = serde_json::from_value(value).map_err(|e| e.to_string())?;
    request.check().map_err(|e| output::message(&e))?;
    Ok(request)
}

/// One result as a JSON line: its index and operation, then its outcome
/// (the library's serde form, with the server's answer) or its error object
/// (the one a single command prints), and the attempts made.
pub fn result_line(index: usize, operation: &str, result: &Result<Answer, Error>) -> String {
    let (key, value, attempts) = match result {
        Ok(answer) => (
            "outcome",
            serde_json::to_value(answer).unwrap_or_default(),
            answer.attempts(),
        ),
        Err(error) => {
            let mut object = output::error_object(error);
            // A request the stopped batch did not send adds nothing to the
            // batch's exit status ([`worst`]): its object says so.
            if is_stopped(error) {
                object["exit_status"] = serde_json::Value::Null;
            }
            ("error", object, error.attempts())
        }
    };
    let mut line = serde_json::Map::new();
    line.insert("index".into(), index.into());
    line.insert("operation".into(), operation.into());
    line.insert(key.into(), value);
    line.insert("attempts".into(), attempts.into());
    serde_json::Value::Object(line).to_string()
}

/// The batch's exit status: the worst of its results' (by the single
/// commands' table, higher is worse), 0 if all succeeded. Requests a
/// stopped batch did not send do not count: the failure that stopped it
/// does.
pub fn worst(results: &[Result<Answer, Error>]) -> u8 {
    results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .filter(|e| !is_stopped(e))
        .map(output::exit_code)
        .max()
        .unwrap_or(EXIT_OK)
}

fn is_stopped(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::NotSent(NotSent::BatchStopped))
}

/// The progress bar (indicatif), or nothing; its message counts failures
/// and retries.
#[derive(Clone)]
struct Progress(Option<Arc<Bar>>);

struct Bar {
    bar: indicatif::ProgressBar,
    failed: AtomicU64,
    retried: AtomicU64,
}

impl Progress {
    fn new(show: bool, total: usize) -> Self {
        if !show {
            return Self(None);
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(u64::try_from(total).unwrap_or(u64::MAX)),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} requests, {msg} [{elapsed}]",
        ) {
            bar.set_style(style);
        }
        let progress = Self(Some(Arc::new(Bar {
            bar,
            failed: AtomicU64::new(0),
            retried: AtomicU64::new(0),
        })));
        progress.show();
        progress
    }

    fn show(&self) {
        if let Some(b) = &self.0 {
            b.bar.set_message(format!(
                "{} failed, {} retried",
                b.failed.load(Ordering::Relaxed),
                b.retried.load(Ordering::Relaxed)
            ));
        }
    }

    fn retried(&self) {
        if let Some(b) = &self.0 {
            b.retried.fetch_add(1, Ordering::Relaxed);
            self.show();
        }
    }

    fn finished(&self, ok: bool) {
        if let Some(b) = &self.0 {
            if !ok {
                b.failed.fetch_add(1, Ordering::Relaxed);
                self.show();
            }
            b.bar.inc(1);
        }
    }

    /// Runs `write` with the bar cleared (a result line on a terminal that
    /// also shows the bar would be torn by a redraw), or just runs it.
    fn suspended(&self, write: impl FnOnce()) {
        match &self.0 {
            Some(b) => b.bar.suspend(write),
            None => write(),
        }
    }

    fn done(&self) {
        if let Some(b) = &self.0 {
            b.bar.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vast_api_ext::{InstanceId, Operation, Outcome};

    #[test]
    fn the_bar_is_drawn_only_on_a_terminal_and_not_when_quiet() {
        assert!(show_progress(true, false));
        assert!(!show_progress(true, true));
        assert!(!show_progress(false, false));
        assert!(!show_progress(false, true));
    }

    #[test]
    fn the_examples_in_the_help_and_the_readme_are_requests() {
        use clap::CommandFactory;
        let readme = include_str!("../README.md");
        let help = Cli::command()
            .find_subcommand("batch")
            .and_then(|batch| batch.get_after_help())
            .map(ToString::to_string)
            .unwrap_or_default();
        let examples: Vec<&str> = readme
            .lines()
            .chain(help.lines())
            .map(str::trim)
            .filter(|l| l.starts_with("{\"operation\""))
            .collect();
        assert!(examples.len() >= 7, "{examples:?}");
        for example in examples {
            assert!(parse(example).is_ok(), "{example}: {:?}", parse(example));
        }
    }

    #[test]
    fn a_line_is_a_checked_request() {
        assert_eq!(
            parse(r#"{"operation":"cancel_copy","dst":7}"#),
            Ok(Request::CancelCopy(
                InstanceId::new(7).unwrap_or_else(|e| panic!("{e}"))
            ))
        );
        assert!(parse("{").is_err_and(|e| e.starts_with("not JSON")));
        assert!(parse(r#"{"operation":"cancel_sync","dst":0}"#).is_err());
        assert!(parse(r#"{"operation":"reboot"}"#).is_err());
    }

    #[test]
    fn results_are_lines_and_the_exit_status_is_the_worst() {
        let ok = || -> Result<Answer, Error> {
            Ok(Answer::CancelSync(Outcome::new(Some("done".into()), 2)))
        };
        let line: serde_json::Value =
            serde_json::from_str(&result_line(3, "cancel sync", &ok())).unwrap_or_default();
        assert_eq!(
            (line["index"].as_u64(), line["attempts"].as_u64()),
            (Some(3), Some(2))
        );
        assert_eq!(line["operation"], "cancel sync");
        assert!(line.get("outcome").is_some(), "{line}");
        let refused = || {
            Error::for_call(
                Operation::CancelSync,
                1,
                ErrorKind::Rejected {
                    message: "no".into(),
                },
            )
        };
        let stopped = Error::for_call(
            Operation::CancelSync,
            0,
            ErrorKind::NotSent(NotSent::BatchStopped),
        );
        let line: serde_json::Value =
            serde_json::from_str(&result_line(4, "cancel sync", &Err(refused())))
                .unwrap_or_default();
        assert_eq!(line["error"]["kind"], "rejected", "{line}");
        assert_eq!(line["attempts"], 1, "{line}");
        assert_eq!(worst(&[ok()]), EXIT_OK);
        // The requests a stopped batch did not send do not count.
        assert_eq!(worst(&[Err(refused()), Err(stopped)]), output::EXIT_REFUSED);
    }
}
