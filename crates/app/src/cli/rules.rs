//! `leadsmith config check` and `leadsmith rules show-default|check|features`: the effective settings,
//! validated, and the scoring rules.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use super::Ctx;

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Validate the settings (file + environment) and print the effective values.
    Check,
}

#[derive(Subcommand)]
pub enum RulesCommand {
    /// Print the shipped default rules (a starting point for your own).
    ShowDefault,
    /// Load and validate a rules file.
    Check { path: PathBuf },
    /// Every lead feature rules and models can use (name, type and meaning) and every audit finding.
    Features,
}

/// `leadsmith config …`.
pub fn config(ctx: &Ctx, command: &ConfigCommand) -> Result<()> {
    match command {
        ConfigCommand::Check => check(ctx),
    }
}

fn check(ctx: &Ctx) -> Result<()> {
    let source = match &ctx.config {
        Some(p) => p.display().to_string(),
        None if std::path::Path::new("leadsmith.toml").exists() => "leadsmith.toml".to_string(),
        None => "defaults (no leadsmith.toml here)".to_string(),
    };
    println!("# settings from {source}, after LEADSMITH_* environment overrides: valid");
    if let Some(rules) = &ctx.settings.pipeline.rules {
        let r = leadsmith_score::Rules::from_path(rules)?;
        println!("# rules {}: valid ({} features referenced)", rules.display(), r.feature_names().len());
    }
    let scoring = crate::scoring::from_settings(&ctx.settings)?;
    if !ctx.settings.scoring.scores.is_empty() {
        println!("# scores (final = weighted mean of the scores with a weight):");
        for line in scoring.describe() {
            println!("#   {line}");
        }
    }
    for warning in scoring.warnings() {
        println!("# warning: {warning}");
    }
    if ctx.settings.crawl.allow_addresses.is_empty() {
        println!("# the crawler refuses private, loopback, link-local, CGNAT and metadata addresses");
    }
    print!("{}", ctx.settings.to_toml());
    Ok(())
}

/// `leadsmith rules …`.
pub fn rules(command: &RulesCommand) -> Result<()> {
    match command {
        RulesCommand::ShowDefault => print!("{}", leadsmith_score::Rules::default_source()),
        RulesCommand::Features => {
            for f in leadsmith_score::KNOWN_FEATURES {
                println!("{:<22} {:<7} {}", f.name, f.kind.as_str(), f.about);
            }
            println!("\naudit findings (`finding: ID`), by category:");
            for c in leadsmith_core::audit::CHECKS {
                println!(
                    "{:<28} {:<11} {:<8} {}",
                    c.id,
                    c.category,
                    format!("{:?}", c.severity).to_lowercase(),
                    c.recommendation
                );
            }
        }
        RulesCommand::Check { path } => {
            let rules = leadsmith_score::Rules::from_path(path)?;
            println!("{}: ok ({} features referenced)", path.display(), rules.feature_names().len());
        }
    }
    Ok(())
}
