//! Technology detection over the open Wappalyzer fingerprint format: load technologies (our embedded
//! defaults, a file, or a directory of files) into a [`FingerprintSet`], compile it once into a
//! [`Detector`], and detect on [`Page`]s — one at a time or merged over a site with [`SiteScan`]. The
//! crate knows nothing of HTTP clients, the store or the CLI: the caller fetches and fills [`Page`].
//!
//! ```
//! use leadsmith_tech::{Detector, FingerprintSet, Page};
//!
//! let mut set = FingerprintSet::builtin();
//! let warnings = set
//!     .load_json("mine.json", r#"{"Acme Widget": {"cats": [5], "scriptSrc": "widget\\.acme\\.test/v([\\d.]+)/\\;version:\\1"}}"#)
//!     .unwrap();
//! assert!(warnings.is_empty());
//! let detector = Detector::new(&set);
//! let page = Page::new("https://shop.test/", r#"<script src="https://widget.acme.test/v2.1/w.js"></script>"#)
//!     .header("Server", "nginx/1.25.3");
//! let found = detector.detect(&page);
//! assert_eq!(found.get("Acme Widget").unwrap().version.as_deref(), Some("2.1"));
//! assert!(found.is_detected("Nginx"));
//! ```
//!
//! # Supported keys
//! `cats`, `website`, `headers`, `cookies` (a name ending in `*` matches by prefix), `meta`, `scriptSrc`,
//! `scripts` (inline script bodies), `html`, `text` (visible text), `css` (inline `<style>` bodies and
//! stylesheet URLs), `url`, `dom` (string, array, or selector → `exists`/`text`/`attributes`), `js`
//! (globals the page's inline scripts assign), `robots`, `dns`, `implies`, `requires`,
//! `requiresCategory`, `excludes`; pattern fields `\;confidence:N` and `\;version:\1` (also `\1?a:b`).
//! `xhr`, `certIssuer`, `probe` and `dom` `properties` need a browser or extra requests: they are ignored
//! with a warning. JavaScript regexes are translated (see [`Warning`] for what is skipped) and matched
//! case-insensitively, as Wappalyzer does.
//!
//! # How evidence counts (the mention-only rule)
//! Every distinct pattern that matched contributes once, however many pages it matched on:
//! - **strong** evidence contributes the pattern's confidence (100 unless it says otherwise): headers,
//!   cookies, meta, script URLs, inline script code, `js` globals, `dom`, URL, robots.txt, DNS, and `html`
//!   matches in markup (tags, attributes, comments, script and style bodies);
//! - **weak** evidence contributes at most [`WEAK_CAP`] (25): an `html` pattern that is one bare literal
//!   with no markup in it (no `<`, `>`, `=` or quote: a path fragment such as `/wp-content/`, which a tag
//!   manager or a hot-linked image can put on any page), and a `css` match inside an inline `<style>`
//!   (copied theme CSS);
//! - **mentions** contribute nothing: every `text` match, and an `html` match lying wholly inside visible
//!   prose ("we integrate with Mailchimp"). A technology with only mentions is not reported at all;
//!   alongside other evidence a mention is listed but adds nothing.
//!
//! A technology's confidence is the sum, plus what implications carry (the implier's confidence times the
//! implication's), capped at 100. At [`DETECTED_AT`] (50) or more it is [`Status::Detected`]; above 0 but
//! below, [`Status::Possible`] — so one weak hint alone is at most possible, and two distinct weak hints
//! make a detection. `requires` (every named technology detected) and `requiresCategory` (some detected
//! technology in the category) are checked after implication; a technology that fails them is dropped
//! along with what it implied. Then each detected technology, most confident first, drops those it
//! `excludes`. The highest version read wins.
//!
//! # Provenance
//! The community fingerprint sets are GPL-licensed; we ship none of their data. Each [`Detection`] names
//! the file its rules came from and that file's licence field (`"$license"` at the top level, or a
//! wrapped file's `"license"`). Our own defaults are `builtin/*.json`, Apache-2.0.

mod categories;
mod detector;
mod dom;
mod error;
mod js;
mod page;
mod pattern;
mod resolve;
mod result;
mod scan;
mod set;

pub use detector::{Detector, SiteScan};
pub use error::{TechError, Warning, WarningKind};
pub use page::{DnsRecord, Page, parse_set_cookie};
pub use result::{Category, DETECTED_AT, Detection, Detections, Evidence, Provenance, Status, Strength, WEAK_CAP};
pub use set::{FingerprintSet, Kind, Source, Technology};
