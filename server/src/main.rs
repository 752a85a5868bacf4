//! `ardoise-server`: the reference central ENT.

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;

/// The reference central ENT of Ardoise.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Folder of the server's data (created if missing).
    #[arg(long)]
    data: PathBuf,
    /// Address to listen on, e.g. 127.0.0.1:8787 (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: String,
    /// Seed the demo school into an empty store.
    #[arg(long)]
    demo: bool,
    /// Size of the demo school: demo (20 classes), large (about 100,000 records), or a
    /// number of classes.
    #[arg(long, default_value = "demo", requires = "demo")]
    size: String,
    /// Storage quota of each user in the espace documentaire, in MiB.
    #[arg(long, default_value_t = ardoise_server::DEFAULT_QUOTA_BYTES / (1024 * 1024))]
    quota_mb: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ARDOISE_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let options = ardoise_fixtures::Options::for_size(&args.size)
        .ok_or_else(|| anyhow::anyhow!("--size: demo, large or a number of classes (3 or more)"))?;
    let mut ent = ardoise_server::open(&args.data, args.demo.then_some(&options))?;
    ent.quota_bytes = args.quota_mb.saturating_mul(1024 * 1024);
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    std::io::stdout().flush()?;
    ardoise_server::serve(ent, listener, shutdown_signal()).await?;
    tracing::info!("stopped cleanly");
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = term.recv() => {},
        _ = tokio::signal::ctrl_c() => {},
    }
}
