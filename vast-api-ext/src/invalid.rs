//! `InvalidInput`: an input refused before any I/O, as facts (which
//! argument, which rule, the value) that a program can act on and a tool can
//! word in its own terms; `Display` is this crate's wording.

/// Which input an [`InvalidInput`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Argument {
    /// A location as a whole (`C.123:/path`): its syntax or its kind.
    Location,
    /// The path of a location.
    LocationPath,
    /// An instance id: in a location, of a cloud copy, of a cancel sync, or
    /// parsed alone.
    Instance,
    /// A cloud connection id.
    Connection,
    /// A cloud copy's direction.
    Transfer,
    /// A cloud copy's `src`.
    CloudSrc,
    /// A cloud copy's `dst`.
    CloudDst,
    /// A cloud copy's extra rclone flag.
    ExtraFlag,
    /// The request as the generated client builds it.
    Request,
}

/// Which side of a copy an input was ([`InvalidInput::copy_side`]): a
/// location refused while reading a copy's source or destination says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CopySide {
    /// The copy's source (`src`).
    Source,
    /// The copy's destination (`dst`).
    Destination,
}

impl std::fmt::Display for CopySide {
    /// `copy source` or `copy destination`, as the text of an
    /// [`InvalidInput`] names it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Source => "copy source",
            Self::Destination => "copy destination",
        })
    }
}

/// Which rule an input broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// It is empty (or only whitespace, for cloud copy paths).
    Empty,
    /// It holds a NUL character.
    Nul,
    /// It is longer than allowed.
    TooLong {
        /// Its length, in bytes.
        len: usize,
        /// The most allowed, in bytes.
        max: usize,
    },
    /// The path is `/` alone, which names no file or directory.
    RootPath,
    /// The path holds an empty segment (`//`).
    EmptySegment,
    /// The location has no `:` between instance and path.
    MissingColon,
    /// The location holds more than one `:`.
    ExtraColon,
    /// The location has nothing before its `:`.
    MissingInstance,
    /// A `local:` location: the copy endpoint copies between instances.
    Local,
    /// A `V.<id>` volume location.
    Volume,
    /// Not an instance: a cloud connection such as `s3.101` or `drive`.
    NotAnInstance,
    /// Not decimal digits.
    NotANumber,
    /// Larger than a `u64`.
    BeyondU64,
    /// Instance id 0, which names no instance.
    Zero,
    /// An instance id beyond `i64::MAX`: cancel sync sends an integer.
    BeyondI64,
    /// Not `Instance To Cloud` or `Cloud To Instance`.
    UnknownTransfer,
    /// An extra flag that is not a long option (`--name` or `--name=value`).
    NotALongOption,
    /// The generated client refused to build the request.
    Unbuildable,
}

/// An input refused before any I/O: which [`Argument`], which [`Rule`],
/// the offending value where it helps and is not secret, and for a
/// location read as one side of a copy, which side ([`copy_side`](Self::copy_side)).
///
/// ```
/// use vast_api_ext::{Argument, ErrorKind, Location, Rule};
/// let error = "C.1:/a//b".parse::<Location>().unwrap_err();
/// let ErrorKind::InvalidInput(invalid) = error.kind() else { unreachable!() };
/// assert_eq!((invalid.argument(), invalid.rule()), (Argument::LocationPath, Rule::EmptySegment));
/// assert_eq!(invalid.value(), Some("/a//b"));
/// assert_eq!(invalid.to_string(), "the path `/a//b` holds an empty segment (`//`)");
/// assert_eq!(invalid.copy_side(), None);
/// ```
///
/// A copy's source and destination read together say which one was wrong:
///
/// ```
/// use vast_api_ext::{Argument, CopySide, ErrorKind, Request, Rule};
/// let error = Request::parse_copy("C.1:/data", "C.2:/a//b").unwrap_err();
/// let ErrorKind::InvalidInput(invalid) = error.kind() else { unreachable!() };
/// assert_eq!(invalid.copy_side(), Some(CopySide::Destination));
/// assert_eq!((invalid.argument(), invalid.rule()), (Argument::LocationPath, Rule::EmptySegment));
/// assert_eq!(
///     invalid.to_string(),
///     "copy destination: the path `/a//b` holds an empty segment (`//`)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidInput {
    argument: Argument,
    rule: Rule,
    value: Option<String>,
    side: Option<CopySide>,
}

impl InvalidInput {
    /// An input refusal (for test doubles; this crate makes its own).
    pub fn new(argument: Argument, rule: Rule, value: Option<String>) -> Self {
        Self {
            argument,
            rule,
            value,
            side: None,
        }
    }

    /// This refusal, about the `side` of a copy: its text starts with
    /// `copy source: ` or `copy destination: `.
    #[must_use]
    pub fn in_copy(mut self, side: CopySide) -> Self {
        self.side = Some(side);
        self
    }

    pub(crate) fn of(argument: Argument, rule: Rule, value: impl Into<String>) -> Self {
        Self::new(argument, rule, Some(value.into()))
    }

    pub(crate) fn bare(argument: Argument, rule: Rule) -> Self {
        Self::new(argument, rule, None)
    }

    /// Which input.
    pub fn argument(&self) -> Argument {
        self.argument
    }

    /// Which rule it broke.
    pub fn rule(&self) -> Rule {
        self.rule
    }

    /// The offending value, when it helps (the text that did not parse, the
    /// flag, the path).
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// Which side of a copy the refused input was, when it was read as one
    /// ([`Request::parse_copy`](crate::Request::parse_copy), a copy
    /// request's serde form); `None` for an input read alone (a
    /// [`Location`](crate::Location) parsed on its own does not know which
    /// side it is for).
    pub fn copy_side(&self) -> Option<CopySide> {
        self.side
    }
}

impl std::fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use Argument as A;
        use Rule as R;
        if let Some(side) = self.side {
            write!(f, "{side}: ")?;
        }
        let v = self.value.as_deref().unwrap_or("");
        let id = match self.argument {
            A::Connection => "connection",
            _ => "instance",
        };
        let cloud = match self.argument {
            A::CloudDst => "dst",
            _ => "src",
        };
        match (self.argument, self.rule) {
            (A::Location, R::MissingColon) => write!(
                f,
                "`{v}` has no `:`: write `<instance>:<path>`, such as `C.123:/workspace`"
            ),
            (A::Location, R::ExtraColon) => f.write_str(
                "the location holds more than one `:`: write `<instance>:<path>` with no `:` in the path",
            ),
            (A::Location, R::MissingInstance) => f.write_str(
                "the instance before `:` is empty: write `C.<id>` or `<id>`, such as `C.123:/workspace`",
            ),
            (A::Location, R::Local) => f.write_str(
                "`local:` paths cannot be copied by this endpoint: it copies between instances \
                 (the official CLI moves local files itself with rsync over ssh)",
            ),
            (A::Location, R::Volume) => write!(
                f,
                "`{v}` is a volume; this endpoint copies between instances only"
            ),
            (A::Location, R::NotAnInstance) => write!(
                f,
                "`{v}` is not an instance (`C.<id>` or `<id>`); cloud connections such as \
                 `s3.101` cannot be used with copy: use cloud copy (CloudCopy) for cloud storage"
            ),
            (A::LocationPath, R::Empty) => f.write_str(
                "the path is empty: write one after the `:`, such as `C.123:/workspace`",
            ),
            (A::LocationPath, R::Nul) => f.write_str("the path holds a NUL character"),
            (A::LocationPath, R::RootPath) => f.write_str(
                "the path `/` names no file or directory: give one, such as `/workspace`",
            ),
            (A::LocationPath, R::EmptySegment) => {
                write!(f, "the path `{v}` holds an empty segment (`//`)")
            }
            (_, R::TooLong { len, max }) => {
                write!(f, "the path is {len} bytes long; at most {max} are allowed")
            }
            (_, R::Empty) if matches!(self.argument, A::CloudSrc | A::CloudDst) => write!(
                f,
                "the cloud copy `{cloud}` path is empty: set it with CloudCopy::{cloud}"
            ),
            (_, R::Nul) if matches!(self.argument, A::CloudSrc | A::CloudDst) => {
                write!(f, "the cloud copy `{cloud}` path holds a NUL character")
            }
            (_, R::Empty) => write!(f, "the {id} id is empty"),
            (_, R::NotANumber) => write!(
                f,
                "the {id} id `{v}` is not a number: expected decimal digits such as 6003036"
            ),
            (_, R::BeyondU64) => write!(f, "the {id} id `{v}` is too large"),
            (_, R::Zero) => f.write_str("the instance id 0 names no instance"),
            (_, R::BeyondI64) => write!(f, "the instance id {v} is too large for cancel sync"),
            (_, R::UnknownTransfer) => write!(
                f,
                "unknown transfer `{v}`: expected \"Instance To Cloud\" or \"Cloud To Instance\""
            ),
            (_, R::NotALongOption) => write!(
                f,
                "the extra flag `{v}` is not a long option: it must look like `--name` or \
                 `--name=value`, without spaces"
            ),
            (_, R::Unbuildable) => write!(f, "the request cannot be built: {v}"),
            (argument, rule) => write!(f, "{argument:?} breaks the rule {rule:?}{}", {
                if v.is_empty() {
                    String::new()
                } else {
                    format!(": `{v}`")
                }
            }),
        }
    }
}
