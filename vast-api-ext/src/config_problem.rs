//! [`ConfigProblem`]: why a client could not be configured, as facts
//! ([`Setting`], [`KeySource`], [`UrlProblem`]) with the error behind it.

use std::path::PathBuf;
use std::sync::Arc;

/// The part of the configuration a [`ConfigProblem`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The API key: none found, empty, unreadable key file, or unusable in a header.
    ApiKey,
    /// The base URL.
    BaseUrl,
    /// The HTTP client (TLS roots, the caller's `reqwest::ClientBuilder`),
    /// or (feature `blocking`) the blocking client's runtime.
    HttpClient,
}

/// Where an API key came from, as a [`ConfigProblem`] names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeySource {
    /// [`ClientBuilder::api_key`](crate::ClientBuilder::api_key).
    Builder,
    /// The `VAST_API_KEY` environment variable.
    Environment,
    /// A key file.
    File(PathBuf),
    /// [`ApiKey::new`](crate::ApiKey::new).
    ApiKeyNew,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Builder => f.write_str("ClientBuilder::api_key"),
            Self::Environment => f.write_str("the VAST_API_KEY environment variable"),
            Self::File(path) => write!(f, "the file {}", path.display()),
            Self::ApiKeyNew => f.write_str("the key given to ApiKey::new"),
        }
    }
}

/// What is wrong with a base URL (the URL itself is in [`ConfigProblem::BaseUrl`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UrlProblem {
    /// It does not parse.
    NotAUrl {
        /// The parser's reason.
        reason: String,
    },
    /// It holds `user:password@`.
    Credentials,
    /// It has a query or a fragment.
    QueryOrFragment,
    /// `http://` to a host that is not loopback (the key would travel unencrypted).
    InsecureHttp,
    /// Neither `https://` nor `http://`.
    Scheme,
}

/// Why the client could not be configured. The error behind a problem, if
/// any, is kept (`source`), and is [`Error`](crate::Error)'s
/// [`source`](std::error::Error::source).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ConfigProblem {
    /// No key was given or found (builder, `VAST_API_KEY`, key files).
    NoApiKey,
    /// The key from `source` is empty (after trimming).
    EmptyApiKey {
        /// Where it came from.
        source: KeySource,
    },
    /// The key from `source` holds a control character (the key is not shown).
    ApiKeyControlCharacter {
        /// Where it came from.
        source: KeySource,
    },
    /// A key file exists but cannot be read.
    UnreadableKeyFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: Arc<std::io::Error>,
    },
    /// The key cannot travel in an HTTP header.
    ApiKeyNotAHeader {
        /// Why (the key is not shown).
        reason: String,
    },
    /// The base URL is refused.
    BaseUrl {
        /// The URL as it may be shown: scheme, host, port and path only.
        url: String,
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// The HTTP client could not be built.
    HttpClient {
        /// reqwest's error.
        source: Arc<reqwest::Error>,
    },
    /// The blocking client's runtime could not be started.
    #[cfg(feature = "blocking")]
    Runtime {
        /// The I/O error.
        source: Arc<std::io::Error>,
    },
}

impl ConfigProblem {
    /// The setting this problem is about.
    pub fn setting(&self) -> Setting {
        match self {
            Self::NoApiKey
            | Self::EmptyApiKey { .. }
            | Self::ApiKeyControlCharacter { .. }
            | Self::UnreadableKeyFile { .. }
            | Self::ApiKeyNotAHeader { .. } => Setting::ApiKey,
            Self::BaseUrl { .. } => Setting::BaseUrl,
            Self::HttpClient { .. } => Setting::HttpClient,
            #[cfg(feature = "blocking")]
            Self::Runtime { .. } => Setting::HttpClient,
        }
    }

    /// The error behind this problem, if one is kept.
    pub(crate) fn cause(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::UnreadableKeyFile { source, .. } => Some(&**source),
            Self::HttpClient { source } => Some(&**source),
            #[cfg(feature = "blocking")]
            Self::Runtime { source } => Some(&**source),
            _ => None,
        }
    }
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoApiKey => f.write_str(
                "no API key: pass ClientBuilder::api_key, set VAST_API_KEY, or write the key to \
                 ~/.config/vastai/vast_api_key",
            ),
            Self::EmptyApiKey { source } => write!(f, "the API key from {source} is empty"),
            Self::ApiKeyControlCharacter { source } => write!(
                f,
                "the API key from {source} holds a control character (the key is not shown)"
            ),
            Self::UnreadableKeyFile { path, source } => write!(
                f,
                "cannot read the API key file {}: {source}",
                path.display()
            ),
            Self::ApiKeyNotAHeader { reason } => f.write_str(reason),
            Self::BaseUrl { url, problem } => {
                write!(f, "the base URL `{url}` ")?;
                match problem {
                    UrlProblem::NotAUrl { reason } => write!(f, "is not a URL ({reason})"),
                    UrlProblem::Credentials => {
                        f.write_str("holds credentials; the key goes in ClientBuilder::api_key")
                    }
                    UrlProblem::QueryOrFragment => f.write_str("has a query or fragment"),
                    UrlProblem::InsecureHttp => f.write_str(
                        "uses http:// to a host that is not loopback, which would send the key \
                         unencrypted; use https:// or ClientBuilder::allow_insecure_http(true)",
                    ),
                    UrlProblem::Scheme => {
                        f.write_str("must start with https:// (or http:// to localhost)")
                    }
                }
            }
            Self::HttpClient { source } => write!(f, "cannot build the HTTP client: {source}"),
            #[cfg(feature = "blocking")]
            Self::Runtime { source } => {
                write!(f, "cannot start the blocking client's runtime: {source}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_names_its_setting_and_keeps_its_cause() {
        let unreadable = ConfigProblem::UnreadableKeyFile {
            path: "/k".into(),
            source: Arc::new(std::io::Error::other("denied")),
        };
        assert_eq!(unreadable.setting(), Setting::ApiKey);
        assert_eq!(
            unreadable.to_string(),
            "cannot read the API key file /k: denied"
        );
        assert!(unreadable.cause().unwrap().is::<std::io::Error>());
        let url = ConfigProblem::BaseUrl {
            url: "http://10.0.0.1".into(),
            problem: UrlProblem::Scheme,
        };
        assert_eq!(url.setting(), Setting::BaseUrl);
        assert!(url.cause().is_none());
        assert_eq!(
            ConfigProblem::EmptyApiKey {
                source: KeySource::Environment
            }
            .to_string(),
            "the API key from the VAST_API_KEY environment variable is empty"
        );
    }
}
