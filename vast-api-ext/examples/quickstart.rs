//! The README's main job, offline: copy, cloud copy, cancel sync and cancel copy against the
//! embedded mock server, with one scripted `429` retried. No key, no network.
//!
//! Run: `cargo run --example quickstart`

use std::time::Instant;
use vast_api_ext::{Client, CloudCopy, ConnectionId, InstanceId, Location, Transfer};
use vast_mock::{Fault, MockServer, Operation, When};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The mock checks every request against the merged spec and answers with its examples.
    let mock = MockServer::start().await?;
    // The first copy is refused the way Vast refuses a burst: plain-text 429, Retry-After: 1.
    mock.fault(
        Operation::Copy,
        When::Nth(1),
        Fault::too_many_requests().with_retry_after_secs(1),
    );
    println!("mock Vast API on {}", mock.uri());

    // A key is required by the client; the mock accepts any non-empty one.
    let client = Client::builder()
        .api_key("quickstart-key")
        .base_url(mock.uri())
        .build()?;

    let started = Instant::now();
    let src: Location = "C.11824:/workspace/data/".parse()?;
    let dst: Location = "C.6003036:/workspace/".parse()?;
    let copy = client.copy(&src, &dst).await?;
    let retried = match copy.attempts {
        1 => String::new(),
        n => format!(
            "; {} refused with 429, the call took {:.1} s",
            if n == 2 {
                "the first was".to_owned()
            } else {
                format!("{} were", n - 1)
            },
            started.elapsed().as_secs_f64()
        ),
    };
    println!(
        "copy {src} -> {dst}: {} (attempts: {}{retried})",
        copy.message.as_deref().unwrap_or("started"),
        copy.attempts,
    );

    let upload = CloudCopy::new(
        InstanceId::new(6003036)?,
        ConnectionId(1004),
        Transfer::InstanceToCloud,
    )
    .src("/workspace/results")
    .dst("my-bucket/results")
    .size_only(true);
    let cloud = client.cloud_copy(&upload).await?;
    println!(
        "cloud copy ({}): {} (result: {}, attempts: {})",
        upload.transfer(),
        cloud.message.as_deref().unwrap_or("started"),
        cloud.result_url.as_deref().unwrap_or("none"),
        cloud.attempts,
    );

    let cancel = client.cancel_sync(InstanceId::new(6003036)?).await?;
    println!(
        "cancel sync 6003036: {} (attempts: {})",
        cancel.message.as_deref().unwrap_or("canceled"),
        cancel.attempts,
    );

    let cancel = client.cancel_copy(InstanceId::new(6003036)?).await?;
    println!(
        "cancel copy 6003036: {} (attempts: {})",
        cancel.message.as_deref().unwrap_or("canceled"),
        cancel.attempts,
    );

    // What the server saw: five requests (one refused with 429), four operations applied.
    println!(
        "mock received {} requests and applied {} operations",
        mock.requests().len(),
        mock.applied().len()
    );
    Ok(())
}
