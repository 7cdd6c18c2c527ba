//! `dom` rules: a CSS selector with a condition (`exists`, `text`, `attributes`), parsed once into a
//! lol_html [`Selector`] and evaluated statically during the page's one streaming pass. `properties` (live
//! DOM properties) have no static equivalent and are skipped with a warning. Each selector also yields the
//! literals (ids, classes, attribute names and values) a page must contain for it to match, so a page runs
//! only the selectors that can match it.

use std::sync::Arc;

use lol_html::Selector;
use serde_json::Value;

use crate::error::WarningKind;
use crate::set::{Ctx, Rule, dom_rule, strings};

/// What must hold for a matched element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DomCond {
    /// The element exists; the pattern carries only confidence and version.
    Exists,
    /// The element's text content matches the pattern.
    Text,
    /// The named attribute is present and its value matches the pattern.
    Attribute(String),
}

/// A selector and its condition; the pattern lives on the [`Rule`].
#[derive(Debug, Clone)]
pub(crate) struct DomRule {
    pub selector: Arc<Selector>,
    pub selector_src: String,
    pub cond: DomCond,
    /// Lower-cased literals one of which the page must contain for the selector to match.
    pub literals: Option<Vec<String>>,
}

const MIN_LITERAL: usize = 3;

/// Reads a `dom` value (string, array of strings, or selector → conditions object) into rules.
pub(crate) fn parse_rules(value: &Value, ctx: &mut Ctx<'_>, rules: &mut Vec<Rule>) {
    match value {
        Value::Object(map) => {
            for (selector_src, conds) in map {
                let Some(selector) = selector(selector_src, ctx) else { continue };
                let Value::Object(conds) = conds else {
                    // `"sel": "pattern"` reads as an existence check with that pattern's fields.
                    for s in strings(conds, "dom", ctx) {
                        push(rules, ctx, &selector, selector_src, DomCond::Exists, &s);
                    }
                    continue;
                };
                for (cond, v) in conds {
                    match cond.as_str() {
                        "exists" => {
                            for s in strings(v, "dom", ctx) {
                                push(rules, ctx, &selector, selector_src, DomCond::Exists, &s);
                            }
                        }
                        "text" => {
                            for s in strings(v, "dom", ctx) {
                                push(rules, ctx, &selector, selector_src, DomCond::Text, &s);
                            }
                        }
                        "attributes" => {
                            let Value::Object(attrs) = v else {
                                ctx.warn(
                                    WarningKind::BadValue,
                                    Some("dom"),
                                    Some(selector_src),
                                    "attributes must be an object; skipped",
                                );
                                continue;
                            };
                            for (attr, pats) in attrs {
                                for s in strings(pats, "dom", ctx) {
                                    let cond = DomCond::Attribute(attr.to_ascii_lowercase());
                                    push(rules, ctx, &selector, selector_src, cond, &s);
                                }
                            }
                        }
                        "properties" => ctx.warn(
                            WarningKind::Unsupported,
                            Some("dom"),
                            Some(selector_src),
                            "DOM properties need a browser; this condition is ignored",
                        ),
                        other => ctx.warn(
                            WarningKind::Unsupported,
                            Some("dom"),
                            Some(selector_src),
                            format!("unknown dom condition `{other}`; ignored"),
                        ),
                    }
                }
            }
        }
        other => {
            for s in strings(other, "dom", ctx) {
                let (sel, fields) = s.split_once("\\;").map_or((s.as_str(), ""), |(a, b)| (a, b));
                let Some(selector) = selector(sel, ctx) else { continue };
                let exists = if fields.is_empty() { String::new() } else { format!("\\;{fields}") };
                push(rules, ctx, &selector, sel, DomCond::Exists, &exists);
            }
        }
    }
}

fn selector(src: &str, ctx: &mut Ctx<'_>) -> Option<Arc<Selector>> {
    match src.parse::<Selector>() {
        Ok(s) => Some(Arc::new(s)),
        Err(e) => {
            ctx.warn(
                WarningKind::BadSelector,
                Some("dom"),
                Some(src),
                format!("selector not supported statically: {e}; skipped"),
            );
            None
        }
    }
}

fn push(rules: &mut Vec<Rule>, ctx: &mut Ctx<'_>, selector: &Arc<Selector>, src: &str, cond: DomCond, pattern: &str) {
    let Some(pattern) = ctx.pattern("dom", pattern) else { return };
    let dom = DomRule {
        selector: Arc::clone(selector),
        selector_src: src.to_string(),
        cond,
        literals: selector_literals(src),
    };
    rules.push(dom_rule(dom, pattern));
}

/// One literal per comma-separated alternative (its longest id, class, attribute name or value, or tag
/// name), lower-cased; `None` when some alternative has none long enough to filter on.
pub(crate) fn selector_literals(src: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for alt in split_top_level(src) {
        let best =
            tokens(alt).into_iter().filter(|t| t.len() >= MIN_LITERAL && !t.contains('&')).max_by_key(String::len)?;
        out.push(best.to_ascii_lowercase());
    }
    out.sort();
    out.dedup();
    (!out.is_empty()).then_some(out)
}

fn split_top_level(src: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (i, c) in src.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&src[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&src[start..]);
    parts
}

/// Names a matching element's markup must contain, outside `:not(…)` and pseudo-class arguments.
fn tokens(alt: &str) -> Vec<String> {
    let chars: Vec<char> = alt.chars().collect();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii();
    let read_ident = |i: &mut usize| {
        let s = *i;
        while *i < chars.len() && ident(chars[*i]) {
            *i += 1;
        }
        chars[s..*i].iter().collect::<String>()
    };
    let mut out = Vec::new();
    let mut i = 0;
    let mut at_compound_start = true;
    while i < chars.len() {
        match chars[i] {
            '#' | '.' => {
                i += 1;
                out.push(read_ident(&mut i));
                at_compound_start = false;
            }
            '[' => {
                i += 1;
                let close = chars[i..].iter().position(|&c| c == ']').map_or(chars.len(), |p| i + p);
                let inner: String = chars[i..close].iter().collect();
                let (name, value) = match inner.split_once('=') {
                    Some((n, v)) => (n.trim_end_matches(['*', '^', '$', '~', '|']).trim(), Some(v.trim())),
                    None => (inner.trim(), None),
                };
                out.push(name.to_string());
                if let Some(v) = value {
                    let v = v.trim_end_matches(" i").trim_end_matches(" s").trim();
                    out.push(v.trim_matches(['"', '\'']).to_string());
                }
                i = close + 1;
                at_compound_start = false;
            }
            ':' => {
                // Skip the pseudo-class and any argument: `:not(.x)` must not make `.x` required.
                i += 1;
                while i < chars.len() && (chars[i] == ':' || ident(chars[i])) {
                    i += 1;
                }
                if chars.get(i) == Some(&'(') {
                    let mut depth = 0;
                    while i < chars.len() {
                        match chars[i] {
                            '(' => depth += 1,
                            ')' => {
                                depth -= 1;
                                if depth == 0 {
                                    i += 1;
                                    break;
                                }
                            }
                            _ => {}
                        }
                        i += 1;
                    }
                }
                at_compound_start = false;
            }
            c if ident(c) && at_compound_start => {
                out.push(read_ident(&mut i));
                at_compound_start = false;
            }
            ' ' | '>' | '+' | '~' => {
                i += 1;
                at_compound_start = true;
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_from_selectors() {
        assert_eq!(selector_literals("#wpadminbar"), Some(vec!["wpadminbar".into()]));
        assert_eq!(selector_literals("link[href*='cdn.shopify.com']"), Some(vec!["cdn.shopify.com".into()]));
        assert_eq!(
            selector_literals("div.elementor-widget, .elementor"),
            Some(vec!["elementor".into(), "elementor-widget".into()])
        );
        assert_eq!(selector_literals("[data-reactroot]"), Some(vec!["data-reactroot".into()]));
        assert_eq!(selector_literals("script:not([src*='jquery.min.js'])"), Some(vec!["script".into()]));
        assert_eq!(selector_literals("body > div"), Some(vec!["body".into()]));
        assert_eq!(selector_literals("a, #x"), None, "one alternative has nothing long enough");
        assert_eq!(
            selector_literals("iframe[src^=\"https://calendly.com/\"]"),
            Some(vec!["https://calendly.com/".into()])
        );
    }
}
