//! The operation walk of `api-diff`: pairs the two documents' operations by
//! method and path and compares their parameters, request bodies and
//! responses (the schemas through [`super::schema::Walk`]).

use super::schema::{Direction, Variance, Walk, classify, escape, object, other_keys, resolve};
use super::{Change, Class, Kind};
use crate::operations::METHODS;
use serde_json::Value;

/// Operation keys compared by their own rule (the rest go through
/// [`other_keys`]).
const OPERATION_KEYS: [&str; 5] = [
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "security",
];

/// Document keys compared at all: the operations are under `paths`; unused
/// components are not compared (see the module docs).
const DOCUMENT_KEYS: [&str; 4] = ["openapi", "info", "servers", "security"];

/// One operation of a document.
#[derive(Debug, Clone, Copy)]
struct Operation<'a> {
    method: &'static str,
    path: &'a str,
    /// The operation object.
    value: &'a Value,
    /// Its path item (for path-level parameters).
    item: &'a Value,
}

impl Operation<'_> {
    fn pointer(&self) -> String {
        format!("/paths/{}/{}", escape(self.path), self.method)
    }

    fn same(&self, other: &Operation<'_>) -> bool {
        self.method == other.method && self.path == other.path
    }

    /// Where its changes go: its `operationId` (or `METHOD path` without
    /// one), method and path.
    fn place(&self) -> Place {
        let method = self.method.to_uppercase();
        let operation_id = match self.value.get("operationId").and_then(Value::as_str) {
            Some(id) => id.to_owned(),
            None => format!("{method} {}", self.path),
        };
        Place {
            operation_id,
            method,
            path: self.path.to_owned(),
        }
    }
}

/// The operations of `doc`, in document order.
fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut found = Vec::new();
    for (path, item) in object(doc.get("paths")) {
        for (key, value) in object(Some(item)) {
            if let Some(method) = METHODS.iter().find(|m| **m == key.as_str()) {
                found.push(Operation {
                    method,
                    path,
                    value,
                    item,
                });
            }
        }
    }
    found
}

/// The operation that changes belong to (all empty for the document).
#[derive(Debug, Default)]
struct Place {
    operation_id: String,
    method: String,
    path: String,
}

impl Place {
    /// Puts `found` (changes from the walks, not yet placed) on this
    /// operation, in `scope`, at the end of `out`.
    fn put(&self, scope: &str, found: Vec<Change>, out: &mut Vec<Change>) {
        out.extend(found.into_iter().map(|c| Change {
            operation_id: self.operation_id.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            scope: scope.to_owned(),
            ..c
        }));
    }
}

/// Every change between `old` and `new`: operation by operation (the old
/// document's order, then the added ones), then the document's own.
pub(super) fn compare(old_doc: &Value, new_doc: &Value) -> Vec<Change> {
    let (old_ops, new_ops) = (operations(old_doc), operations(new_doc));
    let mut changes = Vec::new();
    for old in &old_ops {
        match new_ops.iter().find(|n| n.same(old)) {
            Some(new) => {
                let pair = Pair {
                    old_doc,
                    new_doc,
                    old: *old,
                    new: *new,
                    place: new.place(),
                    changes: Vec::new(),
                };
                changes.extend(pair.compare());
            }
            None => {
                let removed =
                    Change::found(Kind::OperationRemoved, Class::Breaking, "", &old.pointer());
                old.place().put("operation", vec![removed], &mut changes);
            }
        }
    }
    for new in new_ops
        .iter()
        .filter(|n| !old_ops.iter().any(|o| o.same(n)))
    {
        let added = Change::found(Kind::OperationAdded, Class::Compatible, "", &new.pointer());
        new.place().put("operation", vec![added], &mut changes);
    }
    document(old_doc, new_doc, &mut changes);
    changes
}

/// The document-level keywords of [`DOCUMENT_KEYS`] and the security
/// schemes: `info` is documentation, the others are unclassified.
fn document(old: &Value, new: &Value, out: &mut Vec<Change>) {
    let mut found = Vec::new();
    for key in DOCUMENT_KEYS {
        let (o, n) = (old.get(key), new.get(key));
        if o != n {
            let (kind, class) = match key {
                "info" => (Kind::DocsChanged, Class::Docs),
                _ => (Kind::Unclassified, Class::Breaking),
            };
            let change = Change::found(kind, class, "", &format!("/{key}"));
            found.push(change.keyword(key).values(o, n));
        }
    }
    let schemes = "/components/securitySchemes";
    let (o, n) = (old.pointer(schemes), new.pointer(schemes));
    if o != n {
        let change = Change::found(Kind::Unclassified, Class::Breaking, "", schemes);
        found.push(change.keyword("securitySchemes").values(o, n));
    }
    Place::default().put("document", found, out);
}

fn is_required(value: &Value) -> bool {
    value.get("required") == Some(&Value::Bool(true))
}

/// `required` going from `old` to `new`, as `became_required` or
/// `became_optional` (classified as a request: the client sends it).
fn requiredness(
    (old, new): (&Value, &Value),
    (became_required, became_optional): (Kind, Kind),
    pointer: &str,
) -> Option<Change> {
    match (is_required(old), is_required(new)) {
        (false, true) => Some(Change::found(became_required, Class::Breaking, "", pointer)),
        (true, false) => Some(Change::found(
            became_optional,
            Class::Compatible,
            "",
            pointer,
        )),
        _ => None,
    }
}

/// An operation's parameters with the path item's, the operation's taking
/// precedence, keyed by `in` and `name`, with their pointers.
fn parameter_list<'a>(doc: &'a Value, op: &Operation<'a>) -> Vec<(String, &'a Value, String)> {
    let mut list: Vec<(String, &'a Value, String)> = Vec::new();
    let sources = [
        (
            op.item.get("parameters"),
            format!("/paths/{}/parameters", escape(op.path)),
        ),
        (
            op.value.get("parameters"),
            format!("{}/parameters", op.pointer()),
        ),
    ];
    for (params, base) in sources {
        let params = params.and_then(Value::as_array).into_iter().flatten();
        for (i, param) in params.enumerate() {
            let (param, pointer, _) = resolve(doc, param, format!("{base}/{i}"));
            let text = |key: &str| param.get(key).and_then(Value::as_str).unwrap_or("?");
            let key = format!("{} {}", text("in"), text("name"));
            list.retain(|(k, _, _)| *k != key);
            list.push((key, param, pointer));
        }
    }
    list
}

/// Two operations found at the same method and path, and the changes
/// found between them so far.
#[derive(Debug)]
struct Pair<'a> {
    old_doc: &'a Value,
    new_doc: &'a Value,
    old: Operation<'a>,
    new: Operation<'a>,
    place: Place,
    changes: Vec<Change>,
}

impl<'a> Pair<'a> {
    /// Compares the operations (no shortcut on equal operation objects:
    /// the schemas they refer to may differ).
    fn compare(mut self) -> Vec<Change> {
        let (o, n) = (object(Some(self.old.value)), object(Some(self.new.value)));
        let pointer = self.new.pointer();
        let mut own = Vec::new();
        let (old_id, new_id) = (o.get("operationId"), n.get("operationId"));
        if old_id != new_id {
            // The generated method is named after it.
            let change = Change::found(Kind::OperationIdChanged, Class::Breaking, "", &pointer);
            own.push(change.values(old_id, new_id));
        }
        own.extend(other_keys(o, n, &OPERATION_KEYS, "", &pointer));
        // What a client must send: the operation's own `security`, else the
        // document's. Moving a requirement between the two changes nothing;
        // a change of the document's alone is reported once, as a document
        // change.
        let own_security = |op: &'a Value| op.get("security");
        let effective = |op: &'a Value, doc: &'a Value| own_security(op).or(doc.get("security"));
        let (old_security, new_security) = (
            effective(self.old.value, self.old_doc),
            effective(self.new.value, self.new_doc),
        );
        let has_own =
            own_security(self.old.value).is_some() || own_security(self.new.value).is_some();
        if has_own && old_security != new_security {
            let change = Change::found(Kind::Unclassified, Class::Breaking, "", &pointer);
            own.push(
                change
                    .keyword("security")
                    .values(old_security, new_security),
            );
        }
        self.emit("operation", own);
        self.parameters();
        self.request_body();
        self.responses();
        self.changes
    }

    fn emit(&mut self, scope: &str, found: Vec<Change>) {
        self.place.put(scope, found, &mut self.changes);
    }

    /// The schema walk of `old` and `new`, travelling `direction`.
    fn walk(
        &self,
        direction: Direction,
        old: (&'a Value, String),
        new: (&'a Value, String),
    ) -> Vec<Change> {
        let mut walk = Walk::new(self.old_doc, self.new_doc, direction);
        walk.schema(old, new, "");
        walk.found
    }

    /// Parameters added, removed, made required or optional, and each
    /// common parameter's schema (as a request).
    fn parameters(&mut self) {
        let old_params = parameter_list(self.old_doc, &self.old);
        let new_params = parameter_list(self.new_doc, &self.new);
        for (key, o, old_pointer) in &old_params {
            let scope = format!("parameter {key}");
            let Some((_, n, new_pointer)) = new_params.iter().find(|(k, _, _)| k == key) else {
                let removed =
                    Change::found(Kind::ParameterRemoved, Class::Breaking, "", old_pointer);
                self.emit(&scope, vec![removed]);
                continue;
            };
            let kinds = (Kind::ParameterBecameRequired, Kind::ParameterBecameOptional);
            let mut own: Vec<Change> = requiredness((o, n), kinds, new_pointer)
                .into_iter()
                .collect();
            let handled = ["required", "schema"];
            own.extend(other_keys(
                object(Some(o)),
                object(Some(n)),
                &handled,
                "",
                new_pointer,
            ));
            match (o.get("schema"), n.get("schema")) {
                (Some(os), Some(ns)) => own.extend(self.walk(
                    Direction::Request,
                    (os, format!("{old_pointer}/schema")),
                    (ns, format!("{new_pointer}/schema")),
                )),
                (None, None) => {}
                (os, ns) => {
                    let change =
                        Change::found(Kind::Unclassified, Class::Breaking, "", new_pointer);
                    own.push(change.keyword("schema").values(os, ns));
                }
            }
            self.emit(&scope, own);
        }
        for (key, n, pointer) in &new_params {
            if old_params.iter().any(|(k, _, _)| k == key) {
                continue;
            }
            let (kind, class) = if is_required(n) {
                (Kind::RequiredParameterAdded, Class::Breaking)
            } else {
                (Kind::ParameterAdded, Class::Compatible)
            };
            let added = Change::found(kind, class, "", pointer).values(None, Some(n));
            self.emit(&format!("parameter {key}"), vec![added]);
        }
    }

    /// The request body: added, removed, made required or optional, its
    /// content (as a request).
    fn request_body(&mut self) {
        let scope = "request body";
        let old_pointer = format!("{}/requestBody", self.old.pointer());
        let new_pointer = format!("{}/requestBody", self.new.pointer());
        let (o, n) = match (
            self.old.value.get("requestBody"),
            self.new.value.get("requestBody"),
        ) {
            (None, None) => return,
            (Some(_), None) => {
                // The client sends a body the server does not document.
                let removed =
                    Change::found(Kind::RequestBodyRemoved, Class::Breaking, "", &old_pointer);
                return self.emit(scope, vec![removed]);
            }
            (None, Some(n)) => {
                let (n, pointer, _) = resolve(self.new_doc, n, new_pointer);
                let (kind, class) = if is_required(n) {
                    (Kind::RequiredRequestBodyAdded, Class::Breaking)
                } else {
                    (Kind::RequestBodyAdded, Class::Compatible)
                };
                return self.emit(scope, vec![Change::found(kind, class, "", &pointer)]);
            }
            (Some(o), Some(n)) => (o, n),
        };
        let (o, old_pointer, _) = resolve(self.old_doc, o, old_pointer);
        let (n, new_pointer, _) = resolve(self.new_doc, n, new_pointer);
        let kinds = (
            Kind::RequestBodyBecameRequired,
            Kind::RequestBodyBecameOptional,
        );
        let mut own: Vec<Change> = requiredness((o, n), kinds, &new_pointer)
            .into_iter()
            .collect();
        let handled = ["required", "content"];
        own.extend(other_keys(
            object(Some(o)),
            object(Some(n)),
            &handled,
            "",
            &new_pointer,
        ));
        self.emit(scope, own);
        self.content(
            Direction::Request,
            scope,
            (o, &old_pointer),
            (n, &new_pointer),
        );
    }

    /// Responses: statuses added or removed, and each common status's
    /// description and content (as a response).
    fn responses(&mut self) {
        let o = object(self.old.value.get("responses"));
        let n = object(self.new.value.get("responses"));
        for (status, old_response) in o {
            let scope = format!("response {status}");
            let old_pointer = format!("{}/responses/{}", self.old.pointer(), escape(status));
            let Some(new_response) = n.get(status) else {
                // Fewer error answers are fewer cases to handle; a success
                // answer the client decodes is gone.
                let class = if status.starts_with('2') {
                    Class::Breaking
                } else {
                    Class::Compatible
                };
                let removed = Change::found(Kind::StatusRemoved, class, "", &old_pointer)
                    .values(Some(&Value::from(status.as_str())), None);
                self.emit(&scope, vec![removed]);
                continue;
            };
            let new_pointer = format!("{}/responses/{}", self.new.pointer(), escape(status));
            let (o, old_pointer, _) = resolve(self.old_doc, old_response, old_pointer);
            let (n, new_pointer, _) = resolve(self.new_doc, new_response, new_pointer);
            let own = other_keys(
                object(Some(o)),
                object(Some(n)),
                &["content"],
                "",
                &new_pointer,
            );
            self.emit(&scope, own);
            self.content(
                Direction::Response,
                &scope,
                (o, &old_pointer),
                (n, &new_pointer),
            );
        }
        for status in n.keys().filter(|s| !o.contains_key(*s)) {
            let pointer = format!("{}/responses/{}", self.new.pointer(), escape(status));
            let added = Change::found(Kind::StatusAdded, Class::Compatible, "", &pointer)
                .values(None, Some(&Value::from(status.as_str())));
            self.emit(&format!("response {status}"), vec![added]);
        }
    }

    /// The `content` of a request body or a response: media types added or
    /// removed, and each common one's schema and examples. The scope names
    /// the media type when it is not JSON.
    fn content(
        &mut self,
        direction: Direction,
        scope: &str,
        (old, old_pointer): (&'a Value, &str),
        (new, new_pointer): (&'a Value, &str),
    ) {
        let (o, n) = (object(old.get("content")), object(new.get("content")));
        let scope = |media: &str| match media {
            "application/json" => scope.to_owned(),
            other => format!("{scope} ({other})"),
        };
        for (media, old_media) in o {
            let old_at = format!("{old_pointer}/content/{}", escape(media));
            let Some(new_media) = n.get(media) else {
                // The client sends, or decodes, this media type.
                let removed = Change::found(Kind::MediaTypeRemoved, Class::Breaking, "", &old_at)
                    .values(Some(&Value::from(media.as_str())), None);
                self.emit(&scope(media), vec![removed]);
                continue;
            };
            let new_at = format!("{new_pointer}/content/{}", escape(media));
            let (om, nm) = (object(Some(old_media)), object(Some(new_media)));
            let mut own = other_keys(om, nm, &["schema"], "", &new_at);
            match (old_media.get("schema"), new_media.get("schema")) {
                (Some(os), Some(ns)) => own.extend(self.walk(
                    direction,
                    (os, format!("{old_at}/schema")),
                    (ns, format!("{new_at}/schema")),
                )),
                (None, None) => {}
                (os, ns) => {
                    // No schema allows anything.
                    let variance = if os.is_none() {
                        Variance::Narrower
                    } else {
                        Variance::Wider
                    };
                    let class = classify(direction, variance);
                    let change = Change::found(Kind::Unclassified, class, "", &new_at);
                    own.push(change.keyword("schema").values(os, ns));
                }
            }
            self.emit(&scope(media), own);
        }
        for media in n.keys().filter(|m| !o.contains_key(*m)) {
            let at = format!("{new_pointer}/content/{}", escape(media));
            let added = Change::found(Kind::MediaTypeAdded, Class::Compatible, "", &at)
                .values(None, Some(&Value::from(media.as_str())));
            self.emit(&scope(media), vec![added]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A one-operation document: `POST /things` with `op`'s keys.
    fn doc(op: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
               "paths": {"/things": {"post": op}}})
    }

    /// (scope, field, kind, class) of each change from `old` to `new`.
    fn diff(old: Value, new: Value) -> Vec<(String, String, Kind, Class)> {
        compare(&old, &new)
            .into_iter()
            .map(|c| (c.scope, c.field, c.kind, c.class))
            .collect()
    }

    fn row(scope: &str, kind: Kind, class: Class) -> (String, String, Kind, Class) {
        (scope.to_owned(), String::new(), kind, class)
    }

    fn ok() -> Value {
        json!({"200": {"description": "ok"}})
    }

    #[test]
    fn an_operation_removed_breaks_and_one_added_is_compatible() {
        let one = doc(json!({"operationId": "a", "responses": ok()}));
        let none = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}});
        let removed = compare(&one, &none);
        assert_eq!(removed.len(), 1);
        assert_eq!(
            (
                removed[0].kind,
                removed[0].class,
                removed[0].operation_id.as_str()
            ),
            (Kind::OperationRemoved, Class::Breaking, "a")
        );
        assert_eq!(removed[0].pointer, "/paths/~1things/post");
        assert_eq!(
            diff(none, one),
            [row("operation", Kind::OperationAdded, Class::Compatible)]
        );
    }

    #[test]
    fn a_renamed_operation_id_breaks_and_a_summary_is_docs() {
        let old = doc(json!({"operationId": "a", "summary": "x", "responses": ok()}));
        let new = doc(json!({"operationId": "b", "summary": "y", "responses": ok()}));
        assert_eq!(
            diff(old, new),
            [
                row("operation", Kind::OperationIdChanged, Class::Breaking),
                row("operation", Kind::DocsChanged, Class::Docs)
            ]
        );
    }

    #[test]
    fn a_success_status_removed_breaks_an_error_status_removed_does_not() {
        let old =
            doc(json!({"responses": {"200": {"description": "ok"}, "404": {"description": "no"}}}));
        let new = doc(json!({"responses": {"201": {"description": "ok"}}}));
        assert_eq!(
            diff(old, new),
            [
                row("response 200", Kind::StatusRemoved, Class::Breaking),
                row("response 404", Kind::StatusRemoved, Class::Compatible),
                row("response 201", Kind::StatusAdded, Class::Compatible),
            ]
        );
    }

    #[test]
    fn a_request_body_added_breaks_when_required_and_removed_always_breaks() {
        let without = doc(json!({"responses": ok()}));
        let optional = doc(json!({"requestBody": {"content": {}}, "responses": ok()}));
        let required =
            doc(json!({"requestBody": {"required": true, "content": {}}, "responses": ok()}));
        assert_eq!(
            diff(without.clone(), optional.clone()),
            [row(
                "request body",
                Kind::RequestBodyAdded,
                Class::Compatible
            )]
        );
        assert_eq!(
            diff(without.clone(), required.clone()),
            [row(
                "request body",
                Kind::RequiredRequestBodyAdded,
                Class::Breaking
            )]
        );
        assert_eq!(
            diff(optional.clone(), required.clone()),
            [row(
                "request body",
                Kind::RequestBodyBecameRequired,
                Class::Breaking
            )]
        );
        assert_eq!(
            diff(required, optional.clone()),
            [row(
                "request body",
                Kind::RequestBodyBecameOptional,
                Class::Compatible
            )]
        );
        assert_eq!(
            diff(optional, without),
            [row(
                "request body",
                Kind::RequestBodyRemoved,
                Class::Breaking
            )]
        );
    }

    #[test]
    fn a_media_type_removed_breaks_and_one_added_is_compatible_and_named() {
        let json_only = doc(json!({"responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"type": "object"}}}}}}));
        let text_only = doc(json!({"responses": {"200": {"description": "ok",
            "content": {"text/plain": {"schema": {"type": "string"}}}}}}));
        assert_eq!(
            diff(json_only, text_only),
            [
                row("response 200", Kind::MediaTypeRemoved, Class::Breaking),
                row(
                    "response 200 (text/plain)",
                    Kind::MediaTypeAdded,
                    Class::Compatible
                ),
            ]
        );
    }

    #[test]
    fn parameters_follow_the_request_rules_and_path_level_ones_count() {
        let param = |required: bool| json!({"name": "limit", "in": "query", "required": required, "schema": {"type": "integer"}});
        let without = doc(json!({"responses": ok()}));
        let optional = doc(json!({"parameters": [param(false)], "responses": ok()}));
        let required = doc(json!({"parameters": [param(true)], "responses": ok()}));
        let scope = "parameter query limit";
        assert_eq!(
            diff(without.clone(), optional.clone()),
            [row(scope, Kind::ParameterAdded, Class::Compatible)]
        );
        assert_eq!(
            diff(without.clone(), required.clone()),
            [row(scope, Kind::RequiredParameterAdded, Class::Breaking)]
        );
        assert_eq!(
            diff(optional.clone(), required),
            [row(scope, Kind::ParameterBecameRequired, Class::Breaking)]
        );
        assert_eq!(
            diff(optional.clone(), without),
            [row(scope, Kind::ParameterRemoved, Class::Breaking)]
        );
        // The same parameter moved to the path item is no change.
        let mut moved = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/things": {"parameters": [param(false)], "post": {"responses": ok()}}}});
        assert!(diff(optional.clone(), moved.clone()).is_empty());
        moved["paths"]["/things"]["parameters"][0]["schema"]["format"] = json!("int32");
        assert_eq!(
            diff(optional, moved),
            [row(scope, Kind::FormatChanged, Class::Breaking)]
        );
    }

    #[test]
    fn a_shared_schema_is_reported_under_each_operation_that_uses_it() {
        let body = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/E"}}}});
        let spec = |props: Value| {
            json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"operationId": "a", "responses": {"400": body}}},
                      "/b": {"get": {"operationId": "b", "responses": {"400": body}}}},
            "components": {"schemas": {"E": {"type": "object", "properties": props}}}})
        };
        let changes = compare(&spec(json!({"msg": {"type": "string"}})), &spec(json!({})));
        let found: Vec<_> = changes
            .iter()
            .map(|c| {
                (
                    c.operation_id.as_str(),
                    c.scope.as_str(),
                    c.field.as_str(),
                    c.kind,
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("a", "response 400", ".msg", Kind::PropertyRemoved),
                ("b", "response 400", ".msg", Kind::PropertyRemoved)
            ]
        );
        assert_eq!(changes[0].pointer, "/components/schemas/E/properties/msg");
    }

    #[test]
    fn document_level_changes_are_reported_once_under_no_operation() {
        let old = doc(json!({"responses": ok()}));
        let mut new = old.clone();
        new["info"]["description"] = json!("more words");
        new["security"] = json!([{"BearerAuth": []}]);
        let changes = compare(&old, &new);
        let found: Vec<_> = changes
            .iter()
            .map(|c| {
                (
                    c.scope.as_str(),
                    c.keyword.as_deref(),
                    c.class,
                    c.operation_id.as_str(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("document", Some("info"), Class::Docs, ""),
                ("document", Some("security"), Class::Breaking, "")
            ]
        );
    }

    #[test]
    fn security_moved_between_operation_and_document_is_no_change_and_a_new_scheme_is() {
        let bearer = json!([{"BearerAuth": []}]);
        let mut old = doc(json!({"responses": ok(), "security": bearer}));
        old["security"] = bearer.clone();
        let mut new = doc(json!({"responses": ok()}));
        new["security"] = bearer;
        assert!(compare(&old, &new).is_empty());
        let mut other = new.clone();
        other["paths"]["/things"]["post"]["security"] = json!([{"apiKeyAuth": []}]);
        let changes = compare(&new, &other);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            (changes[0].keyword.as_deref(), changes[0].class),
            (Some("security"), Class::Breaking)
        );
    }
}
