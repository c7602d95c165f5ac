//! Typed ids: `InstanceId`, which cannot be 0, and `ConnectionId`.

use crate::{Argument, Error, InvalidInput, Rule};
use std::num::NonZeroU64;

/// What both id types have, given their `get()`: the number as a `u64`,
/// `Display` as that number.
macro_rules! id_common {
    ($name:ident) => {
        impl From<$name> for u64 {
            fn from(value: $name) -> Self {
                value.get()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.get(), f)
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

/// A Vast.ai instance id, such as `6003036` (written `C.6003036` in
/// locations). Never 0, which names no instance: that is checked once, where
/// an id is made ([`new`](Self::new), `TryFrom<u64>`, `FromStr`), and every
/// `InstanceId` can be sent. With the `serde` feature it is a number
/// (`6003036`), read from a number or from its decimal text (`"6003036"`),
/// 0 refused.
///
/// ```
/// use vast_api_ext::InstanceId;
/// let id: InstanceId = "6003036".parse()?;
/// assert_eq!(id, InstanceId::new(6003036)?);
/// assert_eq!(id, InstanceId::try_from(6003036)?);
/// assert_eq!((id.get(), id.to_string()), (6003036, "6003036".to_owned()));
/// assert!(InstanceId::new(0).is_err());
/// # Ok::<(), vast_api_ext::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceId(NonZeroU64);

id_common!(InstanceId);

impl InstanceId {
    /// The number inside.
    pub const fn get(self) -> u64 {
        self.0.get()
    }

    /// The instance `id`; 0 is refused with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)
    /// ([`Rule::Zero`]).
    pub fn new(id: u64) -> Result<Self, Error> {
        Self::checked(id).map_err(Error::from)
    }

    /// The instance `id`, which the type already says is not 0.
    pub const fn from_nonzero(id: NonZeroU64) -> Self {
        Self(id)
    }

    /// The number inside, as the [`NonZeroU64`] it is.
    pub const fn get_nonzero(self) -> NonZeroU64 {
        self.0
    }

    /// The one check of an instance id: 0 names no instance.
    pub(crate) fn checked(id: u64) -> Result<Self, InvalidInput> {
        NonZeroU64::new(id)
            .map(Self)
            .ok_or_else(|| InvalidInput::bare(Argument::Instance, Rule::Zero))
    }
}

impl TryFrom<u64> for InstanceId {
    type Error = Error;

    /// [`InstanceId::new`].
    fn try_from(id: u64) -> Result<Self, Error> {
        Self::new(id)
    }
}

impl From<NonZeroU64> for InstanceId {
    fn from(id: NonZeroU64) -> Self {
        Self(id)
    }
}

impl From<InstanceId> for NonZeroU64 {
    fn from(id: InstanceId) -> Self {
        id.0
    }
}

impl std::str::FromStr for InstanceId {
    type Err = Error;

    /// Decimal digits only (no sign, no spaces); must fit in a `u64` and
    /// not be 0.
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_instance(s).map_err(Error::from)
    }
}

/// An instance id from its decimal text ([`parse_id`], then not 0).
pub(crate) fn parse_instance(s: &str) -> Result<InstanceId, InvalidInput> {
    InstanceId::checked(parse_id(s, Argument::Instance)?)
}

/// The id of a cloud connection (the `selected` field of cloud copy), as
/// listed by `GET /api/v0/users/cloud_integrations/`, such as `1004`. With
/// the `serde` feature it is a number, read from a number or from its
/// decimal text.
///
/// ```
/// use vast_api_ext::ConnectionId;
/// let id: ConnectionId = "1004".parse()?;
/// assert_eq!(id, ConnectionId(1004));
/// assert_eq!(id, ConnectionId::from(1004));
/// # Ok::<(), vast_api_ext::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectionId(pub u64);

id_common!(ConnectionId);

impl ConnectionId {
    /// The number inside.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for ConnectionId {
    fn from(value: u64) -> Self {
        Self(value)
    }
}

impl std::str::FromStr for ConnectionId {
    type Err = Error;

    /// Decimal digits only (no sign, no spaces); must fit in a `u64`.
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_id(s, Argument::Connection)
            .map(Self)
            .map_err(Error::from)
    }
}

/// The serde form of the ids: a number (`6003036`); read from a number or
/// from its decimal text (`"6003036"`), with the checks of `FromStr` (an
/// `InstanceId` is never 0).
#[cfg(feature = "serde")]
mod serde_form {
    use super::{ConnectionId, InstanceId, parse_id};
    use crate::{Argument, Error, InvalidInput};
    use serde::de::{self, Deserializer, Visitor};
    use serde::{Deserialize, Serialize, Serializer};

    /// A number, or its decimal text, as the id `what` is.
    struct IdVisitor(Argument);

    impl Visitor<'_> for IdVisitor {
        type Value = u64;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let what = match self.0 {
                Argument::Connection => "a connection",
                _ => "an instance",
            };
            write!(
                f,
                "{what} id: a number or its decimal text, such as 6003036"
            )
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            // A negative id is no id: refused as its text would be.
            u64::try_from(v).or_else(|_| self.visit_str(&v.to_string()))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
            parse_id(v, self.0).map_err(|invalid| E::custom(Error::from(invalid)))
        }
    }

    /// The id as a `u64`: any number or text in a self-describing format
    /// (JSON, YAML…), a `u64` in any other.
    fn id<'de, D: Deserializer<'de>>(deserializer: D, what: Argument) -> Result<u64, D::Error> {
        if deserializer.is_human_readable() {
            deserializer.deserialize_any(IdVisitor(what))
        } else {
            deserializer.deserialize_u64(IdVisitor(what))
        }
    }

    impl Serialize for InstanceId {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_u64(self.get())
        }
    }

    impl<'de> Deserialize<'de> for InstanceId {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let n = id(deserializer, Argument::Instance)?;
            InstanceId::checked(n)
                .map_err(|invalid: InvalidInput| de::Error::custom(Error::from(invalid)))
        }
    }

    impl Serialize for ConnectionId {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_u64(self.get())
        }
    }

    impl<'de> Deserialize<'de> for ConnectionId {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            id(deserializer, Argument::Connection).map(ConnectionId)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_id_is_checked_once_wherever_it_is_made() {
        let zero = |e: Error| match e.kind() {
            crate::ErrorKind::InvalidInput(i) => (i.argument(), i.rule()),
            other => panic!("{other:?}"),
        };
        let rule = (Argument::Instance, Rule::Zero);
        assert_eq!(zero(InstanceId::new(0).unwrap_err()), rule);
        assert_eq!(zero(InstanceId::try_from(0).unwrap_err()), rule);
        assert_eq!(zero("0".parse::<InstanceId>().unwrap_err()), rule);
        assert_eq!(zero("000".parse::<InstanceId>().unwrap_err()), rule);
        let id = InstanceId::new(7).unwrap();
        assert_eq!((id.get(), u64::from(id), id.get_nonzero().get()), (7, 7, 7));
        let max = InstanceId::from_nonzero(NonZeroU64::MAX);
        assert_eq!(max.to_string(), u64::MAX.to_string());
        assert_eq!(max, u64::MAX.to_string().parse().unwrap());
    }
}
