//! Example: copy a directory from one instance to another.
//!
//! `cargo run -p vast-api-ext --example copy_between_instances -- C.6003036:/workspace/data/ C.7001234:/workspace/`
//! (the key comes from `VAST_API_KEY` or `~/.config/vastai/vast_api_key`).

use vast_api_ext::{Client, Location};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(src), Some(dst)) = (args.next(), args.next()) else {
        eprintln!("usage: copy_between_instances SRC DST   (e.g. C.123:/workspace/data/)");
        std::process::exit(2);
    };
    let src: Location = src.parse()?;
    let dst: Location = dst.parse()?;
    let client = Client::from_env()?;
    let outcome = client.copy(&src, &dst).await?;
    println!(
        "copy {src} -> {dst}: {}",
        outcome.message.unwrap_or_else(|| "started".into())
    );
    Ok(())
}
