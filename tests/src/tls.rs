//! An HTTPS server on 127.0.0.1 for the TLS tests (`tests/tls.rs`,
//! `vast-cli/tests/tls.rs`): a certificate authority made by the test
//! ([`TestCa`], with rcgen) and a TLS front ([`TlsFront`]) that either
//! forwards the decrypted bytes to a plain-HTTP server (the in-process
//! `vast-mock`, which then answers the three operations, validates and
//! records them) or answers every request with fixed bytes (a redirect, a
//! success).
//!
//! The server side is rustls with the ring provider, given explicitly, so
//! the front works the same whatever TLS feature the client under test was
//! built with, and never needs aws-lc or OpenSSL.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

/// The names every server certificate of a [`TestCa`] is valid for.
pub const SERVER_NAMES: [&str; 2] = ["127.0.0.1", "localhost"];

/// Largest request (head plus body) an answering front reads; the clients
/// under test send well under 1 KiB.
const MAX_REQUEST: usize = 64 * 1024;

/// How long [`TlsFront::handshakes_ended`] waits before it fails the test.
const WAIT: Duration = Duration::from_secs(10);

/// A certificate authority made for one test: a self-signed CA certificate
/// and its key, which signs server certificates for [`SERVER_NAMES`].
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TestCa")
    }
}

impl TestCa {
    /// A new CA whose certificate's common name is `name`.
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("a CA key");
        let issuer = CertifiedIssuer::self_signed(params, key).expect("a CA certificate");
        Self { issuer }
    }

    /// The CA certificate, PEM: what a client adds as a root, or puts in
    /// `SSL_CERT_FILE`.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for [`SERVER_NAMES`] signed by this CA, with its key.
    fn server_identity(
        &self,
    ) -> (
        Vec<pki_types::CertificateDer<'static>>,
        pki_types::PrivateKeyDer<'static>,
    ) {
        let mut params =
            CertificateParams::new(SERVER_NAMES.map(str::to_owned).to_vec()).expect("server names");
        params
            .distinguished_name
            .push(DnType::CommonName, "vast-api-rs test server");
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().expect("a server key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("a server certificate");
        let chain = vec![cert.der().clone(), self.issuer.der().clone()];
        let key = pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
        (chain, key)
    }
}

/// What a [`TlsFront`] does with the decrypted bytes of a connection.
#[derive(Clone, Debug)]
pub enum Behind {
    /// Forward them to this plain-HTTP server (and its answers back).
    Forward(SocketAddr),
    /// Read one request (head and `Content-Length` body, at most 64 KiB),
    /// record its head, write these bytes as the answer, close.
    Answer(Vec<u8>),
}

/// What a front saw.
#[derive(Default)]
struct Seen {
    /// TCP connections accepted.
    connections: AtomicUsize,
    /// TLS handshakes that succeeded.
    handshakes: AtomicUsize,
    /// TLS handshakes that failed (the client refused the certificate…).
    failed_handshakes: AtomicUsize,
    /// The request heads an answering front read.
    heads: Mutex<Vec<String>>,
}

/// An HTTPS server on 127.0.0.1 with a certificate of a [`TestCa`]. It stops
/// when dropped.
pub struct TlsFront {
    addr: SocketAddr,
    seen: Arc<Seen>,
    /// The number of handshakes that have ended (either way).
    ended: watch::Receiver<usize>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for TlsFront {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFront")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TlsFront {
    /// Binds 127.0.0.1 on a free port (ready when this returns) and serves
    /// with a server certificate that `ca` signs.
    pub async fn start(ca: &TestCa, behind: Behind) -> std::io::Result<Self> {
        let (chain, key) = ca.server_identity();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key))
            .map_err(std::io::Error::other)?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let seen = Arc::new(Seen::default());
        let (ended_tx, ended) = watch::channel(0usize);
        let ended_tx = Arc::new(ended_tx);
        let task = tokio::spawn({
            let seen = seen.clone();
            async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    seen.connections.fetch_add(1, Ordering::SeqCst);
                    let (acceptor, seen, behind) = (acceptor.clone(), seen.clone(), behind.clone());
                    let ended_tx = ended_tx.clone();
                    tokio::spawn(async move {
                        let tls = acceptor.accept(tcp).await;
                        let counter = match &tls {
                            Ok(_) => &seen.handshakes,
                            Err(_) => &seen.failed_handshakes,
                        };
                        counter.fetch_add(1, Ordering::SeqCst);
                        ended_tx.send_modify(|n| *n += 1);
                        if let Ok(tls) = tls {
                            serve(tls, &behind, &seen).await;
                        }
                    });
                }
            }
        });
        Ok(Self {
            addr,
            seen,
            ended,
            task,
        })
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    /// `https://<host>:<port>`, for a URL that names the server another way
    /// (`localhost`).
    pub fn url_as(&self, host: &str) -> String {
        format!("https://{host}:{}", self.addr.port())
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.seen.connections.load(Ordering::SeqCst)
    }

    /// TLS handshakes that succeeded so far.
    pub fn handshakes(&self) -> usize {
        self.seen.handshakes.load(Ordering::SeqCst)
    }

    /// TLS handshakes that failed so far.
    pub fn failed_handshakes(&self) -> usize {
        self.seen.failed_handshakes.load(Ordering::SeqCst)
    }

    /// The heads of the requests an answering front ([`Behind::Answer`]) read.
    pub fn request_heads(&self) -> Vec<String> {
        self.seen
            .heads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Waits until `n` handshakes have ended, either way: a client that gave
    /// up on the certificate has returned before this side read its alert.
    /// Panics after 10 s.
    pub async fn handshakes_ended(&self, n: usize) {
        let mut ended = self.ended.clone();
        let wait = ended.wait_for(|ended| *ended >= n);
        match tokio::time::timeout(WAIT, wait).await {
            Ok(Ok(_)) => {}
            _ => panic!("{n} TLS handshakes did not end within {WAIT:?}"),
        }
    }
}

/// Serves one decrypted connection.
async fn serve(mut tls: tokio_rustls::server::TlsStream<TcpStream>, behind: &Behind, seen: &Seen) {
    match behind {
        Behind::Forward(addr) => {
            if let Ok(mut plain) = TcpStream::connect(addr).await {
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            }
        }
        Behind::Answer(answer) => {
            if let Some(head) = read_request(&mut tls).await {
                seen.heads
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(head);
                let _ = tls.write_all(answer).await;
                let _ = tls.shutdown().await;
            }
        }
    }
}

/// Reads one request's head and `Content-Length` body; returns the head, or
/// `None` if the connection ended first or the request is over 64 KiB.
async fn read_request(tls: &mut tokio_rustls::server::TlsStream<TcpStream>) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = head
                .lines()
                .filter_map(|l| l.split_once(':'))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if len > MAX_REQUEST {
                return None;
            }
            if buf.len() >= end + 4 + len {
                return Some(head);
            }
        }
        if buf.len() > MAX_REQUEST {
            return None;
        }
        match tls.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A complete HTTP/1.1 answer: `status` (with its reason), `headers`, a JSON
/// `body`, `Connection: close`.
pub fn answer(status: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!(
        "content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ));
    text.into_bytes()
}
