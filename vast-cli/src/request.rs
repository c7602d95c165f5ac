//! From parsed arguments to a checked request: the operands are parsed and
//! checked by the library (`vast_api_ext`'s parsers and `Request::check`),
//! before a client is built or any network I/O; this module only says where
//! on the command line each refused input was.

use vast_api_ext::{
    Argument, CloudCopy, ConnectionId, Error, ErrorKind, InstanceId, Location, Request, Transfer,
};
use vast_cli::cli::{
    CancelCommand, CancelCopyArgs, CancelSyncArgs, CloudCommand, CloudCopyArgs, Command, CopyArgs,
};
use vast_cli::output::InputError;

/// Checks the command's operands and builds the request. Every error is an
/// [`InputError`] (exit status 2).
pub fn build(command: &Command) -> Result<Request, InputError> {
    match command {
        Command::Copy(args) => copy(args),
        Command::Cloud(CloudCommand::Copy(args)) => cloud_copy(args),
        Command::Cancel(CancelCommand::Sync(args)) => cancel_sync(args),
        Command::Cancel(CancelCommand::Copy(args)) => cancel_copy(args),
        Command::Completions(_) => Err(InputError::operands("`vast completions` sends no request")),
        Command::Batch(_) => Err(InputError::operands(
            "`vast batch` reads its requests from FILE",
        )),
    }
}

fn copy(args: &CopyArgs) -> Result<Request, InputError> {
    match args.operands.as_slice() {
        [src, dst] => Ok(Request::Copy {
            src: location(src, "SRC")?,
            dst: location(dst, "DST")?,
        }),
        [src_id, dst_id, src_path, dst_path] => Ok(Request::Copy {
            src: location_from_parts(src_id, src_path, "SRC_ID")?,
            dst: location_from_parts(dst_id, dst_path, "DST_ID")?,
        }),
        other => Err(InputError::operands(format!(
            "copy takes 2 operands (SRC DST) or 4 (SRC_ID DST_ID SRC_PATH DST_PATH), not {}",
            other.len()
        ))),
    }
}

fn location(text: &str, what: &str) -> Result<Location, InputError> {
    text.parse()
        .map_err(|e| InputError::at(format!("{what} `{text}`"), e))
}

/// The 4-operand form: an instance (`123` or `C.123`) and a path.
fn location_from_parts(id: &str, path: &str, what: &str) -> Result<Location, InputError> {
    // A `:` in the id would be read as the location's separator.
    if id.contains(':') {
        return Err(InputError::operands(format!(
            "{what} `{id}` is not an instance id: expected `123` or `C.123`"
        )));
    }
    format!("{id}:{path}")
        .parse()
        .map_err(|e| InputError::at(format!("{what} `{id}` / path `{path}`"), e))
}

fn parse<T: std::str::FromStr<Err = Error>>(text: &str, option: &str) -> Result<T, InputError> {
    text.trim().parse().map_err(|e| InputError::at(option, e))
}

/// The option that sets a cloud copy's argument.
fn cloud_option(error: &Error) -> &'static str {
    match error.kind() {
        ErrorKind::InvalidInput(invalid) => match invalid.argument() {
            Argument::Instance => "--instance",
            Argument::Connection => "--connection",
            Argument::Transfer => "--transfer",
            Argument::CloudSrc => "--src",
            Argument::CloudDst => "--dst",
            _ => "cloud copy",
        },
        _ => "cloud copy",
    }
}

fn cloud_copy(args: &CloudCopyArgs) -> Result<Request, InputError> {
    // clap's groups guarantee exactly one of each pair (and at most one dst).
    let instance = args.instance.as_deref().or(args.instance_pos.as_deref());
    let src = args.src.as_deref().or(args.src_pos.as_deref());
    let dst = args.dst.as_deref().or(args.dst_pos.as_deref());
    let (Some(instance), Some(src)) = (instance, src) else {
        return Err(InputError::operands(
            "cloud copy needs an instance (--instance) and a source (--src)",
        ));
    };
    let instance: InstanceId = parse(instance, "--instance")?;
    let connection: ConnectionId = parse(&args.connection, "--connection")?;
    let transfer: Transfer = parse(&args.transfer, "--transfer")?;
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
    request
        .check()
        .map_err(|e| InputError::at(cloud_option(&e), e))?;
    Ok(Request::CloudCopy(request))
}

fn cancel_sync(args: &CancelSyncArgs) -> Result<Request, InputError> {
    let text = args.dst_id.as_deref().or(args.dst_id_pos.as_deref());
    let Some(text) = text else {
        return Err(InputError::operands("cancel sync needs DST_ID"));
    };
    let request = Request::CancelSync(parse(text, "DST_ID")?);
    request.check().map_err(|e| InputError::at("DST_ID", e))?;
    Ok(request)
}

/// DST: the copy's destination instance, by its id or by the copy's
/// destination location (`C.7001234:/workspace/`, whose instance it takes;
/// the official CLI's help asks for that form).
fn cancel_copy(args: &CancelCopyArgs) -> Result<Request, InputError> {
    let text = args.dst_id.as_deref().or(args.dst_pos.as_deref());
    let Some(text) = text else {
        return Err(InputError::operands("cancel copy needs DST"));
    };
    let dst = if text.contains(':') {
        location(text, "DST")?.instance()
    } else {
        parse(text.trim().trim_start_matches("C."), "DST")?
    };
    let request = Request::CancelCopy(dst);
    request.check().map_err(|e| InputError::at("DST", e))?;
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use vast_cli::cli::Cli;

    fn parse(args: &[&str]) -> Result<Request, InputError> {
        let cli = Cli::try_parse_from(std::iter::once("vast").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?} should parse: {e}"));
        build(&cli.command)
    }

    fn ok(args: &[&str]) -> Request {
        parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    fn refused(args: &[&str]) -> String {
        match parse(args) {
            Err(e) => e.to_string(),
            Ok(request) => panic!("{args:?} should be invalid input, got {request:?}"),
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
            CloudCopy::new(
                InstanceId::new(6003036).unwrap(),
                1004u64,
                Transfer::CloudToInstance,
            )
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
        let expected = CloudCopy::new(InstanceId::new(1).unwrap(), 2u64, Transfer::InstanceToCloud)
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
    fn cancel_copy_takes_an_id_or_a_destination_location() {
        let want = Request::CancelCopy(InstanceId::new(42).unwrap());
        for form in [
            &["cancel", "copy", "42"][..],
            &["cancel", "copy", "C.42"],
            &["cancel", "copy", "C.42:/workspace/"],
            &["cancel", "copy", "42:/workspace"],
            &["cancel", "copy", "--dst_id", "42"],
            &["cancel", "copy", "--dst-id", "C.42"],
        ] {
            assert_eq!(ok(form), want, "{form:?}");
        }
        assert!(refused(&["cancel", "copy", "4x"]).starts_with("DST"));
        assert!(refused(&["cancel", "copy", "0"]).starts_with("DST"));
        assert!(refused(&["cancel", "copy", "C.x:/w"]).starts_with("DST"));
    }

    #[test]
    fn cancel_sync_takes_the_id_as_operand_or_dst_id_option() {
        assert_eq!(
            ok(&["cancel", "sync", "42"]),
            Request::CancelSync(InstanceId::new(42).unwrap())
        );
        assert_eq!(
            ok(&["cancel", "sync", "--dst_id", "42"]),
            Request::CancelSync(InstanceId::new(42).unwrap())
        );
        assert_eq!(
            ok(&["cancel", "sync", "--dst-id", "42"]),
            Request::CancelSync(InstanceId::new(42).unwrap())
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
                CloudCopy::new(
                    InstanceId::new(5).unwrap(),
                    1004u64,
                    Transfer::InstanceToCloud
                )
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
