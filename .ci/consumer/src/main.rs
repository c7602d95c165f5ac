//! A downstream program built from the packaged crates: copy, cloud copy,
//! cancel sync and cancel copy through `vast-api-ext` against the packaged `vast-mock` (which
//! reads the spec the packaged `vast-api` embeds). Exits non-zero on any
//! failure.

use vast_api_ext::{Client, CloudCopy, ConnectionId, InstanceId, Location, Transfer};
use vast_mock::MockServer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::start().await?;
    let client = Client::builder()
        .api_key("consumer-key")
        .base_url(mock.uri())
        .build()?;

    let src: Location = "C.6003036:/workspace/data/".parse()?;
    let dst: Location = "C.7001234:/workspace/".parse()?;
    let copied = client.copy(&src, &dst).await?;
    println!("copy: {:?}", copied.message);

    let upload = CloudCopy::new(
        InstanceId::new(6003036)?,
        ConnectionId(1004),
        Transfer::InstanceToCloud,
    )
    .src("/workspace/results")
    .dst("bucket/results");
    let started = client.cloud_copy(&upload).await?;
    println!("cloud copy: {:?}", started.result_url);

    let cancelled = client.cancel_sync(InstanceId::new(7001234)?).await?;
    println!("cancel sync: {:?}", cancelled.message);

    let cancelled = client.cancel_copy(InstanceId::new(7001234)?).await?;
    println!("cancel copy: {} attempt(s)", cancelled.attempts);

    let applied = mock.applied().len();
    if applied != 4 {
        return Err(format!("the mock applied {applied} operations, not 4").into());
    }
    println!("the packaged mock applied {applied} operations");
    Ok(())
}
