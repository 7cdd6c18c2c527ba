//! Domain types for leadsmith, parsed at the edge: once a value is a [`Domain`], [`Email`] or [`Phone`]
//! it is valid and normalised, and nobody downstream re-checks it. No IO lives here.

pub mod audit;
mod cell;
mod company;
mod country;
mod domain;
mod email;
mod facts;
mod lead;
mod outcome;
mod phone;
mod placeholder;
mod score;

pub use cell::Cell;
pub use company::normalize_company_name;
pub use country::{iso_country, normalise_country};
pub use domain::{Domain, DomainError, website_url};
pub use email::{Email, EmailError};
pub use facts::{Address, Fact, FactKind, FactSource, LegalNotice, Owner, PageFacts, PageLinks};
pub use lead::{LeadId, LeadInput, LeadRecord};
pub use outcome::{CrawlStatus, PageOutcome};
pub use phone::{Phone, PhoneError};
pub use placeholder::{clean_value, is_placeholder};
pub use score::{ComponentScore, FactorHit, Gain, NamedScore, ScoreBreakdown, Tier};
