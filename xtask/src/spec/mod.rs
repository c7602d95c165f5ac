//! Merges the vendor's per-endpoint OpenAPI documents (3.0.x or 3.1.x) into one OpenAPI 3.0.3 spec, following the operation table.
//!
//! # What the merge reads
//!
//! The vendor publishes one document per endpoint (`vast-ai/docs`,
//! `api-reference/openapi/yaml/`), in forms that vary from file to file and
//! from release to release; the merge reads all of them:
//!
//! - **OpenAPI 3.0.x and 3.1.x.** A 3.1-only construct becomes its 3.0 form
//!   (`type: [T, "null"]` → `type: T, nullable: true`) or is refused by name
//!   ([`openapi30`]); 3.0 needs nothing.
//! - **Any `info`, `servers`, `security` and `securitySchemes`**, or none.
//!   The merged spec declares its own ([`info`], [`SERVER_URL`], the
//!   [`BEARER`] scheme for every operation: the API takes `Authorization:
//!   Bearer` everywhere). An operation's own `security` is dropped; one that
//!   names another scheme (cloud copy's `apiKeyAuth`, an `X-API-Key`) is a
//!   [note](Merged::notes), not an error.
//! - **Local `$ref`s.** A reference to the document's `responses`,
//!   `requestBodies`, `parameters`, `headers` or `examples` is replaced by
//!   what it points at; a schema reference is carried into the merged
//!   `components/schemas` under the component's name (or the name the table
//!   pins for a body that uses it), with what it refers to in turn
//!   (`schemas.rs`). Two documents' components of one name that differ are
//!   refused, as is a cycle or a reference to another file.
//! - **Operations are matched by method and path**, the only identity on
//!   the wire; a path matches with or without its trailing slash (the
//!   vendor's combined document strips it), and the merged spec uses the
//!   table's. The upstream `operationId` may be missing or anything: the
//!   merged spec's is the table's.
//! - **Vendor extensions** (`x-rateLimit`, …) stay on their operation.
//!
//! # What the merge writes
//!
//! Every change to the vendor's text follows from the table or from the
//! list above:
//!
//! 1. each operation gets the table's `operationId`, and the extension
//!    [`INSTANCE_FIELDS`] (`x-vast-instance-fields`: the table's request
//!    fields that name an instance, each a property of the request schema),
//!    so a mock that reads only the spec knows them;
//! 2. every request and response body schema is moved to
//!    `components/schemas` and `$ref`ed from where it stood (progenitor
//!    silently merges differing inline schemas). Its name is the table's pin
//!    for that body, else the referenced component's name, else derived:
//!    `{Operation}Request`, `{Operation}Response` for a `200`,
//!    `{Operation}{status}Response` otherwise ([`derived_name`]). So a status
//!    added or dropped, a property added, dropped or made optional needs no
//!    table edit;
//! 3. every body's example becomes its media type's `example`
//!    ([`take_example`], the workspace's one example assembler);
//! 4. `openapi: 3.0.3`, [`info`], one server, one security scheme;
//!    summaries and descriptions of operations lose trailing whitespace (a
//!    YAML `|` block ends in a newline, a `>-` one does not: same text).
//!
//! # What the merge refuses
//!
//! Anything else it does not expect, by a message that names the document,
//! the operation and the JSON pointer, and says what to change: a table
//! that [`operations::validate`] refuses; an operation the table lacks or a
//! table operation no document has; an operation in another document than
//! its entry says; a body without a JSON schema; a status that is not a
//! number (`default`, `2XX`); two success (or two error) statuses of one
//! operation with different bodies (progenitor gives an operation one
//! success and one error type, and panics otherwise); an instance field the
//! request lacks; two examples for one body. [`crate::generate`] then
//! validates the merged spec before progenitor sees it (every `$ref`
//! resolves, the document parses as OpenAPI 3.0) and catches a generator
//! panic, so no input ends in one.

mod bodies;
mod document;
mod example;
pub mod openapi30;
mod schemas;

pub use document::{Document, Found, escape, pointer, same_path};
pub use example::{example_of, take_example};

use crate::operations::{self, Entry};
use bodies::{bodies, check_instance_fields, name_bodies};
use document::reference_of;
use schemas::{SCHEMAS, Schemas};
use serde_json::{Map, Value, json};
use std::path::Path;

/// The extension each merged operation carries: the table's instance fields.
pub const INSTANCE_FIELDS: &str = "x-vast-instance-fields";

/// The merged spec's own `info`. The `version` is sent by the generated
/// client as its `api-version` header; the text is the vendor's description
/// of its API as a whole.
pub fn info() -> Value {
    json!({
        "title": "Vast.ai API",
        "description": "Welcome to Vast.ai 's API documentation. Our API allows you to programmatically manage GPU instances, handle machine operations, and automate your AI/ML workflow. Whether you're running individual GPU instances or managing a fleet of machines, our API provides comprehensive control over all Vast.ai  platform features.",
        "version": "1.0.0",
        "contact": {"name": "Vast.ai Support", "url": "https://discord.gg/vast"}
    })
}

/// The merged spec's one server.
pub const SERVER_URL: &str = "https://console.vast.ai";

/// The merged spec's one security scheme: `Authorization: Bearer <key>`.
pub const BEARER: &str = "BearerAuth";

/// The merged spec and what the merge found on the way.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The merged OpenAPI 3.0.3 document.
    pub spec: Value,
    /// One per table entry, in table order.
    pub operations: Vec<Resolved>,
    /// What the vendor's documents say that the merge does not follow, for
    /// the maintainer (a security scheme replaced, a pinned status absent).
    pub notes: Vec<String>,
}

/// One operation as merged: its table entry, the names its bodies got, and
/// where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// The table's entry.
    pub entry: Entry,
    /// The request body's schema name.
    pub request: String,
    /// Each response's schema name, by status, in the document's order.
    pub responses: Vec<(u16, String)>,
    /// The document it came from.
    pub document: String,
    /// The path as the document spells it.
    pub upstream_path: String,
    /// The upstream `operationId`, if it has one (informational).
    pub upstream_operation_id: Option<String>,
}

impl Resolved {
    /// `copy.yaml, put /api/v0/commands/copy_direct/ (copy)`: where to look, for messages.
    pub fn label(&self) -> String {
        label(&self.document, &self.entry)
    }
}

fn label(document: &str, entry: &Entry) -> String {
    format!(
        "{document}, {} {} ({})",
        entry.method, entry.path, entry.operation_id
    )
}

/// The name a body schema gets when the table pins none and the body is
/// not a reference: `{Operation}Request`, `{Operation}Response` for `200`,
/// `{Operation}{status}Response` for any other status.
pub fn derived_name(entry: &Entry, status: Option<u16>) -> String {
    match status {
        None => format!("{}Request", entry.variant()),
        Some(200) => format!("{}Response", entry.variant()),
        Some(status) => format!("{}{status}Response", entry.variant()),
    }
}

/// The names of the documents (`.yaml`, `.yml`, `.json`) of `dir`, in
/// file-name order.
pub fn document_names(dir: &Path) -> Result<Vec<String>, String> {
    let listing = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut names = Vec::new();
    for file in listing {
        let file = file.map_err(|e| format!("reading {}: {e}", dir.display()))?;
        let name = file.file_name().to_string_lossy().into_owned();
        if [".yaml", ".yml", ".json"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Reads every document of `dir` ([`document_names`]).
pub fn read_dir(dir: &Path) -> Result<Vec<Document>, String> {
    document_names(dir)?
        .into_iter()
        .map(|name| {
            let path = dir.join(&name);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            Document::parse(&name, &text)
        })
        .collect()
}

/// Reads the upstream documents of `dir` and merges them. Every document
/// must be one the table names: an operation must not be left out silently.
pub fn merge_dir(dir: &Path, table: &[Entry]) -> Result<Merged, String> {
    operations::validate(table)?;
    let docs = read_dir(dir)?;
    let names = operations::documents(table);
    for doc in &docs {
        if !names.contains(&doc.name.as_str()) {
            return Err(format!(
                "{}: no entry of the operation table names this document; add its \
                 operations to the table (xtask/src/operations.rs) or remove it",
                dir.join(&doc.name).display()
            ));
        }
    }
    merge(&docs, table)
}

/// Merges parsed upstream documents into one OpenAPI 3.0.3 document,
/// following `table` (see the module docs).
pub fn merge(docs: &[Document], table: &[Entry]) -> Result<Merged, String> {
    operations::validate(table)?;
    let mut found: Vec<Found> = Vec::new();
    for doc in docs {
        doc.check_version()?;
        for op in doc.operations()? {
            if let Some(other) = found
                .iter()
                .find(|f| f.method == op.method && same_path(f.path, op.path))
            {
                return Err(format!(
                    "{}, at {}: {} {} is also defined in {} (at {}); keep one",
                    doc.name,
                    op.pointer(),
                    op.method,
                    op.path,
                    other.document.name,
                    other.pointer()
                ));
            }
            if !table
                .iter()
                .any(|e| e.method == op.method && same_path(e.path, op.path))
            {
                return Err(format!(
                    "{}, at {}: {} {} has no entry in the operation table; add one \
                     (xtask/src/operations.rs) or remove the operation",
                    doc.name,
                    op.pointer(),
                    op.method,
                    op.path
                ));
            }
            found.push(op);
        }
    }

    let mut notes = Vec::new();
    let mut inlined = Vec::new();
    for entry in table {
        let op = found
            .iter()
            .find(|f| f.method == entry.method && same_path(f.path, entry.path))
            .ok_or_else(|| {
                format!(
                    "{} {} ({}): no upstream document has this operation (looked for it by \
                     method and path, with or without the trailing slash)",
                    entry.method, entry.path, entry.operation_id
                )
            })?;
        if op.document.name != entry.document {
            return Err(format!(
                "{} {} is in {}, the operation table says {}",
                entry.method, entry.path, op.document.name, entry.document
            ));
        }
        inlined.push((entry, op.clone(), prepare(entry, op, &mut notes)?));
    }

    let mut schemas = Schemas::default();
    // Pins first, so that every body referring to a pinned component uses
    // its pin, whichever comes first.
    for (entry, found, op) in &inlined {
        for (media, pin, _) in bodies(entry, op) {
            let (Some(pin), Some(reference)) = (pin, media.get("schema").and_then(reference_of))
            else {
                continue;
            };
            if let Ok(component) = found.document.component(reference) {
                schemas.pin(found.document, &component.name, pin);
            }
        }
    }

    let mut paths = Map::new();
    let mut resolved = Vec::new();
    for (entry, found, mut op) in inlined {
        let here = label(&found.document.name, entry);
        let at = found.pointer();
        let (request, responses) = name_bodies(entry, &found, &mut op, &mut schemas, &mut notes)?;
        check_instance_fields(entry, &request, &schemas, &here, &at)?;
        op[INSTANCE_FIELDS] = json!(entry.instance_fields);
        paths
            .entry(entry.path)
            .or_insert_with(|| Value::Object(Map::new()))[entry.method] = op;
        resolved.push(Resolved {
            entry: *entry,
            request,
            responses,
            document: found.document.name.clone(),
            upstream_path: found.path.to_owned(),
            upstream_operation_id: found
                .operation
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }

    let spec = json!({
        "openapi": "3.0.3",
        "info": info(),
        "servers": [{"url": SERVER_URL, "description": "Production server"}],
        "security": [{BEARER: []}],
        "paths": paths,
        "components": {
            "schemas": schemas.map,
            "securitySchemes": {BEARER: {
                "type": "http",
                "scheme": "bearer",
                "description": "API key must be provided in the Authorization header"
            }},
        },
    });
    Ok(Merged {
        spec,
        operations: resolved,
        notes,
    })
}

/// One operation made ready for naming: local references other than
/// schemas replaced by what they point at, the path item's parameters
/// added, its own `security` dropped (noted if it names another scheme),
/// the table's `operationId`, text trimmed, 3.1 constructs outside the
/// bodies converted.
fn prepare(entry: &Entry, found: &Found, notes: &mut Vec<String>) -> Result<Value, String> {
    let doc = found.document;
    let here = label(&doc.name, entry);
    let at = found.pointer();
    let mut op = found.operation.clone();
    inline(doc, &mut op, &at, 0).map_err(|e| format!("{here}, {e}"))?;
    let map = op
        .as_object_mut()
        .ok_or(format!("{here}, at {at}: not an object"))?;

    if let Some(shared) = doc.path_parameters(found.path) {
        let mut shared = shared.clone();
        inline(
            doc,
            &mut shared,
            &pointer(&["paths", found.path, "parameters"]),
            0,
        )
        .map_err(|e| format!("{here}, {e}"))?;
        let own = map.entry("parameters").or_insert_with(|| json!([]));
        if let (Some(own), Some(shared)) = (own.as_array_mut(), shared.as_array()) {
            let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
            for parameter in shared {
                if !own.iter().any(|p| key(p) == key(parameter)) {
                    own.push(parameter.clone());
                }
            }
        }
    }

    if let Some(security) = map.remove("security") {
        let bearer_only = security
            .as_array()
            .is_some_and(|s| s.iter().all(|req| names_bearer(doc, req)));
        if !bearer_only {
            notes.push(format!(
                "{here}, at {at}/security: the document asks for {security}; the merged spec \
                 sends `Authorization: Bearer` for every operation, as the API expects"
            ));
        }
    }
    for key in ["summary", "description"] {
        if let Some(Value::String(text)) = map.get_mut(key) {
            let trimmed = text.trim_end().len();
            text.truncate(trimmed);
        }
    }
    map.insert("operationId".into(), entry.operation_id.into());
    if map.contains_key(INSTANCE_FIELDS) {
        return Err(format!(
            "{here}, at {at}/{INSTANCE_FIELDS}: upstream already has {INSTANCE_FIELDS}, which \
             the merge writes from the table"
        ));
    }
    for (key, value) in map.iter_mut() {
        if !matches!(key.as_str(), "requestBody" | "responses") {
            openapi30::to_openapi_30(value, &format!("{here}, at {at}/{}", escape(key)))?;
        }
    }
    Ok(op)
}

/// Whether a security requirement names only schemes that are HTTP bearer
/// authentication (`BearerAuth` when the document does not define it).
fn names_bearer(doc: &Document, requirement: &Value) -> bool {
    requirement.as_object().is_some_and(|schemes| {
        schemes.keys().all(|scheme| {
            match doc
                .value
                .pointer(&format!("/components/securitySchemes/{}", escape(scheme)))
            {
                Some(defined) => {
                    defined["type"] == "http"
                        && defined["scheme"]
                            .as_str()
                            .is_some_and(|s| s.eq_ignore_ascii_case("bearer"))
                }
                None => scheme == BEARER,
            }
        })
    })
}

/// Replaces every local reference outside a schema (to `responses`,
/// `requestBodies`, `parameters`, `headers`, `examples`, `links`) by what
/// it points at. Schemas (any value under a `schema` key) keep theirs for
/// [`Schemas::carry_refs`].
fn inline(doc: &Document, value: &mut Value, at: &str, depth: usize) -> Result<(), String> {
    if depth > 16 {
        return Err(format!(
            "at {at}: references lead to references more than 16 deep (a cycle?)"
        ));
    }
    if let Some(reference) = reference_of(value).map(str::to_owned) {
        let target = doc
            .component(&reference)
            .map_err(|e| format!("at {at}: {e}"))?;
        if target.kind == "schemas" {
            return Err(format!(
                "at {at}: `$ref: {reference}` is a schema where a {} object was expected",
                at.rsplit('/').next().unwrap_or("non-schema")
            ));
        }
        *value = target.value.clone();
        let at = format!("#/components/{}/{}", target.kind, escape(&target.name));
        return inline(doc, value, &at, depth + 1);
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if matches!(key.as_str(), "schema" | "example") {
                    continue;
                }
                inline(doc, child, &format!("{at}/{}", escape(key)), depth)?;
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                inline(doc, item, &format!("{at}/{i}"), depth)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The merged spec as checked-in text: pretty JSON with a final newline.
pub fn render(spec: &Value) -> String {
    let mut text = serde_json::to_string_pretty(spec).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
