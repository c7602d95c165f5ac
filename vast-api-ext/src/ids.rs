//! Typed ids: `InstanceId` and `ConnectionId`, made by one small macro.

use crate::{Argument, Error, InvalidInput, Rule};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $what:expr) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);

        impl $name {
            /// The number inside.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl From<u64> for $name {
            fn from(value: u64) -> Self {
                Self(value)
            }
        }

        impl From<$name> for u64 {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;

            /// Decimal digits only (no sign, no spaces); must fit in a `u64`.
            fn from_str(s: &str) -> Result<Self, Error> {
                parse_id(s, $what).map(Self).map_err(Error::from)
            }
        }
    };
}

/// Parses a decimal id: ASCII digits only, fits in a `u64`.
pub(crate) fn parse_id(s: &str, what: Argument) -> Result<u64, InvalidInput> {
    if s.is_empty() {
        return Err(InvalidInput::bare(what, Rule::Empty));
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InvalidInput::of(what, Rule::NotANumber, s));
    }
    s.parse::<u64>()
        .map_err(|_| InvalidInput::of(what, Rule::BeyondU64, s))
}

id_type!(
    /// A Vast.ai instance id, such as `6003036` (written `C.6003036` in locations).
    ///
    /// ```
    /// use vast_api_ext::InstanceId;
    /// let id: InstanceId = "6003036".parse()?;
    /// assert_eq!(id, InstanceId::from(6003036));
    /// assert_eq!(id.to_string(), "6003036");
    /// # Ok::<(), vast_api_ext::Error>(())
    /// ```
    InstanceId,
    Argument::Instance
);

id_type!(
    /// The id of a cloud connection (the `selected` field of cloud copy), as
    /// listed by `GET /api/v0/users/cloud_integrations/`, such as `1004`.
    ConnectionId,
    Argument::Connection
);
