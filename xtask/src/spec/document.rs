//! One vendor document as the merge reads it: its version, its operations keyed by method and path, its components, and JSON pointers into it.

use crate::operations::METHODS;
use serde_json::Value;

/// A parsed upstream document and the name it is known by (its file name).
#[derive(Clone, Debug)]
pub struct Document {
    /// The file name (`copy.yaml`), or what the source was called.
    pub name: String,
    /// The parsed document.
    pub value: Value,
}

/// One operation of a document.
#[derive(Clone, Debug)]
pub struct Found<'a> {
    /// The document it is in.
    pub document: &'a Document,
    /// The path as the document spells it (with or without its trailing slash).
    pub path: &'a str,
    /// The method, lower case.
    pub method: &'a str,
    /// The operation object.
    pub operation: &'a Value,
}

impl Found<'_> {
    /// Where the operation is in its document, as a JSON pointer.
    pub fn pointer(&self) -> String {
        pointer(&["paths", self.path, self.method])
    }
}

/// A path as the operation table and the wire know it: the trailing slash
/// is not part of an operation's identity (the vendor's combined document
/// strips it, its per-endpoint documents keep it).
pub fn same_path(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// A JSON pointer (`#/a/b`) made of unescaped tokens (RFC 6901: `~` is
/// written `~0`, `/` is written `~1`).
pub fn pointer(tokens: &[&str]) -> String {
    let mut out = String::from("#");
    for token in tokens {
        out.push('/');
        out.push_str(&escape(token));
    }
    out
}

/// One token of a JSON pointer, escaped.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

impl Document {
    /// Parses a document's text: YAML or JSON (JSON is YAML). A text that is
    /// neither is refused with the parser's position in the named file.
    pub fn parse(name: &str, text: &str) -> Result<Document, String> {
        let value: Value =
            serde_yaml::from_str(text).map_err(|e| format!("{name}: not YAML or JSON: {e}"))?;
        Ok(Document {
            name: name.to_owned(),
            value,
        })
    }

    /// The document's `openapi` version, checked: 3.0.x and 3.1.x are read.
    pub fn check_version(&self) -> Result<&str, String> {
        let version = self.value.get("openapi").and_then(Value::as_str);
        match version {
            Some(v) if v.starts_with("3.0.") || v.starts_with("3.1.") => Ok(v),
            _ => Err(format!(
                "{}, at #/openapi: expected an OpenAPI 3.0.x or 3.1.x document, found {}; \
                 convert it (Swagger 2.0 documents are not read)",
                self.name,
                self.value
                    .get("openapi")
                    .or(self.value.get("swagger"))
                    .map_or_else(|| "no `openapi` field".to_owned(), Value::to_string)
            )),
        }
    }

    /// Every operation of the document, in document order. A `paths` that is
    /// not an object, or a path item that is not one, is refused.
    pub fn operations(&self) -> Result<Vec<Found<'_>>, String> {
        let Some(paths) = self.value.get("paths") else {
            return Ok(Vec::new());
        };
        let paths = paths
            .as_object()
            .ok_or_else(|| format!("{}, at #/paths: `paths` is not an object", self.name))?;
        let mut found = Vec::new();
        for (path, item) in paths {
            let item = item.as_object().ok_or_else(|| {
                format!(
                    "{}, at {}: a path item must be an object",
                    self.name,
                    pointer(&["paths", path])
                )
            })?;
            if item.contains_key("$ref") {
                return Err(format!(
                    "{}, at {}: a path item given by `$ref` is not supported; write it out",
                    self.name,
                    pointer(&["paths", path, "$ref"])
                ));
            }
            for (method, operation) in item {
                if !METHODS.contains(&method.as_str()) {
                    continue;
                }
                if !operation.is_object() {
                    return Err(format!(
                        "{}, {method} {path}, at {}: the operation is not an object",
                        self.name,
                        pointer(&["paths", path, method])
                    ));
                }
                found.push(Found {
                    document: self,
                    path,
                    method,
                    operation,
                });
            }
        }
        Ok(found)
    }

    /// The path item's own `parameters` (they apply to each of its
    /// operations), if any.
    pub fn path_parameters(&self, path: &str) -> Option<&Value> {
        self.value.get("paths")?.get(path)?.get("parameters")
    }

    /// What a local reference (`#/components/schemas/Error`) points at in
    /// this document, with the component's kind and name. A reference to
    /// another file or URL is refused.
    pub fn component<'a>(&'a self, reference: &'a str) -> Result<Component<'a>, String> {
        let Some(rest) = reference.strip_prefix("#/components/") else {
            return Err(format!(
                "`$ref: {reference}` is not a reference into this document's \
                 `components`; only local references are read (inline the target)"
            ));
        };
        let (kind, name) = rest
            .split_once('/')
            .ok_or_else(|| format!("`$ref: {reference}` names no component"))?;
        let unescaped = name.replace("~1", "/").replace("~0", "~");
        let value = self
            .value
            .get("components")
            .and_then(|c| c.get(kind))
            .and_then(|c| c.get(&unescaped))
            .ok_or_else(|| {
                format!("`$ref: {reference}` points at nothing: the document has no such component")
            })?;
        Ok(Component {
            kind,
            name: unescaped,
            value,
        })
    }
}

/// A component a local reference points at.
#[derive(Clone, Debug)]
pub struct Component<'a> {
    /// `schemas`, `responses`, `requestBodies`, `parameters`, …
    pub kind: &'a str,
    /// The component's name.
    pub name: String,
    /// The component.
    pub value: &'a Value,
}

/// The `$ref` of a value that is a reference object (`{"$ref": "…"}`).
pub fn reference_of(value: &Value) -> Option<&str> {
    value.get("$ref").and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        Document::parse("d.yaml", text).unwrap()
    }

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        assert_eq!(
            pointer(&["paths", "/api/v0/x~y/", "put"]),
            "#/paths/~1api~1v0~1x~0y~1/put"
        );
    }

    #[test]
    fn paths_match_with_or_without_their_trailing_slash() {
        assert!(same_path(
            "/api/v0/commands/rclone/",
            "/api/v0/commands/rclone"
        ));
        assert!(same_path("/a", "/a"));
        assert!(!same_path("/a/", "/b/"));
    }

    #[test]
    fn versions_30_and_31_are_read_and_others_refused() {
        assert_eq!(doc("openapi: 3.0.0").check_version(), Ok("3.0.0"));
        assert_eq!(doc("openapi: 3.1.0").check_version(), Ok("3.1.0"));
        let err = doc("swagger: '2.0'").check_version().unwrap_err();
        assert!(
            err.contains("d.yaml, at #/openapi") && err.contains("2.0"),
            "{err}"
        );
        let err = doc("openapi: 3.0").check_version().unwrap_err();
        assert!(err.contains("found 3.0"), "{err}");
    }

    #[test]
    fn operations_are_the_method_keys_of_each_path_item() {
        let d = doc("paths:\n  /a/:\n    parameters: []\n    put: {}\n    delete: {}\n");
        let ops: Vec<_> = d
            .operations()
            .unwrap()
            .iter()
            .map(|f| (f.method.to_owned(), f.path.to_owned(), f.pointer()))
            .collect();
        assert_eq!(
            ops,
            [
                ("put".into(), "/a/".into(), "#/paths/~1a~1/put".into()),
                ("delete".into(), "/a/".into(), "#/paths/~1a~1/delete".into())
            ]
        );
        let err = doc("paths: []").operations().unwrap_err();
        assert!(err.contains("#/paths"), "{err}");
        let err = doc("paths:\n  /a: 3\n").operations().unwrap_err();
        assert!(err.contains("#/paths/~1a"), "{err}");
        let err = doc("paths:\n  /a:\n    put: 3\n").operations().unwrap_err();
        assert!(err.contains("put /a, at #/paths/~1a/put"), "{err}");
    }

    #[test]
    fn local_references_resolve_and_others_are_refused() {
        let d = doc("components:\n  schemas:\n    Error: {type: object}\n");
        let c = d.component("#/components/schemas/Error").unwrap();
        assert_eq!((c.kind, c.name.as_str()), ("schemas", "Error"));
        assert!(
            d.component("#/components/schemas/Missing")
                .unwrap_err()
                .contains("points at nothing")
        );
        assert!(
            d.component("other.yaml#/components/schemas/Error")
                .unwrap_err()
                .contains("only local references")
        );
    }
}
