//! leadsmith scoring: [`lead_features`] turns a lead and its site's facts into named features, and
//! [`Rules`] (a YAML or TOML file, or the shipped default) scores them into a [`ScoreBreakdown`] that says
//! which factor gave which points.
//!
//! [`ScoreBreakdown`]: leadsmith_core::ScoreBreakdown

pub mod blend;
pub mod features;
pub mod rules;

pub use blend::{BlendError, BlendSpec, NamedSpec, Scoring, Source};
pub use features::{Features, KNOWN_FEATURES, TechnologyName, add_site_signals, feature_info, lead_features};
pub use rules::{Rules, RulesError, RulesFormat};
