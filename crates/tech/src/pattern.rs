//! One fingerprint pattern: the `regex\;confidence:N\;version:\1` string parsed, its JavaScript regex
//! translated to the `regex` crate's dialect (case-insensitive, as Wappalyzer compiles them), the literal
//! prefilter that decides whether it can match a page at all, and its version template.

use regex::{Regex, RegexBuilder};
use regex_syntax::hir::{Hir, HirKind};

/// Literals shorter than this select too much of a page to be worth a prefilter entry.
const MIN_LITERAL: usize = 3;
/// An alternation with more branches than this is run unfiltered rather than bloating the automaton.
const MAX_LITERALS: usize = 32;
/// Compiled size cap per pattern: a rule set is untrusted input.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// A pattern string that parsed and compiled.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// The pattern as written in the file, `\;` fields included.
    pub source: String,
    /// `None` for an empty pattern, which matches any value (existence checks).
    pub regex: Option<Regex>,
    /// 0–100; 100 unless the pattern says `\;confidence:N`.
    pub confidence: u8,
    /// `\;version:` template (`\1`, `\1?a:b`, literal text).
    pub version: Option<String>,
    /// Lower-cased literals one of which every match contains; `None` when no useful one exists.
    pub literals: Option<Vec<String>>,
    /// The regex is one plain literal (`/wp-content/`) with no markup context in it (no `<`, `>`, `=` or
    /// quote): a fragment that can sit anywhere.
    pub bare_literal: bool,
}

/// Why a pattern was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PatternError {
    /// JavaScript syntax the `regex` crate cannot express (lookaround, backreferences).
    Unsupported(&'static str),
    /// Did not compile after translation.
    Invalid(String),
    /// A `\;` field that is not `confidence:N` or `version:…`, or a confidence that is not 0–100.
    BadField(String),
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unsupported(what) => write!(f, "unsupported regex syntax ({what}); pattern skipped"),
            Self::Invalid(e) => write!(f, "invalid regex; pattern skipped: {e}"),
            Self::BadField(field) => write!(f, "bad pattern field `{field}`; pattern skipped"),
        }
    }
}

impl Pattern {
    /// Parses and compiles one pattern string.
    pub fn parse(source: &str) -> Result<Self, PatternError> {
        let mut parts = source.split("\\;");
        let regex_src = parts.next().unwrap_or_default();
        let mut confidence = 100u8;
        let mut version = None;
        for field in parts {
            if let Some(n) = field.strip_prefix("confidence:") {
                confidence = n
                    .trim()
                    .parse::<u8>()
                    .ok()
                    .filter(|c| *c <= 100)
                    .ok_or_else(|| PatternError::BadField(field.into()))?;
            } else if let Some(v) = field.strip_prefix("version:") {
                version = Some(v.to_string()).filter(|v| !v.is_empty());
            } else {
                return Err(PatternError::BadField(field.into()));
            }
        }
        if regex_src.is_empty() {
            return Ok(Self {
                source: source.into(),
                regex: None,
                confidence,
                version,
                literals: None,
                bare_literal: false,
            });
        }
        let translated = translate(regex_src)?;
        let regex = RegexBuilder::new(&translated)
            .case_insensitive(true)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| PatternError::Invalid(first_line(&e.to_string())))?;
        let hir = regex_syntax::ParserBuilder::new().build().parse(&translated).ok();
        let literals = hir.as_ref().and_then(required_literals).filter(|set| usable(set));
        let bare_literal = hir.as_ref().is_some_and(|h| match strip_captures(h).kind() {
            HirKind::Literal(lit) => !lit.0.iter().any(|b| b"<>=\"'".contains(b)),
            _ => false,
        });
        Ok(Self { source: source.into(), regex: Some(regex), confidence, version, literals, bare_literal })
    }

    /// The first match in `hay` as `(start, end, version)`; an empty pattern matches all of `hay`.
    pub fn find(&self, hay: &str) -> Option<Match> {
        match &self.regex {
            None => Some(Match {
                start: 0,
                end: hay.len(),
                version: self.version.as_deref().and_then(|t| render_version(t, &[])),
            }),
            Some(re) => self.matches(re, hay).next(),
        }
    }

    /// Every match in `hay` (at most `limit`), for callers that must look past the first one.
    pub fn find_iter<'h>(&'h self, hay: &'h str, limit: usize) -> Box<dyn Iterator<Item = Match> + 'h> {
        match &self.regex {
            None => Box::new(self.find(hay).into_iter()),
            Some(re) => Box::new(self.matches(re, hay).take(limit)),
        }
    }

    fn matches<'h>(&'h self, re: &'h Regex, hay: &'h str) -> Box<dyn Iterator<Item = Match> + 'h> {
        match &self.version {
            // Capture groups only when a version needs them: `find_iter` is the cheaper engine path.
            Some(template) if template.contains('\\') => Box::new(re.captures_iter(hay).map(move |caps| {
                let whole = caps.get(0).map_or(0..0, |m| m.range());
                let groups: Vec<&str> = (1..caps.len()).map(|i| caps.get(i).map_or("", |m| m.as_str())).collect();
                Match { start: whole.start, end: whole.end, version: render_version(template, &groups) }
            })),
            template => {
                let version = template.as_deref().and_then(|t| render_version(t, &[]));
                Box::new(re.find_iter(hay).map(move |m| Match {
                    start: m.start(),
                    end: m.end(),
                    version: version.clone(),
                }))
            }
        }
    }
}

/// Where a pattern matched, and the version it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Match {
    pub start: usize,
    pub end: usize,
    pub version: Option<String>,
}

fn first_line(s: &str) -> String {
    s.lines().rfind(|l| !l.trim().is_empty()).unwrap_or(s).trim().to_string()
}

/// Rewrites a JavaScript regex (no flags) into the `regex` crate's syntax, or says why it cannot.
///
/// Differences handled: `\/`, `\<`, `\>` and unknown letter escapes are literals in JavaScript; `\d`, `\w`
/// and `\b` are ASCII there (and ASCII is what keeps the lazy DFA on non-ASCII pages); a `{` that does not
/// start a quantifier is a literal; inside a class `[`, `&`, `~` and a second `-` are literals; `[^]` is
/// any character; `\uXXXX`, `\cX`, `\0`. Lookaround and backreferences have no equivalent.
pub(crate) fn translate(js: &str) -> Result<String, PatternError> {
    let chars: Vec<char> = js.chars().collect();
    let mut out = String::with_capacity(js.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = 0usize;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    out.push_str("\\\\");
                    i += 1;
                    continue;
                };
                i += 2;
                match next {
                    'd' => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                    'D' => out.push_str(if in_class { "\\D" } else { "[^0-9]" }),
                    'w' => out.push_str(if in_class { "A-Za-z0-9_" } else { "[A-Za-z0-9_]" }),
                    'W' => out.push_str(if in_class { "\\W" } else { "[^A-Za-z0-9_]" }),
                    'b' if in_class => out.push_str("\\x08"),
                    'b' => out.push_str("(?-u:\\b)"),
                    'B' => out.push_str("(?-u:\\B)"),
                    's' | 'S' | 'n' | 'r' | 't' | 'f' | 'v' => {
                        out.push('\\');
                        out.push(next);
                    }
                    '0' => out.push_str("\\x00"),
                    '1'..='9' => return Err(PatternError::Unsupported("backreference")),
                    'k' if chars.get(i) == Some(&'<') => return Err(PatternError::Unsupported("named backreference")),
                    'x' if hex_run(&chars, i, 2).is_some() => {
                        out.push_str("\\x");
                        out.extend(&chars[i..i + 2]);
                        i += 2;
                    }
                    'u' if hex_run(&chars, i, 4).is_some() => {
                        out.push_str("\\x{");
                        out.extend(&chars[i..i + 4]);
                        out.push('}');
                        i += 4;
                    }
                    'u' if chars.get(i) == Some(&'{') => {
                        let close = chars[i..].iter().position(|&c| c == '}').map(|p| i + p);
                        let Some(close) = close else { return Err(PatternError::Invalid("unterminated \\u{".into())) };
                        out.push_str("\\x");
                        out.extend(&chars[i..=close]);
                        i = close + 1;
                    }
                    'c' if chars.get(i).is_some_and(char::is_ascii_alphabetic) => {
                        let ctl = (chars[i].to_ascii_uppercase() as u32) % 32;
                        out.push_str(&format!("\\x{ctl:02X}"));
                        i += 1;
                    }
                    // Anything else escaped is itself in JavaScript (`\.`, `\/`, `\<`, `\i`), escaped again
                    // here only where it is a metacharacter.
                    other => push_literal(&mut out, other),
                }
            }
            '[' if !in_class => {
                if chars.get(i + 1) == Some(&'^') && chars.get(i + 2) == Some(&']') {
                    out.push_str("[\\s\\S]");
                    i += 3;
                    continue;
                }
                if chars.get(i + 1) == Some(&']') {
                    // `[]` never matches in JavaScript.
                    out.push_str("[^\\s\\S]");
                    i += 2;
                    continue;
                }
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                class_start = out.len();
                // A `]` first in a class is a literal in neither dialect's reading we want: JavaScript ends
                // the (empty) class there; handled above.
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
                i += 1;
            }
            '[' | '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
                i += 1;
            }
            '-' if in_class && out.ends_with('-') && out.len() > class_start => {
                out.push_str("\\-");
                i += 1;
            }
            '(' if !in_class && chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i + 2..chars.len().min(i + 4)].iter().collect();
                if rest.starts_with('=') || rest.starts_with('!') {
                    return Err(PatternError::Unsupported("lookahead"));
                }
                if rest.starts_with("<=") || rest.starts_with("<!") {
                    return Err(PatternError::Unsupported("lookbehind"));
                }
                out.push('(');
                i += 1;
            }
            '{' if !in_class => match quantifier_len(&chars, i) {
                Some(len) if i > 0 => {
                    out.extend(&chars[i..i + len]);
                    i += len;
                }
                _ => {
                    out.push_str("\\{");
                    i += 1;
                }
            },
            '}' if !in_class => {
                out.push_str("\\}");
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    if in_class {
        return Err(PatternError::Invalid("unterminated character class".into()));
    }
    Ok(out)
}

fn push_literal(out: &mut String, c: char) {
    let mut buf = [0u8; 4];
    out.push_str(&regex::escape(c.encode_utf8(&mut buf)));
}

fn hex_run(chars: &[char], at: usize, n: usize) -> Option<()> {
    (chars.len() >= at + n && chars[at..at + n].iter().all(char::is_ascii_hexdigit)).then_some(())
}

/// Length of `{n}`, `{n,}` or `{n,m}` at `at`, when that is what is there.
fn quantifier_len(chars: &[char], at: usize) -> Option<usize> {
    let mut j = at + 1;
    let digits = |j: &mut usize| {
        let s = *j;
        while chars.get(*j).is_some_and(char::is_ascii_digit) {
            *j += 1;
        }
        *j > s
    };
    if !digits(&mut j) {
        return None;
    }
    if chars.get(j) == Some(&',') {
        j += 1;
        digits(&mut j);
    }
    (chars.get(j) == Some(&'}')).then_some(j + 1 - at)
}

fn strip_captures(hir: &Hir) -> &Hir {
    match hir.kind() {
        HirKind::Capture(c) => strip_captures(&c.sub),
        _ => hir,
    }
}

/// A set of literals (lower-cased) at least one of which occurs in every match of `hir`.
pub(crate) fn required_literals(hir: &Hir) -> Option<Vec<String>> {
    match hir.kind() {
        HirKind::Literal(lit) => {
            let s = std::str::from_utf8(&lit.0).ok()?;
            s.is_ascii().then(|| vec![s.to_ascii_lowercase()])
        }
        HirKind::Capture(c) => required_literals(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required_literals(&r.sub),
        HirKind::Concat(parts) => {
            parts.iter().filter_map(required_literals).filter(|s| usable(s)).max_by_key(|s| score(s))
        }
        HirKind::Alternation(alts) => {
            let mut all = Vec::new();
            for alt in alts {
                all.extend(required_literals(alt).filter(|s| usable(s))?);
                if all.len() > MAX_LITERALS {
                    return None;
                }
            }
            all.sort();
            all.dedup();
            Some(all)
        }
        _ => None,
    }
}

fn usable(set: &[String]) -> bool {
    !set.is_empty() && set.len() <= MAX_LITERALS && set.iter().all(|l| l.len() >= MIN_LITERAL)
}

/// Longer shortest literal first; fewer literals break ties.
fn score(set: &[String]) -> (usize, std::cmp::Reverse<usize>) {
    (set.iter().map(String::len).min().unwrap_or(0), std::cmp::Reverse(set.len()))
}

/// Fills a version template: `\N` is group N, `\N?a:b` is `a` when group N matched something, else `b`.
pub(crate) fn render_version(template: &str, groups: &[&str]) -> Option<String> {
    let group = |n: usize| groups.get(n.wrapping_sub(1)).copied().unwrap_or("");
    let bytes = template.as_bytes();
    // The ternary form covers the whole template in practice (`\1?next:`).
    if let Some(rest) = template.strip_prefix('\\')
        && let Some(q) = rest.find('?')
        && let Ok(n) = rest[..q].parse::<usize>()
    {
        let (yes, no) = rest[q + 1..].split_once(':').unwrap_or((&rest[q + 1..], ""));
        let chosen = if group(n).is_empty() { no } else { yes };
        return render_version(chosen, groups).or_else(|| clean_version(chosen));
    }
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let mut j = i + 1;
            while bytes.get(j).is_some_and(u8::is_ascii_digit) {
                j += 1;
            }
            let n: usize = template[i + 1..j].parse().unwrap_or(0);
            out.push_str(group(n));
            i = j;
        } else {
            let ch = template[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    clean_version(&out)
}

fn clean_version(v: &str) -> Option<String> {
    // `([\d.]+)` before `.min.js` often takes the dot with it.
    let v = v.trim().trim_end_matches('.');
    (!v.is_empty() && v.len() <= 32 && !v.contains('\\')).then(|| v.to_string())
}

/// Orders versions by their numeric dotted parts (`1.10` > `1.9`), text parts compared as text.
pub(crate) fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| -> Vec<(u64, String)> {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|p| !p.is_empty())
            .map(|p| {
                (
                    p.parse::<u64>().unwrap_or(0),
                    if p.bytes().all(|b| b.is_ascii_digit()) { String::new() } else { p.to_string() },
                )
            })
            .collect()
    };
    parts(a).cmp(&parts(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_confidence_and_version() {
        let p = Pattern::parse("jquery[.-]([\\d.]+)\\.js\\;version:\\1\\;confidence:50").unwrap();
        assert_eq!(p.confidence, 50);
        assert!(p.find("/js/jquery-3.6.0").is_none());
        let m = p.find("/js/jquery-3.6.0.js").unwrap();
        assert_eq!(m.version.as_deref(), Some("3.6.0"));
        assert_eq!(p.literals.as_deref(), Some(&["jquery".to_string()][..]));
        assert!(matches!(Pattern::parse("x\\;confidence:200"), Err(PatternError::BadField(_))));
        assert!(matches!(Pattern::parse("x\\;colour:red"), Err(PatternError::BadField(_))));
    }

    #[test]
    fn case_insensitive_like_wappalyzer() {
        let p = Pattern::parse("WordPress").unwrap();
        assert!(p.find("wordpress 6.4").is_some());
        assert!(p.bare_literal);
        assert!(!Pattern::parse("<link[^>]+wp-content").unwrap().bare_literal);
        assert!(!Pattern::parse("<div id=\"x-marker\"").unwrap().bare_literal);
    }

    #[test]
    fn ternary_and_static_versions() {
        assert_eq!(render_version("\\1?4.0:3.0", &["x"]).as_deref(), Some("4.0"));
        assert_eq!(render_version("\\1?4.0:3.0", &[""]).as_deref(), Some("3.0"));
        assert_eq!(render_version("\\1?4.0:", &[""]), None);
        assert_eq!(render_version("\\1.\\2", &["5", "2"]).as_deref(), Some("5.2"));
        assert_eq!(render_version("2", &[]).as_deref(), Some("2"));
        assert_eq!(render_version("\\1", &["3.7.1."]).as_deref(), Some("3.7.1"));
        let p = Pattern::parse("gtag/js(\\?id=G-)?\\;version:\\1?GA4:UA").unwrap();
        assert_eq!(p.find("googletagmanager.com/gtag/js?id=G-XYZ").unwrap().version.as_deref(), Some("GA4"));
        assert_eq!(p.find("googletagmanager.com/gtag/js?id=UA-1").unwrap().version.as_deref(), Some("UA"));
    }

    #[test]
    fn javascript_dialect_translated() {
        for (js, hay) in [
            ("https?:\\/\\/cdn\\.example\\.com\\/", "https://cdn.example.com/a.js"),
            ("\\<div", "<div id=x>"),
            ("function\\(\\){return", "function(){return 1}"),
            ("a{b}", "a{b}"),
            ("a{2}b", "aab"),
            ("[\\w-]+\\.min\\.js", "foo-bar.min.js"),
            ("[^]x", "\nx"),
            ("\\u0041BC", "abc"),
            ("[a-z&]+=1", "a&b=1"),
            ("(?:foo|bar)baz", "barbaz"),
            ("\\_x", "_x"),
        ] {
            let p = Pattern::parse(js).unwrap_or_else(|e| panic!("{js}: {e}"));
            assert!(p.find(hay).is_some(), "{js} on {hay}");
        }
        assert_eq!(Pattern::parse("foo(?=bar)").unwrap_err(), PatternError::Unsupported("lookahead"));
        assert_eq!(Pattern::parse("(?<!x)foo").unwrap_err(), PatternError::Unsupported("lookbehind"));
        assert_eq!(Pattern::parse("(a)\\1").unwrap_err(), PatternError::Unsupported("backreference"));
        assert!(matches!(Pattern::parse("foo(bar"), Err(PatternError::Invalid(_))));
    }

    #[test]
    fn ascii_word_boundary_and_digits() {
        let p = Pattern::parse("\\bshop\\b").unwrap();
        assert!(p.find("a shop here").is_some());
        assert!(p.find("shopify").is_none());
        assert!(Pattern::parse("v\\d").unwrap().find("v٣").is_none(), "\\d is ASCII in JavaScript");
    }

    #[test]
    fn literals_for_the_prefilter() {
        let lits = |s: &str| Pattern::parse(s).unwrap().literals;
        assert_eq!(lits("cdn\\.shopify\\.com"), Some(vec!["cdn.shopify.com".into()]));
        assert_eq!(lits("(?:wp-content|wp-includes)/"), Some(vec!["wp-content".into(), "wp-includes".into()]));
        assert_eq!(lits("ab?"), None, "too short");
        assert_eq!(lits("(foo)?bar[0-9]+"), Some(vec!["bar".into()]));
        assert_eq!(lits("x*"), None);
        assert_eq!(lits("(?:foo|b)"), None, "one branch too short");
    }

    #[test]
    fn version_ordering() {
        use std::cmp::Ordering::*;
        assert_eq!(version_cmp("1.10", "1.9"), Greater);
        assert_eq!(version_cmp("3.6.0", "3.6"), Greater);
        assert_eq!(version_cmp("2", "2"), Equal);
    }
}
