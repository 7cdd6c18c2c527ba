//! Email and domain signals for a lead, from the addresses the crawl found and the lead's domain:
//!
//! - [`address`]: what an address is without asking anyone — free-mail, disposable, a role (`info@`,
//!   `sales@`) or a person.
//! - [`dns`]: what the domain publishes — MX hosts (and so the mail provider: Google Workspace,
//!   Microsoft 365, …), SPF and DMARC with their policies — over a configurable resolver.
//! - [`smtp`]: an optional RCPT check against the domain's mail server (off by default), which is the only
//!   way an address becomes *valid*; catch-all servers and unreachable ones leave it *unknown*.
//! - [`deliverability`]: the three-state verdict with its reason.
//! - [`pattern`]: the owner's likely address, inferred from the site's personal addresses and their
//!   people's names (`first.last@`, `flast@`, …), always marked inferred.
//!
//! The crate knows nothing of HTTP, the store or the CLI; its callers decide when to look things up.

pub mod address;
pub mod deliverability;
pub mod dns;
pub mod pattern;
pub mod smtp;

pub use address::{AddressKind, classify};
pub use deliverability::{Deliverability, Status, judge};
pub use dns::{Dmarc, DnsChecker, DomainSignals, Mx, Spf};
pub use pattern::{Inferred, infer_address};
pub use smtp::{SmtpOptions, SmtpVerdict, probe};
