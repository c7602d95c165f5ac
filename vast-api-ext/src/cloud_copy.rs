//! `CloudCopy`: the cloud copy request builder, and its `Transfer` direction.

use crate::{Argument, ConnectionId, Error, InstanceId, InvalidInput, Rule};
use vast_api::types::CloudCopyRequest;

/// The instance-side path used when none is given (the official CLI's default `--dst`).
pub const DEFAULT_CLOUD_DST: &str = "/workspace";

/// Which way a cloud copy moves data. Sent as the exact strings the API
/// expects ([`as_str`](Self::as_str), also its `Display`); parsed
/// case-insensitively, like the official CLI.
///
/// ```
/// use vast_api_ext::Transfer;
/// assert_eq!("instance to cloud".parse::<Transfer>()?, Transfer::InstanceToCloud);
/// assert_eq!(Transfer::CloudToInstance.to_string(), "Cloud To Instance");
/// # Ok::<(), vast_api_ext::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transfer {
    /// From the instance to the cloud connection: `"Instance To Cloud"`.
    InstanceToCloud,
    /// From the cloud connection to the instance: `"Cloud To Instance"`.
    CloudToInstance,
}

impl Transfer {
    /// The string the API expects.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InstanceToCloud => "Instance To Cloud",
            Self::CloudToInstance => "Cloud To Instance",
        }
    }
}

impl std::fmt::Display for Transfer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Transfer {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("instance to cloud") {
            Ok(Self::InstanceToCloud)
        } else if t.eq_ignore_ascii_case("cloud to instance") {
            Ok(Self::CloudToInstance)
        } else {
            Err(InvalidInput::of(Argument::Transfer, Rule::UnknownTransfer, s).into())
        }
    }
}

/// A cloud copy request (`POST /api/v0/commands/rclone/`): rclone run on an
/// instance, to or from one of the account's cloud connections.
///
/// `src` and `dst` are the source and destination as rclone sees them: for
/// [`Transfer::InstanceToCloud`] `src` is on the instance and `dst` in the
/// cloud, the other way round for [`Transfer::CloudToInstance`]. `dst`
/// defaults to [`DEFAULT_CLOUD_DST`]. The API key is never put in the body.
///
/// ```
/// use vast_api_ext::{CloudCopy, ConnectionId, InstanceId, Transfer};
/// let request = CloudCopy::new(InstanceId::new(6003036)?, ConnectionId(1004), Transfer::InstanceToCloud)
///     .src("/workspace/results")
///     .dst("bucket/results")
///     .size_only(true)
///     .extra_flag("--transfers=8");
/// assert_eq!(request.flags(), ["--size-only", "--transfers=8"]);
/// # Ok::<(), vast_api_ext::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloudCopy {
    instance: InstanceId,
    connection: ConnectionId,
    transfer: Transfer,
    src: String,
    dst: String,
    dry_run: bool,
    size_only: bool,
    ignore_existing: bool,
    update: bool,
    delete_excluded: bool,
    extra_flags: Vec<String>,
}

impl CloudCopy {
    /// A cloud copy on `instance` through cloud connection `connection`.
    /// Set [`src`](Self::src) before sending; `dst` defaults to `/workspace`.
    pub fn new(
        instance: InstanceId,
        connection: impl Into<ConnectionId>,
        transfer: Transfer,
    ) -> Self {
        Self {
            instance,
            connection: connection.into(),
            transfer,
            src: String::new(),
            dst: DEFAULT_CLOUD_DST.to_owned(),
            dry_run: false,
            size_only: false,
            ignore_existing: false,
            update: false,
            delete_excluded: false,
            extra_flags: Vec::new(),
        }
    }

    /// The source path (required).
    pub fn src(mut self, src: impl Into<String>) -> Self {
        self.src = src.into();
        self
    }

    /// The destination path (default `/workspace`).
    pub fn dst(mut self, dst: impl Into<String>) -> Self {
        self.dst = dst.into();
        self
    }

    /// rclone `--dry-run`: report what would be copied, copy nothing.
    pub fn dry_run(mut self, on: bool) -> Self {
        self.dry_run = on;
        self
    }

    /// rclone `--size-only`: compare files by size only.
    pub fn size_only(mut self, on: bool) -> Self {
        self.size_only = on;
        self
    }

    /// rclone `--ignore-existing`: skip files that exist at the destination.
    pub fn ignore_existing(mut self, on: bool) -> Self {
        self.ignore_existing = on;
        self
    }

    /// rclone `--update`: skip files that are newer at the destination.
    pub fn update(mut self, on: bool) -> Self {
        self.update = on;
        self
    }

    /// rclone `--delete-excluded`: delete excluded files at the destination.
    pub fn delete_excluded(mut self, on: bool) -> Self {
        self.delete_excluded = on;
        self
    }

    /// Adds a raw flag, sent after the typed ones (escape hatch). It must
    /// start with `--`; this is checked before any network I/O.
    pub fn extra_flag(mut self, flag: impl Into<String>) -> Self {
        self.extra_flags.push(flag.into());
        self
    }

    /// The instance.
    pub fn instance(&self) -> InstanceId {
        self.instance
    }

    /// The cloud connection.
    pub fn connection(&self) -> ConnectionId {
        self.connection
    }

    /// The direction.
    pub fn transfer(&self) -> Transfer {
        self.transfer
    }

    /// The `flags` array as sent: the typed flags in the official CLI's order,
    /// then the extra flags in the order given.
    pub fn flags(&self) -> Vec<String> {
        let typed = [
            (self.dry_run, "--dry-run"),
            (self.size_only, "--size-only"),
            (self.ignore_existing, "--ignore-existing"),
            (self.update, "--update"),
            (self.delete_excluded, "--delete-excluded"),
        ];
        typed
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, flag)| (*flag).to_owned())
            .chain(self.extra_flags.iter().cloned())
            .collect()
    }

    /// The checks the call makes before any I/O: `src` and `dst` neither
    /// empty nor holding a NUL, extra flags long options.
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) names the
    /// [`Argument`] and the [`Rule`].
    ///
    /// ```
    /// use vast_api_ext::{Argument, CloudCopy, ErrorKind, InstanceId, Rule, Transfer};
    /// let request = CloudCopy::new(InstanceId::new(1)?, 2u64, Transfer::InstanceToCloud); // no src yet
    /// let error = request.check().unwrap_err();
    /// let ErrorKind::InvalidInput(invalid) = error.kind() else { unreachable!() };
    /// assert_eq!((invalid.argument(), invalid.rule()), (Argument::CloudSrc, Rule::Empty));
    /// assert!(request.src("/workspace").check().is_ok());
    /// # Ok::<(), vast_api_ext::Error>(())
    /// ```
    pub fn check(&self) -> Result<(), Error> {
        for (argument, value) in [
            (Argument::CloudSrc, &self.src),
            (Argument::CloudDst, &self.dst),
        ] {
            if value.trim().is_empty() {
                return Err(InvalidInput::bare(argument, Rule::Empty).into());
            }
            if value.contains('\0') {
                return Err(InvalidInput::bare(argument, Rule::Nul).into());
            }
        }
        for flag in &self.extra_flags {
            let name = flag.strip_prefix("--").unwrap_or("");
            if name.is_empty() || name.starts_with('-') || flag.chars().any(char::is_whitespace) {
                return Err(
                    InvalidInput::of(Argument::ExtraFlag, Rule::NotALongOption, flag).into(),
                );
            }
        }
        Ok(())
    }

    /// Checks the request and builds the wire body (never with `api_key`).
    pub(crate) fn to_body(&self) -> Result<CloudCopyRequest, Error> {
        self.check()?;
        // `api_key` is never set: the key travels only in `Authorization`.
        crate::request::built(
            CloudCopyRequest::builder()
                .dst(self.dst.clone())
                .flags(self.flags())
                .instance_id(self.instance.to_string())
                .selected(self.connection.to_string())
                .src(self.src.clone())
                .transfer(self.transfer.as_str().to_owned()),
        )
    }
}
