//! From an outcome or an error to what is printed and the exit status:
//! pure functions, unit-tested without a server.

use crate::request::Request;
use serde_json::{Map, Value, json};
use vast_api_ext::{Error, Setting};

/// Success.
pub const EXIT_OK: u8 = 0;
/// The API refused the request (4xx other than auth, or `success:false`).
pub const EXIT_REFUSED: u8 = 1;
/// Bad usage or invalid input, found before any network I/O.
pub const EXIT_USAGE: u8 = 2;
/// No API key, or the key was refused (401, 403).
pub const EXIT_AUTH: u8 = 3;
/// Network failure, timeout, 5xx or 429 after the retries allowed, an answer
/// that could not be read or was too long to read.
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

/// What a successful answer said (the library's outcomes, whose fields
/// are all that is printed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// The server's `msg`.
    pub message: Option<String>,
    /// Cloud copy's `result_url`.
    pub result_url: Option<String>,
}

impl From<vast_api_ext::Answer> for Answer {
    fn from(answer: vast_api_ext::Answer) -> Self {
        Self {
            message: answer.message().map(str::to_owned),
            result_url: answer.result_url().map(str::to_owned),
        }
    }
}

/// Renders a success: one human line, or the server's JSON answer.
pub fn success(request: &Request, answer: &Answer, json_output: bool) -> Rendered {
    let (message, result_url) = (answer.message.as_deref(), answer.result_url.as_deref());
    let stdout = if json_output {
        let mut body = Map::new();
        body.insert("success".into(), Value::Bool(true));
        if let Some(m) = message {
            body.insert("msg".into(), Value::String(m.to_owned()));
        }
        if let Some(u) = result_url {
            body.insert("result_url".into(), Value::String(u.to_owned()));
        }
        Value::Object(body).to_string()
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

/// The exit status of an error (the table in `vast --help`).
pub fn exit_code(error: &Error) -> u8 {
    match error {
        Error::InvalidInput { .. } => EXIT_USAGE,
        Error::Config {
            setting: Setting::ApiKey,
            ..
        } => EXIT_AUTH,
        // The HTTP client or the runtime could not start: the machine, not the input.
        Error::Config {
            setting: Setting::HttpClient,
            ..
        } => EXIT_UNAVAILABLE,
        Error::Config { .. } => EXIT_USAGE,
        Error::Unauthorized { .. } => EXIT_AUTH,
        Error::Rejected { .. } => EXIT_REFUSED,
        Error::Api { status, .. } => {
            if *status == 408 || *status >= 500 {
                EXIT_UNAVAILABLE
            } else {
                EXIT_REFUSED
            }
        }
        // An unreadable 4xx body is still a refusal; an unreadable 2xx/5xx,
        // or one whose status is unknown, is a server or network fault.
        Error::Decode {
            status: Some(status),
            ..
        } if (400..500).contains(status) && *status != 408 && *status != 429 => EXIT_REFUSED,
        // An answer too long to read is never the API's (its answers are
        // under 1 KiB): a proxy or server fault, whatever its status.
        Error::RateLimited { .. }
        | Error::Timeout { .. }
        | Error::Transport { .. }
        | Error::Decode { .. }
        | Error::ResponseTooLarge { .. } => EXIT_UNAVAILABLE,
        _ => EXIT_UNAVAILABLE,
    }
}

/// A short name for the kind of error, stable for scripts.
pub fn kind(error: &Error) -> &'static str {
    match error {
        Error::InvalidInput { .. } => "invalid_input",
        Error::Config {
            setting: Setting::ApiKey,
            ..
        } => "no_api_key",
        Error::Config { .. } => "config",
        Error::Api { .. } => "api",
        Error::Rejected { .. } => "rejected",
        Error::Unauthorized { .. } => "unauthorized",
        Error::RateLimited { .. } => "rate_limited",
        Error::Timeout { .. } => "timeout",
        Error::Transport { .. } => "transport",
        Error::Decode { .. } => "decode",
        Error::ResponseTooLarge { .. } => "response_too_large",
        _ => "other",
    }
}

/// The error's text in the CLI's words: the library's names of builder
/// methods become the options that set them.
pub fn message(error: &Error) -> String {
    let text = error
        .to_string()
        .replace("ClientBuilder::api_key", "--api-key")
        .replace(
            "use https:// or ClientBuilder::allow_insecure_http(true)",
            "use https://",
        )
        .replace("CloudCopy::src", "--src")
        .replace("CloudCopy::dst", "--dst")
        .replace("cloud copy (CloudCopy)", "`vast cloud copy`")
        .replace("cannot configure the Vast.ai client: ", "");
    one_line(&text)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Renders an error: a line on stderr, or a JSON error object on stdout.
pub fn failure(error: &Error, json_output: bool) -> Rendered {
    let code = exit_code(error);
    if json_output {
        let object = json!({
            "error": {
                "kind": kind(error),
                "status": error.status(),
                "code": error.code(),
                "message": message(error),
                "operation": error.operation().map(|o| o.name()),
                "attempts": error.attempts(),
                "exit_status": code,
            }
        });
        Rendered {
            stdout: object.to_string(),
            stderr: String::new(),
            code,
        }
    } else {
        Rendered {
            stdout: String::new(),
            stderr: format!("vast: {}", message(error)),
            code,
        }
    }
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
    let object = json!({
        "error": {
            "kind": "usage",
            "status": null,
            "code": null,
            "message": message,
            "operation": null,
            "attempts": 0,
            "exit_status": EXIT_USAGE,
        }
    });
    Rendered {
        stdout: object.to_string(),
        stderr: String::new(),
        code: EXIT_USAGE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vast_api_ext::{Client, CloudCopy, InstanceId, Operation, Transfer};

    fn api(status: u16, code: Option<&str>) -> Error {
        Error::Api {
            operation: Operation::Copy,
            status,
            code: code.map(str::to_owned),
            message: "no such instance".into(),
            attempts: 1,
        }
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
        let cases: Vec<(Error, u8, &str)> = vec![
            (
                Error::InvalidInput {
                    message: "x".into(),
                },
                2,
                "invalid_input",
            ),
            (api(400, Some("invalid_args")), 1, "api"),
            (api(404, Some("no_such_instance")), 1, "api"),
            (api(408, None), 4, "api"),
            (api(500, None), 4, "api"),
            (api(503, None), 4, "api"),
            (
                Error::Rejected {
                    operation: Operation::CloudCopy,
                    message: "no".into(),
                    attempts: 1,
                },
                1,
                "rejected",
            ),
            (
                Error::Unauthorized {
                    operation: Operation::Copy,
                    status: 401,
                    message: None,
                    attempts: 1,
                },
                3,
                "unauthorized",
            ),
            (
                Error::Unauthorized {
                    operation: Operation::Copy,
                    status: 403,
                    message: None,
                    attempts: 1,
                },
                3,
                "unauthorized",
            ),
            (
                Error::RateLimited {
                    retry_after: None,
                    operation: Operation::Copy,
                    message: Some("API requests too frequent".into()),
                    attempts: 3,
                },
                4,
                "rate_limited",
            ),
            (
                Error::Timeout {
                    operation: Operation::Copy,
                    attempts: 1,
                },
                4,
                "timeout",
            ),
            (
                Error::Transport {
                    operation: Operation::Copy,
                    source: Box::new(io),
                    sent: false,
                    attempts: 1,
                },
                4,
                "transport",
            ),
            (
                Error::Decode {
                    operation: Operation::Copy,
                    status: Some(502),
                    body_prefix: "<html>".into(),
                    attempts: 1,
                },
                4,
                "decode",
            ),
            (
                Error::Decode {
                    operation: Operation::Copy,
                    status: None,
                    body_prefix: "{".into(),
                    attempts: 1,
                },
                4,
                "decode",
            ),
            (
                Error::Decode {
                    operation: Operation::Copy,
                    status: Some(404),
                    body_prefix: "<html>".into(),
                    attempts: 1,
                },
                1,
                "decode",
            ),
            (
                Error::ResponseTooLarge {
                    operation: Operation::Copy,
                    status: 200,
                    limit: 1 << 20,
                    declared: Some(1 << 31),
                    attempts: 1,
                },
                4,
                "response_too_large",
            ),
            (
                Error::ResponseTooLarge {
                    operation: Operation::CloudCopy,
                    status: 404,
                    limit: 1 << 20,
                    declared: None,
                    attempts: 1,
                },
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
        // Real errors from the library, so a change in its wording fails here.
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
        let none = Error::Config {
            setting: Setting::ApiKey,
            message: "no API key: pass ClientBuilder::api_key, set VAST_API_KEY, or write the key to ~/.config/vastai/vast_api_key".into(),
        };
        assert_eq!(exit_code(&none), 3);
        let no_runtime = Error::Config {
            setting: Setting::HttpClient,
            message: "cannot start the I/O runtime".into(),
        };
        assert_eq!(exit_code(&no_runtime), 4);
        assert!(message(&none).starts_with("no API key: pass --api-key"));
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
    fn human_errors_are_one_stderr_line_without_type_names() {
        let r = failure(
            &Error::Timeout {
                operation: Operation::CancelSync,
                attempts: 2,
            },
            false,
        );
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
            success(&Request::CancelSync(InstanceId(7)), &plain(None), false).stdout,
            "cancel sync requested for instance 7"
        );
        let cloud =
            Request::CloudCopy(CloudCopy::new(1u64, 2u64, Transfer::InstanceToCloud).src("/a"));
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

    fn answer(message: Option<&str>, url: Option<&str>) -> Answer {
        Answer {
            message: message.map(str::to_owned),
            result_url: url.map(str::to_owned),
        }
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
