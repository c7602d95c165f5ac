//! `cargo xtask api-diff`: what changed in the merged spec between two
//! versions, per operation, and whether it breaks a client of the API.
//!
//! [`compare`] walks two OpenAPI 3.0 documents (the merged `openapi/vast.json`
//! at a git revision and in the working tree, read by [`load`]) and returns a
//! [`Report`]: one [`Change`] per difference, on the operation it affects
//! (operations are keyed by method and path and named by `operationId`). A
//! schema that several operations `$ref` is reported under each of them.
//! [`Report::render`] writes it as text, Markdown or JSON ([`Format`]).
//!
//! # Whose compatibility
//!
//! Every change is classified for a **client** of the API, such as the SDK:
//! it sends requests and decodes responses. Two directions follow from that,
//! and most rules are one principle applied to both:
//!
//! - In a **request**, the server must accept everything the client sends.
//!   A schema that accepts *more* (a wider type, an enum value added, a
//!   property no longer required, a bound relaxed) is compatible; one that
//!   accepts *less* is breaking.
//! - In a **response**, the client must decode everything the server sends.
//!   A schema that allows *fewer* values is compatible; one that allows
//!   *more* (a property that may now be absent or `null`, an enum value
//!   added, a wider type) is breaking.
//!
//! A change whose two sides are not comparable that way (`string` →
//! `integer`, one format for another) breaks in both directions.
//!
//! # Rules
//!
//! oasdiff's list of checks was the reference for which change breaks a
//! client; the rules are this module's own, and each names its reason.
//!
//! | change | request | response | why |
//! |---|---|---|---|
//! | operation removed | breaking | | the client's call fails |
//! | operation added | compatible | | nothing the client does changes |
//! | `operationId` changed | breaking | | the generated method is named after it |
//! | status removed | | 2xx: breaking, other: compatible | a success answer the client decodes is gone; fewer error answers are fewer cases to handle |
//! | status added | | compatible | an undocumented status is already an error the client handles |
//! | body added | required: breaking, optional: compatible | | the client sends no body |
//! | body removed | breaking | | the client sends a body the server does not document |
//! | body became required / optional | breaking / compatible | | narrower / wider |
//! | media type removed | breaking | breaking | the client sends / decodes that type |
//! | media type added | compatible | compatible | the client keeps using the old one |
//! | parameter added | required: breaking, optional: compatible | | the client does not send it |
//! | parameter removed | breaking | | the server ignores or refuses what the client sends |
//! | property added | required: breaking, optional: compatible | compatible | a client that does not know it does not send it / ignores it |
//! | property removed | breaking | breaking | the server ignores or refuses what the client sends / the client may read it |
//! | property became required | breaking | compatible | narrower |
//! | property became optional | compatible | breaking | wider: a response may now lack it |
//! | type changed | `integer`→`number`, type removed: compatible | `number`→`integer`, type added: compatible | the one widening between types (no type allows any value); any other type change breaks both ways |
//! | format changed | removed, `int32`→`int64`, `float`→`double`: compatible | added, `int64`→`int32`, `double`→`float`: compatible | wider / narrower; any other change of format breaks both ways |
//! | became nullable / no longer nullable | compatible / breaking | breaking / compatible | wider / narrower |
//! | enum value added / removed | compatible / breaking | breaking / compatible | wider / narrower |
//! | enum introduced / dropped | breaking / compatible | compatible / breaking | narrower / wider |
//! | bound, `pattern`, `uniqueItems`, `additionalProperties`, `items` changed | by direction | by direction | a relaxed constraint is wider; a changed `pattern` or `multipleOf` breaks both ways |
//! | `description`, `summary`, `title`, `example(s)`, `externalDocs`, `deprecated`, `tags` | docs | docs | no effect on the wire |
//! | `x-` extension changed | compatible | compatible | generators and validators ignore extensions |
//! | referenced schema renamed, same content | compatible | compatible | no effect on the wire (the generated type is renamed: `cargo semver-checks` judges that) |
//! | anything else that differs | breaking | breaking | no rule covers it (`allOf`, `default`, `readOnly`, headers, security, …): reported as *unclassified* so that a person decides |
//!
//! Removing a property is breaking in both directions on purpose: a response
//! property the client reads turning absent is a lost field even when the
//! spec called it optional (every property of these responses is optional),
//! and a request property the server no longer documents is at best ignored.
//!
//! Document-level changes (`openapi`, `servers`, top-level `security`,
//! `components/securitySchemes`: unclassified; `info`: docs) are reported
//! once, under no operation. Schemas in `components` that no operation uses
//! are not compared.
//!
//! # Why not `drift`
//!
//! Oxide's `drift` (0.2.0, on `openapiv3` 2.2 like progenitor) was tried on
//! this repository's spec with each fixture edit of `tests/api_diff.rs`. It
//! does not fit, for these reasons:
//!
//! - It reports the changes this command exists for as *unhandled*, without
//!   the property's name: a response property added or removed ("object
//!   properties changed"), a request property made required ("object required
//!   properties changed"), a format or an enum added ("integer/string schema
//!   changed").
//! - It does not see a property that became `nullable` (no change reported).
//! - It panics (`todo!`/`assert!`) when a body's media type or schema is added
//!   or removed.
//! - Its classes are a server's: a new response status is
//!   "backward-incompatible" (breaking), a removed one "forward-incompatible";
//!   for a client the first is compatible and the second breaking when it was
//!   a success status.
//! - It groups changes by component schema, not by operation.
//!
//! Its weight was not the reason (it adds `anyhow`, `regex` and `indexmap`
//! over the `openapiv3` 2.2 and `serde_json` already here, and builds
//! offline).
//!
//! Classifying its *unhandled* changes would have meant walking the schemas
//! here anyway, so this module walks them itself on `serde_json` values;
//! [`load`] checks each document with `openapiv3` (already a dependency of
//! the generator) before comparing.

mod operation;
mod render;
mod schema;

pub use render::Format;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// How a change affects a client of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// A client built for the old spec may fail against the new one.
    Breaking,
    /// A client built for the old spec keeps working.
    Compatible,
    /// Only documentation changed (descriptions, summaries, examples).
    Docs,
}

impl Class {
    /// The class's name in the JSON format: `breaking`, `compatible`, `docs`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Compatible => "compatible",
            Class::Docs => "docs",
        }
    }
}

/// What changed. The JSON format writes [`Kind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A new method and path.
    OperationAdded,
    /// A method and path gone.
    OperationRemoved,
    /// The `operationId` of an operation changed.
    OperationIdChanged,
    /// A response status added.
    StatusAdded,
    /// A response status removed.
    StatusRemoved,
    /// An optional request body added.
    RequestBodyAdded,
    /// A required request body added.
    RequiredRequestBodyAdded,
    /// The request body removed.
    RequestBodyRemoved,
    /// The request body became required.
    RequestBodyBecameRequired,
    /// The request body became optional.
    RequestBodyBecameOptional,
    /// A media type added to a body's `content`.
    MediaTypeAdded,
    /// A media type removed from a body's `content`.
    MediaTypeRemoved,
    /// An optional parameter added.
    ParameterAdded,
    /// A required parameter added.
    RequiredParameterAdded,
    /// A parameter removed.
    ParameterRemoved,
    /// A parameter became required.
    ParameterBecameRequired,
    /// A parameter became optional.
    ParameterBecameOptional,
    /// An optional property added.
    PropertyAdded,
    /// A required property added.
    RequiredPropertyAdded,
    /// A property removed.
    PropertyRemoved,
    /// A property became required.
    PropertyBecameRequired,
    /// A property became optional.
    PropertyBecameOptional,
    /// The `type` changed (added or removed included).
    TypeChanged,
    /// The `format` changed (added or removed included).
    FormatChanged,
    /// `nullable: true` added.
    BecameNullable,
    /// `nullable: true` removed.
    BecameNonNullable,
    /// A value added to an `enum`.
    EnumValueAdded,
    /// A value removed from an `enum`.
    EnumValueRemoved,
    /// An `enum` where there was none.
    EnumIntroduced,
    /// An `enum` removed.
    EnumDropped,
    /// An array's `items` added or removed.
    ItemsChanged,
    /// `additionalProperties` allowed more or fewer properties.
    AdditionalPropertiesChanged,
    /// A bound, `pattern`, `multipleOf`, `uniqueItems` or exclusive flag changed.
    ConstraintChanged,
    /// A `$ref` now names another schema.
    SchemaRenamed,
    /// A documentation keyword changed (`description`, `summary`, `example`, …).
    DocsChanged,
    /// An `x-` extension changed.
    ExtensionChanged,
    /// Any other difference: no rule covers it.
    Unclassified,
}

impl Kind {
    /// The kind's name in the JSON format (`snake_case`, stable).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::OperationAdded => "operation_added",
            Kind::OperationRemoved => "operation_removed",
            Kind::OperationIdChanged => "operation_id_changed",
            Kind::StatusAdded => "status_added",
            Kind::StatusRemoved => "status_removed",
            Kind::RequiredRequestBodyAdded => "required_request_body_added",
            Kind::RequestBodyAdded => "request_body_added",
            Kind::RequestBodyRemoved => "request_body_removed",
            Kind::RequestBodyBecameRequired => "request_body_became_required",
            Kind::RequestBodyBecameOptional => "request_body_became_optional",
            Kind::MediaTypeAdded => "media_type_added",
            Kind::MediaTypeRemoved => "media_type_removed",
            Kind::RequiredParameterAdded => "required_parameter_added",
            Kind::ParameterAdded => "parameter_added",
            Kind::ParameterRemoved => "parameter_removed",
            Kind::ParameterBecameRequired => "parameter_became_required",
            Kind::ParameterBecameOptional => "parameter_became_optional",
            Kind::RequiredPropertyAdded => "required_property_added",
            Kind::PropertyAdded => "property_added",
            Kind::PropertyRemoved => "property_removed",
            Kind::PropertyBecameRequired => "property_became_required",
            Kind::PropertyBecameOptional => "property_became_optional",
            Kind::TypeChanged => "type_changed",
            Kind::FormatChanged => "format_changed",
            Kind::BecameNullable => "became_nullable",
            Kind::BecameNonNullable => "became_non_nullable",
            Kind::EnumValueAdded => "enum_value_added",
            Kind::EnumValueRemoved => "enum_value_removed",
            Kind::EnumIntroduced => "enum_introduced",
            Kind::EnumDropped => "enum_dropped",
            Kind::ItemsChanged => "items_changed",
            Kind::AdditionalPropertiesChanged => "additional_properties_changed",
            Kind::ConstraintChanged => "constraint_changed",
            Kind::SchemaRenamed => "schema_renamed",
            Kind::DocsChanged => "docs_changed",
            Kind::ExtensionChanged => "extension_changed",
            Kind::Unclassified => "unclassified",
        }
    }
}

/// One difference between the two specs.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The operation's `operationId` (the new spec's, or the old one's for a
    /// removed operation; `METHOD path` without one); empty for a
    /// document-level change.
    pub operation_id: String,
    /// The HTTP method, upper case; empty for a document-level change.
    pub method: String,
    /// The operation's path; empty for a document-level change.
    pub path: String,
    /// Where in the operation: `operation`, `request body`, `response 200`,
    /// `parameter query limit`, or `document`.
    pub scope: String,
    /// Where in the scope's schema, as a path from its root: `.src_id`,
    /// `.flags[]`, `.meta.*` (additional properties); empty for the root.
    pub field: String,
    /// A JSON pointer to what changed: into the new document, or into the
    /// old one for what was removed.
    pub pointer: String,
    /// What changed.
    pub kind: Kind,
    /// The OpenAPI keyword concerned, for [`Kind::DocsChanged`],
    /// [`Kind::ConstraintChanged`], [`Kind::ExtensionChanged`] and
    /// [`Kind::Unclassified`] (`description`, `maxLength`, …).
    pub keyword: Option<String>,
    /// How it affects a client.
    pub class: Class,
    /// The value before (absent for an addition).
    pub old: Option<Value>,
    /// The value after (absent for a removal).
    pub new: Option<Value>,
}

/// Everything [`compare`] found, in document order: operation by
/// operation, document-level changes last.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// The changes.
    pub changes: Vec<Change>,
}

impl Report {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Whether any change is [`Class::Breaking`].
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.class == Class::Breaking)
    }

    /// How many changes are of `class`.
    pub fn count(&self, class: Class) -> usize {
        self.changes.iter().filter(|c| c.class == class).count()
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> String {
        render::render(self, format)
    }
}

/// Compares two OpenAPI 3.0 documents (as JSON values) and reports every
/// change, classified for a client. Never fails: a `$ref` that does not
/// resolve is compared as it is written.
pub fn compare(old: &Value, new: &Value) -> Report {
    Report {
        changes: operation::compare(old, new),
    }
}

/// Parses `text` as JSON and checks that it is an OpenAPI 3.0 document
/// (`what` names it in the error).
pub fn parse(text: &str, what: &str) -> Result<Value, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("{what}: {e}"))?;
    serde_json::from_value::<openapiv3::OpenAPI>(value.clone())
        .map_err(|e| format!("{what} is not an OpenAPI 3.0 document: {e}"))?;
    Ok(value)
}

/// The merged spec ([`crate::SPEC_PATH`]) of the repository at `root` as
/// committed at git revision `rev`.
pub fn spec_at(root: &Path, rev: &str) -> Result<Value, String> {
    let object = format!("{rev}:{}", crate::SPEC_PATH);
    let out = Command::new("git")
        .args(["show", &object])
        .current_dir(root)
        .output()
        .map_err(|e| format!("running git show {object}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git show {object} (in {}) failed: {}",
            root.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8(out.stdout).map_err(|e| format!("{object}: {e}"))?;
    parse(&text, &object)
}

/// The merged spec of the repository at `root` at git revision `base`, and
/// the one in its working tree.
pub fn load(root: &Path, base: &str) -> Result<(Value, Value), String> {
    let old = spec_at(root, base)?;
    let path = root.join(crate::SPEC_PATH);
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let new = parse(&text, &path.display().to_string())?;
    Ok((old, new))
}

/// The marker lines of `CHANGELOG.md` between which [`into_changelog`]
/// writes the API changes (inside the `Unreleased` section).
pub const CHANGELOG_MARKERS: (&str, &str) = ("<!-- api-diff -->", "<!-- /api-diff -->");

/// `changelog` with the text between its [`CHANGELOG_MARKERS`] replaced by
/// `report` as Markdown (headings one level down, under the section's own
/// `### API` heading) and the base it was measured from.
pub fn into_changelog(changelog: &str, report: &Report, base: &str) -> Result<String, String> {
    let (start, end) = CHANGELOG_MARKERS;
    let (Some(from), Some(to)) = (changelog.find(start), changelog.find(end)) else {
        return Err(format!(
            "CHANGELOG.md has no `{start}` … `{end}` lines to write the API changes between"
        ));
    };
    if to < from {
        return Err(format!("CHANGELOG.md: `{end}` comes before `{start}`"));
    }
    let mut body = format!(
        "The merged spec's changes since `{base}`, as `cargo xtask api-diff --base {base} \
         --changelog` classifies them for a client of the API:\n\n"
    );
    for line in report.render(Format::Markdown).lines() {
        match line.strip_prefix("### ") {
            Some(heading) => body.push_str(&format!("#### {heading}\n")),
            None => body.push_str(&format!("{line}\n")),
        }
    }
    Ok(format!(
        "{}{start}\n{body}{}",
        &changelog[..from],
        &changelog[to..]
    ))
}

#[cfg(test)]
mod changelog_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_api_changes_go_between_the_markers_one_heading_level_down() {
        let old = json!({"openapi": "3.0.3", "paths": {"/a": {"get": {"operationId": "a",
            "responses": {"200": {"description": "ok"}}}}}});
        let mut new = old.clone();
        new["paths"]["/a"]["get"]["responses"]["503"] = json!({"description": "later"});
        let report = compare(&old, &new);
        let changelog = "# Changelog\n\n## [Unreleased]\n\n### API\n\n<!-- api-diff -->\nold\n<!-- /api-diff -->\n\n### Added\n";
        let written = into_changelog(changelog, &report, "v1").unwrap();
        assert!(
            written.starts_with("# Changelog\n\n## [Unreleased]\n\n### API\n\n<!-- api-diff -->\n")
        );
        assert!(written.contains("since `v1`"), "{written}");
        assert!(written.contains("#### Compatible\n"), "{written}");
        assert!(!written.contains("old\n"), "{written}");
        assert!(
            written.ends_with("<!-- /api-diff -->\n\n### Added\n"),
            "{written}"
        );
        // Written again, the same.
        assert_eq!(into_changelog(&written, &report, "v1").unwrap(), written);
        assert!(into_changelog("# Changelog\n", &report, "v1").is_err());
    }
}
