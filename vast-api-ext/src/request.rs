//! `Request`: one call as a value, with the operation and the exact JSON body
//! it sends, so a caller can show a call before making it (`vast --explain`).

use crate::location::parse_side;
use crate::{
    Argument, CloudCopy, CloudCopyOutcome, CopySide, Error, InstanceId, InvalidInput, Location,
    Operation, Outcome, Rule,
};
use std::borrow::Cow;
use vast_api::types;

/// One call of the API, with its inputs: what [`Client::send`](crate::Client::send)
/// sends. [`body`](Self::body) is the JSON the client puts on the wire, built by
/// the same code as the typed methods, so it can be shown before sending.
///
/// With the `serde` feature a request is an object tagged by `operation`,
/// the operation's [name](Operation::name) with `_` for each space; a cloud
/// copy has its [fields](CloudCopy) beside the tag. Deserializing runs the
/// call's checks ([`check`](Self::check)); a copy's refused location names
/// its side ([`parse_copy`](Self::parse_copy)); unknown fields are refused.
///
/// ```json
/// {"operation": "copy", "src": "C.6003036:/workspace/data/", "dst": "C.7001234:/workspace/"}
/// {"operation": "cloud_copy", "instance": 6003036, "connection": 1004,
///  "transfer": "instance_to_cloud", "src": "/workspace/results"}
/// {"operation": "cancel_sync", "dst": 7001234}
/// {"operation": "cancel_copy", "dst": 7001234}
/// ```
///
/// ```
/// use serde_json::json;
/// use vast_api_ext::{InstanceId, Operation, Request};
///
/// let request = Request::CancelSync(InstanceId::new(7)?);
/// assert_eq!(request.operation(), Operation::CancelSync);
/// assert_eq!(request.operation().path(), "/api/v0/commands/rclone/");
/// assert_eq!(request.body()?, json!({"dst_id": 7}));
/// # Ok::<(), vast_api_ext::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// Copy between two instances ([`Client::copy`](crate::Client::copy)).
    Copy {
        /// Where from.
        src: Location,
        /// Where to.
        dst: Location,
    },
    /// A cloud copy ([`Client::cloud_copy`](crate::Client::cloud_copy)).
    CloudCopy(CloudCopy),
    /// Cancel the sync into an instance ([`Client::cancel_sync`](crate::Client::cancel_sync)).
    CancelSync(InstanceId),
    /// Cancel the copy into an instance ([`Client::cancel_copy`](crate::Client::cancel_copy)).
    CancelCopy(InstanceId),
}

impl Request {
    /// A copy from the location `src` to the location `dst`, both parsed
    /// as [`Location`]'s `FromStr` reads them; a refusal names the side that
    /// was wrong ([`InvalidInput::copy_side`]: "copy source: …", "copy
    /// destination: …").
    ///
    /// ```
    /// use vast_api_ext::{CopySide, ErrorKind, Request};
    /// let request = Request::parse_copy("C.6003036:/workspace/data/", "7001234:/workspace/")?;
    /// assert_eq!(request.body()?["dst_id"], "7001234");
    ///
    /// let error = Request::parse_copy("local:/tmp/x", "C.7001234:/workspace/").unwrap_err();
    /// let ErrorKind::InvalidInput(invalid) = error.kind() else { unreachable!() };
    /// assert_eq!(invalid.copy_side(), Some(CopySide::Source));
    /// assert!(error.to_string().starts_with("invalid input: copy source: `local:` paths"));
    /// # Ok::<(), vast_api_ext::Error>(())
    /// ```
    pub fn parse_copy(src: &str, dst: &str) -> Result<Self, Error> {
        let request = Self::Copy {
            src: parse_side(src, CopySide::Source)?,
            dst: parse_side(dst, CopySide::Destination)?,
        };
        request.check()?;
        Ok(request)
    }

    /// The operation this request calls (its method and path are
    /// [`Operation::method`] and [`Operation::path`]).
    pub fn operation(&self) -> Operation {
        match self {
            Self::Copy { .. } => Operation::Copy,
            Self::CloudCopy(_) => Operation::CloudCopy,
            Self::CancelSync(_) => Operation::CancelSync,
            Self::CancelCopy(_) => Operation::CancelCopy,
        }
    }

    /// The checks the call makes before any I/O (the same code): `Ok` if
    /// the call would send, else its
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), such as
    /// a cloud copy without `src` or, for cancel sync, an id beyond
    /// `i64::MAX`.
    ///
    /// ```
    /// use vast_api_ext::{ErrorKind, InstanceId, Request, Rule};
    /// let error = Request::CancelSync(InstanceId::new(u64::MAX)?).check().unwrap_err();
    /// assert!(matches!(error.kind(), ErrorKind::InvalidInput(i) if i.rule() == Rule::BeyondI64));
    /// # Ok::<(), vast_api_ext::Error>(())
    /// ```
    pub fn check(&self) -> Result<(), Error> {
        match self {
            Self::Copy { src, dst } => copy_body(src, dst).map(drop),
            Self::CloudCopy(request) => request.check(),
            Self::CancelSync(dst) => cancel_sync_body(*dst).map(drop),
            Self::CancelCopy(dst) => cancel_copy_body(*dst).map(drop),
        }
    }

    /// The JSON body the client sends for this request (never holding the
    /// key), or the [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)
    /// the call would return before any I/O.
    pub fn body(&self) -> Result<serde_json::Value, Error> {
        let value = match self {
            Self::Copy { src, dst } => serde_json::to_value(copy_body(src, dst)?),
            Self::CloudCopy(request) => serde_json::to_value(request.to_body()?),
            Self::CancelSync(dst) => serde_json::to_value(cancel_sync_body(*dst)?),
            Self::CancelCopy(dst) => serde_json::to_value(cancel_copy_body(*dst)?),
        };
        value.map_err(|e| {
            InvalidInput::of(Argument::Request, Rule::Unbuildable, e.to_string()).into()
        })
    }
}

/// What a [`Request`] sent with [`Client::send`](crate::Client::send) got
/// back: the outcome its typed method returns. With the `serde` feature it
/// serializes as its outcome tagged by `operation` as a [`Request`] is:
/// `{"operation": "cloud_copy", "message": …, "result_url": …, "attempts": 1,
/// "raw": {…}}`.
///
/// A test double of your own can answer like the client does:
///
/// ```
/// use vast_api_ext::{Answer, Error, InstanceId, Outcome, Request};
///
/// /// What the code under test depends on, instead of `Client` itself.
/// trait Calls {
///     fn send(&self, request: &Request) -> Result<Answer, Error>;
/// }
///
/// struct Accepting;
/// impl Calls for Accepting {
///     fn send(&self, _: &Request) -> Result<Answer, Error> {
///         Ok(Answer::CancelSync(Outcome::new(Some("cancelled".into()), 1)))
///     }
/// }
///
/// let answer = Accepting.send(&Request::CancelSync(InstanceId::new(7)?))?;
/// assert_eq!((answer.message(), answer.attempts()), (Some("cancelled"), 1));
/// # Ok::<(), Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// The answer to [`Request::Copy`].
    Copy(Outcome),
    /// The answer to [`Request::CloudCopy`].
    CloudCopy(CloudCopyOutcome),
    /// The answer to [`Request::CancelSync`].
    CancelSync(Outcome),
    /// The answer to [`Request::CancelCopy`].
    CancelCopy(Outcome),
}

impl Answer {
    /// The server's `msg`, if any.
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Copy(o) | Self::CancelSync(o) | Self::CancelCopy(o) => o.message.as_deref(),
            Self::CloudCopy(o) => o.message.as_deref(),
        }
    }

    /// Cloud copy's `result_url`, if the server gave it (`None` for the others).
    pub fn result_url(&self) -> Option<&str> {
        match self {
            Self::CloudCopy(o) => o.result_url.as_deref(),
            _ => None,
        }
    }

    /// Attempts the call made (1 when nothing was retried).
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Copy(o) | Self::CancelSync(o) | Self::CancelCopy(o) => o.attempts,
            Self::CloudCopy(o) => o.attempts,
        }
    }

    /// The server's answer as the JSON text it sent, unknown fields
    /// included ([`Outcome::raw`], [`CloudCopyOutcome::raw`]): what
    /// `vast --json` prints.
    ///
    /// ```
    /// use vast_api_ext::{Answer, Outcome};
    /// let answer = Answer::Copy(
    ///     Outcome::new(Some("ok".into()), 1).with_raw(r#"{"success":true,"msg":"ok","extra_field":42}"#),
    /// );
    /// assert!(answer.raw().contains(r#""extra_field":42"#));
    /// assert_eq!(answer.raw_json()?["extra_field"], 42);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn raw(&self) -> Cow<'_, str> {
        match self {
            Self::Copy(o) | Self::CancelSync(o) | Self::CancelCopy(o) => o.raw(),
            Self::CloudCopy(o) => o.raw(),
        }
    }

    /// [`raw`](Self::raw) parsed into a [`serde_json::Value`], on each call
    /// ([`Outcome::raw_json`]).
    pub fn raw_json(&self) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            Self::Copy(o) | Self::CancelSync(o) | Self::CancelCopy(o) => o.raw_json(),
            Self::CloudCopy(o) => o.raw_json(),
        }
    }
}

/// The copy body: both instances as strings (the spec's type), both paths.
pub(crate) fn copy_body(src: &Location, dst: &Location) -> Result<types::CopyRequest, Error> {
    built(
        types::CopyRequest::builder()
            .src_id(src.instance().to_string())
            .dst_id(dst.instance().to_string())
            .src_path(src.path().to_owned())
            .dst_path(dst.path().to_owned()),
    )
}

/// The cancel sync body: the integer `dst_id` the spec asks for.
pub(crate) fn cancel_sync_body(dst: InstanceId) -> Result<types::CancelSyncRequest, Error> {
    let dst_id = i64::try_from(dst.get())
        .map_err(|_| InvalidInput::of(Argument::Instance, Rule::BeyondI64, dst.to_string()))?;
    built(types::CancelSyncRequest::builder().dst_id(dst_id))
}

/// The cancel copy body: `dst_id` as the string the spec types it as (the
/// official CLI sends a string too).
pub(crate) fn cancel_copy_body(dst: InstanceId) -> Result<types::CancelCopyRequest, Error> {
    built(types::CancelCopyRequest::builder().dst_id(dst.to_string()))
}

/// A generated type from its generated builder. Hand-written code builds
/// generated types only this way (never with a struct literal), so a
/// property the vendor adds does not break this crate's build; a property
/// that became required and that this crate does not set is refused here,
/// before any I/O, naming the field (`Rule::Unbuildable`).
pub(crate) fn built<T, B>(builder: B) -> Result<T, Error>
where
    B: TryInto<T, Error = types::error::ConversionError>,
{
    builder
        .try_into()
        .map_err(|e| InvalidInput::of(Argument::Request, Rule::Unbuildable, e.to_string()).into())
}

/// The serde forms of [`Request`] and [`Answer`]: objects tagged by
/// `operation`, the operation's [name](Operation::name) with `_` for each
/// space (`"cloud_copy"`).
#[cfg(feature = "serde")]
mod serde_form {
    use super::{Answer, Request};
    use crate::{CloudCopy, CloudCopyOutcome, Error, InstanceId, Location, Outcome};
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

    /// What a [`Request`] serializes as.
    #[derive(Serialize)]
    #[serde(tag = "operation", rename_all = "snake_case")]
    enum Borrowed<'a> {
        Copy {
            src: &'a Location,
            dst: &'a Location,
        },
        CloudCopy(&'a CloudCopy),
        CancelSync {
            dst: InstanceId,
        },
        CancelCopy {
            dst: InstanceId,
        },
    }

    impl Serialize for Request {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                Self::Copy { src, dst } => Borrowed::Copy { src, dst },
                Self::CloudCopy(request) => Borrowed::CloudCopy(request),
                Self::CancelSync(dst) => Borrowed::CancelSync { dst: *dst },
                Self::CancelCopy(dst) => Borrowed::CancelCopy { dst: *dst },
            }
            .serialize(serializer)
        }
    }

    /// What a [`Request`] is read from: a copy's locations as text, read
    /// with the side they are ([`Request::parse_copy`]).
    #[derive(Deserialize)]
    #[serde(tag = "operation", rename_all = "snake_case", deny_unknown_fields)]
    enum Form {
        Copy { src: String, dst: String },
        CloudCopy(CloudCopy),
        CancelSync { dst: InstanceId },
        CancelCopy { dst: InstanceId },
    }

    impl Form {
        /// The request, with the checks the call makes ([`Request::check`]).
        fn build(self) -> Result<Request, Error> {
            let request = match self {
                Self::Copy { src, dst } => return Request::parse_copy(&src, &dst),
                Self::CloudCopy(request) => Request::CloudCopy(request),
                Self::CancelSync { dst } => Request::CancelSync(dst),
                Self::CancelCopy { dst } => Request::CancelCopy(dst),
            };
            request.check()?;
            Ok(request)
        }
    }

    impl<'de> Deserialize<'de> for Request {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            Form::deserialize(deserializer)?
                .build()
                .map_err(D::Error::custom)
        }
    }

    /// What an [`Answer`] serializes as.
    #[derive(Serialize)]
    #[serde(tag = "operation", rename_all = "snake_case")]
    enum AnswerForm<'a> {
        Copy(&'a Outcome),
        CloudCopy(&'a CloudCopyOutcome),
        CancelSync(&'a Outcome),
        CancelCopy(&'a Outcome),
    }

    impl Serialize for Answer {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                Self::Copy(outcome) => AnswerForm::Copy(outcome),
                Self::CloudCopy(outcome) => AnswerForm::CloudCopy(outcome),
                Self::CancelSync(outcome) => AnswerForm::CancelSync(outcome),
                Self::CancelCopy(outcome) => AnswerForm::CancelCopy(outcome),
            }
            .serialize(serializer)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Transfer;
    use serde_json::json;

    fn loc(text: &str) -> Location {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn each_request_names_its_operation_and_body() {
        let cases = [
            (
                Request::Copy {
                    src: loc("C.1:/a"),
                    dst: loc("2:/b/"),
                },
                Operation::Copy,
                json!({"src_id": "1", "dst_id": "2", "src_path": "/a", "dst_path": "/b/"}),
            ),
            (
                Request::CloudCopy(
                    CloudCopy::new(id(5), 1004u64, Transfer::InstanceToCloud)
                        .src("/w")
                        .update(true),
                ),
                Operation::CloudCopy,
                json!({"instance_id": "5", "selected": "1004", "transfer": "Instance To Cloud",
                       "src": "/w", "dst": "/workspace", "flags": ["--update"]}),
            ),
            (
                Request::CancelSync(id(7)),
                Operation::CancelSync,
                json!({"dst_id": 7}),
            ),
            (
                Request::CancelCopy(id(7)),
                Operation::CancelCopy,
                json!({"dst_id": "7"}),
            ),
        ];
        for (request, operation, body) in cases {
            assert_eq!(request.operation(), operation);
            assert_eq!(request.body().unwrap_or_else(|e| panic!("{e}")), body);
        }
    }

    fn id(n: u64) -> InstanceId {
        InstanceId::new(n).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_request_the_call_would_refuse_has_no_body() {
        // Instance 0 cannot be a request's: `InstanceId` refuses it (ids.rs).
        assert!(InstanceId::new(0).is_err());
        for request in [
            Request::CancelSync(id(u64::MAX)),
            Request::CloudCopy(CloudCopy::new(id(1), 2u64, Transfer::CloudToInstance)),
        ] {
            let refused = request.body().map_err(Error::into_kind);
            assert!(
                matches!(refused, Err(crate::ErrorKind::InvalidInput(_))),
                "{request:?}"
            );
            assert!(request.check().is_err(), "{request:?}");
        }
    }
}
