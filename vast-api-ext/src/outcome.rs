//! The outcomes of successful calls ([`Outcome`], [`CloudCopyOutcome`]):
//! the fields this crate reads, and the server's answer as received
//! ([`Outcome::raw`]), taken from what the generated client read; and
//! [`Reply`], the answer of the generic [`Client::call`](crate::Client::call).

use std::borrow::Cow;

/// The answer to a successful copy or cancel sync: the fields this crate
/// reads, and the server's answer as it was received ([`raw`](Self::raw)),
/// unknown fields included. With the `serde` feature it serializes as
/// `{"message": …, "attempts": …, "raw": …}`, `raw` being the answer as a
/// JSON value (its text, as a string, if it is not JSON).
///
/// ```
/// // What a test double of your own can return.
/// let outcome = vast_api_ext::Outcome::new(Some("Remote to Remote copy initiated".into()), 1);
/// assert_eq!(outcome.attempts, 1);
/// // Without a body of its own, `raw` is the answer its fields describe.
/// assert_eq!(outcome.raw(), r#"{"msg":"Remote to Remote copy initiated","success":true}"#);
///
/// // A double can answer with a body of its own, as a server would.
/// let outcome = vast_api_ext::Outcome::new(Some("ok".into()), 1)
///     .with_raw(r#"{"success":true,"msg":"ok","extra_field":42}"#);
/// assert_eq!(outcome.raw_json()?["extra_field"], 42);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// The server's `msg`, if any.
    pub message: Option<String>,
    /// Attempts the call made (1 when nothing was retried).
    pub attempts: u32,
    /// The answer's body as received; `None` for one made by `new`.
    pub(crate) raw: Option<Box<str>>,
}

impl Outcome {
    /// An outcome with the server's `message` after `attempts` attempts, and
    /// no body of its own: [`raw`](Self::raw) is then the JSON object its
    /// fields describe (see [`with_raw`](Self::with_raw)).
    pub fn new(message: Option<String>, attempts: u32) -> Self {
        Self {
            message,
            attempts,
            raw: None,
        }
    }

    /// This outcome with `body` as the server's answer (for a test double:
    /// the text is returned by [`raw`](Self::raw) as given, not checked).
    #[must_use]
    pub fn with_raw(mut self, body: impl Into<String>) -> Self {
        self.raw = Some(body.into().into_boxed_str());
        self
    }

    /// The server's answer, as the JSON text it sent: the body exactly as
    /// received, fields this crate does not know included (a byte sequence
    /// that is not UTF-8, which JSON forbids, reads as U+FFFD). Borrowed: no
    /// copy, no parsing. For an outcome made by [`new`](Self::new) without
    /// [`with_raw`](Self::with_raw), the JSON object its fields describe
    /// (`{"msg":…,"success":true}`), made on each call.
    ///
    /// ```no_run
    /// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
    /// let outcome = client.cancel_sync(vast_api_ext::InstanceId::new(6003036)?).await?;
    /// println!("{}", outcome.raw()); // e.g. {"success": true, "msg": "…"}
    /// # Ok(()) }
    /// ```
    pub fn raw(&self) -> Cow<'_, str> {
        raw_or(&self.raw, || described(&[("msg", self.message.as_deref())]))
    }

    /// [`raw`](Self::raw) parsed into a [`serde_json::Value`], on each call
    /// (the client never parses it twice on its own). It can fail where the
    /// typed fields did not: a number beyond `f64`, nesting deeper than
    /// `serde_json`'s limit in a field this crate ignores.
    pub fn raw_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.raw())
    }
}

/// The answer to a successful cloud copy: the fields this crate reads, and
/// the server's answer as it was received ([`raw`](Self::raw)). With the
/// `serde` feature it serializes as [`Outcome`] does, with `result_url`.
///
/// ```
/// let outcome = vast_api_ext::CloudCopyOutcome::new(None, Some("https://r/1".into()), 2);
/// assert_eq!(outcome.result_url.as_deref(), Some("https://r/1"));
/// assert_eq!(outcome.raw(), r#"{"result_url":"https://r/1","success":true}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloudCopyOutcome {
    /// The server's `msg`, if any.
    pub message: Option<String>,
    /// Where the transfer's result can be read, if the server gave it.
    pub result_url: Option<String>,
    /// Attempts the call made (1 when nothing was retried).
    pub attempts: u32,
    /// The answer's body as received; `None` for one made by `new`.
    pub(crate) raw: Option<Box<str>>,
}

impl CloudCopyOutcome {
    /// An outcome with the server's `message` and `result_url` after
    /// `attempts` attempts, and no body of its own: [`raw`](Self::raw) is
    /// then the JSON object its fields describe.
    pub fn new(message: Option<String>, result_url: Option<String>, attempts: u32) -> Self {
        Self {
            message,
            result_url,
            attempts,
            raw: None,
        }
    }

    /// This outcome with `body` as the server's answer (for a test double:
    /// returned by [`raw`](Self::raw) as given, not checked).
    #[must_use]
    pub fn with_raw(mut self, body: impl Into<String>) -> Self {
        self.raw = Some(body.into().into_boxed_str());
        self
    }

    /// The server's answer as the JSON text it sent, as for
    /// [`Outcome::raw`]; for an outcome made by [`new`](Self::new) without
    /// [`with_raw`](Self::with_raw), the JSON object its fields describe
    /// (`{"msg":…,"result_url":…,"success":true}`).
    pub fn raw(&self) -> Cow<'_, str> {
        raw_or(&self.raw, || {
            described(&[
                ("msg", self.message.as_deref()),
                ("result_url", self.result_url.as_deref()),
            ])
        })
    }

    /// [`raw`](Self::raw) parsed into a [`serde_json::Value`], on each
    /// call; see [`Outcome::raw_json`].
    pub fn raw_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.raw())
    }
}

/// The answer to a successful [`Client::call`](crate::Client::call): the
/// generated client's decoded answer, the attempts it took and the body as
/// received.
///
/// ```no_run
/// # async fn run(client: vast_api_ext::Client) -> Result<(), vast_api_ext::Error> {
/// use vast_api_ext::Operation;
/// let body = vast_api::types::CancelSyncRequest::builder().dst_id(6003036);
/// let reply = client
///     .call(Operation::CancelSync, |generated| generated.cancel_sync().body(body.clone()).send())
///     .await?;
/// println!("{:?} after {} attempt(s): {}", reply.value.msg, reply.attempts, reply.raw());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Reply<T> {
    /// The answer, as the generated client decoded it.
    pub value: T,
    /// Attempts the call made (1 when nothing was retried).
    pub attempts: u32,
    /// The answer's body as received.
    pub(crate) raw: Option<Box<str>>,
}

impl<T: serde::Serialize> Reply<T> {
    /// The server's answer as the JSON text it sent, as for
    /// [`Outcome::raw`]; if the body was not kept whole (it always is for
    /// an answer the generated client decoded), the JSON of [`value`](Self::value).
    pub fn raw(&self) -> Cow<'_, str> {
        raw_or(&self.raw, || {
            serde_json::to_string(&self.value).unwrap_or_default()
        })
    }
}

impl<T> Reply<T> {
    /// The decoded answer.
    pub fn into_inner(self) -> T {
        self.value
    }
}

/// The body kept, or the JSON of the answer `described` (for outcomes made
/// without one).
fn raw_or(raw: &Option<Box<str>>, described: impl FnOnce() -> String) -> Cow<'_, str> {
    match raw {
        Some(body) => Cow::Borrowed(body),
        None => Cow::Owned(described()),
    }
}

/// The JSON object a successful answer with these string fields would be:
/// `success: true` and each field that is present, keys in alphabetical
/// order (as `serde_json` writes a map). Built from the fields alone, not
/// from a generated type, so it does not change when the spec does.
fn described(fields: &[(&str, Option<&str>)]) -> String {
    let mut object = serde_json::Map::new();
    for (name, value) in fields {
        if let Some(value) = value {
            object.insert((*name).to_owned(), (*value).into());
        }
    }
    object.insert("success".to_owned(), true.into());
    serde_json::Value::Object(object).to_string()
}

/// A decoded answer's body as text, for the outcome's `raw`: the bytes
/// recorded as the hooks read them, copied once into a string of their exact size
/// (keeping the `Bytes` instead would hold on to the connection's read
/// buffer, which they are slices of, for as long as the outcome lives). A
/// body that is not UTF-8 is read lossily (a second copy, for a body JSON
/// forbids). `None` if the observation does not hold the whole body of a
/// `2xx` answer, which cannot happen for an answer the generated client
/// decoded (inside `observe` the hooks read the body to its end before
/// the generated client reads it); the outcome then describes its fields
/// instead.
pub(crate) fn received(seen: &vast_api::Observation) -> Option<Box<str>> {
    let success = seen.status().is_some_and(|s| s.is_success());
    if !(success && seen.is_complete()) {
        tracing::debug!(?seen, "the answer's body was not observed whole");
        return None;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(seen.body_len()).unwrap_or(0));
    for chunk in seen.chunks() {
        bytes.extend_from_slice(chunk);
    }
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Some(text.into_boxed_str())
}

/// The serde forms of the outcomes: the fields this crate reads, the
/// attempts, and `raw`, the server's answer as a JSON value (its text, as
/// a string, if it is not JSON).
#[cfg(feature = "serde")]
mod serde_form {
    use super::{CloudCopyOutcome, Outcome};
    use serde::Serialize;
    use serde::ser::{SerializeStruct, Serializer};

    /// An answer's text: the JSON value it holds, else the text itself.
    struct Raw<'a>(&'a str);

    impl Serialize for Raw<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match serde_json::from_str::<serde_json::Value>(self.0) {
                Ok(value) => value.serialize(serializer),
                Err(_) => serializer.serialize_str(self.0),
            }
        }
    }

    impl Serialize for Outcome {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut fields = serializer.serialize_struct("Outcome", 3)?;
            fields.serialize_field("message", &self.message)?;
            fields.serialize_field("attempts", &self.attempts)?;
            fields.serialize_field("raw", &Raw(&self.raw()))?;
            fields.end()
        }
    }

    impl Serialize for CloudCopyOutcome {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut fields = serializer.serialize_struct("CloudCopyOutcome", 4)?;
            fields.serialize_field("message", &self.message)?;
            fields.serialize_field("result_url", &self.result_url)?;
            fields.serialize_field("attempts", &self.attempts)?;
            fields.serialize_field("raw", &Raw(&self.raw()))?;
            fields.end()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_without_a_body_describes_its_fields() {
        assert_eq!(
            described(&[("msg", Some("hi")), ("result_url", None)]),
            r#"{"msg":"hi","success":true}"#
        );
        assert_eq!(described(&[]), r#"{"success":true}"#);
        let kept = Some(Box::from(r#"{"x":1}"#));
        assert_eq!(raw_or(&kept, || unreachable!()), r#"{"x":1}"#);
        assert!(matches!(raw_or(&None, String::new), Cow::Owned(_)));
    }

    #[test]
    fn nothing_received_is_no_body() {
        // Outside `vast_api::observe` nothing is recorded: the outcome then
        // describes its fields.
        assert_eq!(received(&vast_api::Observation::default()), None);
    }
}
