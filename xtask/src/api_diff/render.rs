//! The three renderings of an `api-diff` report: text for a person,
//! Markdown for CHANGELOG.md, JSON for a program.
//!
//! - **text**: a summary line, then one block per operation (`copy (PUT
//!   /api/v0/commands/copy_direct/)`), one line per change tagged
//!   `breaking`, `compatible` or `docs`; document-level changes last under
//!   `document`.
//! - **markdown**: `### Breaking`, `### Compatible`, `### Docs` sections (the
//!   empty ones left out), one bullet per change naming its operation, to
//!   paste under a Keep-a-Changelog "API" heading of a release.
//! - **json**: `{"breaking": bool, "counts": {...}, "changes": [...]}`, each
//!   change with `operation_id`, `method`, `path`, `scope`, `field`,
//!   `pointer`, `kind`, `keyword`, `class`, `old`, `new` and `message`.
//!   Field names and the `kind`/`class` strings are stable; `message` is for
//!   people.
//!
//! A report without changes is `No API changes.` in text and Markdown.

use super::{Change, Class, Kind, Report};
use serde_json::{Value, json};

/// How [`Report::render`] writes a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// For a person: grouped by operation, each line tagged with its class.
    #[default]
    Text,
    /// For CHANGELOG.md: one section per class.
    Markdown,
    /// For a program: the list of changes.
    Json,
}

const CLASSES: [Class; 3] = [Class::Breaking, Class::Compatible, Class::Docs];

const NO_CHANGES: &str = "No API changes.\n";

pub(super) fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => text(report),
        Format::Markdown => markdown(report),
        Format::Json => json(report),
    }
}

/// `v` for a person: strings bare, anything else as JSON, `absent` for none.
fn show(v: Option<&Value>, absent: &str) -> String {
    match v {
        None => absent.to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// A property or parameter schema in a word: its type, or the schema it
/// refers to.
fn describe(schema: Option<&Value>) -> String {
    let Some(schema) = schema else {
        return String::new();
    };
    let kind = schema
        .get("$ref")
        .and_then(Value::as_str)
        .map(|r| r.rsplit('/').next().unwrap_or(r))
        .or_else(|| schema.get("type").and_then(Value::as_str))
        .or_else(|| schema.get("schema")?.get("type")?.as_str());
    kind.map_or(String::new(), |k| format!(" ({k})"))
}

/// What happened, in words (without where: see [`place`]).
pub(super) fn message(c: &Change) -> String {
    let (old, new) = (c.old.as_ref(), c.new.as_ref());
    let keyword = c.keyword.as_deref().unwrap_or("?");
    match c.kind {
        Kind::OperationAdded => "operation added".into(),
        Kind::OperationRemoved => "operation removed".into(),
        Kind::OperationIdChanged => format!(
            "operationId changed from {} to {}",
            show(old, "none"),
            show(new, "none")
        ),
        Kind::StatusAdded => "status added".into(),
        Kind::StatusRemoved => "status removed".into(),
        Kind::RequestBodyAdded => "optional request body added".into(),
        Kind::RequiredRequestBodyAdded => "required request body added".into(),
        Kind::RequestBodyRemoved => "request body removed".into(),
        Kind::MediaTypeAdded => format!("media type {} added", show(new, "?")),
        Kind::MediaTypeRemoved => format!("media type {} removed", show(old, "?")),
        Kind::ParameterAdded => format!("optional parameter added{}", describe(new)),
        Kind::RequiredParameterAdded => format!("required parameter added{}", describe(new)),
        Kind::ParameterRemoved => "parameter removed".into(),
        Kind::PropertyAdded => format!("optional property added{}", describe(new)),
        Kind::RequiredPropertyAdded => format!("required property added{}", describe(new)),
        Kind::PropertyRemoved => format!("property removed{}", describe(old)),
        Kind::RequestBodyBecameRequired
        | Kind::ParameterBecameRequired
        | Kind::PropertyBecameRequired => "became required".into(),
        Kind::RequestBodyBecameOptional
        | Kind::ParameterBecameOptional
        | Kind::PropertyBecameOptional => "became optional".into(),
        Kind::TypeChanged => format!(
            "type changed from {} to {}",
            show(old, "any"),
            show(new, "any")
        ),
        Kind::FormatChanged => format!(
            "format changed from {} to {}",
            show(old, "none"),
            show(new, "none")
        ),
        Kind::BecameNullable => "became nullable".into(),
        Kind::BecameNonNullable => "no longer nullable".into(),
        Kind::EnumValueAdded => format!("enum value {} added", show_json(new)),
        Kind::EnumValueRemoved => format!("enum value {} removed", show_json(old)),
        Kind::EnumIntroduced => format!("restricted to the enum {}", show_json(new)),
        Kind::EnumDropped => format!("enum {} dropped", show_json(old)),
        Kind::ItemsChanged => format!(
            "array items changed from {} to {}",
            show_json(old),
            show_json(new)
        ),
        Kind::AdditionalPropertiesChanged => format!(
            "additionalProperties changed from {} to {}",
            show(old, "any"),
            show(new, "any")
        ),
        Kind::ConstraintChanged => format!(
            "{keyword} changed from {} to {}",
            show(old, "none"),
            show(new, "none")
        ),
        Kind::SchemaRenamed => format!(
            "schema {} renamed {} (same content)",
            show(old, "?"),
            show(new, "?")
        ),
        Kind::DocsChanged => format!("{keyword} changed"),
        Kind::ExtensionChanged => format!("extension {keyword} changed"),
        Kind::Unclassified => format!("{keyword} changed (no rule classifies this: review it)"),
    }
}

fn show_json(v: Option<&Value>) -> String {
    v.map_or("none".to_owned(), Value::to_string)
}

/// Where, within its operation: the scope and the field (`request body
/// .src_id`), or nothing for the operation or the document itself.
fn place(c: &Change) -> String {
    match (c.scope.as_str(), c.field.as_str()) {
        ("operation" | "document", "") => String::new(),
        (scope, "") => scope.to_owned(),
        (scope, field) => format!("{scope} {field}"),
    }
}

/// The operation a change belongs to, for a heading or a bullet.
fn operation(c: &Change) -> String {
    if c.method.is_empty() {
        "document".into()
    } else {
        format!("{} ({} {})", c.operation_id, c.method, c.path)
    }
}

fn summary(report: &Report) -> String {
    let n = report.changes.len();
    format!(
        "{n} API change{}: {} breaking, {} compatible, {} docs only",
        if n == 1 { "" } else { "s" },
        report.count(Class::Breaking),
        report.count(Class::Compatible),
        report.count(Class::Docs)
    )
}

fn text(report: &Report) -> String {
    if report.is_empty() {
        return NO_CHANGES.into();
    }
    let mut out = summary(report) + "\n";
    let mut current = None;
    for c in &report.changes {
        let heading = operation(c);
        if current.as_ref() != Some(&heading) {
            out.push_str(&format!("\n{heading}\n"));
            current = Some(heading);
        }
        let line = match place(c) {
            p if p.is_empty() => message(c),
            p => format!("{p}: {}", message(c)),
        };
        out.push_str(&format!("  {:<10}  {line}\n", c.class.as_str()));
    }
    out
}

fn markdown(report: &Report) -> String {
    if report.is_empty() {
        return NO_CHANGES.into();
    }
    let mut sections = Vec::new();
    for class in CLASSES {
        let bullets: Vec<String> = report
            .changes
            .iter()
            .filter(|c| c.class == class)
            .map(|c| {
                let who = if c.method.is_empty() {
                    "Document".to_owned()
                } else {
                    format!("`{}` (`{} {}`)", c.operation_id, c.method, c.path)
                };
                let at = match (c.scope.as_str(), c.field.as_str()) {
                    ("operation" | "document", "") => String::new(),
                    (scope, "") => format!(" {scope}"),
                    (scope, field) => format!(" {scope} `{field}`"),
                };
                format!("- {who}{at}: {}", message(c))
            })
            .collect();
        if !bullets.is_empty() {
            let title = match class {
                Class::Breaking => "Breaking",
                Class::Compatible => "Compatible",
                Class::Docs => "Docs",
            };
            sections.push(format!("### {title}\n\n{}\n", bullets.join("\n")));
        }
    }
    sections.join("\n")
}

fn json(report: &Report) -> String {
    let changes: Vec<Value> = report
        .changes
        .iter()
        .map(|c| {
            json!({
                "operation_id": c.operation_id,
                "method": c.method,
                "path": c.path,
                "scope": c.scope,
                "field": c.field,
                "pointer": c.pointer,
                "kind": c.kind.as_str(),
                "keyword": c.keyword,
                "class": c.class.as_str(),
                "old": c.old,
                "new": c.new,
                "message": message(c),
            })
        })
        .collect();
    let value = json!({
        "breaking": report.is_breaking(),
        "counts": {
            "breaking": report.count(Class::Breaking),
            "compatible": report.count(Class::Compatible),
            "docs": report.count(Class::Docs),
        },
        "changes": changes,
    });
    // A `Value` always serializes.
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: Kind, class: Class, scope: &str, field: &str) -> Change {
        Change {
            operation_id: "copy".into(),
            method: "PUT".into(),
            path: "/copy/".into(),
            scope: scope.into(),
            field: field.into(),
            pointer: "/components/schemas/CopyRequest/properties/src_id".into(),
            kind,
            keyword: None,
            class,
            old: None,
            new: None,
        }
    }

    fn report() -> Report {
        Report {
            changes: vec![
                change(
                    Kind::PropertyBecameRequired,
                    Class::Breaking,
                    "request body",
                    ".src_id",
                ),
                change(Kind::StatusAdded, Class::Compatible, "response 503", ""),
                Change {
                    operation_id: String::new(),
                    method: String::new(),
                    path: String::new(),
                    keyword: Some("info".into()),
                    ..change(Kind::DocsChanged, Class::Docs, "document", "")
                },
            ],
        }
    }

    #[test]
    fn text_groups_by_operation_and_tags_each_line() {
        assert_eq!(
            report().render(Format::Text),
            "3 API changes: 1 breaking, 1 compatible, 1 docs only\n\n\
             copy (PUT /copy/)\n\
             \x20 breaking    request body .src_id: became required\n\
             \x20 compatible  response 503: status added\n\n\
             document\n\
             \x20 docs        info changed\n"
        );
    }

    #[test]
    fn markdown_has_one_section_per_class_present() {
        assert_eq!(
            report().render(Format::Markdown),
            "### Breaking\n\n- `copy` (`PUT /copy/`) request body `.src_id`: became required\n\n\
             ### Compatible\n\n- `copy` (`PUT /copy/`) response 503: status added\n\n\
             ### Docs\n\n- Document: info changed\n"
        );
    }

    #[test]
    fn json_lists_every_change_with_stable_names() {
        let v: Value = serde_json::from_str(&report().render(Format::Json)).unwrap();
        assert_eq!(v["breaking"], true);
        assert_eq!(
            v["counts"],
            json!({"breaking": 1, "compatible": 1, "docs": 1})
        );
        assert_eq!(
            v["changes"][0],
            json!({
                "operation_id": "copy", "method": "PUT", "path": "/copy/",
                "scope": "request body", "field": ".src_id",
                "pointer": "/components/schemas/CopyRequest/properties/src_id",
                "kind": "property_became_required", "keyword": null, "class": "breaking",
                "old": null, "new": null, "message": "became required"
            })
        );
    }

    #[test]
    fn an_empty_report_says_so() {
        let empty = Report::default();
        assert_eq!(empty.render(Format::Text), NO_CHANGES);
        assert_eq!(empty.render(Format::Markdown), NO_CHANGES);
        let v: Value = serde_json::from_str(&empty.render(Format::Json)).unwrap();
        assert_eq!(v["changes"], json!([]));
        assert_eq!(v["breaking"], false);
    }
}
