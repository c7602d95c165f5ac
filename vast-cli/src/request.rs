//! From parsed arguments to a checked request: every input check happens
//! here, before a client is built or any network I/O.

use crate::cli::{CancelCommand, CancelSyncArgs, CloudCommand, CloudCopyArgs, Command, CopyArgs};
use vast_api_ext::{CloudCopy, ConnectionId, Error, InstanceId, Location, Transfer};

/// One call to make, with its inputs already checked: the library's
/// [`vast_api_ext::Request`], which also reports the body `--explain` shows.
pub use vast_api_ext::Request;

/// Checks the command's operands and builds the request. Every error is
/// [`Error::InvalidInput`] (exit status 2).
pub fn build(command: &Command) -> Result<Request, Error> {
    match command {
        Command::Copy(args) => copy(args),
        Command::Cloud(CloudCommand::Copy(args)) => cloud_copy(args),
        Command::Cancel(CancelCommand::Sync(args)) => cancel_sync(args),
        Command::Completions(_) => Err(invalid("`vast completions` sends no request")),
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidInput {
        message: message.into(),
    }
}

fn copy(args: &CopyArgs) -> Result<Request, Error> {
    match args.operands.as_slice() {
        [src, dst] => Ok(Request::Copy {
            src: location(src, "SRC")?,
            dst: location(dst, "DST")?,
        }),
        [src_id, dst_id, src_path, dst_path] => Ok(Request::Copy {
            src: location_from_parts(src_id, src_path, "SRC_ID")?,
            dst: location_from_parts(dst_id, dst_path, "DST_ID")?,
        }),
        other => Err(invalid(format!(
            "copy takes 2 operands (SRC DST) or 4 (SRC_ID DST_ID SRC_PATH DST_PATH), not {}",
            other.len()
        ))),
    }
}

fn location(text: &str, what: &str) -> Result<Location, Error> {
    text.parse()
        .map_err(|e| invalid(format!("{what} `{text}`: {}", reason(&e))))
}

/// The 4-operand form: an instance (`123` or `C.123`) and a path.
fn location_from_parts(id: &str, path: &str, what: &str) -> Result<Location, Error> {
    if id.contains(':') {
        return Err(invalid(format!(
            "{what} `{id}` is not an instance id: expected `123` or `C.123`"
        )));
    }
    format!("{id}:{path}")
        .parse()
        .map_err(|e| invalid(format!("{what} `{id}` / path `{path}`: {}", reason(&e))))
}

fn id<T: std::str::FromStr<Err = Error>>(text: &str, option: &str) -> Result<T, Error> {
    text.trim()
        .parse()
        .map_err(|e| invalid(format!("{option}: {}", reason(&e))))
}

fn cloud_copy(args: &CloudCopyArgs) -> Result<Request, Error> {
    // clap's groups guarantee exactly one of each pair (and at most one dst).
    let instance_text = args.instance.as_deref().or(args.instance_pos.as_deref());
    let src = args.src.as_deref().or(args.src_pos.as_deref());
    let dst = args.dst.as_deref().or(args.dst_pos.as_deref());
    let (Some(instance_text), Some(src)) = (instance_text, src) else {
        return Err(invalid(
            "cloud copy needs an instance (--instance) and a source (--src)",
        ));
    };
    let instance: InstanceId = id(instance_text, "--instance")?;
    if instance.get() == 0 {
        return Err(invalid("--instance: the instance id 0 names no instance"));
    }
    let connection: ConnectionId = id(&args.connection, "--connection")?;
    let transfer: Transfer = args
        .transfer
        .parse()
        .map_err(|e| invalid(format!("--transfer: {}", reason(&e))))?;
    let mut request = CloudCopy::new(instance, connection, transfer)
        .src(src)
        .dry_run(args.dry_run)
        .size_only(args.size_only)
        .ignore_existing(args.ignore_existing)
        .update(args.update)
        .delete_excluded(args.delete_excluded);
    if let Some(dst) = dst {
        request = request.dst(dst);
    }
    for (name, value) in [("--src", Some(src)), ("--dst", dst)] {
        if let Some(value) = value {
            if value.trim().is_empty() {
                return Err(invalid(format!("{name}: the path is empty")));
            }
            if value.contains('\0') {
                return Err(invalid(format!("{name}: the path holds a NUL character")));
            }
        }
    }
    Ok(Request::CloudCopy(request))
}

fn cancel_sync(args: &CancelSyncArgs) -> Result<Request, Error> {
    let text = args.dst_id.as_deref().or(args.dst_id_pos.as_deref());
    let Some(text) = text else {
        return Err(invalid("cancel sync needs DST_ID"));
    };
    let dst: InstanceId = id(text, "DST_ID")?;
    if i64::try_from(dst.get()).is_err() {
        return Err(invalid(format!(
            "DST_ID: the instance id {dst} is too large"
        )));
    }
    if dst.get() == 0 {
        return Err(invalid("DST_ID: the instance id 0 names no instance"));
    }
    Ok(Request::CancelSync(dst))
}

/// The library's reason without its `invalid input: ` prefix.
fn reason(error: &Error) -> String {
    match error {
        Error::InvalidInput { message } => message.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Request, Error> {
        let cli = Cli::try_parse_from(std::iter::once("vast").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?} should parse: {e}"));
        build(&cli.command)
    }

    fn ok(args: &[&str]) -> Request {
        parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn refused(args: &[&str]) -> String {
        match parse(args) {
            Err(Error::InvalidInput { message }) => message,
            other => panic!("{args:?} should be invalid input, got {other:?}"),
        }
    }

    fn loc(text: &str) -> Location {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn copy_accepts_locations_and_the_four_operand_form_alike() {
        let expected = Request::Copy {
            src: loc("C.6003036:/workspace/data"),
            dst: loc("C.7001234:/workspace/"),
        };
        assert_eq!(
            ok(&["copy", "C.6003036:/workspace/data", "7001234:/workspace/"]),
            expected
        );
        assert_eq!(
            ok(&[
                "copy",
                "6003036",
                "C.7001234",
                "/workspace/data",
                "/workspace/"
            ]),
            expected
        );
    }

    #[test]
    fn copy_refuses_bad_locations_before_any_io() {
        for bad in [
            ["copy", "C.1:/a", "C.2:/b:c"],
            ["copy", "local:/a", "C.2:/b"],
            ["copy", "C.x:/a", "C.2:/b"],
            ["copy", "C.1:", "C.2:/b"],
            ["copy", "C.1:/a//b", "C.2:/b"],
            ["copy", "s3.101:/a", "C.2:/b"],
            ["copy", "nocolon", "C.2:/b"],
        ] {
            let message = refused(&bad);
            assert!(
                message.starts_with("SRC") || message.starts_with("DST"),
                "{message}"
            );
        }
        assert!(refused(&["copy", "1", "2", "3"]).contains("not 3"));
        assert!(refused(&["copy", "1:2", "3", "/a", "/b"]).contains("SRC_ID"));
        assert!(refused(&["copy", "1", "x", "/a", "/b"]).contains("DST_ID"));
    }

    #[test]
    fn cloud_copy_option_and_positional_forms_build_the_same_request() {
        let expected = Request::CloudCopy(
            CloudCopy::new(6003036u64, 1004u64, Transfer::CloudToInstance)
                .src("bucket/x")
                .dst("/workspace/x")
                .dry_run(true)
                .delete_excluded(true),
        );
        let common = [
            "--connection",
            "1004",
            "--transfer",
            "cloud to INSTANCE",
            "--dry-run",
            "--delete-excluded",
        ];
        let mut options = vec![
            "cloud",
            "copy",
            "--instance",
            "6003036",
            "--src",
            "bucket/x",
            "--dst",
            "/workspace/x",
        ];
        options.extend(common);
        let mut positional = vec!["cloud", "copy", "6003036", "bucket/x", "/workspace/x"];
        positional.extend(common);
        assert_eq!(ok(&options), expected);
        assert_eq!(ok(&positional), expected);
    }

    #[test]
    fn cloud_copy_dst_defaults_to_workspace_and_flags_keep_the_official_order() {
        let Request::CloudCopy(request) = ok(&[
            "cloud",
            "copy",
            "--instance",
            "1",
            "--connection",
            "2",
            "--transfer",
            "Instance To Cloud",
            "--src",
            "/data",
            "--update",
            "--dry-run",
            "--size-only",
            "--ignore-existing",
        ]) else {
            panic!("not a cloud copy")
        };
        let expected = CloudCopy::new(1u64, 2u64, Transfer::InstanceToCloud)
            .src("/data")
            .dst("/workspace")
            .dry_run(true)
            .size_only(true)
            .ignore_existing(true)
            .update(true);
        assert_eq!(request, expected);
        assert_eq!(
            request.flags(),
            ["--dry-run", "--size-only", "--ignore-existing", "--update"]
        );
    }

    #[test]
    fn cloud_copy_refuses_unknown_transfer_and_bad_ids() {
        let base = ["cloud", "copy", "1", "/src"];
        let with = |extra: &[&'static str]| {
            let mut v = base.to_vec();
            v.extend_from_slice(extra);
            v
        };
        assert!(
            refused(&with(&["--connection", "2", "--transfer", "up"])).starts_with("--transfer")
        );
        assert!(
            refused(&with(&[
                "--connection",
                "x2",
                "--transfer",
                "instance to cloud"
            ]))
            .starts_with("--connection")
        );
        assert!(
            refused(&[
                "cloud",
                "copy",
                "--instance",
                "1.5",
                "--src",
                "/a",
                "--connection",
                "2",
                "--transfer",
                "Instance To Cloud"
            ])
            .starts_with("--instance")
        );
        assert!(
            refused(&[
                "cloud",
                "copy",
                "0",
                "/a",
                "--connection",
                "2",
                "--transfer",
                "Instance To Cloud"
            ])
            .contains("0")
        );
        assert!(
            refused(&with(&[
                "--dst",
                " ",
                "--connection",
                "2",
                "--transfer",
                "Instance To Cloud"
            ]))
            .starts_with("--dst")
        );
    }

    #[test]
    fn cancel_sync_takes_the_id_as_operand_or_dst_id_option() {
        assert_eq!(
            ok(&["cancel", "sync", "42"]),
            Request::CancelSync(InstanceId(42))
        );
        assert_eq!(
            ok(&["cancel", "sync", "--dst_id", "42"]),
            Request::CancelSync(InstanceId(42))
        );
        assert_eq!(
            ok(&["cancel", "sync", "--dst-id", "42"]),
            Request::CancelSync(InstanceId(42))
        );
        assert!(refused(&["cancel", "sync", "4x"]).starts_with("DST_ID"));
        assert!(refused(&["cancel", "sync", "9223372036854775808"]).contains("too large"));
    }

    #[test]
    fn usage_errors_are_clap_errors_with_status_2() {
        for bad in [
            vec!["vast"],
            vec!["vast", "copy", "C.1:/a"],
            vec!["vast", "copy", "1", "2", "3", "4", "5"],
            vec!["vast", "cancel", "sync"],
            vec!["vast", "cancel", "sync", "1", "--dst_id", "1"],
            // --transfer has a default now; --connection has none.
            vec![
                "vast",
                "cloud",
                "copy",
                "1",
                "/a",
                "--transfer",
                "Instance To Cloud",
            ],
            vec!["vast", "--retry", "0", "cancel", "sync", "1"],
            vec![
                "vast",
                "--retry",
                "2",
                "--max-attempts",
                "2",
                "cancel",
                "sync",
                "1",
            ],
            vec![
                "vast",
                "cloud",
                "copy",
                "--src",
                "/a",
                "--connection",
                "2",
                "--transfer",
                "x",
            ],
            vec![
                "vast",
                "cloud",
                "copy",
                "1",
                "/a",
                "--instance",
                "1",
                "--connection",
                "2",
                "--transfer",
                "x",
            ],
            vec!["vast", "--max-attempts", "0", "cancel", "sync", "1"],
            vec!["vast", "--timeout", "-1", "cancel", "sync", "1"],
            vec!["vast", "frobnicate"],
        ] {
            match Cli::try_parse_from(&bad) {
                Ok(cli) => panic!("{bad:?} parsed: {cli:?}"),
                Err(e) => assert_eq!(e.exit_code(), 2, "{bad:?}"),
            }
        }
    }

    #[test]
    fn cloud_copy_transfer_defaults_to_instance_to_cloud_as_in_the_official_cli() {
        assert_eq!(
            ok(&[
                "cloud",
                "copy",
                "--instance",
                "5",
                "--connection",
                "1004",
                "--src",
                "/w"
            ]),
            Request::CloudCopy(
                CloudCopy::new(5u64, 1004u64, Transfer::InstanceToCloud)
                    .src("/w")
                    .dst("/workspace")
            )
        );
    }

    #[test]
    fn the_official_global_switches_are_accepted() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(std::iter::once("vast").chain(args.iter().copied()))
                .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        };
        // --raw is --json, before or after the subcommand, repeatable.
        for args in [
            &["--raw", "cancel", "sync", "1"][..],
            &["cancel", "sync", "1", "--raw"],
            &["--json", "--raw", "cancel", "sync", "1"],
        ] {
            assert!(parse(args).json, "{args:?}");
        }
        assert!(!parse(&["cancel", "sync", "1"]).json);
        // --retry N is --max-attempts N: N attempts in all.
        assert_eq!(
            parse(&["--retry", "2", "cancel", "sync", "7"]).max_attempts,
            Some(2)
        );
        assert_eq!(
            parse(&["cancel", "sync", "7", "--retry", "1"]).max_attempts,
            Some(1)
        );
        assert_eq!(parse(&["cancel", "sync", "7"]).max_attempts, None);
        let explain = parse(&["--explain", "cancel", "sync", "7"]);
        assert!(explain.explain && !explain.json);
        assert!(parse(&["cancel", "sync", "7", "--explain"]).explain);
    }

    #[test]
    fn the_command_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
