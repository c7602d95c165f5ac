//! From an outcome or an error to what is printed and the exit status:
//! pure functions, unit-tested without a server. The exit status of a
//! call's error is the [`Cause`] that `vast_api_ext::policy::classify`
//! gives its failure; messages are worded here from the library's
//! structured errors (arguments, rules, configuration problems), in the
//! command line's own terms, never by rewriting the library's text.

use serde_json::{Value, json};
use std::borrow::Cow;
use vast_api_ext::policy::Cause;
use vast_api_ext::{
    Answer, Argument, ConfigProblem, Error, ErrorKind, InvalidInput, KeySource, Request, Rule,
    Setting, UrlProblem,
};

/// Success.
pub const EXIT_OK: u8 = 0;
/// The request was refused: 4xx other than 401/403/408/429, 1xx or 3xx
/// (readable or not), or `success:false`.
pub const EXIT_REFUSED: u8 = 1;
/// Bad usage or invalid input, found before any network I/O.
pub const EXIT_USAGE: u8 = 2;
/// No API key, or the key was refused (401, 403).
pub const EXIT_AUTH: u8 = 3;
/// Network failure, timeout, 5xx, 408 or 429 after the retries allowed, any
/// answer over the body limit, or a 2xx answer that could not be read.
pub const EXIT_UNAVAILABLE: u8 = 4;

/// What to print and how to exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Printed on stdout (with a final newline added when not empty).
    pub stdout: String,
    /// Printed on stderr (with a final newline added when not empty).
    pub stderr: String,
    /// The exit status.
    pub code: u8,
}

/// Renders a success: one human line (the answer's `msg` and cloud copy's
/// `result_url`), or the server's JSON answer as received
/// ([`Answer::raw`], unknown fields included), on one line ([`json_line`]).
pub fn success(request: &Request, answer: &Answer, json_output: bool) -> Rendered {
    let (message, result_url) = (answer.message(), answer.result_url());
    let stdout = if json_output {
        json_line(&answer.raw()).into_owned()
    } else {
        let what = match request {
            Request::Copy { src, dst } => format!("copy started: {src} -> {dst}"),
            Request::CloudCopy(c) => format!(
                "cloud copy started on instance {} ({}, connection {})",
                c.instance(),
                c.transfer(),
                c.connection()
            ),
            Request::CancelSync(id) => format!("cancel sync requested for instance {id}"),
            Request::CancelCopy(id) => format!("cancel copy requested for instance {id}"),
            other => format!("{} sent", other.operation()),
        };
        let mut line = match message.map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => format!("{what}: {}", one_line(m)),
            None => what,
        };
        if let Some(u) = result_url {
            line.push_str(&format!(" (result: {u})"));
        }
        line
    };
    Rendered {
        stdout,
        stderr: String::new(),
        code: EXIT_OK,
    }
}

/// An operand or option the command line refused before any client was
/// built: what the library said about it, and where it was on the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// Where: `SRC \`C.x:/a\``, `--instance`, `DST_ID`…; `None` when the
    /// problem is the command line's shape.
    pub at: Option<String>,
    /// What is wrong.
    pub problem: InputProblem,
}

/// What is wrong with an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputProblem {
    /// The library's check refused it.
    Invalid(InvalidInput),
    /// The operands do not form a command (their number, an id where a
    /// location was expected): the command line's own rule.
    Operands(String),
}

impl InputError {
    /// The library's refusal of the input found `at`.
    pub fn at(at: impl Into<String>, error: Error) -> Self {
        let problem = match error.kind() {
            ErrorKind::InvalidInput(invalid) => InputProblem::Invalid(invalid.clone()),
            _ => InputProblem::Operands(error.to_string()),
        };
        Self {
            at: Some(at.into()),
            problem,
        }
    }

    /// A problem with the command line's operands.
    pub fn operands(text: impl Into<String>) -> Self {
        Self {
            at: None,
            problem: InputProblem::Operands(text.into()),
        }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(at) = &self.at {
            write!(f, "{at}: ")?;
        }
        match &self.problem {
            InputProblem::Invalid(invalid) => f.write_str(&input_reason(invalid)),
            InputProblem::Operands(text) => f.write_str(text),
        }
    }
}

/// The exit status of a cause of the retry table.
pub fn exit_for(cause: Cause) -> u8 {
    match cause {
        Cause::Refused => EXIT_REFUSED,
        Cause::Auth => EXIT_AUTH,
        _ => EXIT_UNAVAILABLE,
    }
}

/// The exit status of an error (the table in `vast --help`): for a call's
/// error, the cause the retry table gives its failure ([`exit_for`]); else
/// input (2), the key (3), the base URL (2), or the machine (4).
pub fn exit_code(error: &Error) -> u8 {
    if let Some(verdict) = error.verdict() {
        return exit_for(verdict.cause);
    }
    match error.kind() {
        ErrorKind::InvalidInput(_) => EXIT_USAGE,
        ErrorKind::Config(problem) => match problem.setting() {
            Setting::ApiKey => EXIT_AUTH,
            Setting::BaseUrl => EXIT_USAGE,
            // The HTTP client or the runtime could not start: the machine, not the input.
            _ => EXIT_UNAVAILABLE,
        },
        _ => EXIT_UNAVAILABLE,
    }
}

/// A short name for the kind of error, stable for scripts: the library's
/// [`Error::kind_name`] (`invalid_input`, `no_api_key`, `api`, `timeout`…).
pub fn kind(error: &Error) -> &'static str {
    error.kind_name()
}

/// Why an input was refused, in the command line's terms: the library's
/// wording, except where it names the library's own items.
fn input_reason(invalid: &InvalidInput) -> String {
    match (invalid.argument(), invalid.rule()) {
        (Argument::Location, Rule::NotAnInstance) => format!(
            "`{}` is not an instance (`C.<id>` or `<id>`); cloud connections such as `s3.101` \
             cannot be used with copy: use `vast cloud copy` for cloud storage",
            invalid.value().unwrap_or("")
        ),
        (Argument::CloudSrc | Argument::CloudDst, Rule::Empty) => "the path is empty".to_owned(),
        (Argument::CloudSrc | Argument::CloudDst, Rule::Nul) => {
            "the path holds a NUL character".to_owned()
        }
        _ => invalid.to_string(),
    }
}

/// Where a key came from, named by the option or place that set it.
fn key_source(source: &KeySource) -> String {
    match source {
        KeySource::Builder => "--api-key".to_owned(),
        other => other.to_string(),
    }
}

/// A configuration problem, in the command line's terms.
fn config_message(problem: &ConfigProblem) -> String {
    match problem {
        ConfigProblem::NoApiKey => {
            "no API key: pass --api-key, set VAST_API_KEY, or write the key \
                                    to ~/.config/vastai/vast_api_key"
                .to_owned()
        }
        ConfigProblem::EmptyApiKey { source } => {
            format!("the API key from {} is empty", key_source(source))
        }
        ConfigProblem::ApiKeyControlCharacter { source } => format!(
            "the API key from {} holds a control character (the key is not shown)",
            key_source(source)
        ),
        ConfigProblem::BaseUrl {
            url,
            problem: UrlProblem::Credentials,
        } => format!("the base URL `{url}` holds credentials; the key goes in --api-key"),
        ConfigProblem::BaseUrl {
            url,
            problem: UrlProblem::InsecureHttp,
        } => format!(
            "the base URL `{url}` uses http:// to a host that is not loopback, which would send \
             the key unencrypted; use https://"
        ),
        other => other.to_string(),
    }
}

/// The error's text in the command line's words.
pub fn message(error: &Error) -> String {
    let text = match error.kind() {
        ErrorKind::InvalidInput(invalid) => format!("invalid input: {}", input_reason(invalid)),
        ErrorKind::Config(problem) => config_message(problem),
        _ => error.to_string(),
    };
    one_line(&text)
}

/// A JSON text on one line, otherwise untouched: the text itself when it
/// has no line break (the whitespace around it aside), else the text without
/// the whitespace between its tokens. A JSON string cannot hold a raw line
/// break, so that whitespace is all a line break can be part of: key order,
/// number spelling, escapes and unknown fields stay as the server wrote them.
pub fn json_line(text: &str) -> Cow<'_, str> {
    const WHITESPACE: [char; 4] = [' ', '\t', '\n', '\r'];
    let text = text.trim_matches(WHITESPACE);
    if !text.contains(['\n', '\r']) {
        return Cow::Borrowed(text);
    }
    let mut line = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            line.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if !WHITESPACE.contains(&c) {
            in_string = c == '"';
            line.push(c);
        }
    }
    Cow::Owned(line)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a failure prints: `vast: <message>` on stderr or, under `--json`,
/// `{"error": object}` on stdout, `object` (`kind`, `status`, `code`,
/// `operation`, `attempts`) given the message and the `exit_status`.
fn render(object: Value, message: String, exit: u8, json_output: bool) -> Rendered {
    if json_output {
        Rendered {
            stdout: json!({ "error": filled(object, message, exit) }).to_string(),
            stderr: String::new(),
            code: exit,
        }
    } else {
        Rendered {
            stdout: String::new(),
            stderr: format!("vast: {message}"),
            code: exit,
        }
    }
}

/// The error object of a failure that is not the library's error (a
/// refused operand, a usage error): the fields of the library's, with
/// nothing to say of a call.
fn object_without_call(kind: &str) -> Value {
    json!({
        "kind": kind,
        "status": null,
        "code": null,
        "message": null,
        "operation": null,
        "attempts": 0,
    })
}

/// Renders an error: a line on stderr, or a JSON error object on stdout:
/// the library's (the serde form of [`Error`]) with the message in the
/// command line's words ([`message`]) and the exit status added.
pub fn failure(error: &Error, json_output: bool) -> Rendered {
    render(
        library_object(error),
        message(error),
        exit_code(error),
        json_output,
    )
}

/// The JSON error object of `error`, as [`failure`] prints it under
/// `"error"` (and `vast batch` on a failed request's line).
pub fn error_object(error: &Error) -> Value {
    filled(library_object(error), message(error), exit_code(error))
}

/// The serde form of the library's error. It is an object of strings and
/// numbers: writing it cannot fail, and [`filled`] completes it anyway.
fn library_object(error: &Error) -> Value {
    serde_json::to_value(error).unwrap_or_else(|_| object_without_call(kind(error)))
}

/// `object` with the command line's message and exit status.
fn filled(mut object: Value, message: String, exit: u8) -> Value {
    object["message"] = message.into();
    object["exit_status"] = exit.into();
    object
}

/// Renders a refused operand or option (exit status 2, nothing sent).
pub fn input_failure(error: &InputError, json_output: bool) -> Rendered {
    render(
        object_without_call("invalid_input"),
        one_line(&format!("invalid input: {error}")),
        EXIT_USAGE,
        json_output,
    )
}

/// Renders a usage error found by clap when `--json` was asked for.
pub fn usage_failure(clap_text: &str) -> Rendered {
    // clap's first paragraph: `error: …` and the lines that complete it.
    let paragraph: Vec<&str> = clap_text
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let text = paragraph.join(" ");
    let message = text.strip_prefix("error: ").unwrap_or(&text);
    let message = if message.is_empty() {
        "bad usage"
    } else {
        message
    };
    render(
        object_without_call("usage"),
        message.to_owned(),
        EXIT_USAGE,
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use vast_api_ext::{Client, CloudCopy, InstanceId, NotSent, Operation, Transfer};

    fn api(status: u16, code: Option<&str>) -> Error {
        Error::for_call(
            Operation::Copy,
            1,
            ErrorKind::Api {
                status,
                code: code.map(str::to_owned),
                message: "no such instance".into(),
            },
        )
    }

    fn call(op: Operation, attempts: u32, kind: ErrorKind) -> Error {
        Error::for_call(op, attempts, kind)
    }

    /// What serde_json says of a body that is not JSON.
    fn not_json() -> serde_json::Error {
        serde_json::from_str::<Value>("{").unwrap_err()
    }

    fn build_error(builder: vast_api_ext::ClientBuilder) -> Error {
        match builder.build() {
            Ok(c) => panic!("should fail: {c:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn every_failure_maps_to_its_documented_exit_status() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let copy = Operation::Copy;
        let cases: Vec<(Error, u8, &str)> = vec![
            (
                Error::from(vast_api_ext::InvalidInput::new(
                    Argument::Instance,
                    Rule::Zero,
                    None,
                )),
                2,
                "invalid_input",
            ),
            (api(400, Some("invalid_args")), 1, "api"),
            (api(404, Some("no_such_instance")), 1, "api"),
            (api(408, None), 4, "api"),
            (api(500, None), 4, "api"),
            (api(503, None), 4, "api"),
            (
                call(
                    Operation::CloudCopy,
                    1,
                    ErrorKind::Rejected {
                        message: "no".into(),
                    },
                ),
                1,
                "rejected",
            ),
            (
                call(
                    copy,
                    1,
                    ErrorKind::Unauthorized {
                        status: 401,
                        message: None,
                    },
                ),
                3,
                "unauthorized",
            ),
            (
                call(
                    copy,
                    1,
                    ErrorKind::Unauthorized {
                        status: 403,
                        message: None,
                    },
                ),
                3,
                "unauthorized",
            ),
            (
                call(
                    copy,
                    3,
                    ErrorKind::RateLimited {
                        retry_after: None,
                        message: Some("API requests too frequent".into()),
                    },
                ),
                4,
                "rate_limited",
            ),
            (call(copy, 1, ErrorKind::Timeout), 4, "timeout"),
            (
                call(copy, 0, ErrorKind::NotSent(NotSent::NoTimeLeft)),
                4,
                "timeout",
            ),
            (
                call(
                    copy,
                    0,
                    ErrorKind::NotSent(NotSent::Paced {
                        next_turn: std::time::Duration::from_secs(3),
                    }),
                ),
                4,
                "rate_limited",
            ),
            (
                call(
                    copy,
                    1,
                    ErrorKind::Transport {
                        source: Box::new(io),
                        sent: false,
                    },
                ),
                4,
                "transport",
            ),
            (
                call(
                    copy,
                    1,
                    ErrorKind::Decode {
                        status: Some(502),
                        body_prefix: "<html>".into(),
                        source: not_json(),
                    },
                ),
                4,
                "decode",
            ),
            (
                call(
                    copy,
                    1,
                    ErrorKind::Decode {
                        status: None,
                        body_prefix: "{".into(),
                        source: not_json(),
                    },
                ),
                4,
                "decode",
            ),
            (
                call(
                    copy,
                    1,
                    ErrorKind::Decode {
                        status: Some(404),
                        body_prefix: "<html>".into(),
                        source: not_json(),
                    },
                ),
                1,
                "decode",
            ),
            (
                call(
                    copy,
                    1,
                    ErrorKind::ResponseTooLarge {
                        status: 200,
                        limit: 1 << 20,
                        declared: Some(1 << 31),
                    },
                ),
                4,
                "response_too_large",
            ),
            (
                call(
                    Operation::CloudCopy,
                    1,
                    ErrorKind::ResponseTooLarge {
                        status: 404,
                        limit: 1 << 20,
                        declared: None,
                    },
                ),
                4,
                "response_too_large",
            ),
        ];
        for (error, code, name) in cases {
            assert_eq!((exit_code(&error), kind(&error)), (code, name), "{error:?}");
        }
    }

    #[test]
    fn the_libraries_config_errors_split_into_auth_and_usage() {
        // Real errors from the library, so a change in its structure fails here.
        let empty_key = build_error(Client::builder().api_key("  "));
        assert_eq!((exit_code(&empty_key), kind(&empty_key)), (3, "no_api_key"));
        assert!(
            message(&empty_key).contains("--api-key"),
            "{}",
            message(&empty_key)
        );
        for url in [
            "ftp://example.com",
            "http://example.com",
            "https://u:p@example.com",
            "not a url",
        ] {
            let bad_url = build_error(Client::builder().api_key("k").base_url(url));
            assert_eq!(
                (exit_code(&bad_url), kind(&bad_url)),
                (2, "config"),
                "{url}: {bad_url}"
            );
            assert!(!message(&bad_url).contains("::"), "{}", message(&bad_url));
        }
        let none = Error::from(ConfigProblem::NoApiKey);
        assert_eq!(exit_code(&none), 3);
        let no_runtime = Error::from(ConfigProblem::Runtime {
            source: std::sync::Arc::new(std::io::Error::other("cannot start the I/O runtime")),
        });
        assert_eq!(exit_code(&no_runtime), 4);
        assert!(message(&none).starts_with("no API key: pass --api-key"));
        let inside = Error::from(ErrorKind::InsideRuntime);
        assert_eq!(exit_code(&inside), 4);
    }

    #[test]
    fn messages_name_options_not_rust_items() {
        let errors = [
            "local:/a".parse::<vast_api_ext::Location>().err(),
            "s3.1:/a".parse::<vast_api_ext::Location>().err(),
            "x".parse::<Transfer>().err(),
            "x".parse::<InstanceId>().err(),
        ];
        for error in errors.into_iter().flatten() {
            let text = message(&error);
            assert!(
                !text.contains("::") && !text.contains("CloudCopy"),
                "{text}"
            );
        }
    }

    #[test]
    fn json_errors_are_one_object_with_kind_status_code_and_message() {
        let r = failure(&api(404, Some("no_such_instance")), true);
        assert_eq!((r.code, r.stderr.as_str()), (1, ""));
        let v: Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
        assert_eq!(v["error"]["kind"], "api");
        assert_eq!(v["error"]["status"], 404);
        assert_eq!(v["error"]["code"], "no_such_instance");
        assert_eq!(v["error"]["exit_status"], 1);
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("no such instance"))
        );

        let usage = usage_failure(
            "error: the following required arguments were not provided:\n  --x <X>\n\nUsage: vast ...",
        );
        let v: Value = serde_json::from_str(&usage.stdout).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (usage.code, v["error"]["kind"].as_str()),
            (2, Some("usage"))
        );
        assert_eq!(
            v["error"]["message"],
            "the following required arguments were not provided: --x <X>"
        );
    }

    #[test]
    fn the_json_error_object_is_the_librarys_with_the_exit_status() {
        let errors = [
            api(404, Some("no_such_instance")),
            call(Operation::CancelSync, 2, ErrorKind::Timeout),
            call(Operation::Copy, 0, ErrorKind::NotSent(NotSent::NoTimeLeft)),
            "s3.1:/a".parse::<vast_api_ext::Location>().unwrap_err(),
            Error::from(ConfigProblem::NoApiKey),
        ];
        for error in errors {
            let printed: Value = serde_json::from_str(&failure(&error, true).stdout)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut expected = serde_json::to_value(&error).unwrap_or_else(|e| panic!("{e}"));
            // The message in the command line's words, and its exit status.
            expected["message"] = message(&error).into();
            expected["exit_status"] = exit_code(&error).into();
            assert_eq!(printed, json!({ "error": expected }), "{error:?}");
            assert_eq!(printed["error"]["kind"], error.kind_name());
        }
        // Where the command line has no words of its own, the object is the
        // library's as it is.
        let error = api(500, None);
        let printed: Value =
            serde_json::from_str(&failure(&error, true).stdout).unwrap_or_else(|e| panic!("{e}"));
        let library = serde_json::to_value(&error).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(printed["error"]["message"], library["message"]);
    }

    #[test]
    fn every_json_error_object_has_the_same_fields() {
        let keys = |r: Rendered| {
            let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}"));
            let object = v["error"].as_object().cloned().unwrap_or_default();
            object.keys().cloned().collect::<Vec<_>>()
        };
        let expected = [
            "attempts",
            "code",
            "exit_status",
            "kind",
            "message",
            "operation",
            "status",
        ];
        let mut library = keys(failure(&api(404, None), true));
        library.sort();
        assert_eq!(library, expected);
        for other in [
            input_failure(&InputError::operands("copy takes 2 operands"), true),
            usage_failure("error: unexpected argument"),
        ] {
            let mut keys = keys(other);
            keys.sort();
            assert_eq!(keys, expected);
        }
    }

    #[test]
    fn human_errors_are_one_stderr_line_without_type_names() {
        let r = failure(&call(Operation::CancelSync, 2, ErrorKind::Timeout), false);
        assert_eq!(
            r,
            Rendered {
                stdout: String::new(),
                stderr: "vast: cancel sync timed out (after 2 attempts)".into(),
                code: 4
            }
        );
    }

    #[test]
    fn success_is_one_line_naming_what_was_started() {
        let copy = Request::Copy {
            src: "C.1:/a".parse().unwrap_or_else(|e| panic!("{e}")),
            dst: "2:/b".parse().unwrap_or_else(|e| panic!("{e}")),
        };
        let plain = |m: Option<&str>| answer(m, None);
        assert_eq!(
            success(
                &copy,
                &plain(Some("Remote to Remote copy initiated\n")),
                false
            )
            .stdout,
            "copy started: C.1:/a -> C.2:/b: Remote to Remote copy initiated"
        );
        assert_eq!(
            success(
                &Request::CancelSync(InstanceId::new(7).unwrap()),
                &plain(None),
                false
            )
            .stdout,
            "cancel sync requested for instance 7"
        );
        let cloud = Request::CloudCopy(
            CloudCopy::new(InstanceId::new(1).unwrap(), 2u64, Transfer::InstanceToCloud).src("/a"),
        );
        let r = success(&cloud, &answer(Some("started"), Some("https://r/1")), false);
        assert_eq!(
            r.stdout,
            "cloud copy started on instance 1 (Instance To Cloud, connection 2): started (result: https://r/1)"
        );
        let j = success(&cloud, &answer(Some("started"), Some("https://r/1")), true);
        let v: Value = serde_json::from_str(&j.stdout).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            v,
            json!({"success": true, "msg": "started", "result_url": "https://r/1"})
        );
    }

    /// The library's answer of an outcome without a body of its own (its
    /// `raw` is the JSON its fields describe).
    fn answer(message: Option<&str>, url: Option<&str>) -> Answer {
        let outcome = vast_api_ext::CloudCopyOutcome::new(
            message.map(str::to_owned),
            url.map(str::to_owned),
            1,
        );
        Answer::CloudCopy(outcome)
    }

    #[test]
    fn json_success_prints_the_body_as_received_on_one_line() {
        let request = Request::CancelSync(InstanceId::new(7).unwrap());
        let body = r#"{"success":true,"msg":"ok","extra_field":42,"n":1.50}"#;
        let outcome = vast_api_ext::Outcome::new(Some("ok".into()), 1).with_raw(body);
        let answer = Answer::CancelSync(outcome);
        let r = success(&request, &answer, true);
        assert_eq!(
            (r.stdout.as_str(), r.stderr.as_str(), r.code),
            (body, "", 0)
        );
        // The human line still reads the fields.
        assert_eq!(
            success(&request, &answer, false).stdout,
            "cancel sync requested for instance 7: ok"
        );
    }

    #[test]
    fn json_line_removes_only_the_whitespace_between_tokens_of_a_multi_line_text() {
        // One line already: the text itself (borrowed), trimmed.
        let one = r#"{"b": 1,  "a" : [1, 2]}"#;
        assert!(matches!(json_line(one), Cow::Borrowed(t) if t == one));
        assert_eq!(json_line(&format!("\n {one}\r\n")), one);
        // Several lines: whitespace between tokens goes; strings (spaces,
        // escaped quotes and backslashes), key order and number spelling stay.
        let pretty = "{\n  \"z\": \"a  b\\\" c\\\\\",\n\t\"a\" : 1.50e+2,\r\n  \"n\": [ null, 123456789012345678901234567890 ]\n}\n";
        let line = json_line(pretty);
        assert_eq!(
            line,
            r#"{"z":"a  b\" c\\","a":1.50e+2,"n":[null,123456789012345678901234567890]}"#
        );
        let parsed: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let original: Value = serde_json::from_str(pretty).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed, original);
    }

    #[test]
    fn help_and_readme_document_every_exit_status() {
        let readme = include_str!("../README.md");
        for (code, help_word) in [
            (EXIT_OK, "success"),
            (EXIT_REFUSED, "refused"),
            (EXIT_USAGE, "bad usage"),
            (EXIT_AUTH, "authentication"),
            (EXIT_UNAVAILABLE, "network failure"),
        ] {
            let help_line = format!("  {code}  ");
            assert!(
                crate::cli::EXIT_STATUS_HELP
                    .lines()
                    .any(|l| l.starts_with(&help_line) && l.contains(help_word)),
                "--help lacks {code} ({help_word})"
            );
            assert!(
                readme.contains(&format!("| `{code}` |")),
                "README lacks {code}"
            );
        }
    }
}
