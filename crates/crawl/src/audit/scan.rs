//! What one page says to the audit, collected in one lol_html pass.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use lol_html::html_content::{Element, TextChunk};
use lol_html::{ElementContentHandlers, HtmlRewriter, Selector, Settings};

use crate::extract::text::decode_entities;

/// A resource a page loads, for the bounded weight checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resource {
    Image,
    Script,
    Style,
}

#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub lang: Option<String>,
    pub titles: Vec<String>,
    pub meta_description: Option<String>,
    pub viewport: Option<String>,
    pub robots: Option<String>,
    pub canonical: Option<String>,
    pub meta_charset: bool,
    pub meta_refresh: bool,
    pub open_graph: bool,
    pub h1: usize,
    /// Heading levels in document order.
    pub headings: Vec<u8>,
    pub images: usize,
    pub images_without_alt: usize,
    pub images_without_size: usize,
    pub lazy_images: usize,
    pub scripts: usize,
    pub blocking_scripts: usize,
    pub stylesheets: usize,
    /// Hosts of external scripts, styles and images.
    pub third_party: Vec<String>,
    pub insecure_resources: Vec<String>,
    pub resources: Vec<(Resource, String)>,
    pub forms: usize,
    pub insecure_forms: usize,
    pub inputs: usize,
    pub labelled_inputs: usize,
    pub tel_links: usize,
    pub mailto_links: usize,
    pub empty_links: usize,
    pub unsafe_blank: usize,
    /// Every `<a href>` with its text.
    pub links: Vec<(String, String)>,
    /// The text of each JSON-LD block.
    pub jsonld: Vec<String>,
    /// `hreflang` values of alternate links.
    pub hreflangs: Vec<(String, String)>,
    pub obsolete: Vec<String>,
    pub elements: usize,
    in_head: bool,
    in_jsonld: bool,
}

fn selector(s: &str) -> Option<Selector> {
    s.parse().ok()
}

pub(super) fn scan(html: &str) -> Scan {
    let state = Rc::new(RefCell::new(Scan { in_head: true, ..Scan::default() }));
    let (Some(any), Some(title), Some(script), Some(anchor)) =
        (selector("*"), selector("title"), selector("script"), selector("a"))
    else {
        return Scan::default();
    };
    let (st, title_state, script_state, link_state) = (state.clone(), state.clone(), state.clone(), state.clone());
    let settings = Settings {
        element_content_handlers: vec![
            (
                Cow::Owned(any),
                ElementContentHandlers::default().element(move |el: &mut Element| {
                    on_element(&mut st.borrow_mut(), el);
                    Ok(())
                }),
            ),
            (
                Cow::Owned(title),
                ElementContentHandlers::default().text(move |t: &mut TextChunk| {
                    if let Some(last) = title_state.borrow_mut().titles.last_mut() {
                        last.push_str(t.as_str());
                    }
                    Ok(())
                }),
            ),
            (
                Cow::Owned(script),
                ElementContentHandlers::default().text(move |t: &mut TextChunk| {
                    let mut s = script_state.borrow_mut();
                    if s.in_jsonld {
                        if let Some(last) = s.jsonld.last_mut() {
                            last.push_str(t.as_str());
                        }
                        if t.last_in_text_node() {
                            s.in_jsonld = false;
                        }
                    }
                    Ok(())
                }),
            ),
            (
                Cow::Owned(anchor),
                ElementContentHandlers::default().text(move |t: &mut TextChunk| {
                    let mut s = link_state.borrow_mut();
                    // Only text inside an <a> comes here, and anchors do not nest: it is the last link's.
                    if let Some((_, text)) = s.links.last_mut()
                        && text.len() < 200
                    {
                        text.push_str(t.as_str());
                    }
                    Ok(())
                }),
            ),
        ],
        strict: false,
        ..Settings::new()
    };
    {
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        // A parse error ends the scan; what was seen up to there is audited.
        let _ = rewriter.write(html.as_bytes()).and_then(|()| rewriter.end());
    }
    Rc::try_unwrap(state).map(RefCell::into_inner).unwrap_or_default()
}

fn external_host(src: &str) -> Option<String> {
    let rest =
        src.strip_prefix("https://").or_else(|| src.strip_prefix("http://")).or_else(|| src.strip_prefix("//"))?;
    let host = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

fn on_element(s: &mut Scan, el: &mut Element) {
    s.elements += 1;
    let tag = el.tag_name();
    // Attribute values as the browser reads them: `&#109;ailto:` is a mailto link.
    let attr =
        |name: &str| el.get_attribute(name).map(|v| if v.contains('&') { decode_entities(&v).into_owned() } else { v });
    match tag.as_str() {
        "html" => s.lang = attr("lang").filter(|l| !l.trim().is_empty()),
        "body" => s.in_head = false,
        "title" if s.in_head || s.titles.is_empty() => s.titles.push(String::new()),
        "meta" => {
            let name = attr("name").or_else(|| attr("property")).unwrap_or_default().to_ascii_lowercase();
            let content = attr("content");
            if attr("charset").is_some() {
                s.meta_charset = true;
            }
            let equiv = attr("http-equiv").unwrap_or_default().to_ascii_lowercase();
            if equiv == "content-type" && content.as_deref().is_some_and(|c| c.to_ascii_lowercase().contains("charset"))
            {
                s.meta_charset = true;
            }
            if equiv == "refresh" {
                s.meta_refresh = true;
            }
            match name.as_str() {
                "description" => s.meta_description = content.or(Some(String::new())),
                "viewport" => s.viewport = content,
                "robots" => s.robots = content.map(|c| c.to_ascii_lowercase()),
                "og:title" | "og:image" => s.open_graph = true,
                _ => {}
            }
        }
        "link" => {
            let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
            let href = attr("href").unwrap_or_default();
            let rels: Vec<&str> = rel.split_whitespace().collect();
            if rels.contains(&"canonical") {
                s.canonical = Some(href.clone());
            }
            if rels.contains(&"stylesheet") {
                s.stylesheets += 1;
                if href.starts_with("http://") {
                    s.insecure_resources.push(href.clone());
                }
                s.third_party.extend(external_host(&href));
                s.resources.push((Resource::Style, href.clone()));
            }
            if let Some(lang) = attr("hreflang") {
                s.hreflangs.push((lang, href));
            }
        }
        "script" => {
            if attr("type").is_some_and(|t| t.to_ascii_lowercase().contains("ld+json")) {
                s.jsonld.push(String::new());
                s.in_jsonld = true;
                return;
            }
            if let Some(src) = attr("src") {
                s.scripts += 1;
                if s.in_head
                    && attr("async").is_none()
                    && attr("defer").is_none()
                    && attr("type").as_deref() != Some("module")
                {
                    s.blocking_scripts += 1;
                }
                s.third_party.extend(external_host(&src));
                if src.starts_with("http://") {
                    s.insecure_resources.push(src.clone());
                }
                s.resources.push((Resource::Script, src));
            }
        }
        "img" => {
            s.images += 1;
            if attr("alt").is_none() {
                s.images_without_alt += 1;
            }
            if attr("width").is_none() || attr("height").is_none() {
                s.images_without_size += 1;
            }
            if attr("loading").is_some_and(|l| l.eq_ignore_ascii_case("lazy")) {
                s.lazy_images += 1;
            }
            if let Some(src) = attr("src") {
                if src.starts_with("http://") {
                    s.insecure_resources.push(src.clone());
                }
                s.third_party.extend(external_host(&src));
                s.resources.push((Resource::Image, src));
            }
        }
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
            let level = tag.as_bytes()[1] - b'0';
            if level == 1 {
                s.h1 += 1;
            }
            s.headings.push(level);
        }
        "form" => {
            s.forms += 1;
            if attr("action").is_some_and(|a| a.starts_with("http://")) {
                s.insecure_forms += 1;
            }
        }
        "input" | "select" | "textarea" => {
            let kind = attr("type").unwrap_or_default().to_ascii_lowercase();
            if !matches!(kind.as_str(), "hidden" | "submit" | "button" | "image" | "reset") {
                s.inputs += 1;
                if attr("aria-label").is_some()
                    || attr("aria-labelledby").is_some()
                    || attr("id").is_some()
                    || attr("title").is_some()
                {
                    s.labelled_inputs += 1;
                }
            }
        }
        "a" => {
            let raw = attr("href").unwrap_or_default();
            let href = raw.to_ascii_lowercase();
            if href.starts_with("tel:") {
                s.tel_links += 1;
            } else if href.starts_with("mailto:") {
                s.mailto_links += 1;
            }
            if href.is_empty() || href == "#" {
                s.empty_links += 1;
            }
            if attr("target").is_some_and(|t| t.eq_ignore_ascii_case("_blank"))
                && !attr("rel").is_some_and(|r| {
                    let r = r.to_ascii_lowercase();
                    r.contains("noopener") || r.contains("noreferrer")
                })
            {
                s.unsafe_blank += 1;
            }
            s.links.push((raw.trim().to_string(), String::new()));
        }
        "marquee" | "blink" | "font" | "center" | "frameset" | "frame" | "applet" => {
            s.obsolete.push(format!("<{tag}>"));
        }
        "object" | "embed" => {
            let src = attr("data").or_else(|| attr("src")).unwrap_or_default().to_ascii_lowercase();
            let kind = attr("type").unwrap_or_default().to_ascii_lowercase();
            if src.contains(".swf") || kind.contains("flash") {
                s.obsolete.push("Flash".to_string());
            }
        }
        _ => {}
    }
}
