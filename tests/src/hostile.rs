//! A hostile HTTP/1.1 server on 127.0.0.1: answers that never end, lie about
//! their length, drip or never come, for the hostile-answer tests
//! (`tests/hostile.rs`, `tests/arbitrary_answers.rs`), the virtual-clock
//! deadline test (`tests/deadline.rs`), the retry-table agreement test
//! (`vast-cli/tests/agreement.rs`) and the `vast-hostile` binary behind the
//! "Hostile answers" figures of BENCHMARKS.md. It reports each request it
//! has read ([`HostileServer::next_request`]), so a test on a virtual clock
//! moves time only once the request is out.
//!
//! Each connection reads one request (head and `Content-Length` body), then
//! writes its [`Answer`] and counts the bytes the kernel accepted. It stops
//! when a write fails (the client closed: [`End::ClientClosed`]), when the
//! answer is complete ([`End::Done`]), or after `bound` bytes
//! ([`End::Bound`]), so a client that keeps reading makes the test fail
//! instead of eating memory. The listening socket's send buffer is small
//! ([`SEND_BUFFER`]), and accepted sockets inherit it, so few bytes wait in
//! this side's kernel: what was written is what the client's side took.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;

/// `SO_SNDBUF` asked for on the listening socket (Linux doubles it and
/// keeps at least 4.5 KiB).
pub const SEND_BUFFER: u32 = 16 * 1024;

/// The body of [`Answer::ok`]: a success answer of all three operations.
pub const OK_BODY: &[u8] = br#"{"success":true,"msg":"ok","result_url":"http://127.0.0.1/r"}"#;

/// Bytes per write of an endless body.
const PIECE: usize = 16 * 1024;

/// Largest request head read; the clients under test send well under 1 KiB.
const MAX_REQUEST_HEAD: usize = 64 * 1024;

/// What the server answers on a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `status` with `Content-Length: len` and a body of `len` spaces,
    /// streamed (until the bound).
    Declared {
        /// The status.
        status: u16,
        /// The declared and sent length.
        len: u64,
    },
    /// `status` with `Transfer-Encoding: chunked` and chunks of spaces that
    /// never end (until the bound), optionally with a `Retry-After`.
    EndlessChunked {
        /// The status.
        status: u16,
        /// A `Retry-After` header value, if any.
        retry_after: Option<String>,
    },
    /// `200` with `Content-Length: len`, then one space every `every`.
    Drip {
        /// Time between two bytes.
        every: Duration,
        /// The declared length (the bound cuts it short).
        len: u64,
    },
    /// A status line, then header lines without end (until the bound).
    EndlessHeaders,
    /// These bytes exactly, then the connection is closed.
    Raw(Vec<u8>),
    /// Nothing: the request is read and never answered; the connection
    /// ends when the client closes it (or after `bound` bytes more from it).
    Silent,
}

impl Answer {
    /// The issue's `200` with a 2 GiB `Content-Length`.
    pub fn two_gib() -> Self {
        Self::Declared {
            status: 200,
            len: 2 << 30,
        }
    }

    /// An endless chunked body with `status`.
    pub fn endless(status: u16) -> Self {
        Self::EndlessChunked {
            status,
            retry_after: None,
        }
    }

    /// `200` with [`OK_BODY`] and its `Content-Length`.
    pub fn ok() -> Self {
        let mut raw = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            OK_BODY.len()
        )
        .into_bytes();
        raw.extend_from_slice(OK_BODY);
        Self::Raw(raw)
    }

    /// `200` with [`OK_BODY`] in two chunks, no length declared.
    pub fn ok_chunked() -> Self {
        let (a, b) = OK_BODY.split_at(OK_BODY.len() / 2);
        let mut raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
        for part in [a, b] {
            raw.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
            raw.extend_from_slice(part);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"0\r\n\r\n");
        Self::Raw(raw)
    }
}

/// How a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// A write failed: the client closed the connection.
    ClientClosed,
    /// The answer was written in full.
    Done,
    /// The server wrote its bound and closed: the client kept reading.
    Bound,
}

/// One connection's account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Served {
    /// Bytes of the answer (head included) the kernel accepted.
    pub written: u64,
    /// How it ended.
    pub end: End,
}

/// The server; it stops serving when dropped.
#[derive(Debug)]
pub struct HostileServer {
    addr: SocketAddr,
    answers: Arc<Mutex<VecDeque<Answer>>>,
    served: mpsc::UnboundedReceiver<Served>,
    requests: mpsc::UnboundedReceiver<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HostileServer {
    /// Binds 127.0.0.1 on a free port (ready when this returns) with the
    /// answers given, one per connection; the last one repeats. Every
    /// connection stops after writing `bound` bytes.
    pub async fn start(answers: Vec<Answer>, bound: u64) -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0".parse().expect("an address"), answers, bound).await
    }

    /// [`start`](Self::start) on `addr`.
    pub async fn start_on(
        addr: SocketAddr,
        answers: Vec<Answer>,
        bound: u64,
    ) -> std::io::Result<Self> {
        assert!(!answers.is_empty(), "at least one answer");
        let socket = TcpSocket::new_v4()?;
        socket.set_send_buffer_size(SEND_BUFFER)?;
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        let listener = socket.listen(64)?;
        let addr = listener.local_addr()?;
        let answers = Arc::new(Mutex::new(VecDeque::from(answers)));
        let (tx, served) = mpsc::unbounded_channel();
        let (read, requests) = mpsc::unbounded_channel();
        let task = tokio::spawn(accept(listener, answers.clone(), tx, read, bound));
        Ok(Self {
            addr,
            answers,
            served,
            requests,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the answers for the next connections.
    pub fn answer(&self, answers: Vec<Answer>) {
        assert!(!answers.is_empty(), "at least one answer");
        *self.answers.lock().unwrap_or_else(|e| e.into_inner()) = answers.into();
    }

    /// The account of the next connection to end (in the order they end).
    pub async fn next_served(&mut self) -> Served {
        self.served.recv().await.expect("the server is running")
    }

    /// Returns when the next request has been read in full (before it is
    /// answered): a test on a virtual clock moves time only then.
    pub async fn next_request(&mut self) {
        self.requests.recv().await.expect("the server is running");
    }

    /// How many requests were read in full since the last call of this
    /// method or of [`next_request`](Self::next_request) took them. A
    /// request is counted before it is answered, so once a client has its
    /// answer, its request is in this count.
    pub fn requests_read(&mut self) -> usize {
        let mut n = 0;
        while self.requests.try_recv().is_ok() {
            n += 1;
        }
        n
    }
}

async fn accept(
    listener: TcpListener,
    answers: Arc<Mutex<VecDeque<Answer>>>,
    tx: mpsc::UnboundedSender<Served>,
    read: mpsc::UnboundedSender<()>,
    bound: u64,
) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let answer = {
            let mut queue = answers.lock().unwrap_or_else(|e| e.into_inner());
            if queue.len() > 1 {
                queue.pop_front()
            } else {
                queue.front().cloned()
            }
        };
        let Some(answer) = answer else { continue };
        let (tx, read) = (tx.clone(), read.clone());
        connections.spawn(async move {
            let served = serve(stream, &answer, bound, &read).await;
            let _ = tx.send(served);
        });
        // Reap finished connections so a long run holds no dead tasks.
        while connections.try_join_next().is_some() {}
    }
}

/// Reads one request: its head, then `Content-Length` bytes of body.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if head.len() > MAX_REQUEST_HEAD {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    };
    let text = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
    let len: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut have = head.len() - end;
    while have < len {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        have += n;
    }
    Ok(())
}

/// Counts what the kernel accepts, up to the bound.
struct Counter<'a> {
    stream: &'a mut TcpStream,
    written: u64,
    bound: u64,
}

impl Counter<'_> {
    /// Writes `bytes` (cut at the bound); `Err(end)` when the connection is over.
    async fn write(&mut self, bytes: &[u8]) -> Result<(), End> {
        let room = usize::try_from(self.bound - self.written).unwrap_or(usize::MAX);
        let cut = &bytes[..bytes.len().min(room)];
        let mut at = 0;
        while at < cut.len() {
            match self.stream.write(&cut[at..]).await {
                Ok(0) | Err(_) => return Err(End::ClientClosed),
                Ok(n) => {
                    at += n;
                    self.written += n as u64;
                }
            }
        }
        if self.written >= self.bound {
            return Err(End::Bound);
        }
        Ok(())
    }
}

async fn serve(
    mut stream: TcpStream,
    answer: &Answer,
    bound: u64,
    read: &mpsc::UnboundedSender<()>,
) -> Served {
    if read_request(&mut stream).await.is_err() {
        return Served {
            written: 0,
            end: End::ClientClosed,
        };
    }
    let _ = read.send(());
    let mut out = Counter {
        stream: &mut stream,
        written: 0,
        bound,
    };
    let end = match write_answer(&mut out, answer).await {
        Ok(()) => End::Done,
        Err(end) => end,
    };
    let written = out.written;
    // Closing with unread request bytes would reset the connection; there
    // are none (the request was read), so this is an orderly close.
    let _ = stream.shutdown().await;
    Served { written, end }
}

async fn write_answer(out: &mut Counter<'_>, answer: &Answer) -> Result<(), End> {
    let spaces = [b' '; PIECE];
    match answer {
        Answer::Silent => {
            // Nothing is written: wait for the client to close, reading
            // (and dropping) at most `bound` bytes it may still send.
            let mut buf = [0u8; 4096];
            let mut taken = 0u64;
            loop {
                match out.stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return Err(End::ClientClosed),
                    Ok(n) => {
                        taken += n as u64;
                        if taken >= out.bound {
                            return Err(End::Bound);
                        }
                    }
                }
            }
        }
        Answer::Declared { status, len } => {
            out.write(head(*status, &format!("Content-Length: {len}\r\n")).as_bytes())
                .await?;
            let mut left = *len;
            while left > 0 {
                let n = left.min(PIECE as u64) as usize;
                out.write(&spaces[..n]).await?;
                left -= n as u64;
            }
        }
        Answer::EndlessChunked {
            status,
            retry_after,
        } => {
            let extra = match retry_after {
                Some(v) => format!("Transfer-Encoding: chunked\r\nRetry-After: {v}\r\n"),
                None => "Transfer-Encoding: chunked\r\n".to_owned(),
            };
            out.write(head(*status, &extra).as_bytes()).await?;
            let mut chunk = format!("{PIECE:x}\r\n").into_bytes();
            chunk.extend_from_slice(&spaces);
            chunk.extend_from_slice(b"\r\n");
            loop {
                out.write(&chunk).await?;
            }
        }
        Answer::Drip { every, len } => {
            out.write(head(200, &format!("Content-Length: {len}\r\n")).as_bytes())
                .await?;
            // Never in bursts after a stall: the bytes stay `every` apart,
            // so `len` bytes take at least `len * every`.
            let mut tick = tokio::time::interval(*every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            for _ in 0..*len {
                tick.tick().await;
                out.write(b" ").await?;
            }
        }
        Answer::EndlessHeaders => {
            out.write(b"HTTP/1.1 200 OK\r\n").await?;
            let mut line = Vec::with_capacity(PIECE);
            for n in 0u64.. {
                line.clear();
                line.extend_from_slice(format!("X-Filler-{n}: ").as_bytes());
                line.extend_from_slice(&[b'a'; 100]);
                line.extend_from_slice(b"\r\n");
                out.write(&line).await?;
            }
        }
        Answer::Raw(bytes) => out.write(bytes).await?,
    }
    Ok(())
}

fn head(status: u16, extra: &str) -> String {
    format!("HTTP/1.1 {status} Hostile\r\nContent-Type: application/json\r\n{extra}\r\n")
}
