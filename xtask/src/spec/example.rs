//! The workspace's one example assembler: the example a request or response body shows.

use serde_json::{Map, Value};

/// **The workspace's example assembler.** The example of a body (an
/// OpenAPI media type object, its schema inline): the media type's
/// `example`, else the schema's own `example`, else one object assembled
/// from the examples of the schema's properties (in property order); `None`
/// when there is none. The schema's examples are removed (the merge moves
/// them to the media type), the media type's is left where it is.
///
/// Two sources at once (a media-type `example` and schema examples, or a
/// schema `example` and property examples) are refused rather than one
/// chosen, and so are media-type `examples` (OpenAPI 3.0 allows only one of
/// `example` and `examples`; every reader of the merged spec reads `example`).
pub fn take_example(media: &mut Value) -> Result<Option<Value>, String> {
    if media.get("examples").is_some() {
        return Err("media-type `examples` are not supported; give one `example`".into());
    }
    let own = media.get("example").cloned();
    let Some(schema) = media.get_mut("schema").and_then(Value::as_object_mut) else {
        return Ok(own);
    };
    let whole = schema.remove("example");
    let mut assembled = Map::new();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for (key, property) in properties.iter_mut() {
            if let Some(value) = property.as_object_mut().and_then(|p| p.remove("example")) {
                assembled.insert(key.clone(), value);
            }
        }
    }
    let assembled = (!assembled.is_empty()).then_some(Value::Object(assembled));
    match (own, whole, assembled) {
        (own, None, None) => Ok(own),
        (None, Some(whole), None) => Ok(Some(whole)),
        (None, None, Some(assembled)) => Ok(Some(assembled)),
        _ => Err("has two examples (media type, schema or properties); keep one".into()),
    }
}

/// The example of a body, as [`take_example`] finds it, without changing
/// the body: what the merge writes as its media type's `example`.
pub fn example_of(media: &Value) -> Result<Option<Value>, String> {
    take_example(&mut media.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_example_is_the_media_types_or_the_schemas_or_assembled_from_properties() {
        let property = |example| json!({"type": "string", "example": example});
        let mut media = json!({"schema": {"type": "object", "properties": {
            "b": property("x"), "a": {"type": "integer"}, "c": property("y")}}});
        assert_eq!(
            take_example(&mut media),
            Ok(Some(json!({"b": "x", "c": "y"})))
        );
        assert_eq!(
            media["schema"]["properties"]["b"],
            json!({"type": "string"})
        );
        let keys: Vec<_> = take_example(&mut json!({"schema": {"properties": {
            "z": property("1"), "a": property("2")}}}))
        .unwrap()
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
        assert_eq!(keys, ["z", "a"], "property order");

        let mut whole = json!({"schema": {"type": "object", "example": {"a": 1}}});
        assert_eq!(take_example(&mut whole), Ok(Some(json!({"a": 1}))));
        assert_eq!(whole["schema"], json!({"type": "object"}));
        let own = json!({"schema": {"type": "object"}, "example": {"a": 2}});
        assert_eq!(example_of(&own), Ok(Some(json!({"a": 2}))));
        assert_eq!(example_of(&json!({"schema": {"type": "object"}})), Ok(None));
        assert_eq!(example_of(&json!({})), Ok(None));
    }

    #[test]
    fn two_examples_or_media_type_examples_are_refused() {
        let two = json!({"schema": {"properties": {"a": {"example": 1}}}, "example": {"a": 2}});
        assert!(example_of(&two).unwrap_err().contains("two examples"));
        let two = json!({"schema": {"example": {}, "properties": {"a": {"example": 1}}}});
        assert!(example_of(&two).unwrap_err().contains("two examples"));
        let many = json!({"schema": {}, "examples": {"one": {"value": {}}}});
        assert!(example_of(&many).unwrap_err().contains("`examples`"));
    }
}
