//! `shrike serve [--config FILE] [--listen ADDR] [--data DIR] [--policy FILE]`: the decision
//! service. Flags override the environment, which overrides the file, which overrides the
//! defaults (docs/operations.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use shrike_server::config::Config;
use shrike_server::service::Service;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// TOML configuration file (every key optional; see docs/operations.md).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Data directory (journal, snapshots, records).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Policy to publish as the first version when the data directory has none.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Log as JSON lines instead of text.
    #[arg(long)]
    json_logs: bool,
}

pub(crate) fn run(args: Args) -> Result<ExitCode> {
    init_logs(args.json_logs);
    let config = load(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(serve(config))?;
    Ok(ExitCode::SUCCESS)
}

fn load(args: &Args) -> Result<Config> {
    let mut config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::default(),
    };
    config.apply_env(|k| std::env::var(k).ok())?;
    if let Some(l) = args.listen {
        config.server.listen = l;
    }
    if let Some(d) = &args.data {
        config.data.dir = d.clone();
    }
    if let Some(p) = &args.policy {
        config.policy.initial = Some(p.clone());
    }
    config.validate()?;
    Ok(config)
}

async fn serve(config: Config) -> Result<()> {
    let start = shrike_server::boot::open(&config).await?;
    let svc = Service::start(config, start).await?;
    println!("shrike listening on http://{}", svc.addr);
    shutdown_signal().await;
    tracing::info!("shutting down: draining requests, committing, snapshotting");
    svc.stop().await?;
    Ok(())
}

/// SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SHRIKE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
