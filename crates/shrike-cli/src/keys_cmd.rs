//! `shrike keys create --data DIR --scope S [--scope S] [--name N] [--config FILE]`: creates
//! an API key in the data directory's records store (or the configured one) and prints it as
//! the last line of output; only its hash is stored. `shrike keys list` lists keys.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use shrike_records::{Change, NewApiKey, Scopes};
use shrike_server::config::Config;

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// Create a key; prints it as the last line (store it: it is never shown again).
    Create(CreateArgs),
    /// List keys (never their secrets).
    List(Common),
}

#[derive(clap::Args)]
pub(crate) struct Common {
    /// TOML configuration file (its records URL and data directory are used).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Data directory whose records store holds the keys.
    #[arg(long)]
    data: Option<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct CreateArgs {
    #[command(flatten)]
    common: Common,
    /// decide, ingest or admin (repeat or separate with commas).
    #[arg(long, required = true)]
    scope: Vec<String>,
    /// A name for the key, e.g. the calling service.
    #[arg(long, default_value = "cli")]
    name: String,
}

pub(crate) fn run(cmd: Command) -> Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(async {
        match cmd {
            Command::Create(a) => create(a).await,
            Command::List(c) => list(c).await,
        }
    })
}

fn config(c: &Common) -> Result<Config> {
    let mut config = match &c.config {
        Some(p) => Config::from_file(p)?,
        None => Config::default(),
    };
    config.apply_env(|k| std::env::var(k).ok())?;
    if let Some(d) = &c.data {
        config.data.dir = d.clone();
    }
    Ok(config)
}

async fn create(a: CreateArgs) -> Result<ExitCode> {
    let config = config(&a.common)?;
    let scopes: Scopes = a.scope.join(",").parse()?;
    if scopes.is_empty() {
        bail!("give at least one --scope (decide, ingest, admin)");
    }
    let records = shrike_server::records::open(&config).await.context("opening the records store")?;
    let (secret, hash) = shrike_records::generate_key()?;
    let change = Change { actor: "cli", at: shrike_server::records::now_ms() };
    let key = records.create_key(&NewApiKey { name: &a.name, scopes, hash: &hash }, change).await?;
    eprintln!("created key {} ({}) with scopes {}", key.id, key.name, key.scopes);
    println!("{}", secret.expose());
    records.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn list(c: Common) -> Result<ExitCode> {
    let config = config(&c)?;
    let records = shrike_server::records::open(&config).await.context("opening the records store")?;
    let page = records.keys(None, 1_000).await?;
    for k in page.items {
        let state = if k.revoked_at.is_some() { "revoked" } else { "active" };
        println!("{}\t{}\t{}\t{state}", k.id, k.name, k.scopes);
    }
    records.close().await;
    Ok(ExitCode::SUCCESS)
}
