//! `cargo xtask update --from <dir | file | URL>`: refreshes `openapi/upstream/` from the vendor's documents, then regenerates.
//!
//! The vendor keeps one document per endpoint in its public docs repository
//! (`vast-ai/docs`, `api-reference/openapi/yaml/<endpoint>.yaml`) and
//! builds one combined document of every endpoint from them
//! (`api-reference/openapi.yaml`, trailing slashes stripped). `--from`
//! takes either, as:
//!
//! - a **directory** of documents (every `.yaml`, `.yml`, `.json` in it is
//!   read), such as a checkout of `api-reference/openapi/yaml/`;
//! - a **file**: one document, per-endpoint or combined;
//! - an **`http(s)` URL** to one document, or to a directory when it ends
//!   in `/`: then each document of the table is fetched by its name
//!   (`<URL>copy.yaml`, …), as the vendor names its files.
//!
//! It takes exactly the table's operations, found by method and path (with
//! or without the trailing slash), and writes one document per document
//! name of the table: the source's text verbatim when a source document
//! holds exactly that document's operations, else a document made of the
//! operations and the components they refer to. An operation of the table
//! that the source lacks, or has twice, stops it, naming the operation.
//!
//! Nothing is written unless the new documents merge and generate: the
//! merge and the generator run on them in memory first. Then it writes the
//! documents (removing any other document of `openapi/upstream/`), records
//! the source and date in `openapi/upstream/SOURCE.md`, writes the
//! generated files, and returns what changed: files, operations, upstream
//! operationIds, the merge's notes and the API change report
//! ([`crate::api_diff`]).

use crate::operations::{self, Entry};
use crate::spec::{self, Document, same_path};
use serde_json::{Map, Value, json};
use std::io::Read;
use std::path::Path;

/// The largest document `update` reads from a URL (the vendor's combined
/// document of ~100 endpoints is well under a megabyte).
pub const MAX_DOCUMENT_BYTES: u64 = 32 << 20;

/// The record of where the upstream documents came from, in the upstream directory.
pub const SOURCE_FILE: &str = "SOURCE.md";

/// One document as read from the source: its name and text.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The file name, or the URL's last segment.
    pub name: String,
    /// Its text.
    pub text: String,
}

/// What an update changed.
#[derive(Debug)]
pub struct Updated {
    /// Repository files whose text changed (upstream documents and generated files).
    pub files: Vec<String>,
    /// Operations whose upstream document text changed: `operationId: document`.
    pub operations: Vec<String>,
    /// Upstream operationIds that changed: `operation: old → new`.
    pub operation_ids: Vec<String>,
    /// The merge's notes on the new documents.
    pub notes: Vec<String>,
    /// The API change report between the old and the new merged spec.
    pub report: crate::api_diff::Report,
}

/// Reads the documents `from` names (see the module docs).
pub fn fetch(from: &str, table: &[Entry]) -> Result<Vec<Fetched>, String> {
    if from.starts_with("http://") || from.starts_with("https://") {
        let client = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| format!("an HTTP client: {e}"))?;
        if from.ends_with('/') {
            operations::documents(table)
                .into_iter()
                .map(|name| {
                    let text = get(&client, &format!("{from}{name}"))?;
                    Ok(Fetched {
                        name: name.to_owned(),
                        text,
                    })
                })
                .collect()
        } else {
            let name = from.rsplit('/').next().unwrap_or(from).to_owned();
            Ok(vec![Fetched {
                name,
                text: get(&client, from)?,
            }])
        }
    } else {
        let path = Path::new(from);
        if path.is_dir() {
            spec::document_names(path)?
                .into_iter()
                .map(|name| read(&path.join(&name), name))
                .collect()
        } else {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| from.to_owned());
            Ok(vec![read(path, name)?])
        }
    }
}

fn read(path: &Path, name: String) -> Result<Fetched, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    Ok(Fetched { name, text })
}

/// One `GET`, its body read up to [`MAX_DOCUMENT_BYTES`].
fn get(client: &reqwest::blocking::Client, url: &str) -> Result<String, String> {
    let response = client
        .get(url)
        .send()
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("GET {url}: the server answered {status}"));
    }
    let mut body = Vec::new();
    response
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("GET {url}: reading the body: {e}"))?;
    if body.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(format!(
            "GET {url}: the document is over {MAX_DOCUMENT_BYTES} bytes"
        ));
    }
    String::from_utf8(body).map_err(|e| format!("GET {url}: not UTF-8 text: {e}"))
}

/// The table's documents made from the source's: (document name, text), in
/// table order (see the module docs).
pub fn select(source: &[Fetched], table: &[Entry]) -> Result<Vec<Fetched>, String> {
    operations::validate(table)?;
    let docs: Vec<Document> = source
        .iter()
        .map(|f| Document::parse(&f.name, &f.text))
        .collect::<Result<_, _>>()?;
    let mut found_ops = Vec::new();
    for doc in &docs {
        doc.check_version()?;
        found_ops.push(doc.operations()?);
    }
    let mut out = Vec::new();
    for name in operations::documents(table) {
        let entries: Vec<&Entry> = table.iter().filter(|e| e.document == name).collect();
        // For each entry, the index of the source document that has it.
        let mut homes = Vec::new();
        for entry in &entries {
            let holders: Vec<usize> = found_ops
                .iter()
                .enumerate()
                .filter(|(_, ops)| {
                    ops.iter()
                        .any(|f| f.method == entry.method && same_path(f.path, entry.path))
                })
                .map(|(i, _)| i)
                .collect();
            match holders.as_slice() {
                [one] => homes.push(*one),
                [] => {
                    return Err(format!(
                        "{} {} ({}): the source has no such operation (looked for it by \
                         method and path, with or without the trailing slash, in {}); the \
                         vendor may have moved or removed it: fix or remove its table entry",
                        entry.method,
                        entry.path,
                        entry.operation_id,
                        source
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                [first, second, ..] => {
                    return Err(format!(
                        "{} {} ({}): the source has it twice, in {} and {}; keep one",
                        entry.method,
                        entry.path,
                        entry.operation_id,
                        docs[*first].name,
                        docs[*second].name
                    ));
                }
            }
        }
        let home = homes[0];
        let verbatim = homes.iter().all(|h| *h == home) && found_ops[home].len() == entries.len();
        let text = if verbatim {
            source[home].text.clone()
        } else {
            extract(&docs, &found_ops, &entries)?
        };
        out.push(Fetched {
            name: name.to_owned(),
            text,
        });
    }
    Ok(out)
}

/// A document of the given operations, taken from the source documents
/// with the components they refer to (transitively), as YAML.
fn extract(
    docs: &[Document],
    found_ops: &[Vec<spec::Found<'_>>],
    entries: &[&Entry],
) -> Result<String, String> {
    let mut paths = Map::new();
    let mut components = Map::new();
    let mut home_doc: Option<&Document> = None;
    for entry in entries {
        let (doc, found) = docs
            .iter()
            .zip(found_ops)
            .find_map(|(doc, ops)| {
                ops.iter()
                    .find(|f| f.method == entry.method && same_path(f.path, entry.path))
                    .map(|f| (doc, f))
            })
            .ok_or_else(|| format!("{} {}: not in the source", entry.method, entry.path))?;
        home_doc.get_or_insert(doc);
        let item = paths
            .entry(found.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(shared) = doc.path_parameters(found.path) {
            item["parameters"] = shared.clone();
            collect_refs(doc, shared, &mut components)?;
        }
        item[found.method] = found.operation.clone();
        collect_refs(doc, found.operation, &mut components)?;
    }
    let home = home_doc.ok_or("no operations to extract")?;
    let mut out = Map::new();
    out.insert("openapi".into(), home.value["openapi"].clone());
    if let Some(info) = home.value.get("info") {
        out.insert("info".into(), info.clone());
    }
    out.insert("paths".into(), Value::Object(paths));
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    serde_yaml::to_string(&Value::Object(out)).map_err(|e| format!("writing YAML: {e}"))
}

/// Adds to `components` every component `value` refers to in `doc`, and
/// what those refer to in turn.
fn collect_refs(
    doc: &Document,
    value: &Value,
    components: &mut Map<String, Value>,
) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                let target = doc
                    .component(reference)
                    .map_err(|e| format!("{}: {e}", doc.name))?;
                let kind = components
                    .entry(target.kind.to_owned())
                    .or_insert_with(|| json!({}));
                if kind.get(&target.name).is_none() {
                    kind[target.name.as_str()] = target.value.clone();
                    collect_refs(doc, target.value, components)?;
                }
            }
            for (key, child) in map {
                if key != "example" {
                    collect_refs(doc, child, components)?;
                }
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| collect_refs(doc, item, components)),
        _ => Ok(()),
    }
}

/// Updates the repository at `root` from `from` with `table` (see the
/// module docs). `date` is written into [`SOURCE_FILE`].
pub fn update(root: &Path, from: &str, table: &[Entry], date: &str) -> Result<Updated, String> {
    let fetched = select(&fetch(from, table)?, table)?;
    let docs: Vec<Document> = fetched
        .iter()
        .map(|f| Document::parse(&f.name, &f.text))
        .collect::<Result<_, _>>()?;
    let merged = spec::merge(&docs, table)?;
    let mut outputs = crate::outputs(&merged)?;
    outputs.push(crate::Output {
        path: crate::SPEC_COPY_PATH,
        text: outputs[0].text.clone(),
    });

    let upstream = root.join(crate::UPSTREAM_DIR);
    let old_docs = spec::read_dir(&upstream).unwrap_or_default();
    let old_merged = std::fs::read_to_string(root.join(crate::SPEC_PATH))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .unwrap_or(Value::Null);
    let old_ids: Vec<(String, Option<String>)> = spec::merge(&old_docs, table)
        .map(|m| {
            m.operations
                .into_iter()
                .map(|r| (r.entry.operation_id.to_owned(), r.upstream_operation_id))
                .collect()
        })
        .unwrap_or_default();

    let mut files = Vec::new();
    let mut changed_ops = Vec::new();
    std::fs::create_dir_all(&upstream)
        .map_err(|e| format!("creating {}: {e}", upstream.display()))?;
    for old in &old_docs {
        if !fetched.iter().any(|f| f.name == old.name) {
            let path = upstream.join(&old.name);
            std::fs::remove_file(&path).map_err(|e| format!("removing {}: {e}", path.display()))?;
            files.push(format!("{}/{} (removed)", crate::UPSTREAM_DIR, old.name));
        }
    }
    for doc in &fetched {
        let path = upstream.join(&doc.name);
        let before = std::fs::read_to_string(&path).ok();
        if before.as_deref() != Some(doc.text.as_str()) {
            std::fs::write(&path, &doc.text)
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
            files.push(format!("{}/{}", crate::UPSTREAM_DIR, doc.name));
            for entry in table.iter().filter(|e| e.document == doc.name) {
                changed_ops.push(format!("{}: {}", entry.operation_id, doc.name));
            }
        }
    }
    let record = source_record(from, date, &merged);
    std::fs::write(upstream.join(SOURCE_FILE), record)
        .map_err(|e| format!("writing {SOURCE_FILE}: {e}"))?;
    for out in outputs {
        let path = root.join(out.path);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(out.text.as_str()) {
            std::fs::write(&path, &out.text)
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
            files.push(out.path.to_owned());
        }
    }

    let operation_ids = merged
        .operations
        .iter()
        .filter_map(|r| {
            let id = r.entry.operation_id;
            let old = old_ids
                .iter()
                .find(|(o, _)| o == id)
                .map(|(_, up)| up.clone());
            match old {
                Some(old) if old != r.upstream_operation_id => Some(format!(
                    "{id}: upstream operationId {} → {}",
                    old.as_deref().unwrap_or("(none)"),
                    r.upstream_operation_id.as_deref().unwrap_or("(none)")
                )),
                _ => None,
            }
        })
        .collect();
    let report = crate::api_diff::compare(&old_merged, &merged.spec);
    Ok(Updated {
        files,
        operations: changed_ops,
        operation_ids,
        notes: merged.notes,
        report,
    })
}

/// The text of [`SOURCE_FILE`]: where the documents came from, when, and
/// which operation each holds.
fn source_record(from: &str, date: &str, merged: &spec::Merged) -> String {
    let mut text = format!(
        "# Where these documents come from\n\n\
         Written by `cargo xtask update --from {from}` on {date}; do not edit the documents\n\
         by hand: run `cargo xtask update` again. The vendor keeps them in its public docs\n\
         repository, `vast-ai/docs`, folder `api-reference/openapi/yaml/`.\n\n\
         | document | operation | upstream path | upstream operationId |\n|---|---|---|---|\n"
    );
    for op in &merged.operations {
        text.push_str(&format!(
            "| {} | {} {} ({}) | `{}` | {} |\n",
            op.document,
            op.entry.method.to_ascii_uppercase(),
            op.entry.path,
            op.entry.operation_id,
            op.upstream_path,
            op.upstream_operation_id.as_deref().unwrap_or("none")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::OPERATIONS;

    fn fixture(dir: &str) -> Vec<Fetched> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(dir);
        fetch(dir.to_str().unwrap(), OPERATIONS).unwrap()
    }

    #[test]
    fn per_endpoint_documents_are_taken_verbatim_and_others_left_out() {
        let source = fixture("vendor");
        assert!(source.iter().any(|f| f.name == "cancel_copy.yaml"));
        let selected = select(&source, OPERATIONS).unwrap();
        let names: Vec<_> = selected.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, operations::documents(OPERATIONS));
        for doc in &selected {
            let original = source.iter().find(|f| f.name == doc.name).unwrap();
            assert_eq!(doc.text, original.text, "{}", doc.name);
        }
    }

    #[test]
    fn an_operation_the_source_lacks_is_named() {
        let source: Vec<_> = fixture("vendor")
            .into_iter()
            .filter(|f| f.name != "cloud_copy.yaml")
            .collect();
        let err = select(&source, OPERATIONS).unwrap_err();
        assert!(
            err.contains(
                "post /api/v0/commands/rclone/ (cloudCopy): the source has no such operation"
            ),
            "{err}"
        );
    }

    #[test]
    fn an_operation_the_source_has_twice_is_named_with_both_documents() {
        let mut source = fixture("vendor");
        let copy = source
            .iter()
            .find(|f| f.name == "copy.yaml")
            .unwrap()
            .clone();
        source.push(Fetched {
            name: "copy-again.yaml".into(),
            text: copy.text,
        });
        let err = select(&source, OPERATIONS).unwrap_err();
        assert!(
            err.contains("put /api/v0/commands/copy_direct/ (copy): the source has it twice"),
            "{err}"
        );
        assert!(
            err.contains("copy-again.yaml") && err.contains("copy.yaml"),
            "{err}"
        );
    }

    #[test]
    fn operations_of_a_combined_document_are_extracted_with_their_components() {
        let combined = Fetched {
            name: "openapi.yaml".into(),
            text: r##"
openapi: 3.1.0
info: {title: Vast.ai API, version: 1.0.0}
paths:
  /api/v0/commands/rclone:
    post: {requestBody: {$ref: '#/components/requestBodies/Cloud'}, responses: {}}
    delete: {responses: {'200': {$ref: '#/components/responses/Ok'}}}
  /api/v0/instances:
    get: {responses: {}}
components:
  requestBodies:
    Cloud: {content: {application/json: {schema: {$ref: '#/components/schemas/CloudBody'}}}}
  responses:
    Ok: {description: ok}
  schemas:
    CloudBody: {type: object}
    Unused: {type: object}
"##
            .into(),
        };
        // Cloud copy and cancel sync: the operations on the combined document's path.
        let table: Vec<Entry> = OPERATIONS[1..3].to_vec();
        let selected = select(&[combined], &table).unwrap();
        let cloud: Value = serde_yaml::from_str(&selected[0].text).unwrap();
        assert_eq!(cloud["openapi"], "3.1.0");
        let methods: Vec<_> = cloud["paths"]["/api/v0/commands/rclone"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(methods, ["post"]);
        assert!(cloud["components"]["requestBodies"]["Cloud"].is_object());
        assert!(cloud["components"]["schemas"]["CloudBody"].is_object());
        assert!(cloud["components"]["schemas"].get("Unused").is_none());
        assert!(cloud["components"].get("responses").is_none());
        let cancel: Value = serde_yaml::from_str(&selected[1].text).unwrap();
        assert!(cancel["components"]["responses"]["Ok"].is_object());
    }
}
