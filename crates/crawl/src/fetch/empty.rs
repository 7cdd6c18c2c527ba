//! Recognises answered pages with nothing in them: no body, only whitespace, or markup without a word of
//! text and without anything else that carries content (links, frames, images, scripts, meta facts).
//! Conservative on purpose: a script-built page or a frameset is not empty, only unreadable as text.

use super::markup::{attr, tags, visible_text, word_count};

/// Elements whose presence means the page says something without text: navigation, embedded content,
/// forms, and scripts (JSON-LD, or a page built in the browser).
const CONTENT_ELEMENTS: &[&str] =
    &["a", "area", "frame", "iframe", "img", "picture", "svg", "object", "embed", "video", "audio", "form", "script"];

/// `<meta>` names that are page plumbing, not facts about the business.
const PLUMBING_META: &[&str] = &[
    "viewport",
    "x-ua-compatible",
    "content-type",
    "format-detection",
    "robots",
    "googlebot",
    "generator",
    "referrer",
    "theme-color",
    "color-scheme",
];

/// Why `html` (the decoded body) is an empty page, or `None` when it has content.
pub(crate) fn why_empty(html: &str) -> Option<&'static str> {
    if html.is_empty() {
        return Some("empty page: no body");
    }
    if html.trim().is_empty() {
        return Some("empty page: only whitespace");
    }
    let lower = html.to_lowercase();
    if word_count(&visible_text(&lower)) > 0 || carries_content(&lower) {
        return None;
    }
    Some("empty page: markup without text or content")
}

/// True when the markup has an element or attribute that carries content without visible text.
fn carries_content(lower: &str) -> bool {
    CONTENT_ELEMENTS.iter().any(|name| !tags(lower, name).is_empty())
        || lower.contains("itemprop")
        || tags(lower, "meta").iter().any(|meta| meta_carries_content(meta))
}

/// A `<meta>` with a value that is not plumbing: a description, OpenGraph data, a refresh redirect.
fn meta_carries_content(attrs: &str) -> bool {
    let key = attr(attrs, "name").or_else(|| attr(attrs, "property")).or_else(|| attr(attrs, "http-equiv"));
    let has_value = attr(attrs, "content").is_some_and(|v| !v.trim().is_empty());
    key.is_some_and(|key| !PLUMBING_META.contains(&key.trim())) && has_value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_whitespace_and_bare_markup_are_empty() {
        assert_eq!(why_empty(""), Some("empty page: no body"));
        assert_eq!(why_empty(" \r\n\t"), Some("empty page: only whitespace"));
        for bare in [
            "<html><body></body></html>",
            "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
             <title></title><style>body{margin:0}</style></head><body>\n<div class=\"wrap\"> &nbsp; </div><!-- todo --></body></html>",
            "<html><head><meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\"><link rel=stylesheet href=/s.css></head></html>",
        ] {
            assert_eq!(why_empty(bare), Some("empty page: markup without text or content"), "{bare}");
        }
    }

    #[test]
    fn pages_with_text_or_content_are_not_empty() {
        for page in [
            "<html><body><p>Acme</p></body></html>",
            "<title>Acme Plumbing</title>",
            "plain words",
            "<html><frameset><frame src=\"/main.html\"></frameset></html>",
            "<html><head><meta http-equiv=\"refresh\" content=\"0; url=/home\"></head></html>",
            "<html><body><div id=\"root\"></div><script src=\"/app.js\"></script></body></html>",
            "<html><body><a href=\"/contact\"></a></body></html>",
            "<html><body><img src=\"/flyer.jpg\"></body></html>",
            "<html><head><meta name=\"description\" content=\"Plumbers in Springfield\"></head></html>",
            "<html><head><meta property=\"og:title\" content=\"Acme\"></head></html>",
            "<div itemscope itemtype=\"https://schema.org/LocalBusiness\"><span itemprop=telephone content=x></span></div>",
        ] {
            assert_eq!(why_empty(page), None, "{page}");
        }
    }
}
