//! `CloudCopy`: the cloud copy request builder, and its `Transfer` direction.

use crate::{Argument, ConnectionId, Error, InstanceId, InvalidInput, Rule};
use vast_api::types::CloudCopyRequest;

/// The instance-side path used when none is given (the official CLI's default `--dst`).
pub const DEFAULT_CLOUD_DST: &str = "/workspace";

/// Which way a cloud copy moves data. Sent as the exact strings the API
/// expects ([`as_str`](Self::as_str), also its `Display`); parsed
/// case-insensitively, like the official CLI. With the `serde` feature it is
/// `"instance_to_cloud"` or `"cloud_to_instance"`, and reads from those or
/// from any spelling `FromStr` takes (`"Instance To Cloud"`).
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
/// With the `serde` feature it is an object of its fields:
///
/// ```json
/// {"instance": 6003036, "connection": 1004, "transfer": "instance_to_cloud",
///  "src": "/workspace/results", "dst": "bucket/results",
///  "dry_run": false, "size_only": true, "ignore_existing": false, "update": false,
///  "delete_excluded": false, "extra_flags": ["--transfers=8"]}
/// ```
///
/// Deserializing builds it with [`new`](Self::new) and the setters, then
/// runs [`check`](Self::check): `instance`, `connection`, `transfer` and
/// `src` are required, `dst` defaults to [`DEFAULT_CLOUD_DST`], the flags
/// to off, `extra_flags` to none; an unknown field is refused (a misspelt
/// flag is not silently dropped).
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

/// The serde forms of [`Transfer`] (`"instance_to_cloud"`, reading the
/// official spellings too) and [`CloudCopy`] (its fields, read through the
/// builder and [`CloudCopy::check`]).
#[cfg(feature = "serde")]
mod serde_form {
    use super::{CloudCopy, DEFAULT_CLOUD_DST, Transfer};
    use crate::{ConnectionId, Error, InstanceId};
    use serde::de::{self, Deserializer, Visitor};
    use serde::{Deserialize, Serialize, Serializer};

    impl Transfer {
        /// The snake_case name of the serde form.
        const fn snake_case(self) -> &'static str {
            match self {
                Self::InstanceToCloud => "instance_to_cloud",
                Self::CloudToInstance => "cloud_to_instance",
            }
        }
    }

    impl Serialize for Transfer {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(self.snake_case())
        }
    }

    struct TransferVisitor;

    impl Visitor<'_> for TransferVisitor {
        type Value = Transfer;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(
                "a transfer: \"instance_to_cloud\" or \"cloud_to_instance\" (or the official \
                 \"Instance To Cloud\", \"Cloud To Instance\")",
            )
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Transfer, E> {
            for transfer in [Transfer::InstanceToCloud, Transfer::CloudToInstance] {
                if v.eq_ignore_ascii_case(transfer.snake_case()) {
                    return Ok(transfer);
                }
            }
            v.parse()
                .map_err(|_: Error| E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }

    impl<'de> Deserialize<'de> for Transfer {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_str(TransferVisitor)
        }
    }

    /// What a [`CloudCopy`] serializes as: its fields, borrowed.
    #[derive(Serialize)]
    struct Fields<'a> {
        instance: InstanceId,
        connection: ConnectionId,
        transfer: Transfer,
        src: &'a str,
        dst: &'a str,
        dry_run: bool,
        size_only: bool,
        ignore_existing: bool,
        update: bool,
        delete_excluded: bool,
        extra_flags: &'a [String],
    }

    impl Serialize for CloudCopy {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Fields {
                instance: self.instance,
                connection: self.connection,
                transfer: self.transfer,
                src: &self.src,
                dst: &self.dst,
                dry_run: self.dry_run,
                size_only: self.size_only,
                ignore_existing: self.ignore_existing,
                update: self.update,
                delete_excluded: self.delete_excluded,
                extra_flags: &self.extra_flags,
            }
            .serialize(serializer)
        }
    }

    /// What a [`CloudCopy`] is read from: the builder's arguments, the
    /// optional ones defaulting as the builder does.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Form {
        instance: InstanceId,
        connection: ConnectionId,
        transfer: Transfer,
        src: String,
        #[serde(default = "default_dst")]
        dst: String,
        #[serde(default)]
        dry_run: bool,
        #[serde(default)]
        size_only: bool,
        #[serde(default)]
        ignore_existing: bool,
        #[serde(default)]
        update: bool,
        #[serde(default)]
        delete_excluded: bool,
        #[serde(default)]
        extra_flags: Vec<String>,
    }

    fn default_dst() -> String {
        DEFAULT_CLOUD_DST.to_owned()
    }

    impl Form {
        /// The request, made with the builder, then [`CloudCopy::check`]ed:
        /// what the call would refuse is refused here.
        fn build(self) -> Result<CloudCopy, Error> {
            let built = CloudCopy::new(self.instance, self.connection, self.transfer)
                .src(self.src)
                .dst(self.dst)
                .dry_run(self.dry_run)
                .size_only(self.size_only)
                .ignore_existing(self.ignore_existing)
                .update(self.update)
                .delete_excluded(self.delete_excluded);
            let request = self
                .extra_flags
                .into_iter()
                .fold(built, CloudCopy::extra_flag);
            request.check()?;
            Ok(request)
        }
    }

    impl<'de> Deserialize<'de> for CloudCopy {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            Form::deserialize(deserializer)?
                .build()
                .map_err(de::Error::custom)
        }
    }
}
