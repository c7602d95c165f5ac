//! Hand-written: how the generated client is connected and authenticated.
//!
//! progenitor generates no auth code, so the key is set as a *sensitive*
//! default header of the `reqwest::Client` handed to
//! [`Client::new_with_client`]. Sensitive header values print as `Sensitive`
//! in `Debug`, and reqwest never puts headers in a URL.

use crate::Client;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use std::time::Duration;

/// The production base URL.
pub const DEFAULT_BASE_URL: &str = "https://console.vast.ai";

/// The `User-Agent` this crate sends: `vast-api/<version>`.
pub const USER_AGENT: &str = concat!("vast-api/", env!("CARGO_PKG_VERSION"));

/// Time allowed to open a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Time allowed for a whole request, the official CLI's 120 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a client could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The API key cannot travel in an HTTP header (it is empty or holds a
    /// control character or non-visible byte). The key itself is never shown.
    InvalidApiKey,
    /// reqwest could not build its client (for example, no TLS roots).
    Http(reqwest::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidApiKey => f.write_str(
                "the API key is empty or contains characters an HTTP header cannot carry",
            ),
            Self::Http(e) => write!(f, "cannot build the HTTP client: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidApiKey => None,
            Self::Http(e) => Some(e),
        }
    }
}

/// The `Authorization: Bearer <key>` value, marked sensitive.
pub fn authorization(api_key: &str) -> Result<HeaderValue, BuildError> {
    if api_key.is_empty() {
        return Err(BuildError::InvalidApiKey);
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {api_key}"))
        .map_err(|_| BuildError::InvalidApiKey)?;
    value.set_sensitive(true);
    Ok(value)
}

/// A `reqwest::ClientBuilder` on the TLS stack this build uses
/// ([`tls::BACKEND`](crate::tls::BACKEND)), with its crypto provider ready;
/// nothing else is set. Start from it to change TLS settings (a private root
/// certificate, a proxy…), then finish it with [`configure`].
///
/// ```no_run
/// # fn run(ca_pem: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
/// # #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))] {
/// let ca = reqwest::Certificate::from_pem(ca_pem)?;
/// let builder = vast_api::http_client_builder().add_root_certificate(ca);
/// let http = vast_api::configure(builder, "my-key")?.build()?;
/// let client = vast_api::Client::new_with_client(
///     "https://vast.internal.example",
///     http,
///     vast_api::Limits::default(),
/// );
/// # }
/// # Ok(()) }
/// ```
pub fn http_client_builder() -> reqwest::ClientBuilder {
    crate::tls::select(reqwest::Client::builder())
}

/// Adds what every Vast request needs to a `reqwest::ClientBuilder`: the
/// sensitive `Authorization` default header, [`USER_AGENT`], the default
/// timeouts, and no redirects (the API never redirects, and following one to
/// another host is how a key leaks). Later settings on the builder win.
///
/// With the `rustls-ring` feature it also makes sure rustls has a crypto
/// provider for the process (see [`tls`](crate::tls)), so that building the
/// client cannot panic. It does not change the builder's TLS stack: a
/// builder from [`http_client_builder`] has the one this build chose.
pub fn configure(
    builder: reqwest::ClientBuilder,
    api_key: &str,
) -> Result<reqwest::ClientBuilder, BuildError> {
    crate::tls::ensure_provider();
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, authorization(api_key)?);
    Ok(builder
        .default_headers(headers)
        .user_agent(USER_AGENT)
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .timeout(DEFAULT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none()))
}

impl Client {
    /// A client for `base_url` (e.g. [`DEFAULT_BASE_URL`]; a trailing `/` is
    /// removed) that authenticates with `api_key`, with the default
    /// [`Limits`](crate::Limits) (see [`Client::with_max_body_bytes`]), on
    /// [`http_client_builder`]'s TLS stack. For other TLS settings (a private
    /// root certificate), build the `reqwest::Client` with
    /// [`http_client_builder`] and [`configure`], and use
    /// [`Client::new_with_client`].
    ///
    /// ```no_run
    /// let client = vast_api::Client::with_api_key("https://console.vast.ai", "my-key")?;
    /// # Ok::<(), vast_api::BuildError>(())
    /// ```
    pub fn with_api_key(base_url: &str, api_key: &str) -> Result<Self, BuildError> {
        let http = configure(http_client_builder(), api_key)?
            .build()
            .map_err(BuildError::Http)?;
        Ok(Self::new_with_client(
            base_url.trim_end_matches('/'),
            http,
            crate::Limits::default(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientInfo;

    #[test]
    fn authorization_is_bearer_and_sensitive() {
        let value = authorization("k3y").unwrap();
        assert_eq!(value.to_str().unwrap(), "Bearer k3y");
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("k3y"));
    }

    #[test]
    fn keys_a_header_cannot_carry_are_refused_without_echo() {
        for bad in ["", "line\nbreak", "nul\0"] {
            let err = authorization(bad).unwrap_err();
            assert!(matches!(err, BuildError::InvalidApiKey));
        }
    }

    #[test]
    fn client_debug_does_not_show_the_key() {
        let client = Client::with_api_key("http://127.0.0.1:9/", "s3cret-key").unwrap();
        assert_eq!(client.baseurl(), "http://127.0.0.1:9");
        assert!(!format!("{client:?}").contains("s3cret-key"));
    }
}
