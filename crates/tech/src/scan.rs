//! The page's one streaming lol_html pass: script URLs, inline script and style bodies (as byte ranges of
//! the HTML), meta name/content pairs, stylesheet URLs, the ranges of visible text (to tell markup from
//! prose), and the `dom` rules that the prefilter let through, evaluated on the elements they select.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use lol_html::html_content::{Element, TextChunk, TextType};
use lol_html::{DocumentContentHandlers, ElementContentHandlers, HtmlRewriter, Selector, Settings};

use crate::dom::DomCond;
use crate::pattern::Pattern;
use crate::result::snippet;

/// Elements one selector is evaluated on, at most: enough for any rule, bounded on huge pages.
const MAX_MATCHES_PER_SELECTOR: usize = 32;
/// Text collected per matched element for `text` conditions.
const MAX_DOM_TEXT: usize = 4096;
const MAX_ITEMS: usize = 512;

/// A `dom` rule the page's prefilter let through: `(pattern id, condition, pattern)`, grouped by selector.
pub(crate) struct DomGroup<'a> {
    pub selector: &'a Selector,
    pub conds: Vec<(u32, &'a DomCond, &'a Pattern)>,
}

/// A `dom` condition that held: the pattern id, a snippet and the version read.
#[derive(Debug)]
pub(crate) struct DomHit {
    pub pattern: u32,
    pub snippet: String,
    pub version: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Scanned {
    pub script_srcs: Vec<String>,
    pub inline_scripts: Vec<Range<usize>>,
    pub styles: Vec<Range<usize>>,
    pub stylesheets: Vec<String>,
    /// `(name, property or http-equiv lower-cased, content)`.
    pub metas: Vec<(String, String)>,
    /// Byte ranges of visible text (text nodes outside script and style), adjacent chunks merged.
    pub visible: Vec<Range<usize>>,
    pub dom_hits: Vec<DomHit>,
}

impl Scanned {
    /// Whether `range` of the HTML lies wholly inside one run of visible text.
    pub fn in_prose(&self, range: &Range<usize>) -> bool {
        let i = self.visible.partition_point(|r| r.end < range.end);
        self.visible.get(i).is_some_and(|r| r.start <= range.start && range.end <= r.end)
    }

    /// The visible text, runs joined by newlines.
    pub fn text(&self, html: &str) -> String {
        let mut out = String::new();
        for r in &self.visible {
            if let Some(s) = html.get(r.clone()) {
                out.push_str(&decode_entities(s));
                out.push('\n');
            }
        }
        out
    }
}

#[derive(Default)]
struct State {
    out: Scanned,
    /// Per group: how many elements matched so far.
    counts: Vec<usize>,
    /// Open `text` captures: `(group, text)`.
    captures: Vec<(usize, String, String)>,
    /// Finished captures, evaluated after the pass: `(group, text, start tag)`.
    finished: Vec<(usize, String, String)>,
}

/// Scans `html`; `groups` are the `dom` rules to evaluate. A parse error ends the pass; what was
/// collected up to it is kept.
pub(crate) fn scan(html: &str, groups: &[DomGroup<'_>]) -> Scanned {
    let state = Rc::new(RefCell::new(State { counts: vec![0; groups.len()], ..State::default() }));
    let result = {
        let mut handlers: Vec<(Cow<'_, Selector>, ElementContentHandlers<'_>)> = Vec::with_capacity(groups.len() + 4);
        for (tag, f) in [("script", on_script as fn(&mut State, &Element)), ("meta", on_meta), ("link", on_link)] {
            let Ok(sel) = tag.parse::<Selector>() else { continue };
            let st = Rc::clone(&state);
            handlers.push((
                Cow::Owned(sel),
                ElementContentHandlers::default().element(move |el: &mut Element| {
                    f(&mut st.borrow_mut(), el);
                    Ok(())
                }),
            ));
        }
        for (gi, group) in groups.iter().enumerate() {
            let st = Rc::clone(&state);
            let wants_text = group.conds.iter().any(|(_, c, _)| matches!(c, DomCond::Text));
            let mut h = ElementContentHandlers::default().element(move |el: &mut Element| {
                on_dom_element(&st, gi, group, el, html);
                Ok(())
            });
            if wants_text {
                let st = Rc::clone(&state);
                h = h.text(move |t: &mut TextChunk| {
                    let mut s = st.borrow_mut();
                    for (g, text, _) in s.captures.iter_mut() {
                        if *g == gi && text.len() < MAX_DOM_TEXT {
                            text.push_str(t.as_str());
                        }
                    }
                    Ok(())
                });
            }
            handlers.push((Cow::Borrowed(group.selector), h));
        }
        let st = Rc::clone(&state);
        let settings = Settings {
            element_content_handlers: handlers,
            document_content_handlers: vec![DocumentContentHandlers::default().text(move |t: &mut TextChunk| {
                on_text(&mut st.borrow_mut(), t, html);
                Ok(())
            })],
            strict: false,
            ..Settings::new()
        };
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        rewriter.write(html.as_bytes()).and_then(|()| rewriter.end())
    };
    let _ = result;
    let mut st = state.borrow_mut();
    let finished = std::mem::take(&mut st.finished);
    let open = std::mem::take(&mut st.captures);
    for (gi, text, tag) in finished.into_iter().chain(open) {
        let text = decode_entities(&text);
        for (id, cond, pattern) in &groups[gi].conds {
            if matches!(cond, DomCond::Text)
                && let Some(m) = pattern.find(&text)
            {
                let matched = if pattern.regex.is_some() { &text[m.start..m.end] } else { tag.as_str() };
                st.out.dom_hits.push(DomHit { pattern: *id, snippet: snippet(matched), version: m.version });
            }
        }
    }
    std::mem::take(&mut st.out)
}

fn on_script(st: &mut State, el: &Element) {
    if let Some(src) = el.get_attribute("src")
        && st.out.script_srcs.len() < MAX_ITEMS
    {
        st.out.script_srcs.push(decode_entities(&src).into_owned());
    }
}

fn on_meta(st: &mut State, el: &Element) {
    let Some(content) = el.get_attribute("content") else { return };
    let name =
        el.get_attribute("name").or_else(|| el.get_attribute("property")).or_else(|| el.get_attribute("http-equiv"));
    if let Some(name) = name
        && st.out.metas.len() < MAX_ITEMS
    {
        st.out.metas.push((name.trim().to_ascii_lowercase(), decode_entities(&content).into_owned()));
    }
}

fn on_link(st: &mut State, el: &Element) {
    let is_stylesheet = el
        .get_attribute("rel")
        .is_some_and(|r| r.split_ascii_whitespace().any(|t| t.eq_ignore_ascii_case("stylesheet")));
    if is_stylesheet
        && let Some(href) = el.get_attribute("href")
        && st.out.stylesheets.len() < MAX_ITEMS
    {
        st.out.stylesheets.push(decode_entities(&href).into_owned());
    }
}

fn on_text(st: &mut State, t: &TextChunk, html: &str) {
    let range = t.source_location().bytes();
    if range.is_empty() {
        return;
    }
    let list = match t.text_type() {
        TextType::ScriptData => &mut st.out.inline_scripts,
        TextType::RawText if is_in_style(html, range.start) => &mut st.out.styles,
        TextType::Data | TextType::RCData => &mut st.out.visible,
        _ => return,
    };
    match list.last_mut() {
        Some(last) if last.end == range.start => last.end = range.end,
        _ => list.push(range),
    }
}

/// Whether the raw text starting at `at` follows a `<style …>` start tag.
fn is_in_style(html: &str, at: usize) -> bool {
    let before = &html.as_bytes()[..at];
    memchr::memrchr(b'<', before)
        .is_some_and(|lt| before[lt + 1..].len() >= 5 && before[lt + 1..lt + 6].eq_ignore_ascii_case(b"style"))
}

fn on_dom_element(state: &Rc<RefCell<State>>, gi: usize, group: &DomGroup<'_>, el: &mut Element, html: &str) {
    let mut st = state.borrow_mut();
    if st.counts[gi] >= MAX_MATCHES_PER_SELECTOR {
        return;
    }
    st.counts[gi] += 1;
    let tag = html.get(el.source_location().bytes()).unwrap_or_default();
    let mut wants_text = false;
    for (id, cond, pattern) in &group.conds {
        match cond {
            DomCond::Exists => {
                if let Some(m) = pattern.find(tag) {
                    st.out.dom_hits.push(DomHit { pattern: *id, snippet: snippet(tag), version: m.version });
                }
            }
            DomCond::Attribute(name) => {
                if let Some(value) = el.get_attribute(name) {
                    let value = decode_entities(&value);
                    if let Some(m) = pattern.find(&value) {
                        let matched = if pattern.regex.is_some() { &value[m.start..m.end] } else { &value[..] };
                        let snip = snippet(&format!("{name}=\"{matched}\""));
                        st.out.dom_hits.push(DomHit { pattern: *id, snippet: snip, version: m.version });
                    }
                }
            }
            DomCond::Text => wants_text = true,
        }
    }
    if !wants_text {
        return;
    }
    let tag = tag.to_string();
    let Some(end_handlers) = el.end_tag_handlers() else {
        st.finished.push((gi, String::new(), tag));
        return;
    };
    st.captures.push((gi, String::new(), tag));
    let st2 = Rc::clone(state);
    end_handlers.push(Box::new(move |_end| {
        let mut s = st2.borrow_mut();
        if let Some(pos) = s.captures.iter().rposition(|(g, _, _)| *g == gi) {
            let done = s.captures.remove(pos);
            s.finished.push(done);
        }
        Ok(())
    }));
}

/// Decodes the entities that matter in URLs and short values (`&amp;`, quotes, angle brackets, numeric).
pub(crate) fn decode_entities(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..].find(';').map(|e| e + 1).filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_the_pieces() {
        let html = r#"<html><head><meta name="Generator" content="WordPress 6.4"><link rel="stylesheet" href="/a.css?x=1&amp;y=2">
<style>.x{color:red}</style><script src="/js/app.js"></script><script>var a = 1;</script></head>
<body><p>Hello &amp; welcome</p></body></html>"#;
        let s = scan(html, &[]);
        assert_eq!(s.metas, [("generator".to_string(), "WordPress 6.4".to_string())]);
        assert_eq!(s.stylesheets, ["/a.css?x=1&y=2"]);
        assert_eq!(s.script_srcs, ["/js/app.js"]);
        assert_eq!(s.inline_scripts.iter().map(|r| &html[r.clone()]).collect::<Vec<_>>(), ["var a = 1;"]);
        assert_eq!(s.styles.iter().map(|r| &html[r.clone()]).collect::<Vec<_>>(), [".x{color:red}"]);
        assert!(s.text(html).contains("Hello & welcome"));
        let at = html.find("welcome").unwrap();
        assert!(s.in_prose(&(at..at + 7)));
        let at = html.find("WordPress").unwrap();
        assert!(!s.in_prose(&(at..at + 9)));
    }

    #[test]
    fn entities() {
        assert_eq!(decode_entities("a&amp;b&#x41;&#66;&bogus;&"), "a&bAB&bogus;&");
    }
}
