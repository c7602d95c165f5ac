//! The bodies of a merged operation: naming each request and response body
//! (the table's pin, the referenced component's name, or a derived one),
//! moving it into `components/schemas`, the one-success-type and
//! one-error-type rule, and the instance fields' check.

use super::*;

/// The JSON bodies of a prepared operation: (media type, the table's pin,
/// status (`None` for the request)).
pub(super) fn bodies<'a>(
    entry: &'a Entry,
    op: &'a Value,
) -> Vec<(&'a Value, Option<&'a str>, Option<&'a str>)> {
    let mut out = Vec::new();
    if let Some(media) = op.pointer("/requestBody/content/application~1json") {
        out.push((media, entry.request, None));
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        for (status, response) in responses {
            if let Some(media) = response.pointer("/content/application~1json") {
                out.push((media, entry.pin(status), Some(status.as_str())));
            }
        }
    }
    out
}

/// Names every body of an operation and moves its schema into `schemas`;
/// returns the request's name and each response's.
pub(super) fn name_bodies(
    entry: &Entry,
    found: &Found,
    op: &mut Value,
    schemas: &mut Schemas,
    notes: &mut Vec<String>,
) -> Result<(String, Vec<(u16, String)>), String> {
    let doc = found.document;
    let here = label(&doc.name, entry);
    let at = found.pointer();

    let media_at = format!("{at}/requestBody/content/application~1json");
    if let Some(content) = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
        && let Some(other) = content.keys().find(|k| *k != "application/json")
        && content.contains_key("application/json")
    {
        return Err(format!(
            "{here}, at {at}/requestBody/content: the request body may be sent as `{other}` \
             too; the merge reads only `application/json` request bodies (the generated \
             client sends one media type): drop the other upstream"
        ));
    }
    let media = op
        .pointer_mut("/requestBody/content/application~1json")
        .ok_or_else(|| {
            format!(
                "{here}, at {at}/requestBody: no `application/json` request body; every \
                 operation of this API takes a JSON body"
            )
        })?;
    let request = name_body(
        doc,
        media,
        entry.request,
        &derived_name(entry, None),
        schemas,
        &here,
        &media_at,
    )?;

    let responses = op
        .get_mut("responses")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("{here}, at {at}/responses: no `responses` object"))?;
    let mut named = Vec::new();
    for (status, response) in responses.iter_mut() {
        let response_at = format!("{at}/responses/{}", escape(status));
        let where_ = format!("{here}, at {response_at}");
        let code: u16 = status
            .parse()
            .ok()
            .filter(|c| (100..600).contains(c))
            .ok_or_else(|| {
                format!(
                    "{where_}: response `{status}` is not a status code; the merge reads \
                     one response per status (no `default`, no ranges)"
                )
            })?;
        if let Some(Value::String(text)) = response.get_mut("description") {
            let trimmed = text.trim_end().len();
            text.truncate(trimmed);
        }
        let media = response
            .pointer_mut("/content/application~1json")
            .ok_or_else(|| {
                format!(
                    "{where_}: no `application/json` body; the merge needs one schema per \
                     response (the API answers JSON)"
                )
            })?;
        let name = name_body(
            doc,
            media,
            entry.pin(status),
            &derived_name(entry, Some(code)),
            schemas,
            &here,
            &format!("{response_at}/content/application~1json"),
        )?;
        named.push((code, name));
    }
    for (status, _) in entry.responses {
        if !named.iter().any(|(code, _)| code.to_string() == *status) {
            notes.push(format!(
                "{here}: the table pins a schema name for status {status}, which the \
                 document no longer declares"
            ));
        }
    }
    one_type_per_class(&named, &here, &at)?;
    Ok((request, named))
}

/// progenitor gives an operation one success type and one error type (it
/// panics on two): the 2xx bodies must share a schema, and so must the
/// 4xx/5xx ones.
fn one_type_per_class(named: &[(u16, String)], here: &str, at: &str) -> Result<(), String> {
    for (class, range) in [("success", 200..300), ("error", 400..600)] {
        let mut in_class = named.iter().filter(|(code, _)| range.contains(code));
        if let Some((first_code, first)) = in_class.next()
            && let Some((code, other)) = in_class.find(|(_, name)| name != first)
        {
            return Err(format!(
                "{here}, at {at}/responses/{code}: its body is `{other}` but the {class} \
                 answer {first_code}'s is `{first}`; the generated client has one {class} \
                 type per operation. Give both statuses one schema upstream, or pin them to \
                 one name in the operation table (xtask/src/operations.rs) if their schemas \
                 are equal"
            ));
        }
    }
    Ok(())
}

/// Names one body (a media type object, at `at`) and moves its schema to
/// `schemas`, its example to the media type's `example`.
fn name_body(
    doc: &Document,
    media: &mut Value,
    pin: Option<&str>,
    derived: &str,
    schemas: &mut Schemas,
    context: &str,
    at: &str,
) -> Result<String, String> {
    let schema = media
        .get("schema")
        .ok_or_else(|| format!("{context}, at {at}: no `schema`"))?;
    let (name, schema, component) = match reference_of(schema) {
        Some(reference) => {
            let target = doc
                .component(reference)
                .map_err(|e| format!("{context}, at {at}/schema: {e}"))?;
            if target.kind != "schemas" {
                return Err(format!(
                    "{context}, at {at}/schema: `$ref: {reference}` is not a schema"
                ));
            }
            let name = pin.map_or_else(|| schemas.name_of(doc, &target.name), str::to_owned);
            (name, target.value.clone(), Some(target.name))
        }
        None => (pin.unwrap_or(derived).to_owned(), schema.clone(), None),
    };
    let mut view = json!({ "schema": schema });
    for key in ["example", "examples"] {
        if let Some(value) = media.get(key) {
            view[key] = value.clone();
        }
    }
    let example = take_example(&mut view).map_err(|e| format!("{context}, at {at}: {e}"))?;
    let mut schema = view["schema"].take();
    let mut stack: Vec<String> = component.into_iter().collect();
    let schema_at = format!("{at}/schema");
    schemas.carry_refs(doc, &mut schema, context, &schema_at, &mut stack)?;
    schemas.add(&name, schema, format!("{context}, at {schema_at}"))?;
    let media = media
        .as_object_mut()
        .ok_or_else(|| format!("{context}, at {at}: not an object"))?;
    media.remove("example");
    media.insert(
        "schema".into(),
        json!({ "$ref": format!("{SCHEMAS}{name}") }),
    );
    if let Some(example) = example {
        media.insert("example".into(), example);
    }
    Ok(name)
}

/// Each instance field of the table is a property of the request schema.
pub(super) fn check_instance_fields(
    entry: &Entry,
    request: &str,
    schemas: &Schemas,
    here: &str,
    at: &str,
) -> Result<(), String> {
    let properties = schemas
        .map
        .get(request)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);
    for field in entry.instance_fields {
        if !properties.is_some_and(|p| p.contains_key(*field)) {
            return Err(format!(
                "{here}, at {at}/requestBody: instance field {field} is not a property of \
                 {request}; fix `instance_fields` in the operation table"
            ));
        }
    }
    Ok(())
}
