//! The one streaming `lol_html` pass: collects title, meta tags, JSON-LD script text, microdata, anchors and
//! the page's visible text (block boundaries as newlines, footer and `<address>` spans marked) for the
//! cheap text extractors that run afterwards.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use lol_html::html_content::{Element, TextChunk, TextType};
use lol_html::{DocumentContentHandlers, ElementContentHandlers, HtmlRewriter, Selector, Settings};

use super::microdata::{Item, MicrodataBuilder, prop_names};
use super::text::{decode_entities, floor_boundary, push_break, push_capped, push_collapsed, squish};

const MAX_ANCHORS: usize = 2_000;
const MAX_ANCHOR_TEXT: usize = 200;
const MAX_METAS: usize = 200;
const MAX_JSONLD_SCRIPTS: usize = 32;
const MAX_JSONLD_BYTES: usize = 512 * 1024;
const MAX_TITLE: usize = 500;
/// Visible text beyond this is not collected: contact details live in the first few hundred KB.
const MAX_TEXT: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Anchor {
    /// `href` as written, entities decoded.
    pub href: String,
    /// Link text, whitespace collapsed.
    pub text: String,
}

/// Everything the streaming pass collects from one page.
#[derive(Debug, Default)]
pub(crate) struct Scanned {
    pub title: Option<String>,
    /// `<html lang="…">` as written (`de-AT`, `en`).
    pub lang: Option<String>,
    /// `(name or property, content)`, the key lower-cased.
    pub metas: Vec<(String, String)>,
    pub jsonld: Vec<String>,
    pub microdata: Vec<Item>,
    pub anchors: Vec<Anchor>,
    /// Visible text: one line per block element.
    pub text: String,
    /// Byte ranges of `text` inside `<footer>` (or an element whose id/class says footer).
    pub footers: Vec<Range<usize>>,
    /// Byte ranges of `text` inside `<address>` elements.
    pub address_blocks: Vec<Range<usize>>,
    pub warnings: Vec<String>,
}

#[derive(Default)]
struct State {
    out: Scanned,
    title: Option<String>,
    in_title: bool,
    jsonld_open: Option<String>,
    open_anchors: Vec<usize>,
    footer_depth: u32,
    footer_start: usize,
    address_depth: u32,
    address_start: usize,
    /// Inside `<template>`, `<svg>` or `<math>`: nothing there is visible page text.
    skip_depth: u32,
    /// The document mentions `itemscope`/`itemprop` somewhere; otherwise no element is asked about them.
    may_have_microdata: bool,
    /// The document has no `<footer>` element, so ids and classes saying "footer" are looked at instead.
    needs_footer_classes: bool,
    microdata: MicrodataBuilder,
}

type Shared = Rc<RefCell<State>>;

/// Runs the streaming pass over `html`. Parser errors end the pass early with a warning; what was collected
/// up to that point is kept.
pub(crate) fn scan(html: &str) -> Scanned {
    // Attribute lookups allocate in lol_html; a substring check on the whole document lets most pages
    // skip them for every element.
    let bytes = html.as_bytes();
    let state: Shared = Rc::new(RefCell::new(State {
        may_have_microdata: memchr::memmem::find(bytes, b"itemprop").is_some()
            || memchr::memmem::find(bytes, b"itemscope").is_some(),
        needs_footer_classes: memchr::memmem::find(bytes, b"<footer").is_none()
            && memchr::memmem::find(bytes, b"<FOOTER").is_none(),
        out: Scanned { text: String::with_capacity(html.len() / 4), ..Scanned::default() },
        ..State::default()
    }));
    let result = {
        let element_state = state.clone();
        let text_state = state.clone();
        let any: Selector = match "*".parse() {
            Ok(sel) => sel,
            Err(_) => return Scanned::default(),
        };
        let settings = Settings {
            element_content_handlers: vec![(
                Cow::Owned(any),
                ElementContentHandlers::default().element(move |el: &mut Element| {
                    on_element(&element_state, el);
                    Ok(())
                }),
            )],
            document_content_handlers: vec![DocumentContentHandlers::default().text(move |t: &mut TextChunk| {
                on_text(&text_state, t, bytes);
                Ok(())
            })],
            strict: false,
            ..Settings::new()
        };
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        rewriter.write(html.as_bytes()).and_then(|()| rewriter.end())
    };
    let mut st = state.borrow_mut();
    if let Err(e) = result {
        st.out.warnings.push(format!("HTML parsing stopped early: {e}"));
    }
    finish(&mut st);
    std::mem::take(&mut st.out)
}

fn finish(st: &mut State) {
    if let Some(buf) = st.jsonld_open.take() {
        st.out.jsonld.push(buf);
    }
    st.microdata.finish();
    st.out.microdata = std::mem::take(&mut st.microdata.items);
    if st.footer_depth > 0 {
        let start = st.footer_start;
        st.out.footers.push(start..st.out.text.len());
    }
    if st.address_depth > 0 {
        let start = st.address_start;
        st.out.address_blocks.push(start..st.out.text.len());
    }
    st.out.title = st.title.take().map(|t| squish(&t)).filter(|t| !t.is_empty());
}

fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "br"
            | "dd"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "option"
            | "p"
            | "pre"
            | "section"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
            | "button"
            | "select"
            | "details"
            | "summary"
    )
}

fn attr(el: &Element, name: &str) -> Option<String> {
    let value = el.get_attribute(name)?;
    Some(match decode_entities(&value) {
        Cow::Borrowed(_) => value,
        Cow::Owned(decoded) => decoded,
    })
}

fn on_element(state: &Shared, el: &mut Element) {
    let tag = el.tag_name();
    let tag = tag.as_str();
    let mut st = state.borrow_mut();
    if st.skip_depth > 0 {
        return;
    }
    if matches!(tag, "template" | "svg" | "math") {
        if el.can_have_content() {
            st.skip_depth += 1;
            on_end(el, state, |st| st.skip_depth = st.skip_depth.saturating_sub(1));
        }
        return;
    }

    let block = is_block(tag);
    if block {
        block_boundary(&mut st);
    }

    match tag {
        "html" if st.out.lang.is_none() => st.out.lang = el.get_attribute("lang").map(|l| l.trim().to_string()),
        "title" if st.title.is_none() => {
            st.title = Some(String::new());
            st.in_title = true;
            on_end(el, state, |st| st.in_title = false);
        }
        "meta" => {
            let key = el.get_attribute("property").or_else(|| el.get_attribute("name"));
            if let (Some(key), Some(content)) = (key, attr(el, "content"))
                && st.out.metas.len() < MAX_METAS
            {
                st.out.metas.push((key.trim().to_ascii_lowercase(), content));
            }
        }
        "script" => {
            let is_jsonld = el.get_attribute("type").is_some_and(|t| t.to_ascii_lowercase().contains("ld+json"));
            if is_jsonld && st.out.jsonld.len() < MAX_JSONLD_SCRIPTS {
                if let Some(buf) = st.jsonld_open.take() {
                    st.out.jsonld.push(buf);
                }
                st.jsonld_open = Some(String::new());
                on_end(el, state, |st| {
                    if let Some(buf) = st.jsonld_open.take() {
                        st.out.jsonld.push(buf);
                    }
                });
            }
        }
        "a" | "area" => {
            if let Some(href) = attr(el, "href")
                && st.out.anchors.len() < MAX_ANCHORS
            {
                // Links do not nest: a new one implicitly closes any still open (whose end tag is never
                // reported).
                for open in std::mem::take(&mut st.open_anchors) {
                    close_anchor(&mut st, open);
                }
                let idx = st.out.anchors.len();
                let href = if href.trim().len() == href.len() { href } else { href.trim().to_string() };
                st.out.anchors.push(Anchor { href, text: String::new() });
                if el.can_have_content() {
                    st.open_anchors.push(idx);
                    on_end(el, state, move |st| close_anchor(st, idx));
                }
            }
        }
        "footer" => open_footer(state, &mut st, el),
        "div" | "section" | "aside" if st.needs_footer_classes && st.footer_depth == 0 && looks_like_footer(el) => {
            open_footer(state, &mut st, el);
        }
        "address" if el.can_have_content() => {
            if st.address_depth == 0 {
                st.address_start = st.out.text.len();
            }
            st.address_depth += 1;
            on_end(el, state, |st| {
                block_boundary(st);
                st.address_depth = st.address_depth.saturating_sub(1);
                if st.address_depth == 0 {
                    let range = st.address_start..st.out.text.len();
                    st.out.address_blocks.push(range);
                }
            });
        }
        _ => {}
    }

    if !st.may_have_microdata {
        return;
    }
    let has_scope = el.has_attribute("itemscope");
    let itemprop = if has_scope || st.microdata.is_active() { el.get_attribute("itemprop") } else { None };
    if has_scope {
        let names = itemprop.as_deref().map(prop_names).unwrap_or_default();
        let itemtype = attr(el, "itemtype").map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        if el.can_have_content() {
            if let Some(id) = st.microdata.open_scope(itemtype, names) {
                on_end(el, state, move |st| st.microdata.close(id));
            }
        } else {
            st.microdata.empty_scope(itemtype, names);
        }
    } else if let Some(itemprop) = itemprop {
        let names = prop_names(&itemprop);
        if let Some(value) = attribute_value(el, tag) {
            st.microdata.add_value(&names, &value);
        } else if el.can_have_content() {
            if let Some(id) = st.microdata.open_prop(names) {
                on_end(el, state, move |st| st.microdata.close(id));
            }
        } else {
            st.microdata.add_value(&names, "");
        }
    }
}

/// The microdata value an element carries in an attribute, per the HTML spec's table (plus `content`,
/// which pages put on any element).
fn attribute_value(el: &Element, tag: &str) -> Option<String> {
    let from = match tag {
        "meta" => "content",
        "a" | "area" | "link" => "href",
        "img" | "audio" | "video" | "source" | "embed" | "iframe" | "track" => "src",
        "object" => "data",
        "data" | "meter" => "value",
        "time" => "datetime",
        _ => "content",
    };
    attr(el, from).or_else(|| if from == "content" { None } else { attr(el, "content") })
}

fn looks_like_footer(el: &Element) -> bool {
    let says_footer = |v: Option<String>| v.is_some_and(|v| v.to_ascii_lowercase().contains("footer"));
    el.can_have_content() && (says_footer(el.get_attribute("id")) || says_footer(el.get_attribute("class")))
}

fn open_footer(state: &Shared, st: &mut State, el: &mut Element) {
    if !el.can_have_content() {
        return;
    }
    if st.footer_depth == 0 {
        st.footer_start = st.out.text.len();
    }
    st.footer_depth += 1;
    on_end(el, state, |st| {
        block_boundary(st);
        st.footer_depth = st.footer_depth.saturating_sub(1);
        if st.footer_depth == 0 {
            let range = st.footer_start..st.out.text.len();
            st.out.footers.push(range);
        }
    });
}

/// Registers `f` to run on the element's end tag (never called for implicitly closed elements).
fn on_end(el: &mut Element, state: &Shared, f: impl FnOnce(&mut State) + 'static) {
    if let Some(handlers) = el.end_tag_handlers() {
        let state = state.clone();
        handlers.push(Box::new(move |_end| {
            f(&mut state.borrow_mut());
            Ok(())
        }));
    }
}

fn block_boundary(st: &mut State) {
    push_break(&mut st.out.text);
    st.microdata.push_space();
    for &i in &st.open_anchors {
        let text = &mut st.out.anchors[i].text;
        if !text.is_empty() && !text.ends_with(' ') {
            text.push(' ');
        }
    }
}

fn close_anchor(st: &mut State, idx: usize) {
    st.open_anchors.retain(|&i| i != idx);
    if let Some(a) = st.out.anchors.get_mut(idx) {
        let trimmed = a.text.trim();
        if trimmed.len() != a.text.len() {
            a.text = trimmed.to_string();
        }
    }
}

/// True when `before` (the document up to a text chunk) ends with the end tag of a block element, possibly
/// followed by more tags (`</nav><a href=…>`), so the text that follows starts a new line. Reading the source
/// here saves an end-tag handler per element.
fn follows_block_end_tag(before: &[u8]) -> bool {
    let mut rest = before;
    for _ in 0..8 {
        if rest.last() != Some(&b'>') {
            return false;
        }
        let search_from = rest.len().saturating_sub(512);
        let Some(open) = memchr::memrchr(b'<', &rest[search_from..rest.len() - 1]).map(|i| search_from + i) else {
            return false;
        };
        if let Some(name) = rest[open + 1..].strip_prefix(b"/") {
            let name_len = name.iter().take(10).take_while(|b| b.is_ascii_alphanumeric()).count();
            let mut lower = [0u8; 10];
            for (dst, src) in lower.iter_mut().zip(&name[..name_len]) {
                *dst = src.to_ascii_lowercase();
            }
            if std::str::from_utf8(&lower[..name_len]).is_ok_and(is_block) {
                return true;
            }
        }
        rest = &rest[..open];
    }
    false
}

fn on_text(state: &Shared, chunk: &TextChunk, html: &[u8]) {
    let raw = chunk.as_str();
    if raw.is_empty() {
        return;
    }
    let mut st = state.borrow_mut();
    match chunk.text_type() {
        TextType::Data if st.skip_depth == 0 => {
            if st.out.text.len() >= MAX_TEXT {
                return;
            }
            let start = chunk.source_location().bytes().start;
            if html.get(..start).is_some_and(follows_block_end_tag) {
                block_boundary(&mut st);
            }
            let decoded = decode_entities(raw);
            push_collapsed(&mut st.out.text, &decoded);
            st.microdata.push_text(&decoded);
            if !st.open_anchors.is_empty() {
                let open = std::mem::take(&mut st.open_anchors);
                for &i in &open {
                    let text = &mut st.out.anchors[i].text;
                    if text.len() < MAX_ANCHOR_TEXT {
                        let room = MAX_ANCHOR_TEXT - text.len();
                        push_collapsed(text, &decoded[..floor_boundary(&decoded, room)]);
                    }
                }
                st.open_anchors = open;
            }
        }
        TextType::RCData if st.in_title => {
            if let Some(title) = st.title.as_mut() {
                push_capped(title, &decode_entities(raw), MAX_TITLE);
            }
        }
        TextType::ScriptData => {
            if let Some(buf) = st.jsonld_open.as_mut() {
                push_capped(buf, raw, MAX_JSONLD_BYTES);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_text_with_block_breaks_and_skips_scripts() {
        let s = scan(
            "<html><head><title>Acme &amp; Co</title><style>p{color:red}</style>\
             <script>var x = 'js@acme.com';</script></head><body>\
             <div>Call<span> us</span></div><p>loose</p>a&#64;b.com<br><template><p>hidden</p></template>\
             <svg><text>svg</text></svg><noscript>ns</noscript>end</body></html>",
        );
        assert_eq!(s.title.as_deref(), Some("Acme & Co"));
        assert_eq!(s.text, "Call us\nloose\na@b.com\nend");
        let s = scan("<ul><li><a href=/c>Contact</a></li></ul><a href=tel:1><b>Call</b> 555</a><span>x</span>y");
        assert_eq!(s.text, "Contact\nCall 555xy");
    }

    #[test]
    fn anchors_metas_footer_address_jsonld() {
        let s = scan(
            "<meta name=Description content='Best &amp; nicest'><meta property='og:title' content='T'>\
             <script type='application/ld+json'>{\"a\":1}</script>\
             <nav><a href='/contact'>Contact <b>us</b></a><a href='/x'>About</a></nav>\
             <address>1 Main St<br>Springfield</address>\
             <div class='site-footer'><p>Footer text</p><a href='mailto:a@b.com'>mail</a></div>",
        );
        assert_eq!(s.metas, vec![("description".into(), "Best & nicest".into()), ("og:title".into(), "T".into())]);
        assert_eq!(s.jsonld, vec!["{\"a\":1}".to_string()]);
        assert_eq!(s.anchors.len(), 3);
        assert_eq!(s.anchors[0].text, "Contact us");
        assert_eq!(s.anchors[1].text, "About");
        let addr = &s.text[s.address_blocks[0].clone()];
        assert_eq!(addr.trim(), "1 Main St\nSpringfield");
        assert!(s.text[s.footers[0].clone()].contains("Footer text"));
    }

    #[test]
    fn microdata_items_are_built() {
        let s = scan(
            "<div itemscope itemtype='https://schema.org/LocalBusiness'><h1 itemprop=name>Acme</h1>\
             <div itemprop=address itemscope itemtype='https://schema.org/PostalAddress'>\
             <span itemprop=streetAddress>1 Main St</span><meta itemprop=postalCode content=62704></div>\
             <a itemprop=url href='https://acme.test/'>site</a></div>",
        );
        assert_eq!(s.microdata.len(), 1);
        let node = s.microdata[0].to_schema_node();
        assert_eq!(node["name"], "Acme");
        assert_eq!(node["address"]["streetAddress"], "1 Main St");
        assert_eq!(node["address"]["postalCode"], "62704");
        assert_eq!(node["url"], "https://acme.test/");
    }

    #[test]
    fn garbage_does_not_panic() {
        for html in ["", "<", "<<<>>>", "</a></div>", "<a href", "\u{0}\u{1}<p", "<svg><svg>", "<template>x"] {
            let _ = scan(html);
        }
        assert_eq!(scan("<svg/><p>a</p><svg viewBox='0 0 1 1'/><p>b</p>").text, "a\nb");
        let deep = "<div>".repeat(50_000) + "x" + &"</div>".repeat(50_000);
        assert_eq!(scan(&deep).text.trim(), "x");
    }
}
