//! `shrike check POLICY`

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use shrike_types::RuleMode;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The policy file.
    policy: PathBuf,
}

pub(crate) fn run(args: Args) -> Result<ExitCode> {
    let path = &args.policy;
    let source = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    match shrike_engine::model_files::compile_policy_file(path, &source) {
        Ok(p) => {
            let shadow = p.rules.iter().filter(|r| r.mode == RuleMode::Shadow).count();
            println!(
                "ok: {} ({}): {} features in {} key groups, {} rules ({} shadow), {} lists, {} models",
                path.display(),
                p.version,
                p.features.len(),
                p.groups.len(),
                p.rules.len(),
                shadow,
                p.lists.len(),
                p.models.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            eprintln!("{}", errors.render(&path.display().to_string(), &source));
            eprintln!("{}: {} error(s)", path.display(), errors.errors.len());
            Ok(ExitCode::from(1))
        }
    }
}
