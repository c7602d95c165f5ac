//! Example: cancel the sync running into an instance.
//!
//! `cargo run -p vast-api-ext --example cancel_sync -- 6003036`

use vast_api_ext::{Client, ErrorKind, InstanceId, NotSent};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dst) = std::env::args().nth(1) else {
        eprintln!("usage: cancel_sync DST_INSTANCE_ID");
        std::process::exit(2);
    };
    let dst: InstanceId = dst.parse()?;
    let client = Client::from_env()?;
    match client.cancel_sync(dst).await {
        Ok(outcome) => println!("cancelled: {}", outcome.message.unwrap_or_default()),
        Err(e) if e.code() == Some("no_such_instance") => println!("no instance {dst}"),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::RateLimited { .. } | ErrorKind::NotSent(NotSent::Paced { .. })
            ) =>
        {
            eprintln!("try again later: {e}")
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
