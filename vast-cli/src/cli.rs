//! The command line as clap sees it: commands, operands, options, help text.

use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand};
use std::time::Duration;

/// The exit statuses, shown at the end of `vast --help` (and in the README).
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  success: the server accepted the request
  1  the request was refused: a 4xx answer other than 401/403/408/429, or a
     1xx/3xx answer (redirects are not followed), readable or not; or
     success:false
  2  bad usage or invalid input, found before any network I/O
  3  authentication: no API key found, or the key was refused (401, 403)
  4  network failure, timeout, 5xx, 408 or 429 after the retries allowed,
     any answer over 1 MiB, or a 2xx answer that could not be read

API key: --api-key, else env VAST_API_KEY, else $XDG_CONFIG_HOME/vastai/vast_api_key
(default ~/.config/vastai/vast_api_key), else ~/.vast_api_key.
Server: --url, else env VAST_URL, else https://console.vast.ai.";

/// `vast`: copy data between Vast.ai instances and clouds, and cancel syncs and copies.
#[derive(Debug, Parser)]
#[command(
    name = "vast",
    version,
    about = "Copy data between Vast.ai instances and cloud storage, and cancel syncs and copies",
    after_help = EXIT_STATUS_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// API key (else env VAST_API_KEY, else the key files; never printed)
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "KEY"
    )]
    pub api_key: Option<KeyArg>,

    /// Base URL of the API (else env VAST_URL, else https://console.vast.ai)
    // The doc comment is the option's help text, which shows the URL as typed.
    #[allow(rustdoc::bare_urls)]
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        value_name = "URL"
    )]
    pub url: Option<String>,

    /// Print the server's JSON answer as received (unknown fields kept, on
    /// one line), or a JSON error object, on stdout (the official CLI's --raw)
    #[arg(
        long,
        global = true,
        help_heading = "Global options",
        visible_alias = "raw",
        overrides_with = "json"
    )]
    pub json: bool,

    /// Attempts per request, the first included (1-20, default 3); the
    /// official CLI's --retry N, which also means N attempts in all
    #[arg(long, global = true, help_heading = "Global options", value_name = "N",
          visible_alias = "retry", value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: Option<u32>,

    /// Print the request (method, URL, JSON body) on stderr before sending
    /// it; never the key or the Authorization header
    #[arg(long, global = true, help_heading = "Global options")]
    pub explain: bool,

    /// Timeout of one attempt, in seconds (default 120; fractions allowed)
    #[arg(long, global = true, help_heading = "Global options", value_name = "SECS", value_parser = parse_secs)]
    pub timeout: Option<Duration>,

    /// Log what happens to stderr (-v: requests and retries, -vv: more); never the key
    #[arg(short, long, global = true, help_heading = "Global options", action = ArgAction::Count)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The `--api-key` value: a plain string to clap, `***` to `Debug`, so that
/// printing the parsed command line can never show the key.
#[derive(Clone)]
pub struct KeyArg(pub String);

impl std::fmt::Debug for KeyArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyArg(***)")
    }
}

impl std::str::FromStr for KeyArg {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Copy a directory or file from one instance to another
    #[command(
        override_usage = "vast copy [OPTIONS] SRC DST\n       vast copy [OPTIONS] SRC_ID DST_ID SRC_PATH DST_PATH",
        after_help = "Locations are written `C.<id>:<path>` or `<id>:<path>`, such as C.6003036:/workspace/data.\n\n\
                      Examples:\n  vast copy C.6003036:/workspace/data C.7001234:/workspace/\n  vast copy 6003036 7001234 /workspace/data /workspace/"
    )]
    Copy(CopyArgs),
    /// Cloud storage commands
    #[command(subcommand)]
    Cloud(CloudCommand),
    /// Cancel commands
    #[command(subcommand)]
    Cancel(CancelCommand),
    /// Send many requests: JSON Lines in (a request per line), JSON Lines out (a result per line)
    #[command(
        override_usage = "vast batch [OPTIONS] [FILE]",
        after_help = "Each line is a request in the library's JSON form, or a line `vast --explain` printed:\n  \
                      {\"operation\":\"copy\",\"src\":\"C.6003036:/workspace/data/\",\"dst\":\"C.7001234:/workspace/\"}\n  \
                      {\"operation\":\"cloud_copy\",\"instance\":6003036,\"connection\":1004,\"transfer\":\"instance_to_cloud\",\"src\":\"/workspace/results\",\"dst\":\"bucket/results\"}\n  \
                      {\"operation\":\"cancel_sync\",\"dst\":7001234}\n\n\
                      Every line is checked before anything is sent (a bad line: its number and why, exit 2).\n\
                      Each result is a line {\"index\",\"operation\",\"outcome\" or \"error\",\"attempts\"} as it ends.\n\
                      The exit status is the worst of the results'.\n\n\
                      Examples:\n  vast batch jobs.jsonl > results.jsonl\n  vast batch --concurrency 4 --keep-going - < jobs.jsonl"
    )]
    Batch(BatchArgs),
    /// Print a shell completion script on stdout
    #[command(
        after_help = "Examples:\n  vast completions bash > ~/.local/share/bash-completion/completions/vast\n  \
                      vast completions zsh > ~/.zfunc/_vast     # with fpath+=~/.zfunc before compinit\n  \
                      vast completions fish > ~/.config/fish/completions/vast.fish"
    )]
    Completions(CompletionsArgs),
}

/// `vast batch` operand and options.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The requests, as JSON Lines: a file, or - for standard input
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: String,
    /// Requests in the client at once (1 to 64; each endpoint still takes the client's pacing)
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u8).range(1..=64))]
    pub concurrency: u8,
    /// Send every request even after one fails (by default the batch stops at the first failure)
    #[arg(long)]
    pub keep_going: bool,
    /// Requests in flight per endpoint (default 1: Vast allows one request per endpoint per
    /// minimum interval; raise it only for a server without that rule)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=64))]
    pub in_flight: Option<u8>,
    /// No progress bar (it is drawn only when stderr is a terminal anyway)
    #[arg(long, short)]
    pub quiet: bool,
}

/// `vast completions` operand.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `vast copy` operands: `SRC DST`, or `SRC_ID DST_ID SRC_PATH DST_PATH`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// SRC DST (locations), or SRC_ID DST_ID SRC_PATH DST_PATH
    #[arg(value_name = "OPERANDS", required = true, num_args = 2..=4)]
    pub operands: Vec<String>,
}

/// `vast cloud …`
#[derive(Debug, Subcommand)]
pub enum CloudCommand {
    /// Copy between an instance and a cloud connection (S3, Drive…) with rclone
    #[command(
        override_usage = "vast cloud copy [OPTIONS] --connection ID [--transfer DIRECTION] --instance ID --src PATH [--dst PATH]\n       \
                          vast cloud copy [OPTIONS] --connection ID [--transfer DIRECTION] INSTANCE_ID SRC [DST]",
        after_help = "Example:\n  vast cloud copy --instance 6003036 --connection 1004 --transfer \"Instance To Cloud\" \\\n      --src /workspace/results --dst bucket/results --size-only"
    )]
    Copy(CloudCopyArgs),
}

/// `vast cloud copy` operands and options.
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("the_instance").required(true).args(["instance_pos", "instance"])),
    group(ArgGroup::new("the_src").required(true).args(["src_pos", "src"])),
    group(ArgGroup::new("the_dst").args(["dst_pos", "dst"])),
)]
pub struct CloudCopyArgs {
    /// The instance (positional form of --instance)
    #[arg(value_name = "INSTANCE_ID")]
    pub instance_pos: Option<String>,
    /// The source (positional form of --src)
    #[arg(value_name = "SRC")]
    pub src_pos: Option<String>,
    /// The destination (positional form of --dst)
    #[arg(value_name = "DST")]
    pub dst_pos: Option<String>,

    /// The instance id
    #[arg(long, value_name = "ID")]
    pub instance: Option<String>,
    /// The cloud connection id (from `GET /api/v0/users/cloud_integrations/`)
    #[arg(long, value_name = "ID", required = true)]
    pub connection: String,
    /// "Instance To Cloud" or "Cloud To Instance" (any case)
    #[arg(long, value_name = "DIRECTION", default_value = "Instance To Cloud")]
    pub transfer: String,
    /// The source path
    #[arg(long, value_name = "PATH")]
    pub src: Option<String>,
    /// The destination path [default: /workspace]
    #[arg(long, value_name = "PATH")]
    pub dst: Option<String>,

    /// rclone --dry-run: show what would be copied, copy nothing
    #[arg(long)]
    pub dry_run: bool,
    /// rclone --size-only: compare files by size only
    #[arg(long)]
    pub size_only: bool,
    /// rclone --ignore-existing: skip files that exist at the destination
    #[arg(long)]
    pub ignore_existing: bool,
    /// rclone --update: skip files that are newer at the destination
    #[arg(long)]
    pub update: bool,
    /// rclone --delete-excluded: delete excluded files at the destination
    #[arg(long)]
    pub delete_excluded: bool,
}

/// `vast cancel …`
#[derive(Debug, Subcommand)]
pub enum CancelCommand {
    /// Cancel the sync (cloud copy) whose destination is an instance
    #[command(
        override_usage = "vast cancel sync [OPTIONS] DST_ID\n       vast cancel sync [OPTIONS] --dst_id DST_ID"
    )]
    Sync(CancelSyncArgs),
    /// Cancel the copy (instance to instance) whose destination is an instance
    #[command(
        override_usage = "vast cancel copy [OPTIONS] DST\n       vast cancel copy [OPTIONS] --dst_id DST",
        after_help = "DST is the destination instance of the copy: its id (7001234, C.7001234) or the copy's destination location (C.7001234:/workspace/).\n\n\
                      Examples:\n  vast cancel copy 7001234\n  vast cancel copy C.7001234:/workspace/"
    )]
    Copy(CancelCopyArgs),
}

/// `vast cancel copy` operand.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("the_dst").required(true).args(["dst_pos", "dst_id"])))]
pub struct CancelCopyArgs {
    /// The copy's destination instance (an id, or the destination location)
    #[arg(value_name = "DST")]
    pub dst_pos: Option<String>,
    /// The copy's destination instance (the docs' spelling; --dst-id also works)
    #[arg(long = "dst_id", visible_alias = "dst-id", value_name = "DST")]
    pub dst_id: Option<String>,
}

/// `vast cancel sync` operand.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("the_dst_id").required(true).args(["dst_id_pos", "dst_id"])))]
pub struct CancelSyncArgs {
    /// The destination instance id
    #[arg(value_name = "DST_ID")]
    pub dst_id_pos: Option<String>,
    /// The destination instance id (the official CLI's spelling; --dst-id also works)
    #[arg(long = "dst_id", visible_alias = "dst-id", value_name = "DST_ID")]
    pub dst_id: Option<String>,
}

/// Parses `--timeout`: positive seconds, fractions allowed, at most a day.
pub fn parse_secs(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= 86_400.0) {
        return Err(format!(
            "`{text}` must be more than 0 and at most 86400 seconds"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn debug_of_the_parsed_command_line_hides_the_key() {
        let cli = Cli::try_parse_from(["vast", "--api-key", "s3cret-key", "cancel", "sync", "7"])
            .unwrap();
        assert_eq!(
            cli.api_key.as_ref().map(|k| k.0.as_str()),
            Some("s3cret-key")
        );
        let debug = format!("{cli:?}");
        assert!(
            !debug.contains("s3cret-key") && debug.contains("KeyArg(***)"),
            "{debug}"
        );
    }
}
