//! Instance ids in request bodies: which ids the mock knows ([`Instances`]), and the id a body field names.

use serde_json::Value;
use std::collections::BTreeSet;

/// Which instance ids the mock knows. A request naming another id gets the
/// spec's "no such instance" answer and is not applied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Instances {
    /// Every id is known (the default).
    #[default]
    All,
    /// Only these ids. Copy's and cloud copy's string ids are known when they
    /// parse as one of these numbers.
    Only(BTreeSet<u64>),
}

impl Instances {
    /// Only the given ids.
    pub fn only(ids: impl IntoIterator<Item = u64>) -> Instances {
        Instances::Only(ids.into_iter().collect())
    }

    /// Whether the id in `value` (a body field: a number, or a string such as
    /// copy's `"6003036"`) is known.
    pub(crate) fn knows(&self, value: &Value) -> bool {
        match self {
            Instances::All => true,
            Instances::Only(ids) => id_of(value).is_some_and(|n| ids.contains(&n)),
        }
    }
}

/// The instance id a body field holds: a non-negative integer, or a string
/// that parses as one (surrounding whitespace allowed, as Vast's string ids
/// are read). `None` for anything else.
pub(crate) fn id_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{Instances, id_of};
    use serde_json::json;

    #[test]
    fn an_id_is_a_number_or_a_string_that_parses_as_one() {
        assert_eq!(id_of(&json!(7)), Some(7));
        assert_eq!(id_of(&json!("7")), Some(7));
        assert_eq!(id_of(&json!(" 7 ")), Some(7));
        assert_eq!(id_of(&json!(-7)), None);
        assert_eq!(id_of(&json!(7.5)), None);
        assert_eq!(id_of(&json!("C.7")), None);
        assert_eq!(id_of(&json!(null)), None);
        assert_eq!(id_of(&json!([7])), None);
    }

    #[test]
    fn all_knows_every_id_and_only_knows_its_own() {
        assert!(Instances::All.knows(&json!("not a number")));
        let only = Instances::only([7, 9]);
        assert!(only.knows(&json!(7)));
        assert!(only.knows(&json!("9")));
        assert!(!only.knows(&json!(8)));
        assert!(!only.knows(&json!("8")));
        assert!(!only.knows(&json!("seven")));
    }
}
