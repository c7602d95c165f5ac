//! The reviewed table of operations: the one place where an operation of the
//! API is described by hand, with what a reviewer must decide and the
//! vendor's documents cannot say.
//!
//! An entry holds: the upstream document it comes from, its method and path
//! (the identity on the wire, by which the merge finds it upstream), the
//! `operationId` the SDK gives it (whatever upstream calls it, or if it
//! calls it nothing), an idempotency override, the request fields that name
//! an instance, and the schema names it wants to pin. Everything else
//! follows the spec: a status added or dropped, a property added, dropped
//! or made optional, needs no edit here (see [`crate::spec`] for how the
//! unpinned bodies are named).
//!
//! Everything else is derived from the table: the list of upstream
//! documents ([`documents`], which `cargo xtask update` writes), the
//! fix-ups the merge applies ([`crate::spec`]), the `x-vast-instance-fields`
//! extension of the merged spec, and the generated
//! `vast-api/src/operations.rs` (the workspace's one `Operation` type and
//! its const table of facts, [`crate::codegen::operations`]). Adding an
//! operation of the API is one upstream document plus one [`Entry`] here.
//!
//! The merge and the generator take a table as a parameter; [`OPERATIONS`]
//! is the repository's.

/// One operation of the API, as the table describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The upstream document (a file of `openapi/upstream/`, named as the
    /// vendor names it in `api-reference/openapi/yaml/`) that defines it.
    pub document: &'static str,
    /// HTTP method, lower case as in OpenAPI.
    pub method: &'static str,
    /// The path sent on the wire, trailing slash included. Upstream, the
    /// operation is found by method and this path with or without its
    /// trailing slash (the vendor's combined document strips it).
    pub path: &'static str,
    /// The `operationId` the operation is given, whatever upstream calls
    /// it: lowerCamelCase ASCII, so that the generated method
    /// (`cloud_copy`), `Operation` variant (`CloudCopy`) and human name
    /// (`cloud copy`) all follow from it.
    pub operation_id: &'static str,
    /// The name pinned for the request body's schema; `None`: the
    /// referenced component's name, else `{Variant}Request`.
    pub request: Option<&'static str>,
    /// Names pinned for response bodies, by status code. A status not
    /// listed is named by the spec (the referenced component's name, else
    /// `{Variant}Response` for 200, `{Variant}{status}Response`); a listed
    /// status the document no longer declares is a note, not an error. Pin
    /// the names hand-written code uses, so that a vendor renaming a
    /// component does not rename a type under it.
    pub responses: &'static [(&'static str, &'static str)],
    /// Whether repeating the request has the same effect as sending it once,
    /// when that is not what the method says: `None` follows the method
    /// (RFC 9110 §9.2.2: GET, HEAD, OPTIONS, TRACE, PUT and DELETE are
    /// idempotent, POST and PATCH are not).
    pub idempotent: Option<bool>,
    /// The request body fields whose value names an instance (the mock
    /// answers `no_such_instance` for an id it does not know). Each must be a
    /// property of the request schema.
    pub instance_fields: &'static [&'static str],
}

/// The repository's table of operations, in the order the generated
/// `Operation` lists them.
///
/// operationIds follow the official CLI's commands (`vastai copy`, `vastai cloud
/// copy`, `vastai cancel sync`), so progenitor's methods read `copy`,
/// `cloud_copy` and `cancel_sync`, the same verbs the ext crate and the `vast`
/// tool use. (Upstream calls copy `initiateRemoteRsync` and names the others
/// not at all; nothing on the wire depends on it.) Every body whose type
/// `vast-api-ext` names is pinned.
pub const OPERATIONS: &[Entry] = &[
    Entry {
        document: "copy.yaml",
        method: "put",
        path: "/api/v0/commands/copy_direct/",
        operation_id: "copy",
        request: Some("CopyRequest"),
        responses: &[
            ("200", "CopyResponse"),
            ("400", "ApiError"),
            ("404", "ApiError"),
        ],
        idempotent: None,
        instance_fields: &["src_id", "dst_id"],
    },
    Entry {
        document: "cloud_copy.yaml",
        method: "post",
        path: "/api/v0/commands/rclone/",
        operation_id: "cloudCopy",
        request: Some("CloudCopyRequest"),
        // Upstream's 400 for cloud copy has no `error` field: it keeps its own schema.
        responses: &[("200", "CloudCopyResponse"), ("400", "CloudCopyError")],
        // POST: starting a transfer twice starts two transfers.
        idempotent: None,
        instance_fields: &["instance_id"],
    },
    Entry {
        document: "cancel_sync.yaml",
        method: "delete",
        path: "/api/v0/commands/rclone/",
        operation_id: "cancelSync",
        request: Some("CancelSyncRequest"),
        responses: &[
            ("200", "CancelSyncResponse"),
            ("400", "ApiError"),
            ("404", "ApiError"),
        ],
        idempotent: None,
        instance_fields: &["dst_id"],
    },
    Entry {
        document: "cancel_copy.yaml",
        method: "delete",
        path: "/api/v0/commands/copy_direct/",
        operation_id: "cancelCopy",
        request: Some("CancelCopyRequest"),
        responses: &[
            ("200", "CancelCopyResponse"),
            ("400", "ApiError"),
            ("404", "ApiError"),
        ],
        idempotent: None,
        instance_fields: &["dst_id"],
    },
];

/// The HTTP methods OpenAPI names, lower case.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

impl Entry {
    /// Whether the operation is idempotent: the table's override, else what
    /// RFC 9110 §9.2.2 says of its method.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent.unwrap_or(matches!(
            self.method,
            "get" | "head" | "options" | "trace" | "put" | "delete"
        ))
    }

    /// The generated `Operation` variant: the operationId in UpperCamelCase.
    pub fn variant(&self) -> String {
        let mut chars = self.operation_id.chars();
        chars
            .next()
            .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    }

    /// The human name: the operationId split into lower-case words (`cloud copy`).
    pub fn name(&self) -> String {
        let mut name = String::new();
        for c in self.operation_id.chars() {
            if c.is_ascii_uppercase() {
                name.push(' ');
            }
            name.push(c.to_ascii_lowercase());
        }
        name
    }

    /// The schema name the table pins for the response with this status, if any.
    pub fn pin(&self, status: &str) -> Option<&'static str> {
        self.responses
            .iter()
            .find(|(s, _)| *s == status)
            .map(|(_, name)| *name)
    }

    /// `put /path (operationId)`, for messages.
    fn here(&self) -> String {
        format!("{} {} ({})", self.method, self.path, self.operation_id)
    }
}

/// The upstream documents a table names, in the order of their first entry.
pub fn documents(table: &[Entry]) -> Vec<&'static str> {
    let mut names = Vec::new();
    for entry in table {
        if !names.contains(&entry.document) {
            names.push(entry.document);
        }
    }
    names
}

/// Checks what can be checked of a table without the upstream documents:
/// at least one entry; operationIds are lowerCamelCase ASCII and distinct
/// (so variants and names are distinct); each method and path is
/// well-formed and each (method, path) appears once; statuses are numbers,
/// each given once; instance fields are given once each.
pub fn validate(table: &[Entry]) -> Result<(), String> {
    if table.is_empty() {
        return Err("the operation table is empty".into());
    }
    for (i, entry) in table.iter().enumerate() {
        let here = entry.here();
        let id = entry.operation_id;
        let lower_camel = id.starts_with(|c: char| c.is_ascii_lowercase())
            && id.chars().all(|c| c.is_ascii_alphanumeric());
        if !lower_camel {
            return Err(format!("{here}: operationId must be lowerCamelCase ASCII"));
        }
        if !METHODS.contains(&entry.method) {
            return Err(format!("{here}: method must be a lower-case HTTP method"));
        }
        if !entry.path.starts_with('/') {
            return Err(format!("{here}: path must start with /"));
        }
        for other in &table[..i] {
            if other.operation_id == id {
                return Err(format!("{here}: operationId is given twice"));
            }
            if (other.method, other.path) == (entry.method, entry.path) {
                return Err(format!(
                    "{here}: {} {} has two entries",
                    entry.method, entry.path
                ));
            }
        }
        for (j, (status, _)) in entry.responses.iter().enumerate() {
            if status.parse::<u16>().is_err() {
                return Err(format!("{here}: response {status:?} is not a status code"));
            }
            if entry.responses[..j].iter().any(|(s, _)| s == status) {
                return Err(format!("{here}: response {status} is given twice"));
            }
        }
        for (j, field) in entry.instance_fields.iter().enumerate() {
            if entry.instance_fields[..j].contains(field) {
                return Err(format!("{here}: instance field {field} is given twice"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: Entry = OPERATIONS[1];

    #[test]
    fn the_repository_table_is_valid() {
        validate(OPERATIONS).unwrap();
        assert_eq!(
            documents(OPERATIONS),
            [
                "copy.yaml",
                "cloud_copy.yaml",
                "cancel_sync.yaml",
                "cancel_copy.yaml"
            ]
        );
    }

    #[test]
    fn names_and_variants_follow_the_operation_id() {
        assert_eq!(ENTRY.variant(), "CloudCopy");
        assert_eq!(ENTRY.name(), "cloud copy");
        let copy = OPERATIONS[0];
        assert_eq!(
            (copy.variant().as_str(), copy.name().as_str()),
            ("Copy", "copy")
        );
    }

    #[test]
    fn idempotency_follows_the_method_unless_overridden() {
        let idempotent = |method, idempotent| {
            Entry {
                method,
                idempotent,
                ..ENTRY
            }
            .is_idempotent()
        };
        assert!(!idempotent("post", None));
        assert!(!idempotent("patch", None));
        assert!(idempotent("put", None));
        assert!(idempotent("delete", None));
        assert!(idempotent("get", None));
        assert!(idempotent("post", Some(true)));
        assert!(!idempotent("put", Some(false)));
    }

    #[test]
    fn a_bad_table_is_refused() {
        let refused = |table: &[Entry], needle: &str| {
            let err = validate(table).unwrap_err();
            assert!(err.contains(needle), "{err}");
        };
        refused(&[], "empty");
        refused(
            &[Entry {
                operation_id: "CloudCopy",
                ..ENTRY
            }],
            "lowerCamelCase",
        );
        refused(
            &[Entry {
                operation_id: "cloud_copy",
                ..ENTRY
            }],
            "lowerCamelCase",
        );
        refused(
            &[Entry {
                method: "POST",
                ..ENTRY
            }],
            "lower-case HTTP method",
        );
        refused(
            &[
                ENTRY,
                Entry {
                    method: "put",
                    ..ENTRY
                },
            ],
            "operationId is given twice",
        );
        refused(
            &[
                ENTRY,
                Entry {
                    operation_id: "other",
                    ..ENTRY
                },
            ],
            "has two entries",
        );
        refused(
            &[Entry {
                responses: &[("2XX", "X")],
                ..ENTRY
            }],
            "not a status code",
        );
        refused(
            &[Entry {
                instance_fields: &["a", "a"],
                ..ENTRY
            }],
            "given twice",
        );
    }
}
