//! Tracing: a span per call names the operation and status, and no log line
//! holds the key. In its own test binary so that no other test's callsites
//! race with the subscriber set here.
#![allow(clippy::unwrap_used)]

mod common;

use common::{KEY, answering, client};
use std::sync::{Arc, Mutex};
use vast_api_ext::{ErrorKind, InstanceId};
use vast_mock::Fault;

/// A writer that keeps everything logged, for the log test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn trace_logs_name_the_operation_but_never_the_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = answering(Fault::text(401, "bad key")).await;
    let err = client(&server)
        .cancel_sync(InstanceId::new(1).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Unauthorized { .. }));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("cancel sync"), "{logs}");
    assert!(logs.contains("status=401"), "{logs}");
    assert!(!logs.contains(KEY), "{logs}");
}
