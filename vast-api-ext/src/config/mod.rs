//! `ClientBuilder`: the client's settings and their defaults, and building
//! the client from them; where the key comes from is `key.rs`, the base
//! URL's checks are `base_url.rs`.

mod base_url;
mod key;

use crate::clock::{Clock, TokioClock};
use crate::pipeline::{Pipeline, Rng};
use crate::{ApiKey, Client, ConfigProblem, Error, PacingConfig, RetryConfig};
use base_url::{check_base_url, redact_url};
use key::{Env, resolve_api_key};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// Per-attempt timeout by default (the official CLI's 120 s).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = vast_api::DEFAULT_TIMEOUT;
/// Overall deadline per call (attempts plus waits) by default.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);

/// The connect timeout for an attempt timeout: half of it, at most
/// [`vast_api::DEFAULT_CONNECT_TIMEOUT`] (10 s).
pub(crate) fn connect_timeout(attempt: Duration) -> Duration {
    (attempt / 2).min(vast_api::DEFAULT_CONNECT_TIMEOUT)
}

/// Builds a [`Client`]. Every setting has a default:
///
/// | setting | default |
/// |---|---|
/// | API key | env `VAST_API_KEY`, else `$XDG_CONFIG_HOME/vastai/vast_api_key` (default `~/.config/vastai/vast_api_key`), else `~/.vast_api_key`; trimmed |
/// | base URL | env `VAST_URL`, else `https://console.vast.ai`; `http://` only to loopback |
/// | per-attempt timeout | 120 s ([`DEFAULT_ATTEMPT_TIMEOUT`]); connecting gets half of it, at most 10 s |
/// | deadline per call (attempts and waits) | 300 s ([`DEFAULT_DEADLINE`]) |
/// | retries | [`RetryConfig::standard`] |
/// | pacing per endpoint | [`PacingConfig::standard`] (1 request in flight, spacing after a `429`) |
/// | clock (waits and time limits) | [`TokioClock`] |
/// | random source of the backoff's jitter | `fastrand::f64` |
/// | largest response body read | 1 MiB ([`vast_api::DEFAULT_MAX_BODY_BYTES`]) |
/// | `User-Agent` | `vast-api/<v> vast-api-ext/<v>`, plus the suffix |
/// | TLS | the build's TLS feature (`rustls` by default; see [`vast_api::tls`]), the platform's trust store plus [`add_root_certificate`]'s |
///
/// ```no_run
/// use std::time::Duration;
/// let client = vast_api_ext::Client::builder()
///     .api_key("my-key")
///     .timeout(Duration::from_secs(30))
///     .user_agent_suffix("my-tool/1.0")
///     .build()?;
/// # Ok::<(), vast_api_ext::Error>(())
/// ```
///
#[cfg_attr(
    any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"),
    doc = "[`add_root_certificate`]: Self::add_root_certificate"
)]
// Without a TLS feature there is no such method: the link names the TLS docs.
#[cfg_attr(
    not(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls")),
    doc = "[`add_root_certificate`]: crate#tls"
)]
#[must_use]
pub struct ClientBuilder<C = Client> {
    settings: Settings,
    /// What [`build`](Self::build) makes: [`Client`], or (feature
    /// `blocking`) `blocking::Client`, whose builder this is too.
    client: PhantomData<fn() -> C>,
}

/// Every setting of a [`ClientBuilder`], whatever client it builds.
struct Settings {
    api_key: Option<ApiKey>,
    base_url: Option<String>,
    allow_insecure_http: bool,
    timeout: Duration,
    deadline: Duration,
    max_body_bytes: u64,
    user_agent_suffix: Option<String>,
    http: Option<reqwest::ClientBuilder>,
    #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
    root_certificates: Vec<reqwest::Certificate>,
    retry: RetryConfig,
    pacing: PacingConfig,
    clock: Arc<dyn Clock>,
    rng: Option<Rng>,
    env: Option<Env>,
}

impl<C> std::fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.settings;
        let mut f = f.debug_struct("ClientBuilder");
        f.field("api_key", &s.api_key)
            .field("base_url", &s.base_url.as_deref().map(redact_url))
            .field("allow_insecure_http", &s.allow_insecure_http)
            .field("timeout", &s.timeout)
            .field("deadline", &s.deadline)
            .field("max_body_bytes", &s.max_body_bytes)
            .field("user_agent_suffix", &s.user_agent_suffix)
            .field("custom_http", &s.http.is_some());
        #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
        f.field("root_certificates", &s.root_certificates.len());
        f.field("retry", &s.retry)
            .field("pacing", &s.pacing)
            .field("clock", &s.clock)
            .field("custom_rng", &s.rng.is_some())
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: None,
            allow_insecure_http: false,
            timeout: DEFAULT_ATTEMPT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            max_body_bytes: vast_api::DEFAULT_MAX_BODY_BYTES,
            user_agent_suffix: None,
            http: None,
            #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
            root_certificates: Vec::new(),
            retry: RetryConfig::standard(),
            pacing: PacingConfig::standard(),
            clock: Arc::new(TokioClock),
            rng: None,
            env: None,
        }
    }
}

/// The builder of the async [`Client`], with the defaults in the table above.
/// (Only this one: with a second `Default`, `ClientBuilder::default()`
/// would need its type spelled out.)
impl Default for ClientBuilder {
    fn default() -> Self {
        Self::with_defaults()
    }
}

impl<C> ClientBuilder<C> {
    /// A builder with every setting at its default.
    pub(crate) fn with_defaults() -> Self {
        Self {
            settings: Settings::default(),
            client: PhantomData,
        }
    }

    /// The same settings, in the builder of another client.
    #[cfg(feature = "blocking")]
    pub(crate) fn into_builder_of<D>(self) -> ClientBuilder<D> {
        ClientBuilder {
            settings: self.settings,
            client: PhantomData,
        }
    }

    /// The API key (beats the environment and the key files): an
    /// [`ApiKey`], or text. Whitespace around it is trimmed; an empty key
    /// makes [`build`](Self::build) fail, naming this method.
    ///
    /// ```no_run
    /// use vast_api_ext::{ApiKey, Client};
    /// let key = ApiKey::new(std::env::var("MY_VAST_KEY").unwrap_or_default())?;
    /// let client = Client::builder().api_key(key).build()?;
    /// # let _ = client; Ok::<(), vast_api_ext::Error>(())
    /// ```
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        // Checked by build(), which names this source if it is empty.
        self.settings.api_key = Some(key.into());
        self
    }

    /// The base URL (beats env `VAST_URL`), e.g. `http://127.0.0.1:8080` in tests.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.settings.base_url = Some(url.into());
        self
    }

    /// Allows `http://` to a host other than loopback. The key then travels
    /// unencrypted; only for trusted networks.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.settings.allow_insecure_http = allow;
        self
    }

    /// Timeout of one attempt (connect, send, answer). Connecting may take
    /// half of it, at most 10 s. With a zero timeout nothing is sent: every
    /// call fails with [`ErrorKind::NotSent`](crate::ErrorKind::NotSent)
    /// ([`NotSent::NoTimeLeft`](crate::NotSent::NoTimeLeft)) after 0 attempts.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// Overall deadline of one call, attempts and waits included. A wait that
    /// would end after it is not started, and no attempt starts without time
    /// left (a zero deadline sends nothing, like a zero timeout).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.settings.deadline = deadline;
        self
    }

    /// The largest response body a call reads, in bytes, for success and
    /// error answers alike (default 1 MiB, [`vast_api::DEFAULT_MAX_BODY_BYTES`];
    /// the API's answers are under 1 KiB). A longer answer fails the attempt
    /// with [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge) as soon
    /// as its `Content-Length` or its first byte past the limit arrives, and
    /// its connection is closed; nothing past the limit is read.
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.settings.max_body_bytes = limit;
        self
    }

    /// Appended to the `User-Agent`, e.g. `my-tool/1.0`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.settings.user_agent_suffix = Some(suffix.into());
        self
    }

    /// The retry policy (default [`RetryConfig::standard`]). It leaves the
    /// pacing alone ([`pacing`](Self::pacing)).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.settings.retry = retry;
        self
    }

    /// How each endpoint is paced: requests in flight, spacing after a
    /// `429` (default [`PacingConfig::standard`]).
    pub fn pacing(mut self, pacing: PacingConfig) -> Self {
        self.settings.pacing = pacing;
        self
    }

    /// Trusts `certificate` as a root, besides the platform's trust store
    /// (which stays: on Linux `SSL_CERT_FILE` is honoured), for a server
    /// whose certificate a private CA signed (a proxy, a test server). May
    /// be called more than once; also applies to an
    /// [`http_client_builder`](Self::http_client_builder).
    ///
    /// ```no_run
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let pem = std::fs::read("company-ca.pem")?;
    /// let client = vast_api_ext::Client::builder()
    ///     .base_url("https://vast-proxy.internal.example")
    ///     .add_root_certificate(vast_api_ext::Certificate::from_pem(&pem)?)
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
    pub fn add_root_certificate(mut self, certificate: reqwest::Certificate) -> Self {
        self.settings.root_certificates.push(certificate);
        self
    }

    /// The clock that every wait and every time limit of a call goes
    /// through: backoff and pacing waits, the attempt timeout, the call's
    /// deadline (default [`TokioClock`]; in tests, `VirtualClock` of the
    /// `test-util` feature).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.settings.clock = clock;
        self
    }

    /// The random source of the backoff's jitter: a function returning a
    /// value in `[0, 1)` (default `fastrand::f64`); `|| 1.0` gives the full
    /// backoff, a seeded generator a repeatable schedule. Values outside
    /// `[0, 1]` are clamped; NaN and infinities count as 0. Shared by the
    /// client's clones.
    ///
    /// ```
    /// let mut seeded = fastrand::Rng::with_seed(42);
    /// let client = vast_api_ext::Client::builder()
    ///     .api_key("test-key")
    ///     .base_url("http://127.0.0.1:9")
    ///     .rng(move || seeded.f64())
    ///     .build()?;
    /// # let _ = client; Ok::<(), vast_api_ext::Error>(())
    /// ```
    pub fn rng(mut self, rng: impl FnMut() -> f64 + Send + 'static) -> Self {
        self.settings.rng = Some(Rng::new(rng));
        self
    }

    /// Escape hatch: your own `reqwest::ClientBuilder` (proxies, root
    /// certificates, pool settings…); start from
    /// [`vast_api::http_client_builder`] to keep the TLS stack this build
    /// chose. The client finishes it with [`vast_api::configure`], which adds
    /// the sensitive `Authorization` header and turns redirects off, then
    /// sets the timeout and user agent; those settings override yours. A
    /// finished `reqwest::Client` is not accepted because it could not be
    /// given the key safely.
    pub fn http_client_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.settings.http = Some(builder);
        self
    }

    #[cfg(test)]
    pub(crate) fn env(mut self, env: Env) -> Self {
        self.settings.env = Some(env);
        self
    }

    /// The async client these settings describe, reading the environment
    /// and key files for what was not set explicitly.
    pub(crate) fn build_client(self) -> Result<Client, Error> {
        let s = self.settings;
        let env = s.env.unwrap_or_else(Env::from_process);
        let key = resolve_api_key(s.api_key.as_ref().map(ApiKey::expose), &env)?;
        let base_url = s
            .base_url
            .or(env.vast_url.clone())
            .unwrap_or_else(|| vast_api::DEFAULT_BASE_URL.to_owned());
        let base_url = check_base_url(&base_url, s.allow_insecure_http)?;
        let mut user_agent = format!(
            "{} vast-api-ext/{}",
            vast_api::USER_AGENT,
            env!("CARGO_PKG_VERSION")
        );
        if let Some(suffix) = &s.user_agent_suffix {
            user_agent.push(' ');
            user_agent.push_str(suffix.trim());
        }
        // Verbose connections would log the raw request bytes, the
        // `Authorization` header included: always off. The connect timeout
        // stays strictly below the attempt timeout, so a connection that
        // cannot be made fails as a connect error (never applied, retried for
        // every operation) rather than racing the attempt timeout (maybe
        // applied).
        //
        // The attempt timeout and the deadline are the clock's (so a virtual
        // clock governs them in tests); reqwest's own total timeout is only
        // a backstop in real time at the longer of the two, which the
        // clock's timers reach first on the real clock.
        #[allow(unused_mut)]
        let mut http = s.http.unwrap_or_else(vast_api::http_client_builder);
        #[cfg(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls"))]
        for certificate in s.root_certificates {
            http = http.add_root_certificate(certificate);
        }
        let http = vast_api::configure(http, key.expose())
            .map_err(|e| ConfigProblem::ApiKeyNotAHeader {
                reason: e.to_string(),
            })?
            .connection_verbose(false)
            .timeout(s.timeout.max(s.deadline))
            .connect_timeout(connect_timeout(s.timeout))
            .user_agent(user_agent)
            .build()
            .map_err(|e| ConfigProblem::HttpClient {
                source: Arc::new(e),
            })?;
        let pipeline = Pipeline::new(
            s.retry,
            s.pacing,
            s.clock,
            s.rng.unwrap_or_default(),
            s.timeout,
            s.deadline,
        );
        Ok(Client {
            inner: Arc::new(crate::client::Inner {
                generated: vast_api::Client::new_with_client(
                    &base_url,
                    http,
                    vast_api::Limits::default().with_max_body_bytes(s.max_body_bytes),
                ),
                base_url,
                pipeline,
            }),
        })
    }
}

impl ClientBuilder {
    /// Builds the client, reading the environment and key files for what was
    /// not set explicitly.
    pub fn build(self) -> Result<Client, Error> {
        self.build_client()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ConfigProblem, ErrorKind, KeySource};

    #[test]
    fn the_builder_takes_an_api_key_or_text() {
        let env = || Env::default();
        let build = |b: ClientBuilder| b.env(env()).base_url("http://127.0.0.1:9").build();
        let key = ApiKey::new(" k1 ").unwrap();
        assert!(build(ClientBuilder::default().api_key(key)).is_ok());
        assert!(build(ClientBuilder::default().api_key("k2")).is_ok());
        assert!(build(ClientBuilder::default().api_key(String::from("k3"))).is_ok());
        // Text is checked by build(), which names the builder as its source.
        let err = build(ClientBuilder::default().api_key(" ")).unwrap_err();
        assert!(matches!(
            err.kind(),
            ErrorKind::Config(ConfigProblem::EmptyApiKey {
                source: KeySource::Builder
            })
        ));
    }

    #[test]
    fn base_url_order_is_explicit_env_default() {
        let env = Env {
            vast_api_key: Some("k".into()),
            vast_url: Some("https://env.example/".into()),
            ..Env::default()
        };
        let c = ClientBuilder::default().env(env.clone()).build().unwrap();
        assert_eq!(c.base_url(), "https://env.example");
        let c = ClientBuilder::default()
            .env(env)
            .base_url("http://127.0.0.1:8080/")
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:8080");
        let c = ClientBuilder::default()
            .env(Env {
                vast_api_key: Some("k".into()),
                ..Env::default()
            })
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "https://console.vast.ai");
    }

    #[test]
    fn the_connect_timeout_is_below_the_attempt_timeout() {
        assert_eq!(
            connect_timeout(DEFAULT_ATTEMPT_TIMEOUT),
            vast_api::DEFAULT_CONNECT_TIMEOUT
        );
        for ms in [1, 100, 10_000, 20_000, 20_001, 120_000] {
            let attempt = Duration::from_millis(ms);
            assert!(connect_timeout(attempt) < attempt, "{attempt:?}");
        }
        assert_eq!(
            connect_timeout(Duration::from_secs(10)),
            Duration::from_secs(5)
        );
    }
}
