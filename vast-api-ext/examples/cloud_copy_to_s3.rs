//! Example: upload a directory of an instance to an S3 cloud connection.
//!
//! `cargo run -p vast-api-ext --example cloud_copy_to_s3 -- 6003036 1004 /workspace/results my-bucket/results`
//! (the connection id is listed by `vastai show connections`).

use vast_api_ext::{Client, CloudCopy, ConnectionId, InstanceId, Transfer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [instance, connection, src, dst] = args.as_slice() else {
        eprintln!("usage: cloud_copy_to_s3 INSTANCE CONNECTION SRC DST");
        std::process::exit(2);
    };
    let instance: InstanceId = instance.parse()?;
    let connection: ConnectionId = connection.parse()?;
    let request = CloudCopy::new(instance, connection, Transfer::InstanceToCloud)
        .src(src.as_str())
        .dst(dst.as_str())
        .size_only(true);
    let client = Client::from_env()?;
    let outcome = client.cloud_copy(&request).await?;
    println!(
        "cloud copy started: {} (result: {})",
        outcome.message.unwrap_or_default(),
        outcome.result_url.unwrap_or_else(|| "none".into())
    );
    Ok(())
}
