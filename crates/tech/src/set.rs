//! The fingerprint set: technologies read from Wappalyzer-format JSON (a file, a directory of `*.json`
//! as the community sets are split by letter, or a string), the category table, and where each
//! technology came from. Patterns are compiled here, so every warning names its file and technology.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::categories;
use crate::dom::DomRule;
use crate::error::{TechError, Warning, WarningKind};
use crate::pattern::Pattern;

/// Where a rule came from: the file (or the name a string was loaded under) and its licence field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Source {
    pub file: String,
    /// The file's `"$license"` (or `"$licence"`, or a wrapper's `"license"`) when it gives one.
    pub license: Option<String>,
}

/// The evidence a pattern reads, named as the format names its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    Headers,
    Cookies,
    Meta,
    ScriptSrc,
    Scripts,
    Html,
    Text,
    Css,
    Url,
    Dom,
    Js,
    Robots,
    Dns,
    /// Not a pattern: the technology was implied by another one.
    Implied,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Headers => "headers",
            Self::Cookies => "cookies",
            Self::Meta => "meta",
            Self::ScriptSrc => "scriptSrc",
            Self::Scripts => "scripts",
            Self::Html => "html",
            Self::Text => "text",
            Self::Css => "css",
            Self::Url => "url",
            Self::Dom => "dom",
            Self::Js => "js",
            Self::Robots => "robots",
            Self::Dns => "dns",
            Self::Implied => "implies",
        }
    }
}

/// One pattern of one technology.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub kind: Kind,
    /// Header, cookie or meta name (lower-cased), js property chain, DNS record type (upper-cased), or the
    /// `dom` selector as written.
    pub key: Option<String>,
    pub pattern: Pattern,
    pub dom: Option<DomRule>,
}

/// One technology as loaded.
#[derive(Debug, Clone)]
pub struct Technology {
    pub(crate) name: String,
    pub(crate) cats: Vec<u32>,
    pub(crate) website: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) rules: Vec<Rule>,
    /// `(name, confidence)`.
    pub(crate) implies: Vec<(String, u8)>,
    pub(crate) requires: Vec<String>,
    pub(crate) requires_category: Vec<u32>,
    pub(crate) excludes: Vec<String>,
    pub(crate) source: Arc<Source>,
}

impl Technology {
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Category ids, as the file gives them.
    pub fn category_ids(&self) -> &[u32] {
        &self.cats
    }
    pub fn website(&self) -> Option<&str> {
        self.website.as_deref()
    }
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    pub fn source(&self) -> &Source {
        &self.source
    }
    /// How many patterns survived loading.
    pub fn pattern_count(&self) -> usize {
        self.rules.len()
    }
    /// Technologies this one implies, with the confidence the implication carries.
    pub fn implies(&self) -> &[(String, u8)] {
        &self.implies
    }
}

/// Our own default fingerprints, embedded: `(file name, JSON)`.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
    ("builtin/advertising.json", include_str!("../fingerprints/advertising.json")),
    ("builtin/analytics.json", include_str!("../fingerprints/analytics.json")),
    ("builtin/booking.json", include_str!("../fingerprints/booking.json")),
    ("builtin/cdn-hosting.json", include_str!("../fingerprints/cdn-hosting.json")),
    ("builtin/chat.json", include_str!("../fingerprints/chat.json")),
    ("builtin/cms.json", include_str!("../fingerprints/cms.json")),
    ("builtin/consent.json", include_str!("../fingerprints/consent.json")),
    ("builtin/ecommerce.json", include_str!("../fingerprints/ecommerce.json")),
    ("builtin/email.json", include_str!("../fingerprints/email.json")),
    ("builtin/javascript.json", include_str!("../fingerprints/javascript.json")),
    ("builtin/marketing.json", include_str!("../fingerprints/marketing.json")),
    ("builtin/misc.json", include_str!("../fingerprints/misc.json")),
    ("builtin/payments.json", include_str!("../fingerprints/payments.json")),
    ("builtin/reviews.json", include_str!("../fingerprints/reviews.json")),
    ("builtin/servers.json", include_str!("../fingerprints/servers.json")),
];

/// Technologies and categories to build a [`Detector`](crate::Detector) from.
#[derive(Debug, Clone)]
pub struct FingerprintSet {
    pub(crate) techs: Vec<Technology>,
    by_name: HashMap<String, usize>,
    pub(crate) categories: BTreeMap<u32, String>,
}

impl Default for FingerprintSet {
    fn default() -> Self {
        Self::new()
    }
}

impl FingerprintSet {
    /// No technologies; our category table (which a loaded `categories.json` extends or overrides).
    pub fn new() -> Self {
        let categories = categories::DEFAULT.iter().map(|(id, name)| (*id, (*name).to_string())).collect();
        Self { techs: Vec::new(), by_name: HashMap::new(), categories }
    }

    /// Our default fingerprints (written for leadsmith, Apache-2.0). Their tests check that they load
    /// without a warning.
    pub fn builtin() -> Self {
        let mut set = Self::new();
        for (file, json) in BUILTIN {
            // A parse failure here is a bug in our own files, which the tests catch.
            let _ = set.load_json(file, json);
        }
        set
    }

    pub fn len(&self) -> usize {
        self.techs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.techs.is_empty()
    }

    pub fn technologies(&self) -> impl Iterator<Item = &Technology> {
        self.techs.iter()
    }

    pub fn get(&self, name: &str) -> Option<&Technology> {
        self.by_name.get(name).map(|&i| &self.techs[i])
    }

    /// Category id → name.
    pub fn categories(&self) -> &BTreeMap<u32, String> {
        &self.categories
    }

    /// Loads a file, or every `*.json` file of a directory in name order (`categories.json` as the
    /// category table). A technology already in the set is replaced by the later definition, so user
    /// files override the defaults.
    pub fn load_path(&mut self, path: impl AsRef<Path>) -> Result<Vec<Warning>, TechError> {
        let path = path.as_ref();
        let io = |source| TechError::Io { path: path.to_path_buf(), source };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_dir() {
            let text = std::fs::read_to_string(path).map_err(io)?;
            return self.load_json(&path.display().to_string(), &text);
        }
        let mut files = Vec::new();
        for entry in std::fs::read_dir(path).map_err(io)? {
            let p = entry.map_err(io)?.path();
            if p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
                files.push(p);
            }
        }
        files.sort();
        // Categories first, so the technology files' `cats` can be checked against them.
        files.sort_by_key(|p| !is_categories_file(&p.display().to_string()));
        let mut warnings = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|source| TechError::Io { path: file.clone(), source })?;
            warnings.extend(self.load_json(&file.display().to_string(), &text)?);
        }
        Ok(warnings)
    }

    /// Loads one JSON document: a technologies object (name → technology), the wrapped form
    /// `{"technologies": {…}, "categories": {…}}`, or (when `file` is named `categories.json`) a category
    /// table. `file` names the source in warnings and detections.
    pub fn load_json(&mut self, file: &str, json: &str) -> Result<Vec<Warning>, TechError> {
        let value: Value =
            serde_json::from_str(json).map_err(|source| TechError::Json { file: file.into(), source })?;
        let Value::Object(root) = value else {
            return Err(TechError::Format { file: file.into(), message: "the top level must be a JSON object".into() });
        };
        let mut warnings = Vec::new();
        if is_categories_file(file) {
            self.load_categories(file, &root, &mut warnings);
            return Ok(warnings);
        }
        let wrapped = root.get("technologies").or_else(|| root.get("apps")).and_then(Value::as_object);
        let license = ["$license", "$licence", "license", "licence"]
            .iter()
            .find_map(|k| root.get(*k).and_then(Value::as_str))
            .map(str::to_string);
        let source = Arc::new(Source { file: file.into(), license });
        if let Some(techs) = wrapped {
            if let Some(Value::Object(cats)) = root.get("categories") {
                self.load_categories(file, cats, &mut warnings);
            }
            self.load_technologies(&source, techs, &mut warnings);
        } else {
            self.load_technologies(&source, &root, &mut warnings);
        }
        Ok(warnings)
    }

    fn load_categories(&mut self, file: &str, cats: &Map<String, Value>, warnings: &mut Vec<Warning>) {
        for (id, value) in cats {
            let name = value.get("name").and_then(Value::as_str).or_else(|| value.as_str());
            match (id.parse::<u32>(), name) {
                (Ok(id), Some(name)) => {
                    self.categories.insert(id, name.to_string());
                }
                _ => warnings.push(Warning {
                    kind: WarningKind::BadValue,
                    file: file.into(),
                    technology: None,
                    key: Some(format!("categories.{id}")),
                    pattern: None,
                    message: "a category needs a numeric id and a name; skipped".into(),
                }),
            }
        }
    }

    fn load_technologies(&mut self, source: &Arc<Source>, techs: &Map<String, Value>, warnings: &mut Vec<Warning>) {
        for (name, value) in techs {
            if name.starts_with('$') || (["license", "licence"].contains(&name.as_str()) && value.is_string()) {
                continue;
            }
            let mut ctx = Ctx { file: &source.file, tech: name, warnings };
            let Value::Object(fields) = value else {
                ctx.warn(WarningKind::BadValue, None, None, "a technology must be a JSON object; skipped");
                continue;
            };
            let tech = parse_technology(name, fields, source, &mut ctx, &self.categories);
            match self.by_name.get(name) {
                Some(&i) => self.techs[i] = tech,
                None => {
                    self.by_name.insert(name.clone(), self.techs.len());
                    self.techs.push(tech);
                }
            }
        }
    }
}

fn is_categories_file(file: &str) -> bool {
    Path::new(file).file_name().is_some_and(|n| n.eq_ignore_ascii_case("categories.json"))
}

/// Where warnings go while one technology is read.
pub(crate) struct Ctx<'a> {
    pub file: &'a str,
    pub tech: &'a str,
    pub warnings: &'a mut Vec<Warning>,
}

impl Ctx<'_> {
    pub fn warn(&mut self, kind: WarningKind, key: Option<&str>, pattern: Option<&str>, message: impl Into<String>) {
        self.warnings.push(Warning {
            kind,
            file: self.file.into(),
            technology: Some(self.tech.into()),
            key: key.map(str::to_string),
            pattern: pattern.map(str::to_string),
            message: message.into(),
        });
    }

    /// Compiles a pattern, or warns and gives `None`.
    pub fn pattern(&mut self, key: &str, source: &str) -> Option<Pattern> {
        match Pattern::parse(source) {
            Ok(p) => Some(p),
            Err(e) => {
                self.warn(WarningKind::BadPattern, Some(key), Some(source), e.to_string());
                None
            }
        }
    }
}

/// Keys that describe a technology rather than detect it.
const METADATA: &[&str] = &["website", "description", "icon", "cpe", "saas", "oss", "pricing", "cats"];
/// Evidence that needs a browser, a TLS handshake or extra requests.
const UNSUPPORTED: &[&str] = &["xhr", "certIssuer", "probe"];

fn parse_technology(
    name: &str,
    fields: &Map<String, Value>,
    source: &Arc<Source>,
    ctx: &mut Ctx<'_>,
    categories: &BTreeMap<u32, String>,
) -> Technology {
    let mut tech = Technology {
        name: name.to_string(),
        cats: Vec::new(),
        website: fields.get("website").and_then(Value::as_str).map(str::to_string),
        description: fields.get("description").and_then(Value::as_str).map(str::to_string),
        rules: Vec::new(),
        implies: Vec::new(),
        requires: Vec::new(),
        requires_category: Vec::new(),
        excludes: Vec::new(),
        source: Arc::clone(source),
    };
    if let Some(cats) = fields.get("cats") {
        tech.cats = ids(cats, "cats", ctx);
        for id in &tech.cats {
            if !categories.contains_key(id) {
                ctx.warn(WarningKind::UnknownReference, Some("cats"), None, format!("unknown category {id}"));
            }
        }
    }
    for (key, value) in fields {
        let key = key.as_str();
        match key {
            _ if METADATA.contains(&key) => {}
            _ if UNSUPPORTED.contains(&key) => {
                ctx.warn(WarningKind::Unsupported, Some(key), None, "needs a browser or a network probe; ignored")
            }
            "html" | "text" | "css" | "url" | "scriptSrc" | "scripts" | "robots" => {
                let kind = match key {
                    "html" => Kind::Html,
                    "text" => Kind::Text,
                    "css" => Kind::Css,
                    "url" => Kind::Url,
                    "scriptSrc" => Kind::ScriptSrc,
                    "scripts" => Kind::Scripts,
                    _ => Kind::Robots,
                };
                for s in strings(value, key, ctx) {
                    if let Some(pattern) = ctx.pattern(key, &s) {
                        tech.rules.push(Rule { kind, key: None, pattern, dom: None });
                    }
                }
            }
            "headers" | "cookies" | "meta" | "js" | "dns" => {
                let kind = match key {
                    "headers" => Kind::Headers,
                    "cookies" => Kind::Cookies,
                    "meta" => Kind::Meta,
                    "js" => Kind::Js,
                    _ => Kind::Dns,
                };
                let Value::Object(map) = value else {
                    ctx.warn(WarningKind::BadValue, Some(key), None, "must be an object of name → pattern; skipped");
                    continue;
                };
                for (name, patterns) in map {
                    let name = match kind {
                        Kind::Js => name.clone(),
                        Kind::Dns => name.to_ascii_uppercase(),
                        _ => name.to_ascii_lowercase(),
                    };
                    let full_key = format!("{key}.{name}");
                    for s in strings(patterns, &full_key, ctx) {
                        if let Some(pattern) = ctx.pattern(&full_key, &s) {
                            tech.rules.push(Rule { kind, key: Some(name.clone()), pattern, dom: None });
                        }
                    }
                }
            }
            "dom" => crate::dom::parse_rules(value, ctx, &mut tech.rules),
            "implies" => {
                for s in strings(value, key, ctx) {
                    let mut parts = s.split("\\;");
                    let target = parts.next().unwrap_or_default().trim().to_string();
                    let confidence = parts
                        .filter_map(|f| f.strip_prefix("confidence:"))
                        .find_map(|n| n.trim().parse::<u8>().ok())
                        .unwrap_or(100)
                        .min(100);
                    if !target.is_empty() {
                        tech.implies.push((target, confidence));
                    }
                }
            }
            "requires" => tech.requires = strings(value, key, ctx),
            "excludes" => tech.excludes = strings(value, key, ctx),
            "requiresCategory" => tech.requires_category = ids(value, key, ctx),
            _ => ctx.warn(WarningKind::Unsupported, Some(key), None, "unknown key; ignored"),
        }
    }
    tech
}

/// A string or an array of strings; anything else warns.
pub(crate) fn strings(value: &Value, key: &str, ctx: &mut Ctx<'_>) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                other => {
                    ctx.warn(WarningKind::BadValue, Some(key), Some(&other.to_string()), "not a string; skipped");
                    None
                }
            })
            .collect(),
        other => {
            ctx.warn(
                WarningKind::BadValue,
                Some(key),
                Some(&other.to_string()),
                "expected a string or an array of strings; skipped",
            );
            Vec::new()
        }
    }
}

fn ids(value: &Value, key: &str, ctx: &mut Ctx<'_>) -> Vec<u32> {
    let one = |v: &Value| v.as_u64().map(|n| n as u32).or_else(|| v.as_str().and_then(|s| s.parse().ok()));
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .filter_map(|v| {
            let id = one(v);
            if id.is_none() {
                ctx.warn(WarningKind::BadValue, Some(key), Some(&v.to_string()), "not a category id; skipped");
            }
            id
        })
        .collect()
}

/// A `dom` condition paired with its compiled pattern.
pub(crate) fn dom_rule(dom: DomRule, pattern: Pattern) -> Rule {
    Rule { kind: Kind::Dom, key: Some(dom.selector_src.clone()), pattern, dom: Some(dom) }
}
