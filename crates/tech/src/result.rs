//! What detection reports: each technology with its categories, version, confidence, status and the
//! evidence behind it (which pattern, where, the matched snippet, which page).

use serde::{Deserialize, Serialize};

use crate::set::Kind;

/// Confidence at which a technology counts as detected; below it, it is only `possible`.
pub const DETECTED_AT: u8 = 50;
/// The most a weak hint (a bare path fragment in markup, a class name in inline CSS) contributes.
pub const WEAK_CAP: u8 = 25;

/// Every technology found on a page or a site, detected ones first (by confidence, then name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detections {
    pub technologies: Vec<Detection>,
}

impl Detections {
    pub fn get(&self, name: &str) -> Option<&Detection> {
        self.technologies.iter().find(|d| d.name == name)
    }

    /// Whether `name` was detected (not merely possible).
    pub fn is_detected(&self, name: &str) -> bool {
        self.get(name).is_some_and(|d| d.status == Status::Detected)
    }

    pub fn detected(&self) -> impl Iterator<Item = &Detection> {
        self.technologies.iter().filter(|d| d.status == Status::Detected)
    }

    pub fn possible(&self) -> impl Iterator<Item = &Detection> {
        self.technologies.iter().filter(|d| d.status == Status::Possible)
    }

    /// Names of the detected technologies.
    pub fn names(&self) -> Vec<&str> {
        self.detected().map(|d| d.name.as_str()).collect()
    }
}

/// Detected: confidence ≥ [`DETECTED_AT`]. Possible: some evidence, but less.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Detected,
    Possible,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: u32,
    pub name: String,
}

/// Where a technology's rules came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub file: String,
    pub license: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    pub name: String,
    pub categories: Vec<Category>,
    /// The highest version any evidence read.
    pub version: Option<String>,
    /// 0–100: the sum of what each distinct pattern contributed (and implications), capped at 100.
    pub confidence: u8,
    pub status: Status,
    pub website: Option<String>,
    pub source: Provenance,
    pub evidence: Vec<Evidence>,
}

/// How much a piece of evidence counts. See the crate docs for the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Full pattern confidence: headers, cookies, meta, script URLs and code, js globals, dom, URL,
    /// robots, DNS, and markup that is more than a bare fragment.
    Strong,
    /// At most [`WEAK_CAP`]: a bare literal `html` pattern (a path fragment), or `css` inside an inline
    /// `<style>`.
    Weak,
    /// Nothing: a `text` pattern, or an `html` pattern whose match lies wholly in visible prose.
    Mention,
    /// Carried over from a technology that implies this one.
    Implied,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub kind: Kind,
    /// Header, cookie or meta name, js property chain, DNS record type, dom selector; for implied
    /// evidence the implying technology.
    pub key: Option<String>,
    /// The pattern as written in its file.
    pub pattern: String,
    /// The matched text, at most 120 characters.
    pub snippet: String,
    /// The URL of the page it was found on (empty for site-level evidence given without a page URL).
    pub page: String,
    pub strength: Strength,
    /// What this evidence contributed to the confidence.
    pub confidence: u8,
}

/// At most 120 characters of `s`, whitespace runs collapsed.
pub(crate) fn snippet(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(128));
    let mut count = 0;
    let mut space = false;
    for c in s.trim().chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            count += 1;
            space = false;
        }
        if count >= 120 {
            break;
        }
        out.push(c);
        count += 1;
    }
    if count >= 120 {
        out.truncate(out.char_indices().nth(119).map_or(out.len(), |(i, _)| i));
        out.push('…');
    }
    out
}
