//! `Location`: an instance and a path, parsed from the official CLI's syntax.

use crate::{Argument, CopySide, Error, InstanceId, InvalidInput, Rule, ids::parse_instance};

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
/// With the `serde` feature, a location is serialized as that text and
/// deserialized with `FromStr` (its refusals are the deserializer's errors).
///
/// ```
/// use vast_api_ext::{InstanceId, Location};
/// let loc: Location = "C.6003036:/workspace/data".parse()?;
/// assert_eq!(loc.instance(), InstanceId::new(6003036)?);
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
    /// A location from an instance (an [`InstanceId`], or a `u64` that is
    /// checked as one: 0 is refused) and a path, with the same rules as
    /// parsing.
    ///
    /// ```
    /// use vast_api_ext::{InstanceId, Location};
    /// let loc = Location::new(6003036, "/workspace")?;
    /// assert_eq!(loc, Location::new(InstanceId::new(6003036)?, "/workspace")?);
    /// assert!(Location::new(0, "/workspace").is_err());
    /// # Ok::<(), vast_api_ext::Error>(())
    /// ```
    pub fn new<I>(instance: I, path: impl Into<String>) -> Result<Self, Error>
    where
        I: TryInto<InstanceId>,
        I::Error: Into<Error>,
    {
        let instance = instance.try_into().map_err(Into::into)?;
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
pub(crate) fn check_path(path: &str) -> Result<(), InvalidInput> {
    let refuse = |rule| Err(InvalidInput::of(Argument::LocationPath, rule, path));
    if path.is_empty() {
        return Err(InvalidInput::bare(Argument::LocationPath, Rule::Empty));
    }
    if path.contains('\0') {
        // The value is not kept: a NUL does not print.
        return Err(InvalidInput::bare(Argument::LocationPath, Rule::Nul));
    }
    if path.contains(':') {
        return Err(InvalidInput::of(Argument::Location, Rule::ExtraColon, path));
    }
    if path == "/" {
        return refuse(Rule::RootPath);
    }
    if path.contains("//") {
        return refuse(Rule::EmptySegment);
    }
    if path.len() > MAX_PATH_LEN {
        return refuse(Rule::TooLong {
            len: path.len(),
            max: MAX_PATH_LEN,
        });
    }
    Ok(())
}

impl std::str::FromStr for Location {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        parse(s).map_err(Error::from)
    }
}

/// A location from its text, as [`FromStr`](std::str::FromStr) reads it.
fn parse(s: &str) -> Result<Location, InvalidInput> {
    let Some((locator, path)) = s.split_once(':') else {
        return Err(InvalidInput::of(Argument::Location, Rule::MissingColon, s));
    };
    let instance = parse_locator(locator)?;
    check_path(path)?;
    Ok(Location {
        instance,
        path: path.to_owned(),
    })
}

/// A location from its text, read as the `side` of a copy: a refusal says
/// which side ([`InvalidInput::copy_side`]).
pub(crate) fn parse_side(s: &str, side: CopySide) -> Result<Location, InvalidInput> {
    parse(s).map_err(|invalid| invalid.in_copy(side))
}

fn parse_locator(locator: &str) -> Result<InstanceId, InvalidInput> {
    let refuse = |rule| Err(InvalidInput::of(Argument::Location, rule, locator));
    if locator.is_empty() {
        return Err(InvalidInput::bare(
            Argument::Location,
            Rule::MissingInstance,
        ));
    }
    if locator == "local" {
        return refuse(Rule::Local);
    }
    if locator.starts_with("V.") {
        return refuse(Rule::Volume);
    }
    let id = if let Some(id) = locator.strip_prefix("C.") {
        id
    } else if locator.bytes().all(|b| b.is_ascii_digit()) {
        locator
    } else {
        return refuse(Rule::NotAnInstance);
    };
    parse_instance(id)
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "C.{}:{}", self.instance, self.path)
    }
}

/// The serde form of a location: its text (`"C.6003036:/workspace/"`), read
/// back with [`FromStr`](std::str::FromStr) and its checks.
#[cfg(feature = "serde")]
mod serde_form {
    use super::Location;
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

    impl Serialize for Location {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(self)
        }
    }

    impl<'de> Deserialize<'de> for Location {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let text = String::deserialize(deserializer)?;
            text.parse().map_err(D::Error::custom)
        }
    }
}
