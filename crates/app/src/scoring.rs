//! The scoring the app is configured with: the rules from `[pipeline] rules` (or the shipped default)
//! blended with the named scores of `[scoring]` — the blend itself lives in `leadsmith_score::blend`.

use anyhow::{Context, Result};
use leadsmith_score::Rules;
pub use leadsmith_score::Scoring;

pub use crate::config::{NamedScoreSettings, ScoringSettings};

/// Opens the scoring configured in `settings` (rules from `pipeline.rules` or the shipped default).
pub fn from_settings(settings: &crate::config::Settings) -> Result<Scoring> {
    let rules = match &settings.pipeline.rules {
        Some(path) => Rules::from_path(path).with_context(|| format!("loading rules {}", path.display()))?,
        None => Rules::default_rules(),
    };
    Ok(Scoring::load(rules, &settings.scoring.spec()?)?)
}
