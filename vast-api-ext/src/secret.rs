//! `ApiKey`: the API key as a secret whose `Debug` and `Display` redact it.

use crate::{ConfigProblem, Error, KeySource};

/// A Vast.ai API key. `Debug` and `Display` print `ApiKey(***)` / `***`; the
/// only way to read it is [`ApiKey::expose`], which this crate calls once, to
/// build the sensitive `Authorization` header.
///
/// [`ApiKey::new`] checks the key at once; `From<&str>` and `From<String>`
/// (what [`ClientBuilder::api_key`](crate::ClientBuilder::api_key) accepts
/// besides an `ApiKey`) trim it and leave the check to
/// [`ClientBuilder::build`](crate::ClientBuilder::build).
///
/// ```
/// let key = vast_api_ext::ApiKey::new("  s3cret\n")?;
/// assert_eq!(format!("{key:?}"), "ApiKey(***)");
/// assert_eq!(key.to_string(), "***");
/// assert_eq!(key.expose(), "s3cret");
/// # Ok::<(), vast_api_ext::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(pub(crate) String);

impl ApiKey {
    /// A key from text; surrounding whitespace is trimmed. An empty key is an
    /// error ([`ConfigProblem::EmptyApiKey`](crate::ConfigProblem::EmptyApiKey)).
    pub fn new(key: impl AsRef<str>) -> Result<Self, Error> {
        Self::from_source(key.as_ref(), KeySource::ApiKeyNew)
    }

    pub(crate) fn from_source(key: &str, source: KeySource) -> Result<Self, Error> {
        let key = key.trim();
        if key.is_empty() {
            return Err(ConfigProblem::EmptyApiKey { source }.into());
        }
        if key.chars().any(|c| c.is_control()) {
            return Err(ConfigProblem::ApiKeyControlCharacter { source }.into());
        }
        Ok(Self(key.to_owned()))
    }

    /// The key itself. Put it nowhere but an `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for ApiKey {
    /// The key, trimmed; checked where it is used.
    fn from(key: &str) -> Self {
        Self(key.trim().to_owned())
    }
}

impl From<String> for ApiKey {
    /// The key, trimmed; checked where it is used.
    fn from(key: String) -> Self {
        Self::from(key.as_str())
    }
}

impl From<&String> for ApiKey {
    /// The key, trimmed; checked where it is used.
    fn from(key: &String) -> Self {
        Self::from(key.as_str())
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl std::fmt::Display for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}
