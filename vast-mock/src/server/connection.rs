//! Connections: the accept loop, one hyper HTTP/1 connection per client, and closing one without an answer.

use super::Shared;
use super::pipeline::{self, Reply};
use crate::body::MockBody;
use hyper::Response;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// Accepts connections until aborted (dropping the server aborts it, and
/// with it every connection task).
pub(super) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                connections.spawn(serve_connection(stream, Arc::clone(&shared)));
            }
            Err(e) => {
                tracing::warn!(error = %e, "vast-mock: accept failed");
                // Out of file descriptors and the like: give the system a moment.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        // Forget the connections that have ended, so the set holds only the
        // live ones (and what ended since the last connection came).
        while connections.try_join_next().is_some() {}
    }
}

/// Serves one connection's requests through the [`pipeline`], until the
/// client closes it or a request's [`Reply::Close`] does.
async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let drop_now = Arc::new(Notify::new());
    let signal = Arc::clone(&drop_now);
    let buffer = shared.limits.hyper_buffer();
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&shared);
        let signal = Arc::clone(&signal);
        async move {
            match pipeline::handle(request, &shared).await {
                Reply::Answer(response) => Ok(response),
                Reply::Close => drop_connection(&signal).await,
            }
        }
    });
    // `half_close`: a client may shut down its sending side once the
    // request is sent and still read the answer (hyper's default drops such
    // a connection unanswered if the EOF is seen before the answer is ready).
    let connection = hyper::server::conn::http1::Builder::new()
        .max_buf_size(buffer)
        .half_close(true)
        .serve_connection(TokioIo::new(stream), service);
    // Served until it ends or a reply closes it: then dropping the
    // connection future closes the socket without an answer. (A `select!`
    // of two futures, without tokio's `macros` feature.)
    let mut connection = pin!(connection);
    let mut closed = pin!(drop_now.notified());
    let ended = poll_fn(|cx| {
        if closed.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Ok(()));
        }
        connection.as_mut().poll(cx)
    })
    .await;
    if let Err(e) = ended {
        tracing::debug!(error = %e, "vast-mock: connection ended with an error");
    }
}

/// Closes the connection: wakes `serve_connection`, which drops it; never returns.
async fn drop_connection(signal: &Notify) -> Result<Response<MockBody>, Infallible> {
    signal.notify_one();
    std::future::pending().await
}

#[cfg(test)]
mod tests {
    use super::accept_loop;
    use crate::server::tests::{script, shared};
    use crate::{Fault, Operation, When};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    const REQUEST: &[u8] = b"DELETE /api/v0/commands/rclone/ HTTP/1.1\r\nhost: x\r\n\
        authorization: Bearer k\r\ncontent-type: application/json\r\ncontent-length: 12\r\n\r\n\
        {\"dst_id\":7}";

    /// Sends `REQUEST` on a new connection to the loop and reads until the
    /// server closes it.
    async fn exchange(addr: std::net::SocketAddr) -> Vec<u8> {
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream.write_all(REQUEST).await.expect("sends");
        stream.shutdown().await.expect("half-closes");
        let mut answer = Vec::new();
        // The server closing (or resetting) the connection ends the read.
        let _ = stream.read_to_end(&mut answer).await;
        answer
    }

    #[tokio::test]
    async fn a_request_is_answered_and_a_close_reply_ends_the_connection_unanswered() {
        let shared = Arc::new(shared(|state| {
            script(
                state,
                Operation::CancelSync,
                When::Nth(2),
                Fault::DropBeforeAnswer,
            );
        }));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("bound");
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));

        let answered = exchange(addr).await;
        assert!(answered.starts_with(b"HTTP/1.1 200 OK\r\n"), "{answered:?}");
        let dropped = exchange(addr).await;
        assert!(dropped.is_empty(), "{}", String::from_utf8_lossy(&dropped));
        assert_eq!(shared.state().records.requests.len(), 2);
        task.abort();
    }
}
