//! A minimal HTTP/1.1 server on 127.0.0.1 answering the spec's 200 examples; it counts connections.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, body::Incoming, service::service_fn};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use vast_mock::Operation;
use vast_mock::spec::spec;

/// The running server.
#[derive(Debug)]
pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub uri: String,
    connections: Arc<AtomicUsize>,
}

impl Server {
    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }
}

/// The 200 body of each operation, as `vast-mock` answers it: the spec's
/// example, or (cloud copy, which has none upstream) the body it builds from
/// the 200 schema.
fn bodies() -> Vec<(hyper::Method, &'static str, Bytes)> {
    Operation::ALL
        .into_iter()
        .map(|op| {
            let body = spec()
                .success_body(op)
                .expect("the embedded spec has every Operation");
            let method = hyper::Method::from_bytes(op.method().as_bytes())
                .expect("the spec's methods are HTTP methods");
            (method, op.path(), Bytes::from(body.to_string()))
        })
        .collect()
}

/// Starts the server on the current tokio runtime.
pub async fn start() -> std::io::Result<Server> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let uri = format!("http://{}", listener.local_addr()?);
    let connections = Arc::new(AtomicUsize::new(0));
    let bodies = Arc::new(bodies());
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::Relaxed);
            let bodies = bodies.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<Incoming>| {
                    let bodies = bodies.clone();
                    async move {
                        // Read the whole request body, as a real server would.
                        let (parts, body) = req.into_parts();
                        let _ = http_body_util::BodyExt::collect(body).await;
                        let found = bodies
                            .iter()
                            .find(|(m, p, _)| *m == parts.method && *p == parts.uri.path());
                        match found {
                            Some((_, _, body)) => Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(body.clone())),
                            None => Response::builder()
                                .status(404)
                                .body(Full::new(Bytes::new())),
                        }
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(Server { uri, connections })
}
