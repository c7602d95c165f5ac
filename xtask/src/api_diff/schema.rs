//! The schema walk of `api-diff`: compares two schemas (following `$ref`s,
//! into properties, array items and additional properties) and classifies
//! each difference by the direction the data travels.

use super::{Change, Class, Kind};
use serde_json::{Map, Value};

/// Which way the data travels, seen from the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    /// The client sends it (parameters, request bodies).
    Request,
    /// The client decodes it (response bodies).
    Response,
}

/// How the set of values a schema allows changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Variance {
    /// The new schema allows more values.
    Wider,
    /// The new schema allows fewer values.
    Narrower,
    /// Neither includes the other.
    Different,
}

/// The class of a change of `variance` in data travelling `direction`: a
/// request may accept more, a response may send less (see the module docs).
pub(super) fn classify(direction: Direction, variance: Variance) -> Class {
    match (direction, variance) {
        (Direction::Request, Variance::Wider) | (Direction::Response, Variance::Narrower) => {
            Class::Compatible
        }
        _ => Class::Breaking,
    }
}

/// Keywords that only document: a change to one of them is [`Class::Docs`].
pub(super) const DOCS: [&str; 8] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "deprecated",
    "tags",
];

/// Lower bounds: a larger value allows fewer values.
const LOWER_BOUNDS: [&str; 4] = ["minimum", "minLength", "minItems", "minProperties"];
/// Upper bounds: a larger value allows more values.
const UPPER_BOUNDS: [&str; 4] = ["maximum", "maxLength", "maxItems", "maxProperties"];
/// Flags that, set, allow fewer values.
const FLAGS: [&str; 3] = ["exclusiveMinimum", "exclusiveMaximum", "uniqueItems"];

/// Schema keywords [`Walk::schema`] compares itself; any other keyword that
/// differs goes through [`other_keys`].
const SCHEMA_KEYWORDS: [&str; 18] = [
    "type",
    "format",
    "nullable",
    "enum",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "pattern",
    "multipleOf",
    "minimum",
    "minLength",
    "minItems",
    "minProperties",
    "maximum",
    "maxLength",
    "maxItems",
    "maxProperties",
];

impl Change {
    /// A change found by a walk, not yet placed on an operation (see
    /// `operation::Place`), without keyword or values.
    pub(super) fn found(kind: Kind, class: Class, field: &str, pointer: &str) -> Self {
        Change {
            operation_id: String::new(),
            method: String::new(),
            path: String::new(),
            scope: String::new(),
            field: field.to_owned(),
            pointer: pointer.to_owned(),
            kind,
            keyword: None,
            class,
            old: None,
            new: None,
        }
    }

    /// With the values before and after.
    pub(super) fn values(mut self, old: Option<&Value>, new: Option<&Value>) -> Self {
        self.old = old.cloned();
        self.new = new.cloned();
        self
    }

    /// With the keyword concerned.
    pub(super) fn keyword(mut self, keyword: &str) -> Self {
        self.keyword = Some(keyword.to_owned());
        self
    }
}

/// `value`'s object, or an empty one (absent and non-object values have no
/// keys to compare).
pub(super) fn object(value: Option<&Value>) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    value
        .and_then(Value::as_object)
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// `segment` escaped for a JSON pointer (RFC 6901).
pub(super) fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Follows `value`'s local `$ref`s in `doc`: the target, its pointer, and
/// the last `$ref` followed (if any). A `$ref` that does not resolve is left
/// as it is (then compared as written).
pub(super) fn resolve<'a>(
    doc: &'a Value,
    mut value: &'a Value,
    mut pointer: String,
) -> (&'a Value, String, Option<&'a str>) {
    let mut followed = None;
    // A bound, so that a `$ref` cycle cannot loop.
    for _ in 0..32 {
        let Some(target) = value.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(resolved) = target.strip_prefix('#').and_then(|p| doc.pointer(p)) else {
            break;
        };
        followed = Some(target);
        value = resolved;
        pointer = target[1..].to_owned();
    }
    (value, pointer, followed)
}

/// The keywords of `old` and `new` (objects of any kind: schemas,
/// operations, media types) that differ and are not in `handled`: a
/// documentation keyword is [`Class::Docs`], an `x-` extension
/// [`Class::Compatible`], anything else [`Kind::Unclassified`] and breaking.
pub(super) fn other_keys(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    handled: &[&str],
    field: &str,
    pointer: &str,
) -> Vec<Change> {
    let keys = old
        .keys()
        .chain(new.keys().filter(|k| !old.contains_key(*k)));
    keys.filter(|k| !handled.contains(&k.as_str()) && old.get(*k) != new.get(*k))
        .map(|k| {
            let (kind, class) = if DOCS.contains(&k.as_str()) {
                (Kind::DocsChanged, Class::Docs)
            } else if k.starts_with("x-") {
                (Kind::ExtensionChanged, Class::Compatible)
            } else {
                (Kind::Unclassified, Class::Breaking)
            };
            Change::found(kind, class, field, pointer)
                .keyword(k)
                .values(old.get(k), new.get(k))
        })
        .collect()
}

/// A schema comparison in one direction, between two documents.
#[derive(Debug)]
pub(super) struct Walk<'a> {
    old_doc: &'a Value,
    new_doc: &'a Value,
    direction: Direction,
    /// What was found so far.
    pub found: Vec<Change>,
    /// The pairs of schema pointers being compared (up the stack): a pair
    /// met again is a recursive schema, already being compared.
    active: Vec<(String, String)>,
}

impl<'a> Walk<'a> {
    /// A walk over data travelling `direction`.
    pub fn new(old_doc: &'a Value, new_doc: &'a Value, direction: Direction) -> Self {
        Walk {
            old_doc,
            new_doc,
            direction,
            found: Vec::new(),
            active: Vec::new(),
        }
    }

    fn push(&mut self, change: Change) {
        self.found.push(change);
    }

    /// Compares the schemas `old` (at `old_pointer` in the old document) and
    /// `new`, found at `field`.
    pub fn schema(
        &mut self,
        (old, old_pointer): (&'a Value, String),
        (new, new_pointer): (&'a Value, String),
        field: &str,
    ) {
        let (old, old_pointer, old_ref) = resolve(self.old_doc, old, old_pointer);
        let (new, new_pointer, new_ref) = resolve(self.new_doc, new, new_pointer);
        if let (Some(a), Some(b)) = (old_ref, new_ref)
            && a != b
        {
            let (a, b) = (Value::from(a), Value::from(b));
            self.push(
                Change::found(Kind::SchemaRenamed, Class::Compatible, field, &new_pointer)
                    .values(Some(&a), Some(&b)),
            );
        }
        if old == new {
            return;
        }
        let key = (old_pointer.clone(), new_pointer.clone());
        if self.active.contains(&key) {
            return;
        }
        self.active.push(key);
        match (old.as_object(), new.as_object()) {
            (Some(o), Some(n)) => self.object(o, &old_pointer, n, &new_pointer, field),
            _ => self.push(
                Change::found(Kind::Unclassified, Class::Breaking, field, &new_pointer)
                    .values(Some(old), Some(new)),
            ),
        }
        self.active.pop();
    }

    /// Compares two schema objects, keyword by keyword.
    fn object(
        &mut self,
        old: &'a Map<String, Value>,
        old_pointer: &str,
        new: &'a Map<String, Value>,
        new_pointer: &str,
        field: &str,
    ) {
        let direction = self.direction;
        let here = |kind: Kind, variance: Variance| {
            Change::found(kind, classify(direction, variance), field, new_pointer)
        };
        let (old_type, new_type) = (old.get("type"), new.get("type"));
        if old_type != new_type {
            let variance = type_variance(old_type, new_type);
            self.push(here(Kind::TypeChanged, variance).values(old_type, new_type));
            if variance == Variance::Different {
                // Whatever else differs follows from the new type.
                return;
            }
        }
        let (old_format, new_format) = (old.get("format"), new.get("format"));
        if old_format != new_format {
            let variance = format_variance(old_format, new_format);
            self.push(here(Kind::FormatChanged, variance).values(old_format, new_format));
        }
        let nullable = |m: &Map<String, Value>| m.get("nullable") == Some(&Value::Bool(true));
        match (nullable(old), nullable(new)) {
            (false, true) => self.push(here(Kind::BecameNullable, Variance::Wider)),
            (true, false) => self.push(here(Kind::BecameNonNullable, Variance::Narrower)),
            _ => {}
        }
        self.enumeration(old.get("enum"), new.get("enum"), &here);
        self.properties(old, old_pointer, new, new_pointer, field);
        match (old.get("items"), new.get("items")) {
            (Some(o), Some(n)) => self.schema(
                (o, format!("{old_pointer}/items")),
                (n, format!("{new_pointer}/items")),
                &format!("{field}[]"),
            ),
            (None, None) => {}
            (o, n) => {
                let variance = if o.is_none() {
                    Variance::Narrower
                } else {
                    Variance::Wider
                };
                self.push(here(Kind::ItemsChanged, variance).values(o, n));
            }
        }
        self.additional(old, old_pointer, new, new_pointer, field);
        for keyword in LOWER_BOUNDS.iter().chain(&UPPER_BOUNDS).chain(&FLAGS) {
            let (o, n) = (old.get(*keyword), new.get(*keyword));
            if o != n {
                let variance = constraint_variance(keyword, o, n);
                let change = here(Kind::ConstraintChanged, variance).keyword(keyword);
                self.push(change.values(o, n));
            }
        }
        for keyword in ["pattern", "multipleOf"] {
            let (o, n) = (old.get(keyword), new.get(keyword));
            if o != n {
                let variance = match (o, n) {
                    (None, Some(_)) => Variance::Narrower,
                    (Some(_), None) => Variance::Wider,
                    _ => Variance::Different,
                };
                let change = here(Kind::ConstraintChanged, variance).keyword(keyword);
                self.push(change.values(o, n));
            }
        }
        let handled: Vec<&str> = SCHEMA_KEYWORDS.iter().chain(&FLAGS).copied().collect();
        let rest = other_keys(old, new, &handled, field, new_pointer);
        self.found.extend(rest);
    }

    /// Enum values added and removed, or an enum introduced or dropped.
    fn enumeration(
        &mut self,
        old: Option<&Value>,
        new: Option<&Value>,
        here: &dyn Fn(Kind, Variance) -> Change,
    ) {
        match (old.and_then(Value::as_array), new.and_then(Value::as_array)) {
            (None, Some(_)) => {
                self.push(here(Kind::EnumIntroduced, Variance::Narrower).values(None, new))
            }
            (Some(_), None) => {
                self.push(here(Kind::EnumDropped, Variance::Wider).values(old, None))
            }
            (Some(o), Some(n)) => {
                for value in o.iter().filter(|v| !n.contains(v)) {
                    let change = here(Kind::EnumValueRemoved, Variance::Narrower);
                    self.push(change.values(Some(value), None));
                }
                for value in n.iter().filter(|v| !o.contains(v)) {
                    let change = here(Kind::EnumValueAdded, Variance::Wider);
                    self.push(change.values(None, Some(value)));
                }
            }
            (None, None) => {}
        }
    }

    /// Properties added, removed, made required or optional, and each
    /// common property's schema.
    fn properties(
        &mut self,
        old: &'a Map<String, Value>,
        old_pointer: &str,
        new: &'a Map<String, Value>,
        new_pointer: &str,
        field: &str,
    ) {
        let props = |m: &'a Map<String, Value>| object(m.get("properties"));
        let required = |m: &Map<String, Value>, name: &str| {
            m.get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|v| v.as_str() == Some(name)))
        };
        let (old_props, new_props) = (props(old), props(new));
        for (name, old_schema) in old_props {
            let sub = format!("{field}.{name}");
            let old_at = format!("{old_pointer}/properties/{}", escape(name));
            let new_at = format!("{new_pointer}/properties/{}", escape(name));
            let Some(new_schema) = new_props.get(name) else {
                let change = Change::found(Kind::PropertyRemoved, Class::Breaking, &sub, &old_at);
                self.push(change.values(Some(old_schema), None));
                continue;
            };
            match (required(old, name), required(new, name)) {
                (false, true) => self.push(Change::found(
                    Kind::PropertyBecameRequired,
                    classify(self.direction, Variance::Narrower),
                    &sub,
                    &new_at,
                )),
                (true, false) => self.push(Change::found(
                    Kind::PropertyBecameOptional,
                    classify(self.direction, Variance::Wider),
                    &sub,
                    &new_at,
                )),
                _ => {}
            }
            self.schema((old_schema, old_at), (new_schema, new_at), &sub);
        }
        for (name, new_schema) in new_props
            .iter()
            .filter(|(n, _)| !old_props.contains_key(*n))
        {
            let sub = format!("{field}.{name}");
            let new_at = format!("{new_pointer}/properties/{}", escape(name));
            let (kind, class) = match (required(new, name), self.direction) {
                (true, Direction::Request) => (Kind::RequiredPropertyAdded, Class::Breaking),
                (true, Direction::Response) => (Kind::RequiredPropertyAdded, Class::Compatible),
                (false, _) => (Kind::PropertyAdded, Class::Compatible),
            };
            self.push(Change::found(kind, class, &sub, &new_at).values(None, Some(new_schema)));
        }
    }

    /// `additionalProperties`: absent and `true` allow anything, `false`
    /// nothing, a schema what it allows (compared like a property, at `.*`).
    fn additional(
        &mut self,
        old: &'a Map<String, Value>,
        old_pointer: &str,
        new: &'a Map<String, Value>,
        new_pointer: &str,
        field: &str,
    ) {
        let (o, n) = (
            old.get("additionalProperties"),
            new.get("additionalProperties"),
        );
        let any = |v: Option<&Value>| v.is_none() || v == Some(&Value::Bool(true));
        let none = |v: Option<&Value>| v == Some(&Value::Bool(false));
        let variance = match (o, n) {
            _ if (any(o) && any(n)) || o == n => return,
            (Some(a), Some(b)) if a.is_object() && b.is_object() => {
                return self.schema(
                    (a, format!("{old_pointer}/additionalProperties")),
                    (b, format!("{new_pointer}/additionalProperties")),
                    &format!("{field}.*"),
                );
            }
            _ if any(o) => Variance::Narrower,
            _ if any(n) => Variance::Wider,
            _ if none(o) => Variance::Wider,
            _ => Variance::Narrower,
        };
        let class = classify(self.direction, variance);
        let change = Change::found(Kind::AdditionalPropertiesChanged, class, field, new_pointer);
        self.push(change.values(o, n));
    }
}

/// `integer` → `number` is the one widening between types; no type at all
/// allows any value.
fn type_variance(old: Option<&Value>, new: Option<&Value>) -> Variance {
    match (old.and_then(Value::as_str), new.and_then(Value::as_str)) {
        (Some("integer"), Some("number")) | (Some(_), None) => Variance::Wider,
        (Some("number"), Some("integer")) | (None, Some(_)) => Variance::Narrower,
        _ => Variance::Different,
    }
}

/// A format restricts its type: adding one narrows, removing one widens;
/// `int32` → `int64` and `float` → `double` widen.
fn format_variance(old: Option<&Value>, new: Option<&Value>) -> Variance {
    match (old.and_then(Value::as_str), new.and_then(Value::as_str)) {
        (None, Some(_)) => Variance::Narrower,
        (Some(_), None) => Variance::Wider,
        (Some("int32"), Some("int64")) | (Some("float"), Some("double")) => Variance::Wider,
        (Some("int64"), Some("int32")) | (Some("double"), Some("float")) => Variance::Narrower,
        _ => Variance::Different,
    }
}

/// A bound or flag that changed: a larger lower bound, a smaller upper
/// bound, a bound or flag set, all allow fewer values.
fn constraint_variance(keyword: &str, old: Option<&Value>, new: Option<&Value>) -> Variance {
    if FLAGS.contains(&keyword) {
        let set = |v: Option<&Value>| v == Some(&Value::Bool(true));
        return match (set(old), set(new)) {
            (false, true) => Variance::Narrower,
            (true, false) => Variance::Wider,
            _ => Variance::Different,
        };
    }
    let (o, n) = (old.and_then(Value::as_f64), new.and_then(Value::as_f64));
    let larger_is_wider = UPPER_BOUNDS.contains(&keyword);
    match (o, n) {
        (None, Some(_)) => Variance::Narrower,
        (Some(_), None) => Variance::Wider,
        (Some(a), Some(b)) if (b > a) == larger_is_wider => Variance::Wider,
        (Some(_), Some(_)) => Variance::Narrower,
        (None, None) => Variance::Different,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Class::{Breaking, Compatible, Docs};
    use Direction::{Request, Response};
    use serde_json::json;

    /// The changes from comparing two schemas that travel `direction`, as
    /// (field, kind, class).
    fn diff(direction: Direction, old: &Value, new: &Value) -> Vec<(String, Kind, Class)> {
        let (old_doc, new_doc) = (json!({}), json!({}));
        let mut walk = Walk::new(&old_doc, &new_doc, direction);
        walk.schema((old, "/o".into()), (new, "/n".into()), "");
        walk.found
            .into_iter()
            .map(|f| (f.field, f.kind, f.class))
            .collect()
    }

    /// Asserts that `old` → `new` is one `kind` at `field`, of class
    /// `request` in a request and `response` in a response.
    fn classes(
        old: Value,
        new: Value,
        (field, kind): (&str, Kind),
        request: Class,
        response: Class,
    ) {
        for (direction, class) in [(Request, request), (Response, response)] {
            assert_eq!(
                diff(direction, &old, &new),
                [(field.to_owned(), kind, class)],
                "{direction:?}: {old} -> {new}"
            );
        }
    }

    #[test]
    fn equal_schemas_have_no_change() {
        let s = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        assert!(diff(Request, &s, &s).is_empty());
    }

    #[test]
    fn an_optional_property_added_is_compatible_both_ways() {
        let old = json!({"type": "object", "properties": {}});
        let new = json!({"type": "object", "properties": {"a": {"type": "integer"}}});
        classes(
            old,
            new,
            (".a", Kind::PropertyAdded),
            Compatible,
            Compatible,
        );
    }

    #[test]
    fn a_required_property_added_breaks_requests_only() {
        let old = json!({"type": "object"});
        let new = json!({"type": "object", "properties": {"a": {}}, "required": ["a"]});
        let at = (".a", Kind::RequiredPropertyAdded);
        classes(old, new, at, Breaking, Compatible);
    }

    #[test]
    fn a_property_removed_breaks_both_ways() {
        let old = json!({"properties": {"a": {"type": "string"}}});
        let new = json!({"properties": {}});
        classes(old, new, (".a", Kind::PropertyRemoved), Breaking, Breaking);
    }

    #[test]
    fn becoming_required_breaks_requests_and_becoming_optional_breaks_responses() {
        let optional = json!({"properties": {"a": {}}});
        let required = json!({"properties": {"a": {}}, "required": ["a"]});
        let more = (".a", Kind::PropertyBecameRequired);
        classes(
            optional.clone(),
            required.clone(),
            more,
            Breaking,
            Compatible,
        );
        let less = (".a", Kind::PropertyBecameOptional);
        classes(required, optional, less, Compatible, Breaking);
    }

    #[test]
    fn a_type_change_breaks_both_ways_except_a_widening_or_narrowing_number() {
        let int = json!({"type": "integer"});
        let num = json!({"type": "number"});
        // A type change alone: the format that came with it is not reported.
        let uuid = json!({"type": "string", "format": "uuid"});
        let t = ("", Kind::TypeChanged);
        classes(int.clone(), uuid, t, Breaking, Breaking);
        classes(int.clone(), num.clone(), t, Compatible, Breaking);
        classes(num, int, t, Breaking, Compatible);
    }

    #[test]
    fn a_format_added_narrows_and_an_unrelated_format_breaks_both_ways() {
        let plain = json!({"type": "integer"});
        let int32 = json!({"type": "integer", "format": "int32"});
        let int64 = json!({"type": "integer", "format": "int64"});
        let f = ("", Kind::FormatChanged);
        classes(plain, int64.clone(), f, Breaking, Compatible);
        classes(int32, int64, f, Compatible, Breaking);
        let date = json!({"type": "string", "format": "date"});
        let uuid = json!({"type": "string", "format": "uuid"});
        classes(date, uuid, f, Breaking, Breaking);
    }

    #[test]
    fn becoming_nullable_breaks_responses_and_losing_it_breaks_requests() {
        let plain = json!({"type": "string"});
        let nullable = json!({"type": "string", "nullable": true});
        let became = ("", Kind::BecameNullable);
        classes(
            plain.clone(),
            nullable.clone(),
            became,
            Compatible,
            Breaking,
        );
        let lost = ("", Kind::BecameNonNullable);
        classes(nullable, plain, lost, Breaking, Compatible);
    }

    #[test]
    fn enum_values_added_suit_requests_and_removed_suit_responses() {
        let ab = json!({"type": "string", "enum": ["a", "b"]});
        let bc = json!({"type": "string", "enum": ["b", "c"]});
        let removed = (String::new(), Kind::EnumValueRemoved);
        let added = (String::new(), Kind::EnumValueAdded);
        assert_eq!(
            diff(Request, &ab, &bc),
            [
                (removed.0.clone(), removed.1, Breaking),
                (added.0.clone(), added.1, Compatible)
            ]
        );
        assert_eq!(
            diff(Response, &ab, &bc),
            [
                (removed.0, removed.1, Compatible),
                (added.0, added.1, Breaking)
            ]
        );
        let free = json!({"type": "string"});
        let introduced = ("", Kind::EnumIntroduced);
        classes(free.clone(), ab.clone(), introduced, Breaking, Compatible);
        classes(ab, free, ("", Kind::EnumDropped), Compatible, Breaking);
    }

    #[test]
    fn bounds_and_flags_follow_the_direction() {
        let c = ("", Kind::ConstraintChanged);
        let short = json!({"type": "string", "maxLength": 5});
        let long = json!({"type": "string", "maxLength": 10});
        classes(short, long, c, Compatible, Breaking);
        classes(
            json!({"minimum": 1}),
            json!({"minimum": 2}),
            c,
            Breaking,
            Compatible,
        );
        let unique = json!({"type": "array", "uniqueItems": true});
        let any = json!({"type": "array"});
        classes(any.clone(), unique.clone(), c, Breaking, Compatible);
        classes(unique, any, c, Compatible, Breaking);
        let (a, b) = (json!({"pattern": "^a"}), json!({"pattern": "^b"}));
        classes(a, b, c, Breaking, Breaking);
    }

    #[test]
    fn description_title_and_example_changes_are_docs_only() {
        let old = json!({"type": "string", "description": "a", "example": "x"});
        let new = json!({"type": "string", "description": "b", "example": "y", "title": "T"});
        let found = diff(Request, &old, &new);
        assert_eq!(found.len(), 3);
        assert!(
            found
                .iter()
                .all(|(_, k, c)| *k == Kind::DocsChanged && *c == Docs)
        );
    }

    #[test]
    fn an_extension_is_compatible_and_an_unknown_keyword_is_unclassified_and_breaking() {
        let old = json!({"type": "string"});
        let new = json!({"type": "string", "x-note": 1, "default": "a"});
        assert_eq!(
            diff(Response, &old, &new),
            [
                (String::new(), Kind::ExtensionChanged, Compatible),
                (String::new(), Kind::Unclassified, Breaking)
            ]
        );
    }

    #[test]
    fn nested_objects_and_array_items_are_walked_with_their_field_path() {
        let old = json!({"properties": {"list": {"type": "array", "items": {"properties": {"a": {"type": "string"}}}}}});
        let new = json!({"properties": {"list": {"type": "array", "items": {"properties": {}}}}});
        let at = (".list[].a", Kind::PropertyRemoved);
        classes(old, new, at, Breaking, Breaking);
        let old = json!({"additionalProperties": {"type": "string"}});
        let new = json!({"additionalProperties": {"type": "integer"}});
        classes(old, new, (".*", Kind::TypeChanged), Breaking, Breaking);
    }

    #[test]
    fn additional_properties_closed_breaks_requests_and_opened_breaks_responses() {
        let open = json!({"type": "object"});
        let closed = json!({"type": "object", "additionalProperties": false});
        let a = ("", Kind::AdditionalPropertiesChanged);
        classes(open.clone(), closed.clone(), a, Breaking, Compatible);
        classes(closed, open, a, Compatible, Breaking);
    }

    #[test]
    fn refs_are_followed_into_components_and_recursive_schemas_end() {
        let old_doc = json!({"components": {"schemas": {
            "Node": {"properties": {"next": {"$ref": "#/components/schemas/Node"}, "v": {"type": "integer"}}}
        }}});
        let mut new_doc = old_doc.clone();
        new_doc["components"]["schemas"]["Node"]["properties"]["v"]["format"] = json!("int64");
        let root = json!({"$ref": "#/components/schemas/Node"});
        let mut walk = Walk::new(&old_doc, &new_doc, Response);
        walk.schema((&root, "/o".into()), (&root, "/n".into()), "");
        let found: Vec<_> = walk
            .found
            .iter()
            .map(|f| (f.field.as_str(), f.kind))
            .collect();
        // `next` leads back to Node, which is being compared: the walk
        // stops there instead of looping.
        assert_eq!(found, [(".v", Kind::FormatChanged)]);
        assert_eq!(
            walk.found[0].pointer,
            "/components/schemas/Node/properties/v"
        );
    }

    #[test]
    fn a_renamed_schema_with_the_same_content_is_compatible() {
        let old_doc = json!({"components": {"schemas": {"A": {"type": "string"}}}});
        let new_doc = json!({"components": {"schemas": {"B": {"type": "string"}}}});
        let (a, b) = (
            json!({"$ref": "#/components/schemas/A"}),
            json!({"$ref": "#/components/schemas/B"}),
        );
        let mut walk = Walk::new(&old_doc, &new_doc, Request);
        walk.schema((&a, "/o".into()), (&b, "/n".into()), "");
        assert_eq!(walk.found.len(), 1);
        assert_eq!(walk.found[0].kind, Kind::SchemaRenamed);
        assert_eq!(walk.found[0].class, Compatible);
    }

    #[test]
    fn pointers_are_escaped() {
        assert_eq!(escape("/api/v0/~x"), "~1api~1v0~1~0x");
    }
}
