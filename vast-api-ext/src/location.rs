//! `Location`: an instance and a path, parsed from the official CLI's syntax.

use crate::{Error, InstanceId, ids::parse_id};

/// The longest path accepted, in bytes (Linux `PATH_MAX`).
pub const MAX_PATH_LEN: usize = 4096;

/// A path on an instance, the operand of [`Client::copy`](crate::Client::copy).
///
/// Parsed from the official CLI's syntax: `C.123:/path` or `123:/path`. The
/// text is split on the first `:`; the part before is the instance, the part
/// after the path, which must match the CLI's rule `^(/)?([^/\0]+(/)?)+$` (not
/// empty, no `//`, no NUL) and may hold no second `:`. Locations the copy
/// endpoint cannot serve are refused with a message saying so: `local:`
/// (the CLI copies those itself over ssh), `V.` volumes and cloud connections
/// (`s3.101:`, `drive:`; use [`CloudCopy`](crate::CloudCopy)).
///
/// `Display` writes `C.<id>:<path>`, which parses back to the same location.
///
/// ```
/// use vast_api_ext::{InstanceId, Location};
/// let loc: Location = "C.6003036:/workspace/data".parse()?;
/// assert_eq!(loc.instance(), InstanceId(6003036));
/// assert_eq!(loc.path(), "/workspace/data");
/// assert_eq!(loc.to_string(), "C.6003036:/workspace/data");
/// assert!("local:/tmp".parse::<Location>().is_err());
/// # Ok::<(), vast_api_ext::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    instance: InstanceId,
    path: String,
}

impl Location {
    /// A location from an instance and a path, with the same rules as
    /// parsing: instance 0 is refused, and the path rule applies.
    pub fn new(instance: impl Into<InstanceId>, path: impl Into<String>) -> Result<Self, Error> {
        let instance = check_instance(instance.into())?;
        let path = path.into();
        check_path(&path)?;
        Ok(Self { instance, path })
    }

    /// The instance.
    pub fn instance(&self) -> InstanceId {
        self.instance
    }

    /// The path on the instance.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// The CLI's path rule `^(/)?([^/\0]+(/)?)+$`, plus no `:` and a length limit.
pub(crate) fn check_path(path: &str) -> Result<(), Error> {
    if path.is_empty() {
        return Err(Error::invalid(
            "the path is empty: write one after the `:`, such as `C.123:/workspace`",
        ));
    }
    if path.contains('\0') {
        return Err(Error::invalid("the path holds a NUL character"));
    }
    if path.contains(':') {
        return Err(Error::invalid(
            "the location holds more than one `:`: write `<instance>:<path>` with no `:` in the path",
        ));
    }
    if path == "/" {
        return Err(Error::invalid(
            "the path `/` names no file or directory: give one, such as `/workspace`",
        ));
    }
    if path.contains("//") {
        return Err(Error::invalid(format!(
            "the path `{path}` holds an empty segment (`//`)"
        )));
    }
    if path.len() > MAX_PATH_LEN {
        return Err(Error::invalid(format!(
            "the path is {} bytes long; at most {MAX_PATH_LEN} are allowed",
            path.len()
        )));
    }
    Ok(())
}

impl std::str::FromStr for Location {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let Some((locator, path)) = s.split_once(':') else {
            return Err(Error::invalid(format!(
                "`{s}` has no `:`: write `<instance>:<path>`, such as `C.123:/workspace`"
            )));
        };
        let instance = parse_locator(locator)?;
        check_path(path)?;
        Ok(Self {
            instance,
            path: path.to_owned(),
        })
    }
}

fn parse_locator(locator: &str) -> Result<InstanceId, Error> {
    if locator.is_empty() {
        return Err(Error::invalid(
            "the instance before `:` is empty: write `C.<id>` or `<id>`, such as `C.123:/workspace`",
        ));
    }
    if locator == "local" {
        return Err(Error::invalid(
            "`local:` paths cannot be copied by this endpoint: it copies between instances \
             (the official CLI moves local files itself with rsync over ssh)",
        ));
    }
    if let Some(volume) = locator.strip_prefix("V.") {
        return Err(Error::invalid(format!(
            "`V.{volume}` is a volume; this endpoint copies between instances only"
        )));
    }
    let id = if let Some(id) = locator.strip_prefix("C.") {
        id
    } else if locator.bytes().all(|b| b.is_ascii_digit()) {
        locator
    } else {
        return Err(Error::invalid(format!(
            "`{locator}` is not an instance (`C.<id>` or `<id>`); cloud connections such as \
             `s3.101` cannot be used with copy: use cloud copy (CloudCopy) for cloud storage"
        )));
    };
    check_instance(InstanceId(parse_id(id, "instance")?))
}

/// The one rule for instance ids sent anywhere: 0 names no instance.
pub(crate) fn check_instance(id: InstanceId) -> Result<InstanceId, Error> {
    if id.get() == 0 {
        return Err(Error::invalid("the instance id 0 names no instance"));
    }
    Ok(id)
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "C.{}:{}", self.instance, self.path)
    }
}
