//! Hand-written: which TLS stack the client uses, chosen by the crate's
//! features.
//!
//! | feature | TLS | crypto | trust store |
//! |---|---|---|---|
//! | `rustls` (default) | rustls | aws-lc-rs (compiled from C: `aws-lc-sys`) | the platform's, through rustls-platform-verifier |
//! | `rustls-ring` | rustls | ring | the same |
//! | `native-tls` | the platform's (OpenSSL on Linux) | the platform's | the platform's |
//!
//! On Linux, rustls-platform-verifier (both rustls stacks) reads the
//! system's certificates through rustls-native-certs, which honours
//! `SSL_CERT_FILE` and `SSL_CERT_DIR`;
//! OpenSSL honours them itself. A private root certificate is added on the
//! `reqwest::ClientBuilder` (`add_root_certificate`; start from
//! [`http_client_builder`](crate::http_client_builder)), on top of the
//! platform's roots.
//!
//! # Several TLS features at once
//!
//! Cargo unifies features, so a build can have more than one (and
//! `--all-features` has all three). Then one is used, in this order — an
//! opt-in beats the default, and `rustls` is the default:
//!
//! 1. `native-tls`, if on;
//! 2. else `rustls-ring`, if on (aws-lc is then compiled but not used);
//! 3. else `rustls`.
//!
//! [`BACKEND`] names the one this build uses. To be sure to leave aws-lc out
//! of your build, turn the default features off
//! (`default-features = false, features = ["rustls-ring"]`).
//!
//! # The `rustls-ring` provider
//!
//! reqwest's `rustls-no-provider` (what `rustls-ring` uses) leaves the
//! choice of rustls's crypto provider to the application and panics when a
//! client is built without one. So before a client is built
//! ([`configure`](crate::configure), [`http_client_builder`](crate::http_client_builder)),
//! this crate installs ring as the process's default rustls provider, **only
//! if none is installed**: a provider your program installed first is kept
//! and used. Installing it is a process-wide, one-time effect that other
//! rustls users in the process see as well.

/// A TLS stack this crate can be built with (see the [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// No TLS feature: only `http://` base URLs can be reached.
    None,
    /// rustls with aws-lc-rs (feature `rustls`).
    Rustls,
    /// rustls with ring (feature `rustls-ring`).
    RustlsRing,
    /// The platform's TLS (feature `native-tls`).
    NativeTls,
}

impl Backend {
    /// The feature that selects it (`"rustls"`, `"rustls-ring"`,
    /// `"native-tls"`), or `"none"`.
    pub const fn feature(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Rustls => "rustls",
            Self::RustlsRing => "rustls-ring",
            Self::NativeTls => "native-tls",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.feature())
    }
}

/// The TLS stack this build uses: the first of `native-tls`, `rustls-ring`,
/// `rustls` whose feature is on.
pub const BACKEND: Backend = if cfg!(feature = "native-tls") {
    Backend::NativeTls
} else if cfg!(feature = "rustls-ring") {
    Backend::RustlsRing
} else if cfg!(feature = "rustls") {
    Backend::Rustls
} else {
    Backend::None
};

/// `builder` set to [`BACKEND`], its provider ready.
pub(crate) fn select(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    ensure_provider();
    #[cfg(feature = "native-tls")]
    let builder = builder.tls_backend_native();
    #[cfg(all(
        not(feature = "native-tls"),
        any(feature = "rustls", feature = "rustls-ring")
    ))]
    let builder = builder.tls_backend_rustls();
    builder
}

/// With `rustls-ring`: installs ring as the process's default rustls
/// provider unless one is installed. Otherwise nothing.
pub(crate) fn ensure_provider() {
    #[cfg(feature = "rustls-ring")]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // An `Err` means another thread installed one in between: that one
        // is the process's provider, which is all that is needed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    #[cfg(feature = "rustls-ring")]
    #[test]
    fn rustls_ring_installs_ring_once_and_building_a_client_does_not_panic() {
        use rustls::crypto::CryptoProvider;
        // Whatever else is on (`native-tls` would be the backend), the
        // feature makes sure rustls has a provider.
        crate::Client::with_api_key("https://127.0.0.1:9", "k").unwrap();
        let provider = CryptoProvider::get_default().unwrap();
        // rustls's providers name their random source after their crypto
        // library (`Ring`, `AwsLcRs`).
        assert_eq!(format!("{:?}", provider.secure_random), "Ring");
        // Another client leaves the installed provider alone.
        crate::Client::with_api_key("https://127.0.0.1:9", "k").unwrap();
        let again = CryptoProvider::get_default().unwrap();
        assert!(std::sync::Arc::ptr_eq(provider, again));
    }
}
